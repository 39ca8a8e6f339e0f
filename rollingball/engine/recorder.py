r"""The bookkeeping of a run: the recorder of every step, the per-ball status test, progress.

A ball whose state turns non-finite, that leaves the ``domain``, or whose
:math:`|\theta|_\infty` exceeds :data:`DIVERGE_THETA` (or :math:`|f|` exceeds
:data:`DIVERGE_LOSS`) is frozen at its last valid state and flagged (:func:`check_new`);
the others go on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

from rollingball.engine.result import Status

__all__ = ["Recorder", "check_new", "Progress", "ProgressCallback", "STATUS", "DIVERGE_THETA",
           "DIVERGE_LOSS"]

#: A ball with a larger max-norm iterate has diverged.
DIVERGE_THETA = 1e8
#: A ball with a larger |loss| has diverged.
DIVERGE_LOSS = 1e150
#: The status of each code of :func:`check_new`.
STATUS = {0: Status.OK, 1: Status.DIVERGED, 2: Status.NON_FINITE, 3: Status.LEFT_BOX}
#: A progress callback: called with (steps done, steps in all).
ProgressCallback = Callable[[int, int], None]


class Recorder:
    """The arrays of a run of ``n`` balls for ``T`` steps in ``d`` dimensions."""

    def __init__(self, T: int, n: int, d: int) -> None:
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
        """Stop balls ``idx`` at step ``t``: they keep their state of step t-1 from now on."""
        self.status[idx] = code
        self.stopped_at[idx] = t


def check_new(theta, loss, extra, lo, hi) -> np.ndarray:
    """Per ball: 0 ok, 1 diverged, 2 non-finite, 3 left the domain [lo, hi]."""
    code = np.zeros(theta.shape[0], dtype=np.int64)
    finite = np.all(np.isfinite(theta), axis=1) & np.isfinite(loss)
    for e in extra:
        finite &= np.all(np.isfinite(e.reshape(e.shape[0], -1)), axis=1)
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
