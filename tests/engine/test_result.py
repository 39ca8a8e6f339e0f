"""RollResult: summary, resting detection, .npz round trip, CSV export, atomic writes."""

import csv
import os

import numpy as np
import pytest

from rollingball import Landscape
from rollingball.engine.loop import roll
from rollingball.engine.result import RollResult, Status
from rollingball.engine.solvers import Alg1, Momentum, OffsetRBO, PaperProjection


@pytest.fixture(scope="module")
def result():
    return roll("bumpy_bowl", [2.0, -1.5], radius=[0.3, 0.1], lr=1e-2, steps=25)


def test_status_members_carry_messages():
    assert Status.OK.code == "ok" and "every step" in Status.OK.message
    assert Status.from_code("left_box") is Status.LEFT_BOX
    assert {s.code for s in Status} == {"ok", "diverged", "non_finite", "left_box",
                                         "too_wide", "at_rest"}
    with pytest.raises(ValueError):
        Status.from_code("exploded")


def test_summary_reports_the_numbers(result):
    text = result.summary()
    assert "bumpy_bowl" in text and "method=rbo" in text
    assert f"{result.final_theta[0, 0]:.8g}" in text
    assert f"{result.loss[-1, 1]:.8g}" in text
    worst = float(text.split("max invariant residual |d_Gamma(c) - rho|:")[1].split()[0])
    assert worst == pytest.approx(np.max(result.residual), rel=1e-3)
    assert worst < 1e-9
    assert "wall time" in text and "jumps" in text
    assert str(result) == text


def test_scipy_style_fields(result):
    # x is the final footpoint, fun the loss there, final_centre the final centre
    np.testing.assert_array_equal(result.x, result.theta[-1])
    np.testing.assert_array_equal(result.fun, result.loss[-1])
    np.testing.assert_array_equal(result.fun, result.landscape.f(result.x[:, 0]))
    np.testing.assert_array_equal(result.final_centre, result.centre[-1])
    np.testing.assert_array_equal(result.x, result.final_theta)  # no ball rests on two here
    assert result.success.tolist() == [True, True]
    np.testing.assert_array_equal(result.nit, [25, 25])
    assert result.steps == 25 and result.n_balls == 2 and result.dim == 1


def test_npz_round_trip(result, tmp_path):
    path = tmp_path / "run.npz"
    result.save(path)
    back = RollResult.load(path)
    assert back == result
    assert back.landscape.name == "bumpy_bowl"
    np.testing.assert_array_equal(back.residual, result.residual)
    assert [s for s in back.status] == list(result.status)
    # the rebuilt landscape computes
    assert back.landscape.f(0.0) == pytest.approx(1 / 3)
    assert not any(n.startswith(".tmp-") for n in os.listdir(tmp_path))


def test_npz_round_trip_of_a_formula_and_of_a_parametrised_catalog_loss(tmp_path):
    for loss in ("x^4 - 2*x^2 + 0.3*x", Landscape("weierstrass_like:n=7")):
        r = roll(loss, [0.3], lr=1e-2, steps=3, method="gd")
        r.save(tmp_path / "f.npz")
        back = RollResult.load(tmp_path / "f.npz")
        assert back == r
        assert str(back.landscape.expr) == str(r.landscape.expr)


def test_npz_load_of_a_data_bound_loss_needs_the_landscape(tmp_path):
    L = Landscape("gaussian_wells:n=5,seed=3")
    r = roll(L, [[0.5, 0.5]], lr=1e-2, steps=2, method="gd")
    r.save(tmp_path / "w.npz")
    back = RollResult.load(tmp_path / "w.npz", landscape=L)
    assert back == r


