"""Pruned sums of Gaussian decay (symbolic/local_sums.py) against every term summed."""

import numpy as np
import pytest
import sympy as sp

from rollingball.symbolic.catalog import gaussian_wells
from rollingball.symbolic.compiled import vectorize
from rollingball.symbolic.local_sums import CellList, _tail_radius, gaussian_support

x, y = sp.symbols("x y")


def _derivatives(L):
    return [L.expr, *L.gradient, L.hessian[0, 0], L.hessian[0, 1], L.hessian[1, 1]]


@pytest.mark.parametrize("form", ["paper", "code"])
def test_pruned_equals_dense_to_rounding(form):
    L = gaussian_wells(form=form)
    exprs = _derivatives(L)
    pruned = vectorize(L.variables, exprs, L.data)
    dense = vectorize(L.variables, exprs, L.data, prune=False)
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.uniform(-4.5, 4.5, (4000, 2)),  # inside, on the rim, outside
                        np.column_stack([L.data["ax"], L.data["ay"]])[:500]  # on the wells
                        + rng.normal(0, 0.05, (500, 2))])
    for a, b in zip(pruned(X[:, 0], X[:, 1]), dense(X[:, 0], X[:, 1]), strict=True):
        assert np.all(np.isfinite(a))
        # the dense sum's own rounding: K = 1000 terms of size up to ~4 c / e
        assert np.max(np.abs(a - b) / (1.0 + np.abs(b))) < 1e-13


def test_pruned_sums_only_nearby_terms_and_shapes():
    L = gaussian_wells(form="paper")
    f = vectorize(L.variables, [L.expr, L.gradient[0]], L.data)
    (support,) = f.supports
    # value term exp(-100 r^2): 2^-60 / 1000 reached at r = sqrt(ln(2^60 * 1000) / 100)
    assert support.radius == pytest.approx(np.sqrt((60 * np.log(2) + np.log(1000)) / 100),
                                           rel=0.05)
    assert support.radius > np.sqrt((60 * np.log(2) + np.log(1000)) / 100)
    # broadcasting and scalar inputs, and a point far outside: the bowl alone
    v, g = f(np.array([[0.3], [100.0]]), np.array([0.1, 0.2, -0.4]))
    assert v.shape == g.shape == (2, 3)
    np.testing.assert_array_equal(v[1], 100.0**2 + np.array([0.1, 0.2, -0.4]) ** 2)
    np.testing.assert_array_equal(g[1], 200.0)
    # a huge finite point: every term is 0, the gradient 2x (the dense sum gives inf * 0)
    assert f(1e300, 0.0)[1] == 2e300
    # NaN and inf go to the dense sum: the same answer
    dense = vectorize(L.variables, [L.expr, L.gradient[0]], L.data, prune=False)
    for p in [(np.nan, 0.0), (np.inf, 1.0), (0.0, -np.inf)]:
        np.testing.assert_array_equal(f(*p), dense(*p))


def test_tail_radius_against_closed_form():
    # B(r) = 3 exp(-2 r^2): max 3, tail 3 2^-60 / K  ->  r^2 = ln(2^60 K) / 2
    d = sp.Dummy("d")
    r = _tail_radius(sp.Poly(3 + 0 * d, d), 2.0, 50)
    assert r == pytest.approx(np.sqrt((60 * np.log(2) + np.log(50)) / 2), rel=1e-9)
    # B(r) = r^2 exp(-r^2) is below 2^-60 / K beyond r, checked on a dense grid
    r = _tail_radius(sp.Poly(d**2, d), 1.0, 10)
    grid = np.linspace(r, 20, 20001)
    assert np.all(grid**2 * np.exp(-grid**2) <= 2.0**-60 * np.exp(-1) / 10 * (1 + 1e-9))
    assert (r * 0.99) ** 2 * np.exp(-(r * 0.99) ** 2) > 2.0**-60 * np.exp(-1) / 10


def test_support_recognises_only_gaussian_decay():
    a, b = sp.symbols("a b")  # the data placeholders
    gauss = sp.exp(-3 * (x - a) ** 2 - 5 * (y - b) ** 2)
    s = gaussian_support([gauss, (x - a) * gauss, (x - a) * (y - b) * gauss], [x, y], [a, b], 10)
    assert s is not None and s.axes == ((0, 1), (1, 2))
    for bad in ([sp.exp(3 * (x - a) ** 2)],  # growth, not decay
                [x * gauss],  # depends on x itself, not only on x - a
                [gauss + 1],  # a term without the factor
                [sp.exp(-(x - a) ** 4)],  # not quadratic
                [sp.exp(-(x - a) ** 2 - (x - b) ** 2)],  # x paired twice
                [gauss, sp.exp(-(x - a) ** 2)],  # two different factors
                [sp.cos(x - a)]):  # no factor at all
        assert gaussian_support(bad, [x, y], [a, b], 10) is None


def test_cell_list_finds_every_datum_within_the_radius():
    rng = np.random.default_rng(0)
    pts = rng.uniform(-3, 3, (700, 2))
    cells = CellList(pts, 0.4)
    q = rng.uniform(-4, 4, (3000, 2))
    idx = cells.table[cells.cells(q)]
    near = np.linalg.norm(q[:, None, :] - pts[None], axis=-1) <= 0.4  # brute force
    for i in range(len(q)):
        assert set(np.flatnonzero(near[i])) <= set(idx[i][idx[i] < len(pts)])
    # and only data within the radius plus the cell's half-diagonal
    listed = np.where(idx < len(pts), idx, 0)
    gap = np.linalg.norm(q[:, None, :] - pts[listed], axis=-1)
    assert np.all(gap[idx < len(pts)] <= 0.4 + 2 * 0.2 * np.sqrt(2) + 1e-12)
