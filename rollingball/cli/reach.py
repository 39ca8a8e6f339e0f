"""``rollingball reach LOSS --radius R``: critical radii and the points the ball cannot touch."""

from __future__ import annotations

import argparse

import numpy as np

from rollingball.cli._loss import add_loss_arguments, check_real, landscape
from rollingball.geometry.reach import (
    SIDES,
    critical_radius,
    local_critical_radius,
    unreachable,
    unreachable_mask,
)


def register(sub) -> None:
    p = sub.add_parser(
        "reach",
        help="critical radii and the unreachable points at given radii",
        description="Print the local critical radius 1/max(kappa) (exact when SymPy finds it, "
        "with its maximiser), the true critical radius (the smallest radius with an "
        "unreachable point in the domain, which also sees spill-over through the domain's "
        "edges) and, for each radius, the points of the graph a ball of that radius cannot "
        "touch: open intervals of theta in 1-D, a grid count in 2-D. A point is unreachable "
        "from above (the RBO's side, default) when the ball tangent there from above holds "
        "another graph point; --side either is the paper's literal Definition 1.",
    )
    add_loss_arguments(p, "'x^4 - x^2'", variables=True)
    p.add_argument("--radius", "-r", nargs="+", type=float, required=True, metavar="RHO",
                   help="ball radii")
    p.add_argument("--domain", nargs=2, type=float, metavar=("LO", "HI"),
                   help="the range of theta (every axis in d-D; default: the loss's domain)")
    p.add_argument("--side", choices=SIDES, default="above",
                   help="above (the RBO's ball, default), below, or either (paper Definition 1"
                   " read literally: unreachable from both sides)")
    p.add_argument("--resolution", type=float, default=None,
                   help="sample spacing (default: from the loss's feature scale); the grid "
                   "spacing in d-D")
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    L = landscape(args.loss, args.variables)
    radii = np.asarray(args.radius, dtype=float)
    if np.any(~(radii > 0)) or not np.all(np.isfinite(radii)):
        raise ValueError(f"--radius must be positive and finite, got {args.radius}")
    domain = tuple(args.domain) if args.domain else None
    check_real(L, domain, overflow=True)
    try:
        return _report(L, args, radii, domain)
    except np.linalg.LinAlgError as exc:  # the d-D offset's Newton met a singular Hessian
        raise ValueError(f"reach could not finish on {L.name!r}: the d-D offset solver met a "
                         f"singular Hessian ({exc}); try another --resolution or "
                         "--domain") from None


def _report(L, args, radii, domain) -> int:
    local = local_critical_radius(L, domain=domain, resolution=args.resolution)
    where = (f"{local.argmax:.12g}" if L.dim == 1
             else "(" + ", ".join(f"{v:.6g}" for v in np.atleast_1d(local.argmax)) + ")")
    lo_hi = domain if domain else (L.domain[0] if L.dim == 1 else L.domain)
    print(f"loss: {L.name}   domain: {_fmt_domain(lo_hi)}   side: {args.side}")
    exact = f"  exact: {local.exact}" if local.exact is not None and len(str(local.exact)) < 60 \
        else ""
    kind = "largest principal curvature" if L.dim > 1 else "max kappa"
    print(f"local critical radius: {local.radius:.12g}  ({kind} {local.kappa_max:.9g} at "
          f"{where}){exact}")
    if L.dim == 1 or args.side == "above":
        true = critical_radius(L, domain=domain, side=args.side, resolution=args.resolution)
        note = "" if true.details.get("edges_searched", True) else ", domain faces not searched"
        print(f"true critical radius ({args.side}): {true.radius:.12g}  (limited by "
              f"{true.limited_by}{note})")
    for rho in radii:
        print()
        if L.dim == 1:
            u = unreachable(L, float(rho), side=args.side, domain=domain,
                            resolution=args.resolution)
            print(f"rho = {rho:g}: {len(u)} unreachable interval(s), total length "
                  f"{u.measure:.9g}")
            for a, b in u.intervals:
                print(f"  ({a:.12f}, {b:.12f})   length {b - a:.9f}   centre {0.5 * (a + b):.9f}")
        else:
            axes, mask = unreachable_mask(L, float(rho), side=args.side, domain=domain,
                                          resolution=args.resolution)
            h = axes[0][1] - axes[0][0] if axes[0].size > 1 else float("nan")
            print(f"rho = {rho:g}: {int(mask.sum())} of {mask.size} grid points unreachable "
                  f"({100.0 * mask.mean():.3g}%), grid spacing {h:.4g}")
    return 0


def _fmt_domain(dom) -> str:
    arr = np.asarray(dom, dtype=float).reshape(-1, 2)
    return " x ".join(f"[{lo:.6g}, {hi:.6g}]" for lo, hi in arr)