def test_csv_export(result, tmp_path):
    path = tmp_path / "run.csv"
    result.to_csv(path)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 26 * 2
    row = rows[2 * 7 + 1]  # step 7, ball 1
    assert int(row["step"]) == 7 and int(row["ball"]) == 1
    assert float(row["theta_1"]) == result.theta[7, 1, 0]
    assert float(row["centre_2"]) == result.centre[7, 1, 1]
    assert float(row["residual"]) == result.residual[7, 1]
    assert row["status"] == "ok"


def test_resting_on_two_reports_the_centre():
    # a ball wider than the parabola's critical radius 1/2 ends resting on +-q
    r = roll("parabola", [0.7], radius=1.0, lr=0.1, steps=80)
    assert r.resting_on_two[0]
    q = np.sqrt(1.0 - 0.25)
    assert abs(abs(r.theta[-1, 0, 0]) - q) < 1e-4  # the footpoint is a contact, not the rest
    assert abs(r.final_theta[0, 0]) < 1e-6  # the summary reports the centre's position
    # x and fun stay at the footpoint (a contact), consistently: fun = f(x)
    assert abs(abs(r.x[0, 0]) - q) < 1e-4 and r.fun[0] == r.landscape.f(r.x[0, 0])
    assert abs(r.final_centre[0, 0]) < 0.05
    assert "resting on two" in r.summary()
    # a ball on a smooth valley is not resting on two
    s = roll("parabola", [0.7], radius=0.2, lr=0.1, steps=80)
    assert not s.resting_on_two[0]


def test_npz_round_trip_keeps_the_solver_object(tmp_path):
    solver = Alg1(projection=PaperProjection(gamma=0.02, steps=7))
    r = roll("sine", [0.3, 1.0], radius=0.4, lr=0.05, steps=3, solver=solver)
    r.save(tmp_path / "a.npz")
    back = RollResult.load(tmp_path / "a.npz")
    assert back.solver == solver and back == r
    assert back.method == "alg1" and back.projection == "paper"
    g = roll("x^2", [1.0], lr=0.1, steps=2, solver=Momentum(beta=0.5))
    g.save(tmp_path / "g.npz")
    back = RollResult.load(tmp_path / "g.npz")
    assert back.solver == Momentum(beta=0.5) and back.projection is None


def test_format_1_files_still_load(tmp_path):
    # a file written before the solver was stored: method, projection and the options
    r = roll("x^2", [1.0], radius=0.2, lr=0.1, steps=2, method="rbo", projection="paper",
             gamma=0.03, proj_steps=5)
    r.save(tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz") as z:
        old = {k: z[k] for k in z.files if k != "solver"}
    old["format"] = np.array(1)
    keys = [str(k) for k in old["options_keys"]] + ["gamma", "proj_steps"]
    old["options_keys"] = np.array(keys)
    old["options_values"] = np.array([str(v) for v in old["options_values"]] + ["0.03", "5"])
    np.savez(tmp_path / "old.npz", **old)
    back = RollResult.load(tmp_path / "old.npz")
    assert back.solver == OffsetRBO(projection=PaperProjection(gamma=0.03, steps=5))
    np.testing.assert_array_equal(back.centre, r.centre)


def test_a_loss_whose_printed_form_is_longer_than_typed_loads_back(tmp_path):
    """An accepted loss of under MAX_LENGTH characters may print longer (``3x`` -> ``3*x``):
    the saved result still loads, with the same expression and trajectory."""
    from rollingball.symbolic.parsing import MAX_LENGTH

    terms, k = [], 1
    while len(" + ".join([*terms, f"sin({k}x)"])) <= MAX_LENGTH - 10:
        terms.append(f"sin({k}x)")
        k += 1
    loss = " + ".join(terms)
    r = roll(loss, [0.3], method="gd", lr=1e-3, steps=3)
    assert len(loss) <= MAX_LENGTH < len(str(r.landscape.expr))
    r.save(tmp_path / "long.npz")
    back = RollResult.load(tmp_path / "long.npz")
    assert back.landscape.expr == r.landscape.expr
    np.testing.assert_array_equal(back.theta, r.theta)
