"""The catalog of named losses: formulas, sources, parameters and speed of construction."""

import time

import numpy as np
import pytest
import sympy as sp

import rollingball as rb
from rollingball.symbolic import catalog

x, y = sp.symbols("x y", real=True)


@pytest.mark.parametrize("name", list(catalog.CATALOG))
def test_every_named_loss_documents_its_formula_and_source(name):
    factory = catalog.CATALOG[name]
    doc = factory.__doc__ or ""
    assert len(doc.strip()) > 40
    assert "math" in doc  # the formula it implements
    L = catalog.named(name)
    assert isinstance(L, rb.Landscape) and L.description


def test_closed_forms_of_the_simple_losses():
    assert sp.simplify(catalog.sine().expr - sp.sin(x)) == 0
    assert sp.simplify(catalog.parabola().expr - x**2) == 0
    assert sp.simplify(catalog.double_well().expr - (x**4 - x**2)) == 0
    assert sp.simplify(catalog.bumpy_bowl().expr - (sp.cos(3 * x) / 3 + x**2 / 10)) == 0
    r = catalog.rastrigin().expr
    assert sp.simplify(r - (20 + x**2 - 10 * sp.cos(2 * sp.pi * x) + y**2
                            - 10 * sp.cos(2 * sp.pi * y))) == 0
    rosen = catalog.rosenbrock().expr
    assert sp.simplify(rosen - (100 * (y - x**2) ** 2 + (1 - x) ** 2)) == 0


def test_weierstrass_like_is_the_papers_equation_13():
    L = catalog.weierstrass_like(n=7)
    t = np.linspace(-1, 3, 101)
    ref = sum(np.sin(k**2 * t) / k**2 for k in range(1, 8))
    assert np.allclose(L.f(t), ref, rtol=1e-14, atol=1e-14)
    dref = sum(np.cos(k**2 * t) for k in range(1, 8))  # not sum cos(k^2 t)/k^2
    assert np.allclose(L.grad(t), dref, rtol=1e-13, atol=1e-13)
    assert catalog.weierstrass_like().name == "weierstrass_like(n=100)"


def test_gaussian_wells_are_reproducible_from_the_documented_seed():
    a = catalog.gaussian_wells()
    b = catalog.gaussian_wells(seed=catalog.GAUSSIAN_WELLS_SEED)
    c = catalog.gaussian_wells(seed=1)
    centres = np.random.default_rng(catalog.GAUSSIAN_WELLS_SEED).uniform(-3, 3, (1000, 2))
    assert np.array_equal(np.c_[a.data["ax"], a.data["ay"]], centres)
    assert np.array_equal(a.data["ax"], b.data["ax"])
    assert not np.array_equal(a.data["ax"], c.data["ax"])
    assert np.all(np.abs(centres) <= 3)


def test_a_thousand_wells_build_and_evaluate_fast():
    start = time.perf_counter()
    L = catalog.gaussian_wells()
    f, g = L.value_and_grad(np.zeros((100, 2)))
    elapsed = time.perf_counter() - start
    # no symbolic expansion of the 1000 terms: seconds, not minutes (generous bound for CI)
    assert elapsed < 60
    assert f.shape == (100,) and g.shape == (100, 2)


def test_named_losses_with_parameters_and_bad_parameters():
    assert rb.Landscape("rastrigin:d=3").dim == 3
    assert rb.Landscape("gaussian_wells:n=10,sigma=0.2,form=code").data["ax"].shape == (10,)
    for bad, match in [("rastrigin:d=0", "positive"), ("gaussian_wells:sigma=-1", "sigma"),
                       ("gaussian_wells:form=other", "form"), ("rosenbrock:d=1", "d >= 2"),
                       ("sine:foo", "key=value")]:
        with pytest.raises(ValueError, match=match):
            rb.Landscape(bad)
