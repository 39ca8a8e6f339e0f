r"""Engine access for the scenes: one ball's path, and a ball placed exactly on the offset.

Every trajectory a scene draws is :func:`rollingball.engine.loop.roll`'s; a ball shown between
two engine steps is placed on the exact upper offset
(:func:`rollingball.numeric.offset.upper_offset`):

.. math::

    c = (c_x, f_\rho(c_x)),\qquad
    f_\rho(x) = \sup_{|s|\le\rho} f(x+s) + \sqrt{\rho^2-|s|^2}\qquad\text{(Lemma 2)},

with the contact point at the argmax of the sup, so the drawn ball is tangent to the graph in
every frame, not only at the engine's steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rollingball.engine.baselines import BASELINES
from rollingball.engine.loop import roll
from rollingball.geometry.jumps import contact_jumps as jumps_of_run
from rollingball.numeric.offset import upper_offset
from rollingball.symbolic.landscape import Landscape

__all__ = ["Trajectory", "roll_path", "ball_at", "window_1d", "step_and_weight", "contact_jumps",
           "paced_steps"]


@dataclass(frozen=True)
class Trajectory:
    """One ball's path, from the engine.

    Attributes:
        theta: iterates, ``(T+1,)`` in 1-D or ``(T+1, d)``.
        footpoint: contact points p_t on the graph, ``(T+1, d+1)``.
        centre: ball centres c_t, ``(T+1, d+1)`` (for gradient descent: the footpoint).
        loss: f(theta_t), ``(T+1,)``.
        radius: the ball's radius (0 for gradient descent).
        method: the engine method.
        jumped: ``(T+1,)`` bool, the footpoint moved discontinuously into step t (the
            engine's :attr:`~rollingball.engine.result.RollResult.jumped`; all False for GD).
    """

    theta: np.ndarray
    footpoint: np.ndarray
    centre: np.ndarray
    loss: np.ndarray
    radius: float
    method: str
    jumped: np.ndarray | None = None

    @property
    def steps(self) -> int:
        """The number of steps T."""
        return len(self.loss) - 1

    @property
    def jumps(self) -> np.ndarray:
        """The steps t at which the footpoint jumped (``jumped[t]``), as an int array."""
        if self.jumped is None:
            return np.zeros(0, dtype=int)
        return np.flatnonzero(self.jumped)


def step_and_weight(t: float, T: int) -> tuple[int, float]:
    """The engine step ``i`` and weight ``w`` in [0, 1) of fractional step ``t`` in [0, T].

    ``t = i + w``; ``w == 0`` exactly at (or within 1e-9 after) an engine step, ``i + 1`` is
    the next one.

    >>> step_and_weight(2.25, 10), step_and_weight(10.0, 10), step_and_weight(-1, 10)
    ((2, 0.25), (10, 0.0), (0, 0.0))
    """
    t = float(np.clip(t, 0.0, T))
    i = int(np.floor(t))
    w = t - i
    if w < 1e-9 or i >= T:
        return min(int(round(t)), T), 0.0
    return i, w


def roll_path(landscape: Landscape, starts: np.ndarray, radius: float, lr: float, steps: int,
              method: str = "rbo", **engine_options: Any) -> list[Trajectory]:
    """The engine's trajectories of balls of one radius from ``starts`` (``(N, d)``).

    Calls :func:`rollingball.engine.loop.roll` once for the whole batch (``method="gd"`` and
    the other baselines run with radius 0; their "centre" is their point on the graph);
    ``engine_options`` (``projection``, ``resolution``) are passed to it.
    """
    L = landscape
    x0 = np.asarray(starts, dtype=float).reshape(-1, L.dim)
    # the scenes draw positions, not the invariant residual: check it at the last step only
    engine_options.setdefault("residual_every", max(1, int(steps)))
    ball = method not in BASELINES  # a ball method: rbo, alg1, tangent
    res = roll(L, x0, radius=float(radius) if ball else 0.0, lr=lr, steps=steps, method=method,
               **engine_options)
    theta = np.asarray(res.theta, dtype=float)
    foot = np.asarray(res.point, dtype=float)
    centre = np.asarray(res.centre, dtype=float) if ball else foot
    loss = np.asarray(res.loss, dtype=float)
    jumped = getattr(res, "jumped", None)
    jumped = (np.zeros(loss.shape, dtype=bool) if jumped is None or not ball
              else np.asarray(jumped, dtype=bool))
    return [Trajectory(theta[:, i, 0] if L.dim == 1 else theta[:, i, :], foot[:, i],
                       centre[:, i], loss[:, i], float(radius) if ball else 0.0, method,
                       jumped[:, i])
            for i in range(x0.shape[0])]


def ball_at(landscape: Landscape, cx, radius: float) -> tuple[np.ndarray, np.ndarray]:
    r"""The ball of radius rho resting on the graph with its centre above ``cx``.

    Returns ``(centre, contact)``: the centre :math:`(c_x, f_\rho(c_x))` and the contact
    point :math:`(\theta^\star, f(\theta^\star))` (the argmax of Lemma 2's sup), each
    of shape ``(..., d+1)``.  Their distance is exactly rho.

    >>> c, p = ball_at(Landscape("x^2/2"), 0.0, 0.5)
    >>> [round(float(v), 12) for v in (*c, *p)]
    [0.0, 0.5, 0.0, 0.0]
    """
    L = landscape
    off = upper_offset(L, np.asarray(cx, dtype=float), radius)
    th = np.asarray(off.contact, dtype=float)
    if L.dim == 1:
        contact = np.stack([th, L.f(th)], axis=-1)
    else:
        contact = np.concatenate([th, L.f(th)[..., None]], axis=-1)
    return off.centre, contact


def window_1d(xs: Sequence[np.ndarray], pad: float,
              max_width: float = 12.0) -> tuple[float, float]:
    """A horizontal window containing every array in ``xs`` with ``pad`` either side, at most
    ``max_width`` wide (centred on their middle when they spread wider).

    >>> window_1d([np.array([0.0, 1.0])], 0.5)
    (-0.5, 1.5)
    """
    lo = min(float(np.nanmin(x)) for x in xs) - pad
    hi = max(float(np.nanmax(x)) for x in xs) + pad
    if hi - lo > max_width:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - max_width / 2, mid + max_width / 2
    return lo, hi


def contact_jumps(traj: Trajectory, ratio: float = 3.0, floor: float = 0.1) -> np.ndarray:
    r"""The steps t at which the footpoint jumped to another contact (not rolled).

    A jump into step t: the footpoint moved much further than the centre,

    .. math::  |\theta_t - \theta_{t-1}| > \max(\text{ratio}\,|c_t - c_{t-1}|,\
               \text{floor}\cdot\rho),

    (:func:`rollingball.geometry.jumps.contact_jumps`, which the notebook animation uses
    too).  Gradient descent (radius 0) never jumps.

    >>> tr = Trajectory(np.array([0.0, 0.1, 2.0]), np.zeros((3, 2)),
    ...                 np.array([[0.0, 1], [0.1, 1], [0.2, 1]]), np.zeros(3), 1.0, "rbo")
    >>> contact_jumps(tr).tolist()
    [2]
    """
    if traj.radius <= 0:
        return np.zeros(0, dtype=int)
    th = np.asarray(traj.theta, dtype=float).reshape(traj.steps + 1, -1)
    return np.flatnonzero(jumps_of_run(th, traj.centre, traj.radius, ratio, floor))


def paced_steps(traj: Trajectory, alpha, still: float = 0.15) -> np.ndarray:
    r"""Fractional steps for animation progress ``alpha`` in [0, 1], paced by the motion.

    Step i -> i+1 gets a share of the clip proportional to
    :math:`|c_{i+1} - c_i| + \text{still}\cdot\overline{|\Delta c|}`: the centre's path
    length plus a small constant, so a ball that has come to rest takes little time
    instead of half the clip.  Monotone, 0 -> 0 and 1 -> T.

    >>> tr = Trajectory(np.arange(3.0), np.zeros((3, 2)), np.array([[0.0, 0], [1, 0], [1, 0]]),
    ...                 np.zeros(3), 1.0, "rbo")
    >>> np.round(paced_steps(tr, [0.0, 0.5, 1.0]), 4).tolist()
    [0.0, 0.5349, 2.0]
    """
    dc = np.linalg.norm(np.diff(traj.centre, axis=0), axis=1)
    w = dc + still * max(float(np.mean(dc)), 1e-12)
    cum = np.concatenate([[0.0], np.cumsum(w)])
    a = np.clip(np.asarray(alpha, dtype=float), 0.0, 1.0)
    return np.interp(a * cum[-1], cum, np.arange(traj.steps + 1, dtype=float))
