r"""The 1-D projection onto the offset: a search over the local branches of :math:`f_\rho`.

For a candidate centre :math:`\tilde c = (a, b)` whose footpoint is unreachable, the nearest
point of :math:`\Gamma_\rho` minimises

.. math::  \phi(x) = (x - a)^2 + (f_\rho(x) - b)^2,\qquad |x - a| \le R,

:math:`R` the distance from :math:`\tilde c` to a known point of :math:`\Gamma_\rho`.
:math:`f_\rho` is a supremum of smooth functions, hence semi-convex; its kinks are V-shaped
and sit where the ball rests on two contacts :math:`q_1, q_2`, with one-sided slopes
:math:`f_\rho'(x^\pm) = \max/\min(f'(q_1), f'(q_2))`.  :math:`\phi` is minimised on the
*local branches* :math:`h_i(x) = \max_{q\approx q_i} f(q) + \sqrt{\rho^2-(q-x)^2}` through
seed contacts (:func:`local_offset`; :math:`\max_i h_i \le f_\rho`): a resting test at the
current centre, a global scan where the exact offset is cheap, a 33-point scan and a
bracketed kink/secant/bisection search (:func:`minimise_phi_local`), then a verification
by the exact projection (a cutting graph point becomes a new seed; 4 rounds; after that the
exact :func:`~rollingball.numeric.offset.upper_offset` decides).  The proofs are in
:mod:`rollingball.engine.loop`.
"""

from __future__ import annotations

import weakref

import numpy as np

from rollingball.numeric.offset_projection._common import REACH_TOL, TIE_TOL, OffsetGraph
from rollingball.symbolic.compiled import vectorize
from rollingball.symbolic.landscape import Landscape

__all__ = ["nearest_on_offset_1d", "local_offset", "minimise_phi_local"]

#: Most samples of the exact offset per ball for a global scan of the offset-projection window.
GLOBAL_SCAN_SAMPLES = 1e5


_HASH = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def _start_keys(x, rho, u):
    """The starts (x, rho, u0) as (n, 3) uint64 bit patterns and a 64-bit hash of each."""
    bits = np.ascontiguousarray(np.stack([x, rho, u], axis=1)).view(np.uint64)
    return bits, (bits * _HASH).sum(axis=1, dtype=np.uint64)


