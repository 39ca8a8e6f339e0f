"""UpdateStep: the anatomy of one step of the rolling ball optimizer (the paper's Figure 1).

c_t = p_t + rho nu(p_t) (Eq. 6), the step -eta tau(p_t) to the candidate c~_{t+1} (Eq. 7), whose
ball cuts the graph, its projection p_{t+1} = proj c~_{t+1} (Eq. 8) and the new centre c_{t+1}.
The step is the engine's (Algorithm 1, exact projection); the learning rate is large on purpose
so that every piece is visible.

    manim -ql scenes/update_step.py UpdateStep
"""

from __future__ import annotations

import numpy as np
from manim import (
    DL,
    DOWN,
    LEFT,
    RIGHT,
    UR,
    Arrow,
    Circle,
    Create,
    DashedLine,
    DashedVMobject,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    Indicate,
    Line,
    SurroundingRectangle,
    VGroup,
    config,
)

from rollingball import storyboard
from rollingball.scenes._common import (
    PAL,
    caption,
    equal_axes,
    fit_unit,
    label,
    polyline,
    title,
    to_scene,
)
from rollingball.scenes.base import StoryboardScene


class UpdateStep(StoryboardScene):
    """Paper Fig. 1: one update of Algorithm 1, piece by piece, with the equations beside it."""

    scene_name = "UpdateStep"
    data_words = "one step of Algorithm 1 with the exact projection"
    #: One beat per equation (Eqs. 6, 7, 8, 6): the deck opens on the loss and p_t.
    beats = ("Eq. 6: the centre c_t", "Eq. 7: the step", "Eq. 8: the projection",
             "Eq. 6: the new centre c_{t+1}")

    def compute_data(self, opts):
        return storyboard.update_step_data(opts)

    def construct(self):
        d = self.data
        rho = self.opts.radius[0]
        unit = fit_unit(d.x_range, d.y_range, 8.4, 6.6)
        ax = equal_axes(d.x_range, d.y_range, unit, numbers=False)
        ax.to_corner(DL, buff=0.35)
        self.axes, self.unit = ax, unit
        graph = polyline(ax, d.curve, PAL.CURVE, 3.5, z=1)
        self.graph = graph
        head = title("One step of the rolling ball")

        P = {k: to_scene(ax, getattr(d, k)) for k in ("p", "c", "c_tilde", "p_next", "c_next")}
        ball = Circle(radius=rho * unit, color=PAL.BALL, stroke_width=3.5).move_to(P["c"])
        ball.set_fill(PAL.BALL, opacity=0.15)
        cand = DashedVMobject(Circle(radius=rho * unit, color=PAL.DANGER, stroke_width=3),
                              num_dashes=40).move_to(P["c_tilde"])
        new_ball = Circle(radius=rho * unit, color=PAL.STEP, stroke_width=3.5).move_to(P["c_next"])
        new_ball.set_fill(PAL.STEP, opacity=0.15)
        self.ball, self.candidate, self.new_ball = ball, cand, new_ball

        dot = {k: Dot(P[k], radius=0.065, color=c).set_z_index(5) for k, c in
               (("p", PAL.FOOT), ("c", PAL.BALL), ("c_tilde", PAL.DANGER), ("p_next", PAL.FOOT),
                ("c_next", PAL.STEP))}
        self.dots = dot
        normal = Line(P["p"], P["c"], color=PAL.NORMAL, stroke_width=2.5)
        step = Arrow(P["c"], P["c_tilde"], buff=0, color=PAL.STEP, stroke_width=5,
                     max_tip_length_to_length_ratio=0.18)
        proj = DashedLine(P["c_tilde"], P["p_next"], color=PAL.DANGER, stroke_width=2.5)
        normal2 = Line(P["p_next"], P["c_next"], color=PAL.NORMAL, stroke_width=2.5)

        r = rho * unit
        ring = np.stack([np.cos(np.linspace(0, 2 * np.pi, 64)),
                         np.sin(np.linspace(0, 2 * np.pi, 64)), np.zeros(64)], -1) * r
        obstacles = [P[k] for k in P] + list(graph.points[::3])
        obstacles += list(step.get_start() + np.linspace(0, 1, 12)[:, None]
                          * (step.get_end() - step.get_start()))
        for key in ("c", "c_tilde", "c_next"):  # the three circles' strokes
            obstacles += list(P[key] + ring)
        discs = [P[k][:2] for k in ("c", "c_tilde", "c_next")]
        boxes: list[np.ndarray] = []  # the labels placed so far
        leaders: dict[int, DashedLine] = {}

        def hits(ctr, half, inside_ok):
            """How badly a label box at ``ctr`` collides: obstacle points inside it, other
            labels, ball discs (unless ``inside_ok``) and the frame's margin."""
            lo, hi = ctr[:2] - half[:2] - 0.04, ctr[:2] + half[:2] + 0.04
            obs = np.array(obstacles)[:, :2]
            n = int(np.sum(np.all((obs > lo) & (obs < hi), axis=1)))
            dots = np.array([P[k][:2] for k in P])  # the five points: keep well clear
            n += 5 * int(np.sum(np.all((dots > lo - 0.12) & (dots < hi + 0.12), axis=1)))
            n += 10 * sum(bool(np.all(lo < b[1]) and np.all(b[0] < hi)) for b in boxes)
            if not inside_ok:
                n += 10 * sum(np.linalg.norm(np.clip(c, lo, hi) - c) < r for c in discs)
            fw, fh = config.frame_width / 2 - 0.15, config.frame_height / 2 - 0.15
            n += 10 * int(lo[0] < -fw or hi[0] > fw or lo[1] < -fh or hi[1] > fh)
            return n

        def place(mob, anchor, gap=0.14, inside_ok=True):
            """Put ``mob`` beside ``anchor``: the nearest of 16 directions x growing gaps where it
            hits nothing (obstacle points, placed labels, ball discs unless ``inside_ok``)."""
            half = 0.5 * np.array([mob.width, mob.height, 0])
            best = None
            for g in gap + np.arange(0, 3.0, 0.12):
                for ang in np.arange(16) * np.pi / 8:
                    u = np.array([np.cos(ang), np.sin(ang), 0.0])
                    ctr = anchor + u * (g + np.abs(u) @ half)
                    score = (hits(ctr, half, inside_ok), g)
                    if best is None or score < best[0]:
                        best = (score, ctr)
                if best[0][0] == 0:
                    break
            where = best[1]
            mob.move_to(where)
            boxes.append(np.array([where[:2] - half[:2], where[:2] + half[:2]]))
            edge = np.clip(anchor[:2], where[:2] - half[:2], where[:2] + half[:2])
            if np.linalg.norm(edge - anchor[:2]) > 0.4:  # far from its point: a leader line
                tip = anchor[:2] + 0.1 * (edge - anchor[:2]) / np.linalg.norm(edge - anchor[:2])
                leaders[id(mob)] = DashedLine(np.array([*edge, 0.0]), np.array([*tip, 0.0]),
                                              color=mob.get_color(), stroke_width=1.5,
                                              dash_length=0.06)
            return mob

        def shown(mob):
            """A label with its leader line, if it has one."""
            return VGroup(mob, *([leaders[id(mob)]] if id(mob) in leaders else []))

        def tag(key, tex, plain, color):
            return place(label(tex, plain, font_size=28, color=color), P[key], inside_ok=False)

        t_rho = place(label(r"\rho\,\nu", "ρ ν", font_size=26, color=PAL.NORMAL),
                      0.5 * (P["p"] + P["c"]), gap=0.1)
        t_c = tag("c", "c_t", "c_t", PAL.BALL)
        t_cn = tag("c_next", "c_{t+1}", "c_{t+1}", PAL.STEP)
        t_ct = tag("c_tilde", r"\tilde c_{t+1}", "c̃_{t+1}", PAL.DANGER)
        t_p = place(label("p_t", "p_t", font_size=28, color=PAL.FOOT), P["p"], inside_ok=False)
        t_pn = place(label("p_{t+1}", "p_{t+1}", font_size=28, color=PAL.FOOT), P["p_next"],
                     inside_ok=False)
        mid = 0.5 * (P["c"] + P["c_tilde"])
        t_step = place(label(r"-\eta\,\tau(p_t)", "−η τ(p_t)", font_size=28, color=PAL.STEP), mid,
                       gap=0.2, inside_ok=False)  # outside every ball: none hides its sign
        self.tags = VGroup(t_p, t_c, t_ct, t_pn, t_cn, t_step, t_rho)
        self.leaders = leaders

        eqs = VGroup(
            label(r"c_t = p_t + \rho\,\nu(p_t)", "c_t = p_t + ρ ν(p_t)", 30, PAL.BALL),
            label(r"\tilde c_{t+1} = c_t - \eta\,\tau(p_t)", "c̃_{t+1} = c_t − η τ(p_t)", 30,
                  PAL.DANGER),
            label(r"p_{t+1} = \mathrm{proj}_\Gamma\, \tilde c_{t+1}",
                  "p_{t+1} = proj_Γ c̃_{t+1}", 30, PAL.FOOT),
            label(r"c_{t+1} = p_{t+1} + \rho\,\nu(p_{t+1})", "c_{t+1} = p_{t+1} + ρ ν(p_{t+1})",
                  30, PAL.STEP),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
        nums = VGroup(*[caption(f"({n})", 20) for n in ("6", "7", "8", "6")])
        for e, n in zip(eqs, nums, strict=True):
            n.next_to(e, LEFT, buff=0.2)
        panel = VGroup(nums, eqs).to_corner(UR, buff=0.55).shift(DOWN * 0.9)
        note = caption(f"ρ = {rho:g},  η = {self.opts.lr:g}\nAlgorithm 1, exact projection\n"
                       "(η large to make the step visible)", 18)
        note.next_to(panel, DOWN, buff=0.45).align_to(panel, LEFT)
        self.equations = eqs

        self.play(FadeIn(head), Create(graph), run_time=1.2, beat="the loss")
        self.play(FadeIn(dot["p"]), FadeIn(shown(t_p)), run_time=0.5, beat="the footpoint p_t")
        self.beat("Eq. 6: the centre c_t")
        self.play(Create(normal), FadeIn(shown(t_rho)), FadeIn(ball), FadeIn(dot["c"]),
                  FadeIn(shown(t_c)), FadeIn(eqs[0]), FadeIn(nums[0]), run_time=1.0)
        self.beat("Eq. 7: the step")
        self.play(GrowArrow(step), FadeIn(shown(t_step)), FadeIn(eqs[1]),
                  FadeIn(nums[1]), run_time=1.0)
        self.play(Create(cand), FadeIn(dot["c_tilde"]), FadeIn(shown(t_ct)), run_time=0.8,
                  beat="the candidate ball")
        self.play(Indicate(graph, color=PAL.DANGER, scale_factor=1.0), run_time=0.8,
                  beat="it cuts the graph")
        self.beat("Eq. 8: the projection")
        self.play(Create(proj), FadeIn(dot["p_next"]), FadeIn(shown(t_pn)), FadeIn(eqs[2]),
                  FadeIn(nums[2]), run_time=1.0)
        self.beat("Eq. 6: the new centre c_{t+1}")
        self.play(Create(normal2), FadeIn(new_ball), FadeIn(dot["c_next"]), FadeIn(shown(t_cn)),
                  FadeIn(eqs[3]), FadeIn(nums[3]), run_time=1.0)
        self.play(FadeOut(cand), ball.animate.set_stroke(opacity=0.35).set_fill(opacity=0.05),
                  FadeIn(note), FadeIn(SurroundingRectangle(panel, color=PAL.MUTED, buff=0.2,
                                                            stroke_width=1)), run_time=0.8,
                  beat="summary")
        self.add(cand.set_stroke(opacity=0.3))  # keep a faint trace of the candidate
        self.wait(1.5 * self.opts.duration)


__all__ = ["UpdateStep", "LEFT", "DOWN", "RIGHT"]
