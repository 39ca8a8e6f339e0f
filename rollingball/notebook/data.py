r"""The numbers of a notebook animation (no Matplotlib): frames, tracks, window, offsets.

:func:`animation_data` validates :func:`rollingball.notebook.animation.animate`'s arguments
and gathers what it draws (:class:`AnimationData`): the step of each frame
(:func:`frame_steps`), the run and its baselines (:class:`Track`), the window, and in 1-D the
graph and the exact upper offset :math:`f_\rho` at every radius the frames use
(:func:`rollingball.numeric.offset.upper_offset`), in 2-D the contour grid.  The budgets
(:data:`MAX_FRAMES`, :data:`MAX_FRAME_BALLS`, :data:`OFFSET_BUDGET`) are checked here, before
anything is drawn.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rollingball.engine.baselines import BASELINES
from rollingball.engine.loop import roll
from rollingball.engine.result import RollResult
from rollingball.engine.solvers import BallSolver
from rollingball.numeric.offset import upper_offset

__all__ = ["animation_data", "frame_steps", "AnimationData", "Track",
           "DEFAULT_FRAMES", "MAX_FRAMES", "MAX_FRAME_BALLS", "OFFSET_BUDGET", "THEMES"]

#: Frames of a run whose steps outnumber them, by default (``max_frames``).
DEFAULT_FRAMES = 200
#: The most frames an animation may have.
MAX_FRAMES = 2000
#: The most (frames x drawn balls, the run's and the baselines' together) an animation draws.
MAX_FRAME_BALLS = 40_000
#: The most offset samples (distinct radii x plotted points) a 1-D animation computes.
OFFSET_BUDGET = 240_000
#: Points of the plotted range at which f and f_rho are sampled (1-D).
CURVE_SAMPLES = 600
#: Contour grid points per axis (2-D).
GRID_SAMPLES = 160
#: The themes: the package's figure style on a light or a dark background.
THEMES = ("light", "dark")


@dataclass(frozen=True)
class Track:
    """One run as drawn: its recorded arrays, and the step it shows in each frame.

    Attributes:
        label: the legend's name (the method: ``"rbo"``, ``"gd"``, ...).
        result: the run.
        step: ``(F,)`` the run's step shown in frame k (the animation's step, clamped to this
            run's last step).
        ball: the run has a ball (a centre on the offset); False for a baseline.
    """

    label: str
    result: RollResult
    step: np.ndarray
    ball: bool

    @cached_property
    def point(self) -> np.ndarray:
        """``(F, N, d+1)`` the footpoints :math:`p_{s_k}` (a baseline: its points)."""
        return self.result.point[self.step]

    @cached_property
    def centre(self) -> np.ndarray:
        """``(F, N, d+1)`` the centres :math:`c_{s_k}`."""
        return self.result.centre[self.step]

    @cached_property
    def radius(self) -> np.ndarray:
        """``(F, N)`` the radii :math:`\\rho_{s_k}`."""
        return self.result.radius_t[self.step]

    @property
    def n(self) -> int:
        """The number of balls (or baseline points)."""
        return self.result.n_balls


@dataclass(frozen=True)
class AnimationData:
    """Everything :func:`animate` draws, as numbers (see the module notes).

    Attributes:
        steps: ``(F,)`` the step of the main run shown in each frame.
        tracks: the main run first, then the baselines.
        xlim, ylim: the plotted window.
        curve_x, curve_y: 1-D: the graph of :math:`\\lambda f` sampled on the window.
        radii: 1-D: ``(R,)`` the distinct positive radii the balls use in the frames.
        offset: 1-D: ``(R, M)`` :math:`f_\\rho` at ``curve_x`` for each radius (None when not
            drawn).
        radius_index: 1-D: ``(F, N)`` the row of ``radii`` of each ball in each frame (-1: a
            ball of radius 0, whose offset is the graph itself).
        grid: 2-D: ``(gx, gy, f)`` the contour grid (``f`` of shape ``(len(gy), len(gx))``).
        options: the drawing options (theme, trail, circles, figsize, dpi, interval).
    """

    steps: np.ndarray
    tracks: tuple[Track, ...]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    curve_x: np.ndarray | None
    curve_y: np.ndarray | None
    radii: np.ndarray | None
    offset: np.ndarray | None
    radius_index: np.ndarray | None
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    options: Mapping

    @property
    def dim(self) -> int:
        """The run's dimension d (1 or 2)."""
        return self.tracks[0].result.dim

    @property
    def main(self) -> Track:
        """The animated run."""
        return self.tracks[0]

    @property
    def frames(self) -> int:
        """F, the number of frames."""
        return len(self.steps)


