"""Tests of rollingball.geometry.check: the engine's centres against the exact offset."""

import numpy as np
import pytest

from rollingball.engine.loop import roll
from rollingball.engine.solvers import Alg1, PaperProjection
from rollingball.geometry.check import check, replay
from rollingball.geometry.reach import critical_radius, is_unreachable

STARTS = np.array([-2.0, 0.7, 2.5])
CASES = [("sine", (0.5, 1.5, 3.0)), ("parabola", (0.2, 1.0, 2.0)),
         ("bumpy_bowl", (0.2, 0.6, 1.5))]


@pytest.mark.parametrize("name, radii", CASES)
def test_offset_keeping_rbo_passes(name, radii):
    rc = critical_radius(name).radius
    assert max(radii) > rc  # some radii above the critical radius
    for rho in radii:
        r = roll(name, STARTS, radius=rho, lr=0.05, steps=40)
        c = check(r)
        assert c.n_points == 41 * 3
        assert c.offset_gap < 1e-8, (name, rho, c.offset_gap)
        assert c.unreachable == 0
        assert c.passed and c.violations() == []
        if name == "parabola":  # the symbolic witness: F(c) = 0 to rounding
            assert c.implicit_relative < 1e-13
        else:
            assert np.isnan(c.implicit_residual)


@pytest.mark.parametrize("name, rho", [("sine", 1.5), ("parabola", 1.0), ("bumpy_bowl", 0.6)])
def test_algorithm_1_above_the_critical_radius_is_caught(name, rho):
    a = roll(name, STARTS, radius=rho, lr=0.05, steps=40, method="alg1")
    c = check(a)
    assert not c.passed
    assert c.unreachable > 0 and c.offset_gap > 1e-3
    lines = c.violations()
    text = str(c)
    assert "max|c_y-f_rho|" in text and text.endswith("check failed") and "FAIL:" in text
    assert any("unreachable" in s for s in lines) and any("offset" in s for s in lines)
    # independent confirmation of the first reported footpoint by the tangent-ball test
    step, ball = c.first_unreachable
    assert is_unreachable(name, a.theta[step, ball, 0], rho)
    # and the centres off the offset agree with the engine's own residual record
    assert c.recorded_residual > 1e-3


def test_algorithm_1_below_the_critical_radius_passes():
    a = roll("sine", STARTS, radius=0.5, lr=0.05, steps=40, method="alg1")
    assert check(a).passed


def test_comparison_with_the_paper_projection():
    r = roll("parabola", np.array([1.5]), radius=1.0, lr=0.05, steps=15)
    c = check(r, compare=True)
    assert c.comparison is not None and c.comparison.projection == "paper"
    assert c.comparison.n_points == c.n_points
    text = c.table()
    assert "exact" in text and "paper" in text


def test_check_refuses_baselines():
    r = roll("sine", STARTS, lr=0.05, steps=3, method="gd")
    with pytest.raises(ValueError, match="check applies"):
        check(r)


def test_docstring_examples():
    import doctest
    import importlib

    # `rollingball.geometry.check` is the function: import the module by name
    module = importlib.import_module("rollingball.geometry.check")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_replay_repeats_the_recorded_solver_exactly():
    solver = Alg1(projection=PaperProjection(gamma=0.03, steps=4))
    r = roll("sine", STARTS, radius=lambda t: 0.3 + 0.01 * t, lr=0.05, steps=6, solver=solver,
             residual_every=2)
    again = replay(r)
    assert again.solver == solver
    assert again == r  # every recorded array, bit for bit
    # the comparison run of check replays that solver with its own paper projection
    c = check(r, compare=True)
    assert c.comparison.projection == "paper"
    for key in ("offset_gap", "unreachable", "n_points", "recorded_residual"):
        assert getattr(c.comparison, key) == getattr(c, key), key
    # an exact run is compared with PaperProjection's defaults (gamma 0.05, 20 steps)
    e = roll("sine", STARTS, radius=0.3, lr=0.05, steps=6, method="alg1")
    ref = check(roll("sine", STARTS, radius=0.3, lr=0.05, steps=6, method="alg1",
                     projection="paper", gamma=0.05, proj_steps=20))
    assert check(e, compare=True).comparison.offset_gap == ref.offset_gap


def test_table_leaves_out_the_columns_that_do_not_apply():
    sine = check(roll("sine", STARTS, radius=0.5, lr=0.05, steps=5))
    assert np.isnan(sine.implicit_residual) and np.isnan(sine.implicit_relative)
    head, row = sine.table().splitlines()
    assert "max|F(c)|" not in head and "rel F" not in head and "nan" not in row
    assert head.split() == ["method", "projection", "points", "max|c_y-f_rho|", "unreach",
                            "residual", "ok"]
    assert len(row.split()) == len(head.split())
    parabola = check(roll("parabola", STARTS, radius=0.5, lr=0.05, steps=5))
    assert "max|F(c)|" in parabola.table() and "rel F" in parabola.table()
    # a column stays when one of the rows has a number in it
    assert "nan" not in parabola.table()
