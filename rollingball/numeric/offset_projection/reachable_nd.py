r"""The d-D step of the offset-keeping RBO: its graph projection and its reachability test in
one certificate.

A step projects the candidate :math:`\tilde c` onto the graph (footpoint :math:`p'`, distance
:math:`\delta`) and, where :math:`\tilde c` is not at distance :math:`\ge \rho` above the graph,
tests :math:`c' = p' + \rho\,\nu(p')` for reachability: :math:`B(c', \rho)` holds no graph
point (Fact 2 of :mod:`rollingball.engine.loop`).  Both were an exact projection each
(:func:`~rollingball.numeric.projection_nd.exact_nd`).  Where :math:`\tilde c = p' + \delta\nu`
lies above the graph with :math:`\delta < \rho`,

.. math::  B(\tilde c, \delta) \subset B(c', \rho)\qquad (\text{tangent at } p'),

so one clear ball :math:`B(c', \rho)` (:func:`~rollingball.numeric.projection_nd.
ball_is_clear_nd`, with the contact :math:`p'` known) proves both that the continuation's
footpoint :math:`p'` is the global one and that it is reachable; above at
:math:`\delta \ge \rho` (no test due) a clear :math:`B(\tilde c, \delta)` proves the
footpoint.  In both, :math:`r = \max(\delta, \rho)` and the ball is
:math:`B(p' + r\nu, r)` (the 1-D analogue is
:func:`~rollingball.numeric.projection.project_for_offset_1d`).  The balls it does not clear
take the exact projection and the general test, as before.
"""

from __future__ import annotations

import numpy as np

from rollingball.numeric.graph_newton import _FG, _newton, _relative_residual
from rollingball.numeric.offset_projection._common import REACH_TOL
from rollingball.numeric.projection import Projection, project
from rollingball.numeric.projection_nd import ball_is_clear_nd
from rollingball.symbolic.landscape import Landscape

__all__ = ["project_for_offset_nd"]


