"""Tests of rollingball.numeric.offset against brute force, closed forms and the offset curve."""

import numpy as np
import pytest
import sympy as sp

from rollingball import Landscape
from rollingball.numeric.offset import upper_offset, upper_offset_grid

SINE = Landscape("sine")
PARABOLA = Landscape("parabola")


def brute_offset(f, x, rho, lo=-np.inf, hi=np.inf, n=400_001):
    """sup_{|s|<=rho, lo<=x+s<=hi} f(x+s) + sqrt(rho^2-s^2) on a fine grid (error ~ 1e-11)."""
    s = np.linspace(-rho, rho, n)
    keep = (x + s >= lo) & (x + s <= hi)
    s = s[keep]
    v = f(x + s) + np.sqrt(np.maximum(rho**2 - s**2, 0.0))
    k = np.argmax(v)
    return v[k], x + s[k]


@pytest.mark.parametrize("rho", [0.3, 1.0, 2.5, 7.0])
def test_1d_matches_brute_force(rho):
    xs = np.array([-8.0, -np.pi / 2, -0.4, 0.0, 1.3, 2.9])
    r = upper_offset(SINE, xs, rho)
    for x, v, c in zip(xs, r.value, r.contact, strict=True):
        bv, bc = brute_offset(np.sin, x, rho)
        assert v >= bv - 1e-12  # the exact sup is never below a sampled one
        assert v - bv < 1e-9
        assert np.sin(c) + np.sqrt(rho**2 - (c - x) ** 2) == pytest.approx(v, abs=1e-13)


def test_closed_forms_on_the_sine():
    rho = np.array([0.1, 0.5, 0.9, 1.0, 3.0, 40.0])
    crest = upper_offset(SINE, np.pi / 2, rho)
    np.testing.assert_allclose(crest.value, 1 + rho, rtol=0, atol=1e-13)
    np.testing.assert_allclose(crest.contact, np.pi / 2, atol=1e-9)
    trough = upper_offset(SINE, -np.pi / 2, rho[:4])  # the ball fits the trough for rho <= 1
    np.testing.assert_allclose(trough.value, -1 + rho[:4], rtol=0, atol=1e-13)
    # above 1 the ball touches the trough's two flanks symmetrically
    wide = upper_offset(SINE, -np.pi / 2, 3.0)
    assert wide.n_contacts == 2
    assert wide.contact + wide.contact2 == pytest.approx(-np.pi, abs=1e-9)


