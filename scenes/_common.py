"""Shared look and helpers of the rollingball scenes (palette, labels, equal-unit axes, readouts).

Every scene is a :class:`rollingball.scenes.base.StoryboardScene` (options, frame data from
:mod:`rollingball.storyboard`); this module holds only the look.

Labels are MathTex when a LaTeX toolchain (``latex`` and ``dvisvgm``) is installed and a
Unicode :class:`~manim.Text` otherwise; ``ROLLINGBALL_LATEX=0`` or ``1`` forces either.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    DecimalNumber,
    MathTex,
    Mobject,
    Text,
    TexTemplate,
    VGroup,
    VMobject,
)

# ------------------------------------------------------------------------ palette
#: The themes: role -> colour.  ``dark`` is for screens, ``light`` for slides and print.
THEMES: dict[str, dict[str, object]] = {
    "dark": dict(
        BACKGROUND="#0E1117",
        CURVE="#E6E1D6",     # the loss graph
        OFFSET="#F2C14E",    # the ironed landscape f_rho (dashed)
        BALL="#4FC3F7",      # the ball, its centre and trace
        FOOT="#FF8A4C",      # footpoints / contacts
        NORMAL="#F5F5F5",    # normals
        GHOST="#D67BFF",     # gradient descent (saturated violet: not read as grey)
        STEP="#81C784",      # steps, critical radius
        DANGER="#EF5350",    # unreachable arcs, collisions
        MUTED="#8A93A6",     # axes, secondary text
        RADII=["#4FC3F7", "#81C784", "#F2C14E", "#FF8A4C", "#EF5350", "#BA68C8"],
    ),
    "light": dict(
        BACKGROUND="#FFFFFF",
        CURVE="#1F2430",
        OFFSET="#B07800",
        BALL="#0277BD",
        FOOT="#E65100",
        NORMAL="#37474F",
        GHOST="#8E24AA",
        STEP="#2E7D32",
        DANGER="#C62828",
        MUTED="#5F6B7A",
        RADII=["#0277BD", "#2E7D32", "#B07800", "#E65100", "#C62828", "#6A1B9A"],
    ),
}
#: Other colours a scene may use for a baseline overlay, by engine method.
BASELINE_COLOURS = {"gd": "GHOST", "momentum": "#26A69A", "adam": "#EC407A", "sam": "#8D6E63"}


class Palette:
    """The current theme's colours (attributes named by role) and the font scale.

    Scenes read ``PAL.BALL`` etc. when they draw, so :func:`use_theme` restyles every scene
    without editing it.
    """

    def __init__(self):
        self.use("dark")

    def use(self, theme: str = "dark", font_scale: float = 1.0) -> Palette:
        """Switch to ``theme`` (a name of :data:`THEMES`) and ``font_scale`` (> 0)."""
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
        if not (np.isfinite(font_scale) and font_scale > 0):
            raise ValueError(f"the font scale must be positive, got {font_scale!r}")
        self.theme, self.font_scale = theme, float(font_scale)
        for role, colour in THEMES[theme].items():
            setattr(self, role, colour)
        return self

    def baseline(self, method: str) -> str:
        """The colour of a baseline overlay (``gd`` is the ghost colour)."""
        c = BASELINE_COLOURS.get(method, "MUTED")
        return c if c.startswith("#") else getattr(self, c)  # a hex colour or a role name


#: The palette every scene draws with.
PAL = Palette()


def use_theme(theme: str = "dark", font_scale: float = 1.0) -> Palette:
    """Switch the palette every scene draws with (see :class:`Palette`)."""
    return PAL.use(theme, font_scale)


FONT = "DejaVu Sans"

#: A minimal LaTeX template: needs only texlive-latex-base (amsmath, amssymb) and dvisvgm,
#: not the ``standalone`` class of Manim's default template (texlive-latex-extra).
TEX_TEMPLATE = TexTemplate(
    documentclass=r"\documentclass{article}",
    preamble="\n".join([r"\usepackage{amsmath}", r"\usepackage{amssymb}", r"\pagestyle{empty}"]),
)


class RBMathTex(MathTex):
    """MathTex compiled with :data:`TEX_TEMPLATE` (never touches the global config)."""

    def __init__(self, *tex_strings, **kwargs):
        kwargs.setdefault("tex_template", TEX_TEMPLATE)
        super().__init__(*tex_strings, **kwargs)


def latex_available() -> bool:
    """Whether MathTex is used: $ROLLINGBALL_LATEX (0/1) if set, else latex and dvisvgm found."""
    forced = os.environ.get("ROLLINGBALL_LATEX", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    return shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


def label(tex: str, plain: str, font_size: float = 32, color=None, **kwargs) -> Mobject:
    """``MathTex(tex)`` with LaTeX, else ``Text(plain)`` (Unicode) at a matching size."""
    color = PAL.CURVE if color is None else color
    font_size = font_size * PAL.font_scale
    if latex_available():
        return RBMathTex(tex, font_size=font_size, color=color, **kwargs)
    return Text(plain, font=FONT, font_size=font_size * 0.8, color=color, **kwargs)


def caption(text: str, font_size: float = 26, color=None) -> Text:
    """Plain prose (always Text: no LaTeX needed for words)."""
    return Text(text, font=FONT, font_size=font_size * PAL.font_scale,
                color=PAL.MUTED if color is None else color)


def title(text: str) -> Text:
    """A scene title, top-left."""
    t = Text(text, font=FONT, font_size=34 * PAL.font_scale, color=PAL.CURVE, weight="BOLD")
    return t.to_corner(UP + LEFT, buff=0.35)


def fit_unit(x_range: Sequence[float], y_range: Sequence[float], width: float,
             height: float) -> float:
    """The largest common unit length (scene units per loss unit) fitting the box."""
    return min(width / (x_range[1] - x_range[0]), height / (y_range[1] - y_range[0]))


def nice_step(span: float) -> float:
    """A tick step giving about five ticks over ``span``."""
    raw = span / 5
    mag = 10 ** np.floor(np.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return float(m * mag)
    return float(10 * mag)


def equal_axes(x_range: Sequence[float], y_range: Sequence[float], unit: float,
               numbers: bool = True, **kwargs) -> Axes:
    """Axes with the SAME unit length on both axes (so circles stay circles and tangent)."""
    x0, x1 = map(float, x_range)
    y0, y1 = map(float, y_range)
    ax = Axes(
        x_range=[x0, x1, nice_step(x1 - x0)],
        y_range=[y0, y1, nice_step(y1 - y0)],
        x_length=(x1 - x0) * unit,
        y_length=(y1 - y0) * unit,
        tips=False,
        axis_config=dict(color=PAL.MUTED, stroke_width=1.5, include_ticks=numbers,
                         tick_size=0.05),
        **kwargs,
    )
    return ax


def axis_numbers(axes: Axes, x_range: Sequence[float], y_range: Sequence[float],
                 font_size: float = 16) -> VGroup:
    """Tick numbers of ``axes`` as Text (no LaTeX needed): about five per axis, at the
    multiples of :func:`nice_step` inside the ranges, below and left of the plotted box (so
    no number sits under a ball drawn on the axes)."""
    out = VGroup()
    (x0, x1), (y0, y1) = map(float, x_range), map(float, y_range)
    for lo, hi, along_x in ((x0, x1, True), (y0, y1, False)):
        h = nice_step(hi - lo)
        for v in np.arange(np.ceil(lo / h) * h, hi + 1e-9, h):
            text = f"{v:g}" if abs(v) > 1e-12 else "0"
            if along_x:
                out.add(caption(text, font_size).next_to(axes.c2p(v, y0), DOWN, buff=0.08))
            else:
                out.add(caption(text, font_size).next_to(axes.c2p(x0, v), LEFT, buff=0.08))
    return out


def polyline(axes: Axes, pts: np.ndarray, color=None, width: float = 3.0,
             z: float = 0.0) -> VMobject:
    """The polyline through ``pts`` (``(M, 2)`` in loss coordinates), exact at the samples."""
    vm = VMobject(stroke_color=PAL.CURVE if color is None else color, stroke_width=width)
    vm.set_points_as_corners(to_scene(axes, pts))
    vm.set_z_index(z)
    return vm


def to_scene(axes: Axes, pts) -> np.ndarray:
    """Loss coordinates ``(..., 2)`` -> scene points ``(..., 3)`` (vectorised ``c2p``)."""
    pts = np.asarray(pts, dtype=float)
    origin = axes.c2p(0, 0)
    ex = axes.c2p(1, 0) - origin
    ey = axes.c2p(0, 1) - origin
    return origin + pts[..., :1] * ex + pts[..., 1:2] * ey


def axes_unit(axes: Axes) -> tuple[float, float]:
    """Scene units per loss unit along x and y (equal for :func:`equal_axes`)."""
    o = axes.c2p(0, 0)
    return float(np.linalg.norm(axes.c2p(1, 0) - o)), float(np.linalg.norm(axes.c2p(0, 1) - o))


class Readout(VGroup):
    """A live panel of ``label = value`` rows, each value read by a getter every frame.

    With LaTeX: MathTex labels and :class:`~manim.DecimalNumber` values.  Without: Text
    labels and a Text value rebuilt when the shown digits change.
    """

    def __init__(self, rows: Sequence[tuple[str, str, Callable[[], float], int]],
                 font_size: float = 30, color=None):
        super().__init__()
        self.getters = []
        tex = latex_available()
        color = PAL.CURVE if color is None else color
        for tex_label, plain_label, getter, decimals in rows:
            lab = label(tex_label + "=", plain_label + " =", font_size=font_size, color=PAL.MUTED)
            if tex:
                num = DecimalNumber(getter(), num_decimal_places=decimals,
                                    font_size=font_size * PAL.font_scale,
                                    color=color, include_sign=False, mob_class=RBMathTex)
                num.add_updater(lambda m, g=getter: m.set_value(g()))
            else:
                num = _TextNumber(getter, decimals, font_size * 0.8 * PAL.font_scale, color)
            row = VGroup(lab, num)
            num.next_to(lab, RIGHT, buff=0.15)
            self.add(row)
            self.getters.append(getter)
        self.arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        for row in self:
            lab = row[0]
            eq = lab[0][-1] if tex else lab[-1]  # the "=" sign
            row[1].next_to(lab, RIGHT, buff=0.15)
            row[1].set_y(eq.get_y())
        self.values = [row[1] for row in self]


class _TextNumber(VGroup):
    """A number drawn with Text, refreshed by an updater (LaTeX-free DecimalNumber)."""

    def __init__(self, getter: Callable[[], float], decimals: int, font_size: float, color):
        super().__init__()
        self.getter, self.decimals, self.fs, self.col = getter, decimals, font_size, color
        self.shown = None
        self._refresh()
        self.add_updater(lambda m: m._refresh())

    def _text(self) -> str:
        v = float(self.getter())
        return f"{v:.{self.decimals}f}" if self.decimals else f"{int(round(v))}"

    def _refresh(self):
        s = self._text()
        if s == self.shown:
            return
        new = Text(s, font=FONT, font_size=self.fs, color=self.col)
        if self.shown is not None and len(self.submobjects):
            new.move_to(self.submobjects[0].get_left(), aligned_edge=LEFT)
        self.submobjects = [new]
        self.shown = s

    def get_value(self) -> float:
        return float(self.shown)


def legend(items: Sequence[tuple[Mobject, Mobject]], buff: float = 0.2) -> VGroup:
    """Rows of (swatch, label)."""
    rows = VGroup(*[VGroup(sw, lab).arrange(RIGHT, buff=0.15) for sw, lab in items])
    return rows.arrange(DOWN, aligned_edge=LEFT, buff=buff)


__all__ = [
    "PAL", "THEMES", "Palette", "use_theme", "BASELINE_COLOURS", "FONT", "TEX_TEMPLATE",
    "RBMathTex", "latex_available", "label", "caption", "title", "axis_numbers", "fit_unit",
    "nice_step", "equal_axes", "polyline", "to_scene", "axes_unit", "Readout", "legend",
]
