"""The nearest point of the offset in d-D (contact SQP) against independent references."""

import numpy as np
import pytest
from scipy.optimize import minimize

from rollingball import Landscape
from rollingball.numeric.distance import distance_to_graph
from rollingball.numeric.offset import upper_offset
from rollingball.numeric.offset_projection.contacts import (
    REACH_TOL,
    OffsetPoint,
    least_distance,
    nearest_on_offset,
    project_polyhedron,
)


def test_polyhedron_projection_matches_slsqp():
    rng = np.random.default_rng(1)
    n, m, D = 120, 5, 3
    t = rng.normal(size=(n, D))
    N = rng.normal(size=(n, m, D))
    inner = rng.normal(size=(n, D))  # a feasible point: the polyhedron is never empty
    r = np.einsum("nmd,nd->nm", N, inner) - rng.exponential(size=(n, m)) * (
        rng.random((n, m)) < 0.5)
    valid = rng.random((n, m)) < 0.8
    x = project_polyhedron(t, N, r, valid)
    active = 0
    for i in range(n):
        Ni, ri, ti = N[i][valid[i]], r[i][valid[i]], t[i]
        cons = [{"type": "ineq", "fun": lambda z, Ni=Ni, ri=ri: Ni @ z - ri}]
        ref = minimize(lambda z, ti=ti: np.sum((z - ti) ** 2), inner[i], constraints=cons,
                       method="SLSQP", options={"ftol": 1e-15, "maxiter": 500}).x
        np.testing.assert_allclose(x[i], ref, atol=1e-6)
        slack = N[i] @ x[i] - r[i]
        assert np.all(slack[valid[i]] >= -1e-12)
        active += int(np.any(np.abs(slack[valid[i]]) < 1e-9))
    assert active > n // 3  # most problems had binding constraints (not just delta = t)


def _brute_nearest(L, cand, rho, centre_guess):
    """argmin |x - a|^2 + (f_rho(x) - b)^2 by Nelder-Mead on the multi-start exact offset,
    started at the solver's answer and at a 7x7 grid around it (an independent method)."""
    a, b = cand[:2], cand[2]

    def phi(x):
        v = float(upper_offset(L, np.asarray(x)[None, :], rho).value[0])
        return np.sum((x - a) ** 2) + (v - b) ** 2

    g = np.linspace(-0.3, 0.3, 7)
    starts = [centre_guess[:2] + np.array([u, v]) for u in g for v in g]
    vals = [phi(s) for s in starts]
    best = starts[int(np.argmin(vals))]
    res = minimize(phi, best, method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000})
    x = res.x
    return np.array([*x, float(upper_offset(L, x[None, :], rho).value[0])])


@pytest.mark.parametrize("cand", [(0.0, 0.0, 0.5), (0.05, -0.02, 0.9), (0.2, 0.1, 0.4)])
def test_paraboloid_ring_tip(cand):
    # rho = 1 > 1/2: near the axis Gamma_rho has a conical tip at height rho^2 + 1/4 (the
    # ball resting on the ring |q|^2 = rho^2 - 1/4); nearby candidates below it project there
    P2 = Landscape("x^2 + y^2")
    rho = np.array([1.0])
    x0 = np.array([[0.3, 0.0]])
    start = np.concatenate([x0, upper_offset(P2, x0, rho).value[:, None]], axis=1)
    seeds = np.array([[[0.3 + np.sqrt(0.75), 0.0], [0.3, 0.0]]])
    res = nearest_on_offset(P2, np.array([cand]), rho, start, seeds, x0)
    assert isinstance(res, OffsetPoint) and res.verified[0]
    ref = _brute_nearest(P2, np.array(cand), 1.0, res.centre[0])
    np.testing.assert_allclose(res.centre[0], ref, atol=2e-6)
    if cand[0] == 0.0:
        np.testing.assert_allclose(res.centre[0], [0, 0, 1.25], atol=1e-10)
    # on the offset: the independent distance is rho, and the contact is on the ring
    d = distance_to_graph(P2, res.centre).distance
    # within the solver's acceptance REACH_TOL (1 + |height|)
    assert abs(d[0] - 1.0) <= REACH_TOL * (1 + abs(res.centre[0, 2]))
    assert abs(np.sum(res.contact[0] ** 2) - 0.75) <= 1e-6 or cand[0] != 0.0


def test_candidate_below_the_graph_goes_above_it():
    # a candidate under the surface: the constraint is the *signed* distance, so the answer
    # is the nearest point of the upper offset, never a point below the graph
    L = Landscape("x^2 + y^2 + 0.3*sin(3*x)*sin(3*y)")
    rho = np.array([0.8, 0.8])
    x0 = np.array([[0.5, 0.2], [-0.4, 0.6]])
    start = np.concatenate([x0, upper_offset(L, x0, rho).value[:, None]], axis=1)
    cand = start.copy()
    cand[:, 2] = L.f(x0) - 0.3  # 0.3 below the graph
    res = nearest_on_offset(L, cand, rho, start, x0[:, None, :], x0)
    assert np.all(res.verified)
    assert np.all(res.centre[:, 2] > L.f(res.centre[:, :2]))
    d = distance_to_graph(L, res.centre).distance
    np.testing.assert_allclose(d, 0.8, atol=1e-12)
    for i in range(2):
        ref = _brute_nearest(L, cand[i], 0.8, res.centre[i])
        np.testing.assert_allclose(res.centre[i], ref, atol=2e-6)


def test_least_distance_matches_enumeration_and_slsqp():
    """The Lawson-Hanson least-distance solve (the fallback for cycling working sets) against
    the subset enumeration on small problems and SLSQP on a ring of 60 constraints."""
    rng = np.random.default_rng(7)
    for _ in range(100):
        m, D = int(rng.integers(1, 7)), 3
        t, N, inner = rng.normal(size=D), rng.normal(size=(m, D)), rng.normal(size=D)
        r = N @ inner - rng.exponential(size=m) * (rng.random(m) < 0.5)
        x = t + least_distance(N, r - N @ t)
        np.testing.assert_allclose(x, project_polyhedron(t[None], N[None], r[None])[0],
                                   atol=1e-10)
    # a ring of nearly parallel constraints, too many to enumerate
    ang = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    N = np.stack([0.1 * np.cos(ang), 0.1 * np.sin(ang), np.ones_like(ang)], axis=1)
    r = np.ones(60) + 0.01 * rng.random(60)
    t = np.array([0.3, -0.2, 0.0])
    x = t + least_distance(N, r - N @ t)
    cons = [{"type": "ineq", "fun": lambda z: N @ z - r}]
    ref = minimize(lambda z: np.sum((z - t) ** 2), np.array([0.0, 0.0, 2.0]),
                   constraints=cons, method="SLSQP",
                   options={"ftol": 1e-15, "maxiter": 500}).x
    np.testing.assert_allclose(x, ref, atol=1e-6)
    assert np.all(N @ x - r >= -1e-12)
    # inconsistent constraints: z >= 1 and -z >= 0
    assert least_distance(np.array([[0, 0, 1.0], [0, 0, -1.0]]), np.array([1.0, 0.0])) is None
