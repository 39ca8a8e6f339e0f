"""Tests of rollingball.numeric.projection against brute force, closed forms and hand loops."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage
import scipy.optimize
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollingball import Landscape, _budget, catalog
from rollingball.numeric.distance import distance_to_graph
from rollingball.numeric.projection import Projection, project
from rollingball.symbolic.scales import feature_scale

x, y = sp.symbols("x y", real=True)


# ------------------------------------------------------------------ references
def brute_force_1d(L, cand, spacing, keep=6):
    """Global min of g by dense sampling of f on a fixed grid, then bounded Brent on the
    brackets of the `keep` best sampled local minima (a loop over candidates: slow, simple)."""
    a_all, b_all = cand[:, 0], cand[:, 1]
    R = np.abs(L.f(a_all) - b_all)
    lo, hi = float(np.min(a_all - R)) - spacing, float(np.max(a_all + R)) + spacing
    grid = np.arange(lo, hi + spacing, spacing)
    fgrid = L.f(grid)
    out = np.empty(len(cand))
    theta = np.empty(len(cand))
    for i, (a, b) in enumerate(cand):
        s = slice(np.searchsorted(grid, a - R[i]) - 1, np.searchsorted(grid, a + R[i]) + 2)
        xs, fs = grid[s], fgrid[s]
        g = (xs - a) ** 2 + (fs - b) ** 2
        loc = np.flatnonzero((g[1:-1] <= g[:-2]) & (g[1:-1] <= g[2:])) + 1
        loc = loc[np.argsort(g[loc])[:keep]]
        best, arg = np.inf, np.nan
        for j in loc:
            r = scipy.optimize.minimize_scalar(
                lambda t, a=a, b=b: (t - a) ** 2 + (float(L.f(np.array(t))) - b) ** 2,
                bounds=(xs[j - 1], xs[j + 1]), method="bounded",
                options={"xatol": 1e-13, "maxiter": 500})
            if r.fun < best:
                best, arg = r.fun, r.x
        out[i], theta[i] = np.sqrt(best), arg
    return out, theta


def brute_force_2d(L, cand, spacing, keep=4):
    """Dense grid over the window, then Levenberg-Marquardt (scipy) from the best samples."""
    out = np.empty(len(cand))
    for i, c in enumerate(cand):
        a, b = c[:2], c[2]
        R = abs(float(L.f(a)) - b)
        ax = np.arange(-R, R + spacing, spacing)
        X, Y = np.meshgrid(a[0] + ax, a[1] + ax, indexing="ij")
        pts = np.stack([X.ravel(), Y.ravel()], -1)
        g = np.sum((pts - a) ** 2, 1) + (L.f(pts) - b) ** 2
        best = np.inf
        for j in np.argsort(g)[:keep]:
            def resid(t, a=a, b=b):
                return np.r_[t - a, float(L.f(t)) - b]

            def jac(t):
                return np.vstack([np.eye(2), L.value_and_grad(t)[1]])

            res = scipy.optimize.least_squares(resid, pts[j], jac=jac, method="lm",
                                               xtol=1e-15, ftol=1e-15, gtol=1e-15)
            best = min(best, 2 * res.cost, g[j])
        out[i] = np.sqrt(best)
    return out


def brute_force_nd(L, cand, spacing, keep=10):
    """Global min of g in d = 2, 3: f on a dense grid (one grid over all windows in 2-D, one
    per window in 3-D), the `keep` best discrete local minima of g (3^d neighbourhoods) in
    the window |theta - a| <= |f(a) - b|, each polished by scipy's Levenberg-Marquardt."""
    d = L.dim
    a, b = cand[:, :d], cand[:, d]
    R = np.abs(L.f(a) - b)
    if d == 2:
        lo, hi = np.min(a - R[:, None], 0) - 2 * spacing, np.max(a + R[:, None], 0) + 2 * spacing
        axes = [np.arange(lo[j], hi[j] + spacing, spacing) for j in range(d)]
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1)
        fgrid = L.f(grid.reshape(-1, d)).reshape(grid.shape[:-1])
    out = np.empty(len(cand))
    for i in range(len(cand)):
        ai, bi, Ri = a[i], b[i], R[i]
        if d == 2:
            win = tuple(slice(np.searchsorted(axes[j], ai[j] - Ri) - 1,
                              np.searchsorted(axes[j], ai[j] + Ri) + 2) for j in range(d))
            Q, F = grid[win], fgrid[win]
        else:
            Q = np.stack(np.meshgrid(*[np.arange(ai[j] - Ri - spacing, ai[j] + Ri + 2 * spacing,
                                                 spacing) for j in range(d)], indexing="ij"), -1)
            F = L.f(Q.reshape(-1, d)).reshape(Q.shape[:-1])
        dx2 = np.sum((Q - ai) ** 2, -1)
        g = np.where(dx2 <= (Ri + 2 * spacing) ** 2, dx2 + (F - bi) ** 2, np.inf)
        low = (g == scipy.ndimage.minimum_filter(g, size=3, mode="constant", cval=np.inf))
        idx = np.flatnonzero((low & np.isfinite(g)).ravel())
        best = min(Ri**2, float(g.min()))
        for j in idx[np.argsort(g.ravel()[idx])[:keep]]:
            r = scipy.optimize.least_squares(
                lambda t, ai=ai, bi=bi: np.r_[t - ai, float(L.f(t)) - bi],
                Q.reshape(-1, d)[j], jac=lambda t: np.vstack([np.eye(d), L.value_and_grad(t)[1]]),
                method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
            best = min(best, 2 * r.cost)
        out[i] = np.sqrt(best)
    return out


def random_candidates(L, n, seed, spread=1.0):
    rng = np.random.default_rng(seed)
    lo, hi = L.domain[0]
    a = rng.uniform(lo, hi, n)
    b = L.f(a) + rng.uniform(-spread, spread, n)
    return np.stack([a, b], axis=1)


# ------------------------------------------------------------ exact vs brute force
@pytest.mark.parametrize("loss, spacing, rtol", [
    (catalog.sine(), 1e-3, 1e-12),
    # f' = sum cos(k^2 theta) carries a rounding error ~ eps |theta| n^3 / 3 (3e-12 at
    # theta = 5, n = 20): the residual's floor is that, relative to distances ~ 0.01-1
    (catalog.weierstrass_like(n=20), 2e-4, 1e-9),
    (catalog.double_well(), 1e-3, 1e-12),
    (catalog.bumpy_bowl(), 1e-3, 1e-12),
])
def test_exact_equals_brute_force_1d(loss, spacing, rtol):
    cand = random_candidates(loss, 200, seed=7)
    P = project(loss, cand)
    ref, _ = brute_force_1d(loss, cand, spacing)
    assert np.max(np.abs(P.distance - ref)) <= 1e-10
    assert np.all(P.certified)
    # the footpoint is on the graph and the reported distance is |c - p|
    assert np.allclose(P.point[:, 1], loss.f(P.theta[:, 0]), rtol=0, atol=1e-15)
    assert np.allclose(P.distance, np.linalg.norm(cand - P.point, axis=1), rtol=1e-15, atol=0)
    # polished: relative stationarity residual at most 1e-12 (above the rounding floor of f',
    # which exceeds 1e-12 of a tiny distance)
    far = P.distance > 1e-2
    assert np.max(P.residual[far]) <= rtol


def test_exact_with_warm_start_equals_brute_force():
    L = catalog.weierstrass_like(n=20)
    cand = random_candidates(L, 200, seed=3, spread=0.3)
    warm = cand[:, :1] + np.random.default_rng(4).normal(0, 0.05, (200, 1))
    P = project(L, cand, warm=warm)
    ref, _ = brute_force_1d(L, cand, 2e-4)
    assert np.max(np.abs(P.distance - ref)) <= 1e-10


@pytest.mark.slow
def test_exact_equals_brute_force_2d():
    L = Landscape(0.5 * (x**2 + y**2) + sp.Rational(3, 10) * sp.sin(3 * x) * sp.cos(2 * y),
                  [x, y], domain=(-2, 2))
    rng = np.random.default_rng(5)
    a = rng.uniform(-2, 2, (200, 2))
    b = L.f(a) + rng.uniform(0.0, 0.6, 200)
    cand = np.concatenate([a, b[:, None]], axis=1)
    P = project(L, cand)
    ref = brute_force_2d(L, cand, 0.02, keep=3)
    assert np.max(np.abs(P.distance - ref)) <= 1e-10
    assert not np.any(P.certified)  # no proof is attempted in d >= 2
    assert np.max(P.residual) <= 1e-10


def test_exact_on_rastrigin_never_worse_than_newton_and_local():
    L = catalog.rastrigin()
    rng = np.random.default_rng(8)
    a = rng.uniform(-3, 3, (50, 2))
    cand = np.concatenate([a, (L.f(a) + rng.uniform(0, 2, 50))[:, None]], axis=1)
    E = project(L, cand)
    N = project(L, cand, method="newton")
    assert np.all(E.distance <= N.distance + 1e-12)
    assert np.max(E.residual) <= 1e-8  # slopes up to 60: rounding floor ~ 1e-11 relative


_BUMPY_3D = Landscape("x^2 + y^2 + z^2 + 0.3*sin(5*x)*sin(5*y)", ["x", "y", "z"], domain=(-2, 2))


@pytest.mark.slow
@pytest.mark.parametrize("loss, n, box, heights, spacing", [
    # 1000 Gaussian wells of width 0.1 (each f costs 1000 exps): the lattice-seeded search
    (catalog.gaussian_wells(), 60, 1.5, 1.5, 0.015),
    (catalog.rastrigin(), 100, 5.12, 3.0, 0.02),  # slopes ~ 60: narrow basins below a
    (catalog.rosenbrock(), 100, 2.0, 3.0, 0.005),
    (_BUMPY_3D, 60, 2.0, 3.0, 0.06),
], ids=["gaussian_wells", "rastrigin", "rosenbrock", "bumpy_3d"])
def test_exact_nd_finds_the_global_nearest_point(loss, n, box, heights, spacing):
    rng = np.random.default_rng(12)
    a = rng.uniform(-box, box, (n, loss.dim))
    cand = np.concatenate([a, (loss.f(a) + rng.uniform(0.1, heights, n))[:, None]], axis=1)
    P = project(loss, cand)
    ref = brute_force_nd(loss, cand, spacing)
    referee = distance_to_graph(loss, cand).distance
    assert np.max(np.abs(P.distance - ref) / ref) <= 1e-9
    assert np.max(np.abs(P.distance - referee) / referee) <= 1e-9
    assert np.allclose(P.point[:, -1], loss.f(P.theta), rtol=1e-15, atol=1e-15)


# --------------------------------------------------------------------- property
@st.composite
def smooth_losses(draw):
    """c x^2 + sum of 1-3 sinusoids A sin(k x + phi)."""
    m = draw(st.integers(1, 3))
    c = draw(st.floats(0.0, 1.0))
    terms = c * x**2
    kmax = 0.0
    for _ in range(m):
        A = draw(st.floats(-1.0, 1.0))
        k = draw(st.floats(0.3, 6.0))
        phi = draw(st.floats(0.0, 6.3))
        terms += A * sp.sin(k * x + phi)
        kmax = max(kmax, k)
    return Landscape(terms, [x], domain=(-3, 3), feature_scale=2 * np.pi / kmax)


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(L=smooth_losses(), seed=st.integers(0, 2**16))
def test_exact_property_random_smooth_losses(L, seed):
    cand = random_candidates(L, 25, seed=seed, spread=1.5)
    P = project(L, cand)
    ref, _ = brute_force_1d(L, cand, 1e-3)
    assert np.max(np.abs(P.distance - ref)) <= 1e-10
    # newton from any start is a local nearest point: never nearer than the global one
    N = project(L, cand, method="newton", warm=cand[:, :1] + 0.3)
    assert np.all(N.distance >= P.distance - 1e-12)


def test_estimated_feature_scale():
    L = Landscape(sp.sin(4 * x) + x**2 / 10, [x])
    assert feature_scale(L) == pytest.approx(2 * np.pi / 4, rel=0.05)
    assert feature_scale(Landscape("x^2")) == np.inf
    assert feature_scale(catalog.sine()) == 2 * np.pi  # from the catalog


# ------------------------------------------------------------------------ newton
def test_newton_finds_the_local_nearest_point():
    L = catalog.parabola()
    cand = np.array([[0.1, 3.0]])  # nearest on the right branch; the left one is local
    N = project(L, cand, method="newton", warm=[[-1.5]])
    # stationary points of g: 2 (t - 0.1) + 4 t (t^2 - 3) = 0, i.e. 4 t^3 - 10 t - 0.2 = 0
    roots = np.sort(np.roots([4.0, 0.0, -10.0, -0.2]).real)
    left = roots[0]
    assert N.theta[0, 0] == pytest.approx(left, abs=1e-13)
    assert N.distance[0] == pytest.approx(np.hypot(left - 0.1, left**2 - 3.0), abs=1e-14)
    assert N.residual[0] <= 1e-12
    E = project(L, cand, warm=[[-1.5]])
    assert E.theta[0, 0] > 0 and E.distance[0] < N.distance[0]
    assert E.jumped[0] and not N.jumped[0]


def test_newton_on_sine_matches_local_brent():
    L = catalog.sine()
    rng = np.random.default_rng(2)
    a = rng.uniform(-8, 8, 100)
    cand = np.stack([a, np.sin(a) + rng.uniform(-0.5, 0.5, 100)], 1)
    P = project(L, cand, method="newton", warm=a[:, None])
    for (ai, bi), t in zip(cand, P.theta[:, 0], strict=True):
        r = scipy.optimize.minimize_scalar(lambda s, ai=ai, bi=bi: (s - ai) ** 2
                                           + (np.sin(s) - bi) ** 2,
                                           bounds=(t - 0.05, t + 0.05), method="bounded",
                                           options={"xatol": 1e-13})
        assert abs(r.x - t) < 1e-7
    assert np.max(P.residual) <= 1e-12


# ------------------------------------------------------------------------- paper
@pytest.mark.parametrize("gamma, steps", [(0.05, 20), (0.001, 100)])
def test_paper_matches_hand_written_loop(gamma, steps):
    L = catalog.bumpy_bowl()
    rng = np.random.default_rng(0)
    a = rng.uniform(-4, 4, 30)
    cand = np.stack([a, L.f(a) + 0.3], 1)
    warm = a - 0.1
    P = project(L, cand, method="paper", warm=warm[:, None], gamma=gamma, steps=steps)
    for i in range(30):
        t = warm[i]
        for _ in range(steps):
            f = np.cos(3 * t) / 3 + t * t / 10
            df = -np.sin(3 * t) + t / 5
            t = t - gamma * ((t - a[i]) + (f - cand[i, 1]) * df)
        assert P.theta[i, 0] == pytest.approx(t, abs=1e-13)
    assert np.all(P.iterations == steps) and not np.any(P.certified)


# ------------------------------------------------------------------ medial axis
def test_jumped_when_crossing_the_medial_axis_of_a_parabola():
    # The medial axis of y = x^2 is {x = 0, y > 1/2}: it starts at the centre of curvature
    # (0, 1/2) of the vertex (the focus (0, 1/4) lies below it).
    L = catalog.parabola()
    left = project(L, [[-0.1, 2.0]])
    assert left.theta[0, 0] < 0
    cross = project(L, [[0.1, 2.0]], warm=left.theta)
    stay = project(L, [[-0.05, 2.0]], warm=left.theta)
    assert cross.jumped[0] and cross.theta[0, 0] > 0
    assert not stay.jumped[0] and stay.theta[0, 0] < 0
    # below the axis the footpoint moves continuously through the vertex: no jump
    low = project(L, [[-0.1, 0.4]])
    below = project(L, [[0.1, 0.4]], warm=low.theta)
    assert not below.jumped[0]


def test_second_reports_the_tie_on_the_axis():
    L = catalog.parabola()
    P = project(L, [[0.0, 2.0], [0.0, 0.3]])
    # (0, 2): two footpoints x = +-sqrt(3/2) at distance sqrt(7)/2
    assert P.distance[0] == pytest.approx(np.sqrt(7) / 2, abs=1e-14)
    assert P.second[0] == pytest.approx(P.distance[0], abs=1e-12)
    assert abs(P.theta[0, 0]) == pytest.approx(np.sqrt(1.5), abs=1e-12)
    # (0, 0.3): below the centre of curvature, the vertex is the only nearest point
    assert P.distance[1] == pytest.approx(0.3, abs=1e-15)
    assert P.second[1] == np.inf


# ------------------------------------------------------------------------- scale
def test_scale_is_the_graph_of_lambda_f():
    lam = 2.5
    L = catalog.bumpy_bowl()
    M = Landscape(lam * L.expr, list(L.variables), feature_scale=L.feature_scale)
    cand = random_candidates(M, 50, seed=1)
    P = project(L, cand, scale=lam)
    Q = project(M, cand)
    assert np.allclose(P.distance, Q.distance, rtol=0, atol=1e-12)
    assert np.allclose(P.point, Q.point, rtol=0, atol=1e-12)


# --------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, match", [
    (dict(candidates=[[0.0, 1.0, 2.0]]), "shape"),
    (dict(candidates=[0.0, 1.0]), "shape"),
    (dict(candidates=[[np.nan, 1.0]]), "finite"),
    (dict(method="gradient"), "unknown projection method"),
    (dict(resolution=0.0), "resolution"),
    (dict(resolution=-1.0), "resolution"),
    (dict(gamma=0.0), "gamma"),
    (dict(steps=0), "steps"),
    (dict(steps=2.5), "steps"),
    (dict(scale=0.0), "scale"),
    (dict(warm=[[0.0], [1.0]]), "warm"),
    (dict(warm=[[np.nan]]), "finite"),
])
def test_bad_input(kwargs, match):
    args = dict(candidates=[[0.0, 1.0]])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        project(catalog.parabola(), args.pop("candidates"), **args)


