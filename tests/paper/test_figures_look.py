"""The paper figures look right: printed size, fonts >= 8 pt, labelled axes, colour bars and
legends, nothing outside its axes or the figure (read back from the drawn artists)."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from rollingball.engine.baselines import Optimizer  # noqa: E402
from rollingball.paper import figures  # noqa: E402
from rollingball.paper._common import DOUBLE, MIN_FONT_PT  # noqa: E402
from rollingball.symbolic.catalog import gaussian_wells  # noqa: E402

TOL = 1.0  # pixels


def _inside(inner, outer, tol=TOL) -> bool:
    return (inner.x0 >= outer.x0 - tol and inner.y0 >= outer.y0 - tol
            and inner.x1 <= outer.x1 + tol and inner.y1 <= outer.y1 + tol)


def _hidden_tick_labels(fig) -> set[int]:
    """Labels of ticks outside the view interval: Matplotlib keeps but does not draw them."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                if loc is None or not (lo - 1e-9 * abs(hi - lo) <= loc <= hi + 1e-9 * abs(hi - lo)):
                    hidden.update({id(tick.label1), id(tick.label2)})
    return hidden


def _texts(fig):
    """The texts the figure draws (visible, not empty, not a hidden tick label)."""
    hidden = _hidden_tick_labels(fig)
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and id(t) not in hidden]


