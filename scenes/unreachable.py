"""Unreachable: the arcs of the graph a ball of radius rho can never touch, as rho grows.

The arcs (red) are ``rollingball.geometry.reach.unreachable`` (swallowtail trimming of the
offset curve); they appear exactly when rho passes the critical radius rho_c
(``rollingball.geometry.reach``), marked on the rho scale.  A ball of the current radius rests
over the middle trough (its centre on the exact offset, ``rollingball.numeric.offset``): once
rho > rho_c it can no longer reach the bottom.

    manim -ql scenes/unreachable.py Unreachable
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    Create,
    Dot,
    FadeIn,
    Line,
    NumberLine,
    Triangle,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
)
from scipy.optimize import minimize_scalar

from rollingball import storyboard
from rollingball.scenes._common import (
    PAL,
    Readout,
    caption,
    equal_axes,
    fit_unit,
    label,
    polyline,
    title,
    to_scene,
)
from rollingball.scenes.base import StoryboardScene


class Unreachable(StoryboardScene):
    """Unreachable arcs highlighted as rho grows through the options' radii."""

    scene_name = "Unreachable"
    data_words = "finding the unreachable arcs at radii {radii}"
    #: The deck opens on the loss; then the ball and the rho scale, the radius growing up to
    #: the critical radius (nothing unreachable yet) and past it (the arcs appear).  With
    #: radii on one side of rho_c only, the other side's beat is not taken.
    beats = ("the ball and the radius scale", "up to the critical radius",
             "past the critical radius")

    def compute_data(self, opts):
        return storyboard.unreachable_data(opts)

    def construct(self):
        d, L = self.data, self.opts.landscape
        unit = fit_unit(d.x_range, d.y_range, 12.6, 4.9)
        ax = equal_axes(d.x_range, d.y_range, unit, numbers=False)
        ax.to_edge(DOWN, buff=0.3)
        self.axes, self.unit = ax, unit
        graph = polyline(ax, np.column_stack([d.xs, d.f]), PAL.CURVE, 3.0, z=1)
        self.graph = graph
        head = title("Unreachable points")
        sub = caption("red: points no ball of radius ρ can touch from above", 22)
        sub.next_to(head, DOWN, aligned_edge=LEFT, buff=0.12)

        # the rho scale with the critical radius marked
        r_hi = float(max(d.radii)) * 1.1
        scale = NumberLine(x_range=[0, r_hi, 0.5], length=4.6, color=PAL.MUTED,
                           include_numbers=False, stroke_width=1.5)
        scale.to_corner(UP + RIGHT, buff=0.5).shift(DOWN * 0.25)
        for v in np.arange(0, r_hi + 1e-9, 1.0):
            scale.add(caption(f"{v:g}", 18).next_to(scale.n2p(v), DOWN, buff=0.15))
        rc = d.critical_radius
        rc_mark = Line(scale.n2p(rc) + DOWN * 0.18, scale.n2p(rc) + UP * 0.18, color=PAL.DANGER,
                       stroke_width=4)
        rc_tag = label(rf"\rho_c = {rc:.3g}", f"ρ_c = {rc:.3g}", 24, PAL.DANGER)
        rc_tag.next_to(rc_mark, UP, buff=0.08)
        r_tracker = ValueTracker(float(d.radii[0]))
        pointer = Triangle(color=PAL.BALL, fill_opacity=1).scale(0.08).rotate(np.pi)
        pointer.add_updater(lambda m: m.move_to(scale.n2p(r_tracker.get_value()) + UP * 0.16))
        readout = Readout([(r"\rho", "ρ", r_tracker.get_value, 2)], font_size=28)
        readout.next_to(scale, DOWN, buff=0.5).align_to(scale, LEFT)
        self.tracker, self.scale = r_tracker, scale

        # the ball over the lowest trough of the window
        i = int(np.argmin(d.f))
        trough = float(minimize_scalar(lambda x: float(L.f(x)), method="bounded", bounds=(
            d.xs[max(i - 1, 0)], d.xs[min(i + 1, d.xs.size - 1)]), options=dict(xatol=1e-10)).x)
        self.trough = trough
        ball = Circle(radius=1.0, color=PAL.BALL, stroke_width=3)
        ball.set_fill(PAL.BALL, opacity=0.14)
        foot = Dot(radius=0.06, color=PAL.FOOT).set_z_index(5)
        arcs = VGroup()
        self.ball, self.foot, self.arcs = ball, foot, arcs

        def place(_m=None):
            rho = r_tracker.get_value()
            c, p = storyboard.ball_at(L, trough, rho)
            ball.become(Circle(radius=rho * unit, color=PAL.BALL, stroke_width=3)
                        .set_fill(PAL.BALL, opacity=0.14).move_to(to_scene(ax, c)))
            foot.move_to(to_scene(ax, p))
            new = VGroup()
            for a, b in d.intervals_at(rho):
                xs = np.linspace(a, b, max(8, int(60 * (b - a))))
                arc = VMobject(stroke_color=PAL.DANGER, stroke_width=7).set_z_index(3)
                arc.set_points_as_corners(to_scene(ax, np.column_stack([xs, L.f(xs)])))
                new.add(arc)
            arcs.submobjects = list(new.submobjects)

        place()
        self.place, self.rc_mark = place, rc_mark
        rig = VGroup(arcs, ball, foot)
        rig.add_updater(place)

        self.play(FadeIn(head), FadeIn(sub), Create(graph), run_time=1.2, beat="the loss")
        self.beat("the ball and the radius scale")
        self.play(FadeIn(scale), FadeIn(rc_mark), FadeIn(rc_tag), FadeIn(pointer),
                  FadeIn(readout), FadeIn(rig), run_time=0.8)
        self.add(rig, pointer, readout)
        per = self.opts.duration * 8.0 / max(1, len(d.radii))
        for r in d.radii[1:]:
            taken = self.beats_taken  # (radii in any order: each beat once, in order)
            if float(r) > rc * (1 + 1e-6):
                if "past the critical radius" not in taken:
                    self.beat("past the critical radius")
            elif taken[-1] == "the ball and the radius scale":
                self.beat("up to the critical radius")
            self.play(r_tracker.animate.set_value(float(r)), run_time=per, rate_func=linear,
                      beat=f"growing rho to {float(r):g}")
            self.wait(0.4)
        rig.clear_updaters()
        pointer.clear_updaters()
        place()
        self.wait(1.0)


__all__ = ["Unreachable", "LEFT", "RIGHT", "DOWN", "UP"]
