"""Tests of rollingball.geometry.curve: the offset curve, its regularity, cusps and swallowtails."""

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq

from rollingball import RHO, Landscape
from rollingball.geometry.curve import (
    cusps,
    offset_curve,
    offset_curve_symbolic,
    regularity,
    regularity_symbolic,
    swallowtails,
    trimmed_offset_curve,
)
from rollingball.numeric.offset import upper_offset

SINE = Landscape("sine")


@pytest.mark.parametrize("loss", ["sine", "x^4 - x^2", "parabola"])
def test_derivative_of_the_offset_curve_is_regularity_times_tangent(loss):
    L = Landscape(loss)
    x = L.variables[0]
    c = offset_curve_symbolic(L)
    gamma_prime = sp.Matrix([1, sp.diff(L.expr, x)])
    diff = c.diff(x) - regularity_symbolic(L) * gamma_prime
    # exact identity c' = (1 - rho kappa) gamma'; checked at random points to 30 digits
    for t in (sp.Rational(-13, 10), sp.Rational(1, 5), sp.Rational(9, 10)):
        for r in (sp.Rational(3, 10), sp.Integer(2)):
            vals = [sp.N(e.subs({x: t, RHO: r}), 30) for e in diff]
            assert all(abs(v) < 1e-25 for v in vals)


def test_numeric_regularity_against_finite_differences():
    t = np.linspace(-3, 3, 13)
    rho, h = 0.7, 1e-6
    dc = (offset_curve(SINE, t + h, rho) - offset_curve(SINE, t - h, rho)) / (2 * h)
    expected = regularity(SINE, t, rho)[:, None] * np.stack([np.ones_like(t), np.cos(t)], -1)
    np.testing.assert_allclose(dc, expected, atol=1e-8)


def test_parabola_cusps_closed_form():
    # kappa = 2/(1+4x^2)^(3/2) = 1/rho  <=>  x = +-sqrt(((2 rho)^(2/3) - 1)/4)
    for rho in (0.75, 1.0, 3.0):
        root = np.sqrt(((2 * rho) ** (2 / 3) - 1) / 4)
        np.testing.assert_allclose(cusps("parabola", rho, domain=(-2, 2)), [-root, root],
                                   rtol=0, atol=1e-13)
    assert cusps("parabola", 0.45, domain=(-2, 2)).size == 0


def test_sine_cusps_have_curvature_one_over_rho():
    rho = 1.5
    c = cusps(SINE, rho, domain=(-3 * np.pi, 3 * np.pi))
    assert c.size == 6  # two per trough, three troughs
    np.testing.assert_allclose(SINE.curvature_at(c), 1 / rho, rtol=0, atol=1e-13)


def _sine_half_width(rho):
    """Half-width a of the sine's swallowtail cut: x-coordinate of c(-pi/2 + a) is -pi/2."""
    return brentq(lambda a: a - rho * np.sin(a) / np.sqrt(1 + np.sin(a) ** 2), 1e-3, np.pi,
                  xtol=1e-15)


@pytest.mark.parametrize("rho", [1.2, 1.5, 3.0])
def test_sine_swallowtails(rho):
    s = swallowtails(SINE, rho, domain=(-3 * np.pi, 3 * np.pi))
    troughs = -np.pi / 2 + 2 * np.pi * np.arange(-1, 2)
    inside = (s.x > -3 * np.pi) & (s.x < 3 * np.pi)
    np.testing.assert_allclose(s.x[inside], troughs, atol=1e-9)
    a = _sine_half_width(rho)
    np.testing.assert_allclose(s.theta_minus[inside], troughs - a, atol=1e-9)
    np.testing.assert_allclose(s.theta_plus[inside], troughs + a, atol=1e-9)
    # a self-intersection: both ends of the cut meet at the centre (x*, f_rho(x*))
    cm, cp = offset_curve(SINE, s.theta_minus, rho), offset_curve(SINE, s.theta_plus, rho)
    np.testing.assert_allclose(cm, cp, atol=1e-9)
    np.testing.assert_allclose(cm, np.stack([s.x, s.y], -1), atol=1e-9)
    # each cut holds exactly the two cusps of its swallowtail
    cs = cusps(SINE, rho, domain=(s.theta_minus.min(), s.theta_plus.max()))
    for lo, hi in s.intervals:
        assert np.sum((cs > lo) & (cs < hi)) == 2


def test_no_swallowtail_at_or_below_the_critical_radius():
    assert swallowtails(SINE, 0.9).x.size == 0
    assert swallowtails(SINE, 1.0).x.size == 0  # the trough is still touched at rho = 1
    assert swallowtails("parabola", 0.5).x.size == 0


def test_trimmed_curve_is_the_graph_of_f_rho():
    rho = 1.5
    t = np.linspace(-3 * np.pi, 3 * np.pi, 601)
    pts, kept = trimmed_offset_curve(SINE, t, rho)
    assert 0 < kept.sum() < t.size
    f_rho = upper_offset(SINE, pts[:, 0], rho).value
    np.testing.assert_allclose(pts[kept, 1], f_rho[kept], atol=1e-11)
    # the cut-out points lie strictly below the offset (inside the tubular neighbourhood)
    assert np.all(f_rho[~kept] - pts[~kept, 1] > 0)


def test_docstring_examples():
    import doctest

    import rollingball.geometry.curve as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
