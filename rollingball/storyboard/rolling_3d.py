r"""Frame data of the RollingBall3D scene: a sphere rolling on a 2-D loss surface.

At integer steps the ball is the engine's; in between, centre and footpoint are interpolated
linearly (in 2-D an exact re-placement on the offset costs seconds per frame; the steps are
small, so the in-between ball is off the offset by :math:`O(\eta^2)`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rollingball.storyboard.options import SceneOptions
from rollingball.storyboard.paths import Trajectory, roll_path, step_and_weight

__all__ = ["Rolling3DData", "rolling_3d_data"]


@dataclass(frozen=True)
class Rolling3DData:
    """A sphere rolling on a 2-D loss surface.

    Attributes:
        rbo: the ball's trajectory (engine); gd: the gradient-descent ghost.
        x_range, y_range, z_range: the box drawn.
    """

    options: SceneOptions
    rbo: Trajectory
    gd: Trajectory
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    z_range: tuple[float, float]

    @property
    def radius(self) -> float:
        """The ball's radius rho."""
        return self.options.radius[0]

    def frame(self, t: float) -> dict[str, np.ndarray]:
        """Centre and footpoint at fractional step ``t`` (engine's at integer ``t``, linear
        in between)."""
        i, w = step_and_weight(t, self.rbo.steps)
        if w == 0.0:
            return dict(centre=self.rbo.centre[i], contact=self.rbo.footpoint[i])
        c = (1 - w) * self.rbo.centre[i] + w * self.rbo.centre[i + 1]
        p = (1 - w) * self.rbo.footpoint[i] + w * self.rbo.footpoint[i + 1]
        return dict(centre=c, contact=p)


def rolling_3d_data(options: SceneOptions) -> Rolling3DData:
    """One engine run of RBO (and of GD) on a 2-D loss, and the box that holds them: a square
    of half-width ``max|x| + rho + 0.5`` clipped to [2.5, 4], heights from the surface's
    minimum to the highest centre plus rho."""
    L = options.landscape
    x0 = options.starts_array(2)[:1]
    rho = options.radius[0]
    rbo = roll_path(L, x0, rho, options.lr, options.steps, "rbo")[0]
    gd = roll_path(L, x0, rho, options.lr, options.steps, "gd")[0]
    pts = np.concatenate([rbo.centre[:, :2], rbo.footpoint[:, :2], gd.theta], axis=0)
    m = float(np.max(np.abs(pts))) + rho + 0.5
    m = min(max(m, 2.5), 4.0)
    xs = np.linspace(-m, m, 81)
    X, Y = np.meshgrid(xs, xs)
    F = L.f(np.stack([X, Y], -1))
    z = (float(np.min(F)) - 0.2, float(max(np.max(F), np.max(rbo.centre[:, 2]))) + rho)
    return Rolling3DData(options, rbo, gd, (-m, m), (-m, m), z)
