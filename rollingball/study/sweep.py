r"""Sweeps of the radius (and learning rate, method, schedule) over many starts, on Dask.

:func:`sweep` runs every cell of the grid ``method x schedule x radius x lr`` (see
:mod:`rollingball.study.grid`) from the same starts and stores, per cell, the statistics a
study needs as an :class:`xarray.Dataset` in a Zarr store chunked by cell:

* ``basin_centre_count`` / ``basin_footpoint_count`` :math:`k` of :math:`n` balls reaching
  the global basin (the reproduction report's test, by centre and by footpoint), the
  fractions :math:`k/n` and their Wilson intervals ``*_ci`` (:mod:`rollingball.study.stats`);
* ``final_loss_mean`` and ``final_loss_quantiles`` (5, 25, 50, 75, 95 %) of :math:`f(\theta_T)`;
* ``travel_mean`` (horizontal path length of the centre), ``displacement_mean``
  (:math:`|c_T - c_0|`, the report's "mean travel"), ``residual_max``
  (:math:`\max |d_\Gamma(c_t) - \rho_t|` over balls and steps), ``jumps_total``,
  ``jumps_mean``, ``resting_on_two``, ``status_count`` (per :class:`~rollingball.Status`);
* per ball ``final_loss``, ``basin_centre``, ``basin_footpoint``, ``ball_status`` (an
  index into the ``status`` coordinate); optionally the
  trajectories ``centre`` and ``theta`` (``trajectories=True``);
* ``seed`` (the seed of the starts: every cell is rerun by :func:`rerun_cell`), ``done``,
  ``wall_time``, and where each cell's numbers come from: ``cell_commit`` and
  ``cell_created`` (:func:`provenance` when the cell was written; a cell appended by a later
  run of a resumed sweep records that run's commit, ``""`` for a cell not yet stored);
* attributes: ``spec``, ``estimate`` (the cost estimate below, JSON), and where the numbers
  come from when the store was created: ``rollingball`` (version), ``commit`` (git,
  ``+dirty`` for a modified tree) and ``created`` (:func:`provenance`).

Cells are appended as they finish (the ``done`` flag of a cell is written after its values),
so an interrupted sweep resumes where it stopped: cells already stored are skipped.  The
baselines ignore the radius, so a baseline cell is computed once per learning rate and
stored at every (schedule, radius).

Execution: ``scheduler="serial"`` (in process, no Dask); ``"threads"``, ``"processes"``
or ``"sync"`` (Dask's local schedulers, in waves of ``workers`` tasks); ``None`` (default) an
embedded ``distributed.LocalCluster`` using every core; an address ``"tcp://HOST:PORT"`` (or
``client=`` a :class:`distributed.Client`) an existing cluster.  One task is one batch of up
to ``batch`` balls of one cell (:func:`rollingball.study.grid.run_batch`), never one ball;
batches are fixed by the grid, not by the workers, so every scheduler gives bit-identical
numbers (``wall_time`` apart).

Before running, the cost is estimated (:func:`estimate`): ball-steps x a measured cost per
ball-step (a probe of a few balls and steps per method), plus the basin descents, and the
memory of the trajectories; a sweep over ``budget`` core-seconds or ``memory_budget`` bytes
is refused with a one-line ``ValueError``.

Length: about 700 lines, kept whole on purpose: its four sections (the grid's tasks, the
budget, the Zarr store, the execution) are the four stages of the one pipeline of
:func:`sweep`, each used once by it and by :func:`rerun_cell`, and they share the store's
layout (the cell dimensions, the template) that a split would have to pass around.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rollingball.engine.baselines import BASELINES
from rollingball.paper.figures import descend_to
from rollingball.study.grid import (
    SCHEDULES,
    STATUS_CODES,
    RadiusSchedule,
    basin_minimiser,
    parse_method,
    run_batch,
    sample_starts,
)
from rollingball.study.stats import binomial_ci
from rollingball.symbolic.landscape import Landscape

__all__ = ["SweepSpec", "sweep", "estimate", "estimate_json", "provenance", "open_sweep",
           "rerun_cell", "QUANTILES",
           "DEFAULT_BUDGET", "DEFAULT_MEMORY_BUDGET", "CELL_DIMS"]

#: Quantiles of the final loss stored per cell.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Default compute budget of a sweep: core-seconds (one core-hour).
DEFAULT_BUDGET = 3600.0
#: Default memory budget: bytes of stored trajectories, and of one task's run (4 GiB).
DEFAULT_MEMORY_BUDGET = 4 * 2**30
#: The dimensions of a cell, in order.
CELL_DIMS = ("method", "schedule", "radius", "lr")
#: per-cell provenance: variable -> (the :func:`provenance` key, fixed-width string type:
#: 40 hex digits and "+dirty"; "2026-12-03T15:00:00Z")
CELL_STAMP = {"cell_commit": ("commit", "<U48"), "cell_created": ("created", "<U20")}
#: Bytes per ball-step of one roll's recorded arrays (theta, point, centre and 10 per-step
#: diagnostics, d = 2), an upper bound used by the memory estimate.
_ROLL_BYTES_PER_BALL_STEP = 8 * 20


@dataclass
class SweepSpec:
    """Everything that defines a sweep's numbers (stored as the ``spec`` attribute)."""

    loss: str
    variables: list | None
    methods: list
    schedules: list
    radii: list
    lrs: list
    steps: int
    n_starts: int
    sample: str
    domain: list
    seed: int
    batch: int
    minimiser: list
    basin_tol: float = 0.05
    basin_lr: float = 2e-3
    basin_steps: int = 5000
    residual_every: int = 10
    trajectories: bool = False
    options: dict = field(default_factory=dict)
    starts_file: str | None = None
    starts_digest: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (len(self.methods), len(self.schedules), len(self.radii), len(self.lrs))


