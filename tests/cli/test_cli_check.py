"""`rollingball check`: exit status 0 when the run keeps to the geometry, 1 when it does not."""

import pytest

from rollingball.cli import main


def test_check_rbo_passes(capsys):
    assert main(["check", "sin", "--radius", "0.5", "1.5", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert out.count("rbo      exact") == 2 and out.strip().endswith("check passed")


def test_check_algorithm_1_above_the_critical_radius_fails(capsys):
    assert main(["check", "sin", "--radius", "1.5", "--method", "alg1", "--steps", "20"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: centres off the offset" in out and "unreachable footpoint" in out
    assert out.strip().endswith("check failed")


def test_check_compare_with_the_paper_projection(capsys):
    assert main(["check", "x^2", "--radius", "1", "--steps", "8", "--x0", "1.5",
                 "--compare"]) == 0
    out = capsys.readouterr().out
    assert "rbo      paper" in out


@pytest.mark.parametrize("argv, message", [
    (["check", "sin", "--radius", "0"], "radius"),
    (["check", "x^2 + y^2", "--radius", "1", "--x0", "1"], "2-D"),
])
def test_check_bad_input(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error:") and message in err and err.count("\n") == 1


def test_check_solver_flags_and_progress(capsys):
    assert main(["check", "sin", "--radius", "0.5", "--steps", "6", "--x0", "0.3",
                 "--method", "alg1", "--projection", "paper", "--gamma", "0.02",
                 "--proj-steps", "5", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "alg1     paper" in captured.out and "step 6/6" in captured.err
    # a sine is no polynomial: the implicit-equation columns do not apply and are left out
    assert "max|F(c)|" not in captured.out and " nan " not in captured.out
    assert main(["check", "sin", "--radius", "0.5", "--steps", "6", "--x0", "0.3",
                 "--no-progress"]) == 0
    assert "step 6/6" not in capsys.readouterr().err
