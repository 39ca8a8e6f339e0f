r"""Figure 2 (Section 5.1): the ironing :math:`\Delta(\rho) = \sup f_\rho - \inf f_\rho` of sin.

:math:`f = \sin` on :math:`[-3\pi, 3\pi]`, log-log, with the plateau :math:`\Delta = 2` for
:math:`\rho \le \rho_c = 1` and the large-:math:`\rho` decay, whose log-log slope is fitted
over the last decade of radii.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rollingball.geometry.ironing import ironing
from rollingball.geometry.reach import critical_radius
from rollingball.paper._common import SINGLE, out_dir, pyplot, quiet, save_figure, style, write_csv
from rollingball.symbolic.catalog import sine

__all__ = ["fig2_data", "draw_fig2", "fig2", "fit_loglog_slope"]


def fit_loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (the decay exponent).

    >>> round(fit_loglog_slope(np.array([1.0, 10.0, 100.0]), np.array([3.0, 0.3, 0.03])), 12)
    -1.0
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 2 or np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("fit_loglog_slope needs at least two positive points")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def fig2_data(radii=None, *, progress: Callable[[str], None] = quiet) -> dict:
    r"""Figure 2: :math:`\Delta(\rho)` of :math:`\sin` on :math:`[-3\pi, 3\pi]`.

    Args:
        radii: the radii (default: 61 radii log-spaced from 1e-2 to 1e3, plus 1).
        progress: called with a message as the work goes on.

    Returns:
        a dict with ``radii``, ``delta``, ``critical_radius`` (the package's exact
        value, 1), ``plateau_error`` (max :math:`|\Delta - 2|` for :math:`\rho \le 1`),
        ``decay_slope`` (log-log slope over the last decade of radii), ``asymptote``
        (:math:`9\pi^2/(8\rho)`, the domain-edge asymptote) and ``summary``.

    >>> d = fig2_data([0.5, 1.0, 2.0])
    >>> [round(float(v), 9) for v in d["delta"][:2]]
    [2.0, 2.0]
    """
    if radii is None:
        radii = np.unique(np.r_[np.geomspace(1e-2, 1e3, 61), 1.0])
    radii = np.sort(np.asarray(radii, dtype=float))
    if radii.ndim != 1 or radii.size < 2 or np.any(~(radii > 0)):
        raise ValueError("fig2 needs at least two positive radii")
    L = sine()
    domain = (-3 * np.pi, 3 * np.pi)
    progress(f"Delta(rho) for sin on [-3pi, 3pi], {radii.size} radii")
    res = ironing(L, radii, domain=domain)
    delta = np.asarray(res.delta, dtype=float)
    rc = float(critical_radius(L).radius)
    plateau = radii <= rc
    plateau_error = float(np.max(np.abs(delta[plateau] - 2.0))) if plateau.any() else float("nan")
    last = radii >= radii[-1] / 10
    slope = fit_loglog_slope(radii[last], delta[last]) if last.sum() >= 2 else float("nan")
    asym = 9 * np.pi**2 / (8 * radii)
    progress(f"plateau |Delta - 2| <= {plateau_error:.1e}, decay slope {slope:.4f}")
    summary = dict(
        radii=radii.tolist(), delta=delta.tolist(), critical_radius=rc,
        plateau_error=plateau_error, plateau_radii=int(plateau.sum()),
        decay_slope=slope, decay_fit_range=[float(radii[last][0]), float(radii[-1])],
        largest_radius=float(radii[-1]),
        ratio_to_asymptote_at_largest=float(delta[-1] / asym[-1]),
        strictly_decreasing_above_rc=bool(np.all(np.diff(delta[~plateau]) < 0)),
    )
    return dict(radii=radii, delta=delta, critical_radius=rc, plateau_error=plateau_error,
                decay_slope=slope, asymptote=asym, summary=summary)


def draw_fig2(d: dict) -> dict[str, object]:
    """The Matplotlib figure of :func:`fig2_data`'s result: ``{"fig2": Figure}`` (one column)."""
    with style() as plt:
        fig, ax = plt.subplots(figsize=(SINGLE, 2.7))
        ax.loglog(d["radii"], d["delta"], "o-", ms=2.5, lw=1.0,
                  label=r"$\Delta(\rho)$, exact offset")
        big = d["radii"] >= 2.0
        ax.loglog(d["radii"][big], d["asymptote"][big], "--", lw=1.0,
                  label=r"$9\pi^2/(8\rho)$")
        ax.axhline(2.0, color="0.45", lw=0.8, ls=":", label=r"plateau $\Delta = 2$")
        ax.axvline(d["critical_radius"], color="C2", lw=0.9, ls="-.",
                   label=rf"$\rho_c = {d['critical_radius']:g}$")
        ax.set_xlabel(r"radius $\rho$")
        ax.set_ylabel(r"$\Delta(\rho) = \sup f_\rho - \inf f_\rho$")
        ax.set_title(rf"$\sin$ on $[-3\pi, 3\pi]$; decay slope {d['decay_slope']:.3f}")
        ax.legend(loc="lower left")
    return {"fig2": fig}


def fig2(out, radii=None, *, progress: Callable[[str], None] = quiet,
         formats: Sequence[str] = ("png",), dpi: float = 300) -> dict:
    """Figure 2 as ``fig2.<format>`` and ``fig2.csv`` in ``out``; returns :func:`fig2_data`."""
    out = out_dir(out)
    d = fig2_data(radii, progress=progress)
    write_csv(out / "fig2.csv", ["rho", "delta", "asymptote_9pi2_over_8rho", "plateau"],
              zip(d["radii"], d["delta"], d["asymptote"], d["radii"] <= d["critical_radius"],
                  strict=True))
    for stem, fig in draw_fig2(d).items():
        paths = save_figure(fig, out, stem, formats, dpi)
        pyplot().close(fig)
        progress(f"wrote {', '.join(p.name for p in paths)} and fig2.csv")
    return d
