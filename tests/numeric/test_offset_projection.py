"""The offset projection's dispatcher, 1-D branch search and d-D fallback, against closed forms
and a dense scan of the exact offset (independent of the searches)."""

import numpy as np
import pytest

from rollingball import Landscape, catalog
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


# ------------------------------------------------ the 1-D reachability certificate
NARROW_VALLEY = Landscape("x^2/2 - 0.3*exp(-(x/0.15)^2) + x^4/20")


@pytest.mark.parametrize("L, lo, hi, rmax", [
    (Landscape("bumpy_bowl"), -5.0, 5.0, 1.0),
    (catalog.weierstrass_like(n=20), 0.0, 4.0, 0.1),
    (NARROW_VALLEY, -2.0, 2.0, 0.6),
])
def test_reachable_1d_agrees_with_the_exact_test_and_brute_force(L, lo, hi, rmax):
    from rollingball.numeric.offset_projection.reachable import reachable_1d

    g = OffsetGraph(L)
    rng = np.random.default_rng(11)
    n = 300
    x = rng.uniform(lo, hi, n)
    rho = rng.uniform(0.05, 1.0, n) * rmax
    c = g.lift(x[:, None]) + rho[:, None] * g.normal(x[:, None])
    clear = reachable_1d(g, c, rho, x)
    dist, _ = g.exact_distance(c, x[:, None])
    tol = 1e-11 * (1 + np.abs(c[:, 1]))
    exact = dist >= rho - tol
    # never "reachable" where the exact test says not ...
    assert not np.any(clear & ~exact)
    # ... and where it says reachable, the referee's distance is rho (a dense independent check)
    ref = distance_to_graph(L, c[clear]).distance
    assert np.all(ref >= rho[clear] - 1e-9)
    # both verdicts occur, and the certificate decides most reachable balls itself
    assert exact.sum() >= 20 and (~exact).sum() >= 20
    assert clear.sum() >= 0.8 * exact.sum()


def test_reachable_1d_one_line_errors():
    from rollingball.numeric.offset_projection.reachable import reachable_1d

    with pytest.raises(ValueError, match="1-D only"):
        reachable_1d(OffsetGraph(Landscape("x^2 + y^2")), np.zeros((1, 3)), np.ones(1),
                     np.zeros(1))
    with pytest.raises(ValueError, match="shape"):
        reachable_1d(OffsetGraph(PARABOLA), np.zeros((2, 2)), np.ones(2), np.zeros(3))


def test_offset_step_with_the_fast_paths_equals_the_general_path():
    # 200 random balls rolled one step on each loss: the certificates change no footpoint
    import rollingball.numeric.offset_projection as op
    import rollingball.numeric.projection as proj

    for L, lo, hi, rho, lr in [(Landscape("bumpy_bowl"), -5.0, 5.0, 0.5, 1e-2),
                               (catalog.weierstrass_like(n=20), 0.0, 4.0, 0.1, 1e-3),
                               (NARROW_VALLEY, -2.0, 2.0, 0.4, 3e-2)]:
        g = OffsetGraph(L)
        x = np.random.default_rng(5).uniform(lo, hi, 200)[:, None]
        r = np.full(200, rho)
        place = project_onto_offset(g, g.lift(x) + rho * g.normal(x), r, warm=x, known=None)
        cand = place.centre - lr * g.tangent(place.theta)
        fast = project_onto_offset(g, cand, r, warm=place.theta, known=place.centre)
        saved = proj._fast_1d, op.reachable_1d
        try:
            proj._fast_1d = lambda G, t, h, a, *args, **kw: (np.zeros(a.size, bool),) + (None,) * 7
            op.reachable_1d = lambda graph, c, rr, th, hint=None: np.zeros(rr.size, bool)
            slow = project_onto_offset(g, cand, r, warm=place.theta, known=place.centre)
        finally:
            proj._fast_1d, op.reachable_1d = saved
        np.testing.assert_allclose(fast.theta, slow.theta, rtol=0, atol=1e-10)
        np.testing.assert_allclose(fast.centre, slow.centre, rtol=0, atol=1e-10)
        np.testing.assert_array_equal(fast.offset_solve, slow.offset_solve)
        assert np.all(fast.certified == slow.certified)
        d = distance_to_graph(L, fast.centre).distance
        assert np.max(np.abs(d - rho)) <= 1e-9


def test_dd_placement_is_on_the_offset_where_the_disk_scan_misses_the_sup():
    """rastrigin(A=1) at radius 0.3: the d-D upper offset's disk scan missed the sup for 16 of
    these 200 starts (centres up to 0.026 inside the tube, f1e0d64); the placement is now
    verified by the exact projection and re-polished from the intruder: every centre is at
    distance rho by the independent referee."""
    import pathlib

    from rollingball import roll
    from rollingball.numeric.distance import distance_to_graph

    data = pathlib.Path(__file__).parents[1] / "engine" / "data" / "fastpath_rastrigin.npz"
    z = np.load(data, allow_pickle=True)
    L = catalog.rastrigin(A=1)
    rho = float(z["radius"])
    missed = np.flatnonzero(z["residual"][0] > 1e-9)
    assert missed.size >= 10  # the reference's placement was off for these
    r = roll(L, z["x0"][missed], radius=rho, lr=float(z["lr"]), steps=0)
    d = distance_to_graph(L, r.centre[0]).distance
    np.testing.assert_allclose(d, rho, atol=1e-9)
    assert np.all(r.centre[0, :, 2] > z["centre"][0, missed, 2])  # higher than before
