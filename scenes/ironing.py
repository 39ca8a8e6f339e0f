"""Ironing (the paper's Figures 2 and 3): the offset of a rough loss flattens as rho grows.

Left: ``weierstrass_like`` (Eq. 13) and its ironed landscape f_rho - rho, morphing through the
radii (the grey-dilation offset of ``rollingball.numeric.offset``).  Right: Delta(rho) = sup f_rho -
inf f_rho for the sine on [-3 pi, 3 pi] (log-log), with the plateau Delta = 2 below the critical
radius rho_c = 1 (``rollingball.geometry.reach``) and the 1/rho decay beyond.

    manim -ql scenes/ironing.py Ironing
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    Transform,
    VGroup,
)

from rollingball import storyboard
from rollingball.scenes._common import (
    CURVE,
    DANGER,
    MUTED,
    OFFSET,
    STEP,
    caption,
    label,
    polyline,
    title,
)
from rollingball.scenes.base import StoryboardScene


class Ironing(StoryboardScene):
    """Figs. 2-3: offsets of weierstrass_like for growing rho beside Delta(rho) of the sine."""

    scene_name = "Ironing"
    data_words = "ironing {loss} at radii {radii} and Delta(rho) of the sine"

    def compute_data(self, opts):
        return storyboard.ironing_data(opts)

    def construct(self):
        d = self.data
        head = title("Ironing: the ball smooths the landscape")
        lo, hi = float(d.xs[0]), float(d.xs[-1])
        ymin = float(min(d.f.min(), d.offsets.min())) - 0.2
        ymax = float(max(d.f.max(), d.offsets.max())) + 0.2
        left = Axes(x_range=[lo, hi, 1], y_range=[ymin, ymax, 1], x_length=7.4, y_length=4.6,
                    tips=False, axis_config=dict(color=MUTED, stroke_width=1.5))
        left.to_corner(DOWN + LEFT, buff=0.5).shift(UP * 0.3)
        self.left_axes = left
        graph = polyline(left, np.column_stack([d.xs, d.f]), CURVE, 1.2, z=1)
        graph.set_stroke(opacity=0.55)
        curves = [polyline(left, np.column_stack([d.xs, o]), OFFSET, 3.5, z=2)
                  for o in d.offsets]
        self.offset_curves = curves
        name = caption(f"{self.opts.landscape.name}:  f  and  f_ρ − ρ", 22)
        name.next_to(left, UP, buff=0.2).align_to(left, LEFT)

        rho_tags = [label(rf"\rho = {r:g}", f"ρ = {r:g}", 34, OFFSET) for r in d.radii]
        for tag in rho_tags:
            tag.next_to(left, UP, buff=0.2).align_to(left, RIGHT)

        # Delta(rho) panel, log-log; coordinates shifted so the axes meet at the bottom-left
        lx, ly = np.log10(d.delta_rho), np.log10(d.delta)
        x0, y0 = float(np.floor(lx.min())), float(np.floor(ly.min()))
        x1, y1 = float(np.ceil(lx.max())), 0.6
        right = Axes(x_range=[0, x1 - x0, 1], y_range=[0, y1 - y0, 1], x_length=4.6,
                     y_length=4.0, tips=False,
                     axis_config=dict(color=MUTED, stroke_width=1.5))
        right.to_corner(DOWN + RIGHT, buff=0.55).shift(UP * 0.3)
        self.right_axes = right

        def at(lr, ld):
            return right.c2p(lr - x0, ld - y0)

        ticks = VGroup()
        for e in range(int(x0), int(x1) + 1):
            ticks.add(caption(f"{10.0 ** e:g}", 16).next_to(at(e, y0), DOWN, buff=0.1))
        for e in range(int(y0) + 1, 1):
            ticks.add(caption(f"{10.0 ** e:g}", 16).next_to(at(x0, e), LEFT, buff=0.1))
        dcurve = polyline(right, np.column_stack([lx - x0, ly - y0]), STEP, 3.5, z=2)
        rc = d.critical_radius
        vline = DashedLine(at(np.log10(rc), y0), at(np.log10(rc), y1), color=DANGER,
                           stroke_width=2)
        plateau = DashedLine(at(x0, np.log10(2.0)), at(np.log10(rc), np.log10(2.0)),
                             color=MUTED, stroke_width=1.5)
        rc_tag = label(rf"\rho_c = {rc:.3g}", f"ρ_c = {rc:.3g}", 26, DANGER)
        rc_tag.next_to(at(np.log10(rc), y0 + 0.35), RIGHT, buff=0.1)
        pl_tag = caption("plateau  Δ = 2", 18, CURVE).next_to(plateau, DOWN, buff=0.1)
        pl_tag.shift(RIGHT * 0.2)
        slope = caption("∼ 1/ρ", 20, STEP).next_to(at(lx[-8], ly[-8]), UP + RIGHT, buff=0.05)
        r_name = label(r"\Delta(\rho)\ \text{of}\ \sin\ \text{on}\ [-3\pi, 3\pi]",
                       "Δ(ρ) of sin on [−3π, 3π]", 26, CURVE)
        r_name.next_to(right, UP, buff=0.2)
        xlab = caption("ρ", 20).next_to(right.x_axis, RIGHT, buff=0.1)
        ylab = caption("Δ", 20).next_to(right.y_axis, UP, buff=0.1)
        xlab.add(ticks)
        self.delta_curve, self.critical_line = dcurve, vline
        marker = Dot(radius=0.06, color=CURVE)
        self.play(FadeIn(head), Create(left), Create(graph), FadeIn(name), run_time=1.2,
                  beat="the rough loss")
        self.play(Create(right), FadeIn(r_name), FadeIn(xlab), FadeIn(ylab), run_time=0.8,
                  beat="the Delta(rho) panel")
        self.play(Create(dcurve), run_time=1.2, beat="Delta(rho) of the sine")
        self.current_beat = "plateau, critical radius, decay"
        self.play(Create(plateau), FadeIn(pl_tag), Create(vline), FadeIn(rc_tag), FadeIn(slope),
                  run_time=0.8)
        shown = curves[0].copy()
        tag = rho_tags[0].copy()
        self.play(Create(shown), FadeIn(tag), run_time=0.8, beat="the ironed loss")
        per = max(0.4, self.opts.duration * 6.0 / max(1, len(curves)))
        for cur, t in zip(curves[1:], rho_tags[1:], strict=True):
            self.play(Transform(shown, cur), Transform(tag, t), run_time=per * 0.7,
                      beat="growing the radius")
            self.wait(per * 0.3)
        self.shown_offset = shown
        self.add(marker.move_to(at(np.log10(rc), np.log10(2.0))))
        self.wait(1.0)


__all__ = ["Ironing", "VGroup", "RIGHT", "LEFT"]