# ----------------------------------------------------------------------------- the grid
def _groups(spec: SweepSpec) -> list[dict]:
    """The units of computation: one per distinct run (a baseline ignores the radius, so
    one group holds every (schedule, radius) cell of a baseline and learning rate)."""
    groups = []
    for i, m in enumerate(spec.methods):
        base = parse_method(m)[0] in BASELINES
        for li, lr in enumerate(spec.lrs):
            if base:
                cells = [(i, si, ri, li) for si in range(len(spec.schedules))
                         for ri in range(len(spec.radii))]
                groups.append(dict(method=m, schedule="constant", radius=0.0, lr=lr,
                                   cells=cells))
                continue
            for si, s in enumerate(spec.schedules):
                for ri, r in enumerate(spec.radii):
                    groups.append(dict(method=m, schedule=s, radius=r, lr=lr,
                                       cells=[(i, si, ri, li)]))
    return groups


def _batches(n: int, batch: int) -> list[slice]:
    return [slice(a, min(a + batch, n)) for a in range(0, n, batch)]


def _task(spec: SweepSpec, loss, group: dict, starts: np.ndarray, sl: slice) -> dict:
    return dict(loss=loss, variables=spec.variables, method=group["method"],
                schedule=group["schedule"], radius=group["radius"], lr=group["lr"],
                steps=spec.steps, x0=starts[sl], minimiser=spec.minimiser,
                basin_tol=spec.basin_tol, basin_lr=spec.basin_lr, basin_steps=spec.basin_steps,
                residual_every=spec.residual_every, trajectories=spec.trajectories,
                options=spec.options)


# --------------------------------------------------------------------------- the budget
def estimate(spec: SweepSpec, loss=None, starts: np.ndarray | None = None, *,
             probe_balls: int = 32, probe_steps: int = 3, workers: int = 1,
             cost_per_ball_step: dict | None = None) -> dict:
    r"""The cost of a sweep before it runs.

    .. math::

        \text{core-seconds} \approx \sum_{\text{groups}} M\,T\,c_{\text{method}}
        + \sum_{\text{groups}} k\,M\,T_{\text{basin}}\,c_{\text{gd}},

    with :math:`M` starts, :math:`T` steps, :math:`c` the measured seconds per ball-step
    (a probe of ``probe_balls`` balls x ``probe_steps`` steps per method at the largest
    radius, after one untimed warm-up step), and :math:`k = 2` basin descents per ball
    (centre and footpoint; 1 for a baseline) of :math:`T_{\text{basin}}` gradient steps (an
    upper bound: converged balls stop early).  The estimate is an upper bound: the first
    steps from cold starts are the dearest, balls at rest stop early, and the probe runs
    at the largest radius.  The probe's batch matters: the engine's per-step overhead is
    shared by a batch, so a probe of 4 balls overstated the per-ball-step cost of Fig. 4's
    RBO by about 2x against one of 32 (68 vs 31 ms; a 250-ball task of 300 steps measured
    3-13 ms).  Memory: the stored trajectories,
    :math:`\text{cells}\,M\,(T+1)\,(2d+1)\cdot 8` bytes, and one task's roll,
    ``batch`` x :math:`(T+1)` x 160 bytes.

    Returns:
        a dict with ``ball_steps``, ``cost_per_ball_step`` (per method), ``basin_seconds``,
        ``core_seconds``, ``wall_seconds`` (on ``workers`` workers, perfect balance),
        ``trajectory_bytes``, ``task_bytes``.
    """
    L = Landscape(spec.loss, spec.variables) if loss is None or isinstance(loss, str) else loss
    d = L.dim
    groups = _groups(spec)
    M, T = spec.n_starts, spec.steps
    if starts is None:
        starts = _starts(spec)
    costs = dict(cost_per_ball_step or {})
    b = min(probe_balls, M)
    probe_t = max(1, min(probe_steps, T))
    rmax = float(max(spec.radii))

    def timed(method: str, schedule: str, steps: int) -> float:
        task = _task(spec, L, dict(method=method, schedule=schedule, radius=rmax,
                                   lr=float(spec.lrs[0])), starts, slice(0, b))
        task.update(steps=steps, basin_steps=0, trajectories=False, residual_every=steps or 1)
        t0 = time.perf_counter()
        run_batch(task)
        return time.perf_counter() - t0

    for g in groups:
        key = _cost_key(g)
        if key in costs:
            continue
        timed(g["method"], g["schedule"], 1)  # warm-up: caches, lattices, compilation
        costs[key] = timed(g["method"], g["schedule"], probe_t) / (b * probe_t)
    if "basin" not in costs:
        x = np.asarray(starts[:b], dtype=float)
        descend_to(L, x, steps=2)
        t0 = time.perf_counter()
        descend_to(L, x, steps=20)
        costs["basin"] = (time.perf_counter() - t0) / (b * 20)
    run_s = sum(M * T * costs[_cost_key(g)] for g in groups)
    basin_s = sum(M * spec.basin_steps * costs["basin"]
                  * (1 if parse_method(g["method"])[0] in BASELINES else 2) for g in groups)
    cells = math.prod(spec.shape)
    traj = cells * M * (T + 1) * (2 * d + 1) * 8.0 if spec.trajectories else 0.0
    tasks = len(groups) * len(_batches(M, spec.batch))
    core = run_s + basin_s
    return dict(ball_steps=float(len(groups) * M * T), cost_per_ball_step=costs,
                run_seconds=run_s, basin_seconds=basin_s, core_seconds=core,
                wall_seconds=core / max(1, min(workers, tasks)), tasks=tasks, cells=cells,
                groups=len(groups), trajectory_bytes=traj,
                task_bytes=float(min(spec.batch, M) * (T + 1) * _ROLL_BYTES_PER_BALL_STEP))


