r"""The projection onto the offset :math:`\Gamma_\rho`: the one home of the RBO's hardest step.

:func:`project_onto_offset` moves each candidate centre :math:`\tilde c` to the nearest
point of :math:`\Gamma_\rho = \{c : d_\Gamma(c) = \rho\}` above the graph, with its contact:

1. the step's graph projection :math:`p' = \operatorname{proj}_\Gamma(\tilde c)` and
   :math:`c' = p' + \rho\nu(p')`; where :math:`p'` is reachable (:math:`d_\Gamma(c') = \rho`:
   in 1-D first the cached-grid certificate
   :func:`~rollingball.numeric.offset_projection.reachable.reachable_1d`, in d-D the clear
   ball of :func:`~rollingball.numeric.offset_projection.reachable_nd.project_for_offset_nd`,
   then the exact projection of :math:`c'` for the balls they do not clear) :math:`c'` is
   the answer (Facts 1 and 2 of :mod:`rollingball.engine.loop`);
2. elsewhere, 1-D: the search over the local branches of :math:`f_\rho`
   (:mod:`~rollingball.numeric.offset_projection.branches`); d-D: the contact SQP
   (:mod:`~rollingball.numeric.offset_projection.contacts`), with the Nelder-Mead
   fallback (:mod:`~rollingball.numeric.offset_projection.fallback`) for the balls it
   cannot verify.  Where no point of :math:`\Gamma_\rho` is known (d-D: the first step or a
   new radius) the ball is dropped straight above its footpoint,
   :math:`c = (\theta, f_\rho(\theta))`.

:func:`project_onto_graph` is the plain graph projection of Algorithm 1 and the Section 3.2
variant, in the same result type :class:`OffsetStep`.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from rollingball.numeric.offset import polish_sup
from rollingball.numeric.offset_projection._common import (
    ND_OTHERS,
    REACH_TOL,
    TIE_TOL,
    OffsetGraph,
)
from rollingball.numeric.offset_projection.branches import nearest_on_offset_1d
from rollingball.numeric.offset_projection.contacts import (
    SUBSTEP,
    OffsetPoint,
    nearest_on_offset,
    project_polyhedron,
)
from rollingball.numeric.offset_projection.fallback import nearest_on_offset_simplex
from rollingball.numeric.offset_projection.reachable import reachable_1d
from rollingball.numeric.offset_projection.reachable_nd import project_for_offset_nd
from rollingball.numeric.projection import Projection, project_for_offset_1d

__all__ = ["OffsetGraph", "OffsetStep", "OffsetPoint", "project_onto_offset",
           "project_onto_graph", "nearest_on_offset", "project_polyhedron", "other_width",
           "REACH_TOL", "TIE_TOL", "ND_OTHERS", "MAX_SUBSTEPS"]

#: Most quarter-radius sub-steps of one d-D contact solve (a step of 64 radii): a ball
#: whose footpoint is unreachable and whose step is longer is reported ``too_wide``.  Each
#: sub-step is up to 40 SQP iterations on a few dozen held contacts (about 3 ms each), so a
#: walk of 256 sub-steps is already tens of seconds per ball; rastrigin at radius 0.5 and
#: lr 0.01 from (2, 2) asks for a first step of 120 radii (|grad f|^2 ~ 6000 at the contact),
#: which took minutes at the former bound of 10,000.  Such a step is not rolling: use a
#: smaller learning rate.
MAX_SUBSTEPS = 256


@dataclass(frozen=True, eq=False)
class OffsetStep:
    """One step's new footpoints and centres, per ball, with the projection's diagnostics.

    Attributes:
        theta: ``(n, d)`` the new footpoints' horizontal parts.
        point: ``(n, d+1)`` the new footpoints on the graph.
        centre: ``(n, d+1)`` the new centres (None from :func:`project_onto_graph`).
        iterations, residual, jumped, certified: ``(n,)`` the graph projection's own
            diagnostics (see :class:`~rollingball.numeric.projection.Projection`).
        offset_solve: ``(n,)`` the candidate's footpoint was unreachable and the offset
            solver ran.
        other: ``(n, other_width(d))`` the new centres' other contacts (NaN where none), or
            None from :func:`project_onto_graph`.
        too_wide: ``(n,)`` the step's graph projection cut a window over the sample budget
            (:attr:`~rollingball.numeric.projection.Projection.too_wide`), or the d-D contact
            solver would need more than :data:`MAX_SUBSTEPS` sub-steps: not solved.
    """

    theta: np.ndarray
    point: np.ndarray
    centre: np.ndarray | None
    iterations: np.ndarray
    residual: np.ndarray
    jumped: np.ndarray
    certified: np.ndarray
    offset_solve: np.ndarray
    other: np.ndarray | None = None
    too_wide: np.ndarray | None = None


def other_width(d: int) -> int:
    """Columns of a ball's other contacts: one in 1-D, ``ND_OTHERS`` points in d-D."""
    return 1 if d == 1 else ND_OTHERS * d