class _Memo:
    """The branch ascents already run in one solve, by the bits of their start (x, rho, u0).

    An ascent's result depends only on its start: two seeds with the same start (every seed
    beyond the ball's edge on one side starts at u0 = +-pi/2) share it, and a point evaluated
    again (the scan of a later verification round, the final evaluation of the winner, the
    scan point the resting test already saw) is looked up instead of re-run: bit for bit the
    numbers of running every ascent.  Sorted by hash; a hit is checked on the full bits (a
    hash collision is a miss, and is recomputed).
    """

    def __init__(self) -> None:
        self.hash = np.empty(0, dtype=np.uint64)
        self.bits = np.empty((0, 3), dtype=np.uint64)
        self.out = np.empty((0, 3))

    def find(self, bits: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Row of each start in ``out``, -1 where not stored."""
        if self.hash.size == 0:
            return np.full(h.size, -1)
        pos = np.minimum(np.searchsorted(self.hash, h), self.hash.size - 1)
        hit = (self.hash[pos] == h) & np.all(self.bits[pos] == bits, axis=1)
        return np.where(hit, pos, -1)

    def add(self, bits: np.ndarray, h: np.ndarray, out: np.ndarray) -> None:
        order = np.argsort(h, kind="stable")
        at = np.searchsorted(self.hash, h[order])
        self.hash = np.insert(self.hash, at, h[order])
        self.bits = np.insert(self.bits, at, bits[order], axis=0)
        self.out = np.insert(self.out, at, out[order], axis=0)


_SLOPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _slopes(L: Landscape):
    """x -> (f'(x), f''(x)) of a 1-D loss, without the value the ascent does not use.

    Its own compiled function of the gradient and Hessian, kept where it gives bit for bit the
    numbers of ``value_grad_hess`` on a probe of 1000 points (else ``value_grad_hess``), so the
    ascents are the same whichever is used.
    """
    fn = _SLOPES.get(L)
    if fn is None:
        def full(x):
            _, g, h = L.value_grad_hess(x)
            return g[..., 0], h[..., 0, 0]

        fn = full
        try:
            own = vectorize(list(L.variables), [L.gradient[0], L.hessian[0, 0]], L.data)
            lo, hi = (-10.0, 10.0) if L.domain is None else np.asarray(L.domain, float).ravel()
            probe = np.concatenate([np.linspace(lo, hi, 500),
                                    np.random.default_rng(0).uniform(lo, hi, 500)])
            if all(np.array_equal(a, b, equal_nan=True)
                   for a, b in zip(own(probe), full(probe), strict=True)):
                fn = lambda x: tuple(own(x))  # noqa: E731
        except Exception:  # noqa: BLE001 - any compile failure: the landscape's own
            pass
        _SLOPES[L] = fn
    return fn


def _newton_step(G, ua, ra, xa, ca):
    """One capped Newton step of the ascent of h(u) at ``ua``: (new u, the step, whether it
    moved u by more than rounding)."""
    sn, cs = np.sin(ua), np.cos(ua)
    g, h = _slopes(G)(xa + ra * sn)
    d1 = ra * cs * g - ra * sn
    d2 = ra * ra * cs * cs * h - ra * sn * g - ra * cs
    with np.errstate(all="ignore"):
        step = np.where(d2 < 0, -d1 / d2, np.sign(d1) * ca)
    step = np.clip(np.where(np.isfinite(step), step, 0.0), -ca, ca)
    un = np.clip(ua + step, -np.pi / 2, np.pi / 2)
    return un, step, np.abs(un - ua) > 8 * np.finfo(float).eps * (1.0 + np.abs(un))


#: Most steps of a capped run taken ahead in one evaluation call (see :func:`_ascend`).
RUN_AHEAD = 32


def _ascend(G, x, rho, u, cap, iters: int):
    r"""The capped Newton ascent of :math:`h(u) = f(x + \rho\sin u) + \rho\cos u` from ``u``
    (flat arrays; at most ``iters`` steps of :func:`_newton_step`, a point stopping where its
    step moves u by rounding only).  Returns (n, 3): value, contact and slope at the last u.

    Run ahead: a step at the cap (a seed crawling over a convex part of h, or in from the
    ball's edge) is most often followed by the same step, so from such a :math:`u_k` the
    positions :math:`P_0 = u_k,\ P_j = \mathrm{clip}(P_{j-1} + s)` (as many as steps are left,
    at most ``RUN_AHEAD``) are evaluated in one call, and the trajectory follows them while the
    step computed at :math:`P_j` lands on :math:`P_{j+1}`; at the first that does not, the
    point takes that step and the plain iteration resumes.  Every step taken is
    :func:`_newton_step` at the very u the plain loop reaches, elementwise, so the result is
    bit for bit the plain loop's, in far fewer evaluation calls.
    """
    count = np.zeros(u.size, dtype=np.int64)
    active = np.flatnonzero(np.isfinite(u)) if iters > 0 else np.empty(0, dtype=np.int64)
    while active.size:
        un, step, moved = _newton_step(G, u[active], rho[active], x[active], cap[active])
        u[active] = un
        count[active] += 1
        go = moved & (count[active] < iters)
        ahead = go & (np.abs(step) == cap[active])
        run, s = active[ahead], step[ahead]
        active = active[go & ~ahead]
        if run.size == 0:
            continue
        m = np.minimum(iters - count[run], RUN_AHEAD)  # evaluations ahead, >= 1
        P = np.empty((run.size, int(m.max())))
        P[:, 0] = u[run]
        for j in range(1, P.shape[1]):
            P[:, j] = np.clip(P[:, j - 1] + s, -np.pi / 2, np.pi / 2)
        valid = np.arange(P.shape[1])[None, :] < m[:, None]
        rr, jj = np.nonzero(valid)
        UN = np.full(P.shape, np.nan)
        MV = np.zeros(P.shape, dtype=bool)
        UN[rr, jj], _, MV[rr, jj] = _newton_step(G, P[rr, jj], rho[run][rr], x[run][rr],
                                                 cap[run][rr])
        # follow[:, j]: the step at P_j lands on P_{j+1}, so P_{j+1} is on the trajectory
        follow = np.zeros(P.shape, dtype=bool)
        follow[:, :-1] = (UN[:, :-1] == P[:, 1:]) & MV[:, :-1] & valid[:, 1:]
        last = np.argmin(follow, axis=1)
        rows = np.arange(run.size)
        u[run] = UN[rows, last]
        count[run] += last + 1
        active = np.concatenate([active, run[MV[rows, last] & (count[run] < iters)]])
    q = x + rho * np.sin(u)
    f, g = G.value_and_grad(q)
    return np.stack([f + rho * np.cos(u), q, g[..., 0]], axis=1)


def _branches(graph: OffsetGraph, x, rho, q0, iters: int = 30, memo: _Memo | None = None):
    r"""Local maxima of :math:`F(q) = f(q) + \sqrt{\rho^2 - (q-x)^2}` near seeds ``q0``.

    1-D, vectorised over any shape.  With :math:`q = x + \rho\sin u` (as in
    :mod:`rollingball.numeric.offset`) :math:`h(u) = f(x + \rho\sin u) + \rho\cos u` is smooth on
    :math:`[-\pi/2, \pi/2]`; Newton ascent from :math:`u_0 = \arcsin(\mathrm{clip}((q_0 - x)/\rho,
    -1, 1))`, each step capped to an eighth of the offset's sample spacing so it does not hop
    over a ripple.  Whatever it returns is a lower bound of :math:`f_\rho(x)` (a value of the
    sup's objective), exact at a converged local maximum.  Each distinct start
    :math:`(x, \rho, u_0)` is ascended once (and, with a ``memo``, once per solve).  Returns
    (value, contact q, slope f'(q)), each of the broadcast shape.
    """
    x, rho, q0 = (np.array(v, dtype=float) for v in np.broadcast_arrays(x, rho, q0))
    shape = x.shape
    x, rho = x.ravel(), rho.ravel()
    u = np.arcsin(np.clip((q0.ravel() - x) / rho, -1.0, 1.0))
    bits, h = _start_keys(x, rho, u)
    _, first, inv = np.unique(h, return_index=True, return_inverse=True)
    inv = inv.ravel()
    same = np.all(bits == bits[first[inv]], axis=1)
    if not np.all(same):  # a hash collision: those starts are ascended on their own
        extra = np.flatnonzero(~same)
        inv[extra] = first.size + np.arange(extra.size)
        first = np.concatenate([first, extra])
    out = np.empty((first.size, 3))
    row = np.full(first.size, -1) if memo is None else memo.find(bits[first], h[first])
    hit = row >= 0
    if memo is not None:
        out[hit] = memo.out[row[hit]]
    new = np.flatnonzero(~hit)
    if new.size:
        i = first[new]
        out[new] = _ascend(graph.landscape, x[i], rho[i], u[i].copy(),
                           np.minimum(graph.offset_res / rho[i], 0.5), iters)
        if memo is not None:
            memo.add(bits[i], h[i], out[new])
    res = out[inv.ravel()]
    return tuple(res[:, k].reshape(shape) for k in range(3))


def local_offset(graph: OffsetGraph, x, rho, seeds, full: bool = False,
                 memo: _Memo | None = None):
    """Max over the seed branches at x (n,), seeds (n, k): value, contact, slope at x-,
    slope at x+, index of the winning seed (and, if ``full``, every branch's contact and
    the tie mask)."""
    v, q, s = _branches(graph, x[:, None], rho[:, None], seeds, memo=memo)
    best = np.max(v, axis=1)
    tie = v >= best[:, None] - TIE_TOL * (1.0 + np.abs(best[:, None]))
    sm = np.min(np.where(tie, s, np.inf), axis=1)
    sp_ = np.max(np.where(tie, s, -np.inf), axis=1)
    j = np.argmax(v, axis=1)
    rows = np.arange(x.size)
    if full:
        return best, q[rows, j], sm, sp_, j, q, tie
    return best, q[rows, j], sm, sp_, j




def nearest_on_offset_1d(graph: OffsetGraph, cand, rho, known, seeds, ref, rounds: int = 4):
    """argmin_x (x - a)^2 + (f_rho(x) - b)^2 for each candidate (a, b), vectorised (1-D).

    The answer lies in |x - a| <= R, R the distance from the candidate to a known point of
    Gamma_rho (the current centre; at the start, (a, f_rho(a)) from the exact offset).  The
    search (a 33-point scan of the window, then a bracketed kink/secant/bisection search on
    the one-sided slopes of phi) runs on the local branches of the sup through the ``seeds``
    (the current footpoint, the candidate's footpoint and the graph point that made it
    unreachable).  The winner c* = (x*, F(x*)) is then verified by the exact projection:
    the ball at c* must not cut the graph (d(c*) >= rho - tol), which makes F(x*) the exact
    f_rho(x*); a cutting point becomes a new seed and the search is redone (``rounds``
    times); if that still fails, the exact :func:`~rollingball.numeric.offset.upper_offset` gives
    the value and contact at x*.  Returns (x (n, 1), f_rho(x) (n,), contact (n, 1)).
    """
    a, b = cand[:, 0], cand[:, 1]
    n = a.size
    memo = _Memo()
    if known is None:
        off = graph.offset(cand[:, :1], rho)
        R = np.abs(np.asarray(off.value, float) - b)
        warm = a.copy()
        seeds = np.concatenate([seeds, np.asarray(off.contact, float)[:, None]], axis=1)
    else:
        R = np.linalg.norm(cand - known, axis=1)
        warm = known[:, 0]
    R = np.where(np.isfinite(R), R, 0.0)
    x_out = np.full(n, np.nan)
    v_out = np.full(n, np.nan)
    c_out = np.full((n, 1), np.nan)
    c2_out = np.full((n, 1), np.nan)
    todo = np.arange(n)
    if known is not None:
        # a ball resting across a narrow valley: its centre sits at a kink of f_rho; it stays
        # there when the kink is a local minimiser of phi, phi'(x-) <= 0 <= phi'(x+)
        val, q, sm, sp_, _, qall, tall = local_offset(graph, warm, rho, seeds, full=True, memo=memo)
        u, r = warm - a, val - b
        rest = (u + r * sm <= 0) & (u + r * sp_ >= 0) & (sm < sp_)
        ir = np.flatnonzero(rest)
        if ir.size:
            dist, _ = graph.exact_distance(np.stack([warm[ir], val[ir]], axis=1), q[ir, None])
            ok = dist >= rho[ir] - REACH_TOL * (1.0 + np.abs(val[ir]))
            io = ir[ok]
            x_out[io], v_out[io] = warm[io], val[io]
            # of the two contacts, the one nearer the candidate's footpoint
            c_out[io], c2_out[io] = _two_contacts(qall[io], tall[io], ref[io])
            todo = np.setdiff1d(todo, io)
    if todo.size == 0:
        return x_out[:, None], v_out, c_out, c2_out
    # where the exact offset is cheap (few samples per scan point: small balls, where the
    # window is wide compared with the ball) scan it globally and seed from the contacts
    # of the best scan points
    K = 33
    cheap = todo[(K + 1) * 2 * rho[todo] / graph.offset_res <= GLOBAL_SCAN_SAMPLES]
    if cheap.size:
        grid = a[cheap, None] + R[cheap, None] * np.linspace(-1.0, 1.0, K)[None, :]
        grid = np.concatenate([grid, warm[cheap, None]], axis=1)
        m = grid.shape[1]
        off = graph.offset(grid.reshape(-1, 1), np.repeat(rho[cheap], m))
        F = np.asarray(off.value, float).reshape(-1, m)
        phi = (grid - a[cheap, None]) ** 2 + (F - b[cheap, None]) ** 2
        best = np.argsort(np.where(np.isfinite(phi), phi, np.inf), axis=1)[:, :3]
        q1 = np.asarray(off.contact, float).reshape(-1, m)
        q2 = np.asarray(off.contact2, float).reshape(-1, m)
        q2 = np.where(np.isfinite(q2), q2, q1)
        new = np.concatenate([np.take_along_axis(q1, best, axis=1),
                              np.take_along_axis(q2, best, axis=1)], axis=1)
        extra = np.repeat(seeds[:, :1], new.shape[1], axis=1)
        extra[cheap] = new
        seeds = np.concatenate([seeds, extra], axis=1)
    for _round in range(rounds):
        xs, _ = minimise_phi_local(graph, a[todo], b[todo], R[todo], rho[todo], warm[todo],
                                    seeds[todo], memo=memo)
        val, q, _, _, _, qb, tie = local_offset(graph, xs, rho[todo], seeds[todo], full=True,
                                               memo=memo)
        x_out[todo], v_out[todo], c_out[todo, 0] = xs, val, q
        c_out[todo], c2_out[todo] = _two_contacts(qb, tie, ref[todo])
        centre = np.stack([xs, val], axis=1)
        dist, intr = graph.exact_distance(centre, q[:, None])
        cut = ~(dist >= rho[todo] - REACH_TOL * (1.0 + np.abs(val)))
        if not np.any(cut):
            todo = todo[:0]
            break
        extra = seeds[:, :1].copy()
        extra[todo[cut]] = intr[cut]
        seeds = np.concatenate([seeds, extra], axis=1)
        todo = todo[cut]
    if todo.size:  # the local branches missed a contact: the exact offset decides
        off = graph.offset(x_out[todo, None], rho[todo])
        v_out[todo] = np.asarray(off.value, float)
        c_out[todo] = graph.contacts(off, ref[todo])
        c2 = np.asarray(off.contact2, float)
        c2_out[todo, 0] = np.where(np.abs(c2 - c_out[todo, 0]) > 0, c2, np.asarray(
            off.contact, float))
    return x_out[:, None], v_out, c_out, c2_out




def _two_contacts(qb: np.ndarray, tie: np.ndarray, ref: np.ndarray):
    """Of the tied branch contacts qb (n, k), the one nearest ``ref`` (n, 1) and the tied one
    farthest from it (NaN when only one contact, up to 1e-9, ties)."""
    rows = np.arange(qb.shape[0])
    dq = np.abs(qb - ref)
    near = qb[rows, np.argmin(np.where(tie, dq, np.inf), axis=1)]
    far_d = np.where(tie, np.abs(qb - near[:, None]), -np.inf)
    j = np.argmax(far_d, axis=1)
    far = np.where(far_d[rows, j] > 1e-9 * (1 + np.abs(near)), qb[rows, j], np.nan)
    return near[:, None], far[:, None]


def minimise_phi_local(graph: OffsetGraph, a, b, R, rho, warm, seeds, K: int = 33,
                       memo: _Memo | None = None):
    """Scan + bracketed search of phi on the local branches (vectorised).

    The bracket [lo, hi] has phi'(lo+) < 0 < phi'(hi-).  Each iteration tries, when different
    branches win at lo and hi, the kink where they tie (Newton on their difference, whose
    slope is f'(q_lo) - f'(q_hi)); else the secant root of phi'; else the midpoint.  It stops
    where phi'(x-) <= 0 <= phi'(x+) (a kink minimiser or a stationary point) or when the
    bracket is at rounding level.
    """
    n = a.size
    rows = np.arange(n)
    grid = a[:, None] + R[:, None] * np.linspace(-1.0, 1.0, K)[None, :]
    h = np.clip(warm, a - R, a + R)
    xs = np.sort(np.concatenate([grid, h[:, None]], axis=1), axis=1)
    m = xs.shape[1]
    F, _, sm, sp_, jb = local_offset(graph, xs.ravel(), np.repeat(rho, m),
                                      np.repeat(seeds, m, axis=0), memo=memo)
    F, sm, sp_, jb = (v.reshape(n, m) for v in (F, sm, sp_, jb))
    phi = (xs - a[:, None]) ** 2 + (F - b[:, None]) ** 2
    phi = np.where(np.isfinite(phi), phi, np.inf)
    dmv = (xs - a[:, None]) + (F - b[:, None]) * sm
    dpv = (xs - a[:, None]) + (F - b[:, None]) * sp_
    j = np.argmin(phi, axis=1)
    bx, bphi = xs[rows, j], phi[rows, j]
    dm, dp = dmv[rows, j], dpv[rows, j]
    jl_ = np.maximum(j - 1, 0)
    jh_ = np.minimum(j + 1, m - 1)
    right = dp < 0
    lo = np.where(right, bx, xs[rows, jl_])
    hi = np.where(right, xs[rows, jh_], bx)
    glo = np.where(right, dp, dpv[rows, jl_])  # phi'(lo+)
    ghi = np.where(right, dmv[rows, jh_], dm)  # phi'(hi-)
    blo = np.where(right, jb[rows, j], jb[rows, jl_])
    bhi = np.where(right, jb[rows, jh_], jb[rows, j])
    active = np.flatnonzero(~((dm <= 0) & (dp >= 0)) & (hi > lo) & (glo < 0) & (ghi > 0))
    for it in range(80):
        if active.size == 0:
            break
        la, ha = lo[active], hi[active]
        trial = 0.5 * (la + ha)
        with np.errstate(all="ignore"):
            sec = la - glo[active] * (ha - la) / (ghi[active] - glo[active])
        use_sec = np.isfinite(sec) & (sec > la) & (sec < ha) & (it % 3 != 2)
        trial = np.where(use_sec, sec, trial)
        kink = (blo[active] != bhi[active]) & (it % 3 != 2)
        if np.any(kink):
            ik = np.flatnonzero(kink)
            act = active[ik]
            sk = np.stack([seeds[act, blo[act]], seeds[act, bhi[act]]], axis=1)
            xk = trial[ik].copy()
            for _ in range(8):
                v, _, s = _branches(graph, xk[:, None], rho[act, None], sk, memo=memo)
                with np.errstate(all="ignore"):
                    xk = xk - (v[:, 0] - v[:, 1]) / (s[:, 0] - s[:, 1])
            ok = np.isfinite(xk) & (xk > la[ik]) & (xk < ha[ik])
            trial[ik] = np.where(ok, xk, trial[ik])
        F, _, sm, sp_, jw = local_offset(graph, trial, rho[active], seeds[active], memo=memo)
        u = trial - a[active]
        r = F - b[active]
        ph = u * u + r * r
        better = ph <= bphi[active]
        bx[active[better]], bphi[active[better]] = trial[better], ph[better]
        dm, dp = u + r * sm, u + r * sp_
        stop = (dm <= 0) & (dp >= 0)
        go_right = (dp < 0) & ~stop
        go_left = ~go_right & ~stop
        lo[active] = np.where(go_right, trial, la)
        glo[active] = np.where(go_right, dp, glo[active])
        blo[active] = np.where(go_right, jw, blo[active])
        hi[active] = np.where(go_left, trial, ha)
        ghi[active] = np.where(go_left, dm, ghi[active])
        bhi[active] = np.where(go_left, jw, bhi[active])
        narrow = (hi[active] - lo[active]) <= 4 * np.finfo(float).eps * (1.0 + np.abs(trial))
        active = active[~(stop | narrow)]
    return bx, bphi

