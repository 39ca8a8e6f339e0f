"""Sweeps: identical numbers on every scheduler, resume, worker loss, and per-cell statistics
against direct runs of the engine."""

import json
import os
import signal
import threading

import numpy as np
import pytest
from scipy.stats import binomtest

import rollingball
from rollingball.paper.figures import descend_to
from rollingball.study import rerun_cell, sweep
from rollingball.symbolic.landscape import Landscape

xr = pytest.importorskip("xarray")  # the `study` extra
pytest.importorskip("distributed")

LOSS = "(x^2 - 1)^2"
#: A small grid: 2 methods x 2 schedules x 2 radii x 1 lr, 4 starts in batches of 2.
GRID = dict(radii=[0.1, 0.6], lrs=[0.02], methods=["rbo", "gd"],
            schedules=["constant", "linear"], starts=4, steps=6, batch=2,
            domain=[(-1.6, 1.6)], seed=3, minimiser=[1.0], basin_lr=0.01, basin_steps=1500,
            cost_per_ball_step={"rbo": 1e-3, "rbo+linear": 1e-3, "gd": 1e-5, "basin": 1e-6})
CELLS = 8


def same(a: xr.Dataset, b: xr.Dataset) -> list[str]:
    """Names of the variables that differ (bit for bit; wall_time and cell_created are
    measurements)."""
    diff = []
    for v in a.data_vars:
        if v in ("wall_time", "cell_created"):
            continue
        x, y = a[v].values, b[v].values
        if not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            diff.append(v)
    return diff


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "s.zarr"
    return sweep(LOSS, out=out, scheduler="serial", **GRID).load()


def test_every_cell_stored_and_reopened(reference, tmp_path_factory):
    assert bool(reference["done"].all())
    assert reference["n"].values.ravel().tolist() == [4] * CELLS
    assert dict(reference.sizes)["start"] == 4
    # the store opens with plain xarray
    path = tmp_path_factory.getbasetemp() / "ref0" / "s.zarr"
    ds = xr.open_zarr(path)
    assert ds["basin_centre_count"].shape == (2, 2, 2, 1)


def test_three_schedulers_bit_identical(reference, tmp_path):
    from distributed import Client, LocalCluster

    threads = sweep(LOSS, out=tmp_path / "t.zarr", scheduler="threads", workers=2, **GRID)
    assert same(reference, threads.load()) == []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        dist = sweep(LOSS, out=tmp_path / "d.zarr", client=client, **GRID)
        assert same(reference, dist.load()) == []


def test_cell_statistics_match_a_direct_roll(tmp_path):
    ds = sweep(LOSS, out=tmp_path / "s.zarr", scheduler="serial", trajectories=True,
               **GRID).load()
    x0 = ds["starts"].values
    assert x0.shape == (4, 1)
    L = Landscape(LOSS)
    for radius in (0.1, 0.6):
        c = ds.sel({"method": "rbo", "schedule": "constant", "radius": radius, "lr": 0.02})
        r = rollingball.roll(L, x0, method="rbo", radius=radius, lr=0.02, steps=6,
                             residual_every=10)
        assert np.array_equal(c["centre"].values, r.centre)
        assert np.array_equal(c["theta"].values, r.theta)
        fl = r.loss[-1]
        assert np.array_equal(c["final_loss"].values, fl)
        assert float(c["final_loss_mean"]) == np.mean(fl)
        assert np.array_equal(c["final_loss_quantiles"].values,
                              np.quantile(fl, [0.05, 0.25, 0.5, 0.75, 0.95]))
        path = np.abs(np.diff(r.centre[:, :, 0], axis=0)).sum(axis=0)
        assert float(c["travel_mean"]) == pytest.approx(np.mean(path), rel=1e-14)
        assert float(c["displacement_mean"]) == pytest.approx(
            np.mean(np.abs(r.centre[-1, :, 0] - r.centre[0, :, 0])), rel=1e-14)
        assert float(c["residual_max"]) == np.nanmax(r.residual)
        assert int(c["jumps_total"]) == int(r.jumped[1:].sum())
        assert c["status_count"].sel(status="ok").item() == 4
        # the basin test, by the reproduction report's descent, from centre and footpoint
        for by, pts in (("centre", r.centre[-1, :, :1]), ("footpoint", r.theta[-1])):
            ends = descend_to(L, pts, lr=0.01, steps=1500)
            flags = np.abs(ends[:, 0] - 1.0) <= 0.05
            assert c[f"basin_{by}"].values.tolist() == flags.tolist()
            k = int(flags.sum())
            assert int(c[f"basin_{by}_count"]) == k
            ci = binomtest(k, 4).proportion_ci(method="wilson")
            assert c[f"basin_{by}_ci"].values == pytest.approx([ci.low, ci.high], abs=1e-12)
    # a baseline ignores the radius: one run stored at every (schedule, radius)
    gd = ds["final_loss"].sel({"method": "gd"}).values.reshape(4, 4)
    assert np.all(gd == gd[0])
    direct = rollingball.roll(L, x0, method="gd", lr=0.02, steps=6)
    assert np.array_equal(gd[0], direct.loss[-1])
    # the decaying schedule reached the engine: radius_t would be rho (1 - t/T)
    lin = ds.sel({"method": "rbo", "schedule": "linear", "radius": 0.6, "lr": 0.02})
    assert not np.array_equal(lin["centre"].values, ds.sel(
        {"method": "rbo", "schedule": "constant", "radius": 0.6, "lr": 0.02})["centre"].values)


