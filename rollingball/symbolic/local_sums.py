r"""Sums over data with Gaussian decay: evaluate only the terms that can matter.

A sum over data whose every term carries the same Gaussian factor,

.. math::

    S_j(x) = \sum_{k} P_j(x - a_k)\, \exp\Big(-\sum_i c_i\,(x_i - a_{k,i})^2\Big),
    \qquad c_i > 0,

with :math:`P_j` a polynomial of the difference :math:`d = x - a_k` (a landscape's value,
gradient and Hessian sums of Gaussian wells or radial basis functions), has terms that
vanish far from :math:`a_k`: with :math:`r = |d|`, :math:`c = \min_i c_i` and
:math:`P_j(d) = \sum_m b_m d^m`,

.. math::

    |P_j(d)\, e^{-\sum_i c_i d_i^2}| \le B_j(r) = \Big(\sum_m |b_m|\, r^{|m|}\Big)\, e^{-c r^2}.

:func:`gaussian_support` recognises such sums and returns the cut-off radius :math:`R`
beyond which :math:`B_j(r) \le 2^{-60} \max_r B_j / K` for every :math:`j` (``K`` terms):
all the neglected terms together are below :math:`2^{-60}` times the largest term any
single datum can contribute, under the rounding of that one term. :class:`CellList`
then finds, for each query point, every datum within :math:`R` (a uniform grid of cells
of side :math:`R/2`; each cell lists the data within :math:`R` plus its half-diagonal
of its centre), so a sum costs the data near the point instead of all ``K``.

Anything else (another factor, an exponent not of that form, a polynomial that depends
on :math:`x` itself, more than three paired axes) is left to the dense reduction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

__all__ = ["GaussianSupport", "gaussian_support", "CellList"]

#: Neglected terms together stay below this fraction of one datum's largest term.
_TAIL = 2.0**-60
#: At most this many grid cells (else the dense reduction is used).
_MAX_CELLS = 1 << 18
#: At most this many paired axes (a grid in more dimensions has too many cells).
_MAX_AXES = 3


@dataclass(frozen=True)
class GaussianSupport:
    """Where the terms of a fused group of Gaussian-decay sums live.

    Attributes:
        axes: per paired axis, ``(outer position, column position)``: the query
            coordinate ``values[outer]`` is compared with the data column ``columns[column]``.
        radius: the cut-off :math:`R` of the module docstring.
    """

    axes: tuple[tuple[int, int], ...]
    radius: float


def _tail_radius(poly: sp.Poly, c: float, n_terms: int) -> float:
    """Smallest r beyond the peak of B(r) = (sum |b_m| r^|m|) exp(-c r^2) with
    B(r) <= 2^-60 max B / K (B is decreasing beyond its peak)."""
    coeffs = [(abs(float(b)), sum(m)) for m, b in poly.terms()]

    def B(r):
        r = np.asarray(r, dtype=float)
        return sum(b * r**deg for b, deg in coeffs) * np.exp(-c * r * r)

    degree = max(deg for _, deg in coeffs)
    peak_r = np.sqrt(degree / (2.0 * c))  # the maximum of r^m exp(-c r^2) for the top m
    grid = np.linspace(0.0, 4.0 * peak_r + 4.0 / np.sqrt(c), 4001)
    values = B(grid)
    top = float(values.max())
    if not (np.isfinite(top) and top > 0):
        return 0.0
    target = _TAIL * top / n_terms
    lo = float(grid[int(np.argmax(values))])
    hi = max(lo, 1.0 / np.sqrt(c))
    while B(hi) > target:
        hi *= 2.0
    for _ in range(100):  # bisection on the decreasing part
        mid = 0.5 * (lo + hi)
        if B(mid) > target:
            lo = mid
        else:
            hi = mid
    return float(hi)


def gaussian_support(bodies, outer, placeholders, n_terms: int):
    """The :class:`GaussianSupport` of summands ``bodies`` (SymPy expressions in the outer
    symbols ``outer`` and the data placeholders ``placeholders``, both in column order
    after the summation index), or ``None`` when they are not of the module's form."""
    exps = set().union(*(b.atoms(sp.exp) for b in bodies))
    if len(exps) != 1:
        return None
    (factor,) = exps
    exponent = sp.expand(factor.args[0])
    outer, placeholders = list(outer), list(placeholders)
    try:
        quad = sp.Poly(exponent, *outer, *placeholders)
    except sp.PolynomialError:
        return None
    if quad.total_degree() != 2:
        return None
    axes, shift, weights = [], {}, []
    for i, x in enumerate(outer):
        c = -quad.coeff_monomial(x**2)
        if c == 0:
            continue
        if not (c.is_number and c.is_positive):
            return None
        partner = [j for j, a in enumerate(placeholders)
                   if quad.coeff_monomial(x * a) == 2 * c]
        if len(partner) != 1:
            return None
        j = partner[0]
        axes.append((i, 1 + j))  # column 0 is the summation index
        shift[placeholders[j]] = x
        weights.append((c, x, placeholders[j]))
    if not axes or len(axes) > _MAX_AXES:
        return None
    if sp.expand(exponent + sum(c * (x - a) ** 2 for c, x, a in weights)) != 0:
        return None
    d = [sp.Dummy(f"d{i}") for i in range(len(axes))]
    into_d = {a: x - di for (c, x, a), di in zip(weights, d, strict=True)}
    w = sp.Dummy("w")
    radius = 0.0
    cmin = float(min(c for c, _, _ in weights))
    for body in bodies:
        lin = sp.expand(body.xreplace({factor: w}))
        if lin.subs(w, 0) != 0:
            return None
        P = sp.expand(sp.diff(lin, w).xreplace(into_d))
        if P.has(w) or P.free_symbols - set(d):
            return None  # not linear in the factor, or depends on more than x - a
        if P == 0:
            continue
        radius = max(radius, _tail_radius(sp.Poly(P, *d), cmin, n_terms))
    if radius <= 0 or not np.isfinite(radius):
        return None
    return GaussianSupport(tuple(axes), radius)


