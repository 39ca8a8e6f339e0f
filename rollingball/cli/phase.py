"""``rollingball phase RESULT --out DIR``: phase diagrams of a stored sweep."""

from __future__ import annotations

import argparse

from rollingball.study.phase import FORMATS, phase_diagrams


def register(sub) -> None:
    p = sub.add_parser(
        "phase",
        help="phase diagrams of a sweep (basin fraction, final loss; intervals vs radius)",
        description="Draw the phase diagrams of a sweep store: basin fraction and mean final "
        "loss over radius x learning rate (one panel per method and schedule), and the basin "
        "fraction against the radius with 95 % Wilson intervals, as PNG and vector files.",
    )
    p.add_argument("result", metavar="RESULT", help="a store written by `rollingball sweep`")
    p.add_argument("--out", "-o", required=True, metavar="DIR", help="output folder")
    p.add_argument("--format", default="png,pdf,svg",
                   help=f"comma-separated formats among {', '.join(FORMATS)} (default all)")
    p.add_argument("--dpi", type=float, default=120.0, help="PNG resolution (default 120)")
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    paths = phase_diagrams(args.result, args.out, formats=formats, dpi=args.dpi)
    for path in paths:
        print(path)
    return 0
