r"""The rolling-ball update of the authors' public 1-D script, re-implemented for comparison.

The paper's Figure 3 was drawn by a public script (repository
``mohammedbelgoumri/milestone-d2.5-followup``, ``src/utilities/optim.py`` driven by
``examples/weirstrass.py``).  It is **not** Algorithm 1.  Reading it line by line
gives this update, for a loss value :math:`f` and the slope :math:`s` the script
uses, at the footpoint :math:`\theta_t`:

.. math::

    p_t = (\theta_t, f(\theta_t)),\qquad
    n_t = \frac{(1,\ -s(\theta_t))}{\sqrt{1 + s(\theta_t)^2}},\qquad
    c_t = p_t - \rho\, n_t,

    \tilde c_{t+1} = c_t - \eta\,(s(\theta_t),\ s(\theta_t)^2),

    u_0 = (c_t)_x,\qquad
    u_{j+1} = u_j - \gamma\big[(u_j - \tilde c_x) + s(u_j)\,(f(u_j) - \tilde c_y)\big],
    \quad j = 0..P-1,\qquad \theta_{t+1} = u_P .

It departs from the paper in three ways, each of which can be switched off here:

``slope="code"``
    for Eq. 13, :math:`f = \sum_k \sin(k^2\theta)/k^2`, the script's hand-written
    derivative is :math:`\sum_k \cos(k^2\theta)/k^2`, the derivative of the smooth
    :math:`\sum_k \sin(k^2\theta)/k^4`, not :math:`f' = \sum_k \cos(k^2\theta)`.
    ``slope="exact"`` uses the true derivative.
``placement="code"``
    the centre is :math:`p - \rho(1, -s)/|(1, -s)|`: beside the point (a horizontal
    offset of :math:`\rho` where the slope vanishes), not above it.
    ``placement="normal"`` uses Eq. 6, :math:`c = p + \rho\,\nu(p)`.
``warm_start="centre"``
    the projection's :math:`P` gradient steps start from the centre's abscissa, not
    from the current footpoint.  ``warm_start="footpoint"`` starts from
    :math:`\theta_t`.

With ``P = 20`` and ``gamma = 0.05`` the projection contracts the horizontal error
by only :math:`0.95^{20} \approx 0.36`, so with the sideways centre the footpoint
lands about :math:`0.64\,\rho/\sqrt{1+s^2}` away from where it started: the
iterates advance in jumps whose length grows with :math:`\rho`, and the polyline of
centres is the graph of :math:`f` sampled ever more coarsely.  That is the
"coarser images of the loss landscape, while maintaining the global shape" of the
paper's Figure 3: a sampling effect, not the :math:`\rho`-offset (see the
reproduction report).

Everything is vectorised over radii (one ball per radius); the loop is over steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["PublishedRun", "published_rbo_1d", "weierstrass_functions", "fig3_as_published",
           "PAPER_FIG3_RADII"]

#: The radii of the public Figure 3 script: ``numpy.logspace(-2, 0, 5)``.
PAPER_FIG3_RADII = tuple(float(r) for r in np.logspace(-2, 0, 5))

_Fn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PublishedRun:
    """Trajectories of :func:`published_rbo_1d`, one column per radius.

    Attributes:
        radii: shape ``(R,)``.
        theta: footpoints :math:`\\theta_t`, shape ``(T+1, R)``.
        centre: centres :math:`c_t` as the script records them (``t = 0..T-1``),
            shape ``(T, R, 2)``.
        options: the switches used (``slope``, ``placement``, ``warm_start``) and the
            numeric settings.
    """

    radii: np.ndarray
    theta: np.ndarray
    centre: np.ndarray
    options: dict

    def jumps(self) -> np.ndarray:
        """``|theta_{t+1} - theta_t|``, shape ``(T, R)``."""
        return np.abs(np.diff(self.theta, axis=0))


def weierstrass_functions(n: int = 100) -> tuple[_Fn, _Fn, _Fn]:
    r"""``(f, true slope, script slope)`` of Eq. 13, vectorised NumPy functions.

    .. math::

        f = \sum_{k=1}^n \frac{\sin k^2\theta}{k^2},\qquad
        f' = \sum_{k=1}^n \cos k^2\theta,\qquad
        s_{\rm code} = \sum_{k=1}^n \frac{\cos k^2\theta}{k^2}.

    >>> f, fp, s = weierstrass_functions(3)
    >>> round(float(fp(0.0)), 12), round(float(s(0.0)), 12)
    (3.0, 1.361111111111)
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    k2 = np.arange(1, int(n) + 1, dtype=float) ** 2

    def f(x):
        x = np.asarray(x, dtype=float)
        return (np.sin(x[..., None] * k2) / k2).sum(-1)

    def fp(x):
        x = np.asarray(x, dtype=float)
        return np.cos(x[..., None] * k2).sum(-1)

    def s(x):
        x = np.asarray(x, dtype=float)
        return (np.cos(x[..., None] * k2) / k2).sum(-1)

    return f, fp, s


