"""Tests of rollingball.numeric.lattice against direct evaluation of the loss."""

from __future__ import annotations

import numpy as np
import pytest

from rollingball import Landscape, catalog
from rollingball.numeric.lattice import (
    TILE,
    Lattice,
    best_lattice_points,
    lattice,
    lattice_minima,
)


def box_points(lo, m, h):
    """The lattice points of the boxes lo[i] .. lo[i] + m - 1, (n, m**d, d), C order."""
    d = lo.shape[1]
    off = np.stack(np.meshgrid(*([np.arange(m)] * d), indexing="ij"), -1).reshape(-1, d)
    return (lo[:, None, :] + off[None]) * h


def test_boxes_are_the_values_of_f_and_only_needed_points_are_evaluated():
    L = Landscape("x^2 + y^2 + 0.3*sin(5*x)*sin(5*y) + z", ["x", "y", "z"])
    S = L.scaled(1.3)  # the lattice of lambda f is that of the scaled landscape
    lat = Lattice(S, 0.07)
    rng = np.random.default_rng(0)
    lo = rng.integers(-60, 60, (5, 3))  # boxes across tile boundaries, some overlapping
    m = 40
    need = rng.random((5, m**3)) < 0.3
    ref = S.f(box_points(lo, m, 0.07))
    assert np.allclose(ref, 1.3 * L.f(box_points(lo, m, 0.07)), rtol=1e-14, atol=1e-14)
    v = lat.boxes(lo, m, need)
    assert np.array_equal(v[need], ref[need])
    # a point is evaluated once, however many boxes need it
    idx = box_points(lo, m, 1)  # integer lattice indices
    keys = np.unique(idx[need], axis=0)
    assert lat.evaluations == keys.shape[0]
    assert np.all(np.isnan(v[~need]) | (v[~need] == ref[~need]))
    # everything: the missing points only are evaluated, all values exact
    before = lat.evaluations
    v = lat.boxes(lo, m)
    assert np.array_equal(v, ref)
    every = np.unique(idx.reshape(-1, 3), axis=0).shape[0]
    assert lat.evaluations - before == every - keys.shape[0]
    # cached: a second look evaluates nothing
    before = lat.evaluations
    assert np.array_equal(lat.boxes(lo[::-1], m), ref[::-1])
    assert lat.evaluations == before


def test_cache_limit_empties_and_refills():
    L = catalog.rastrigin()
    lat = Lattice(L, 0.1)
    lat.LIMIT = 4 * TILE**2  # four tiles; the boxes below touch more
    lo = np.array([[0, 0], [500, 500], [-900, 300]])
    ref = L.f(box_points(lo, 50, 0.1))
    assert np.array_equal(lat.boxes(lo, 50), ref)
    first = lat.evaluations
    assert first == 3 * 50**2
    assert np.array_equal(lat.boxes(lo, 50), ref)  # emptied, then refilled: same values
    assert lat.evaluations == 2 * first


def test_one_cached_lattice_per_landscape_spacing_and_scale():
    L = catalog.rastrigin()
    assert lattice(L, 0.2) is lattice(L, 0.2)
    assert lattice(L, 0.2) is not lattice(L, 0.25)
    assert lattice(L, 0.2) is not lattice(L.scaled(2.0), 0.2)
    assert lattice(L.scaled(2.0), 0.2) is lattice(L.scaled(2.0), 0.2)
    assert lattice(L, 0.2) is not lattice(catalog.rastrigin(), 0.2)


def test_best_lattice_points_are_the_k_smallest_g_in_the_disk():
    L = catalog.rastrigin()
    h, lam, keep = 0.13, 0.7, 6
    rng = np.random.default_rng(3)
    a = rng.uniform(-4, 4, (30, 2))
    b = lam * L.f(a) + rng.uniform(-2, 3, 30)
    U = rng.uniform(0.01, 4.0, 30)
    S = L.scaled(lam)  # the graph of lam * f
    pts, g = best_lattice_points(lattice(S, h), a, b, U, keep, max_samples=5000)
    assert pts.shape == (30, keep, 2) and g.shape == (30, keep)
    for i in range(30):
        k = np.arange(-200, 201)
        q = np.stack(np.meshgrid(k, k, indexing="ij"), -1).reshape(-1, 2) * h
        dx2 = np.sum((q - a[i]) ** 2, 1)
        q = q[dx2 <= U[i] + 2 * h * h]
        gq = np.sum((q - a[i]) ** 2, 1) + (S.f(q) - b[i]) ** 2
        assert np.allclose(np.sort(g[i]), np.sort(gq)[:keep], rtol=1e-14, atol=0)
        # the points are lattice points with those values
        assert np.allclose(pts[i] / h, np.round(pts[i] / h), rtol=0, atol=1e-9)
        assert np.allclose(np.sum((pts[i] - a[i]) ** 2, 1) + (S.f(pts[i]) - b[i]) ** 2,
                           g[i], rtol=1e-12, atol=0)


def test_the_cache_does_not_keep_a_landscape_alive():
    import gc
    import weakref

    from rollingball.numeric import lattice as module

    L = Landscape("x^2 + sin(3*y)", ["x", "y"])
    lat = lattice(L, 0.1)
    assert np.array_equal(lat.boxes(np.array([[3, -2]]), 1), L.f(np.array([[3, -2]]) * 0.1)[None])
    ref = weakref.ref(L)
    n = len(module._LATTICES)
    del L
    gc.collect()
    assert ref() is None and len(module._LATTICES) == n - 1


