r"""The slow, global fallback of the d-D offset projection: Nelder-Mead on :math:`\phi`.

.. math::  \phi(x) = |x - a|^2 + (f_\rho(x) - b)^2,\qquad \tilde c = (a, b),

with the exact multi-start d-D offset :func:`~rollingball.numeric.offset.upper_offset`
(seconds per evaluation on costly losses).  Used only for the balls the contact solver
(:mod:`rollingball.numeric.offset_projection.contacts`) cannot verify.
"""

from __future__ import annotations

import numpy as np

from rollingball.numeric.offset_projection._common import OffsetGraph

__all__ = ["nearest_on_offset_simplex", "ND_SIMPLEX_ITERATIONS"]

#: Most Nelder-Mead iterations of the d-D offset projection.
ND_SIMPLEX_ITERATIONS = 60


def nearest_on_offset_simplex(graph: OffsetGraph, cand, rho, warm, ref):
    """d >= 2: vectorised Nelder-Mead on phi(x) = |x - a|^2 + (f_rho(x) - b)^2.

    Started from the better of ``warm`` (the current centre) and a; stops at 1e-10 relative simplex
    size or :data:`ND_SIMPLEX_ITERATIONS` iterations (each costs three evaluations of the
    multi-start d-D offset, the dominant cost).  Returns (x (n, d), f_rho(x) (n,),
    contact (n, d)).
    """
    d = graph.d
    a, b = cand[:, :d], cand[:, d]
    n = a.shape[0]

    def phi(x):  # x (n, k, d)
        k = x.shape[1]
        o = graph.offset(x.reshape(-1, d), np.repeat(rho, k))
        F = np.asarray(o.value, dtype=float).reshape(n, k)
        v = np.sum((x - a[:, None, :]) ** 2, axis=-1) + (F - b[:, None]) ** 2
        return np.where(np.isfinite(v), v, np.inf)

    tries = np.stack([warm, a], axis=1)
    v0 = phi(tries)
    x0 = tries[np.arange(n), np.argmin(v0, axis=1)]
    R = np.sqrt(np.min(v0, axis=1))
    step = np.maximum(0.5 * R, 1e-8)
    simplex = np.repeat(x0[:, None, :], d + 1, axis=1)
    for i in range(d):
        simplex[:, i + 1, i] += step
    fv = phi(simplex)
    rows = np.arange(n)
    for _ in range(ND_SIMPLEX_ITERATIONS):
        order = np.argsort(fv, axis=1)
        simplex = np.take_along_axis(simplex, order[:, :, None], axis=1)
        fv = np.take_along_axis(fv, order, axis=1)
        size = np.max(np.linalg.norm(simplex[:, 1:] - simplex[:, :1], axis=-1), axis=1)
        if np.all(size <= 1e-10 * (1.0 + np.linalg.norm(simplex[:, 0], axis=1))):
            break
        centroid = simplex[:, :-1].mean(axis=1)
        worst = simplex[:, -1]
        xr = centroid + (centroid - worst)
        fr = phi(xr[:, None])[:, 0]
        xe = centroid + 2.0 * (centroid - worst)
        fe = phi(xe[:, None])[:, 0]
        xc = centroid + 0.5 * (worst - centroid)
        fc = phi(xc[:, None])[:, 0]
        new, fnew = worst.copy(), fv[:, -1].copy()
        use_e = (fr < fv[:, 0]) & (fe < fr)
        use_r = (fr < fv[:, -2]) & ~use_e
        use_c = ~use_e & ~use_r & (fc < fv[:, -1])
        for mask, xx, ff in ((use_e, xe, fe), (use_r, xr, fr), (use_c, xc, fc)):
            new[mask], fnew[mask] = xx[mask], ff[mask]
        shrink = ~(use_e | use_r | use_c)
        simplex[:, -1], fv[:, -1] = new, fnew
        if np.any(shrink):
            s = simplex[shrink]
            s[:, 1:] = s[:, :1] + 0.5 * (s[:, 1:] - s[:, :1])
            simplex[shrink] = s
            fv[shrink] = _phi_subset(phi, s, shrink, n, d)
    xbest = simplex[rows, np.argmin(fv, axis=1)]
    o = graph.offset(xbest, rho)
    return xbest, np.asarray(o.value, dtype=float), graph.contacts(o, ref)


def _phi_subset(phi, s, mask, n, d):
    """phi on the simplices of the balls ``mask`` (padding the others with copies)."""
    full = np.zeros((n,) + s.shape[1:])
    full[mask] = s
    full[~mask] = s[:1] if s.shape[0] else 0.0
    return phi(full)[mask]

