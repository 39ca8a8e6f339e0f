r"""Safeguarded Newton iterations for the footpoint of a candidate on the loss graph.

The local half of :func:`rollingball.numeric.projection.project`: for candidates
:math:`(a, b)` minimise :math:`g(\theta) = |\theta - a|^2 + (f(\theta) - b)^2` from given
starts by Newton steps on :math:`\tfrac12\nabla g = (\theta - a) + (f - b)\nabla f`: the
Hessian :math:`I + \nabla f\nabla f^\top + (f - b)\nabla^2 f` where it is positive definite,
else the Gauss-Newton matrix :math:`I + \nabla f\nabla f^\top`, steps capped by the current
distance, Armijo backtracking; batched over candidates (:func:`_newton`, d-D, and
:func:`_newton_scalar`, 1-D).  The global (certified) search that chooses the starts
stays in :mod:`rollingball.numeric.projection`.
"""

from __future__ import annotations

import numpy as np

from rollingball.symbolic.landscape import Landscape

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- graph
def _F(G: Landscape, theta: np.ndarray) -> np.ndarray:
    """f of the (scaled) landscape at ``theta`` (N, d)."""
    return G.f(G.as_input(theta))


def _FG(G: Landscape, theta: np.ndarray):
    """(f, grad f) at ``theta`` (N, d): shapes (N,), (N, d)."""
    return G.value_and_grad(G.as_input(theta))


def _FGH(G: Landscape, theta: np.ndarray):
    """(f, grad f, Hess f) at ``theta`` (N, d): shapes (N,), (N, d), (N, d, d)."""
    return G.value_grad_hess(G.as_input(theta))


