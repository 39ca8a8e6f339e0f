r"""Figure 3 (Section 5.1): centre trajectories on Eq. 13 for several radii.

Eq. 13 is :func:`rollingball.symbolic.catalog.weierstrass_like`; :math:`\theta_0 = 2`,
:math:`\eta = 10^{-3}`.  Variants: Algorithm 1 with the paper's projection
(:math:`\gamma = 0.05`, :math:`P = 20`), Algorithm 1 with the exact projection, the
offset-keeping RBO, and optionally the authors' public script
(:mod:`rollingball.paper.published`).  Drawn as the paper lays it out: the loss top left,
then one panel per radius with the offset :math:`f_\rho` and the centre path, and a zoom
inset wherever the path is too short to see at the panel's scale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rollingball.engine.loop import roll
from rollingball.numeric.distance import distance_to_graph
from rollingball.numeric.offset import upper_offset, upper_offset_grid
from rollingball.paper._common import (
    DOUBLE,
    out_dir,
    pyplot,
    quiet,
    save_figure,
    style,
    write_csv,
)
from rollingball.paper.published import fig3_as_published
from rollingball.symbolic.catalog import weierstrass_like
from rollingball.symbolic.landscape import Landscape

__all__ = ["FIG3_RADII", "FIG3_VARIANTS", "FIG3_NAMES", "fig3_data", "draw_fig3", "fig3",
           "offset_roughness"]

#: The paper's radii of Figure 3.
FIG3_RADII = (0.01, 0.0316, 0.1, 0.316, 1.0)
#: Long names of the variants (figure titles and the report).
FIG3_NAMES = {
    "alg1/paper": "Algorithm 1, paper's projection",
    "alg1/exact": "Algorithm 1, exact projection",
    "rbo": "offset-keeping RBO",
    "published": "as published (public script)",
}
#: Figure 3 variants: label -> (engine method, projection).
FIG3_VARIANTS = {
    "alg1/paper": ("alg1", "paper"),
    "alg1/exact": ("alg1", "exact"),
    "rbo": ("rbo", "exact"),
}


def _roughness(cx: np.ndarray, cy: np.ndarray) -> float:
    """Total variation of the centre height per unit of horizontal travel."""
    dx = np.abs(np.diff(cx)).sum()
    return float(np.abs(np.diff(cy)).sum() / dx) if dx > 0 else float("nan")


def fig3_data(
    radii: Sequence[float] = FIG3_RADII,
    *,
    n: int = 100,
    steps: int = 2000,
    lr: float = 1e-3,
    x0: float = 2.0,
    gamma: float = 0.05,
    proj_steps: int = 20,
    variants: Sequence[str] = tuple(FIG3_VARIANTS),
    published: bool = False,
    progress: Callable[[str], None] = quiet,
    bar: bool = False,
) -> dict:
    r"""Figure 3: centre trajectories on Eq. 13 for several radii and variants.

    Args:
        radii: the radii.
        n: terms of Eq. 13 (100 in the paper).
        steps, lr, x0: :math:`T`, :math:`\eta`, :math:`\theta_0`.
        gamma, proj_steps: the paper's projection (:math:`\gamma`, :math:`P`).
        variants: any of ``"alg1/paper"``, ``"alg1/exact"``, ``"rbo"``.
        published: also run the authors' public script (:mod:`rollingball.paper.published`).
        progress: called with a message per run.

    Returns:
        ``{"runs": {variant: {"theta": (T+1, R), "centre": (T+1, R, 2), "residual":
        (T+1, R)}}, "radii", "landscape", "summary"}``; the summary has, per variant and
        radius, the maximum invariant violation, the horizontal range travelled, the
        final :math:`\theta`, the largest footpoint jump and the roughness of the
        centre path (total variation of :math:`c_y` per unit of horizontal travel).
    """
    radii = np.asarray(radii, dtype=float)
    if radii.ndim != 1 or radii.size == 0 or np.any(~(radii > 0)):
        raise ValueError("fig3 needs one or more positive radii")
    bad = [v for v in variants if v not in FIG3_VARIANTS]
    if bad:
        raise ValueError(f"unknown Figure 3 variant(s) {bad}; choose from {list(FIG3_VARIANTS)}")
    L = weierstrass_like(n)
    runs: dict[str, dict] = {}
    summary: dict = {"settings": dict(radii=radii.tolist(), n=n, steps=steps, lr=lr, x0=x0,
                                      gamma=gamma, proj_steps=proj_steps), "variants": {}}
    starts = np.full(radii.size, float(x0))
    for label in variants:
        method, projection = FIG3_VARIANTS[label]
        progress(f"{label}: {radii.size} radii x {steps} steps on {L.name}")
        kw = dict(gamma=gamma, proj_steps=proj_steps) if projection == "paper" else {}
        res = roll(L, starts[:, None], radius=radii, lr=lr, steps=steps, method=method,
                   projection=projection, progress=bar, **kw)
        theta = np.asarray(res.theta)[..., 0]
        centre = np.asarray(res.centre)
        residual = np.asarray(res.residual)
        runs[label] = dict(theta=theta, centre=centre, residual=residual)
        summary["variants"][label] = _fig3_rows(radii, theta, centre, residual)
    if published:
        progress(f"as published (public script): {radii.size} radii x {steps} steps")
        pub = fig3_as_published(radii, n=n, steps=steps, lr=lr, proj_steps=proj_steps,
                                gamma=gamma, x0=x0)
        centre = np.concatenate([pub.centre, pub.centre[-1:]], axis=0)  # pad to T+1 rows
        theta_pad = np.concatenate([pub.theta[:-1], pub.theta[-2:-1]], axis=0)
        residual = _distance_residual(L, centre, radii, theta_pad, progress)
        runs["published"] = dict(theta=pub.theta, centre=centre, residual=residual)
        summary["variants"]["published"] = _fig3_rows(radii, pub.theta, centre, residual)
    progress("roughness of the offsets f_rho on [0, 2] (grid dilation)")
    coarse = offset_roughness(L, radii)
    offsets = coarse.pop("curves")
    summary["coarsening"] = coarse
    return dict(runs=runs, radii=radii, landscape=L, summary=summary, offsets=offsets)


def _fig3_rows(radii, theta, centre, residual) -> list[dict]:
    rows = []
    for i, rho in enumerate(radii):
        finite = np.isfinite(residual[:, i])
        rows.append(dict(
            radius=float(rho),
            max_violation=float(np.max(residual[finite, i])) if finite.any() else float("nan"),
            theta_final=float(theta[-1, i]),
            theta_min=float(np.nanmin(theta[:, i])), theta_max=float(np.nanmax(theta[:, i])),
            largest_jump=float(np.nanmax(np.abs(np.diff(theta[:, i])))),
            roughness=_roughness(centre[:, i, 0], centre[:, i, 1]),
        ))
    return rows


def offset_roughness(L: Landscape, radii, interval=(0.0, 2.0)) -> dict:
    r"""How rough the graph the centre lives on is: :math:`\frac{1}{b-a}\int_a^b |f_\rho'|`.

    The total variation per unit length of the upper offset :math:`f_\rho` on
    ``interval`` (Figure 3's window), for :math:`\rho = 0` (the loss itself) and each
    radius, from :func:`rollingball.numeric.offset.upper_offset_grid` with a spacing of a quarter
    of the landscape's shortest wavelength (at most 1e-3).  It falls as the image
    coarsens: the measurable form of "coarser images of the loss landscape".
    """
    a, b = interval
    radii = np.asarray(radii, dtype=float)
    h = min(1e-3, (L.feature_scale or 1.0) / 4)
    pad = float(radii.max()) + h
    grid = upper_offset_grid(L, radii, domain=(a - pad, b + pad), resolution=h)
    x = grid.axes[0]
    inside = (x >= a) & (x <= b)
    tv = lambda y: float(np.abs(np.diff(y[inside])).sum() / (b - a))  # noqa: E731
    return dict(interval=[a, b], spacing=h, graph=tv(grid.f),
                offset=[tv(v) for v in grid.value], radii=radii.tolist(),
                curves=(x, grid.value))


def _distance_residual(L, centre, radii, theta, progress) -> np.ndarray:
    """|d_Gamma(c) - rho| for centres (T, R, 2), by the package's global distance."""
    progress("  measuring d_Gamma of its centres (exact distance)")
    T, R, _ = centre.shape
    flat = centre.reshape(-1, 2)
    warm = np.asarray(theta, dtype=float).reshape(-1, 1)
    d = distance_to_graph(L, flat, warm=warm).distance.reshape(T, R)
    return np.abs(d - radii[None, :])




#: A path shorter than this fraction of its panel's width gets a zoom inset.
ZOOM_BELOW = 0.08


def _window(r: dict, x0: float) -> tuple[float, float]:
    """The common horizontal window of one variant's panels: every path, and [0, x0]."""
    cx = r["centre"][..., 0]
    lo = min(float(np.nanmin(cx)), 0.0)
    hi = max(float(np.nanmax(cx)), x0)
    pad = 0.03 * (hi - lo)
    return lo - pad, hi + pad


def _ylim(*ys) -> tuple[float, float]:
    y = np.concatenate([np.ravel(v) for v in ys])
    y = y[np.isfinite(y)]
    lo, hi = float(y.min()), float(y.max())
    pad = 0.06 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1e-3)
    return lo - pad, hi + pad


