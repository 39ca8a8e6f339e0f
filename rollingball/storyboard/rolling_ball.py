r"""Frame data of the RollingBall scene: RBO on a 1-D loss beside a gradient-descent ghost.

At integer step ``t`` the ball is the engine's; in between its centre's horizontal position is
interpolated linearly between the two engine centres and the ball placed exactly on the
offset (:func:`rollingball.storyboard.paths.ball_at`), so it is tangent in every frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rollingball.engine.baselines import BASELINES
from rollingball.numeric.offset import upper_offset
from rollingball.storyboard.options import SceneOptions
from rollingball.storyboard.paths import (
    Trajectory,
    ball_at,
    contact_jumps,
    roll_path,
    step_and_weight,
    window_1d,
)

__all__ = ["RollingBallData", "rolling_ball_data"]


@dataclass(frozen=True)
class RollingBallData:
    """Everything the RollingBall scene draws (1-D loss).

    Attributes:
        options: the options.
        x_range, y_range: the plotted window (equal unit lengths are the scene's job).
        curve: the graph samples ``(M, 2)``.
        offset: the upper offset samples ``(M, 2)`` (the ironed landscape f_rho).
        rbo: the ball's trajectory (engine, method "rbo").
        gd: the gradient-descent ghost from the same start (engine, method "gd").
        jumps: the steps at which the ball's contact jumps (:func:`contact_jumps`).
        baselines: engine method -> its run from the same start, the overlays (default
            ``{"gd": gd}``; ``options.extra["baselines"]`` chooses, e.g. ``("gd", "adam")``).
    """

    options: SceneOptions
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    curve: np.ndarray
    offset: np.ndarray
    rbo: Trajectory
    gd: Trajectory
    jumps: np.ndarray
    baselines: dict[str, Trajectory] = field(default_factory=dict)

    @property
    def radius(self) -> float:
        """The ball's radius rho."""
        return self.options.radius[0]

    def frame(self, t: float) -> dict[str, np.ndarray | float]:
        """The state at fractional step ``t`` in [0, T]: centre, contact, theta, loss, step.

        At integer ``t`` this is the engine's state; in between, the centre's horizontal
        position is interpolated and the ball placed exactly on the offset (:func:`ball_at`).
        """
        i, w = step_and_weight(t, self.rbo.steps)
        if w == 0.0:
            centre, foot = self.rbo.centre[i], self.rbo.footpoint[i]
        else:
            cx = (1 - w) * self.rbo.centre[i, 0] + w * self.rbo.centre[i + 1, 0]
            centre, foot = ball_at(self.options.landscape, cx, self.radius)
        return dict(centre=np.asarray(centre), contact=np.asarray(foot), theta=float(foot[0]),
                    loss=float(foot[1]), step=float(np.clip(t, 0.0, self.rbo.steps)))

    def gd_point(self, t: float) -> np.ndarray:
        """The ghost's point at fractional step ``t`` (linear between its steps, on the graph
        at its steps)."""
        return self.baseline_point(self.gd, t)

    def baseline_point(self, run: Trajectory, t: float) -> np.ndarray:
        """A baseline's point :math:`(x, f(x))` at fractional step ``t``, ``x`` linear
        between its iterates."""
        T = run.steps
        t = float(np.clip(t, 0.0, T))
        i = min(int(np.floor(t)), T - 1) if T > 0 else 0
        w = t - i
        x = (1 - w) * run.theta[i] + w * run.theta[min(i + 1, T)]
        return np.array([x, float(self.options.landscape.f(x))])


def rolling_ball_data(options: SceneOptions, samples: int = 800) -> RollingBallData:
    """The data of the RollingBall scene: one engine run of RBO and one of GD, plus the curves
    (the graph and the exact offset :math:`f_\\rho` on ``samples`` abscissae)."""
    L = options.landscape
    rho = options.radius[0]
    x0 = options.starts_array(1)[:1]
    rbo = roll_path(L, x0, rho, options.lr, options.steps, "rbo")[0]
    gd = roll_path(L, x0, rho, options.lr, options.steps, "gd")[0]
    names = tuple(options.extra.get("baselines", ("gd",)))
    unknown = [m for m in names if m not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline(s) {', '.join(map(str, unknown))}; baselines: "
                         f"{', '.join(BASELINES)}")
    baselines = {m: gd if m == "gd" else roll_path(L, x0, rho, options.lr, options.steps, m)[0]
                 for m in names}
    lo, hi = window_1d([rbo.centre[:, 0], rbo.footpoint[:, 0], gd.theta,
                        *[b.theta for b in baselines.values()]], pad=rho + 0.3)
    (dlo, dhi), = L.domain  # show some landscape either side, within the domain
    lo, hi = min(lo, max(dlo, lo - 4.0)), max(hi, min(dhi, hi + 4.0))
    if hi - lo > 12.0:
        lo, hi = window_1d([rbo.centre[:, 0], gd.theta, np.array([lo, hi])], 0.0, 12.0)
    xs = np.linspace(lo, hi, samples)
    off = upper_offset(L, xs, rho).value
    # the window's height is the ball's: up to its highest top; the x window shrinks to the
    # stretch around the path where f_rho stays below that (so the plot is wide, not tall)
    yhi = float(np.max(rbo.centre[:, 1])) + rho + 0.2
    path = np.concatenate([rbo.centre[:, 0], rbo.footpoint[:, 0], gd.theta,
                           *[b.theta for b in baselines.values()]])
    inside = (off <= yhi) | ((xs >= path.min()) & (xs <= path.max()))
    i0 = int(np.searchsorted(xs, path.min()))
    a, b = min(i0, xs.size - 1), min(i0, xs.size - 1)
    while a > 0 and inside[a - 1]:
        a -= 1
    while b < xs.size - 1 and inside[b + 1]:
        b += 1
    lo, hi = float(xs[a]), float(xs[b])
    xs = np.linspace(lo, hi, samples)
    fx = L.f(xs)
    off = upper_offset(L, xs, rho).value
    ylo = float(min(np.min(fx), np.min(rbo.loss))) - 0.3
    yhi = max(yhi, float(np.max(off)) + 0.1)
    return RollingBallData(options, (lo, hi), (ylo, yhi), np.stack([xs, fx], -1),
                           np.stack([xs, off], -1), rbo, gd, contact_jumps(rbo), baselines)
