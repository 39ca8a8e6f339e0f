r"""What the parts of the offset projection share: the graph they work on and the tolerances.

:class:`OffsetGraph` holds the (scaled) graph :math:`\Gamma` of :math:`\lambda f`, the sample
spacings of its exact projection and of its exact offset :math:`f_\rho`, and the options of
the graph projection a step uses; its methods are the handful of graph operations every part
needs, in the batch layout ``theta (n, d)``, points ``(n, d+1)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rollingball.numeric.offset import UpperOffset, upper_offset
from rollingball.numeric.projection import Projection, project
from rollingball.symbolic.landscape import Landscape
from rollingball.symbolic.scales import offset_projection_resolution

__all__ = ["OffsetGraph", "REACH_TOL", "TIE_TOL", "ND_OTHERS"]

#: A centre is accepted when its global distance is at least rho - REACH_TOL (1 + |height|).
REACH_TOL = 1e-11
#: One-sided derivative ties (relative) under which two contacts count as two.
TIE_TOL = 1e-13
#: Other contacts kept per ball in d-D (seeds of the next step's contact solver).
ND_OTHERS = 3


@dataclass(frozen=True, eq=False)
class OffsetGraph:
    """The graph an offset projection works on.

    Args:
        landscape: the (already scaled) loss whose graph is :math:`\\Gamma`.
        resolution: sample spacing of the exact projection (None: its own default).
        step: keyword options of :func:`rollingball.numeric.projection.project` for the
            graph projection of a step (``method``, and ``gamma``, ``steps`` for
            ``"paper"``); the reachability tests always use the exact projection.
    """

    landscape: Landscape
    resolution: float | None = None
    step: Mapping[str, Any] = field(default_factory=lambda: {"method": "exact"})
    offset_res: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "offset_res",
                           offset_projection_resolution(self.landscape, self.resolution))

    @property
    def d(self) -> int:
        """The parameter dimension."""
        return self.landscape.dim

    def as_theta(self, arr) -> np.ndarray:
        """A result's horizontal points ((n,) in 1-D, or (n, d)) as (n, d)."""
        arr = np.asarray(arr, dtype=float)
        return arr[:, None] if self.d == 1 and arr.ndim == 1 else arr

    def project(self, cand: np.ndarray, warm: np.ndarray) -> Projection:
        """The step's projection of the candidates (n, d+1) onto the graph, from ``warm``."""
        return project(self.landscape, cand, warm=warm, resolution=self.resolution, scale=1.0,
                       **self.step)

    def exact_distance(self, pts: np.ndarray, warm: np.ndarray):
        """Distance from ``pts`` to the graph by the exact (global) projection, and its theta."""
        pr = project(self.landscape, pts, method="exact", warm=warm, resolution=self.resolution)
        return (np.asarray(pr.distance, dtype=float),
                np.asarray(pr.theta, dtype=float).reshape(pts.shape[0], self.d))

    def offset(self, x: np.ndarray, rho: np.ndarray, resolution: float | None = None
               ) -> UpperOffset:
        """The exact upper offset of the graph at horizontal points ``x`` (n, d), sampled at
        ``resolution`` (default :attr:`offset_res`)."""
        L = self.landscape
        h = self.offset_res if resolution is None else resolution
        return upper_offset(L, L.as_input(x), rho, resolution=h, tie_tol=TIE_TOL)

    def lift(self, theta: np.ndarray) -> np.ndarray:
        """(n, d) -> the graph points (theta, lambda f(theta)) (n, d+1)."""
        L = self.landscape
        return np.concatenate([theta, L.f(L.as_input(theta))[:, None]], axis=1)

    def normal(self, theta: np.ndarray) -> np.ndarray:
        """The upward unit normals at ``theta`` (n, d+1) (paper Eq. 1)."""
        return self.landscape.normal_at(self.landscape.as_input(theta))

    def tangent(self, theta: np.ndarray) -> np.ndarray:
        """The lifted gradients at ``theta`` (n, d+1) (paper Eq. 2)."""
        return self.landscape.tangent_at(self.landscape.as_input(theta))

    def contacts(self, off: UpperOffset, ref: np.ndarray) -> np.ndarray:
        """Of the (one or two) contacts of each offset point, the one nearer ``ref`` (n, d)."""
        q1 = self.as_theta(off.contact)
        q2 = self.as_theta(off.contact2)
        two = np.asarray(off.n_contacts) >= 2
        d1 = np.linalg.norm(q1 - ref, axis=1)
        d2 = np.where(two, np.linalg.norm(np.where(np.isfinite(q2), q2, 0.0) - ref, axis=1),
                      np.inf)
        return np.where((d2 < d1)[:, None], q2, q1)
