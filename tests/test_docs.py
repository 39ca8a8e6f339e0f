"""The documentation: it builds with warnings as errors, its code runs, its formulas are current."""

from __future__ import annotations

import doctest
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import yaml

from rollingball import Landscape
from rollingball.cli import COMMANDS, build_parser
from rollingball.paper.report import (
    BEGIN,
    END,
    FINDINGS_BEGIN,
    FINDINGS_END,
    findings,
    reproduction_report,
    theory_formulas,
)
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
        "docs/theory.md is stale: run "
        "rollingball.paper.report.update_theory_page('docs/theory.md')")


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


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The documentation built once with ``mkdocs build --strict`` (warnings are errors)."""
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        pytest.fail("mkdocs is not installed (it is in the dev extra)")
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_docs_build_strict(site):
    assert (site / "theory.html").exists() and (site / "troubleshooting.html").exists()
    assert (site / "assets" / "katex" / "katex.min.js").stat().st_size > 100_000
    assert len(list((site / "assets" / "katex" / "fonts").glob("*.woff2"))) >= 10


class _Sources(HTMLParser):
    """Every URL a page makes the browser fetch: script, style sheet, image, media, frame."""

    FETCH = {"script": "src", "img": "src", "source": "src", "video": "src", "audio": "src",
             "iframe": "src", "embed": "src", "track": "src", "object": "data",
             "input": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.FETCH and a.get(self.FETCH[tag]):
            self.urls.append(a[self.FETCH[tag]])
        if tag == "link" and a.get("href") and a.get("rel", "") != "canonical":
            self.urls.append(a["href"])
        if a.get("srcset"):
            self.urls += [u.split()[0] for u in a["srcset"].split(",")]
        if a.get("poster"):
            self.urls.append(a["poster"])


def _external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.I))


def test_site_fetches_nothing_from_other_hosts(site):
    """No page, style sheet or script of the built site loads anything from another host."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 8
    found = []
    for page in pages:
        parser = _Sources()
        parser.feed(page.read_text())
        found += [f"{page.name}: {u}" for u in parser.urls if _external(u)]
        assert "katex.min.js" in page.read_text() or page.name == "404.html", page.name
    for css in site.rglob("*.css"):
        found += [f"{css.name}: {u}" for u in re.findall(r"url\(\s*['\"]?([^)'\"]+)",
                                                         css.read_text()) if _external(u)]
        found += [f"{css.name}: @import" for _ in re.findall(r"@import\s+['\"]?(https?:)?//",
                                                           css.read_text())]
    assert found == []
    assert _external("https://cdn.example/x.js") and _external("//x.org/a.css")
    assert not _external("assets/katex/katex.min.js")