def _relative_residual(u, r, dF):
    """|u + r dF| / (|u| + |r| |dF|): stationarity of g relative to its two terms."""
    grad = u + r[:, None] * dF
    num = np.sqrt(np.sum(grad * grad, axis=-1))
    den = np.sqrt(np.sum(u * u, axis=-1)) + np.abs(r) * np.sqrt(np.sum(dF * dF, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(num == 0, 0.0, num / np.maximum(den, 1e-300))


# -------------------------------------------------------------------------- newton
def _inside(u, s, R):
    r"""(N, 1): the largest :math:`k \in [0, 1]` with :math:`|u + k s| \le R`, for
    :math:`|u| \le R` (the step s from :math:`\theta = a + u`, cut at the disk's edge).

    .. math::  k = \frac{-u\cdot s + \sqrt{(u\cdot s)^2 + |s|^2 (R^2 - |u|^2)}}{|s|^2}
    """
    us = np.sum(u * s, axis=-1)
    ss = np.sum(s * s, axis=-1)
    room = np.maximum(R * R - np.sum(u * u, axis=-1), 0.0)
    with np.errstate(all="ignore"):
        k = (-us + np.sqrt(us * us + ss * room)) / ss
    return np.clip(np.where(np.isfinite(k), k, 0.0), 0.0, 1.0)[:, None]


def _accept(new, a, b, F, dF, h0, gn0, slope, t):
    """Armijo decrease of h = g/2, or (at rounding level, where h cannot show a decrease)
    no increase of h beyond rounding together with a smaller gradient."""
    u = new - a
    r = F - b
    ht = 0.5 * (np.sum(u * u, axis=-1) + r * r)
    armijo = ht <= h0 + 1e-4 * t * np.minimum(slope, 0.0)
    grad = u + r[:, None] * dF
    # the rounding error of h: eps * (h + |theta| |u| + |F| |r|)
    noise = 64 * _EPS * (h0 + np.sqrt(np.sum(new * new, axis=-1) * np.sum(u * u, axis=-1))
                         + np.abs(F) * np.abs(r)) + 1e-300
    flat = (ht <= h0 + noise) & (np.sum(grad * grad, axis=-1) < gn0)
    return armijo | flat, ht


def _newton(G: Landscape, a, b, theta0, *, tol=1e-12, max_iter=50, prune=None,
            max_step=None):
    """Damped (safeguarded) Newton on h = g/2 from ``theta0``, vectorised over rows.

    Uses the Hessian :math:`I + \\nabla F\\nabla F^T + (F-b)\\nabla^2 F` where it is positive
    definite, else the Gauss-Newton matrix :math:`I + \\nabla F\\nabla F^T` (always a descent
    direction), a step capped so that :math:`|\\theta - a|` never exceeds the current distance,
    and Armijo backtracking.  Returns ``(theta, F, dF, iterations, residual, converged)``;
    converged means residual <= tol, or a step at rounding level (the residual's floor is the
    rounding error of evaluating f and f', which can exceed tol * distance when the distance
    is tiny).

    ``prune(rows, theta, g, drop, pd, step) -> mask`` (optional, d >= 2 callers): called
    once per iteration with the active rows, their iterates, :math:`g = 2h`, the Newton
    model's predicted drop of g, :math:`-\nabla h^T s`, whether the Hessian is positive
    definite and the undamped step :math:`s = -M^{-1}\nabla h`; the rows it masks stop
    where they are (the caller records them).  ``max_step`` (optional, (n,)): a cap on each
    row's step length (a trust radius: a step of a seed far from its minimum is then cut
    before the line search instead of by many halvings).
    """
    n, d = theta0.shape
    theta = theta0.copy()
    F, dF, d2F = _FGH(G, theta)
    iters = np.zeros(n, dtype=np.int64)
    res = np.full(n, np.inf)
    conv = np.zeros(n, dtype=bool)
    active = np.ones(n, dtype=bool)
    eye = np.eye(d)
    grow = np.ones(n)
    for _ in range(max_iter + 1):
        ia = np.flatnonzero(active)
        if ia.size == 0:
            break
        th, Fa, gF, hF = theta[ia], F[ia], dF[ia], d2F[ia]
        aa, ba = a[ia], b[ia]
        u = th - aa
        r = Fa - ba
        grad = u + r[:, None] * gF
        rr = _relative_residual(u, r, gF)
        res[ia] = rr
        conv[ia] = rr <= tol
        stop = (rr <= tol) | ~np.isfinite(rr) | (iters[ia] >= max_iter)
        if np.any(stop):
            active[ia[stop]] = False
            keep = ~stop
            ia, th, Fa, gF, hF, aa, ba, u, r, grad = (
                z[keep] for z in (ia, th, Fa, gF, hF, aa, ba, u, r, grad))
            if ia.size == 0:
                break
        h0 = 0.5 * (np.sum(u * u, axis=-1) + r * r)
        if d == 1:
            J = 1.0 + gF[:, 0] ** 2
            H = J + r * hF[:, 0, 0]
            pd = H > 0
            M = np.where(pd, H, J)
            step = -grad / M[:, None]
        else:
            J = eye + gF[:, :, None] * gF[:, None, :]
            H = J + r[:, None, None] * hF
            finite = np.all(np.isfinite(H), axis=(1, 2)) & np.all(np.isfinite(J), axis=(1, 2))
            H = np.where(finite[:, None, None], H, eye)
            pd = np.linalg.eigvalsh(H)[:, 0] > 1e-14 * (1.0 + np.abs(H).max(axis=(1, 2)))
            M = np.where(pd[:, None, None], H, np.where(finite[:, None, None], J, eye))
            step = -np.linalg.solve(M, np.where(finite[:, None], grad, 0.0)[..., None])[..., 0]
        if prune is not None:
            cut = prune(ia, th, 2.0 * h0, -np.sum(grad * step, axis=-1), pd, step)
            if np.any(cut):
                active[ia[cut]] = False
                keep = ~cut
                ia, th, Fa, gF, hF, aa, ba, u, r, grad, h0, pd, step = (
                    z[keep] for z in (ia, th, Fa, gF, hF, aa, ba, u, r, grad, h0, pd, step))
                if ia.size == 0:
                    break
        # where the Hessian is not positive definite the Gauss-Newton step is cautious (near a
        # flat, degenerate minimum it crawls): stretch it by 2^k after k full such steps
        grow[ia] = np.where(pd, 1.0, grow[ia])
        step = step * grow[ia, None]
        if max_step is not None:
            ls = np.sqrt(np.sum(step * step, axis=-1))
            step = step * np.minimum(1.0, max_step[ia] / np.maximum(ls, 1e-300))[:, None]
        # never leave the ball |theta - a| <= current distance (nearest points lie inside):
        # pulled back towards a, where that keeps a descent direction; else cut short
        # along itself (pulling back can turn the step uphill: the line search then
        # fails and the row used to stop, far from stationary, as if at rounding level)
        dist = np.sqrt(2.0 * h0)
        new = th + step
        off = np.sqrt(np.sum((new - aa) ** 2, axis=-1))
        shrink = np.where(off > dist, dist / np.maximum(off, 1e-300), 1.0)
        new = aa + (new - aa) * shrink[:, None]
        pulled = new - th
        uphill = (shrink < 1.0) & (np.sum(grad * pulled, axis=-1) >= 0.0)
        if np.any(uphill):
            pulled[uphill] = step[uphill] * _inside(u[uphill], step[uphill], dist[uphill])
            new[uphill] = th[uphill] + pulled[uphill]
        step = pulled
        slope = np.sum(grad * step, axis=-1)
        t = np.ones(ia.size)
        Ft, gFt, hFt = _FGH(G, new)
        gn0 = np.sum(grad * grad, axis=-1)
        ok, ht = _accept(new, aa, ba, Ft, gFt, h0, gn0, slope, t)
        bad = ~ok
        for _ in range(40):
            ib = np.flatnonzero(bad)
            if ib.size == 0:
                break
            # backtrack to the minimiser of the quadratic through h0, slope and h(t),
            # kept within [t/50, t/2]
            tb, sb = t[ib], np.minimum(slope[ib], 0.0)
            with np.errstate(all="ignore"):
                q = -sb * tb * tb / (2.0 * (ht[ib] - h0[ib] - sb * tb))
            t[ib] = np.where(np.isfinite(q), np.clip(q, tb / 50, tb / 2), tb / 10)
            new[ib] = th[ib] + t[ib, None] * step[ib]
            Fb, gb, hb = _FGH(G, new[ib])
            Ft[ib], gFt[ib], hFt[ib] = Fb, gb, hb
            okb, ht[ib] = _accept(new[ib], aa[ib], ba[ib], Fb, gb, h0[ib], gn0[ib],
                                  slope[ib], t[ib])
            bad[ib] = ~okb
        # a step that cannot decrease h any more: we are at rounding level
        tiny = bad | (np.sqrt(np.sum((t[:, None] * step) ** 2, axis=-1))
                      <= 4 * _EPS * (1.0 + np.sqrt(np.sum(th * th, axis=-1))))
        acc = ~bad
        grow[ia] = np.where(~pd & acc & (t == 1.0), np.minimum(grow[ia] * 2.0, 2.0**20),
                            np.where(acc, grow[ia], 1.0))
        theta[ia[acc]] = new[acc]
        F[ia[acc]], dF[ia[acc]], d2F[ia[acc]] = Ft[acc], gFt[acc], hFt[acc]
        iters[ia] += 1
        if np.any(tiny):
            it = ia[tiny]
            active[it] = False
            conv[it] = True
            u2 = theta[it] - a[it]
            res[it] = _relative_residual(u2, F[it] - b[it], dF[it])
    return theta, F, dF, iters, res, conv


def _newton_scalar(fgh, a, b, x0, *, tol=1e-12, max_iter=50):
    """:func:`_newton` for d = 1 on flat arrays (the same algorithm, less overhead).

    ``fgh(x) -> (F, F', F'')`` on flat arrays; ``a``, ``b``, ``x0`` flat.  Returns
    ``(x, F, F', iterations, residual, converged)``.
    """
    n = x0.size
    x = x0.copy()
    F, D, C = fgh(x)
    iters = np.zeros(n, dtype=np.int64)
    res = np.full(n, np.inf)
    conv = np.zeros(n, dtype=bool)
    grow = np.ones(n)
    act = np.arange(n)
    abs_ = np.abs
    for _ in range(max_iter + 1):
        if act.size == 0:
            break
        xa, Fa, Da, Ca, aa, ba = x[act], F[act], D[act], C[act], a[act], b[act]
        u = xa - aa
        r = Fa - ba
        gr = u + r * Da
        den = abs_(u) + abs_(r) * abs_(Da)
        rr = np.where(gr == 0, 0.0, abs_(gr) / np.maximum(den, 1e-300))
        res[act] = rr
        ok = rr <= tol
        conv[act] = ok
        stop = ok | ~np.isfinite(rr) | (iters[act] >= max_iter)
        if stop.any():
            keep = ~stop
            act, xa, Fa, Da, Ca, aa, ba, u, r, gr = (
                z[keep] for z in (act, xa, Fa, Da, Ca, aa, ba, u, r, gr))
            if act.size == 0:
                break
        h0 = 0.5 * (u * u + r * r)
        J = 1.0 + Da * Da
        H = J + r * Ca
        pd = H > 0
        gw = np.where(pd, 1.0, grow[act])
        step = -gr / np.where(pd, H, J) * gw
        dist = np.sqrt(2.0 * h0)
        new = np.clip(xa + step, aa - dist, aa + dist)
        step = new - xa
        slope = np.minimum(gr * step, 0.0)
        gn0 = gr * gr
        t = np.ones(act.size)
        Ft, Dt, Ct = fgh(new)

        def accept(xn, Fn, Dn, a_, b_, h0_, gn0_, slope_, t_):
            un, rn = xn - a_, Fn - b_
            ht = 0.5 * (un * un + rn * rn)
            grn = un + rn * Dn
            noise = 64 * _EPS * (h0_ + abs_(xn) * abs_(un) + abs_(Fn) * abs_(rn)) + 1e-300
            good = (ht <= h0_ + 1e-4 * t_ * slope_) | ((ht <= h0_ + noise) & (grn * grn < gn0_))
            return good, ht

        good, ht = accept(new, Ft, Dt, aa, ba, h0, gn0, slope, t)
        bad = ~good
        for _ in range(40):
            ib = np.flatnonzero(bad)
            if ib.size == 0:
                break
            tb, sb = t[ib], slope[ib]
            with np.errstate(all="ignore"):
                q = -sb * tb * tb / (2.0 * (ht[ib] - h0[ib] - sb * tb))
            t[ib] = np.where(np.isfinite(q), np.clip(q, tb / 50, tb / 2), tb / 10)
            new[ib] = xa[ib] + t[ib] * step[ib]
            Fb, Db, Cb = fgh(new[ib])
            Ft[ib], Dt[ib], Ct[ib] = Fb, Db, Cb
            gb, ht[ib] = accept(new[ib], Fb, Db, aa[ib], ba[ib], h0[ib], gn0[ib], slope[ib],
                                t[ib])
            bad[ib] = ~gb
        tiny = bad | (abs_(t * step) <= 4 * _EPS * (1.0 + abs_(xa)))
        acc = ~bad
        grow[act] = np.where(~pd & acc & (t == 1.0), np.minimum(gw * 2.0, 2.0**20),
                             np.where(acc, gw, 1.0))
        ia = act[acc]
        x[ia], F[ia], D[ia], C[ia] = new[acc], Ft[acc], Dt[acc], Ct[acc]
        iters[act] += 1
        if tiny.any():
            it = act[tiny]
            conv[it] = True
            u2, r2 = x[it] - a[it], F[it] - b[it]
            g2 = u2 + r2 * D[it]
            d2 = abs_(u2) + abs_(r2) * abs_(D[it])
            res[it] = np.where(g2 == 0, 0.0, abs_(g2) / np.maximum(d2, 1e-300))
            act = act[~tiny]
    return x, F, D, iters, res, conv
