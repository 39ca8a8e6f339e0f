"""Tests of rollingball.geometry.reach against closed forms and a brute-force tangent-ball test."""

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq

from rollingball import Landscape
from rollingball.geometry.reach import (
    critical_radius,
    is_unreachable,
    local_critical_radius,
    point_radius,
    unreachable,
    unreachable_mask,
)

SINE = Landscape("sine")
D = (-3 * np.pi, 3 * np.pi)


def brute_unreachable(f, df, theta, rho, n=40_001):
    """The tangent-ball test by dense sampling, written independently of the package.

    theta is unreachable iff the ball of radius rho tangent from above at (theta, f(theta))
    holds a graph point: min over |t - theta| <= 2 rho of |c - (t, f(t))| < rho.
    """
    out = []
    for th in np.atleast_1d(theta):
        g = df(th)
        w = np.sqrt(1 + g * g)
        cx, cy = th - rho * g / w, f(th) + rho / w
        t = np.linspace(th - 2 * rho, th + 2 * rho, n)
        dist = np.hypot(t - cx, f(t) - cy)
        out.append(dist.min() < rho * (1 - 1e-9))
    return np.array(out)


def sine_half_width(rho):
    """The cut around a trough is -pi/2 +- a with a = rho sin a / sqrt(1 + sin^2 a)."""
    return brentq(lambda a: a - rho * np.sin(a) / np.sqrt(1 + np.sin(a) ** 2), 1e-3, np.pi,
                  xtol=1e-15)


# ------------------------------------------------------------------ local critical radius
def test_local_critical_radius_exact_for_sine_and_parabola():
    r = local_critical_radius(SINE)
    assert r.exact == 1 and r.radius == pytest.approx(1.0, abs=1e-13)
    assert str(r).startswith("local critical radius 1 (limited by curvature")
    assert float(sp.sin(r.exact_argmax)) == -1.0  # a trough
    p = local_critical_radius("parabola")
    assert p.exact == sp.Rational(1, 2) and p.argmax == pytest.approx(0.0, abs=1e-9)


def test_double_well_is_not_one_quarter():
    r = local_critical_radius("double_well")
    # independent reference: the largest real root of 28u^3 - 22u^2 + 5u - 1 (u = x^2)
    u = max(z.real for z in np.roots([28, -22, 5, -1]) if abs(z.imag) < 1e-12)
    x = np.sqrt(u)
    kappa = (12 * x**2 - 2) / (1 + (4 * x**3 - 2 * x) ** 2) ** 1.5
    assert abs(r.argmax) == pytest.approx(x, abs=1e-10)
    assert r.kappa_max == pytest.approx(kappa, rel=1e-12)
    assert r.radius == pytest.approx(1 / kappa, rel=1e-12)
    assert r.radius == pytest.approx(0.21975, abs=1e-5) and r.radius < 0.25
    assert float(sp.N(r.exact, 30)) == pytest.approx(1 / kappa, rel=1e-12)
    assert r.exact_argmax.has(sp.CRootOf)


def test_local_critical_radius_numeric_against_dense_sampling():
    L = Landscape("bumpy_bowl")
    t = np.linspace(*L.domain[0], 2_000_001)
    k = L.curvature_at(t)
    r = local_critical_radius(L)
    assert r.kappa_max >= k.max() - 1e-12
    assert r.kappa_max - k.max() < 1e-9
    assert L.curvature_at(r.argmax) == pytest.approx(r.kappa_max, rel=1e-14)


def test_local_critical_radius_2d_principal_curvature():
    x, y = sp.symbols("x y")
    r = local_critical_radius(Landscape(x**2 + 2 * y**2, [x, y], domain=(-1, 1)))
    assert r.radius == pytest.approx(0.25, rel=1e-9)  # kappa_1 = 4 at the origin
    np.testing.assert_allclose(r.argmax, [0, 0], atol=1e-4)


