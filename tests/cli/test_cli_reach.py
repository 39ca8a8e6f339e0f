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


@pytest.mark.parametrize("argv, words", [
    (["reach", "x^2+y^2+z^2", "--radius", "0.5"],
     "the sample grid needs about 64,481,201, over the budget of 4,000,000"),
    (["reach", "x^2+y^2", "--radius", "1", "--resolution", "1e-4"],
     "the sample grid needs about 10,000,200,001, over the budget of 4,000,000"),
    (["reach", "sin", "--radius", "1", "--resolution", "1e-9"], "over the budget of 4,000,000"),
    (["reach", "exp(exp(exp(exp(exp(x)))))", "--radius", "0.5"], "overflows float64"),
])
def test_reach_budgets_are_checked_before_allocating(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error:") and words in err and err.count("\n") == 1


def test_reach_high_degree_polynomial_finishes_on_a_small_domain(capsys):
    """x^1000 on [-1, 1]: kappa = 999000 x^998/(1 + 10^6 x^1998)^(3/2); the exact-root
    search is skipped (degree over the budget), the numeric answer stays."""
    assert main(["reach", "x^1000", "--radius", "0.5", "--domain", "-1", "1"]) == 0
    out = capsys.readouterr().out
    r = float(re.search(r"local critical radius: (\S+)", out).group(1))
    x = np.linspace(0.5, 1.0, 200_001)
    kappa = 999000 * x**998 / (1 + 1e6 * x**1998) ** 1.5
    assert r == pytest.approx(1 / kappa.max(), rel=1e-6)
    assert "exact:" not in out
