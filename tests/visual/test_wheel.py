"""A plain (non-editable) install renders: the wheel ships the scenes as ``rollingball.scenes``.

The wheel is built from a copy of the sources (``pip wheel --no-deps``), installed into a fresh
virtual environment under the test's folder, which sees the other dependencies (Manim, NumPy,
...) of the running environment through a ``.pth`` line naming its site-packages (a path in a
``.pth`` file is added to ``sys.path`` without processing the ``.pth`` files in it, so the
checkout's editable finder stays out).  ``rollingball render`` then runs from another folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.render]

ROOT = Path(__file__).resolve().parents[2]
#: What the wheel is built from.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "rollingball", "scenes")


def _run(argv, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, (argv, proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


def test_plain_install_renders_from_another_folder(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, src / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)])
    wheel, = dist.glob("rollingball-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    scenes = sorted(n for n in names if n.startswith("rollingball/scenes/"))
    assert "rollingball/scenes/base.py" in scenes and "rollingball/scenes/rolling_ball.py" in scenes
    assert not any(n.startswith("scenes/") for n in names)  # no top-level "scenes" package

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", purelib]).stdout.strip())
    (site / "outer-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "-q", str(wheel)])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    drop = ("PYTHONPATH", "ROLLINGBALL_SCENE_OPTIONS")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["ROLLINGBALL_LATEX"] = "0"
    where = _run([str(python), "-c", "import rollingball, rollingball.scenes as s; "
                  "print(rollingball.__file__); print(s.__file__)"], cwd=elsewhere, env=env)
    pkg, scenes_init = where.stdout.split()
    assert Path(pkg).is_relative_to(venv) and Path(scenes_init).is_relative_to(venv)

    proc = _run([str(venv / "bin" / "rollingball"), "render", "RollingBall", "--quality", "low",
                 "--steps", "20", "--duration", "1", "--quiet"], cwd=elsewhere, env=env)
    video = elsewhere / "media" / "rollingball" / "RollingBall.mp4"
    assert proc.stdout.strip().endswith(str(Path("media") / "rollingball" / "RollingBall.mp4"))
    assert video.is_file() and video.stat().st_size > 10_000
