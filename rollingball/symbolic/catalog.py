r"""A zoo of named losses, shared by the tests, the docs, the scenes and the paper figures.

Every factory returns a :class:`~rollingball.symbolic.landscape.Landscape`.  By name:
``Landscape("bumpy_bowl")``; with parameters: ``Landscape("weierstrass_like:n=20")``
or ``rollingball.symbolic.catalog.weierstrass_like(n=20)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

from rollingball.symbolic.landscape import Landscape, register_names
from rollingball.symbolic.parsing import make_symbol

__all__ = [
    "CATALOG",
    "lookup",
    "named",
    "sine",
    "parabola",
    "double_well",
    "bumpy_bowl",
    "weierstrass_like",
    "gaussian_wells",
    "rastrigin",
    "rosenbrock",
    "GAUSSIAN_WELLS_SEED",
]

x = make_symbol("x")
y = make_symbol("y")

#: Seed of :func:`numpy.random.default_rng` that draws the centres of :func:`gaussian_wells`.
GAUSSIAN_WELLS_SEED = 20250101


def sine() -> Landscape:
    r"""The sine, :math:`f(x) = \sin x`: the paper's ironing example (Fig. 2, on [-3 pi, 3 pi]).

    Curvature :math:`\kappa = -\sin x/(1+\cos^2 x)^{3/2}`; its largest value 1 at the
    troughs makes the critical radius exactly 1.
    """
    return Landscape(sp.sin(x), [x], name="sine", domain=(-3 * np.pi, 3 * np.pi),
                     feature_scale=2 * np.pi, description="sin(x)")


def parabola() -> Landscape:
    r"""The parabola :math:`f(x) = x^2`: curvature 2 at the vertex, critical radius 1/2."""
    return Landscape(x**2, [x], name="parabola", domain=(-2.0, 2.0), description="x^2")


def double_well() -> Landscape:
    r"""The double well :math:`f(x) = x^4 - x^2`, minima at :math:`\pm 1/\sqrt 2`.

    A trap for critical radii: the curvature is 4 at the minima but peaks higher,
    about 4.5507, at a root of :math:`28x^6 - 22x^4 + 5x^2 - 1` near 0.7647.
    """
    return Landscape(x**4 - x**2, [x], name="double_well", domain=(-1.5, 1.5),
                     description="x^4 - x^2")


def bumpy_bowl() -> Landscape:
    r"""A bowl with ripples, :math:`f(x) = \cos(3x)/3 + x^2/10`.

    Gradient descent stops in the ripples' local valleys; a ball wider than the
    ripples rolls over them to the global minimum's basin near 0.
    """
    return Landscape(sp.cos(3 * x) / 3 + x**2 / 10, [x], name="bumpy_bowl", domain=(-6.0, 6.0),
                     feature_scale=2 * np.pi / 3, description="cos(3x)/3 + x^2/10")


def weierstrass_like(n: int = 100) -> Landscape:
    r"""The paper's "complicated loss" (Eq. 13).

    .. math:: f(\theta) = \sum_{k=1}^{n} \sin(k^2\theta)/k^2

    A Weierstrass-like function: bounded by :math:`\pi^2/6`, with slopes up to n
    and ripples of wavelength :math:`2\pi/n^2`.  The sum is kept unevaluated and
    compiled as a vectorised reduction over k.
    """
    n = _positive_int(n, "n")
    k = sp.Symbol("k", integer=True)
    expr = sp.Sum(sp.sin(k**2 * x) / k**2, (k, 1, n))
    return Landscape(expr, [x], name=f"weierstrass_like(n={n})", domain=(-1.0, 5.0),
                     feature_scale=2 * np.pi / n**2,
                     description=f"sum_(k=1..{n}) sin(k^2 x)/k^2 (paper Eq. 13)")


def gaussian_wells(
    n: int = 1000,
    sigma: float = 0.1,
    seed: int = GAUSSIAN_WELLS_SEED,
    form: str = "paper",
) -> Landscape:
    r"""The paper's exploration loss (Eq. 14): a bowl pitted with narrow Gaussian wells.

    .. math::

        f(\theta) = |\theta|^2
          - \sum_{k=0}^{n-1} \exp\!\Big(-\frac{|\theta-\theta_k|^2}{s\,\sigma^2}\Big)

    with ``form="paper"`` giving :math:`s = 1` (Eq. 14 as printed) and ``form="code"``
    giving :math:`s = 2` (the authors' public code).  The centres :math:`\theta_k` are
    drawn uniformly on :math:`[-3, 3]^2` by ``numpy.random.default_rng(seed)``
    (default seed :data:`GAUSSIAN_WELLS_SEED`); they are kept as data (an
    :class:`~sympy.IndexedBase` ``a`` of shape (n, 2)), not expanded symbolically.
    """
    n = _positive_int(n, "n")
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be positive, got {sigma}")
    if form not in ("paper", "code"):
        raise ValueError(f"form must be 'paper' or 'code', got {form!r}")
    centres = np.random.default_rng(int(seed)).uniform(-3.0, 3.0, size=(n, 2))
    ax, ay = sp.IndexedBase("ax"), sp.IndexedBase("ay")
    k = sp.Symbol("k", integer=True)
    s2 = sp.nsimplify(sigma) ** 2 * (1 if form == "paper" else 2)
    well = sp.exp(-((x - ax[k]) ** 2 + (y - ay[k]) ** 2) / s2)
    expr = x**2 + y**2 - sp.Sum(well, (k, 0, n - 1))
    scale = "sigma^2" if form == "paper" else "2 sigma^2"
    return Landscape(expr, [x, y], name=f"gaussian_wells(n={n}, sigma={sigma}, form={form})",
                     data={"ax": centres[:, 0], "ay": centres[:, 1]}, domain=(-3.0, 3.0),
                     feature_scale=float(sigma),
                     description=f"|theta|^2 - sum_k exp(-|theta - theta_k|^2/({scale})), "
                                 f"{n} centres on [-3,3]^2, seed {seed} (paper Eq. 14)")


def rastrigin(d: int = 2, A: float = 10) -> Landscape:
    r"""Rastrigin's function :math:`A d + \sum_i (x_i^2 - A\cos 2\pi x_i)` (Rastrigin 1974)."""
    d = _positive_int(d, "d")
    xs = _variables(d)
    A = sp.nsimplify(A)
    expr = A * d + sum(v**2 - A * sp.cos(2 * sp.pi * v) for v in xs)
    return Landscape(expr, xs, name=f"rastrigin(d={d})", domain=(-5.12, 5.12),
                     feature_scale=1.0, description="A d + sum_i (x_i^2 - A cos(2 pi x_i))")


def rosenbrock(d: int = 2) -> Landscape:
    r"""Rosenbrock's valley (Rosenbrock 1960).

    .. math:: f(x) = \sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2
    """
    d = _positive_int(d, "d")
    if d < 2:
        raise ValueError("rosenbrock needs d >= 2")
    xs = _variables(d)
    expr = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(d - 1))
    return Landscape(expr, xs, name=f"rosenbrock(d={d})", domain=(-2.0, 2.0),
                     description="sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2")


