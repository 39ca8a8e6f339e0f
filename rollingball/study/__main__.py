"""``python -m rollingball.study fig4 --out DIR --docs docs/study.md``: the docs' study."""

from __future__ import annotations

import argparse
import sys

from rollingball.study.fig4 import fig4_study


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m rollingball.study",
                                description="Regenerate a study of the docs.")
    sub = p.add_subparsers(dest="study", required=True)
    f = sub.add_parser("fig4", help="Fig. 4's landscape: basin fraction vs radius and schedules")
    f.add_argument("--out", required=True, help="folder of the sweep stores (resumable)")
    f.add_argument("--docs", default=None, help="write the study page here (docs/study.md)")
    f.add_argument("--scale", default=None,
                   help="rewrite the measured part of the scale page here (docs/scale.md)")
    f.add_argument("--rbo-starts", type=int, default=4, help="starts per RBO cell (default 4)")
    f.add_argument("--gd-starts", type=int, default=1000, help="starts of GD (default 1000)")
    f.add_argument("--steps", type=int, default=300, help="steps (default 300, the paper's)")
    f.add_argument("--forms", nargs="+", default=["paper", "code"], choices=["paper", "code"])
    f.add_argument("--scheduler", default=None,
                   help="serial, threads, processes, or tcp://HOST:PORT (default: a local "
                   "cluster on every core)")
    f.add_argument("--workers", type=int, default=None, help="local workers (default: cores)")
    f.add_argument("--budget", type=float, default=4 * 3600.0,
                   help="core-seconds over which the study is refused (default 14400)")
    f.add_argument("--rest-tol", type=float, default=1e-9,
                   help="stop RBO balls at rest at this tolerance (default 1e-9; 0: never)")
    f.add_argument("--no-run", action="store_true",
                   help="run nothing: write the page from the cells stored so far")
    args = p.parse_args(argv)
    try:
        res = fig4_study(args.out, docs=args.docs, rbo_starts=args.rbo_starts,
                         gd_starts=args.gd_starts, steps=args.steps, forms=args.forms,
                         scheduler=args.scheduler, workers=args.workers, budget=args.budget,
                         rest_tol=args.rest_tol or None,
                         run=not args.no_run, scale=args.scale)
    except ValueError as exc:
        print(f"rollingball.study: error: {exc}", file=sys.stderr)
        return 2
    print(f"study done in {res['wall']:.1f} s; figures in {res['images']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
