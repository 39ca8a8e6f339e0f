r"""``rollingball render SCENE [options]``: render a Manim scene of :mod:`rollingball.scenes`.

Also a Python function, :func:`render_scene`, used by ``rollingball demo``::

    from rollingball.cli.render import render_scene
    video = render_scene("RollingBall", quality="medium", fmt="mp4", out_dir="out", still=True)

Rendering is programmatic, inside Manim's ``tempconfig`` (the global config is never changed);
scene options travel as the class attribute ``options`` of a subclass of the scene, read by the
scene through :func:`rollingball.storyboard.resolve_options`.

A project ``manim.cfg`` is honoured as plain ``manim`` honours it: the file in the current
folder (or ``--config FILE``) is read at every render by Manim's own parser
(:func:`project_config`), and the Manim settings are layered

.. math:: \text{our defaults} \;<\; \text{manim.cfg} \;<\; \text{explicit options}

(``--quality``, ``--fps``, ``--resolution``, ``--quiet`` are explicit; low quality, the GIF's
10 fps at 480 x 270 and Manim's WARNING verbosity are defaults).  The keys that say where and
how the file is written (:data:`OWN_KEYS`) stay the command's.  The scenes set their
background from ``--theme``, so a ``background_color`` of the file is drawn over.

``--preview`` opens the written file with Manim's own opener
(:func:`manim.utils.file_ops.open_file` under ``preview=True``: ``xdg-open``, ``open``,
``startfile``, or the file's ``preview_command``); without a display (CI, SSH) it prints a note
and opens nothing, and an opener that fails is a warning, never a failed render.

``--format png --at SECONDS`` is the frame shown at that time of the video (frame
:math:`k = \lfloor t\,\mathrm{fps} \rfloor` of the :math:`N` frames, :math:`0 \le t \le
N/\mathrm{fps}`), rendered losslessly as Manim's PNG sequence; without ``--at`` the PNG is
the last frame (fast: Manim skips the animations).
"""

from __future__ import annotations

import argparse
import configparser
import importlib
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rollingball import storyboard
from rollingball.engine.baselines import BASELINES

__all__ = ["render_scene", "load_scene", "scenes_dir", "project_config", "preview_file",
           "QUALITIES", "FORMATS", "OWN_KEYS", "register", "main"]

#: ``--quality`` -> Manim's quality name.
QUALITIES = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality"}
#: ``--quality`` -> Manim's pixel width, pixel height and frame rate of that quality.
_QUALITY_PIXELS = {"low": (854, 480, 15), "medium": (1280, 720, 30), "high": (1920, 1080, 60)}
#: Output formats: a video (mp4 or webm), an animated GIF, or a still PNG (the last frame, or
#: the frame at ``--at`` seconds).
FORMATS = ("mp4", "webm", "gif", "png")
#: Manim settings the command keeps whatever a ``manim.cfg`` says: it renders into a
#: temporary folder, in its own format, and copies the one file it wrote to ``--out``.
OWN_KEYS = frozenset({
    "media_dir", "video_dir", "images_dir", "sections_dir", "partial_movie_dir", "log_dir",
    "output_file", "format", "write_to_movie", "save_last_frame", "write_all", "save_sections",
    "preview", "show_in_file_browser", "live_preview", "enable_gui", "dry_run",
    "disable_caching", "input_file", "scene_names", "transparent"})
#: Themes of the scenes (see ``rollingball.scenes._common.THEMES``).
THEMES = ("dark", "light")
#: A GIF's defaults where ``fps`` / ``resolution`` are not given: 10 frames per second at
#: 480 x 270 keep a 10 s clip at a few MB (Manim's 854 x 480 at 15 fps made 24 MB).
GIF_FPS, GIF_RESOLUTION = 10, (480, 270)


def scenes_dir() -> Path:
    """The folder of the scenes package :mod:`rollingball.scenes` (``scenes/`` in a checkout,
    ``site-packages/rollingball/scenes`` in a plain install)."""
    try:
        package = importlib.import_module("rollingball.scenes")
    except ImportError:  # an editable install made before scenes/ was mapped
        raise ValueError("the package rollingball.scenes is missing: reinstall rollingball "
                         "(pip install .)") from None
    return Path(package.__file__).resolve().parent