def _variables(d: int) -> list[sp.Symbol]:
    if d == 1:
        return [x]
    if d == 2:
        return [x, y]
    return [make_symbol(f"x{i + 1}") for i in range(d)]


def _positive_int(value, what: str) -> int:
    try:
        ivalue = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a positive integer, got {value!r}") from None
    if ivalue != value or ivalue < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return ivalue


#: Name -> factory.
CATALOG: dict[str, Callable[..., Landscape]] = {
    "sine": sine,
    "parabola": parabola,
    "double_well": double_well,
    "bumpy_bowl": bumpy_bowl,
    "weierstrass_like": weierstrass_like,
    "gaussian_wells": gaussian_wells,
    "rastrigin": rastrigin,
    "rosenbrock": rosenbrock,
}


def named(name: str, **params) -> Landscape:
    """The catalog loss ``name`` built with ``params``."""
    if name not in CATALOG:
        raise ValueError(f"unknown loss {name!r}; named losses: {', '.join(CATALOG)}")
    try:
        return CATALOG[name](**params)
    except TypeError as exc:
        raise ValueError(f"bad parameters for {name!r}: {exc}") from None


def lookup(text: str) -> Landscape | None:
    """The catalog loss a string names (``"name"`` or ``"name:key=value,..."``), else None."""
    head, _, tail = text.strip().partition(":")
    if head not in CATALOG:
        if tail and head.isidentifier():
            raise ValueError(f"unknown loss {head!r}; named losses: {', '.join(CATALOG)}")
        return None
    params = {}
    for item in filter(None, (p.strip() for p in tail.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip().isidentifier():
            raise ValueError(f"bad parameter {item!r} for {head!r}: write key=value")
        params[key.strip()] = _number(value.strip(), item)
    return named(head, **params)


def _number(text: str, item: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.isidentifier():
        return text
    raise ValueError(f"bad value in {item!r}")


register_names(lookup)
