r"""The inputs of a run, checked: starts, schedules of radius and learning rate, the domain.

Every check raises a one-line ``ValueError`` naming the argument.  :func:`starts_by_radius`
builds the batch of a radius sweep (every start at every radius) as a :class:`StartGrid`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["StartGrid", "starts_by_radius", "Schedule", "as_starts", "schedule", "as_domain"]

#: A radius or learning rate: a scalar, one value per ball, or a function of the step index.
Schedule = float | np.ndarray | Callable[[int], Any]


@dataclass(frozen=True, eq=False)
class StartGrid:
    """Every start at every radius, as one batch (radius-major).

    Attributes:
        x0: ``(K*M, d)`` the starts, repeated once per radius.
        radius: ``(K*M,)`` the radius of each ball.
    """

    x0: np.ndarray
    radius: np.ndarray


def starts_by_radius(x0, radii) -> StartGrid:
    """A radius sweep times a set of starts as one batch.

    Ball ``k*M + m`` starts at ``x0[m]`` with radius ``radii[k]``: every start at the first
    radius, then every start at the second, ...

    Args:
        x0: ``(M, d)`` starts (``(M,)`` or a scalar in 1-D).
        radii: ``(K,)`` radii (or a scalar).

    Returns:
        a :class:`StartGrid` with ``x0`` ``(K*M, d)`` and ``radius`` ``(K*M,)``.

    >>> g = starts_by_radius([0.0, 1.0], [0.1, 0.2])
    >>> g.x0[:, 0].tolist(), g.radius.tolist()
    ([0.0, 1.0, 0.0, 1.0], [0.1, 0.1, 0.2, 0.2])
    """
    s = np.asarray(x0, dtype=float)
    if s.ndim == 0:
        s = s.reshape(1, 1)
    elif s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2:
        raise ValueError(f"x0 must have shape (M, d), (M,) or be a scalar, got {s.shape}")
    r = np.atleast_1d(np.asarray(radii, dtype=float))
    if r.ndim != 1:
        raise ValueError(f"radii must be a scalar or a 1-D array, got shape {r.shape}")
    return StartGrid(x0=np.tile(s, (r.size, 1)), radius=np.repeat(r, s.shape[0]))


def as_starts(x0, d: int) -> np.ndarray:
    """The starts as ``(N, d)`` floats (``(N,)`` or a scalar accepted in 1-D), finite."""
    try:
        x = np.asarray(x0, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be numbers, got {x0!r}") from None
    if d == 1 and x.ndim <= 1:
        x = x.reshape(-1, 1)
    elif x.ndim == 1 and x.shape[0] == d:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != d or x.shape[0] == 0:
        raise ValueError(f"x0 must have shape (N, {d}) for this {d}-D loss"
                         + (" (or (N,) / a scalar)" if d == 1 else "") + f", got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains NaN or inf")
    return x.copy()


def schedule(value, n: int, what: str, allow_zero: bool) -> Callable[[int], np.ndarray]:
    """``value`` (a scalar, ``(n,)`` or a function of the step) as ``t -> (n,)`` values,
    each finite and positive (or >= 0 with ``allow_zero``)."""
    def check(v, t) -> np.ndarray:
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be numbers, got {v!r}") from None
        if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
            raise ValueError(f"{what} must be a scalar or have shape ({n},), got {arr.shape}"
                             + (f" at step {t}" if t is not None else ""))
        arr = np.broadcast_to(arr, (n,)).astype(float)
        bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
        if np.any(bad):
            rule = ">= 0" if allow_zero else "> 0"
            raise ValueError(f"{what} must be finite and {rule}, got {arr[bad][0]}"
                             + (f" at step {t}" if t is not None else ""))
        return arr

    if callable(value):
        return lambda t: check(value(t), t)
    fixed = check(value, None)
    return lambda t: fixed


def as_domain(domain, d: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``(lo, hi)`` or ``d`` pairs as the bounds ``lo, hi`` ``(d,)`` (None, None for none)."""
    if domain is None:
        return None, None
    try:
        arr = np.asarray(domain, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"domain must be numbers, got {domain!r}") from None
    if arr.shape == (2,):
        arr = np.tile(arr, (d, 1))
    if arr.shape != (d, 2) or np.any(np.isnan(arr)) or np.any(arr[:, 0] >= arr[:, 1]):
        raise ValueError(f"domain must be (lo, hi) or {d} pairs with lo < hi, got {domain}")
    return arr[:, 0].copy(), arr[:, 1].copy()

