r"""The grid of a sweep: methods, radius schedules, starts, and the per-ball work of one batch.

A sweep is the product grid

.. math::  \text{method} \times \text{schedule} \times \rho \times \eta,

each *cell* run from the same :math:`M` starts (a paired design: every cell sees the same
balls, so differences between cells are not sampling noise of the starts).  A cell's balls are
cut into *batches* of at most ``batch`` balls, and one batch is one call of
:func:`rollingball.roll` (vectorised over its balls): the unit of work sent to a worker.

Radius schedules of the step index :math:`t = 0..T` (``rho`` is :math:`\rho_{\max}` for the
decaying ones; all reach 0 at :math:`t = T`):

=============  ===========================================================
``constant``   :math:`\rho_t = \rho`
``linear``     :math:`\rho_t = \rho\,(1 - t/T)`
``cosine``     :math:`\rho_t = \tfrac{\rho}{2}\,(1 + \cos(\pi t / T))`
``step``       :math:`\rho_t = \rho` for :math:`t < T/2`, then 0
=============  ===========================================================
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from rollingball.engine.baselines import BASELINES
from rollingball.engine.loop import roll
from rollingball.engine.result import Status
from rollingball.paper.figures import descend_to, global_minimiser
from rollingball.symbolic.landscape import Landscape

__all__ = ["SCHEDULES", "METHOD_NAMES", "SAMPLES", "RadiusSchedule", "parse_method",
           "sample_starts", "basin_minimiser", "in_basin", "run_batch", "STATUS_CODES"]

#: Radius schedules (see the module docstring).
SCHEDULES = ("constant", "linear", "cosine", "step")
#: Method names a sweep accepts: ``alg1`` takes a projection after a slash.
METHOD_NAMES = ("rbo", "alg1", "alg1/exact", "alg1/newton", "alg1/paper", "tangent", *BASELINES)
#: Projections onto the graph of the RBO methods (``rollingball.roll``'s string shortcuts).
PROJECTIONS = ("exact", "newton", "paper")
#: Ways to draw the starts.
SAMPLES = ("sobol", "random")
#: Status codes in the order of the ``status`` coordinate.
STATUS_CODES = tuple(s.code for s in Status)
#: Steps of one piece of the basin descent between convergence checks.
_BASIN_PIECE = 250
#: A ball of the basin descent whose step lr |grad f| is below this has converged.
_BASIN_STILL = 1e-12


@dataclass(frozen=True)
class RadiusSchedule:
    r"""A picklable radius schedule ``t -> rho_t`` (see the module docstring for the forms).

    >>> s = RadiusSchedule("cosine", 2.0, 10)
    >>> s(0), s(5), s(10)
    (2.0, 1.0, 0.0)
    """

    name: str
    rho: float
    steps: int

    def __post_init__(self) -> None:
        if self.name not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.name!r}; choose one of "
                             f"{', '.join(SCHEDULES)}")

    def __call__(self, t: int) -> float:
        T = max(int(self.steps), 1)
        s = min(max(t / T, 0.0), 1.0)
        if self.name == "constant":
            return float(self.rho)
        if self.name == "linear":
            return float(self.rho * (1.0 - s))
        if self.name == "cosine":
            return float(0.0 if s >= 1.0 else self.rho * 0.5 * (1.0 + math.cos(math.pi * s)))
        return float(self.rho if t < T / 2 else 0.0)


def parse_method(name: str) -> tuple[str, str]:
    """``"alg1/paper"`` -> ``("alg1", "paper")``; ``"rbo"`` -> ``("rbo", "exact")``.

    >>> parse_method("alg1/newton"), parse_method("gd")
    (('alg1', 'newton'), ('gd', 'exact'))
    """
    method, _, projection = str(name).partition("/")
    projection = projection or "exact"
    if method not in ("rbo", "alg1", "tangent", *BASELINES) or projection not in PROJECTIONS \
            or (projection != "exact" and method in BASELINES):
        raise ValueError(f"unknown sweep method {name!r}; choose from "
                         f"{', '.join(METHOD_NAMES)}")
    return method, projection


def sample_starts(n: int, domain, *, sample: str = "sobol", seed: int = 0) -> np.ndarray:
    r"""``n`` starts in the box ``domain`` (d pairs ``(lo, hi)``), reproducible from ``seed``.

    ``"sobol"``: a scrambled Sobol sequence (:class:`scipy.stats.qmc.Sobol`, Owen scrambling
    seeded by ``seed``), :math:`x = lo + u\,(hi - lo)`; ``"random"``: i.i.d. uniform from
    ``numpy.random.default_rng(seed)``.

    >>> sample_starts(4, [(0.0, 1.0)], seed=1).shape
    (4, 1)
    """
    if sample not in SAMPLES:
        raise ValueError(f"unknown sample {sample!r}; choose one of {', '.join(SAMPLES)}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"the number of starts must be a positive integer, got {n!r}")
    box = np.asarray(domain, dtype=float).reshape(-1, 2)
    if not np.all(np.isfinite(box)) or np.any(box[:, 1] <= box[:, 0]):
        raise ValueError(f"the domain must be finite pairs lo < hi, got {box.tolist()}")
    d = box.shape[0]
    if sample == "sobol":
        # the first n points of the first 2^m: the same points as .random(n), without its
        # "balance properties" warning for n not a power of 2 (a warnings filter would not
        # do: it is not thread-safe, and the study samples from several threads)
        m = max(0, int(n - 1).bit_length())
        u = qmc.Sobol(d, scramble=True, seed=int(seed)).random_base2(m)[: int(n)]
    else:
        u = np.random.default_rng(int(seed)).uniform(size=(int(n), d))
    return box[:, 0] + u * (box[:, 1] - box[:, 0])


def basin_minimiser(L: Landscape) -> np.ndarray:
    r"""The global minimiser the basin test aims at.

    2-D: :func:`rollingball.paper.figures.global_minimiser` (grid of the domain, then Newton
    from the 20 best points: the reproduction report's).  1-D: the best of 200 001 grid
    points of the domain, polished by 30 Newton steps (gradient steps where
    :math:`f'' \le 0`).  d >= 3: pass ``minimiser=`` to the sweep.
    """
    if L.dim == 2:
        return np.asarray(global_minimiser(L)[0], dtype=float)
    if L.dim != 1:
        raise ValueError(f"the basin test of a {L.dim}-D loss needs its global minimiser: "
                         "pass minimiser=")
    (lo, hi), = L.domain
    g = np.linspace(lo, hi, 200_001)[:, None]
    x = g[int(np.nanargmin(L.f(g)))][None, :].copy()
    for _ in range(30):
        _, gr, h = L.value_grad_hess(x)
        h = np.asarray(h, dtype=float).reshape(1, 1)
        gr = np.asarray(gr, dtype=float).reshape(1, 1)
        x = x - (gr / h if h[0, 0] > 0 else 1e-3 * gr)
    return x[0]


def in_basin(L: Landscape, x: np.ndarray, minimiser, *, tol: float = 0.05, lr: float = 2e-3,
             steps: int = 5000) -> np.ndarray:
    r"""The reproduction report's basin test: gradient descent from ``x`` ``(N, d)``
    (:func:`rollingball.paper.figures.descend_to`, step ``lr``, ``steps`` steps) ends within
    ``tol`` of ``minimiser``: :math:`|\mathrm{GD}^{T}(x) - \theta^*| \le \mathrm{tol}`.

    The descent runs in pieces of 250 steps; a point whose step :math:`\eta|\nabla f|` fell
    below :math:`10^{-12}` has converged and is not descended further (the test then reads
    its position; this saves most of the cost on balls that already rest in a well).
    """
    x = np.array(x, dtype=float).reshape(len(x), -1)
    active = np.ones(x.shape[0], dtype=bool)
    left = int(steps)
    while left > 0 and active.any():
        k = min(_BASIN_PIECE, left)
        x[active] = descend_to(L, x[active], lr=lr, steps=k)
        left -= k
        g = np.asarray(L.value_and_grad(x[active])[1], dtype=float).reshape(-1, x.shape[1])
        still = lr * np.linalg.norm(g, axis=-1) < _BASIN_STILL
        idx = np.flatnonzero(active)
        active[idx[still | ~np.all(np.isfinite(x[idx]), axis=-1)]] = False
    ok = np.all(np.isfinite(x), axis=-1)
    dist = np.linalg.norm(x - np.asarray(minimiser, dtype=float), axis=-1)
    return ok & (dist <= tol)


_LANDSCAPES: dict = {}


def _landscape(loss, variables) -> Landscape:
    """The loss of a task, built once per process (a worker compiles it once)."""
    if isinstance(loss, Landscape):
        return loss
    key = (loss, None if variables is None else tuple(variables))
    if key not in _LANDSCAPES:
        _LANDSCAPES[key] = Landscape(loss, None if variables is None else list(variables))
    return _LANDSCAPES[key]


def run_batch(task: dict) -> dict:
    r"""Run one batch of balls of one cell and return its per-ball summaries.

    ``task`` holds ``loss`` (a string, or a :class:`Landscape`), ``variables``, ``method``,
    ``schedule``, ``radius``, ``lr``, ``steps``, ``x0`` ``(B, d)``, ``minimiser``,
    ``basin_tol``, ``basin_lr``, ``basin_steps``, ``residual_every``, ``trajectories`` and
    ``options`` (extra keyword arguments of :func:`rollingball.roll`).

    Per ball: ``final_loss`` :math:`f(\theta_T)`; ``basin_centre`` / ``basin_footpoint``
    (:func:`in_basin` of the centre's horizontal position and of the footpoint
    :math:`\theta_T`); ``travel`` :math:`\sum_t |c_{t+1} - c_t|` (horizontal path length of the
    centre); ``displacement`` :math:`|c_T - c_0|` (horizontal); ``residual_max``
    :math:`\max_t |d_\Gamma(c_t) - \rho_t|`; ``jumps`` (steps whose footpoint jumped);
    ``resting_on_two``; ``status`` (index into :data:`STATUS_CODES`); and, with
    ``trajectories``, the centres ``(T+1, B, d+1)`` and iterates ``(T+1, B, d)``.
    """
    started = time.perf_counter()
    L = _landscape(task["loss"], task.get("variables"))
    d = L.dim
    method, projection = parse_method(task["method"])
    steps = int(task["steps"])
    x0 = np.asarray(task["x0"], dtype=float).reshape(-1, d)
    radius = RadiusSchedule(task["schedule"], float(task["radius"]), steps)
    if task["schedule"] == "constant":
        radius = float(task["radius"])
    kw = {} if method in BASELINES else dict(projection=projection)
    options = dict(task.get("options", {}))
    if method in BASELINES:  # stopping at rest is a ball method's option (a sweep's, for all)
        options.pop("rest_tol", None)
        options.pop("rest_steps", None)
    res = roll(L, x0, method=method, radius=radius, lr=float(task["lr"]), steps=steps, **kw,
               residual_every=int(task.get("residual_every", 1)), **options)
    centre = np.asarray(res.centre, dtype=float)
    theta = np.asarray(res.theta, dtype=float)
    ch = centre[:, :, :d]
    finals_c, finals_p = ch[-1], theta[-1]
    same = method in BASELINES
    pts = finals_p if same else np.concatenate([finals_c, finals_p])
    flags = in_basin(L, pts, task["minimiser"], tol=float(task["basin_tol"]),
                     lr=float(task["basin_lr"]), steps=int(task["basin_steps"]))
    b = x0.shape[0]
    basin_c, basin_p = (flags, flags) if same else (flags[:b], flags[b:])
    residual = np.asarray(res.residual, dtype=float)
    finite = np.isfinite(residual)
    out = dict(
        final_loss=np.asarray(res.loss, dtype=float)[-1],
        basin_centre=np.asarray(basin_c, dtype=bool),
        basin_footpoint=np.asarray(basin_p, dtype=bool),
        travel=np.linalg.norm(np.diff(ch, axis=0), axis=-1).sum(axis=0),
        displacement=np.linalg.norm(ch[-1] - ch[0], axis=-1),
        residual_max=np.where(finite.any(axis=0),
                              np.max(np.where(finite, residual, -np.inf), axis=0), np.nan),
        jumps=np.asarray(res.jumped, dtype=bool)[1:].sum(axis=0).astype(np.int64),
        resting_on_two=np.asarray(res.resting_on_two, dtype=bool),
        status=np.array([STATUS_CODES.index(str(s)) for s in np.atleast_1d(res.status)],
                        dtype=np.int8),
    )
    if task.get("trajectories"):
        out["centre"] = centre
        out["theta"] = theta
    out["wall_time"] = time.perf_counter() - started
    return out
