r"""Frame data of the Exploration scene (paper Fig. 4): a 2-D loss on a grid, and gradient
descent and the RBO at several radii from nearby starts (one engine batch per method)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rollingball.storyboard.options import SceneOptions
from rollingball.storyboard.paths import Trajectory, roll_path

__all__ = ["ExplorationData", "exploration_data", "nearby_starts"]


@dataclass(frozen=True)
class ExplorationData:
    """Fig. 4: a 2-D loss on a grid and trajectories of GD and RBO at several radii.

    Attributes:
        grid_x, grid_y: grid axes; values: the loss on the grid, ``(ny, nx)`` (row = y).
        starts: ``(N, 2)`` initial points (ten nearby starts by default).
        runs: label -> list of trajectories (one per start); "GD" first, then "rho=...".
    """

    options: SceneOptions
    grid_x: np.ndarray
    grid_y: np.ndarray
    values: np.ndarray
    starts: np.ndarray
    runs: dict[str, list[Trajectory]]


def nearby_starts(centre: np.ndarray, n: int = 10, spread: float = 0.15,
                  seed: int = 4) -> np.ndarray:
    r"""``n`` deterministic starts on a small ring around ``centre``: "close" starts.

    Start k sits at angle :math:`2\pi(k + u_k)/n` and distance :math:`s(1 + v_k)/2` with
    :math:`u_k \sim U(0, 1/2)`, :math:`v_k \sim U(0, 1)` from ``seed``, so every start is within
    ``spread`` of ``centre`` and at least ``spread/2`` from it.
    """
    rng = np.random.default_rng(seed)
    ang = 2 * np.pi * (np.arange(n) + rng.uniform(0, 0.5, n)) / n
    r = spread * (0.5 + 0.5 * rng.uniform(size=n))
    return np.asarray(centre, dtype=float) + np.stack([r * np.cos(ang), r * np.sin(ang)], -1)


def exploration_data(options: SceneOptions, grid: int = 120, n_starts: int = 10
                     ) -> ExplorationData:
    """The heat map and the runs of Fig. 4 (one engine batch per radius)."""
    L = options.landscape
    starts = options.starts_array(2)
    if starts.shape[0] == 1:
        starts = nearby_starts(starts[0], n_starts)
    (xlo, xhi), (ylo, yhi) = L.domain
    gx, gy = np.linspace(xlo, xhi, grid), np.linspace(ylo, yhi, grid)
    X, Y = np.meshgrid(gx, gy)
    values = L.f(np.stack([X, Y], -1))
    runs: dict[str, list[Trajectory]] = {
        "GD": roll_path(L, starts, 0.0, options.lr, options.steps, "gd")}
    kw = {k: options.extra[k] for k in ("projection", "resolution", "method") if k in options.extra}
    method = kw.pop("method", "rbo")
    for r in options.radius:
        runs[f"rho={r:g}"] = roll_path(L, starts, r, options.lr, options.steps, method, **kw)
    return ExplorationData(options, gx, gy, values, starts, runs)
