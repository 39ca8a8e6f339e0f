r"""Scales of a landscape: its feature scale (the shortest bump wavelength) and the default
sample spacings the numeric layer derives from it.

Every numeric module that samples a landscape (the graph projection, the distance referee, the
offset) asks this module for its length scale, so that one landscape has one notion of "how
fine is fine enough".
"""

from __future__ import annotations

import weakref

import numpy as np
import sympy as sp

from rollingball.symbolic.compiled import vectorize
from rollingball.symbolic.landscape import Landscape

__all__ = ["feature_scale", "default_resolution"]

_SCALES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feature_scale(landscape: Landscape) -> float:
    r"""The shortest bump wavelength of a landscape: ``landscape.feature_scale`` when set.

    Otherwise estimated (and cached) over a sample of the domain, axis by axis, as the
    wavelength of a sinusoid with the same ratio of third to second derivative sizes:

    .. math::  \ell = \min_i 2\pi\,\frac{\operatorname{RMS}|\partial_i^2 f|}
                                      {\operatorname{RMS}|\partial_i^3 f|}

    (for :math:`\sin(kx)` this is exactly :math:`2\pi/k`).  Returns ``inf`` when the third
    derivatives vanish (a quadratic has no bumps).
    """
    L = Landscape(landscape)
    if L.feature_scale is not None:
        return float(L.feature_scale)
    if L in _SCALES:
        return _SCALES[L]
    rng = np.random.default_rng(0)
    lo = np.array([d[0] for d in L.domain])
    hi = np.array([d[1] for d in L.domain])
    pts = lo + (hi - lo) * rng.random((4096, L.dim))
    exprs = []
    for v in L.variables:
        second = sp.diff(L.expr, v, 2)
        exprs += [second, sp.diff(second, v)]
    fn = vectorize(list(L.variables), exprs, L.data)
    vals = fn(*[pts[:, i] for i in range(L.dim)])
    best = np.inf
    for i in range(L.dim):
        s2 = np.sqrt(np.mean(vals[2 * i] ** 2))
        s3 = np.sqrt(np.mean(vals[2 * i + 1] ** 2))
        if s3 > 1e-12 * max(s2, 1e-300) and np.isfinite(s3) and s2 > 0:
            best = min(best, 2 * np.pi * s2 / s3)
    _SCALES[L] = float(best)
    return float(best)


def default_resolution(landscape: Landscape) -> float:
    """The largest sample spacing (in parameter units) the numeric offsets use by default.

    A 40th of the landscape's feature scale when it has one, else a 400th of the
    narrowest side of its domain (at most 0.05).
    """
    L = landscape
    if L.feature_scale is not None:
        return float(L.feature_scale) / 40.0
    width = min(hi - lo for lo, hi in L.domain)
    return float(min(0.05, width / 400.0))
