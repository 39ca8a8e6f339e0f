"""Studies: sweeps of the radius over many starts (on Dask), their storage and phase diagrams.

Layer ``study``: imports symbolic, numeric, engine, geometry and paper, nothing above.

* :func:`sweep` -- run (or resume) a grid ``method x schedule x radius x lr`` from many starts,
  stored cell by cell in a Zarr store (:mod:`rollingball.study.sweep`);
* :func:`binomial_ci` -- Wilson and Clopper-Pearson intervals of basin fractions;
* :func:`phase_diagrams` -- the plots of a stored sweep (:mod:`rollingball.study.phase`);
* :func:`fig4_study` -- the docs' study of Fig. 4's landscape (:mod:`rollingball.study.fig4`).
"""

from rollingball.study.grid import (
    METHOD_NAMES,
    SCHEDULES,
    RadiusSchedule,
    basin_minimiser,
    in_basin,
    sample_starts,
)
from rollingball.study.stats import binomial_ci
from rollingball.study.sweep import SweepSpec, estimate, open_sweep, rerun_cell, sweep

__all__ = ["sweep", "estimate", "open_sweep", "rerun_cell", "SweepSpec", "binomial_ci",
           "RadiusSchedule", "SCHEDULES", "METHOD_NAMES", "sample_starts", "basin_minimiser",
           "in_basin"]
