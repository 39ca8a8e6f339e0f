r"""The exact symbolic description of a loss landscape and its compiled numerics.

A :class:`Landscape` holds a closed-form loss :math:`f:\mathbb R^d\to\mathbb R` as a
SymPy expression and derives, exactly, everything the rolling ball needs:

.. math::

    \nu = \frac{(-\nabla f,\ 1)}{\sqrt{1+|\nabla f|^2}} \quad\text{(paper Eq. 1)},\qquad
    \tau = (\nabla f,\ |\nabla f|^2) \quad\text{(Eq. 2)},

    \kappa = \frac{f''}{(1+f'^2)^{3/2}}\ (d=1),\qquad
    S = \frac{g^{-1}\,\nabla^2 f}{\sqrt{1+|\nabla f|^2}},\quad
    g = I + \nabla f\,\nabla f^{\top}\ (d\ge 1),

    c(\theta,\rho) = (\theta, f(\theta)) + \rho\,\nu(\theta)\quad\text{(the offset point)}.

Each quantity has a numeric counterpart compiled once per landscape with
``lambdify(..., cse=True)`` and vectorised: in 1-D the functions take arrays of
any shape; in d-D they take ``(..., d)`` arrays.  Outputs are float64 arrays:

=========================  ==================  =====================
quantity                   1-D input ``(...)``  d-D input ``(..., d)``
=========================  ==================  =====================
``f``, ``curvature``       ``(...)``            ``(...)``
``grad``                   ``(...)``            ``(..., d)``
``hess``                   ``(...)``            ``(..., d, d)``
``normal``, ``tangent``    ``(..., 2)``         ``(..., d+1)``
``offset(x, rho)``         ``(..., 2)``         ``(..., d+1)``
``shape_operator``         ``(..., 1, 1)``      ``(..., d, d)``
``principal_curvatures``   ``(..., 1)``         ``(..., d)`` descending
=========================  ==================  =====================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from rollingball.symbolic.compiled import expand_data_sums, vectorize
from rollingball.symbolic.parsing import check_expression, make_symbol, parse_loss

__all__ = ["Landscape", "RHO"]

#: The radius symbol used in symbolic offsets.
RHO = sp.Symbol("rho", positive=True)

_DEFAULT_DOMAIN = (-5.0, 5.0)

#: The resolver of loss names (``"sine"``, ``"weierstrass_like:n=20"``): installed by
#: :mod:`rollingball.symbolic.catalog` (which builds Landscapes, so it sits after this module
#: and is imported with the ``rollingball.symbolic`` package).
_NAMES: list[Callable[[str], Landscape | None]] = []


def register_names(resolver: Callable[[str], Landscape | None]) -> None:
    """Install ``resolver(text) -> Landscape | None`` as the meaning of named losses."""
    _NAMES[:] = [resolver]


class Landscape:
    """A closed-form loss with its exact geometry.

    Args:
        loss: a loss string (parsed safely, see :func:`rollingball.symbolic.parsing.parse_loss`),
            a SymPy expression, the name of a catalog loss (``"sine"``,
            ``"bumpy_bowl"``, ... optionally with parameters: ``"weierstrass_like:n=20"``),
            or another :class:`Landscape` (returned unchanged).
        variables: variable names (or symbols) in order; inferred and sorted by name
            when omitted.
        name: a display name.
        data: arrays bound to the :class:`~sympy.IndexedBase` symbols of sums over
            data (see :func:`rollingball.symbolic.catalog.gaussian_wells`).
        domain: a box ``((lo, hi), ...)`` (or one ``(lo, hi)`` for every axis) used by
            default for plots and geometry; it does not restrict the loss.
        feature_scale: the shortest length over which the loss changes shape (the
            shortest wavelength of its bumps), when known; numeric tools choose their
            resolutions from it.

    >>> L = Landscape("sin(x)")
    >>> L.normal.T
    Matrix([[-cos(x)/sqrt(cos(x)**2 + 1), 1/sqrt(cos(x)**2 + 1)]])
    >>> float(L.curvature_at(-1.5707963267948966))  # 1 at a trough (x = -pi/2)
    1.0
    """

    def __new__(cls, loss: Any = None, *args, **kwargs):
        if isinstance(loss, Landscape) and not args and not kwargs:
            return loss
        return super().__new__(cls)

    def __init__(
        self,
        loss: str | sp.Expr | Landscape,
        variables: Sequence[str | sp.Symbol] | None = None,
        *,
        name: str | None = None,
        data: Mapping[str, np.ndarray] | None = None,
        domain: Sequence[float] | Sequence[Sequence[float]] | None = None,
        feature_scale: float | None = None,
        description: str = "",
    ) -> None:
        if isinstance(loss, Landscape):
            if variables is None and name is None and data is None and domain is None:
                return  # __new__ returned the same object
            raise ValueError("a Landscape cannot be rebuilt with new options; pass its expr")
        if isinstance(loss, str):
            named = _NAMES[0](loss) if _NAMES else None
            if named is not None:
                if variables is not None:
                    raise ValueError(f"the named loss {loss!r} has fixed variables")
                self.__dict__.update(named.__dict__)
                if name is not None:
                    self.name = name
                return
            names = None if variables is None else [str(v) for v in variables]
            expr, symbols = parse_loss(loss, names)
            name = name or loss.strip()
        elif isinstance(loss, sp.Basic):
            expr = sp.sympify(loss)
            data_names = set(data or {})
            if variables is None:
                free = [s for s in expr.free_symbols
                        if isinstance(s, sp.Symbol) and str(s) not in data_names]
                free = [s for s in free if not _is_bound(expr, s)]
                symbols = tuple(sorted(free, key=str))
            else:
                symbols = tuple(v if isinstance(v, sp.Symbol) else make_symbol(str(v))
                                for v in variables)
            allowed = set(symbols) | {s for s in expr.free_symbols if str(s) in data_names}
            allowed |= {s for s in expr.free_symbols
                        if isinstance(s, sp.Indexed) and str(s.base.label) in data_names}
            allowed |= {s for s in expr.free_symbols if _is_bound(expr, s)}
            check_expression(expr, allowed)
            name = name or str(expr)
        else:
            raise ValueError(
                f"a loss must be a string, a SymPy expression or a Landscape, "
                f"got {type(loss).__name__}")
        if not symbols:
            raise ValueError(f"the loss {name!r} has no variable")
        self.expr: sp.Expr = expr
        self.variables: tuple[sp.Symbol, ...] = tuple(symbols)
        self.name: str = name
        self.data: dict[str, np.ndarray] = {k: np.asarray(v, dtype=float)
                                            for k, v in (data or {}).items()}
        self.description = description
        self.domain = _as_domain(domain, len(self.variables))
        if feature_scale is not None and not (np.isfinite(feature_scale) and feature_scale > 0):
            raise ValueError(f"feature_scale must be positive, got {feature_scale}")
        self.feature_scale = feature_scale

    # ------------------------------------------------------------------ basics
    @property
    def dim(self) -> int:
        """The dimension d of the parameter space."""
        return len(self.variables)

    def __repr__(self) -> str:
        return f"Landscape({self.name!r}, dim={self.dim})"

    def __reduce__(self):
        # lambdified functions cannot be pickled: rebuild them on load.
        state = dict(expr=self.expr, variables=self.variables, name=self.name, data=self.data,
                     domain=self.domain, feature_scale=self.feature_scale,
                     description=self.description)
        return (_rebuild, (state,))

    def scaled(self, lam: float) -> Landscape:
        r"""The graph of :math:`\lambda f`: the same variables, data, domain and feature scale.

        .. math::  f_\lambda(\theta) = \lambda\, f(\theta),\qquad \lambda > 0 .

        Every geometric quantity of the vertical scale :math:`\lambda` (the metric on
        :math:`(\theta, \lambda f)`) is that of this landscape.  The factor is exact
        (:func:`sympy.nsimplify`) when it round-trips to the same float, else a
        :class:`sympy.Float`.  ``lam == 1`` returns ``self``; each ``lam`` is built once
        (cached on this landscape).

        Args:
            lam: the vertical scale :math:`\lambda`, positive and finite.

        Returns:
            the scaled :class:`Landscape`, named ``"lam*(name)"``.

        >>> Landscape("sin(x)").scaled(0.5).expr
        sin(x)/2
        >>> Landscape("x^2").scaled(1.0).name
        'x^2'
        """
        lam = float(lam)
        if not (np.isfinite(lam) and lam > 0):
            raise ValueError(f"the vertical scale must be positive and finite, got {lam}")
        if lam == 1.0:
            return self
        cache = self._num.setdefault("scaled", {})
        if lam not in cache:
            exact = sp.nsimplify(lam)
            factor = exact if float(exact) == lam else sp.Float(lam)
            cache[lam] = Landscape(factor * self.expr, self.variables,
                                   name=f"{lam:g}*({self.name})", data=self.data or None,
                                   domain=self.domain, feature_scale=self.feature_scale)
        return cache[lam]

    def explicit(self, expr: sp.Expr | None = None) -> sp.Expr:
        """``expr`` (default: the loss) with sums over data written out term by term."""
        expr = self.expr if expr is None else expr
        return expand_data_sums(expr, self.data) if self.data else expr

    # ------------------------------------------------------------ symbolic
    @cached_property
    def gradient(self) -> sp.Matrix:
        r"""The gradient :math:`\nabla f` as a d x 1 column."""
        return sp.Matrix([sp.diff(self.expr, v) for v in self.variables])

    @cached_property
    def hessian(self) -> sp.Matrix:
        r"""The Hessian :math:`\nabla^2 f` (d x d)."""
        g = self.gradient
        return sp.Matrix(self.dim, self.dim, lambda i, j: sp.diff(g[i], self.variables[j]))

    @cached_property
    def _grad_norm2(self) -> sp.Expr:
        return sum((g**2 for g in self.gradient), sp.Integer(0))

    @cached_property
    def normal(self) -> sp.Matrix:
        r"""The upward unit normal :math:`\nu = (-\nabla f, 1)/\sqrt{1+|\nabla f|^2}` (Eq. 1)."""
        w = sp.sqrt(1 + self._grad_norm2)
        return sp.Matrix([-g / w for g in self.gradient] + [1 / w])

    @cached_property
    def tangent(self) -> sp.Matrix:
        r"""The lifted gradient :math:`\tau = (\nabla f, |\nabla f|^2)` (Eq. 2).

        It is tangent to the graph and orthogonal to the normal.
        """
        return sp.Matrix(list(self.gradient) + [self._grad_norm2])

    @cached_property
    def curvature(self) -> sp.Expr:
        r"""The signed curvature :math:`\kappa = f''/(1+f'^2)^{3/2}` of the graph (d = 1 only).

        Positive where the graph bends upwards (valleys).
        """
        if self.dim != 1:
            raise ValueError(f"curvature is defined for 1-D losses; this one is {self.dim}-D: "
                             "use shape_operator or principal_curvatures")
        fp = self.gradient[0]
        return sp.diff(fp, self.variables[0]) / (1 + fp**2) ** sp.Rational(3, 2)

    @cached_property
    def metric(self) -> sp.Matrix:
        r"""The first fundamental form :math:`g = I + \nabla f\,\nabla f^{\top}`."""
        g = self.gradient
        return sp.eye(self.dim) + g * g.T

    @cached_property
    def shape_operator(self) -> sp.Matrix:
        r"""The shape operator :math:`S = g^{-1}\nabla^2 f/\sqrt{1+|\nabla f|^2}`.

        Uses :math:`g^{-1} = I - \nabla f\,\nabla f^{\top}/(1+|\nabla f|^2)` (Sherman-Morrison).
        """
        g = self.gradient
        w2 = 1 + self._grad_norm2
        ginv = sp.eye(self.dim) - g * g.T / w2
        return ginv * self.hessian / sp.sqrt(w2)

    @cached_property
    def principal_curvatures(self) -> tuple[sp.Expr, ...]:
        r"""The eigenvalues of the shape operator, largest first (symbolic for d <= 2).

        For d = 2: :math:`H \pm \sqrt{H^2 - K}` with mean curvature
        :math:`H = \operatorname{tr} S/2` and Gauss curvature :math:`K = \det S`.
        """
        S = self.shape_operator
        if self.dim == 1:
            return (self.curvature,)
        if self.dim == 2:
            H = S.trace() / 2
            K = (self.hessian.det()) / (1 + self._grad_norm2) ** 2
            root = sp.sqrt(H**2 - K)
            return (H + root, H - root)
        raise ValueError("symbolic principal curvatures are provided for d <= 2; "
                         "use principal_curvatures_at for the numeric values in any dimension")

    @cached_property
    def offset_point(self) -> sp.Matrix:
        r"""The offset point :math:`c(\theta,\rho) = (\theta, f(\theta)) + \rho\,\nu(\theta)`."""
        base = sp.Matrix(list(self.variables) + [self.expr])
        return base + RHO * self.normal

    @cached_property
    def axis_derivatives(self) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
        r"""Per axis :math:`i`: :math:`(\partial_i^2 f,\ \partial_i^3 f)`, the pure second and
        third partial derivatives (the feature scale's ingredients)."""
        return tuple((self.hessian[i, i], sp.diff(self.hessian[i, i], v))
                     for i, v in enumerate(self.variables))

    @cached_property
    def curvature_derivatives(self) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        r""":math:`(\kappa, \kappa', \kappa'')` of the graph (d = 1 only): where the
        curvature peaks."""
        k = self.curvature
        dk = sp.diff(k, self.variables[0])
        return (k, dk, sp.diff(dk, self.variables[0]))

    # ------------------------------------------------------------- numeric
    def _compile(self, exprs, extra=()):
        return vectorize(list(self.variables) + list(extra), list(exprs), self.data)

    @cached_property
    def _num(self) -> dict[str, Any]:
        return {}

    def _fn(self, key: str):
        cache = self._num
        if key not in cache:
            d = self.dim
            if key == "f":
                cache[key] = self._compile([self.expr])
            elif key == "fg":
                cache[key] = self._compile([self.expr, *self.gradient])
            elif key == "fgh":
                hess = [self.hessian[i, j] for i in range(d) for j in range(i, d)]
                cache[key] = self._compile([self.expr, *self.gradient, *hess])
            elif key == "normal":
                cache[key] = self._compile(list(self.normal))
            elif key == "curvature":
                cache[key] = self._compile([self.curvature])
            elif key == "offset":
                cache[key] = self._compile(list(self.offset_point), extra=[RHO])
            elif key == "axis":
                cache[key] = self._compile([e for pair in self.axis_derivatives for e in pair])
            elif key == "curvature3":
                cache[key] = self._compile(list(self.curvature_derivatives))
            else:  # pragma: no cover - internal keys only
                raise KeyError(key)
        return cache[key]

    def _split(self, x) -> list[np.ndarray]:
        """Input columns: the array itself in 1-D, its last axis in d-D."""
        x = np.asarray(x, dtype=float)
        if self.dim == 1:
            return [x]
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(f"points of a {self.dim}-D loss must have shape (..., {self.dim}), "
                             f"got {x.shape}")
        return [x[..., i] for i in range(self.dim)]

    def as_input(self, theta) -> np.ndarray:
        """A batch of parameters ``theta`` ``(..., d)`` as the numeric methods take it: the
        array itself in d-D, its single column ``(...)`` in 1-D.

        >>> Landscape("x^2").as_input([[1.0], [2.0]])
        array([1., 2.])
        """
        theta = np.asarray(theta, dtype=float)
        if theta.ndim == 0 or theta.shape[-1] != self.dim:
            raise ValueError(f"parameters of a {self.dim}-D loss must have shape "
                             f"(..., {self.dim}), got {theta.shape}")
        return theta[..., 0] if self.dim == 1 else theta

    def f(self, x) -> np.ndarray:
        """The loss at ``x``."""
        return self._fn("f")(*self._split(x))[0]

    def value_and_grad(self, x) -> tuple[np.ndarray, np.ndarray]:
        """``(f, grad f)`` at ``x`` in one compiled call; grad has shape ``(..., d)`` always."""
        out = self._fn("fg")(*self._split(x))
        return out[0], np.stack(out[1:], axis=-1)

    def value_grad_hess(self, x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(f, grad f, Hess f)`` at ``x`` with shapes ``(...)``, ``(..., d)``, ``(..., d, d)``."""
        d = self.dim
        out = self._fn("fgh")(*self._split(x))
        f, grad, upper = out[0], np.stack(out[1:1 + d], axis=-1), out[1 + d:]
        hess = np.empty(f.shape + (d, d))
        it = iter(upper)
        for i in range(d):
            for j in range(i, d):
                hess[..., i, j] = hess[..., j, i] = next(it)
        return f, grad, hess

    def grad(self, x) -> np.ndarray:
        """The gradient: shape ``(...)`` in 1-D, ``(..., d)`` in d-D."""
        g = self.value_and_grad(x)[1]
        return g[..., 0] if self.dim == 1 else g

    def hess(self, x) -> np.ndarray:
        """The Hessian: shape ``(...)`` in 1-D, ``(..., d, d)`` in d-D."""
        h = self.value_grad_hess(x)[2]
        return h[..., 0, 0] if self.dim == 1 else h

    def normal_at(self, x) -> np.ndarray:
        """The unit normal nu, shape ``(..., d+1)``."""
        return np.stack(self._fn("normal")(*self._split(x)), axis=-1)

    def tangent_at(self, x) -> np.ndarray:
        """The lifted tangent tau, shape ``(..., d+1)``."""
        g = self.value_and_grad(x)[1]
        return np.concatenate([g, np.sum(g * g, axis=-1, keepdims=True)], axis=-1)

    def curvature_at(self, x) -> np.ndarray:
        """The signed curvature kappa (1-D losses)."""
        self.curvature  # noqa: B018 - raises the clear error in d-D
        return self._fn("curvature")(*self._split(x))[0]

    def axis_derivatives_at(self, x) -> np.ndarray:
        r""":math:`(\partial_i^2 f, \partial_i^3 f)` per axis, shape ``(..., d, 2)``."""
        out = self._fn("axis")(*self._split(x))
        return np.stack([np.stack(out[2 * i:2 * i + 2], axis=-1) for i in range(self.dim)],
                        axis=-2)

    def curvature_derivatives_at(self, x) -> np.ndarray:
        r""":math:`(\kappa, \kappa', \kappa'')` (1-D losses), shape ``(3, ...)``."""
        self.curvature  # noqa: B018 - raises the clear error in d-D
        return np.stack(self._fn("curvature3")(*self._split(x)))

    def shape_operator_at(self, x) -> np.ndarray:
        """The shape operator, shape ``(..., d, d)``."""
        _, g, h = self.value_grad_hess(x)
        w2 = 1.0 + np.sum(g * g, axis=-1)
        ginv = np.eye(self.dim) - g[..., :, None] * g[..., None, :] / w2[..., None, None]
        return ginv @ h / np.sqrt(w2)[..., None, None]

    def principal_curvatures_at(self, x) -> np.ndarray:
        r"""Principal curvatures, largest first, shape ``(..., d)``.

        Computed as the eigenvalues of the symmetric matrix
        :math:`g^{-1/2}\,\nabla^2 f\,g^{-1/2}/\sqrt{1+|\nabla f|^2}`, similar to the
        shape operator, with :math:`g^{-1/2} = I - (1 - 1/w)\,u u^{\top}/|u|^2`,
        :math:`u = \nabla f`, :math:`w = \sqrt{1+|u|^2}`.
        """
        _, g, h = self.value_grad_hess(x)
        n2 = np.sum(g * g, axis=-1)
        w = np.sqrt(1.0 + n2)
        with np.errstate(invalid="ignore", divide="ignore"):
            coef = np.where(n2 > 0, (1.0 - 1.0 / w) / np.where(n2 > 0, n2, 1.0), 0.0)
        half = np.eye(self.dim) - coef[..., None, None] * g[..., :, None] * g[..., None, :]
        sym = half @ h @ half / w[..., None, None]
        return np.linalg.eigvalsh(sym)[..., ::-1]

    def offset(self, x, rho) -> np.ndarray:
        """The offset point ``(x, f) + rho * nu``, shape ``(..., d+1)``; ``rho`` broadcasts."""
        cols = self._split(x)
        return np.stack(self._fn("offset")(*cols, np.asarray(rho, dtype=float)), axis=-1)

    def evalf(self, expr: sp.Expr, point: Sequence[float], digits: int = 30) -> float:
        """``expr`` evaluated by SymPy at ``point`` (an independent reference).

        The variables are replaced by ``point`` first; sums are then added up term by
        term, each term evaluated by :func:`sympy.N` to ``digits`` digits, so a sum over
        1000 data points costs 1000 small numeric evaluations, not a symbolic expansion.
        """
        point = np.atleast_1d(np.asarray(point, dtype=float))
        subs = {v: sp.Float(float(p), digits) for v, p in zip(self.variables, point, strict=True)}
        value = _sum_numerically(sp.sympify(expr).xreplace(subs), self.data, digits)
        return float(sp.N(value, digits))


def _sum_numerically(expr: sp.Expr, data: Mapping[str, np.ndarray], digits: int) -> sp.Expr:
    """Replace every finite Sum in a variable-free ``expr`` by its numeric value."""
    if isinstance(expr, sp.Sum):
        (k, lo, hi), = expr.limits
        total = sp.Float(0, digits)
        for i in range(int(lo), int(hi) + 1):
            subs = {k: sp.Integer(i)}
            for item in expr.function.atoms(sp.Indexed):
                subs[item] = sp.Float(float(data[str(item.base.label)][i]), digits)
            term = _sum_numerically(expr.function.xreplace(subs), data, digits)
            total += sp.N(term, digits)
        return total
    if not expr.args or not expr.has(sp.Sum):
        return expr
    return expr.func(*[_sum_numerically(a, data, digits) for a in expr.args])


def _is_bound(expr: sp.Expr, symbol: sp.Symbol) -> bool:
    """Whether ``symbol`` is only a summation index or a data label in ``expr``."""
    for s in expr.atoms(sp.Sum):
        if symbol in {lim[0] for lim in s.limits}:
            return True
    for item in expr.atoms(sp.Indexed):
        if symbol == item.base.label:
            return True
    return False


def _as_domain(domain, d: int) -> tuple[tuple[float, float], ...]:
    if domain is None:
        return tuple(_DEFAULT_DOMAIN for _ in range(d))
    arr = np.asarray(domain, dtype=float)
    if arr.shape == (2,):
        arr = np.tile(arr, (d, 1))
    if arr.shape != (d, 2) or not np.all(np.isfinite(arr)) or np.any(arr[:, 0] >= arr[:, 1]):
        raise ValueError(f"domain must be (lo, hi) or {d} pairs with lo < hi, got {domain}")
    return tuple((float(lo), float(hi)) for lo, hi in arr)


def _rebuild(state: dict) -> Landscape:
    return Landscape(state.pop("expr"), **state)