def _cost_key(group: dict) -> str:
    method = group["method"]
    return method if group["schedule"] == "constant" else f"{method}+{group['schedule']}"


def _human_seconds(s: float) -> str:
    if s < 120:
        return f"{s:.3g} s"
    if s < 7200:
        return f"{s / 60:.3g} min"
    if s < 2 * 86400:
        return f"{s / 3600:.3g} h"
    return f"{s / 86400:.3g} days"


def _check_budget(est: dict, budget: float, memory_budget: float) -> None:
    if not (est["core_seconds"] <= budget):
        worst = max((v, k) for k, v in est["cost_per_ball_step"].items())
        raise ValueError(
            f"the sweep needs up to about {_human_seconds(est['core_seconds'])} of compute "
            f"({est['ball_steps']:.3g} ball-steps, up to {worst[0] * 1e3:.3g} ms per ball-step "
            f"for {worst[1]}, plus {_human_seconds(est['basin_seconds'])} of basin tests), over "
            f"the budget of {_human_seconds(budget)}; raise it with --budget SECONDS "
            "(Python: budget=)")
    big = max(est["trajectory_bytes"], est["task_bytes"])
    if not (big <= memory_budget):
        what = "trajectories" if est["trajectory_bytes"] >= est["task_bytes"] else "one task"
        raise ValueError(f"the sweep's {what} need about {big / 2**30:.3g} GiB, over the memory "
                         f"budget of {memory_budget / 2**30:.3g} GiB; raise it with "
                         "--memory-budget GIB (Python: memory_budget=), or use a smaller --batch")


# -------------------------------------------------------------------------- the storage
def _starts(spec: SweepSpec) -> np.ndarray:
    if spec.starts_file:
        return _load_starts(spec.starts_file, len(spec.domain))
    return sample_starts(spec.n_starts, spec.domain, sample=spec.sample, seed=spec.seed)


def _load_starts(path: str, d: int) -> np.ndarray:
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"starts file {path!r} does not exist")
    x = np.load(p) if p.suffix == ".npy" else np.loadtxt(p, delimiter="," if p.suffix == ".csv"
                                                        else None, ndmin=2)
    x = np.asarray(x, dtype=float)
    if x.ndim == 1 and d == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != d or x.shape[0] == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"starts file {path!r} must hold finite rows of {d} coordinates")
    return x