def frame_steps(steps: int, frames: int | Sequence[int] | None = None,
                max_frames: int = DEFAULT_FRAMES) -> np.ndarray:
    r"""The recorded step shown in each frame of a run of ``steps`` steps.

    .. math::  s_k = \lfloor k\,T/(F-1) + \tfrac12\rfloor,\quad k = 0..F-1,

    with :math:`F` = ``frames`` (an int), or ``min(T + 1, max_frames)`` when ``frames`` is
    None; an explicit sequence of steps is used as given (each in ``[0, T]``, increasing).

    >>> frame_steps(60, 7).tolist()
    [0, 10, 20, 30, 40, 50, 60]
    >>> len(frame_steps(1000)), int(frame_steps(1000)[-1])
    (200, 1000)
    >>> frame_steps(3).tolist()
    [0, 1, 2, 3]
    """
    T = int(steps)
    if frames is None:
        if not _is_int(max_frames) or not 2 <= max_frames <= MAX_FRAMES:
            raise ValueError(f"max_frames must be an integer in [2, {MAX_FRAMES}], "
                             f"got {max_frames!r}")
        frames = min(T + 1, int(max_frames))
    if _is_int(frames):
        F = int(frames)
        if not 1 <= F <= MAX_FRAMES:
            raise ValueError(f"frames must lie in [1, {MAX_FRAMES}] (too many frames to draw), "
                             f"got {F}")
        if F == 1:
            return np.array([T])
        out = np.unique(np.floor(np.arange(F) * (T / (F - 1)) + 0.5).astype(np.int64))
        return np.clip(out, 0, T)
    if isinstance(frames, str | bytes):
        raise ValueError(f"frames must be an integer or a sequence of steps, got {frames!r}")
    arr = np.asarray(frames)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu":
        raise ValueError("frames must be an integer or a non-empty sequence of integer steps")
    if arr.size > MAX_FRAMES:
        raise ValueError(f"too many frames: {arr.size} > {MAX_FRAMES}")
    if np.any(arr < 0) or np.any(arr > T) or np.any(np.diff(arr) <= 0):
        raise ValueError(f"frame steps must increase and lie in [0, {T}]")
    return arr.astype(np.int64)


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _pair(value, name: str) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (lo, hi), got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with lo < hi, got {value!r}")
    return lo, hi


def _baselines(result: RollResult, baselines) -> list[tuple[str, RollResult]]:
    """The baseline runs: given results, or names of baseline methods run from the same
    starts with the run's step-0 learning rates, steps, scale and domain."""
    if baselines is None:
        return []
    if isinstance(baselines, RollResult | str):
        baselines = [baselines]
    items = list(baselines.items()) if isinstance(baselines, Mapping) else [
        (None, b) for b in baselines]
    out = []
    for label, b in items:
        if isinstance(b, str):
            if b not in BASELINES:
                raise ValueError(f"unknown baseline {b!r}: use a RollResult or one of "
                                 f"{', '.join(BASELINES)}")
            b = roll(result.landscape, result.theta[0], method=b, lr=result.lr,
                     steps=result.steps, scale=result.scale,
                     domain=result.options.get("domain"))
        if not isinstance(b, RollResult):
            raise ValueError(f"a baseline must be a RollResult or a method name, got "
                             f"{type(b).__name__}")
        if b.dim != result.dim or str(b.landscape.expr) != str(result.landscape.expr):
            raise ValueError(f"the baseline {b.method!r} ran on another loss "
                             f"({b.landscape.name}, not {result.landscape.name})")
        if not np.isclose(b.scale, result.scale, rtol=1e-12, atol=0.0):
            raise ValueError(f"the baseline {b.method!r} has scale {b.scale:g}, the run "
                             f"{result.scale:g}: draw runs on one graph")
        out.append((str(label) if label is not None else b.method, b))
    return out


def _span(lo: float, hi: float, least: float, pad: float = 0.08) -> tuple[float, float]:
    """``[lo, hi]`` widened to at least ``least`` and padded by ``pad`` of its width."""
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    half = max(half, 0.5 * least, 1e-9 * (1.0 + abs(mid)))
    half *= 1.0 + 2.0 * pad
    return mid - half, mid + half


