"""`rollingball info` and the command-line conventions shared by every command."""

import subprocess
import sys

import pytest

from rollingball.cli import COMMANDS, build_parser, main


def test_info_sin_shows_every_formula(capsys):
    assert main(["info", "sin(x)"]) == 0
    out = capsys.readouterr().out
    for title in ("f:", "gradient", "unit normal", "tangent", "curvature", "offset curve"):
        assert title in out
    assert "cos(x)" in out and "ρ" in out


def test_info_latex(capsys):
    assert main(["info", "sine", "--latex"]) == 0
    out = capsys.readouterr().out
    assert "\\frac" in out and "\\cos{\\left(x \\right)}" in out


def test_info_two_dimensional_shows_principal_curvatures(capsys):
    assert main(["info", "x^2 + y^2"]) == 0
    assert "principal curvatures" in capsys.readouterr().out


def test_every_command_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(sub.choices) >= {"info"}
    for name in sub.choices:
        assert name in COMMANDS
        text = sub.choices[name].format_help()
        assert "usage: rollingball " + name in text and len(text) > 80


@pytest.mark.parametrize("argv", [["info"], ["nonsense"], ["info", "x^", "--latex"],
                                  ["info", "sin(x)", "--bogus"]])
def test_bad_usage_is_one_line_and_status_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error:") and err.count("\n") == 1


def test_console_script_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "rollingball", "info", "x^2"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "curvature" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "rollingball", "info", "os.system(1)"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0 and "os.system" in bad.stderr