def test_parabola_against_the_parametric_offset_curve():
    # for rho < 1/2 (= 1/max curvature) the offset curve c(t) = (t, t^2) + rho nu(t) is a graph
    t = np.linspace(-2, 2, 41)
    for rho in (0.1, 0.3, 0.49):
        c = PARABOLA.offset(t, rho)
        r = upper_offset(PARABOLA, c[:, 0], rho)
        np.testing.assert_allclose(r.value, c[:, 1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(r.contact, t, rtol=0, atol=1e-8)


def test_broadcasting_over_points_and_radii():
    xs = np.linspace(-3, 3, 7)
    rho = np.array([0.5, 1.5, 4.0])
    r = upper_offset(SINE, xs[:, None], rho[None, :])
    assert r.value.shape == r.contact.shape == r.n_contacts.shape == (7, 3)
    for j, rj in enumerate(rho):
        np.testing.assert_array_equal(r.value[:, j], upper_offset(SINE, xs, rj).value)


def test_domain_restricts_the_sup():
    lo, hi = 0.0, 1.0
    for x, rho in [(0.0, 0.5), (-0.3, 0.6), (1.2, 0.5), (0.5, 2.0)]:
        r = upper_offset(PARABOLA, x, rho, domain=(lo, hi))
        bv, _ = brute_offset(np.square, x, rho, lo, hi)
        assert lo <= r.contact <= hi
        assert abs(r.value - bv) < 1e-9
    # a window that misses the domain gives NaN
    r = upper_offset(PARABOLA, 3.0, 1.0, domain=(lo, hi))
    assert np.isnan(r.value) and r.n_contacts == 0


def test_2d_pointwise_matches_1d_on_a_ridge_loss():
    x, y = sp.symbols("x y")
    L2 = Landscape(sp.sin(x) + 0 * y, [x, y])
    pts = np.array([[0.3, 0.1], [-np.pi / 2, 0.2], [1.0, 2.0], [-2.5, -1.0]])
    for rho in (0.5, 1.5, 3.0):
        r2 = upper_offset(L2, pts, rho)
        r1 = upper_offset(SINE, pts[:, 0], rho)
        np.testing.assert_allclose(r2.value, r1.value, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(r2.n_contacts, r1.n_contacts)


def test_2d_pointwise_on_a_paraboloid_is_the_radial_1d_offset():
    x, y = sp.symbols("x y")
    L2 = Landscape(x**2 + y**2, [x, y])
    rng = np.random.default_rng(0)
    pts = rng.uniform(-1.5, 1.5, size=(20, 2))
    for rho in (0.2, 0.8):
        r2 = upper_offset(L2, pts, rho)
        r1 = upper_offset(PARABOLA, np.linalg.norm(pts, axis=1), rho)
        np.testing.assert_allclose(r2.value, r1.value, rtol=0, atol=1e-11)


def test_grid_dilation_against_the_exact_1d_offset():
    x, y = sp.symbols("x y")
    L2 = Landscape(sp.sin(x) + 0 * y, [x, y], domain=((-3 * np.pi, 3 * np.pi), (-1, 1)))
    for h in (0.1, 0.05):
        g = upper_offset_grid(L2, [0.5, 1.5, 3.0], resolution=h)
        ax = g.axes[0]
        exact = upper_offset(SINE, ax[:, None], g.rho, domain=(ax[0], ax[-1])).value.T
        err = exact[:, :, None] - g.value
        assert err.min() > -1e-12  # the grid sup never exceeds the exact one
        assert err.max() < 0.72 * h**2  # second-order grid error (documented bound)
        assert err.max() > 0.3 * h**2  # and not trivially small: the test can fail


def test_grid_dilation_1d_matches_exact():
    g = upper_offset_grid(SINE, [0.5, 2.0], resolution=0.01)
    ax = g.axes[0]
    exact = upper_offset(SINE, ax[:, None], g.rho, domain=(ax[0], ax[-1])).value.T
    assert 0 <= (exact - g.value).min() + 1e-12
    assert (exact - g.value).max() < 0.72e-4


@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf, np.nan])
def test_bad_radius(bad):
    with pytest.raises(ValueError, match="radius"):
        upper_offset(SINE, 0.0, bad)


def test_bad_domain_and_dimension():
    with pytest.raises(ValueError, match="empty"):
        upper_offset(SINE, 0.0, 1.0, domain=(1.0, 1.0))
    x, y = sp.symbols("x y")
    with pytest.raises(ValueError, match="shape"):
        upper_offset(Landscape(x**2 + y**2, [x, y]), np.zeros(3), 1.0)


def test_1d_value_to_rounding_against_50_digit_reference():
    # polish the returned contact to 50 digits (mpmath) and compare the values: the sup is
    # attained where cos t = (t - x)/sqrt(rho^2 - (t - x)^2); brute force above checks the basin
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    rng = np.random.default_rng(1)
    xs = rng.uniform(-9, 9, 60)
    rhos = rng.choice([0.3, 0.9, 1.7, 4.0, 25.0], 60)
    r = upper_offset(SINE, xs, rhos)
    for x, rho, c, v in zip(xs, rhos, r.contact, r.value, strict=True):
        X, R = mp.mpf(x), mp.mpf(rho)
        d = mp.mpf(1e-7) * min(1, rho - abs(c - x) + 1e-3)
        t = mp.findroot(lambda u, X=X, R=R: mp.cos(u) - (u - X) / mp.sqrt(R**2 - (u - X) ** 2),
                        (mp.mpf(c) - d, mp.mpf(c) + d), solver="anderson")
        ref = mp.sin(t) + mp.sqrt(R**2 - (t - X) ** 2)
        assert abs(float(ref) - v) <= 2e-15 * (1 + abs(float(ref)))


def test_docstring_examples():
    import doctest

    import rollingball.numeric.offset as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_2d_domain_restriction_against_brute_force():
    x, y = sp.symbols("x y")
    L2 = Landscape(x**2 + y**2 - x * y, [x, y])
    box = ((0.0, 1.0), (0.0, 1.0))
    u = np.linspace(-1, 1, 1201)
    S = np.stack(np.meshgrid(u, u, indexing="ij"), axis=-1).reshape(-1, 2)
    S = S[np.sum(S * S, axis=1) <= 1]
    for p, rho in [((0.0, 0.0), 0.5), ((0.9, 0.2), 0.7), ((1.2, 0.5), 0.4)]:
        r = upper_offset(L2, np.array(p), rho, domain=box)
        q = np.array(p) + rho * S
        keep = np.all((q >= 0) & (q <= 1), axis=1)
        v = (q[keep, 0] ** 2 + q[keep, 1] ** 2 - q[keep, 0] * q[keep, 1]
             + rho * np.sqrt(np.maximum(1 - np.sum(S[keep] ** 2, axis=1), 0)))
        c = r.contact
        assert np.all((c >= -1e-15) & (c <= 1 + 1e-15))
        # never below a sample; above the grid's best by at most its spacing times the slope
        assert v.max() - 1e-12 <= r.value <= v.max() + 5e-3
        # and the value is attained at the reported contact
        h = c[0] ** 2 + c[1] ** 2 - c[0] * c[1] + np.sqrt(rho**2 - np.sum((c - p) ** 2))
        assert h == pytest.approx(float(r.value), abs=1e-14)


# ----------------------------------------------------------- the pruned 1-D scan
@pytest.mark.parametrize("name,lo,hi,rmax", [("weierstrass_like:n=100", -1.0, 5.0, 0.3),
                                              ("bumpy_bowl", -6.0, 6.0, 3.0)])
def test_pruned_scan_matches_a_dense_sup_on_random_cases(name, lo, hi, rmax):
    """f_rho against a dense sup (400 001 samples of s) on random (x, rho), with and without a
    domain: never below it, above it by less than the dense grid's error."""
    L = Landscape(name)
    rng = np.random.default_rng(7)
    xs, rhos = rng.uniform(lo, hi, 12), rng.uniform(0.02, rmax, 12)
    for dom in (None, (lo + 1.0, hi - 1.0)):
        r = upper_offset(L, xs, rhos, domain=dom)
        a, b = dom if dom is not None else (-np.inf, np.inf)
        for x, rho, v, c in zip(xs, rhos, r.value, r.contact, strict=True):
            if not (x - rho <= b and x + rho >= a):
                assert np.isnan(v)
                continue
            bv, _ = brute_offset(L.f, x, rho, a, b)
            for e in (a, b):  # a contact at a domain end: the grid misses the end itself
                if abs(e - x) <= rho:
                    bv = max(bv, float(L.f(e)) + np.sqrt(rho**2 - (e - x) ** 2))
            assert v >= bv - 1e-12
            assert v - bv < 1e-8 * max(1.0, 1 / rho)
            assert float(L.f(c)) + np.sqrt(max(rho**2 - (c - x) ** 2, 0.0)) == pytest.approx(
                v, abs=1e-12)


def test_pruned_scan_equals_the_full_scan():
    """The chunks the bound drops hold neither the maximum nor a tie: with pruning switched off
    (no bound) the same value, contacts and counts, to 1e-13, on the weierstrass loss (most
    chunks pruned) and an even loss with exact ties (-cos x + x^2/100 at x = 0, finely
    sampled so that its scan is pruned too)."""
    import rollingball.numeric.offset as O

    rng = np.random.default_rng(11)
    t = sp.Symbol("x")
    cases = [(Landscape("weierstrass_like:n=100"), rng.uniform(-1, 5, 150),
              rng.uniform(0.01, 0.3, 150), None),
             (Landscape(-sp.cos(t) + t**2 / 100, [t], domain=(-10.0, 10.0), feature_scale=1.0),
              np.r_[0.0, 0.0, rng.uniform(-9, 9, 60)], np.r_[2.0, 3.0, rng.uniform(0.5, 4, 60)],
              0.002)]
    kept_share = []
    orig = O._kept_samples

    def spy(*a):
        out = orig(*a)
        if out is not None:
            kept_share.append(out[0].mean())
        return out

    for L, xs, rhos, res in cases:
        O._kept_samples = spy
        try:
            fast = upper_offset(L, xs, rhos, resolution=res)
        finally:
            O._kept_samples = orig
        O._kept_samples = lambda *a: None
        try:
            full = upper_offset(L, xs, rhos, resolution=res)
        finally:
            O._kept_samples = orig
        np.testing.assert_array_equal(fast.n_contacts, full.n_contacts)
        for key in ("value", "contact", "contact2"):
            np.testing.assert_allclose(getattr(fast, key), getattr(full, key), rtol=0,
                                       atol=1e-13, equal_nan=True)
    assert (fast.n_contacts[:2] == 2).all()  # x = 0: the ball rests on both sides of the trough
    np.testing.assert_allclose(fast.contact[:2] + fast.contact2[:2], 0.0, atol=1e-9)
    assert len(kept_share) >= 2 and max(kept_share) < 0.6  # the bound prunes (both losses)