def _offset_on(gx, gv, lo, hi):
    keep = (gx >= lo) & (gx <= hi)
    return gx[keep], gv[keep]


def _draw_path(ax, cx, cy, gx, gv, *, lw=1.0, inset=False):
    """f_rho (grey), the centre path, its start (black dot) and end (orange diamond)."""
    ax.plot(gx, gv, color="0.6", lw=0.8, label=None if inset else r"offset $f_\rho$")
    ax.plot(cx, cy, color="C0", lw=lw, label=None if inset else "centre path")
    ax.plot(cx[:1], cy[:1], "o", color="k", ms=3.5, label=None if inset else "start")
    ax.plot(cx[-1:], cy[-1:], "D", color="C1", mec="k", mew=0.4, ms=3.5,
            label=None if inset else "end")


def draw_fig3(d: dict) -> dict[str, object]:
    """The figures of :func:`fig3_data`'s result: ``{"fig3_<variant>": Figure}`` (two columns).

    Each figure is a grid: the loss (Eq. 13) top left, then one panel per radius with the
    offset :math:`f_\\rho` (grey), the centre path, its start and its end; where a path is
    shorter than :data:`ZOOM_BELOW` of the panel's width a zoom inset shows it.
    """
    radii, runs = d["radii"], d["runs"]
    st = d["summary"]["settings"]
    L = d.get("landscape") or weierstrass_like(st["n"])
    gx, gv = d["offsets"]
    ncol = min(3, radii.size + 1)
    nrow = -(-(radii.size + 1) // ncol)
    figs = {}
    with style() as plt:
        for label, r in runs.items():
            fig, axes = plt.subplots(nrow, ncol, figsize=(DOUBLE, 0.5 + 2.1 * nrow),
                                     squeeze=False)
            lo, hi = _window(r, st["x0"])
            x = np.linspace(lo, hi, int(min(200_000, max(20_000, 5_000 * (hi - lo)))))
            ax = axes[0, 0]
            ax.plot(x, L.f(x), lw=0.4, color="k")
            ax.set_xlim(lo, hi)
            ax.set_title(f"loss (Eq. 13, {st['n']} terms)")
            ax.set_xlabel(r"$\theta$")
            ax.set_ylabel(r"$f(\theta)$")
            rows = d["summary"]["variants"][label]
            for i, rho in enumerate(radii):
                ax = axes.flat[i + 1]
                cx, cy = r["centre"][:, i, 0], r["centre"][:, i, 1]
                ok = np.isfinite(cx) & np.isfinite(cy)
                cx, cy = cx[ok], cy[ok]
                ox, oy = _offset_on(gx, gv[i], lo, hi)
                _draw_path(ax, cx, cy, ox, oy)
                ax.set_xlim(lo, hi)
                ax.set_ylim(*_ylim(cy, oy))
                viol = rows[i]["max_violation"]
                ax.set_title(rf"$\rho$ = {rho:g}" "\n"
                             rf"max $|d_\Gamma - \rho|$ = {viol:.1e}")
                ax.set_xlabel(r"centre $c_x$")
                ax.set_ylabel(r"centre $c_y$")
                extent = float(np.ptp(cx)) if cx.size else 0.0
                if 0 < extent < ZOOM_BELOW * (hi - lo):
                    _zoom(ax, L, float(rho), cx, cy, lo, hi)
                elif extent == 0:
                    ax.text(0.04, 0.96, "centre at rest", transform=ax.transAxes, ha="left",
                            va="top", fontsize=8)
            axes.flat[1].legend(loc="best")
            for ax in axes.flat[radii.size + 1:]:
                ax.set_axis_off()
            fig.suptitle(f"Fig. 3, {FIG3_NAMES.get(label, label)}: centre paths, "
                         rf"$\theta_0$ = {st['x0']:g}, $\eta$ = {st['lr']:g}, "
                         f"{st['steps']} steps")
            figs["fig3_" + label.replace("/", "_")] = fig
    return figs


def _zoom(ax, L, rho, cx, cy, lo, hi) -> None:
    """A zoom inset on the short path, in the half of the panel away from it, with the exact
    offset :math:`f_\\rho` (the panel's grid of :math:`f_\\rho` is too coarse there)."""
    a, b = float(cx.min()), float(cx.max())
    half = max(0.75 * (b - a), 1e-4 * (hi - lo))
    za, zb = (a + b) / 2 - half, (a + b) / 2 + half
    ox = np.linspace(za, zb, 201)
    oy = upper_offset(L, ox, rho).value             # exact f_rho at the zoom's scale
    left = (a + b) / 2 > (lo + hi) / 2
    ins = ax.inset_axes([0.04 if left else 0.54, 0.50, 0.42, 0.44])
    _draw_path(ins, cx, cy, ox, oy, lw=1.2, inset=True)
    ins.set_xlim(za, zb)
    ins.set_ylim(*_ylim(cy, oy))
    ins.set_xticks([])
    ins.set_yticks([])
    factor = (hi - lo) / (zb - za)
    ins.text(0.97, 0.95, f"zoom x{factor:.0f}", transform=ins.transAxes, fontsize=8,
             va="top", ha="right", zorder=5,
             bbox=dict(boxstyle="round,pad=0.1", fc="w", ec="none", alpha=0.85))
    ax.indicate_inset_zoom(ins, edgecolor="0.3")


def fig3(out, radii=FIG3_RADII, *, progress: Callable[[str], None] = quiet,
         formats: Sequence[str] = ("png",), dpi: float = 300, **kwargs) -> dict:
    """Figure 3 as ``fig3_<variant>.<format>`` and ``fig3.csv`` in ``out``; returns the data."""
    out = out_dir(out)
    d = fig3_data(radii, progress=progress, **kwargs)
    rows = []
    for label, r in d["runs"].items():
        for i, rho in enumerate(d["radii"]):
            for t in range(r["theta"].shape[0]):
                rows.append((label, rho, t, r["theta"][t, i], r["centre"][t, i, 0],
                             r["centre"][t, i, 1], r["residual"][t, i]))
    write_csv(out / "fig3.csv", ["variant", "rho", "t", "theta", "centre_x", "centre_y",
                                 "violation"], rows)
    for stem, fig in draw_fig3(d).items():
        paths = save_figure(fig, out, stem, formats, dpi)
        pyplot().close(fig)
        progress(f"wrote {', '.join(p.name for p in paths)}")
    return d
