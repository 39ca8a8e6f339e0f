"""Tests of rollingball.numeric.window against dense brute force."""

from __future__ import annotations

import numpy as np
import pytest

from rollingball.numeric.window import GridTable, minimize_in_windows, minimize_on_grid


def wiggly(centres):
    """g_i(x) = (x - c_i)^2 / 4 + sin(5 x) / 2 (several local minima per window)."""
    def fgh(x, i):
        u = x - centres[i]
        return (u * u / 4 + np.sin(5 * x) / 2, u / 2 + 2.5 * np.cos(5 * x),
                0.5 - 12.5 * np.sin(5 * x))
    return fgh


def dense_min(centres, lo, hi):
    out = []
    for c, a, b in zip(centres, lo, hi, strict=True):
        xs = np.linspace(a, b, 400_001)
        g = (xs - c) ** 2 / 4 + np.sin(5 * xs) / 2
        out.append(g.min())
    return np.array(out)


def test_minimize_in_windows_matches_dense_sampling():
    rng = np.random.default_rng(0)
    centres = rng.uniform(-3, 3, 40)
    lo = centres - rng.uniform(0.5, 3, 40)
    hi = centres + rng.uniform(0.5, 3, 40)
    w = minimize_in_windows(wiggly(centres), lo, hi, 0.05)
    ref = dense_min(centres, lo, hi)
    # the dense reference is within g'' h^2 / 8 ~ 2e-10 of the truth, above it
    assert np.all(w.value <= ref + 1e-12) and np.all(w.value >= ref - 3e-10)
    assert np.all((w.x >= lo) & (w.x <= hi))
    interior = (w.x > lo + 1e-9) & (w.x < hi - 1e-9)
    assert np.max(np.abs(w.slope[interior])) <= 1e-12
    assert np.all(w.value2 >= w.value)


def test_minimize_on_grid_matches_dense_sampling_and_prunes():
    rng = np.random.default_rng(1)
    centres = rng.uniform(-3, 3, 40)
    h = 0.05
    klo = np.floor((centres - 2.5) / h).astype(np.int64)
    khi = np.ceil((centres + 2.5) / h).astype(np.int64)
    fgh = wiggly(centres)
    table = GridTable(lambda x: np.stack([np.sin(5 * x), np.cos(5 * x)]), h, 2)

    def sample(k, i):
        s, c = table(k)
        u = k * h - centres[i]
        return u * u / 4 + s / 2, u / 2 + 2.5 * c

    w = minimize_on_grid(sample, fgh, klo, khi, h)
    ref = dense_min(centres, klo * h, khi * h)
    assert np.all(w.value <= ref + 1e-12) and np.all(w.value >= ref - 3e-10)
    # only near-best minima were polished: fewer than all local minima in the window
    full = minimize_in_windows(fgh, klo * h, khi * h, h)
    assert np.all(w.n_candidates <= full.n_candidates)
    assert np.sum(w.n_candidates) < np.sum(full.n_candidates)
    # segments of windows: the same answer window by window
    mid = (klo + khi) // 2
    seg = minimize_on_grid(sample, fgh, np.r_[klo, mid], np.r_[mid, khi], h,
                           owner=np.r_[np.arange(40), np.arange(40)], n_windows=40)
    assert np.allclose(seg.value, w.value, rtol=0, atol=1e-15)


def test_grid_table_values_and_blocks():
    calls = []

    def func(x):
        calls.append(x.size)
        return np.stack([np.sin(x), np.cos(x)])

    h = 0.01
    T = GridTable(func, h, 2)
    k = np.array([5, -3000, 7000, 5], dtype=np.int64)
    v = T(k)
    assert np.array_equal(v[0], np.sin(k * h)) and np.array_equal(v[1], np.cos(k * h))
    n_calls = len(calls)
    T(np.array([6, 7, -2999]))  # cached: no new evaluation
    assert len(calls) == n_calls
    kb = np.array([0, 3, -90])
    bmin, bmax, bslope, bcurv = T.blocks(kb)
    B = T.BLOCK
    for i, b in enumerate(kb):
        xs = (b * B + np.arange(B)) * h
        assert bmin[i] == np.sin(xs).min() and bmax[i] == np.sin(xs).max()
        assert bslope[i] == np.abs(np.cos(xs)).max()
        assert bcurv[i] == pytest.approx(np.abs(np.sin(xs)).max(), rel=1e-3, abs=1e-3)


def test_bad_input():
    with pytest.raises(ValueError, match="spacing"):
        minimize_in_windows(wiggly(np.zeros(1)), [0.0], [1.0], 0.0)
    with pytest.raises(ValueError, match="lo <= hi"):
        minimize_in_windows(wiggly(np.zeros(1)), [1.0], [0.0], 0.1)
    with pytest.raises(ValueError, match="klo <= khi"):
        minimize_on_grid(None, None, [3], [2], 0.1)
    with pytest.raises(ValueError, match="spacing"):
        GridTable(np.sin, -1.0, 1)


def test_a_window_over_the_sample_budget_is_refused_before_it_is_allocated():
    # 1e12 samples (8 TB of x alone): refused at once, one line naming the estimate and limit
    def fgh(x, i):  # never called
        raise AssertionError("sampled a window over budget")

    with pytest.raises(ValueError, match=r"one search window \(samples\) needs about "
                       r"1,000,000,000,001, over the budget of 4,000,000"):
        minimize_in_windows(fgh, np.array([0.0]), np.array([1.0]), 1e-12)
    with pytest.raises(ValueError, match="over the budget of 4,000,000"):
        minimize_on_grid(fgh, fgh, np.array([0]), np.array([10**9]), 1e-3)


# ------------------------------------------------------------------- ball_is_clear
def test_ball_is_clear_on_the_parabola_closed_form_and_dense_samples():
    from rollingball.numeric.window import ball_is_clear

    f = lambda x: np.stack([x * x, 2 * x])  # noqa: E731
    exact = lambda x: (x * x, 2 * x, 2 + 0 * x)  # noqa: E731
    t = GridTable(f, 0.01, 2)
    # tangent from above at the vertex: clear iff rho <= 1/2 (the radius of curvature)
    r = np.array([0.2, 0.45, 0.55, 0.9])
    q = np.stack([np.zeros(4), r], axis=1)
    np.testing.assert_array_equal(ball_is_clear(t, t.h, q, r, np.zeros(4), exact=exact),
                                  [True, True, False, False])
    # tangent from above at random points: a dense brute force decides
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-1.5, 1.5, 300)
    rho = rng.uniform(0.05, 1.5, 300)
    nrm = np.stack([-2 * x0, np.ones(300)], 1) / np.sqrt(1 + 4 * x0**2)[:, None]
    c = np.stack([x0, x0**2], 1) + rho[:, None] * nrm
    clear = ball_is_clear(t, t.h, c, rho, x0, exact=exact)
    xs = np.linspace(-4, 4, 400001)
    gmin = np.array([np.min((xs - ci[0]) ** 2 + (xs**2 - ci[1]) ** 2) for ci in c])
    brute = gmin >= rho**2 - 1e-9
    assert not np.any(clear & ~brute)  # never clears a ball the graph enters
    assert clear.sum() >= 0.9 * brute.sum() and (~brute).sum() >= 30
    # without the exact polish a second near-contact fails the ball; details give seeds
    ok, seed, second = ball_is_clear(t, t.h, q, r, np.zeros(4), details=True)
    assert ok[:2].all() and not ok[2:].any() and np.isfinite(seed[2:]).all()
