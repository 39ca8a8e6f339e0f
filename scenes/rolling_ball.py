"""RollingBall: the ball rolls on a 1-D loss, beside a gradient-descent ghost from the same start.

Drawn: the loss curve, the ironed landscape f_rho (dashed: where the centre lives), the ball of
radius rho as a true circle (equal unit lengths on both axes), its footpoint, the normal from the
footpoint to the centre, the centre's trace and a live readout of step, theta and loss.  Every
position is the engine's (``rollingball.storyboard.rolling_ball_data``).

    manim -ql scenes/rolling_ball.py RollingBall
    rollingball render RollingBall --radius 1.2 --quality medium
"""

from __future__ import annotations

import numpy as np
from manim import (
    DL,
    DOWN,
    DR,
    LEFT,
    RIGHT,
    UP,
    UR,
    ArcBetweenPoints,
    Circle,
    Create,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    Flash,
    Line,
    ValueTracker,
    VGroup,
    VMobject,
    Write,
)

from rollingball import storyboard
from rollingball.scenes._common import (
    PAL,
    Readout,
    axis_numbers,
    caption,
    equal_axes,
    fit_unit,
    label,
    legend,
    polyline,
    title,
    to_scene,
)
from rollingball.scenes.base import StoryboardScene


class RollingBall(StoryboardScene):
    """The main scene: RBO on a 1-D loss (default ``bumpy_bowl``), with a GD ghost."""

    scene_name = "RollingBall"
    data_words = "rolling the ball ({steps} engine steps) and its gradient-descent ghost"
    #: The deck opens on the loss, f_rho and the ball at its start; "start" rolls it to its
    #: first contact change (or to the end when its contact never jumps: that beat is then
    #: not taken), "first contact change" shows the hop and rolls on, "rest" begins where
    #: the ball comes to rest on two contacts (its footpoint alternating), or after the roll,
    #: and says where the ball and its baselines rest.
    beats = ("start", "first contact change", "rest")

    def compute_data(self, opts):
        return storyboard.rolling_ball_data(opts)

    def construct(self):
        d, opts = self.data, self.opts
        rho = d.radius
        unit = fit_unit(d.x_range, d.y_range, 12.4, 5.6)
        ax = equal_axes(d.x_range, d.y_range, unit, numbers=False)
        ax.to_corner(DL, buff=0.45).shift(RIGHT * 0.15)
        self.axes, self.unit = ax, unit
        numbers = axis_numbers(ax, d.x_range, d.y_range)

        graph = polyline(ax, d.curve, PAL.CURVE, 3.5, z=2)
        offset = DashedVMobject(polyline(ax, d.offset, PAL.OFFSET, 2.5), num_dashes=90,
                                dashed_ratio=0.55)
        self.graph, self.offset_curve = graph, offset
        head = title("The rolling ball optimizer")
        sub = caption(f"{opts.landscape.name}:  ρ = {rho:g},  η = {opts.lr:g},  "
                      f"{d.rbo.steps} steps", font_size=22)
        sub.next_to(head, DOWN, aligned_edge=LEFT, buff=0.12)

        t = ValueTracker(0.0)
        self.tracker = t

        def state():
            return d.frame(t.get_value())

        ball = Circle(radius=rho * unit, color=PAL.BALL, stroke_width=3.5)
        ball.set_fill(PAL.BALL, opacity=0.16)
        centre = Dot(radius=0.055, color=PAL.BALL)
        foot = Dot(radius=0.07, color=PAL.FOOT).set_z_index(5)
        normal = Line(ORIGIN3, ORIGIN3 + np.array([0, 1e-3, 0]), color=PAL.NORMAL, stroke_width=2)
        trace = VMobject(stroke_color=PAL.BALL, stroke_width=2.5, stroke_opacity=0.8)
        ghosts = {m: (Dot(radius=0.08, color=PAL.baseline(m), fill_opacity=0.95).set_z_index(4),
                      VMobject(stroke_color=PAL.baseline(m), stroke_width=2.5, stroke_opacity=0.7))
                  for m in d.baselines}
        ghost = next(iter(ghosts.values()))[0] if ghosts else Dot(radius=0.0)
        self.ball, self.centre_dot, self.foot, self.normal = ball, centre, foot, normal
        self.ghost = ghost

        def place(_mob=None):
            s = state()
            c = to_scene(ax, s["centre"])
            p = to_scene(ax, s["contact"])
            ball.move_to(c)
            centre.move_to(c)
            foot.move_to(p)
            normal.put_start_and_end_on(p, c)
            k = int(np.floor(t.get_value()))
            pts = np.vstack([d.rbo.centre[: k + 1], s["centre"][None, :]])
            trace.set_points_as_corners(to_scene(ax, pts))
            for m, (dot, trail) in ghosts.items():
                run = d.baselines[m]
                g = d.baseline_point(run, t.get_value())
                dot.move_to(to_scene(ax, g))
                gpts = np.column_stack([run.theta[: k + 1], opts.landscape.f(run.theta[: k + 1])])
                trail.set_points_as_corners(to_scene(ax, np.vstack([gpts, g[None, :]])))

        place()
        self.place = place
        rig = VGroup(*[mob for pair in ghosts.values() for mob in pair[::-1]], trace, normal,
                     ball, centre, foot)
        rig.add_updater(place)

        readout = Readout([
            ("t", "step t", lambda: np.floor(t.get_value()), 0),
            (r"\theta", "θ", lambda: state()["theta"], 3),
            (r"f(\theta)", "f(θ)", lambda: state()["loss"], 3),
        ], font_size=30)
        readout.to_corner(UR, buff=0.35)
        self.readout = readout

        keys = legend([
            (Line(LEFT * 0.25, RIGHT * 0.25, color=PAL.CURVE, stroke_width=3.5),
             caption("loss  f", 20)),
            (DashedVMobject(Line(LEFT * 0.25, RIGHT * 0.25, color=PAL.OFFSET, stroke_width=2.5),
                            num_dashes=3),
             caption("ironed landscape  fᵨ", 20)),
            (Dot(radius=0.07, color=PAL.BALL), caption(f"ball centre (RBO, ρ = {rho:g})", 20)),
            (Dot(radius=0.07, color=PAL.FOOT), caption("footpoint (contact)", 20)),
            *[(Dot(radius=0.07, color=PAL.baseline(m), fill_opacity=0.95),
               caption(f"{_LONG.get(m, m)}, same start", 20)) for m in d.baselines],
        ], buff=0.1)
        keys.to_corner(DR, buff=0.4)  # the right column: readout, results, legend
        self.legend = keys

        self.play(FadeIn(head), FadeIn(sub), Create(ax), FadeIn(numbers), run_time=0.8,
                  beat="title and axes")
        self.play(Create(graph), run_time=1.2, beat="the loss")
        self.play(Create(offset), FadeIn(keys), run_time=1.0, beat="the ironed landscape")
        self.play(FadeIn(rig), Write(readout), run_time=0.8, beat="the ball and its ghost")
        self.add(rig, readout)
        self.beat("start")
        self._roll(t, d, ax)
        rig.clear_updaters()
        place()
        self.wait(1.0)
        final = VGroup(
            label(rf"\text{{RBO: }}\theta_T = {d.rbo.theta[-1]:.3f}",
                  f"RBO: θ_T = {d.rbo.theta[-1]:.3f}", font_size=26, color=PAL.BALL),
            *[label(rf"\text{{{_NAMES[m]}: }}\theta_T = {run.theta[-1]:.3f}",
                    f"{_NAMES[m]}: θ_T = {run.theta[-1]:.3f}", font_size=26,
                    color=PAL.baseline(m)) for m, run in d.baselines.items()],
        ).arrange(DOWN, aligned_edge=RIGHT, buff=0.12)
        final.next_to(readout, DOWN, aligned_edge=RIGHT, buff=0.35)
        if "rest" not in self.beats_taken:
            self.beat("rest")
        self.play(FadeIn(final, shift=UP * 0.1), run_time=0.6)
        self.wait(0.8)


    def _roll(self, t: ValueTracker, d, ax) -> None:
        """Play the run, paced by the centre's motion (a ball at rest takes little time), and
        stop at each contact jump to show it as what it is: a dashed hop with a flash and a
        short caption (the ball touched two points; its contact switched), not a path."""
        T = d.rbo.steps
        grid = np.linspace(0.0, 1.0, 4001)
        steps_of = storyboard.paced_steps(d.rbo, grid)
        runs = np.split(d.jumps, np.flatnonzero(np.diff(d.jumps) > 2) + 1) if len(d.jumps) else []
        stops = [(int(r[0]), len(r) > 2) for r in runs]
        bounds = [0.0, *[float(j) for j, _ in stops], float(T)]
        for k, (ta, tb) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            if tb > ta:
                aa, ab = (float(np.interp(v, steps_of, grid)) for v in (ta, tb))

                def rate(u, aa=aa, ab=ab, ta=ta, tb=tb):
                    return (float(np.interp(aa + u * (ab - aa), grid, steps_of)) - ta) / (tb - ta)

                seconds = max(0.1, self.opts.duration * (ab - aa))
                self.play(t.animate.set_value(tb), run_time=seconds, rate_func=rate,
                          beat="rolling")
            if k < len(stops):
                if k == 0:
                    self.beat("first contact change")
                elif stops[k][1] and "rest" not in self.beats_taken:
                    self.beat("rest")
                self._hop(ax, d, *stops[k])

    def _hop(self, ax, d, j: int, rests: bool) -> None:
        """The contact's jump into step ``j``: a dashed arc from the old contact to the new,
        a flash at the new one and a caption that fades."""
        a, b = to_scene(ax, d.rbo.footpoint[j - 1]), to_scene(ax, d.rbo.footpoint[j])
        hop = DashedVMobject(ArcBetweenPoints(a, b, angle=-np.pi / 3, color=PAL.FOOT,
                                              stroke_width=2.5), num_dashes=14)
        words = ("resting on two contacts: the footpoint alternates" if rests else
                 "the contact jumps: the ball touches the graph at two points")
        note = caption(words, 20, PAL.FOOT).next_to(self.axes, UP, buff=0.15)
        self.play(Create(hop), Flash(b, color=PAL.FOOT, line_length=0.18, flash_radius=0.22),
                  FadeIn(note), run_time=0.6, beat="a contact jump")
        self.play(FadeOut(hop), FadeOut(note), run_time=0.4, beat="a contact jump")


ORIGIN3 = np.zeros(3)
#: How the legend and the results name the baselines.
_NAMES = {"gd": "GD", "momentum": "momentum", "adam": "Adam", "sam": "SAM"}
_LONG = {"gd": "gradient descent", "momentum": "heavy-ball momentum", "adam": "Adam",
         "sam": "SAM"}


__all__ = ["RollingBall"]
