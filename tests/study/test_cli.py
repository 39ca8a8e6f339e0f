"""`rollingball sweep LOSS ... --out s.zarr` then `rollingball phase s.zarr --out DIR`."""

import numpy as np
import pytest

from rollingball.cli import main

xr = pytest.importorskip("xarray")  # the `study` extra


def test_sweep_then_phase_writes_png_and_vector_files(tmp_path, capsys):
    store = tmp_path / "s.zarr"
    args = ["sweep", "(x^2 - 1)^2", "--radii", "0.1", "0.5", "--lrs", "0.02", "0.05",
            "--methods", "rbo", "gd", "--schedules", "cosine", "--starts", "3",
            "--domain", "-1.6", "1.6", "--steps", "5", "--seed", "2", "--batch", "3",
            "--basin-lr", "0.01", "--basin-steps", "1000", "--scheduler", "serial",
            "--out", str(store)]
    assert main([*args, "--progress"]) == 0
    cap = capsys.readouterr()
    assert "8/8 cells stored" in cap.out
    assert "sweep [" in cap.err and "8/8 cells" in cap.err and "ETA" in cap.err
    ds = xr.open_zarr(store)
    assert ds["basin_centre_count"].shape == (2, 1, 2, 2)
    assert ds["starts"].values.min() >= -1.6 and ds["starts"].values.max() <= 1.6
    # the same command again resumes: every cell is stored, nothing reruns
    assert main(args) == 0
    out = tmp_path / "phase"
    assert main(["phase", str(store), "--out", str(out), "--format", "png,pdf,svg"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{s}.{f}" for s in ("basin_fraction", "final_loss",
                                                 "basin_vs_radius")
                           for f in ("png", "pdf", "svg"))
    for p in out.iterdir():
        head = p.read_bytes()[:8]
        assert head.startswith({"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}[
            p.suffix[1:]]), p.name
    assert np.all(ds["n"].values == 3)