class CellList:
    """Every datum within ``radius`` of a query point, as a padded index table.

    Cells of side ``radius / 2`` cover the data's bounding box grown by ``radius``; each
    cell lists the data within ``radius`` plus its half-diagonal of its centre (so every
    datum within ``radius`` of any point of the cell), padded with the index ``K`` (one
    past the data) to a common width. Points outside the grid, where no datum is within
    ``radius``, get an all-padding row.
    """

    def __init__(self, points: np.ndarray, radius: float):
        points = np.asarray(points, dtype=float)
        K, dim = points.shape
        self.size = K
        self.h = radius / 2.0
        self.lo = points.min(axis=0) - radius
        self.shape = np.maximum(1, np.ceil((points.max(axis=0) + radius - self.lo) / self.h)
                                ).astype(np.int64)
        cells = int(np.prod(self.shape))
        if cells > _MAX_CELLS:
            raise ValueError(f"{cells} cells exceed {_MAX_CELLS}")
        grid = np.stack(np.meshgrid(*[np.arange(s) for s in self.shape], indexing="ij"),
                        axis=-1).reshape(-1, dim)
        centres = self.lo + (grid + 0.5) * self.h
        reach = radius + 0.5 * self.h * np.sqrt(dim)
        step = max(1, (1 << 22) // max(K, 1))  # cells x data in bounded pieces

        def near(start):
            block = centres[start:start + step]
            return ((block[:, None, :] - points[None, :, :]) ** 2).sum(-1) <= reach**2

        starts = range(0, cells, step)
        width = max(1, max(int(near(s).sum(axis=1).max()) for s in starts))
        table = np.full((cells + 1, width), K, dtype=np.int64)  # last row: outside
        for s in starts:
            hit = near(s)
            first = np.argsort(~hit, axis=1, kind="stable")[:, :width]  # hits first, in order
            rows = table[s:s + hit.shape[0]]
            rows[...] = np.where(np.take_along_axis(hit, first, axis=1), first, K)
        self.table = table
        self.valid = table < K
        self.width = width

    def cells(self, coords: np.ndarray) -> np.ndarray:
        """The cell of each query point (rows of ``coords``, finite); outside -> the last row."""
        ij = np.floor((coords - self.lo) / self.h)
        inside = np.all((ij >= 0) & (ij < self.shape), axis=1)
        ij = np.where(inside[:, None], ij, 0).astype(np.int64)
        flat = np.ravel_multi_index(tuple(ij.T), tuple(self.shape))
        return np.where(inside, flat, self.table.shape[0] - 1)