def test_lattice_minima_are_the_discrete_local_minima_of_g_in_the_disk():
    L = Landscape("0.5*(x^2 + y^2) + 0.8*sin(3*x)*cos(2*y)", ["x", "y"])
    h = 0.05
    lat = Lattice(L, h)
    rng = np.random.default_rng(1)
    a = rng.uniform(-2, 2, (6, 2))
    b = L.f(a) + rng.uniform(0.5, 2.0, 6)
    U = rng.uniform(0.5, 2.0, 6) ** 2
    pts, g, low, best = lattice_minima(lat, a, b, U, 50, 1 << 20)
    for i in range(6):
        # direct: f on a box around the disk, g, axis-neighbour minima inside the disk
        k = np.arange(np.floor((a[i, 0] - 2.5) / h), np.ceil((a[i, 0] + 2.5) / h) + 1)
        m = np.arange(np.floor((a[i, 1] - 2.5) / h), np.ceil((a[i, 1] + 2.5) / h) + 1)
        Q = np.stack(np.meshgrid(k * h, m * h, indexing="ij"), -1)
        G = np.sum((Q - a[i]) ** 2, -1) + (L.f(Q.reshape(-1, 2)).reshape(Q.shape[:2]) - b[i]) ** 2
        c = G[1:-1, 1:-1]
        loc = ((c <= G[:-2, 1:-1]) & (c <= G[2:, 1:-1]) & (c <= G[1:-1, :-2])
               & (c <= G[1:-1, 2:]))
        inner = np.sum((Q[1:-1, 1:-1] - a[i]) ** 2, -1) <= U[i] + 2 * h * h
        ref = Q[1:-1, 1:-1][loc & inner]
        got = pts[i][np.isfinite(low[i])]
        assert 1 <= len(ref) < 50
        assert np.array_equal(np.unique(np.round(got / h), axis=0),
                              np.unique(np.round(ref / h), axis=0))
        # their g, and the disk's best g, are the direct values
        gref = {tuple(np.round(q / h).astype(int)): v for q, v in
                zip(ref, c[loc & inner], strict=True)}
        for q, v in zip(got, g[i][np.isfinite(low[i])], strict=True):
            assert v == pytest.approx(gref[tuple(np.round(q / h).astype(int))], rel=1e-14)
        assert best[i] == pytest.approx(np.min(c[inner]), rel=1e-14)
        assert np.all(low[i][np.isfinite(low[i])] <= g[i][np.isfinite(low[i])])


def test_lattice_minima_always_keep_the_minimum_of_lowest_g():
    # keep=1 and keep=3 of the many minima of the first test: the one of lowest g is among
    # those kept (the full set, keep=50, is the reference), whatever the estimates say
    L = Landscape("0.5*(x^2 + y^2) + 0.8*sin(3*x)*cos(2*y)", ["x", "y"])
    lat = Lattice(L, 0.05)
    rng = np.random.default_rng(1)
    a = rng.uniform(-2, 2, (6, 2))
    b = L.f(a) + rng.uniform(0.5, 2.0, 6)
    U = rng.uniform(0.5, 2.0, 6) ** 2
    _, gall, lall, _ = lattice_minima(lat, a, b, U, 50, 1 << 20)
    gmin = np.min(np.where(np.isfinite(lall), gall, np.inf), axis=1)
    by_estimate = np.argmin(lall, axis=1)
    assert np.any(gall[np.arange(6), by_estimate] > gmin)  # the estimates alone would miss it
    for keep in (1, 3):
        _, g, low, _ = lattice_minima(lat, a, b, U, keep, 1 << 20)
        assert np.array_equal(np.min(np.where(np.isfinite(low), g, np.inf), axis=1), gmin)


def test_lattice_minima_estimate_bounds_a_quadratic_g():
    # f linear: g = |q - a|^2 + (c.q - b)^2 is a quadratic with cross terms, its minimum
    # (c.a - b)^2 / (1 + |c|^2) at a - (c.a - b) c / (1 + |c|^2)
    L = Landscape("0.7*x - 1.3*y", ["x", "y"])
    cvec = np.array([0.7, -1.3])
    lat = Lattice(L, 0.1)
    rng = np.random.default_rng(2)
    a = rng.uniform(-2, 2, (40, 2))
    b = L.f(a) + rng.uniform(0.3, 2.0, 40)
    r = cvec @ a.T - b
    gstar = r**2 / (1 + cvec @ cvec)
    pts, g, low, best = lattice_minima(lat, a, b, gstar * 1.5 + 0.05, 4, 1 << 20)
    one = np.isfinite(low)
    # one basin; on the lattice a slanted valley shows one or two axis-neighbour minima
    assert np.all((np.sum(one, axis=1) >= 1) & (np.sum(one, axis=1) <= 2))
    star = a - (r / (1 + cvec @ cvec))[:, None] * cvec
    assert np.all(g[one] >= np.broadcast_to(gstar[:, None], g.shape)[one])
    # the minimum nearest the minimiser is within a spacing of it, its estimate below g*
    off = np.where(one, np.max(np.abs(pts - star[:, None, :]), axis=-1), np.inf)
    j = np.argmin(off, axis=1)
    rows = np.arange(40)
    assert np.all(off[rows, j] <= 0.1 + 1e-12)
    assert np.all(low[rows, j] <= gstar)
