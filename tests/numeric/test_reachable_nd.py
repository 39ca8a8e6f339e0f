"""Tests of the d-D reachability certificate (projection_nd.ball_is_clear_nd) and of the
offset step's one-certificate projection (offset_projection.reachable_nd).

References: the general test (the exact projection of c', OffsetGraph.exact_distance) and a
brute-force dense grid of f over each ball's disk (its smallest |q - c'| is an upper bound of
the distance: a grid point inside the ball proves it cut).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rollingball import Landscape, catalog
from rollingball.numeric.offset_projection import REACH_TOL, OffsetGraph
from rollingball.numeric.offset_projection.reachable_nd import project_for_offset_nd
from rollingball.numeric.projection import project
from rollingball.numeric.projection_nd import ball_is_clear_nd

x, y = sp.symbols("x y", real=True)

#: A 2-D bumpy bowl: slopes up to ~3, bumps of wavelength ~1.
BUMPY = Landscape(0.5 * (x**2 + y**2) + sp.Rational(4, 5) * sp.sin(3 * x) * sp.cos(2 * y),
                  [x, y], domain=(-3, 3))


def _grid_distance(L, c, rho, spacing):
    """min |q - c_i| over the graph points q on the grid of ``spacing`` in each disk."""
    out = np.empty(c.shape[0])
    for i, (ci, r) in enumerate(zip(c, rho, strict=True)):
        k = np.arange(-np.ceil(r / spacing), np.ceil(r / spacing) + 1) * spacing
        X, Y = np.meshgrid(ci[0] + k, ci[1] + k, indexing="ij")
        q = np.stack([X.ravel(), Y.ravel()], -1)
        q = q[np.sum((q - ci[:2]) ** 2, axis=1) <= r * r]
        out[i] = np.sqrt(np.min(np.sum((q - ci[:2]) ** 2, axis=1) + (L.f(q) - ci[2]) ** 2))
    return out


def _balls(L, n, seed, box, rlo, rhi):
    """c' = p + rho nu(p) with p a local footpoint (Newton from a random start)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-box, box, (n, 2))
    p = project(L, np.concatenate([a, (L.f(a) + 0.3)[:, None]], 1), method="newton",
                warm=a + rng.normal(0, 0.2, (n, 2)))
    rho = rng.uniform(rlo, rhi, n)
    return p.point + rho[:, None] * L.normal_at(p.theta), p.theta, rho


@pytest.mark.parametrize("name", ["bumpy", "wells"])
def test_clear_verdicts_hold_against_exact_test_and_grid(name):
    L = BUMPY if name == "bumpy" else catalog.gaussian_wells(n=1000)
    c, theta, rho = _balls(L, 60, 11, 2.5, 0.2, 1.5 if name == "bumpy" else 0.8)
    s = REACH_TOL * (1.0 + np.abs(c[:, 2]))
    clear = ball_is_clear_nd(L, c, theta, rho, None, slack=s)
    dist, _ = OffsetGraph(L).exact_distance(c, theta)
    cut = dist < rho - s  # the general test's verdict: unreachable
    grid = _grid_distance(L, c, rho, 0.01)
    # a clear verdict is never contradicted: by the exact test nor by a grid point inside
    assert not np.any(clear & cut)
    assert np.all(grid[clear] >= rho[clear] - s[clear])
    # every ball the grid shows cut is not cleared; the certificate is not vacuous: it clears
    # nearly every ball the exact test finds reachable
    assert not np.any(clear & (grid < rho - 1e-9))
    assert 5 <= np.sum(cut) <= 55
    assert np.sum(clear) >= 0.9 * np.sum(~cut)


def test_clear_refuses_a_contact_that_is_not_a_strict_minimum():
    # rho beyond the radius of curvature at the bottom of x^2 + y^2 (1/2): the ball is cut
    L = Landscape("x^2 + y^2")
    theta = np.zeros((3, 2))
    rho = np.array([0.25, 0.49, 0.75])
    c = np.concatenate([theta, rho[:, None]], axis=1)
    clear = ball_is_clear_nd(L, c, theta, rho, None)
    assert clear.tolist() == [True, True, False]
    dist, _ = OffsetGraph(L).exact_distance(c, theta)
    assert dist[2] < 0.75 - 1e-3 and np.all(np.abs(dist[:2] - rho[:2]) <= 1e-12)


@pytest.mark.parametrize("name", ["bumpy", "wells"])
def test_step_projection_equals_the_exact_one(name):
    # an offset step: candidates near the offset, above the graph, from the current contacts
    L = BUMPY if name == "bumpy" else catalog.gaussian_wells(n=1000)
    c, theta, rho = _balls(L, 50, 5, 2.5, 0.2, 1.0)
    rng = np.random.default_rng(6)
    cand = c + rng.normal(0, 0.02, c.shape)
    pr, clear = project_for_offset_nd(L, cand, theta, rho)
    ref = project(L, cand, warm=theta)
    assert np.max(np.abs(pr.theta - ref.theta)) <= 1e-12
    assert np.max(np.abs(pr.distance - ref.distance)) <= 1e-12
    assert np.array_equal(pr.jumped[clear], ref.jumped[clear])
    # the cleared balls' c' = p + rho nu(p) pass the general test
    cp = pr.point + rho[:, None] * L.normal_at(pr.theta)
    dist, _ = OffsetGraph(L).exact_distance(cp, pr.theta)
    fits = dist >= rho - REACH_TOL * (1 + np.abs(cp[:, 2]))
    assert np.all(fits[clear])
    # not vacuous: it clears nearly every candidate it applies to (above the graph, nearer
    # than rho, the footpoint the continuation's) whose c' the general test finds reachable
    eligible = (cand[:, 2] >= pr.point[:, 2]) & (pr.distance < rho) & fits & ~ref.jumped
    assert np.sum(eligible) >= 5 and np.sum(clear) >= 0.9 * np.sum(eligible)
    with pytest.raises(ValueError, match="d >= 2"):
        project_for_offset_nd(Landscape("x^2"), np.zeros((1, 2)), np.zeros((1, 1)), np.ones(1))
