"""The offset projection's dispatcher, 1-D branch search and d-D fallback, against closed forms
and a dense scan of the exact offset (independent of the searches)."""

import numpy as np
import pytest

from rollingball import Landscape
from rollingball.numeric.distance import distance_to_graph
from rollingball.numeric.offset import upper_offset
from rollingball.numeric.offset_projection import (
    OffsetGraph,
    OffsetStep,
    other_width,
    project_onto_graph,
    project_onto_offset,
)
from rollingball.numeric.offset_projection.fallback import nearest_on_offset_simplex

PARABOLA = Landscape("x^2")
# rho = 1 > 1/2: the ball resting in y = x^2 touches at +-q, q^2 = rho^2 - 1/4, and its
# centre is the tip (0, q^2 + 1/2) = (0, 1.25) of the offset (the same on the paraboloid)
TIP = 1.25
Q = np.sqrt(0.75)


@pytest.mark.parametrize("known", [False, True])
def test_one_d_candidate_below_the_tip_goes_to_the_tip(known):
    g = OffsetGraph(PARABOLA)
    cand = np.array([[0.0, 0.5]])
    rho = np.array([1.0])
    x = np.array([[0.3]])
    start = np.array([[0.3, float(upper_offset(PARABOLA, [0.3], 1.0).value[0])]])
    out = project_onto_offset(g, cand, rho, warm=x, known=start if known else None)
    assert isinstance(out, OffsetStep) and out.offset_solve[0]
    np.testing.assert_allclose(out.centre[0], [0.0, TIP], atol=1e-10)
    assert abs(abs(out.theta[0, 0]) - Q) < 1e-8  # a contact on one side ...
    np.testing.assert_allclose(out.point[0], [out.theta[0, 0], out.theta[0, 0] ** 2])
    assert abs(abs(out.other[0, 0]) - Q) < 1e-8  # ... the other contact on the other side
    assert out.other[0, 0] == pytest.approx(-out.theta[0, 0], abs=1e-8)


def test_one_d_branch_search_finds_the_nearest_offset_point_of_a_dense_scan():
    L = Landscape("sin(3*x) + x^2/4")
    g = OffsetGraph(L)
    rho = np.full(3, 0.9)
    x = np.array([[-1.1], [0.2], [1.4]])
    # candidates from the offset-keeping step: the current centre moved down its gradient
    known = np.concatenate([x, upper_offset(L, x[:, 0], rho).value[:, None]], axis=1)
    warm = np.asarray(upper_offset(L, x[:, 0], rho).contact)[:, None]
    cand = known - 0.3 * L.tangent_at(warm[:, 0])
    out = project_onto_offset(g, cand, rho, warm=warm, known=known)
    d = distance_to_graph(L, out.centre).distance
    np.testing.assert_allclose(d, 0.9, atol=1e-10)
    xs = np.linspace(-3.0, 3.0, 60001)
    F = upper_offset(L, xs, np.full(xs.size, 0.9)).value
    for i in range(3):
        phi = (xs - cand[i, 0]) ** 2 + (F - cand[i, 1]) ** 2
        assert np.linalg.norm(out.centre[i] - cand[i]) <= np.sqrt(phi.min()) + 1e-9
        j = np.argmin(phi)
        assert np.linalg.norm(out.centre[i] - [xs[j], F[j]]) < 2e-4


def test_reachable_candidates_are_the_graph_projection_plus_rho_normal():
    # Fact 1: a reachable footpoint gives the nearest offset point without an offset solve
    g = OffsetGraph(PARABOLA)
    cand = np.array([[0.8, 0.9], [-0.5, 0.6]])
    rho = np.array([0.2, 0.2])
    warm = np.array([[0.7], [-0.4]])
    out = project_onto_offset(g, cand, rho, warm=warm, known=None)
    plain = project_onto_graph(g, cand, warm)
    assert not out.offset_solve.any() and plain.centre is None and plain.other is None
    np.testing.assert_array_equal(out.theta, plain.theta)
    np.testing.assert_allclose(out.centre, plain.point + 0.2 * PARABOLA.normal_at(
        plain.theta[:, 0]), rtol=0, atol=0)
    assert out.other.shape == (2, other_width(1)) and np.all(np.isnan(out.other))


def test_nelder_mead_fallback_finds_the_paraboloid_tip():
    P2 = Landscape("x^2 + y^2")
    g = OffsetGraph(P2)
    x, value, contact = nearest_on_offset_simplex(g, np.array([[0.0, 0.0, 0.5]]),
                                                  np.array([1.0]), np.array([[0.3, 0.0]]),
                                                  np.array([[0.3, 0.0]]))
    np.testing.assert_allclose(x[0], [0.0, 0.0], atol=1e-4)
    assert abs(value[0] - TIP) < 1e-6
    assert abs(np.sum(contact[0] ** 2) - 0.75) < 1e-4  # on the ring of contacts
    assert other_width(2) == 6
