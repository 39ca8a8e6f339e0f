"""``rollingball check LOSS --radius R ...``: run the engine and check it against the geometry."""

from __future__ import annotations

import argparse

import numpy as np

from rollingball.cli._loss import add_loss_arguments, landscape
from rollingball.cli.run import add_progress_argument, add_solver_arguments, progress_of, solver_of
from rollingball.engine.inputs import starts_by_radius
from rollingball.engine.loop import roll
from rollingball.engine.solvers import BALL_METHODS
from rollingball.geometry.check import check


def register(sub) -> None:
    p = sub.add_parser(
        "check",
        help="run the rolling ball and check its centres against the exact offset",
        description="Roll balls with the engine and check the run against the exact geometry: "
        "max |c_y - f_rho(c_x)| over the trajectory (the centres must lie on the offset), "
        "max |F(c)| of the implicit offset equation (1-D polynomial losses), the number of "
        "footpoints in the unreachable set, and (with --compare) the same figures for the "
        "paper's approximate projection. Exit status 1 when a tolerance fails.",
    )
    add_loss_arguments(p, "'x^2'", variables=True)
    p.add_argument("--radius", "-r", nargs="+", type=float, required=True, metavar="RHO",
                   help="ball radii (every start at every radius)")
    p.add_argument("--x0", nargs="+", default=None, metavar="X",
                   help="starts: numbers in 1-D, comma-separated coordinates in d-D "
                   "(default: -2, 0.7 and 2.5 on every axis)")
    p.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    p.add_argument("--steps", type=int, default=50, help="number of steps (default 50)")
    add_solver_arguments(p, BALL_METHODS)
    p.add_argument("--compare", action="store_true",
                   help="also run and check the paper's approximate projection")
    p.add_argument("--offset-tol", type=float, default=1e-8,
                   help="largest accepted |c_y - f_rho(c_x)| (default 1e-8)")
    p.add_argument("--scale", type=float, default=1.0, help="vertical scale lambda (default 1)")
    add_progress_argument(p)
    p.set_defaults(handler=main)


def _starts(values, d: int) -> np.ndarray:
    if values is None:
        return np.repeat(np.array([[-2.0], [0.7], [2.5]]), d, axis=1)
    rows = []
    for item in values:
        try:
            rows.append([float(s) for s in item.split(",") if s.strip()])
        except ValueError:
            raise ValueError(f"--x0: {item!r} is not a number or a comma-separated point") \
                from None
    if any(len(r) != d for r in rows):
        raise ValueError(f"--x0: each start of this {d}-D loss needs {d} coordinate(s)")
    return np.array(rows, dtype=float)


def main(args: argparse.Namespace) -> int:
    L = landscape(args.loss, args.variables)
    radii = np.asarray(args.radius, dtype=float)
    if np.any(~(radii > 0)) or not np.all(np.isfinite(radii)):
        raise ValueError(f"--radius must be positive and finite, got {args.radius}")
    if not (args.offset_tol > 0):
        raise ValueError(f"--offset-tol must be positive, got {args.offset_tol}")
    grid = starts_by_radius(_starts(args.x0, L.dim), radii)
    solver = solver_of(args)
    failed = False
    for r in radii:
        sel = grid.radius == r
        res = roll(L, grid.x0[sel], solver=solver, radius=float(r), lr=args.lr,
                   steps=args.steps, scale=args.scale,
                   progress=progress_of(args, args.steps * int(sel.sum())))
        rep = check(res, offset_tol=args.offset_tol, compare=args.compare)
        print(f"{L.name}, rho = {r:g}, {int(sel.sum())} ball(s), {args.steps} steps")
        print(rep.table())
        for line in rep.violations():
            print(f"  FAIL: {line}")
        if rep.comparison is not None:
            for line in rep.comparison.violations():
                print(f"  (paper projection) {line}")
        print()
        failed |= not rep.passed
    print("check failed" if failed else "check passed")
    return 1 if failed else 0
