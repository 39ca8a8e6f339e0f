"""The exact symbolic landscape against hand derivations, and its compiled numerics against
high-precision evaluation of the same SymPy expressions."""

import mpmath
import numpy as np
import pytest
import sympy as sp

import rollingball as rb
from rollingball import RHO, Landscape

x, y = sp.symbols("x y", real=True)


# --------------------------------------------------------------- hand derivations
def test_sine_normal_tangent_curvature_match_hand_derivation():
    L = Landscape("sin(x)")
    w = sp.sqrt(1 + sp.cos(x) ** 2)
    nu = sp.Matrix([-sp.cos(x) / w, 1 / w])
    tau = sp.Matrix([sp.cos(x), sp.cos(x) ** 2])
    kappa = -sp.sin(x) / (1 + sp.cos(x) ** 2) ** sp.Rational(3, 2)
    assert sp.simplify(L.normal - nu) == sp.zeros(2, 1)
    assert sp.simplify(L.tangent - tau) == sp.zeros(2, 1)
    assert sp.simplify(L.curvature - kappa) == 0
    # tau is orthogonal to nu (the paper's Section 3.2 erratum rests on this)
    assert sp.simplify(L.normal.dot(L.tangent)) == 0
    offset = sp.Matrix([x - RHO * sp.cos(x) / w, sp.sin(x) + RHO / w])
    assert sp.simplify(L.offset_point - offset) == sp.zeros(2, 1)


def test_parabola_curvature_is_two_at_the_vertex():
    L = Landscape("x^2")
    assert L.curvature.subs(x, 0) == 2
    assert float(L.curvature_at(0.0)) == 2.0
    # away from the vertex: 2 / (1 + 4x^2)^(3/2)
    assert np.isclose(L.curvature_at(1.5), 2 / (1 + 9) ** 1.5, rtol=1e-14)


def test_paraboloid_principal_curvatures_by_hand():
    L = Landscape("x^2 + y^2")
    k1, k2 = L.principal_curvatures
    assert (k1.subs({x: 0, y: 0}), k2.subs({x: 0, y: 0})) == (2, 2)
    # surface of revolution z = r^2: along the parallel 2/sqrt(1+4r^2), along the meridian
    # 2/(1+4r^2)^(3/2); at (1, 1), r^2 = 2: 2/3 and 2/27
    at = {x: 1, y: 1}
    assert sp.simplify(k1.subs(at) - sp.Rational(2, 3)) == 0
    assert sp.simplify(k2.subs(at) - sp.Rational(2, 27)) == 0
    num = L.principal_curvatures_at(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]))
    assert np.allclose(num, [[2, 2], [2 / 3, 2 / 27], [2 / 5**0.5, 2 / 5**1.5]], rtol=1e-14)


def test_shape_operator_of_a_graph_over_a_line_reduces_to_the_curvature():
    L = Landscape("x^4 - x^2")
    assert sp.simplify(L.shape_operator[0, 0] - L.curvature) == 0
    L2 = Landscape("x^4 - x^2 + 0*y", ["x", "y"])
    k1, k2 = L2.principal_curvatures
    # one principal direction is flat; the other has the 1-D curvature
    pts = np.array([[0.3, 0.0], [0.7647, 1.0], [-1.1, 2.0]])
    pc = L2.principal_curvatures_at(pts)
    kap = L.curvature_at(pts[:, 0])
    assert np.allclose(np.sort(pc, axis=-1), np.sort(np.c_[kap, 0 * kap], axis=-1), atol=1e-13)


# --------------------------------------------------------------- numerics vs evalf
def _quantities(L):
    q = {"f": (L.expr, L.f)}
    d = L.dim
    for i in range(d):
        q[f"grad[{i}]"] = (L.gradient[i], lambda p, i=i: L.value_and_grad(p)[1][..., i])
        for j in range(d):
            q[f"hess[{i},{j}]"] = (L.hessian[i, j],
                                   lambda p, i=i, j=j: L.value_grad_hess(p)[2][..., i, j])
    for i in range(d + 1):
        q[f"normal[{i}]"] = (L.normal[i], lambda p, i=i: L.normal_at(p)[..., i])
        q[f"tangent[{i}]"] = (L.tangent[i], lambda p, i=i: L.tangent_at(p)[..., i])
        q[f"offset[{i}]"] = (L.offset_point[i].subs(RHO, sp.Rational(3, 10)),
                             lambda p, i=i: L.offset(p, 0.3)[..., i])
    if d == 1:
        q["curvature"] = (L.curvature, L.curvature_at)
    elif d == 2:
        for i in range(2):
            q[f"principal[{i}]"] = (L.principal_curvatures[i],
                                    lambda p, i=i: L.principal_curvatures_at(p)[..., i])
    return q


