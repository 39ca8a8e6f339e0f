"""One bad ball never fails the batch: it is flagged and frozen, and the other balls'
trajectories are bit-identical to a run without it (every method, 1-D and 2-D)."""

from __future__ import annotations

import numpy as np
import pytest

from rollingball import _budget
from rollingball.engine.loop import roll
from rollingball.engine.result import Status
from rollingball.engine.solvers import METHODS
from rollingball.numeric import offset_projection
from rollingball.symbolic.landscape import Landscape
from rollingball.symbolic.scales import projection_resolution

LOSS_1D = "log(x + 3) + cos(3*x)/3 + x^2/10"
LOSS_2D = "exp((x^2 + y^2)/2) + sin(2*y)/4"
GOOD = {1: np.array([[1.0], [-1.0]]), 2: np.array([[1.0, 0.5], [-1.0, -0.4]])}
# a start where the loss is not finite (1-D: the log of a negative number; 2-D: exp(1012.5)
# overflows) and a ball whose learning rate throws it out of any window (1e100)
NAN_START = {1: [-4.0], 2: [45.0, 0.0]}
FIELDS = ("theta", "point", "centre", "loss", "residual", "radius_t", "proj_iterations",
          "proj_residual", "jumped", "certified", "offset_solve", "stopped_at")


def _batch(d):
    x0 = np.array([GOOD[d][0], NAN_START[d], GOOD[d][1], GOOD[d][0]])
    lr = np.array([0.05, 0.05, 0.05, 1e100])
    return x0, lr


@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("method", METHODS)
def test_bad_balls_are_flagged_and_the_rest_bit_identical(method, d):
    loss = LOSS_1D if d == 1 else LOSS_2D
    steps = 12 if d == 1 else 8
    x0, lr = _batch(d)
    mixed = roll(loss, x0, radius=0.3, lr=lr, steps=steps, method=method)
    clean = roll(loss, GOOD[d], radius=0.3, lr=0.05, steps=steps, method=method)
    codes = [s.code for s in mixed.status]
    assert codes[0] == codes[2] == "ok" and [s.code for s in clean.status] == ["ok", "ok"]
    assert codes[1] == "non_finite"
    ball = method in ("rbo", "alg1", "tangent")
    # the ball methods check a step before making it (its window would be ~1e100 wide);
    # the baselines make it and land where the loss is NaN (1-D: x < -3) or overflows
    assert codes[3] == ("too_wide" if ball else "non_finite")
    # a ball method never lets the NaN start into a step: frozen at step 0
    assert mixed.stopped_at[1] == (0 if ball else 1) and mixed.stopped_at[3] == 1
    for i in (1, 3):
        k = mixed.stopped_at[i]
        assert np.array_equal(mixed.theta[k:, i], np.repeat(mixed.theta[k - 1 if k else 0,
                                                                     i][None], steps + 1 - k,
                                                                     axis=0))
    for name in FIELDS:
        a, b = getattr(mixed, name)[..., [0, 2]] if name == "stopped_at" else \
            getattr(mixed, name)[:, [0, 2]], getattr(clean, name)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name


def test_a_diverging_rbo_ball_is_stopped_before_its_window_grows():
    # -x^4 from 3 (the case that grew to 24 GB): the step grows as x^3; the ball stops at
    # the first step whose projection window, 2 |c~ - p_t| / h + 1 samples (c~ = c_t -
    # eta tau(p_t), the footpoint p_t a graph point), would pass the budget of samples
    r = roll("-x^4", [3.0, 0.0], radius=0.1, lr=0.5, steps=60)
    assert r.status[0] is Status.TOO_WIDE and r.status[1] is Status.OK
    k = r.stopped_at[0]
    assert k >= 1 and np.all(r.theta[k:, 0] == r.theta[k - 1, 0])
    h = projection_resolution(Landscape("-x^4"))

    def window(t):  # the samples the step from step t needs, written out by hand
        x = r.theta[t, 0, 0]
        g = -4 * x**3
        cand = r.centre[t, 0] - 0.5 * np.array([g, g * g])
        return 2 * np.linalg.norm(cand - r.point[t, 0]) / h + 1

    assert window(k - 1) > _budget.MAX_GRID_POINTS >= max(window(t) for t in range(k - 1))
    g = roll("-x^4", [3.0], lr=0.5, steps=60, method="gd")
    assert g.status[0] is Status.DIVERGED and g.stopped_at[0] == 3


