r"""Frame data of the UpdateStep scene: one step of Algorithm 1 (paper Fig. 1), from the engine.

.. math::

    c_t = p_t + \rho\,\nu(p_t),\qquad
    \tilde c_{t+1} = c_t - \eta\,\tau(p_t),\qquad
    p_{t+1} = \operatorname{proj}_\Gamma \tilde c_{t+1}\qquad\text{(paper Eqs. 6-8)}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rollingball.storyboard.options import SceneOptions
from rollingball.storyboard.paths import roll_path, window_1d

__all__ = ["UpdateStepData", "update_step_data"]


@dataclass(frozen=True)
class UpdateStepData:
    r"""One step of Algorithm 1 (paper Fig. 1), from the engine.

    Attributes:
        p, c: the footpoint :math:`p_t` and centre :math:`c_t = p_t + \rho\nu(p_t)`.
        tau: :math:`\tau(p_t)`; ``step = -eta*tau``.
        c_tilde: the candidate :math:`\tilde c_{t+1} = c_t - \eta\tau(p_t)` (Eq. 7).
        p_next: :math:`p_{t+1} = \operatorname{proj}_\Gamma\tilde c_{t+1}` (engine, Eq. 8).
        c_next: the new centre (engine).
        curve: graph samples; x_range, y_range: the window.
    """

    options: SceneOptions
    p: np.ndarray
    c: np.ndarray
    tau: np.ndarray
    step: np.ndarray
    c_tilde: np.ndarray
    p_next: np.ndarray
    c_next: np.ndarray
    curve: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def update_step_data(options: SceneOptions, samples: int = 600) -> UpdateStepData:
    """The anatomy of the first step of Algorithm 1 from ``starts[0]`` (engine ``alg1``)."""
    L = options.landscape
    rho, eta = options.radius[0], options.lr
    x0 = options.starts_array(1)[:1]
    tr = roll_path(L, x0, rho, eta, 1, "alg1")[0]
    p, c = tr.footpoint[0], tr.centre[0]
    tau = L.tangent_at(np.asarray(p[0]))
    step = -eta * tau
    c_tilde = c + step
    p_next, c_next = tr.footpoint[1], tr.centre[1]
    pts = np.stack([p, c, c_tilde, p_next, c_next])
    lo, hi = window_1d([pts[:, 0]], pad=rho + 0.8)
    xs = np.linspace(lo, hi, samples)
    fx = L.f(xs)
    ylo = float(min(np.min(fx), np.min(pts[:, 1]) - rho)) - 0.2
    yhi = float(np.max(pts[:, 1])) + rho + 0.5
    keep = np.flatnonzero(fx <= yhi)  # the graph is clipped to the window
    xs, fx = xs[keep[0]:keep[-1] + 1], fx[keep[0]:keep[-1] + 1]
    return UpdateStepData(options, p, c, tau, step, c_tilde, p_next, c_next,
                          np.stack([xs, fx], -1), (lo, hi), (ylo, yhi))
