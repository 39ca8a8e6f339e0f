"""The documentation: it builds with warnings as errors, its code runs, its formulas are current."""

from __future__ import annotations

import doctest
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from rollingball import Landscape
from rollingball.paper.report import BEGIN, END, theory_formulas
from rollingball.symbolic.landscape import RHO

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md") if p.name != "TEAM.md")
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(page: Path, lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(page.read_text()) if kind == lang]


def test_pages_exist():
    names = {p.name for p in PAGES}
    assert {"index.md", "guide.md", "theory.md", "gallery.md", "reproduction.md",
            "errata.md"} <= names


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "python")], ids=lambda p: p.name)
def test_python_examples_run(page, tmp_path, monkeypatch):
    """Every ```python block of a page runs, in order, in one namespace per page."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for i, code in enumerate(blocks(page, "python")):
        try:
            exec(compile(code, f"{page.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"{page.name}, python block {i} failed: {exc!r}\n{code}") from exc
    # the page's code defined or imported something: the blocks really ran
    assert set(namespace) - {"__name__", "__builtins__"}


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "pycon")], ids=lambda p: p.name)
def test_pycon_examples_doctest(page):
    """```pycon blocks are doctests: their printed output must match."""
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    globs: dict = {}
    for i, text in enumerate(blocks(page, "pycon")):
        test = parser.get_doctest(text, globs, f"{page.name}[{i}]", str(page), 0)
        runner.run(test)
    assert runner.failures == 0


def test_theory_formulas_are_the_package_output():
    text = (DOCS / "theory.md").read_text()
    inside = text.partition(BEGIN)[2].partition(END)[0]
    assert inside.strip() == theory_formulas().strip(), (
        "docs/theory.md is stale: run rollingball.paper.report.update_theory_page('docs/theory.md')")


@pytest.mark.parametrize("loss", ["sine", "parabola", "double_well", "bumpy_bowl"])
def test_theory_identities(loss):
    """The identities the theory page states in general hold exactly on catalog losses."""
    L = Landscape(loss)
    x = L.variables[0]
    nu, tau = L.normal, L.tangent
    assert sp.simplify(tau.dot(nu)) == 0                      # tau is orthogonal to nu
    assert sp.simplify(nu.dot(nu) - 1) == 0                   # nu is a unit vector
    dc = sp.diff(L.offset_point, x)                           # c' = (1 - rho kappa)(1, f')
    expected = (1 - RHO * L.curvature) * sp.Matrix([1, L.gradient[0]])
    diff = sp.simplify(dc - expected)
    assert diff == sp.zeros(2, 1) or all(
        abs(float(e.subs({x: 0.37, RHO: 0.21}))) < 1e-13 for e in diff)


def test_tangent_step_drift_second_order():
    """d(c + hT) = rho - h^2/2 * kappa/(1 - rho kappa) + O(h^3) on the parabola (theory page)."""
    from scipy.optimize import minimize_scalar

    rho, t0 = 0.3, 0.2
    f = lambda t: t * t  # noqa: E731
    fp, fpp = 2 * t0, 2.0
    w = np.sqrt(1 + fp * fp)
    kappa = fpp / w**3
    c = np.array([t0, f(t0)]) + rho * np.array([-fp, 1.0]) / w
    T = np.array([1.0, fp]) / w
    for h in (1e-2, 5e-3):
        q = c + h * T
        d = np.sqrt(minimize_scalar(lambda t, q=q: (t - q[0]) ** 2 + (f(t) - q[1]) ** 2,
                                    bracket=(t0 - 0.5, t0 + 0.5), tol=1e-14).fun)
        predicted = rho - 0.5 * h * h * kappa / (1 - rho * kappa)
        assert abs(d - predicted) < 5 * h**3


def test_docs_build_strict(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        pytest.fail("mkdocs is not installed (it is in the dev extra)")
    proc = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "theory" / "index.html").exists()
