"""Typed solver objects: the string shortcuts build the same objects, give the same numbers."""

import doctest
import importlib
import warnings

import numpy as np
import pytest

from rollingball.engine.loop import roll
from rollingball.engine.solvers import (
    GD,
    METHODS,
    PROJECTIONS,
    SAM,
    Adam,
    Alg1,
    Exact,
    Momentum,
    Newton,
    OffsetRBO,
    PaperProjection,
    Tangent,
    make_solver,
    solver_from_spec,
    solver_spec,
)

ARRAYS = ("theta", "point", "centre", "loss", "residual", "radius_t", "proj_iterations",
          "proj_residual", "jumped", "certified", "offset_solve", "stopped_at")

# every method with non-default hyper-parameters: the shortcut and the object it stands for
CASES = [
    (dict(method="rbo"), OffsetRBO()),
    (dict(method="rbo", projection="paper", gamma=0.07, proj_steps=9),
     OffsetRBO(projection=PaperProjection(gamma=0.07, steps=9))),
    (dict(method="alg1", projection="newton"), Alg1(projection=Newton())),
    (dict(method="alg1", projection="paper"), Alg1(projection=PaperProjection())),
    (dict(method="tangent"), Tangent(projection=Exact())),
    (dict(method="gd"), GD()),
    (dict(method="momentum", momentum=0.8), Momentum(beta=0.8)),
    (dict(method="adam", betas=(0.8, 0.99)), Adam(betas=(0.8, 0.99))),
    (dict(method="sam", sam_radius=0.1), SAM(radius=0.1)),
]


def test_cases_cover_every_method_and_projection():
    assert {s.name for _, s in CASES} == set(METHODS)
    assert {s.projection.name for _, s in CASES if hasattr(s, "projection")} == set(PROJECTIONS)


@pytest.mark.parametrize("shortcut, solver", CASES)
def test_string_shortcut_and_object_give_bit_identical_runs(shortcut, solver):
    assert make_solver(**shortcut) == solver
    a = roll("bumpy_bowl", [1.5, -2.5], radius=0.6, lr=0.05, steps=6, **shortcut)
    b = roll("bumpy_bowl", [1.5, -2.5], radius=0.6, lr=0.05, steps=6, solver=solver)
    assert a.solver == b.solver == solver
    for k in ARRAYS:
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    # a method equal to the solver's name is no conflict
    c = roll("bumpy_bowl", [1.5], radius=0.6, lr=0.05, steps=2, solver=solver,
             method=solver.name)
    assert c.solver == solver


def test_defaults_are_the_engines():
    assert roll("x^2", [1.0], steps=1).solver == OffsetRBO(projection=Exact())
    p = PaperProjection()
    assert (p.gamma, p.steps) == (0.05, 20)
    assert p.options() == {"method": "paper", "gamma": 0.05, "steps": 20}
    assert (Momentum().beta, Adam().betas, SAM().radius) == (0.9, (0.9, 0.999), 0.05)
    assert OffsetRBO().projection == Exact() and Alg1().projection == Exact()


def test_paper_projection_parameters_reach_the_projection():
    # P = 1 step of size gamma from the footpoint: one iteration per step, recorded
    r = roll("x^2", [1.0], radius=0.1, lr=0.01, steps=3,
             solver=Alg1(projection=PaperProjection(gamma=0.01, steps=1)))
    assert np.all(r.proj_iterations[1:] == 1)
    r = roll("x^2", [1.0], radius=0.1, lr=0.01, steps=3, method="alg1", projection="paper",
             proj_steps=7)
    assert np.all(r.proj_iterations[1:] == 7)


@pytest.mark.parametrize("kwargs, match", [
    (dict(solver=Alg1(), method="rbo"), "disagree"),
    (dict(solver=Alg1(), projection="paper"), "projection"),
    (dict(solver=OffsetRBO(), gamma=0.1), "gamma"),
    (dict(solver="rbo"), "solver"),
    (dict(method="gd", projection="exact"), "projection"),
    (dict(method="rbo", gamma=0.1), "gamma"),
    (dict(method="gd", momentum=0.5), "momentum"),
    (dict(method="rbo", projection="paper", gamma=-1.0), "gamma"),
    (dict(method="rbo", projection="paper", proj_steps=0), "proj_steps"),
    (dict(method="momentum", momentum=1.0), "momentum"),
    (dict(method="adam", betas=(0.9, 1.0)), "betas"),
    (dict(method="sam", sam_radius=-0.1), "sam_radius"),
])
def test_conflicts_and_bad_hyper_parameters_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        roll("x^2", [1.0], steps=1, **kwargs)


def test_a_ball_solver_needs_a_projection_object():
    with pytest.raises(ValueError, match="projection"):
        OffsetRBO(projection="paper")


def test_solvers_are_frozen_and_round_trip_as_data():
    s = OffsetRBO(projection=PaperProjection(gamma=0.02, steps=3))
    with pytest.raises(AttributeError):
        s.projection = Exact()
    for _, solver in CASES:
        spec = solver_spec(solver)
        assert spec["method"] == solver.name
        assert solver_from_spec(spec) == solver
    assert solver_spec(s) == {"method": "rbo",
                              "projection": {"name": "paper", "gamma": 0.02, "steps": 3}}


def test_box_is_a_deprecated_name_of_domain():
    with pytest.warns(DeprecationWarning, match="domain"):
        a = roll("x^2", [1.0], lr=0.6, steps=10, method="gd", box=(-0.5, 1.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = roll("x^2", [1.0], lr=0.6, steps=10, method="gd", domain=(-0.5, 1.5))
    np.testing.assert_array_equal(a.theta, b.theta)
    assert a.options["domain"] == b.options["domain"] == [[-0.5, 1.5]]
    # x -> -0.2 x each step stays inside; with lr = 1.4, x -> -1.8 x leaves at step 1
    c = roll("x^2", [1.0], lr=1.4, steps=3, method="gd", domain=(-1.5, 1.5))
    assert c.status[0].code == "left_box" and c.stopped_at[0] == 1
    with pytest.raises(ValueError, match="domain"), pytest.warns(DeprecationWarning):
        roll("x^2", [1.0], steps=1, box=(-1, 1), domain=(-1, 1))


def test_progress_callback_gets_done_and_total(capsys):
    calls = []
    roll("x^2", [1.0, 2.0], radius=0.1, lr=0.1, steps=4, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert capsys.readouterr().err == ""  # a callback replaces the bar


@pytest.mark.parametrize("name", ["rollingball.engine.solvers", "rollingball.engine.inputs",
                                  "rollingball.engine.baselines"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
