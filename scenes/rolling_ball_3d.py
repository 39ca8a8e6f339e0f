"""RollingBall3D: a sphere rolling on a 2-D loss surface, with a slowly moving camera.

The surface z = f(x, y) and the sphere of radius rho are drawn with equal unit lengths on all
three axes, so the sphere really touches the surface; its centre and footpoint are the
engine's (``rollingball.storyboard.rolling_3d_data``), exact on the offset between steps.

    manim -ql scenes/rolling_ball_3d.py RollingBall3D
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from manim import (
    DEGREES,
    DOWN,
    IN,
    LEFT,
    RIGHT,
    UP,
    Create,
    Dot3D,
    FadeIn,
    Sphere,
    Surface,
    Text,
    ThreeDAxes,
    ThreeDScene,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
)

from rollingball import storyboard
from rollingball.scenes._common import (
    FONT,
    PAL,
    Readout,
    caption,
    label,
    title,
)
from rollingball.scenes.base import StoryboardScene


def _plain(expr) -> str:
    """A loss formula in plain Unicode (no LaTeX): powers as superscripts, ``·`` for ``*``."""
    text = sp.sstr(expr).replace("**2", "²").replace("**3", "³").replace("*", "·")
    return text.replace("·", " ")


class RollingBall3D(StoryboardScene, ThreeDScene):
    """A sphere of radius rho rolling on a 2-D loss surface (RBO, from the engine)."""

    scene_name = "RollingBall3D"
    data_words = "rolling the sphere on the surface ({steps} engine steps)"
    #: The deck opens on the surface; then the sphere at its start, its roll (the camera
    #: turning), and a last, lower look at the ball resting on the surface.
    beats = ("the sphere", "rolling", "the last look")
    surface_resolution = (24, 24)

    def compute_data(self, opts):
        return storyboard.rolling_3d_data(opts)

    def construct(self):
        d, L = self.data, self.opts.landscape
        rho = d.radius
        span = max(d.x_range[1] - d.x_range[0], d.z_range[1] - d.z_range[0])
        unit = 6.0 / span
        ax = ThreeDAxes(x_range=[*d.x_range, 1], y_range=[*d.y_range, 1], z_range=[*d.z_range, 1],
                        x_length=(d.x_range[1] - d.x_range[0]) * unit,
                        y_length=(d.y_range[1] - d.y_range[0]) * unit,
                        z_length=(d.z_range[1] - d.z_range[0]) * unit,
                        axis_config=dict(color=PAL.MUTED, stroke_width=1, include_tip=False))
        ax.shift(IN * 2.0)
        self.axes, self.unit = ax, unit
        axis_words = VGroup(
            Text("x", font=FONT, font_size=28, color=PAL.MUTED).move_to(
                ax.c2p(d.x_range[1] + 0.4, 0, d.z_range[0])),
            Text("y", font=FONT, font_size=28, color=PAL.MUTED).move_to(
                ax.c2p(0, d.y_range[1] + 0.4, d.z_range[0])),
        )

        def surf(u, v):
            return ax.c2p(u, v, float(L.f(np.array([u, v]))))

        surface = Surface(surf, u_range=d.x_range, v_range=d.y_range,
                          resolution=self.surface_resolution, fill_opacity=0.75,
                          checkerboard_colors=["#2B4C7E", "#355C94"], stroke_color="#5A7DB5",
                          stroke_width=0.4)
        self.surface = surface
        sphere = Sphere(radius=rho * unit, resolution=(10, 20), fill_opacity=1.0,
                        checkerboard_colors=[PAL.BALL, "#2E9CCF"], stroke_width=0)
        # depth-sort the sphere's faces as if a radius nearer the camera: the surface then
        # never paints over the ball's lower half (it rests on the surface, it is not sunk)
        lift = rho * unit
        for face in sphere.family_members_with_points():
            face.get_z_index_reference_point = (
                lambda f=face: type(f).get_z_index_reference_point(f)
                + self.camera.get_rotation_matrix()[2] * lift)
        foot = Dot3D(radius=0.05, color=PAL.FOOT)
        trace = VMobject(stroke_color=PAL.BALL, stroke_width=3)
        ghost = Dot3D(radius=0.06, color=PAL.GHOST)
        self.sphere, self.foot = sphere, foot
        t = ValueTracker(0.0)
        self.tracker = t

        def c2p(pts):
            pts = np.atleast_2d(pts)
            return np.array([ax.c2p(*p) for p in pts])

        def place(_m=None):
            s = d.frame(t.get_value())
            sphere.move_to(c2p(s["centre"])[0])
            foot.move_to(c2p(s["contact"])[0])
            k = int(np.floor(t.get_value()))
            pts = np.vstack([d.rbo.centre[: k + 1], s["centre"][None, :]])
            trace.set_points_as_corners(c2p(pts))
            j = min(k, d.gd.steps)
            g = d.gd.footpoint[j]
            ghost.move_to(c2p(g)[0])

        place()
        rig = VGroup(trace, sphere, foot, ghost)
        rig.add_updater(place)
        head = title("A ball rolling on a surface")
        sub = VGroup(label("f = " + sp.latex(L.expr), "f = " + _plain(L.expr), 24, PAL.MUTED),
                     caption(f"ρ = {rho:g},  η = {self.opts.lr:g}", 22))
        sub.arrange(RIGHT, buff=0.4)
        sub.next_to(head, DOWN, buff=0.12).align_to(head, LEFT)
        readout = Readout([
            ("t", "step t", lambda: np.floor(t.get_value()), 0),
            (r"f(\theta)", "f(θ)", lambda: d.frame(t.get_value())["contact"][2], 3),
        ], font_size=28)
        readout.to_corner(UP + np.array([1, 0, 0]), buff=0.4)
        self.readout = readout
        self.add_fixed_in_frame_mobjects(head, sub, readout)
        for value in readout.values:  # values rebuild their glyphs: keep them in the frame
            value.add_updater(lambda m: self.add_fixed_in_frame_mobjects(m))
        self.set_camera_orientation(phi=62 * DEGREES, theta=-55 * DEGREES, zoom=1.1)
        self.add_fixed_orientation_mobjects(*axis_words)  # letters face the camera
        self.play(Create(ax), Create(surface), FadeIn(head), FadeIn(sub),
                  run_time=1.5, beat="the surface")
        self.beat("the sphere")
        self.play(FadeIn(rig), FadeIn(readout), run_time=0.6)
        self.add(rig)
        self.beat("rolling")
        self.begin_ambient_camera_rotation(rate=0.12)
        self.play(t.animate.set_value(d.rbo.steps), run_time=self.opts.duration, rate_func=linear)
        self.stop_ambient_camera_rotation()
        rig.clear_updaters()
        place()
        self.beat("the last look")
        self.move_camera(phi=75 * DEGREES, run_time=1.0)
        self.wait(0.5)


__all__ = ["RollingBall3D"]
