"""The study page: intervals and verdicts written from the numbers it is given."""

import pytest
from scipy.stats import binomtest

from rollingball.study.fig4 import SCALE_BEGIN, SCALE_END, _verdict, study_page, write_scale


def row(label, k, n, schedule="constant", radius=0.0, wall=3.0):
    ci = binomtest(k, n).proportion_ci(method="wilson")
    t = (k, ci.low, ci.high)
    return dict(label=label, n=n, method="rbo", schedule=schedule, radius=radius,
                loss_mean=1.0, loss_median=1.0, residual_max=1e-13, jumps_mean=0.0, travel=1.0,
                displacement=1.0, not_ok=0, wall=wall, centre=t, footpoint=t)


def test_verdicts_follow_the_intervals():
    rows = [row("GD", 0, 1000), row("RBO rho = 1", 1, 40, radius=1.0),
            row("RBO rho = 4", 30, 40, radius=4.0), row("RBO rho = 5", 22, 40, radius=5.0),
            row("RBO linear from 5", 39, 40, "linear", 5.0),
            row("RBO step from 5", 28, 40, "step", 5.0)]
    text = "\n".join(_verdict(rows))
    # 30/40: Wilson [0.598, 0.858] lies above 1/2; 22/40: [0.398, 0.690] straddles it
    assert "interval above 1/2) for RBO rho = 4;" in text
    assert "(interval below 1/2) for GD, RBO rho = 1;" in text
    assert "undecided at this sample size for RBO rho = 5." in text
    # 39/40: [0.871, 0.996] lies above rho = 4's interval; 28/40 overlaps it
    assert "(interval above the best fixed radius, RBO rho = 4, 30/40) for: linear;" in text
    assert "indistinguishable from it at this size: step." in text


def test_page_tables_and_cost_scaling():
    rows = [row("GD", 3, 1000, wall=30.0), row("RBO rho = 1", 1, 4, radius=1.0, wall=240.0)]
    result = dict(settings=dict(rbo_starts=4, gd_starts=1000, steps=300, lr=0.01, radii=[1.0],
                                schedules=[], rho_max=5.0, box=[[1.9, 2.1], [-1.6, -1.4]],
                                seed=0),
                  forms={"paper": rows}, missing={"paper": ["RBO rho = 2"]},
                  costs={"paper/rbo": dict(cost_per_ball_step=dict(rbo=0.05, basin=5e-5))},
                  wall=1.0)
    page = study_page(result, "study")
    ci = binomtest(3, 1000).proportion_ci(method="wilson")
    assert f"| GD | 1000 | 3/1000 = 0.00 [{ci.low:.2f}, {ci.high:.2f}] |" in page
    assert "Not run (the study was stopped at its time limit): RBO rho = 2." in page
    # 240 s for 4 balls x 300 steps is 200 ms per ball-step
    assert "| 200 |" in page
    # full study: 1000 x (30/1000 + 240/4) s = 60 030 s = 16.7 core-hours
    assert "costs 16.7 core-hours at these rates" in page
    assert "at 10^6 starts 16,675 core-hours (16.7 h on 1000 workers)" in page
    # the run's own total: 30 + 240 s
    assert "The stored cells took 4.5 worker-minutes in all" in page
    assert page.count("![basin fraction vs radius") == 1


def _result(rbo_starts, stores=None, page=None):
    return dict(settings=dict(rbo_starts=rbo_starts, gd_starts=1000, steps=300, lr=0.01,
                              radii=[1.0], schedules=[], rho_max=5.0,
                              box=[[1.9, 2.1], [-1.6, -1.4]], seed=0),
                forms={"paper": [row("GD", 0, 1000), row("RBO rho = 1", 0, rbo_starts,
                                                          radius=1.0)]},
                missing={}, costs={}, wall=1.0, stores=stores or {}, page=page or {})


def test_page_says_which_command_and_commit_made_its_numbers():
    sha = "0123456789abcdef0123456789abcdef01234567"
    stores = {"paper/gd": dict(commit=sha, created="2026-12-02T04:00:00Z"),
              "paper/rbo": dict(commit=sha, created="2026-12-02T04:30:00Z")}
    page = study_page(_result(2, stores=stores, page=dict(commit=sha + "+dirty", run=False,
                                                          forms=["paper"])), "study")
    # the command reproduces the page: the sizes that differ from the defaults are in it
    assert ("`python -m rollingball.study fig4 --out studies/fig4 --docs docs/study.md "
            "--scale docs/scale.md --rbo-starts 2 --forms paper`") in page
    assert ("the stored cells predate the per-cell record (`cell_commit`) and come from stores "
            "created at commit `0123456789ab` (their `commit` attribute, 2026-12-02T04:00:00Z "
            "to 2026-12-02T04:30:00Z); a resumed run may have appended some of them at a later "
            "commit; this page was written from them at commit `0123456789ab+dirty` with "
            "`--no-run`") in page
    old = study_page(_result(4, page=dict(run=True, forms=["paper", "code"])), "study")
    assert ("`python -m rollingball.study fig4 --out studies/fig4 --docs docs/study.md "
            "--scale docs/scale.md`") in old
    big = _result(1000)
    big["settings"]["budget"] = 200000.0  # a budget other than the default is in it
    assert ("--scale docs/scale.md --rbo-starts 1000 --budget 200000 --forms paper`"
            in study_page(big, "s"))
    assert "do not record the commit that computed them" in old and "--no-run" not in old