def _window(tracks: Sequence[Track], d: int, circles: bool) -> tuple[tuple, tuple]:
    """The default window: every drawn footpoint, point and ball (or circle) in it."""
    xs, ys, rho = [], [], 0.0
    for tr in tracks:
        r = tr.result
        rows = r.point[: int(tr.step[-1]) + 1] if d == 2 else tr.point
        cen = r.centre[: int(tr.step[-1]) + 1] if d == 2 else tr.centre
        rad = (r.radius_t[: int(tr.step[-1]) + 1] if d == 2 else tr.radius) if tr.ball else 0.0
        xs.append(rows[..., 0].ravel())  # 1-D: (theta, lambda f); 2-D: theta_1, theta_2
        ys.append(rows[..., 1].ravel())
        if tr.ball and (d == 1 or circles):
            rr = np.broadcast_to(rad, cen.shape[:-1])
            xs += [(cen[..., 0] - rr).ravel(), (cen[..., 0] + rr).ravel()]
            ys += [(cen[..., 1] - rr).ravel(), (cen[..., 1] + rr).ravel()]
            rho = max(rho, float(np.nanmax(np.where(np.isfinite(rr), rr, np.nan), initial=0.0)))
    x, y = np.concatenate(xs), np.concatenate(ys)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.size == 0 or y.size == 0:
        raise ValueError("the run has no finite positions to draw")
    least = max(4.0 * rho, 1e-3)
    xl = _span(float(x.min()), float(x.max()), least)
    yl = _span(float(y.min()), float(y.max()), least if d == 2 else max(2.5 * rho, 1e-3))
    return xl, yl


def _offsets(track: Track, xs: np.ndarray, draw: bool):
    """The distinct radii of the frames, f_rho at ``xs`` for each, each ball's row."""
    rad = track.radius
    pos = np.isfinite(rad) & (rad > 0)
    radii = np.unique(rad[pos])
    index = np.full(rad.shape, -1, dtype=np.int64)
    index[pos] = np.searchsorted(radii, rad[pos])
    if not draw or radii.size == 0:
        return radii, None, index
    if radii.size * xs.size > OFFSET_BUDGET:
        raise ValueError(f"the balls use {radii.size} radii in these frames: f_rho at each "
                         f"costs {radii.size * xs.size} offset samples, over {OFFSET_BUDGET}; "
                         "pass offset=False or fewer frames")
    L = track.result.landscape.scaled(track.result.scale)
    value = upper_offset(L, xs[None, :], radii[:, None]).value
    return radii, value, index


def animation_data(
    result: RollResult,
    *,
    baselines=None,
    frames: int | Sequence[int] | None = None,
    max_frames: int = DEFAULT_FRAMES,
    xlim=None,
    ylim=None,
    offset: bool = True,
    circles: bool = False,
    options: Mapping | None = None,
) -> AnimationData:
    """The numbers :func:`animate` draws (validated; no Matplotlib): see :class:`AnimationData`
    and :func:`animate` for the arguments."""
    if not isinstance(result, RollResult):
        raise ValueError(f"animate takes a RollResult (from rb.roll), got {type(result).__name__}")
    if result.steps < 1:
        raise ValueError("the run has no steps to animate (steps=0): roll at least one step")
    if result.dim not in (1, 2):
        raise ValueError(f"animate draws 1-D and 2-D runs, this one is {result.dim}-D")
    steps = frame_steps(result.steps, frames, max_frames)
    runs = _baselines(result, baselines)
    drawn = result.n_balls + sum(b.n_balls for _, b in runs)
    if steps.size * drawn > MAX_FRAME_BALLS:
        raise ValueError(f"too much to draw: {steps.size} frames x {drawn} balls = "
                         f"{steps.size * drawn} > {MAX_FRAME_BALLS}; pass fewer frames= "
                         "or fewer balls")
    tracks = [Track(result.method, result, steps, isinstance(result.solver, BallSolver))]
    tracks += [Track(label, b, np.minimum(steps, b.steps), isinstance(b.solver, BallSolver))
               for label, b in runs]
    d = result.dim
    xl, yl = _window(tracks, d, circles)
    xl, yl = _pair(xlim, "xlim") or xl, _pair(ylim, "ylim") or yl
    curve_x = curve_y = radii = value = index = grid = None
    if d == 1:
        curve_x = np.linspace(xl[0], xl[1], CURVE_SAMPLES)
        curve_y = result.landscape.scaled(result.scale).f(curve_x)
        main = tracks[0]
        if main.ball:
            radii, value, index = _offsets(main, curve_x, offset)
    else:
        gx = np.linspace(xl[0], xl[1], GRID_SAMPLES)
        gy = np.linspace(yl[0], yl[1], GRID_SAMPLES)
        X, Y = np.meshgrid(gx, gy)
        grid = (gx, gy, result.landscape.f(np.stack([X, Y], axis=-1)))
    return AnimationData(steps=steps, tracks=tuple(tracks), xlim=xl, ylim=yl, curve_x=curve_x,
                         curve_y=curve_y, radii=radii, offset=value, radius_index=index,
                         grid=grid, options=dict(options or {}))
