"""The rolling ball engine against independent references.

References used: a brute-force tangent-ball test written here (dense samples of the graph,
none strictly inside the ball tangent from above at the footpoint), the independent distance
(recorded residual), gradient descent written by hand, closed forms on the parabola.
"""

import warnings

import numpy as np
import pytest
from scipy.optimize import brentq

from rollingball import Landscape
from rollingball.engine.inputs import StartGrid, starts_by_radius
from rollingball.engine.loop import roll
from rollingball.engine.result import Status
from rollingball.engine.solvers import METHODS

BUMPY = Landscape("bumpy_bowl")
SINE = Landscape("sine")
PARABOLA = Landscape("parabola")
RADII = [0.01, 0.03, 0.1, 0.3, 1.0]


def brute_force_unreachable(L, footpoints, rho, samples_per_unit=20000, tol=1e-9):
    """Per footpoint (theta, f(theta)): is a dense graph sample strictly inside the ball of
    radius rho tangent from above there?  Written independently of the engine."""
    th = footpoints[:, 0]
    g = L.grad(th)
    nu = np.stack([-g, np.ones_like(g)], axis=1) / np.sqrt(1 + g * g)[:, None]
    c = footpoints + rho[:, None] * nu
    bad = np.zeros(th.size, dtype=bool)
    for i in range(th.size):
        n = int(2 * rho[i] * samples_per_unit) + 101
        q = np.linspace(c[i, 0] - rho[i], c[i, 0] + rho[i], n)
        dist = np.hypot(q - c[i, 0], L.f(q) - c[i, 1])
        bad[i] = np.min(dist) < rho[i] - tol
    return bad


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs, match", [
    (dict(radius=-0.1), "radius"),
    (dict(lr=0.0), "lr"),
    (dict(lr=-1e-3), "lr"),
    (dict(radius=[0.1, 0.2, 0.3]), "radius"),
    (dict(method="newton"), "method"),
    (dict(projection="brent"), "projection"),
    (dict(steps=-1), "steps"),
    (dict(steps=1.5), "steps"),
    (dict(scale=0.0), "scale"),
    (dict(domain=(1.0, -1.0)), "domain"),
    (dict(domain=(3.0, 5.0)), "domain"),
    (dict(radius=lambda t: -1.0), "radius"),
])
def test_invalid_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        roll(BUMPY, [0.5, 1.0], steps=kwargs.pop("steps", 2), **kwargs)


@pytest.mark.parametrize("x0", [[np.nan], [[1.0, 2.0]], np.zeros((0, 1)), [[[1.0]]], "a"])
def test_invalid_starts(x0):
    with pytest.raises(ValueError, match="x0"):
        roll(BUMPY, x0, steps=1)


def test_start_of_the_wrong_dimension_for_a_two_d_loss():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        roll("x^2 + y^2", [1.0, 2.0, 3.0], steps=1, method="gd")


