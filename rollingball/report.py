r"""Generated documentation: the theory page's formulas and the reproduction report.

Two generators, both pure functions of the package's own output:

* :func:`theory_formulas` prints, as LaTeX, the exact formulas SymPy derives for
  the catalog losses (unit normal :math:`\nu`, Eq. 1; lifted tangent :math:`\tau`,
  Eq. 2; curvature :math:`\kappa`; offset point :math:`c = p + \rho\nu`, Eq. 6).
  ``docs/theory.md`` carries them between two markers; the test suite checks that
  the page holds exactly what the package derives today
  (:func:`update_theory_page` rewrites the block).
* :func:`reproduction_report` turns the figure data of :mod:`rollingball.figures`
  into Markdown: each claim of the paper beside what the package measures.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from .landscape import RHO, Landscape

__all__ = ["theory_formulas", "update_theory_page", "BEGIN", "END", "reproduction_report"]

BEGIN = "<!-- BEGIN generated formulas: rollingball.report.theory_formulas() -->"
END = "<!-- END generated formulas -->"

_LOSSES = ("sine", "parabola")


def theory_formulas(losses: tuple[str, ...] = _LOSSES) -> str:
    r"""Markdown with the exact formulas of each catalog loss in ``losses``.

    For each loss: :math:`f`, :math:`\nu`, :math:`\tau`, :math:`\kappa`,
    :math:`c(\theta,\rho)` and the regularity factor :math:`1-\rho\kappa` of the
    offset curve, each printed by :func:`sympy.latex` from
    :class:`~rollingball.landscape.Landscape`.

    >>> "\\cos^{2}" in theory_formulas(("sine",))
    True
    """
    out = []
    for name in losses:
        L = Landscape(name)
        if L.dim != 1:
            raise ValueError(f"theory_formulas takes 1-D losses, {name!r} is {L.dim}-D")
        rows = [
            ("f", L.expr),
            (r"\nu \text{ (Eq. 1)}", sp.simplify(L.normal.T)),
            (r"\tau \text{ (Eq. 2)}", L.tangent.T),
            (r"\kappa", sp.simplify(L.curvature)),
            (r"c(\theta, \rho) = p + \rho\nu", sp.simplify(L.offset_point.T)),
            (r"1 - \rho\kappa", sp.simplify(1 - RHO * L.curvature)),
        ]
        out.append(f"**{name}** (variable ${sp.latex(L.variables[0])}$):\n")
        for label, expr in rows:
            out.append(f"$$\n{label} = {sp.latex(expr)}\n$$\n")
    return "\n".join(out)


def update_theory_page(path: str | Path) -> bool:
    """Rewrite the generated block of ``path`` (docs/theory.md); True if it changed."""
    path = Path(path)
    text = path.read_text()
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"{path} lacks the markers {BEGIN!r} ... {END!r}")
    new = f"{head}{BEGIN}\n\n{theory_formulas()}\n{END}{tail}"
    if new != text:
        path.write_text(new)
        return True
    return False


def reproduction_report(*args, **kwargs) -> str:  # filled in below
    raise NotImplementedError
