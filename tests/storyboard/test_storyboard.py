"""The storyboard's numbers without Manim: positions, tangency, offsets, arcs and Delta(rho)
against the engine, the independent distance referee and the geometry layer."""

from __future__ import annotations

import numpy as np
import pytest

from rollingball import storyboard
from rollingball.engine.loop import roll
from rollingball.geometry import ironing as geo_ironing
from rollingball.geometry import reach
from rollingball.numeric.distance import distance_to_graph
from rollingball.numeric.offset import upper_offset
from rollingball.symbolic.landscape import Landscape


@pytest.fixture(autouse=True)
def _no_env_options(monkeypatch):
    monkeypatch.delenv(storyboard.ENV_OPTIONS, raising=False)


def _referee_gap(L, points) -> np.ndarray:
    """Distance of ``points`` (N, d+1) to the graph by the independent referee."""
    return distance_to_graph(L, np.atleast_2d(points)).distance


# ------------------------------------------------------------------- RollingBall
@pytest.fixture(scope="module")
def rolling():
    opts = storyboard.resolve_options("RollingBall", steps=12)
    return storyboard.rolling_ball_data(opts)


def test_rolling_ball_is_the_engine_run(rolling):
    d, o = rolling, rolling.options
    res = roll(o.landscape, [[4.0]], radius=2.0, lr=o.lr, steps=12)
    assert np.allclose(d.rbo.centre, res.centre[:, 0], atol=1e-12)
    assert np.allclose(d.rbo.footpoint, res.point[:, 0], atol=1e-12)
    gd = roll(o.landscape, [[4.0]], radius=0.0, lr=o.lr, steps=12, method="gd")
    assert np.allclose(d.gd.theta, gd.theta[:, 0, 0], atol=1e-12)
    assert d.gd.theta[0] == d.rbo.theta[0] == 4.0
    assert d.rbo.jumped.shape == (13,) and d.rbo.jumped.dtype == bool


@pytest.mark.parametrize("t", [0.0, 3.0, 5.5, 7.25, 12.0])
def test_rolling_ball_frames_are_tangent(rolling, t):
    """Every frame, at engine steps and in between: the centre is rho from the graph by the
    referee, the contact is on the graph and on the circle, and the centre is on f_rho."""
    d, L, rho = rolling, rolling.options.landscape, rolling.radius
    s = d.frame(t)
    c, p = s["centre"], s["contact"]
    assert _referee_gap(L, c)[0] == pytest.approx(rho, abs=1e-7)
    assert p[1] == pytest.approx(float(L.f(p[0])), abs=1e-12)
    assert np.linalg.norm(c - p) == pytest.approx(rho, abs=1e-7)
    assert c[1] == pytest.approx(float(upper_offset(L, c[0], rho).value), abs=1e-7)
    assert s["theta"] == p[0] and s["loss"] == p[1] and s["step"] == t


def test_rolling_ball_in_between_centre_is_interpolated(rolling):
    d = rolling
    s = d.frame(5.5)
    assert s["centre"][0] == pytest.approx(0.5 * (d.rbo.centre[5, 0] + d.rbo.centre[6, 0]))
    g = d.gd_point(5.5)
    assert g[0] == pytest.approx(0.5 * (d.gd.theta[5] + d.gd.theta[6]))
    assert np.allclose(d.gd_point(3.0), [d.gd.theta[3], d.options.landscape.f(d.gd.theta[3])])


def test_rolling_ball_curves(rolling):
    """The dashed curve is f_rho (upper_offset) and lies rho from the graph (referee)."""
    d, L, rho = rolling, rolling.options.landscape, rolling.radius
    xs = d.offset[:, 0]
    assert np.allclose(d.curve[:, 1], L.f(d.curve[:, 0]))
    assert np.allclose(d.offset[:, 1], upper_offset(L, xs, rho).value, atol=1e-12)
    pick = d.offset[::40]
    assert np.allclose(_referee_gap(L, pick), rho, atol=1e-7)
    assert d.x_range[0] <= d.rbo.centre[:, 0].min() and d.rbo.centre[:, 0].max() <= d.x_range[1]
    assert d.y_range[1] >= d.rbo.centre[:, 1].max() + rho


