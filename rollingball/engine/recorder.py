r"""The bookkeeping of a run: the recorder of every step, the per-ball status test, progress.

A ball whose state turns non-finite, that leaves the ``domain``, or whose
:math:`|\theta|_\infty` exceeds :data:`DIVERGE_THETA` (or :math:`|f|` exceeds
:data:`DIVERGE_LOSS`) is frozen at its last valid state and flagged (:func:`check_new`);
the others go on.  So is a ball whose next step would need a search window over the sample
budget (:func:`window_samples`, status ``too_wide``): a step is checked before it is made.

Budgets (:mod:`rollingball._budget`, read when a run starts, so raising them there works):

* the recorded history, every ``(T+1, N, ...)`` array of :class:`Recorder` together, at most
  :data:`rollingball._budget.MAX_ARRAY_BYTES` (1 GiB): a one-line ``ValueError`` before
  anything is allocated (:func:`history_bytes`);
* one ball's search window, at most :data:`rollingball._budget.MAX_GRID_POINTS` samples
  (4 000 000): the exact projection scans :math:`|\theta - a| \le R` on a grid of spacing
  :math:`h` (``resolution``), :math:`2R/h + 1` samples, with :math:`R \le |\tilde c - p_t|`
  (the current footpoint :math:`p_t` is a graph point); the exact offset samples
  :math:`\pi\rho/h_\rho` contact angles; the d-D contact solver walks to
  :math:`\tilde c` in sub-steps of a quarter radius, at most
  :data:`rollingball.numeric.offset_projection.MAX_SUBSTEPS` (checked where it runs).  At the
  start the radii and the resolution are parameters (over budget: a ``ValueError``); after
  that a ball over budget is frozen with status ``too_wide``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

from rollingball import _budget
from rollingball.engine.result import Status

__all__ = ["Recorder", "check_new", "Progress", "ProgressCallback", "STATUS", "DIVERGE_THETA",
           "DIVERGE_LOSS", "TOO_WIDE", "history_bytes", "window_samples"]

#: A ball with a larger max-norm iterate has diverged.
DIVERGE_THETA = 1e8
#: A ball with a larger |loss| has diverged.
DIVERGE_LOSS = 1e150
#: The status code of a ball whose step would need a search window over budget.
TOO_WIDE = 4
#: Code of a ball stopped at rest (``roll(rest_tol=...)``).
AT_REST = 5
#: The status of each code of :func:`check_new` (and :data:`TOO_WIDE`).
STATUS = {0: Status.OK, 1: Status.DIVERGED, 2: Status.NON_FINITE, 3: Status.LEFT_BOX,
          TOO_WIDE: Status.TOO_WIDE, AT_REST: Status.AT_REST}
# a grid index k = x / h must fit an int64 with room to spare
_MAX_INDEX = 2.0**52


def history_bytes(T: int, n: int, d: int) -> float:
    """Bytes of the arrays :class:`Recorder` allocates: per step and ball, ``theta`` (d),
    ``point`` and ``centre`` (d+1 each), six float or int64 columns and three booleans.

    >>> history_bytes(10, 2, 1)
    2002.0
    """
    return float(T + 1) * float(n) * (8.0 * (3 * d + 2 + 6) + 3.0)


def window_samples(reach: np.ndarray, where: np.ndarray, h: float, rho: np.ndarray,
                   h_offset: float) -> np.ndarray:
    r"""Samples of the largest search window a step needs, per ball:

    .. math::  \max\Big(\frac{2R}{h} + 1,\ \frac{\pi\rho}{h_\rho}\Big),

    ``reach`` :math:`R` the distance from the point to project to a known graph point (it
    bounds the projection's window), ``h`` the scan spacing, ``rho`` the radius and
    ``h_offset`` the offset's spacing; ``inf`` where anything is not finite, or where a grid
    index :math:`(|a| + R)/h` would not fit an int64 (``where`` the points' largest
    :math:`|a|`).
    """
    with np.errstate(all="ignore"):
        scan = 2.0 * reach / h + 1.0
        offset = np.pi * rho / h_offset
        out = np.maximum(scan, offset)
        index = (where + reach) / h
    return np.where(np.isfinite(out) & (index <= _MAX_INDEX), out, np.inf)
#: A progress callback: called with (steps done, steps in all).
ProgressCallback = Callable[[int, int], None]


class Recorder:
    """The arrays of a run of ``n`` balls for ``T`` steps in ``d`` dimensions."""

    def __init__(self, T: int, n: int, d: int) -> None:
        _budget.check_array([history_bytes(T, n, d)], f"the recorded history of {T} steps x "
                            f"{n} ball{'s' * (n != 1)} in {d}-D", itemsize=1,
                            hint="use fewer steps or balls")
        self.theta = np.full((T + 1, n, d), np.nan)
        self.point = np.full((T + 1, n, d + 1), np.nan)
        self.centre = np.full((T + 1, n, d + 1), np.nan)
        self.loss = np.full((T + 1, n), np.nan)
        self.residual = np.full((T + 1, n), np.nan)
        self.radius_t = np.full((T + 1, n), np.nan)
        self.iterations = np.zeros((T + 1, n), dtype=np.int64)
        self.proj_residual = np.zeros((T + 1, n))
        self.jumped = np.zeros((T + 1, n), dtype=bool)
        self.certified = np.ones((T + 1, n), dtype=bool)
        self.offset_solve = np.zeros((T + 1, n), dtype=bool)
        self.status = np.zeros(n, dtype=np.int64)
        self.stopped_at = np.full(n, -1, dtype=np.int64)

    def freeze(self, t: int, idx: np.ndarray, code: int) -> None:
        """Stop balls ``idx`` at step ``t``: they keep their state of step t-1 from now on
        (``AT_REST``: of step t, which they completed)."""
        self.status[idx] = code
        self.stopped_at[idx] = t


def check_new(theta, loss, extra, lo, hi) -> np.ndarray:
    """Per ball: 0 ok, 1 diverged, 2 non-finite, 3 left the domain [lo, hi]."""
    code = np.zeros(theta.shape[0], dtype=np.int64)
    finite = np.all(np.isfinite(theta), axis=1) & np.isfinite(loss)
    for e in extra:
        finite &= np.all(np.isfinite(e.reshape(e.shape[0], -1 if e.size else 0)), axis=1)
    with np.errstate(invalid="ignore"):
        big = (np.max(np.abs(theta), axis=1) > DIVERGE_THETA) | (np.abs(loss) > DIVERGE_LOSS)
        code[big] = 1
        code[~finite] = 2
        if lo is not None:
            out = np.any((theta < lo) | (theta > hi), axis=1) & finite & ~big
            code[out] = 3
    return code


class Progress:
    """Progress of a run: a bar on stderr (``True``), nothing (``False``), or a callback
    ``progress(done, total)`` called after each step."""

    def __init__(self, total: int, progress: bool | ProgressCallback) -> None:
        self.callback = progress if callable(progress) else None
        self.total, self.last = total, -1
        self.enabled = self.callback is None and bool(progress) and total > 0

    def update(self, t: int) -> None:
        """Step ``t`` of ``total`` is done."""
        if self.callback is not None:
            self.callback(t, self.total)
        if not self.enabled:
            return
        pct = int(100 * t / self.total)
        if pct != self.last:
            self.last = pct
            bar = "#" * (pct // 4) + "." * (25 - pct // 4)
            sys.stderr.write(f"\r[{bar}] {pct:3d}% step {t}/{self.total}")
            if t == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()
