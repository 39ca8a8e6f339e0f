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

Methods
-------

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
``projection`` the step itself uses.  The recorded residual is then recomputed by the
independent :func:`rollingball.numeric.distance.distance_to_graph`.

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
   ``_GLOBAL_SCAN_SAMPLES`` samples per ball -- the contacts of the best points of a
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

d-D (d >= 2): :func:`rollingball.numeric.contacts.nearest_on_offset` -- sequential quadratic
programming on the contact constraints :math:`D_j(c) \ge \rho` (the signed local distances
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

Layering note: the offset projection calls :func:`rollingball.numeric.offset.upper_offset`, one
layer up; it is imported lazily inside the functions that need it (offset imports only
the landscape and the window search, so there is no cycle).

``"tangent"`` -- the Section 3.2 variant: :math:`\delta_t = \tilde\delta_t -
\langle u, \tilde\delta_t\rangle u/|u|^2` with :math:`\tilde\delta_t = -\eta\tau(p_t)`,
:math:`u = \nabla d_\Gamma(c_t) = (c_t - p_t)/|c_t - p_t|`, :math:`p_t = \operatorname{proj}_\Gamma
(c_t)`; :math:`c_{t+1} = c_t + \delta_t`.  Since :math:`\tau \perp \nu` and
:math:`u = \nu(p_t)`, the "distance projection" removes nothing: the centre moves along the
tangent line and drifts off the offset (``residual`` records the drift).

Baselines ``"gd"``, ``"momentum"``, ``"adam"``, ``"sam"``: see :mod:`rollingball.engine.baselines`;
their centre is the point itself and their residual is 0.

Failure handling: a ball whose state turns non-finite, that leaves ``box``, or whose
:math:`|\theta|_\infty` exceeds :data:`DIVERGE_THETA` (or :math:`|f|` exceeds
:data:`DIVERGE_LOSS`) is frozen at its last valid state and flagged; the others go on.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from rollingball.engine.baselines import BASELINES, Optimizer
from rollingball.engine.result import RollResult, Status
from rollingball.symbolic.landscape import Landscape

__all__ = ["roll", "sweep", "METHODS", "PROJECTIONS", "DIVERGE_THETA", "DIVERGE_LOSS"]

#: Every method :func:`roll` knows.
METHODS = ("rbo", "alg1", "tangent", *BASELINES)
#: Projections onto the graph (see :func:`rollingball.numeric.projection.project`).
PROJECTIONS = ("exact", "newton", "paper")
#: A ball with a larger max-norm iterate has diverged.
DIVERGE_THETA = 1e8
#: A ball with a larger |loss| has diverged.
DIVERGE_LOSS = 1e150
#: A re-placed centre is accepted when d(c) >= rho - REACH_TOL (1 + |c_y|).
REACH_TOL = 1e-11
#: Most Nelder-Mead iterations of the d-D offset projection.
ND_SIMPLEX_ITERATIONS = 60
#: Other contacts kept per ball in d-D (seeds of the next step's contact solver).
_ND_OTHERS = 3
#: Most samples of the exact offset per ball for a global scan of the offset-projection window.
_GLOBAL_SCAN_SAMPLES = 1e5
#: One-sided derivative ties (relative) under which two contacts count as two.
_TIE_TOL = 1e-13

Schedule = float | np.ndarray | Callable[[int], Any]


# ============================================================================ public API
def sweep(starts, radii) -> tuple[np.ndarray, np.ndarray]:
    """A radius sweep times a set of starts as one batch.

    Args:
        starts: ``(M, d)`` starts (``(M,)`` or a scalar in 1-D).
        radii: ``(K,)`` radii (or a scalar).

    Returns:
        ``x0`` ``(K*M, d)`` and ``radius`` ``(K*M,)``: radius-major (every start at the first
        radius, then every start at the second, ...).

    >>> x0, r = sweep([0.0, 1.0], [0.1, 0.2])
    >>> x0[:, 0].tolist(), r.tolist()
    ([0.0, 1.0, 0.0, 1.0], [0.1, 0.1, 0.2, 0.2])
    """
    s = np.asarray(starts, dtype=float)
    if s.ndim == 0:
        s = s.reshape(1, 1)
    elif s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2:
        raise ValueError(f"starts must have shape (M, d), (M,) or be a scalar, got {s.shape}")
    r = np.atleast_1d(np.asarray(radii, dtype=float))
    if r.ndim != 1:
        raise ValueError(f"radii must be a scalar or a 1-D array, got shape {r.shape}")
    return np.tile(s, (r.size, 1)), np.repeat(r, s.shape[0])


def roll(
    landscape: Landscape | str,
    x0,
    *,
    radius: Schedule = 0.5,
    lr: Schedule = 1e-2,
    steps: int = 100,
    method: str = "rbo",
    projection: str = "exact",
    box=None,
    scale: float = 1.0,
    momentum: float = 0.9,
    betas: tuple[float, float] = (0.9, 0.999),
    sam_radius: float = 0.05,
    resolution: float | None = None,
    gamma: float = 0.05,
    proj_steps: int = 20,
    progress: bool = False,
    residual_every: int = 1,
) -> RollResult:
    r"""Roll a batch of balls (or run a baseline) on ``landscape``.

    One step of the default offset-keeping RBO, for every ball at once:

    .. math::

        \tilde c = c_t - \eta_t\,\tau(p_t),\qquad c_{t+1} = \operatorname{proj}_{\Gamma_{\rho}}
        (\tilde c),\qquad p_{t+1} = \text{contact of } c_{t+1},

    keeping :math:`d_\Gamma(c_t) = \rho` (paper Eq. 9) to rounding.  See the module docstring
    for the other methods and the proofs.

    Args:
        landscape: a :class:`Landscape` or anything it accepts (``"bumpy_bowl"``, ``"x^2"``).
        x0: starts, ``(N, d)``; in 1-D also ``(N,)`` or a scalar.
        radius: :math:`\rho \ge 0`: a scalar, ``(N,)``, or a callable ``t -> scalar or (N,)``
            (a schedule of the step index).  Ignored by the baselines.
        lr: :math:`\eta > 0`, same forms as ``radius``.
        steps: T >= 0.
        method: one of :data:`METHODS`.
        projection: ``"exact"``, ``"newton"`` or ``"paper"`` (RBO methods only).
        box: optional ``(lo, hi)`` or d pairs: a ball whose iterate leaves it is frozen.
        scale: :math:`\lambda > 0`, the vertical scale: geometry on the graph of
            :math:`\lambda f` (metric on :math:`(\theta, \lambda f)`).
        momentum, betas, sam_radius: baseline hyper-parameters.
        resolution: sample spacing for the exact projection and the offset (default: the
            modules' own choice from the landscape).
        gamma, proj_steps: step size and iteration count of the ``"paper"`` projection.
        progress: draw a progress bar on stderr.
        residual_every: evaluate the invariant residual :math:`|d_\Gamma(c_t) - \rho|` (an
            independent global distance evaluation, the costliest diagnostic in d >= 2) at
            every ``residual_every``-th step and at the last step; the other rows of
            ``residual`` are NaN, and every summary is NaN-aware.  Default 1: every step.

    Returns:
        a :class:`RollResult`.

    >>> r = roll("parabola", 1.0, radius=0.1, lr=0.1, steps=200)
    >>> bool(abs(r.x[0, 0]) < 1e-6), bool(r.max_residual[0] < 1e-9)
    (True, True)
    """
    L = Landscape(landscape)
    d = L.dim
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if projection not in PROJECTIONS:
        raise ValueError(f"unknown projection {projection!r}; "
                         f"choose one of {', '.join(PROJECTIONS)}")
    if not (isinstance(steps, int | np.integer) and not isinstance(steps, bool) and steps >= 0):
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    steps = int(steps)
    if isinstance(residual_every, bool) or not isinstance(residual_every, int | np.integer) \
            or residual_every < 1:
        raise ValueError(f"residual_every must be a positive integer, got {residual_every!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be positive and finite, got {scale}")
    if method == "alg1" or method == "tangent" or method == "rbo":
        if not (np.isfinite(gamma) and gamma > 0):
            raise ValueError(f"gamma must be positive, got {gamma}")
        if not (isinstance(proj_steps, int | np.integer) and proj_steps >= 1):
            raise ValueError(f"proj_steps must be a positive integer, got {proj_steps!r}")
        if resolution is not None and not (np.isfinite(resolution) and resolution > 0):
            raise ValueError(f"resolution must be positive, got {resolution}")
    x = _as_starts(x0, d)
    n = x.shape[0]
    radius_at = _schedule(radius, n, "radius", allow_zero=True)
    lr_at = _schedule(lr, n, "lr", allow_zero=False)
    lo_box, hi_box = _as_box(box, d)
    if lo_box is not None and np.any((x < lo_box) | (x > hi_box)):
        raise ValueError("every start must lie inside the box")

    G = L if scale == 1.0 else _scaled(L, scale)
    ctx = _Context(L=L, G=G, d=d, projection=projection, resolution=resolution, gamma=gamma,
                   proj_steps=int(proj_steps), offset_res=_offset_resolution(G, resolution))
    started = time.perf_counter()
    rec = _Recorder(steps, n, d)
    rho0 = radius_at(0)
    lr0 = lr_at(0)
    if method in BASELINES:
        opt = Optimizer(method, momentum=momentum, betas=tuple(betas), sam_radius=sam_radius)
        _run_baseline(ctx, opt, x, steps, lr_at, radius_at, rec, lo_box, hi_box, progress)
    else:
        _run_rbo(ctx, method, x, steps, lr_at, radius_at, rec, lo_box, hi_box, progress)
    # the invariant residual, by an independent global distance evaluation
    if method in BASELINES:
        rec.residual[:] = 0.0
    else:
        rows = np.unique(np.r_[np.arange(0, steps + 1, residual_every), steps])
        rec.residual[rows] = _invariant_residual(ctx, rec.centre[rows], rec.radius_t[rows],
                                                 rec.theta[rows])
    wall = time.perf_counter() - started
    options = dict(steps=steps, scale=scale, momentum=momentum, betas=tuple(betas),
                   sam_radius=sam_radius, resolution=resolution, gamma=gamma,
                   proj_steps=int(proj_steps), box=None if lo_box is None
                   else np.stack([lo_box, hi_box], axis=-1).tolist())
    status = np.array([_STATUS[k] for k in rec.status], dtype=object)
    return RollResult(landscape=L, method=method, projection=projection, radius=rho0.copy(),
                      lr=lr0.copy(), theta=rec.theta, point=rec.point, centre=rec.centre,
                      loss=rec.loss, residual=rec.residual, radius_t=rec.radius_t,
                      proj_iterations=rec.iterations, proj_residual=rec.proj_residual,
                      jumped=rec.jumped, certified=rec.certified, offset_solve=rec.offset_solve,
                      status=status, stopped_at=rec.stopped_at, wall_time=wall, scale=scale,
                      options=options)


# ============================================================================ validation
def _as_starts(x0, d: int) -> np.ndarray:
    try:
        x = np.asarray(x0, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be numbers, got {x0!r}") from None
    if d == 1 and x.ndim <= 1:
        x = x.reshape(-1, 1)
    elif x.ndim == 1 and x.shape[0] == d:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != d or x.shape[0] == 0:
        raise ValueError(f"x0 must have shape (N, {d}) for this {d}-D loss"
                         + (" (or (N,) / a scalar)" if d == 1 else "") + f", got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains NaN or inf")
    return x.copy()


def _schedule(value, n: int, what: str, allow_zero: bool) -> Callable[[int], np.ndarray]:
    def check(v, t) -> np.ndarray:
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be numbers, got {v!r}") from None
        if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
            raise ValueError(f"{what} must be a scalar or have shape ({n},), got {arr.shape}"
                             + (f" at step {t}" if t is not None else ""))
        arr = np.broadcast_to(arr, (n,)).astype(float)
        bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
        if np.any(bad):
            rule = ">= 0" if allow_zero else "> 0"
            raise ValueError(f"{what} must be finite and {rule}, got {arr[bad][0]}"
                             + (f" at step {t}" if t is not None else ""))
        return arr

    if callable(value):
        return lambda t: check(value(t), t)
    fixed = check(value, None)
    return lambda t: fixed


def _as_box(box, d: int):
    if box is None:
        return None, None
    arr = np.asarray(box, dtype=float)
    if arr.shape == (2,):
        arr = np.tile(arr, (d, 1))
    if arr.shape != (d, 2) or np.any(np.isnan(arr)) or np.any(arr[:, 0] >= arr[:, 1]):
        raise ValueError(f"box must be (lo, hi) or {d} pairs with lo < hi, got {box}")
    return arr[:, 0].copy(), arr[:, 1].copy()


def _scaled(L: Landscape, scale: float) -> Landscape:
    import sympy as sp

    return Landscape(sp.nsimplify(scale) * L.expr if float(sp.nsimplify(scale)) == scale
                     else sp.Float(scale) * L.expr, L.variables, name=f"{scale:g}*({L.name})",
                     data=L.data or None, domain=L.domain, feature_scale=L.feature_scale)


# ============================================================================ bookkeeping
_STATUS = {0: Status.OK, 1: Status.DIVERGED, 2: Status.NON_FINITE, 3: Status.LEFT_BOX}


class _Context:
    def __init__(self, **kw) -> None:
        self.__dict__.update(kw)

    def inp(self, theta: np.ndarray) -> np.ndarray:
        """(n, d) -> the landscape's input ((n,) in 1-D)."""
        return theta[:, 0] if self.d == 1 else theta


class _Recorder:
    def __init__(self, T: int, n: int, d: int) -> None:
        self.theta = np.full((T + 1, n, d), np.nan)
        self.point = np.full((T + 1, n, d + 1), np.nan)
        self.centre = np.full((T + 1, n, d + 1), np.nan)
        self.loss = np.full((T + 1, n), np.nan)
        self.residual = np.full((T + 1, n), np.nan)
        self.radius_t = np.full((T + 1, n), np.nan)
        self.iterations = np.zeros((T + 1, n), dtype=np.int64)
        self.proj_residual = np.zeros((T + 1, n))
        self.jumped = np.zeros((T + 1, n), dtype=bool)
        self.certified = np.ones((T + 1, n), dtype=bool)
        self.offset_solve = np.zeros((T + 1, n), dtype=bool)
        self.status = np.zeros(n, dtype=np.int64)
        self.stopped_at = np.full(n, -1, dtype=np.int64)

    def freeze(self, t: int, idx: np.ndarray, code: int) -> None:
        """Stop balls ``idx`` at step ``t``: they keep their state of step t-1 from now on."""
        self.status[idx] = code
        self.stopped_at[idx] = t


def _check_new(theta, loss, extra, lo_box, hi_box) -> np.ndarray:
    """Per ball: 0 ok, 1 diverged, 2 non-finite, 3 left the box."""
    code = np.zeros(theta.shape[0], dtype=np.int64)
    finite = np.all(np.isfinite(theta), axis=1) & np.isfinite(loss)
    for e in extra:
        finite &= np.all(np.isfinite(e.reshape(e.shape[0], -1)), axis=1)
    with np.errstate(invalid="ignore"):
        big = (np.max(np.abs(theta), axis=1) > DIVERGE_THETA) | (np.abs(loss) > DIVERGE_LOSS)
        code[big] = 1
        code[~finite] = 2
        if lo_box is not None:
            out = np.any((theta < lo_box) | (theta > hi_box), axis=1) & finite & ~big
            code[out] = 3
    return code


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.last = total, enabled and total > 0, -1

    def update(self, t: int) -> None:
        if not self.enabled:
            return
        pct = int(100 * t / self.total)
        if pct != self.last:
            self.last = pct
            bar = "#" * (pct // 4) + "." * (25 - pct // 4)
            sys.stderr.write(f"\r[{bar}] {pct:3d}% step {t}/{self.total}")
            if t == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


# ============================================================================ baselines
def _run_baseline(ctx, opt, x, steps, lr_at, radius_at, rec, lo_box, hi_box, progress) -> None:
    L, G = ctx.L, ctx.G
    f0 = L.f(ctx.inp(x))
    rec.theta[0], rec.loss[0] = x, f0
    rec.point[0] = np.concatenate([x, G.f(ctx.inp(x))[:, None]], axis=1)
    rec.centre[0] = rec.point[0]
    rec.radius_t[0] = radius_at(0)
    state = opt.init(x)
    active = np.arange(x.shape[0])
    bar = _Progress(steps, progress)
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
                fn = L.f(ctx.inp(xn))
            code = _check_new(xn, fn, [], lo_box, hi_box)
            good = code == 0
            ia = active[good]
            with np.errstate(all="ignore"):
                yn = G.f(ctx.inp(xn[good]))
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
def _project(ctx, cand: np.ndarray, warm: np.ndarray):
    from rollingball.numeric.projection import project

    return project(ctx.G, cand, method=ctx.projection, warm=warm, resolution=ctx.resolution,
                   gamma=ctx.gamma, steps=ctx.proj_steps, scale=1.0)


def _offset(ctx, x: np.ndarray, rho: np.ndarray):
    """The exact upper offset of the (scaled) graph at horizontal points ``x`` (n, d)."""
    from rollingball.numeric.offset import (
        upper_offset,  # the offset layer builds on the same window search
    )

    return upper_offset(ctx.G, ctx.inp(x), rho, resolution=ctx.offset_res, tie_tol=_TIE_TOL)


def _offset_resolution(G: Landscape, resolution: float | None) -> float:
    """The offset's sample spacing: ``resolution``, else the projection's default (a 16th of
    the shortest bump wavelength, capped at 0.05)."""
    if resolution is not None:
        return float(resolution)
    from rollingball.numeric.projection import SAMPLES_PER_WAVELENGTH
    from rollingball.symbolic.scales import feature_scale

    return float(min(0.05, feature_scale(G) / SAMPLES_PER_WAVELENGTH))


def _lift(ctx, theta: np.ndarray) -> np.ndarray:
    """(n, d) -> the graph points (theta, lambda f(theta)) (n, d+1)."""
    return np.concatenate([theta, ctx.G.f(ctx.inp(theta))[:, None]], axis=1)


def _normal(ctx, theta: np.ndarray) -> np.ndarray:
    return ctx.G.normal_at(ctx.inp(theta))


def _tangent(ctx, theta: np.ndarray) -> np.ndarray:
    return ctx.G.tangent_at(ctx.inp(theta))


def _as_theta(ctx, arr: np.ndarray) -> np.ndarray:
    """An offset result's contact ((n,) in 1-D, (n, d)) as (n, d)."""
    arr = np.asarray(arr, dtype=float)
    return arr[:, None] if ctx.d == 1 and arr.ndim == 1 else arr


def _exact_distance(ctx, pts: np.ndarray, warm: np.ndarray):
    """Distance from ``pts`` to the graph by the exact (global) projection, and its theta."""
    from rollingball.numeric.projection import project

    pr = project(ctx.G, pts, method="exact", warm=warm, resolution=ctx.resolution)
    return (np.asarray(pr.distance, dtype=float),
            np.asarray(pr.theta, dtype=float).reshape(pts.shape[0], ctx.d))


def _place_on_offset(ctx, cand: np.ndarray, rho: np.ndarray, warm: np.ndarray,
                     known: np.ndarray | None,
                     other: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The nearest point of Gamma_rho to each candidate, with its contact (Facts 1 and 2).

    ``warm``: the current footpoints' theta (n, d); ``known``: current centres on Gamma_rho
    (n, d+1), or None (then a known offset point is computed); ``other``: the current
    centres' second contacts (n, d), NaN where they touch once.  The result's ``other``
    is the new centres' second contacts.
    """
    d = ctx.d
    n = cand.shape[0]
    pr = _project(ctx, cand, warm)
    theta_p = np.asarray(pr.theta, dtype=float).reshape(n, d)
    p = np.asarray(pr.point, dtype=float).reshape(n, d + 1)
    c = p + rho[:, None] * _normal(ctx, theta_p)
    out = dict(theta=theta_p, point=p, centre=c, iterations=np.asarray(pr.iterations),
               residual=np.asarray(pr.residual, dtype=float), jumped=np.asarray(pr.jumped),
               certified=np.asarray(pr.certified), offset_solve=np.zeros(n, dtype=bool),
               other=np.full((n, _other_width(d)), np.nan))
    # Fact 2 by the exact projection of c': reachable iff no graph point is nearer than rho.
    # A candidate at distance >= rho above the graph needs no test: B(c', rho) lies in the
    # empty ball B(c~, d(c~)).
    delta = np.asarray(pr.distance, dtype=float)
    above = cand[:, d] >= p[:, d]
    need = (rho > 0) & np.all(np.isfinite(c), axis=1) & ~(above & (delta >= rho))
    ip = np.flatnonzero(need)
    if ip.size == 0:
        return out
    dist, intruder = _exact_distance(ctx, c[ip], theta_p[ip])
    tol = REACH_TOL * (1.0 + np.abs(c[ip, d]))
    bad = np.isfinite(dist) & (dist < rho[ip] - tol)
    iu = ip[bad]
    if iu.size == 0:
        return out
    seeds = [warm[iu], theta_p[iu], intruder[bad]]
    if other is not None:
        o = other[iu]
        seeds.append(np.where(np.isfinite(o), o, np.tile(warm[iu], o.shape[1] // d)))
    seeds = np.concatenate(seeds, axis=1)
    if d == 1:
        xs, value, contact, second = _nearest_on_offset_1d(
            ctx, cand[iu], rho[iu], None if known is None else known[iu], seeds, theta_p[iu])
        out["other"][iu] = second
    else:
        from rollingball.numeric.contacts import nearest_on_offset

        if known is None:
            # no point of Gamma_rho known (the first step, or a new radius): the ball is
            # dropped straight above its footpoint, (theta, f_rho(theta)), exact offset
            off = _offset(ctx, warm[iu], rho[iu])
            contact = _contacts(ctx, off, warm[iu])
            out["centre"][iu] = np.concatenate([warm[iu], np.asarray(off.value)[:, None]], 1)
            two = np.asarray(off.n_contacts) >= 2
            second = np.where(np.all(contact == np.asarray(off.contact), axis=1)[:, None],
                              np.asarray(off.contact2), np.asarray(off.contact))
            out["other"][iu, :d] = np.where(two[:, None], second, np.nan)
            iv = np.flatnonzero(~np.isfinite(np.asarray(off.value)))
        else:
            res = nearest_on_offset(ctx.G, cand[iu], rho[iu], known[iu],
                                    seeds.reshape(iu.size, -1, d), theta_p[iu],
                                    resolution=ctx.resolution, keep=_ND_OTHERS,
                                    on_offset=True)
            contact = res["contact"]
            out["centre"][iu] = res["centre"]
            out["other"][iu] = res["others"].reshape(iu.size, -1)
            iv = np.flatnonzero(~res["verified"])
        # a ball the contact solver could not verify: the slow, global Nelder-Mead decides
        if iv.size:
            warnings.warn(f"{iv.size} ball(s) fall back to the Nelder-Mead offset projection "
                          "(slow): the contact solver could not verify them", RuntimeWarning,
                          stacklevel=4)
            hint = warm[iu[iv]] if known is None else known[iu[iv], :d]
            xs, value, cv = _nearest_on_offset_nd(ctx, cand[iu[iv]], rho[iu[iv]], hint,
                                                  theta_p[iu[iv]])
            out["centre"][iu[iv]] = np.concatenate([xs, value[:, None]], axis=1)
            contact[iv] = cv
            out["other"][iu[iv]] = np.nan
    if d == 1:
        out["centre"][iu] = np.concatenate([xs, value[:, None]], axis=1)
    out["theta"][iu] = contact
    out["point"][iu] = _lift(ctx, contact)
    out["offset_solve"][iu] = True
    return out


def _other_width(d: int) -> int:
    """Columns of a ball's other contacts: one in 1-D, _ND_OTHERS points in d-D."""
    return 1 if d == 1 else _ND_OTHERS * d


def _contacts(ctx, off, ref: np.ndarray) -> np.ndarray:
    """Of the (one or two) contacts of each offset point, the one nearer ``ref`` (n, d)."""
    q1 = _as_theta(ctx, off.contact)
    q2 = _as_theta(ctx, off.contact2)
    two = np.asarray(off.n_contacts) >= 2
    d1 = np.linalg.norm(q1 - ref, axis=1)
    d2 = np.where(two, np.linalg.norm(np.where(np.isfinite(q2), q2, 0.0) - ref, axis=1), np.inf)
    return np.where((d2 < d1)[:, None], q2, q1)


def _branches(ctx, x, rho, q0, iters: int = 30):
    r"""Local maxima of :math:`F(q) = f(q) + \sqrt{\rho^2 - (q-x)^2}` near seeds ``q0``.

    1-D, vectorised over any shape.  With :math:`q = x + \rho\sin u` (as in
    :mod:`rollingball.numeric.offset`) :math:`h(u) = f(x + \rho\sin u) + \rho\cos u` is smooth on
    :math:`[-\pi/2, \pi/2]`; Newton ascent from the seed, each step capped to an eighth of the
    offset's sample spacing so it does not hop over a ripple.  Whatever it returns is a
    lower bound of :math:`f_\rho(x)` (a value of the sup's objective), exact at a converged
    local maximum.  Returns (value, contact q, slope f'(q)), each of the broadcast shape.
    """
    G = ctx.G
    x, rho, q0 = (np.array(v, dtype=float) for v in np.broadcast_arrays(x, rho, q0))
    shape = x.shape
    x, rho = x.ravel(), rho.ravel()
    u = np.arcsin(np.clip((q0.ravel() - x) / rho, -1.0, 1.0))
    cap = np.minimum(ctx.offset_res / rho, 0.5)
    active = np.flatnonzero(np.isfinite(u))
    for _ in range(iters):
        if active.size == 0:
            break
        ua, ra, xa = u[active], rho[active], x[active]
        sn, cs = np.sin(ua), np.cos(ua)
        _, g, h = G.value_grad_hess(xa + ra * sn)
        g, h = g[:, 0], h[:, 0, 0]
        d1 = ra * cs * g - ra * sn
        d2 = ra * ra * cs * cs * h - ra * sn * g - ra * cs
        with np.errstate(all="ignore"):
            step = np.where(d2 < 0, -d1 / d2, np.sign(d1) * cap[active])
        step = np.clip(np.where(np.isfinite(step), step, 0.0), -cap[active], cap[active])
        un = np.clip(ua + step, -np.pi / 2, np.pi / 2)
        moved = np.abs(un - ua)
        u[active] = un
        active = active[moved > 8 * np.finfo(float).eps * (1.0 + np.abs(un))]
    q = x + rho * np.sin(u)
    f, g = G.value_and_grad(q)
    return ((f + rho * np.cos(u)).reshape(shape), q.reshape(shape), g[..., 0].reshape(shape))


def _local_offset(ctx, x, rho, seeds, full: bool = False):
    """Max over the seed branches at x (n,), seeds (n, k): value, contact, slope at x-,
    slope at x+, index of the winning seed (and, if ``full``, every branch's contact and
    the tie mask)."""
    v, q, s = _branches(ctx, x[:, None], rho[:, None], seeds)
    best = np.max(v, axis=1)
    tie = v >= best[:, None] - _TIE_TOL * (1.0 + np.abs(best[:, None]))
    sm = np.min(np.where(tie, s, np.inf), axis=1)
    sp_ = np.max(np.where(tie, s, -np.inf), axis=1)
    j = np.argmax(v, axis=1)
    rows = np.arange(x.size)
    if full:
        return best, q[rows, j], sm, sp_, j, q, tie
    return best, q[rows, j], sm, sp_, j


def _nearest_on_offset_1d(ctx, cand, rho, known, seeds, ref, rounds: int = 4):
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
    if known is None:
        off = _offset(ctx, cand[:, :1], rho)
        R = np.abs(np.asarray(off.value, float) - b)
        hint = a.copy()
        seeds = np.concatenate([seeds, np.asarray(off.contact, float)[:, None]], axis=1)
    else:
        R = np.linalg.norm(cand - known, axis=1)
        hint = known[:, 0]
    R = np.where(np.isfinite(R), R, 0.0)
    x_out = np.full(n, np.nan)
    v_out = np.full(n, np.nan)
    c_out = np.full((n, 1), np.nan)
    c2_out = np.full((n, 1), np.nan)
    todo = np.arange(n)
    if known is not None:
        # a ball resting across a narrow valley: its centre sits at a kink of f_rho; it stays
        # there when the kink is a local minimiser of phi, phi'(x-) <= 0 <= phi'(x+)
        val, q, sm, sp_, _, qall, tall = _local_offset(ctx, hint, rho, seeds, full=True)
        u, r = hint - a, val - b
        rest = (u + r * sm <= 0) & (u + r * sp_ >= 0) & (sm < sp_)
        ir = np.flatnonzero(rest)
        if ir.size:
            dist, _ = _exact_distance(ctx, np.stack([hint[ir], val[ir]], axis=1), q[ir, None])
            ok = dist >= rho[ir] - REACH_TOL * (1.0 + np.abs(val[ir]))
            io = ir[ok]
            x_out[io], v_out[io] = hint[io], val[io]
            # of the two contacts, the one nearer the candidate's footpoint
            c_out[io], c2_out[io] = _two_contacts(qall[io], tall[io], ref[io])
            todo = np.setdiff1d(todo, io)
    if todo.size == 0:
        return x_out[:, None], v_out, c_out, c2_out
    # where the exact offset is cheap (few samples per scan point: small balls, where the
    # window is wide compared with the ball) scan it globally and seed from the contacts
    # of the best scan points
    K = 33
    cheap = todo[(K + 1) * 2 * rho[todo] / ctx.offset_res <= _GLOBAL_SCAN_SAMPLES]
    if cheap.size:
        grid = a[cheap, None] + R[cheap, None] * np.linspace(-1.0, 1.0, K)[None, :]
        grid = np.concatenate([grid, hint[cheap, None]], axis=1)
        m = grid.shape[1]
        off = _offset(ctx, grid.reshape(-1, 1), np.repeat(rho[cheap], m))
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
        xs, _ = _minimise_phi_local(ctx, a[todo], b[todo], R[todo], rho[todo], hint[todo],
                                    seeds[todo])
        val, q, _, _, _, qb, tie = _local_offset(ctx, xs, rho[todo], seeds[todo], full=True)
        x_out[todo], v_out[todo], c_out[todo, 0] = xs, val, q
        c_out[todo], c2_out[todo] = _two_contacts(qb, tie, ref[todo])
        centre = np.stack([xs, val], axis=1)
        dist, intr = _exact_distance(ctx, centre, q[:, None])
        cut = ~(dist >= rho[todo] - REACH_TOL * (1.0 + np.abs(val)))
        if not np.any(cut):
            todo = todo[:0]
            break
        extra = seeds[:, :1].copy()
        extra[todo[cut]] = intr[cut]
        seeds = np.concatenate([seeds, extra], axis=1)
        todo = todo[cut]
    if todo.size:  # the local branches missed a contact: the exact offset decides
        off = _offset(ctx, x_out[todo, None], rho[todo])
        v_out[todo] = np.asarray(off.value, float)
        c_out[todo] = _contacts(ctx, off, ref[todo])
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


def _minimise_phi_local(ctx, a, b, R, rho, hint, seeds, K: int = 33):
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
    h = np.clip(hint, a - R, a + R)
    xs = np.sort(np.concatenate([grid, h[:, None]], axis=1), axis=1)
    m = xs.shape[1]
    F, _, sm, sp_, jb = _local_offset(ctx, xs.ravel(), np.repeat(rho, m),
                                      np.repeat(seeds, m, axis=0))
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
                v, _, s = _branches(ctx, xk[:, None], rho[act, None], sk)
                with np.errstate(all="ignore"):
                    xk = xk - (v[:, 0] - v[:, 1]) / (s[:, 0] - s[:, 1])
            ok = np.isfinite(xk) & (xk > la[ik]) & (xk < ha[ik])
            trial[ik] = np.where(ok, xk, trial[ik])
        F, _, sm, sp_, jw = _local_offset(ctx, trial, rho[active], seeds[active])
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


def _nearest_on_offset_nd(ctx, cand, rho, hint, ref):
    """d >= 2: vectorised Nelder-Mead on phi(x) = |x - a|^2 + (f_rho(x) - b)^2.

    Started from the better of the current centre and a; stops at 1e-10 relative simplex
    size or :data:`ND_SIMPLEX_ITERATIONS` iterations (each costs three evaluations of the
    multi-start d-D offset, the dominant cost).  Returns (x (n, d), f_rho(x) (n,),
    contact (n, d)).
    """
    d = ctx.d
    a, b = cand[:, :d], cand[:, d]
    n = a.shape[0]

    def phi(x):  # x (n, k, d)
        k = x.shape[1]
        o = _offset(ctx, x.reshape(-1, d), np.repeat(rho, k))
        F = np.asarray(o.value, dtype=float).reshape(n, k)
        v = np.sum((x - a[:, None, :]) ** 2, axis=-1) + (F - b[:, None]) ** 2
        return np.where(np.isfinite(v), v, np.inf)

    start = np.stack([hint, a], axis=1)
    v0 = phi(start)
    x0 = start[np.arange(n), np.argmin(v0, axis=1)]
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
            fv[shrink] = phi_subset(phi, s, shrink, n, d)
    xbest = simplex[rows, np.argmin(fv, axis=1)]
    o = _offset(ctx, xbest, rho)
    return xbest, np.asarray(o.value, dtype=float), _contacts(ctx, o, ref)


def phi_subset(phi, s, mask, n, d):
    """phi on the simplices of the balls ``mask`` (padding the others with copies)."""
    full = np.zeros((n,) + s.shape[1:])
    full[mask] = s
    full[~mask] = s[:1] if s.shape[0] else 0.0
    return phi(full)[mask]


def _run_rbo(ctx, method, x, steps, lr_at, radius_at, rec, lo_box, hi_box, progress) -> None:
    L, d = ctx.L, ctx.d
    n = x.shape[0]
    rho = radius_at(0)
    rec.radius_t[0] = rho
    p = _lift(ctx, x)
    if method == "rbo":
        z = p + rho[:, None] * _normal(ctx, x)
        pl = _place_on_offset(ctx, z, rho, warm=x, known=None)
        theta, p, c = pl["theta"], pl["point"], pl["centre"]
        rec.offset_solve[0] = pl["offset_solve"]
        other = pl["other"]
    else:
        theta = x.copy()
        c = p + rho[:, None] * _normal(ctx, theta)
        other = np.full((n, _other_width(d)), np.nan)
    rec.theta[0], rec.point[0], rec.centre[0] = theta, p, c
    rec.loss[0] = L.f(ctx.inp(theta))
    active = np.arange(n)
    bar = _Progress(steps, progress)
    for t in range(steps):
        rho_next = radius_at(t + 1)
        rec.radius_t[t + 1] = rho_next
        for arr in (rec.theta, rec.point, rec.centre, rec.loss):
            arr[t + 1] = arr[t]
        if active.size:
            ia = active
            eta = lr_at(t)[ia]
            th, pt, ce = rec.theta[t, ia], rec.point[t, ia], rec.centre[t, ia]
            with np.errstate(all="ignore"):
                tau = _tangent(ctx, th)
                if method == "rbo":
                    cand = ce - eta[:, None] * tau
                    # the current centre is on Gamma_rho only while the radius is unchanged
                    same = np.all(rho_next[ia] == rec.radius_t[t, ia])
                    out = _place_on_offset(ctx, cand, rho_next[ia], warm=th,
                                           known=ce if same else None, other=other[ia])
                    th_n, pt_n, ce_n = out["theta"], out["point"], out["centre"]
                elif method == "alg1":
                    cand = ce - eta[:, None] * tau
                    out = _as_dict(_project(ctx, cand, th), ia.size, d)
                    th_n, pt_n = out["theta"], out["point"]
                    ce_n = pt_n + rho_next[ia, None] * _normal(ctx, th_n)
                else:  # tangent (Section 3.2)
                    delta = -eta[:, None] * tau
                    u = ce - pt
                    un = np.sum(u * u, axis=1, keepdims=True)
                    delta = delta - np.sum(u * delta, axis=1, keepdims=True) / un * u
                    ce_n = ce + delta
                    out = _as_dict(_project(ctx, ce_n, th), ia.size, d)
                    th_n, pt_n = out["theta"], out["point"]
                fl = L.f(ctx.inp(th_n))
            code = _check_new(th_n, fl, [pt_n, ce_n], lo_box, hi_box)
            good = code == 0
            ig = ia[good]
            rec.theta[t + 1, ig], rec.point[t + 1, ig] = th_n[good], pt_n[good]
            rec.centre[t + 1, ig], rec.loss[t + 1, ig] = ce_n[good], fl[good]
            rec.iterations[t + 1, ia] = out["iterations"]
            rec.proj_residual[t + 1, ia] = out["residual"]
            rec.jumped[t + 1, ia] = out["jumped"]
            rec.certified[t + 1, ia] = out["certified"]
            rec.offset_solve[t + 1, ia] = out.get("offset_solve", False)
            if "other" in out:
                other[ig] = out["other"][good]
            bad = ia[~good]
            for k in (1, 2, 3):
                rec.freeze(t + 1, bad[code[~good] == k], k)
            active = ig
        bar.update(t + 1)


def _as_dict(pr, n: int, d: int) -> dict[str, np.ndarray]:
    return dict(theta=np.asarray(pr.theta, dtype=float).reshape(n, d),
                point=np.asarray(pr.point, dtype=float).reshape(n, d + 1),
                iterations=np.asarray(pr.iterations), residual=np.asarray(pr.residual),
                jumped=np.asarray(pr.jumped), certified=np.asarray(pr.certified))


def _invariant_residual(ctx, centre: np.ndarray, radius_t: np.ndarray,
                        theta: np.ndarray) -> np.ndarray:
    """|d_Gamma(c) - rho| for every recorded centre, by the independent global distance
    (:func:`rollingball.numeric.distance.distance_to_graph`; the footpoints only narrow its window)."""
    from rollingball.numeric.distance import distance_to_graph

    T1, n, d1 = centre.shape
    flat = centre.reshape(-1, d1)
    # frozen balls repeat their rows: evaluate each distinct centre once
    uniq, first, inv = np.unique(flat, axis=0, return_index=True, return_inverse=True)
    hint = theta.reshape(-1, d1 - 1)[first]
    ok = np.all(np.isfinite(uniq), axis=1) & np.all(np.isfinite(hint), axis=1)
    dist = np.full(uniq.shape[0], np.nan)
    if np.any(ok):
        dist[ok] = distance_to_graph(ctx.G, uniq[ok], hint=hint[ok]).distance
    return np.abs(dist[np.ravel(inv)].reshape(T1, n) - radius_t)
