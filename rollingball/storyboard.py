r"""Frame data for the Manim scenes, computed from the engine and the geometry modules.

The scenes in ``scenes/`` draw; this module computes.  It never imports Manim.
Every position a scene shows comes from here, and everything here comes from
:func:`rollingball.engine.loop.roll` (the trajectories), :func:`rollingball.numeric.offset.upper_offset`
(the ironed landscape :math:`f_\rho` and the contact point of a ball resting at a
given horizontal position), :mod:`rollingball.geometry.ironing` and :mod:`rollingball.geometry.reach`
(:math:`\Delta(\rho)`, critical radii and unreachable sets):

.. math::

    c_t = p_t + \rho\,\nu(p_t),\qquad
    \tilde c_{t+1} = c_t - \eta\,\tau(p_t),\qquad
    p_{t+1} = \operatorname{proj}_\Gamma \tilde c_{t+1}\qquad\text{(paper Eqs. 6-8)},

    f_\rho(x) = \sup_{|s|\le\rho} f(x+s) + \sqrt{\rho^2-|s|^2}\qquad\text{(Lemma 2)}.

Between two engine steps a scene may show in-between frames; the ball is then
placed *exactly* on the offset: its centre's horizontal position is interpolated
linearly between the two engine centres and its height and contact point are
:math:`f_\rho` and the argmax of the sup above (:func:`ball_at`), so the drawn ball is
tangent to the graph in every frame, not only at the engine's steps.

Options (:class:`SceneOptions`) are resolved per scene by :func:`resolve_options`
from :data:`SCENE_DEFAULTS`, overrides given as keyword arguments, and the JSON
object in the environment variable ``ROLLINGBALL_SCENE_OPTIONS`` (so that plain
``manim`` renders can be configured too).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rollingball.geometry import reach
from rollingball.numeric.offset import upper_offset, upper_offset_grid
from rollingball.symbolic.landscape import Landscape

__all__ = [
    "SCENES",
    "SCENE_DEFAULTS",
    "SceneOptions",
    "resolve_options",
    "Trajectory",
    "roll_path",
    "ball_at",
    "window_1d",
    "RollingBallData",
    "rolling_ball_data",
    "UpdateStepData",
    "update_step_data",
    "IroningData",
    "ironing_data",
    "UnreachableData",
    "unreachable_data",
    "delta",
    "critical_radius",
    "unreachable_mask",
    "unreachable_intervals",
    "mask_intervals",
    "ExplorationData",
    "exploration_data",
    "Rolling3DData",
    "rolling_3d_data",
    "ENV_OPTIONS",
]

#: Environment variable holding a JSON object of scene options (read by :func:`resolve_options`).
ENV_OPTIONS = "ROLLINGBALL_SCENE_OPTIONS"

#: Scene name -> file in ``scenes/`` defining it.
SCENES: dict[str, str] = {
    "RollingBall": "rolling_ball.py",
    "UpdateStep": "update_step.py",
    "Ironing": "ironing.py",
    "Unreachable": "unreachable.py",
    "Exploration": "exploration.py",
    "RollingBall3D": "rolling_ball_3d.py",
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
    # The paper's Fig. 4 wells (1000 wells, sigma 0.1; `--loss gaussian_wells --radius 1 4
    # --lr 0.01 --steps 60 --starts 2,-1.5`) take minutes of engine time (145 s measured for 60
    # steps); these defaults keep the scene's data at about 13 s: fewer, wider wells and
    # fewer, larger steps.
    "Exploration": dict(loss="gaussian_wells:n=40,sigma=0.3", radius=(0.5, 2.0), lr=0.08,
                        steps=20, starts=((-2.0, 2.0),), duration=6.0),
    "RollingBall3D": dict(loss="(x^2 + y^2)/8 + cos(2*x)*cos(2*y)/4", radius=(0.6,), lr=0.05,
                          steps=120, starts=((2.3, 1.7),), duration=8.0),
}


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
        """The loss as a :class:`~rollingball.symbolic.landscape.Landscape` (built once per options)."""
        return _landscape(self.loss)

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


_LANDSCAPES: dict[str, Landscape] = {}


def _landscape(loss: str) -> Landscape:
    if loss not in _LANDSCAPES:
        _LANDSCAPES[loss] = Landscape(loss)
    return _LANDSCAPES[loss]


def resolve_options(scene: str, **overrides: Any) -> SceneOptions:
    """The options of ``scene``: defaults, then ``$ROLLINGBALL_SCENE_OPTIONS``, then ``overrides``.

    ``None`` overrides are ignored.  Raises ``ValueError`` on an unknown scene or option
    and on bad values (rho <= 0, eta <= 0, steps < 1, starts of the wrong dimension, a
    loss that does not parse).

    >>> resolve_options("RollingBall", radius=0.5).radius
    (0.5,)
    """
    if scene not in SCENE_DEFAULTS:
        raise ValueError(f"unknown scene {scene!r}; scenes: {', '.join(SCENE_DEFAULTS)}")
    values: dict[str, Any] = dict(SCENE_DEFAULTS[scene])
    env = os.environ.get(ENV_OPTIONS, "").strip()
    layers: list[Mapping[str, Any]] = []
    if env:
        try:
            parsed = json.loads(env)
        except json.JSONDecodeError as exc:
            raise ValueError(f"${ENV_OPTIONS} is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise ValueError(f"${ENV_OPTIONS} must be a JSON object")
        layers.append(parsed)
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
    want = 2 if scene in ("Exploration", "RollingBall3D") else 1
    if L.dim != want:
        raise ValueError(f"{scene} needs a {want}-D loss; {opts.loss!r} is {L.dim}-D")
    return opts


# ------------------------------------------------------------------ engine access
@dataclass(frozen=True)
class Trajectory:
    """One ball's path, from the engine.

    Attributes:
        theta: iterates, ``(T+1,)`` in 1-D or ``(T+1, d)``.
        footpoint: contact points p_t on the graph, ``(T+1, d+1)``.
        centre: ball centres c_t, ``(T+1, d+1)`` (for gradient descent: the footpoint).
        loss: f(theta_t), ``(T+1,)``.
        radius: the ball's radius (0 for gradient descent).
        method: the engine method.
    """

    theta: np.ndarray
    footpoint: np.ndarray
    centre: np.ndarray
    loss: np.ndarray
    radius: float
    method: str

    @property
    def steps(self) -> int:
        """The number of steps T."""
        return len(self.loss) - 1


def _step_and_weight(t: float, T: int) -> tuple[int, float]:
    """The engine step ``i`` and weight ``w`` in [0, 1) of fractional step ``t`` in [0, T]:
    ``w == 0`` exactly at (or within 1e-9 after) an engine step, ``i + 1`` is the next one."""
    t = float(np.clip(t, 0.0, T))
    i = int(np.floor(t))
    w = t - i
    if w < 1e-9 or i >= T:
        return min(int(round(t)), T), 0.0
    return i, w


def roll_path(landscape: Landscape, starts: np.ndarray, radius: float, lr: float, steps: int,
              method: str = "rbo", **engine_options: Any) -> list[Trajectory]:
    """The engine's trajectories of balls of one radius from ``starts`` (``(N, d)``).

    Calls :func:`rollingball.engine.loop.roll` once for the whole batch (``method="gd"`` runs
    plain gradient descent, whose "centre" is its point on the graph); ``engine_options``
    (``projection``, ``resolution``) are passed to it.
    """
    from rollingball.engine.loop import roll

    L = landscape
    x0 = np.asarray(starts, dtype=float).reshape(-1, L.dim)
    # the scenes draw positions, not the invariant residual: check it at the last step only
    engine_options.setdefault("residual_every", max(1, int(steps)))
    if method == "gd":
        res = roll(L, x0, radius=0.0, lr=lr, steps=steps, method="gd", **engine_options)
    else:
        res = roll(L, x0, radius=radius, lr=lr, steps=steps, method=method, **engine_options)
    theta = np.asarray(res.theta, dtype=float)
    foot = np.asarray(res.point, dtype=float)
    centre = np.asarray(getattr(res, "centre", foot), dtype=float)
    loss = np.asarray(res.loss, dtype=float)
    out = []
    for i in range(x0.shape[0]):
        th = theta[:, i, 0] if L.dim == 1 else theta[:, i, :]
        out.append(Trajectory(th, foot[:, i], centre[:, i] if method != "gd" else foot[:, i],
                              loss[:, i], 0.0 if method == "gd" else float(radius), method))
    return out


def ball_at(landscape: Landscape, cx, radius: float) -> tuple[np.ndarray, np.ndarray]:
    r"""The ball of radius rho resting on the graph with its centre above ``cx``.

    Returns ``(centre, contact)``: the centre :math:`(c_x, f_\rho(c_x))` and the contact
    point :math:`(\theta^\star, f(\theta^\star))` (the argmax of Lemma 2's sup), each
    of shape ``(..., d+1)``.  Their distance is exactly rho.
    """
    L = landscape
    off = upper_offset(L, np.asarray(cx, dtype=float), radius)
    centre = off.centre
    th = np.asarray(off.contact, dtype=float)
    if L.dim == 1:
        contact = np.stack([th, L.f(th)], axis=-1)
    else:
        contact = np.concatenate([th, L.f(th)[..., None]], axis=-1)
    return centre, contact


def window_1d(landscape: Landscape, xs: Sequence[np.ndarray], pad: float,
              max_width: float = 12.0) -> tuple[float, float]:
    """A horizontal window containing every array in ``xs`` with ``pad`` either side."""
    lo = min(float(np.nanmin(x)) for x in xs) - pad
    hi = max(float(np.nanmax(x)) for x in xs) + pad
    if hi - lo > max_width:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - max_width / 2, mid + max_width / 2
    return lo, hi


# ------------------------------------------------------------------- RollingBall
@dataclass(frozen=True)
class RollingBallData:
    """Everything the RollingBall scene draws (1-D loss).

    Attributes:
        options: the options.
        x_range, y_range: the plotted window (equal unit lengths are the scene's job).
        curve: the graph samples ``(M, 2)``.
        offset: the upper offset samples ``(M, 2)`` (the ironed landscape f_rho).
        rbo: the ball's trajectory (engine, method "rbo").
        gd: the gradient-descent ghost from the same start (engine, method "gd").
    """

    options: SceneOptions
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    curve: np.ndarray
    offset: np.ndarray
    rbo: Trajectory
    gd: Trajectory

    @property
    def radius(self) -> float:
        return self.options.radius[0]

    def frame(self, t: float) -> dict[str, np.ndarray | float]:
        """The state at fractional step ``t`` in [0, T]: centre, contact, theta, loss, step.

        At integer ``t`` this is the engine's state; in between, the centre's horizontal
        position is interpolated and the ball placed exactly on the offset (:func:`ball_at`).
        """
        i, w = _step_and_weight(t, self.rbo.steps)
        if w == 0.0:
            centre, foot = self.rbo.centre[i], self.rbo.footpoint[i]
        else:
            cx = (1 - w) * self.rbo.centre[i, 0] + w * self.rbo.centre[i + 1, 0]
            centre, foot = ball_at(self.options.landscape, cx, self.radius)
        theta = float(foot[0])
        return dict(centre=np.asarray(centre), contact=np.asarray(foot), theta=theta,
                    loss=float(foot[1]), step=float(np.clip(t, 0.0, self.rbo.steps)))

    def gd_point(self, t: float) -> np.ndarray:
        """The ghost's point at fractional step ``t`` (linear between its steps)."""
        T = self.gd.steps
        t = float(np.clip(t, 0.0, T))
        i = min(int(np.floor(t)), T - 1) if T > 0 else 0
        w = t - i
        x = (1 - w) * self.gd.theta[i] + w * self.gd.theta[min(i + 1, T)]
        return np.array([x, float(self.options.landscape.f(x))])


def rolling_ball_data(options: SceneOptions, samples: int = 800) -> RollingBallData:
    """The data of the RollingBall scene: one engine run of RBO and one of GD, plus the curves."""
    L = options.landscape
    rho = options.radius[0]
    x0 = options.starts_array(1)[:1]
    rbo = roll_path(L, x0, rho, options.lr, options.steps, "rbo")[0]
    gd = roll_path(L, x0, rho, options.lr, options.steps, "gd")[0]
    lo, hi = window_1d(L, [rbo.centre[:, 0], rbo.footpoint[:, 0], gd.theta], pad=rho + 0.3)
    (dlo, dhi), = L.domain  # show some landscape either side, within the domain
    lo, hi = min(lo, max(dlo, lo - 4.0)), max(hi, min(dhi, hi + 4.0))
    if hi - lo > 12.0:
        lo, hi = window_1d(L, [rbo.centre[:, 0], gd.theta, np.array([lo, hi])], 0.0, 12.0)
    xs = np.linspace(lo, hi, samples)
    fx = L.f(xs)
    off = upper_offset(L, xs, rho).value
    ylo = float(min(np.min(fx), np.min(rbo.loss))) - 0.3
    yhi = float(max(np.max(off), np.max(rbo.centre[:, 1]))) + rho + 0.2
    return RollingBallData(options, (lo, hi), (ylo, yhi), np.stack([xs, fx], -1),
                           np.stack([xs, off], -1), rbo, gd)


# -------------------------------------------------------------------- UpdateStep
@dataclass(frozen=True)
class UpdateStepData:
    r"""One step of Algorithm 1 (paper Fig. 1), from the engine.

    Attributes:
        p, c: the footpoint :math:`p_t` and centre :math:`c_t = p_t + \rho\nu(p_t)`.
        tau: :math:`\tau(p_t)`; ``step = -eta*tau``.
        c_tilde: the candidate :math:`\tilde c_{t+1} = c_t - \eta\tau(p_t)` (Eq. 7).
        p_next: :math:`p_{t+1} = \operatorname{proj}_\Gamma\tilde c_{t+1}` (engine, Eq. 8).
        c_next: the new centre (engine).
        curve: graph samples; x_range, y_range: the window.
    """

    options: SceneOptions
    p: np.ndarray
    c: np.ndarray
    tau: np.ndarray
    step: np.ndarray
    c_tilde: np.ndarray
    p_next: np.ndarray
    c_next: np.ndarray
    curve: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def update_step_data(options: SceneOptions, samples: int = 600) -> UpdateStepData:
    """The anatomy of the first step of Algorithm 1 from ``starts[0]`` (engine ``alg1``)."""
    L = options.landscape
    rho, eta = options.radius[0], options.lr
    x0 = options.starts_array(1)[:1]
    tr = roll_path(L, x0, rho, eta, 1, "alg1")[0]
    p, c = tr.footpoint[0], tr.centre[0]
    tau = L.tangent_at(np.asarray(p[0]))
    step = -eta * tau
    c_tilde = c + step
    p_next, c_next = tr.footpoint[1], tr.centre[1]
    pts = np.stack([p, c, c_tilde, p_next, c_next])
    lo, hi = window_1d(L, [pts[:, 0]], pad=rho + 0.8)
    xs = np.linspace(lo, hi, samples)
    fx = L.f(xs)
    ylo = float(min(np.min(fx), np.min(pts[:, 1]) - rho)) - 0.2
    yhi = float(np.max(pts[:, 1])) + rho + 0.5
    keep = fx <= yhi  # the graph is clipped to the window (a parabola would dwarf the step)
    keep = np.flatnonzero(keep)
    xs, fx = xs[keep[0]:keep[-1] + 1], fx[keep[0]:keep[-1] + 1]
    return UpdateStepData(options, p, c, tau, step, c_tilde, p_next, c_next,
                          np.stack([xs, fx], -1), (lo, hi), (ylo, yhi))


# ----------------------------------------------------------------------- Ironing
@dataclass(frozen=True)
class IroningData:
    r"""Offsets of a loss for growing radii, and :math:`\Delta(\rho)` of the sine (Figs. 2-3).

    Attributes:
        xs: sample abscissae; f: the loss there.
        radii: the radii; offsets: :math:`f_\rho(x) - \rho` per radius, ``(R, M)`` (shifted
            down by rho so that every ironed curve sits on the original's scale).
        delta_rho, delta: :math:`\Delta(\rho)` of the sine on [-3 pi, 3 pi].
        critical_radius: the sine's critical radius (1).
    """

    options: SceneOptions
    xs: np.ndarray
    f: np.ndarray
    radii: np.ndarray
    offsets: np.ndarray
    delta_rho: np.ndarray
    delta: np.ndarray
    critical_radius: float


def ironing_data(options: SceneOptions, samples: int | None = None,
                 delta_points: int = 36) -> IroningData:
    """Offsets of the options' loss at each radius and Delta(rho) for ``sine``."""
    L = options.landscape
    lo, hi = L.domain[0]
    if samples is None:  # resolve the ripples: about 12 samples per shortest wavelength
        fs = L.feature_scale or (hi - lo) / 100
        samples = int(np.clip(12 * (hi - lo) / fs, 1200, 6000))
    radii = np.asarray(options.radius, dtype=float)
    # grey dilation on the drawing grid (fast; below the exact offset by O(h^2), ~5e-4 for
    # weierstrass_like(n=20) on 4000 samples: far below a pixel)
    grid = upper_offset_grid(L, radii, domain=(lo, hi), resolution=(hi - lo) / (samples - 1))
    xs = grid.axes[0]
    off = grid.value - radii[:, None]
    sine = _landscape("sine")
    rr = np.geomspace(0.1, 30.0, delta_points)
    dl = delta(sine, rr)
    rc = float(reach.critical_radius(sine).radius)
    return IroningData(options, xs, grid.f, radii, off, rr, dl, rc)


def delta(landscape: Landscape, radii, points: int = 181) -> np.ndarray:
    r"""Ironing :math:`\Delta(\rho) = \sup f_\rho - \inf f_\rho` over the landscape's domain.

    The sup and inf are taken over ``points`` equally spaced x (the offset itself is exact,
    :func:`rollingball.numeric.offset.upper_offset`, with the sup restricted to the domain).
    """
    L = landscape
    lo, hi = L.domain[0]
    xs = np.linspace(lo, hi, points)
    radii = np.atleast_1d(np.asarray(radii, dtype=float))
    v = upper_offset(L, xs[None, :], radii[:, None], domain=(lo, hi)).value
    return np.max(v, axis=1) - np.min(v, axis=1)


def critical_radius(landscape: Landscape, points: int = 20001) -> float:
    r"""The local critical radius :math:`1/\max\kappa^+` of a 1-D loss over its domain.

    :math:`\kappa` is sampled on ``points`` abscissae and the best sample polished by a
    bounded scalar search (SciPy).  Infinity when the graph never bends upwards.
    """
    from scipy.optimize import minimize_scalar

    L = landscape
    lo, hi = L.domain[0]
    xs = np.linspace(lo, hi, points)
    k = L.curvature_at(xs)
    i = int(np.argmax(k))
    if k[i] <= 0:
        return float("inf")
    h = xs[1] - xs[0]
    res = minimize_scalar(lambda x: -float(L.curvature_at(x)),
                          bounds=(max(lo, xs[i] - h), min(hi, xs[i] + h)), method="bounded",
                          options=dict(xatol=1e-12))
    return float(1.0 / max(k[i], -res.fun))


def unreachable_mask(landscape: Landscape, xs: np.ndarray, radius: float) -> np.ndarray:
    r"""Whether each graph point above ``xs`` is :math:`\rho`-unreachable from above.

    The ball tangent from above at :math:`p = (x, f(x))` has centre :math:`c = p+\rho\nu(p)`;
    the point is unreachable when that ball contains another graph point, that is when
    :math:`f_\rho(c_x) > c_y` (the exact offset, sup over the window of ``xs``).
    """
    L = landscape
    xs = np.asarray(xs, dtype=float)
    c = L.offset(xs, radius)
    fr = upper_offset(L, c[:, 0], radius, domain=(xs[0], xs[-1])).value
    return fr > c[:, 1] + 1e-9 * max(1.0, radius)


def unreachable_intervals(landscape: Landscape, radius: float,
                          domain: tuple[float, float]) -> np.ndarray:
    """The rho-unreachable theta intervals (from above) in ``domain``, ``(K, 2)``.

    From :func:`rollingball.geometry.reach.unreachable` (swallowtail trimming, endpoints to ~1e-12).
    """
    iv = reach.unreachable(landscape, float(radius), domain=domain).intervals
    return np.asarray(iv, dtype=float).reshape(-1, 2)


def mask_intervals(xs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The maximal runs of ``True`` in ``mask`` as ``(K, 2)`` intervals of ``xs``."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(int)))
    starts, stops = edges[::2], edges[1::2] - 1
    return np.stack([xs[starts], xs[stops]], axis=-1) if len(starts) else np.zeros((0, 2))


# -------------------------------------------------------------------- Unreachable
@dataclass(frozen=True)
class UnreachableData:
    """Unreachable arcs of a 1-D loss for growing radii (from :mod:`rollingball.geometry.reach`).

    Attributes:
        xs, f: graph samples.
        radii: the radii; intervals: per radius, an ``(K, 2)`` array of theta intervals.
        critical_radius: the true critical radius (smallest rho with an unreachable point).
        x_range, y_range: the window.
    """

    options: SceneOptions
    xs: np.ndarray
    f: np.ndarray
    radii: np.ndarray
    intervals: list[np.ndarray]
    critical_radius: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def unreachable_data(options: SceneOptions, samples: int = 900) -> UnreachableData:
    """Unreachable intervals at each radius of ``options`` and the critical radius."""
    L = options.landscape
    lo, hi = L.domain[0]
    if hi - lo > 13.0:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - 6.5, mid + 6.5
    xs = np.linspace(lo, hi, samples)
    fx = L.f(xs)
    radii = np.asarray(options.radius, dtype=float)
    intervals = [unreachable_intervals(L, float(r), (lo, hi)) for r in radii]
    rc = float(reach.critical_radius(L, domain=(lo, hi)).radius)
    ylo = float(np.min(fx)) - 0.4
    yhi = float(np.max(fx)) + 2.0
    return UnreachableData(options, xs, fx, radii, intervals, rc, (lo, hi), (ylo, yhi))


# -------------------------------------------------------------------- Exploration
@dataclass(frozen=True)
class ExplorationData:
    """Fig. 4: a 2-D loss on a grid and trajectories of GD and RBO at several radii.

    Attributes:
        grid_x, grid_y: grid axes; values: the loss on the grid, ``(ny, nx)`` (row = y).
        starts: ``(N, 2)`` initial points (ten nearby starts by default).
        runs: label -> list of trajectories (one per start); "GD" first, then "rho=...".
    """

    options: SceneOptions
    grid_x: np.ndarray
    grid_y: np.ndarray
    values: np.ndarray
    starts: np.ndarray
    runs: dict[str, list[Trajectory]]


def nearby_starts(centre: np.ndarray, n: int = 10, spread: float = 0.15,
                  seed: int = 4) -> np.ndarray:
    """``n`` starts on a small ring around ``centre`` (deterministic): "close" starts."""
    rng = np.random.default_rng(seed)
    ang = 2 * np.pi * (np.arange(n) + rng.uniform(0, 0.5, n)) / n
    r = spread * (0.5 + 0.5 * rng.uniform(size=n))
    return np.asarray(centre, dtype=float) + np.stack([r * np.cos(ang), r * np.sin(ang)], -1)


def exploration_data(options: SceneOptions, grid: int = 120, n_starts: int = 10
                     ) -> ExplorationData:
    """The heat map and the runs of Fig. 4 (one engine batch per radius)."""
    L = options.landscape
    starts = options.starts_array(2)
    if starts.shape[0] == 1:
        starts = nearby_starts(starts[0], n_starts)
    (xlo, xhi), (ylo, yhi) = L.domain
    gx, gy = np.linspace(xlo, xhi, grid), np.linspace(ylo, yhi, grid)
    X, Y = np.meshgrid(gx, gy)
    values = L.f(np.stack([X, Y], -1))
    runs: dict[str, list[Trajectory]] = {
        "GD": roll_path(L, starts, 0.0, options.lr, options.steps, "gd")}
    kw = {k: options.extra[k] for k in ("projection", "resolution", "method") if k in options.extra}
    method = kw.pop("method", "rbo")
    for r in options.radius:
        runs[f"rho={r:g}"] = roll_path(L, starts, r, options.lr, options.steps, method, **kw)
    return ExplorationData(options, gx, gy, values, starts, runs)


# ------------------------------------------------------------------ RollingBall3D
@dataclass(frozen=True)
class Rolling3DData:
    """A sphere rolling on a 2-D loss surface.

    Attributes:
        rbo: the ball's trajectory (engine); gd: the gradient-descent ghost.
        x_range, y_range, z_range: the box drawn.
    """

    options: SceneOptions
    rbo: Trajectory
    gd: Trajectory
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    z_range: tuple[float, float]

    @property
    def radius(self) -> float:
        return self.options.radius[0]

    def frame(self, t: float) -> dict[str, np.ndarray]:
        """Centre and footpoint at fractional step ``t``.

        The engine's state at integer ``t``; in between, both are interpolated linearly
        (in 2-D an exact re-placement on the offset costs seconds per frame; the steps are
        small, so the in-between ball is off the offset by O(eta^2)).
        """
        i, w = _step_and_weight(t, self.rbo.steps)
        if w == 0.0:
            return dict(centre=self.rbo.centre[i], contact=self.rbo.footpoint[i])
        c = (1 - w) * self.rbo.centre[i] + w * self.rbo.centre[i + 1]
        p = (1 - w) * self.rbo.footpoint[i] + w * self.rbo.footpoint[i + 1]
        return dict(centre=c, contact=p)


def rolling_3d_data(options: SceneOptions) -> Rolling3DData:
    """One engine run of RBO (and of GD) on a 2-D loss, and the box that holds them."""
    L = options.landscape
    x0 = options.starts_array(2)[:1]
    rho = options.radius[0]
    rbo = roll_path(L, x0, rho, options.lr, options.steps, "rbo")[0]
    gd = roll_path(L, x0, rho, options.lr, options.steps, "gd")[0]
    pts = np.concatenate([rbo.centre[:, :2], rbo.footpoint[:, :2], gd.theta], axis=0)
    m = float(np.max(np.abs(pts))) + rho + 0.5
    m = min(max(m, 2.5), 4.0)
    xs = np.linspace(-m, m, 81)
    X, Y = np.meshgrid(xs, xs)
    F = L.f(np.stack([X, Y], -1))
    z = (float(np.min(F)) - 0.2, float(max(np.max(F), np.max(rbo.centre[:, 2]))) + rho)
    return Rolling3DData(options, rbo, gd, (-m, m), (-m, m), z)


def with_options(options: SceneOptions, **changes: Any) -> SceneOptions:
    """A copy of ``options`` with ``changes`` (a thin wrapper over ``dataclasses.replace``)."""
    return replace(options, **changes)