def _step(pr: Projection, n: int, d: int, centre=None, offset_solve=None,
          other=None) -> OffsetStep:
    return OffsetStep(theta=np.asarray(pr.theta, dtype=float).reshape(n, d),
                      point=np.asarray(pr.point, dtype=float).reshape(n, d + 1), centre=centre,
                      iterations=np.asarray(pr.iterations),
                      residual=np.asarray(pr.residual, dtype=float),
                      jumped=np.asarray(pr.jumped), certified=np.asarray(pr.certified),
                      offset_solve=np.zeros(n, dtype=bool) if offset_solve is None
                      else offset_solve, other=other,
                      too_wide=np.zeros(n, dtype=bool) if pr.too_wide is None
                      else np.array(pr.too_wide, dtype=bool))


#: Most halvings of the offset's sample spacing when a d-D placement is not verified.
PLACEMENT_REFINES = 3


def _placed_offset(graph: OffsetGraph, x: np.ndarray, rho: np.ndarray):
    r"""The d-D upper offset :math:`f_\rho(x)` of a placement, verified: the centre
    :math:`c = (x, f_\rho(x))` must be at distance :math:`\rho` from the graph by the exact
    projection (the disk scan polishes its best samples only, and a sup narrower than the
    sampling is missed: rastrigin(A=1) at radius 0.3, 16 of 200 balls started up to 0.026
    inside the tube).  Where it is nearer, the sup is re-polished from the intruding graph
    point (:func:`~rollingball.numeric.offset.polish_sup`); where that gains nothing, the
    offset is recomputed at half the spacing; at most :data:`PLACEMENT_REFINES` + 1 rounds
    (and within the sample budget)."""
    d = graph.d
    off = graph.offset(x, rho)
    value = np.array(off.value, dtype=float)
    fields = {k: np.array(getattr(off, k)) for k in ("contact", "contact2", "n_contacts")}
    todo = np.arange(x.shape[0])
    h = graph.offset_res
    for _ in range(PLACEMENT_REFINES + 1):
        ok = np.isfinite(value[todo])
        todo = todo[ok]
        if todo.size == 0:
            break
        c = np.concatenate([x[todo], value[todo, None]], axis=1)
        ref = graph.as_theta(fields["contact"][todo])
        dist, q = graph.exact_distance(c, ref)
        inside = dist < rho[todo] - REACH_TOL * (1.0 + np.abs(c[:, d]))
        todo, q = todo[inside], q[inside]
        if todo.size == 0:
            break
        # the intruder q is a point of the sup's objective above the value found: the
        # ascent of h(s) = f(x + s) + sqrt(rho^2 - |s|^2) from s = q - x reaches a higher max
        sv, hv = polish_sup(graph.landscape, x[todo], q - x[todo], rho[todo])
        up = np.isfinite(hv) & (hv > value[todo])
        iw = todo[up]
        value[iw] = hv[up]
        fields["contact"][iw] = (x[iw] + sv[up]).reshape(fields["contact"][iw].shape)
        fields["contact2"][iw] = np.nan
        fields["n_contacts"][iw] = 1
        if np.any(up):  # verify the re-polished values first
            continue
        h = h / 2
        try:
            fine = graph.offset(x[todo], rho[todo], resolution=h)
        except ValueError:  # over the sample budget: keep the coarser value
            break
        better = np.asarray(fine.value, dtype=float) > value[todo]
        iw = todo[better]
        value[iw] = np.asarray(fine.value, dtype=float)[better]
        for k in fields:
            fields[k][iw] = np.asarray(getattr(fine, k))[better]
    return dataclasses.replace(off, value=value, **fields)


