"""rb.animate: the artists of every frame are the run's records, the offset is upper_offset's,
the balls are round and tangent, and the animation saves and shows (headless, Agg)."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import rollingball as rb  # noqa: E402
from rollingball.notebook import _player, data  # noqa: E402

LOSS_1D = "cos(3*x)/3 + x^2/10"
LOSS_2D = "(x^2 + 2*y^2)/4"


def f1(x):
    return np.cos(3 * x) / 3 + x**2 / 10


@pytest.fixture(scope="module")
def run1():
    """Two balls of radius 0.5: one rolls into a valley narrower than itself (its footpoint
    jumps between the two contacts), one from the other side."""
    return rb.roll(LOSS_1D, [2.0, -1.5], radius=0.5, lr=0.1, steps=40)


@pytest.fixture(scope="module")
def run2():
    return rb.roll(LOSS_2D, [[1.2, 0.8], [-1.0, 0.5]], radius=0.5, lr=0.1, steps=12)


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


# ---------------------------------------------------------------------------- 1-D frames
def test_1d_frames_are_the_recorded_steps(run1):
    anim = rb.animate(run1, frames=5)
    assert isinstance(anim, matplotlib.animation.FuncAnimation)
    assert anim.steps.tolist() == [0, 10, 20, 30, 40]
    assert list(anim.new_frame_seq()) == [0, 1, 2, 3, 4]
    for k, s in enumerate([0, 10, 20, 30, 40]):
        anim.update(k)
        a = anim.artists
        np.testing.assert_array_equal(a["footpoints"].get_offsets(), run1.point[s])
        np.testing.assert_array_equal(a["centres"].get_offsets(), run1.centre[s])
        np.testing.assert_array_equal(a["balls"].get_offsets(), run1.centre[s])
        np.testing.assert_allclose(a["balls"].get_widths() / 2, run1.radius_t[s], rtol=1e-15)
        np.testing.assert_allclose(a["balls"].get_heights() / 2, run1.radius_t[s], rtol=1e-15)
        assert a["counter"].get_text() == f"step {s:>2d} / 40"
    # the circles are round: equal units on both axes
    assert anim.axes.get_aspect() == 1.0


def test_1d_ball_is_tangent_to_the_graph(run1):
    """Brute force: the distance from the drawn circle's centre to the graph is its radius."""
    anim = rb.animate(run1, frames=5)
    anim.update(2)
    balls = anim.artists["balls"]
    for (cx, cy), r in zip(balls.get_offsets(), balls.get_widths() / 2, strict=True):
        x = np.linspace(cx - r, cx + r, 400_001)
        dist = np.min(np.hypot(x - cx, f1(x) - cy))
        assert abs(dist - r) < 1e-8


def test_offset_line_is_upper_offset(run1):
    anim = rb.animate(run1, frames=3)
    anim.update(1)
    (line,) = anim.artists["offset"]  # one radius: one line
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert x[0] == pytest.approx(anim.data.xlim[0]) and x[-1] == pytest.approx(anim.data.xlim[1])
    np.testing.assert_array_equal(y, rb.upper_offset(LOSS_1D, x, 0.5).value)
    # against a brute-force sup over the ball's width: f_rho(x) = max_s f(x+s) + sqrt(rho^2-s^2)
    s = np.linspace(-0.5, 0.5, 20_001)
    pick = np.arange(0, x.size, 12)
    brute = np.max(f1(x[pick, None] + s) + np.sqrt(np.maximum(0.25 - s**2, 0.0)), axis=1)
    np.testing.assert_allclose(y[pick], brute, atol=1e-7)
    np.testing.assert_allclose(anim.artists["curve"].get_ydata(), f1(x), atol=1e-14)
    assert "0.5" in line.get_label()


def test_several_radii_give_one_offset_line_each():
    run = rb.roll(LOSS_1D, [2.0, -1.5], radius=[0.3, 0.6], lr=0.1, steps=4)
    anim = rb.animate(run)
    anim.update(2)
    lines = anim.artists["offset"]
    assert len(lines) == 2
    x = np.asarray(lines[0].get_xdata())
    for line, rho in zip(lines, [0.3, 0.6], strict=True):
        np.testing.assert_array_equal(line.get_ydata(), rb.upper_offset(LOSS_1D, x, rho).value)


