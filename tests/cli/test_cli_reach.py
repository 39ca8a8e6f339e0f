"""`rollingball reach`: critical radii and the unreachable intervals."""

import re

import numpy as np
import pytest
from scipy.optimize import brentq

from rollingball.cli import main


def test_reach_sin_prints_the_intervals_around_each_trough(capsys):
    assert main(["reach", "sin", "--radius", "1.5"]) == 0
    out = capsys.readouterr().out
    assert "local critical radius: 1 " in out and "exact: 1" in out
    pairs = [(float(a), float(b)) for a, b in re.findall(r"\((-?[0-9.]+), (-?[0-9.]+)\)", out)]
    assert len(pairs) == 3
    a = brentq(lambda s: s - 1.5 * np.sin(s) / np.sqrt(1 + np.sin(s) ** 2), 1e-3, np.pi,
               xtol=1e-15)
    for (lo, hi), trough in zip(pairs, -np.pi / 2 + 2 * np.pi * np.arange(-1, 2), strict=True):
        assert lo == pytest.approx(trough - a, abs=1e-9)
        assert hi == pytest.approx(trough + a, abs=1e-9)


@pytest.mark.slow
def test_reach_either_side_and_below_critical(capsys):
    assert main(["reach", "sin", "--radius", "0.5", "1.5", "--side", "either"]) == 0
    out = capsys.readouterr().out
    assert out.count("0 unreachable interval(s)") == 2


def test_reach_2d(capsys):
    assert main(["reach", "x^2 + 2*y^2", "--radius", "0.2", "0.4", "--domain", "-0.6", "0.6",
                 "--resolution", "0.06"]) == 0
    out = capsys.readouterr().out
    assert "local critical radius: 0.25" in out
    counts = [int(m) for m in re.findall(r": (\d+) of \d+ grid points", out)]
    assert counts[0] == 0 and counts[1] > 0


@pytest.mark.parametrize("argv, message", [
    (["reach", "sin", "--radius", "-1"], "radius"),
    (["reach", "sin", "--radius", "1", "--domain", "3", "1"], "empty"),
])
def test_reach_bad_input(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error:") and message in err and err.count("\n") == 1