def test_negative_comma_separated_points_are_values_not_options(capsys):
    assert main(["run", "x^2 + y^2", "--x0", "-0.5,0.8", "--radius", "0.1", "--steps", "3",
                 "--method", "alg1"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.strip().startswith("0 "))
    theta = [float(v.rstrip(",")) for v in row.split()[3:5]]
    # three RBO steps from (-0.5, 0.8) on a bowl move towards the origin
    assert -0.5 < theta[0] < 0 and 0 < theta[1] < 0.8


# ----------------------------------------------------------------------- hardening (issue 11)
def _one_line_error(capsys, status_line="rollingball: error:"):
    err = capsys.readouterr().err
    assert err.startswith(status_line), err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("argv, words", [
    (["run", "x^2", "--box", "-inf", "inf"], "--box LO HI is empty or infinite"),
    (["run", "x^2", "--box", "1", "-1"], "--box LO HI is empty or infinite"),
    (["run", "x^2", "--x0", "1,,2"], "--x0: empty coordinate in '1,,2'"),
    (["run", "x^2 + y^2", "--x0", "1,"], "--x0: empty coordinate in '1,'"),
    (["run", "x^2", "--out", ""], "the --out file name is empty"),
    (["run", "x^2", "--out", "/"], "is a folder, not a file"),
    (["run", "x^2", "--out", "/proc/rollingball-test.npz"], "cannot write the --out file"),
    (["run", "x^2", "--resolution", "1e300"], "--resolution 1e+300 is not a sample spacing"),
    (["run", "x^2", "--resolution", "nan"], "--resolution must be positive and finite"),
    (["run", "x^2", "--resolution", "-1"], "--resolution must be positive and finite"),
    (["run", "x^2", "--lr", "inf"], "--lr must be finite"),
    (["reach", "sin", "--radius", "nan"], "must be positive and finite (a ball radius)"),
    (["iron", "sin", "--domain", "-inf", "0"], "--domain LO HI is empty or infinite"),
    (["run", "bumpy_bowll"], "did you mean 'bumpy_bowl'?"),
    (["info", "Rastrigin"], "did you mean 'rastrigin'?"),
    (["info", "rosenbrok"], "did you mean 'rosenbrock'?"),
    (["info", "sqrt(-x^2 - 1)"], "is not real and finite anywhere on its domain [-5, 5]"),
    (["reach", "x^1000", "--radius", "0.5"], "overflows float64 on 59.3% of the domain"),
    (["info", "x\r+ 1"], "carriage return"),
    (["info", "(-8)^(1/3)*x^2"], "complex constant"),
    (["info", "((9^999)^999)^999 * x"], "about 10^953.3"),
    (["info", "sum(sin(k*x)/k^2, (k, 1, 100000))"], "at most 10000 terms in all"),
])
def test_bad_options_and_losses_are_one_line_status_2(argv, words, capsys):
    assert main(argv) == 2
    assert words in _one_line_error(capsys)


def test_output_paths_are_checked_before_any_work(tmp_path, capsys):
    (tmp_path / "file").write_text("keep")
    cases = {
        str(tmp_path / "file" / "out.npz"): "is a file, not a folder",
        str(tmp_path / "missing" / "out.npz"): "no such folder",
        str(tmp_path): "is a folder, not a file",
    }
    for path, words in cases.items():
        assert main(["run", "x^2", "--out", path]) == 2
        assert words in _one_line_error(capsys)
        assert main(["iron", "sin", "--plot", path]) == 2
        assert words in _one_line_error(capsys)
    assert main(["paper", "fig2", "--out", str(tmp_path / "file" / "figs")]) == 2
    assert "is a file, not a folder" in _one_line_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    assert (tmp_path / "file").read_text() == "keep"


def test_a_loss_may_start_with_a_minus(capsys):
    assert main(["info", "-x^2"]) == 0
    out = capsys.readouterr().out
    assert "loss: -x^2" in out and "-2⋅x" in out
    assert main(["reach", "-x^2", "--radius", "0.5", "--domain", "-1", "1"]) == 0
    out = capsys.readouterr().out
    assert "local critical radius: inf" in out  # kappa = -2/(1+4x^2)^(3/2) < 0 everywhere
    assert "rho = 0.5: 0 unreachable interval(s)" in out


def test_misspelt_name_is_a_variable_only_when_declared(capsys):
    assert main(["info", "bumpy_bowll", "--variables", "bumpy_bowll"]) == 0
    assert "dimension 1, variables bumpy_bowll" in capsys.readouterr().out
    assert main(["info", "x__y^2"]) == 0
    assert "variables x__y" in capsys.readouterr().out
    assert main(["info", "x__y"]) == 0  # a bare name far from every catalog name: f = x__y
    assert "variables x__y" in capsys.readouterr().out


def test_an_internal_failure_is_one_line_status_1(monkeypatch, capsys):
    import rollingball.cli.info as info

    def broken(*args, **kwargs):
        raise RuntimeError("something inside broke\nsecond line")

    monkeypatch.setattr(info, "describe", broken)
    assert main(["info", "x^2"]) == 1
    err = _one_line_error(capsys, "rollingball: internal error: RuntimeError: something inside")
    assert "second line" not in err
    monkeypatch.setattr(info, "describe", lambda *a, **k: (_ for _ in ()).throw(MemoryError()))
    assert main(["info", "x^2"]) == 1
    assert "out of resources (MemoryError)" in _one_line_error(capsys)


def test_info_simplifies_within_a_time_budget(monkeypatch, capsys):
    import rollingball.cli.info as info

    monkeypatch.setattr(info, "SIMPLIFY_SECONDS", 0.5)
    assert main(["info", "erf(x) + tanh(x) + atan(x) + asinh(x) + log(1 + x^2)"]) == 0
    out = capsys.readouterr().out
    assert "erf(x)" in out and "offset curve" in out
    assert "shown as derived: simplifying them took longer than 0.5 s" in out
    assert main(["info", "sin(x)"]) == 0  # small formulas are still simplified
    out = capsys.readouterr().out
    assert "shown as derived" not in out and "cos(x)" in out


def _functions():
    from rollingball.symbolic.parsing import FUNCTIONS

    return sorted(FUNCTIONS)


@pytest.mark.parametrize("name", _functions())
def test_every_whitelisted_function_runs_through_every_command(name, capsys):
    """info, run, iron and reach on f(x) for each whitelisted f, on [0.2, 1.2] (where every
    one of them is real and monotone, so sup f - inf f = |f(1.2) - f(0.2)|)."""
    import math

    ref = {"asinh": math.asinh, "atan": math.atan, "cos": math.cos, "cosh": math.cosh,
           "erf": math.erf, "exp": math.exp, "log": math.log, "sin": math.sin,
           "sinh": math.sinh, "sqrt": math.sqrt, "tan": math.tan, "tanh": math.tanh}[name]
    loss = f"{name}(x) + x^2/100"
    assert main(["info", loss]) == 0
    assert f"{name}(x)" in capsys.readouterr().out
    assert main(["run", loss, "--x0", "0.7", "--steps", "2", "--radius", "0.05"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert main(["iron", loss, "--domain", "0.2", "1.2", "--radii", "0.5", "2",
                 "--resolution", "0.01"]) == 0
    out = capsys.readouterr().out
    plateau = float(out.split("plateau value sup f - inf f:")[1].split()[0])
    expected = abs(ref(1.2) + 1.44 / 100 - ref(0.2) - 0.04 / 100)
    assert plateau == pytest.approx(expected, rel=1e-9)
    assert main(["reach", loss, "--radius", "0.5", "--domain", "0.2", "1.2",
                 "--resolution", "0.01"]) == 0
    assert "local critical radius:" in capsys.readouterr().out


def test_info_survives_a_failing_simplify(capsys):
    """SymPy's simplify raises AttributeError on some sums (found by the fuzz suite)."""
    assert main(["info", "sum((x)*(sin(x)), (k, 1, 5))"]) == 0
    out = capsys.readouterr().out
    assert "x⋅sin(x)" in out and "offset curve" in out and "╲" in out  # the pretty sum sign
