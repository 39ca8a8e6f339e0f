r"""The paper's Figures 2, 3 and 4, regenerated: data (dicts of arrays, CSV) and figures.

Each figure has a ``figN_data(...)`` function that computes its numbers, a
``draw_figN(data)`` function that returns its Matplotlib figures, and ``figN(out, ...)``
that does both and writes ``figN*.<format>`` (PNG, PDF, SVG: :data:`FORMATS`) and
``figN*.csv`` into the folder ``out``, returning the data plus a JSON-ready ``summary``
(what the reproduction report, :mod:`rollingball.paper.report`, reads).  Every setting is
an argument; :data:`QUICK` holds reduced settings that regenerate all three figures in
well under a minute (the test suite uses them).  One module per figure:

* :mod:`rollingball.paper.figure2`: :math:`\Delta(\rho)` for :math:`\sin` (Section 5.1).
* :mod:`rollingball.paper.figure3`: centre trajectories on Eq. 13 (Section 5.1).
* :mod:`rollingball.paper.figure4`: gradient descent and RBO on Eq. 14 (Section 5.2).

All figures use one style file (:data:`rollingball.paper._common.STYLE`) and are drawn at
their printed size, so every font is at least 8 pt on paper.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rollingball._files import atomic_write
from rollingball.paper._common import FORMATS, STYLE, Progress, out_dir
from rollingball.paper.figure2 import draw_fig2, fig2, fig2_data, fit_loglog_slope
from rollingball.paper.figure3 import (
    FIG3_NAMES,
    FIG3_RADII,
    FIG3_VARIANTS,
    draw_fig3,
    fig3,
    fig3_data,
    offset_roughness,
)
from rollingball.paper.figure4 import (
    FIG4_RADII,
    basin_map,
    descend_to,
    draw_fig4,
    fig4,
    fig4_data,
    fig4_starts,
    global_minimiser,
)

__all__ = [
    "FULL", "QUICK", "FORMATS", "STYLE", "Progress", "fig2_data", "draw_fig2", "fig2",
    "fig3_data", "draw_fig3", "fig3", "fig4_data", "draw_fig4", "fig4", "global_minimiser",
    "descend_to", "basin_map", "fit_loglog_slope", "fig4_starts", "offset_roughness",
    "write_summary", "FIG3_VARIANTS", "FIG3_NAMES",
]

#: The paper's settings.
FULL: dict[str, dict] = {
    "fig2": dict(radii=None),
    "fig3": dict(radii=FIG3_RADII, n=100, steps=2000),
    "fig4": dict(radii=FIG4_RADII, n=1000, steps=300, starts=10, basin_grid=25),
}
#: Reduced settings for tests and previews (``rollingball paper --quick``).
QUICK: dict[str, dict] = {
    "fig2": dict(radii=np.geomspace(0.05, 100.0, 12)),
    "fig3": dict(radii=(0.03, 0.3), n=20, steps=200),
    "fig4": dict(radii=(1.0,), n=40, steps=3, starts=2, basin_grid=9),
}


def write_summary(out, summaries: dict) -> Path:
    """``summary.json`` in ``out`` (atomic): the numbers the report is generated from."""
    path = out_dir(out) / "summary.json"
    with atomic_write(path, "w") as fh:
        fh.write(json.dumps(summaries, indent=1, default=float))
    return path