def test_rolling_ball_default_radius_skips_the_small_valleys():
    """The default scene's story: RBO reaches the global basin, GD stops in a ripple."""
    opts = storyboard.resolve_options("RollingBall")
    d = storyboard.rolling_ball_data(opts)
    assert abs(d.rbo.centre[-1, 0]) < 1.0  # the ball rests over the global minimum's basin
    assert abs(d.gd.theta[-1]) > 2.0       # gradient descent is stuck in a ripple
    L = opts.landscape
    assert L.f(np.array(d.rbo.theta[-1])) < L.f(np.array(d.gd.theta[-1]))


# -------------------------------------------------------------------- UpdateStep
def test_update_step_anatomy():
    opts = storyboard.resolve_options("UpdateStep")
    d = storyboard.update_step_data(opts)
    L, rho, eta = opts.landscape, opts.radius[0], opts.lr
    # c_t = p_t + rho nu(p_t) with the landscape's exact normal (Eq. 6)
    assert np.allclose(d.c, d.p + rho * L.normal_at(np.array(d.p[0])), atol=1e-12)
    assert _referee_gap(L, d.c)[0] == pytest.approx(rho, abs=1e-9)
    # the step -eta tau(p_t) to the candidate (Eq. 7), whose ball cuts the graph
    assert np.allclose(d.step, -eta * L.tangent_at(np.array(d.p[0])))
    assert np.allclose(d.c_tilde, d.c + d.step)
    gap = distance_to_graph(L, d.c_tilde[None])
    assert gap.distance[0] < rho
    # p_{t+1} = proj c~_{t+1} (Eq. 8): the referee's nearest graph point
    assert np.allclose(d.p_next, gap.point[0], atol=1e-7)
    assert np.allclose(d.c_next, d.p_next + rho * L.normal_at(np.array(d.p_next[0])), atol=1e-9)
    # x^2/2 from 1.6 (nu = (-x, 1)/sqrt(1+x^2)): the closed form of c_t
    x = 1.6
    assert np.allclose(d.c, [x - rho * x / np.hypot(1, x), x * x / 2 + rho / np.hypot(1, x)])
    assert np.all(d.curve[:, 1] <= d.y_range[1])  # the graph is clipped to the window


# ----------------------------------------------------------------------- Ironing
def test_ironing_offsets_and_delta():
    opts = storyboard.resolve_options("Ironing", radius=[0.05, 0.3])
    d = storyboard.ironing_data(opts)
    L = opts.landscape
    idx = np.linspace(0, d.xs.size - 1, 50).astype(int)
    for k, rho in enumerate(d.radii):
        exact = upper_offset(L, d.xs[idx], rho, domain=L.domain[0]).value - rho
        assert np.allclose(d.offsets[k, idx], exact, atol=2e-3)  # grid dilation: O(h^2)
        assert np.all(d.offsets[k, idx] <= exact + 1e-12)  # below the exact sup
        pts = np.column_stack([d.xs[idx], d.offsets[k, idx] + rho])
        inside = (pts[:, 0] > d.xs[0] + rho) & (pts[:, 0] < d.xs[-1] - rho)
        assert np.allclose(_referee_gap(L, pts[inside]), rho, atol=2e-3)
    assert np.allclose(d.f, L.f(d.xs))
    # Delta(rho) of the sine is the geometry layer's, with its plateau 2 up to rho_c = 1
    ref = geo_ironing.ironing("sine", d.delta_rho)
    assert np.array_equal(d.delta, ref.delta)
    assert d.critical_radius == pytest.approx(1.0, abs=1e-6)
    assert d.critical_radius == reach.critical_radius(Landscape("sine")).radius
    assert np.allclose(d.delta[d.delta_rho <= 1.0], 2.0, atol=1e-9)
    assert np.all(np.diff(d.delta[d.delta_rho > 1.0]) < 0)
    # beyond the plateau the exact sup over [-3 pi, 3 pi] at rho = 30 is small (~1/rho)
    assert 0.2 < d.delta[-1] < 0.5


