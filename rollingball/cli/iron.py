"""``rollingball iron LOSS --radii ...``: weak ironing Delta(rho) and the critical radius."""

from __future__ import annotations

import argparse

import numpy as np

from rollingball._files import atomic_savefig
from rollingball.cli._loss import add_loss_arguments, check_real, landscape
from rollingball.geometry.ironing import ironing, sine_asymptote
from rollingball.geometry.reach import critical_radius, local_critical_radius
from rollingball.symbolic.landscape import Landscape


def register(sub) -> None:
    p = sub.add_parser(
        "iron",
        help="tabulate the ironing Delta(rho) = sup f_rho - inf f_rho and the critical radius",
        description="Weak ironing (paper Lemma 2, Fig. 2): Delta(rho) = sup f_rho - inf f_rho "
        "over a domain for many radii at once, with the exact offset f_rho, next to the local "
        "critical radius 1/max(kappa) (exact when SymPy finds it) and the true one. Below the "
        "critical radius Delta stays at sup f - inf f (the plateau); beyond it decreases like "
        "1/rho. 1-D losses.",
    )
    add_loss_arguments(p, "'x^4 - x^2'", variables=False)
    p.add_argument("--radii", "-r", nargs="+", type=float, metavar="RHO",
                   help="radii (default: from a tenth of the critical radius to 100 times it)")
    p.add_argument("--domain", nargs=2, type=float, metavar=("LO", "HI"),
                   help="the x range (default: the loss's domain, [-3pi, 3pi] for the sine)")
    p.add_argument("--periodic", action="store_true",
                   help="let the ball touch the graph outside the domain (the sine taken as "
                   "periodic); default: the sup defining f_rho is restricted to the domain")
    p.add_argument("--resolution", type=float, default=None,
                   help="sample spacing (default: from the loss's feature scale)")
    p.add_argument("--plot", metavar="PNG", help="also draw Delta(rho) to this PNG file "
                   "(needs matplotlib)")
    p.set_defaults(handler=main)


def default_radii(rc: float) -> np.ndarray:
    """Radii around the critical radius: the plateau, the transition and the 1/rho tail."""
    base = rc if np.isfinite(rc) and rc > 0 else 1.0
    return base * np.array([0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0,
                            10.0, 20.0, 50.0, 100.0])


def main(args: argparse.Namespace) -> int:
    L = landscape(args.loss)
    if L.dim != 1:
        raise ValueError(f"iron works on 1-D losses; {L.name!r} is {L.dim}-D")
    domain = tuple(args.domain) if args.domain else L.domain[0]
    check_real(L, domain, overflow=True)
    local = local_critical_radius(L, domain=domain, resolution=args.resolution)
    true = critical_radius(L, domain=domain, resolution=args.resolution)
    radii = np.asarray(args.radii, dtype=float) if args.radii else default_radii(true.radius)
    res = ironing(L, radii, domain=domain, restrict=not args.periodic,
                  resolution=args.resolution)
    exact = _exact_text(local)
    reading = "periodic (whole graph)" if args.periodic else "sup restricted to the domain"
    print(f"loss: {L.name}   domain: [{domain[0]:.6g}, {domain[1]:.6g}]   reading: {reading}")
    print(f"local critical radius 1/max kappa: {local.radius:.12g}{exact}"
          f"  (max kappa {local.kappa_max:.6g} at x = {local.argmax:.9g})")
    print(f"true critical radius:              {true.radius:.12g}  (limited by "
          f"{true.limited_by})")
    print(f"plateau value sup f - inf f:       {res.base:.12g}")
    if L.name == "sine" and np.allclose(domain, (-3 * np.pi, 3 * np.pi)):
        form = "pi^2/(2 rho): a trough, pi from its two neighbouring crests" if args.periodic \
            else "9 pi^2/(8 rho): the edge -3 pi, 3 pi/2 from the nearest crest"
        print(f"large-radius asymptote:            Delta ~ {form}")
    print()
    print(f"{'rho':>10s} {'Delta(rho)':>16s} {'Delta*rho':>12s} {'sup f_rho':>14s} "
          f"{'inf f_rho':>14s}  regime")
    for r, dlt, s, i in zip(res.rho, res.delta, res.sup, res.inf, strict=True):
        regime = "plateau" if abs(dlt - res.base) <= 1e-9 * max(1.0, res.base) else "ironed"
        if regime == "plateau" and r > true.radius:
            regime = "plateau (past rho_c)"
        print(f"{r:10.4g} {dlt:16.12f} {dlt * r:12.6f} {s:14.9f} {i:14.9f}  {regime}")
    if args.plot:
        _plot(args.plot, L, res, true.radius)
        print(f"\nplot written to {args.plot}")
    return 0


def _exact_text(cr) -> str:
    """`` (exact: ...)`` for a critical radius SymPy found, shortened when long."""
    if cr.exact is None:
        return ""
    text = str(cr.exact)
    if len(text) > 60:
        text = f"1/kappa at {cr.exact_argmax}" if len(str(cr.exact_argmax)) <= 60 else "yes"
    return f" (exact: {text})"


def _plot(path: str, L: Landscape, res, rc: float) -> None:
    try:
        import matplotlib  # deferred: optional dependency (extra anim)

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # deferred: optional dependency (extra anim)
    except ImportError:
        raise ValueError("--plot needs matplotlib (pip install 'rollingball[anim]')") from None
    fig, ax = plt.subplots(figsize=(6, 4))
    order = np.argsort(res.rho)
    ax.loglog(res.rho[order], res.delta[order], "o-", label=r"$\Delta(\rho)$")
    if np.isfinite(rc):
        ax.axvline(rc, color="grey", ls="--", label=rf"critical radius {rc:.4g}")
    if L.name == "sine" and res.domain == (-3 * np.pi, 3 * np.pi):
        big = res.rho[order][res.rho[order] > 2]
        if big.size:
            ax.loglog(big, sine_asymptote(big, restrict=res.restrict), ":",
                      label="large-radius asymptote")
    ax.set_xlabel(r"$\rho$")
    ax.set_ylabel(r"$\sup f_\rho - \inf f_\rho$")
    ax.set_title(f"Ironing of {L.name}")
    ax.legend()
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
    plt.close(fig)
