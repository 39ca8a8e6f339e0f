"""`rollingball iron`: the ironing table, the plateau and the critical radius."""

import re

import numpy as np
import pytest

from rollingball.cli import main


def _rows(out):
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 6 and re.fullmatch(r"[0-9.e+-]+", parts[0]):
            rows.append((float(parts[0]), float(parts[1]), parts[5]))
    return rows


def test_iron_sin_shows_the_plateau_and_critical_radius_one(capsys):
    assert main(["iron", "sin", "--radii", "0.25", "0.5", "1", "1.5", "3", "100"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"local critical radius 1/max kappa: 1 \(exact: 1\)", out)
    assert re.search(r"true critical radius:\s+1 ", out)
    rows = _rows(out)
    assert [r[0] for r in rows] == [0.25, 0.5, 1, 1.5, 3, 100]
    for rho, delta, regime in rows:
        if rho <= 1:
            assert delta == pytest.approx(2.0, abs=1e-9) and regime == "plateau"
        else:
            assert delta < 2 - 1e-6 and regime == "ironed"
    assert rows[-1][1] == pytest.approx(9 * np.pi**2 / 800, rel=0.01)


def test_iron_default_radii_and_plot(tmp_path, capsys):
    png = tmp_path / "iron.png"
    assert main(["iron", "x^4 - x^2", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "0.2197478557" in out  # the double well's critical radius, not 1/4
    assert len(_rows(out)) == 16
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv, message", [
    (["iron", "sin", "--radii", "1", "0"], "radius"),
    (["iron", "sin", "--domain", "2", "2"], "empty"),
    (["iron", "x^2 + y^2"], "1-D"),
])
def test_iron_bad_input_is_one_line_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rollingball: error:") and message in err and err.count("\n") == 1


def test_iron_budget_and_plot_targets(tmp_path, capsys):
    assert main(["iron", "sin", "--resolution", "1e-9"]) == 2
    err = capsys.readouterr().err
    assert "needs about 75,398,223,688, over the budget of 4,000,000" in err
    assert err.count("\n") == 1
    (tmp_path / "file").write_text("")
    for path, words in ((tmp_path / "nope" / "d.png", "no such folder"),
                        (tmp_path / "file" / "d.png", "is a file, not a folder")):
        assert main(["iron", "sin", "--plot", str(path)]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and "Traceback" not in err