def _reference(L, expr, points):
    """``expr`` at ``points`` to 30 digits: SymPy's exact expression evaluated by mpmath."""
    expr = L.explicit(expr)
    if expr.has(sp.Sum):
        expr = expr.doit()
    fn = sp.lambdify(L.variables, expr, "mpmath")
    with mpmath.workdps(30):
        return np.array([float(fn(*[mpmath.mpf(float(c)) for c in p])) for p in points])


CASES = [
    ("sine", 100),
    ("parabola", 100),
    ("double_well", 100),
    ("bumpy_bowl", 100),
    ("weierstrass_like", 100),
    ("rastrigin", 100),
    ("rosenbrock", 100),
    # the data path is the same for any number of wells; the 1000-well default is checked
    # below on f and its gradient (its 30-digit symbolic reference is slow)
    ("gaussian_wells:n=6", 100),
]


@pytest.mark.parametrize(("name", "npoints"), CASES)
def test_compiled_quantities_equal_high_precision_evaluation(name, npoints):
    L = Landscape(name)
    rng = np.random.default_rng(7)
    lo, hi = np.array(L.domain).T
    # dyadic points (20 fractional bits): products like k^2 * theta are exact in float64, so
    # the comparison measures the compiled formulas, not the rounding of the input
    pts = np.round((lo + (hi - lo) * rng.random((npoints, L.dim))) * 2**20) / 2**20
    arg = pts if L.dim > 1 else pts[:, 0]
    for label, (expr, fn) in _quantities(L).items():
        num = fn(arg)
        assert num.shape == (npoints,), label
        ref = _reference(L, expr, pts)
        tol = 1e-12 * np.abs(ref) + 1e-14 * np.max(np.abs(ref))
        bad = np.abs(num - ref) > tol
        assert not bad.any(), (name, label, pts[bad][:3], num[bad][:3], ref[bad][:3])


def test_true_evalf_agrees_with_the_mpmath_reference():
    L = Landscape("bumpy_bowl")
    for p in (0.25, -3.125, 4.5):
        assert np.isclose(L.evalf(L.curvature, [p]), _reference(L, L.curvature, [[p]])[0],
                          rtol=1e-15)


def test_thousand_gaussian_wells_build_fast_and_evaluate_right():
    L = rb.catalog.gaussian_wells()
    assert L.dim == 2 and L.data["ax"].shape == (1000,)
    rng = np.random.default_rng(3)
    pts = np.round(rng.uniform(-3, 3, (20, 2)) * 2**20) / 2**20
    f, g = L.value_and_grad(pts)
    centres = np.c_[L.data["ax"], L.data["ay"]]
    diff = pts[:, None, :] - centres[None]
    wells = np.exp(-np.sum(diff**2, -1) / 0.1**2)
    # brute force in float64 (a second method) and SymPy evalf at one point
    assert np.allclose(f, np.sum(pts**2, -1) - wells.sum(-1), rtol=1e-13, atol=1e-13)
    grad = 2 * pts + np.sum(2 * diff / 0.1**2 * wells[..., None], axis=1)
    assert np.allclose(g, grad, rtol=1e-12, atol=1e-12)
    for p, value in zip(pts[:1], f[:1], strict=True):
        assert np.isclose(L.evalf(L.expr, p), value, rtol=1e-12, atol=1e-13)


def test_gaussian_wells_code_form_uses_two_sigma_squared():
    paper = rb.catalog.gaussian_wells(n=5, form="paper")
    code = rb.catalog.gaussian_wells(n=5, form="code")
    c = np.c_[paper.data["ax"], paper.data["ay"]][0]
    # at a centre, neighbours aside, the well depth is 1 for both; off by sigma along x:
    p = c + np.array([0.1, 0.0])
    others_p = paper.f(p) - (p @ p - np.exp(-1.0))
    others_c = code.f(p) - (p @ p - np.exp(-0.5))
    assert np.isclose(others_p, others_c, atol=1e-12)


