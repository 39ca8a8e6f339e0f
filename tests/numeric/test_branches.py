"""The 1-D offset solver (offset_projection.branches) against reference outputs of its first
exact version, and its branch ascent against the exact offset.

``data/branches_reference.npz`` holds 675 balls (25 calls) of ``nearest_on_offset_1d`` recorded
from offset-keeping RBO runs at commit f1e0d64, before any speed work: weierstrass_like(100)
(rho 0.1, lr 1e-3, 80 balls, 8 steps: 201 solves), bumpy_bowl (rho 0.5, lr 0.05, 1000 balls,
10 steps: 188) and the narrow valley log(1 + 100 x^2) + x/10 (rho 0.2, lr 0.01, 150 balls,
8 steps: 286), placements (known=None) included.  Re-record with
``PYTHONPATH=<worktree at that commit> python tests/numeric/test_branches.py OUT.npz``.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from rollingball import Landscape
from rollingball.numeric.offset import upper_offset
from rollingball.numeric.offset_projection import OffsetGraph
from rollingball.numeric.offset_projection.branches import (
    _branches,
    local_offset,
    nearest_on_offset_1d,
)

DATA = Path(__file__).parent / "data" / "branches_reference.npz"
SETUPS = [("weierstrass_like:n=100", 0.1, 1e-3, (0.0, 4.0), 80, 8, 1),
          ("bumpy_bowl", 0.5, 0.05, (-5.0, 5.0), 1000, 10, 2),
          ("log(1 + 100*x^2) + x/10", 0.2, 0.01, (-2.0, 2.0), 150, 8, 3)]
_GRAPHS: dict[str, OffsetGraph] = {}


def _calls(spec_part: str, limit: int | None = None):
    Z = np.load(DATA)
    out = []
    for j in range(int(Z["ncalls"])):
        p = f"c{j}_"
        spec = str(Z[p + "spec"])
        if spec_part not in spec:
            continue
        known = Z[p + "known"] if p + "known" in Z else None
        out.append((spec, Z[p + "cand"], Z[p + "rho"], known, Z[p + "seeds"], Z[p + "ref"],
                    [Z[p + f"out{m}"] for m in range(4)]))
    return out[:limit]


def _graph(spec: str) -> OffsetGraph:
    if spec not in _GRAPHS:
        _GRAPHS[spec] = OffsetGraph(Landscape(spec).scaled(1.0))
    return _GRAPHS[spec]


def _replay(spec_part: str, limit: int | None = None) -> int:
    balls = 0
    for spec, cand, rho, known, seeds, ref, want in _calls(spec_part, limit):
        got = nearest_on_offset_1d(_graph(spec), cand, rho, known, seeds, ref)
        for g, w, what in zip(got, want, ("x", "f_rho(x)", "contact", "second contact"),
                              strict=True):
            g = np.asarray(g, dtype=float)
            assert g.shape == w.shape, what
            np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=what)
            ok = ~np.isnan(w)
            np.testing.assert_allclose(g[ok], w[ok], rtol=0, atol=1e-10, err_msg=what)
        balls += cand.shape[0]
    return balls


def test_the_reference_covers_the_three_losses():
    counts = {part: sum(c[1].shape[0] for c in _calls(part))
              for part in ("weierstrass", "bumpy", "log(")}
    assert counts == {"weierstrass": 201, "bumpy": 188, "log(": 286}
    assert any(c[3] is None for c in _calls("weierstrass"))  # placements are in


@pytest.mark.parametrize("part", ["bumpy", "log("])
def test_same_centres_and_contacts_as_the_reference(part):
    assert _replay(part) > 180


def test_same_centres_and_contacts_as_the_reference_weierstrass_first_calls():
    assert _replay("weierstrass", limit=2) >= 40


@pytest.mark.slow
def test_same_centres_and_contacts_as_the_reference_weierstrass():
    assert _replay("weierstrass") == 201


@pytest.mark.parametrize("spec,rho", [("weierstrass_like:n=100", 0.1), ("bumpy_bowl", 0.5),
                                      ("log(1 + 100*x^2) + x/10", 0.2)])
def test_branches_are_values_of_the_sup_and_the_best_reaches_the_exact_offset(spec, rho):
    g = _graph(spec)
    L = g.landscape
    rng = np.random.default_rng(7)
    x = rng.uniform(-1.0, 2.0, 40)
    r = np.full(x.size, rho)
    off = upper_offset(L, x, r, resolution=g.offset_res)
    # seeds: the exact contact, points inside the ball and points beyond its edge
    seeds = np.stack([np.asarray(off.contact), x + rho * rng.uniform(-1, 1, x.size),
                      x + rho * rng.uniform(1.0, 3.0, x.size),
                      x - rho * rng.uniform(1.0, 3.0, x.size)], axis=1)
    v, q, s = _branches(g, x[:, None], r[:, None], seeds)
    assert np.all(np.abs(q - x[:, None]) <= rho * (1 + 1e-15))
    # a branch value is f(q) + sqrt(rho^2 - (q-x)^2) at its contact: a value of the sup
    np.testing.assert_allclose(v, L.f(q) + np.sqrt(np.maximum(rho**2 - (q - x[:, None]) ** 2,
                                                              0.0)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(s, L.grad(q), rtol=0, atol=1e-12)
    assert np.all(v <= np.asarray(off.value)[:, None] + 1e-12)
    # the branch through the exact contact is the exact offset
    np.testing.assert_allclose(v[:, 0], off.value, rtol=0, atol=1e-12)
    best, qb, *_ = local_offset(g, x, r, seeds)
    np.testing.assert_allclose(best, off.value, rtol=0, atol=1e-12)


def _capture(out: str) -> None:  # pragma: no cover - run by hand at the reference commit
    import rollingball.numeric.offset_projection as op  # patched: only here, by hand
    from rollingball.engine import loop as eng  # the RBO runs: only here, by hand
    from rollingball.engine.solvers import OffsetRBO  # only here, by hand

    calls, orig = [], op.nearest_on_offset_1d
    spec_now = [""]

    def record(graph, cand, rho, known, seeds, ref, *a, **k):
        res = orig(graph, cand, rho, known, seeds, ref, *a, **k)
        calls.append((spec_now[0], cand.copy(), rho.copy(), None if known is None else
                      known.copy(), seeds.copy(), ref.copy(), [np.array(o) for o in res]))
        return res

    op.nearest_on_offset_1d = record
    for spec, rho, lr, (lo, hi), n, steps, seed in SETUPS:
        spec_now[0] = spec
        x0 = np.random.default_rng(seed).uniform(lo, hi, n)
        eng.roll(Landscape(spec), x0, radius=rho, lr=lr, steps=steps, solver=OffsetRBO())
    arrays = {"ncalls": np.array(len(calls))}
    for j, (spec, cand, rho, known, seeds, ref, res) in enumerate(calls):
        p = f"c{j}_"
        arrays.update({p + "spec": np.array(spec), p + "cand": cand, p + "rho": rho,
                       p + "seeds": seeds, p + "ref": ref})
        if known is not None:
            arrays[p + "known"] = known
        arrays.update({p + f"out{m}": o for m, o in enumerate(res)})
    np.savez_compressed(out, **arrays)


if __name__ == "__main__":  # pragma: no cover
    _capture(sys.argv[1])
