"""rollingball: the Rolling Ball Optimizer made exact, fast, visible and checkable.

The public names, re-exported from the layer subpackages (see ``docs/architecture.md`` and
:mod:`rollingball._layers`; imports go only down this list)::

    base -> symbolic -> numeric -> engine -> geometry -> paper -> notebook -> study
        -> storyboard -> cli

- :mod:`rollingball.symbolic`: :class:`Landscape` (the exact loss and its geometry), the
  catalog of named losses, the parser, implicit offsets;
- :mod:`rollingball.numeric`: the projection onto the graph, the independent distance
  referee, the upper offset :math:`f_\\rho`;
- :mod:`rollingball.engine`: :func:`roll` and its :class:`RollResult`;
- :mod:`rollingball.geometry`: reach and critical radii, ironing, offset curves, and
  :func:`check` (a run against the exact geometry);
- :mod:`rollingball.notebook`: :func:`animate`, a run as a Matplotlib animation for Jupyter.

Everything else (the contact SQP, the lattices, the window searches, the scene data) is
reached through its module.
"""

from rollingball.engine.loop import roll
from rollingball.engine.result import RollResult, Status
from rollingball.engine.solvers import (
    GD,
    SAM,
    Adam,
    Alg1,
    Exact,
    Momentum,
    Newton,
    OffsetRBO,
    PaperProjection,
    Tangent,
)
from rollingball.geometry.check import CheckReport, check
from rollingball.geometry.curve import (
    Swallowtails,
    cusps,
    offset_curve,
    regularity,
    swallowtails,
    trimmed_offset_curve,
)
from rollingball.geometry.ironing import Ironing, StrongIroning, ironing, strong_ironing
from rollingball.geometry.reach import (
    CriticalRadius,
    Unreachable,
    critical_radius,
    local_critical_radius,
    unreachable,
    unreachable_mask,
)
from rollingball.notebook import animate
from rollingball.numeric.distance import GraphDistance, distance_to_graph
from rollingball.numeric.offset import OffsetGrid, UpperOffset, upper_offset, upper_offset_grid
from rollingball.numeric.projection import Projection, project
from rollingball.study import open_sweep, sweep
from rollingball.symbolic import catalog
from rollingball.symbolic.catalog import CATALOG
from rollingball.symbolic.implicit import ImplicitOffset, implicit_offset
from rollingball.symbolic.landscape import RHO, Landscape
from rollingball.symbolic.parsing import parse_loss

# ``__all__`` below stays sorted (tests/test_layers.py checks it).

__version__ = "0.1.0"

__all__ = [
    "Adam",
    "Alg1",
    "CATALOG",
    "CheckReport",
    "CriticalRadius",
    "Exact",
    "GD",
    "GraphDistance",
    "ImplicitOffset",
    "Ironing",
    "Landscape",
    "Momentum",
    "Newton",
    "OffsetGrid",
    "OffsetRBO",
    "PaperProjection",
    "Projection",
    "RHO",
    "RollResult",
    "SAM",
    "Status",
    "StrongIroning",
    "Swallowtails",
    "Tangent",
    "Unreachable",
    "UpperOffset",
    "__version__",
    "animate",
    "catalog",
    "check",
    "critical_radius",
    "cusps",
    "distance_to_graph",
    "implicit_offset",
    "ironing",
    "local_critical_radius",
    "offset_curve",
    "open_sweep",
    "parse_loss",
    "project",
    "regularity",
    "roll",
    "strong_ironing",
    "swallowtails",
    "sweep",
    "trimmed_offset_curve",
    "unreachable",
    "unreachable_mask",
    "upper_offset",
    "upper_offset_grid",
]
