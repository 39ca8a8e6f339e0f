r"""Scales of a landscape: its feature scale (the shortest bump wavelength) and the single
resolution policy of the numeric layer.

``resolution`` has one meaning everywhere: the sample spacing, in parameter units, of a
module's search grid.  Every default is a fraction of the feature scale :math:`\ell` and is
written here once:

- graph projection, 1-D window scan: :math:`\ell/16` (:func:`projection_resolution`;
  without bumps :math:`2^{\lfloor\log_2(w/256)\rfloor}`);
- graph projection, d-D seed lattice: 16/5 of the scan's (:func:`projection_lattice_spacing`);
- distance referee, 1-D grid: :math:`\ell/32` (:func:`referee_resolution`; without bumps
  :math:`2^{\lfloor\log_2(w/512)\rfloor}`);
- distance referee, d-D lattice: 8 times its grid's (:func:`referee_lattice_spacing`);
- upper offset :math:`f_\rho` and its grid: :math:`\ell/40` when the landscape states
  :math:`\ell`, else :math:`\min(0.05, w_{\min}/400)` (:func:`default_resolution`);
- projection onto the offset: :math:`\min(0.05, \ell/16)`
  (:func:`offset_projection_resolution`);
- the local reach's 1-D curvature scan: a quarter of the offset's
  (:func:`curvature_scan_spacing`).

(:math:`w` is the first side of the landscape's domain, :math:`w_{\min}` its narrowest; a
power of two keeps the cached tables of different calls shared.)
"""

from __future__ import annotations

import weakref

import numpy as np

from rollingball.symbolic.landscape import Landscape

__all__ = [
    "feature_scale",
    "projection_resolution",
    "projection_lattice_spacing",
    "referee_resolution",
    "referee_lattice_spacing",
    "default_resolution",
    "offset_projection_resolution",
    "curvature_scan_spacing",
    "PROJECTION_SAMPLES",
    "PROJECTION_LATTICE_SAMPLES",
    "REFEREE_SAMPLES",
    "REFEREE_LATTICE_SAMPLES",
    "OFFSET_SAMPLES",
    "MAX_OFFSET_RESOLUTION",
    "CURVATURE_REFINEMENT",
]

#: Samples per shortest bump wavelength of the graph projection's 1-D window scan.
PROJECTION_SAMPLES = 16
#: Lattice points per shortest bump wavelength that seed the d-D graph projection.
PROJECTION_LATTICE_SAMPLES = 5
#: Samples per shortest bump wavelength of the distance referee's 1-D grid (twice the
#: projection's density).
REFEREE_SAMPLES = 32
#: Lattice points per shortest bump wavelength of the referee's d-D look (its
#: Levenberg-Marquardt polish converges from anywhere inside the right bump).
REFEREE_LATTICE_SAMPLES = 4
#: Samples per shortest bump wavelength of the upper offset's search.
OFFSET_SAMPLES = 40
#: The largest default spacing of the offsets (parameter units).
MAX_OFFSET_RESOLUTION = 0.05
#: The local reach's curvature scan is this many times finer than the offset's spacing.
CURVATURE_REFINEMENT = 4

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
    vals = L.axis_derivatives_at(L.as_input(pts))  # (n, d, 2)
    best = np.inf
    for i in range(L.dim):
        s2 = np.sqrt(np.mean(vals[:, i, 0] ** 2))
        s3 = np.sqrt(np.mean(vals[:, i, 1] ** 2))
        if s3 > 1e-12 * max(s2, 1e-300) and np.isfinite(s3) and s2 > 0:
            best = min(best, 2 * np.pi * s2 / s3)
    _SCALES[L] = float(best)
    return float(best)


def _power_of_two_below(L: Landscape, parts: int) -> float:
    lo, hi = L.domain[0]
    return float(2.0 ** np.floor(np.log2((hi - lo) / parts)))


def projection_resolution(landscape: Landscape) -> float:
    r"""The graph projection's default 1-D scan spacing: :math:`\ell/16`.

    Without bumps (:math:`\ell = \infty`) a 256th of the domain's first side, rounded down to
    a power of two.
    """
    L = Landscape(landscape)
    ell = feature_scale(L)
    if np.isfinite(ell):
        return float(ell / PROJECTION_SAMPLES)
    return _power_of_two_below(L, 256)


def projection_lattice_spacing(landscape: Landscape, resolution: float | None = None) -> float:
    """The d-D graph projection's seed lattice spacing: the scan spacing (``resolution``,
    default :func:`projection_resolution`) times 16/5 (:math:`\\ell/5` by default; never a
    power-of-2 multiple of the referee's :math:`\\ell/4` lattice)."""
    h = projection_resolution(landscape) if resolution is None else float(resolution)
    return h * PROJECTION_SAMPLES / PROJECTION_LATTICE_SAMPLES


def referee_resolution(landscape: Landscape) -> float:
    r"""The distance referee's default 1-D grid spacing: :math:`\ell/32`.

    Without bumps a 512th of the domain's first side, rounded down to a power of two (so
    its tables are reused).
    """
    L = Landscape(landscape)
    ell = feature_scale(L)
    if np.isfinite(ell):
        return float(ell / REFEREE_SAMPLES)
    return _power_of_two_below(L, 512)


def referee_lattice_spacing(resolution: float) -> float:
    r"""The referee's d-D lattice spacing for a grid spacing ``resolution``: 32/4 of it
    (:math:`\ell/4` by default)."""
    return float(resolution) * REFEREE_SAMPLES / REFEREE_LATTICE_SAMPLES


def default_resolution(landscape: Landscape) -> float:
    r"""The upper offset's default sample spacing (its search and its grid).

    :math:`\ell/40` when the landscape states its feature scale :math:`\ell`, else a 400th
    of the narrowest side of its domain, at most 0.05 (:data:`MAX_OFFSET_RESOLUTION`).
    """
    L = landscape
    if L.feature_scale is not None:
        return float(L.feature_scale) / OFFSET_SAMPLES
    width = min(hi - lo for lo, hi in L.domain)
    return float(min(MAX_OFFSET_RESOLUTION, width / 400.0))



def offset_projection_resolution(landscape: Landscape, resolution: float | None = None) -> float:
    r"""The projection onto the offset's sample spacing: ``resolution``, else
    :math:`\min(0.05, \ell/16)` (the graph projection's density, capped)."""
    if resolution is not None:
        return float(resolution)
    return float(min(MAX_OFFSET_RESOLUTION, feature_scale(landscape) / PROJECTION_SAMPLES))


def curvature_scan_spacing(landscape: Landscape, resolution: float | None = None) -> float:
    """The local reach's 1-D curvature scan spacing: a quarter
    (:data:`CURVATURE_REFINEMENT`) of ``resolution``, default :func:`default_resolution`."""
    h = default_resolution(landscape) if resolution is None else float(resolution)
    return h / CURVATURE_REFINEMENT
