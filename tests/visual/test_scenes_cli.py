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


# ------------------------------------------------- still at a time, manim.cfg, preview
#: A cheap still: UpdateStep at 320 x 180 and 5 fps (42 frames, 8.4 s).
SMALL = dict(duration=0.2, progress=False, fps=5, resolution=(320, 180))


def _rgb(path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=float)


def test_png_at_a_time_is_that_frame_of_the_video(tmp_path, capsys):
    """--at t is frame floor(t fps) of the video: at the end it is bit-identical to the fast
    last frame (Manim's save_last_frame, animations skipped); at 0 s and 3 s it is, within
    one frame, the closest frame of the webm decoded independently (the video is lossy:
    neighbouring frames of a slow move differ by less than its compression error); past the
    end is a one-line error naming the length."""
    import av

    last = _rgb(render_scene("UpdateStep", fmt="png", out=tmp_path / "last.png", **SMALL))
    end = _rgb(render_scene("UpdateStep", fmt="png", out=tmp_path / "end.png", at=8.4, **SMALL))
    assert np.array_equal(end, last)
    stills = {t: _rgb(render_scene("UpdateStep", fmt="png", out=tmp_path / f"s{t}.png", at=t,
                                   **SMALL)) for t in (0.0, 3.0)}
    assert np.abs(stills[3.0] - last).mean() > 1.0  # another frame than the last
    webm = render_scene("UpdateStep", fmt="webm", out=tmp_path / "u.webm", **SMALL)
    with av.open(str(webm)) as video:
        frames = [f.to_ndarray(format="rgb24").astype(float) for f in video.decode(video=0)]
    assert len(frames) == 42  # the length the error below names: 42 frames at 5 fps
    for t, k in ((0.0, 0), (3.0, 15)):
        err = np.array([np.abs(stills[t] - f).mean() for f in frames])
        assert abs(int(np.argmin(err)) - k) <= 1, (t, np.round(err, 2).tolist())
        assert err[k] < 0.6 * np.abs(stills[t] - last).mean()
    assert cli(["render", "UpdateStep", "--format", "png", "--at", "9", "--duration", "0.2",
                "--fps", "5", "--resolution", "320x180", "--quiet",
                "--out", str(tmp_path / "late.png")]) == 2
    msg = capsys.readouterr().err.strip()
    assert msg == ("rollingball: error: --at 9 s is beyond the end of UpdateStep: the scene is "
                   "8.4 s long (42 frames at 5 fps)")
    assert not (tmp_path / "late.png").exists()