def test_result_type_and_shapes():
    P = project("sine", np.zeros((3, 2)))
    assert isinstance(P, Projection) and len(P) == 3
    assert P.theta.shape == (3, 1) and P.point.shape == (3, 2)
    assert P.iterations.dtype.kind == "i" and P.jumped.dtype == bool


def test_a_window_over_the_sample_budget_is_cut_and_reported(monkeypatch):
    # budget 1000 samples: the candidate (0, -30) on x^2 needs |theta| <= R ~ 30 at the
    # default spacing 10/256 (about 1500 samples); (0.5, 1) needs a few dozen
    monkeypatch.setattr(_budget, "MAX_GRID_POINTS", 1000)
    good = project("x^2", [[0.5, 1.0]])
    both = project("x^2", [[0.5, 1.0], [0.0, -30.0], [1e300, 0.0]])
    assert both.too_wide.tolist() == [False, True, True]
    assert both.certified.tolist() == [True, False, False]
    assert np.array_equal(both.theta[:1], good.theta) and not good.too_wide[0]
    # the cut window still holds the nearest point here: theta = 0, distance 30
    assert abs(both.theta[1, 0]) < 1e-12 and abs(both.distance[1] - 30.0) < 1e-12


# ------------------------------------------------------------------- 1-D fast path
@pytest.mark.parametrize("loss, spread, share", [
    (catalog.bumpy_bowl(), 0.6, 0.5),
    # ripples of wavelength 0.016: Newton from a start 0.02 away often ends in another
    # ripple's footpoint, which the certificate rejects (the window scan decides those)
    (catalog.weierstrass_like(n=20), 0.1, 0.25),
    (Landscape("x^2/2 - 0.3*exp(-(x/0.15)^2) + x^4/20"), 0.5, 0.5),
])
def test_fast_path_equals_the_window_scan_and_brute_force(loss, spread, share):
    from rollingball.numeric import projection as proj

    cand = random_candidates(loss, 200, seed=13, spread=spread)
    warm = cand[:, :1] + np.random.default_rng(14).normal(0, 0.02, (200, 1))
    P = project(loss, cand, warm=warm)
    a, b = cand[:, :1], cand[:, 1]
    S = proj._scan_1d(loss, a, b, warm, True, None, 1e-12, 50)
    h = proj._grid_spacing(loss, None)
    ok = proj._fast_1d(loss, proj._grid_table(loss, h), h, a[:, 0], b, warm[:, 0], 1e-12,
                       50)[0]
    assert ok.mean() >= share  # the fast path decides many of them
    np.testing.assert_allclose(P.theta, S.theta, rtol=0, atol=1e-10)
    np.testing.assert_allclose(P.distance, S.distance, rtol=0, atol=1e-12)
    assert np.all(P.certified) and np.all(S.certified)
    ref = distance_to_graph(loss, cand).distance
    assert np.max(np.abs(P.distance - ref)) <= 1e-10


