r"""The paper's Figures 2, 3 and 4, regenerated: data (dicts of arrays, CSV) and PNG.

Each figure has a ``figN_data(...)`` function that computes its numbers and a
``figN(out, ...)`` function that also writes ``figN*.png`` and ``figN*.csv`` into the
folder ``out`` and returns the data plus a JSON-ready ``summary`` (what the
reproduction report, :mod:`rollingball.paper.report`, reads).  Every setting is an
argument; :data:`QUICK` holds reduced settings that regenerate all three figures
in well under a minute (the test suite uses them).

* **Figure 2** (Section 5.1): :math:`\Delta(\rho) = \sup f_\rho - \inf f_\rho` for
  :math:`\sin` on :math:`[-3\pi, 3\pi]`, log-log, with the plateau :math:`\Delta = 2`
  for :math:`\rho \le \rho_c = 1` and the large-:math:`\rho` decay, whose log-log slope
  is fitted over the last decade of radii.
* **Figure 3** (Section 5.1): centre trajectories on Eq. 13
  (:func:`rollingball.symbolic.catalog.weierstrass_like`), :math:`\theta_0 = 2`,
  :math:`\eta = 10^{-3}`, several radii: Algorithm 1 with the paper's projection
  (:math:`\gamma = 0.05`, :math:`P = 20`), Algorithm 1 with the exact projection, the
  offset-keeping RBO, and optionally the authors' public script
  (:mod:`rollingball.paper.published`).
* **Figure 4** (Section 5.2): Eq. 14 (:func:`rollingball.symbolic.catalog.gaussian_wells`)
  in both readings, ten nearby starts, 300 iterations, :math:`\eta = 0.01`, gradient
  descent and RBO with radii 1 to 5, with the paper's projection (:math:`P = 100`,
  :math:`\gamma = 0.001`) and the exact one.  A run *reaches the global basin* when
  plain gradient descent started from its final position (the centre's horizontal
  position, or the footpoint) converges to the global minimiser: the literal basin
  of attraction.  The two differ when the ball rests on a ring of contacts.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rollingball.symbolic.catalog import gaussian_wells, sine, weierstrass_like
from rollingball.symbolic.landscape import Landscape

__all__ = [
    "FULL", "QUICK", "Progress", "fig2_data", "fig2", "fig3_data", "fig3", "fig4_data", "fig4",
    "global_minimiser", "descend_to", "fit_loglog_slope", "fig4_starts", "offset_roughness",
    "write_summary", "FIG3_VARIANTS",
]

#: The paper's settings.
FULL: dict[str, dict] = {
    "fig2": dict(radii=None),
    "fig3": dict(radii=(0.01, 0.0316, 0.1, 0.316, 1.0), n=100, steps=2000),
    "fig4": dict(radii=(1.0, 2.0, 3.0, 4.0, 5.0), n=1000, steps=300, starts=10),
}
#: Reduced settings for tests and previews (``rollingball paper --quick``).
QUICK: dict[str, dict] = {
    "fig2": dict(radii=np.geomspace(0.05, 100.0, 12)),
    "fig3": dict(radii=(0.03, 0.3), n=20, steps=200),
    "fig4": dict(radii=(1.0,), n=40, steps=3, starts=2),
}


class Progress:
    """Progress lines on stderr (``name: message (elapsed)``); silent when disabled."""

    def __init__(self, name: str, enabled: bool = True, stream=None) -> None:
        self.name, self.enabled = name, enabled
        self.stream = sys.stderr if stream is None else stream
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            dt = time.perf_counter() - self.t0
            print(f"{self.name}: {message} ({dt:.1f} s)", file=self.stream, flush=True)


def _quiet(_message: str) -> None:
    return None


# ------------------------------------------------------------------------- helpers
def fit_loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (the decay exponent).

    >>> round(fit_loglog_slope(np.array([1.0, 10.0, 100.0]), np.array([3.0, 0.3, 0.03])), 12)
    -1.0
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 2 or np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("fit_loglog_slope needs at least two positive points")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _write_csv(path: Path, header: Sequence[str], rows) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow([_fmt(v) for v in row])
    tmp.replace(path)


def _fmt(v):
    if isinstance(v, float | np.floating):
        return repr(float(v))
    if isinstance(v, np.integer | np.bool_):
        return v.item()
    return v


def _plt():
    try:
        import matplotlib
    except ModuleNotFoundError as exc:  # pragma: no cover - anim extra missing
        raise ValueError("the figures need matplotlib: pip install 'rollingball[anim]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _out_dir(out) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


# -------------------------------------------------------------------------- Figure 2
def fig2_data(radii=None, *, progress: Callable[[str], None] = _quiet) -> dict:
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
    from rollingball.geometry.ironing import ironing
    from rollingball.geometry.reach import critical_radius

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


def fig2(out, radii=None, *, progress: Callable[[str], None] = _quiet) -> dict:
    """Figure 2 as ``fig2.png`` and ``fig2.csv`` in ``out``; returns :func:`fig2_data`."""
    out = _out_dir(out)
    d = fig2_data(radii, progress=progress)
    _write_csv(out / "fig2.csv", ["rho", "delta", "asymptote_9pi2_over_8rho", "plateau"],
               zip(d["radii"], d["delta"], d["asymptote"], d["radii"] <= d["critical_radius"],
                   strict=True))
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.loglog(d["radii"], d["delta"], "o-", ms=3, label=r"$\Delta(\rho)$ (exact offset)")
    big = d["radii"] >= 2.0
    ax.loglog(d["radii"][big], d["asymptote"][big], "--", lw=1, label=r"$9\pi^2/(8\rho)$")
    ax.axhline(2.0, color="grey", lw=0.8, ls=":", label=r"plateau $\Delta = 2$")
    ax.axvline(d["critical_radius"], color="C3", lw=1, ls="-.",
               label=rf"critical radius $\rho_c = {d['critical_radius']:g}$")
    ax.set_xlabel(r"radius $\rho$")
    ax.set_ylabel(r"$\Delta(\rho) = \sup f_\rho - \inf f_\rho$")
    ax.set_title(r"Fig. 2: ironing of $\sin$ on $[-3\pi, 3\pi]$"
                 f"\ndecay slope {d['decay_slope']:.3f}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "fig2.png", dpi=110)
    plt.close(fig)
    progress(f"wrote {out / 'fig2.png'} and fig2.csv")
    return d


# -------------------------------------------------------------------------- Figure 3
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
    radii: Sequence[float] = FULL["fig3"]["radii"],
    *,
    n: int = 100,
    steps: int = 2000,
    lr: float = 1e-3,
    x0: float = 2.0,
    gamma: float = 0.05,
    proj_steps: int = 20,
    variants: Sequence[str] = tuple(FIG3_VARIANTS),
    published: bool = False,
    progress: Callable[[str], None] = _quiet,
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
    from rollingball.engine.loop import roll

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
        from rollingball.paper.published import fig3_as_published

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
    from rollingball.numeric.offset import upper_offset_grid

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
    from rollingball.numeric.distance import distance_to_graph

    progress("  measuring d_Gamma of its centres (exact distance)")
    T, R, _ = centre.shape
    flat = centre.reshape(-1, 2)
    hint = np.asarray(theta, dtype=float).reshape(-1, 1)
    d = distance_to_graph(L, flat, hint=hint).distance.reshape(T, R)
    return np.abs(d - radii[None, :])


def fig3(out, radii=FULL["fig3"]["radii"], *, progress: Callable[[str], None] = _quiet,
         **kwargs) -> dict:
    """Figure 3 as ``fig3_<variant>.png`` and ``fig3.csv`` in ``out``; returns the data."""
    out = _out_dir(out)
    d = fig3_data(radii, progress=progress, **kwargs)
    radii, runs, L = d["radii"], d["runs"], d["landscape"]
    rows = []
    for label, r in runs.items():
        for i, rho in enumerate(radii):
            for t in range(r["theta"].shape[0]):
                rows.append((label, rho, t, r["theta"][t, i], r["centre"][t, i, 0],
                             r["centre"][t, i, 1], r["residual"][t, i]))
    _write_csv(out / "fig3.csv", ["variant", "rho", "t", "theta", "centre_x", "centre_y",
                                  "violation"], rows)
    plt = _plt()
    for label, r in runs.items():
        fig, axes = plt.subplots(1, radii.size + 1, figsize=(3.0 * (radii.size + 1), 3.2),
                                 sharey=True)
        lo = min(float(np.nanmin(r["centre"][..., 0])), 0.0)
        hi = max(float(np.nanmax(r["centre"][..., 0])), d["summary"]["settings"]["x0"] + 0.1)
        x = np.linspace(lo, hi, 20_000)
        axes[0].plot(x, L.f(x), lw=0.4)
        axes[0].set_title("loss (Eq. 13)", fontsize=9)
        axes[0].set_xlim(lo, hi)
        gx, gv = d["offsets"]
        for i, rho in enumerate(radii):
            ax = axes[i + 1]
            ax.plot(gx, gv[i], color="0.75", lw=0.5, label=r"offset $f_\rho$")
            ax.plot(r["centre"][:, i, 0], r["centre"][:, i, 1], lw=0.8, color="C0",
                    label="centre path")
            ax.set_xlim(lo, hi)
            ax.plot(r["centre"][0, i, 0], r["centre"][0, i, 1], "k.", ms=4)
            viol = d["summary"]["variants"][label][i]["max_violation"]
            ax.set_title(rf"$\rho$ = {rho:g}; max $|d-\rho|$ = {viol:.1e}", fontsize=8)
            ax.set_xlabel(r"$c_x$", fontsize=8)
        axes[0].set_ylabel("height")
        axes[1].legend(fontsize=6, loc="lower right")
        fig.suptitle(f"Fig. 3, {label}: centre trajectories, theta0 = "
                     f"{d['summary']['settings']['x0']}, eta = {d['summary']['settings']['lr']}",
                     fontsize=10)
        fig.tight_layout()
        name = "fig3_" + label.replace("/", "_") + ".png"
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        progress(f"wrote {out / name}")
    return d


# -------------------------------------------------------------------------- Figure 4
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

    The step :math:`2\cdot 10^{-3}` is below :math:`2/\lambda_{\max}` for every well of
    Eq. 14 with :math:`\sigma = 0.1` (Hessian at most about :math:`2/\sigma^2` per well,
    a few wells overlapping), so the descent approximates the gradient flow.
    """
    x = np.array(x, dtype=float)
    for _ in range(steps):
        x = x - lr * L.value_and_grad(x)[1]
    return x


