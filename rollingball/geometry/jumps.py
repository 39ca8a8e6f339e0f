r"""Contact jumps of a run: steps where the ball's footpoint switched to another contact.

A jump into step t is a footpoint that moved much further than the centre,

.. math::  |\theta_t - \theta_{t-1}| > \max(\text{ratio}\,|c_t - c_{t-1}|,\
           \text{floor}\cdot\rho),

which happens where the ball touches the graph at two points (a kink of :math:`f_\rho`) and
its contact switches between them.  It is what a viewer sees as a jump, and what the scenes
and the notebook animation draw as a hop.  (The engine's ``RollResult.jumped`` is another
diagnostic: the graph projection's footpoint left the basin of the previous footpoint,
which can happen while it slides continuously.)  Gradient descent (radius 0) never jumps.
"""

from __future__ import annotations

import numpy as np

__all__ = ["contact_jumps"]


def contact_jumps(theta: np.ndarray, centre: np.ndarray, radius: np.ndarray | float,
                  ratio: float = 3.0, floor: float = 0.1) -> np.ndarray:
    r"""Per step and ball, whether the footpoint jumped into that step.

    Args:
        theta: ``(T+1, ...)`` or ``(T+1, ..., d)`` footpoints' horizontal parts.
        centre: ``(T+1, ..., d+1)`` centres.
        radius: the radius (a number, or per step and ball ``(T+1, ...)``; the step's own).
        ratio, floor: the thresholds above.

    Returns:
        ``(T+1, ...)`` bool, False at step 0 and where the radius is 0.

    >>> th = np.array([0.0, 0.1, 2.0])
    >>> c = np.array([[0.0, 1], [0.1, 1], [0.2, 1]])
    >>> contact_jumps(th, c, 1.0).tolist()
    [False, False, True]
    """
    c = np.asarray(centre, dtype=float)
    th = np.asarray(theta, dtype=float).reshape(c.shape[:-1] + (-1,))
    rho = np.broadcast_to(np.asarray(radius, dtype=float), c.shape[:-1])
    out = np.zeros(c.shape[:-1], dtype=bool)
    with np.errstate(invalid="ignore"):
        dth = np.linalg.norm(np.diff(th, axis=0), axis=-1)
        dc = np.linalg.norm(np.diff(c, axis=0), axis=-1)
        out[1:] = (dth > np.maximum(ratio * dc, floor * rho[1:])) & (rho[1:] > 0)
    return out
