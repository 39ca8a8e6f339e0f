r"""The drawing of :func:`rollingball.notebook.animation.animate`: :class:`BallAnimation`.

Matplotlib is imported here, at the top: this module is loaded only when an animation is made
(``rollingball.notebook.animation`` defers it), so the package imports without Matplotlib.

The figure is a plain :class:`matplotlib.figure.Figure` on an Agg canvas, not a pyplot
figure: a notebook shows the animation once (its ``_repr_html_``), not a stray still beside
it, and the user's backend is left alone.  Every artist is updated from arrays in one call per
frame (offsets, widths, segments and colours of collections), never ball by ball.  The figure
is laid out once; while saving, what never moves (axes, ticks, the graph, the contours, the
legend) is drawn once into a background image and each frame draws only the moving artists
over it (:meth:`BallAnimation._frozen`; measured: 9 ms instead of 65 ms per RGBA frame).

Writers: ``.gif`` by Pillow, ``.html`` by Matplotlib's JavaScript player, ``.mp4`` by ffmpeg
where it is on the PATH, else by PyAV (:class:`PyAVWriter`, registered with Matplotlib as
``"rollingball_pyav"``; PyAV comes with Manim in the ``anim`` extra).  A file is written to
a temporary folder and copied onto its target atomically (:mod:`rollingball._files`).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib import animation as mpl_animation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import EllipseCollection, LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from rollingball._files import atomic_copy, check_target
from rollingball.geometry.jumps import contact_jumps
from rollingball.notebook.data import AnimationData, Track
from rollingball.paper._common import STYLE

__all__ = ["BallAnimation", "PyAVWriter", "SUFFIXES", "video_writer", "theme_rc", "PALETTES"]

#: The suffixes :meth:`BallAnimation.save` writes.
SUFFIXES = (".gif", ".mp4", ".html")

#: Colours per theme: background, foreground (text, axes, the graph), the offset, the balls.
PALETTES: dict[str, dict] = {
    "light": dict(background="#ffffff", foreground="#262626", curve="#262626",
                  offset="#009E73", cmap="viridis",
                  balls=("#0072B2", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#000000")),
    "dark": dict(background="#15181d", foreground="#e3e3e3", curve="#e3e3e3",
                 offset="#2fd3a2", cmap="viridis",
                 balls=("#56B4E9", "#E69F00", "#CC79A7", "#FF7F3F", "#F0E442", "#ffffff")),
}
#: Markers of the baselines, in order.
MARKERS = ("s", "^", "D", "v", "P", "X")


def theme_rc(theme: str, dpi: float) -> dict:
    """The rc parameters of an animation: the package style (:data:`STYLE`) on the theme's
    background, frames at ``dpi`` (the style's print resolution is not used for frames)."""
    rc = dict(mpl.rc_params_from_file(str(STYLE), use_default_template=False))
    pal = PALETTES[theme]
    fg, bg = pal["foreground"], pal["background"]
    rc.update({"figure.facecolor": bg, "axes.facecolor": bg, "savefig.facecolor": bg,
               "savefig.edgecolor": bg, "text.color": fg, "axes.labelcolor": fg,
               "axes.edgecolor": fg, "axes.titlecolor": fg, "xtick.color": fg,
               "ytick.color": fg, "xtick.labelcolor": fg, "ytick.labelcolor": fg,
               "legend.facecolor": bg, "legend.edgecolor": fg, "legend.labelcolor": fg,
               "figure.dpi": dpi, "savefig.dpi": "figure", "savefig.bbox": "standard",
               "savefig.transparent": False,
               # the figure is laid out once, when made (layout="constrained"), then fixed:
               # with the style's constrained_layout.use, savefig would bring the engine back
               "figure.constrained_layout.use": False, "figure.autolayout": False})
    return rc


def _av():
    import av  # deferred: optional dependency PyAV (mp4 without ffmpeg)

    return av


class PyAVWriter(mpl_animation.AbstractMovieWriter):
    """An H.264 ``.mp4`` writer through PyAV (no ffmpeg program needed).

    Each frame is the figure rendered to RGBA at the writer's dpi, cut to even width and
    height (what ``yuv420p`` needs) and encoded with ``libx264`` at constant quality ``crf``.
    """

    def __init__(self, fps: float = 20, metadata=None, codec: str | None = None,
                 bitrate: int | None = None, crf: int = 23) -> None:
        super().__init__(fps=fps, metadata=metadata, codec=codec, bitrate=bitrate)
        self.crf = int(crf)

    @classmethod
    def isAvailable(cls) -> bool:  # noqa: N802 - Matplotlib's name for it
        """PyAV is installed and has an H.264 encoder."""
        try:
            return "libx264" in _av().codecs_available
        except ImportError:
            return False

    def setup(self, fig, outfile, dpi=None) -> None:
        super().setup(fig, outfile, dpi)
        w, h = self.frame_size
        self._size = (w - w % 2, h - h % 2)
        self._container = _av().open(str(outfile), mode="w")
        stream = self._container.add_stream("libx264",
                                            rate=Fraction(self.fps).limit_denominator(1000))
        stream.width, stream.height = self._size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(self.crf)}
        self._stream = stream

    def grab_frame(self, **savefig_kwargs) -> None:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="rgba", dpi=self.dpi, **savefig_kwargs)
        w, h = self.frame_size
        rgba = np.frombuffer(buf.getbuffer(), dtype=np.uint8)
        if rgba.size != w * h * 4:
            raise ValueError(f"a frame has {rgba.size // 4} pixels, expected {w}x{h}")
        rgb = np.ascontiguousarray(rgba.reshape(h, w, 4)[: self._size[1], : self._size[0], :3])
        frame = _av().VideoFrame.from_ndarray(rgb, format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def finish(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()


mpl_animation.writers.register("rollingball_pyav")(PyAVWriter)


def video_writer() -> str | None:
    """The Matplotlib writer that encodes H.264 here: ``"ffmpeg"``, ``"rollingball_pyav"``,
    or None."""
    for name in ("ffmpeg", "rollingball_pyav"):
        if mpl_animation.writers.is_available(name):
            return name
    return None


class _Canvas(FigureCanvasAgg):
    """Agg, less the extra full draw Matplotlib's animation loop asks of a canvas after each
    frame while saving (``draw_idle`` draws at once on Agg; the writer's ``savefig`` draws the
    frame anyway)."""

    def draw_idle(self, *args, **kwargs) -> None:
        if not self.is_saving():
            super().draw_idle(*args, **kwargs)


def _colours(tracks: tuple[Track, ...], pal: dict) -> list[np.ndarray]:
    """Per track ``(N, 4)`` RGBA: one ball, its baselines in the next colours; several balls,
    ball i's colour for every run's ball i (the baselines differ by marker)."""
    balls = to_rgba_array(pal["balls"])
    n = tracks[0].n
    out = []
    for j, tr in enumerate(tracks):
        if n == 1:
            out.append(np.tile(balls[j % len(balls)], (tr.n, 1)))
        else:
            out.append(balls[np.arange(tr.n) % len(balls)])
    return out


def _faded(rgba: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    out = np.array(rgba, dtype=float)
    out[..., 3] = alpha
    return out


def _hops(r) -> np.ndarray:
    """``(T+1, N)`` the contact jumps of a run (what the scenes draw as hops too:
    :func:`rollingball.geometry.jumps.contact_jumps`)."""
    return contact_jumps(r.theta, r.centre, r.radius_t)


class _Jumps:
    """The footpoint jumps of a track as hop segments ``p_{t-1} -> p_t`` (dotted)."""

    def __init__(self, tr: Track, colours: np.ndarray, axes: tuple[int, int]) -> None:
        r = tr.result
        t, i = np.nonzero(_hops(r)[1:])
        t = t + 1
        pts = r.point[..., list(axes)]
        self.step = t
        self.segments = np.stack([pts[t - 1, i], pts[t, i]], axis=1)
        self.colours = colours[i] if len(i) else np.zeros((0, 4))

    def between(self, lo: int, hi: int):
        """The hops of steps in ``(lo, hi]``."""
        m = (self.step > lo) & (self.step <= hi)
        return self.segments[m], self.colours[m]


class BallAnimation(mpl_animation.FuncAnimation):
    """A :class:`~matplotlib.animation.FuncAnimation` of a run (see
    :func:`rollingball.notebook.animation.animate`).

    Attributes:
        data: the numbers drawn (:class:`~rollingball.notebook.data.AnimationData`).
        steps: ``(F,)`` the run's step shown in each frame.
        figure: the Matplotlib figure (an Agg canvas; not registered with pyplot).
        artists: the updated artists by name: ``"balls"``, ``"footpoints"``, ``"centres"``,
            ``"trail"``, ``"hops"``, ``"offset"`` (a list of lines), ``"counter"``, ``"paths"``
            (2-D), ``"circles"`` (2-D, when asked), ``"baseline:<label>"`` and
            ``"baseline:<label>:trail"`` (1-D) or ``":path"`` (2-D).
    """

    def __init__(self, data: AnimationData) -> None:
        opts = data.options
        self.data = data
        self.steps = data.steps
        self._rb_rc = theme_rc(opts["theme"], opts["dpi"])
        self._rb_dpi = opts["dpi"]
        self._rb_pal = PALETTES[opts["theme"]]
        self.artists: dict = {}
        with self._style():
            size = opts["figsize"] or ((7.0, 4.0) if data.dim == 1 else (6.0, 5.0))
            fig = Figure(figsize=size, dpi=opts["dpi"], layout="constrained")
            _Canvas(fig)
            ax = fig.add_subplot()
            self.axes = ax
            self._colours = _colours(data.tracks, self._rb_pal)
            if data.dim == 1:
                self._setup_1d(fig, ax)
            else:
                self._setup_2d(fig, ax)
            super().__init__(fig, self.update, frames=data.frames, interval=opts["interval"],
                             repeat=opts["repeat"], blit=False, cache_frame_data=False)
            self.update(0)
            fig.canvas.draw()  # lay out in the style (ticks made now keep its colours)
            fig.set_layout_engine(None)  # the window is fixed: keep the layout just made; a
            # frame then costs one draw (a layout engine re-measures every text each frame)

    # ------------------------------------------------------------------ the style
    @contextlib.contextmanager
    def _style(self) -> Iterator[None]:
        with mpl.rc_context(self._rb_rc):
            yield

    @property
    def figure(self) -> Figure:
        """The animation's figure."""
        return self._fig

    # ------------------------------------------------------------------ drawing
    def _frame_axes(self, ax) -> None:
        d = self.data
        ax.set_xlim(*d.xlim)
        ax.set_ylim(*d.ylim)
        ax.set_aspect("equal", adjustable="box")
        r = d.main.result
        title = d.options["title"]
        if title is None:
            title = f"{r.landscape.name}: {r.method}" + (
                f", {r.n_balls} balls" if r.n_balls > 1 else "")
        ax.set_title(title)
        self.artists["counter"] = ax.text(0.015, 0.975, "", transform=ax.transAxes, ha="left",
                                          va="top", family="monospace", zorder=10)

    def _setup_1d(self, fig, ax) -> None:
        d, pal = self.data, self._rb_pal
        main, col = d.main, self._colours[0]
        scale = main.result.scale
        ax.plot(d.curve_x, d.curve_y, color=pal["curve"], lw=1.3, zorder=2,
                label=r"$f$" if scale == 1 else rf"${scale:g}\,f$")
        self.artists["curve"] = ax.lines[-1]
        self.artists["offset"] = []
        handles = [ax.lines[-1]]
        if d.offset is not None:
            k = int(max(len(np.unique(row[row >= 0])) for row in d.radius_index))
            label = (rf"$f_\rho$ ($\rho$ = {d.radii[0]:g})" if len(d.radii) == 1
                     else r"$f_\rho$")
            for j in range(max(k, 1)):
                (line,) = ax.plot([], [], color=pal["offset"], ls="--", lw=1.1, zorder=2,
                                  label=label if j == 0 else None)
                self.artists["offset"].append(line)
            handles.append(self.artists["offset"][0])
        if main.ball:
            self.artists["balls"] = ax.add_collection(EllipseCollection(
                np.zeros(main.n), np.zeros(main.n), np.zeros(main.n), units="xy",
                offsets=np.zeros((main.n, 2)), offset_transform=ax.transData,
                facecolors=_faded(col, 0.16), edgecolors=col, linewidths=1.3, zorder=3))
            self.artists["centres"] = ax.scatter(np.zeros(main.n), np.zeros(main.n),
                                                 marker="+", s=40, c=col, zorder=5)
            handles += [Line2D([], [], color=col[0], marker="o", ls="", ms=11, mfc="none",
                               label=f"ball ({main.label})"),
                        Line2D([], [], color=col[0], marker="+", ls="", ms=7,
                               label=r"centre $c_t$")]
        self.artists["trail"] = ax.scatter([], [], s=12, zorder=4, linewidths=0)
        self.artists["hops"] = ax.add_collection(LineCollection([], linestyles=":", lw=1.0,
                                                                zorder=4))
        self.artists["footpoints"] = ax.scatter(np.zeros(main.n), np.zeros(main.n), s=26,
                                                c=col, zorder=6, edgecolors=pal["background"],
                                                linewidths=0.6)
        handles.append(Line2D([], [], color=col[0], marker="o", ls="", ms=5,
                              label=r"footpoint $p_t$" if main.ball else main.label))
        self._jumps = [_Jumps(tr, c, (0, 1)) for tr, c in zip(d.tracks, self._colours,
                                                             strict=True)]
        for j, (tr, c) in enumerate(zip(d.tracks[1:], self._colours[1:], strict=True)):
            m = MARKERS[j % len(MARKERS)]
            key = f"baseline:{tr.label}"
            self.artists[key + ":trail"] = ax.scatter([], [], s=10, marker=m, zorder=4,
                                                      linewidths=0)
            self.artists[key] = ax.scatter(np.zeros(tr.n), np.zeros(tr.n), s=30, marker=m,
                                           c=c, zorder=6, edgecolors=pal["background"],
                                           linewidths=0.6)
            handles.append(Line2D([], [], color=c[0] if d.main.n == 1 else pal["foreground"],
                                  marker=m, ls="", ms=5, label=tr.label))
        self._frame_axes(ax)
        ax.set_xlabel(r"$\theta$")
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6))

    def _setup_2d(self, fig, ax) -> None:
        d, pal = self.data, self._rb_pal
        main, col = d.main, self._colours[0]
        gx, gy, f = d.grid
        cs = ax.contourf(gx, gy, f, levels=18, cmap=pal["cmap"], zorder=0)
        ax.contour(gx, gy, f, levels=cs.levels, colors=[pal["background"]], linewidths=0.3,
                   alpha=0.5, zorder=1)
        self.artists["contours"] = cs
        fig.colorbar(cs, ax=ax, label=r"$f$", shrink=0.9)
        self._paths = []
        for j, (tr, c) in enumerate(zip(d.tracks, self._colours, strict=True)):
            r = tr.result
            seg = np.stack([r.theta[:-1], r.theta[1:]], axis=2)  # (T, N, 2, 2)
            keep = ~_hops(r)[1:] & np.all(np.isfinite(seg), axis=(2, 3))
            t, i = np.nonzero(keep)  # row-major: ordered by step
            self._paths.append((t + 1, seg[t, i], c[i]))
            name = "paths" if j == 0 else f"baseline:{tr.label}:path"
            self.artists[name] = ax.add_collection(LineCollection(
                [], lw=1.4 if j == 0 else 1.0, linestyles="-" if j == 0 else "--", zorder=3))
        self._jumps = [_Jumps(tr, c, (0, 1)) for tr, c in zip(d.tracks, self._colours,
                                                             strict=True)]
        self.artists["hops"] = ax.add_collection(LineCollection([], linestyles=":", lw=1.0,
                                                                zorder=3))
        edge = pal["background"]
        handles = [Line2D([], [], color=col[0], marker="o", ls="-", ms=5,
                          label=f"footpoint path ({main.label})")]
        if main.ball:
            if d.options["circles"]:
                self.artists["circles"] = ax.add_collection(EllipseCollection(
                    np.zeros(main.n), np.zeros(main.n), np.zeros(main.n), units="xy",
                    offsets=np.zeros((main.n, 2)), offset_transform=ax.transData,
                    facecolors="none", edgecolors=col, linewidths=1.0, zorder=4))
            self.artists["centres"] = ax.scatter(np.zeros(main.n), np.zeros(main.n),
                                                 marker="+", s=50, c=col, zorder=5)
            handles.append(Line2D([], [], color=col[0], marker="+", ls="", ms=7,
                                  label=r"centre $c_t$ (horizontal)"))
        self.artists["footpoints"] = ax.scatter(np.zeros(main.n), np.zeros(main.n), s=26,
                                                c=col, zorder=6, edgecolors=edge,
                                                linewidths=0.6)
        for j, (tr, c) in enumerate(zip(d.tracks[1:], self._colours[1:], strict=True)):
            m = MARKERS[j % len(MARKERS)]
            self.artists[f"baseline:{tr.label}"] = ax.scatter(
                np.zeros(tr.n), np.zeros(tr.n), s=30, marker=m, c=c, zorder=6,
                edgecolors=edge, linewidths=0.6)
            handles.append(Line2D([], [], color=c[0] if main.n == 1 else pal["foreground"],
                                  marker=m, ls="--", ms=5, label=tr.label))
        self._frame_axes(ax)
        ax.set_xlabel(r"$\theta_1$")
        ax.set_ylabel(r"$\theta_2$")
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))

    def update(self, k: int) -> list:
        """Put frame ``k`` (step :attr:`steps` ``[k]``) into the figure; returns the artists.

        Every array is the run's record at the frame's step: footpoints ``point[s]``,
        centres ``centre[s]``, ball radii ``radius_t[s]``.
        """
        d = self.data
        if not (0 <= int(k) < d.frames):
            raise ValueError(f"frame {k} is not one of the {d.frames} frames")
        k = int(k)
        s = int(d.steps[k])
        if d.dim == 1:
            self._update_1d(k)
        else:
            self._update_2d(k)
        self.artists["counter"].set_text(f"step {s:>{len(str(d.steps[-1]))}d} / "
                                         f"{d.main.result.steps}")
        return [a for v in self.artists.values() for a in (v if isinstance(v, list) else [v])]

    def _hops(self, k: int, lo_frame: int) -> None:
        """The hops of every run between the steps of frames ``lo_frame`` and ``k``."""
        segs, cols = [], []
        for jumps, tr in zip(self._jumps, self.data.tracks, strict=True):
            lo = int(tr.step[lo_frame]) if lo_frame > 0 else 0
            sg, cl = jumps.between(lo, int(tr.step[k]))
            segs.append(sg)
            cols.append(cl)
        hops = self.artists["hops"]
        hops.set_segments(np.concatenate(segs))
        hops.set_color(np.concatenate(cols) if any(len(c) for c in cols) else "none")

    def _update_1d(self, k: int) -> None:
        d, trail = self.data, self.data.options["trail"]
        main = d.main
        foot = main.point[k]
        self.artists["footpoints"].set_offsets(foot)
        if main.ball:
            c, rad = main.centre[k], main.radius[k]
            good = np.all(np.isfinite(c), axis=-1) & np.isfinite(rad)
            balls = self.artists["balls"]
            balls.set_offsets(np.where(good[:, None], c, 0.0))
            balls.set_widths(np.where(good, 2.0 * rad, 0.0))
            balls.set_heights(np.where(good, 2.0 * rad, 0.0))
            self.artists["centres"].set_offsets(c)
        if d.offset is not None:
            idx = np.unique(d.radius_index[k])
            idx = idx[idx >= 0]
            for j, line in enumerate(self.artists["offset"]):
                if j < len(idx):
                    line.set_data(d.curve_x, d.offset[idx[j]])
                else:
                    line.set_data([], [])
        lo = max(0, k - trail)
        ages = np.arange(lo, k)  # older frames fade out
        alpha = 0.15 + 0.45 * (ages - lo + 1) / max(trail, 1)
        for key, tr, c in zip(["trail"] + [f"baseline:{t.label}:trail" for t in d.tracks[1:]],
                              d.tracks, self._colours, strict=True):
            pts = tr.point[lo:k]  # (K, N, 2)
            art = self.artists[key]
            art.set_offsets(pts.reshape(-1, 2))
            art.set_facecolor(_faded(np.broadcast_to(c, pts.shape[:2] + (4,)),
                                     alpha[:, None]).reshape(-1, 4))
        for tr in d.tracks[1:]:
            self.artists[f"baseline:{tr.label}"].set_offsets(tr.point[k])
        self._hops(k, lo if trail else max(k - 1, 0))

    def _update_2d(self, k: int) -> None:
        d = self.data
        main = d.main
        self.artists["footpoints"].set_offsets(main.result.theta[main.step[k]])
        if main.ball:
            c = main.centre[k][:, :2]
            self.artists["centres"].set_offsets(c)
            if "circles" in self.artists:
                rad = main.radius[k]
                good = np.all(np.isfinite(c), axis=-1) & np.isfinite(rad)
                circ = self.artists["circles"]
                circ.set_offsets(np.where(good[:, None], c, 0.0))
                circ.set_widths(np.where(good, 2.0 * rad, 0.0))
                circ.set_heights(np.where(good, 2.0 * rad, 0.0))
        for j, (tr, (t, seg, cols)) in enumerate(zip(d.tracks, self._paths, strict=True)):
            count = int(np.searchsorted(t, int(tr.step[k]), side="right"))
            art = self.artists["paths" if j == 0 else f"baseline:{tr.label}:path"]
            art.set_segments(seg[:count])
            art.set_color(cols[:count] if count else "none")
            if j:
                self.artists[f"baseline:{tr.label}"].set_offsets(tr.result.theta[tr.step[k]])
        self._hops(k, 0)

    # ------------------------------------------------------------------ output
    def _moving(self) -> list:
        """The artists :meth:`update` changes (everything else is the same in every frame)."""
        still = {"curve", "contours"}
        return [a for key, v in self.artists.items() if key not in still
                for a in (v if isinstance(v, list) else [v])]

    @contextlib.contextmanager
    def _frozen(self, dpi: float) -> Iterator[None]:
        """While saving at ``dpi``: what is the same in every frame (axes, ticks, labels, the
        graph, the contours, the legend) is drawn once into a figure image, and each frame
        draws only the moving artists over it (a frame costs about a seventh of a full draw).
        """
        fig, ax = self._fig, self.axes
        moving = self._moving()
        ids = {id(a) for a in moving}
        static = [a for a in fig.get_children() if a is not ax] + [
            a for a in ax.get_children() if id(a) not in ids]
        static = [a for a in static if a.get_visible()]
        shown = [a for a in moving if a.get_visible()]
        for a in shown:
            a.set_visible(False)
        buf = io.BytesIO()
        try:
            fig.savefig(buf, format="rgba", dpi=dpi, facecolor=self._rb_pal["background"])
        finally:
            for a in shown:
                a.set_visible(True)
        w, h = (int(v * dpi + 1e-8) for v in fig.get_size_inches())
        image = np.frombuffer(buf.getbuffer(), dtype=np.uint8).reshape(h, w, 4).copy()
        for a in static:
            a.set_visible(False)
        background = fig.figimage(image, xo=0, yo=0, origin="upper", zorder=-100)
        try:
            yield
        finally:
            background.remove()
            for a in static:
                a.set_visible(True)

    def save(self, filename, writer=None, fps=None, dpi=None, **kwargs) -> None:
        """Write the animation to ``filename`` (``.gif``, ``.mp4`` or ``.html``) atomically.

        The writer follows the suffix (Pillow, ffmpeg or else PyAV, Matplotlib's JavaScript
        player); ``fps`` defaults to the animation's, ``dpi`` to its frames'.  A writer
        object (what Matplotlib's own ``to_jshtml`` passes) is used as given, unchecked.

        Raises:
            ValueError: an unknown suffix, no mp4 encoder, or a target that cannot be
                written (checked before any frame is drawn).
        """
        dpi = self._rb_dpi if dpi is None else dpi
        if writer is not None and not isinstance(writer, str):
            with self._style(), self._frozen(dpi):
                super().save(filename, writer=writer, fps=fps, dpi=dpi, **kwargs)
            return
        path = os.fspath(filename)
        suffix = Path(path).suffix.lower()
        if suffix not in SUFFIXES:
            raise ValueError(f"cannot save an animation as {suffix or 'a file without suffix'!r}"
                             f" ({path}): use one of {', '.join(SUFFIXES)}")
        check_target(path, "animation file")
        fps = 1000.0 / self._interval if fps is None else float(fps)
        if writer is None:
            writer = {".gif": "pillow", ".html": "html", ".mp4": video_writer()}[suffix]
            if writer is None:
                raise ValueError("saving .mp4 needs ffmpeg on the PATH or PyAV "
                                 "(pip install av); .gif needs neither")
        with tempfile.TemporaryDirectory(prefix="rollingball-anim-") as tmp:
            out = os.path.join(tmp, "animation" + suffix)
            with self._style(), self._frozen(dpi):
                if writer == "html":  # every frame inside the one file
                    w = mpl_animation.HTMLWriter(fps=fps, embed_frames=True,
                                                 default_mode="loop" if self._repeat else "once")
                else:
                    w = mpl_animation.writers[writer](fps=fps)
                super().save(out, writer=w, dpi=dpi, **kwargs)
            atomic_copy(out, path)

    def to_html5_video(self, embed_limit=None) -> str:
        """An HTML5 ``<video>`` (H.264, base64), by ffmpeg or else PyAV.

        Raises:
            ValueError: neither can encode here (``to_jshtml()`` needs neither).
        """
        name = video_writer()
        if name is None:
            raise ValueError("an HTML5 video needs ffmpeg on the PATH or PyAV (pip install av);"
                             " to_jshtml() needs neither")
        with self._style(), mpl.rc_context({"animation.writer": name}):
            return super().to_html5_video(embed_limit=embed_limit)

    def to_jshtml(self, fps=None, embed_frames=True, default_mode=None) -> str:
        """Matplotlib's JavaScript player with every frame embedded (no encoder needed)."""
        with self._style():
            return super().to_jshtml(fps=fps, embed_frames=embed_frames,
                                     default_mode=default_mode)

    def _repr_html_(self) -> str:
        """What a notebook shows: the HTML5 video where it can be encoded, else the
        JavaScript player."""
        return self.to_html5_video() if video_writer() else self.to_jshtml()

    def __repr__(self) -> str:
        r = self.data.main.result
        return (f"<BallAnimation of {r.method} on {r.landscape.name}: {self.data.frames} "
                f"frames of {r.steps} steps, {r.n_balls} ball{'s' * (r.n_balls != 1)}>")
