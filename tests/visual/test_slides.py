"""The slide decks (manim-slides, the ``slides`` extra): every scene has its ``Slide`` with its
beats; one deck renders, with one slide per beat plus the opening one, and it is the same
scene as the plain render (the same animations, the same frames, the same last frame)."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")

import av  # noqa: E402  (with Manim: its video library)
from manim import ManimColor, Scene, ThreeDScene, tempconfig  # noqa: E402

from rollingball import storyboard  # noqa: E402
from rollingball.cli.render import load_scene  # noqa: E402

slides = pytest.importorskip("rollingball.scenes.slides")
from manim_slides import Slide, ThreeDSlide  # noqa: E402
from manim_slides.slide.base import BaseSlide  # noqa: E402


def _frames(path) -> int:
    """The number of video frames in ``path``."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _beat_calls(scene: type) -> list[str]:
    """The literal names passed to ``self.beat(...)`` in the scene's module, in source order."""
    tree = ast.parse(inspect.getsource(sys.modules[scene.__module__]))
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "beat" and node.args
            and isinstance(node.args[0], ast.Constant)]


# --------------------------------------------------------------------------- no render
@pytest.mark.parametrize("name", list(storyboard.SCENES))
def test_every_scene_has_its_slide_and_its_beats(name):
    scene = load_scene(name)
    deck = slides.SLIDES[name]
    assert getattr(slides, f"{name}Slide") is deck and deck.__name__ == f"{name}Slide"
    assert issubclass(deck, scene) and issubclass(deck, BaseSlide)
    assert issubclass(deck, ThreeDSlide) == issubclass(scene, ThreeDScene)
    assert issubclass(deck, Slide)
    beats = scene.beats
    assert deck.beats == beats and len(beats) >= 3 and len(set(beats)) == len(beats)
    calls = _beat_calls(scene)
    assert sorted(set(calls)) == sorted(beats)  # every beat is called, none other
    # the plain scene's beat is no pause; the deck's is manim-slides' next_slide
    assert scene.on_beat is not deck.on_beat
    assert "next_slide" in inspect.getsource(deck.on_beat)


def test_manim_finds_exactly_the_decks_in_the_file():
    """``manim-slides render scenes/slides.py`` lists the six decks (not their bases)."""
    from manim.utils.module_ops import get_scene_classes_from_module

    found = get_scene_classes_from_module(slides)
    assert sorted(c.__name__ for c in found) == sorted(f"{n}Slide" for n in storyboard.SCENES)


def test_a_beat_must_be_the_scene_s_and_in_order():
    scene = load_scene("Ironing")()
    with pytest.raises(ValueError, match="'plateaux' is not a beat of Ironing"):
        scene.beat("plateaux")
    scene.on_beat = lambda name: None  # (no renderer: only the bookkeeping)
    scene.beat("critical radius")
    assert scene.current_beat == "critical radius"
    with pytest.raises(ValueError, match="beat 'plateau' of Ironing comes after"):
        scene.beat("plateau")
    scene.beat("decay")
    assert scene.beats_taken == ["critical radius", "decay"]


def test_without_manim_slides_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "manim_slides", None)  # as if not installed
    for mod in ("rollingball.scenes.slides", "rollingball.scenes._deck"):
        monkeypatch.delitem(sys.modules, mod, raising=False)
    with pytest.raises(ImportError, match=r"pip install 'rollingball\[slides\]'"):
        importlib.import_module("rollingball.scenes.slides")


# ------------------------------------------------------------------------------ render
@pytest.fixture
def _low_quality(tmp_path, tex_cache, monkeypatch):
    """Low quality, 4 fps, everything under ``tmp_path``; Text labels."""
    monkeypatch.setenv("ROLLINGBALL_LATEX", "0")
    monkeypatch.delenv(storyboard.ENV_OPTIONS, raising=False)
    monkeypatch.chdir(tmp_path)  # nothing lands in the repository, even by default
    cfg = {"quality": "low_quality", "frame_rate": 4, "media_dir": str(tmp_path / "media"),
           "tex_dir": str(tex_cache), "disable_caching": True, "progress_bar": "none",
           "verbosity": "ERROR"}
    with tempconfig(cfg):
        yield tmp_path


@pytest.mark.render
def test_update_step_deck_has_a_slide_per_beat_and_is_the_plain_scene(_low_quality):
    tmp = _low_quality
    options = {"duration": 0.2}
    plain = load_scene("UpdateStep")(options=options)
    plain.render()
    plain_movie = plain.renderer.file_writer.movie_file_path
    plain_frame = plain.renderer.get_frame().copy()

    deck = slides.SLIDES["UpdateStep"](options=options, output_folder=tmp / "slides")
    deck.render()
    beats = list(slides.SLIDES["UpdateStep"].beats)
    assert deck.beats_taken == plain.beats_taken == beats == [
        "Eq. 6: the centre c_t", "Eq. 7: the step", "Eq. 8: the projection",
        "Eq. 6: the new centre c_{t+1}"]

    config = json.loads((tmp / "slides" / "UpdateStepSlide.json").read_text())
    shown = config["slides"]
    assert len(shown) == len(beats) + 1 == 5
    assert [s["notes"] for s in shown] == ["", *beats]  # each beat's name is its note
    assert config["resolution"] == [854, 480] and config["background_color"] == "#0e1117"
    files = [tmp / s["file"] for s in shown]
    assert all(f.is_file() and f.is_relative_to(tmp) for f in files)
    # the same scene: the same animations, every frame once across the slides, the same end
    assert deck.renderer.num_plays == plain.renderer.num_plays == 10
    assert sum(_frames(f) for f in files) == _frames(plain_movie)
    assert np.array_equal(deck.renderer.get_frame(), plain_frame)
    assert issubclass(type(deck), Scene) and not issubclass(type(plain), BaseSlide)


@pytest.mark.render
def test_render_command_writes_a_deck_with_the_options_given(_low_quality, capsys):
    """``rollingball render SCENE --slides``: the flags reach the deck (a light theme), the
    deck lands in --out (Manim's files in a temporary folder), and a video flag with --slides
    is a one-line error."""
    from rollingball.cli import main as cli

    tmp = _low_quality
    out = tmp / "deck"
    assert cli(["render", "Ironing", "--slides", "--out", str(out), "--radius", "0.1", "0.4",
                "--duration", "0.2", "--fps", "4", "--theme", "light", "--quiet"]) == 0
    path = out / "IroningSlide.json"
    out_lines = capsys.readouterr().out.splitlines()
    assert out_lines[-1] == str(path) and "Generated" not in "".join(out_lines)  # quiet
    config = json.loads(path.read_text())
    beats = list(slides.SLIDES["Ironing"].beats)
    assert [s["notes"] for s in config["slides"]] == ["", *beats]
    assert ManimColor(config["background_color"]).to_hex().lower() == "#ffffff"  # light
    assert config["resolution"] == [854, 480]
    assert all(Path(s["file"]).is_relative_to(out) and Path(s["file"]).is_file()
               for s in config["slides"])
    assert [p.name for p in tmp.iterdir()] == ["deck"]  # Manim's files were temporary
    assert cli(["render", "Ironing", "--slides", "--format", "gif"]) == 2
    assert "--slides writes a slide deck" in capsys.readouterr().err
