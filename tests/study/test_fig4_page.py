"""The study page: intervals and verdicts written from the numbers it is given."""

from scipy.stats import binomtest

from rollingball.study.fig4 import _verdict, study_page


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
    assert "costs about 16.7 core-hours" in page
    assert page.count("![basin fraction vs radius") == 1
