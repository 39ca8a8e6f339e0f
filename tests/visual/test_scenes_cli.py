"""Rendering through ``rollingball render`` (every scene), plain ``manim`` (one scene), the
LaTeX and Text label paths, frame comparisons against tests/visual/control_data, checkhealth."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")

from manim import Text, tempconfig  # noqa: E402
from manim.utils.testing.frames_comparison import frames_comparison  # noqa: E402

from rollingball import storyboard  # noqa: E402
from rollingball.cli import main as cli  # noqa: E402
from rollingball.cli.render import load_scene, render_scene, scenes_dir  # noqa: E402

pytestmark = pytest.mark.render
__module_test__ = "scenes"  # tests/visual/control_data/scenes/

ROOT = Path(__file__).resolve().parents[2]
#: Tiny options per scene: each renders in seconds.
TINY = {
    "RollingBall": dict(steps=6, duration=0.5),
    "UpdateStep": dict(duration=0.2),
    "Ironing": dict(radius=[0.1, 0.4], duration=0.2),
    "Unreachable": dict(radius=[0.5, 1.5], duration=0.2),
    "Exploration": dict(loss="gaussian_wells:n=30,sigma=0.3", steps=3, radius=[2.0],
                        duration=0.3),
    "RollingBall3D": dict(steps=3, duration=0.3),
}


@pytest.fixture(autouse=True)
def _text_labels(monkeypatch, tex_cache):
    monkeypatch.setenv("ROLLINGBALL_LATEX", "0")
    monkeypatch.delenv(storyboard.ENV_OPTIONS, raising=False)


@pytest.mark.parametrize("name", list(storyboard.SCENES))
def test_render_every_scene_to_png(name, tmp_path):
    """``render_scene`` (the function behind ``rollingball render``) writes a real image."""
    from PIL import Image

    out = render_scene(name, fmt="png", out=tmp_path / f"{name}.png", progress=False,
                       **TINY[name])
    assert out == tmp_path / f"{name}.png" and out.is_file()
    img = np.asarray(Image.open(out).convert("RGB"), dtype=float)
    assert img.shape == (480, 854, 3)
    assert img.std() > 5  # something is drawn on the background


@pytest.mark.slow
def test_cli_renders_mp4_with_still_and_progress(tmp_path):
    out = tmp_path / "ub.mp4"
    env = {**os.environ, "ROLLINGBALL_LATEX": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "rollingball", "render", "Unreachable", "--radius", "0.5", "1.5",
         "--duration", "0.2", "--out", str(out), "--still"],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.is_file() and out.stat().st_size > 1000
    assert out.with_suffix(".png").is_file()
    assert str(out) in proc.stdout
    assert "rendering Unreachable" in proc.stderr and "%" in proc.stderr  # progress shown
    import av

    with av.open(str(out)) as video:
        stream = video.streams.video[0]
        assert (stream.width, stream.height) == (854, 480)
        assert sum(1 for _ in video.decode(stream)) > 10


def test_cli_gif(tmp_path):
    """A GIF at a sane size: 480 x 270 at 10 fps unless asked otherwise."""
    from PIL import Image

    out = render_scene("UpdateStep", fmt="gif", out=tmp_path / "u.gif", progress=False,
                       **TINY["UpdateStep"])
    assert out.read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    with Image.open(out) as gif:
        assert gif.size == (480, 270)
        frames = gif.n_frames
        assert gif.info["duration"] == pytest.approx(100, abs=1)  # ms: 10 fps
    assert frames > 20 and out.stat().st_size < 40_000 * frames


def test_cli_light_theme_font_scale_resolution_and_webm(tmp_path, capsys):
    """--theme light, --font-scale, --resolution and --fps reach the scene; webm is written."""
    from PIL import Image

    png = tmp_path / "light.png"
    assert cli(["render", "UpdateStep", "--theme", "light", "--font-scale", "1.2",
                "--resolution", "640x360", "--duration", "0.2", "--format", "png",
                "--out", str(png), "--quiet"]) == 0
    img = np.asarray(Image.open(png).convert("RGB"))
    assert img.shape == (360, 640, 3)
    assert np.all(img[2, 2] == 255) and np.median(img) == 255  # a white background
    webm = render_scene("UpdateStep", fmt="webm", out=tmp_path / "u.webm", progress=False,
                        fps=5, resolution=(320, 180), **TINY["UpdateStep"])
    import av

    with av.open(str(webm)) as video:
        stream = video.streams.video[0]
        assert stream.codec_context.name in ("vp9", "libvpx-vp9", "vp8", "libvpx")
        assert float(stream.average_rate) == pytest.approx(5)
        assert (stream.width, stream.height) == (320, 180)


@pytest.mark.slow
def test_plain_manim_renders_a_scene_on_its_options(tmp_path):
    """``manim -ql scenes/FILE.py SCENE`` works; options also travel through the environment."""
    env = {**os.environ, "ROLLINGBALL_LATEX": "0",
           storyboard.ENV_OPTIONS: '{"steps": 6, "duration": 0.5}'}
    manim = shutil.which("manim", path=str(Path(sys.executable).parent)) or "manim"
    proc = subprocess.run(
        [manim, "-ql", "--disable_caching", "--media_dir", str(tmp_path),
         str(scenes_dir() / "rolling_ball.py"), "RollingBall"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    videos = list(tmp_path.rglob("RollingBall.mp4"))
    assert videos and videos[0].stat().st_size > 1000


@pytest.mark.parametrize("argv", [
    ["render", "RollingBall", "--radius", "-1"],
    ["render", "RollingBall", "--lr", "0"],
    ["render", "RollingBall", "--steps", "0"],
    ["render", "RollingBall", "--loss", "x^2 + y^2"],
    ["render", "Exploration", "--starts", "1"],
    ["render", "RollingBall", "--starts", "a"],
    ["render", "RollingBall", "--quality", "ultra"],
    ["render", "RollingBall", "--format", "avi"],
    ["render", "NoSuchScene"],
    ["render", "RollingBall", "--theme", "blue"],
    ["render", "RollingBall", "--font-scale", "0"],
    ["render", "RollingBall", "--fps", "0"],
    ["render", "RollingBall", "--resolution", "12"],
    ["render", "RollingBall", "--baselines", "gd,newton"],
    ["render", "RollingBall", "--x0", "1,2"],
    ["render", "RollingBall", "--out", "x.gif", "--format", "mp4"],
])
def test_bad_options_exit_2_with_one_line(argv, capsys):
    assert cli(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rollingball: error:") and "\n" not in err


def test_checkhealth(capsys):
    assert cli(["checkhealth"]) == 0
    out = capsys.readouterr().out
    for item in ("manim", "numpy", "scipy", "sympy", "Cairo library", "latex", "labels"):
        assert item in out


# ------------------------------------------------------------------------ labels
def test_text_label_path(monkeypatch):
    from rollingball.scenes import _common

    monkeypatch.setenv("ROLLINGBALL_LATEX", "0")
    m = _common.label(r"\rho_c", "ρ_c")
    assert isinstance(m, Text) and m.text == "ρ_c"
    r = _common.Readout([("t", "t", lambda: 3.14159, 2)])
    assert r.values[0].get_value() == pytest.approx(3.14)


def test_mathtex_label_path(monkeypatch, tex_cache):
    """With LaTeX: real MathTex from the minimal template.  Without it on this machine:
    the same code path with the LaTeX compiler replaced by a stub that records the source."""
    from rollingball.scenes import _common

    monkeypatch.setenv("ROLLINGBALL_LATEX", "1")
    have_tex = shutil.which("latex") and shutil.which("dvisvgm")
    seen = []
    if not have_tex:
        import manim.mobject.text.tex_mobject as tm

        svg = (ROOT / "tests" / "visual" / "control_data" / "scenes" / "stub_glyph.svg")

        def fake(expression, environment=None, tex_template=None):
            seen.append((expression, tex_template))
            return svg

        monkeypatch.setattr(tm, "tex_to_svg_file", fake)
    with tempconfig({"tex_dir": str(tex_cache)}):
        m = _common.label(r"\tilde c_{t+1} = c_t - \eta\,\tau(p_t)", "unused")
        r = _common.Readout([(r"\theta", "θ", lambda: 1.25, 2)])
    assert isinstance(m, _common.RBMathTex)
    assert m.tex_template is _common.TEX_TEMPLATE
    assert "standalone" not in _common.TEX_TEMPLATE.documentclass  # needs texlive-latex-base only
    assert len(m.submobjects) > 0 and m.width > 0.5
    assert r.values[0].get_value() == pytest.approx(1.25)
    if seen:
        assert seen[0][0].startswith(r"\tilde c_{t+1}")


def test_update_step_renders_with_latex_labels(monkeypatch, tex_cache, tmp_path):
    """A whole scene through the MathTex path: real LaTeX when installed (as root,
    tools/ensure-system-deps.sh installs it), else the same path with a stub compiler."""
    if not (shutil.which("latex") and shutil.which("dvisvgm")):
        import manim.mobject.text.tex_mobject as tm

        svg = ROOT / "tests" / "visual" / "control_data" / "scenes" / "stub_glyph.svg"
        monkeypatch.setattr(tm, "tex_to_svg_file", lambda *a, **k: svg)
    monkeypatch.setenv("ROLLINGBALL_LATEX", "1")
    with tempconfig({"tex_dir": str(tex_cache)}):
        out = render_scene("UpdateStep", fmt="png", out=tmp_path / "u.png", progress=False)
    assert out.is_file()


# ------------------------------------------------------------- frame comparison
def _scene(name: str, **options) -> type:
    """Scene ``name`` with ``options`` as its class parameter (the base of a frame test)."""
    return type(name, (load_scene(name),), {"options": options})


@contextlib.contextmanager
def _text_labels():
    """Text labels for a frame comparison, without leaking the setting to later tests."""
    old = os.environ.get("ROLLINGBALL_LATEX")
    os.environ["ROLLINGBALL_LATEX"] = "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("ROLLINGBALL_LATEX", None)
        else:
            os.environ["ROLLINGBALL_LATEX"] = old


@frames_comparison(last_frame=True, base_scene=_scene("UpdateStep", duration=0.2))
def test_update_step_frame(scene):
    """The last frame of UpdateStep (Text labels) against tests/visual/control_data/scenes/."""
    with _text_labels():
        load_scene("UpdateStep").construct(scene)
    assert scene.mobjects  # the frame itself is compared by the decorator


@frames_comparison(last_frame=True, base_scene=_scene("Unreachable", radius=[0.5, 1.5],
                                                       duration=0.2))
def test_unreachable_frame(scene):
    with _text_labels():
        load_scene("Unreachable").construct(scene)
    assert scene.mobjects  # the frame itself is compared by the decorator