def _template(spec: SweepSpec, starts: np.ndarray, dim_names: list[str]):
    """The whole dataset, lazily (dask arrays: nothing but metadata is written)."""
    import dask.array as da  # deferred: optional dependency (the study extra)
    import xarray as xr  # deferred: optional dependency (the study extra)

    C = spec.shape
    M, T, d = spec.n_starts, spec.steps, len(dim_names)
    one = (1, 1, 1, 1)

    def var(extra: tuple, dims: tuple, dtype, fill):
        return (CELL_DIMS + dims, da.full(C + extra, fill, dtype=dtype, chunks=one + extra))

    data = dict(
        done=var((), (), bool, False),
        seed=var((), (), np.int64, -1),
        n=var((), (), np.int64, 0),
        wall_time=var((), (), float, np.nan),
        final_loss=var((M,), ("start",), float, np.nan),
        basin_centre=var((M,), ("start",), bool, False),
        basin_footpoint=var((M,), ("start",), bool, False),
        ball_status=var((M,), ("start",), np.int8, -1),
        final_loss_mean=var((), (), float, np.nan),
        final_loss_quantiles=var((len(QUANTILES),), ("quantile",), float, np.nan),
        travel_mean=var((), (), float, np.nan),
        displacement_mean=var((), (), float, np.nan),
        residual_max=var((), (), float, np.nan),
        jumps_total=var((), (), np.int64, 0),
        jumps_mean=var((), (), float, np.nan),
        resting_on_two=var((), (), np.int64, 0),
        status_count=var((len(STATUS_CODES),), ("status",), np.int64, 0),
        **{k: var((), (), dt, "") for k, (_, dt) in CELL_STAMP.items()},
    )
    for by in ("centre", "footpoint"):
        data[f"basin_{by}_count"] = var((), (), np.int64, 0)
        data[f"basin_{by}_fraction"] = var((), (), float, np.nan)
        data[f"basin_{by}_ci"] = var((2,), ("bound",), float, np.nan)
    if spec.trajectories:
        data["centre"] = var((T + 1, M, d + 1), ("step", "start", "axis"), float, np.nan)
        data["theta"] = var((T + 1, M, d), ("step", "start", "dim"), float, np.nan)
    data["starts"] = (("start", "dim"), starts)
    coords = dict(method=np.array(spec.methods, dtype=str),
                  schedule=np.array(spec.schedules, dtype=str),
                  radius=np.array(spec.radii, dtype=float), lr=np.array(spec.lrs, dtype=float),
                  start=np.arange(M), dim=np.array(dim_names, dtype=str),
                  quantile=np.array(QUANTILES), status=np.array(STATUS_CODES, dtype=str),
                  bound=np.array(["lo", "hi"]))
    if spec.trajectories:
        coords.update(step=np.arange(T + 1), axis=np.array([*dim_names, "f"], dtype=str))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(spec=spec.to_json(), title=f"rollingball sweep of {spec.loss}",
                    ci="Wilson score interval, 95 %",
                    basin="gradient descent (step basin_lr, basin_steps steps) from the final "
                    "centre / footpoint ends within basin_tol of the global minimiser",
                    radius_independent=",".join(m for m in spec.methods
                                                if parse_method(m)[0] in BASELINES))
    return ds


def _cell_dataset(spec: SweepSpec, parts: list[dict], seed: int):
    """The stored values of one cell from its batches' per-ball summaries (in order)."""
    import xarray as xr  # deferred: optional dependency (the study extra)

    cat = {k: np.concatenate([p[k] for p in parts], axis=1 if k in ("centre", "theta") else 0)
           for k in parts[0] if k != "wall_time"}
    M = cat["final_loss"].shape[0]
    lead = (1, 1, 1, 1)

    def cell(x, dims=()):
        x = np.asarray(x)
        return (CELL_DIMS + dims, x.reshape(lead + x.shape))

    fl = cat["final_loss"]
    finite = np.isfinite(fl)
    q = np.quantile(fl[finite], QUANTILES) if finite.any() else np.full(len(QUANTILES), np.nan)
    rm = cat["residual_max"]
    data = dict(
        seed=cell(np.int64(seed)), n=cell(np.int64(M)),
        wall_time=cell(float(sum(p["wall_time"] for p in parts))),
        final_loss=cell(fl, ("start",)),
        basin_centre=cell(cat["basin_centre"], ("start",)),
        basin_footpoint=cell(cat["basin_footpoint"], ("start",)),
        ball_status=cell(cat["status"].astype(np.int8), ("start",)),
        final_loss_mean=cell(float(np.mean(fl[finite])) if finite.any() else np.nan),
        final_loss_quantiles=cell(q, ("quantile",)),
        travel_mean=cell(float(np.mean(cat["travel"]))),
        displacement_mean=cell(float(np.mean(cat["displacement"]))),
        residual_max=cell(float(np.nanmax(rm)) if np.isfinite(rm).any() else np.nan),
        jumps_total=cell(np.int64(cat["jumps"].sum())),
        jumps_mean=cell(float(cat["jumps"].mean())),
        resting_on_two=cell(np.int64(cat["resting_on_two"].sum())),
        status_count=cell(np.bincount(cat["status"].astype(np.int64),
                                      minlength=len(STATUS_CODES)).astype(np.int64),
                          ("status",)),
    )
    for by in ("centre", "footpoint"):
        k = int(cat[f"basin_{by}"].sum())
        lo, hi = binomial_ci(k, M)
        data[f"basin_{by}_count"] = cell(np.int64(k))
        data[f"basin_{by}_fraction"] = cell(k / M)
        data[f"basin_{by}_ci"] = cell(np.array([lo, hi], dtype=float), ("bound",))
    if spec.trajectories:
        data["centre"] = cell(cat["centre"], ("step", "start", "axis"))
        data["theta"] = cell(cat["theta"], ("step", "start", "dim"))
    return xr.Dataset(data)


