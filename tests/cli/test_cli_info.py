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
