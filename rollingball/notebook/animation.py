r"""A run as an animation for notebooks, with Matplotlib only: :func:`animate`.

``rb.animate(result)`` draws a :class:`~rollingball.engine.result.RollResult` frame by frame
and returns a :class:`matplotlib.animation.FuncAnimation` (a thin subclass,
:class:`rollingball.notebook._player.BallAnimation`) that a notebook shows by itself (an HTML5
video where ffmpeg or PyAV can encode one, the JavaScript player of ``to_jshtml`` otherwise)
and that saves to ``.gif``, ``.mp4`` or ``.html`` atomically.

Frame :math:`k` of :math:`F` shows the recorded step

.. math::  s_k = \big\lfloor k\,T/(F-1) + \tfrac12 \big\rfloor,\qquad k = 0, \dots, F-1,

of a run of :math:`T` steps (every step when :math:`T + 1 \le` ``max_frames``), and draws
exactly what the run recorded there: in 1-D the graph of :math:`\lambda f` (the run's vertical
scale :math:`\lambda`), the upper offset

.. math::  f_\rho(x) = \sup_{|s|\le\rho} \lambda f(x+s) + \sqrt{\rho^2 - s^2}
           \qquad\text{(paper Lemma 2)}

computed exactly by :func:`rollingball.numeric.offset.upper_offset` on the plotted range at
each radius :math:`\rho_{s_k}` the balls use, every ball as the circle
:math:`|z - c_{s_k}| = \rho_{s_k}` (equal axis units: round, and tangent to the graph), its
footpoint :math:`p_{s_k}` and centre :math:`c_{s_k}`, a short fading trail of footpoints and
the baselines' points; in 2-D the contours of :math:`f` with the footpoint paths growing,
the centres' horizontal positions and, optionally, circles of radius :math:`\rho` around them.
A footpoint jump (the ball crossing the medial axis) is drawn as a dotted hop, never as part
of a path.

:mod:`rollingball.notebook.data` prepares the numbers (no Matplotlib) and
:mod:`rollingball.notebook._player` draws them.  ``import rollingball`` works without
Matplotlib: it is imported when :func:`animate` runs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rollingball.engine.result import RollResult
from rollingball.notebook.data import (
    DEFAULT_FRAMES,
    MAX_FRAMES,
    THEMES,
    _is_int,
    animation_data,
)

if TYPE_CHECKING:  # the annotation only: Matplotlib is optional
    from rollingball.notebook._player import BallAnimation

__all__ = ["animate"]


def animate(
    result: RollResult,
    *,
    baselines: Sequence[RollResult | str] | Mapping[str, RollResult] | RollResult | str
    | None = None,
    frames: int | Sequence[int] | None = None,
    max_frames: int = DEFAULT_FRAMES,
    fps: float | None = None,
    interval: float | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100.0,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    theme: str = "light",
    trail: int = 8,
    offset: bool = True,
    circles: bool = False,
    title: str | None = None,
    repeat: bool = True,
) -> BallAnimation:
    r"""An animation of a run for Jupyter (Matplotlib only), saved with ``.save(path)``.

    Frame :math:`k` shows step :math:`s_k = \lfloor kT/(F-1) + \frac12\rfloor` exactly as
    recorded: the ball :math:`|z - c_{s_k}| = \rho_{s_k}`, its footpoint :math:`p_{s_k}`, the
    offset :math:`f_\rho(x) = \sup_{|s|\le\rho} \lambda f(x+s) + \sqrt{\rho^2-s^2}` (paper
    Lemma 2, exact, from :func:`~rollingball.numeric.offset.upper_offset`) in 1-D; the contours
    of :math:`f` and the growing footpoint paths in 2-D (module notes).

    Args:
        result: a 1-D or 2-D run (:func:`rollingball.roll`), one or several balls.
        baselines: runs to overlay as dots with trails (``[gd_result]``, a dict
            ``{label: result}``), or baseline method names (``["gd", "adam"]``) run here from
            the same starts with the run's step-0 learning rates and steps.
        frames: the number of frames, or the steps to show; default every step, at most
            ``max_frames`` evenly spaced ones.
        max_frames: the most frames a long run is subsampled to (default 200).
        fps, interval: the speed: frames per second (default 20) or milliseconds per frame
            (one of the two).
        figsize: inches (default ``(7, 4)`` in 1-D, ``(6, 5)`` in 2-D); ``dpi`` the pixels
            per inch of the frames (default 100).
        xlim, ylim: the window (default: every drawn position, padded); the axes have equal
            units, so the ball is round.
        theme: ``"light"`` or ``"dark"``: the package's figure style on either background.
        trail: frames of fading footpoint trail in 1-D (0: none).
        offset: draw :math:`f_\rho` (1-D).
        circles: 2-D: draw a circle of radius :math:`\rho` around each centre's horizontal
            position.
        title: the axes' title (default: the loss and the method).
        repeat: loop the animation.

    Returns:
        a :class:`matplotlib.animation.FuncAnimation` (``BallAnimation``): ``display(anim)``
        or a cell ending in ``anim`` shows it (HTML5 video where ffmpeg or PyAV is
        installed, else the JavaScript player); ``anim.save("run.gif")`` (also ``.mp4``,
        ``.html``) writes it atomically; ``anim.update(k)`` puts frame ``k`` into the
        figure ``anim.figure``; ``anim.data`` holds the numbers
        (:class:`~rollingball.notebook.data.AnimationData`).

    Raises:
        ValueError: no steps, a run in 3-D or more, too many frames (``MAX_FRAMES``) or
            frames x balls over ``MAX_FRAME_BALLS``, bad options, or Matplotlib missing.

    >>> import rollingball as rb
    >>> run = rb.roll("cos(3*x)/3 + x^2/10", 2.0, radius=0.5, lr=0.1, steps=20)
    >>> anim = rb.animate(run, frames=5, baselines=["gd"])
    >>> anim.steps.tolist()
    [0, 5, 10, 15, 20]
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
    if fps is not None and interval is not None:
        raise ValueError("give fps or interval, not both")
    if interval is None:
        fps = 20.0 if fps is None else fps
        if not (isinstance(fps, numbers.Real) and math.isfinite(fps) and 0 < fps <= 120):
            raise ValueError(f"fps must lie in (0, 120], got {fps!r}")
        interval = 1000.0 / float(fps)
    if not (isinstance(interval, numbers.Real) and math.isfinite(interval) and interval > 0):
        raise ValueError(f"interval must be a positive number of milliseconds, got {interval!r}")
    if not (_is_int(trail) and 0 <= trail <= MAX_FRAMES):
        raise ValueError(f"trail must be a non-negative integer, got {trail!r}")
    if not (isinstance(dpi, numbers.Real) and math.isfinite(dpi) and 20 <= dpi <= 600):
        raise ValueError(f"dpi must lie in [20, 600], got {dpi!r}")
    if figsize is not None:
        try:
            w, h = (float(v) for v in figsize)
        except (TypeError, ValueError):
            raise ValueError(f"figsize must be (width, height) in inches, got {figsize!r}") \
                from None
        if not (0.5 <= w <= 40 and 0.5 <= h <= 40):
            raise ValueError(f"figsize must lie in [0.5, 40] inches, got {figsize!r}")
        figsize = (w, h)
    options = dict(theme=theme, trail=int(trail), circles=bool(circles), dpi=float(dpi),
                   interval=float(interval), figsize=figsize, title=title, repeat=bool(repeat),
                   offset=bool(offset))
    data = animation_data(result, baselines=baselines, frames=frames, max_frames=max_frames,
                          xlim=xlim, ylim=ylim, offset=offset, circles=circles, options=options)
    try:
        from rollingball.notebook import _player  # deferred: optional dependency matplotlib
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.split(".")[0] == "matplotlib":
            raise ValueError("rb.animate needs matplotlib: pip install 'rollingball[anim]'") \
                from None
        raise
    return _player.BallAnimation(data)
