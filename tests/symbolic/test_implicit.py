"""Tests of rollingball.symbolic.implicit: F(x, y, rho) by a resultant, against a hand result."""

import numpy as np
import pytest
import sympy as sp

from rollingball import RHO, Landscape
from rollingball.numeric.offset import upper_offset
from rollingball.symbolic.implicit import implicit_offset


def test_parabola_against_a_hand_derivation():
    F = implicit_offset("x^2")
    x, y = F.x, F.y
    # By hand: with u = y - theta^2, the normal condition (x - theta) + 2 theta (y - theta^2) = 0
    # gives x = theta (1 - 2u), the circle gives u^2 (1 + 4 theta^2) = rho^2; substituting
    # theta^2 = y - u leaves two cubics in u, whose common root is eliminated below.
    u = sp.Symbol("u")
    A = u**2 * (1 + 4 * y - 4 * u) - RHO**2
    B = (y - u) * (1 - 2 * u) ** 2 - x**2
    H = sp.resultant(A, B, u)
    ratio = sp.cancel(H / F.expr)
    assert ratio.is_number and ratio != 0
    # on the axis x = 0: the vertex points y = +-rho and (twice) the point where the
    # normals from theta = +-sqrt(rho^2 - 1/4) cross the axis, y = rho^2 + 1/4
    lhs = sp.factor(F.expr.subs(x, 0))
    rhs = (y - RHO) * (y + RHO) * (4 * y - 4 * RHO**2 - 1) ** 2
    assert sp.cancel(lhs / rhs).is_number
    assert F.degree == 6


@pytest.mark.parametrize("loss", ["x^2", "x^4 - x^2", "x^3 - x"])
def test_F_vanishes_on_the_offset(loss):
    L = Landscape(loss)
    F = implicit_offset(L)
    t = np.linspace(-1.2, 1.2, 25)
    for rho in (0.1, 0.4, 1.5):
        c = L.offset(t, rho)
        assert np.max(F.relative_residual(c, rho)) < 1e-13
        # the lower offset (rho -> -rho) is on F = 0 too; points off the curve are not
        assert np.max(F.relative_residual(L.offset(t, -rho), rho)) < 1e-13
        off = c + np.array([0.0, 0.05])
        assert np.min(F.relative_residual(off, rho)) > 1e-6
    # regular points of the upper offset: the first-order distance |F|/|grad F| is tiny
    assert np.max(F.distance_estimate(L.offset(t, 0.1), 0.1)) < 1e-10
    # and the exact upper offset f_rho (computed by maximisation, independently) lies on it
    xs = np.linspace(-1.0, 1.0, 11)
    r = upper_offset(L, xs, 0.3)
    pts = np.stack([xs, r.value], -1)
    assert np.max(F.relative_residual(pts, 0.3)) < 1e-13


def test_non_polynomial_loss_is_refused():
    with pytest.raises(ValueError, match="not a polynomial"):
        implicit_offset("sine")
    with pytest.raises(ValueError, match="not a polynomial"):
        implicit_offset("exp(x)")
    x, y = sp.symbols("x y")
    with pytest.raises(ValueError, match="1-D"):
        implicit_offset(Landscape(x**2 + y**2, [x, y]))


def test_docstring_examples():
    import doctest

    import rollingball.symbolic.implicit as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