def test_project_for_offset_1d_is_project_and_proves_reachability():
    from rollingball.numeric.projection import project_for_offset_1d

    L = catalog.bumpy_bowl()
    rng = np.random.default_rng(8)
    x = rng.uniform(-4.5, 4.5, 200)
    rho = np.full(200, 0.5)
    nrm = L.normal_at(x)
    # candidates near the offset: the footpoint plus (rho + noise) along the normal, moved
    cand = np.stack([x, L.f(x)], 1) + (rho + rng.uniform(-0.05, 0.05, 200))[:, None] * nrm
    warm = (x + rng.normal(0, 0.01, 200))[:, None]
    P, clear = project_for_offset_1d(L, cand, warm, rho)
    Q = project(L, cand, warm=warm)
    np.testing.assert_allclose(P.theta, Q.theta, rtol=0, atol=1e-12)
    assert np.all(P.certified)
    # where it says reachable, the referee finds c' = p + rho nu at distance rho
    c = P.point + rho[:, None] * L.normal_at(P.theta[:, 0])
    ref = distance_to_graph(L, c[clear]).distance
    assert clear.sum() >= 50 and np.max(np.abs(ref - 0.5)) <= 1e-9
    # ... and where the referee finds a graph point nearer than rho it never does
    d_all = distance_to_graph(L, c).distance
    assert not np.any(clear & (d_all < 0.5 - 1e-9)) and np.any(d_all < 0.5 - 1e-9)
    with pytest.raises(ValueError, match="1-D only"):
        project_for_offset_1d(Landscape("x^2 + y^2"), np.zeros((1, 3)), np.zeros((1, 2)),
                              np.ones(1))
    with pytest.raises(ValueError, match="rho must have shape"):
        project_for_offset_1d(L, cand, warm, np.ones(3))


