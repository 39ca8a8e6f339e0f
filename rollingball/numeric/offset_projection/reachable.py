r"""The 1-D reachability certificate of a step's footpoint, on the exact projection's grid.

A step of the offset-keeping RBO re-places the ball at :math:`c' = p' + \rho\,\nu(p')`, where
:math:`p'` is the footpoint of the candidate, and must know whether :math:`p'` is reachable:
:math:`d_\Gamma(c') = \rho`, i.e. the open ball :math:`B(c', \rho)` holds no graph point
(Fact 2 of :mod:`rollingball.engine.loop`).  The general test is a second exact projection,
of :math:`c'` (:meth:`~rollingball.numeric.offset_projection.OffsetGraph.exact_distance`).
:func:`reachable_1d` decides most balls from the samples that projection would read anyway:
the cached table of :math:`(f, f')` on the scan grid :math:`x_k = kh`
(:func:`~rollingball.numeric.projection.grid_table`), with
:func:`~rollingball.numeric.window.ball_is_clear`, the projection's own certificate run with
the answer known (the contact :math:`p'`, at distance :math:`\rho` from :math:`c'`):

.. math::  g(x) = (x - c'_x)^2 + (f(x) - c'_y)^2,\qquad
           g \ge \min(g_j, g_{j+1}) - M_j h^2/8 \ \text{on}\ [x_j, x_{j+1}],

:math:`M_j` four times the largest divided difference of :math:`g'` there and next door.
The scan's candidates whose bracket bound can beat :math:`\rho^2` must either hold the
contact in their bracket or, polished on the exact graph, not lie below
:math:`\rho^2 - 2\rho\,\text{REACH\_TOL}(1 + |c'_y|)` (the general test's own tolerance on
the distance); no sample may lie inside the ball.  Where that holds the exact projection of
:math:`c'` finds a distance of at least :math:`\rho - \text{REACH\_TOL}(1 + |c'_y|)`:
*reachable*, the same verdict.  The certificate never says "unreachable": a ball it does not
clear (a candidate elsewhere that polishes inside the ball, a sample inside, a window over
:data:`MAX_WINDOW` samples) goes to the general test.
"""

from __future__ import annotations

import numpy as np

from rollingball.numeric.offset_projection._common import REACH_TOL, OffsetGraph
from rollingball.numeric.projection import grid_table
from rollingball.numeric.window import ball_is_clear

__all__ = ["reachable_1d", "MAX_WINDOW"]

#: Most scan samples per ball (a wider ball goes to the general test).
MAX_WINDOW = 1024


def reachable_1d(graph: OffsetGraph, centre: np.ndarray, rho: np.ndarray,
                 contact: np.ndarray, hint: np.ndarray | None = None) -> np.ndarray:
    r"""Per ball: certified reachable, :math:`d_\Gamma(c') \ge \rho - \text{REACH\_TOL}
    (1 + |c'_y|)` (module docstring); False proves nothing.

    .. math::  \min_x\ (x - c'_x)^2 + (f(x) - c'_y)^2 \;\ge\;
               \rho^2 - 2\rho\,\text{REACH\_TOL}\,(1 + |c'_y|) .

    Args:
        graph: the 1-D graph (its landscape and the exact projection's resolution).
        centre: ``(n, 2)`` the centres :math:`c' = p' + \rho\nu(p')`.
        rho: ``(n,)`` radii, > 0.
        contact: ``(n,)`` :math:`p'_x`, the footpoints the centres were built on.
        hint: ``(n,)`` the previous footpoints (optional): where the graph comes near the ball
            again there (a ball resting across a valley) the exact polish starts at it.

    Returns:
        ``(n,)`` bool.

    Example:
        >>> import numpy as np
        >>> from rollingball import Landscape
        >>> g = OffsetGraph(Landscape("x^2"))
        >>> # resting at the vertex: radius 0.4 fits (curvature radius 1/2), 0.6 does not
        >>> reachable_1d(g, np.array([[0.0, 0.4], [0.0, 0.6]]), np.array([0.4, 0.6]),
        ...              np.zeros(2)).tolist()
        [True, False]
    """
    if graph.d != 1:
        raise ValueError(f"reachable_1d is 1-D only; this graph is {graph.d}-D")
    centre = np.asarray(centre, dtype=float)
    rho = np.asarray(rho, dtype=float)
    n = rho.shape[0]
    if centre.shape != (n, 2) or np.shape(contact) != (n,):
        raise ValueError(f"centre must have shape ({n}, 2) and contact ({n},), got "
                         f"{centre.shape} and {np.shape(contact)}")
    if n == 0:
        return np.zeros(0, dtype=bool)
    G = graph.landscape
    table, h = grid_table(G, graph.resolution)

    def exact(x):
        F, dF, d2F = G.value_grad_hess(x)
        return F, dF[:, 0], d2F[:, 0, 0]

    slack = 2 * rho * REACH_TOL * (1 + np.abs(centre[:, 1]))
    return ball_is_clear(table, h, centre, rho, np.asarray(contact, dtype=float),
                         max_window=MAX_WINDOW, exact=exact, tol=slack, hint=hint)