def _write_cell(path: str, cell_ds, index: tuple[int, int, int, int],
                stamp: dict | None = None) -> None:
    """Write one cell's values, then its ``done`` flag; ``stamp`` (:func:`provenance`) fills
    ``cell_commit`` and ``cell_created`` (None: a store made before cells recorded them)."""
    import xarray as xr  # deferred: optional dependency (the study extra)

    if stamp is not None:
        cell_ds = cell_ds.assign({k: (CELL_DIMS, np.full((1, 1, 1, 1), stamp[key], dtype=dt))
                                  for k, (key, dt) in CELL_STAMP.items()})
    region = {dim: slice(i, i + 1) for dim, i in zip(CELL_DIMS, index, strict=True)}
    cell_ds.to_zarr(path, region=region, mode="r+")
    done = xr.Dataset({"done": (CELL_DIMS, np.ones((1, 1, 1, 1), dtype=bool))})
    done.to_zarr(path, region=region, mode="r+")  # last: a crash before it re-runs the cell


def open_sweep(path: str | os.PathLike):
    """The stored sweep at ``path`` as an :class:`xarray.Dataset` (``xarray.open_zarr``)."""
    import xarray as xr  # deferred: optional dependency (the study extra)

    p = Path(path)
    if not p.exists():
        raise ValueError(f"no sweep at {os.fspath(path)!r}")
    try:
        return xr.open_zarr(os.fspath(p), zarr_format=2)
    except Exception as exc:  # zarr raises several kinds for a non-store
        raise ValueError(f"{os.fspath(path)!r} is not a sweep store: {exc}") from None


MINIMISER_TOL = 1e-9  #: a resumed sweep's minimiser within this of the stored one is it


def _stored_done(path: str, spec: SweepSpec, overwrite: bool) -> np.ndarray | None:
    """The ``done`` flags of the store at ``path`` if it holds this sweep (None: no store, or
    one to overwrite); a store of another sweep is refused."""
    p = Path(path)
    if not p.exists() or overwrite:
        return None
    ds = open_sweep(path)
    stored = json.loads(ds.attrs.get("spec", "{}"))
    mine = json.loads(spec.to_json())
    # the default minimiser is a Newton solve: its last digits may differ from one machine
    # to the next.  Within MINIMISER_TOL of the stored one it is the same point, and the
    # resumed cells use the stored value, so that they match the cells already there
    old = stored.get("minimiser")
    if (old is not None and len(old) == len(spec.minimiser)
            and np.max(np.abs(np.subtract(old, spec.minimiser))) <= MINIMISER_TOL):
        spec.minimiser = mine["minimiser"] = list(old)
    diff = sorted(k for k in set(stored) | set(mine) if stored.get(k) != mine.get(k))
    if diff:
        raise ValueError(f"{path!r} holds a different sweep (it differs in "
                         f"{', '.join(diff)}); use another --out or --overwrite")
    return np.asarray(ds["done"].values, dtype=bool)


def _create(path: str, spec: SweepSpec, starts, dim_names, est: dict | None,
            stamp: dict) -> None:
    """Write the store's metadata, coordinates and starts (no cell yet), with the cost
    estimate ``est`` and where the numbers come from (``stamp``, :func:`provenance`) as
    attributes."""
    p = Path(path)
    if p.exists():
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    ds = _template(spec, starts, dim_names)
    ds.attrs.update(stamp)
    if est is not None:
        ds.attrs["estimate"] = estimate_json(est)
    ds.to_zarr(path, compute=False, mode="w-", zarr_format=2)


def _plain(x):
    """``x`` with NumPy scalars as Python numbers and non-finite floats as ``None`` (strict
    JSON), recursively through dicts, lists and tuples."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    return x


def estimate_json(est: dict) -> str:
    """:func:`estimate`'s dict as the strict JSON string stored in ``attrs["estimate"]``
    (plain numbers: ``json.loads`` gives them back; a non-finite value is ``null``).

    >>> estimate_json({"core_seconds": np.float64(1.5), "tasks": np.int64(2)})
    '{"core_seconds": 1.5, "tasks": 2}'
    """
    return json.dumps(_plain(est), allow_nan=False)


def provenance() -> dict:
    """Where a store's numbers come from: ``rollingball`` (the package version), ``commit``
    (``git rev-parse HEAD`` of the checkout the package runs from, ``+dirty`` when its tracked
    files differ from that commit; ``""`` outside a checkout) and ``created`` (UTC, ISO 8601).
    """
    root = Path(__file__).resolve().parents[2]
    commit = ""
    if (root / ".git").exists():
        try:
            run = dict(cwd=root, capture_output=True, text=True, timeout=10, check=True)
            commit = subprocess.run(["git", "rev-parse", "HEAD"], **run).stdout.strip()
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                                    "--", "rollingball"], **run).stdout.strip()
            commit += "+dirty" if dirty else ""
        except (OSError, subprocess.SubprocessError):
            commit = ""
    try:
        version = importlib.metadata.version("rollingball")
    except importlib.metadata.PackageNotFoundError:
        version = ""
    return dict(rollingball=version, commit=commit, created=_utc_now())


def _utc_now() -> str:
    """The time now, UTC, ISO 8601 to the second: ``"2026-12-03T15:00:00Z"``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ------------------------------------------------------------------------ the execution
