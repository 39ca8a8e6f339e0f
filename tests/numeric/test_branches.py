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

import rollingball.numeric.offset_projection.branches as br
from rollingball import Landscape
from rollingball.numeric.offset import upper_offset
from rollingball.numeric.offset_projection import OffsetGraph
from rollingball.numeric.offset_projection.branches import (
    _branches,
    _Memo,
    _slopes,
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


def _plain_ascent(L, x, rho, q0, cap, iters=30):
    """The branch ascent as first written (commit f1e0d64): every point, lock-step, every
    iteration one value_grad_hess; the reference for the run-ahead and the memo."""
    u = np.arcsin(np.clip((q0 - x) / rho, -1.0, 1.0))
    active = np.flatnonzero(np.isfinite(u))
    for _ in range(iters):
        if active.size == 0:
            break
        ua, ra, xa = u[active], rho[active], x[active]
        sn, cs = np.sin(ua), np.cos(ua)
        _, g, h = L.value_grad_hess(xa + ra * sn)
        g, h = g[:, 0], h[:, 0, 0]
        d1 = ra * cs * g - ra * sn
        d2 = ra * ra * cs * cs * h - ra * sn * g - ra * cs
        with np.errstate(all="ignore"):
            step = np.where(d2 < 0, -d1 / d2, np.sign(d1) * cap[active])
        step = np.clip(np.where(np.isfinite(step), step, 0.0), -cap[active], cap[active])
        un = np.clip(ua + step, -np.pi / 2, np.pi / 2)
        moved = np.abs(un - ua)
        u[active] = un
        active = active[moved > 8 * np.finfo(float).eps * (1.0 + np.abs(un))]
    q = x + rho * np.sin(u)
    f, g = L.value_and_grad(q)
    return f + rho * np.cos(u), q, g[..., 0]


def _starts(spec, rho, n=300, seed=3):
    """Points and seeds: inside the ball, beyond its edge (crawlers), repeated, and NaN."""
    rng = np.random.default_rng(seed)
    x = np.repeat(rng.uniform(0.0, 3.0, n // 3), 3)
    q0 = x + rho * np.concatenate([rng.uniform(-1, 1, n // 3), rng.uniform(1, 3, n // 3),
                                   -rng.uniform(1, 3, n // 3)])
    q0[::37] = np.nan
    return x, np.full(x.size, rho), q0


@pytest.mark.parametrize("spec,rho", [("weierstrass_like:n=100", 0.1), ("bumpy_bowl", 0.5),
                                      ("log(1 + 100*x^2) + x/10", 0.2)])
@pytest.mark.parametrize("ahead", [1, 3, 32])
def test_run_ahead_and_memo_are_bit_for_bit_the_plain_ascent(spec, rho, ahead, monkeypatch):
    g = _graph(spec)
    x, r, q0 = _starts(spec, rho)
    want = _plain_ascent(g.landscape, x, r, q0, np.minimum(g.offset_res / r, 0.5))
    monkeypatch.setattr(br, "RUN_AHEAD", ahead)
    memo = _Memo()
    first = _branches(g, x, r, q0, memo=memo)
    again = _branches(g, x[::-1], r[::-1], q0[::-1], memo=memo)  # all looked up
    for a, b, c in zip(want, first, again, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a[::-1], c)
    u0 = np.arcsin(np.clip((q0 - x) / r, -1.0, 1.0))
    starts = np.unique(np.stack([x, r, u0], axis=1).view(np.uint64), axis=0).shape[0]
    assert memo.hash.size == starts < x.size  # each distinct start ascended once


def test_slopes_are_value_grad_hess_and_fall_back_to_it(monkeypatch):
    L = Landscape("weierstrass_like:n=30")
    x = np.linspace(-2.0, 6.0, 999)
    _, g, h = L.value_grad_hess(x)
    for a, b in zip(_slopes(L)(x), (g[:, 0], h[:, 0, 0]), strict=True):
        np.testing.assert_array_equal(a, b)

    def broken(*args, **kwargs):
        raise RuntimeError("no compiler")

    monkeypatch.setattr(br, "vectorize", broken)
    L2 = Landscape("sin(3*x) + x^2/4")
    _, g, h = L2.value_grad_hess(x)
    for a, b in zip(_slopes(L2)(x), (g[:, 0], h[:, 0, 0]), strict=True):
        np.testing.assert_array_equal(a, b)


def test_memo_hash_collisions_are_misses():
    memo = _Memo()
    bits = np.array([[1, 2, 3]], dtype=np.uint64)
    memo.add(bits, np.array([7], dtype=np.uint64), np.array([[1.0, 2.0, 3.0]]))
    assert memo.find(bits, np.array([7], dtype=np.uint64))[0] == 0
    other = np.array([[1, 2, 4]], dtype=np.uint64)  # same hash, other start: not found
    assert memo.find(other, np.array([7], dtype=np.uint64))[0] == -1


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
