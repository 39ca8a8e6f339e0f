"""``rollingball info LOSS [--latex]``: the exact formulas of a loss."""

from __future__ import annotations

import argparse
import time

import sympy as sp

from rollingball import _budget
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


#: Seconds all the simplifications of one ``info`` may take together; past them the
#: formulas are printed as derived (exact, only not simplified).
SIMPLIFY_SECONDS = 3.0
#: Larger expressions (SymPy's ``count_ops``) are printed as derived, without simplify.
SIMPLIFY_MAX_OPS = 400


class _Simplifier:
    """``sp.simplify`` under one shared time budget, falling back to the derived form."""

    def __init__(self, seconds: float = SIMPLIFY_SECONDS):
        self.deadline = time.monotonic() + seconds
        self.gave_up = False

    def __call__(self, expr):
        left = self.deadline - time.monotonic()
        if self.gave_up or left <= 0.05 or sp.count_ops(expr) > SIMPLIFY_MAX_OPS:
            self.gave_up = True
            return expr
        try:
            out = _budget.bounded(lambda: sp.simplify(expr), fallback=None, seconds=left)
        except Exception:  # noqa: BLE001 - SymPy's simplify has bugs (Sums): keep the derived form
            return expr
        if out is None:
            self.gave_up = True
            return expr
        return out


def describe(landscape: Landscape, latex: bool = False) -> str:
    """The formulas of ``landscape`` as text (pretty-printed or LaTeX).

    The normal, curvature and offset are simplified within :data:`SIMPLIFY_SECONDS` in all;
    past that they are printed as derived (and a note says so).
    """
    L = landscape
    simplify = _Simplifier()
    rows: list[tuple[str, object]] = [("f", L.expr), ("gradient of f", L.gradient.T)]
    rows += [("unit normal nu (Eq. 1)", simplify(L.normal.T)),
             ("tangent tau (Eq. 2)", L.tangent.T)]
    if L.dim == 1:
        rows += [("curvature kappa", simplify(L.curvature)),
                 (f"offset curve c(theta, {RHO})", simplify(L.offset_point.T))]
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
    if simplify.gave_up:
        out.append(f"\n(some formulas are shown as derived: simplifying them took longer than "
                   f"{SIMPLIFY_SECONDS:g} s)")
    return "\n".join(out)


def main(args: argparse.Namespace) -> int:
    print(describe(landscape(args.loss, args.variables), latex=args.latex))
    return 0