def test_resume_equals_uninterrupted(reference, tmp_path):
    out = tmp_path / "r.zarr"
    seen = []

    def interrupt(cell):
        seen.append(cell)
        if len(seen) == 3:
            raise KeyboardInterrupt  # the user stops the sweep after three stored cells

    with pytest.raises(KeyboardInterrupt):
        sweep(LOSS, out=out, scheduler="serial", on_cell=interrupt, **GRID)
    assert int(xr.open_zarr(out)["done"].values.sum()) == 3
    again = []
    ds = sweep(LOSS, out=out, scheduler="serial", on_cell=again.append, **GRID)
    assert len(again) == CELLS - 3 and not set(again) & set(seen)
    assert same(reference, ds.load()) == []
    # a finished sweep reruns nothing
    none = []
    sweep(LOSS, out=out, scheduler="serial", on_cell=none.append, **GRID)
    assert none == []


def test_a_store_made_before_cells_recorded_their_commit_resumes_without_it(reference,
                                                                             tmp_path):
    import zarr

    out = tmp_path / "old.zarr"
    seen = []

    def interrupt(cell):
        seen.append(cell)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(LOSS, out=out, scheduler="serial", on_cell=interrupt, **GRID)
    g = zarr.open_group(str(out), mode="r+", zarr_format=2)
    del g["cell_commit"], g["cell_created"]  # as the stores of studies/fig4 were made
    zarr.consolidate_metadata(str(out), zarr_format=2)
    ds = sweep(LOSS, out=out, scheduler="serial", **GRID).load()
    assert "cell_commit" not in ds and bool(ds["done"].all())
    assert same(ds, reference) == []


def test_rerun_cell_reproduces_the_stored_cell(reference, tmp_path):
    out = tmp_path / "s.zarr"
    sweep(LOSS, out=out, scheduler="serial", **GRID)
    cell = rerun_cell(out, method="rbo", schedule="linear", radius=0.6, lr=0.02)
    stored = xr.open_zarr(out).sel({"method": ["rbo"], "schedule": ["linear"], "radius": [0.6],
                                    "lr": [0.02]}).load()
    for v in cell.data_vars:
        if v != "wall_time":
            assert np.array_equal(cell[v].values, stored[v].values,
                                  equal_nan=cell[v].dtype.kind == "f"), v
    assert stored["seed"].values.ravel().tolist() == [3]


def test_a_different_sweep_in_the_store_is_refused(tmp_path):
    out = tmp_path / "s.zarr"
    small = {**GRID, "methods": ["gd"], "radii": [0.1], "schedules": ["constant"]}
    sweep(LOSS, out=out, scheduler="serial", **small)
    with pytest.raises(ValueError, match="holds a different sweep .*steps.*--overwrite"):
        sweep(LOSS, out=out, scheduler="serial", **{**small, "steps": 9})
    ds = sweep(LOSS, out=out, scheduler="serial", overwrite=True, **{**small, "steps": 9})
    assert int(ds["done"].sum()) == 1


