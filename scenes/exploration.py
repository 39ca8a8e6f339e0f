"""Exploration (the paper's Figure 4): gradient descent and the rolling ball from ten nearby starts.

A heat map of ``gaussian_wells`` (Eq. 14: a bowl pitted with narrow wells) in one panel per
method: gradient descent first, then RBO at each radius.  The trails are the engine's iterates
theta_t, all drawn in step: small radii stay in the wells, large ones cross them.

    manim -ql scenes/exploration.py Exploration
"""

from __future__ import annotations

import numpy as np
from manim import (
    DL,
    DOWN,
    DR,
    LEFT,
    RIGHT,
    UL,
    UP,
    Create,
    Dot,
    FadeIn,
    Rectangle,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
    rgb_to_color,
)
from matplotlib import colormaps

from rollingball import storyboard
from rollingball.scenes._common import (
    PAL,
    Readout,
    caption,
    label,
    title,
)
from rollingball.scenes.base import StoryboardScene


def heat_rgb(values: np.ndarray) -> np.ndarray:
    """The loss grid as an RGBA image (uint8, rows top to bottom), colour map 'magma'.

    Colours follow the rank of the value between the 1st and 99th percentiles, so that the
    shallow wells stay visible on the bowl.
    """
    lo, hi = np.percentile(values, [1, 99])
    z = np.clip((values - lo) / max(hi - lo, 1e-12), 0, 1) ** 0.6
    rgba = colormaps["magma"](z)  # alpha 1
    return (255 * rgba[::-1]).astype(np.uint8)  # row 0 = largest y