def published_rbo_1d(
    f: _Fn,
    slope: _Fn,
    x0: float,
    radii,
    *,
    lr: float,
    steps: int,
    proj_steps: int,
    gamma: float,
    placement: str = "code",
    warm_start: str = "centre",
    progress: Callable[[int, int], None] | None = None,
) -> PublishedRun:
    r"""Run the public script's rolling-ball update for several radii at once.

    See the module docstring for the update.  ``slope`` is whatever derivative the
    caller wants the script to use (the true one or the script's).

    Args:
        f: the loss, vectorised.
        slope: the derivative used for the normal, the tangent and the projection.
        x0: the start :math:`\theta_0` (2 in the paper).
        radii: one radius per ball, shape ``(R,)``, each >= 0.
        lr: :math:`\eta > 0`.
        steps: :math:`T >= 1` epochs.
        proj_steps: :math:`P >= 1` gradient steps per projection.
        gamma: projection step size :math:`\gamma > 0`.
        placement: ``"code"`` (beside: :math:`p - \rho(1,-s)/|(1,-s)|`) or ``"normal"``
            (Eq. 6: :math:`p + \rho\nu`).
        warm_start: ``"centre"`` (the script) or ``"footpoint"``.
        progress: called as ``progress(t, steps)`` every 100 steps.

    Returns:
        a :class:`PublishedRun`.

    >>> f, fp, s = weierstrass_functions(10)
    >>> run = published_rbo_1d(f, s, 2.0, [0.01, 0.1], lr=1e-3, steps=5, proj_steps=20,
    ...                        gamma=0.05)
    >>> run.theta.shape, run.centre.shape
    ((6, 2), (5, 2, 2))
    """
    radii = np.atleast_1d(np.asarray(radii, dtype=float))
    if radii.ndim != 1 or not np.all(np.isfinite(radii)) or np.any(radii < 0):
        raise ValueError(f"radii must be a 1-D list of finite numbers >= 0, got {radii}")
    for name, value in (("lr", lr), ("gamma", gamma)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be positive, got {value}")
    for name, value in (("steps", steps), ("proj_steps", proj_steps)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}")
    if placement not in ("code", "normal"):
        raise ValueError(f"placement must be 'code' or 'normal', got {placement!r}")
    if warm_start not in ("centre", "footpoint"):
        raise ValueError(f"warm_start must be 'centre' or 'footpoint', got {warm_start!r}")
    if not np.isfinite(x0):
        raise ValueError(f"x0 must be finite, got {x0}")
    steps, proj_steps = int(steps), int(proj_steps)
    theta = np.empty((steps + 1, radii.size))
    centre = np.empty((steps, radii.size, 2))
    x = np.full(radii.size, float(x0))
    theta[0] = x
    for t in range(steps):
        fx, sx = f(x), slope(x)
        w = np.sqrt(1.0 + sx * sx)
        if placement == "code":
            cx, cy = x - radii / w, fx + radii * sx / w
        else:
            cx, cy = x - radii * sx / w, fx + radii / w
        centre[t, :, 0], centre[t, :, 1] = cx, cy
        tx, ty = cx - lr * sx, cy - lr * sx * sx
        u = cx.copy() if warm_start == "centre" else x.copy()
        for _ in range(proj_steps):
            u = u - gamma * ((u - tx) + slope(u) * (f(u) - ty))
        x = u
        theta[t + 1] = x
        if progress is not None and (t + 1) % 100 == 0:
            progress(t + 1, steps)
    options = dict(x0=float(x0), lr=float(lr), steps=steps, proj_steps=proj_steps,
                   gamma=float(gamma), placement=placement, warm_start=warm_start)
    return PublishedRun(radii=radii, theta=theta, centre=centre, options=options)


def fig3_as_published(
    radii=PAPER_FIG3_RADII,
    *,
    n: int = 100,
    steps: int = 2000,
    lr: float = 1e-3,
    proj_steps: int = 20,
    gamma: float = 0.05,
    x0: float = 2.0,
    slope: str = "code",
    placement: str = "code",
    warm_start: str = "centre",
    progress: Callable[[int, int], None] | None = None,
) -> PublishedRun:
    r"""Figure 3 as the public script computes it, on Eq. 13 with ``n`` terms.

    Defaults are the script's: radii ``logspace(-2, 0, 5)``, 2000 epochs,
    :math:`\eta = 10^{-3}`, :math:`P = 20`, :math:`\gamma = 0.05`, :math:`\theta_0 = 2`,
    and all three departures on.  ``slope="exact"`` swaps in the true derivative.

    >>> run = fig3_as_published([0.1], n=20, steps=3)
    >>> run.options["slope"], run.theta.shape
    ('code', (4, 1))
    """
    if slope not in ("code", "exact"):
        raise ValueError(f"slope must be 'code' or 'exact', got {slope!r}")
    f, fp, s = weierstrass_functions(n)
    run = published_rbo_1d(f, s if slope == "code" else fp, x0, radii, lr=lr, steps=steps,
                           proj_steps=proj_steps, gamma=gamma, placement=placement,
                           warm_start=warm_start, progress=progress)
    run.options.update(slope=slope, n=int(n))
    return run
