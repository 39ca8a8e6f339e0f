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
    UR,
    Axes,
    Create,
    DashedLine,
    FadeIn,
    Transform,
    VGroup,
)

from rollingball import storyboard
from rollingball.scenes._common import (
    PAL,
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
    #: The deck opens on the rough loss and Delta(rho); then the three regimes of Fig. 3,
    #: then the ironed loss of Fig. 2 through the radii.
    beats = ("plateau", "critical radius", "decay", "the ironed loss")

    def compute_data(self, opts):
        return storyboard.ironing_data(opts)

    def construct(self):
        d = self.data
        head = title("Ironing: the ball smooths the landscape")
        lo, hi = float(d.xs[0]), float(d.xs[-1])
        ymin = float(min(d.f.min(), d.offsets.min())) - 0.2
        ymax = float(max(d.f.max(), d.offsets.max())) + 0.2
        left = Axes(x_range=[lo, hi, 1], y_range=[ymin, ymax, 1], x_length=7.4, y_length=4.6,
                    tips=False, axis_config=dict(color=PAL.MUTED, stroke_width=1.5))
        left.to_corner(DOWN + LEFT, buff=0.5).shift(UP * 0.3)
        self.left_axes = left
        graph = polyline(left, np.column_stack([d.xs, d.f]), PAL.CURVE, 1.2, z=1)
        graph.set_stroke(opacity=0.55)
        curves = [polyline(left, np.column_stack([d.xs, o]), PAL.OFFSET, 3.5, z=2)
                  for o in d.offsets]
        self.offset_curves = curves
        name = caption(f"Fig. 2: {self.opts.landscape.name}:  f  and  f_ρ − ρ", 16)
        name.next_to(left, UP, buff=0.25).align_to(left, LEFT)
        # the left axes' numbers (Text: no LaTeX needed)
        lticks = VGroup()
        for v in range(int(np.ceil(lo)), int(np.floor(hi)) + 1):
            lticks.add(caption(f"{v:d}", 16).next_to(left.c2p(v, ymin), DOWN, buff=0.1))
        for v in range(int(np.ceil(ymin)), int(np.floor(ymax)) + 1):
            lticks.add(caption(f"{v:d}", 16).next_to(left.c2p(lo, v), LEFT, buff=0.1))
        left_x = caption("x", 18).next_to(left.c2p(hi, ymin), DOWN, buff=0.1).shift(DOWN * 0.0)
        left_x.next_to(lticks[int(np.floor(hi)) - int(np.ceil(lo))], RIGHT, buff=0.3)

        rho_tags = [label(rf"\rho = {r:g}", f"ρ = {r:g}", 30, PAL.OFFSET) for r in d.radii]
        for tag in rho_tags:
            tag.next_to(left, UP, buff=0.2).align_to(left, RIGHT)

        # Delta(rho) panel, log-log; coordinates shifted so the axes meet at the bottom-left
        lx, ly = np.log10(d.delta_rho), np.log10(d.delta)
        x0, y0 = float(np.floor(lx.min())), float(np.floor(ly.min()))
        x1, y1 = float(np.ceil(lx.max())), 0.6
        right = Axes(x_range=[0, x1 - x0, 1], y_range=[0, y1 - y0, 1], x_length=4.6,
                     y_length=4.0, tips=False,
                     axis_config=dict(color=PAL.MUTED, stroke_width=1.5))
        right.to_corner(DOWN + RIGHT, buff=0.55).shift(UP * 0.3)
        self.right_axes = right

        def at(lr, ld):
            return right.c2p(lr - x0, ld - y0)

        ticks = VGroup()
        for e in range(int(x0), int(x1) + 1):
            ticks.add(caption(f"{10.0 ** e:g}", 16).next_to(at(e, y0), DOWN, buff=0.1))
        for e in range(int(y0) + 1, 1):
            ticks.add(caption(f"{10.0 ** e:g}", 16).next_to(at(x0, e), LEFT, buff=0.1))
        dcurve = polyline(right, np.column_stack([lx - x0, ly - y0]), PAL.STEP, 3.5, z=2)
        rc = d.critical_radius
        vline = DashedLine(at(np.log10(rc), y0), at(np.log10(rc), y1), color=PAL.DANGER,
                           stroke_width=2)
        plateau = DashedLine(at(x0, np.log10(2.0)), at(np.log10(rc), np.log10(2.0)),
                             color=PAL.MUTED, stroke_width=1.5)
        rc_tag = label(rf"\rho_c = {rc:.3g}", f"ρ_c = {rc:.3g}", 26, PAL.DANGER)
        rc_tag.next_to(at(np.log10(rc), y0 + 0.35), RIGHT, buff=0.1)
        # the plateau's words above its line, left of the critical radius (never crossed)
        pl_tag = caption("plateau\nΔ = 2", 16, PAL.CURVE).next_to(plateau, UP, buff=0.1)
        pl_tag.align_to(plateau, LEFT).shift(RIGHT * 0.1)
        # the decay's words below the curve's tail, and the kink where rho passes 3 pi
        k = int(np.argmin(np.abs(d.delta_rho - 3 * np.pi)))
        slope = caption("decay  ∼ 1/ρ", 18, PAL.STEP).next_to(at(lx[-1], ly[-1]), DOWN, buff=0.15)
        kink = caption("kink at ρ = 3π:\nthe ball spans the\ndomain's half-width", 13, PAL.MUTED)
        kink.next_to(at(lx[k], ly[k]), UR, buff=0.08)
        r_name = label(r"\text{Fig. 3: }\Delta(\rho)\ \text{of}\ \sin\ \text{on}\ [-3\pi,3\pi]",
                       "Fig. 3: Δ(ρ) of sin on [−3π, 3π]", 24, PAL.CURVE)
        r_name.next_to(right, UP, buff=0.25).align_to(right, RIGHT)
        xlab = caption("ρ", 20).next_to(ticks[: int(x1 - x0) + 1], DOWN, buff=0.1)
        ylab = caption("Δ", 20).next_to(right.y_axis, UP, buff=0.1)
        self.delta_curve, self.critical_line = dcurve, vline
        self.play(FadeIn(head), Create(left), FadeIn(lticks), FadeIn(left_x), Create(graph),
                  FadeIn(name), run_time=1.2, beat="the rough loss")
        self.play(Create(right), FadeIn(r_name), FadeIn(ticks), FadeIn(xlab), FadeIn(ylab),
                  run_time=0.8, beat="the Delta(rho) panel")
        self.play(Create(dcurve), run_time=1.2, beat="Delta(rho) of the sine")
        self.beat("plateau")
        self.play(Create(plateau), FadeIn(pl_tag), run_time=0.5)
        self.beat("critical radius")
        self.play(Create(vline), FadeIn(rc_tag), run_time=0.5)
        self.beat("decay")
        self.play(FadeIn(slope), FadeIn(kink), run_time=0.5)
        shown = curves[0].copy()
        tag = rho_tags[0].copy()
        self.beat("the ironed loss")
        self.play(Create(shown), FadeIn(tag), run_time=0.8)
        per = max(0.4, self.opts.duration * 6.0 / max(1, len(curves)))
        for cur, t in zip(curves[1:], rho_tags[1:], strict=True):
            self.play(Transform(shown, cur), Transform(tag, t), run_time=per * 0.7,
                      beat="growing the radius")
            self.wait(per * 0.3)
        self.shown_offset = shown
        self.wait(1.0)


__all__ = ["Ironing", "VGroup", "RIGHT", "LEFT"]
