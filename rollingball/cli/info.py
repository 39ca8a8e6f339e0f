"""``rollingball info LOSS [--latex]``: the exact formulas of a loss."""

from __future__ import annotations

import argparse

import sympy as sp

from rollingball.cli._loss import add_loss_arguments, landscape
from rollingball.symbolic.landscape import RHO, Landscape


def register(sub) -> None:
    p = sub.add_parser(
        "info",
        help="print the exact loss, gradient, normal, tangent, curvature and offset curve",
        description="Print the exact formulas SymPy derives for a loss: f, its gradient, the "
        "unit normal nu (paper Eq. 1), the lifted tangent tau (Eq. 2), the curvature (1-D) or "
        "principal curvatures (2-D) and, in 1-D, the offset curve c(theta, rho).",
    )
    add_loss_arguments(p, "'x^4 - x^2'", variables=True)
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of pretty text")
    p.set_defaults(handler=main)


def describe(landscape: Landscape, latex: bool = False) -> str:
    """The formulas of ``landscape`` as text (pretty-printed or LaTeX)."""
    L = landscape
    rows: list[tuple[str, object]] = [("f", L.expr), ("gradient of f", L.gradient.T)]
    rows += [("unit normal nu (Eq. 1)", sp.simplify(L.normal.T)),
             ("tangent tau (Eq. 2)", L.tangent.T)]
    if L.dim == 1:
        rows += [("curvature kappa", sp.simplify(L.curvature)),
                 (f"offset curve c(theta, {RHO})", sp.simplify(L.offset_point.T))]
    elif L.dim == 2 and not L.data:
        rows += [("principal curvatures", L.principal_curvatures)]
    else:
        rows += [("shape operator", "g^-1 Hess f / sqrt(1 + |grad f|^2), g = I + grad f grad f^T")]
    out = [f"loss: {L.name}  (dimension {L.dim}, variables {', '.join(map(str, L.variables))})"]
    if L.description:
        out.append(f"      {L.description}")
    for title, value in rows:
        if isinstance(value, str):
            text = value
        else:
            text = sp.latex(value) if latex else sp.pretty(value, use_unicode=True, num_columns=160)
        out.append(f"\n{title}:\n{text}")
    return "\n".join(out)


def main(args: argparse.Namespace) -> int:
    print(describe(landscape(args.loss, args.variables), latex=args.latex))
    return 0