def test_a_radius_schedule_draws_f_rho_at_each_frames_radius():
    run = rb.roll(LOSS_1D, [2.0], radius=lambda t: 0.5 * 0.9**t, lr=0.1, steps=6)
    anim = rb.animate(run, frames=4)
    assert anim.steps.tolist() == [0, 2, 4, 6]
    for k, s in enumerate(anim.steps):
        anim.update(k)
        (line,) = anim.artists["offset"]
        rho = 0.5 * 0.9**s
        assert run.radius_t[s, 0] == pytest.approx(rho, rel=1e-15)
        np.testing.assert_array_equal(line.get_ydata(),
                                      rb.upper_offset(LOSS_1D, line.get_xdata(), rho).value)
        assert anim.artists["balls"].get_widths()[0] / 2 == pytest.approx(rho, rel=1e-15)


def test_trail_fades_and_follows_the_footpoints(run1):
    anim = rb.animate(run1, frames=11, trail=3)
    anim.update(6)
    steps = anim.steps[3:6]  # the three frames before frame 6
    trail = anim.artists["trail"]
    np.testing.assert_array_equal(trail.get_offsets(), run1.point[steps].reshape(-1, 2))
    alpha = trail.get_facecolor()[:, 3].reshape(3, 2)
    assert np.all(np.diff(alpha[:, 0]) > 0)  # older is fainter
    anim.update(0)
    assert len(anim.artists["trail"].get_offsets()) == 0


def test_footpoint_jumps_are_hops_not_paths(run1):
    """Every contact jump (the footpoint moves > 3x the centre and > rho/10: what the scenes
    draw as a hop) of the steps in the trail's window is a segment p_{t-1} -> p_t."""
    step = np.abs(np.diff(run1.theta[..., 0], axis=0))
    move = np.linalg.norm(np.diff(run1.centre, axis=0), axis=-1)
    jumps = np.zeros(run1.theta.shape[:2], dtype=bool)
    jumps[1:] = (step > 3 * move) & (step > 0.05)
    assert jumps.sum() > 10  # the ball in the narrow valley switches contacts every step
    anim = rb.animate(run1, trail=4)
    k = 30
    lo, hi = anim.steps[k - 4], anim.steps[k]
    anim.update(k)
    expected = [np.array([run1.point[t - 1, i], run1.point[t, i]])
                for t in range(lo + 1, hi + 1) for i in range(2) if jumps[t, i]]
    got = anim.artists["hops"].get_segments()
    assert len(expected) > 0 and len(got) == len(expected)
    for g, e in zip(sorted(got, key=lambda a: tuple(a.ravel())),
                    sorted(expected, key=lambda a: tuple(a.ravel())), strict=True):
        np.testing.assert_array_equal(g, e)


def test_baselines_are_drawn_at_their_steps(run1):
    gd = rb.roll(LOSS_1D, [2.0, -1.5], method="gd", lr=0.1, steps=10)  # fewer steps
    anim = rb.animate(run1, frames=5, baselines=[gd, "adam"])
    adam = rb.roll(LOSS_1D, run1.theta[0], method="adam", lr=run1.lr, steps=40)
    for k, s in enumerate(anim.steps):
        anim.update(k)
        np.testing.assert_array_equal(anim.artists["baseline:gd"].get_offsets(),
                                      gd.point[min(s, 10)])
        np.testing.assert_array_equal(anim.artists["baseline:adam"].get_offsets(), adam.point[s])
    anim = rb.animate(run1, frames=2, baselines={"plain GD": gd})
    assert "baseline:plain GD" in anim.artists


def test_long_runs_are_subsampled():
    run = rb.roll(LOSS_1D, [2.0], method="gd", lr=0.01, steps=450)
    anim = rb.animate(run)
    st = anim.steps
    assert len(st) == data.DEFAULT_FRAMES and st[0] == 0 and st[-1] == 450
    assert np.all(np.diff(st) >= 2) and np.all(np.diff(st) <= 3)
    assert len(list(anim.new_frame_seq())) == 200
    assert "balls" not in anim.artists  # a baseline run has no ball
    anim.update(100)
    np.testing.assert_array_equal(anim.artists["footpoints"].get_offsets(), run.point[st[100]])
    assert data.frame_steps(450, [0, 7, 450]).tolist() == [0, 7, 450]
    assert len(rb.animate(run, max_frames=50).steps) == 50


