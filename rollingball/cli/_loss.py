"""The LOSS argument of the geometry commands (iron, reach, check)."""

from __future__ import annotations

import sympy as sp

from rollingball.symbolic.landscape import Landscape

#: Short names the geometry commands accept for catalog losses.
ALIASES = {"sin": "sine", "x^2": "parabola", "x**2": "parabola"}


def add_loss_arguments(parser, example: str = "'x^4 - x^2'", variables: bool = True) -> None:
    """The LOSS positional argument (and ``--variables``) every loss command takes."""
    parser.add_argument("loss", metavar="LOSS", help="a named loss (sine, bumpy_bowl, "
                        f"weierstrass_like:n=100, ...) or a formula such as {example}")
    if variables:
        parser.add_argument("--variables", "-v", nargs="+", metavar="NAME",
                            help="variable names in order (default: every free name, sorted)")


def landscape(text: str, variables=None) -> Landscape:
    """The loss a command-line LOSS names.

    ``sin`` is the catalog's ``sine`` (on the paper's [-3 pi, 3 pi]); a bare function name
    such as ``cos`` means that function of ``x``; anything else goes to :class:`Landscape`.
    """
    key = text.strip()
    if variables is None and key in ALIASES:
        return Landscape(ALIASES[key])
    if variables is None and key.isidentifier() and isinstance(
            getattr(sp, key, None), sp.FunctionClass):
        return Landscape(f"{key}(x)")
    return Landscape(text, variables)
