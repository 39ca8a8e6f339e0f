"""The engine: the solvers (offset-keeping RBO, Algorithm 1, Section 3.2, baselines), the
loop that runs a batch of balls, and the result with its I/O.

- :mod:`~rollingball.engine.solvers`: the typed, frozen solver and projection objects and the
  one registry of method and projection names (:mod:`~rollingball.engine.baselines`: the
  baseline update rules);
- :mod:`~rollingball.engine.inputs`: starts, schedules, the domain, :func:`starts_by_radius`;
- :mod:`~rollingball.engine.recorder`: the per-step record, the status test, progress;
- :mod:`~rollingball.engine.loop`: :func:`roll`;
- :mod:`~rollingball.engine.result`: :class:`RollResult` and its files.

Imports only from :mod:`rollingball.symbolic` and :mod:`rollingball.numeric` (the offset
projection is :mod:`rollingball.numeric.offset_projection`).
"""
