r"""Resource budgets: every allocation or piece of work that scales with a user number is
checked here before it is made.

Over budget is a one-line :class:`ValueError` naming the estimate and the limit (for a
parameter), never a ``MemoryError``, a kernel kill or a hang.  The budgets are module
constants, so a caller that knows better can raise them (``rollingball._budget.MAX_GRID_POINTS
= ...``); they are sized for a laptop: an array of at most :data:`MAX_ARRAY_BYTES`, a few
seconds of work per call.

=========================  ===================  =============================================
budget                     value                what it bounds
=========================  ===================  =============================================
:data:`MAX_ARRAY_BYTES`    1 GiB                one float64 array (grid, window, history)
:data:`MAX_GRID_POINTS`    4 000 000            points of one sample grid (reach, iron)
:data:`MAX_EVALUATIONS`    400 000 000          grid points x sum terms of one evaluation
:data:`MAX_SUM_TERMS`      10 000               terms of all the sums of a loss string
:data:`MAX_POLY_DEGREE`    200                  degree of a polynomial given to exact roots
:data:`MAX_CONSTANT_LOG10` 300                  :math:`|\log_{10}|c||` of a constant
:data:`SYMBOLIC_SECONDS`   5 s                  one piece of symbolic work (simplify, roots)
=========================  ===================  =============================================

Time is bounded with :func:`time_limit` (``SIGALRM``, main thread only; elsewhere the block
runs unbounded) and :func:`bounded`, which returns a fallback when the bound is hit.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import sympy as sp

__all__ = [
    "MAX_ARRAY_BYTES",
    "MAX_GRID_POINTS",
    "MAX_EVALUATIONS",
    "MAX_SUM_TERMS",
    "MAX_POLY_DEGREE",
    "MAX_CONSTANT_LOG10",
    "SYMBOLIC_SECONDS",
    "TimeBudgetExceeded",
    "check",
    "check_array",
    "check_grid",
    "grid_points",
    "time_limit",
    "bounded",
    "sum_terms",
]

#: Bytes of one array (1 GiB).
MAX_ARRAY_BYTES = 1 << 30
#: Points of one sample grid.
MAX_GRID_POINTS = 4_000_000
#: Grid points times sum terms of one evaluation of a loss over a grid.
MAX_EVALUATIONS = 400_000_000
#: Terms of all the sums of a loss string together (nested sums multiply).
MAX_SUM_TERMS = 10_000
#: Degree of a polynomial handed to exact real-root isolation.
MAX_POLY_DEGREE = 200
#: Largest |log10 |c|| of a numeric constant in a loss (|c| <= 1e300, and no 10^-300).
MAX_CONSTANT_LOG10 = 300
#: Seconds of one piece of symbolic work on user input.
SYMBOLIC_SECONDS = 5.0

_T = TypeVar("_T")


class TimeBudgetExceeded(BaseException):
    """Raised inside a :func:`time_limit` block that ran out of time.

    A ``BaseException`` (like ``KeyboardInterrupt``) so library code catching ``Exception``
    does not swallow it.
    """


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"


def check(estimate: float, limit: float, what: str, hint: str = "") -> None:
    """Raise ``ValueError("<what> needs about <estimate>, over the budget of <limit>")``.

    ``estimate`` may be ``inf`` or ``nan`` (a non-finite user number): that is over budget.
    """
    if not (estimate <= limit):
        tail = f"; {hint}" if hint else ""
        raise ValueError(f"{what} needs about {_fmt(estimate)}, over the budget of "
                         f"{_fmt(limit)}{tail}")


def grid_points(box: Sequence[Sequence[float]] | Sequence[float], spacing: float) -> float:
    r"""Points of a grid of spacing h on a box: :math:`\prod_i (\lceil (b_i-a_i)/h\rceil + 1)`.

    A float (never an overflowing integer); ``inf`` for a non-positive or non-finite spacing.

    >>> grid_points([(0.0, 1.0)], 0.1)
    11.0
    """
    try:
        spacing = float(spacing)
    except (TypeError, ValueError):
        return math.inf
    if not (math.isfinite(spacing) and spacing > 0):
        return math.inf
    rows = [box] if len(box) == 2 and not hasattr(box[0], "__len__") else box
    total = 1.0
    for lo, hi in rows:
        width = float(hi) - float(lo)
        if not math.isfinite(width):
            return math.inf
        total *= math.ceil(abs(width) / spacing) + 1.0
    return total


def check_grid(points: float, what: str = "the sample grid", terms: float = 1.0,
               hint: str = "use a coarser --resolution or a smaller domain") -> None:
    """Check a grid of ``points`` points against :data:`MAX_GRID_POINTS` and, with
    ``terms`` sum terms per evaluation, ``points * terms`` against :data:`MAX_EVALUATIONS`."""
    check(points, MAX_GRID_POINTS, f"{what}", hint=hint)
    if terms > 1:
        check(points * terms, MAX_EVALUATIONS, f"{what} ({_fmt(points)} points x "
              f"{_fmt(terms)} sum terms)", hint=hint)


def check_array(shape: Sequence[float], what: str, itemsize: int = 8, hint: str = "") -> None:
    """Check an array of ``shape`` (float entries allowed) against :data:`MAX_ARRAY_BYTES`."""
    nbytes = float(itemsize)
    for n in shape:
        nbytes *= float(n)
    if not (nbytes <= MAX_ARRAY_BYTES):
        tail = f"; {hint}" if hint else ""
        raise ValueError(f"{what} needs about {nbytes / 2**30:.3g} GiB, over the budget of "
                         f"{MAX_ARRAY_BYTES / 2**30:.3g} GiB{tail}")


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeBudgetExceeded` in the block once ``seconds`` have passed.

    Uses ``SIGALRM`` (re-armed every 0.25 s until the block ends, so code that swallows the
    exception is interrupted again).  Nested limits keep the tighter one.  Outside the main
    thread (signals cannot be used there) the block runs without a bound.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal,
                                                                                  "setitimer"):
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:
        yield  # an enclosing, tighter limit already bounds this block
        return
    state = {"active": True}
    start = time.monotonic()

    def handler(signum, frame):
        if state["active"]:
            raise TimeBudgetExceeded(f"over the time budget of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3), 0.25)
    try:
        yield
    finally:
        state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            left = outer_left - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


def bounded(fn: Callable[[], _T], fallback: _T, seconds: float | None = None) -> _T:
    """``fn()``, or ``fallback`` when it takes longer than ``seconds``
    (default :data:`SYMBOLIC_SECONDS`) or hits SymPy's recursion limit.

    >>> bounded(lambda: 1 + 1, fallback=None)
    2
    """
    try:
        with time_limit(SYMBOLIC_SECONDS if seconds is None else seconds):
            return fn()
    except (TimeBudgetExceeded, RecursionError):
        return fallback


def sum_terms(expr) -> float:
    r"""Terms one evaluation of a SymPy expression adds up: 1 without sums, and for each
    sum :math:`\sum_{k=a}^{b}` its :math:`b-a+1` terms times those of its body (nested
    sums multiply; side-by-side sums add).

    >>> import sympy as sp
    >>> k, j, x = sp.symbols("k j x")
    >>> sum_terms(sp.Sum(sp.Sum(k * j * x, (j, 1, 20)), (k, 1, 10)) + x)
    201.0
    """

    def terms(node) -> float:
        if isinstance(node, sp.Sum):
            size = 1.0
            for _, lo, hi in node.limits:
                size *= float(hi - lo + 1) if (hi - lo).is_number else math.inf
            return size * terms(node.function)
        if not isinstance(node, sp.Basic) or not node.has(sp.Sum):
            return 1.0
        return 1.0 + sum(terms(a) for a in node.args if a.has(sp.Sum))

    return terms(expr)
