"""`rollingball demo` (what `make demo` runs): run, check, render."""

import pytest

from rollingball.cli import main


def test_demo_runs_and_checks_the_default_example(capsys):
    assert main(["demo", "--no-render"]) == 0
    out = capsys.readouterr().out
    assert "bumpy_bowl, radius 2.0" in out
    assert "max invariant residual" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("rbo ")]
    exact, paper = rows
    assert exact[1] == "exact" and float(exact[3]) < 1e-9 and exact[-1] == "yes"
    assert paper[1] == "paper" and float(paper[3]) > 1e-3  # the approximate projection drifts


@pytest.mark.slow
@pytest.mark.render
def test_demo_renders_the_video_and_the_still(tmp_path, capsys):
    assert main(["demo", "--quality", "low", "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    video, still = tmp_path / "RollingBall.mp4", tmp_path / "RollingBall.png"
    assert f"video: {video}" in out and f"still: {still}" in out
    assert video.stat().st_size > 10_000
    assert still.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
