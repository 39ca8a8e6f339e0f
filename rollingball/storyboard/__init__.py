r"""Frame data for the Manim scenes, computed from the engine and the geometry layer.

The scenes in ``scenes/`` (``rollingball.scenes`` in the wheel) draw; this package computes.
It never imports Manim, and it holds no geometry of its own: every position a scene shows
comes from :func:`rollingball.engine.loop.roll` (trajectories),
:func:`rollingball.numeric.offset.upper_offset` (the ironed landscape :math:`f_\rho` and the
contact of a ball resting at a given horizontal position), :mod:`rollingball.geometry.ironing`
(:math:`\Delta(\rho)`) and :mod:`rollingball.geometry.reach` (critical radii, unreachable arcs):

.. math::

    c_t = p_t + \rho\,\nu(p_t),\qquad
    \tilde c_{t+1} = c_t - \eta\,\tau(p_t),\qquad
    p_{t+1} = \operatorname{proj}_\Gamma \tilde c_{t+1}\qquad\text{(paper Eqs. 6-8)}.

Modules: :mod:`~rollingball.storyboard.options` (the scene registry, defaults and option
checks), :mod:`~rollingball.storyboard.paths` (engine access, a ball placed on the offset),
and one module per scene's data (``rolling_ball``, ``update_step``, ``ironing``,
``unreachable``, ``exploration``, ``rolling_3d``).
"""

from rollingball.storyboard.exploration import ExplorationData, exploration_data, nearby_starts
from rollingball.storyboard.ironing import IroningData, ironing_data
from rollingball.storyboard.options import (
    ENV_OPTIONS,
    SCENE_DEFAULTS,
    SCENES,
    SceneOptions,
    landscape_of,
    resolve_options,
)
from rollingball.storyboard.paths import (
    Trajectory,
    ball_at,
    contact_jumps,
    paced_steps,
    roll_path,
    step_and_weight,
)
from rollingball.storyboard.rolling_3d import Rolling3DData, rolling_3d_data
from rollingball.storyboard.rolling_ball import RollingBallData, rolling_ball_data
from rollingball.storyboard.unreachable import UnreachableData, unreachable_data
from rollingball.storyboard.update_step import UpdateStepData, update_step_data

__all__ = [
    "ENV_OPTIONS",
    "ExplorationData",
    "IroningData",
    "Rolling3DData",
    "RollingBallData",
    "SCENES",
    "SCENE_DEFAULTS",
    "SceneOptions",
    "Trajectory",
    "UnreachableData",
    "UpdateStepData",
    "ball_at",
    "contact_jumps",
    "exploration_data",
    "ironing_data",
    "landscape_of",
    "nearby_starts",
    "paced_steps",
    "resolve_options",
    "roll_path",
    "rolling_3d_data",
    "rolling_ball_data",
    "step_and_weight",
    "unreachable_data",
    "update_step_data",
]