@pytest.mark.parametrize("argv, words", [
    (["--at", "1"], "--at picks a still: it needs --format png, not mp4"),
    (["--format", "png", "--at", "-1"], "--at must be a time in seconds >= 0"),
    (["--format", "png", "--at", "nan"], "--at must be a time in seconds >= 0"),
    (["--config", "no-such.cfg"], "--config no-such.cfg: no such file"),
])
def test_still_and_config_errors_are_one_line(argv, words, capsys):
    assert cli(["render", "UpdateStep", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rollingball: error:") and words in err and "\n" not in err


def test_project_manim_cfg_is_honoured_below_explicit_options(tmp_path, monkeypatch, capsys):
    """./manim.cfg (as plain manim reads it) sets the size and frame rate where no option
    does; --resolution / --quality win over it; --config FILE replaces it; a file Manim
    cannot read is a one-line error."""
    from rollingball.cli.render import project_config

    project = tmp_path / "project"
    project.mkdir()
    (project / "manim.cfg").write_text("[CLI]\npixel_width = 320\npixel_height = 180\n"
                                       "frame_rate = 5\nmedia_dir = ./my_media\n")
    monkeypatch.chdir(project)
    assert project_config()[1] == {"pixel_width": 320, "pixel_height": 180, "frame_rate": 5,
                                   "media_dir": "./my_media"}
    base = ["render", "UpdateStep", "--duration", "0.2", "--format", "png", "--quiet"]
    assert cli(base) == 0  # no --out: the file's media_dir, as for plain manim
    out = Path(capsys.readouterr().out.strip())
    assert out == Path("my_media") / "rollingball" / "UpdateStep.png"
    assert _rgb(out).shape == (180, 320, 3)
    assert cli([*base, "--resolution", "256x144", "--out", "r.png"]) == 0
    assert _rgb("r.png").shape == (144, 256, 3)
    # the file's frame rate reached Manim: the still's error counts frames at 5 fps
    assert cli([*base, "--at", "99", "--out", "late.png"]) == 2
    assert "(42 frames at 5 fps)" in capsys.readouterr().err
    other = tmp_path / "other.cfg"
    other.write_text("[CLI]\npixel_width = 192\npixel_height = 108\n")
    assert cli([*base, "--config", str(other), "--out", "o.png"]) == 0
    assert _rgb("o.png").shape == (108, 192, 3)
    (project / "manim.cfg").write_text("[CLI]\npixel_width = wide\n")
    assert cli([*base, "--out", "bad.png"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rollingball: error:") and "manim.cfg" in err and "\n" not in err


def test_quality_wins_over_the_manim_cfg(tmp_path, monkeypatch):
    (tmp_path / "manim.cfg").write_text("[CLI]\npixel_width = 320\npixel_height = 180\n")
    monkeypatch.chdir(tmp_path)
    from rollingball.cli.render import _layered, project_config

    cfg = _layered(project_config()[1], "low", "png", None, None, None)
    assert (cfg["pixel_width"], cfg["pixel_height"], cfg["frame_rate"]) == (854, 480, 15)
    cfg = _layered(project_config()[1], None, "gif", None, None, None)  # file over GIF default
    assert (cfg["pixel_width"], cfg["pixel_height"], cfg["frame_rate"]) == (320, 180, 10)


@pytest.fixture
def opener(monkeypatch):
    """Manim's opener replaced by a recorder (what it was called with, and Manim's config at
    that moment): no window is opened and nothing waits for one."""
    import manim
    from manim.utils import file_ops

    calls = []

    def fake(file_path, in_browser=False):
        calls.append(dict(path=Path(file_path), in_browser=in_browser,
                          preview=manim.config.preview,
                          command=manim.config.preview_command))

    monkeypatch.setattr(file_ops, "open_file", fake)
    return calls


def test_preview_opens_the_written_file_with_manims_opener(tmp_path, monkeypatch, opener,
                                                           capsys):
    import manim

    monkeypatch.setenv("DISPLAY", ":99")
    out = tmp_path / "p.png"
    assert cli(["render", "UpdateStep", "--duration", "0.2", "--format", "png", "--preview",
                "--resolution", "320x180", "--quiet", "--out", str(out)]) == 0
    assert opener == [dict(path=out.resolve(), in_browser=False, preview=True, command="")]
    assert out.is_file() and manim.config.preview is False  # the global config is unchanged


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="a display is always there")
def test_preview_headless_opens_nothing_and_never_fails(tmp_path, monkeypatch, opener,
                                                        capsys):
    from manim.utils import file_ops

    from rollingball.cli.render import preview_file

    f = tmp_path / "a.png"
    f.write_bytes(b"png")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert preview_file(f) is False and opener == []  # CI: nothing to open on, no hang
    assert "no display to preview on" in capsys.readouterr().err
    # a preview_command of the manim.cfg is the user's opener: it runs without a display
    assert preview_file(f, {"preview_command": "true"}) is True
    assert opener == [dict(path=f.resolve(), in_browser=False, preview=True, command="true")]
    # an opener that cannot run (no xdg-open) is a warning, not a failed render

    def missing(file_path, in_browser=False):
        raise FileNotFoundError(2, "No such file or directory", "xdg-open")

    monkeypatch.setattr(file_ops, "open_file", missing)
    monkeypatch.setenv("DISPLAY", ":99")
    assert preview_file(f) is False
    err = capsys.readouterr().err.strip()
    assert err.startswith("rollingball: could not preview") and "xdg-open" in err


@pytest.mark.skipif(shutil.which("true") is None, reason="needs the `true` command")
def test_preview_through_manims_real_opener_with_a_noop_command(tmp_path, monkeypatch):
    """Manim's real open_file, with a manim.cfg whose preview_command is `true` (a no-op
    opener, as a CI machine would set): it runs and returns at once."""
    from rollingball.cli.render import preview_file, project_config

    (tmp_path / "manim.cfg").write_text("[CLI]\npreview_command = true\n")
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "a.png"
    f.write_bytes(b"png")
    assert preview_file(f, project_config()[1]) is True
