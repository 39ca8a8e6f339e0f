r"""Figure 4 (Section 5.2): gradient descent and RBO from ten nearby starts on Eq. 14.

Eq. 14 is :func:`rollingball.symbolic.catalog.gaussian_wells`, in both readings; 300
iterations, :math:`\eta = 0.01`; gradient descent and RBO with radii 1 to 5, with the
paper's projection (:math:`P = 100`, :math:`\gamma = 0.001`), the exact one, and the
offset-keeping RBO.  A run *reaches the global basin* when plain gradient descent started
from its final position (the centre's horizontal position, or the footpoint) converges to
the global minimiser: the literal basin of attraction.  The two differ when the ball rests
on a ring of contacts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rollingball.engine.baselines import Optimizer
from rollingball.engine.loop import roll
from rollingball.paper._common import (
    DOUBLE,
    out_dir,
    pyplot,
    quiet,
    save_figure,
    style,
    write_csv,
)
from rollingball.symbolic.catalog import gaussian_wells
from rollingball.symbolic.landscape import Landscape

__all__ = ["FIG4_RADII", "global_minimiser", "descend_to", "basin_map", "fig4_starts",
           "fig4_data", "draw_fig4", "fig4"]

#: The paper's RBO radii of Figure 4.
FIG4_RADII = (1.0, 2.0, 3.0, 4.0, 5.0)
_GD = Optimizer("gd")



def _measured(stat, values) -> float:
    """``stat`` (nanmax, nanmedian) of the measured values; NaN when none was measured (the
    baselines' residual: no ball), without NumPy's all-NaN warning."""
    values = np.asarray(values, dtype=float)
    return float(stat(values)) if np.any(np.isfinite(values)) else float("nan")

def global_minimiser(L: Landscape, *, grid: int = 301) -> tuple[np.ndarray, float]:
    """The global minimiser of a 2-D loss on its domain: a dense grid, then Newton polish.

    The grid spacing (6/300 = 0.02 for the wells) is a fifth of the wells' width,
    so every well holds samples.
    """
    (x0, x1), (y0, y1) = L.domain
    gx, gy = np.linspace(x0, x1, grid), np.linspace(y0, y1, grid)
    P = np.stack(np.meshgrid(gx, gy, indexing="ij"), axis=-1)
    F = L.f(P)
    best = np.argsort(F, axis=None)[:20]
    cands = P.reshape(-1, 2)[best]
    for _ in range(50):
        _, g, h = L.value_grad_hess(cands)
        step = np.linalg.solve(h + 1e-12 * np.eye(2), g[..., None])[..., 0]
        ok = np.all(np.linalg.eigvalsh(h) > 0, axis=-1)
        cands = np.where(ok[:, None], cands - step, cands - 1e-3 * g)
    vals = L.f(cands)
    i = int(np.nanargmin(vals))
    return cands[i], float(vals[i])


def descend_to(L: Landscape, x: np.ndarray, *, lr: float = 2e-3, steps: int = 5000) -> np.ndarray:
    r"""Where plain gradient descent from ``x`` (shape ``(N, 2)``) ends: the basin test.

    :math:`x_{t+1} = x_t - \eta\,\nabla f(x_t)`, ``steps`` times, by the engine's own
    baseline (:class:`rollingball.engine.baselines.Optimizer` ``("gd")``).  The step
    :math:`2\cdot 10^{-3}` is below :math:`2/\lambda_{\max}` for every well of Eq. 14 with
    :math:`\sigma = 0.1` (Hessian at most about :math:`2/\sigma^2` per well, a few wells
    overlapping), so the descent approximates the gradient flow.
    """
    x = np.array(x, dtype=float)
    eta = np.full(x.shape[0], float(lr))
    state = _GD.init(x)
    for t in range(steps):
        x, state = _GD.step(L, x, state, lr=eta, t=t)
    return x


def basin_map(L: Landscape, xstar: np.ndarray, *, half_width: float = 0.6, grid: int = 25,
              lr: float = 2e-3, steps: int = 5000, tol: float = 0.05) -> dict:
    r"""The global basin of attraction near the minimiser, on a ``grid`` x ``grid`` window.

    A grid point belongs to the basin when gradient descent from it (the same descent as
    :func:`descend_to`) ends within ``tol`` of ``xstar``; the window is
    :math:`x^\star \pm` ``half_width`` (the wells of Eq. 14 are 0.1 wide, so the basin is
    small).  Returns ``{"x", "y", "inside"}`` with ``inside[j, i]`` for ``(x[i], y[j])``.
    """
    xs = np.linspace(xstar[0] - half_width, xstar[0] + half_width, grid)
    ys = np.linspace(xstar[1] - half_width, xstar[1] + half_width, grid)
    P = np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1).reshape(-1, 2)
    ends = descend_to(L, P, lr=lr, steps=steps)
    inside = (np.linalg.norm(ends - xstar, axis=-1) <= tol).reshape(grid, grid)
    return dict(x=xs, y=ys, inside=inside)


def fig4_starts(centre=(2.0, -1.5), spread: float = 0.1, count: int = 10) -> np.ndarray:
    """Ten nearby starts: ``count`` points on a circle of radius ``spread`` around ``centre``.

    >>> fig4_starts().shape
    (10, 2)
    """
    a = 2 * np.pi * np.arange(count) / count
    return np.asarray(centre, float) + spread * np.stack([np.cos(a), np.sin(a)], axis=-1)


def fig4_data(
    radii: Sequence[float] = FIG4_RADII,
    *,
    n: int = 1000,
    sigma: float = 0.1,
    steps: int = 300,
    lr: float = 0.01,
    gamma: float = 0.001,
    proj_steps: int = 100,
    forms: Sequence[str] = ("paper", "code"),
    projections: Sequence[str] = ("paper", "exact"),
    method: str = "alg1",
    rbo: bool = True,
    starts: np.ndarray | None = None,
    basin_tol: float = 0.05,
    basin_steps: int = 5000,
    residual_every: int = 10,
    basin_grid: int = 25,
    progress: Callable[[str], None] = quiet,
    bar: bool = False,
) -> dict:
    r"""Figure 4: gradient descent and RBO from ten nearby starts on Eq. 14.

    Args:
        radii: RBO radii (1 to 5 in the paper).
        n, sigma: wells of Eq. 14.
        steps, lr: 300 and 0.01 in the paper.
        gamma, proj_steps: the paper's projection (0.001, 100).
        forms: readings of the wells: ``"paper"`` (:math:`e^{-r^2/\sigma^2}`) and/or
            ``"code"`` (:math:`e^{-r^2/(2\sigma^2)}`).
        projections: ``"paper"`` and/or ``"exact"`` (Algorithm 1); may be empty.
        method: the engine method for the projection variants (``"alg1"``).
        rbo: also run the offset-keeping RBO (``"rbo"``).  Gradient descent always runs.
        starts: ``(10, 2)`` starts (default :func:`fig4_starts`).
        basin_tol: a final position is in the global basin when gradient descent from
            it ends within this distance of the global minimiser.
        basin_steps: steps of that descent (:func:`descend_to`, step 2e-3).
        residual_every: the invariant violation :math:`|d_\Gamma(c_t) - \rho|` (an
            independent 2-D distance evaluation over 1000 wells) is measured every
            ``residual_every`` steps and at the last step (``roll``'s option of that name).
        basin_grid: points per side of the global-basin map around the minimiser
            (:func:`basin_map`, drawn in the figure); 0 skips it.

    Returns:
        ``{"forms": {form: {"minimiser", "runs": {key: {...}}}}, "summary"}`` where each
        run has the centre and footpoint trajectories and per start the basin flags
        by centre and by footpoint, the invariant violation and the status.
    """
    radii = np.asarray(radii, dtype=float)
    if radii.ndim != 1 or radii.size == 0 or np.any(~(radii > 0)):
        raise ValueError("fig4 needs one or more positive radii")
    starts = fig4_starts() if starts is None else np.asarray(starts, dtype=float)
    if starts.ndim != 2 or starts.shape[1] != 2:
        raise ValueError(f"starts must have shape (N, 2), got {starts.shape}")
    for p in projections:
        if p not in ("paper", "exact"):
            raise ValueError(f"projection must be 'paper' or 'exact', got {p!r}")
    S, R = starts.shape[0], radii.size
    out: dict = {"forms": {}, "radii": radii, "starts": starts}
    summary: dict = {"settings": dict(radii=radii.tolist(), n=n, sigma=sigma, steps=steps, lr=lr,
                                      gamma=gamma, proj_steps=proj_steps, method=method,
                                      starts=starts.tolist(), basin_tol=basin_tol,
                                      basin_steps=basin_steps, residual_every=residual_every),
                     "forms": {}}
    for form in forms:
        L = gaussian_wells(n=n, sigma=sigma, form=form)
        progress(f"[{form}] global minimiser of {L.name}")
        xstar, fstar = global_minimiser(L)
        runs: dict[str, dict] = {}
        progress(f"[{form}] gradient descent: {S} starts x {steps} steps")
        gd = roll(L, starts, radius=0.0, lr=lr, steps=steps, method="gd", progress=bar)
        runs["gd"] = _fig4_run(L, gd, None, S)
        # the balls: radii x starts in one batch, ball index = r * S + s
        x0 = np.tile(starts, (R, 1))
        rho = np.repeat(radii, S)
        variants = [(f"{method}/{p}", method, p) for p in projections]
        variants += [("rbo", "rbo", "exact")] if rbo else []
        for key, meth, proj in variants:
            progress(f"[{form}] {key}: {R} radii x {S} starts x {steps} steps")
            kw = dict(gamma=gamma, proj_steps=proj_steps) if proj == "paper" else {}
            res = roll(L, x0, radius=rho, lr=lr, steps=steps, method=meth, projection=proj,
                       progress=bar, residual_every=residual_every, **kw)
            runs[key] = _fig4_run(L, res, radii, S)
        progress(f"[{form}] basin test: gradient descent from every final position")
        finals_c = np.concatenate([r["final_centre"] for r in runs.values()])
        finals_p = np.concatenate([r["final_point"] for r in runs.values()])
        ends = descend_to(L, np.concatenate([finals_c, finals_p]), steps=basin_steps)
        in_basin = np.linalg.norm(ends - xstar, axis=-1) <= basin_tol
        k = 0
        m = finals_c.shape[0]
        for r in runs.values():
            c = r["final_centre"].shape[0]
            r["basin_centre"] = in_basin[k:k + c]
            r["basin_point"] = in_basin[m + k:m + k + c]
            k += c
        basin = None
        if basin_grid:
            progress(f"[{form}] global basin map: {basin_grid}x{basin_grid} descents")
            basin = basin_map(L, xstar, grid=basin_grid, steps=basin_steps, tol=basin_tol)
        out["forms"][form] = dict(landscape=L, minimiser=xstar, min_value=fstar, runs=runs,
                                  basin=basin)
        summary["forms"][form] = dict(minimiser=xstar.tolist(), min_value=fstar,
                                      counts=_fig4_counts(runs, radii, S))
    out["summary"] = summary
    return out


def _fig4_run(L, res, radii, S) -> dict:
    theta = np.asarray(res.theta)
    centre = np.asarray(res.centre)
    residual = np.asarray(res.residual)
    final_c = centre[-1, :, :2]
    final_p = theta[-1]
    status = [str(s) for s in np.atleast_1d(res.status)]
    resting = np.asarray(getattr(res, "resting_on_two", np.zeros(theta.shape[1], bool)))
    return dict(theta=theta, centre=centre, residual=residual, final_centre=final_c,
                final_point=final_p, status=status, resting_on_two=resting,
                radius=None if radii is None else np.repeat(radii, S))


def _fig4_counts(runs: dict, radii, S) -> list[dict]:
    rows = []
    for key, r in runs.items():
        groups = [(0.0, slice(0, S))] if r["radius"] is None else [
            (float(rho), slice(i * S, (i + 1) * S)) for i, rho in enumerate(radii)]
        for rho, sl in groups:
            res = r["residual"][:, sl]
            finite = np.isfinite(res)
            rows.append(dict(
                variant=key, radius=rho, starts=S,
                reached_by_centre=int(r["basin_centre"][sl].sum()),
                reached_by_footpoint=int(r["basin_point"][sl].sum()),
                resting_on_two=int(np.sum(r["resting_on_two"][sl])),
                max_violation=float(np.max(res[finite])) if finite.any() else float("nan"),
                median_final_violation=_measured(np.nanmedian, r["residual"][-1, sl]),
                not_ok=int(sum(s != "ok" for s in r["status"][sl])),
                mean_travel=float(np.mean(np.linalg.norm(
                    r["final_centre"][sl] - r["centre"][0, sl, :2], axis=-1))),
                final_centre=np.mean(r["final_centre"][sl], axis=0).tolist(),
                final_spread=float(np.max(np.linalg.norm(
                    r["final_centre"][sl] - np.mean(r["final_centre"][sl], axis=0), axis=-1))),
            ))
    return rows




_NAMES = {"gd": "GD", "alg1/paper": "Alg. 1 paper", "alg1/exact": "Alg. 1 exact",
          "rbo": "RBO"}


def _view(d: dict, fd: dict) -> tuple[float, float, float, float]:
    """A square view holding the domain [-3, 3]^2, every start and every final position."""
    pts = [np.array([[-3.0, -3.0], [3.0, 3.0]]), d["starts"]]
    for r in fd["runs"].values():
        pts += [r["final_centre"], r["final_point"]]
    P = np.concatenate(pts)
    P = P[np.all(np.isfinite(P), axis=1)]
    lo, hi = float(P.min()), float(P.max())
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad, lo - pad, hi + pad


def _panel(ax, d, fd, r, sl, g, F, levels, thin):
    """One panel: the loss, the centre paths of the balls ``sl``, starts, ends, minimiser."""
    cs = ax.contourf(g, g, F, levels=levels, cmap="viridis", extend="max", zorder=0)
    cs.set_rasterized(True)
    ax.plot(r["centre"][:, sl, 0], r["centre"][:, sl, 1], "-", color="w", lw=thin, alpha=0.3)
    ax.plot(*d["starts"].T, "o", color="k", ms=2.0, label="start")
    ax.plot(*r["final_centre"][sl].T, "o", color="C4", mec="k", mew=0.3, ms=3.0,
            label="final centre")
    ax.plot(*r["final_point"][sl].T, "x", color="C1", ms=3.5, mew=0.8,
            label="final footpoint")
    b = fd.get("basin")
    if b is not None and np.any(b["inside"]) and not np.all(b["inside"]):
        ax.contour(b["x"], b["y"], b["inside"].astype(float), levels=[0.5], colors="C3",
                   linewidths=1.2, linestyles="--")
        ax.plot([], [], "--", color="C3", lw=1.2, label="global basin")
    ax.plot(*fd["minimiser"], "*", color="yellow", mec="k", mew=0.4, ms=6,
            label="global minimiser")
    return cs


def draw_fig4(d: dict, *, thin: float = 0.35) -> dict[str, object]:
    """The figures of :func:`fig4_data`'s result: ``{"fig4_<form>": Figure}`` (two columns).

    One gradient-descent panel (top left), then one row per RBO variant and one column per
    radius, over the loss as a filled contour (one colour bar): the horizontal centre
    paths drawn thin and translucent (line width ``thin`` pt), the starts (black dots), the
    final centres (purple dots) and footpoints (orange crosses), the global minimiser
    (yellow star) and its basin of attraction (pink dashed outline), and in each panel
    the count of runs whose centre reaches the basin; everything clipped to the axes.
    """
    S, radii = d["starts"].shape[0], d["radii"]
    figs = {}
    with style() as plt:
        from matplotlib.ticker import MaxNLocator  # deferred: optional dependency matplotlib

        for form, fd in d["forms"].items():
            L, runs = fd.get("landscape"), fd["runs"]
            if L is None:
                st = d["summary"]["settings"]
                L = gaussian_wells(n=st["n"], sigma=st["sigma"], form=form)
            keys = [k for k in runs if k != "gd"]
            nrow, ncol = max(len(keys), 1), 1 + (radii.size if keys else 0)
            x0, x1, y0, y1 = _view(d, fd)
            g = np.linspace(x0, x1, 241)
            F = L.f(np.stack(np.meshgrid(g, g, indexing="xy"), axis=-1))
            # colours over the lower three quarters of the view's values (the bowl's rim
            # above is one colour), so the wells' relief shows
            levels = np.linspace(float(F.min()), float(np.percentile(F, 75)), 25)
            panel = min(1.25, (DOUBLE - 1.6) / ncol)
            fig, axes = plt.subplots(nrow, ncol, squeeze=False, sharex=True, sharey=True,
                                     figsize=(1.6 + panel * ncol, 1.2 + panel * nrow))
            counts = d["summary"]["forms"][form]["counts"]
            cells = [(0, 0, "gd", None)] + [(row, 1 + i, k, i) for row, k in enumerate(keys)
                                           for i in range(radii.size)]
            for row, col, k, i in cells:
                ax = axes[row, col]
                sl = slice(0, S) if i is None else slice(i * S, (i + 1) * S)
                cs = _panel(ax, d, fd, runs[k], sl, g, F, levels, thin)
                c = next(c for c in counts if c["variant"] == k
                         and (i is None or c["radius"] == radii[i]))
                ax.text(0.04, 0.96, f"basin {c['reached_by_centre']}/{S}",
                        transform=ax.transAxes, ha="left", va="top", fontsize=8,
                        bbox=dict(boxstyle="round,pad=0.15", fc="w", ec="none", alpha=0.8))
                ax.set_xlim(x0, x1)
                ax.set_ylim(y0, y1)
                ax.set_aspect("equal")
                ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
                ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
                if row == 0:
                    ax.set_title("GD" if i is None else rf"$\rho$ = {radii[i]:g}")
                if col <= 1:
                    ax.set_ylabel(f"{_NAMES.get(k, k)}\n" + r"$\theta_2$", fontsize=8)
                bottom = row == nrow - 1 or nrow == 1
                ax.set_xlabel(r"$\theta_1$" if bottom else "")
                ax.tick_params(labelleft=col <= 1, labelbottom=bottom)
            for row in range(1, nrow):
                axes[row, 0].remove()
            kept = [axes[0, 0]] + [axes[r, c] for r in range(nrow) for c in range(1, ncol)]
            handles, labels = axes[0, 0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside lower center", ncols=3)
            ticks = MaxNLocator(5).tick_values(levels[0], levels[-1])
            ticks = ticks[(ticks >= levels[0]) & (ticks <= levels[-1])]
            fig.colorbar(cs, ax=kept, shrink=0.7, ticks=ticks,
                         label=r"loss $f(\theta)$")
            wells = "as printed in Eq. 14" if form == "paper" else "as in the public code"
            fig.suptitle(f"Fig. 4, wells {wells}:\n{S} starts, "
                         f"{d['summary']['settings']['steps']} steps, centre paths")
            figs[f"fig4_{form}"] = fig
    return figs


def fig4(out, radii=FIG4_RADII, *, progress: Callable[[str], None] = quiet,
         formats: Sequence[str] = ("png",), dpi: float = 300, **kwargs) -> dict:
    """Figure 4 as ``fig4_<form>.<format>``, ``fig4_runs.csv`` and ``fig4_counts.csv``."""
    out = out_dir(out)
    d = fig4_data(radii, progress=progress, **kwargs)
    S = d["starts"].shape[0]
    run_rows, count_rows = [], []
    for form, fd in d["forms"].items():
        for key, r in fd["runs"].items():
            for b in range(r["final_point"].shape[0]):
                rho = 0.0 if r["radius"] is None else float(r["radius"][b])
                run_rows.append((form, key, rho, b % S, *d["starts"][b % S],
                                 *r["final_centre"][b], *r["final_point"][b],
                                 bool(r["basin_centre"][b]), bool(r["basin_point"][b]),
                                 _measured(np.nanmax, r["residual"][:, b]), r["status"][b],
                                 bool(r["resting_on_two"][b])))
        for row in d["summary"]["forms"][form]["counts"]:
            count_rows.append((form, *row.values()))
    write_csv(out / "fig4_runs.csv",
              ["form", "variant", "rho", "start", "x0", "y0", "centre_x", "centre_y",
               "footpoint_x", "footpoint_y", "basin_by_centre", "basin_by_footpoint",
               "max_violation", "status", "resting_on_two"], run_rows)
    keys = list(d["summary"]["forms"][next(iter(d["forms"]))]["counts"][0].keys())
    write_csv(out / "fig4_counts.csv", ["form", *keys], count_rows)
    for stem, fig in draw_fig4(d).items():
        paths = save_figure(fig, out, stem, formats, dpi)
        pyplot().close(fig)
        progress(f"wrote {', '.join(p.name for p in paths)}")
    return d