# ---------------------------------------------------------------------------- 2-D frames
def test_2d_paths_grow_with_the_recorded_footpoints(run2):
    assert not run2.jumped.any()
    anim = rb.animate(run2, frames=4, circles=True, baselines=["gd"])
    gd = rb.roll(LOSS_2D, run2.theta[0], method="gd", lr=0.1, steps=12)
    assert anim.steps.tolist() == [0, 4, 8, 12]
    for k, s in enumerate([0, 4, 8, 12]):
        anim.update(k)
        a = anim.artists
        np.testing.assert_array_equal(a["footpoints"].get_offsets(), run2.theta[s])
        np.testing.assert_array_equal(a["centres"].get_offsets(), run2.centre[s, :, :2])
        np.testing.assert_array_equal(a["circles"].get_offsets(), run2.centre[s, :, :2])
        np.testing.assert_allclose(a["circles"].get_widths() / 2, run2.radius_t[s], rtol=1e-15)
        segs = a["paths"].get_segments()
        assert len(segs) == 2 * s
        want = sorted((tuple(run2.theta[t - 1, i]) + tuple(run2.theta[t, i]))
                      for t in range(1, s + 1) for i in range(2))
        got = sorted(tuple(g.ravel()) for g in segs)
        np.testing.assert_array_equal(np.array(got).reshape(-1, 4), np.array(want).reshape(-1, 4))
        np.testing.assert_array_equal(a["baseline:gd"].get_offsets(), gd.theta[s])
        assert len(a["baseline:gd:path"].get_segments()) == 2 * s


def test_2d_contours_are_the_loss(run2):
    anim = rb.animate(run2, frames=2)
    gx, gy, f = anim.data.grid
    X, Y = np.meshgrid(gx, gy)
    np.testing.assert_allclose(f, (X**2 + 2 * Y**2) / 4, rtol=1e-14, atol=1e-15)
    levels = anim.artists["contours"].levels
    assert levels[0] <= f.min() and levels[-1] >= f.max()
    # the default window holds every footpoint
    lo, hi = run2.theta.min(axis=(0, 1)), run2.theta.max(axis=(0, 1))
    assert anim.data.xlim[0] < lo[0] and anim.data.xlim[1] > hi[0]
    assert anim.data.ylim[0] < lo[1] and anim.data.ylim[1] > hi[1]
    assert anim.axes.get_aspect() == 1.0


# ---------------------------------------------------------------------------- output
def _frames_of_jshtml(html: str) -> list[bytes]:
    found = re.findall(r'frames\[(\d+)\] = "data:image/png;base64,([^"]+)"', html)
    assert [int(i) for i, _ in found] == list(range(len(found)))
    return [base64.b64decode(b.replace("\\n", "")) for _, b in found]


def test_to_jshtml_embeds_every_frame(run1):
    anim = rb.animate(run1, frames=6, figsize=(5, 3), dpi=80)
    html = anim.to_jshtml()
    frames = _frames_of_jshtml(html)
    assert len(frames) == 6
    assert Image.open(io.BytesIO(frames[0])).size == (400, 240)


def test_notebook_repr_is_video_or_player(run1, monkeypatch):
    anim = rb.animate(run1, frames=4)
    if _player.video_writer() is not None:
        html = anim._repr_html_()
        src = re.search(r'src="data:video/mp4;base64,([^"]+)"', html)
        assert html.startswith("<video") and src
        assert base64.b64decode(src.group(1))[4:8] == b"ftyp"
    monkeypatch.setattr(_player, "video_writer", lambda: None)
    anim = rb.animate(run1, frames=4)
    assert len(_frames_of_jshtml(anim._repr_html_())) == 4
    with pytest.raises(ValueError, match="ffmpeg"):
        anim.to_html5_video()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_gif_has_every_frame_and_each_is_the_full_drawing(run1, tmp_path, theme):
    """The saved frames (static part drawn once, moving artists over it) equal a full draw
    of the same frame."""
    anim = rb.animate(run1, frames=7, theme=theme, baselines=["gd"])
    path = tmp_path / "run.gif"
    anim.save(path)
    assert sorted(os.listdir(tmp_path)) == ["run.gif"]  # no temporary file left
    im = Image.open(path)
    assert im.n_frames == 7 and im.size == (700, 400)
    im.seek(4)
    saved = np.asarray(im.convert("RGB"), dtype=float)
    anim.update(4)
    buf = io.BytesIO()
    anim.figure.savefig(buf, format="png", dpi=100)
    full = np.asarray(Image.open(buf).convert("RGB"), dtype=float)
    assert np.mean(np.abs(saved - full)) < 1.0
    corner = saved[2, 2]
    assert (corner.mean() > 240) if theme == "light" else (corner.mean() < 40)


