"""``rollingball gallery --out docs/gallery``: the docs' stills and clips of every scene, redone.

For every scene of :data:`rollingball.storyboard.SCENES` it writes, with the scene's own
defaults (lighter ones where noted in :data:`GALLERY_OPTIONS`):

* ``scene_NAME.png``: the last frame, dark theme;
* ``scene_NAME_light.png``: the last frame, light theme;
* ``clip_NAME.mp4``: a short low-quality clip (dark theme).

so the gallery never goes stale: the docs show what the code draws today.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from rollingball.cli.render import QUALITIES, render_scene
from rollingball.storyboard import SCENES

__all__ = ["GALLERY_OPTIONS", "gallery_files", "build_gallery", "register", "main"]

#: Options of the gallery's renders (lighter than the defaults where a clip would take minutes).
GALLERY_OPTIONS: dict[str, dict[str, Any]] = {
    "RollingBall3D": dict(steps=40, duration=3.0),  # the default 120 steps take ~2 min
}


def gallery_files(scenes=None) -> list[str]:
    """The names of the gallery's files for ``scenes`` (default: every scene), in order.

    >>> gallery_files(["UpdateStep"])
    ['scene_UpdateStep.png', 'scene_UpdateStep_light.png', 'clip_UpdateStep.mp4']
    """
    names = list(SCENES) if scenes is None else list(scenes)
    return [f for n in names for f in (f"scene_{n}.png", f"scene_{n}_light.png",
                                       f"clip_{n}.mp4")]


def build_gallery(out: str | Path, scenes=None, quality: str = "low", clips: bool = True,
                  progress: bool = False, log=None) -> list[Path]:
    """Render the gallery's files into ``out`` and return their paths (see the module notes).

    Raises ``ValueError`` on an unknown scene or quality (before anything renders).
    """
    names = list(SCENES) if scenes is None else list(scenes)
    unknown = [n for n in names if n not in SCENES]
    if unknown:
        raise ValueError(f"unknown scene(s) {', '.join(unknown)}; scenes: {', '.join(SCENES)}")
    if quality not in QUALITIES:
        raise ValueError(f"quality must be one of {', '.join(QUALITIES)}, got {quality!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        opts = GALLERY_OPTIONS.get(name, {})
        jobs = [("png", "dark", out / f"scene_{name}.png"),
                ("png", "light", out / f"scene_{name}_light.png")]
        if clips:
            jobs.append(("mp4", "dark", out / f"clip_{name}.mp4"))
        for fmt, theme, path in jobs:
            start = time.perf_counter()
            written.append(render_scene(name, quality=quality, fmt=fmt, out=path, theme=theme,
                                        progress=progress, **opts))
            if log is not None:
                log(f"{path} ({time.perf_counter() - start:.1f} s)")
    return written


def register(sub) -> None:
    p = sub.add_parser(
        "gallery",
        help="regenerate the docs' stills (dark and light) and a short clip of every scene",
        description="Render the last frame of every scene in both themes and a short clip "
        "(scene_NAME.png, scene_NAME_light.png, clip_NAME.mp4) into --out.",
    )
    p.add_argument("--out", type=Path, default=Path("docs") / "gallery",
                   help="folder (default docs/gallery)")
    p.add_argument("--scenes", nargs="+", metavar="SCENE", help="only these scenes")
    p.add_argument("--quality", choices=list(QUALITIES), default="low",
                   help="render quality (default low)")
    p.add_argument("--no-clips", action="store_true", help="stills only")
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    def log(line: str) -> None:
        print(f"rollingball gallery: {line}", file=sys.stderr, flush=True)

    for path in build_gallery(args.out, args.scenes, args.quality, clips=not args.no_clips,
                              log=log):
        print(path)
    return 0