def test_page_names_each_cells_commit_and_counts_the_cells_without_one():
    a, b, c = "a" * 40, "b" * 40 + "+dirty", "c" * 40
    stores = {  # a store of old cells (2 unrecorded), one whose cells all record theirs
        "paper/rbo": dict(commit=c, created="2026-12-01T10:00:00Z", cell_commits=[a],
                          cell_created=["2026-12-03T15:00:00Z"], unstamped=2),
        "code/rbo": dict(commit=a, created="2026-12-03T14:00:00Z", cell_commits=[a, b],
                         cell_created=["2026-12-03T14:10:00Z", "2026-12-03T16:00:00Z"],
                         unstamped=0)}
    page = study_page(_result(2, stores=stores, page=dict(commit=a, run=False,
                                                          forms=["paper"])), "study")
    assert ("*Where the numbers come from:* the cells were computed at commits `aaaaaaaaaaaa`, "
            "`bbbbbbbbbbbb+dirty` (each cell's `cell_commit`, 2026-12-03T14:10:00Z to "
            "2026-12-03T16:00:00Z); the other 2 stored cells predate the per-cell record "
            "(`cell_commit`) and come from stores created at commit `cccccccccccc` (their "
            "`commit` attribute, 2026-12-01T10:00:00Z to 2026-12-01T10:00:00Z)") in page
    every = {"code/rbo": stores["code/rbo"]}
    page = study_page(_result(2, stores=every, page=dict(commit=a, run=False)), "study")
    assert "predate the per-cell record" not in page and "(each cell's `cell_commit`" in page


def test_page_states_the_gap_of_small_rbo_samples():
    ci = binomtest(0, 2).proportion_ci(method="wilson")  # [0, 0.658]
    page = study_page(_result(2), "study")
    gap = page.split("**The gap.**")[1].split("\n")[0]
    assert "The RBO ran only 2 starts per cell (gradient descent: 1000), because of its cost" \
        in gap
    assert f"at least {ci.high:.2f} wide ([0.00, {ci.high:.2f}] for 0 of 2)" in gap
    assert "no RBO row below confirms or refutes the paper's claim" in gap
    assert page.index("**The gap.**") < page.index("## Settings")
    assert "**The gap.**" not in study_page(_result(1000), "study")


def test_scale_section_is_written_from_the_cells_and_only_between_its_markers(tmp_path):
    # GD 30 s and rho = 1 240 s per 1000 balls x 300 steps; rho = 2 not stored
    rows = [row("GD", 0, 1000, wall=30.0), row("RBO rho = 1", 0, 1000, radius=1.0, wall=240.0)]
    rows[1]["at_rest"] = 600
    result = dict(settings=dict(rbo_starts=1000, gd_starts=1000, steps=300, lr=0.01,
                                radii=[1.0, 2.0], schedules=[], rho_max=5.0), forms={"paper": rows})
    page = tmp_path / "scale.md"
    page.write_text(f"intro\n{SCALE_BEGIN}\nold table\n{SCALE_END}\nprose\n")
    write_scale(page, result)
    text = page.read_text()
    assert text.startswith(f"intro\n{SCALE_BEGIN}") and text.endswith(f"{SCALE_END}\nprose\n")
    assert "old table" not in text
    # 30 s / (1000 x 300) = 0.1 ms; 240 s -> 0.8 ms per ball-step
    assert "| gradient descent | 0.1 | - |" in text
    assert "| RBO, rho = 1 | 0.8 | 600/1000 |" in text
    assert "| RBO, rho = 2 | not run |  |" in text
    # per start 0.03 + 0.24 s, and rho = 2 counted at the dearest cell (no changing radius
    # measured): 0.27 + 0.24 = 0.51 core-seconds; 10^6 starts: 510,000 s = 142 core-hours,
    # 2.95 days on 2 cores, 8.85 h on 16, 2.21 h on 64, 8.5 min on 1000
    assert ("add up to **0.51 core-seconds** (1 cell not stored, paper RBO rho = 2, is "
            "counted at the dearest measured cell's cost") in text
    line = [x for x in text.splitlines() if x.startswith("| 10^6 |")][0]
    assert line == "| 10^6 | 142 | 3 days | 8.85 h | 2.21 h | 8 min |"
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n")
    with pytest.raises(ValueError, match="no generated section"):
        write_scale(bare, result)
