"""The paper figures (rollingball.paper.figures), the report and `rollingball paper`: quick runs."""

from __future__ import annotations

import csv
import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from rollingball.cli import main as cli
from rollingball.paper import figures
from rollingball.paper.report import (
    FINDINGS_BEGIN,
    FINDINGS_END,
    findings,
    reproduction_report,
)


@pytest.fixture(scope="module")
def fig2_quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig2")
    return out, figures.fig2(out, figures.QUICK["fig2"]["radii"])


def test_fig2_plateau_and_decay(fig2_quick):
    out, d = fig2_quick
    radii, delta = d["radii"], d["delta"]
    assert d["critical_radius"] == 1.0
    plateau = radii <= 1.0
    assert plateau.sum() >= 5
    assert np.max(np.abs(delta[plateau] - 2.0)) <= 1e-9          # the plateau equals 2
    assert np.all(np.diff(delta[~plateau]) < 0)                   # and falls beyond rho_c
    # 1/rho decay: the domain-edge asymptote 9 pi^2 / (8 rho), to 1% at rho = 100
    assert delta[-1] == pytest.approx(9 * np.pi**2 / (8 * radii[-1]), rel=0.012)
    assert abs(d["decay_slope"] + 1) < 0.05
    # the CSV holds the same numbers
    with open(out / "fig2.csv") as fh:
        rows = list(csv.DictReader(fh))
    np.testing.assert_allclose([float(r["delta"]) for r in rows], delta, rtol=0, atol=0)
    assert (out / "fig2.png").stat().st_size > 10_000


def test_fig2_delta_against_brute_force():
    """Delta(2) by a dense brute-force sup over contacts (independent of the offset code)."""
    d = figures.fig2_data([0.5, 2.0])
    lo, hi = -3 * np.pi, 3 * np.pi
    rho = 2.0
    x = np.linspace(lo, hi, 3001)
    s = np.linspace(-rho, rho, 4001)
    t = x[:, None] + s[None, :]
    vals = np.where((t >= lo) & (t <= hi), np.sin(t) + np.sqrt(rho**2 - s**2), -np.inf)
    f_rho = vals.max(axis=1)
    assert d["delta"][1] == pytest.approx(f_rho.max() - f_rho.min(), abs=2e-5)


@pytest.fixture(scope="module")
def fig3_quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig3")
    q = figures.QUICK["fig3"]
    return out, figures.fig3(out, q["radii"], n=q["n"], steps=q["steps"], published=True)


def test_fig3_invariants(fig3_quick):
    out, d = fig3_quick
    v = d["summary"]["variants"]
    # the offset-keeping RBO keeps d(c_t) = rho; Algorithm 1 does not (radii far above
    # the critical radius of Eq. 13), with either projection
    assert all(r["max_violation"] <= 1e-9 for r in v["rbo"])
    assert all(r["max_violation"] > 1e-3 for r in v["alg1/exact"])
    assert all(r["max_violation"] > 1e-3 for r in v["alg1/paper"])
    # the numbers in the summary are those of the trajectories
    res = d["runs"]["rbo"]["residual"]
    assert v["rbo"][0]["max_violation"] == pytest.approx(float(np.nanmax(res[:, 0])))
    for key in ("alg1_paper", "alg1_exact", "rbo", "published"):
        assert (out / f"fig3_{key}.png").stat().st_size > 5_000
    with open(out / "fig3.csv") as fh:
        rows = list(csv.DictReader(fh))
    T1 = figures.QUICK["fig3"]["steps"] + 1
    assert len(rows) == 4 * len(d["radii"]) * T1


def test_fig3_coarsening(fig3_quick):
    """The offset gets smoother as rho grows (Section 4.2), measured on [0, 2]."""
    _, d = fig3_quick
    co = d["summary"]["coarsening"]
    seq = [co["graph"], *co["offset"]]
    assert all(b < a for a, b in zip(seq, seq[1:], strict=False)), seq


def test_fig3_rbo_centres_on_offset(fig3_quick):
    """Independent check: the offset-keeping RBO's centres lie on the exact offset f_rho."""
    from rollingball.numeric.offset import upper_offset

    _, d = fig3_quick
    c = d["runs"]["rbo"]["centre"]
    for i, rho in enumerate(d["radii"]):
        pts = c[::20, i]
        fr = upper_offset(d["landscape"], pts[:, 0], rho).value
        np.testing.assert_allclose(pts[:, 1], fr, atol=1e-9)


def test_report_from_summaries(fig2_quick, fig3_quick):
    summary = {"fig2": fig2_quick[1]["summary"], "fig3": fig3_quick[1]["summary"],
               "quick": {"fig2": True, "fig3": True}}
    text = reproduction_report(json.loads(json.dumps(summary)))
    assert "## Figure 2" in text and "## Figure 3" in text and "Not generated" in text
    assert "Reduced settings" in text
    assert "disagrees" not in text.split("## Figure 3")[0]      # Fig. 2 agrees everywhere
    assert "as published" in text


