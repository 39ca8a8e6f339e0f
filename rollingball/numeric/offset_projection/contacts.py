r"""The nearest point of the offset :math:`\Gamma_\rho` in any dimension, by contact constraints.

The offset-keeping RBO (:class:`rollingball.engine.solvers.OffsetRBO`) needs, for a candidate
centre :math:`\tilde c \in \mathbb R^{d+1}` that sits too close to the graph
:math:`\Gamma` (:math:`d_\Gamma(\tilde c) < \rho`, the ball would cut it), the nearest point
of :math:`\Gamma_\rho = \{c : d_\Gamma(c) = \rho\}` above the graph:

.. math::

    c^\star = \arg\min_c\ \tfrac12|c - \tilde c|^2
    \quad\text{subject to}\quad d_\Gamma(c) \ge \rho .

(The nearest point of the closed set :math:`\{d_\Gamma \ge \rho\}` above the graph lies
on its boundary :math:`\Gamma_\rho`.)  Near :math:`c^\star` the distance is the minimum of a
few smooth *contact branches* :math:`D_j(c) = \pm|c - P_j(c)|`, where :math:`P_j(c)` is the
local nearest graph point near the contact :math:`q_j` and the sign is that of
:math:`(c - P_j)\cdot\nu(P_j)` (negative below the graph, so the constraint also keeps the
ball above it); :math:`\nabla D_j = n_j = (c - P_j)/D_j`.  The solver is sequential
quadratic programming on the constraints :math:`D_j(c) \ge \rho`:

1. from the current iterate :math:`c_k`, project it on the graph locally from every seed
   contact (damped Newton, :func:`rollingball.numeric.projection.project` ``method="newton"``):
   :math:`P_j`, :math:`D_j`, :math:`n_j`; coincident branches are merged.  The points
   reached near contact are also *held* as fixed constraints :math:`|c - P| \ge \rho`
   (true for every graph point): on a ring of tied contacts the re-projected branches
   slide to the near side; the held points keep the far side;
2. solve the quadratic program with linearised constraints

   .. math::  \min_\delta |c_k + \delta - \tilde c|^2 \quad\text{s.t.}\quad
              n_j\cdot\delta \ge \rho - D_j

   exactly (:func:`project_polyhedron`: a strictly convex QP in :math:`d+1` unknowns;
   its solution is the unique Karush-Kuhn-Tucker point among the projections onto the
   faces spanned by at most :math:`d+1` constraints; many constraints are handled by
   constraint generation, and by trying every subset where that cycles);
3. :math:`c_{k+1} = c_k + \delta`, the step shortened by a trust region that halves
   whenever the constraint violation did not halve, until :math:`|\delta|` is at rounding
   level.

The linearisation ignores the curvature of the constraints, whose effect on a step is of
order :math:`|\tilde c - c^\star|/\rho`; the target therefore moves from the current
centre (a point of :math:`\Gamma_\rho`) to :math:`\tilde c` in sub-steps of at most
:data:`SUBSTEP` :math:`\rho` (a continuation that keeps each SQP solve in its region of
fast convergence).  A ball whose candidate does not move it at first order (the QP at the
current centre returns :math:`\delta = 0`) rests where it is.

*Verification.*  At the converged :math:`c` the *global* distance
(:func:`rollingball.numeric.projection.project` ``method="exact"``) must be :math:`\rho` within
:data:`REACH_TOL` :math:`(1 + |c_{d+1}|)`, with :math:`c` above the graph: no graph point
cuts the ball and one touches it.  A graph point that cuts it becomes a new seed and a
held point, and the solve is redone (``rounds`` times).  So a verified centre is a point of
:math:`\Gamma_\rho`, and a KKT point of the problem above: the nearest point of
:math:`\Gamma_\rho` among those the continuation reaches (a local, not a certified global,
minimiser -- for the small steps of an optimiser the two agree).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from rollingball.numeric.offset_projection._common import REACH_TOL
from rollingball.numeric.projection import project
from rollingball.symbolic.landscape import Landscape

__all__ = ["project_polyhedron", "nearest_on_offset", "OffsetPoint", "SUBSTEP", "REACH_TOL"]

#: Largest move of the continuation's target per SQP solve, in units of rho.
SUBSTEP = 0.25
_SQP_ITERATIONS = 40


@dataclass(frozen=True, eq=False)
class OffsetPoint:
    """The answer of :func:`nearest_on_offset`, per ball.

    Attributes:
        centre: ``(n, d+1)`` the centres found (points of :math:`\\Gamma_\\rho` where
            ``verified``).
        contact: ``(n, d)`` the active contact nearest the reference.
        others: ``(n, keep, d)`` the other active contacts (NaN padded).
        verified: ``(n,)`` the global distance of the centre is rho within REACH_TOL.
        gap: ``(n,)`` that distance minus rho (NaN where not measured).
    """

    centre: np.ndarray
    contact: np.ndarray
    others: np.ndarray
    verified: np.ndarray
    gap: np.ndarray


def _subsets(m: int, k_max: int) -> list[np.ndarray]:
    return [np.array(list(itertools.combinations(range(m), k)), dtype=np.int64).reshape(-1, k)
            for k in range(1, min(k_max, m) + 1)]


def project_polyhedron(t: np.ndarray, N: np.ndarray, r: np.ndarray,
                       valid: np.ndarray | None = None, tol: float = 1e-12) -> np.ndarray:
    r"""Solve :math:`\min_\delta |\delta - t|^2` s.t. :math:`N_j\cdot\delta \ge r_j`, batched.

    Args:
        t: ``(n, D)`` targets.
        N: ``(n, m, D)`` constraint normals (any length, nonzero).
        r: ``(n, m)`` right-hand sides.
        valid: ``(n, m)`` constraints to use (default all).
        tol: relative tolerance of the feasibility and sign tests.

    Returns:
        ``(n, D)`` minimisers.  The problem is a strictly convex QP; its solution is the
        Euclidean projection of ``t`` onto the polyhedron, which is the projection onto the
        affine set of some subset :math:`S` of at most :math:`D` linearly independent
        constraints, :math:`\delta = t + N_S^\top\lambda`, :math:`N_S N_S^\top\lambda =
        r_S - N_S t`, with :math:`\lambda \ge 0` and :math:`\delta` feasible (KKT).  Every
        subset is tried and the feasible KKT candidate nearest ``t`` is returned; where
        rounding leaves none, the candidate with the smallest violation.
    """
    t, N, r = (np.asarray(v, dtype=float) for v in (t, N, r))
    n, m, D = N.shape
    valid = np.ones((n, m), dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    scale = 1.0 + np.abs(r).max(axis=1, initial=0.0, where=valid) + np.linalg.norm(t, axis=1)

    def score(delta):  # (n, K, D) -> violation (n, K)
        slack = np.einsum("nmd,nkd->nkm", N, delta) - r[:, None, :]
        return np.max(np.where(valid[:, None, :], -slack, -np.inf), axis=-1, initial=-np.inf)

    cands = [t[:, None, :]]
    ok_l = [np.ones((n, 1), dtype=bool)]
    for idx in _subsets(m, D):
        NS = N[:, idx]  # (n, K, s, D)
        A = NS @ np.swapaxes(NS, -1, -2)
        rhs = r[:, idx] - np.einsum("nksd,nd->nks", NS, t)
        det = np.linalg.det(A)
        norms = np.prod(np.einsum("nksd,nksd->nks", NS, NS), axis=-1)
        good = np.all(valid[:, idx], axis=-1) & (np.abs(det) > 1e-10 * norms)
        Asafe = np.where(good[..., None, None], A, np.eye(idx.shape[1]))
        lam = np.linalg.solve(Asafe, rhs[..., None])[..., 0]
        delta = t[:, None, :] + np.einsum("nksd,nks->nkd", NS, lam)
        cands.append(delta)
        ok_l.append(good & np.all(lam >= -tol * scale[:, None, None], axis=-1))
    delta = np.concatenate(cands, axis=1)
    ok = np.concatenate(ok_l, axis=1)
    viol = score(delta)
    dist = np.sum((delta - t[:, None, :]) ** 2, axis=-1)
    feasible = ok & (viol <= tol * scale[:, None])
    key = np.where(feasible, dist, np.inf)
    best = np.argmin(key, axis=1)
    none = ~np.isfinite(key[np.arange(n), best])
    if np.any(none):
        fallback = np.argmin(np.where(ok, viol, np.inf), axis=1)
        best = np.where(none, fallback, best)
    return delta[np.arange(n), best]


def _local(L: Landscape, c: np.ndarray, seeds: np.ndarray):
    """Local nearest graph points of each centre from each seed: theta (n, m, d),
    points (n, m, d+1), signed distances (n, m) (negative below the graph), and the mask of
    distinct finite branches."""
    n, m, d = seeds.shape
    cs = np.repeat(c, m, axis=0)
    pr = project(L, cs, method="newton", warm=seeds.reshape(-1, d))
    theta = np.asarray(pr.theta, dtype=float).reshape(n, m, d)
    point = np.asarray(pr.point, dtype=float).reshape(n, m, d + 1)
    # signed: positive above the graph (along the upward normal), so that the constraint
    # D_j >= rho keeps the ball above the graph, never below it
    side = np.sum((cs - pr.point) * L.normal_at(pr.theta), axis=-1)
    dist = np.where(side < 0, -1.0, 1.0) * np.asarray(pr.distance, dtype=float)
    dist = dist.reshape(n, m)
    valid = np.all(np.isfinite(theta), axis=-1) & np.isfinite(dist) & (dist != 0)
    gap = np.linalg.norm(theta[:, :, None, :] - theta[:, None, :, :], axis=-1)
    same = gap <= 1e-9 * (1.0 + np.linalg.norm(theta, axis=-1))[:, :, None]
    earlier = np.tril(np.ones((m, m), dtype=bool), k=-1)  # [j, i]: i < j
    valid &= ~np.any(same & earlier[None] & valid[:, None, :], axis=-1)
    return theta, point, dist, valid


def _normals(c, point, dist, valid):
    """Gradients n_j = (c - P_j)/D_j of the branch distances at ``c`` (n, m, D)."""
    return (c[:, None, :] - point) / np.where(valid, dist, 1.0)[..., None]


def _solve_qp(t, N, r, valid, cap: int = 7, rounds: int = 12):
    """:func:`project_polyhedron` on many constraints by constraint generation: solve on a
    working set of ``cap`` constraints -- those active at the last solution, then the most
    violated at it -- until none is violated (the working set grows toward the active set of
    the full problem; ``cap`` >= d+1 leaves room for a vertex plus newcomers)."""
    n, m, _ = N.shape
    if m <= cap:
        return project_polyhedron(t, N, r, valid)
    rows = np.arange(n)[:, None]
    tol = 1e-12 * (1.0 + np.abs(np.where(valid, r, 0.0)).max(axis=1) + np.linalg.norm(t, axis=1))
    delta = t.copy()
    for _ in range(rounds):
        slack = np.einsum("nmd,nd->nm", N, delta) - r
        viol = np.where(valid, -slack, -np.inf)
        if np.all(viol.max(axis=1) <= tol):
            break
        # priority: active (|slack| <= tol) first, then by violation
        act = valid & (np.abs(slack) <= tol[:, None])
        chosen = np.argsort(-np.where(act, np.inf, viol), axis=1)[:, :cap]
        sub_valid = np.take_along_axis(valid, chosen, axis=1)
        delta = project_polyhedron(t, N[rows, chosen], r[rows, chosen], sub_valid)
    # rows where the working sets cycled (many nearly parallel constraints, as on a ring of
    # contacts): the exact least-distance solution over every constraint (Lawson-Hanson).
    # Enumerating the subsets of even 40 constraints costs ~10^4 batched solves per SQP
    # iteration (rastrigin's wells took minutes for one step); the NNLS is exact and cheap.
    slack = np.einsum("nmd,nd->nm", N, delta) - r
    stuck = np.flatnonzero(np.any(valid & (slack < -tol[:, None]), axis=1))
    for i in stuck:  # rare rows (cycling working sets), each a small NNLS
        x = least_distance(N[i][valid[i]], r[i][valid[i]] - N[i][valid[i]] @ t[i])
        if x is not None:
            delta[i] = t[i] + x
    return delta


def least_distance(G: np.ndarray, h: np.ndarray) -> np.ndarray | None:
    r"""The least-distance program :math:`\min |x|` s.t. :math:`G x \ge h`, exactly.

    Lawson and Hanson's reduction (*Solving Least Squares Problems*, ch. 23) to non-negative
    least squares: with :math:`E = [G^\top; h^\top]` and :math:`f = (0, \dots, 0, 1)`, solve
    :math:`\min_{u \ge 0} |E u - f|` and let :math:`\rho = E u - f`; then
    :math:`x = -\rho_{1:D} / \rho_{D+1}`, and :math:`\rho = 0` means the constraints are
    inconsistent.

    Args:
        G: ``(m, D)`` constraint normals.
        h: ``(m,)`` right-hand sides.

    Returns:
        ``(D,)`` the minimiser, or None when the constraints are inconsistent.

    >>> x = least_distance(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, -1.0]))
    >>> np.round(x, 12).tolist()  # x1 >= 1 binds, x2 >= -1 does not
    [1.0, 0.0]
    """
    m, D = G.shape
    if m == 0:
        return np.zeros(D)
    E = np.vstack([G.T, h[None, :]])
    f = np.zeros(D + 1)
    f[D] = 1.0
    u, _ = nnls(E, f, maxiter=50 * (m + D + 1))
    res = E @ u - f
    if not np.all(np.isfinite(res)) or abs(res[D]) <= 1e-14 * (1.0 + np.linalg.norm(res)):
        return None
    return -res[:D] / res[D]


def _remember(held, slot, rows, points, valid, spacing):
    """Insert each valid point of ``points`` (k, m, D) into the ring buffers ``held[rows]``
    unless one there is within ``spacing`` (k,) of it."""
    memory = held.shape[1]
    for j in range(points.shape[1]):
        p = points[:, j]
        h = held[rows]
        gap = np.linalg.norm(h - p[:, None, :], axis=-1)
        new = valid[:, j] & ~np.any(gap <= spacing[:, None], axis=1)
        r = rows[new]
        held[r, slot[r] % memory] = p[new]
        slot[r] += 1


def _sqp(L, cand, rho, c, seeds, held, iters: int = _SQP_ITERATIONS):
    """Continuation + SQP from ``c`` towards ``cand`` (see the module notes).

    Besides the branches re-projected from the seeds, the graph points they reached near
    contact stay as fixed point constraints :math:`|c - P| \\ge \\rho` (true for any
    graph point): where two contacts are tied (a ball across a valley or on a ring) the
    re-projected branches may all fall to one side; the remembered points hold the other.
    """
    n, D = cand.shape
    c, seeds = c.copy(), seeds.copy()
    span = np.linalg.norm(cand - c, axis=1)
    K = np.maximum(1, np.ceil(span / (SUBSTEP * rho))).astype(np.int64)
    start = c.copy()
    done = np.zeros(n, dtype=bool)
    held = held.copy()  # remembered graph points (ring buffers, NaN = empty)
    slot = np.sum(np.all(np.isfinite(held), axis=-1), axis=1)
    # trust region: a step that did not halve the constraint violation halves the next one
    trust = SUBSTEP * rho
    last = np.full(n, np.inf)
    for k in range(1, int(K.max()) + 1):
        frac = np.minimum(1.0, k / K)
        target = start + frac[:, None] * (cand - start)
        final = k >= K
        # intermediate targets only need a good start for the next one
        tol = np.where(final, 1e-13, 1e-8) * (1.0 + np.linalg.norm(target, axis=1))
        active = np.flatnonzero(~done)
        for _ in range(iters):
            if active.size == 0:
                break
            theta, point, dist, valid = _local(L, c[active], seeds[active])
            seeds[active] = theta
            ca = c[active]
            normal = _normals(ca, point, dist, valid)
            hp = held[active]
            hv = np.all(np.isfinite(hp), axis=-1)
            hd = np.linalg.norm(ca[:, None, :] - np.where(hv[..., None], hp, 0.0), axis=-1)
            hn = (ca[:, None, :] - np.where(hv[..., None], hp, 0.0)) / np.where(
                hv & (hd > 0), hd, 1.0)[..., None]
            rhs = np.concatenate([rho[active, None] - dist, rho[active, None] - hd], axis=1)
            use = np.concatenate([valid, hv & (hd > 0)], axis=1)
            delta = _solve_qp(target[active] - ca, np.concatenate([normal, hn], axis=1), rhs,
                              use)
            # only points near contact are worth holding (the buffer is small)
            near = valid & (dist <= rho[active, None] * (1.0 + SUBSTEP))
            _remember(held, slot, active, point, near, 1e-3 * rho[active])
            viol = np.max(np.where(use, rhs, 0.0), axis=1, initial=0.0)
            worse = (viol > 0.5 * last[active]) & (viol > tol[active])
            trust[active] = np.where(worse, np.maximum(trust[active] / 2, 1e-9 * rho[active]),
                                     np.minimum(trust[active] * 2, SUBSTEP * rho[active]))
            last[active] = viol
            size = np.linalg.norm(delta, axis=1)
            c[active] += delta * np.minimum(1.0, trust[active] / np.maximum(size, 1e-300))[:, None]
            small = size <= tol[active]
            done[active[small & final[active]]] = True
            active = active[~small]
        done |= final & ~np.isin(np.arange(n), active)
    return c, seeds, held


def nearest_on_offset(
    landscape: Landscape,
    cand: np.ndarray,
    rho: np.ndarray,
    warm: np.ndarray,
    seeds: np.ndarray,
    ref: np.ndarray,
    *,
    resolution: float | None = None,
    rounds: int = 8,
    keep: int = 3,
    memory: int = 32,
    on_offset: bool = False,
) -> OffsetPoint:
    r"""The nearest point of :math:`\Gamma_\rho` to each candidate, from a start near it.

    Args:
        landscape: the loss (already scaled: the graph is that of ``landscape.f``).
        cand: ``(n, d+1)`` candidate centres :math:`\tilde c`.
        rho: ``(n,)`` radii.
        warm: ``(n, d+1)`` the search starts: the current centres (on :math:`\Gamma_\rho`) or any
            nearby point above the graph.
        seeds: ``(n, m, d)`` seed contacts (NaN for none): the current contacts, the
            candidate's footpoint, a graph point known to cut the ball.
        ref: ``(n, d)`` the reported contact is the active one nearest ``ref``.
        resolution: passed to the exact projection of the verification.
        rounds: verification rounds (a cutting graph point becomes a seed each round).
        keep: how many other active contacts to return per ball.
        memory: graph points remembered as fixed constraints during the solve.
        on_offset: ``warm`` is known to lie on :math:`\Gamma_\rho` (the current centres):
            a ball whose candidate does not move it there at first order rests (not
            re-verified).

    Returns:
        ``centre`` (n, d+1), ``contact`` (n, d), ``others`` (n, keep, d) (NaN padded),
        ``verified`` (n,) the global distance of the centre is rho within REACH_TOL, and
        ``gap`` (n,) that distance minus rho, as an :class:`OffsetPoint`.
    """
    L = landscape
    cand, warm = np.asarray(cand, dtype=float), np.asarray(warm, dtype=float)
    rho = np.asarray(rho, dtype=float)
    n, D = cand.shape
    d = D - 1
    seeds = np.asarray(seeds, dtype=float).reshape(n, -1, d)
    seeds = np.where(np.isfinite(seeds), seeds, warm[:, None, :d])
    c = warm.copy()
    verified = np.zeros(n, dtype=bool)
    gap = np.full(n, np.nan)
    held = np.full((n, memory, D), np.nan)
    todo = np.arange(n)
    if on_offset:
        # resting test: the warm start is a verified point of Gamma_rho; where the candidate's
        # projection onto the linearised constraints at it does not move it, the ball rests
        # there (a KKT point: nothing new to verify)
        _, point, dist, valid = _local(L, c, seeds)
        normal = _normals(c, point, dist, valid)
        delta = _solve_qp(cand - c, normal, rho[:, None] - dist, valid)
        rest = np.linalg.norm(delta, axis=1) <= 1e-13 * (1.0 + np.linalg.norm(c, axis=1))
        verified[rest], gap[rest] = True, 0.0
        todo = todo[~rest]
    for _round in range(rounds + 1):
        if todo.size == 0:
            break
        c[todo], seeds[todo], held[todo] = _sqp(L, cand[todo], rho[todo], c[todo], seeds[todo],
                                                held[todo])
        _, _, dist, valid = _local(L, c[todo], seeds[todo])
        near = np.argmin(np.where(valid, dist, np.inf), axis=1)
        nearest = seeds[todo, near]
        pr = project(L, c[todo], method="exact", warm=nearest, resolution=resolution)
        gdist = np.asarray(pr.distance, dtype=float)
        gap[todo] = gdist - rho[todo]
        tol = REACH_TOL * (1.0 + np.abs(c[todo, d]))
        above = c[todo, d] >= L.f(c[todo, :d])
        # no graph point cuts the ball, and it touches one (else it floats above Gamma_rho)
        ok = above & (np.abs(gdist - rho[todo]) <= tol)
        verified[todo[ok]] = True
        bad = ~ok
        if not np.any(bad) or _round == rounds:
            break
        extra = seeds[:, :1].copy()
        intruder = np.asarray(pr.theta, dtype=float).reshape(-1, d)[bad]
        extra[todo[bad], 0] = intruder
        seeds = np.concatenate([seeds, extra], axis=1)
        # the intruder is also held as a fixed point (its branch may slide to another one)
        held = np.concatenate([held, np.full((n, 1, D), np.nan)], axis=1)
        held[todo[bad], -1] = np.asarray(pr.point, dtype=float).reshape(-1, D)[bad]
        todo = todo[bad]
    theta, _, dist, valid = _local(L, c, seeds)
    act = valid & (dist <= rho[:, None] * (1.0 + 1e-9) + 1e-12)
    act |= valid & (dist == np.min(np.where(valid, dist, np.inf), axis=1, keepdims=True))
    to_ref = np.linalg.norm(theta - ref[:, None, :], axis=-1)
    j = np.argmin(np.where(act, to_ref, np.inf), axis=1)
    rows = np.arange(n)
    contact = theta[rows, j]
    act[rows, j] = False
    order = np.argsort(np.where(act, dist, np.inf), axis=1)[:, :keep]
    others = np.take_along_axis(theta, order[..., None], axis=1)
    others = np.where(np.take_along_axis(act, order, axis=1)[..., None], others, np.nan)
    if others.shape[1] < keep:
        others = np.concatenate([others, np.full((n, keep - others.shape[1], d), np.nan)], 1)
    return OffsetPoint(centre=c, contact=contact, others=others, verified=verified,
                       gap=gap)