def project_onto_graph(graph: OffsetGraph, cand: np.ndarray, warm: np.ndarray) -> OffsetStep:
    r"""The step's graph projection :math:`p = \operatorname{proj}_\Gamma(\tilde c)` of the
    candidates ``cand`` (n, d+1), from the footpoints ``warm`` (n, d); no centre."""
    n = cand.shape[0]
    return _step(graph.project(cand, warm), n, graph.d)


def project_onto_offset(graph: OffsetGraph, cand: np.ndarray, rho: np.ndarray,
                        warm: np.ndarray, known: np.ndarray | None,
                        other: np.ndarray | None = None) -> OffsetStep:
    r"""The nearest point of :math:`\Gamma_\rho` to each candidate, with its contact.

    .. math::  c^\star = \arg\min \{|c - \tilde c| : d_\Gamma(c) = \rho,\ c \text{ above }
               \Gamma\},\qquad p^\star = \text{the contact of } c^\star .

    Args:
        graph: the graph and its projection options.
        cand: ``(n, d+1)`` candidate centres :math:`\tilde c`.
        rho: ``(n,)`` radii.
        warm: ``(n, d)`` the current footpoints' theta (the searches start there).
        known: ``(n, d+1)`` current centres on :math:`\Gamma_\rho`, or None (none known:
            1-D computes one, d-D drops the ball above its footpoint).
        other: ``(n, other_width(d))`` the current centres' other contacts, NaN where they
            touch once (more seeds).

    Returns:
        an :class:`OffsetStep` whose ``other`` holds the new centres' other contacts.  A
        ``RuntimeWarning`` says when the slow d-D Nelder-Mead fallback runs.
    """
    d = graph.d
    n = cand.shape[0]
    clear = None
    if d == 1 and dict(graph.step) == {"method": "exact"}:
        # 1-D exact: the fast path proves most footpoints global and reachable at once
        pr, clear = project_for_offset_1d(graph.landscape, cand, warm, rho,
                                          resolution=graph.resolution)
    elif d >= 2 and dict(graph.step) == {"method": "exact"}:
        # d-D exact: where c~ is above the graph nearer than rho, one clear B(c', rho)
        # proves the continuation's footpoint global and reachable (reachable_nd.py)
        pr, clear = project_for_offset_nd(graph.landscape, cand, warm, rho,
                                          resolution=graph.resolution)
    else:
        pr = graph.project(cand, warm)
    theta_p = np.asarray(pr.theta, dtype=float).reshape(n, d)
    p = np.asarray(pr.point, dtype=float).reshape(n, d + 1)
    c = p + rho[:, None] * graph.normal(theta_p)
    offset_solve = np.zeros(n, dtype=bool)
    others = np.full((n, other_width(d)), np.nan)
    out = _step(pr, n, d, centre=c, offset_solve=offset_solve, other=others)
    # Fact 2 by the exact projection of c': reachable iff no graph point is nearer than rho.
    # A candidate at distance >= rho above the graph needs no test: B(c', rho) lies in the
    # empty ball B(c~, d(c~)).
    delta = np.asarray(pr.distance, dtype=float)
    above = cand[:, d] >= p[:, d]
    need = (rho > 0) & np.all(np.isfinite(c), axis=1) & ~(above & (delta >= rho))
    if clear is not None:
        need &= ~clear
    if d == 1 and np.any(need):
        # 1-D: the cached-grid certificate clears most balls at once (reachable.py); only
        # the others take the exact projection of c'
        iq = np.flatnonzero(need)
        need[iq[reachable_1d(graph, c[iq], rho[iq], theta_p[iq, 0], hint=warm[iq, 0])]] = False
    ip = np.flatnonzero(need)
    if ip.size == 0:
        return out
    dist, intruder = graph.exact_distance(c[ip], theta_p[ip])
    tol = REACH_TOL * (1.0 + np.abs(c[ip, d]))
    bad = np.isfinite(dist) & (dist < rho[ip] - tol)
    if d >= 2 and known is not None:
        # the contact solver walks to the candidate in quarter-radius sub-steps: a walk of
        # more than MAX_SUBSTEPS is not made (too_wide: the engine freezes the ball)
        with np.errstate(all="ignore"):
            span = np.linalg.norm(cand[ip] - known[ip], axis=1) / (SUBSTEP * rho[ip])
        walk = bad & ~(span <= MAX_SUBSTEPS)
        out.too_wide[ip[walk]] = True
        bad &= ~walk
    iu = ip[bad]
    if iu.size == 0:
        return out
    theta, point = out.theta, out.point
    seeds = [warm[iu], theta_p[iu], intruder[bad]]
    if other is not None:
        o = other[iu]
        seeds.append(np.where(np.isfinite(o), o, np.tile(warm[iu], o.shape[1] // d)))
    seeds = np.concatenate(seeds, axis=1)
    if d == 1:
        xs, value, contact, second = nearest_on_offset_1d(
            graph, cand[iu], rho[iu], None if known is None else known[iu], seeds, theta_p[iu])
        others[iu] = second
        c[iu] = np.concatenate([xs, value[:, None]], axis=1)
    else:
        if known is None:
            # no point of Gamma_rho known (the first step, or a new radius): the ball is
            # dropped straight above its footpoint, (theta, f_rho(theta)), exact offset
            off = _placed_offset(graph, warm[iu], rho[iu])
            contact = graph.contacts(off, warm[iu])
            c[iu] = np.concatenate([warm[iu], np.asarray(off.value)[:, None]], 1)
            two = np.asarray(off.n_contacts) >= 2
            second = np.where(np.all(contact == np.asarray(off.contact), axis=1)[:, None],
                              np.asarray(off.contact2), np.asarray(off.contact))
            others[iu, :d] = np.where(two[:, None], second, np.nan)
            iv = np.flatnonzero(~np.isfinite(np.asarray(off.value)))
        else:
            res = nearest_on_offset(graph.landscape, cand[iu], rho[iu], known[iu],
                                    seeds.reshape(iu.size, -1, d), theta_p[iu],
                                    resolution=graph.resolution, keep=ND_OTHERS,
                                    on_offset=True)
            contact = res.contact
            c[iu] = res.centre
            others[iu] = res.others.reshape(iu.size, -1)
            iv = np.flatnonzero(~res.verified)
        # a ball the contact solver could not verify: the slow, global Nelder-Mead decides
        if iv.size:
            warnings.warn(f"{iv.size} ball(s) fall back to the Nelder-Mead offset projection "
                          "(slow): the contact solver could not verify them", RuntimeWarning,
                          stacklevel=4)
            start = warm[iu[iv]] if known is None else known[iu[iv], :d]
            xs, value, cv = nearest_on_offset_simplex(graph, cand[iu[iv]], rho[iu[iv]], start,
                                                      theta_p[iu[iv]])
            c[iu[iv]] = np.concatenate([xs, value[:, None]], axis=1)
            contact[iv] = cv
            others[iu[iv]] = np.nan
    theta[iu] = contact
    point[iu] = graph.lift(contact)
    offset_solve[iu] = True
    return out