# --------------------------------------------------------------- shapes and broadcasting
def test_one_dimensional_callables_take_any_shape():
    L = Landscape("bumpy_bowl")
    for shape in [(), (7,), (3, 4), (2, 3, 4)]:
        t = np.random.default_rng(0).normal(size=shape)
        assert L.f(t).shape == shape
        assert L.grad(t).shape == shape
        assert L.hess(t).shape == shape
        assert L.curvature_at(t).shape == shape
        assert L.normal_at(t).shape == shape + (2,)
        assert L.tangent_at(t).shape == shape + (2,)
        assert L.offset(t, 0.5).shape == shape + (2,)
        assert L.principal_curvatures_at(t).shape == shape + (1,)
        assert L.f(t).dtype == np.float64
    # rho broadcasts against theta: 3 radii x 5 points
    t = np.linspace(-1, 1, 5)
    rhos = np.array([0.1, 0.2, 0.3])[:, None]
    c = L.offset(t, rhos)
    assert c.shape == (3, 5, 2)
    assert np.allclose(c[2, 4], L.offset(t[4], 0.3))


def test_d_dimensional_callables_take_trailing_axis_d():
    L = Landscape("rastrigin")
    rng = np.random.default_rng(1)
    for shape in [(2,), (5, 2), (3, 5, 2)]:
        p = rng.normal(size=shape)
        batch = shape[:-1]
        assert L.f(p).shape == batch
        assert L.grad(p).shape == batch + (2,)
        assert L.hess(p).shape == batch + (2, 2)
        assert L.normal_at(p).shape == batch + (3,)
        assert L.tangent_at(p).shape == batch + (3,)
        assert L.offset(p, 0.25).shape == batch + (3,)
        assert L.shape_operator_at(p).shape == batch + (2, 2)
        assert L.principal_curvatures_at(p).shape == batch + (2,)
    p = rng.normal(size=(3, 5, 2))
    assert np.allclose(L.f(p)[1, 2], L.f(p[1, 2]))
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        L.f(np.zeros((4, 3)))


def test_constant_derivatives_are_broadcast_to_the_input_shape():
    L = Landscape("x^2 + 3y", ["x", "y"])
    p = np.zeros((4, 2))
    g = L.grad(p)
    assert g.shape == (4, 2) and np.all(g[:, 1] == 3)
    h = L.hess(p)
    assert h.shape == (4, 2, 2) and np.all(h[:, 0, 0] == 2)


def test_landscape_construction_paths_and_errors():
    assert Landscape("sine").name == "sine"
    assert Landscape("weierstrass_like:n=20").name == "weierstrass_like(n=20)"
    L = Landscape(x**2 + y)
    assert L.variables == (x, y) and L.dim == 2
    assert Landscape(L) is L
    assert Landscape("a*x^2", ["x", "a"]).variables[1].name == "a"
    with pytest.raises(ValueError, match="unknown loss"):
        Landscape("weierstrass_lik:n=3")
    with pytest.raises(ValueError, match="bad parameters"):
        Landscape("sine:n=3")
    with pytest.raises(ValueError, match="positive integer"):
        Landscape("weierstrass_like:n=0")
    with pytest.raises(ValueError, match="no variable"):
        Landscape("3 + pi")
    with pytest.raises(ValueError, match="1-D"):
        Landscape("x^2 + y^2").curvature  # noqa: B018


def test_landscape_pickles_by_rebuilding():
    import pickle

    L = rb.catalog.weierstrass_like(n=5)
    L2 = pickle.loads(pickle.dumps(L))
    t = np.linspace(0, 1, 11)
    assert np.array_equal(L.f(t), L2.f(t))


