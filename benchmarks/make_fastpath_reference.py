"""Reference trajectories of the exact offset-keeping RBO before its fast path (issue 10, item 4).

Rolls 200 random balls per case step by step with ``rollingball.roll(..., solver=OffsetRBO())``
(the default solver, the engine's default resolution) and saves, per case, one compressed
``tests/engine/data/fastpath_<case>.npz`` that ``tests/engine/test_fastpath.py`` replays with
the current code, step by step:

* the inputs: ``landscape`` (a catalog factory name) and ``landscape_kwargs`` (JSON), ``x0``
  (N, d), ``radius``, ``lr``, ``steps``, ``seed``;
* the trajectory: ``theta`` (T+1, N, d) footpoints theta_t, ``centre`` (T+1, N, d+1) centres
  c_t, ``offset_solve`` (T+1, N) (the step's candidate footpoint was unreachable),
  ``status`` (N,) status codes, ``stopped_at`` (N,);
* the invariant residual ``residual`` (T+1, N), |d_Gamma(c_t) - rho| by the engine's
  independent referee (:func:`rollingball.numeric.distance.distance_to_graph`);
* the tie diagnostic: ``distance`` and ``second`` (T+1, N), the exact projection's
  (:func:`rollingball.numeric.projection.project`, ``method="exact"``, warm at theta_t)
  distance of c_t to the graph and that of the best other local nearest point;
  ``second - distance <= 1e-9`` means that the ball at c_t touches at two points, where
  either contact is a legitimate footpoint;
* the provenance: ``commit`` (of the package imported), ``numpy``, ``scipy``, ``sympy``,
  ``python`` versions, ``generated`` (UTC).

Deterministic: the starts of case k come from ``numpy.random.default_rng(SEED + k)``
(``SEED = 20261202``), the landscapes are the catalog's (``gaussian_wells`` with its own fixed
seed).  The cases (``CASES``): 1-D ``bumpy_bowl`` (rho 0.5, lr 0.01, 30 steps, starts on
[-5, 5]) and ``weierstrass_like(100)`` (rho 0.1, lr 0.001, starts on [0, 4], 10 steps: at
about 35 ms per ball-step today, 30 steps would take minutes); 2-D ``gaussian_wells`` (1000
wells, paper form; rho 1 and 3, lr 0.01, 8 steps, starts uniform in the box (2, -1.5) +-
0.5) and ``rastrigin`` (A = 1, a smooth bumpy bowl; rho 0.3, lr 0.001, 10 steps, starts on
[-4, 4]^2).

Made at commit f1e0d64 (before any of the issue's speed work), from a worktree of it::

    git -C /work/main worktree add /tmp/rbref f1e0d64
    PYTHONPATH=/tmp/rbref .venv/bin/python benchmarks/make_fastpath_reference.py

``--balls N`` and ``--out DIR`` make a smaller set elsewhere (to time it first);
``--cases a,b`` makes only those.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import scipy
import sympy

import rollingball
from rollingball._files import atomic_write
from rollingball.engine.solvers import OffsetRBO
from rollingball.numeric.projection import project
from rollingball.symbolic.catalog import CATALOG

#: Base seed of the starts; case k uses ``default_rng(SEED + k)``.
SEED = 20261202
#: Balls per case.
BALLS = 200

#: name -> (catalog factory, its kwargs, radius, lr, steps, start box lo, hi)
CASES: dict[str, tuple] = {
    "bumpy_bowl": ("bumpy_bowl", {}, 0.5, 1e-2, 30, [-5.0], [5.0]),
    "weierstrass100": ("weierstrass_like", {"n": 100}, 0.1, 1e-3, 10, [0.0], [4.0]),
    "gaussian_wells_r1": ("gaussian_wells", {"n": 1000, "form": "paper"}, 1.0, 1e-2, 8,
                          [1.5, -2.0], [2.5, -1.0]),
    "gaussian_wells_r3": ("gaussian_wells", {"n": 1000, "form": "paper"}, 3.0, 1e-2, 8,
                          [1.5, -2.0], [2.5, -1.0]),
    "rastrigin": ("rastrigin", {"d": 2, "A": 1}, 0.3, 1e-3, 10, [-4.0, -4.0], [4.0, 4.0]),
}


def _commit() -> str:
    """The commit of the imported package's checkout (``unknown`` outside git)."""
    where = os.path.dirname(os.path.dirname(os.path.abspath(rollingball.__file__)))
    try:
        head = subprocess.run(["git", "-C", where, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", where, "status", "--porcelain", "--",
                                "rollingball"], capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def starts(k: int, lo, hi, n: int) -> np.ndarray:
    """The (n, d) starts of case number k: uniform on the box [lo, hi]."""
    rng = np.random.default_rng(SEED + k)
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return lo + (hi - lo) * rng.random((n, lo.size))


def make(name: str, k: int, balls: int) -> dict[str, np.ndarray]:
    """Roll case ``name`` (number k) and return the arrays to save."""
    factory, kwargs, radius, lr, steps, lo, hi = CASES[name]
    L = CATALOG[factory](**kwargs)
    x0 = starts(k, lo, hi, balls)
    r = rollingball.roll(L, x0, radius=radius, lr=lr, steps=steps, solver=OffsetRBO())
    T1, n, d = r.theta.shape
    c = r.centre.reshape(-1, d + 1)
    th = r.theta.reshape(-1, d)
    ok = np.all(np.isfinite(c), axis=1) & np.all(np.isfinite(th), axis=1)
    dist = np.full(T1 * n, np.nan)
    second = np.full(T1 * n, np.nan)
    uniq, first, inv = np.unique(c[ok], axis=0, return_index=True, return_inverse=True)
    pr = project(L, uniq, method="exact", warm=th[ok][first])
    dist[ok] = np.asarray(pr.distance)[np.ravel(inv)]
    second[ok] = np.asarray(pr.second)[np.ravel(inv)]
    return dict(
        landscape=np.str_(factory), landscape_kwargs=np.str_(json.dumps(kwargs)),
        x0=x0, radius=np.float64(radius), lr=np.float64(lr), steps=np.int64(steps),
        seed=np.int64(SEED + k),
        theta=r.theta, centre=r.centre, offset_solve=r.offset_solve,
        status=np.array([s.code for s in r.status], dtype=str), stopped_at=r.stopped_at,
        residual=r.residual, distance=dist.reshape(T1, n), second=second.reshape(T1, n),
        commit=np.str_(_commit()), numpy=np.str_(np.__version__),
        scipy=np.str_(scipy.__version__), sympy=np.str_(sympy.__version__),
        python=np.str_(platform.python_version()),
        generated=np.str_(datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")),
    )


def main(argv=None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "engine", "data"),
                    help="folder of the .npz files (default tests/engine/data)")
    ap.add_argument("--balls", type=int, default=BALLS, help="balls per case (default 200)")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated: "
                    + ", ".join(CASES))
    args = ap.parse_args(argv)
    names = [s.strip() for s in args.cases.split(",") if s.strip()]
    unknown = [s for s in names if s not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    os.makedirs(args.out, exist_ok=True)
    print(f"rollingball from {rollingball.__file__}, commit {_commit()}", file=sys.stderr)
    order = list(CASES)
    for name in names:
        t0 = time.perf_counter()
        data = make(name, order.index(name), args.balls)
        path = os.path.join(args.out, f"fastpath_{name}.npz")
        with atomic_write(path, "wb") as fh:
            np.savez_compressed(fh, **data)
        res = data["residual"]
        print(f"{name}: {time.perf_counter() - t0:.1f} s, {os.path.getsize(path) / 1024:.0f} "
              f"KiB, offset solves {int(data['offset_solve'][1:].sum())}, max residual "
              f"{np.nanmax(res):.1e}, ties {int(np.sum(data['second'] - data['distance'] <= 1e-9))}"
              f", statuses {sorted(set(data['status']))}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
