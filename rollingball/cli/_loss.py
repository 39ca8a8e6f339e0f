"""The LOSS argument of the geometry commands (iron, reach, check)."""

from __future__ import annotations

import sympy as sp

from rollingball.landscape import Landscape

#: Short names the geometry commands accept for catalog losses.
ALIASES = {"sin": "sine", "x^2": "parabola", "x**2": "parabola"}


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