def _fake_fig4(counts_by_radius, by_footpoint):
    counts = [dict(variant="gd", radius=0.0, starts=10, reached_by_centre=0,
                   reached_by_footpoint=0, resting_on_two=0, max_violation=0.0,
                   median_final_violation=0.0, not_ok=0, mean_travel=0.1)]
    for rho, n in counts_by_radius.items():
        counts.append(dict(variant="rbo", radius=rho, starts=10, reached_by_centre=n,
                           reached_by_footpoint=by_footpoint.get(rho, 0), resting_on_two=0,
                           max_violation=1e-15, median_final_violation=0.0, not_ok=0,
                           mean_travel=1.0))
    settings = dict(radii=list(counts_by_radius), n=1000, sigma=0.1, steps=300, lr=0.01,
                    gamma=0.001, proj_steps=100, method="alg1",
                    starts=figures.fig4_starts().tolist(), basin_tol=0.05)
    return {"settings": settings, "forms": {"paper": dict(minimiser=[0.5, 0.8], min_value=-2.5,
                                                          counts=counts)}}


def test_report_fig4_verdicts():
    agree = _fake_fig4({1.0: 0, 3.0: 0, 4.0: 10, 5.0: 10}, {4.0: 10, 5.0: 10})
    text = reproduction_report({"fig4": agree})
    claims = text.split("### The claim, run by run")[1]
    assert "disagrees" not in claims
    ring = _fake_fig4({1.0: 0, 3.0: 0, 4.0: 10, 5.0: 10}, {})
    claims = reproduction_report({"fig4": ring}).split("### The claim, run by run")[1]
    assert claims.count("**disagrees**") == 1                    # by footpoint only


def test_report_links_the_study():
    """The docs' report links the study page (which exists beside it); the standalone report
    links nothing outside its folder and names the command that writes the study instead."""
    s = {"fig4": _fake_fig4({1.0: 0, 4.0: 10}, {4.0: 10})}
    docs = reproduction_report(s, docs=True)
    plain = reproduction_report(s)
    assert "[study of Figure 4's landscape](study.md)" in docs
    assert (Path(__file__).resolve().parents[2] / "docs" / "study.md").is_file()
    assert "`python -m rollingball.study fig4 --out studies/fig4 --docs docs/study.md`" in plain
    assert "study.md)" not in plain and "](" not in plain.replace("](fig4_", "")
    # in the Figure 4 section, before its images; no Figure 4, no sentence
    fig4 = docs.split("## Figure 4")[1]
    assert fig4.index("(study.md)") < fig4.index("![Figure 4")
    assert "study" not in reproduction_report({}).lower()


def test_report_fig4_says_where_the_rbo_centres_gather():
    s = _fake_fig4({3.0: 0, 4.0: 0}, {})
    for c in s["forms"]["paper"]["counts"]:
        c["final_centre"] = [0.0, 0.0] if c["variant"] == "rbo" else [1.0, 1.0]
        c["final_spread"] = 0.001 if c["variant"] == "rbo" else 0.5
    text = reproduction_report({"fig4": s})
    # the minimiser (0.5, 0.8) is sqrt(0.89) = 0.94 from the gathering point (0, 0)
    assert "all 10 centres end within 0.001 of (0.000, 0.000), 0.94 from the global" in text
    assert "$\\rho$ = 3, 4 all" in text
    for c in s["forms"]["paper"]["counts"]:
        c["final_spread"] = 0.3  # scattered: nothing to say
    assert "centres gather" not in reproduction_report({"fig4": s})


