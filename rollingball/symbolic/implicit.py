r"""Implicit equations of the offsets of polynomial losses, by elimination.

A point :math:`(x, y)` lies at distance :math:`\rho` from the graph of :math:`f` along the
graph's normal at :math:`\theta` when

.. math::

    P_1 = (x-\theta)^2 + (y-f(\theta))^2 - \rho^2 = 0,\qquad
    P_2 = (x-\theta) + (y-f(\theta))\,f'(\theta) = 0

(on the circle of radius :math:`\rho` about :math:`\gamma(\theta)`, and on its normal line).
For a polynomial :math:`f` both are polynomials in :math:`\theta`, and their resultant

.. math::  F(x, y, \rho) = \operatorname{Res}_\theta(P_1, P_2)

vanishes exactly where they share a root :math:`\theta`: :math:`F = 0` is the whole
offset curve, for both signs of :math:`\rho` (above and below the graph) and with its
swallowtails.  The upper offset :math:`y = f_\rho(x)` is one branch of it.  For
:math:`f = x^2`, :math:`F` has degree 6 and :math:`F(0, y, \rho) = (y-\rho)(y+\rho)
(4y-4\rho^2-1)^2` (the two vertex points and the focal point of the normals through the
axis, tested by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from rollingball.symbolic.landscape import RHO, Landscape

__all__ = ["ImplicitOffset", "implicit_offset"]


@dataclass(frozen=True)
class ImplicitOffset:
    """The implicit offset :math:`F(x, y, \\rho) = 0` of a 1-D polynomial loss.

    Attributes:
        expr: F, an expanded SymPy polynomial with integer (or the loss's) coefficients.
        x, y: its plane coordinates (``x`` is the loss variable); ``rho`` is
            :data:`rollingball.RHO`.
    """

    expr: sp.Expr
    x: sp.Symbol
    y: sp.Symbol
    rho: sp.Symbol = RHO

    @property
    def poly(self) -> sp.Poly:
        """F as a :class:`sympy.Poly` in x, y, rho."""
        return sp.Poly(self.expr, self.x, self.y, self.rho)

    @property
    def degree(self) -> int:
        """The total degree of F in x and y."""
        return sp.Poly(self.expr, self.x, self.y).total_degree()

    @cached_property
    def _fn(self):
        grad = [sp.diff(self.expr, v) for v in (self.x, self.y)]
        return sp.lambdify((self.x, self.y, self.rho), [self.expr, *grad], modules="numpy",
                           cse=True)

    def __call__(self, points, rho) -> np.ndarray:
        """F at ``points`` (shape ``(..., 2)``) for radii ``rho`` (broadcast)."""
        p = np.asarray(points, dtype=float)
        out = self._fn(p[..., 0], p[..., 1], np.asarray(rho, dtype=float))[0]
        return np.broadcast_to(np.asarray(out, dtype=float), np.broadcast_shapes(
            p.shape[:-1], np.shape(rho))).copy()

    @cached_property
    def _abs_fn(self):
        terms = sp.Add.make_args(sp.expand(self.expr))
        return sp.lambdify((self.x, self.y, self.rho), sum(sp.Abs(t) for t in terms),
                           modules="numpy", cse=True)

    def relative_residual(self, points, rho) -> np.ndarray:
        r"""The backward error :math:`|F| / \sum_m |F_m|` (:math:`F_m` the monomials of F).

        Rounding alone leaves it near 1e-16 on the curve; it is scale-free and, unlike
        :meth:`distance_estimate`, stays meaningful at the curve's singular points.
        """
        p = np.asarray(points, dtype=float)
        r = np.asarray(rho, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.abs(self(p, r)) / self._abs_fn(p[..., 0], p[..., 1], r)

    def distance_estimate(self, points, rho) -> np.ndarray:
        r"""The first-order distance to the curve :math:`|F| / |\nabla_{x,y} F|` (scale-free)."""
        p = np.asarray(points, dtype=float)
        F, Fx, Fy = (np.asarray(v, dtype=float) for v in
                     self._fn(p[..., 0], p[..., 1], np.asarray(rho, dtype=float)))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.abs(F) / np.hypot(Fx, Fy)


def implicit_offset(landscape: Landscape | str) -> ImplicitOffset:
    r"""The implicit offset :math:`F(x,y,\rho) = \operatorname{Res}_\theta(P_1, P_2)` of a
    1-D polynomial loss (see the module notes).

    Raises:
        ValueError: for a loss that is not a polynomial in one variable.

    >>> F = implicit_offset("x^2")
    >>> F.degree
    6
    >>> sp.factor(F.expr.subs(F.x, 0))
    (-rho + y)*(rho + y)*(-4*rho**2 + 4*y - 1)**2
    """
    L = Landscape(landscape)
    if L.dim != 1:
        raise ValueError(f"implicit offsets are provided for 1-D losses; this one is {L.dim}-D")
    x = L.variables[0]
    expr = L.explicit()
    if L.data or expr.has(sp.Sum) or not expr.is_polynomial(x):
        raise ValueError(f"the loss {L.name!r} is not a polynomial in {x}: its offset has no "
                         "polynomial implicit equation (the resultant needs polynomials)")
    y = sp.Symbol("y") if x.name != "y" else sp.Symbol("z")
    theta = sp.Dummy("theta")
    f = expr.subs(x, theta)
    p1 = sp.expand((x - theta) ** 2 + (y - f) ** 2 - RHO**2)
    p2 = sp.expand((x - theta) + (y - f) * sp.diff(f, theta))
    F = sp.resultant(p1, p2, theta)
    poly = sp.Poly(F, x, y, RHO)
    if poly.is_zero:
        raise ValueError(f"the resultant vanishes identically for {L.name!r}")
    _, prim = poly.primitive()
    if prim.LC() < 0:
        prim = -prim
    return ImplicitOffset(expr=prim.as_expr(), x=x, y=y)