def test_sweep_errors_are_one_line(tmp_path, capsys):
    store = str(tmp_path / "s.zarr")
    base = ["sweep", "x^2", "--starts", "2", "--steps", "3", "--scheduler", "serial",
            "--out", store]
    assert main([*base, "--budget", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error: the sweep needs up to about") and "--budget" in err
    assert err.count("\n") == 1
    assert main([*base, "--methods", "alg2"]) == 2
    assert "unknown sweep method 'alg2'" in capsys.readouterr().err
    assert main([*base, "--domain", "0", "1", "2"]) == 2
    assert "pairs LO HI" in capsys.readouterr().err
    assert main(["phase", str(tmp_path / "missing.zarr"), "--out", str(tmp_path)]) == 2
    assert "no sweep at" in capsys.readouterr().err
    assert main(["phase", store, "--out", str(tmp_path), "--format", "gif"]) == 2
    assert "unknown format gif" in capsys.readouterr().err or "no sweep" in \
        capsys.readouterr().err


def test_sweep_radius_zero_accepted_negative_refused(tmp_path, capsys):
    """--radii 0,1 (or 0 1) is accepted by `sweep` (radius 0 is the study's step on the graph)
    though the shared check refuses radius 0 for the other commands; negatives stay refused."""
    store = tmp_path / "s.zarr"
    base = ["sweep", "(x^2 - 1)^2", "--lrs", "0.02", "--starts", "2", "--steps", "3",
            "--domain", "-1.6", "1.6", "--basin-steps", "10", "--scheduler", "serial"]
    assert main([*base, "--radii", "0,0.5", "1", "--out", str(store)]) == 0
    assert "3/3 cells stored" in capsys.readouterr().out
    ds = xr.open_zarr(store)
    assert ds["radius"].values.tolist() == [0.0, 0.5, 1.0]
    assert bool(ds["done"].all())
    for bad, msg in (("-1", "--radii must be finite and >= 0"), ("0,-0.5", ">= 0"),
                     ("nan", ">= 0"), ("1,,2", "empty value"), ("a", "'a' is not a number")):
        assert main([*base, "--radii", bad, "--out", str(tmp_path / "x.zarr")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("rollingball: error:") and msg in err and err.count("\n") == 1
    assert main([*base, "--methods", "tangent", "--radii", "0",
                 "--out", str(tmp_path / "x.zarr")]) == 2
    assert "meaningless for method tangent" in capsys.readouterr().err
    assert not (tmp_path / "x.zarr").exists()
    # the shared check still refuses radius 0 where it means nothing (iron)
    assert main(["iron", "sin", "--radii", "0", "1"]) == 2
    assert "must be positive" in capsys.readouterr().err


def test_sweep_rest_tol_stops_balls_at_rest_and_leaves_baselines_alone(tmp_path, capsys):
    """--rest-tol: the RBO balls of a bowl come to rest (status at_rest) at the same final
    centres as a sweep running every step; gradient descent in the same sweep is unchanged."""
    common = ["sweep", "x^2", "--radii", "0.2", "--lrs", "0.1", "--methods", "rbo", "gd",
              "--starts", "4", "--domain", "-1", "1", "--steps", "120", "--batch", "4",
              "--scheduler", "serial", "--basin-steps", "200"]
    full, rest = tmp_path / "full.zarr", tmp_path / "rest.zarr"
    assert main([*common, "--out", str(full)]) == 0
    assert main([*common, "--rest-tol", "1e-12", "--out", str(rest)]) == 0
    a, b = xr.open_zarr(full), xr.open_zarr(rest)
    rbo, gd = {"method": "rbo"}, {"method": "gd"}
    assert int(b["status_count"].sel({**rbo, "status": "at_rest"}).sum()) == 4
    assert int(a["status_count"].sel({**rbo, "status": "at_rest"}).sum()) == 0
    np.testing.assert_allclose(b["final_loss"].sel(rbo).values,
                               a["final_loss"].sel(rbo).values, atol=1e-12)
    np.testing.assert_array_equal(b["final_loss"].sel(gd).values,
                                  a["final_loss"].sel(gd).values)
    assert main([*common, "--rest-tol", "-1", "--out", str(tmp_path / "x.zarr")]) == 2
    assert "--rest-tol must be a positive number" in capsys.readouterr().err


def test_sweep_gaussian_wells_then_phase_matches_a_numpy_gradient_descent(tmp_path, capsys):
    """The issue's command on Fig. 4's landscape (20 wells here): the GD cell's final losses
    equal plain gradient descent written out in NumPy from Eq. 14's closed form."""
    from rollingball.symbolic.catalog import GAUSSIAN_WELLS_SEED

    store = tmp_path / "s.zarr"
    assert main(["sweep", "gaussian_wells:n=20", "--methods", "gd", "rbo", "--radii", "1",
                 "--lrs", "0.01", "--starts", "6", "--steps", "5", "--rest-tol", "1e-9",
                 "--scheduler", "serial", "--out", str(store)]) == 0
    assert "2/2 cells stored" in capsys.readouterr().out
    ds = xr.open_zarr(store)
    centres = np.random.default_rng(GAUSSIAN_WELLS_SEED).uniform(-3.0, 3.0, size=(20, 2))
    sigma2 = 0.1**2  # the paper's form: exp(-|theta - theta_k|^2 / sigma^2)

    def f_and_grad(theta):
        d = theta[:, None, :] - centres[None]
        e = np.exp(-np.sum(d * d, axis=-1) / sigma2)
        return (np.sum(theta**2, axis=-1) - e.sum(axis=1),
                2 * theta + np.sum(2 * d / sigma2 * e[..., None], axis=1))

    theta = ds["starts"].values.copy()
    assert theta.shape == (6, 2) and np.all(np.abs(theta) <= 3)
    for _ in range(5):
        theta = theta - 0.01 * f_and_grad(theta)[1]
    gd = ds["final_loss"].sel({"method": "gd"}).values.ravel()
    np.testing.assert_allclose(gd, f_and_grad(theta)[0], rtol=1e-12, atol=1e-12)
    rbo = ds.sel({"method": "rbo"})  # ("method" is also an argument of .sel)
    assert np.all(np.isfinite(rbo["final_loss"].values))
    assert rbo["residual_max"].values.max() < 1e-9  # the centres stay on the offset
    out = tmp_path / "phase"
    assert main(["phase", str(store), "--out", str(out), "--format", "png"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "basin_fraction.png", "basin_vs_radius.png", "final_loss.png"]
