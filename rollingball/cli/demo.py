"""``rollingball demo``: the main job on its built-in default (what ``make demo`` runs).

It runs the RollingBall scene's default example through the engine (bumpy_bowl, a ball
wide enough to skip the small valleys, from theta0 = 4), prints the run's summary and its
numeric-vs-symbolic check (centres on the exact offset f_rho, footpoints reachable, and the
same figures for the paper's approximate projection), then renders the RollingBall scene
from those numbers at medium quality, with a still PNG beside the video, and prints both
paths.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rollingball.cli.render import render_scene
from rollingball.engine.loop import roll
from rollingball.geometry.check import check
from rollingball.storyboard import resolve_options


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="run and check the default example, then render the RollingBall animation",
        description="Run the default example (the RollingBall scene's: bumpy_bowl, radius 2, "
        "from theta0 = 4) with the offset-keeping RBO and the exact projection, print its "
        "summary and its numeric-vs-symbolic check, and render the RollingBall scene with a "
        "still PNG beside the video.",
    )
    p.add_argument("--quality", choices=("low", "medium", "high"), default="medium",
                   help="render quality (default: medium, 720p30)")
    p.add_argument("--out-dir", type=Path, default=Path("media") / "demo",
                   help="folder for the video and the still (default: media/demo)")
    p.add_argument("--no-render", action="store_true",
                   help="run and check only; do not render the animation")
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    opts = resolve_options("RollingBall")
    L = opts.landscape
    rho, x0 = opts.radius[0], opts.starts_array(1)[:1]
    print(f"rollingball demo: {L.name}, radius {rho}, learning rate {opts.lr}, "
          f"{opts.steps} steps from theta0 = {x0.ravel().tolist()}")
    result = roll(L, x0, radius=rho, lr=opts.lr, steps=opts.steps)
    print(result.summary())
    print()
    print("numeric-vs-symbolic check of this run (and of the paper's projection):")
    report = check(result, compare=True)
    print(report.table())
    for line in report.violations():
        print(f"  violation: {line}")
    if report.comparison is not None and not report.comparison.passed:
        print("  (the paper's approximate projection, P = 20 gradient steps, drifts off the "
              "offset; the exact projection does not)")
    if args.no_render:
        return 0 if report.passed else 1
    print(f"\nrendering RollingBall at {args.quality} quality ...", flush=True)
    start = time.perf_counter()
    video = render_scene("RollingBall", quality=args.quality, fmt="mp4",
                         out_dir=args.out_dir, still=True, progress=sys.stderr.isatty())
    still = video.with_suffix(".png")
    print(f"video: {video.resolve()}")
    print(f"still: {still.resolve()}")
    print(f"render time: {time.perf_counter() - start:.1f} s")
    if not (video.exists() and still.exists()):
        raise ValueError("the render did not produce the video and the still")
    return 0 if report.passed else 1
