r"""The numeric-versus-symbolic check of an engine run: does the ball do what the geometry says?

:func:`check` takes a :class:`~rollingball.engine.result.RollResult` of a rolling-ball method and
measures, over the whole trajectory (every step, every ball still running):

* **offset gap** :math:`\max |c_y - f_\rho(c_x)|`: the centres must lie on the upper offset
  (paper Eq. 9, Lemma 2), with :math:`f_\rho` from the exact
  :func:`rollingball.numeric.offset.upper_offset`, independent of the engine's projection;
* **implicit residual** (1-D polynomial losses): :math:`\max |F(c)|` and the scale-free
  backward error :math:`\max |F(c)|/\sum_m|F_m(c)|` of the resultant equation
  :math:`F(x, y, \rho) = 0` of :mod:`rollingball.symbolic.implicit`, a purely symbolic witness;
* **unreachable footpoints**: how many footpoints :math:`p_t` the ball could not touch,
  i.e. with :math:`f_\rho(c'_x) - c'_y > \text{tol}` for :math:`c' = p_t + \rho\nu(p_t)` (the
  tangent-ball test, Fact 2 of :mod:`rollingball.engine.loop`);
* the engine's own recorded invariant residual :math:`\max|d_\Gamma(c_t) - \rho|`.

With ``compare=True`` the same run is repeated with the paper's approximate projection
(``projection="paper"``: P gradient steps of size :math:`\gamma`) and checked the same
way: a comparison of the exact engine with the paper's implementation (the recorded radii
are replayed; the learning rate is the run's first one).

The geometry is that of the graph of :math:`\lambda f` when the run used ``scale`` =
:math:`\lambda \ne 1`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from rollingball.numeric.offset import upper_offset
from rollingball.symbolic.implicit import implicit_offset
from rollingball.symbolic.landscape import Landscape

__all__ = ["CheckReport", "check", "RBO_METHODS"]

#: Methods whose runs carry a ball (a centre on the offset) that :func:`check` can check.
RBO_METHODS = ("rbo", "alg1", "tangent")


@dataclass(frozen=True)
class CheckReport:
    """The figures of :func:`check` (one run).

    Attributes:
        method, projection: of the run.
        n_points: centres checked (steps x balls, finite and running).
        offset_gap: max |c_y - f_rho(c_x)| over the trajectory.
        offset_gap_per_ball: the same per ball, shape ``(N,)``.
        implicit_residual: max |F(c)| (NaN when the loss is not a 1-D polynomial).
        implicit_relative: max |F(c)| / sum |monomials| (NaN likewise).
        unreachable: the number of footpoints inside the unreachable set.
        unreachable_per_ball: the same per ball, shape ``(N,)``.
        first_unreachable: ``(step, ball)`` of the first unreachable footpoint, or None.
        recorded_residual: the engine's own max |d_Gamma(c) - rho|.
        offset_tol: the tolerance the offset gap is judged against.
        passed: offset gap <= offset_tol and no unreachable footpoint.
        comparison: the report of the same run with the paper's projection, or None.
    """

    method: str
    projection: str
    n_points: int
    offset_gap: float
    offset_gap_per_ball: np.ndarray
    implicit_residual: float
    implicit_relative: float
    unreachable: int
    unreachable_per_ball: np.ndarray
    first_unreachable: tuple[int, int] | None
    recorded_residual: float
    offset_tol: float
    passed: bool
    comparison: CheckReport | None = None

    def violations(self) -> list[str]:
        """One line per failed criterion (empty when ``passed``)."""
        out = []
        if not self.offset_gap <= self.offset_tol:
            out.append(f"centres off the offset: max |c_y - f_rho(c_x)| = {self.offset_gap:.3e}"
                       f" > {self.offset_tol:.0e}")
        if self.unreachable:
            step, ball = self.first_unreachable
            out.append(f"{self.unreachable} unreachable footpoint(s), the first at step {step}"
                       f" of ball {ball}")
        return out

    def __str__(self) -> str:
        lines = [self.table()] + [f"FAIL: {v}" for v in self.violations()]
        if self.comparison is not None:
            lines += [f"(paper projection) {v}" for v in self.comparison.violations()]
        lines.append("check passed" if self.passed else "check failed")
        return "\n".join(lines)

    def table(self) -> str:
        """The figures as a small text table (with the comparison run, if any)."""
        rows = [self] + ([self.comparison] if self.comparison is not None else [])
        head = (f"{'method':8s} {'projection':10s} {'points':>7s} {'max|c_y-f_rho|':>15s} "
                f"{'max|F(c)|':>10s} {'rel F':>9s} {'unreach':>7s} {'residual':>10s} ok")
        lines = [head]
        for r in rows:
            lines.append(f"{r.method:8s} {r.projection:10s} {r.n_points:7d} "
                         f"{r.offset_gap:15.3e} {r.implicit_residual:10.3e} "
                         f"{r.implicit_relative:9.2e} {r.unreachable:7d} "
                         f"{r.recorded_residual:10.3e} {'yes' if r.passed else 'NO'}")
        return "\n".join(lines)


def _geometry(result) -> Landscape:
    L = result.landscape
    scale = float(getattr(result, "scale", 1.0))
    if scale == 1.0:
        return L
    s = sp.nsimplify(scale)
    factor = s if float(s) == scale else sp.Float(scale)
    return Landscape(factor * L.expr, L.variables, name=f"{scale:g}*({L.name})",
                     data=L.data or None, domain=L.domain, feature_scale=L.feature_scale)


def check(
    result,
    *,
    offset_tol: float = 1e-8,
    reach_tol: float = 1e-9,
    compare: bool = False,
    resolution: float | None = None,
) -> CheckReport:
    r"""Check an engine run against the exact geometry (see the module notes).

    Args:
        result: a :class:`~rollingball.engine.result.RollResult` of ``"rbo"``, ``"alg1"`` or
            ``"tangent"``.
        offset_tol: the largest accepted :math:`|c_y - f_\rho(c_x)|`.
        reach_tol: a footpoint is unreachable when :math:`f_\rho(c'_x) - c'_y` exceeds
            ``reach_tol (1 + |c'_y|)``.
        compare: also run and check the same problem with ``projection="paper"``.
        resolution: sample spacing of the offsets (default: the landscape's).

    Returns:
        a :class:`CheckReport`.

    >>> from rollingball.engine.loop import roll
    >>> rep = check(roll("parabola", [1.0], radius=0.3, lr=0.1, steps=20))
    >>> rep.passed, rep.unreachable, bool(rep.offset_gap < 1e-12), rep.n_points
    (True, 0, True, 21)
    >>> bad = check(roll("sine", [-2.0], radius=1.5, lr=0.05, steps=5, method="alg1"))
    >>> bad.passed, bad.first_unreachable
    (False, (0, 0))
    """
    if getattr(result, "method", None) not in RBO_METHODS:
        raise ValueError(f"check applies to runs of {', '.join(RBO_METHODS)}; this run used "
                         f"{getattr(result, 'method', None)!r}")
    G = _geometry(result)
    d = G.dim
    theta = np.asarray(result.theta, dtype=float)  # (T+1, N, d)
    centre = np.asarray(result.centre, dtype=float)  # (T+1, N, d+1)
    T1, N = theta.shape[:2]
    rho = np.asarray(getattr(result, "radius_t", None) if getattr(result, "radius_t", None)
                     is not None else np.broadcast_to(result.radius, (T1, N)), dtype=float)
    ok = np.all(np.isfinite(centre), axis=-1) & np.all(np.isfinite(theta), axis=-1)
    ok &= np.isfinite(rho) & (rho > 0)
    stopped = np.asarray(getattr(result, "stopped_at", np.full(N, -1)))
    for b in range(N):
        if stopped[b] >= 0:  # frozen: its later rows repeat the last valid state
            ok[stopped[b] + 1:, b] = False
    idx = np.nonzero(ok)
    r = rho[idx]
    c = centre[idx]  # (M, d+1)
    th = theta[idx]  # (M, d)
    cx = c[:, 0] if d == 1 else c[:, :-1]
    gap = np.zeros((T1, N))
    if r.size:
        fr = upper_offset(G, cx, r, resolution=resolution).value
        gap[idx] = np.abs(c[:, -1] - fr)
    # footpoints: the tangent-ball test
    unreach = np.zeros((T1, N), dtype=bool)
    if r.size:
        p = th[:, 0] if d == 1 else th
        cc = G.offset(p, r)
        ccx = cc[:, 0] if d == 1 else cc[:, :-1]
        fv = upper_offset(G, ccx, r, resolution=resolution).value
        unreach[idx] = (fv - cc[:, -1]) > reach_tol * (1.0 + np.abs(cc[:, -1]))
    # the implicit equation, for 1-D polynomial losses
    imp = rel = np.nan
    if d == 1 and r.size:
        try:
            F = implicit_offset(G)
        except ValueError:
            F = None
        if F is not None:
            imp = float(np.max(np.abs(F(c, r))))
            rel = float(np.max(F.relative_residual(c, r)))
    first = None
    if unreach.any():
        steps, balls = np.nonzero(unreach)
        k = int(np.argmin(steps * N + balls))
        first = (int(steps[k]), int(balls[k]))
    rec = np.asarray(result.residual, dtype=float)[ok]
    offset_gap = float(gap.max()) if r.size else 0.0
    report = CheckReport(
        method=result.method, projection=result.projection, n_points=int(r.size),
        offset_gap=offset_gap, offset_gap_per_ball=gap.max(axis=0), implicit_residual=imp,
        implicit_relative=rel, unreachable=int(unreach.sum()),
        unreachable_per_ball=unreach.sum(axis=0), first_unreachable=first,
        recorded_residual=float(np.max(rec)) if rec.size else 0.0, offset_tol=offset_tol,
        passed=bool(offset_gap <= offset_tol and not unreach.any()))
    if not compare:
        return report
    from rollingball.engine.loop import (
        roll,  # the layer below: imported late, only for the comparison run
    )

    opts = dict(getattr(result, "options", {}) or {})
    r0 = np.asarray(result.radius, dtype=float)

    def radius(t):  # replay the recorded radii (a schedule included)
        row = rho[min(t, T1 - 1)]
        return np.where(np.isfinite(row), row, r0)

    other = roll(result.landscape, theta[0], radius=radius,
                 lr=np.asarray(result.lr), steps=T1 - 1, method=result.method,
                 projection="paper", scale=float(getattr(result, "scale", 1.0)),
                 gamma=opts.get("gamma", 0.05), proj_steps=opts.get("proj_steps", 20),
                 resolution=opts.get("resolution"))
    cmp = check(other, offset_tol=offset_tol, reach_tol=reach_tol, resolution=resolution)
    return CheckReport(**{**report.__dict__, "comparison": cmp})
