"""Baselines against hand-written one-line updates on a quadratic (10 steps each)."""

import numpy as np
import pytest

from rollingball import Landscape
from rollingball.engine.baselines import Optimizer
from rollingball.engine.loop import roll

# f(x, y) = x^2 + 3 y^2 + x y, gradient (2x + y, 6y + x), written by hand
QUAD = Landscape("x^2 + 3*y^2 + x*y")


def grad(z):
    return np.array([2 * z[0] + z[1], 6 * z[1] + z[0]])


X0 = np.array([[1.0, -0.5], [-2.0, 0.25]])
LR = np.array([0.05, 0.1])


def reference(method, steps=10, mu=0.9, b1=0.9, b2=0.999, r=0.05):
    out = []
    for z, eta in zip(X0, LR, strict=True):
        z = z.copy()
        v = np.zeros(2)
        m = np.zeros(2)
        s = np.zeros(2)
        traj = [z.copy()]
        for t in range(steps):
            g = grad(z)
            if method == "gd":
                z = z - eta * g
            elif method == "momentum":
                v = mu * v + g
                z = z - eta * v
            elif method == "adam":
                m = b1 * m + (1 - b1) * g
                s = b2 * s + (1 - b2) * g * g
                z = z - eta * (m / (1 - b1 ** (t + 1))) / (np.sqrt(s / (1 - b2 ** (t + 1))) + 1e-8)
            elif method == "sam":
                z = z - eta * grad(z + r * g / (np.linalg.norm(g) + 1e-12))
            traj.append(z.copy())
        out.append(traj)
    return np.transpose(np.array(out), (1, 0, 2))


@pytest.mark.parametrize("method", ["gd", "momentum", "adam", "sam"])
def test_baseline_matches_hand_written_update(method):
    res = roll(QUAD, X0, lr=LR, steps=10, method=method)
    ref = reference(method)
    np.testing.assert_allclose(res.theta, ref, rtol=1e-13, atol=1e-15)
    # the point is (theta, f(theta)) and the centre is the point
    fx = res.theta[..., 0] ** 2 + 3 * res.theta[..., 1] ** 2 + res.theta[..., 0] * res.theta[..., 1]
    np.testing.assert_allclose(res.loss, fx, rtol=1e-14, atol=1e-16)
    np.testing.assert_array_equal(res.centre, res.point)
    # no ball, no invariant: the residual is not measured (NaN), the summary says n/a
    assert np.all(np.isnan(res.residual))
    assert "max invariant residual |d_Gamma(c) - rho|: n/a" in res.summary()


def test_baseline_hyperparameters_are_used():
    ref = reference("momentum", mu=0.5)
    res = roll(QUAD, X0, lr=LR, steps=10, method="momentum", momentum=0.5)
    np.testing.assert_allclose(res.theta, ref, rtol=1e-13)
    ref = reference("sam", r=0.2)
    res = roll(QUAD, X0, lr=LR, steps=10, method="sam", sam_radius=0.2)
    np.testing.assert_allclose(res.theta, ref, rtol=1e-13)
    ref = reference("adam", b1=0.5, b2=0.9)
    res = roll(QUAD, X0, lr=LR, steps=10, method="adam", betas=(0.5, 0.9))
    np.testing.assert_allclose(res.theta, ref, rtol=1e-13)


@pytest.mark.parametrize("kwargs", [dict(name="nesterov"), dict(name="momentum", momentum=1.0),
                                    dict(name="adam", betas=(0.9, 1.0)),
                                    dict(name="sam", sam_radius=-1.0)])
def test_bad_hyperparameters(kwargs):
    with pytest.raises(ValueError):
        Optimizer(**kwargs)


def test_optimizer_step_directly_in_one_d():
    L = Landscape("x^2")
    x, _ = Optimizer("gd").step(L, np.array([[1.0], [2.0]]), {}, np.array([0.1, 0.25]), 0)
    np.testing.assert_allclose(x[:, 0], [0.8, 1.0])