@pytest.mark.parametrize("name", ["bumpy_bowl", "weierstrass_like"])
def test_jumped_means_the_footpoint_left_the_warm_starts_basin(name):
    """``jumped`` (1-D exact, warm start) is True exactly where descent of
    g = (x - a)^2 + (f(x) - b)^2 from the warm start cannot reach the footpoint: g is not
    decreasing along [warm, footpoint] (checked on 3001 exact values of f per row)."""
    L = getattr(catalog, name)()
    rng = np.random.default_rng(7)
    x0 = rng.uniform(-2, 2, 400)
    f0, g0 = L.value_and_grad(x0[:, None])
    f0, fp = np.asarray(f0).ravel(), np.asarray(g0)[..., 0].ravel()
    rho = 0.5 if name == "bumpy_bowl" else 0.1
    nu = np.stack([-fp, np.ones_like(fp)], 1) / np.sqrt(1 + fp * fp)[:, None]
    step = rng.uniform(0.0, 0.02, 400)[:, None] * np.stack([fp, fp * fp], 1)
    cand = np.stack([x0, f0], 1) + rho * nu - step
    P = project(L, cand, warm=x0[:, None])
    new = P.theta[:, 0]
    s = np.linspace(0.0, 1.0, 3001)
    pts = x0[:, None] + (new - x0)[:, None] * s
    F = np.asarray(L.f(pts[..., None])).reshape(pts.shape)
    g = (pts - cand[:, :1]) ** 2 + (F - cand[:, 1:]) ** 2
    descends = np.all(np.diff(g, axis=1) <= 1e-13 * (1 + g[:, 1:]), axis=1)
    moved = np.abs(new - x0) > 1e-6 * (1 + np.abs(x0))
    assert np.array_equal(np.asarray(P.jumped), moved & ~descends)
    assert 0 < int(np.sum(P.jumped)) < 400
