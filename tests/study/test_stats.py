"""Binomial intervals, radius schedules and start samples against independent references."""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import binomtest, qmc

from rollingball.study import RadiusSchedule, binomial_ci, sample_starts
from rollingball.study.grid import in_basin, parse_method
from rollingball.symbolic.landscape import Landscape

CASES = [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (7, 25), (500, 1000), (1, 1000)]


@pytest.mark.parametrize(("k", "n"), CASES)
@pytest.mark.parametrize(("ours", "scipys"), [("wilson", "wilson"),
                                              ("clopper-pearson", "exact")])
def test_binomial_ci_matches_scipy_binomtest(k, n, ours, scipys):
    lo, hi = binomial_ci(k, n, method=ours)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method=scipys)
    assert float(lo) == pytest.approx(ref.low, abs=1e-12)
    assert float(hi) == pytest.approx(ref.high, abs=1e-12)


def test_wilson_closed_form_and_vectorised():
    # k = 0: the Wilson interval is [0, z^2 / (n + z^2)] in closed form
    z = 1.959963984540054
    lo, hi = binomial_ci([0, 0], [10, 40])
    assert lo.tolist() == [0.0, 0.0]
    assert hi == pytest.approx([z * z / (10 + z * z), z * z / (40 + z * z)], rel=1e-12)
    lo, hi = binomial_ci(np.array([2, 8]), 10, level=0.9)
    ref = [binomtest(k, 10).proportion_ci(0.9, method="wilson") for k in (2, 8)]
    assert lo == pytest.approx([r.low for r in ref], abs=1e-12)
    assert hi == pytest.approx([r.high for r in ref], abs=1e-12)


def test_binomial_ci_errors():
    with pytest.raises(ValueError, match="0 <= k <= n"):
        binomial_ci(5, 4)
    with pytest.raises(ValueError, match="interval method"):
        binomial_ci(1, 4, method="agresti")
    with pytest.raises(ValueError, match="level"):
        binomial_ci(1, 4, level=1.0)
    assert np.isnan(binomial_ci(0, 0)[0])


def test_schedules_closed_forms():
    T = 8
    for t in range(T + 1):
        assert RadiusSchedule("constant", 3.0, T)(t) == 3.0
        assert RadiusSchedule("linear", 3.0, T)(t) == pytest.approx(3.0 * (1 - t / T))
        assert RadiusSchedule("cosine", 3.0, T)(t) == pytest.approx(
            1.5 * (1 + math.cos(math.pi * t / T)), abs=1e-15)
        assert RadiusSchedule("step", 3.0, T)(t) == (3.0 if t < 4 else 0.0)
    assert RadiusSchedule("cosine", 2.0, T)(T) == 0.0
    with pytest.raises(ValueError, match="unknown schedule"):
        RadiusSchedule("exp", 1.0, 3)


def test_sample_starts_sobol_and_random():
    x = sample_starts(16, [(-1.0, 3.0), (0.0, 0.5)], sample="sobol", seed=7)
    u = qmc.Sobol(2, scramble=True, seed=7).random(16)
    assert np.array_equal(x, np.array([-1.0, 0.0]) + u * np.array([4.0, 0.5]))
    # a scrambled Sobol net of 16 points has one point in each of the 16 cells of width 1/16
    assert sorted(np.floor(u[:, 0] * 16).astype(int).tolist()) == list(range(16))
    # n not a power of 2: the same first n points as Sobol's random(n), and no warning
    for n in (1, 3, 1000):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            u = qmc.Sobol(2, scramble=True, seed=7).random(n)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            x = sample_starts(n, [(0.0, 1.0), (0.0, 1.0)], seed=7)
        assert np.array_equal(x, u)
    r = sample_starts(5, [(0.0, 2.0)], sample="random", seed=3)
    assert np.array_equal(r, 2.0 * np.random.default_rng(3).uniform(size=(5, 1)))
    with pytest.raises(ValueError, match="unknown sample"):
        sample_starts(4, [(0.0, 1.0)], sample="halton")
    with pytest.raises(ValueError, match="lo < hi"):
        sample_starts(4, [(1.0, 0.0)])


def test_parse_method():
    assert parse_method("alg1/paper") == ("alg1", "paper")
    assert parse_method("momentum") == ("momentum", "exact")
    for bad in ("gd/paper", "alg2", "rbo/fast"):
        with pytest.raises(ValueError, match="unknown sweep method"):
            parse_method(bad)


def test_in_basin_double_well():
    # f = (x^2 - 1)^2: gradient flow from x > 0 ends at +1, from x < 0 at -1
    L = Landscape("(x^2 - 1)^2")
    x = np.array([[-1.7], [-0.3], [0.2], [0.9], [1.6]])
    assert in_basin(L, x, [1.0], lr=0.01, steps=3000).tolist() == [False, False, True, True,
                                                                   True]
    assert in_basin(L, x, [-1.0], lr=0.01, steps=3000).tolist() == [True, True, False, False,
                                                                    False]