def test_2d_gif(run2, tmp_path):
    anim = rb.animate(run2, frames=5, circles=True, theme="dark")
    anim.save(tmp_path / "run2.gif")
    assert Image.open(tmp_path / "run2.gif").n_frames == 5


def test_html_file(run1, tmp_path):
    rb.animate(run1, frames=3).save(tmp_path / "run.html")
    assert len(_frames_of_jshtml((tmp_path / "run.html").read_text())) == 3
    assert sorted(os.listdir(tmp_path)) == ["run.html"]


def test_mp4(run1, tmp_path):
    if _player.video_writer() is None:
        pytest.skip("no H.264 encoder here: neither ffmpeg on the PATH nor PyAV with libx264")
    av = pytest.importorskip("av", reason="PyAV reads the mp4 back")
    anim = rb.animate(run1, frames=9, figsize=(5.01, 3.01))  # odd pixel sizes are cut
    anim.save(tmp_path / "run.mp4")
    with av.open(str(tmp_path / "run.mp4")) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 9
    assert (frames[0].width, frames[0].height) == (500, 300)


# ---------------------------------------------------------------------------- bad input
def test_bad_input_is_a_one_line_value_error(run1, tmp_path, monkeypatch):
    none = rb.roll(LOSS_1D, [2.0], radius=0.5, lr=0.1, steps=0)
    with pytest.raises(ValueError, match="no steps"):
        rb.animate(none)
    anim = rb.animate(run1, frames=2)
    for name in ("run.avi", "run"):
        with pytest.raises(ValueError, match="cannot save an animation") as e:
            anim.save(tmp_path / name)
        one_line(e)
    with pytest.raises(ValueError, match="no such folder") as e:
        anim.save(tmp_path / "missing" / "run.gif")
    one_line(e)
    with pytest.raises(ValueError, match="too many frames") as e:
        rb.animate(run1, frames=data.MAX_FRAMES + 1)
    one_line(e)
    monkeypatch.setattr(data, "MAX_FRAME_BALLS", 50)
    with pytest.raises(ValueError, match="41 frames x 2 balls") as e:
        data.animation_data(run1)  # checked before anything is drawn
    one_line(e)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="unknown baseline"):
        rb.animate(run1, baselines=["sgd"])
    with pytest.raises(ValueError, match="another loss"):
        rb.animate(run1, baselines=[rb.roll("x^2", [1.0], method="gd", steps=2)])
    with pytest.raises(ValueError, match="theme"):
        rb.animate(run1, theme="blue")
    with pytest.raises(ValueError, match="not both"):
        rb.animate(run1, fps=10, interval=50)
    with pytest.raises(ValueError, match="xlim"):
        rb.animate(run1, xlim=(1, 0))
    with pytest.raises(ValueError, match="RollResult"):
        rb.animate(run1.theta)
    three = rb.roll("x^2 + y^2 + z^2", [[1.0, 1.0, 1.0]], method="gd", steps=2)
    with pytest.raises(ValueError, match="3-D"):
        rb.animate(three)
    with pytest.raises(ValueError, match="not one of the 2 frames"):
        anim.update(2)


def test_import_without_matplotlib():
    """``import rollingball`` does not load Matplotlib; animate says what to install."""
    code = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "matplotlib":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
import rollingball as rb
run = rb.roll("x^2", 1.0, method="gd", lr=0.1, steps=2)
try:
    rb.animate(run)
except ValueError as exc:
    print(exc)
print("loaded" if "matplotlib" in sys.modules else "not loaded")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "rb.animate needs matplotlib: pip install 'rollingball[anim]'", "not loaded"]
