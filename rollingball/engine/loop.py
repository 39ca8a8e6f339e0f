r"""The rolling ball engine: many balls at once, exactly, with honest diagnostics.

:func:`roll` runs a batch of ``N`` balls (or baseline iterates) for ``T`` steps, one vectorised
step for the whole batch (no Python loop over balls), and returns a
:class:`~rollingball.engine.result.RollResult`.

Notation: :math:`\Gamma` is the graph of :math:`\lambda f` (``scale`` :math:`\lambda`, default 1:
the metric on :math:`(\theta, \lambda f)`; every geometric quantity below is that of the scaled
graph, the recorded ``loss`` is :math:`f` itself), :math:`\nu` its upward unit normal (paper
Eq. 1), :math:`\tau = (\nabla f, |\nabla f|^2)` the lifted gradient (Eq. 2),
:math:`d_\Gamma` the distance to :math:`\Gamma` (Eq. 3), :math:`f_\rho` the upper offset
(Lemma 2) and :math:`\Gamma_\rho` its graph, on which the centre of a ball of radius
:math:`\rho` resting on :math:`\Gamma` lies (Eq. 9: :math:`d_\Gamma(c) = \rho`).

Solvers
-------

The method of a run is a typed, frozen solver object of :mod:`rollingball.engine.solvers`
(``method=`` strings are shortcuts for them): :class:`~rollingball.engine.solvers.OffsetRBO`
(``"rbo"``), :class:`~rollingball.engine.solvers.Alg1` (``"alg1"``),
:class:`~rollingball.engine.solvers.Tangent` (``"tangent"``), each with a graph
``projection`` (``Exact()``, ``Newton()``, ``PaperProjection(gamma, steps)``), and the
baselines.  The offset projection itself lives in :mod:`rollingball.numeric.offset_projection`.

``"alg1"`` -- the paper's Algorithm 1, line 4 read as :math:`c_t = p_t + \rho\,\nu(p_t)`
(the printed :math:`\theta + \rho\nu` is a typo):

.. math::

    c_t = p_t + \rho\,\nu(p_t),\qquad \tilde c_{t+1} = c_t - \eta\,\tau(p_t),\qquad
    p_{t+1} = \operatorname{proj}_\Gamma(\tilde c_{t+1}).

Where :math:`p_{t+1}` is :math:`\rho`-unreachable (it lies in a valley narrower than the
ball: every ball of radius :math:`\rho` touching it cuts the graph) the re-placed centre
:math:`c_{t+1} = p_{t+1} + \rho\nu(p_{t+1})` has :math:`d_\Gamma(c_{t+1}) < \rho`: the
invariant (9) breaks *even with an exact projection*.  The result reports it
(``residual``).

``"rbo"`` (default) -- the offset-keeping RBO.  The centre lives on :math:`\Gamma_\rho`:

.. math::

    \tilde c = c_t - \eta\,\tau(p_t),\qquad c_{t+1} = \operatorname{proj}_{\Gamma_\rho}(\tilde c),
    \qquad p_{t+1} = \text{the contact of } c_{t+1}\ (\text{its footpoint on }\Gamma).

*Fact 1.* Let :math:`p' = \operatorname{proj}_\Gamma(\tilde c)`, :math:`\delta = d_\Gamma(\tilde c)`
and :math:`c' = p' + \rho\nu(p')`.  If :math:`p'` is reachable
(:math:`d_\Gamma(c') = \rho`) then :math:`c'` is the nearest point of :math:`\Gamma_\rho` to
:math:`\tilde c`.  *Proof.* :math:`\tilde c - p'` is normal to :math:`\Gamma` at :math:`p'`, so
:math:`\tilde c = p' \pm \delta\nu(p')`.  If :math:`\tilde c` is above the graph, for every
:math:`y \in \Gamma_\rho`, :math:`|y - \tilde c| \ge |d_\Gamma(y) - d_\Gamma(\tilde c)| =
|\rho - \delta|` because :math:`d_\Gamma` is 1-Lipschitz, and :math:`|c' - \tilde c| =
|\rho - \delta|`.  If :math:`\tilde c` is below the graph, the segment from :math:`\tilde c` to
:math:`y` (above the graph) crosses :math:`\Gamma` at some :math:`q`, so :math:`|y - \tilde c| =
|y - q| + |q - \tilde c| \ge \rho + \delta = |c' - \tilde c|`.  Since :math:`c' \in
\Gamma_\rho`, it attains the bound. :math:`\square`  So the RBO coincides with Algorithm 1
wherever Algorithm 1's footpoints are reachable (in particular for every step when
:math:`\rho` is below the reach of :math:`\Gamma`, the critical radius).

*Fact 2.* :math:`p'` is reachable iff :math:`d_\Gamma(c') = \rho`, i.e. iff
:math:`f_\rho(c'_x) = c'_y` (the ball at :math:`c'` touches :math:`\Gamma` at :math:`p'`, so
:math:`d_\Gamma(c') \le \rho` and :math:`f_\rho(c'_x) \ge c'_y`, with equality iff no other
graph point lies inside it).  The engine tests it with the *exact projection* of
:math:`c'` (:func:`rollingball.numeric.projection.project`, certified window scan in 1-D), accepting
:math:`d_\Gamma(c') \ge \rho - 10^{-11}(1 + |c'_y|)`; a candidate above the graph at
distance :math:`\ge\rho` needs no test (:math:`B(c',\rho) \subset B(\tilde c, d_\Gamma(\tilde c))`,
which holds no graph point).  This check always uses the exact projection, whatever
``projection`` the step itself uses.  In 1-D with the exact step projection most balls
need no second projection: where :math:`\tilde c = p' + \delta\nu(p')` is above the graph,
:math:`B(\tilde c, \delta)` and :math:`B(c', \rho)` both lie in :math:`B(q, r)`,
:math:`r = \max(\delta, \rho)`, :math:`q = p' + r\nu(p')`, and one certificate on the
exact projection's cached scan grid
(:func:`rollingball.numeric.projection.project_for_offset_1d`,
:func:`rollingball.numeric.window.ball_is_clear`: the window scan's own bound, with the
answer known) proves :math:`p'` the global footpoint and :math:`c'` reachable at once; a
ball it cannot clear gets the exact projection of :math:`c'`.  The recorded residual is
then recomputed by the independent :func:`rollingball.numeric.distance.distance_to_graph`.

*When p' is unreachable* (:math:`\tilde c` inside the tube, in a valley narrower than the
ball) the engine minimises

.. math::  \phi(x) = |x - a|^2 + (f_\rho(x) - b)^2,\qquad \tilde c = (a, b),

over :math:`|x - a| \le R = |\tilde c - c_t|` (:math:`c_t` is a point of :math:`\Gamma_\rho`,
so the nearest one is no farther).  :math:`f_\rho` is a supremum of smooth functions,
hence semi-convex; its kinks are V-shaped (convex) and sit exactly where the ball rests on
two contacts :math:`q_1, q_2`, with one-sided slopes
:math:`f_\rho'(x^\pm) = \max/\min(f'(q_1), f'(q_2))` (parallel curves share tangents:
:math:`f_\rho'(x) = f'(q)` at a single contact, by the envelope theorem).  1-D:

1. *Resting test.*  If the current centre sits at a kink that is a local minimiser of
   :math:`\phi` (:math:`\phi'(x^-) \le 0 \le \phi'(x^+)`), the ball stays: its centre does not
   move and its footpoint becomes the contact nearer :math:`p'`.  (A local test: for
   small :math:`\eta` the minimiser near the centre is the nearest point.)
2. Otherwise :math:`\phi` is minimised on the *local branches* of the sup,
   :math:`h_i(x) = \max_{q\approx q_i} f(q) + \sqrt{\rho^2-(q-x)^2}`, through seed contacts
   (the current footpoint and second contact, :math:`p'`, the graph point that made
   :math:`p'` unreachable and, where the exact offset is cheap -- at most
   ``GLOBAL_SCAN_SAMPLES`` samples per ball -- the contacts of the best points of a
   34-point global scan of :math:`\phi` with :func:`rollingball.numeric.offset.upper_offset`): a
   33-point scan, then a bracketed search that jumps to the kink where the branches at the
   bracket ends tie (Newton on :math:`h_i - h_k`), else a secant or bisection step on
   :math:`\phi'`, until :math:`\phi'(x^-) \le 0 \le \phi'(x^+)` or the bracket is at rounding
   level.  :math:`\max_i h_i \le f_\rho` always.
3. *Verification.*  The winner :math:`c^* = (x^*, \max_i h_i(x^*))` is checked by the exact
   projection: the ball there must not cut the graph (:math:`d_\Gamma(c^*) \ge \rho - 10^{-11}`),
   which makes :math:`\max_i h_i(x^*) = f_\rho(x^*)`.  A cutting graph point becomes a new
   seed and step 2 is redone (4 rounds); after that the exact ``upper_offset`` gives the
   value and contact at :math:`x^*`.

So :math:`c_{t+1}` is always a point of :math:`\Gamma_\rho` to within :math:`10^{-11}` and
the footpoint a contact of that ball, reachable by construction; the minimisation of
:math:`\phi` is local-to-semi-global (scan + bracket), not certified.

d-D (d >= 2): :func:`rollingball.numeric.offset_projection.nearest_on_offset` -- sequential
quadratic programming on the contact constraints :math:`D_j(c) \ge \rho` (the signed local distances
to the graph near each seed contact, plus the graph points met on the way, held as fixed
constraints), with the target moved from the current centre to :math:`\tilde c` in
sub-steps of a quarter radius, verified by the exact global projection (a graph point that
cuts the ball becomes a new constraint; 8 rounds).  The centre ends on :math:`\Gamma_\rho`
to :math:`10^{-11}(1 + |c_{d+1}|)` (measured on Fig. 4's 1000 wells, 300 steps: at most
1.5e-13 for radii up to 3, 1.4e-10 at radius 5 where the centre is 25 high) at a KKT point of
:math:`\min |c - \tilde c|` over :math:`\{d_\Gamma \ge \rho\}`, above the graph.  Where no
point of :math:`\Gamma_\rho` is known (the first step when :math:`p_0 + \rho\nu(p_0)` is
unreachable, or a new radius from a schedule) the ball is dropped straight above its
footpoint: :math:`c = (\theta, f_\rho(\theta))` with the exact d-D
:func:`~rollingball.numeric.offset.upper_offset` (1-D instead takes the nearest point of
:math:`\Gamma_\rho` to the candidate, by the scan above).  A ball the contact solver cannot
verify falls back to a vectorised Nelder-Mead on :math:`\phi` with the multi-start offset
(slow: seconds per evaluation on costly losses; a ``RuntimeWarning`` says when it runs).

``"tangent"`` -- the Section 3.2 variant: :math:`\delta_t = \tilde\delta_t -
\langle u, \tilde\delta_t\rangle u/|u|^2` with :math:`\tilde\delta_t = -\eta\tau(p_t)`,
:math:`u = \nabla d_\Gamma(c_t) = (c_t - p_t)/|c_t - p_t|`, :math:`p_t = \operatorname{proj}_\Gamma
(c_t)`; :math:`c_{t+1} = c_t + \delta_t`.  Since :math:`\tau \perp \nu` and
:math:`u = \nu(p_t)`, the "distance projection" removes nothing: the centre moves along the
tangent line and drifts off the offset (``residual`` records the drift).

Baselines ``"gd"``, ``"momentum"``, ``"adam"``, ``"sam"``: see :mod:`rollingball.engine.baselines`;
their centre is the point itself and their residual is NaN (not measured: no ball).

Failure handling: a ball whose state turns non-finite, that leaves the ``domain``, or whose
:math:`|\theta|_\infty` exceeds :data:`~rollingball.engine.recorder.DIVERGE_THETA` (or
:math:`|f|` exceeds :data:`~rollingball.engine.recorder.DIVERGE_LOSS`) is frozen at its last
valid state and flagged; the others go on, bit for bit as in a run without it.  Every
step is checked before it is made: a start or a candidate that is not finite
(``non_finite``; a start at step 0, before any projection) or whose search window would
exceed the sample budget (``too_wide``: :func:`~rollingball.engine.recorder.window_samples`
against :data:`rollingball._budget.MAX_GRID_POINTS`, e.g. a learning rate of 1e100, or
:math:`-x^4` running away) never reaches a projection.  A radius too large for the
resolution at the start, and a history over :data:`rollingball._budget.MAX_ARRAY_BYTES`,
are one-line ``ValueError``\ s before anything is allocated.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from rollingball import _budget
from rollingball.engine.baselines import Baseline
from rollingball.engine.inputs import Schedule, as_domain, as_starts, schedule
from rollingball.engine.recorder import (
    AT_REST,
    STATUS,
    TOO_WIDE,
    Progress,
    ProgressCallback,
    Recorder,
    check_new,
    window_samples,
)
from rollingball.engine.result import RollResult
from rollingball.engine.solvers import BallSolver, OffsetRBO, Solver, as_solver, make_solver
from rollingball.numeric.distance import distance_to_graph
from rollingball.numeric.offset_projection import (
    OffsetGraph,
    other_width,
    project_onto_graph,
    project_onto_offset,
)
from rollingball.symbolic.landscape import Landscape
from rollingball.symbolic.scales import projection_resolution

__all__ = ["roll"]


def roll(
    landscape: Landscape | str,
    x0,
    *,
    solver: Solver | None = None,
    radius: Schedule = 0.5,
    lr: Schedule = 1e-2,
    steps: int = 100,
    domain=None,
    scale: float = 1.0,
    resolution: float | None = None,
    progress: bool | ProgressCallback = False,
    residual_every: int = 1,
    method: str | None = None,
    projection: str | None = None,
    gamma: float | None = None,
    proj_steps: int | None = None,
    momentum: float | None = None,
    betas: tuple[float, float] | None = None,
    sam_radius: float | None = None,
    rest_tol: float | None = None,
    rest_steps: int = 10,
    box=None,
) -> RollResult:
    r"""Roll a batch of balls (or run a baseline) on ``landscape``.

    One step of the default offset-keeping RBO, for every ball at once:

    .. math::

        \tilde c = c_t - \eta_t\,\tau(p_t),\qquad c_{t+1} = \operatorname{proj}_{\Gamma_{\rho}}
        (\tilde c),\qquad p_{t+1} = \text{contact of } c_{t+1},

    keeping :math:`d_\Gamma(c_t) = \rho` (paper Eq. 9) to rounding.  See the module docstring
    for the other methods and the proofs.

    Names at this boundary (one per concept, the same in the CLI): ``radius`` is the ball's
    radius (:math:`\rho` only inside the geometry), ``x0`` the starts, ``domain`` the region a
    ball must stay in, ``solver`` the method object, ``progress`` a bool or a callback
    ``(done, total)``; every search start inside the engine is a ``warm`` start.

    Args:
        landscape: a :class:`Landscape` or anything it accepts (``"bumpy_bowl"``, ``"x^2"``).
        x0: starts, ``(N, d)``; in 1-D also ``(N,)`` or a scalar.
        solver: the method, an object of :mod:`rollingball.engine.solvers` such as
            ``OffsetRBO(projection=PaperProjection(gamma=0.05, steps=20))``, ``Alg1()``,
            ``GD()``, ``Momentum(beta=0.9)`` (default ``OffsetRBO()``).
        radius: :math:`\rho \ge 0`: a scalar, ``(N,)``, or a callable ``t -> scalar or (N,)``
            (a schedule of the step index).  Ignored by the baselines.
        lr: :math:`\eta > 0`, same forms as ``radius``.
        steps: T >= 0.
        domain: optional ``(lo, hi)`` or d pairs: a ball whose iterate leaves it is frozen.
        scale: :math:`\lambda > 0`, the vertical scale: geometry on the graph of
            :math:`\lambda f` (metric on :math:`(\theta, \lambda f)`).
        resolution: sample spacing for the exact projection and the offset (default: the
            modules' own choice from the landscape).
        progress: ``True`` draws a progress bar on stderr; a callable is called with
            ``(steps done, steps in all)`` after every step.
        residual_every: evaluate the invariant residual :math:`|d_\Gamma(c_t) - \rho|` (an
            independent global distance evaluation, the costliest diagnostic in d >= 2) at
            every ``residual_every``-th step and at the last step; the other rows of
            ``residual`` are NaN, and every summary is NaN-aware.  Default 1: every step.
        method, projection, gamma, proj_steps, momentum, betas, sam_radius: string and
            number shortcuts for ``solver`` (:func:`~rollingball.engine.solvers.make_solver`):
            ``method="alg1", projection="paper", gamma=0.1`` is
            ``solver=Alg1(projection=PaperProjection(gamma=0.1))``; not together with
            ``solver`` (except a ``method`` equal to its name).
        rest_tol, rest_steps: stop a ball at rest (ball methods only; default never): once its
            centre has moved by at most ``rest_tol * (1 + |c_t|)`` in each of ``rest_steps``
            consecutive steps, its rows repeat its last state while the steps use the same
            radius and learning rate (what those steps give a fixed point, to ``rest_tol``
            per step; a ball resting on a ring of contacts costs the most per step and
            changes only its footpoint, among tied contacts).  Where the schedule changes
            later (a step schedule of the radius), the ball waits at rest and rolls again
            from the step of the change (its waiting rows have 0 ``proj_iterations``);
            where nothing changes any more it stops with status ``at_rest``, and
            ``result.nit`` is the steps it ran.
        box: the deprecated name of ``domain`` (a ``DeprecationWarning``).

    Returns:
        a :class:`RollResult` recording ``solver``.

    >>> r = roll("parabola", 1.0, radius=0.1, lr=0.1, steps=200)
    >>> bool(abs(r.x[0, 0]) < 1e-6), bool(r.max_residual[0] < 1e-9)
    (True, True)
    """
    L = Landscape(landscape)
    d = L.dim
    solver = _solver(solver, method, projection, gamma=gamma, proj_steps=proj_steps,
                     momentum=momentum, betas=betas, sam_radius=sam_radius)
    if not (isinstance(steps, int | np.integer) and not isinstance(steps, bool) and steps >= 0):
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    steps = int(steps)
    if isinstance(residual_every, bool) or not isinstance(residual_every, int | np.integer) \
            or residual_every < 1:
        raise ValueError(f"residual_every must be a positive integer, got {residual_every!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be positive and finite, got {scale}")
    if rest_tol is not None and not (isinstance(rest_tol, int | float | np.floating)
                                     and np.isfinite(rest_tol) and rest_tol > 0):
        raise ValueError(f"rest_tol must be a positive number or None, got {rest_tol!r}")
    if isinstance(rest_steps, bool) or not isinstance(rest_steps, int | np.integer) \
            or rest_steps < 1:
        raise ValueError(f"rest_steps must be a positive integer, got {rest_steps!r}")
    if resolution is not None and not (np.isfinite(resolution) and resolution > 0):
        raise ValueError(f"resolution must be positive, got {resolution}")
    if box is not None:
        warnings.warn("roll(box=...) is deprecated: use domain=", DeprecationWarning,
                      stacklevel=2)
        if domain is not None:
            raise ValueError("give domain= only (box= is its deprecated name)")
        domain = box
    x = as_starts(x0, d)
    n = x.shape[0]
    radius_at = schedule(radius, n, "radius", allow_zero=True)
    lr_at = schedule(lr, n, "lr", allow_zero=False)
    lo, hi = as_domain(domain, d)
    if lo is not None and np.any((x < lo) | (x > hi)):
        raise ValueError("every start must lie inside the domain")

    ball = isinstance(solver, BallSolver)
    graph = OffsetGraph(L.scaled(scale), resolution=resolution,
                        step=solver.projection.options() if ball else {"method": "exact"})
    rho0 = radius_at(0)
    if ball:
        _check_windows(graph, rho0)
    started = time.perf_counter()
    rec = Recorder(steps, n, d)
    lr0 = lr_at(0)
    bar = Progress(steps, progress)
    if rest_tol is not None and not ball:
        raise ValueError(f"rest_tol applies to the ball methods, not to {solver.name}")
    if ball:
        rest = None if rest_tol is None else (float(rest_tol), int(rest_steps))
        _run_ball(L, graph, solver, x, steps, lr_at, radius_at, rec, lo, hi, bar, rest)
        # the invariant residual, by an independent global distance evaluation
        rows = np.unique(np.r_[np.arange(0, steps + 1, residual_every), steps])
        rec.residual[rows] = _invariant_residual(graph.landscape, rec.centre[rows],
                                                 rec.radius_t[rows], rec.theta[rows])
    else:
        # a baseline's iterate is a graph point, not a ball's centre: the invariant residual
        # is not measured (NaN)
        _run_baseline(L, graph, solver, x, steps, lr_at, radius_at, rec, lo, hi, bar)
    wall = time.perf_counter() - started
    options = dict(steps=steps, scale=scale, resolution=resolution, domain=None if lo is None
                   else np.stack([lo, hi], axis=-1).tolist(), residual_every=int(residual_every))
    if rest_tol is not None:
        options.update(rest_tol=float(rest_tol), rest_steps=int(rest_steps))
    status = np.array([STATUS[k] for k in rec.status], dtype=object)
    return RollResult(landscape=L, solver=solver, radius=rho0.copy(), lr=lr0.copy(),
                      theta=rec.theta, point=rec.point, centre=rec.centre, loss=rec.loss,
                      residual=rec.residual, radius_t=rec.radius_t,
                      proj_iterations=rec.iterations, proj_residual=rec.proj_residual,
                      jumped=rec.jumped, certified=rec.certified, offset_solve=rec.offset_solve,
                      status=status, stopped_at=rec.stopped_at, wall_time=wall, scale=scale,
                      options=options)


def _solver(solver, method, projection, **shortcuts) -> Solver:
    """The solver object of a call: ``solver`` itself, or the one the shortcuts build."""
    if solver is None:
        return make_solver("rbo" if method is None else method, projection, **shortcuts)
    solver = as_solver(solver)
    if method is not None and method != solver.name:
        raise ValueError(f"solver={solver!r} and method={method!r} disagree: give one of them")
    given = [k for k, v in (("projection", projection), *shortcuts.items()) if v is not None]
    if given:
        raise ValueError(f"{', '.join(given)} given together with solver={solver!r}: put "
                         "them in the solver object")
    return solver


# ============================================================================ baselines
def _run_baseline(L, graph, opt: Baseline, x, steps, lr_at, radius_at, rec, lo, hi,
                  bar) -> None:
    G, inp = graph.landscape, L.as_input
    f0 = L.f(inp(x))
    rec.theta[0], rec.loss[0] = x, f0
    rec.point[0] = np.concatenate([x, G.f(inp(x))[:, None]], axis=1)
    rec.centre[0] = rec.point[0]
    rec.radius_t[0] = radius_at(0)
    state = opt.init(x)
    active = np.arange(x.shape[0])
    for t in range(steps):
        rec.radius_t[t + 1] = radius_at(t + 1)
        prev = rec.theta[t]
        # frozen balls keep their state
        rec.theta[t + 1], rec.point[t + 1] = prev, rec.point[t]
        rec.centre[t + 1], rec.loss[t + 1] = rec.centre[t], rec.loss[t]
        if active.size:
            eta = lr_at(t)[active]
            xa = prev[active]
            with np.errstate(all="ignore"):
                xn, sa = opt.step(L, xa, opt.subset(state, active) if state else {}, eta, t)
                fn = L.f(inp(xn))
            code = check_new(xn, fn, [], lo, hi)
            good = code == 0
            ia = active[good]
            with np.errstate(all="ignore"):
                yn = G.f(inp(xn[good]))
            rec.theta[t + 1, ia] = xn[good]
            rec.loss[t + 1, ia] = fn[good]
            rec.point[t + 1, ia] = np.concatenate([xn[good], yn[:, None]], axis=1)
            rec.centre[t + 1, ia] = rec.point[t + 1, ia]
            for k in state:
                state[k][ia] = sa[k][good]
            bad = active[~good]
            if bad.size:
                for c in (1, 2, 3):
                    rec.freeze(t + 1, bad[code[~good] == c], c)
            active = ia
        bar.update(t + 1)


# ============================================================================ RBO family
def _scan_spacing(graph: OffsetGraph) -> float:
    """The exact projection's scan spacing on this graph (its ``resolution`` or default)."""
    G = graph.landscape
    return float(graph.resolution) if graph.resolution is not None else \
        projection_resolution(G)


def _check_windows(graph: OffsetGraph, rho: np.ndarray) -> None:
    """Parameters: a ball's first search window (radius and resolution alone) within the
    sample budget (:func:`~rollingball.engine.recorder.window_samples`), else a one-line
    ``ValueError``."""
    h = _scan_spacing(graph)
    need = window_samples(rho, np.zeros_like(rho), h, rho, graph.offset_res)
    worst = float(np.max(need)) if need.size else 0.0
    limit = _budget.MAX_GRID_POINTS
    if not worst <= limit:
        given = "the resolution given" if graph.resolution is not None else \
            "the default resolution (from the loss's feature scale)"
        _budget.check(worst, limit, f"the search window of a ball of radius "
                      f"{float(np.max(rho)):g} at {given}, {h:.3g}, (its projection and offset "
                      f"samples)", hint="use a coarser --resolution or a smaller --radius")


def _screen(graph: OffsetGraph, tau, pts, ref, rho, h) -> np.ndarray:
    """Per ball, before a step: 0 (go on), 2 (its step is not finite) or TOO_WIDE (its
    search windows would exceed the sample budget), for the points ``pts`` (n, d+1) to
    project from the footpoints ``ref`` (graph points) with radius ``rho``.  (The d-D
    contact solver's sub-steps are checked where it runs: ``OffsetStep.too_wide``.)"""
    d = graph.d
    code = np.zeros(pts.shape[0], dtype=np.int64)
    finite = np.all(np.isfinite(tau), axis=1) & np.all(np.isfinite(pts), axis=1)
    with np.errstate(all="ignore"):
        reach = np.linalg.norm(pts - ref, axis=1)
        where = np.max(np.abs(pts[:, :d]), axis=1)
        wide = window_samples(reach, where, h, rho, graph.offset_res) > _budget.MAX_GRID_POINTS
    code[wide] = TOO_WIDE
    code[~finite] = 2
    return code


def _next_change(radius_at, lr_at, steps: int, n: int) -> np.ndarray:
    """(steps + 1, n) int: row t is the first iteration u >= t whose schedule differs from
    iteration u - 1's (iteration u makes row u + 1 with radius ``radius_at(u + 1)`` and
    learning rate ``lr_at(u)``), or ``steps + 1`` where nothing changes from t on.  A ball
    at rest in row t repeats its state until iteration ``_next_change(...)[t]``, which must
    run."""
    R = np.stack([np.broadcast_to(radius_at(s), (n,)) for s in range(steps + 1)])
    E = np.stack([np.broadcast_to(lr_at(s), (n,)) for s in range(max(steps, 1))])
    same = np.ones((steps + 1, n), dtype=bool)
    same[:-1] = R[1:] == R[:-1]
    if steps > 1:
        same[1:steps] &= E[1:steps] == E[:steps - 1]
    nxt = np.full((steps + 2, n), steps + 1, dtype=np.int64)
    for t in range(steps, -1, -1):  # a loop over steps, vectorised over balls
        nxt[t] = np.where(same[t], nxt[t + 1], t)
    return nxt[:-1]


def _run_ball(L, graph, solver: BallSolver, x, steps, lr_at, radius_at, rec, lo, hi,
              bar, rest=None) -> None:
    d = graph.d
    n = x.shape[0]
    rbo = isinstance(solver, OffsetRBO)
    h = _scan_spacing(graph)
    rho = radius_at(0)
    rec.radius_t[0] = rho
    with np.errstate(all="ignore"):
        p = graph.lift(x)
        nrm = graph.normal(x)
        f0 = L.f(L.as_input(x))
    # a start that is not finite, beyond the divergence bound or over the window budget is
    # flagged at step 0 (it never reaches a projection)
    code = check_new(x, f0, [p, nrm], lo, hi)
    with np.errstate(all="ignore"):
        far = window_samples(rho, np.max(np.abs(x), axis=1), h, rho, graph.offset_res)
    code[(code == 0) & ~(far <= _budget.MAX_GRID_POINTS)] = TOO_WIDE
    ok = np.flatnonzero(code == 0)
    theta = x.copy()
    c = p + rho[:, None] * nrm
    other = np.full((n, other_width(d)), np.nan)
    if rbo and ok.size:
        z = p[ok] + rho[ok, None] * nrm[ok]
        pl = project_onto_offset(graph, z, rho[ok], warm=x[ok], known=None)
        theta[ok], p[ok], c[ok] = pl.theta, pl.point, pl.centre
        rec.offset_solve[0, ok] = pl.offset_solve
        other[ok] = pl.other
    rec.theta[0], rec.point[0], rec.centre[0] = theta, p, c
    with np.errstate(all="ignore"):
        rec.loss[0] = L.f(L.as_input(theta))
    placed = check_new(theta[ok], rec.loss[0, ok], [p[ok], c[ok]], lo, hi)
    code[ok] = placed
    for k in (1, 2, 3, TOO_WIDE):
        rec.freeze(0, np.flatnonzero(code == k), k)
    active = np.flatnonzero(code == 0)
    if rest is not None:
        still = np.zeros(n, dtype=np.int64)  # consecutive steps without a move
        change = _next_change(radius_at, lr_at, steps, n)
        wake = np.full(n, -1, dtype=np.int64)  # a ball at rest waits for this iteration
    for t in range(steps):
        if rest is not None:
            up = np.flatnonzero(wake == t)
            if up.size:  # the schedule changes: the balls at rest roll again
                wake[up] = -1
                still[up] = 0
                active = np.union1d(active, up)
        rho_next = radius_at(t + 1)
        rec.radius_t[t + 1] = rho_next
        for arr in (rec.theta, rec.point, rec.centre, rec.loss):
            arr[t + 1] = arr[t]
        if active.size:
            eta = lr_at(t)[active]
            th, pt, ce = rec.theta[t, active], rec.point[t, active], rec.centre[t, active]
            with np.errstate(all="ignore"):
                tau = graph.tangent(th)
                if solver.name == "tangent":  # Section 3.2
                    delta = -eta[:, None] * tau
                    u = ce - pt
                    un = np.sum(u * u, axis=1, keepdims=True)
                    delta = delta - np.sum(u * delta, axis=1, keepdims=True) / un * u
                    move = ce + delta
                else:
                    move = ce - eta[:, None] * tau
            # every step is checked before it is made: a ball whose step is not finite or
            # would need a search window over budget is frozen, the others go on
            pre = _screen(graph, tau, move, pt, rho_next[active], h)
            go = pre == 0
            ia = active[go]
            if ia.size < active.size:
                th, pt, ce, move = th[go], pt[go], ce[go], move[go]
            with np.errstate(all="ignore"):
                if ia.size == 0:
                    out = None
                elif rbo:
                    # the current centre is on Gamma_rho only while the radius is unchanged
                    same = np.all(rho_next[ia] == rec.radius_t[t, ia])
                    out = project_onto_offset(graph, move, rho_next[ia], warm=th,
                                              known=ce if same else None, other=other[ia])
                    th_n, pt_n, ce_n = out.theta, out.point, out.centre
                elif solver.name == "alg1":
                    out = project_onto_graph(graph, move, th)
                    th_n, pt_n = out.theta, out.point
                    ce_n = pt_n + rho_next[ia, None] * graph.normal(th_n)
                else:  # tangent: the centre moves, its footpoint follows
                    ce_n = move
                    out = project_onto_graph(graph, ce_n, th)
                    th_n, pt_n = out.theta, out.point
                if out is not None:
                    fl = L.f(L.as_input(th_n))
            if out is not None:
                code = check_new(th_n, fl, [pt_n, ce_n], lo, hi)
                wide = getattr(out, "too_wide", None)
                if wide is not None:
                    code[(code == 0) & np.asarray(wide, dtype=bool)] = TOO_WIDE
                good = code == 0
                if good.all():  # the common case: no copies
                    ig = ia
                    rec.theta[t + 1, ig], rec.point[t + 1, ig] = th_n, pt_n
                    rec.centre[t + 1, ig], rec.loss[t + 1, ig] = ce_n, fl
                else:
                    ig = ia[good]
                    rec.theta[t + 1, ig], rec.point[t + 1, ig] = th_n[good], pt_n[good]
                    rec.centre[t + 1, ig], rec.loss[t + 1, ig] = ce_n[good], fl[good]
                rec.iterations[t + 1, ia] = out.iterations
                rec.proj_residual[t + 1, ia] = out.residual
                rec.jumped[t + 1, ia] = out.jumped
                rec.certified[t + 1, ia] = out.certified
                rec.offset_solve[t + 1, ia] = out.offset_solve
                if out.other is not None:
                    other[ig] = out.other[good]
                if not good.all():
                    bad = ia[~good]
                    for k in (1, 2, 3, TOO_WIDE):
                        rec.freeze(t + 1, bad[code[~good] == k], k)
            else:
                ig = ia
            if not go.all():
                stopped = active[~go]
                for k in (2, TOO_WIDE):
                    rec.freeze(t + 1, stopped[pre[~go] == k], k)
            active = ig
            if rest is not None and ig.size:
                tol, need = rest
                c0, c1 = rec.centre[t, ig], rec.centre[t + 1, ig]
                moved = np.linalg.norm(c1 - c0, axis=1) > tol * (1.0 + np.linalg.norm(c0, axis=1))
                still[ig] = np.where(moved, 0, still[ig] + 1)
                until = change[t + 1, ig]
                # calm and the schedule keeps still for at least one more iteration; a
                # ball whose radius or rate changes at the very next step rolls on
                calm = (still[ig] >= need) & (until > t + 1)
                if np.any(calm):  # row t+1 is kept; the later rows repeat it
                    done = calm & (until > steps)  # nothing changes any more: stopped
                    rec.freeze(t + 1, ig[done], AT_REST)
                    # at rest until the schedule changes: no work until iteration `until`
                    wait = calm & ~done
                    wake[ig[wait]] = until[wait]
                    active = ig[~calm]
        bar.update(t + 1)


def _invariant_residual(G: Landscape, centre: np.ndarray, radius_t: np.ndarray,
                        theta: np.ndarray) -> np.ndarray:
    """|d_Gamma(c) - rho| for every recorded centre, by the independent global distance
    (:func:`rollingball.numeric.distance.distance_to_graph`; the footpoints only narrow its
    window)."""
    T1, n, d1 = centre.shape
    flat = centre.reshape(-1, d1)
    # frozen balls repeat their rows: evaluate each distinct centre once
    uniq, first, inv = np.unique(flat, axis=0, return_index=True, return_inverse=True)
    warm = theta.reshape(-1, d1 - 1)[first]
    ok = np.all(np.isfinite(uniq), axis=1) & np.all(np.isfinite(warm), axis=1)
    dist = np.full(uniq.shape[0], np.nan)
    if np.any(ok):
        dist[ok] = _referee(G, uniq[ok], warm[ok])
    return np.abs(dist[np.ravel(inv)].reshape(T1, n) - radius_t)


def _referee(G: Landscape, pts: np.ndarray, warm: np.ndarray) -> np.ndarray:
    """The referee's distances of ``pts``; where it fails on the batch (a centre far out,
    say, where its polish does not converge) the batch is halved until the points it fails
    on are alone, and those read NaN (not measured)."""
    try:
        with np.errstate(all="ignore"):
            return np.asarray(distance_to_graph(G, pts, warm=warm).distance, dtype=float)
    except (RuntimeError, ValueError, FloatingPointError, OverflowError):
        if pts.shape[0] == 1:
            return np.full(1, np.nan)
        m = pts.shape[0] // 2
        return np.concatenate([_referee(G, pts[:m], warm[:m]), _referee(G, pts[m:], warm[m:])])
