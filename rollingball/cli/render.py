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

from rollingball import storyboard

__all__ = ["render_scene", "load_scene", "scenes_dir", "QUALITIES", "FORMATS", "register", "main"]

#: ``--quality`` -> Manim's quality name.
QUALITIES = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality"}
#: Output formats: a video (mp4), an animated GIF, or a still PNG of the last frame.
FORMATS = ("mp4", "gif", "png")


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
    **options: Any,
) -> Path:
    """Render scene ``name`` and return the path of the file written.

    Args:
        name: a scene of :data:`rollingball.storyboard.SCENES` (``"RollingBall"``, ...).
        quality: ``"low"`` (480p15), ``"medium"`` (720p30) or ``"high"`` (1080p60).
        fmt: ``"mp4"``, ``"gif"`` or ``"png"`` (the last frame only; fast).
        out: the output file (its suffix is replaced by ``fmt``'s); default
            ``out_dir/NAME.fmt``.
        out_dir: the folder for the default output name (default: ``./media/rollingball``).
        still: also save the last frame as a PNG beside the video (same stem).
        progress: show Manim's progress bars (stderr).
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
    storyboard.resolve_options(name, **overrides)  # fail fast on bad options
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
            "format": "gif" if fmt == "gif" else "mp4",
            "output_file": name,
            "progress_bar": "display" if progress else "none",
            "verbosity": "WARNING",
            "preview": False,
        }
        with tempconfig(cfg):
            scene = scene_cls()
            scene.render()
            writer = scene.renderer.file_writer
            produced = Path(writer.image_file_path if fmt == "png" else writer.movie_file_path)
            frame = scene.renderer.get_frame() if still and fmt != "png" else None
        if not produced.is_file():
            raise RuntimeError(f"Manim wrote no file for {name} (expected {produced})")
        tmp_target = target.with_name(f".{target.name}.partial")
        shutil.copyfile(produced, tmp_target)
        tmp_target.replace(target)
    if frame is not None:
        from PIL import Image  # with Manim (the anim extra), only for a still

        Image.fromarray(frame).convert("RGB").save(target.with_suffix(".png"))
    return target


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


def register(sub) -> None:
    p = sub.add_parser(
        "render",
        help="render a Manim scene (RollingBall, UpdateStep, Ironing, Unreachable, "
             "Exploration, RollingBall3D) to mp4, gif or png",
        description="Render one of the scenes of scenes/ with its data computed by the engine "
        "and the geometry modules. Options not given keep the scene's defaults.",
    )
    p.add_argument("scene", choices=list(storyboard.SCENES), metavar="SCENE",
                   help="one of: " + ", ".join(storyboard.SCENES))
    p.add_argument("--loss", help="a named loss or a formula (default: the scene's)")
    p.add_argument("--radius", type=float, nargs="+", metavar="RHO",
                   help="ball radius; several for Ironing, Unreachable and Exploration")
    p.add_argument("--lr", type=float, metavar="ETA", help="learning rate")
    p.add_argument("--steps", type=int, help="number of engine steps")
    p.add_argument("--starts", nargs="+", metavar="X",
                   help="initial point(s): numbers, or x,y pairs for a 2-D loss")
    p.add_argument("--duration", type=float, metavar="SECONDS",
                   help="length of the main animation")
    p.add_argument("--quality", choices=list(QUALITIES), default="low",
                   help="low (480p15, default), medium (720p30) or high (1080p60)")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="mp4",
                   help="mp4 (default), gif, or png (last frame only)")
    p.add_argument("--out", metavar="PATH",
                   help="output file (default media/rollingball/SCENE.fmt)")
    p.add_argument("--still", action="store_true", help="also save the last frame as PNG")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    options = dict(loss=args.loss, radius=args.radius, lr=args.lr, steps=args.steps,
                   starts=_starts(args.starts), duration=args.duration)
    storyboard.resolve_options(args.scene, **{k: v for k, v in options.items() if v is not None})
    if not args.quiet:
        print(f"rollingball: rendering {args.scene} ({args.quality} quality, {args.fmt})...",
              file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    path = render_scene(args.scene, quality=args.quality, fmt=args.fmt, out=args.out,
                        still=args.still, progress=not args.quiet, **options)
    print(path)
    if args.still and args.fmt != "png":
        print(path.with_suffix(".png"))
    if not args.quiet:
        print(f"rollingball: {args.scene} rendered in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
    return 0
