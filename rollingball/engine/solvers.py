r"""Typed, frozen solver and projection objects: what :func:`rollingball.engine.loop.roll` runs.

A solver says *which update* a run makes and carries its hyper-parameters; each default is
written once, here (and in :mod:`rollingball.engine.baselines` for the baselines):

* graph projections (how :math:`\operatorname{proj}_\Gamma` is computed, see
  :func:`rollingball.numeric.projection.project`): :class:`Exact` (certified global),
  :class:`Newton` (local, from the current footpoint), :class:`PaperProjection` (the paper's
  ``steps`` gradient steps of size ``gamma``);
* ball solvers, each with a ``projection``: :class:`OffsetRBO` (the offset-keeping RBO, the
  default), :class:`Alg1` (the paper's Algorithm 1), :class:`Tangent` (Section 3.2);
* baselines: :class:`~rollingball.engine.baselines.GD`,
  :class:`~rollingball.engine.baselines.Momentum`, :class:`~rollingball.engine.baselines.Adam`,
  :class:`~rollingball.engine.baselines.SAM`.

:data:`SOLVERS` and :data:`PROJECTIONS` are the one registry of method and projection names;
:func:`make_solver` is the thin constructor behind the string shortcuts
(``method="alg1", projection="paper", gamma=0.05``), and :func:`solver_spec` /
:func:`solver_from_spec` write a solver as JSON-able data and read it back.

>>> make_solver("alg1", projection="paper", gamma=0.1)
Alg1(projection=PaperProjection(gamma=0.1, steps=20))
>>> make_solver("rbo") == OffsetRBO()
True
>>> solver_from_spec(solver_spec(Momentum(beta=0.5)))
Momentum(beta=0.5)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from rollingball.engine.baselines import BASELINES, GD, SAM, Adam, Baseline, Momentum

__all__ = ["Exact", "Newton", "PaperProjection", "GraphProjection", "BallSolver", "OffsetRBO",
           "Alg1", "Tangent", "GD", "Momentum", "Adam", "SAM", "Solver", "SOLVERS",
           "PROJECTIONS", "METHODS", "BALL_METHODS", "make_solver", "solver_spec",
           "solver_from_spec", "as_solver"]


# ============================================================================ projections
class GraphProjection:
    """What every graph projection shares: its name and the options of
    :func:`rollingball.numeric.projection.project` it stands for."""

    name: ClassVar[str]

    def options(self) -> dict[str, Any]:
        """Keyword options of :func:`~rollingball.numeric.projection.project`."""
        return {"method": self.name}


@dataclass(frozen=True)
class Exact(GraphProjection):
    """The certified global projection (window scan in 1-D, lattice seeds in d-D)."""

    name: ClassVar[str] = "exact"


@dataclass(frozen=True)
class Newton(GraphProjection):
    """Damped Newton on the stationarity condition, from the current footpoint (local)."""

    name: ClassVar[str] = "newton"


@dataclass(frozen=True)
class PaperProjection(GraphProjection):
    r"""The paper's projection: ``steps`` gradient steps of size ``gamma`` from the footpoint,

    .. math::  u_{j+1} = u_j - \gamma\,\big[(u_j - a) + (f(u_j) - b)\,\nabla f(u_j)\big].

    Args:
        gamma: the step size :math:`\gamma > 0` (``gamma=``).
        steps: the number of steps :math:`P \ge 1` (``proj_steps=``).
    """

    gamma: float = 0.05
    steps: int = 20
    name: ClassVar[str] = "paper"

    def __post_init__(self) -> None:
        if isinstance(self.gamma, bool) or not (np.isfinite(self.gamma) and self.gamma > 0):
            raise ValueError(f"gamma must be positive, got {self.gamma}")
        if isinstance(self.steps, bool) or not (isinstance(self.steps, int | np.integer)
                                                and self.steps >= 1):
            raise ValueError(f"proj_steps must be a positive integer, got {self.steps!r}")
        object.__setattr__(self, "steps", int(self.steps))

    def options(self) -> dict[str, Any]:
        return {"method": self.name, "gamma": self.gamma, "steps": self.steps}


#: The graph projections by name.
PROJECTIONS: dict[str, type[GraphProjection]] = {
    c.name: c for c in (Exact, Newton, PaperProjection)}


# ============================================================================ ball solvers
@dataclass(frozen=True)
class BallSolver:
    """A rolling-ball method: a centre at distance :math:`\\rho` from its footpoint.

    Args:
        projection: the graph projection of the step (default :class:`Exact`).
    """

    projection: GraphProjection = Exact()
    name: ClassVar[str]

    def __post_init__(self) -> None:
        if not isinstance(self.projection, GraphProjection):
            raise ValueError(f"projection must be one of {', '.join(PROJECTIONS)} or an "
                             f"object such as Exact(), got {self.projection!r}")


@dataclass(frozen=True)
class OffsetRBO(BallSolver):
    r"""The offset-keeping RBO: :math:`c_{t+1} = \operatorname{proj}_{\Gamma_\rho}(c_t -
    \eta\tau(p_t))`, the centre kept on the offset (``method="rbo"``, the default)."""

    name: ClassVar[str] = "rbo"


@dataclass(frozen=True)
class Alg1(BallSolver):
    r"""The paper's Algorithm 1: :math:`p_{t+1} = \operatorname{proj}_\Gamma(c_t -
    \eta\tau(p_t))`, :math:`c_{t+1} = p_{t+1} + \rho\nu(p_{t+1})` (``method="alg1"``)."""

    name: ClassVar[str] = "alg1"


@dataclass(frozen=True)
class Tangent(BallSolver):
    r"""The Section 3.2 variant: the centre moves along the tangent line,
    :math:`c_{t+1} = c_t + \delta_t` (``method="tangent"``)."""

    name: ClassVar[str] = "tangent"


Solver = BallSolver | Baseline

#: Every solver by method name: the ball solvers, then the baselines.
SOLVERS: dict[str, type] = {**{c.name: c for c in (OffsetRBO, Alg1, Tangent)}, **BASELINES}
#: Every method name :func:`~rollingball.engine.loop.roll` knows.
METHODS: tuple[str, ...] = tuple(SOLVERS)
#: The methods whose runs carry a ball (a centre on the offset).
BALL_METHODS: tuple[str, ...] = tuple(n for n, c in SOLVERS.items() if issubclass(c, BallSolver))

# the hyper-parameter shortcuts of roll and the CLI: shortcut -> (owner, field)
_SHORTCUTS = {"gamma": ("paper", "gamma"), "proj_steps": ("paper", "steps"),
              "momentum": ("momentum", "beta"), "betas": ("adam", "betas"),
              "sam_radius": ("sam", "radius")}


def make_solver(method: str = "rbo", projection: str | GraphProjection | None = None,
                **shortcuts: Any) -> Solver:
    """The solver object the string shortcuts stand for.

    Args:
        method: one of :data:`METHODS`.
        projection: one of :data:`PROJECTIONS` or a projection object (ball methods only;
            default :class:`Exact`).
        shortcuts: ``gamma``, ``proj_steps`` (with ``projection="paper"``), ``momentum``,
            ``betas``, ``sam_radius`` (with their baselines); None means the default.

    Returns:
        e.g. ``make_solver("alg1", "paper", gamma=0.1)`` is
        ``Alg1(projection=PaperProjection(gamma=0.1))``.
    """
    if method not in SOLVERS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    unknown = set(shortcuts) - set(_SHORTCUTS)
    if unknown:
        raise TypeError(f"unknown solver option(s) {', '.join(sorted(unknown))}")
    given = {k: v for k, v in shortcuts.items() if v is not None}
    cls = SOLVERS[method]
    if issubclass(cls, Baseline):
        if projection is not None:
            raise ValueError(f"projection does not apply to the baseline {method!r}")
        owner = method
    else:
        if projection is None:
            projection = Exact.name
        if isinstance(projection, str):
            if projection not in PROJECTIONS:
                raise ValueError(f"unknown projection {projection!r}; "
                                 f"choose one of {', '.join(PROJECTIONS)}")
            owner = projection
        else:
            owner = getattr(projection, "name", None)
    kw = {}
    for key, value in given.items():
        who, field_name = _SHORTCUTS[key]
        if who != owner:
            raise ValueError(f"{key} applies to {who!r} only, not to method={method!r}"
                             + (f", projection={owner!r}" if issubclass(cls, BallSolver)
                                else ""))
        kw[field_name] = value
    if issubclass(cls, Baseline):
        return cls(**kw)
    if isinstance(projection, str):
        projection = PROJECTIONS[projection](**kw)
    elif kw:
        raise ValueError("give the projection's parameters in the projection object")
    return cls(projection=projection)


def solver_spec(solver: Solver) -> dict[str, Any]:
    """The solver as plain data (names and numbers), e.g. ``{"method": "alg1",
    "projection": {"name": "paper", "gamma": 0.05, "steps": 20}}``."""
    out: dict[str, Any] = {"method": solver.name}
    for f in fields(solver):
        value = getattr(solver, f.name)
        if isinstance(value, GraphProjection):
            value = {"name": value.name, **{g.name: getattr(value, g.name)
                                            for g in fields(value)}}
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def solver_from_spec(spec: dict[str, Any]) -> Solver:
    """The inverse of :func:`solver_spec`."""
    spec = dict(spec)
    method = spec.pop("method")
    if method not in SOLVERS:
        raise ValueError(f"unknown method {method!r} in a solver spec")
    cls = SOLVERS[method]
    kw = {}
    for key, value in spec.items():
        if isinstance(value, dict):
            value = dict(value)
            name = value.pop("name")
            if name not in PROJECTIONS:
                raise ValueError(f"unknown projection {name!r} in a solver spec")
            value = PROJECTIONS[name](**value)
        elif isinstance(value, list):
            value = tuple(value)
        kw[key] = value
    return cls(**kw)


def as_solver(solver: Solver) -> Solver:
    """``solver`` itself when it is one of :data:`SOLVERS`' objects, else a ``ValueError``."""
    if not isinstance(solver, tuple(SOLVERS.values())):
        raise ValueError(f"solver must be a solver object such as OffsetRBO() or GD(), got "
                         f"{solver!r}")
    return solver