class _Bar:
    """Cells done, elapsed time and ETA on stderr (one rewritten line)."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.total, self.done0, self.done = total, done, done
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def update(self, cells: int) -> None:
        self.done += cells
        if not self.enabled:
            return
        el = time.perf_counter() - self.t0
        new = self.done - self.done0
        left = self.total - self.done
        eta = el / new * left if new else float("nan")
        w = 24
        fill = int(w * self.done / max(self.total, 1))
        sys.stderr.write(f"\rsweep [{'#' * fill}{'.' * (w - fill)}] {self.done}/{self.total} "
                         f"cells, {_human_seconds(el)} elapsed, ETA {_human_seconds(eta)}   ")
        if left == 0:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _priority(task: dict) -> int:
    """Cheaper batches first on a cluster (Dask runs higher priorities first): baselines
    cost least; the RBO's cost per step grows with the radius, so among constant radii the
    priority is minus the radius (in thousandths); a changing radius comes after every
    constant one (its balls cannot stop at rest, ``rest_tol``), by minus its mean radius.
    Only the order changes, never a result."""
    if parse_method(task["method"])[0] in BASELINES:
        return 1
    steps = max(int(task["steps"]), 1)
    schedule = RadiusSchedule(task["schedule"], float(task["radius"]), steps)
    mean = sum(schedule(t) for t in range(steps)) / steps
    later = 0 if task["schedule"] == "constant" else 10**9
    return -int(round(1000 * mean)) - later


def _run_tasks(tasks: list[tuple[int, dict]], scheduler, client, workers: int):
    """Yield ``(task id, result)`` as tasks finish, on the chosen executor."""
    if not tasks:
        return
    if client is None and scheduler == "serial":
        for tid, t in tasks:
            yield tid, run_batch(t)
        return
    if client is None and scheduler in ("threads", "processes", "sync"):
        import dask  # deferred: optional dependency (the study extra)

        for a in range(0, len(tasks), workers):
            wave = tasks[a:a + workers]
            out = dask.compute(*[dask.delayed(run_batch)(t, dask_key_name=f"rb-batch-{tid}")
                                 for tid, t in wave], scheduler=scheduler, num_workers=workers)
            yield from zip([tid for tid, _ in wave], out, strict=True)
        return
    from distributed import (  # deferred: optional dependency (the study extra)
        Client,
        LocalCluster,
        as_completed,
    )

    own = None
    if client is None:
        if scheduler is None:
            own = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
            client = Client(own)
        elif isinstance(scheduler, str) and "://" in scheduler:
            client = Client(scheduler)
            own = client
        else:
            raise ValueError(f"unknown scheduler {scheduler!r}: use serial, threads, processes, "
                             "sync, or an address tcp://HOST:PORT")
    try:
        token = f"{time.time_ns():x}"
        futures = {client.submit(run_batch, t, key=f"rb-batch-{token}-{tid}", pure=False,
                                 priority=_priority(t)): tid
                   for tid, t in tasks}
        for fut, result in as_completed(list(futures), with_results=True):
            yield futures[fut], result
    finally:
        if own is not None:
            if isinstance(own, Client):
                own.close()
            else:
                client.close()
                own.close()


def sweep(
    loss: str | Landscape,
    *,
    radii: Sequence[float] = (0.5,),
    lrs: Sequence[float] = (1e-2,),
    methods: Sequence[str] = ("rbo",),
    schedules: Sequence[str] = ("constant",),
    starts: int | str | np.ndarray = 100,
    sample: str = "sobol",
    domain=None,
    steps: int = 100,
    seed: int = 0,
    out: str | os.PathLike,
    variables: Sequence[str] | None = None,
    batch: int = 64,
    trajectories: bool = False,
    scheduler: str | None = None,
    client=None,
    workers: int | None = None,
    minimiser=None,
    basin_tol: float = 0.05,
    basin_lr: float = 2e-3,
    basin_steps: int = 5000,
    residual_every: int = 10,
    budget: float = DEFAULT_BUDGET,
    memory_budget: float = DEFAULT_MEMORY_BUDGET,
    cost_per_ball_step: dict | None = None,
    overwrite: bool = False,
    progress: bool = False,
    on_cell: Callable[[tuple[int, int, int, int]], None] | None = None,
    options: dict | None = None,
):
    r"""Run (or resume) a sweep and return the stored :class:`xarray.Dataset`.

    Every cell ``(method, schedule, radius, lr)`` rolls the same ``M`` starts for ``steps``
    steps with :func:`rollingball.roll` (radius schedule ``t -> rho_t`` of
    :mod:`rollingball.study.grid`) and stores the statistics of the module docstring in the
    Zarr store ``out``; cells already stored there are skipped.

    Args:
        loss: a catalog name or formula (a string travels to cluster workers; a
            :class:`Landscape` object must be picklable).
        radii, lrs, methods, schedules: the grid (``methods`` from
            :data:`rollingball.study.grid.METHOD_NAMES`, ``schedules`` from
            :data:`~rollingball.study.grid.SCHEDULES`; for a decaying schedule the radius is
            :math:`\rho_{\max}`).
        starts: a number ``M`` of starts to draw (``sample`` ``"sobol"`` or ``"random"`` in
            ``domain``, default the loss's domain, from ``seed``), a file (``.npy``, ``.csv``,
            whitespace text), or an ``(M, d)`` array.
        steps: T.
        batch: balls per task.
        trajectories: also store the centres and iterates of every step.
        scheduler, client, workers: where to run (module docstring); ``workers`` defaults to
            every core.
        minimiser: the global minimiser of the basin test (default
            :func:`~rollingball.study.grid.basin_minimiser`).
        basin_tol, basin_lr, basin_steps: the basin test (:func:`~rollingball.study.grid.in_basin`).
        residual_every: measure :math:`|d_\Gamma(c_t) - \rho_t|` every that many steps.
        budget, memory_budget: core-seconds and bytes over which the sweep is refused.
        cost_per_ball_step: skip the probe for these keys of :func:`estimate`.
        overwrite: replace a store holding another sweep.
        progress: draw the progress bar on stderr.
        on_cell: called with each cell index after it is stored.
        options: extra keyword arguments of :func:`rollingball.roll` (e.g. ``domain``;
            ``rest_tol`` and ``rest_steps`` apply to the ball methods, the baselines run every
            step).

    Returns:
        the dataset, opened from ``out``.  Its attributes: ``spec`` (JSON of
        :class:`SweepSpec`), ``estimate`` (:func:`estimate` of the whole sweep, made before
        its first cell ran, as strict JSON: ``json.loads(ds.attrs["estimate"])``), and
        :func:`provenance`'s ``rollingball``, ``commit`` and ``created``.

    >>> import tempfile, os
    >>> ds = sweep("parabola", radii=[0.1, 0.2], lrs=[0.1], starts=4, steps=20,
    ...            out=os.path.join(tempfile.mkdtemp(), "s.zarr"), scheduler="serial",
    ...            basin_steps=0)
    >>> ds["basin_centre_fraction"].values.ravel().tolist()
    [1.0, 1.0]
    """
    L = Landscape(loss, None if variables is None else list(variables)) if isinstance(loss, str) \
        else loss
    if not isinstance(L, Landscape):
        raise ValueError(f"loss must be a string or a Landscape, got {type(loss).__name__}")
    d = L.dim
    for name, seq in (("radii", radii), ("lrs", lrs), ("methods", methods),
                      ("schedules", schedules)):
        if len(seq) == 0:
            raise ValueError(f"{name} must not be empty")
        if len(set(map(str, seq))) != len(seq):
            raise ValueError(f"{name} must not repeat a value")
    radii = [float(r) for r in radii]
    lrs = [float(v) for v in lrs]
    if not all(np.isfinite(r) and r >= 0 for r in radii):
        raise ValueError("radii must be finite and >= 0")
    if not all(np.isfinite(v) and v > 0 for v in lrs):
        raise ValueError("learning rates must be finite and > 0")
    methods = [str(m) for m in methods]
    for m in methods:
        parse_method(m)
    if 0.0 in radii and any(parse_method(m)[0] == "tangent" for m in methods):
        # rbo and alg1 at rho = 0 step on the graph; the tangent step divides by
        # |c_t - p_t|^2 = rho^2 (engine.loop, Section 3.2): NaN at rho = 0
        raise ValueError("radius 0 is meaningless for method tangent (its step divides by "
                         "rho^2): give it radii > 0, or sweep rbo / alg1 at radius 0")
    for s in schedules:
        if s not in SCHEDULES:
            raise ValueError(f"unknown schedule {s!r}; choose one of {', '.join(SCHEDULES)}")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if isinstance(batch, bool) or not isinstance(batch, int | np.integer) or batch < 1:
        raise ValueError(f"batch must be a positive integer, got {batch!r}")
    box = np.asarray(L.domain if domain is None else domain, dtype=float).reshape(-1, 2)
    if box.shape[0] != d:
        raise ValueError(f"the domain of this {d}-D loss needs {d} pairs (lo, hi)")
    starts_file = None
    if isinstance(starts, str | os.PathLike):
        starts_file = os.path.abspath(os.fspath(starts))
        x0 = _load_starts(starts_file, d)
    elif isinstance(starts, int | np.integer) and not isinstance(starts, bool):
        x0 = sample_starts(int(starts), box, sample=sample, seed=seed)
    else:
        x0 = np.asarray(starts, dtype=float).reshape(-1, d)
        if x0.shape[0] == 0 or not np.all(np.isfinite(x0)):
            raise ValueError("starts must be finite rows of coordinates")
    xstar = basin_minimiser(L) if minimiser is None else np.asarray(minimiser, dtype=float)
    if xstar.shape != (d,):
        raise ValueError(f"minimiser must have {d} coordinates")
    spec = SweepSpec(loss=loss if isinstance(loss, str) else L.name,
                     variables=None if variables is None else list(variables),
                     methods=methods, schedules=list(schedules), radii=radii, lrs=lrs,
                     steps=int(steps), n_starts=int(x0.shape[0]), sample=sample,
                     domain=box.tolist(), seed=int(seed), batch=int(batch),
                     minimiser=xstar.tolist(), basin_tol=float(basin_tol),
                     basin_lr=float(basin_lr), basin_steps=int(basin_steps),
                     residual_every=int(residual_every), trajectories=bool(trajectories),
                     options=dict(options or {}), starts_file=starts_file)
    if not isinstance(starts, int | np.integer | str | os.PathLike):
        spec.sample = "given"
    spec.starts_digest = hashlib.sha256(np.ascontiguousarray(x0).tobytes()).hexdigest()[:16]
    task_loss = loss if isinstance(loss, str) else L
    workers = int(workers or os.cpu_count() or 1)
    path = os.fspath(out)
    done = _stored_done(path, spec, overwrite)
    fresh = done is None
    if fresh:
        done = np.zeros(spec.shape, dtype=bool)
    groups = _groups(spec)
    todo = [g for g in groups if not all(done[c] for c in g["cells"])]
    est = None
    if todo:
        sub = SweepSpec(**{**asdict(spec)})
        est = estimate(sub, L, x0, workers=workers, cost_per_ball_step=cost_per_ball_step)
        frac = len(todo) / len(groups)
        est = {**est, "core_seconds": est["core_seconds"] * frac,
               "basin_seconds": est["basin_seconds"] * frac,
               "ball_steps": est["ball_steps"] * frac}
        _check_budget(est, float(budget), float(memory_budget))
    # the code this run executes: its commit cannot change during the run (one git look)
    run_stamp = provenance()
    if fresh:  # after the budget check: a refused sweep leaves no store behind
        _create(path, spec, x0, [str(v) for v in L.variables], est, run_stamp)
    slices = _batches(spec.n_starts, spec.batch)
    tasks, owner = [], {}
    for gi, g in enumerate(todo):
        for bi, sl in enumerate(slices):
            tid = gi * len(slices) + bi
            tasks.append((tid, _task(spec, task_loss, g, x0, sl)))
            owner[tid] = (gi, bi)
    bar = _Bar(math.prod(spec.shape), int(done.sum()), progress)
    # stores created before cells recorded their provenance resume without it
    stamped = fresh or "cell_commit" in open_sweep(path).data_vars
    parts: dict[int, dict[int, dict]] = {}
    for tid, result in _run_tasks(tasks, scheduler, client, workers):
        gi, bi = owner[tid]
        parts.setdefault(gi, {})[bi] = result
        if len(parts[gi]) < len(slices):
            continue
        g = todo[gi]
        cell_ds = _cell_dataset(spec, [parts[gi][b] for b in range(len(slices))], spec.seed)
        del parts[gi]
        stamp = {**run_stamp, "created": _utc_now()} if stamped else None
        for c in g["cells"]:
            _write_cell(path, cell_ds, c, stamp)
            if on_cell is not None:
                on_cell(c)
        bar.update(len(g["cells"]))
    return open_sweep(path)


def rerun_cell(path: str | os.PathLike, *, method: str, schedule: str, radius: float,
               lr: float):
    """Recompute one stored cell from the spec and seed in the store (nothing is written):
    the dataset of that cell, to compare with the stored one."""
    ds = open_sweep(path)
    spec = SweepSpec(**json.loads(ds.attrs["spec"]))
    x0 = np.asarray(ds["starts"].values, dtype=float)
    g = dict(method=method, schedule=schedule, radius=float(radius), lr=float(lr))
    if parse_method(method)[0] in BASELINES:
        g.update(schedule="constant", radius=0.0)
    parts = [run_batch(_task(spec, spec.loss, g, x0, sl))
             for sl in _batches(spec.n_starts, spec.batch)]
    seed = int(ds["seed"].sel({"method": method, "schedule": schedule, "radius": radius,
                                "lr": lr}).values)
    return _cell_dataset(spec, parts, seed)