def test_sam_probe_across_the_pole_of_1_over_x_is_flagged():
    # from x = 0.02 the probe x + r g/|g| = 0.02 - 0.05 lies across the pole at 0 (before:
    # a finite gradient there, a step, status ok); from 0.3 the probe stays right of it
    r = roll("1/x", [0.02, 0.3], lr=1e-4, steps=20, method="sam")
    assert r.status[0] is Status.NON_FINITE and r.stopped_at[0] == 1
    assert np.all(r.theta[:, 0, 0] == 0.02)
    assert r.status[1] is Status.OK
    # the healthy ball is SAM written by hand: x <- x - eta f'(x + e), e = -0.05
    x = 0.3
    for _ in range(20):
        x = x - 1e-4 * (-1.0 / (x - 0.05) ** 2)
    assert abs(r.theta[-1, 1, 0] - x) < 1e-14
    alone = roll("1/x", [0.3], lr=1e-4, steps=20, method="sam")
    assert np.array_equal(alone.theta[:, 0], r.theta[:, 1])


def test_sam_probe_where_the_loss_is_nan_is_flagged():
    # -sqrt(x) from 0.04: the gradient -1/(2 sqrt x) < 0 sends the probe to 0.04 - 0.05 < 0,
    # where the loss is NaN: flagged at the first step, the ball from 1 goes on
    r = roll("-sqrt(x)", [0.04, 1.0], lr=1e-3, steps=5, method="sam")
    assert [s.code for s in r.status] == ["non_finite", "ok"] and r.stopped_at[0] == 1
    x = 1.0
    for _ in range(5):
        x = x + 1e-3 / (2 * np.sqrt(x - 0.05))
    assert abs(r.theta[-1, 1, 0] - x) < 1e-14


def test_a_contact_walk_over_the_sub_step_budget_is_not_made(monkeypatch):
    # the paraboloid with radius 1 (above its reach 1/2): the ball from (0.3, 0.2) rests on
    # a ring from step 3 on, where the d-D contact solver runs; with a budget of 0 sub-steps
    # that step is not made (too_wide), the ball from (2, 1) never needs it and goes on
    x0 = [[0.3, 0.2], [2.0, 1.0]]
    free = roll("x^2 + y^2", x0, radius=1.0, lr=0.05, steps=5)
    first = 1 + int(np.argmax(free.offset_solve[1:, 0]))
    assert first == 3 and not free.offset_solve[1:, 1].any()
    monkeypatch.setattr(offset_projection, "MAX_SUBSTEPS", 0)
    cut = roll("x^2 + y^2", x0, radius=1.0, lr=0.05, steps=5)
    assert cut.status[0] is Status.TOO_WIDE and cut.stopped_at[0] == first
    assert np.array_equal(cut.theta[:first, 0], free.theta[:first, 0])
    assert np.all(cut.theta[first:, 0] == free.theta[first - 1, 0])
    assert cut.status[1] is Status.OK and np.array_equal(cut.theta[:, 1], free.theta[:, 1])


def test_a_huge_learning_rate_is_stopped_at_its_first_step():
    # roll("x^2", [2.0], lr=1e6) used 7.9 GiB: the candidate is 1.6e7 below the graph
    r = roll("x^2", [2.0, 0.5], lr=[1e6, 0.01], steps=100)
    assert r.status[0] is Status.TOO_WIDE and r.stopped_at[0] == 1
    assert r.status[1] is Status.OK


def test_the_summary_says_why_each_kind_of_ball_stopped():
    r = roll(LOSS_1D, [1.0, -4.0, -1.0, 1.0], lr=[0.05, 0.05, 0.05, 1e100], steps=3)
    text = r.summary()
    assert "ok: 2/4" in text
    assert f"non_finite (1 ball): {Status.NON_FINITE.message}" in text
    assert f"too_wide (1 ball): {Status.TOO_WIDE.message}" in text
    assert "diverged (" not in text
