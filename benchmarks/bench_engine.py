"""Per ball-step cost of the rolling ball engine, as ratios to a gradient-descent step.

For each landscape (``bumpy_bowl``, ``weierstrass_like(n=100)``) and batch size N (1, 100,
10^4) it times, in one run, :func:`rollingball.engine.loop.roll` with

* ``gd``: plain gradient descent (the unit),
* ``alg1/newton``, ``alg1/exact``, ``alg1/paper`` (P = 20, gamma = 0.05): the paper's
  Algorithm 1 with each projection,
* ``rbo``: the offset-keeping RBO (exact projection),

and prints the wall time per ball-step divided by gradient descent's, beside the invariant
residual max_t |d_Gamma(c_t) - rho| each reaches.  The step loop is timed with the engine's
invariant evaluation switched off (it is a diagnostic, not part of a step); the residual is
then computed by the independent :func:`rollingball.numeric.distance.distance_to_graph` on the
recorded centres (for N = 10^4 on the first 1000 balls only).

Usage: ``python benchmarks/bench_engine.py [--quick] [--profile]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time

import numpy as np

from rollingball import Landscape, catalog
from rollingball.engine import loop as eng
from rollingball.engine.solvers import GD, Alg1, Exact, Newton, OffsetRBO, PaperProjection

CONFIGS = [
    ("gd", dict(solver=GD())),
    ("alg1/newton", dict(solver=Alg1(projection=Newton()))),
    ("alg1/exact", dict(solver=Alg1(projection=Exact()))),
    ("alg1/paper", dict(solver=Alg1(projection=PaperProjection(gamma=0.05, steps=20)))),
    ("rbo", dict(solver=OffsetRBO())),
]

SETUPS = {
    # landscape, starts range, radius, learning rate
    "bumpy_bowl": (catalog.bumpy_bowl, (-5.0, 5.0), 0.5, 1e-2),
    "weierstrass(100)": (lambda: catalog.weierstrass_like(n=100), (0.0, 4.0), 0.1, 1e-3),
}


STEPS = {"bumpy_bowl": {1: 200, 100: 50, 10_000: 5},
         "weierstrass(100)": {1: 100, 100: 10, 10_000: 2}}

#: A configuration whose predicted time (from the previous batch size) exceeds this is skipped.
BUDGET_S = 240.0


def _steps_for(name: str, n: int, quick: bool) -> int:
    base = STEPS[name].get(n, 5)
    return max(2, base // 4) if quick else base


def _timed_roll(L, x0, steps, opts, radius, lr):
    """Wall time of roll() without the invariant evaluation, and the result."""
    saved = eng._invariant_residual
    eng._invariant_residual = lambda ctx, centre, radius_t, theta: np.zeros(radius_t.shape)
    try:
        t0 = time.perf_counter()
        r = eng.roll(L, x0, radius=radius, lr=lr, steps=steps, **opts)
        wall = time.perf_counter() - t0
    finally:
        eng._invariant_residual = saved
    return wall, r


def _residual(L, r, limit=1000):
    """max_t |d(c_t) - rho| on at most `limit` balls, by the independent distance."""
    if r.method in ("gd", "momentum", "adam", "sam"):
        return 0.0
    from rollingball.numeric.distance import distance_to_graph

    c = r.centre[:, :limit]
    th = r.theta[:, :limit]
    flat, hint = c.reshape(-1, c.shape[-1]), th.reshape(-1, th.shape[-1])
    ok = np.all(np.isfinite(flat), axis=1)
    d = np.full(flat.shape[0], np.nan)
    d[ok] = distance_to_graph(L, flat[ok], warm=hint[ok]).distance
    res = np.abs(d.reshape(c.shape[:2]) - r.radius_t[:, :limit])
    return float(np.nanmax(res))


def run(quick: bool = False, sizes=(1, 100, 10_000), landscapes=tuple(SETUPS)) -> list[dict]:
    rows = []
    for name in landscapes:
        make, (lo, hi), radius, lr = SETUPS[name]
        L = make()
        rng = np.random.default_rng(0)
        # warm the caches (compiled functions, grid tables) outside the timings
        warm = rng.uniform(lo, hi, 64)
        for _, opts in CONFIGS:
            eng.roll(L, warm, radius=radius, lr=lr, steps=2, **opts)
        last_cost: dict[str, float] = {}
        for n in sizes:
            x0 = rng.uniform(lo, hi, n)
            steps = _steps_for(name, n, quick)
            base = None
            for label, opts in CONFIGS:
                predicted = last_cost.get(label, 0.0) * n * steps
                if predicted > BUDGET_S:
                    rows.append(dict(landscape=name, N=n, steps=steps, config=label,
                                     us_per_ball_step=np.nan, ratio=np.nan, residual=np.nan,
                                     note=f"skipped (predicted {predicted:.0f} s)"))
                    print(f"  {name:17s} N={n:<6d} {label:12s} {rows[-1]['note']}",
                          file=sys.stderr, flush=True)
                    continue
                wall, r = _timed_roll(L, x0, steps, opts, radius, lr)
                last_cost[label] = wall / (n * steps)
                per = wall / (n * steps)
                base = per if label == "gd" else base
                rows.append(dict(landscape=name, N=n, steps=steps, config=label,
                                 us_per_ball_step=1e6 * per, ratio=per / base,
                                 residual=_residual(L, r)))
                print(f"  {name:17s} N={n:<6d} {label:12s} {rows[-1]['ratio']:8.1f} x GD"
                      f"  residual {rows[-1]['residual']:.2e}", file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict]) -> str:
    out = ["| landscape | N | steps | method | us / ball-step | x GD step | max residual |",
           "|---|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        if "note" in r:
            out.append(f"| {r['landscape']} | {r['N']} | {r['steps']} | {r['config']} | "
                       f"{r['note']} | | |")
            continue
        out.append(f"| {r['landscape']} | {r['N']} | {r['steps']} | {r['config']} | "
                   f"{r['us_per_ball_step']:.2f} | {r['ratio']:.1f} | {r['residual']:.2e} |")
    return "\n".join(out)


def profile(landscape: str = "bumpy_bowl", n: int = 10_000, steps: int = 5, top: int = 25):
    """Where the time goes: cProfile of one configuration (alg1 + exact)."""
    L = Landscape(landscape)
    x0 = np.random.default_rng(0).uniform(-5, 5, n)
    eng.roll(L, x0[:64], radius=0.5, lr=1e-2, steps=2, solver=Alg1())
    pr = cProfile.Profile()
    pr.enable()
    _timed_roll(L, x0, steps, dict(solver=Alg1(projection=Exact())), 0.5, 1e-2)
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(top)
    return s.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    ap.add_argument("--profile", action="store_true", help="also profile alg1/exact")
    ap.add_argument("--sizes", default="1,100,10000", help="comma-separated batch sizes")
    ap.add_argument("--landscapes", default=",".join(SETUPS), help="comma-separated names")
    args = ap.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    rows = run(quick=args.quick, sizes=sizes, landscapes=args.landscapes.split(","))
    print(table(rows))
    if args.profile:
        print(profile())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
