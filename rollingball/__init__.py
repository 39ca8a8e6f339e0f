"""rollingball: the Rolling Ball Optimizer made exact, fast, visible and checkable.

Layers, one direction of flow: symbolic (:class:`Landscape`) -> numeric engine
-> geometry (offsets, reach) -> scenes and figures.
"""

from rollingball.engine.loop import roll, sweep
from rollingball.engine.result import RollResult, Status
from rollingball.geometry.check import CheckReport, check
from rollingball.geometry.curve import (
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
from rollingball.numeric.contacts import nearest_on_offset
from rollingball.numeric.distance import distance_to_graph
from rollingball.numeric.offset import OffsetGrid, UpperOffset, upper_offset, upper_offset_grid
from rollingball.numeric.projection import Projection, project
from rollingball.symbolic import catalog
from rollingball.symbolic.catalog import CATALOG
from rollingball.symbolic.implicit import ImplicitOffset, implicit_offset
from rollingball.symbolic.landscape import RHO, Landscape
from rollingball.symbolic.parsing import parse_loss

__version__ = "0.1.0"

__all__ = ["CATALOG", "RHO", "Landscape", "catalog", "parse_loss",
           "OffsetGrid", "UpperOffset", "upper_offset", "upper_offset_grid",
           "cusps", "offset_curve", "regularity", "swallowtails", "trimmed_offset_curve",
           "CriticalRadius", "Unreachable", "critical_radius", "local_critical_radius",
           "unreachable", "unreachable_mask", "ImplicitOffset", "implicit_offset",
           "Ironing", "StrongIroning", "ironing", "strong_ironing", "CheckReport", "check",
           "Projection", "project", "distance_to_graph", "nearest_on_offset",
           "roll", "sweep", "RollResult", "Status", "__version__"]