# -------------------------------------------------------------------- Unreachable
def test_unreachable_arcs_are_reach_s():
    opts = storyboard.resolve_options("Unreachable", radius=[0.6, 1.6])
    d = storyboard.unreachable_data(opts)
    assert d.critical_radius == pytest.approx(1.0, abs=1e-6)
    assert len(d.intervals[0]) == 0  # below rho_c nothing is unreachable
    ref = reach.unreachable("sine", 1.6, domain=d.x_range).intervals
    assert np.array_equal(d.intervals[1], np.asarray(ref).reshape(-1, 2))
    assert len(d.intervals[1]) > 0
    # each arc: a trough of the sine, symmetric about it (sin is even about -pi/2 + 2 pi k)
    mid = d.intervals[1].mean(axis=1)
    inner = (d.intervals[1][:, 0] > d.x_range[0]) & (d.intervals[1][:, 1] < d.x_range[1])
    k = (mid[inner] + np.pi / 2) / (2 * np.pi)
    assert np.allclose(k, np.round(k), atol=1e-9)
    # between the options' radii, the same module
    between = d.intervals_at(1.2)
    assert np.array_equal(between, np.asarray(
        reach.unreachable("sine", 1.2, domain=d.x_range).intervals).reshape(-1, 2))
    assert np.all(np.diff(between, axis=1) < np.diff(d.intervals[1][: len(between)], axis=1))


# -------------------------------------------------------------------- Exploration
def test_nearby_starts_ring():
    s = storyboard.nearby_starts(np.array([1.0, -2.0]), n=10, spread=0.15)
    r = np.linalg.norm(s - [1.0, -2.0], axis=1)
    assert s.shape == (10, 2) and np.all((r >= 0.075) & (r <= 0.15))
    assert np.array_equal(s, storyboard.nearby_starts(np.array([1.0, -2.0])))  # deterministic


def test_exploration_runs_are_the_engine_s():
    opts = storyboard.resolve_options("Exploration", loss="gaussian_wells:n=10,sigma=0.3",
                                      steps=2, radius=[1.0])
    d = storyboard.exploration_data(opts, grid=40)
    L = opts.landscape
    assert list(d.runs) == ["GD", "rho=1"] and d.starts.shape == (10, 2)
    X, Y = np.meshgrid(d.grid_x, d.grid_y)
    assert np.allclose(d.values, L.f(np.stack([X, Y], -1)))
    assert d.values[0, -1] == pytest.approx(float(L.f(np.array([d.grid_x[-1], d.grid_y[0]]))))
    gd = roll(L, d.starts, radius=0.0, lr=opts.lr, steps=2, method="gd")
    for i, tr in enumerate(d.runs["GD"]):
        assert np.allclose(tr.theta, gd.theta[:, i], atol=1e-12)
    for tr in d.runs["rho=1"]:
        assert np.allclose(_referee_gap(L, tr.centre), 1.0, atol=1e-6)


# ------------------------------------------------------------------ RollingBall3D
def test_rolling_3d_frames():
    opts = storyboard.resolve_options("RollingBall3D", steps=3)
    d = storyboard.rolling_3d_data(opts)
    L, rho = opts.landscape, d.radius
    assert np.allclose(_referee_gap(L, d.rbo.centre), rho, atol=1e-6)
    f = d.frame(2.0)
    assert np.array_equal(f["centre"], d.rbo.centre[2])
    mid = d.frame(1.5)
    assert np.allclose(mid["centre"], 0.5 * (d.rbo.centre[1] + d.rbo.centre[2]))
    # the linear in-between ball is off the offset by O(eta^2) only
    assert abs(_referee_gap(L, mid["centre"])[0] - rho) < 10 * opts.lr ** 2
    lo, hi = d.x_range
    assert lo == -hi and 2.5 <= hi <= 4.0
    assert d.z_range[1] >= d.rbo.centre[:, 2].max() + rho - 1e-12


