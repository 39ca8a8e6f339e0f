"""``rollingball run``: outputs, files and exit codes."""

import csv

import numpy as np
import pytest

from rollingball.cli import main
from rollingball.engine.result import RollResult
from rollingball.engine.solvers import Alg1, Exact, OffsetRBO, PaperProjection


def residual_of(text):
    return float(text.split("max invariant residual |d_Gamma(c) - rho|:")[1].split()[0])


def test_run_bumpy_bowl_prints_a_tiny_invariant_residual(capsys):
    assert main(["run", "bumpy_bowl", "--radius", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "bumpy_bowl" in out and "method=rbo" in out and "wall time" in out
    assert "jumps" in out
    assert residual_of(out) < 1e-9


def test_run_sweep_and_npz_output(tmp_path, capsys):
    path = tmp_path / "r.npz"
    code = main(["run", "parabola", "--x0", "1", "-0.5", "--radius", "0.1", "0.3",
                 "--lr", "0.05", "--steps", "20", "--out", str(path)])
    assert code == 0
    res = RollResult.load(path)
    np.testing.assert_array_equal(res.radius, [0.1, 0.1, 0.3, 0.3])
    np.testing.assert_array_equal(res.theta[0, :, 0], [1, -0.5, 1, -0.5])
    out = capsys.readouterr().out
    for i in range(4):
        assert f"{res.final_theta[i, 0]:.8g}" in out


def test_run_baseline_csv_in_two_d(tmp_path):
    path = tmp_path / "r.csv"
    assert main(["run", "x^2 + 2*y^2", "--x0", "1,1", "--method", "adam", "--steps", "5",
                 "--out", str(path)]) == 0
    rows = list(csv.DictReader(open(path, newline="")))
    assert len(rows) == 6 and set(rows[0]) >= {"theta_1", "theta_2", "centre_3", "residual"}


@pytest.mark.parametrize("argv, msg", [
    (["run", "bumpy_bowl", "--radius", "-0.5"], "radius"),
    (["run", "bumpy_bowl", "--lr", "0"], "lr"),
    (["run", "bumpy_bowl", "--method", "nesterov"], "invalid choice"),
    (["run", "bumpy_bowl", "--projection", "magic"], "invalid choice"),
    (["run", "bumpy_bowl", "--x0", "one"], "--x0"),
    (["run", "x^2 + y^2", "--x0", "1"], "--x0"),
    (["run", "bumpy_bowl", "--steps", "ten"], "invalid int"),
    (["run", "bumpy_bowl", "--out", "r.txt"], "--out"),
    (["run", "no_such_loss:n=3"], "unknown loss"),
    (["run", "bumpy_bowl", "--x0", "nan"], "x0"),
])
def test_bad_options_exit_2_with_one_line(argv, msg, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error:") and msg in err
    assert err.count("\n") == 1


def test_progress_flag(capsys):
    assert main(["run", "parabola", "--method", "gd", "--steps", "30", "--progress"]) == 0
    assert "step 30/30" in capsys.readouterr().err


def test_solver_flags_build_the_solver_object(tmp_path):
    path = tmp_path / "r.npz"
    assert main(["run", "sine", "--x0", "0.3", "--radius", "0.4", "--steps", "3",
                 "--method", "alg1", "--projection", "paper", "--gamma", "0.02",
                 "--proj-steps", "7", "--out", str(path)]) == 0
    assert RollResult.load(path).solver == Alg1(projection=PaperProjection(gamma=0.02, steps=7))
    assert main(["run", "sine", "--x0", "0.3", "--steps", "2", "--out", str(path)]) == 0
    assert RollResult.load(path).solver == OffsetRBO(projection=Exact())


@pytest.mark.parametrize("argv, msg", [
    (["run", "sine", "--gamma", "0.1"], "gamma"),
    (["run", "sine", "--method", "gd", "--projection", "paper"], "projection"),
    (["run", "sine", "--projection", "paper", "--proj-steps", "0"], "proj_steps"),
])
def test_solver_flags_that_do_not_apply_are_one_line_errors(argv, msg, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error:") and msg in err and err.count("\n") == 1


def test_domain_and_its_deprecated_name_box(tmp_path, capsys):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    argv = ["run", "x^2", "--x0", "1", "--method", "gd", "--lr", "1.4", "--steps", "3"]
    assert main(argv + ["--domain", "-1.5", "1.5", "--out", str(a)]) == 0
    assert "deprecated" not in capsys.readouterr().err
    assert main(argv + ["--box", "-1.5", "1.5", "--out", str(b)]) == 0
    err = capsys.readouterr().err
    assert err == "rollingball: --box is deprecated, use --domain\n"
    # an error is still one line (the note comes after a run that went through)
    assert main(argv + ["--box", "1", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error:") and err.count("\n") == 1
    ra, rb = RollResult.load(a), RollResult.load(b)
    assert ra.status[0].code == rb.status[0].code == "left_box"
    np.testing.assert_array_equal(ra.theta, rb.theta)


def test_no_progress_flag(capsys):
    assert main(["run", "parabola", "--method", "gd", "--steps", "30", "--no-progress"]) == 0
    assert "step 30/30" not in capsys.readouterr().err
