"""The LOSS argument of every loss command (info, run, iron, reach, check).

A LOSS is a catalog name (``sine``, ``bumpy_bowl``, ``weierstrass_like:n=100``), a short
alias (``sin``, ``x^2``), a bare function name (``cos`` is ``cos(x)``) or a formula.

Names that look like a misspelt catalog name are refused: a LOSS that is one bare name is
read as a catalog name first; when it is not one but is close to one (``bumpy_bowll``,
``Rastrigin``: a :func:`difflib.get_close_matches` ratio of 0.75 or more), it is refused
with "did you mean ...", because a formula made of one name would silently be the linear
loss ``f = bumpy_bowll``.  To mean that linear loss, name the variable: ``--variables
bumpy_bowll``.  Other bare names (``x``, ``x__y``, ``theta``) are linear losses.

A loss must be real somewhere on its domain: :func:`check_real` samples it and refuses a
loss such as ``sqrt(-x^2 - 1)`` (not real anywhere) with a clear message.
"""

from __future__ import annotations

import difflib

import numpy as np
import sympy as sp

from rollingball.symbolic.catalog import CATALOG
from rollingball.symbolic.landscape import Landscape

#: Short names the geometry commands accept for catalog losses.
ALIASES = {"sin": "sine", "x^2": "parabola", "x**2": "parabola"}

#: Sample points per axis (1-D) or in all (d-D) of the realness check.
REAL_SAMPLES = 2049


def add_loss_arguments(parser, example: str = "'x^4 - x^2'", variables: bool = True) -> None:
    """The LOSS positional argument (and ``--variables``) every loss command takes."""
    parser.add_argument("loss", metavar="LOSS", help="a named loss (sine, bumpy_bowl, "
                        f"weierstrass_like:n=100, ...) or a formula such as {example}; a "
                        "leading minus is fine ('-x^2')")
    if variables:
        parser.add_argument("--variables", "-v", nargs="+", metavar="NAME",
                            help="variable names in order (default: every free name, sorted)")


def _check_name(key: str) -> None:
    """Refuse a bare name that is not a catalog name but looks like one."""
    if not key.isidentifier() or key in CATALOG or key in ALIASES:
        return
    names = list(CATALOG) + [a for a in ALIASES if a.isidentifier()]
    close = difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.75)
    if close:
        raise ValueError(f"unknown loss {key!r}: did you mean {close[0]!r}? (for the linear "
                         f"loss in a variable called {key!r}, pass --variables {key})")


def check_real(L: Landscape, domain=None, overflow: bool = False) -> None:
    r"""Refuse a loss with no real, finite value on its domain.

    Samples :data:`REAL_SAMPLES` points of ``domain`` (default: the loss's): evenly in 1-D,
    a seeded uniform sample of the box in d-D.  A loss real on part of the domain
    (``log(x)`` on [-5, 5]) is accepted.  With ``overflow`` (the geometry commands, which
    sample the whole domain) a loss that overflows float64 (:math:`|f| = \infty`) on more
    than 1% of the samples is refused too: ``x^1000`` on [-5, 5].
    """
    box = np.asarray(L.domain if domain is None else domain, dtype=float).reshape(-1, 2)
    if box.shape[0] == 1 and L.dim > 1:
        box = np.tile(box, (L.dim, 1))
    lo, hi = box[:, 0], box[:, 1]
    if L.dim == 1:
        pts = np.linspace(lo[0], hi[0], REAL_SAMPLES)
    else:
        pts = lo + (hi - lo) * np.random.default_rng(0).random((REAL_SAMPLES, L.dim))
    with np.errstate(all="ignore"):
        values = np.asarray(L.f(pts))
    where = " x ".join(f"[{a:.6g}, {b:.6g}]" for a, b in zip(lo, hi, strict=True))
    if not np.any(np.isfinite(values)):
        raise ValueError(f"the loss {L.name!r} is not real and finite anywhere on its domain "
                         f"{where} ({values.size} sample points)")
    big = np.isinf(values)
    if overflow and big.mean() > 0.01:
        at = pts[np.flatnonzero(big)[0]]
        at = f"{float(at):.6g}" if L.dim == 1 else ", ".join(f"{v:.6g}" for v in at)
        raise ValueError(f"the loss {L.name!r} overflows float64 on {100 * big.mean():.3g}% of "
                         f"the domain {where} (for example at {at}): use a smaller --domain")


def landscape(text: str, variables=None) -> Landscape:
    """The loss a command-line LOSS names.

    ``sin`` is the catalog's ``sine`` (on the paper's [-3 pi, 3 pi]); a bare function name
    such as ``cos`` means that function of ``x``; a bare name close to a catalog name is
    refused (did you mean ...); anything else goes to :class:`Landscape`, and the result
    must be real somewhere on its domain (:func:`check_real`).
    """
    key = text.strip()
    if variables is None and key in ALIASES:
        return Landscape(ALIASES[key])
    if variables is None and key.isidentifier() and isinstance(
            getattr(sp, key, None), sp.FunctionClass):
        L = Landscape(f"{key}(x)")
    else:
        if variables is None:
            _check_name(key)
        L = Landscape(text, variables)
    check_real(L)
    return L
