"""Tests of rollingball.numeric.distance.distance_to_graph against closed forms and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import sympy as sp

from rollingball import Landscape, catalog
from rollingball.numeric.distance import distance_to_graph

x, y = sp.symbols("x y", real=True)


def parabola_axis_distance(b):
    """Distance from (0, b) to y = x^2: b for b <= 1/2, sqrt(b - 1/4) beyond (two feet)."""
    b = np.asarray(b, dtype=float)
    return np.where(b <= 0.5, np.abs(b), np.sqrt(np.maximum(b - 0.25, 0.0)))


def test_parabola_axis_closed_form():
    b = np.r_[np.linspace(-2.0, 0.5, 26), np.linspace(0.5, 30.0, 60)]
    pts = np.stack([np.zeros_like(b), b], 1)
    r = distance_to_graph(catalog.parabola(), pts)
    d, th = r.distance, r.theta
    assert np.max(np.abs(d - parabola_axis_distance(b))) <= 1e-14
    # the feet: +-sqrt(b - 1/2) (g is flat, quartic, near b = 1/2: theta is ill-conditioned)
    feet = np.where(b > 0.5, np.sqrt(np.maximum(b - 0.5, 0)), 0.0)
    ok = (b <= 0) | (b >= 1)
    assert np.max(np.abs(np.abs(th[ok, 0]) - feet[ok])) <= 1e-7


def test_paraboloid_axis_closed_form():
    L = Landscape(x**2 + y**2, [x, y], domain=(-2, 2))
    b = np.linspace(0.0, 6.0, 25)
    pts = np.stack([np.zeros_like(b), np.zeros_like(b), b], 1)
    d = distance_to_graph(L, pts).distance
    assert np.max(np.abs(d - parabola_axis_distance(b))) <= 1e-12


def test_parabola_off_axis_against_cubic_roots():
    rng = np.random.default_rng(0)
    pts = np.stack([rng.uniform(-2, 2, 100), rng.uniform(-1, 5, 100)], 1)
    d = distance_to_graph(catalog.parabola(), pts).distance
    for (a, b), di in zip(pts, d, strict=True):
        # stationary points of (t - a)^2 + (t^2 - b)^2: 2 t^3 + (1 - 2 b) t - a = 0
        r = np.roots([2.0, 0.0, 1.0 - 2.0 * b, -a])
        t = r[np.abs(r.imag) < 1e-9].real
        assert di == pytest.approx(np.min(np.hypot(t - a, t * t - b)), abs=1e-13)


@pytest.mark.parametrize("loss", [catalog.sine(), catalog.weierstrass_like(n=20),
                                  catalog.bumpy_bowl(), catalog.double_well()])
def test_against_scalar_brent_on_a_dense_grid(loss):
    rng = np.random.default_rng(3)
    lo, hi = loss.domain[0]
    a = rng.uniform(lo, hi, 30)
    pts = np.stack([a, loss.f(a) + rng.uniform(-1, 1, 30)], 1)
    r = distance_to_graph(loss, pts)
    d, th = r.distance, r.theta
    grid = np.arange(lo - 3, hi + 3, 1e-4)
    fg = loss.f(grid)
    for (ai, bi), di in zip(pts, d, strict=True):
        g = (grid - ai) ** 2 + (fg - bi) ** 2
        loc = np.flatnonzero((g[1:-1] <= g[:-2]) & (g[1:-1] <= g[2:])) + 1
        best = np.inf
        for j in loc[np.argsort(g[loc])[:6]]:
            r = scipy.optimize.minimize_scalar(
                lambda t, ai=ai, bi=bi: (t - ai) ** 2 + (float(loss.f(np.array(t))) - bi) ** 2,
                bounds=(grid[j - 1], grid[j + 1]), method="bounded",
                options={"xatol": 1e-13})
            best = min(best, r.fun)
        assert di == pytest.approx(np.sqrt(best), abs=1e-12)
    # the returned parameter realises the distance
    assert np.allclose(np.hypot(th[:, 0] - pts[:, 0], loss.f(th[:, 0]) - pts[:, 1]), d,
                       rtol=0, atol=1e-15)


def test_warm_start_only_narrows_the_window():
    L = catalog.weierstrass_like(n=20)
    rng = np.random.default_rng(9)
    a = rng.uniform(0, 4, 100)
    pts = np.stack([a, L.f(a) + rng.uniform(0, 0.5, 100)], 1)
    d0 = distance_to_graph(L, pts).distance
    # a bad warm start (far away) and a good one change nothing
    r1 = distance_to_graph(L, pts, warm=a[:, None] + 3.0)
    d1 = r1.distance
    d2 = distance_to_graph(L, pts, warm=r1.theta).distance
    assert np.max(np.abs(d1 - d0)) <= 1e-15 and np.max(np.abs(d2 - d0)) <= 1e-15


def test_scale():
    lam = 0.3
    L = catalog.bumpy_bowl()
    M = Landscape(lam * L.expr, list(L.variables), feature_scale=L.feature_scale)
    pts = np.stack([np.linspace(-4, 4, 30), np.linspace(-1, 2, 30)], 1)
    assert np.allclose(distance_to_graph(L, pts, scale=lam).distance,
                       distance_to_graph(M, pts).distance,
                       rtol=0, atol=1e-14)


def test_two_d_against_least_squares():
    L = catalog.rastrigin()
    rng = np.random.default_rng(1)
    a = rng.uniform(-2, 2, (20, 2))
    pts = np.concatenate([a, (L.f(a) + rng.uniform(0, 1, 20))[:, None]], 1)
    r = distance_to_graph(L, pts)
    d, th = r.distance, r.theta
    # the answer is a stationary point of g and beats a local least-squares solve from a
    for (p, di, ti) in zip(pts, d, th, strict=True):
        f, g = L.value_and_grad(ti)
        grad = (ti - p[:2]) + (float(f) - p[2]) * g
        assert np.linalg.norm(grad) <= 1e-9 * (1 + di)
        r = scipy.optimize.least_squares(lambda t, p=p: np.r_[t - p[:2], float(L.f(t)) - p[2]],
                                         p[:2], method="lm", xtol=1e-15)
        assert di <= np.sqrt(2 * r.cost) + 1e-12


def test_two_d_steep_points_never_farther_than_least_squares_from_a():
    # Rastrigin's slopes reach ~ 60 on [-5, 5]^2: the narrow basin of g right below a point
    # can fall between the lattice samples (3 of these 60 points missed it before a was
    # polished too); the answer must beat a local least-squares solve started at a
    L = catalog.rastrigin()
    rng = np.random.default_rng(1)
    a = rng.uniform(-5, 5, (60, 2))
    pts = np.concatenate([a, (L.f(a) + rng.uniform(0.1, 3, 60))[:, None]], 1)
    r = distance_to_graph(L, pts)
    d, th = r.distance, r.theta
    for (p, di, ti) in zip(pts, d, th, strict=True):
        r = scipy.optimize.least_squares(lambda t, p=p: np.r_[t - p[:2], float(L.f(t)) - p[2]],
                                         p[:2], method="lm", xtol=1e-15)
        assert di <= np.sqrt(2 * r.cost) + 1e-12
        assert di == pytest.approx(np.hypot(np.linalg.norm(ti - p[:2]), float(L.f(ti)) - p[2]),
                                   rel=1e-12)


@pytest.mark.parametrize("points, kwargs, match", [
    ([[0.0, 1.0, 2.0]], {}, "shape"),
    ([[np.nan, 1.0]], {}, "finite"),
    ([[0.0, 1.0]], {"scale": -1.0}, "scale"),
    ([[0.0, 1.0]], {"resolution": 0.0}, "resolution"),
    ([[0.0, 1.0]], {"warm": [[0.0], [1.0]]}, "warm"),
])
def test_bad_input(points, kwargs, match):
    with pytest.raises(ValueError, match=match):
        distance_to_graph(catalog.parabola(), points, **kwargs)


def test_empty():
    r = distance_to_graph("sine", np.empty((0, 2)))
    d, th = r.distance, r.theta
    assert d.shape == (0,) and th.shape == (0, 1)


@pytest.mark.parametrize("loss", [catalog.double_well(), catalog.bumpy_bowl()])
def test_points_near_the_graph_small_windows(loss):
    # windows spanning one or two grid samples: the curvature bounds need neighbours
    rng = np.random.default_rng(11)
    lo, hi = loss.domain[0]
    a = rng.uniform(lo, hi, 300)
    pts = np.stack([a, loss.f(a) + rng.uniform(-0.03, 0.03, 300)], 1)
    d = distance_to_graph(loss, pts).distance
    grid = np.arange(lo - 1, hi + 1, 2e-5)
    fg = loss.f(grid)
    for (ai, bi), di in zip(pts, d, strict=True):
        s = slice(np.searchsorted(grid, ai - 0.05), np.searchsorted(grid, ai + 0.05))
        g = (grid[s] - ai) ** 2 + (fg[s] - bi) ** 2
        # dense sampling at 2e-5 is within g'' h^2 / 8 < 2e-8 of the minimum of g (above it)
        assert g.min() - 2e-8 <= di * di <= g.min() + 1e-15


def test_result_is_a_frozen_record_with_the_graph_point():
    """point = (theta, lambda f(theta)); on x^2 at (0, 2) with scale 2 the nearest points are
    (+-sqrt(7)/(2 sqrt 2), 2 * 7/8): g = t^2 + (2t^2 - 2)^2 is stationary at t^2 = 7/8."""
    r = distance_to_graph(catalog.parabola(), [[0.0, 2.0]], scale=2.0)
    t = float(r.theta[0, 0])
    assert abs(abs(t) - np.sqrt(7 / 8)) < 1e-10
    assert np.allclose(r.point[0], [t, 2 * t * t], rtol=0, atol=1e-15)
    assert abs(r.distance[0] - np.sqrt(7 / 8 + (7 / 4 - 2) ** 2)) < 1e-12
    assert len(r) == 1 and r.point.shape == (1, 2)
    with pytest.raises(AttributeError):
        r.distance = None


def test_hint_is_the_deprecated_name_of_warm():
    """hint= still works for one release, with a DeprecationWarning, and gives warm='s answer."""
    L = Landscape("sine")
    pts = np.array([[0.3, 2.0], [1.2, -0.5]])
    ref = distance_to_graph(L, pts, warm=[[0.3], [1.0]])
    with pytest.warns(DeprecationWarning, match="warm="):
        old = distance_to_graph(L, pts, hint=[[0.3], [1.0]])
    np.testing.assert_array_equal(old.distance, ref.distance)
    with pytest.raises(ValueError, match="warm= only"):
        distance_to_graph(L, pts, warm=[[0.3], [1.0]], hint=[[0.3], [1.0]])
