"""``rollingball render SCENE [options]``: render a Manim scene of :mod:`rollingball.scenes`.

Also a Python function, :func:`render_scene`, used by ``rollingball demo``::

    from rollingball.cli.render import render_scene
    video = render_scene("RollingBall", quality="medium", fmt="mp4", out_dir="out", still=True)

Rendering is programmatic, inside Manim's ``tempconfig`` (the global config is never changed);
scene options travel as the class attribute ``options`` of a subclass of the scene, read by the
scene through :func:`rollingball.storyboard.resolve_options`.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rollingball import storyboard
from rollingball.engine.baselines import BASELINES

__all__ = ["render_scene", "load_scene", "scenes_dir", "QUALITIES", "FORMATS", "register", "main"]

#: ``--quality`` -> Manim's quality name.
QUALITIES = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality"}
#: Output formats: a video (mp4 or webm), an animated GIF, or a still PNG of the last frame.
FORMATS = ("mp4", "webm", "gif", "png")
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
    quality: str = "low",
    fmt: str = "mp4",
    out: str | Path | None = None,
    out_dir: str | Path | None = None,
    still: bool = False,
    progress: bool = True,
    theme: str | None = None,
    font_scale: float | None = None,
    baselines: tuple[str, ...] | None = None,
    fps: int | None = None,
    resolution: tuple[int, int] | None = None,
    **options: Any,
) -> Path:
    """Render scene ``name`` and return the path of the file written.

    Args:
        name: a scene of :data:`rollingball.storyboard.SCENES` (``"RollingBall"``, ...).
        quality: ``"low"`` (480p15), ``"medium"`` (720p30) or ``"high"`` (1080p60).
        fmt: ``"mp4"``, ``"webm"``, ``"gif"`` or ``"png"`` (the last frame only; fast).
        out: the output file (its suffix is replaced by ``fmt``'s); default
            ``out_dir/NAME.fmt``.
        out_dir: the folder for the default output name (default: ``./media/rollingball``).
        still: also save the last frame as a PNG beside the video (same stem).
        progress: show Manim's progress bars (stderr).
        theme: ``"dark"`` (default) or ``"light"``.
        font_scale: a factor on every label's size (default 1).
        baselines: engine methods overlaid on RollingBall (default ``("gd",)``).
        fps: frames per second (default: the quality's; GIF: :data:`GIF_FPS`).
        resolution: ``(width, height)`` in pixels (default: the quality's; GIF:
            :data:`GIF_RESOLUTION`).
        **options: scene options (``loss``, ``radius``, ``lr``, ``steps``, ``starts``,
            ``duration``, ``extra``), checked before anything renders.

    Returns:
        the path of the video (or of the PNG when ``fmt="png"``).

    Raises:
        ValueError: an unknown scene, quality or format, or a bad option.
    """
    if quality not in QUALITIES:
        raise ValueError(f"quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    overrides = {k: v for k, v in options.items() if v is not None}
    overrides, fps, resolution = _checked(name, fmt, overrides, theme, font_scale, baselines,
                                          fps, resolution)
    if out is not None:
        target = Path(out).with_suffix(f".{fmt}")
    else:
        target = Path(out_dir or Path("media") / "rollingball") / f"{name}.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)

    base = load_scene(name)
    from manim import tempconfig  # Manim (the anim extra) is imported only to render

    scene_cls = type(name, (base,), {"options": overrides})
    with tempfile.TemporaryDirectory(prefix="rollingball-render-") as tmp:
        cfg = {
            "quality": QUALITIES[quality],
            "media_dir": tmp,
            "disable_caching": True,
            "write_to_movie": fmt != "png",
            "save_last_frame": fmt == "png",
            "format": "webm" if fmt == "webm" else "mp4",  # a GIF is made from the mp4
            "output_file": name,
            "progress_bar": "display" if progress else "none",
            "verbosity": "WARNING",
            "preview": False,
        }
        if fps is not None:
            cfg["frame_rate"] = int(fps)
        if resolution is not None:
            cfg["pixel_width"], cfg["pixel_height"] = (int(v) for v in resolution)
        with tempconfig(cfg):
            scene = scene_cls()
            scene.render()
            writer = scene.renderer.file_writer
            produced = Path(writer.image_file_path if fmt == "png" else writer.movie_file_path)
            frame = scene.renderer.get_frame() if still and fmt != "png" else None
        if not produced.is_file():
            raise RuntimeError(f"Manim wrote no file for {name} (expected {produced})")
        tmp_target = target.with_name(f".{target.name}.partial")
        if fmt == "gif":
            _gif_from_video(produced, tmp_target, fps)
        else:
            shutil.copyfile(produced, tmp_target)
        tmp_target.replace(target)
    if frame is not None:
        from PIL import Image  # with Manim (the anim extra), only for a still

        Image.fromarray(frame).convert("RGB").save(target.with_suffix(".png"))
    return target


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
    """The scene options with the style in ``extra``, and the frame rate and resolution
    (GIF defaults applied); ``ValueError`` on any bad value, before anything renders."""
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
    if fmt == "gif":
        fps = GIF_FPS if fps is None else fps
        resolution = GIF_RESOLUTION if resolution is None else resolution
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
    p.add_argument("--quality", choices=list(QUALITIES), default="low",
                   help="low (480p15, default), medium (720p30) or high (1080p60)")
    p.add_argument("--fps", type=int, help="frames per second (default: the quality's)")
    p.add_argument("--resolution", dest="pixels", metavar="WxH", help="pixels, e.g. 1280x720")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="mp4",
                   help="mp4 (default), webm, gif (10 fps, 480x270 unless given) or png "
                        "(last frame only)")
    p.add_argument("--out", metavar="PATH",
                   help="output file (default media/rollingball/SCENE.fmt)")
    p.add_argument("--still", action="store_true", help="also save the last frame as PNG")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    options = dict(loss=args.loss, radius=args.radius, lr=args.lr, steps=args.steps,
                   starts=_starts(args.starts), duration=args.duration)
    style = dict(theme=args.theme, font_scale=args.font_scale,
                 baselines=_baselines(args.baselines), fps=args.fps,
                 resolution=_resolution(args.pixels))
    _checked(args.scene, args.fmt, {k: v for k, v in options.items() if v is not None},
             **style)  # one-line errors before anything is printed
    suffix = Path(args.out).suffix.lower().lstrip(".") if args.out else ""
    if suffix and suffix != args.fmt:
        raise ValueError(f"--out {args.out} does not match --format {args.fmt}: name the file "
                         f"{Path(args.out).with_suffix('.' + args.fmt).name} or pass "
                         f"--format {suffix}")
    if not args.quiet:
        print(f"rollingball: rendering {args.scene} ({args.quality} quality, {args.fmt})...",
              file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    path = render_scene(args.scene, quality=args.quality, fmt=args.fmt, out=args.out,
                        still=args.still, progress=not args.quiet, **style, **options)
    print(path)
    if args.still and args.fmt != "png":
        print(path.with_suffix(".png"))
    if not args.quiet:
        print(f"rollingball: {args.scene} rendered in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
    return 0
