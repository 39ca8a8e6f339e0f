"""``rollingball sweep LOSS``: a grid of radii x learning rates x methods x schedules over many
starts, on Dask, stored in a Zarr store (resumable)."""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from rollingball.cli._loss import ALIASES, add_loss_arguments
from rollingball.study.grid import METHOD_NAMES, SAMPLES, SCHEDULES
from rollingball.study.sweep import DEFAULT_BUDGET, DEFAULT_MEMORY_BUDGET, sweep


def register(sub) -> None:
    p = sub.add_parser(
        "sweep",
        help="sweep radii x learning rates x methods x schedules over many starts (Dask)",
        description="Roll many starts for every cell of the grid method x schedule x radius x "
        "learning rate and store per cell the basin fraction (by centre and by footpoint, with "
        "Wilson intervals), final-loss mean and quantiles, travel, invariant residual, jumps "
        "and status counts in a Zarr store, cell by cell: an interrupted sweep resumes where it "
        "stopped. Runs on a local Dask cluster using every core by default, or on an existing "
        "one with --scheduler tcp://HOST:PORT.",
    )
    add_loss_arguments(p, "'x^4 - x^2'", variables=True)
    p.add_argument("--radii", dest="sweep_radii", nargs="+", default=["0.5"], metavar="RHO",
                   help="radii, space or comma separated (rho_max of a decaying schedule; "
                   "default 0.5); 0 is allowed: the RBO and Algorithm 1 with radius 0 are a "
                   "gradient step on the graph, and the baselines ignore the radius")
    p.add_argument("--lrs", nargs="+", type=float, default=[0.01], metavar="ETA",
                   help="learning rates (default 0.01)")
    p.add_argument("--methods", nargs="+", default=["rbo"], metavar="M",
                   help=f"methods: {', '.join(METHOD_NAMES)} (default rbo)")
    p.add_argument("--schedules", nargs="+", default=["constant"], choices=SCHEDULES,
                   metavar="S", help=f"radius schedules: {', '.join(SCHEDULES)} (default "
                   "constant)")
    p.add_argument("--starts", dest="sweep_starts", default="100", metavar="N|FILE",
                   help="number of starts to draw, or a file of starts (.npy, .csv, text; "
                   "default 100)")
    p.add_argument("--sample", choices=SAMPLES, default="sobol",
                   help="how to draw the starts: sobol (scrambled, default) or random")
    p.add_argument("--domain", dest="sweep_domain", nargs="+", type=float, metavar="LO HI",
                   help="box of the starts: LO HI per axis (default: the loss's domain)")
    p.add_argument("--steps", type=int, default=100, help="steps per run (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of the starts (default 0)")
    p.add_argument("--batch", type=int, default=64,
                   help="balls per task (default 64; a task is one vectorised roll)")
    p.add_argument("--out", "-o", required=True, metavar="STORE.zarr", help="the Zarr store")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="tcp://HOST:PORT of a Dask scheduler, or serial, threads, processes "
                   "(default: a local cluster on every core)")
    p.add_argument("--workers", type=int, default=None,
                   help="workers of the local cluster (default: every core)")
    p.add_argument("--trajectories", action="store_true",
                   help="also store every step's centre and iterate")
    p.add_argument("--budget", type=float, default=DEFAULT_BUDGET, metavar="SECONDS",
                   help=f"refuse a sweep estimated over this many core-seconds (default "
                   f"{DEFAULT_BUDGET:g})")
    p.add_argument("--memory-budget", type=float, default=DEFAULT_MEMORY_BUDGET / 2**30,
                   metavar="GIB", help="refuse trajectories (or one task) over this many GiB "
                   f"(default {DEFAULT_MEMORY_BUDGET / 2**30:g})")
    p.add_argument("--basin-tol", type=float, default=0.05,
                   help="basin test: distance to the global minimiser (default 0.05)")
    p.add_argument("--basin-lr", type=float, default=2e-3,
                   help="basin test: gradient-descent step (default 0.002)")
    p.add_argument("--basin-steps", type=int, default=5000,
                   help="basin test: most gradient-descent steps (default 5000)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a store that holds a different sweep")
    p.add_argument("--rest-tol", type=float, default=None, metavar="TOL",
                   help="stop a ball of a ball method (rbo, alg1, tangent) whose centre stood "
                   "still to TOL for 10 steps with a constant radius from then on (status "
                   "at_rest; default: every step runs)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: on a terminal)")
    p.set_defaults(handler=main)


def parse_radii(values: list[str]) -> list[float]:
    r"""``["0,1", "2"]`` -> ``[0.0, 1.0, 2.0]``: the radii of ``--radii``, each finite and
    :math:`\rho \ge 0` (``ValueError`` otherwise).

    Radius 0 is meaningful in a sweep (the study's gradient-descent-like cell): the RBO and
    Algorithm 1 at :math:`\rho = 0` move the point on the graph (centre = footpoint), and
    the baselines ignore the radius; the sweep itself refuses 0 for ``tangent``.
    """
    out = []
    for item in values:
        for part in str(item).split(","):
            if not part.strip():
                raise ValueError(f"--radii: empty value in {item!r}")
            try:
                v = float(part)
            except ValueError:
                raise ValueError(f"--radii: {part.strip()!r} is not a number") from None
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"--radii must be finite and >= 0 (0 is a gradient step on "
                                 f"the graph), got {part.strip()}")
            out.append(v)
    return out


def main(args: argparse.Namespace) -> int:
    # (--radii, --starts and --domain have their own dests: the shared check of cli/__init__
    # wants radii > 0, where a sweep allows 0; a d-D domain is d pairs, not one interval)
    starts: int | str = args.sweep_starts
    try:
        starts = int(args.sweep_starts)
    except ValueError:
        pass
    domain = None
    if args.sweep_domain is not None:
        if len(args.sweep_domain) % 2:
            raise ValueError("--domain takes pairs LO HI, one per axis")
        domain = np.reshape(args.sweep_domain, (-1, 2)).tolist()
    if args.rest_tol is not None and not (math.isfinite(args.rest_tol) and args.rest_tol > 0):
        raise ValueError(f"--rest-tol must be a positive number, got {args.rest_tol}")
    options = None if args.rest_tol is None else {"rest_tol": args.rest_tol}
    loss = ALIASES.get(args.loss.strip(), args.loss) if args.variables is None else args.loss
    ds = sweep(loss, variables=args.variables, radii=parse_radii(args.sweep_radii), lrs=args.lrs,
               methods=args.methods, schedules=args.schedules, starts=starts,
               sample=args.sample, domain=domain, steps=args.steps, seed=args.seed,
               batch=args.batch, out=args.out, scheduler=args.scheduler, workers=args.workers,
               trajectories=args.trajectories, budget=args.budget,
               memory_budget=args.memory_budget * 2**30, basin_tol=args.basin_tol,
               basin_lr=args.basin_lr, basin_steps=args.basin_steps, overwrite=args.overwrite,
               options=options,
               progress=sys.stderr.isatty() if args.progress is None else args.progress)
    done = int(ds["done"].values.sum())
    frac = ds["basin_centre_fraction"].values
    print(f"{args.out}: {done}/{ds['done'].size} cells stored; basin fraction (centre) "
          f"from {np.nanmin(frac):.3g} to {np.nanmax(frac):.3g}; open with "
          f"xarray.open_zarr({args.out!r})")
    return 0
