"""MkDocs hook: serve KaTeX from the built site, so the docs render math with no network.

At build time the KaTeX files (script, style sheet, auto-render, fonts) are copied from an
installed package into ``site/assets/katex/``; the pages load them from there and
``javascripts/katex-init.js`` renders every ``\\(...\\)`` and ``\\[...\\]`` of the page
(the navigation and table of contents too).  No page refers to another host.

The package is Debian's ``libjs-katex`` (with ``fonts-katex``), installed by
``tools/ensure-system-deps.sh``; another copy can be named with ``ROLLINGBALL_KATEX_DIR``
(a folder holding ``katex.min.js``, ``katex.min.css``, ``contrib/auto-render.js`` and
``fonts/``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

CANDIDATES = ("/usr/share/javascript/katex",)
FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.js")
TARGET = "assets/katex"
HINT = ("KaTeX is missing: install it with `sudo apt-get install libjs-katex fonts-katex` "
        "(or run `bash tools/ensure-system-deps.sh` as root), or set ROLLINGBALL_KATEX_DIR")


def katex_dir() -> Path:
    """The folder KaTeX is copied from; a one-line error with the install hint otherwise."""
    env = os.environ.get("ROLLINGBALL_KATEX_DIR")
    for folder in ([env] if env else []) + list(CANDIDATES):
        p = Path(folder)
        if all((p / f).is_file() for f in FILES) and any(p.glob("fonts/*.woff2")):
            return p
    raise PluginError(HINT)


def on_config(config, **kwargs):
    katex_dir()  # fail early, with the hint
    config["extra_css"].insert(0, f"{TARGET}/katex.min.css")
    scripts = config["extra_javascript"]
    scripts.insert(0, f"{TARGET}/katex.min.js")
    scripts.insert(1, f"{TARGET}/contrib/auto-render.js")
    return config


def on_post_build(config, **kwargs):
    src = katex_dir()
    dst = Path(config["site_dir"]) / TARGET
    (dst / "contrib").mkdir(parents=True, exist_ok=True)
    (dst / "fonts").mkdir(parents=True, exist_ok=True)
    for f in FILES:
        shutil.copyfile(src / f, dst / f)          # follows symbolic links
    for font in sorted((src / "fonts").iterdir()):
        if font.suffix in (".woff2", ".woff", ".ttf"):
            shutil.copyfile(font, dst / "fonts" / font.name)