def load_scene(name: str) -> type:
    """The scene class ``name`` from its module of :mod:`rollingball.scenes` (imports Manim)."""
    if name not in storyboard.SCENES:
        raise ValueError(f"unknown scene {name!r}; scenes: {', '.join(storyboard.SCENES)}")
    scenes_dir()  # a clear error when the package is missing
    module = importlib.import_module(f"rollingball.scenes.{storyboard.SCENES[name]}")
    return getattr(module, name)


def render_scene(
    name: str,
    *,
    quality: str | None = None,
    fmt: str = "mp4",
    out: str | Path | None = None,
    out_dir: str | Path | None = None,
    still: bool = False,
    progress: bool | None = None,
    at: float | None = None,
    preview: bool = False,
    config_file: str | Path | None = None,
    theme: str | None = None,
    font_scale: float | None = None,
    baselines: tuple[str, ...] | None = None,
    fps: int | None = None,
    resolution: tuple[int, int] | None = None,
    slides: bool = False,
    **options: Any,
) -> Path:
    r"""Render scene ``name`` and return the path of the file written.

    Args:
        name: a scene of :data:`rollingball.storyboard.SCENES` (``"RollingBall"``, ...).
        quality: ``"low"`` (480p15), ``"medium"`` (720p30) or ``"high"`` (1080p60); default:
            the project ``manim.cfg``'s pixel size and frame rate where it sets them, else low.
        fmt: ``"mp4"``, ``"webm"``, ``"gif"`` or ``"png"`` (the last frame, fast; or the
            frame at ``at``).
        out: the output file (its suffix is replaced by ``fmt``'s); default
            ``out_dir/NAME.fmt``.
        out_dir: the folder for the default output name (default: ``MEDIA/rollingball``,
            ``MEDIA`` the ``manim.cfg``'s ``media_dir`` or ``./media``).
        still: also save the last frame as a PNG beside the video (same stem).
        progress: show Manim's progress bars (stderr); default: the ``manim.cfg``'s
            ``progress_bar``, else shown.
        at: with ``fmt="png"``, the time in seconds of the still (default: the last frame);
            :math:`0 \le t \le` the scene's length, else ``ValueError`` naming the length.
        preview: open the written file afterwards (:func:`preview_file`).
        config_file: a ``manim.cfg`` to honour (default: ``./manim.cfg`` where it exists;
            :func:`project_config`).
        theme: ``"dark"`` (default) or ``"light"``.
        font_scale: a factor on every label's size (default 1).
        baselines: engine methods overlaid on RollingBall (default ``("gd",)``).
        fps: frames per second (default: the quality's; GIF: :data:`GIF_FPS`).
        resolution: ``(width, height)`` in pixels (default: the quality's; GIF:
            :data:`GIF_RESOLUTION`).
        slides: write the scene's slide deck instead (manim-slides, the ``slides`` extra;
            :mod:`rollingball.scenes.slides`): ``<name>Slide.json`` and one video per slide
            in the folder ``out`` (default ``./slides``); returns the JSON's path.
        **options: scene options (``loss``, ``radius``, ``lr``, ``steps``, ``starts``,
            ``duration``, ``extra``), checked before anything renders.

    Returns:
        the path of the video (or of the PNG when ``fmt="png"``).

    Raises:
        ValueError: an unknown scene, quality or format, a bad option, a bad ``manim.cfg``,
            or a still time beyond the scene.
    """
    if quality is not None and quality not in QUALITIES:
        raise ValueError(f"quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    _check_at(at, fmt)
    _check_slides(slides, fmt, at, still, preview)
    overrides = {k: v for k, v in options.items() if v is not None}
    overrides, fps, resolution = _checked(name, fmt, overrides, theme, font_scale, baselines,
                                          fps, resolution)
    _, file_cfg = project_config(config_file)
    if slides:
        return _render_deck(name, overrides, _layered(file_cfg, quality, fmt, fps, resolution,
                                                      progress), out or out_dir)
    if out is not None:
        target = Path(out).with_suffix(f".{fmt}")
    else:  # the manim.cfg's media_dir, as for plain manim, else ./media
        media = Path(file_cfg.get("media_dir") or "media")
        target = Path(out_dir or media / "rollingball") / f"{name}.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)

    base = load_scene(name)
    from manim import tempconfig  # Manim (the anim extra) is imported only to render

    scene_cls = type(name, (base,), {"options": overrides})
    sequence = fmt == "png" and at is not None  # a still at a time: every frame, lossless
    with tempfile.TemporaryDirectory(prefix="rollingball-render-") as tmp:
        cfg = _layered(file_cfg, quality, fmt, fps, resolution, progress)
        cfg.update({
            "media_dir": tmp,
            "disable_caching": True,
            "write_to_movie": fmt != "png" or sequence,
            "save_last_frame": fmt == "png" and not sequence,
            # a GIF is made from the mp4; a still at a time is picked from the PNG sequence
            "format": "png-sequence" if sequence else "webm" if fmt == "webm" else "mp4",
            "output_file": name,
            "preview": False,  # the file is opened after it is copied to ``out`` (below)
        })
        with tempconfig(cfg):
            scene = scene_cls()
            scene.render()
            writer = scene.renderer.file_writer
            if sequence:
                produced = _frame_at(Path(writer.image_sequence_directory), float(at),
                                     int(cfg["frame_rate"]), name)
            else:
                produced = Path(writer.image_file_path if fmt == "png"
                                else writer.movie_file_path)
            frame = scene.renderer.get_frame() if still and fmt != "png" else None
        if not produced.is_file():
            raise RuntimeError(f"Manim wrote no file for {name} (expected {produced})")
        tmp_target = target.with_name(f".{target.name}.partial")
        if fmt == "gif":
            _gif_from_video(produced, tmp_target, int(cfg["frame_rate"]))
        else:
            shutil.copyfile(produced, tmp_target)
        tmp_target.replace(target)
    if frame is not None:
        from PIL import Image  # with Manim (the anim extra), only for a still

        Image.fromarray(frame).convert("RGB").save(target.with_suffix(".png"))
    if preview:
        preview_file(target, file_cfg)
    return target


def _check_slides(slides: bool, fmt: str, at, still: bool, preview: bool) -> None:
    if slides and (fmt != "mp4" or at is not None or still or preview):
        raise ValueError("--slides writes a slide deck (its videos and JSON): it takes no "
                         "--format, --at, --still or --preview")


def _render_deck(name: str, overrides: dict, cfg: dict, out: str | Path | None) -> Path:
    """The slide deck of scene ``name`` written to the folder ``out`` (default ``./slides``):
    ``<name>Slide.json`` and its videos; Manim's own files in a temporary folder."""
    scenes_dir()  # a clear error when the package is missing
    try:
        decks = importlib.import_module("rollingball.scenes.slides").SLIDES
    except ImportError as exc:  # the slides extra is missing: its own one-line message
        raise ValueError(str(exc).split(";")[0]) from None
    from manim import tempconfig  # Manim (the anim extra) is imported only to render

    folder = Path(out or "slides")
    deck = type(f"{name}Slide", (decks[name],), {"options": overrides})
    log = logging.getLogger("manim-slides")  # its "Generated N slides" lines: not when quiet
    level = log.level
    if cfg.get("progress_bar") == "none":
        log.setLevel(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="rollingball-slides-") as tmp:
            with tempconfig({**cfg, "media_dir": tmp, "disable_caching": True, "format": "mp4",
                             "preview": False}):
                deck(output_folder=folder).render()
    finally:
        log.setLevel(level)
    return folder / f"{name}Slide.json"


def _check_at(at: float | None, fmt: str) -> None:
    if at is None:
        return
    if fmt != "png":
        raise ValueError(f"--at picks a still: it needs --format png, not {fmt}")
    if isinstance(at, bool) or not (isinstance(at, int | float) and math.isfinite(at)
                                    and at >= 0):
        raise ValueError(f"--at must be a time in seconds >= 0, got {at!r}")


def _frame_at(folder: Path, at: float, fps: int, name: str) -> Path:
    r"""The PNG of the frame shown at ``at`` seconds among the ``N`` frames Manim wrote to
    ``folder``: frame :math:`k = \min(\lfloor t\,\mathrm{fps} \rfloor, N - 1)`, which a
    player shows during :math:`[k, k+1)/\mathrm{fps}`; ``ValueError`` for
    :math:`t > N/\mathrm{fps}` (one line naming the scene's length)."""
    frames = sorted(folder.glob("*.png"))
    if not frames:
        raise RuntimeError(f"Manim wrote no frames for {name} (expected PNGs in {folder})")
    length = len(frames) / fps
    if at > length + 1e-9:
        raise ValueError(f"--at {at:g} s is beyond the end of {name}: the scene is "
                         f"{length:.3g} s long ({len(frames)} frames at {fps} fps)")
    return frames[min(int(math.floor(at * fps + 1e-9)), len(frames) - 1)]


def _layered(file_cfg: dict, quality: str | None, fmt: str, fps: int | None,
             resolution: tuple[int, int] | None, progress: bool | None) -> dict:
    """Manim's settings: our defaults, then the project ``manim.cfg``, then explicit options
    (the keys of :data:`OWN_KEYS` are set by the caller after this)."""
    w, h, rate = _QUALITY_PIXELS["low"]
    cfg: dict[str, Any] = dict(pixel_width=w, pixel_height=h, frame_rate=rate,
                               progress_bar="display", verbosity="WARNING")
    if fmt == "gif":
        (cfg["pixel_width"], cfg["pixel_height"]), cfg["frame_rate"] = GIF_RESOLUTION, GIF_FPS
    cfg.update({k: v for k, v in file_cfg.items() if k not in OWN_KEYS})
    if quality is not None:
        cfg["pixel_width"], cfg["pixel_height"], cfg["frame_rate"] = _QUALITY_PIXELS[quality]
    if progress is not None:
        cfg["progress_bar"] = "display" if progress else "none"
    if fps is not None:
        cfg["frame_rate"] = int(fps)
    if resolution is not None:
        cfg["pixel_width"], cfg["pixel_height"] = (int(v) for v in resolution)
    return cfg


def project_config(config_file: str | Path | None = None) -> tuple[Path | None, dict]:
    """The ``manim.cfg`` that applies to a render, and the Manim settings it sets.

    The file is ``config_file`` (it must exist) or else ``./manim.cfg`` of the current folder
    where there is one (what plain ``manim`` reads; Manim reads it once, when it is imported,
    so it is read again here for the folder of each render).  Its values are parsed by
    Manim's own parser (``ManimConfig.digest_parser`` of ``make_config_parser``: the same
    types and checks as ``manim``); only the keys the file writes in its ``[CLI]`` section
    are returned, so that the settings it does not mention keep our defaults.

    Returns:
        ``(path, settings)``; ``(None, {})`` without a file.

    Raises:
        ValueError: ``config_file`` missing, or a file Manim cannot read (one line).
    """
    path = Path.cwd() / "manim.cfg" if config_file is None else Path(config_file)
    if not path.is_file():
        if config_file is not None:
            raise ValueError(f"--config {os.fspath(config_file)}: no such file")
        return None, {}
    from manim import logger  # deferred: Manim (the anim extra) only to render
    from manim._config.utils import (  # deferred: Manim (the anim extra) only to render
        ManimConfig,
        make_config_parser,
    )

    raw = configparser.ConfigParser()
    level = logger.level
    logger.setLevel("WARNING")  # no "Reading config file" lines on every render
    try:
        raw.read(path)
        parsed = ManimConfig().digest_parser(make_config_parser(custom_file=path))
    except (configparser.Error, ValueError, TypeError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: not a manim.cfg Manim can read: {first}") from None
    finally:
        logger.setLevel(level)
    keys = [k for k in (raw["CLI"] if raw.has_section("CLI") else ())
            if k in ManimConfig._OPTS]
    return path, {k: parsed[k] for k in keys}


def _has_display() -> bool:
    """Whether an opener can show a window: always on macOS and Windows, on other systems
    only with ``DISPLAY`` or ``WAYLAND_DISPLAY`` set (not in CI or over plain SSH)."""
    if sys.platform == "darwin" or os.name == "nt":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def preview_file(path: str | Path, file_cfg: dict | None = None) -> bool:
    """Open ``path`` the way ``manim -p`` opens its result; ``True`` when an opener ran.

    Manim's own opener :func:`manim.utils.file_ops.open_file` runs under ``preview=True``
    and the project ``manim.cfg``'s settings (its ``preview_command`` replaces the system's
    ``xdg-open`` / ``open`` / ``startfile``).  Manim itself would open the copy in its
    temporary media folder, deleted once the file is at ``out``: so the file at ``out`` is
    opened here, after the copy.  Never hangs or fails a render: without a display (and
    without a ``preview_command``) it prints one note and opens nothing; an opener that
    cannot run prints one warning.
    """
    file_cfg = dict(file_cfg or {})
    path = Path(path).resolve()
    if not (_has_display() or file_cfg.get("preview_command")):
        print(f"rollingball: no display to preview on (DISPLAY is not set): {path}",
              file=sys.stderr)
        return False
    from manim import tempconfig  # Manim (the anim extra) is imported only to render
    from manim.utils import file_ops  # (module attribute: tests replace the opener)

    try:
        with tempconfig({**{k: v for k, v in file_cfg.items() if k not in OWN_KEYS},
                         "preview": True}):
            file_ops.open_file(path, False)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"rollingball: could not preview {path}: {exc}", file=sys.stderr)
        return False
    return True


def _gif_from_video(video: Path, gif: Path, fps: int, colours: int = 96) -> None:
    """The frames of ``video`` as a looping GIF with ONE palette and no dithering.

    Manim's own GIF dithers every frame differently (80% of the pixels change from frame to
    frame, so nothing compresses: 4.2 MB for 8 s of UpdateStep at 480 x 270); a shared
    median-cut palette of ``colours`` (from the middle and the last frame) without dithering
    keeps still pixels still, and the GIF writer stores only what changed (0.32 MB).
    """
    import av  # with Manim (the anim extra): its video library
    from PIL import Image  # with Manim (the anim extra)

    with av.open(str(video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    if not frames:
        raise RuntimeError(f"the video {video} has no frames")
    sample = Image.fromarray(np.concatenate([frames[len(frames) // 2], frames[-1]], axis=0))
    palette = sample.quantize(colors=colours, method=Image.Quantize.MEDIANCUT,
                              dither=Image.Dither.NONE)
    images = [Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE)
              for f in frames]
    images[0].save(gif, format="GIF", save_all=True, append_images=images[1:],
                   duration=round(1000 / fps), loop=0, optimize=True)


def _checked(name, fmt, overrides, theme, font_scale, baselines, fps, resolution):
    """The scene options with the style in ``extra``, and the frame rate and resolution as
    given (defaults are applied by :func:`_layered`); ``ValueError`` on any bad value, before
    anything renders."""
    overrides = dict(overrides)
    extra = dict(overrides.pop("extra", None) or {})
    for key, value in (("theme", theme), ("font_scale", font_scale), ("baselines", baselines)):
        if value is not None:
            extra[key] = tuple(value) if key == "baselines" else value
    if "theme" in extra and extra["theme"] not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {extra['theme']!r}")
    if "font_scale" in extra and not float(extra["font_scale"]) > 0:
        raise ValueError(f"the font scale must be positive, got {extra['font_scale']!r}")
    unknown = [m for m in extra.get("baselines", ()) if m not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline(s) {', '.join(unknown)}; baselines: "
                         f"{', '.join(BASELINES)}")
    if extra:
        overrides["extra"] = extra
    if fps is not None and not (int(fps) == fps and 1 <= fps <= 120):
        raise ValueError(f"fps must be an integer in 1..120, got {fps!r}")
    if resolution is not None and not (len(resolution) == 2 and all(
            int(v) == v and 16 <= v <= 7680 for v in resolution)):
        raise ValueError(f"the resolution must be WIDTHxHEIGHT in pixels, got {resolution!r}")
    storyboard.resolve_options(name, **overrides)
    return overrides, fps, resolution


def _starts(values: list[str] | None):
    if not values:
        return None
    out = []
    for item in values:
        parts = [p for p in item.replace(";", ",").split(",") if p.strip()]
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"bad start {item!r}: write a number, or x,y for a 2-D loss") from None
        if not nums:
            raise ValueError(f"bad start {item!r}")
        out.append(nums[0] if len(nums) == 1 else tuple(nums))
    return tuple(out)


def _resolution(text: str | None) -> tuple[int, int] | None:
    """``"1280x720"`` -> ``(1280, 720)``."""
    if text is None:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"the resolution must be WIDTHxHEIGHT (e.g. 1280x720), got {text!r}"
                         ) from None
    return w, h


def _baselines(text: str | None) -> tuple[str, ...] | None:
    """``"gd,adam"`` -> ``("gd", "adam")``; ``"none"`` -> ``()``."""
    if text is None:
        return None
    if text.strip().lower() == "none":
        return ()
    return tuple(m.strip().lower() for m in text.split(",") if m.strip())


def register(sub) -> None:
    p = sub.add_parser(
        "render",
        help="render a Manim scene (RollingBall, UpdateStep, Ironing, Unreachable, "
             "Exploration, RollingBall3D) to mp4, webm, gif or png",
        description="Render one of the scenes of rollingball.scenes with its data computed by "
        "the engine and the geometry modules. Options not given keep the scene's defaults.",
    )
    p.add_argument("scene", choices=list(storyboard.SCENES), metavar="SCENE",
                   help="one of: " + ", ".join(storyboard.SCENES))
    p.add_argument("--loss", help="a named loss or a formula (default: the scene's)")
    p.add_argument("--radius", type=float, nargs="+", metavar="RHO",
                   help="ball radius; several for Ironing, Unreachable and Exploration")
    p.add_argument("--lr", type=float, metavar="ETA", help="learning rate")
    p.add_argument("--steps", type=int, help="number of engine steps")
    p.add_argument("--x0", "--starts", dest="starts", nargs="+", metavar="X",
                   help="initial point(s): numbers, or x,y pairs for a 2-D loss (as in run)")
    p.add_argument("--baselines", metavar="M1,M2",
                   help="baselines overlaid on RollingBall: gd, momentum, adam, sam (comma "
                        "separated; default gd; 'none' for none)")
    p.add_argument("--duration", type=float, metavar="SECONDS",
                   help="length of the main animation")
    p.add_argument("--theme", choices=THEMES, help="dark (default) or light")
    p.add_argument("--font-scale", type=float, metavar="F", help="label size factor (1)")
    p.add_argument("--quality", choices=list(QUALITIES), default=None,
                   help="low (480p15, default unless manim.cfg sets the size), medium "
                   "(720p30) or high (1080p60)")
    p.add_argument("--fps", type=int, help="frames per second (default: the quality's)")
    p.add_argument("--resolution", dest="pixels", metavar="WxH", help="pixels, e.g. 1280x720")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="mp4",
                   help="mp4 (default), webm, gif (10 fps, 480x270 unless given) or png "
                        "(the last frame, or the frame at --at)")
    p.add_argument("--at", type=float, metavar="SECONDS",
                   help="with --format png: the time of the still (default: the last frame)")
    p.add_argument("--preview", action="store_true",
                   help="open the result when written, as manim -p does (nothing without a "
                        "display)")
    p.add_argument("--config", dest="config_file", metavar="FILE",
                   help="a manim.cfg to honour (default: ./manim.cfg where there is one); "
                        "explicit options win over it, it wins over the defaults")
    p.add_argument("--out", metavar="PATH",
                   help="output file (default MEDIA/rollingball/SCENE.fmt, MEDIA the "
                        "manim.cfg's media_dir or ./media)")
    p.add_argument("--still", action="store_true", help="also save the last frame as PNG")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--slides", action="store_true",
                   help="write the scene's slide deck (manim-slides, the slides extra) to the "
                        "folder --out (default ./slides): a pause at each beat; then "
                        "manim-slides present|convert SCENESlide --folder DIR")
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    options = dict(loss=args.loss, radius=args.radius, lr=args.lr, steps=args.steps,
                   starts=_starts(args.starts), duration=args.duration)
    style = dict(theme=args.theme, font_scale=args.font_scale,
                 baselines=_baselines(args.baselines), fps=args.fps,
                 resolution=_resolution(args.pixels))
    _checked(args.scene, args.fmt, {k: v for k, v in options.items() if v is not None},
             **style)  # one-line errors before anything is printed
    _check_at(args.at, args.fmt)
    _check_slides(args.slides, args.fmt, args.at, args.still, args.preview)
    cfg_path, _ = project_config(args.config_file)
    suffix = Path(args.out).suffix.lower().lstrip(".") if args.out else ""
    if suffix and suffix != args.fmt:
        raise ValueError(f"--out {args.out} does not match --format {args.fmt}: name the file "
                         f"{Path(args.out).with_suffix('.' + args.fmt).name} or pass "
                         f"--format {suffix}")
    if not args.quiet:
        how = f"{args.quality or 'low'} quality" if cfg_path is None or args.quality else \
            f"settings of {cfg_path}"
        at = f" at {args.at:g} s" if args.at is not None else ""
        what = "slide deck" if args.slides else args.fmt
        print(f"rollingball: rendering {args.scene} ({how}, {what}{at})...",
              file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    path = render_scene(args.scene, quality=args.quality, fmt=args.fmt, out=args.out,
                        still=args.still, progress=False if args.quiet else None, at=args.at,
                        preview=args.preview, config_file=args.config_file, slides=args.slides,
                        **style, **options)
    print(path)
    if args.still and args.fmt != "png":
        print(path.with_suffix(".png"))
    if not args.quiet:
        print(f"rollingball: {args.scene} rendered in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
    return 0