class _VisibleText(HTMLParser):
    """The text a reader sees: without scripts, styles, code, and KaTeX's hidden MathML."""

    SKIP = {"script", "style", "pre", "code", "textarea", "annotation", "math", "noscript"}
    VOID = {"br", "img", "meta", "link", "input", "hr", "source", "path", "wbr", "col",
            "area", "base", "embed", "param", "track", "use", "rect", "circle"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.SKIP.intersection(self.stack):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "".join(parser.parts)


def test_visible_text_helper():
    html = ('<p>a <span class="katex"><math><annotation>\\(x\\)</annotation></math>'
            '<span>x</span></span> <code>\\(raw\\)</code> \\[y\\]</p>')
    assert visible_text(html) == "a x  \\[y\\]"


CHROMIUM_HINT = ("headless Chromium is needed for the browser test: install the Debian package "
                 "with `sudo apt-get install -y chromium` (tools/ensure-system-deps.sh, run by "
                 "`make test`, does it)")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if exe := shutil.which(name):
            return exe
    pytest.fail(CHROMIUM_HINT)


def _browser(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--no-first-run",
           f"--user-data-dir={profile}", "--virtual-time-budget=15000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


@pytest.mark.slow
@pytest.mark.parametrize("page", ["theory.html", "reproduction.html"])
def test_browser_renders_the_math(site, page, tmp_path):
    """Headless Chromium opens a built page from disk (no network): every formula is typeset
    by KaTeX, none fails, and no raw \\( or \\[ is left in the text a reader sees (the table
    of contents, whose entries hold math, included); a screenshot is taken too."""
    url = (site / page).as_uri()
    proc = _browser(["--dump-dom", url], tmp_path / "profile")
    dom = proc.stdout
    assert proc.returncode == 0 and "</html>" in dom, proc.stderr[-2000:]
    source = (site / page).read_text()
    formulas = source.count('class="arithmatex"')
    assert formulas >= 10
    assert dom.count('class="katex"') + dom.count('class="katex-display"') >= formulas
    assert "katex-error" not in dom
    text = visible_text(dom)
    raw = [text[max(0, m.start() - 30):m.start() + 30] for m in re.finditer(r"\\[(\[]", text)]
    assert raw == []
    shot = tmp_path / "page.png"
    proc = _browser([f"--screenshot={shot}", "--window-size=1200,1600", url],
                    tmp_path / "profile2")
    assert shot.exists() and shot.stat().st_size > 20_000, proc.stderr[-2000:]


# ----------------------------------------------------------- what the pages say is generated
GALLERY = DOCS / "gallery"


def _summary() -> dict:
    path = GALLERY / "summary.json"
    assert path.exists(), "docs/gallery/summary.json is missing: rollingball paper all --docs docs"
    return json.loads(path.read_text())


def test_reproduction_page_is_generated_from_the_summary():
    """docs/reproduction.md is exactly the report of the summary committed beside its images."""
    page = (DOCS / "reproduction.md").read_text()
    assert page == reproduction_report(_summary(), docs=True), (
        "docs/reproduction.md is stale: rerun `rollingball paper all --docs docs`")


def test_home_page_findings_are_generated_from_the_summary():
    text = (DOCS / "index.md").read_text()
    inside = text.partition(FINDINGS_BEGIN)[2].partition(FINDINGS_END)[0]
    assert inside.strip() == findings(_summary()).strip()
    assert "too costly" not in text                    # the report has the RBO runs of Fig. 4
    fig4 = _summary()["fig4"]["forms"]
    assert all(any(c["variant"] == "rbo" for c in fs["counts"]) for fs in fig4.values())


def test_the_summary_is_the_full_settings():
    """The docs show the paper's settings, not a --quick run."""
    s = _summary()
    assert not any(s.get("quick", {}).values())
    assert s["fig3"]["settings"]["steps"] == 2000 and s["fig4"]["settings"]["n"] == 1000


def _mp4_seconds(path: Path) -> float:
    """The duration in the movie header (mvhd) of an MP4 file."""
    data = path.read_bytes()
    i = data.find(b"mvhd")
    assert i > 0
    if data[i + 4] == 1:                               # version 1: 64-bit times
        scale, duration = struct.unpack(">IQ", data[i + 24:i + 36])
    else:
        scale, duration = struct.unpack(">II", data[i + 16:i + 24])
    return duration / scale


def test_gallery_says_how_long_the_clip_is():
    text = (DOCS / "gallery.md").read_text()
    stated = re.findall(r"([\d.]+) seconds long", text)
    assert len(stated) == 1
    assert float(stated[0]) == round(_mp4_seconds(GALLERY / "clip_RollingBall.mp4"), 1)
    assert "four-second" not in text and "gradient descent from the ten starts" not in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_images_and_media_exist(page):
    text = page.read_text()
    targets = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text) + re.findall(r'src="([^"]+)"', text)
    for target in targets:
        assert not _external(target), target
        assert (DOCS / target).exists(), f"{page.name}: {target} is missing"


def _guide_commands() -> list[str]:
    lines = []
    for body in blocks(DOCS / "guide.md", "bash"):
        for line in body.splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("rollingball "):
                lines.append(line)
    return lines


def test_guide_covers_every_command():
    """Each command of `rollingball --help` has a row in the guide's table and an example,
    and every example parses with the real command line (options and choices exist)."""
    text = (DOCS / "guide.md").read_text()
    examples = _guide_commands()
    parser = build_parser()
    for cmd in COMMANDS:
        assert f"| `{cmd}` |" in text, f"the guide's table lacks `{cmd}`"
        assert any(e.split()[1] == cmd for e in examples), f"no example of `rollingball {cmd}`"
    for line in examples:
        try:
            parser.parse_args(shlex.split(line)[1:])
        except SystemExit as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"the guide's example does not parse: {line}") from exc


def test_license_and_citation():
    """LICENSE is the MIT text pyproject names; CITATION.cff is valid CFF for this version and
    cites the paper with its five authors."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "MIT"
    lic = (ROOT / "LICENSE").read_text()
    assert lic.startswith("MIT License") and "THE SOFTWARE IS PROVIDED \"AS IS\"" in lic
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT"
    assert cff["version"] == meta["version"]
    assert {"message", "title", "authors"} <= set(cff)
    paper = cff["preferred-citation"]
    assert paper["title"].startswith("Navigating loss manifolds via rigid body dynamics")
    assert [a["family-names"] for a in paper["authors"]] == [
        "Belgoumri", "Bouadjenek", "Hacid", "Razzak", "Aryal"]


def test_reports_are_plain_markdown():
    """The report beside the figures is portable: no MkDocs-only syntax, no link to a file of
    the docs; the docs version links its theory and errata sections, which exist."""
    s = _summary()
    plain = reproduction_report(s)
    docs = reproduction_report(s, docs=True)
    for text in (plain, docs):
        assert not re.search(r"^\s*(!!!|\?\?\?|===)", text, re.M)
    assert not re.search(r"\]\((?!fig)[^)]*\)", plain)            # only the figures beside it
    for page, anchor in re.findall(r"\]\((\w+\.md)#([\w-]+)\)", docs):
        heads = [re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-")
                 for h in re.findall(r"^#+ (.*)$", (DOCS / page).read_text(), re.M)]
        assert anchor in heads, (page, anchor)


def test_errata_numbers_are_the_reports():
    """The errata's measured violations of Algorithm 1 on Figure 3 are the summary's."""
    text = " ".join((DOCS / "errata.md").read_text().split())
    m = re.search(r"Algorithm 1 with the \*exact\* projection is ([\d., and]+) for \$\\rho\$ = "
                  r"([\d., and]+);", text)
    assert m, "the errata's sentence on Figure 3's violations changed: update this test"
    stated = [float(v) for v in re.findall(r"[\d.]*\d", m.group(1))]
    radii = [float(v) for v in re.findall(r"[\d.]*\d", m.group(2))]
    v = _summary()["fig3"]["variants"]
    assert radii == [r["radius"] for r in v["alg1/exact"]]
    assert stated == [float(f"{r['max_violation']:.2g}") for r in v["alg1/exact"]]
    assert all(0.9 <= r["max_violation"] / r["radius"] <= 1.05 for r in v["alg1/paper"])
    assert "stays below $10^{-15}$" in text
    assert max(r["max_violation"] for r in v["rbo"]) < 1e-15
