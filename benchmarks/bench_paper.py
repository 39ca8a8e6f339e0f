"""Wall time of ``rollingball paper`` at the paper's full settings, per figure (issue 10, target 3).

Each figure (``fig2``, ``fig3``, ``fig4``) runs as ``python -m rollingball paper FIG --out DIR
--no-progress`` in its own subprocess, one after the other into the same ``DIR`` (so that its
``reproduction.md`` ends with every figure's claims, as after ``rollingball paper all``); the
table gives each one's wall time, CPU time (user + system) and peak resident memory (from
``os.wait4``), and their total.  ``--together`` instead times the one command
``rollingball paper all`` (the issue's target: within 8 minutes on 2 cores, 39 today).

The full settings are those of ``rollingball.paper.figures.FULL`` (what ``paper`` runs without
``--quick``): Fig. 2, Delta(rho) for sin at 62 radii from 0.01 to 1000; Fig. 3, Eq. 13 with 100
terms, radii 0.01-1, 2000 steps, Algorithm 1 (paper's and exact projection) and the RBO;
Fig. 4, Eq. 14 with 1000 wells in both forms, 10 starts, 300 steps, GD, Algorithm 1 (both
projections) and the RBO at radii 1-5, the basin map on a 25 x 25 grid.

Then the verdicts: every row of ``reproduction.md`` that ends in a verdict (``agrees`` /
``**disagrees**``), beside the verdict of the same claim in the committed full-settings run
(``docs/gallery/summary.json`` through :func:`rollingball.paper.report.reproduction_report`),
so that a faster engine that changes a verdict shows.  (With ``--quick`` the settings differ
from the committed run's, so the comparison column is only informative there.)

Usage: ``python benchmarks/bench_paper.py [--quick] [--figures fig2,fig3,fig4] [--together]
[--keep DIR] [--out FILE.md] [--timeout S]``.  The full run takes about 40 minutes today on the
shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rollingball._files import atomic_write
from rollingball.paper.report import reproduction_report

ROOT = Path(__file__).resolve().parent.parent
#: The committed full-settings numbers the verdicts are compared with.
REFERENCE = ROOT / "docs" / "gallery" / "summary.json"
FIGURES = ("fig2", "fig3", "fig4")


def timed(cmd: list[str], timeout: float) -> dict:
    """Run ``cmd``; its wall time, CPU time and peak RSS (MiB), exit status and stderr's tail.
    A run past ``timeout`` seconds is killed (status ``timeout``)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        status = None
        while True:
            pid, code, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(code)
                break
            if time.perf_counter() - t0 > timeout:
                p.kill()
                _, code, ru = os.wait4(p.pid, 0)
                status = "timeout"
                break
            time.sleep(0.2)
        p.returncode = status if isinstance(status, int) else -9  # reaped: keep Popen quiet
        err.seek(0)
        tail = err.read().strip().splitlines()[-3:]
    return dict(wall=time.perf_counter() - t0, cpu=ru.ru_utime + ru.ru_stime,
                rss=ru.ru_maxrss / 1024, status=status, tail=tail)


def verdicts(report: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(section, claim) -> (measured, verdict) for every table row of a reproduction report
    whose last cell is a verdict."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    section = ""
    for line in report.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[-1] in ("agrees", "**disagrees**"):
            out[(section, " / ".join(cells[:-2]))] = (cells[-2], cells[-1].strip("*"))
    return out


def _short(text: str, n: int = 70) -> str:
    text = text.replace("$", "").replace("\\rho", "rho").replace("\\le", "<=")
    text = text.replace("\\ge", ">=")
    return text if len(text) <= n else text[: n - 3] + "..."


def tables(runs: list[tuple[str, dict]], report: str | None, quick: bool) -> str:
    """The timing table and the verdict table, as Markdown."""
    setting = "quick (--quick)" if quick else "full (the paper's)"
    lines = [f"Settings: {setting}; {os.cpu_count()} CPUs seen.", "",
             "| command | wall s | CPU s | peak RSS MiB | exit |", "|---|---:|---:|---:|---|"]
    for label, r in runs:
        lines.append(f"| `rollingball paper {label}` | {r['wall']:.1f} | {r['cpu']:.1f} | "
                     f"{r['rss']:.0f} | {r['status']} |")
    if len(runs) > 1:
        lines.append(f"| total | {sum(r['wall'] for _, r in runs):.1f} | "
                     f"{sum(r['cpu'] for _, r in runs):.1f} | "
                     f"{max(r['rss'] for _, r in runs):.0f} | |")
    for label, r in runs:
        if r["status"] != 0:
            lines.append(f"\n`{label}` failed ({r['status']}): " + " / ".join(r["tail"]))
    if report is None:
        return "\n".join(lines)
    now = verdicts(report)
    ref = verdicts(reproduction_report(json.loads(REFERENCE.read_text()))) \
        if REFERENCE.exists() else {}
    lines += ["", "| section | claim | verdict now | committed full run | same |",
              "|---|---|---|---|---|"]
    same = 0
    for key, (_, v) in now.items():
        w = ref.get(key, ("", "n/a"))[1]
        same += v == w
        lines.append(f"| {key[0]} | {_short(key[1])} | {v} | {w} | "
                     f"{'yes' if v == w else '**no**'} |")
    lines.append(f"\n{same} of {len(now)} verdicts as in the committed full-settings run "
                 f"({REFERENCE.relative_to(ROOT)}).")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the paper command's --quick settings "
                    "(seconds: a check that this script works)")
    ap.add_argument("--figures", default=",".join(FIGURES), help="comma-separated, of "
                    + ", ".join(FIGURES))
    ap.add_argument("--together", action="store_true",
                    help="time the one command `rollingball paper all` instead")
    ap.add_argument("--keep", metavar="DIR", help="write the figures there (default: a "
                    "temporary folder, removed)")
    ap.add_argument("--out", metavar="FILE.md", help="also write the tables there (atomic)")
    ap.add_argument("--timeout", type=float, default=3600.0,
                    help="seconds per command before it is killed (default 3600)")
    args = ap.parse_args(argv)
    figs = [f.strip() for f in args.figures.split(",") if f.strip()]
    bad = [f for f in figs if f not in FIGURES]
    if bad:
        ap.error(f"unknown figure(s) {bad}; choose from {', '.join(FIGURES)}")
    with tempfile.TemporaryDirectory(prefix="bench_paper_") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        base = [sys.executable, "-m", "rollingball", "paper"]
        extra = ["--out", str(out), "--no-progress"] + (["--quick"] if args.quick else [])
        runs = []
        for label in (["all"] if args.together else figs):
            print(f"bench_paper: rollingball paper {label} ...", file=sys.stderr, flush=True)
            r = timed(base + [label] + extra, args.timeout)
            print(f"bench_paper: {label}: {r['wall']:.1f} s (exit {r['status']})",
                  file=sys.stderr, flush=True)
            runs.append((label, r))
        rep = out / "reproduction.md"
        text = tables(runs, rep.read_text() if rep.exists() else None, args.quick)
    print(text)
    if args.out:
        with atomic_write(args.out, "w") as fh:
            fh.write(text + "\n")
    return 0 if all(r["status"] == 0 for _, r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