def test_cli_paper_fig2(tmp_path, capsys):
    assert cli(["paper", "fig2", "--quick", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "fig2:" in err                                          # progress shown
    assert (tmp_path / "fig2.png").exists() and (tmp_path / "reproduction.md").exists()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["fig2"]["plateau_error"] <= 1e-9


@pytest.mark.parametrize("argv", [["paper", "fig9", "--out", "x"], ["paper", "fig2"],
                                  ["paper", "fig3", "--out", "x", "--fig3-radii", "-1"],
                                  ["paper", "fig4", "--out", "x", "--fig4-steps", "0"]])
def test_cli_paper_bad_options(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli(argv) == 2
    assert capsys.readouterr().err.startswith("rollingball: error:")


@pytest.mark.slow
def test_fig4_tiny(tmp_path):
    """Fig. 4 on a tiny setting: GD matches a hand-written descent, the basin flags match an
    independent descent from the recorded final positions, and the files are written."""
    from rollingball.symbolic.catalog import gaussian_wells

    starts = figures.fig4_starts(count=2)
    d = figures.fig4(tmp_path, (1.0,), n=40, steps=3, forms=("code",), projections=("paper",),
                     starts=starts, basin_steps=800)
    L = gaussian_wells(n=40, form="code")
    x = starts.copy()
    for _ in range(3):
        x = x - 0.01 * L.value_and_grad(x)[1]
    runs = d["forms"]["code"]["runs"]
    np.testing.assert_allclose(runs["gd"]["final_point"], x, atol=1e-12)
    xstar = d["forms"]["code"]["minimiser"]
    assert np.linalg.norm(L.value_and_grad(xstar[None])[1]) < 1e-8   # a stationary point
    for key in ("gd", "alg1/paper", "rbo"):
        r = runs[key]
        ends = figures.descend_to(L, r["final_centre"], steps=800)
        np.testing.assert_array_equal(r["basin_centre"],
                                      np.linalg.norm(ends - xstar, axis=1) <= 0.05)
    assert float(np.nanmax(runs["rbo"]["residual"])) <= 1e-9        # the invariant holds
    counts = d["summary"]["forms"]["code"]["counts"]
    assert [c["variant"] for c in counts] == ["gd", "alg1/paper", "rbo"]
    with open(tmp_path / "fig4_runs.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 2 * 3
    assert (tmp_path / "fig4_code.png").stat().st_size > 10_000


def _links(markdown: str) -> list[str]:
    """Targets of the Markdown links and images of a page."""
    return re.findall(r"\]\(([^)\s]+)\)", markdown)


def _pdf_page_inches(path) -> tuple[float, float]:
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]",
                    path.read_bytes())
    x0, y0, x1, y1 = (float(v) for v in box.groups())
    return (x1 - x0) / 72, (y1 - y0) / 72


@pytest.mark.slow
def test_cli_paper_all_quick_with_docs(tmp_path):
    """`paper all --quick --format png pdf --docs` writes the figures as PNG and vector PDF,
    their data, a self-contained report, and the docs copy whose image links point into
    gallery/ beside the summary it was generated from."""
    out, docs = tmp_path / "figs", tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(f"# Home\n\n{FINDINGS_BEGIN}\nold\n{FINDINGS_END}\n")
    assert cli(["paper", "all", "--quick", "--out", str(out), "--docs", str(docs),
                "--format", "png", "pdf", "--dpi", "120", "--no-progress"]) == 0
    stems = ("fig2", "fig3_alg1_paper", "fig3_alg1_exact", "fig3_rbo", "fig4_paper",
             "fig4_code")
    for name in ("fig2.csv", "fig3.csv", "fig4_counts.csv", "summary.json", "reproduction.md"):
        assert (out / name).exists(), name
    for stem in stems:
        pdf = (out / f"{stem}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf       # vector, fonts embedded
        w, h = _pdf_page_inches(out / f"{stem}.pdf")
        assert 3.0 <= w <= 7.0 + 1e-6 and h <= 9.0                    # printed size
        png = (out / f"{stem}.png").read_bytes()
        pw, ph = struct.unpack(">II", png[16:24])                    # IHDR width, height
        assert pw == pytest.approx(w * 120, abs=2) and ph == pytest.approx(h * 120, abs=2)
    report = (out / "reproduction.md").read_text()
    assert "!!!" not in report                                        # no MkDocs-only syntax
    for target in _links(report):                                     # self-contained
        assert "://" not in target and (out / target).exists(), target
    page = (docs / "reproduction.md").read_text()
    assert "](gallery/fig2.png)" in page and (docs / "gallery" / "fig4_code.png").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert json.loads((docs / "gallery" / "summary.json").read_text()) == summary
    assert page == reproduction_report(summary, docs=True)
    index = (docs / "index.md").read_text()
    assert findings(summary) in index and "old" not in index
    assert set(summary) >= {"fig2", "fig3", "fig4", "quick"}
    counts = summary["fig4"]["forms"]["paper"]["counts"]
    assert {c["variant"] for c in counts} == {"gd", "alg1/paper", "alg1/exact", "rbo"}


def test_cli_paper_svg_and_bad_format(tmp_path, capsys):
    assert cli(["paper", "fig2", "--quick", "--out", str(tmp_path), "--format", "svg",
                "--no-progress"]) == 0
    svg = (tmp_path / "fig2.svg").read_text()
    w = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', svg).group(1))
    assert w == pytest.approx(3.4 * 72, abs=0.5)
    assert not (tmp_path / "fig2.png").exists()
    report = (tmp_path / "reproduction.md").read_text()
    assert "](fig2.svg)" in report
    assert cli(["paper", "fig2", "--quick", "--out", str(tmp_path), "--dpi", "5"]) == 2
    assert "dpi" in capsys.readouterr().err


def test_paper_progress_flags_parse_both_ways():
    """`paper` takes --progress/--no-progress like every command (default on)."""
    import argparse

    from rollingball.cli import paper as paper_cli

    parser = argparse.ArgumentParser()
    paper_cli.register(parser.add_subparsers())
    base = ["paper", "fig2", "--out", "figs"]
    assert parser.parse_args(base).progress is True
    assert parser.parse_args([*base, "--no-progress"]).progress is False
    assert parser.parse_args([*base, "--progress"]).progress is True