def fig4_starts(centre=(2.0, -1.5), spread: float = 0.1, count: int = 10) -> np.ndarray:
    """Ten nearby starts: ``count`` points on a circle of radius ``spread`` around ``centre``.

    >>> fig4_starts().shape
    (10, 2)
    """
    a = 2 * np.pi * np.arange(count) / count
    return np.asarray(centre, float) + spread * np.stack([np.cos(a), np.sin(a)], axis=-1)


def fig4_data(
    radii: Sequence[float] = FULL["fig4"]["radii"],
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
    progress: Callable[[str], None] = _quiet,
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

    Returns:
        ``{"forms": {form: {"minimiser", "runs": {key: {...}}}}, "summary"}`` where each
        run has the centre and footpoint trajectories and per start the basin flags
        by centre and by footpoint, the invariant violation and the status.
    """
    from rollingball.engine.loop import roll

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
        out["forms"][form] = dict(landscape=L, minimiser=xstar, min_value=fstar, runs=runs)
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
                median_final_violation=float(np.nanmedian(r["residual"][-1, sl])),
                not_ok=int(sum(s != "ok" for s in r["status"][sl])),
                mean_travel=float(np.mean(np.linalg.norm(
                    r["final_centre"][sl] - r["centre"][0, sl, :2], axis=-1))),
                final_centre=np.mean(r["final_centre"][sl], axis=0).tolist(),
                final_spread=float(np.max(np.linalg.norm(
                    r["final_centre"][sl] - np.mean(r["final_centre"][sl], axis=0), axis=-1))),
            ))
    return rows


def fig4(out, radii=FULL["fig4"]["radii"], *, progress: Callable[[str], None] = _quiet,
         **kwargs) -> dict:
    """Figure 4 as ``fig4_<form>.png``, ``fig4_runs.csv`` and ``fig4_counts.csv``."""
    out = _out_dir(out)
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
                                 float(np.nanmax(r["residual"][:, b])), r["status"][b],
                                 bool(r["resting_on_two"][b])))
        for row in d["summary"]["forms"][form]["counts"]:
            count_rows.append((form, *row.values()))
    _write_csv(out / "fig4_runs.csv",
               ["form", "variant", "rho", "start", "x0", "y0", "centre_x", "centre_y",
                "footpoint_x", "footpoint_y", "basin_by_centre", "basin_by_footpoint",
                "max_violation", "status", "resting_on_two"], run_rows)
    keys = list(d["summary"]["forms"][next(iter(d["forms"]))]["counts"][0].keys())
    _write_csv(out / "fig4_counts.csv", ["form", *keys], count_rows)
    plt = _plt()
    for form, fd in d["forms"].items():
        L, runs = fd["landscape"], fd["runs"]
        g = np.linspace(-3, 3, 241)
        P = np.stack(np.meshgrid(g, g, indexing="xy"), axis=-1)
        F = L.f(P)
        keys = [k for k in runs if k != "gd"] or ["gd"]
        ncol = 1 if keys == ["gd"] else 1 + d["radii"].size
        size = (max(2.6 * ncol, 5.0), max(2.6 * len(keys), 5.0))
        fig, axes = plt.subplots(len(keys), ncol, figsize=size, squeeze=False, sharex=True,
                                 sharey=True)
        for row, key in enumerate(keys):
            panels = [("gd", None)] + ([] if key == "gd" else
                                       [(key, i) for i in range(d["radii"].size)])
            for col, (k, i) in enumerate(panels):
                ax = axes[row, col]
                ax.contourf(g, g, F, levels=30, cmap="viridis")
                r = runs[k]
                sl = slice(0, S) if i is None else slice(i * S, (i + 1) * S)
                for b in range(sl.start, sl.stop):
                    ax.plot(r["centre"][:, b, 0], r["centre"][:, b, 1], "w-", lw=0.5)
                    ax.plot(*r["final_point"][b], "rx", ms=3)
                ax.plot(*fd["minimiser"], "y*", ms=8)
                counts = [c for c in d["summary"]["forms"][form]["counts"]
                          if c["variant"] == k and (i is None or c["radius"] == d["radii"][i])][0]
                name = "GD" if i is None else rf"{key} $\rho$={d['radii'][i]:g}"
                ax.set_title(f"{name}\nbasin: centre {counts['reached_by_centre']}/{S}, "
                             f"foot {counts['reached_by_footpoint']}/{S}", fontsize=7)
                ax.set_xlim(-3.5, 3.5)
                ax.set_ylim(-3.5, 3.5)
                ax.set_aspect("equal")
                ax.tick_params(labelsize=6)
        fig.suptitle(f"Fig. 4 ({form} wells)\ncentre paths (white), final footpoints (red x),"
                     "\nglobal minimiser (star)", fontsize=8)
        fig.tight_layout()
        fig.savefig(out / f"fig4_{form}.png", dpi=90)
        plt.close(fig)
        progress(f"wrote {out / f'fig4_{form}.png'}")
    return d


def write_summary(out, summaries: dict) -> Path:
    """``summary.json`` in ``out``: the numbers the report is generated from."""
    path = _out_dir(out) / "summary.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summaries, indent=1, default=float))
    tmp.replace(path)
    return path