def project_for_offset_nd(landscape: Landscape, candidates: np.ndarray, warm: np.ndarray,
                          rho: np.ndarray, resolution: float | None = None,
                          tol: float = 1e-12, max_iter: int = 50
                          ) -> tuple[Projection, np.ndarray]:
    r"""The exact d-D projection of an offset step's candidates (as ``project(landscape,
    candidates, warm=warm, resolution=resolution)``), and per candidate whether the step
    needs no further test: :math:`c' = p + \rho\,\nu(p)` proved reachable on the way
    (:math:`d_\Gamma(c') \ge \rho - 10^{-11}(1 + |c'_{d+1}|)`), or the candidate lies above
    the graph at :math:`\delta \ge \rho` with its footpoint certified; False proves
    nothing.

    .. math::  B(\tilde c, \delta) \subset B(c', \rho)\quad
               (\tilde c = p + \delta\nu(p) \text{ above the graph},\ \delta < \rho),

    so a clear :math:`B(c', \rho)` certifies the continuation's footpoint p and its
    reachability at once; elsewhere the exact projection runs.

    Args:
        landscape: the d-D loss (its graph, already scaled), d >= 2.
        candidates: ``(N, d+1)``.
        warm: ``(N, d)`` starts (the current footpoints).
        rho: ``(N,)`` radii.
        resolution, tol, max_iter: as :func:`~rollingball.numeric.projection.project`.

    Returns:
        ``(Projection, clear)``.
    """
    G = Landscape(landscape)
    d = G.dim
    if d < 2:
        raise ValueError(f"project_for_offset_nd is for d >= 2; this loss is {d}-D")
    c = np.asarray(candidates, dtype=float)
    n = c.shape[0]
    warm = np.asarray(warm, dtype=float)
    rho = np.asarray(rho, dtype=float)
    if c.shape != (n, d + 1) or warm.shape != (n, d) or rho.shape != (n,):
        raise ValueError(f"expected candidates ({n}, {d + 1}), warm ({n}, {d}), rho ({n},); "
                         f"got {c.shape}, {warm.shape}, {rho.shape}")
    a, b = c[:, :d], c[:, d]
    # the continuation, as exact_nd runs it
    thw, Fw, _, iw, _, _ = _newton(G, a, b, warm, tol=tol, max_iter=max_iter)
    delta = np.sqrt(np.sum((thw - a) ** 2, axis=1) + (Fw - b) ** 2)
    clear = np.zeros(n, dtype=bool)
    F, dF = _FG(G, thw)
    p = np.concatenate([thw, F[:, None]], axis=1)
    with np.errstate(invalid="ignore"):
        try_ = (rho > 0) & (b >= F) & (delta < rho) & np.all(np.isfinite(p), axis=1)
    it = np.flatnonzero(try_)
    if it.size:
        # c' exactly as the caller builds it; the slack s is the caller's tolerance on its
        # distance, and small enough that no point outside B(c', rho - s) beats p as the
        # footpoint of c~ by exact_nd's tie margin (|q - c~| >= delta - s > delta (1 - 5e-12));
        # c~ is p + delta nu only up to the continuation's residual: e = |c~ - p - delta nu|
        # is taken off the slack (B(c~, delta - e) lies in B(c', rho - e)); a continuation
        # that stopped short of a footpoint (e beyond the slack) is not tried
        nu = G.normal_at(G.as_input(thw[it]))
        cp = p[it] + rho[it, None] * nu
        e = np.sqrt(np.sum((c[it] - p[it] - delta[it, None] * nu) ** 2, axis=1))
        slack = np.minimum(REACH_TOL * (1.0 + np.abs(cp[:, d])), 4e-12 * delta[it]) - e
        ok = slack > 0
        io = np.flatnonzero(ok)
        ok[io] = ball_is_clear_nd(G, cp[io], thw[it[io]], rho[it[io]], resolution, tol=tol,
                                  max_iter=max_iter, slack=slack[io])
        clear[it[ok]] = True
    # above at delta >= rho: no reachability test is due, only the footpoint: B(c~, delta)
    # clear (slack: exact_nd's tie margin, less the continuation's distance from stationary)
    with np.errstate(invalid="ignore"):
        far = (rho > 0) & (b >= F) & (delta >= rho) & np.all(np.isfinite(p), axis=1)
    it = np.flatnonzero(far)
    if it.size:
        nu = G.normal_at(G.as_input(thw[it]))
        e = np.sqrt(np.sum((c[it] - p[it] - delta[it, None] * nu) ** 2, axis=1))
        slack = 4e-12 * delta[it] - e
        ok = slack > 0
        io = np.flatnonzero(ok)
        ok[io] = ball_is_clear_nd(G, c[it[io]], thw[it[io]], delta[it[io]], resolution,
                                  tol=tol, max_iter=max_iter, slack=slack[io])
        clear[it[ok]] = True
    theta = thw.copy()
    iters = np.asarray(iw).copy()
    res = _relative_residual(thw - a, F - b, dF)
    jumped = np.zeros(n, dtype=bool)
    second = np.full(n, np.inf)
    io = np.flatnonzero(~clear)
    if io.size:
        pr = project(G, c[io], warm=warm[io], resolution=resolution, tol=tol,
                     max_iter=max_iter)
        theta[io] = pr.theta
        p[io] = pr.point
        iters[io] = pr.iterations
        res[io] = pr.residual
        jumped[io] = pr.jumped
        second[io] = pr.second
    dist = np.sqrt(np.sum((p - c) ** 2, axis=1))
    return Projection(theta=theta, point=p, distance=dist, iterations=iters, residual=res,
                      jumped=jumped, certified=np.zeros(n, dtype=bool), second=second,
                      too_wide=np.zeros(n, dtype=bool)), clear