def test_2d_grid_test_of_the_critical_radius():
    x, y = sp.symbols("x y")
    L = Landscape(x**2 + 2 * y**2, [x, y], domain=(-0.6, 0.6))
    r = local_critical_radius(L).radius
    below = unreachable_mask(L, 0.9 * r, resolution=0.04)[1]
    above = unreachable_mask(L, 1.3 * r, resolution=0.04)[1]
    assert not below.any()
    assert above.any()
    # the region is around the origin (where kappa_1 peaks) and grows with rho
    axes, bigger = unreachable_mask(L, 2.0 * r, resolution=0.04)
    assert bigger[axes[0].size // 2, axes[1].size // 2]
    assert np.all(bigger[above])


# ------------------------------------------------------------------ true critical radius
@pytest.mark.parametrize("name, expected", [("sine", 1.0), ("parabola", 0.5),
                                            ("double_well", 0.21974785572)])
def test_true_equals_local_for_smooth_losses(name, expected):
    r = critical_radius(name)
    assert r.radius == pytest.approx(expected, rel=1e-9)
    assert r.limited_by == "curvature"


def test_flat_bottomed_trough_local_curvature_alone_is_wrong():
    # a narrow flat-bottomed trough (2x)^16: floor ~[-0.35, 0.35], steep walls beyond;
    # seen on its floor D = [-0.2, 0.2] the curvature is tiny but the walls stop the ball
    L = Landscape("(2*x)^16", domain=(-1, 1))
    floor = (-0.2, 0.2)
    local = local_critical_radius(L, domain=floor).radius
    true = critical_radius(L, domain=floor)
    assert local > 100
    assert true.limited_by == "edge" and 0.2 < true.radius < 0.3

    def f(t):
        return (2 * t) ** 16

    def df(t):
        return 32 * (2 * t) ** 15

    t = np.linspace(*floor, 41)
    assert not brute_unreachable(f, df, t, true.radius * (1 - 1e-4)).any()
    assert brute_unreachable(f, df, np.array([floor[0], floor[1]]), true.radius * (1 + 1e-4)).all()
    # and the unreachable intervals appear at the edges right above it
    u = unreachable(L, true.radius * 1.01, domain=floor)
    assert len(u) == 2 and u.intervals[0, 0] == floor[0] and u.intervals[1, 1] == floor[1]
    assert len(unreachable(L, true.radius * 0.99, domain=floor)) == 0


def test_point_radius_closed_forms():
    # trough: 1/kappa = 1; inflection 0: the ball tangent there also touches (-pi, 0), so
    # its centre (-pi/2, pi/2) is pi/sqrt(2) away from both
    r = point_radius(SINE, np.array([-np.pi / 2, 0.0]))
    np.testing.assert_allclose(r, [1.0, np.pi / np.sqrt(2)], rtol=1e-9)


# ------------------------------------------------------------------ unreachable intervals
@pytest.mark.parametrize("rho", [0.5, 1.5, 3.0])
def test_sine_unreachable_matches_brute_force(rho):
    u = unreachable(SINE, rho, domain=D)
    theta = np.linspace(D[0], D[1], 301)
    ref = brute_unreachable(np.sin, np.cos, theta, rho)
    got = u.contains(theta)
    near = np.zeros(theta.shape, dtype=bool)
    for a, b in u.intervals:
        near |= (np.abs(theta - a) < 1e-6) | (np.abs(theta - b) < 1e-6)
    np.testing.assert_array_equal(got[~near], ref[~near])
    if rho == 0.5:
        assert len(u) == 0
    else:
        a = sine_half_width(rho)
        for lo, hi in u.intervals:  # endpoints to 1e-9 (clipped at the domain's edges)
            mid = -np.pi / 2 + 2 * np.pi * np.round((0.5 * (lo + hi) + np.pi / 2) / (2 * np.pi))
            if lo > D[0]:
                assert lo == pytest.approx(mid - a, abs=1e-9)
            if hi < D[1]:
                assert hi == pytest.approx(mid + a, abs=1e-9)


def test_unreachable_is_open_and_grows_with_rho():
    radii = [1.05, 1.5, 2.0, 3.0]
    sets = [unreachable(SINE, r, domain=D) for r in radii]
    for small, big in zip(sets, sets[1:], strict=False):
        for a, b in small.intervals:  # nested: every small interval inside a big one
            assert any(c <= a and b <= d for c, d in big.intervals)
        assert big.measure > small.measure
    for u in sets:
        for a, b in u.intervals:
            assert b - a > 1e-3  # no isolated points
            inner = np.array([a, b]) + np.array([1e-7, -1e-7])
            assert is_unreachable(SINE, inner, u.rho).all()
            ends = np.array([a, b])[(np.array([a, b]) > D[0]) & (np.array([a, b]) < D[1])]
            if ends.size:  # the endpoints themselves are touched: the set is open
                assert not is_unreachable(SINE, ends, u.rho).any()


def test_empty_below_the_true_critical_radius():
    for name in ("sine", "double_well", "bumpy_bowl"):
        rc = critical_radius(name).radius
        assert len(unreachable(name, rc * 0.999)) == 0
        assert len(unreachable(name, rc * 1.01)) > 0


def test_either_side_is_the_paper_literal_definition():
    # at 1.5 the troughs are unreachable from above, the crests from below: none from both
    assert len(unreachable(SINE, 1.5, side="above", domain=D)) == 3
    assert len(unreachable(SINE, 1.5, side="below", domain=D)) == 3
    assert len(unreachable(SINE, 1.5, side="either", domain=D)) == 0
    # at 3 the two families overlap on the flanks, around the inflections
    both = unreachable(SINE, 3.0, side="either", domain=D)
    above = unreachable(SINE, 3.0, domain=D)
    assert len(both) > 0 and both.measure < above.measure
    centres = 0.5 * (both.intervals[:, 0] + both.intervals[:, 1])
    interior = (both.intervals[:, 0] > D[0]) & (both.intervals[:, 1] < D[1])
    np.testing.assert_allclose(np.sin(centres[interior]), 0.0, atol=1e-9)


@pytest.mark.slow
def test_either_side_critical_radius_of_the_sine():
    r = critical_radius(SINE, side="either")
    assert r.radius == pytest.approx(np.pi / np.sqrt(2), rel=1e-9)
    assert np.sin(r.argmax) == pytest.approx(0.0, abs=1e-6)


def test_2d_mask_matches_1d_intervals_on_a_ridge_loss():
    x, y = sp.symbols("x y")
    L = Landscape(sp.sin(x) + 0 * y, [x, y], domain=((-3 * np.pi, 3 * np.pi), (-0.5, 0.5)),
                  feature_scale=2 * np.pi)
    axes, mask = unreachable_mask(L, 1.5, resolution=0.1)
    ref = unreachable(SINE, 1.5, domain=D).contains(axes[0])
    np.testing.assert_array_equal(mask, np.broadcast_to(ref[:, None], mask.shape))
    # the closing is conservative: it never invents unreachable points
    _, closing = unreachable_mask(L, 1.5, resolution=0.1, method="closing")
    assert not (closing & ~mask).any() and closing.sum() > 0.5 * mask.sum()


def test_bad_input():
    with pytest.raises(ValueError, match="radius"):
        unreachable(SINE, -1.0)
    with pytest.raises(ValueError, match="empty"):
        unreachable(SINE, 1.0, domain=(2.0, 1.0))
    with pytest.raises(ValueError, match="side"):
        unreachable(SINE, 1.0, side="sideways")
    x, y = sp.symbols("x y")
    with pytest.raises(ValueError, match="1-D"):
        unreachable(Landscape(x**2 + y**2, [x, y]), 1.0)


def test_docstring_examples():
    import doctest

    import rollingball.geometry.reach as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name, f, df, rho", [
    ("double_well", lambda t: t**4 - t**2, lambda t: 4 * t**3 - 2 * t, 0.3),
    ("bumpy_bowl", lambda t: np.cos(3 * t) / 3 + t**2 / 10,
     lambda t: -np.sin(3 * t) + t / 5, 0.6),
])
def test_other_losses_match_brute_force(name, f, df, rho):
    L = Landscape(name)
    u = unreachable(L, rho)
    theta = np.linspace(*L.domain[0], 241)
    ref = brute_unreachable(f, df, theta, rho)
    near = np.zeros(theta.shape, dtype=bool)
    for a, b in u.intervals:
        near |= (np.abs(theta - a) < 1e-6) | (np.abs(theta - b) < 1e-6)
    assert ref.any()
    np.testing.assert_array_equal(u.contains(theta)[~near], ref[~near])


def test_2d_true_critical_radius_sees_the_edges():
    # the flat-bottomed trough as a ridge in 2-D, seen on its floor: the 1-D answer again
    x, y = sp.symbols("x y")
    L2 = Landscape((2 * x) ** 16 + 0 * y, [x, y], domain=((-0.2, 0.2), (-0.5, 0.5)))
    r2 = critical_radius(L2, resolution=0.1)
    r1 = critical_radius(Landscape("(2*x)^16"), domain=(-0.2, 0.2))
    assert r2.limited_by == "edge" and abs(r2.argmax[0]) == pytest.approx(0.2)
    assert r2.radius == pytest.approx(r1.radius, rel=1e-9)
    assert local_critical_radius(L2, resolution=0.1).radius > 100
    # a paraboloid whose curvature peak is inside: the local radius
    r3 = critical_radius(Landscape(x**2 + 2 * y**2, [x, y], domain=(-0.6, 0.6)), resolution=0.1)
    assert r3.limited_by == "curvature" and r3.radius == pytest.approx(0.25, rel=1e-9)
