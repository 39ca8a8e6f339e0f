"""``upper_offset`` against outputs recorded from the code before its speed-ups (commit c742509).

The file ``data/upper_offset_reference.npz`` holds value, contact, contact2 and n_contacts
of :func:`rollingball.numeric.offset.upper_offset` on a few hundred (x, rho) cases per loss
(1-D: bumpy_bowl, weierstrass_like(100), a narrow valley, with and without a domain; 2-D:
gaussian_wells in both forms and a bumpy bowl), computed by the unchanged code.  The present
code must give the same numbers to 1e-12.  Regenerate (only from the old code) with
``PYTHONPATH=<old checkout> python tests/numeric/test_offset_speed_reference.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from rollingball.numeric.offset import upper_offset
from rollingball.symbolic import catalog, compiled
from rollingball.symbolic.landscape import Landscape

DATA = Path(__file__).parent / "data" / "upper_offset_reference.npz"
TOL = 1e-12


def _narrow_valley() -> Landscape:
    x = sp.Symbol("x")
    return Landscape(x**2 / 10 - sp.exp(-((x - 0.3) / 0.05) ** 2) + sp.cos(7 * x) / 20, [x],
                     name="narrow_valley", domain=(-3.0, 3.0), feature_scale=0.05)


def _bumpy_2d() -> Landscape:
    x, y = sp.symbols("x y")
    return Landscape(sp.cos(3 * x) * sp.cos(3 * y) / 3 + (x**2 + y**2) / 10, [x, y],
                     name="bumpy_2d", domain=(-4.0, 4.0), feature_scale=2 * np.pi / 3)


def cases():
    """name -> (landscape, x, rho, keyword arguments of upper_offset)."""
    rng = np.random.default_rng(20261202)
    out = {}
    bb = catalog.bumpy_bowl()
    out["bumpy_bowl"] = (bb, rng.uniform(-6, 6, 300), rng.uniform(0.05, 3.0, 300), {})
    out["bumpy_bowl_domain"] = (bb, rng.uniform(-7, 7, 200), rng.uniform(0.1, 2.0, 200),
                                {"domain": (-6.0, 6.0)})
    out["bumpy_bowl_res"] = (bb, rng.uniform(-6, 6, 100), rng.uniform(0.2, 1.5, 100),
                             {"resolution": 0.05})
    ws = catalog.weierstrass_like(100)
    out["weierstrass100"] = (ws, rng.uniform(-1, 5, 200), rng.uniform(0.01, 0.3, 200), {})
    out["weierstrass100_res"] = (ws, rng.uniform(0, 4, 100), np.full(100, 0.1),
                                 {"resolution": 3.9269908169872414e-05})
    nv = _narrow_valley()
    out["narrow_valley"] = (nv, rng.uniform(-1, 1.5, 300), rng.uniform(0.01, 1.0, 300), {})
    for form in ("paper", "code"):
        gw = catalog.gaussian_wells(1000, form=form)
        xs = rng.uniform(-3, 3, (200, 2))
        out[f"gaussian_wells_{form}"] = (gw, xs, rng.uniform(0.05, 3.0, 200), {})
    gw = catalog.gaussian_wells(1000, form="paper")
    out["gaussian_wells_domain"] = (gw, rng.uniform(-3.5, 3.5, (100, 2)),
                                    rng.uniform(0.1, 2.0, 100), {"domain": (-3.0, 3.0)})
    b2 = _bumpy_2d()
    out["bumpy_2d"] = (b2, rng.uniform(-4, 4, (300, 2)), rng.uniform(0.05, 3.0, 300), {})
    return out


def _compute():
    rec = {}
    for name, (L, x, rho, kw) in cases().items():
        r = upper_offset(L, x, rho, **kw)
        rec[f"{name}/value"] = r.value
        rec[f"{name}/contact"] = r.contact
        rec[f"{name}/contact2"] = r.contact2
        rec[f"{name}/n_contacts"] = r.n_contacts
    return rec


@pytest.fixture(scope="module")
def reference():
    return dict(np.load(DATA))


_SLOW = {"gaussian_wells_paper", "gaussian_wells_code"}  # 6-7 s each (200 disks of 1000 wells)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in _SLOW else n
                                  for n in cases()])
def test_matches_recorded_reference(name, reference, monkeypatch):
    # the references were recorded with every term of the wells' sums (before
    # symbolic.local_sums): compare with that arithmetic
    monkeypatch.setattr(compiled, "PRUNE", False)
    L, x, rho, kw = cases()[name]
    r = upper_offset(L, x, rho, **kw)
    n_ref = reference[f"{name}/n_contacts"]
    assert n_ref.size >= 100
    np.testing.assert_array_equal(r.n_contacts, n_ref)
    for key in ("value", "contact", "contact2"):
        got, want = np.asarray(getattr(r, key)), reference[f"{name}/{key}"]
        if name.startswith("gaussian_wells"):
            # The 2-D sup over a disk of 1000 wells is sensitive to rounding where two local
            # maxima are nearly tied: with today's NumPy/SciPy 1-2 of 200 values differ from
            # the recording by 3e-10 to 1.4e-6 (also at the recording's own commit, aabfc06),
            # so these cases hold 98 % of the values to TOL and every value to 1e-5.
            same = np.isclose(got, want, rtol=0, atol=TOL, equal_nan=True)
            same = same.all(axis=-1) if same.ndim > 1 else same
            assert same.mean() >= 0.98, f"{name}: {key}: {np.sum(~same)} values moved"
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-5, equal_nan=True,
                                       err_msg=f"{name}: {key}")
            continue
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL, equal_nan=True,
                                   err_msg=f"{name}: {key}")


if __name__ == "__main__":
    np.savez_compressed(sys.argv[1] if len(sys.argv) > 1 else DATA, **_compute())
