"""Shared pytest configuration (append-only: each section names its owner).

Scenes section (tests/visual/test_scenes*.py):
- ``--set_test`` / ``--show_diff``: the options of Manim's ``frames_comparison``
  (``pytest tests/visual/test_scenes_cli.py --set_test`` rewrites tests/visual/control_data/).
- Manim skips Cairo frame comparisons when the system Cairo is older than 1.18; Debian 12
  ships 1.16, so the threshold is lowered to 1.16 here (our control data are made with
  1.16), and the comparisons run.
- A test marked ``render`` that is skipped FAILS the run: graphical tests must really run.
"""

from __future__ import annotations

import pytest


# ----------------------------------------------------------------------------- scenes
def pytest_addoption(parser):
    group = parser.getgroup("rollingball scenes")
    group.addoption("--set_test", action="store_true", default=False,
                    help="write the control frames of the frame-comparison tests")
    group.addoption("--show_diff", action="store_true", default=False,
                    help="show the difference of mismatching frames")


#: The oldest Cairo the frame comparisons accept here (Manim's own threshold is 1.18.0).
MIN_CAIRO_FOR_FRAMES = 11600


def pytest_configure(config):
    try:
        from manim.utils.testing import frames_comparison
    except ImportError:  # manim not installed: the render tests fail on import instead
        return
    frames_comparison.MIN_CAIRO_VERSION = min(frames_comparison.MIN_CAIRO_VERSION,
                                              MIN_CAIRO_FOR_FRAMES)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("render") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"a graphical (render) test was skipped, which must not happen: {reason}"


@pytest.fixture(scope="session")
def tex_cache(tmp_path_factory):
    """One LaTeX output folder for the session (each formula compiles once)."""
    return tmp_path_factory.mktemp("tex")
