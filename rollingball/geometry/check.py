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
(the recorded solver with ``projection=PaperProjection(...)``: P gradient steps of size
:math:`\gamma`, the recorded ones when the run used it) and checked the same way: a
comparison of the exact engine with the paper's implementation.  :func:`replay` repeats a
run exactly: the recorded solver object, starts, radii (a schedule included), learning
rates, steps, scale and resolution.

The geometry is that of the graph of :math:`\lambda f` when the run used ``scale`` =
:math:`\lambda \ne 1`.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass

import numpy as np

from rollingball.engine.loop import roll
from rollingball.engine.result import RollResult
from rollingball.engine.solvers import BALL_METHODS, BallSolver, PaperProjection, Solver
from rollingball.numeric.offset import upper_offset
from rollingball.symbolic.implicit import implicit_offset

__all__ = ["CheckReport", "check", "replay"]


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
        """The figures as a small text table (with the comparison run, if any); a column
        whose every value is NaN (it does not apply: the implicit equation of a loss that is
        not a 1-D polynomial, say) is left out."""
        rows = [self] + ([self.comparison] if self.comparison is not None else [])
        cols = [c for c in _COLUMNS
                if not all(isinstance(v, float) and np.isnan(v)
                           for v in (getattr(r, c[2]) for r in rows))]
        lines = [" ".join(f"{head:{fmt[0]}{width}s}" for head, fmt, _, width in cols) + " ok"]
        for r in rows:
            lines.append(" ".join(f"{getattr(r, key):{fmt}}" for _, fmt, key, _ in cols)
                         + f" {'yes' if r.passed else 'NO'}")
        return "\n".join(lines)


# the table's columns: header, format, attribute, width
_COLUMNS = [("method", "<8s", "method", 8), ("projection", "<10s", "projection", 10),
            ("points", ">7d", "n_points", 7), ("max|c_y-f_rho|", ">15.3e", "offset_gap", 15),
            ("max|F(c)|", ">10.3e", "implicit_residual", 10),
            ("rel F", ">9.2e", "implicit_relative", 9), ("unreach", ">7d", "unreachable", 7),
            ("residual", ">10.3e", "recorded_residual", 10)]


def _recorded(options: dict, key: str):
    """An option of the run (a loaded result stores them as ``repr`` strings)."""
    value = (options or {}).get(key)
    return ast.literal_eval(value) if isinstance(value, str) else value


def replay(result: RollResult, solver: Solver | None = None) -> RollResult:
    """Run the recorded problem of ``result`` again: the same starts, radii (a schedule
    included: the recorded ``radius_t``), learning rates, steps, scale, resolution and
    domain, with the recorded solver object (or ``solver``).

    With the recorded solver the replay reproduces the run exactly (the engine is
    deterministic); :func:`check` ``(compare=True)`` replays it with the paper's projection.
    """
    theta = np.asarray(result.theta, dtype=float)
    T1 = theta.shape[0]
    rho = np.asarray(result.radius_t, dtype=float)
    r0 = np.asarray(result.radius, dtype=float)

    def radius(t):  # replay the recorded radii (a schedule included)
        row = rho[min(t, T1 - 1)]
        return np.where(np.isfinite(row), row, r0)

    opts = result.options or {}
    # a run stopped at rest replays with its recorded rest options (else roll's defaults)
    rest = {k: _recorded(opts, k) for k in ("rest_tol", "rest_steps")
            if _recorded(opts, k) is not None}
    return roll(result.landscape, theta[0], solver=result.solver if solver is None else solver,
                radius=radius, lr=np.asarray(result.lr), steps=T1 - 1,
                scale=float(result.scale), resolution=_recorded(opts, "resolution"),
                domain=_recorded(opts, "domain"),
                residual_every=_recorded(opts, "residual_every") or 1, **rest)


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
        result: a :class:`~rollingball.engine.result.RollResult` of a ball solver
            (``OffsetRBO``, ``Alg1`` or ``Tangent``).
        offset_tol: the largest accepted :math:`|c_y - f_\rho(c_x)|`.
        reach_tol: a footpoint is unreachable when :math:`f_\rho(c'_x) - c'_y` exceeds
            ``reach_tol (1 + |c'_y|)``.
        compare: also run and check the same problem with the recorded solver and the
            paper's projection (its recorded ``gamma`` and ``steps`` if the run used it, else
            the defaults of :class:`~rollingball.engine.solvers.PaperProjection`).
        resolution: sample spacing of the offsets (default: the landscape's).

    Returns:
        a :class:`CheckReport`.

    >>> rep = check(roll("parabola", [1.0], radius=0.3, lr=0.1, steps=20))
    >>> rep.passed, rep.unreachable, bool(rep.offset_gap < 1e-12), rep.n_points
    (True, 0, True, 21)
    >>> bad = check(roll("sine", [-2.0], radius=1.5, lr=0.05, steps=5, method="alg1"))
    >>> bad.passed, bad.first_unreachable
    (False, (0, 0))
    """
    if not isinstance(getattr(result, "solver", None), BallSolver):
        raise ValueError(f"check applies to runs of {', '.join(BALL_METHODS)}; this run used "
                         f"{getattr(result, 'method', None)!r}")
    G = result.landscape.scaled(float(getattr(result, "scale", 1.0)))
    d = G.dim
    theta = np.asarray(result.theta, dtype=float)  # (T+1, N, d)
    centre = np.asarray(result.centre, dtype=float)  # (T+1, N, d+1)
    T1, N = theta.shape[:2]
    rho = np.asarray(getattr(result, "radius_t", None) if getattr(result, "radius_t", None)
                     is not None else np.broadcast_to(result.radius, (T1, N)), dtype=float)
    ok = np.all(np.isfinite(centre), axis=-1) & np.all(np.isfinite(theta), axis=-1)
    ok &= np.isfinite(rho) & (rho > 0)
    stopped = np.asarray(getattr(result, "stopped_at", np.full(N, -1)))
    # frozen balls: their rows after the stop repeat the last valid state
    ok &= ~((stopped >= 0)[None, :] & (np.arange(T1)[:, None] > stopped[None, :]))
    idx = np.nonzero(ok)
    r = rho[idx]
    c = centre[idx]  # (M, d+1)
    th = theta[idx]  # (M, d)
    cx = G.as_input(c[:, :-1])
    gap = np.zeros((T1, N))
    if r.size:
        fr = upper_offset(G, cx, r, resolution=resolution).value
        gap[idx] = np.abs(c[:, -1] - fr)
    # footpoints: the tangent-ball test
    unreach = np.zeros((T1, N), dtype=bool)
    if r.size:
        cc = G.offset(G.as_input(th), r)
        ccx = G.as_input(cc[:, :-1])
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
        recorded_residual=float(np.nanmax(rec)) if np.any(np.isfinite(rec)) else
        (float("nan") if rec.size else 0.0), offset_tol=offset_tol,
        passed=bool(offset_gap <= offset_tol and not unreach.any()))
    if not compare:
        return report
    proj = result.solver.projection
    paper = dataclasses.replace(result.solver, projection=proj if isinstance(
        proj, PaperProjection) else PaperProjection())
    cmp = check(replay(result, paper), offset_tol=offset_tol, reach_tol=reach_tol,
                resolution=resolution)
    return CheckReport(**{**report.__dict__, "comparison": cmp})
