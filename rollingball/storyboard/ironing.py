r"""Frame data of the Ironing scene (paper Figs. 2-3): offsets for growing radii and
:math:`\Delta(\rho)` of the sine.

The drawn offsets are the grey dilation of :func:`rollingball.numeric.offset.upper_offset_grid`
on the drawing grid (below the exact offset by :math:`O(h^2)`, about 5e-4 for
``weierstrass_like(n=20)`` on 4000 samples: far below a pixel).  :math:`\Delta(\rho)` and the
critical radius are the geometry layer's, unchanged:

.. math::

    \Delta(\rho) = \sup_D f_\rho - \inf_D f_\rho
    \quad(:func:`rollingball.geometry.ironing.ironing`, sup restricted to D = [-3\pi, 3\pi]),
    \qquad \rho_c = 1/\max\kappa^+ \quad(:func:`rollingball.geometry.reach.critical_radius`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rollingball.geometry import ironing as _ironing
from rollingball.geometry import reach
from rollingball.numeric.offset import upper_offset_grid
from rollingball.storyboard.options import SceneOptions, landscape_of

__all__ = ["IroningData", "ironing_data", "DELTA_LOSS"]

#: The loss of the right panel: :math:`\Delta(\rho)` is shown for the sine on its domain.
DELTA_LOSS = "sine"


@dataclass(frozen=True)
class IroningData:
    r"""Offsets of a loss for growing radii, and :math:`\Delta(\rho)` of the sine (Figs. 2-3).

    Attributes:
        xs: sample abscissae; f: the loss there.
        radii: the radii; offsets: :math:`f_\rho(x) - \rho` per radius, ``(R, M)`` (shifted
            down by rho so that every ironed curve sits on the original's scale).
        delta_rho, delta: :math:`\Delta(\rho)` of the sine on [-3 pi, 3 pi]
            (:func:`rollingball.geometry.ironing.ironing`).
        critical_radius: the sine's critical radius (1, from
            :func:`rollingball.geometry.reach.critical_radius`).
    """

    options: SceneOptions
    xs: np.ndarray
    f: np.ndarray
    radii: np.ndarray
    offsets: np.ndarray
    delta_rho: np.ndarray
    delta: np.ndarray
    critical_radius: float


def ironing_data(options: SceneOptions, samples: int | None = None,
                 delta_points: int = 36) -> IroningData:
    """Offsets of the options' loss at each radius, and Delta(rho) of ``sine`` at
    ``delta_points`` radii geometrically spaced over [0.1, 30]."""
    L = options.landscape
    lo, hi = L.domain[0]
    if samples is None:  # resolve the ripples: about 12 samples per shortest wavelength
        fs = L.feature_scale or (hi - lo) / 100
        samples = int(np.clip(12 * (hi - lo) / fs, 1200, 6000))
    radii = np.asarray(options.radius, dtype=float)
    grid = upper_offset_grid(L, radii, domain=(lo, hi), resolution=(hi - lo) / (samples - 1))
    off = grid.value - radii[:, None]
    sine = landscape_of(DELTA_LOSS)
    rr = np.geomspace(0.1, 30.0, delta_points)
    dl = _ironing.ironing(sine, rr).delta
    rc = float(reach.critical_radius(sine).radius)
    return IroningData(options, grid.axes[0], grid.f, radii, off, rr, dl, rc)