def test_a_minimiser_off_by_round_off_resumes_with_the_stored_one(tmp_path):
    # the default minimiser is a Newton solve whose last digits vary between machines
    out = tmp_path / "m.zarr"
    small = {**GRID, "methods": ["gd"], "radii": [0.1], "schedules": ["constant"]}
    first = sweep(LOSS, out=out, scheduler="serial", **small)
    xstar = json.loads(first.attrs["spec"])["minimiser"]
    assert xstar == pytest.approx(list(GRID["minimiser"]), abs=0)
    nudged = [v + 4e-16 * (1 + abs(v)) for v in xstar]
    seen = []
    ds = sweep(LOSS, out=out, scheduler="serial", on_cell=seen.append,
               **{**small, "minimiser": nudged})
    assert seen == [] and json.loads(ds.attrs["spec"])["minimiser"] == xstar
    with pytest.raises(ValueError, match="holds a different sweep .*minimiser"):
        sweep(LOSS, out=out, scheduler="serial",
              **{**small, "minimiser": [v + 1e-6 for v in xstar]})


def test_over_budget_is_refused_with_the_estimate(tmp_path):
    grid = {k: v for k, v in GRID.items() if k != "cost_per_ball_step"}
    with pytest.raises(ValueError,
                       match=r"needs up to about .* ms per ball-step .*--budget SECONDS"):
        sweep(LOSS, out=tmp_path / "a.zarr", scheduler="serial", budget=1e-3, **grid)
    assert not (tmp_path / "a.zarr").exists()  # a refused sweep leaves no store
    with pytest.raises(ValueError, match=r"trajectories need about .*--memory-budget"):
        sweep(LOSS, out=tmp_path / "b.zarr", scheduler="serial", trajectories=True,
              memory_budget=100, **GRID)


def test_bad_inputs_are_one_line_errors(tmp_path):
    out = tmp_path / "s.zarr"
    for kw, msg in (({"schedules": ["exp"]}, "unknown schedule"),
                    ({"methods": ["alg2"]}, "unknown sweep method"),
                    ({"radii": [-1.0]}, "radii"), ({"lrs": []}, "lrs must not be empty"),
                    ({"steps": 0}, "steps"), ({"domain": [(0, 1), (0, 1)]}, "domain")):
        with pytest.raises(ValueError, match=msg):
            sweep(LOSS, out=out, scheduler="serial", **{**GRID, **kw})
    with pytest.raises(ValueError, match="unknown scheduler"):
        sweep(LOSS, out=out, scheduler="gpu", **GRID)


@pytest.mark.slow
def test_worker_killed_mid_sweep_loses_no_stored_cell(reference, tmp_path):
    from distributed import Client, LocalCluster

    out = tmp_path / "w.zarr"
    stored_before: dict = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        lock = threading.Lock()

        def kill_once(cell):
            with lock:
                if stored_before:
                    return
                stored_before.update(
                    {k: v.copy() for k, v in xr.open_zarr(out).load().data_vars.items()})
                os.kill(next(iter(pids.values())), signal.SIGKILL)

        ds = sweep(LOSS, out=out, client=client, on_cell=kill_once, **GRID).load()
    assert stored_before and int(stored_before["done"].values.sum()) >= 1
    assert bool(ds["done"].all())
    assert same(reference, ds) == []
    done = stored_before["done"].values
    for v in ("final_loss", "basin_centre_count", "residual_max"):
        assert np.array_equal(stored_before[v].values[done], ds[v].values[done],
                              equal_nan=True)


@pytest.mark.slow
def test_default_embedded_local_cluster(reference, tmp_path):
    # scheduler=None starts (and stops) a LocalCluster of process workers
    ds = sweep(LOSS, out=tmp_path / "e.zarr", workers=2, **GRID)
    assert same(reference, ds.load()) == []


