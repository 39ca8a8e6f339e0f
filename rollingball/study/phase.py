r"""Phase diagrams of a stored sweep: what ``rollingball phase RESULT --out DIR`` draws.

* ``basin_fraction.<fmt>``: the fraction of balls reaching the global basin (by centre) over
  radius x learning rate, one panel per method (one row per schedule), each cell annotated
  with :math:`k/n`;
* ``final_loss.<fmt>``: the mean final loss :math:`\overline{f(\theta_T)}` on the same grid;
* ``basin_vs_radius.<fmt>``: the basin fraction against the radius, one line per
  (method, schedule) and one panel per learning rate, by centre (solid) and by footpoint
  (dashed), with the 95 % Wilson intervals of :func:`rollingball.study.stats.binomial_ci` as
  error bars.

Cells not yet stored (``done`` false) are left blank.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rollingball._files import atomic_savefig
from rollingball.study.stats import binomial_ci
from rollingball.study.sweep import open_sweep

__all__ = ["phase_diagrams", "FORMATS"]

#: Output formats (Matplotlib backends).
FORMATS = ("png", "pdf", "svg")


def _pyplot():
    try:
        import matplotlib  # deferred: optional (the anim extra)
    except ModuleNotFoundError as exc:  # pragma: no cover
        raise ValueError("phase diagrams need matplotlib: pip install 'rollingball[anim]'") \
            from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # deferred: after choosing Agg

    return plt


def _save(fig, out: Path, stem: str, formats: Sequence[str], dpi: float) -> list[Path]:
    paths = []
    for fmt in formats:
        p = out / f"{stem}.{fmt}"
        atomic_savefig(fig, p, dpi=dpi, bbox_inches="tight")
        paths.append(p)
    return paths


def phase_diagrams(result, out: str | os.PathLike, *, formats: Sequence[str] = ("png", "pdf"),
                   dpi: float = 120.0) -> list[Path]:
    """Draw the phase diagrams of ``result`` (a dataset or a sweep store) into ``out``.

    Args:
        result: an :class:`xarray.Dataset` from :func:`rollingball.study.sweep` or the path of
            its store.
        out: folder (created).
        formats: any of :data:`FORMATS`.
        dpi: resolution of the PNG files.

    Returns:
        the paths written.
    """
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"unknown format {', '.join(bad) or '(none)'}; choose from "
                         f"{', '.join(FORMATS)}")
    if not (np.isfinite(dpi) and 10 <= dpi <= 1200):
        raise ValueError(f"dpi must lie in [10, 1200], got {dpi}")
    ds = open_sweep(result) if isinstance(result, str | os.PathLike) else result
    ds = ds.load()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plt = _pyplot()
    done = ds["done"].values.astype(bool)
    methods = [str(m) for m in ds["method"].values]
    schedules = [str(s) for s in ds["schedule"].values]
    radii = ds["radius"].values.astype(float)
    lrs = ds["lr"].values.astype(float)
    written: list[Path] = []

    for var, stem, cmap, label in (
            ("basin_centre_fraction", "basin_fraction", "viridis", "basin fraction (centre)"),
            ("final_loss_mean", "final_loss", "magma", "mean final loss")):
        vals = np.where(done, ds[var].values.astype(float), np.nan)
        rows, cols = len(schedules), len(methods)
        fig, axes = plt.subplots(rows, cols, figsize=(2.8 * cols + 1.0, 2.4 * rows + 0.6),
                                 squeeze=False)
        finite = vals[np.isfinite(vals)]
        vmin, vmax = ((0.0, 1.0) if var.startswith("basin") else
                      ((float(finite.min()), float(finite.max())) if finite.size else (0, 1)))
        image = None
        for si, s in enumerate(schedules):
            for mi, m in enumerate(methods):
                ax = axes[si, mi]
                z = vals[mi, si]  # (radius, lr)
                image = ax.imshow(z.T, origin="lower", aspect="auto", cmap=cmap, vmin=vmin,
                                  vmax=vmax if vmax > vmin else vmin + 1.0)
                ax.set_xticks(range(radii.size), [f"{r:g}" for r in radii], fontsize=7)
                ax.set_yticks(range(lrs.size), [f"{v:g}" for v in lrs], fontsize=7)
                ax.set_xlabel(r"$\rho$" + ("" if s == "constant" else r" ($\rho_{\max}$)"),
                              fontsize=8)
                ax.set_ylabel(r"$\eta$", fontsize=8)
                ax.set_title(f"{m}, {s}", fontsize=8)
                for ri in range(radii.size):
                    for li in range(lrs.size):
                        if not done[mi, si, ri, li]:
                            continue
                        text = (f"{int(ds['basin_centre_count'].values[mi, si, ri, li])}/"
                                f"{int(ds['n'].values[mi, si, ri, li])}"
                                if var.startswith("basin") else f"{z[ri, li]:.3g}")
                        ax.text(ri, li, text, ha="center", va="center", fontsize=6,
                                color="white" if var.startswith("basin") and z[ri, li] < 0.5
                                else "black")
        fig.colorbar(image, ax=axes, shrink=0.8, label=label)
        fig.suptitle(f"{label}: {ds.attrs.get('title', '')}", fontsize=9)
        written += _save(fig, out, stem, formats, dpi)
        plt.close(fig)

    fig, axes = plt.subplots(1, lrs.size, figsize=(4.2 * lrs.size, 3.4), squeeze=False)
    n = ds["n"].values
    fixed = set(filter(None, str(ds.attrs.get("radius_independent", "")).split(",")))
    for li, lr in enumerate(lrs):
        ax = axes[0, li]
        for mi, m in enumerate(methods):
            for si, s in enumerate(schedules):
                if m in fixed and si > 0:  # a baseline's cells repeat over the schedules
                    continue
                ok = done[mi, si, :, li]
                if not ok.any():
                    continue
                for by, style in (("centre", "-"), ("footpoint", "--")):
                    k = ds[f"basin_{by}_count"].values[mi, si, :, li]
                    lo, hi = binomial_ci(k[ok], n[mi, si, ok, li])
                    p = k[ok] / n[mi, si, ok, li]
                    ax.errorbar(radii[ok], p, yerr=np.maximum([p - lo, hi - p], 0.0),
                                fmt="o" + style, ms=3, capsize=2, lw=1,
                                label=f"{m}, {s}" + (" (footpoint)" if by == "footpoint" else ""))
        ax.set_xlabel(r"$\rho$ ($\rho_{\max}$ for a decaying schedule)", fontsize=8)
        ax.set_ylabel("fraction in the global basin", fontsize=8)
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(rf"$\eta$ = {lr:g}; bars: 95 % Wilson intervals", fontsize=8)
        ax.legend(fontsize=6)
    written += _save(fig, out, "basin_vs_radius", formats, dpi)
    plt.close(fig)
    return written