# ------------------------------------------------------------------ vertical scale
@pytest.mark.parametrize("lam", [0.5, 2.0, 0.3, np.pi])
def test_scaled_is_the_graph_of_lam_f(lam):
    """scaled(lam) against the construction the engine and check wrote by hand (an exact
    factor when nsimplify round-trips, else a Float) and against lam * f numerically."""
    L = rb.catalog.bumpy_bowl()
    S = L.scaled(lam)
    exact = sp.nsimplify(lam)
    factor = exact if float(exact) == lam else sp.Float(lam)
    assert sp.simplify(S.expr - factor * L.expr) == 0
    assert S.variables == L.variables and S.domain == L.domain
    assert S.feature_scale == L.feature_scale and S.name == f"{lam:g}*(bumpy_bowl)"
    t = np.linspace(-5.0, 5.0, 41)
    assert np.allclose(S.f(t), lam * L.f(t), rtol=1e-13, atol=1e-13)
    assert np.allclose(S.grad(t), lam * L.grad(t), rtol=1e-13, atol=1e-13)
    # the normal of the graph of lam f, by hand: (-lam f', 1) / sqrt(1 + lam^2 f'^2)
    g = lam * L.grad(t)
    nu = np.stack([-g, np.ones_like(g)], axis=-1) / np.sqrt(1 + g * g)[:, None]
    assert np.allclose(S.normal_at(t), nu, rtol=1e-13, atol=1e-13)
    assert L.scaled(lam) is S  # cached per lam


def test_scaled_keeps_data_and_identity_at_one():
    L = rb.catalog.gaussian_wells(5)
    assert L.scaled(1.0) is L
    S = L.scaled(3.0)
    assert set(S.data) == set(L.data)
    assert all(np.array_equal(S.data[k], L.data[k]) for k in L.data)
    p = np.array([[0.1, -0.2], [1.0, 2.0]])
    assert np.allclose(S.f(p), 3.0 * L.f(p), rtol=1e-14)
    assert sp.nsimplify(rb.Landscape("x^2").scaled(0.25).expr) == sp.Symbol("x", real=True) ** 2 / 4


@pytest.mark.parametrize("lam", [0.0, -1.0, np.inf, np.nan])
def test_scaled_rejects_bad_scales(lam):
    with pytest.raises(ValueError, match="vertical scale"):
        Landscape("sin(x)").scaled(lam)


# ------------------------------------------------------- derivatives for the numerics
def test_axis_and_curvature_derivatives_match_hand_derivation():
    L = Landscape("x^4 - x^2")
    t = np.array([0.1, 0.7, -1.3])
    got = L.axis_derivatives_at(t)  # (3, 1, 2): f'' = 12 t^2 - 2, f''' = 24 t
    assert np.allclose(got[:, 0, 0], 12 * t**2 - 2, rtol=1e-14)
    assert np.allclose(got[:, 0, 1], 24 * t, rtol=1e-14)
    k, dk, d2k = L.curvature_derivatives
    xs = L.variables[0]
    kappa = (12 * xs**2 - 2) / (1 + (4 * xs**3 - 2 * xs) ** 2) ** sp.Rational(3, 2)
    assert sp.simplify(k - kappa) == 0
    assert sp.simplify(dk - sp.diff(kappa, xs)) == 0
    num = L.curvature_derivatives_at(t)
    ref = [[float(e.subs(xs, v)) for v in t] for e in (kappa, sp.diff(kappa, xs),
                                                       sp.diff(kappa, xs, 2))]
    assert np.allclose(num, ref, rtol=1e-12)
    with pytest.raises(ValueError, match="1-D"):
        Landscape("x^2 + y^2").curvature_derivatives_at(np.zeros((1, 2)))


def test_axis_derivatives_in_two_dimensions():
    L = Landscape("sin(x)*y^3")
    p = np.array([[0.4, -1.2], [2.0, 0.5]])
    got = L.axis_derivatives_at(p)  # (2, 2, 2)
    xv, yv = p[:, 0], p[:, 1]
    assert np.allclose(got[:, 0], np.stack([-np.sin(xv) * yv**3, -np.cos(xv) * yv**3], -1))
    assert np.allclose(got[:, 1], np.stack([6 * np.sin(xv) * yv, 6 * np.sin(xv)], -1))


def test_as_input_is_the_one_1d_adapter():
    assert Landscape("x^2").as_input(np.ones((4, 1))).shape == (4,)
    assert Landscape("x^2 + y").as_input(np.ones((4, 2))).shape == (4, 2)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        Landscape("x^2 + y").as_input(np.ones((4, 3)))