def audit(fig) -> list[str]:
    """What is wrong with a figure (empty when nothing): the checks of the figure test."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    problems = []
    w, h = fig.get_size_inches()
    if w > DOUBLE + 1e-9 or h > 9.0:
        problems.append(f"size {w:.2f} x {h:.2f} in is larger than a printed page column")
    for t in _texts(fig):
        if t.get_fontsize() < MIN_FONT_PT - 1e-9:
            problems.append(f"text {t.get_text()!r} is {t.get_fontsize():.1f} pt")
    fbox = fig.bbox
    for lg in fig.legends:
        if not _inside(lg.get_window_extent(r), fbox):
            problems.append("the figure legend leaves the figure")
    for t in _texts(fig):
        if not _inside(t.get_window_extent(r), fbox):
            problems.append(f"text {t.get_text()!r} leaves the figure")
    main = [ax for ax in fig.axes if ax.axison and ax.get_label() != "<colorbar>"
            and not _is_inset(ax, fig)]
    for ax in fig.axes:
        if ax.axison and not _inside(ax.get_tightbbox(r), fbox):
            problems.append(f"axes {ax.get_title()!r} leaves the figure")
    for a, b in itertools.combinations(main, 2):
        ia, ib = a.get_tightbbox(r), b.get_tightbbox(r)
        ov_x = min(ia.x1, ib.x1) - max(ia.x0, ib.x0)
        ov_y = min(ia.y1, ib.y1) - max(ia.y0, ib.y0)
        if ov_x > 2 * TOL and ov_y > 2 * TOL:
            problems.append(f"axes {a.get_title()!r} and {b.get_title()!r} overlap")
    for ax in main:
        xs = [s for s in ax.get_shared_x_axes().get_siblings(ax) if s.axison] or [ax]
        ys = [s for s in ax.get_shared_y_axes().get_siblings(ax) if s.axison] or [ax]
        if not any(s.get_xlabel().strip() for s in xs):
            problems.append(f"axes {ax.get_title()!r} has no x label")
        if not any(s.get_ylabel().strip() for s in ys):
            problems.append(f"axes {ax.get_title()!r} has no y label")
    for ax in fig.axes:
        if not ax.axison:
            continue
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        for art in ax.get_children():
            if isinstance(art, Legend | Text) and art.get_visible() and art is not ax.title:
                if isinstance(art, Text) and not art.get_text().strip():
                    continue
                if art in (ax._left_title, ax._right_title):
                    continue
                if not _inside(art.get_window_extent(r), ax.bbox):
                    problems.append(f"{type(art).__name__} leaves axes {ax.get_title()!r}")
            elif isinstance(art, Line2D) and art.get_visible():
                if not art.get_clip_on():
                    problems.append(f"line {art.get_label()!r} is not clipped to its axes")
                if art.get_marker() not in ("None", None, "", " ") and art.get_linestyle() in (
                        "None", "none", "", " "):
                    x, y = (np.asarray(v, float) for v in art.get_data())
                    ok = np.isfinite(x) & np.isfinite(y)
                    if np.any((x[ok] < x0) | (x[ok] > x1) | (y[ok] < y0) | (y[ok] > y1)):
                        problems.append(f"markers {art.get_label()!r} outside {ax.get_title()!r}")
            elif isinstance(art, matplotlib.axes.Axes) and art.axison:
                if not _inside(art.get_tightbbox(r), ax.bbox):
                    problems.append(f"inset leaves axes {ax.get_title()!r}")
    return problems


def _is_inset(ax, fig) -> bool:
    return any(ax in other.child_axes for other in fig.axes)


@pytest.fixture(scope="module")
def quick():
    q = figures.QUICK
    d2 = figures.fig2_data(q["fig2"]["radii"])
    d3 = figures.fig3_data(q["fig3"]["radii"], n=q["fig3"]["n"], steps=q["fig3"]["steps"],
                           published=True)
    d4 = figures.fig4_data(q["fig4"]["radii"], n=q["fig4"]["n"], steps=q["fig4"]["steps"],
                           starts=figures.fig4_starts(count=q["fig4"]["starts"]),
                           basin_grid=q["fig4"]["basin_grid"], basin_steps=800)
    figs = {**figures.draw_fig2(d2), **figures.draw_fig3(d3), **figures.draw_fig4(d4)}
    yield figs
    for f in figs.values():
        plt.close(f)


def test_every_figure_is_drawn(quick):
    assert set(quick) == {"fig2", "fig3_alg1_paper", "fig3_alg1_exact", "fig3_rbo",
                          "fig3_published", "fig4_paper", "fig4_code"}


@pytest.mark.parametrize("name", ["fig2", "fig3_alg1_paper", "fig3_alg1_exact", "fig3_rbo",
                                  "fig3_published", "fig4_paper", "fig4_code"])
def test_figure_audit(quick, name):
    assert audit(quick[name]) == []


def test_fonts_read_back(quick):
    sizes = [t.get_fontsize() for f in quick.values() for t in _texts(f)]
    assert len(sizes) > 100 and min(sizes) >= 8.0


def test_fig3_layout_is_the_papers(quick):
    """Loss top left, then one panel per radius, each with f_rho and a zoom inset where the
    path is short."""
    fig = quick["fig3_rbo"]
    axes = [ax for ax in fig.axes if ax.axison and not _is_inset(ax, fig)]
    assert axes[0].get_title().startswith("loss")
    assert len(axes) == 1 + len(figures.QUICK["fig3"]["radii"])
    for ax in axes[1:]:
        labels = [ln.get_label() for ln in ax.get_lines()]
        assert r"offset $f_\rho$" in labels and "centre path" in labels
    assert any(ax.child_axes for ax in axes[1:])          # at least one zoom inset
    for ax in axes[1:]:
        for ins in ax.child_axes:                          # the inset shows the path
            path = ins.get_lines()[1]
            x = path.get_xdata()
            lo, hi = ins.get_xlim()
            assert np.ptp(x) > 0.1 * (hi - lo)


def test_fig4_one_gd_panel_colour_bar_and_marks(quick):
    fig = quick["fig4_code"]
    titles = [ax.get_title() for ax in fig.axes]
    assert titles.count("GD") == 1
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "loss" in bars[0].get_ylabel()
    legend = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    labels = {t.get_text() for lg in legend for t in lg.get_texts()}
    assert {"start", "final centre", "final footpoint", "global minimiser"} <= labels
    for ax in fig.axes:
        for ln in ax.get_lines():
            if ln.get_linestyle() == "-":
                assert ln.get_linewidth() <= 0.5 and ln.get_alpha() <= 0.4   # thin, see-through


def test_descend_to_is_the_engines_gradient_descent():
    """The basin test's descent is x - lr * grad f(x), step by step: the engine's GD, the
    same numbers as a hand-written loop."""
    L = gaussian_wells(n=40, form="code")
    x0 = figures.fig4_starts(count=3)
    x = x0.copy()
    for _ in range(50):
        x = x - 2e-3 * L.value_and_grad(x)[1]
    np.testing.assert_array_equal(figures.descend_to(L, x0, steps=50), x)
    opt, state, y = Optimizer("gd"), {}, x0.copy()
    for t in range(50):
        y, state = opt.step(L, y, state, lr=np.full(3, 2e-3), t=t)
    np.testing.assert_array_equal(y, x)


def test_basin_map_holds_the_minimiser():
    L = gaussian_wells(n=40, form="code")
    xstar, _ = figures.global_minimiser(L)
    b = figures.basin_map(L, xstar, grid=7, half_width=0.3, steps=600)
    assert b["inside"][3, 3]                                # the centre is the minimiser
    ends = figures.descend_to(L, np.array([[b["x"][0], b["y"][0]]]), steps=600)
    assert b["inside"][0, 0] == (np.linalg.norm(ends[0] - xstar) <= 0.05)
