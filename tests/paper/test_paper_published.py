"""The re-implementation of the authors' public Figure 3 script (rollingball.paper.published)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rollingball.paper.published import (
    PAPER_FIG3_RADII,
    fig3_as_published,
    published_rbo_1d,
    weierstrass_functions,
)


def test_functions_against_closed_forms():
    f, fp, s = weierstrass_functions(100)
    x = np.linspace(-1, 3, 7)
    k = np.arange(1, 101)
    for xi, fi, fpi, si in zip(x, f(x), fp(x), s(x), strict=True):
        assert fi == pytest.approx(sum(math.sin(kk * kk * xi) / kk**2 for kk in k), abs=1e-12)
        assert fpi == pytest.approx(sum(math.cos(kk * kk * xi) for kk in k), abs=1e-10)
        assert si == pytest.approx(sum(math.cos(kk * kk * xi) / kk**2 for kk in k), abs=1e-12)
    # the script's slope is the derivative of sum sin(k^2 x)/k^4, not of f (central differences)
    h = 1e-6
    smooth = lambda t: sum(math.sin(kk * kk * t) / kk**4 for kk in k)  # noqa: E731
    for xi in (0.3, 1.1, 2.0):
        assert s(xi) == pytest.approx((smooth(xi + h) - smooth(xi - h)) / (2 * h), abs=1e-6)
        assert abs((f(xi + h) - f(xi - h)) / (2 * h) - s(xi)) > 1e-3  # it is not f'


def _scalar_reference(rho, steps, n=100, lr=1e-3, P=20, gamma=0.05, x0=2.0):
    """The public script's loop, one radius, plain floats (written from its description)."""
    ks = range(1, n + 1)
    f = lambda t: sum(math.sin(k * k * t) / k**2 for k in ks)  # noqa: E731
    s = lambda t: sum(math.cos(k * k * t) / k**2 for k in ks)  # noqa: E731
    xs, cs = [x0], []
    for _ in range(steps):
        x = xs[-1]
        g = s(x)
        norm = math.hypot(1.0, g)
        cx, cy = x - rho * 1.0 / norm, f(x) - rho * (-g) / norm   # point - rho * (1, -g)/|.|
        cs.append((cx, cy))
        tx, ty = cx - lr * g, cy - lr * g * g
        u = cx                                                   # starts from the centre
        for _ in range(P):
            u -= gamma * ((u - tx) + s(u) * (f(u) - ty))
        xs.append(u)
    return np.array(xs), np.array(cs)


def test_matches_scalar_reference():
    run = fig3_as_published([0.01, 0.3, 1.0], n=100, steps=40)
    for i, rho in enumerate(run.radii):
        xs, cs = _scalar_reference(rho, 40)
        np.testing.assert_allclose(run.theta[:, i], xs, atol=1e-12)
        np.testing.assert_allclose(run.centre[:, i], cs, atol=1e-12)


def test_centre_beside_the_point():
    f, fp, s = weierstrass_functions(20)
    run = published_rbo_1d(f, s, 2.0, [0.5], lr=1e-3, steps=3, proj_steps=1, gamma=1e-9)
    x = run.theta[0, 0]
    p = np.array([x, f(x)])
    c = run.centre[0, 0]
    assert np.linalg.norm(c - p) == pytest.approx(0.5, abs=1e-12)
    # not along the normal (-s, 1): the offset is (-1, s)/|.|, to the left
    g = s(x)
    np.testing.assert_allclose((c - p) / 0.5, np.array([-1.0, g]) / math.hypot(1, g), atol=1e-12)
    normal = np.array([-g, 1.0]) / math.hypot(1, g)
    assert abs(np.dot((c - p) / 0.5, normal)) < 0.99


def test_normal_placement_and_footpoint_start_is_gradient_descent_for_tiny_radius():
    """With the departures switched off and rho -> 0, one step is a gradient step to O(eta^2)."""
    f, fp, s = weierstrass_functions(5)
    lr = 1e-4
    run = published_rbo_1d(f, fp, 0.7, [0.0], lr=lr, steps=1, proj_steps=2000, gamma=0.01,
                           placement="normal", warm_start="footpoint")
    gd = 0.7 - lr * fp(0.7)
    assert abs(run.theta[1, 0] - gd) < 50 * lr**2


def test_figure3_look_as_published():
    """The script's Figure 3: every radius walks left from 2 to about [0.1, 0.3], in jumps
    whose largest size grows with the radius (the 'coarser images')."""
    run = fig3_as_published(PAPER_FIG3_RADII, n=100, steps=2000)
    end = run.theta[-1]
    assert np.all((end > 0.05) & (end < 0.35)), end
    assert np.all(run.theta.max(axis=0) <= 2.0 + 1e-12)
    biggest = run.jumps().max(axis=0)
    assert np.all(np.diff(biggest) > 0), biggest
    assert biggest[-1] > 0.5 and biggest[0] < 0.05


@pytest.mark.parametrize("bad", [dict(radii=[-1.0]), dict(lr=0.0), dict(steps=0),
                                 dict(placement="above"), dict(warm_start="x"),
                                 dict(slope="true")])
def test_bad_input(bad):
    kwargs = dict(radii=[0.1], n=5, steps=2)
    kwargs.update(bad)
    radii = kwargs.pop("radii")
    with pytest.raises(ValueError):
        fig3_as_published(radii, **kwargs)
