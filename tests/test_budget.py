"""rollingball._budget: estimates named in one-line errors, grid counts, time bounds."""

import math
import threading

import pytest
import sympy as sp

from rollingball import _budget
from rollingball._budget import (
    TimeBudgetExceeded,
    bounded,
    check,
    check_array,
    check_grid,
    grid_points,
    time_limit,
)


def test_check_names_the_estimate_and_the_limit():
    check(10, 10, "ten")  # at the limit is fine
    with pytest.raises(ValueError) as info:
        check(12_345_678, 1_000_000, "the grid", hint="use a coarser --resolution")
    msg = str(info.value)
    assert msg == ("the grid needs about 12,345,678, over the budget of 1,000,000; "
                   "use a coarser --resolution")
    for bad in (math.inf, math.nan):
        with pytest.raises(ValueError, match="over the budget"):
            check(bad, 1, "x")


def test_grid_points_counts_without_overflow():
    assert grid_points([(0.0, 1.0)], 0.1) == 11.0
    assert grid_points([(-1.0, 1.0), (0.0, 3.0)], 0.5) == 5.0 * 7.0
    assert grid_points((-2.0, 2.0), 1.0) == 5.0
    big = grid_points([(-5.0, 5.0)] * 3, 1e-9)
    assert big == pytest.approx(1e30, rel=1e-6)
    for bad in (0.0, -1.0, math.nan, math.inf):
        assert grid_points([(0.0, 1.0)], bad) == math.inf


def test_check_grid_and_array():
    check_grid(1000, terms=1000)
    with pytest.raises(ValueError, match=r"sample grid needs about 10,000,001"):
        check_grid(grid_points([(0.0, 1.0)], 1e-7))
    with pytest.raises(ValueError, match=r"1,000,000 points x 1,000 sum terms"):
        check_grid(1_000_000, terms=1000)
    check_array((1000, 1000), "a window")
    with pytest.raises(ValueError, match=r"window needs about 74.5 GiB, over the budget of 1 GiB"):
        check_array((100_001, 100_001), "a window")


def test_time_limit_interrupts_a_busy_loop_and_sympy():
    with pytest.raises(TimeBudgetExceeded):
        with time_limit(0.2):
            while True:
                pass
    x = sp.Symbol("x")
    slow = sp.erf(x) + sp.tanh(x) + sp.atan(x) + sp.asinh(x) + sp.log(1 + x**2)
    normal = sp.Matrix([sp.diff(slow, x), 1]) / sp.sqrt(1 + sp.diff(slow, x) ** 2)
    assert bounded(lambda: sp.simplify(normal), fallback="fallback", seconds=0.5) == "fallback"
    assert bounded(lambda: sp.simplify(sp.sin(x) ** 2 + sp.cos(x) ** 2), None) == 1


def test_swallowed_timeouts_are_raised_again():
    hits = []
    with pytest.raises(TimeBudgetExceeded):
        with time_limit(0.1):
            while True:
                try:
                    while True:
                        pass
                except TimeBudgetExceeded:  # a careless library swallows one
                    hits.append(1)
                    if len(hits) > 1:
                        raise
    assert len(hits) == 2


def test_nested_limits_keep_the_tighter_one_and_restore_the_outer():
    with pytest.raises(TimeBudgetExceeded):
        with time_limit(0.3):
            assert bounded(lambda: 5, fallback=None, seconds=10) == 5
            while True:  # the outer 0.3 s limit still holds after the inner block
                pass


def test_outside_the_main_thread_runs_unbounded():
    out = []
    t = threading.Thread(target=lambda: out.append(bounded(lambda: 7, None, seconds=1e-6)))
    t.start()
    t.join()
    assert out == [7]


def test_documented_budgets():
    assert _budget.MAX_ARRAY_BYTES == 2**30
    assert _budget.MAX_SUM_TERMS <= 100_000 and _budget.MAX_POLY_DEGREE >= 10
