r"""Scene options and the registry of scenes: which scenes exist, their defaults, one check.

Options (:class:`SceneOptions`) are resolved per scene by :func:`resolve_options` from
:data:`SCENE_DEFAULTS`, then the JSON object in the environment variable
``ROLLINGBALL_SCENE_OPTIONS`` (so that plain ``manim`` renders can be configured too), then
keyword overrides (a scene's constructor or class parameter ``options``, or
``rollingball render``'s flags).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rollingball.symbolic.landscape import Landscape

__all__ = ["ENV_OPTIONS", "SCENES", "SCENE_DEFAULTS", "SceneOptions", "resolve_options",
           "landscape_of"]

#: Environment variable holding a JSON object of scene options (read by :func:`resolve_options`).
ENV_OPTIONS = "ROLLINGBALL_SCENE_OPTIONS"

#: Scene name -> module of ``scenes/`` (``rollingball.scenes`` in the wheel) defining it.
SCENES: dict[str, str] = {
    "RollingBall": "rolling_ball",
    "UpdateStep": "update_step",
    "Ironing": "ironing",
    "Unreachable": "unreachable",
    "Exploration": "exploration",
    "RollingBall3D": "rolling_ball_3d",
}

#: Default options of every scene (see :class:`SceneOptions`).
SCENE_DEFAULTS: dict[str, dict[str, Any]] = {
    "RollingBall": dict(loss="bumpy_bowl", radius=(2.0,), lr=0.05, steps=200, starts=(4.0,),
                        duration=10.0),
    "UpdateStep": dict(loss="x^2/2", radius=(0.6,), lr=0.45, steps=1, starts=(1.6,),
                       duration=1.0),
    "Ironing": dict(loss="weierstrass_like:n=20", radius=(0.02, 0.05, 0.1, 0.2, 0.4, 0.8),
                    lr=0.001, steps=1, starts=(2.0,), duration=1.0),
    "Unreachable": dict(loss="sine", radius=(0.5, 1.0, 1.5, 2.5), lr=0.01, steps=1,
                        starts=(0.0,), duration=1.0),
    # The paper's Fig. 4: its wells (Eq. 14, 1000 wells, sigma 0.1), its learning rate and
    # start, one small radius (stuck: <= 3) and one large (crosses: >= 4) of its radii 1-5;
    # 60 of its 300 steps.  The data take 37 s, the low-quality render 55 s on 2 shared cores
    # (the fast 2-D RBO; 143 s of data before it).
    "Exploration": dict(loss="gaussian_wells", radius=(1.0, 4.0), lr=0.01, steps=60,
                        starts=((2.0, -1.5),), duration=6.0),
    "RollingBall3D": dict(loss="(x^2 + y^2)/8 + cos(2*x)*cos(2*y)/4", radius=(0.6,), lr=0.05,
                          steps=120, starts=((2.3, 1.7),), duration=8.0),
}

#: The dimension of the loss each scene needs.
SCENE_DIM: dict[str, int] = {name: 2 if name in ("Exploration", "RollingBall3D") else 1
                             for name in SCENES}

_LANDSCAPES: dict[str, Landscape] = {}


def landscape_of(loss: str) -> Landscape:
    """The :class:`~rollingball.symbolic.landscape.Landscape` of ``loss``, built once per string."""
    if loss not in _LANDSCAPES:
        _LANDSCAPES[loss] = Landscape(loss)
    return _LANDSCAPES[loss]


@dataclass(frozen=True)
class SceneOptions:
    """The options every scene takes.

    Attributes:
        scene: the scene's name.
        loss: a named loss or a formula (see :class:`~rollingball.symbolic.landscape.Landscape`).
        radius: one or more ball radii rho > 0.
        lr: the learning rate eta > 0.
        steps: the number of engine steps T >= 1.
        starts: the initial points: floats for a 1-D loss, (x, y) pairs for a 2-D one.
        duration: seconds of the main animation (scaled by the scene's pacing).
        extra: scene-specific extras, passed through.
    """

    scene: str
    loss: str
    radius: tuple[float, ...]
    lr: float
    steps: int
    starts: tuple
    duration: float = 1.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def landscape(self) -> Landscape:
        """The loss as a :class:`~rollingball.symbolic.landscape.Landscape` (one per loss)."""
        return landscape_of(self.loss)

    def starts_array(self, dim: int) -> np.ndarray:
        """The starts as an ``(N, dim)`` array; ``ValueError`` if their size is not ``dim``."""
        if dim == 1 and any(isinstance(s, tuple) and len(s) != 1 for s in self.starts):
            raise ValueError(f"starts of a 1-D loss must be numbers, got {self.starts!r}")
        arr = np.asarray(self.starts, dtype=float)
        if dim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[1] != dim:
            raise ValueError(f"starts of a {dim}-D loss must be {dim} number(s) each, "
                             f"got {self.starts!r}")
        return arr


def _env_layer() -> Mapping[str, Any] | None:
    env = os.environ.get(ENV_OPTIONS, "").strip()
    if not env:
        return None
    try:
        parsed = json.loads(env)
    except json.JSONDecodeError as exc:
        raise ValueError(f"${ENV_OPTIONS} is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"${ENV_OPTIONS} must be a JSON object")
    return parsed


def resolve_options(scene: str, **overrides: Any) -> SceneOptions:
    """The options of ``scene``: defaults, then ``$ROLLINGBALL_SCENE_OPTIONS``, then ``overrides``.

    ``None`` overrides are ignored.  Raises ``ValueError`` on an unknown scene or option
    and on bad values (rho <= 0, eta <= 0, steps < 1, starts of the wrong dimension, a
    loss that does not parse, a loss of the wrong dimension for the scene).

    >>> resolve_options("RollingBall", radius=0.5).radius
    (0.5,)
    """
    if scene not in SCENE_DEFAULTS:
        raise ValueError(f"unknown scene {scene!r}; scenes: {', '.join(SCENE_DEFAULTS)}")
    values: dict[str, Any] = dict(SCENE_DEFAULTS[scene])
    layers = [layer for layer in (_env_layer(),) if layer is not None]
    layers.append({k: v for k, v in overrides.items() if v is not None})
    extra: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if key in values:
                values[key] = value
            elif key == "extra" and isinstance(value, Mapping):
                extra.update(value)
            else:
                raise ValueError(f"unknown option {key!r} for {scene}; options: "
                                 f"{', '.join(sorted(values))}")
    radius = tuple(float(r) for r in np.atleast_1d(np.asarray(values["radius"], dtype=float)))
    if not radius or not all(np.isfinite(r) and r > 0 for r in radius):
        raise ValueError(f"the radius must be positive, got {values['radius']!r}")
    lr = float(values["lr"])
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be positive, got {values['lr']!r}")
    steps = values["steps"]
    if int(steps) != steps or int(steps) < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    duration = float(values["duration"])
    if not (np.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be positive, got {values['duration']!r}")
    starts = values["starts"]
    starts = tuple(tuple(float(v) for v in s) if isinstance(s, (list, tuple, np.ndarray))
                   else float(s) for s in np.atleast_1d(np.asarray(starts, dtype=object)))
    opts = SceneOptions(scene=scene, loss=str(values["loss"]), radius=radius, lr=lr,
                        steps=int(steps), starts=starts, duration=duration, extra=extra)
    L = opts.landscape  # a bad loss raises ValueError here
    opts.starts_array(L.dim)
    want = SCENE_DIM[scene]
    if L.dim != want:
        raise ValueError(f"{scene} needs a {want}-D loss; {opts.loss!r} is {L.dim}-D")
    return opts