# ---------------------------------------------------------------------- options
def test_options_layers_and_errors(monkeypatch):
    monkeypatch.setenv(storyboard.ENV_OPTIONS, '{"radius": 0.7, "steps": 9}')
    o = storyboard.resolve_options("RollingBall", steps=5)
    assert o.radius == (0.7,) and o.steps == 5 and o.loss == "bumpy_bowl"
    monkeypatch.delenv(storyboard.ENV_OPTIONS)
    for bad in (dict(radius=0), dict(lr=-1), dict(steps=0), dict(colour="red"),
                dict(loss="x^2 + y^2"), dict(starts=[[1, 2]])):
        with pytest.raises(ValueError):
            storyboard.resolve_options("RollingBall", **bad)
    with pytest.raises(ValueError):
        storyboard.resolve_options("Exploration", starts=[1.0])
    with pytest.raises(ValueError):
        storyboard.resolve_options("NoSuchScene")
    assert isinstance(Landscape(o.loss), Landscape)
    monkeypatch.setenv(storyboard.ENV_OPTIONS, "[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        storyboard.resolve_options("RollingBall")


def test_registry_lists_every_scene_once():
    assert list(storyboard.SCENES) == list(storyboard.SCENE_DEFAULTS)
    for name in storyboard.SCENES:
        opts = storyboard.resolve_options(name)
        assert opts.scene == name and opts.landscape.dim in (1, 2)


# ------------------------------------------------------------ jumps and pacing
def test_contact_jumps_are_footpoint_switches():
    """On bumpy_bowl (rho = 2) the contact jumps at step 3 (from the start's side to the next
    hill), and at the end the ball rests on two contacts: the footpoint alternates."""
    d = storyboard.rolling_ball_data(storyboard.resolve_options("RollingBall"))
    th, c = d.rbo.theta, d.rbo.centre[:, 0]
    assert d.jumps[0] == 3
    for j in d.jumps:
        assert abs(th[j] - th[j - 1]) > 3 * abs(c[j] - c[j - 1])
    rolled = np.setdiff1d(np.arange(1, d.rbo.steps + 1), d.jumps)
    assert np.all(np.abs(np.diff(th)[rolled - 1]) <= np.maximum(
        3 * np.abs(np.diff(c)[rolled - 1]), 0.1 * d.radius))
    assert len(d.jumps) > 10 and np.all(np.diff(d.jumps[-6:]) <= 2)  # alternating at rest
    assert storyboard.contact_jumps(d.gd).size == 0


def test_paced_steps_spend_time_where_the_ball_moves():
    d = storyboard.rolling_ball_data(storyboard.resolve_options("RollingBall"))
    a = np.linspace(0, 1, 101)
    s = storyboard.paced_steps(d.rbo, a)
    assert s[0] == 0 and s[-1] == d.rbo.steps and np.all(np.diff(s) >= 0)
    # the time share of each step is its centre motion plus a small constant
    dc = np.linalg.norm(np.diff(d.rbo.centre, axis=0), axis=1)
    w = dc + 0.15 * dc.mean()
    half = np.searchsorted(np.cumsum(w) / w.sum(), 0.5) + 1
    assert storyboard.paced_steps(d.rbo, 0.5) == pytest.approx(half, abs=1)
    assert storyboard.paced_steps(d.rbo, 0.5) < 0.75 * d.rbo.steps  # not half the clip at rest


def test_rolling_ball_baselines_are_the_engine_s():
    opts = storyboard.resolve_options("RollingBall", steps=8,
                                      extra={"baselines": ["gd", "adam", "momentum"]})
    d = storyboard.rolling_ball_data(opts)
    assert list(d.baselines) == ["gd", "adam", "momentum"] and d.baselines["gd"] is d.gd
    for m in ("adam", "momentum"):
        ref = roll(opts.landscape, [[4.0]], radius=0.0, lr=opts.lr, steps=8, method=m)
        assert np.allclose(d.baselines[m].theta, ref.theta[:, 0, 0], atol=1e-12)
        x = d.baseline_point(d.baselines[m], 2.5)
        assert x[0] == pytest.approx(0.5 * (d.baselines[m].theta[2] + d.baselines[m].theta[3]))
        assert x[1] == pytest.approx(float(opts.landscape.f(x[0])))
    with pytest.raises(ValueError, match="unknown baseline"):
        storyboard.rolling_ball_data(storyboard.resolve_options(
            "RollingBall", steps=2, extra={"baselines": ["newton"]}))
