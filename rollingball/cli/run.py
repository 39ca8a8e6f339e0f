"""``rollingball run LOSS``: roll balls (or run a baseline) and print the summary."""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from rollingball.cli._loss import add_loss_arguments, landscape
from rollingball.engine.inputs import starts_by_radius
from rollingball.engine.loop import roll
from rollingball.engine.solvers import BALL_METHODS, METHODS, PROJECTIONS, Solver, make_solver


def register(sub) -> None:
    p = sub.add_parser(
        "run",
        help="roll a batch of balls (or run a baseline) and print a summary",
        description="Run the Rolling Ball Optimizer (the offset-keeping RBO by default, the "
        "paper's Algorithm 1, the Section 3.2 variant) or a baseline on a loss, for every "
        "start times every radius, and print the final theta, loss, max invariant residual "
        "|d_Gamma(c) - rho|, jumps and wall time.",
    )
    add_loss_arguments(p, "'x^2 + y^2'", variables=True)
    p.add_argument("--x0", nargs="+", default=None, metavar="X",
                   help="starts: one number per ball in 1-D, or comma-separated coordinates "
                   "(e.g. 1.5,-0.5) in d-D (default: 2 on every axis)")
    p.add_argument("--radius", "-r", nargs="+", type=float, default=[0.5], metavar="RHO",
                   help="ball radii; several radii times several starts run as one batch "
                   "(default 0.5)")
    p.add_argument("--lr", type=float, default=1e-2, help="learning rate eta (default 0.01)")
    p.add_argument("--steps", type=int, default=100, help="number of steps (default 100)")
    add_solver_arguments(p)
    p.add_argument("--scale", type=float, default=1.0,
                   help="vertical scale lambda: the metric on (theta, lambda f) (default 1)")
    p.add_argument("--domain", nargs=2, type=float, metavar=("LO", "HI"),
                   help="stop balls whose iterate leaves [LO, HI] on any axis")
    p.add_argument("--box", nargs=2, type=float, metavar=("LO", "HI"),
                   help=argparse.SUPPRESS)  # the deprecated name of --domain
    p.add_argument("--resolution", type=float, default=None,
                   help="sample spacing of the exact projection and offset (default: from "
                   "the landscape)")
    p.add_argument("--out", "-o", metavar="FILE",
                   help="save the run: FILE.npz (reloadable) or FILE.csv (one row per step "
                   "and ball)")
    add_progress_argument(p)
    p.set_defaults(handler=main)


def add_solver_arguments(p: argparse.ArgumentParser, methods=METHODS) -> None:
    """``--method``, ``--projection``, ``--gamma``, ``--proj-steps``: the string shortcuts of
    the solver objects (:func:`rollingball.engine.solvers.make_solver` builds them)."""
    p.add_argument("--method", "-m", choices=methods, default="rbo",
                   help="rbo (offset-keeping, default), alg1 (paper Algorithm 1), tangent "
                   "(Section 3.2)" + (", or a baseline gd, momentum, adam, sam"
                                      if len(methods) > len(BALL_METHODS) else ""))
    p.add_argument("--projection", "-p", choices=tuple(PROJECTIONS), default=None,
                   help="projection onto the graph of the ball methods: exact (default), "
                   "newton, paper")
    p.add_argument("--gamma", type=float, default=None,
                   help="step size of the paper projection (default: PaperProjection's, 0.05)")
    p.add_argument("--proj-steps", type=int, default=None,
                   help="iterations of the paper projection (default: PaperProjection's, 20)")


def add_progress_argument(p: argparse.ArgumentParser) -> None:
    """``--progress/--no-progress`` (default: a bar only on a terminal, for long runs)."""
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="draw a progress bar on stderr (default: only on a terminal, for "
                   "long runs)")


def solver_of(args: argparse.Namespace) -> Solver:
    """The solver object the command line's ``--method``, ``--projection``, ``--gamma`` and
    ``--proj-steps`` stand for."""
    return make_solver(args.method, args.projection, gamma=args.gamma,
                       proj_steps=args.proj_steps)


def progress_of(args: argparse.Namespace, work: int) -> bool:
    """``--progress``/``--no-progress``, else a bar on a terminal when ``work`` (balls times
    steps) is at least 2000."""
    if args.progress is not None:
        return bool(args.progress)
    return sys.stderr.isatty() and work >= 2000


def _starts(values, d: int) -> np.ndarray:
    if values is None:
        return np.full((1, d), 2.0)
    rows = []
    for item in values:
        parts = [s for s in item.split(",") if s.strip()]
        try:
            row = [float(s) for s in parts]
        except ValueError:
            raise ValueError(f"--x0: {item!r} is not a number or a comma-separated point") from None
        rows.append(row)
    if d == 1 and all(len(r) == 1 for r in rows):
        return np.array(rows, dtype=float)
    if any(len(r) != d for r in rows):
        raise ValueError(f"--x0: each start of this {d}-D loss needs {d} comma-separated "
                         f"coordinates, e.g. --x0 {','.join(['1.0'] * d)}")
    return np.array(rows, dtype=float)


def main(args: argparse.Namespace) -> int:
    if args.out:
        ext = os.path.splitext(args.out)[1].lower()
        if ext not in (".npz", ".csv"):
            raise ValueError(f"--out must end in .npz or .csv, got {args.out!r}")
        folder = os.path.dirname(os.path.abspath(args.out))
        if not os.path.isdir(folder):
            raise ValueError(f"--out: no such folder {folder!r}")
    domain = args.domain
    if args.box is not None:
        if domain is not None:
            raise ValueError("give --domain only (--box is its deprecated name)")
        domain = args.box
    L = landscape(args.loss, args.variables)
    grid = starts_by_radius(_starts(args.x0, L.dim), args.radius)
    res = roll(L, grid.x0, solver=solver_of(args), radius=grid.radius, lr=args.lr,
               steps=args.steps, domain=domain, scale=args.scale, resolution=args.resolution,
               progress=progress_of(args, args.steps * grid.x0.shape[0]))
    print(res.summary())
    if args.out:
        if args.out.lower().endswith(".npz"):
            res.save(args.out)
        else:
            res.to_csv(args.out)
        print(f"saved {args.out}")
    if args.box is not None:  # after the run: an error stays the one line on stderr
        print("rollingball: --box is deprecated, use --domain", file=sys.stderr)
    return 0
