"""rollingball: the Rolling Ball Optimizer made exact, fast, visible and checkable.

Layers, one direction of flow: symbolic (:class:`Landscape`) -> numeric engine
-> geometry (offsets, reach) -> scenes and figures.
"""

from . import catalog
from .catalog import CATALOG
from .check import CheckReport, check
from .contacts import nearest_on_offset
from .curve import cusps, offset_curve, regularity, swallowtails, trimmed_offset_curve
from .distance import distance_to_graph
from .engine import roll, sweep
from .implicit import ImplicitOffset, implicit_offset
from .ironing import Ironing, StrongIroning, ironing, strong_ironing
from .landscape import RHO, Landscape
from .offset import OffsetGrid, UpperOffset, upper_offset, upper_offset_grid
from .parsing import parse_loss
from .projection import Projection, project
from .reach import (
    CriticalRadius,
    Unreachable,
    critical_radius,
    local_critical_radius,
    unreachable,
    unreachable_mask,
)
from .result import RollResult, Status

__version__ = "0.1.0"

__all__ = ["CATALOG", "RHO", "Landscape", "catalog", "parse_loss",
           "OffsetGrid", "UpperOffset", "upper_offset", "upper_offset_grid",
           "cusps", "offset_curve", "regularity", "swallowtails", "trimmed_offset_curve",
           "CriticalRadius", "Unreachable", "critical_radius", "local_critical_radius",
           "unreachable", "unreachable_mask", "ImplicitOffset", "implicit_offset",
           "Ironing", "StrongIroning", "ironing", "strong_ironing", "CheckReport", "check",
           "Projection", "project", "distance_to_graph", "nearest_on_offset",
           "roll", "sweep", "RollResult", "Status", "__version__"]
