"""``rollingball run``: outputs, files and exit codes."""

import csv
import resource
import subprocess
import sys

import numpy as np
import pytest

from rollingball.cli import main
from rollingball.engine.result import RollResult, Status
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


# ------------------------------------------------------------ hostile runs, bounded
def _bounded_run(argv, seconds=120, memory=3 * 2**30):
    """``rollingball run ARGV`` in a subprocess under an address-space limit and a timeout
    (a guard that failed would otherwise grow without bound)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    p = subprocess.run([sys.executable, "-m", "rollingball", "run", *argv],
                       capture_output=True, text=True, timeout=seconds, preexec_fn=limit)
    return p.returncode, p.stdout, p.stderr


def _statuses(out):
    """The status column of the summary's rows."""
    codes = {s.code for s in Status}
    rows = [ln.split() for ln in out.splitlines() if ln[:4].strip().isdigit()]
    return [next(w for w in r if w in codes) for r in rows]


@pytest.mark.parametrize("argv, statuses", [
    (["exp(x^2)", "--x0", "0.5", "30", "--radius", "0.5", "--steps", "30"],
     ["ok", "non_finite"]),
    (["log(x)", "--x0", "-1", "2", "--steps", "30"], ["non_finite", "ok"]),
    (["sqrt(x)", "--x0", "-1", "2", "--steps", "30"], ["non_finite", "ok"]),
    (["1/x", "--x0", "1e-3", "2", "--steps", "30"], ["too_wide", "ok"]),
    (["exp(x^2+y^2)", "--x0", "30,0", "0.5,0.2", "--steps", "10"], ["non_finite", "ok"]),
    (["x^2", "--lr", "1e100"], ["too_wide"]),
    (["x^2", "--x0", "1e10", "0.5"], ["diverged", "ok"]),
    (["x^2 + 2*exp(-(x-1)^2/1e-10)", "--steps", "30"], ["ok"]),
])
def test_bad_balls_are_flagged_and_the_batch_goes_on(argv, statuses):
    code, out, err = _bounded_run(argv)
    assert code == 0, err
    assert _statuses(out) == statuses
    assert f"ok: {statuses.count('ok')}/{len(statuses)}" in out
    assert "stopped at step" in out or statuses == ["ok"]


@pytest.mark.parametrize("argv, msg", [
    (["x^2", "--steps", "1000000000000"], "the recorded history of 1000000000000 steps x 1 "
     "ball in 1-D needs about 8.48e+04 GiB, over the budget of 1 GiB"),
    (["x^2", "--resolution", "1e-12"], "over the budget of 4,000,000; use a coarser "
     "--resolution or a smaller --radius"),
])
def test_runs_over_budget_are_one_line_errors(argv, msg):
    code, out, err = _bounded_run(argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rollingball: error: ") and msg in err


def test_a_baseline_prints_no_residual_it_never_measured(capsys):
    assert main(["run", "x^2", "--method", "gd", "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "max invariant residual |d_Gamma(c) - rho|: n/a (not measured: no ball)" in out
    assert "0.000e+00" not in out
