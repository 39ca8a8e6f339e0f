"""What the paper's figures share: the style file, saving in several formats, CSV, progress.

Every figure is drawn at its printed size (:data:`SINGLE` or :data:`DOUBLE` column width,
inches) with the package's one style file :data:`STYLE` (fonts of 8 pt and more at that
size), and saved by :func:`save_figure` in any of :data:`FORMATS` (PNG at ``dpi``, PDF and
SVG as vectors), each file written atomically (:func:`rollingball._files.atomic_savefig`).
"""

from __future__ import annotations

import contextlib
import csv
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from rollingball._files import atomic_savefig, atomic_write

__all__ = ["STYLE", "FORMATS", "SINGLE", "DOUBLE", "MIN_FONT_PT", "Progress", "quiet",
           "pyplot", "style", "save_figure", "check_formats", "write_csv", "out_dir"]

#: The Matplotlib style file shipped with the package.
STYLE = Path(__file__).with_name("rollingball.mplstyle")
#: Output formats of the figures: raster PNG, vector PDF and SVG.
FORMATS = ("png", "pdf", "svg")
#: Printed widths in inches: one column and the full text width of a two-column paper.
SINGLE, DOUBLE = 3.4, 7.0
#: The smallest font size any figure uses, in points at printed size.
MIN_FONT_PT = 8.0


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


def quiet(_message: str) -> None:
    """A progress callback that prints nothing."""
    return None


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (one-line error if missing)."""
    try:
        import matplotlib  # deferred: optional dependency (the anim extra), loaded when drawing
    except ModuleNotFoundError as exc:  # pragma: no cover - anim extra missing
        raise ValueError("the figures need matplotlib: pip install 'rollingball[anim]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # deferred: after choosing the Agg backend

    return plt


@contextlib.contextmanager
def style() -> Iterator[object]:
    """Draw inside the package style (:data:`STYLE`); yields ``matplotlib.pyplot``."""
    plt = pyplot()
    with plt.style.context(str(STYLE)):
        yield plt


def check_formats(formats: Sequence[str], dpi: float) -> tuple[tuple[str, ...], float]:
    """Validate output formats and the PNG resolution; one-line ``ValueError`` otherwise.

    >>> check_formats(["pdf", "png"], 300)
    (('pdf', 'png'), 300.0)
    """
    formats = tuple(dict.fromkeys(str(f).lower() for f in formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"figure format must be one of {', '.join(FORMATS)}, got {bad or '[]'}")
    dpi = float(dpi)
    if not (np.isfinite(dpi) and 30 <= dpi <= 1200):
        raise ValueError(f"--dpi must lie in [30, 1200], got {dpi:g}")
    return formats, dpi


def save_figure(fig, folder: Path, stem: str, formats: Sequence[str] = ("png",),
                dpi: float = 300) -> list[Path]:
    """Write ``fig`` as ``folder/stem.<format>`` for each format (atomic); returns the paths.

    PNG is rasterised at ``dpi``; PDF (TrueType fonts embedded) and SVG (text as paths)
    are vector files whose page is the figure's printed size.
    """
    formats, dpi = check_formats(formats, dpi)
    paths = []
    with style():  # the file settings of the style (embedded fonts) apply when saving
        for fmt in formats:
            path = Path(folder) / f"{stem}.{fmt}"
            meta = {"Creator": "rollingball"} if fmt in ("pdf", "svg") else None
            atomic_savefig(fig, path, format=fmt, dpi=dpi, metadata=meta)
            paths.append(path)
    return paths


def write_csv(path: Path, header: Sequence[str], rows) -> None:
    """A CSV file written atomically; floats printed exactly (``repr``)."""
    with atomic_write(path, "w") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow([_fmt(v) for v in row])


def _fmt(v):
    if isinstance(v, float | np.floating):
        return repr(float(v))
    if isinstance(v, np.integer | np.bool_):
        return v.item()
    return v


def out_dir(out) -> Path:
    """The output folder, created when missing."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return out
