"""``rollingball gallery``: its files are one still per theme and one clip per scene, the
committed docs/gallery holds them all, and the command writes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rollingball.cli import main as cli
from rollingball.cli.gallery import gallery_files
from rollingball.storyboard import SCENES

ROOT = Path(__file__).resolve().parents[2]


def test_gallery_files_are_the_scenes():
    files = gallery_files()
    assert len(files) == 3 * len(SCENES) == len(set(files))
    named = {f.split("_", 1)[1].removesuffix(".png").removesuffix(".mp4")
             .removesuffix("_light") for f in files}
    assert named == set(SCENES)
    committed = {p.name for p in (ROOT / "docs" / "gallery").iterdir()
                 if p.name.startswith(("scene_", "clip_"))}
    assert committed == set(files), "run `rollingball gallery --out docs/gallery`"


@pytest.mark.render
def test_gallery_command_writes_a_scene_s_files(tmp_path, monkeypatch, capsys):
    from PIL import Image

    monkeypatch.setenv("ROLLINGBALL_LATEX", "0")
    assert cli(["gallery", "--out", str(tmp_path), "--scenes", "UpdateStep", "--no-clips"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(tmp_path / f) for f in gallery_files(["UpdateStep"])[:2]]
    dark, light = (np.asarray(Image.open(tmp_path / f).convert("RGB"), dtype=float)
                   for f in out)
    assert dark.mean() < 80 < 200 < light.mean()  # the two themes
    assert cli(["gallery", "--out", str(tmp_path), "--scenes", "NoSuchScene"]) == 2
