"""roll(rest_tol=...): balls at rest stop, and stopping changes nothing but the cost."""

import numpy as np
import pytest

import rollingball as rb


def test_a_ball_on_a_ring_of_contacts_rests_where_the_closed_form_says():
    # paraboloid |theta|^2, rho = 2 > 1/2 (its critical radius): the ball ends on the ring
    # |theta|^2 = rho^2 - 1/4 with its centre on the axis at height rho^2 + 1/4
    rho, T = 2.0, 60  # both balls rest by step 34
    x0 = np.array([[1.0, 0.5], [-0.8, 0.9]])
    full = rb.roll("x^2 + y^2", x0, radius=rho, lr=0.01, steps=T, residual_every=T)
    rest = rb.roll("x^2 + y^2", x0, radius=rho, lr=0.01, steps=T, residual_every=T,
                   rest_tol=1e-9)
    assert [str(s) for s in rest.status] == ["at_rest", "at_rest"]
    assert all(rest.success) and np.all(rest.nit < T)
    c = np.asarray(rest.centre)[-1]
    np.testing.assert_allclose(c[:, :2], 0.0, atol=1e-8)
    np.testing.assert_allclose(c[:, 2], rho**2 + 0.25, rtol=1e-12)
    # the contact of a centre 1e-8 off the axis is on the ring to about that much
    np.testing.assert_allclose(np.sum(np.asarray(rest.theta)[-1] ** 2, axis=1), rho**2 - 0.25,
                               rtol=1e-8)
    # the full run's later centres stay within rest_tol per step of the stopped one
    for i, k in enumerate(rest.nit):
        later = np.asarray(full.centre)[k:, i]
        drift = np.linalg.norm(later - np.asarray(rest.centre)[k, i], axis=1)
        assert drift.max() <= (T - k) * 1e-9 * (1 + np.linalg.norm(later, axis=1)).max()
        # up to step k the two runs are the same run
        np.testing.assert_array_equal(np.asarray(full.centre)[:k + 1, i],
                                      np.asarray(rest.centre)[:k + 1, i])
        # after it the rows repeat the state at rest
        np.testing.assert_array_equal(np.asarray(rest.centre)[k:, i],
                                      np.broadcast_to(np.asarray(rest.centre)[k, i],
                                                      (T + 1 - k, 3)))
    assert rest.max_residual.max() < 1e-9


def test_no_rest_while_the_radius_will_change():
    T = 60
    lin = rb.roll("x^2", [0.3], radius=lambda t: 0.3 * (1 - t / T), lr=0.05, steps=T,
                  rest_tol=1e-9)
    assert str(lin.status[0]) == "ok" and lin.nit[0] == T
    # a step schedule: at rest with rho = 0.3 early, but the radius drops to 0 at T/2
    step = rb.roll("x^2", [0.3], radius=lambda t: 0.3 if t < T // 2 else 0.0, lr=0.2,
                   steps=T, rest_tol=1e-9, rest_steps=3)
    assert step.nit[0] >= T // 2
    np.testing.assert_allclose(np.asarray(step.theta)[-1], 0.0, atol=1e-6)


def test_one_dimensional_bowl_rests_at_its_minimum():
    T = 300
    r = rb.roll("x^2", [1.0, -0.5], radius=0.2, lr=0.1, steps=T, rest_tol=1e-12)
    assert [str(s) for s in r.status] == ["at_rest", "at_rest"] and np.all(r.nit < T)
    np.testing.assert_allclose(np.asarray(r.x)[:, 0], 0.0, atol=1e-9)
    assert r.options["rest_tol"] == 1e-12 and r.options["rest_steps"] == 10
    assert "at_rest (2 balls)" in r.summary()


@pytest.mark.parametrize("kw, match", [
    (dict(rest_tol=-1.0), "rest_tol must be a positive number"),
    (dict(rest_tol=float("nan")), "rest_tol must be a positive number"),
    (dict(rest_tol=1e-9, rest_steps=0), "rest_steps must be a positive integer"),
    (dict(rest_tol=1e-9, method="gd"), "rest_tol applies to the ball methods"),
])
def test_bad_rest_options_are_one_line_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        rb.roll("x^2", [1.0], steps=3, **kw)


def test_replay_of_a_run_stopped_at_rest_is_the_same_run():
    from rollingball.geometry.check import replay

    r = rb.roll("x^2", [1.0, -0.5], radius=0.2, lr=0.1, steps=120, rest_tol=1e-12)
    again = replay(r)
    np.testing.assert_array_equal(again.centre, r.centre)
    np.testing.assert_array_equal(again.nit, r.nit)
    assert [str(s) for s in again.status] == ["at_rest", "at_rest"]


@pytest.mark.parametrize("change", ["radius", "lr"])
def test_a_ball_at_rest_waits_for_the_schedule_change_then_rolls_again(change):
    # paraboloid |theta|^2 (critical radius 1/2): at rest on its ring of contacts, centre
    # on the axis at height rho^2 + 1/4.  The schedule changes at step T/2: a smaller radius
    # (the ball sinks to the new ring), or a new learning rate (the same fixed point)
    # both balls rest by step 34; after the change they rest again 46 (radius) or 10 (lr)
    # steps later
    half = 45
    x0 = np.array([[1.0, 0.5], [-0.8, 0.9]])
    if change == "radius":
        T = 105
        kw = dict(radius=lambda t: 2.0 if t <= half else 1.0, lr=0.01)
        rho_end = 1.0
    else:
        T = 75
        kw = dict(radius=2.0, lr=lambda t: 0.01 if t < half else 0.02)
        rho_end = 2.0
    full = rb.roll("x^2 + y^2", x0, steps=T, residual_every=T, **kw)
    rest = rb.roll("x^2 + y^2", x0, steps=T, residual_every=T, rest_tol=1e-9, **kw)
    c, it = np.asarray(rest.centre), np.asarray(rest.proj_iterations)
    # waiting: the rows before the change repeat the state at rest, with no projection work
    waited = np.all(c[1:half + 1] == c[:half], axis=2) & (it[1:half + 1] == 0)
    assert waited.any(axis=0).all() and waited[-5:].all()
    np.testing.assert_allclose(c[half, :, 2], 4.25, rtol=1e-12)
    # then it rolls again from the change and comes to rest for good
    assert [str(s) for s in rest.status] == ["at_rest", "at_rest"]
    assert np.all(rest.nit > half) and np.all(rest.nit < T)
    np.testing.assert_allclose(c[-1, :, :2], 0.0, atol=1e-8)
    np.testing.assert_allclose(c[-1, :, 2], rho_end**2 + 0.25, rtol=1e-12)
    # up to the change the full run stays within rest_tol per step of the resting one, and
    # it ends on the same centre (in between, the footpoints differ among tied contacts
    # on the ring, and so do the paths by which the two balls sink)
    drift = np.linalg.norm(np.asarray(full.centre)[:half + 1] - c[:half + 1], axis=2)
    assert drift.max() <= T * 1e-9 * (1 + np.linalg.norm(c, axis=2)).max()
    np.testing.assert_allclose(np.asarray(full.centre)[-1], c[-1], atol=1e-8)
    assert rest.max_residual.max() < 1e-9
