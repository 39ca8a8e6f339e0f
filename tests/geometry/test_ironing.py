"""Tests of rollingball.geometry.ironing: the plateau, the decrease, both large-radius limits."""

import numpy as np
import pytest
import sympy as sp

from rollingball import Landscape
from rollingball.geometry.ironing import ironing, sine_asymptote, strong_ironing, sup_on_domain
from rollingball.numeric.offset import upper_offset

D = (-3 * np.pi, 3 * np.pi)


def test_sine_plateau_is_exactly_two():
    radii = np.array([0.05, 0.3, 0.7, 0.95, 1.0])
    r = ironing("sine", radii, domain=D)
    np.testing.assert_allclose(r.delta, 2.0, rtol=0, atol=1e-9)
    # sup f_rho = 1 + rho (a crest, touched), inf f_rho = -1 + rho (a trough, touched)
    np.testing.assert_allclose(r.sup, 1 + radii, atol=1e-12)
    np.testing.assert_allclose(r.inf, -1 + radii, atol=1e-12)
    np.testing.assert_allclose(np.sin(r.arginf), -1.0, atol=1e-12)
    assert r.base == pytest.approx(2.0, abs=1e-14)


@pytest.mark.parametrize("restrict", [True, False])
def test_sine_strictly_decreasing_beyond_one(restrict):
    radii = np.geomspace(1.02, 60, 12)
    r = ironing("sine", radii, domain=D, restrict=restrict)
    assert np.all(r.delta < 2.0 - 1e-6)
    assert np.all(np.diff(r.delta) < 0)


def test_large_radius_asymptotes_both_readings():
    rho = np.array([100.0])
    cut = ironing("sine", rho, domain=D, restrict=True)
    per = ironing("sine", rho, domain=D, restrict=False)
    # restricted: the edge -3 pi sets it, 9 pi^2 / (8 rho); periodic: a trough, pi^2 / (2 rho)
    assert cut.arginf[0] == pytest.approx(-3 * np.pi, abs=1e-9)
    assert np.sin(per.arginf[0]) == pytest.approx(-1.0, abs=1e-9)
    for r, restrict in ((cut, True), (per, False)):
        a = sine_asymptote(rho, restrict=restrict)
        assert abs(r.delta[0] / a[0] - 1) < 0.01
        refined = sine_asymptote(rho, restrict=restrict, refined=True)
        assert abs(r.delta[0] / refined[0] - 1) < 1e-3
    # the two readings differ by the ratio of squared distances (3/2)^2
    assert cut.delta[0] / per.delta[0] == pytest.approx(2.25, rel=0.01)


def test_ironing_against_a_dense_scan():
    # independent: f_rho on a fine grid, extremes taken by brute force
    L = Landscape("bumpy_bowl")
    radii = np.array([0.2, 0.8, 2.5])
    r = ironing(L, radii, domain=(-3, 3))
    xs = np.linspace(-3, 3, 6001)
    F = upper_offset(L, xs[:, None], radii[None, :], domain=(-3, 3)).value
    assert np.all(r.sup >= F.max(axis=0) - 1e-12) and np.all(r.sup - F.max(axis=0) < 1e-6)
    # the inf sits at a kink of f_rho (two contacts) for rho > 0.317: a grid misses it by up
    # to slope * spacing, so the polished value is lower, and a local minimum
    assert np.all(r.inf <= F.min(axis=0) + 1e-12) and np.all(F.min(axis=0) - r.inf < 2e-3)
    np.testing.assert_allclose(upper_offset(L, r.arginf, radii, domain=(-3, 3)).value, r.inf,
                               atol=1e-14)
    for dx in (-1e-7, 1e-7):
        assert np.all(upper_offset(L, r.arginf + dx, radii, domain=(-3, 3)).value >= r.inf)
    # restricted reading: sup f_rho = sup_D f + rho exactly (x = the argmax of f)
    fmax, _ = sup_on_domain(L, (-3, 3))
    np.testing.assert_allclose(r.sup, fmax + radii, atol=1e-12)


def test_strong_ironing_shrinks_for_sine_plus_wiggle():
    x = sp.Symbol("x")
    f = Landscape("sine")
    eps = 0.05
    g = Landscape(sp.sin(x) + eps * sp.sin(40 * x), [x], feature_scale=2 * np.pi / 40)
    radii = np.array([0.02, 0.3, 1.0, 3.0, 10.0, 40.0])
    s = strong_ironing(f, g, radii, domain=(-np.pi, np.pi), points=201)
    assert s.sup_diff == pytest.approx(eps, rel=1e-3)
    assert s.deviation[0] > 0.5 * eps  # a small ball feels the wiggle
    assert np.all(np.diff(s.deviation) < 0)
    assert s.deviation[-1] < 0.05 * s.deviation[0]


def test_bad_input():
    with pytest.raises(ValueError, match="radius"):
        ironing("sine", [1.0, 0.0])
    with pytest.raises(ValueError, match="empty"):
        ironing("sine", [1.0], domain=(1.0, -1.0))
    x, y = sp.symbols("x y")
    with pytest.raises(ValueError, match="1-D"):
        ironing(Landscape(x**2 + y**2, [x, y]), [1.0])


def test_docstring_examples():
    import doctest
    import importlib

    module = importlib.import_module("rollingball.geometry.ironing")

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_strong_ironing_of_a_constant_shift_is_zero():
    # g = f + 0.3: g_rho = f_rho + 0.3 and sup g = sup f + 0.3 exactly, for every radius
    x = sp.Symbol("x")
    g = Landscape(sp.sin(x) + sp.Rational(3, 10), [x], feature_scale=2 * np.pi)
    s = strong_ironing("sine", g, [0.1, 1.0, 5.0], domain=(-np.pi, np.pi), points=101)
    assert np.all(s.deviation < 1e-14)
    assert s.sup_g - s.sup_f == pytest.approx(0.3, abs=1e-14)
