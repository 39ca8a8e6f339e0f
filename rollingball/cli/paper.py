"""``rollingball paper fig2|fig3|fig4|all --out DIR``: regenerate the paper's figures and report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rollingball._files import atomic_copy, atomic_write
from rollingball.paper import _common as figures_common
from rollingball.paper import figures
from rollingball.paper.report import (
    FINDINGS_BEGIN,
    FINDINGS_END,
    findings,
    replace_block,
    reproduction_report,
)

TARGETS = ("fig2", "fig3", "fig4", "all")


def register(sub) -> None:
    p = sub.add_parser(
        "paper",
        help="regenerate the paper's Figures 2-4 (PNG/PDF/SVG + CSV) and the reproduction "
        "report",
        description="Regenerate the paper's figures (PNG, PDF or SVG, at their printed size) "
        "plus CSV of their data, with progress on stderr. fig2: Delta(rho) for sin on "
        "[-3pi, 3pi]; fig3: centre "
        "trajectories on Eq. 13 (Algorithm 1 with the paper's and the exact projection, and "
        "the offset-keeping RBO); fig4: gradient descent and RBO from ten starts on Eq. 14, "
        "both readings of the wells, with the global-basin counts. 'all' also writes "
        "reproduction.md, the claims of the paper beside the measured numbers. Each run "
        "merges its numbers into DIR/summary.json and rewrites DIR/reproduction.md.",
    )
    p.add_argument("target", choices=TARGETS, help="which figure (or all of them)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    p.add_argument("--format", nargs="+", choices=figures.FORMATS, default=["png"],
                   metavar="FMT", dest="formats",
                   help="figure file formats: png (raster), pdf, svg (vector); several may be "
                        "given (default png)")
    p.add_argument("--dpi", type=float, default=200.0,
                   help="resolution of PNG files in dots per inch at printed size "
                        "(default 200; vector formats ignore it)")
    p.add_argument("--quick", action="store_true",
                   help="reduced settings (fewer radii, steps, terms and wells): seconds, "
                        "for tests and previews; explicit options below override them")
    p.add_argument("--fig2-radii", type=float, nargs="+", metavar="RHO",
                   help="radii of Fig. 2 (default: 62 log-spaced radii from 0.01 to 1000)")
    p.add_argument("--fig3-radii", type=float, nargs="+", metavar="RHO",
                   help="radii of Fig. 3 (default 0.01 0.0316 0.1 0.316 1)")
    p.add_argument("--fig3-steps", type=int, metavar="T", help="steps of Fig. 3 (default 2000)")
    p.add_argument("--terms", type=int, metavar="N", help="terms of Eq. 13 (default 100)")
    p.add_argument("--fig3-published", action="store_true",
                   help="also draw Fig. 3 as the authors' public script computes it "
                        "(wrong derivative, centre beside the point, projection started at "
                        "the centre; see the errata)")
    p.add_argument("--fig4-radii", type=float, nargs="+", metavar="RHO",
                   help="RBO radii of Fig. 4 (default 1 2 3 4 5)")
    p.add_argument("--fig4-steps", type=int, metavar="T", help="steps of Fig. 4 (default 300)")
    p.add_argument("--basin-grid", type=int, metavar="N",
                   help="Fig. 4: points per side of the map of the global basin drawn around "
                        "the minimiser (default 25; 0: no map)")
    p.add_argument("--wells", type=int, metavar="N", help="wells of Eq. 14 (default 1000)")
    p.add_argument("--starts", type=int, metavar="N",
                   help="Fig. 4: number of nearby starts (default 10)")
    p.add_argument("--forms", nargs="+", choices=("paper", "code"), default=["paper", "code"],
                   help="readings of the wells: exp(-r^2/sigma^2) (paper) and/or "
                        "exp(-r^2/(2 sigma^2)) (code); default both")
    p.add_argument("--projections", nargs="*", choices=("paper", "exact"),
                   default=["paper", "exact"],
                   help="Fig. 4: projections for Algorithm 1 (default both; none: skip it)")
    p.add_argument("--no-rbo", action="store_true",
                   help="Fig. 4: skip the offset-keeping RBO (gradient descent always runs)")
    p.add_argument("--docs", metavar="DOCS",
                   help="also write the report to DOCS/reproduction.md, the numbers to "
                        "DOCS/gallery/summary.json and copy the figures' PNG files into "
                        "DOCS/gallery/ (e.g. --docs docs)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="progress on stderr (default on; --no-progress prints nothing)")
    p.set_defaults(handler=main)


def _settings(args) -> dict[str, dict]:
    base = figures.QUICK if args.quick else figures.FULL
    s = {k: dict(v) for k, v in base.items()}
    if args.fig2_radii:
        s["fig2"]["radii"] = args.fig2_radii
    if args.fig3_radii:
        s["fig3"]["radii"] = tuple(args.fig3_radii)
    if args.fig3_steps is not None:
        s["fig3"]["steps"] = args.fig3_steps
    if args.terms is not None:
        s["fig3"]["n"] = args.terms
    if args.fig4_radii:
        s["fig4"]["radii"] = tuple(args.fig4_radii)
    if args.basin_grid is not None:
        s["fig4"]["basin_grid"] = args.basin_grid
    if args.fig4_steps is not None:
        s["fig4"]["steps"] = args.fig4_steps
    if args.wells is not None:
        s["fig4"]["n"] = args.wells
    if args.starts is not None:
        s["fig4"]["starts"] = args.starts
    for key in ("fig3", "fig4"):
        steps, n = s[key]["steps"], s[key]["n"]
        if steps < 1 or n < 1:
            raise ValueError(f"{key}: steps and terms/wells must be positive")
    if s["fig4"]["basin_grid"] < 0:
        raise ValueError("fig4: --basin-grid must be 0 or more")
    if s["fig4"]["starts"] < 1:
        raise ValueError("fig4: --starts must be positive")
    for key in ("fig2", "fig3", "fig4"):
        radii = s[key]["radii"]
        if radii is not None and any(not (r > 0) for r in radii):
            raise ValueError(f"{key}: radii must be positive")
    return s


def main(args: argparse.Namespace) -> int:
    settings = _settings(args)
    formats, dpi = figures_common.check_formats(args.formats, args.dpi)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    show = args.progress
    path = out / "summary.json"
    summary = json.loads(path.read_text()) if path.exists() else {}
    targets = ("fig2", "fig3", "fig4") if args.target == "all" else (args.target,)
    files = dict(formats=formats, dpi=dpi)
    for target in targets:
        progress = figures.Progress(target, enabled=show)
        if target == "fig2":
            d = figures.fig2(out, settings["fig2"]["radii"], progress=progress, **files)
        elif target == "fig3":
            f3 = settings["fig3"]
            d = figures.fig3(out, f3["radii"], n=f3["n"], steps=f3["steps"],
                             published=args.fig3_published, progress=progress, bar=show,
                             **files)
        else:
            f4 = settings["fig4"]
            d = figures.fig4(out, f4["radii"], n=f4["n"], steps=f4["steps"],
                             starts=figures.fig4_starts(count=f4["starts"]),
                             forms=tuple(args.forms), projections=tuple(args.projections),
                             rbo=not args.no_rbo, basin_grid=f4["basin_grid"],
                             progress=progress, bar=show, **files)
        summary[target] = d["summary"]
        summary.setdefault("quick", {})[target] = bool(args.quick)
        figures.write_summary(out, summary)
    ext = next(f for f in ("png", "svg", "pdf") if f in formats)
    with atomic_write(out / "reproduction.md", "w") as fh:
        fh.write(reproduction_report(summary, ext=ext))
    if args.docs:
        write_docs(Path(args.docs), out, summary)
    if show:
        print(f"paper: wrote {', '.join(sorted(p.name for p in out.iterdir()))} in {out}")
    return 0


def write_docs(docs: Path, out: Path, summary: dict) -> None:
    """Refresh the documentation from a run: ``gallery/`` (PNG files and ``summary.json``),
    ``reproduction.md`` and the generated findings of ``index.md``."""
    gallery = docs / "gallery"
    gallery.mkdir(parents=True, exist_ok=True)
    pngs = sorted(out.glob("fig*.png"))
    if not pngs:
        raise ValueError("--docs needs PNG figures: add png to --format")
    for png in pngs:
        atomic_copy(png, gallery / png.name)
    figures.write_summary(gallery, summary)
    with atomic_write(docs / "reproduction.md", "w") as fh:
        fh.write(reproduction_report(summary, docs=True))
    index = docs / "index.md"
    if index.exists():
        text = replace_block(index.read_text(), FINDINGS_BEGIN, FINDINGS_END,
                             findings(summary), str(index))
        with atomic_write(index, "w") as fh:
            fh.write(text)
