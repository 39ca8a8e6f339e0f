"""``rollingball checkhealth``: what the rendering stack has (versions, Cairo, LaTeX, scenes).

Prints one line per item and exits 0 when the scenes can render (Manim and Cairo present), 1
otherwise.  LaTeX is optional: without it the scenes use Unicode Text labels.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys

from rollingball.cli.render import scenes_dir

__all__ = ["health", "register", "main"]


def _version(module: str) -> str | None:
    try:
        mod = importlib.import_module(module)
    except Exception:  # noqa: BLE001 - any import failure means "missing"
        return None
    return str(getattr(mod, "__version__", "installed"))


def _tool_version(cmd: list[str]) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "found (version unknown)"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "found"


def health() -> list[tuple[str, str | None, bool]]:
    """Rows ``(item, value or None when missing, required)``."""
    rows: list[tuple[str, str | None, bool]] = [
        ("python", sys.version.split()[0], True),
        ("rollingball", _version("rollingball"), True),
        ("numpy", _version("numpy"), True),
        ("scipy", _version("scipy"), True),
        ("sympy", _version("sympy"), True),
        ("manim", _version("manim"), True),
        ("matplotlib", _version("matplotlib"), False),
    ]
    try:
        import cairo  # optional: probing whether it is installed

        rows.append(("pycairo", cairo.version, True))
        rows.append(("Cairo library", cairo.cairo_version_string(), True))
    except Exception:  # noqa: BLE001
        rows += [("pycairo", None, True), ("Cairo library", None, True)]
    try:
        import av  # optional: probing whether it is installed

        rows.append(("PyAV (video)", av.__version__, True))
    except Exception:  # noqa: BLE001
        rows.append(("PyAV (video)", None, True))
    rows.append(("latex", _tool_version(["latex", "--version"]), False))
    rows.append(("dvisvgm", _tool_version(["dvisvgm", "--version"]), False))
    try:
        rows.append(("scenes folder", str(scenes_dir()), True))
    except ValueError:
        rows.append(("scenes folder", None, True))
    return rows


def register(sub) -> None:
    p = sub.add_parser(
        "checkhealth",
        help="report versions of manim/numpy/scipy/sympy, Cairo, LaTeX and the scenes folder",
        description="Check the rendering stack. Exit status 0 when the scenes can render; "
        "LaTeX is optional (Text labels are used without it).",
    )
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    ok = True
    for item, value, required in health():
        if value is None:
            state = "MISSING" if required else "not found (optional)"
            ok = ok and not required
            print(f"{item:>16}: {state}")
        else:
            print(f"{item:>16}: {value}")
    try:
        import cairo  # optional: probing whether it is installed

        if cairo.cairo_version() < 11800:
            print(f"{'note':>16}: Cairo < 1.18: Manim's frame comparisons skip themselves; "
                  "the rollingball test suite lowers that threshold")
    except Exception:  # noqa: BLE001
        pass
    latex = shutil.which("latex") and shutil.which("dvisvgm")
    print(f"{'labels':>16}: {'LaTeX (MathTex)' if latex else 'Unicode Text (no LaTeX found)'}")
    status = "ready to render" if ok else "cannot render: install what is MISSING"
    print(f"{'status':>16}: {status}")
    return 0 if ok else 1