def test_starts_by_radius_is_radius_major():
    g = starts_by_radius([[0.0], [1.0], [2.0]], [0.1, 0.5])
    assert isinstance(g, StartGrid)
    x0, r = g.x0, g.radius
    assert x0.shape == (6, 1) and r.shape == (6,)
    np.testing.assert_array_equal(x0[:, 0], [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(r, [0.1, 0.1, 0.1, 0.5, 0.5, 0.5])
    with pytest.raises(ValueError):
        starts_by_radius(np.zeros((2, 2, 2)), 0.1)


def test_every_method_runs_and_records_shapes():
    for method in METHODS:
        r = roll(BUMPY, [1.5, -2.5], radius=0.2, lr=1e-2, steps=3, method=method)
        assert r.theta.shape == (4, 2, 1) and r.point.shape == (4, 2, 2)
        assert r.centre.shape == (4, 2, 2) and r.loss.shape == (4, 2)
        assert r.residual.shape == (4, 2) and r.status.shape == (2,)
        np.testing.assert_allclose(r.loss, BUMPY.f(r.theta[..., 0]), rtol=1e-15)
        np.testing.assert_allclose(r.point[..., 1], r.loss, rtol=1e-15)
        assert all(s is Status.OK for s in r.status)


# ---------------------------------------------------------------------------- invariant
def _invariant_check(L, steps, every=10):
    x0 = np.full(len(RADII), 2.0)
    res = roll(L, x0, radius=RADII, lr=1e-3, steps=steps)
    assert np.all(res.success)
    assert np.max(res.residual) <= 1e-9, res.max_residual
    # no footpoint unreachable: a brute-force tangent-ball test on every `every`-th step
    rho = np.repeat(np.array(RADII)[None, :], steps + 1, axis=0)[::every].ravel()
    pts = res.point[::every].reshape(-1, 2)
    assert not np.any(brute_force_unreachable(L, pts, rho))
    # the centre is the footpoint plus rho times the normal at the footpoint
    g = L.grad(res.theta[..., 0])
    nu = np.stack([-g, np.ones_like(g)], axis=-1) / np.sqrt(1 + g * g)[..., None]
    np.testing.assert_allclose(res.centre, res.point + np.array(RADII)[None, :, None] * nu,
                               atol=1e-9)
    return res


@pytest.mark.slow
def test_offset_keeping_rbo_keeps_the_invariant_on_bumpy_bowl():
    _invariant_check(BUMPY, 2000)


def test_offset_keeping_rbo_keeps_the_invariant_on_bumpy_bowl_short():
    _invariant_check(BUMPY, 200)


@pytest.mark.slow
def test_offset_keeping_rbo_keeps_the_invariant_on_weierstrass():
    # about 4-8 minutes on one core: the ball of radius 0.01 rests across a valley narrower
    # than itself from the first step on (every step is an offset projection)
    res = _invariant_check(Landscape("weierstrass_like:n=100"), 2000, every=100)
    assert np.all(res.offset_solve[1:, 0])
    assert res.resting_on_two[0]


@pytest.mark.parametrize("L, rho", [(SINE, 0.5), (BUMPY, 0.2)])
def test_alg1_equals_rbo_below_the_critical_radius(L, rho):
    x0 = np.array([2.0, -1.0, 0.4])
    a = roll(L, x0, radius=rho, lr=1e-2, steps=300, method="alg1")
    b = roll(L, x0, radius=rho, lr=1e-2, steps=300, method="rbo")
    assert not np.any(b.offset_solve)
    np.testing.assert_allclose(a.centre, b.centre, atol=1e-9)
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-9)
    assert np.max(a.residual) <= 1e-9 and np.max(b.residual) <= 1e-9


def test_alg1_reports_the_violation_above_the_critical_radius():
    # weierstrass_like(n=100): critical radius ~5e-6, far below 0.01
    W = Landscape("weierstrass_like:n=100")
    a = roll(W, [2.0], radius=0.01, lr=1e-3, steps=4, method="alg1")
    b = roll(W, [2.0], radius=0.01, lr=1e-3, steps=4, method="rbo")
    assert np.max(a.residual) > 1e-3  # the ball re-placed at an unreachable footpoint cuts in
    assert np.max(b.residual) <= 1e-9
    assert np.all(b.offset_solve[1:])
    # the reported residual is the independent distance: check one by brute force
    t = int(np.argmax(a.residual[:, 0]))
    c = a.centre[t, 0]
    q = np.linspace(c[0] - 0.02, c[0] + 0.02, 400001)
    d = np.min(np.hypot(q - c[0], W.f(q) - c[1]))
    assert abs(abs(d - 0.01) - a.residual[t, 0]) < 1e-6


def test_two_d_alg1_equals_rbo_below_the_critical_radius():
    P2 = Landscape("x^2 + y^2")  # critical radius 1/2
    x0 = np.array([[0.6, 0.3], [-0.4, 0.5]])
    a = roll(P2, x0, radius=0.3, lr=0.05, steps=8, method="alg1")
    b = roll(P2, x0, radius=0.3, lr=0.05, steps=8)
    assert not np.any(b.offset_solve)
    np.testing.assert_allclose(a.centre, b.centre, atol=1e-9)
    assert np.max(b.residual) <= 1e-9


@pytest.mark.slow
def test_two_d_rbo_rests_on_a_ring():
    # above the critical radius the ball in the paraboloid rests on a ring of contacts,
    # its centre above the axis: the offset projection (Nelder-Mead on f_rho) keeps d = rho
    P2 = Landscape("x^2 + y^2")
    r = roll(P2, [[0.6, 0.3]], radius=0.8, lr=0.05, steps=2)
    assert np.all(r.offset_solve[1:])
    assert np.max(r.residual) <= 1e-9
    assert np.linalg.norm(r.centre[-1, 0, :2]) < 1e-6
    # the centre height over the ring: rho^2 = q^2 + (c - q^2)^2 at |q|^2 = rho^2 - 1/4
    q2 = 0.8**2 - 0.25
    np.testing.assert_allclose(r.centre[-1, 0, 2], q2 + np.sqrt(0.8**2 - q2), atol=1e-6)


@pytest.mark.slow
def test_two_d_rbo_on_wells_keeps_the_invariant_and_steps_to_the_nearest_offset_point():
    # 40 wider wells in a bowl: the balls bridge wells and end on rings of contacts, so the
    # d-D contact solver runs on most steps; no fallback (warnings are errors here)
    from rollingball.numeric.offset import upper_offset
    from rollingball.symbolic.catalog import gaussian_wells

    L = gaussian_wells(n=40, sigma=0.3, form="code")
    x0 = np.array([[1.5, -1.0], [-1.2, 1.4], [0.4, 2.0], [-2.0, -2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = roll(L, x0, radius=1.5, lr=0.02, steps=25)
    assert r.offset_solve[1:].sum() >= 40
    assert np.max(r.residual) <= 1e-11  # the independent distance
    # the step went to the nearest point of Gamma_rho: no offset point (x, f_rho(x)) on a
    # fine grid around the new centre (exact multi-start offset) is nearer the candidate
    t, b = [(t, b) for t in range(3, 25) for b in range(4) if r.offset_solve[t + 1, b]][0]
    cand = r.centre[t, b] - 0.02 * L.tangent_at(r.theta[t, b][None])[0]
    new = r.centre[t + 1, b]
    g = np.linspace(-0.05, 0.05, 21)
    X = new[:2] + np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    Y = np.concatenate([X, upper_offset(L, X, 1.5).value[:, None]], axis=1)
    assert np.min(np.linalg.norm(Y - cand, axis=1)) >= np.linalg.norm(new - cand) - 1e-9


# ---------------------------------------------------------------------------- limits
def test_rho_zero_step_is_gradient_descent_to_second_order():
    x0 = np.array([1.3, -0.7, 2.2])
    diffs = []
    for eta in (1e-2, 5e-3, 2.5e-3):
        r = roll(BUMPY, x0, radius=0.0, lr=eta, steps=1)
        gd = x0 - eta * BUMPY.grad(x0)  # written by hand
        diffs.append(np.abs(r.theta[1, :, 0] - gd))
    ratio1, ratio2 = diffs[0] / diffs[1], diffs[1] / diffs[2]
    np.testing.assert_allclose(ratio1, 4.0, rtol=0.1)
    np.testing.assert_allclose(ratio2, 4.0, rtol=0.1)
    assert np.all(diffs[0] > 0)


@pytest.mark.parametrize("rho", [0.2, 0.8])
def test_rbo_converges_to_the_parabola_minimum(rho):
    # below (0.2) and above (0.8) the critical radius 1/2: above it the ball ends resting on
    # two points of the parabola, symmetric about 0, and its centre sits above 0
    r = roll(PARABOLA, [1.5, -1.2], radius=rho, lr=0.1, steps=150)
    assert np.all(np.abs(r.final_theta) < 1e-6), r.final_theta
    assert np.max(r.residual) <= 1e-9
    if rho > 0.5:
        # the footpoints are the two contacts +-sqrt(rho^2 - 1/4) of the resting ball
        q = np.sqrt(rho**2 - 0.25)
        np.testing.assert_allclose(np.abs(r.theta[-1, :, 0]), q, atol=1e-5)
        np.testing.assert_allclose(r.centre[-1, :, 1], q**2 + np.sqrt(rho**2 - q**2),
                                   atol=1e-5)
        assert np.all(r.resting_on_two)


def test_rbo_reaches_the_global_basin_where_gd_stops_in_a_local_valley():
    # bumpy_bowl: global minima at +-0.98, local maxima at 0 and +-2.244, local minimum near
    # 2.93 where gradient descent from 4 stops; a ball of radius 2 bridges the ripples and
    # ends resting across the central valley (its footpoint cycles between contacts)
    gd = roll(BUMPY, [4.0], lr=0.05, steps=400, method="gd")
    rb = roll(BUMPY, [4.0], radius=2.0, lr=0.05, steps=400)
    assert 2.244 < gd.final_theta[0, 0] < 4.1
    assert rb.resting_on_two[0]
    assert 0.0 < rb.final_theta[0, 0] < 2.244
    assert np.max(rb.residual) <= 1e-9
    # and gradient descent from where the ball rests reaches the global minimum
    after = roll(BUMPY, rb.final_theta, lr=0.05, steps=400, method="gd")
    x_star = brentq(lambda x: -np.sin(3 * x) + x / 5, 0.5, 1.5)  # f'(x) = 0, written by hand
    assert abs(after.final_theta[0, 0] - x_star) < 1e-6
    assert BUMPY.f(after.final_theta[0, 0]) < gd.loss[-1, 0]


# ---------------------------------------------------------------------------- variants
def test_tangent_variant_drift_is_reported_and_grows():
    r = roll(PARABOLA, [1.0], radius=0.3, lr=1e-2, steps=200, method="tangent")
    res = r.residual[:, 0]
    assert res[0] < 1e-12
    assert res[50] > 1e-5 and res[200] > res[100] > res[50]
    # the "distance projection" removed nothing: the centre moved along the tangent
    step = np.diff(r.centre[:, 0], axis=0)
    tau = PARABOLA.tangent_at(r.theta[:-1, 0, 0])
    np.testing.assert_allclose(step, -1e-2 * tau, rtol=1e-9, atol=1e-15)


def test_paper_projection_runs_and_is_reported():
    r = roll(BUMPY, [2.0], radius=0.1, lr=1e-3, steps=30, method="alg1", projection="paper",
             gamma=0.05, proj_steps=20)
    assert np.all(r.proj_iterations[1:] == 20)
    assert np.all(np.isfinite(r.residual))


def test_schedules_of_radius_and_lr():
    r = roll(PARABOLA, [1.0, -1.0], radius=lambda t: 0.1 + 0.001 * t,
             lr=lambda t: np.array([0.01, 0.02]), steps=20)
    np.testing.assert_allclose(r.radius_t[:, 0], 0.1 + 0.001 * np.arange(21))
    assert np.max(r.residual) <= 1e-9


def test_scale_is_the_vertical_metric():
    # on lambda f with lambda = 2: the same as rolling on the loss 2 x^2 (loss recorded as x^2)
    a = roll(PARABOLA, [1.0], radius=0.2, lr=1e-2, steps=30, scale=2.0)
    b = roll("2*x^2", [1.0], radius=0.2, lr=1e-2, steps=30)
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-12)
    np.testing.assert_allclose(a.loss, b.loss / 2, rtol=1e-13)
    assert np.max(a.residual) <= 1e-9


# ---------------------------------------------------------------------------- failures
def test_bad_balls_are_frozen_while_the_rest_go_on():
    # f = log(x + 3) - x^4/100: ball 0 runs off to +inf (diverged), ball 1 creeps into the
    # log barrier and leaves the box, ball 2 jumps past x = -3 (NaN), ball 3 goes on
    L = Landscape("log(x + 3) - x^4/100")
    x0, lr = np.array([3.0, -2.9, -2.9, 1.0]), np.array([1.0, 1e-3, 0.2, 1e-3])
    r = roll(L, x0, lr=lr, steps=60, method="gd", domain=(-2.95, 1e12))
    assert [s.code for s in r.status] == ["diverged", "left_box", "non_finite", "ok"]
    assert r.stopped_at[3] == -1 and np.all(r.stopped_at[:3] > 0)
    for i in range(3):
        k = r.stopped_at[i]
        assert np.all(r.theta[k:, i] == r.theta[k - 1, i])  # frozen at the last valid state
        assert np.all(np.isfinite(r.theta[:, i])) and np.all(np.isfinite(r.loss[:, i]))
    # the healthy ball followed gradient descent written by hand for all 60 steps
    x = 1.0
    for _ in range(60):
        x = x - 1e-3 * (1 / (x + 3) - 4 * x**3 / 100)
    assert abs(r.theta[-1, 3, 0] - x) < 1e-13
    assert "stopped at step" in r.summary()


def test_rbo_ball_leaving_the_box_is_frozen():
    # ball 0 rolls from 1.5 down to the global minimum near 0.98, out of the box [1.2, 4];
    # ball 1 settles in the valley near 2.93 inside it
    r = roll(BUMPY, [1.5, 3.0], radius=0.2, lr=0.05, steps=40, domain=(1.2, 4.0))
    assert r.status[0] is Status.LEFT_BOX and r.status[1] is Status.OK
    k = r.stopped_at[0]
    assert 0 < k < 40 and np.all(r.theta[k:, 0] == r.theta[k - 1, 0])
    assert np.all(r.theta[:, 0, 0] >= 1.2)
    assert abs(r.theta[-1, 1, 0] - 2.9327) < 1e-3
    assert np.max(r.residual) <= 1e-9


def test_progress_bar_goes_to_stderr(capsys):
    roll(PARABOLA, [1.0], lr=0.1, steps=10, method="gd", progress=True)
    err = capsys.readouterr().err
    assert "100%" in err and "step 10/10" in err


def test_residual_every_subsamples_the_invariant_check_and_keeps_the_last_step():
    full = roll("sine", [1.0, 2.0], radius=1.5, lr=0.1, steps=10, method="alg1")
    part = roll("sine", [1.0, 2.0], radius=1.5, lr=0.1, steps=10, method="alg1",
                residual_every=4)
    rows = [0, 4, 8, 10]
    assert np.array_equal(part.residual[rows], full.residual[rows])
    others = [t for t in range(11) if t not in rows]
    assert np.all(np.isnan(part.residual[others]))
    assert np.array_equal(part.theta, full.theta)
    with pytest.raises(ValueError, match="residual_every"):
        roll("sine", [1.0], radius=0.5, steps=3, residual_every=0)


def test_rbo_fast_paths_keep_the_exact_path_step_by_step():
    # the 1-D fast projection and reachability certificate against the general path (both
    # switched off), 200 random balls on bumpy_bowl: the same footpoints and centres at
    # every step, the same offset solves, the invariant kept
    import rollingball.numeric.offset_projection as op
    import rollingball.numeric.projection as proj

    x0 = np.random.default_rng(21).uniform(-5.0, 5.0, 200)
    fast = roll(BUMPY, x0, radius=0.5, lr=1e-2, steps=12)
    saved = proj._fast_1d, op.reachable_1d
    try:
        proj._fast_1d = lambda G, t, h, a, *args, **kw: (np.zeros(a.size, bool),) + (None,) * 7
        op.reachable_1d = lambda graph, c, rr, th, hint=None: np.zeros(rr.size, bool)
        slow = roll(BUMPY, x0, radius=0.5, lr=1e-2, steps=12)
    finally:
        proj._fast_1d, op.reachable_1d = saved
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fast.centre, slow.centre, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(fast.offset_solve, slow.offset_solve)
    assert np.all(fast.certified[1:]) and np.nanmax(fast.residual) <= 1e-9