def test_the_estimate_and_provenance_survive_the_zarr_round_trip(tmp_path):
    """attrs["estimate"] is the estimate the budget check used (strict JSON of plain numbers,
    read back by plain xarray from the store), recomputed here from its own parts."""
    import json

    out = tmp_path / "s.zarr"
    sweep(LOSS, out=out, scheduler="serial", **GRID)
    attrs = xr.open_zarr(out).attrs
    est = json.loads(attrs["estimate"])  # strict JSON: no NaN, no NumPy types
    assert est["cost_per_ball_step"] == GRID["cost_per_ball_step"]
    # 4 groups that roll (rbo x 2 schedules x 2 radii) + 1 gd group, 4 starts x 6 steps
    assert est["groups"] == 5 and est["cells"] == CELLS and est["tasks"] == 5 * 2
    assert est["ball_steps"] == 5 * 4 * 6
    run = 4 * 4 * 6 * 1e-3 + 4 * 6 * 1e-5
    basin = 4 * 1500 * 1e-6 * (4 * 2 + 1)  # centre + footpoint for rbo, once for gd
    assert est["run_seconds"] == pytest.approx(run, rel=1e-12)
    assert est["basin_seconds"] == pytest.approx(basin, rel=1e-12)
    assert est["core_seconds"] == pytest.approx(run + basin, rel=1e-12)
    from importlib.metadata import version

    assert attrs["rollingball"] == version("rollingball")  # the installed distribution's
    assert attrs["created"].endswith("Z") and len(attrs["created"]) == 20
    import re

    assert re.fullmatch(r"([0-9a-f]{40}(\+dirty)?)?", attrs["commit"])  # "" outside git
    # every cell records the commit and time it was written (here: the same run)
    ds = xr.open_zarr(out).load()
    assert set(ds["cell_commit"].values.ravel()) == {attrs["commit"]}
    when = ds["cell_created"].values.ravel()
    assert all(len(t) == 20 and t.endswith("Z") and t >= attrs["created"] for t in when)
    # a resumed (already finished) sweep keeps the estimate of the whole sweep
    sweep(LOSS, out=out, scheduler="serial", **GRID)
    assert json.loads(xr.open_zarr(out).attrs["estimate"]) == est


def test_radius_zero_is_a_step_on_the_graph_and_refused_for_tangent(tmp_path):
    """rho = 0 is accepted for rbo (its cell equals a direct roll at radius 0, whose centre
    is its point on the graph) and refused for tangent, whose step divides by rho^2."""
    L = Landscape(LOSS)
    ds = sweep(LOSS, out=tmp_path / "z.zarr", scheduler="serial", trajectories=True,
               **{**GRID, "radii": [0.0, 0.6], "schedules": ["constant"]}).load()
    c = ds.sel({"method": "rbo", "schedule": "constant", "radius": 0.0, "lr": 0.02})
    r = rollingball.roll(L, ds["starts"].values, method="rbo", radius=0.0, lr=0.02, steps=6,
                         residual_every=10)
    assert np.array_equal(c["centre"].values, r.centre)
    theta = c["theta"].values
    assert np.array_equal(c["centre"].values[..., 0], theta[..., 0])  # centre = footpoint
    assert np.allclose(c["centre"].values[..., 1], L.f(theta.reshape(-1, 1)).reshape(7, 4),
                       rtol=0, atol=1e-12)                           # on the graph
    assert c["status_count"].sel(status="ok").item() == 4
    assert float(c["residual_max"]) <= 1e-12
    with pytest.raises(ValueError, match="radius 0 is meaningless for method tangent"):
        sweep(LOSS, out=tmp_path / "t.zarr", scheduler="serial",
              **{**GRID, "methods": ["tangent"], "radii": [0.0]})
    with pytest.raises(ValueError, match="radii must be finite and >= 0"):
        sweep(LOSS, out=tmp_path / "n.zarr", scheduler="serial", **{**GRID, "radii": [-0.1]})


def test_cluster_priority_runs_cheap_batches_first():
    """Baselines, then constant radii from the smallest, then changing radii (which cannot
    stop at rest) by their mean radius; Dask runs higher priorities first."""
    from rollingball.study.sweep import _priority

    def task(method="rbo", schedule="constant", radius=1.0):
        return dict(method=method, schedule=schedule, radius=radius, steps=300)

    order = [task("gd", radius=0.0), task(radius=1.0), task(radius=5.0),
             task(schedule="step", radius=2.0), task(schedule="linear", radius=5.0)]
    ranks = [_priority(t) for t in order]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == len(ranks)
    # the step schedule from 2: radius 2 for 150 of 300 steps, mean 1.0
    assert _priority(task(schedule="step", radius=2.0)) == -1000 - 10**9