def heat_map(rgba: np.ndarray, size: float, levels: int = 64) -> VGroup:
    """The image ``rgba`` (rows top to bottom) as filled squares, one VMobject per colour level.

    (Manim 0.22's ImageMobject breaks with Pillow >= 12 under Cairo, and one mobject per
    level keeps the draw cheap: a few dozen paths, each with many square sub-paths.)
    """
    ny, nx = rgba.shape[:2]
    lum = rgba[..., :3].astype(float) @ np.array([0.299, 0.587, 0.114])
    edges = np.quantile(lum, np.linspace(0, 1, levels + 1)[1:-1])
    idx = np.digitize(lum, edges)
    h, w = size / ny, size / nx
    jj, ii = np.meshgrid(np.arange(nx), np.arange(ny))
    x0 = -size / 2 + jj * w
    y0 = size / 2 - (ii + 1) * h
    out = VGroup()
    third = np.array([0.0, 1 / 3, 2 / 3, 1.0])[:, None]
    for k in range(levels):
        sel = idx == k
        if not sel.any():
            continue
        colour = rgba[sel][:, :3].mean(axis=0) / 255.0
        xa, ya = x0[sel], y0[sel]
        corners = np.stack([np.stack([xa, ya], -1), np.stack([xa + w, ya], -1),
                            np.stack([xa + w, ya + h], -1), np.stack([xa, ya + h], -1)], 1)
        nxt = np.roll(corners, -1, axis=1)
        seg = corners[:, :, None, :] + third[None, None] * (nxt - corners)[:, :, None, :]
        pts = np.concatenate([seg.reshape(-1, 2), np.zeros((seg.size // 2, 1))], axis=1)
        vm = VMobject(stroke_width=0, fill_opacity=1.0)
        vm.set_points(pts)
        vm.set_fill(rgb_to_color(colour), opacity=1.0)
        vm.set_stroke(rgb_to_color(colour), width=1.0, opacity=1.0)  # no seams between cells
        out.add(vm)
    return out


def dashes(a: np.ndarray, b: np.ndarray, dash: float = 0.05) -> np.ndarray:
    """The dashes of a dashed line from ``a`` to ``b`` (scene points) as the cubic Bezier
    points of straight segments, ``(4 m, 3)``: dash and gap of length ``dash`` each
    (:class:`~manim.DashedLine`'s look), the first dash at ``a``, the last ending at ``b``."""
    m = max(1, int(np.linalg.norm(b - a) / (2 * dash)))
    s = np.linspace(0.0, 1.0, 2 * m)  # dash starts at s[0::2], ends at s[1::2]
    u = np.stack([s[0::2], *(s[0::2] + f * (s[1::2] - s[0::2]) for f in (1 / 3, 2 / 3)),
                  s[1::2]], axis=1)  # (m, 4): each dash's Bezier parameters
    return (a + u.reshape(-1, 1) * (b - a)).reshape(-1, 3)


def _path(tr) -> np.ndarray:
    """What a trail follows: the iterate for a baseline, the ball's centre (horizontal part,
    continuous) for the RBO, whose footpoint may jump between contacts."""
    return tr.centre[:, :2] if tr.radius > 0 else np.asarray(tr.theta)


def colour_bar(values: np.ndarray, height: float, width: float = 0.22,
               cells: int = 48) -> VGroup:
    """A vertical colour bar of :func:`heat_rgb`'s map, with the loss at its ends."""
    lo, hi = np.percentile(values, [1, 99])
    strip = heat_rgb(np.linspace(lo, hi, cells)[:, None] * np.ones((1, 2)))  # row 0 = hi
    h = height / cells
    boxes = VGroup(*[Rectangle(width=width, height=h * 1.02, stroke_width=0,
                               fill_color=rgb_to_color(strip[i, 0, :3] / 255), fill_opacity=1)
                     for i in range(cells)]).arrange(DOWN, buff=0)
    top = caption(f"{hi:.2g}", 14).next_to(boxes, UP, buff=0.06)
    bottom = caption(f"{lo:.2g}", 14).next_to(boxes, DOWN, buff=0.06)
    name = caption("f", 16).next_to(boxes, RIGHT, buff=0.08)
    return VGroup(boxes, top, bottom, name)


class Exploration(StoryboardScene):
    """Fig. 4: GD and RBO at several radii from ten nearby starts on gaussian_wells."""

    scene_name = "Exploration"
    data_words = ("running gradient descent and the ball (radii {radii}) from nearby starts, "
                  "{steps} steps")
    #: The deck opens on the title; then the landscape (one panel per method), the nearby
    #: starts, and the runs step by step to where they end.
    beats = ("the landscape, one panel per method", "the nearby starts",
             "the runs, step by step")

    def compute_data(self, opts):
        return storyboard.exploration_data(opts)

    def construct(self):
        d = self.data
        n = len(d.runs)
        size = min(3.8, 11.9 / n - 0.3)  # room on the right for the colour bar
        head = title("Exploration vs exploitation")
        sub = caption(f"{d.starts.shape[0]} nearby starts,  η = {self.opts.lr:g},  "
                      f"{self.opts.steps} steps", 22)
        sub.next_to(head, DOWN, buff=0.12).align_to(head, LEFT)
        rgb = heat_rgb(d.values)
        self.heat_rgb = rgb
        (x0, x1), (y0, y1) = (d.grid_x[0], d.grid_x[-1]), (d.grid_y[0], d.grid_y[-1])
        t = ValueTracker(0.0)
        self.tracker = t
        panels, images = [], []
        for k, (name, runs) in enumerate(d.runs.items()):
            img = heat_map(rgb, size)
            frame = Rectangle(width=size, height=size, color=PAL.MUTED, stroke_width=1.5)
            colour = PAL.GHOST if name == "GD" else PAL.RADII[(k - 1) % len(PAL.RADII)]
            tag = (caption("gradient descent", 24, colour) if name == "GD" else
                   label(rf"\text{{RBO}},\ \rho = {name.split('=')[1]}",
                         f"RBO, ρ = {name.split('=')[1]}", 30, colour))
            panels.append((img, frame, tag, colour, runs))
            images.append(img)
        row = VGroup(*[p[1] for p in panels]).arrange(RIGHT, buff=0.3)
        row.move_to(DOWN * 0.45)
        self.panels = []
        for img, frame, tag, colour, runs in panels:
            img.move_to(frame)
            tag.next_to(frame, UP, buff=0.15)
            centre = frame.get_center()

            def to_panel(xy, c=centre):
                u = (np.asarray(xy)[..., 0] - x0) / (x1 - x0) - 0.5
                v = (np.asarray(xy)[..., 1] - y0) / (y1 - y0) - 0.5
                return np.stack([c[0] + u * size, c[1] + v * size, np.zeros_like(u)], -1)

            def on_map(xy):
                """Whether a point lies on the heat map: a large ball resting on a ring of
                contacts around the bowl's bottom touches it beyond the domain (rho = 4: the
                ring's radius is about 4 > 3), and a footpoint there is not drawn."""
                xy = np.asarray(xy)
                return bool(x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1)

            trails = VGroup()
            heads = VGroup()
            # contact jumps: dashed hops between footpoints, not paths; all of a panel's hops
            # are one VMobject of dash segments (one path to draw per frame, not one per dash)
            hops = VMobject(stroke_color=colour, stroke_width=1.2, stroke_opacity=0.8)
            hop_dashes, hop_steps = [], []
            for tr in runs:
                vm = VMobject(stroke_color=colour, stroke_width=2.2, stroke_opacity=0.9)
                vm.set_points_as_corners(to_panel(_path(tr)[:2]))
                trails.add(vm)
                heads.add(Dot(to_panel(tr.theta[0]), radius=0.045, color=colour))
                for j in storyboard.contact_jumps(tr):
                    a, b = to_panel(tr.theta[j - 1]), to_panel(tr.theta[j])
                    if np.linalg.norm(b - a) > 0.05 and on_map(tr.theta[j - 1]) and on_map(
                            tr.theta[j]):
                        hop_dashes.append(dashes(a, b))
                        hop_steps.append(int(j))
            starts = VGroup(*[Dot(to_panel(s), radius=0.03, color=PAL.CURVE) for s in d.starts])

            hop_steps = np.asarray(hop_steps, dtype=float)

            def grow(_m, runs=runs, trails=trails, heads=heads, to_panel=to_panel, hops=hops,
                     hop_steps=hop_steps, hop_dashes=hop_dashes, on_map=on_map):
                k = t.get_value()
                i = int(np.floor(k))
                for tr, vm, hd in zip(runs, trails, heads, strict=True):
                    T = tr.steps
                    j = min(i, T)
                    w = min(max(k - j, 0.0), 1.0) if j < T else 0.0
                    path = _path(tr)
                    cur = path[j] if j >= T else (1 - w) * path[j] + w * path[j + 1]
                    vm.set_points_as_corners(to_panel(np.vstack([path[: j + 1], cur[None, :]])))
                    # the head is the footpoint: at a step's end the engine's, no sliding
                    # between two contacts
                    foot = tr.theta[min(int(np.ceil(k - 1e-9)), T)]
                    hd.move_to(to_panel(foot)).set_opacity(1.0 if on_map(foot) else 0.0)
                shown = [dash for dash, j in zip(hop_dashes, hop_steps, strict=True) if k >= j]
                if shown:
                    hops.set_points(np.concatenate(shown))
                else:
                    hops.clear_points()

            group = VGroup(trails, hops, heads)
            group.add_updater(grow)
            self.panels.append(dict(image=img, frame=frame, trails=trails, heads=heads,
                                    runs=runs, to_panel=to_panel, group=group, tag=tag,
                                    starts=starts))
        readout = Readout([("t", "step t", lambda: np.floor(t.get_value()), 0)], font_size=28)
        readout.to_corner(UP + RIGHT, buff=0.4)
        first, last = self.panels[0]["frame"], self.panels[-1]["frame"]
        axes_words = VGroup(
            caption(f"{x0:g}", 16).next_to(first.get_corner(DL), DOWN, buff=0.08)
            .align_to(first, LEFT),
            caption(f"{x1:g}", 16).next_to(first.get_corner(DR), DOWN, buff=0.08)
            .align_to(first, RIGHT),
            caption("x", 16).next_to(first, DOWN, buff=0.08),
            caption(f"{y0:g}", 16).next_to(first.get_corner(DL), LEFT, buff=0.08)
            .align_to(first, DOWN),
            caption(f"{y1:g}", 16).next_to(first.get_corner(UL), LEFT, buff=0.08)
            .align_to(first, UP),
            caption("y", 16).next_to(first, LEFT, buff=0.08),
        )
        bar = colour_bar(d.values, height=last.height * 0.9)
        bar.next_to(last, RIGHT, buff=0.2)
        note = caption("trails: the iterate (GD) and the ball's centre (RBO); heads: the "
                       "footpoints; dashed: a contact jump", 16)
        note.next_to(VGroup(*[p["frame"] for p in self.panels]), DOWN, buff=0.45)
        self.axes_words, self.colour_bar, self.note = axes_words, bar, note

        self.play(FadeIn(head), FadeIn(sub), run_time=0.6, beat="title")
        self.beat("the landscape, one panel per method")
        self.play(*[FadeIn(p["image"]) for p in self.panels],
                  *[Create(p["frame"]) for p in self.panels],
                  *[FadeIn(p["tag"]) for p in self.panels], FadeIn(axes_words), FadeIn(bar),
                  FadeIn(note), run_time=1.0)
        self.beat("the nearby starts")
        self.play(*[FadeIn(p["starts"]) for p in self.panels], FadeIn(readout), run_time=0.5)
        self.add(*[p["group"] for p in self.panels], readout)
        T = max(tr.steps for runs in d.runs.values() for tr in runs)
        self.beat("the runs, step by step")
        self.play(t.animate.set_value(T), run_time=self.opts.duration, rate_func=linear)
        for p in self.panels:
            p["group"].clear_updaters()
        self.current_beat = "where they end"
        self.wait(1.2)


__all__ = ["Exploration", "heat_rgb", "UP"]
