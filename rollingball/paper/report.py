r"""Generated documentation: the theory page's formulas and the reproduction report.

Two generators, both pure functions of the package's own output:

* :func:`theory_formulas` prints, as LaTeX, the exact formulas SymPy derives for
  the catalog losses (unit normal :math:`\nu`, Eq. 1; lifted tangent :math:`\tau`,
  Eq. 2; curvature :math:`\kappa`; offset point :math:`c = p + \rho\nu`, Eq. 6).
  ``docs/theory.md`` carries them between two markers; the test suite checks that
  the page holds exactly what the package derives today
  (:func:`update_theory_page` rewrites the block).
* :func:`reproduction_report` turns the figure data of :mod:`rollingball.paper.figures`
  into Markdown: each claim of the paper beside what the package measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp

from rollingball.paper.figure3 import FIG3_NAMES
from rollingball.symbolic.landscape import RHO, Landscape

__all__ = ["theory_formulas", "update_theory_page", "BEGIN", "END", "reproduction_report",
           "findings", "replace_block", "FINDINGS_BEGIN", "FINDINGS_END"]

BEGIN = "<!-- BEGIN generated formulas: rollingball.paper.report.theory_formulas() -->"
END = "<!-- END generated formulas -->"

_LOSSES = ("sine", "parabola")


def theory_formulas(losses: tuple[str, ...] = _LOSSES) -> str:
    r"""Markdown with the exact formulas of each catalog loss in ``losses``.

    For each loss: :math:`f`, :math:`\nu`, :math:`\tau`, :math:`\kappa`,
    :math:`c(\theta,\rho)` and the regularity factor :math:`1-\rho\kappa` of the
    offset curve, each printed by :func:`sympy.latex` from
    :class:`~rollingball.symbolic.landscape.Landscape`.

    >>> "\\cos^{2}" in theory_formulas(("sine",))
    True
    """
    out = []
    for name in losses:
        L = Landscape(name)
        if L.dim != 1:
            raise ValueError(f"theory_formulas takes 1-D losses, {name!r} is {L.dim}-D")
        rows = [
            ("f", L.expr),
            (r"\nu \text{ (Eq. 1)}", sp.simplify(L.normal.T)),
            (r"\tau \text{ (Eq. 2)}", L.tangent.T),
            (r"\kappa", sp.simplify(L.curvature)),
            (r"c(\theta, \rho) = p + \rho\nu", sp.simplify(L.offset_point.T)),
            (r"1 - \rho\kappa", sp.simplify(1 - RHO * L.curvature)),
        ]
        out.append(f"**{name}** (variable ${sp.latex(L.variables[0])}$):\n")
        for label, expr in rows:
            out.append(f"$$\n{label} = {sp.latex(expr)}\n$$\n")
    return "\n".join(out)


def update_theory_page(path: str | Path) -> bool:
    """Rewrite the generated block of ``path`` (docs/theory.md); True if it changed."""
    path = Path(path)
    text = path.read_text()
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"{path} lacks the markers {BEGIN!r} ... {END!r}")
    new = f"{head}{BEGIN}\n\n{theory_formulas()}\n{END}{tail}"
    if new != text:
        path.write_text(new)
        return True
    return False


def _e(x) -> str:
    """A number for a table: 3 significant digits, scientific when small."""
    if x is None:
        return "n/a"
    x = float(x)
    if x != x:
        return "n/a"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e6:
        return str(int(x))
    if abs(x) < 1e-3 or abs(x) >= 1e4:
        return f"{x:.1e}"
    return f"{x:.3g}"


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


#: Sections of the documentation the report refers to: key -> (page, anchor, title).
_REFS = {
    "ironing": ("theory.md", "ironing-deltarho-for-the-sine",
                "Theory, Ironing: Delta(rho) for the sine"),
    "unreachable": ("errata.md", "algorithm-1-breaks-the-invariant-at-unreachable-footpoints",
                    "Errata, Algorithm 1 breaks the invariant at unreachable footpoints"),
    "published": ("errata.md", "the-authors-public-code-is-not-algorithm-1",
                  "Errata, The authors' public code is not Algorithm 1"),
}


@dataclass(frozen=True)
class _Where:
    """Where the report is read: image prefix and format, and whether links may leave it."""

    images: str = ""
    ext: str = "png"
    docs: bool = False

    def ref(self, key: str, word: str) -> str:
        """A documentation section: a link in the docs, its plain title elsewhere."""
        page, anchor, title = _REFS[key]
        if self.docs:
            return f"([{word}]({page}#{anchor}))"
        return f"(documentation: *{title}*)"

    def study(self) -> str:
        """The sentence that sends the reader to the Fig. 4 study: a link to ``study.md`` in
        the docs, the command that writes it elsewhere (no link leaves the report's folder)."""
        what = ("asks the same question of many more starts, with binomial confidence "
                "intervals per radius and for three decaying radius schedules (its sample sizes, "
                "and what they cannot settle, are stated there)")
        if self.docs:
            return f"The [study of Figure 4's landscape](study.md) {what}."
        return ("The study of Figure 4's landscape (the documentation's *Study* page, written "
                "by `python -m rollingball.study fig4 --out studies/fig4 --docs docs/study.md` "
                f"in a checkout) {what}.")

    def image(self, alt: str, stem: str) -> str:
        """An image beside the report: ``![alt](images + stem.ext)``."""
        return f"![{alt}]({self.images}{stem}.{self.ext})"


def reproduction_report(summary: dict, images: str | None = None, *, docs: bool = False,
                        ext: str = "png") -> str:
    """The reproduction report (plain Markdown) from the figures' summaries.

    One text for both places it is read: ``DIR/reproduction.md`` beside the figures
    (``docs=False``: images beside it, no link to a file outside ``DIR``) and the
    documentation's ``docs/reproduction.md`` (``docs=True``: images under ``gallery/``,
    references to the theory and errata pages as links).  Only CommonMark plus tables.

    Args:
        summary: ``{"fig2": ..., "fig3": ..., "fig4": ..., "quick": {...}}`` as written by
            ``rollingball paper`` into ``summary.json`` (any figure may be missing).
        images: prefix of the figure files in image links (default: "" beside the report,
            "gallery/" in the docs).
        docs: the documentation's version (links to its other pages).
        ext: the image format the links point to (``png``, ``svg``, ``pdf``).

    Returns:
        Markdown: per figure, the paper's claims beside the measured numbers, the
        invariant violation of every run and an explanation wherever they disagree.
    """
    if images is None:
        images = "gallery/" if docs else ""
    where = _Where(images, ext, docs)
    out = ["# Reproduction report\n",
           "Generated by `rollingball paper all --out DIR` (written to `DIR/reproduction.md`; "
           "the data are in `DIR/summary.json` and the CSV files beside it). "
           "*Invariant violation* is $\\max_t |d_\\Gamma(c_t) - \\rho|$, the distance of the "
           "centre to the graph measured by an independent global distance evaluation, "
           "not by the projection's own number.\n"]
    quick = {k for k, v in summary.get("quick", {}).items() if v}
    if quick:
        out.append(f"> **Reduced settings.** {', '.join(sorted(quick))} "
                   "ran with reduced settings (`--quick`): fewer radii, steps, terms or "
                   "wells than the paper. The numbers below are those of the reduced runs.\n")
    out.append(_fig2(summary.get("fig2"), where))
    out.append(_fig3(summary.get("fig3"), where))
    out.append(_fig4(summary.get("fig4"), where))
    return "\n".join(out)


def _verdict(ok: bool) -> str:
    return "agrees" if ok else "**disagrees**"


def _fig2(s: dict | None, w: _Where) -> str:
    head = "## Figure 2\n\n"
    if not s:
        return head + "Not generated in this run (`rollingball paper fig2`).\n"
    plateau_ok = s["plateau_error"] <= 1e-9
    slope = s["decay_slope"]
    slope_ok = abs(slope + 1) <= 0.05
    lo, hi = s["decay_fit_range"]
    rows = [
        ["plateau: every $\\rho$ below 1 behaves like $\\rho = 0$ ($\\Delta = 2$)",
         f"$\\max \\lvert\\Delta - 2\\rvert$ = {_e(s['plateau_error'])} over the "
         f"{s['plateau_radii']} radii "
         f"$\\rho \\le \\rho_c$", _verdict(plateau_ok)],
        ["a phase transition at the critical radius $\\rho_c$ (the reach)",
         f"$\\rho_c$ = {_e(s['critical_radius'])} (exact: curvature 1 at the troughs); "
         "$\\Delta$ strictly decreasing above it: "
         f"{'yes' if s['strictly_decreasing_above_rc'] else 'no'}",
         _verdict(bool(s["strictly_decreasing_above_rc"]))],
        ["$\\Delta(\\rho)$ behaves like $1/\\rho$ for large $\\rho$",
         f"log-log slope {slope:.4f} fitted on $\\rho \\in [{_e(lo)}, {_e(hi)}]$; "
         f"$\\Delta / (9\\pi^2/8\\rho)$ = {s['ratio_to_asymptote_at_largest']:.4f} at "
         f"$\\rho$ = {_e(s['largest_radius'])}", _verdict(slope_ok)],
    ]
    text = head + _table(["claim (Section 5.1)", "measured", "verdict"], rows)
    text += ("\nThe offset is exact (no projection is involved). With the sup restricted to "
             "$[-3\\pi, 3\\pi]$, the constant of the decay is set by the domain's edge: the ball "
             "above $x = -3\\pi$ leans on the crest at $-3\\pi/2$ only, so "
             "$\\Delta \\approx 9\\pi^2/(8\\rho)$ rather than "
             "the periodic sine's $\\pi^2/(2\\rho)$ "
             f"{w.ref('ironing', 'theory')}. The same edge makes the "
             "shelf $\\Delta \\approx 1$ between $\\rho \\approx 5$ and "
             "$\\rho = ((3\\pi/2)^2+1)/2 \\approx 11.6$: there the lowest ball rests on the "
             "graph's cut end $(-3\\pi, 0)$, at height about $\\rho$, below the crests' "
             "$1+\\rho$; beyond 11.6 the crest at $-3\\pi/2$ lifts it.\n\n"
             + w.image("Figure 2", "fig2") + "\n")
    return text




def _fig3(s: dict | None, w: _Where) -> str:
    head = "## Figure 3\n\n"
    if not s:
        return head + "Not generated in this run (`rollingball paper fig3`).\n"
    st = s["settings"]
    co = s["coarsening"]
    text = head + (
        f"Eq. 13 with {st['n']} terms, $\\theta_0$ = {st['x0']}, $\\eta$ = {st['lr']}, "
        f"{st['steps']} steps; the paper's projection with $\\gamma$ = {st['gamma']}, "
        f"$P$ = {st['proj_steps']}.\n\n")
    offs = co["offset"]
    falling = all(b < a for a, b in zip([co["graph"], *offs], offs, strict=False))
    rows = [["Increasing $\\rho$ gives coarser images of the loss landscape",
             "roughness (total variation per unit length) of the offset $f_\\rho$ on "
             f"$[{co['interval'][0]:g}, {co['interval'][1]:g}]$: graph {_e(co['graph'])}, "
             + ", ".join(f"$\\rho$={_e(r)}: {_e(v)}" for r, v in zip(co["radii"], offs,
                                                                    strict=True)),
             _verdict(falling)]]
    text += _table(["claim (Section 5.1)", "measured", "verdict"], rows)
    if s.get("note"):
        text += f"\n> **Note.** {s['note']}\n"
    text += ("\nThe offset — the surface the centre must stay on — "
             + ("does coarsen with $\\rho$, exactly as Section 4.2 says."
                if falling else "does not coarsen at every radius measured here.")
             + " Whether a *trajectory* shows it depends on the algorithm:\n\n")
    hdr = ["run", "$\\rho$", "invariant violation", "$\\theta$ range", "final $\\theta$",
           "largest jump", "path roughness"]
    rows = []
    for key, runs in s["variants"].items():
        for r in runs:
            rows.append([FIG3_NAMES.get(key, key), _e(r["radius"]), _e(r["max_violation"]),
                         f"[{r['theta_min']:.3f}, {r['theta_max']:.3f}]",
                         f"{r['theta_final']:.4f}", _e(r["largest_jump"]), _e(r["roughness"])])
    text += _table(hdr, rows)
    v = s["variants"]
    a1 = [r for k in ("alg1/paper", "alg1/exact") for r in v.get(k, [])]
    broken = bool(a1) and all(r["max_violation"] > 1e-6 for r in a1)
    kept = "rbo" in v and all(r["max_violation"] <= 1e-12 for r in v["rbo"])
    text += (
        "\n*Path roughness*: total variation of the centre height per unit of horizontal "
        "travel. *Invariant violation*: $\\max_t|d_\\Gamma(c_t)-\\rho|$.\n\n"
        "**Where they disagree, and why.**\n\n"
        + ("* *Algorithm 1* (either projection) breaks the invariant at every radius: the "
           if broken else "* Where *Algorithm 1* breaks the invariant (the table): the ")
        + "critical radius of Eq. 13 is about $5\\times10^{-6}$, so nearly every nearest "
        "point lies in a valley narrower than the ball, and re-placing the ball at "
        "$p+\\rho\\nu(p)$ there cuts it into the graph "
        f"{w.ref('unreachable', 'errata')}. "
        "The exact projection does not cure this. The paper's 20 fixed steps add their own "
        "error on top: a gradient step of size $\\gamma$ on $\\tfrac12 g$ is stable only "
        "while $\\gamma\\,(1+f'^2) < 2$, and Eq. 13's slope reaches 100, so with "
        "$\\gamma = 0.05$ the steps overshoot, the footpoint jumps by whole units and the "
        "centre ends up on the graph (violation about $\\rho$).\n"
        + ("* The *offset-keeping RBO* keeps $d_\\Gamma(c_t) = \\rho$ to rounding. "
           if kept else "* The *offset-keeping RBO* should keep $d_\\Gamma(c_t) = \\rho$ "
           "(here it does not everywhere: the table). ")
        + "Its centre "
        "rolls down the ironed landscape $f_\\rho$ and stops in the first minimum of "
        "$f_\\rho$: with $\\eta = 10^{-3}$ it travels a short way, not across the whole "
        "window the paper's panels show.\n")
    if "published" in s["variants"]:
        pub = s["variants"]["published"]
        text += (
            "* *As published*: the authors' script (wrong derivative, centre beside the "
            "point, projection started at the centre) walks every radius from 2 to "
            + ", ".join(f"{r['theta_final']:.2f}" for r in pub)
            + " with largest footpoint jumps "
            + ", ".join(_e(r["largest_jump"]) for r in pub)
            + (", growing with $\\rho$" if all(
                b["largest_jump"] > a["largest_jump"] for a, b in zip(pub, pub[1:],
                                                                      strict=False))
               else "")
            + ": the polyline of centres is the *graph* sampled ever "
            "more sparsely. This explains the look of the paper's Figure 3 — panels that "
            "all span $\\theta\\in[0, 2]$ and grow coarser with $\\rho$ while keeping the "
            "global shape — as a sampling artefact of the script, not the ironing of "
            f"Section 4.2 {w.ref('published', 'errata')}. "
            "Its invariant violations are in the table.\n")
    text += "\n" + "\n\n".join(
        w.image(f"Figure 3, {FIG3_NAMES.get(k, k)}", f"fig3_{k.replace('/', '_')}")
        for k in s["variants"]) + "\n"
    return text


def _ironed_bottom(s: dict) -> str:
    """Where the offset-keeping RBO's centres gather at one point for a radius: say where,
    and how far that is from the global minimiser (the reason such runs miss the basin)."""
    parts = []
    for form, fs in s["forms"].items():
        rows = [c for c in fs["counts"] if c["variant"] == "rbo" and "final_centre" in c
                and c["final_spread"] <= 0.05]
        if not rows:
            continue
        xc = np.mean([c["final_centre"] for c in rows], axis=0)
        far = float(np.linalg.norm(xc - np.asarray(fs["minimiser"])))
        radii = ", ".join(f"{c['radius']:g}" for c in rows)
        parts.append(f"with the {form} wells, at $\\rho$ = {radii} all "
                     f"{rows[0]['starts']} centres end within "
                     f"{max(c['final_spread'] for c in rows):.2g} of ({xc[0]:.3f}, {xc[1]:.3f}), "
                     f"{far:.2f} from the global minimiser")
    if not parts:
        return ""
    return (" Its balls end resting on several contacts at once, and their centres gather at "
            "the bottom of the ironed landscape $f_\\rho$: " + "; ".join(parts) + ". That "
            "point is not in the global basin of $f$: the ball irons the deepest well away "
            "together with the others, so the claim fails for the exact algorithm by "
            "construction, not by a numerical accident.")


def _fig4(s: dict | None, w: _Where) -> str:
    head = "## Figure 4\n\n"
    if not s:
        return head + "Not generated in this run (`rollingball paper fig4`).\n"
    st = s["settings"]
    text = head + (
        f"Eq. 14 with {st['n']} wells, $\\sigma$ = {st['sigma']}, {len(st['starts'])} starts "
        f"on a circle of radius 0.1 around ({st['starts'][0][0] - 0.1:.2f}, "
        f"{st['starts'][0][1]:.2f}) "
        f"(the package's own seed: the paper's centres are not published), {st['steps']} "
        f"steps, $\\eta$ = {st['lr']}; the paper's projection with $P$ = {st['proj_steps']}, "
        f"$\\gamma$ = {st['gamma']}. A run *reaches the global basin* when gradient descent "
        "started from its final position ends at the global minimiser (within "
        f"{st['basin_tol']}): the literal basin of attraction. It is counted by the centre's "
        "horizontal position and by the footpoint; they differ when the ball rests on a "
        "ring of contacts (a wide ball in the bowl touches it on a circle, far from the "
        "bottom).\n\n")
    claims = []
    for form, fs in s["forms"].items():
        text += (f"### Wells as {'printed in Eq. 14' if form == 'paper' else 'in the public code'}"
                 f" (`form=\"{form}\"`)\n\nGlobal minimiser "
                 f"({fs['minimiser'][0]:.3f}, {fs['minimiser'][1]:.3f}), "
                 f"$f$ = {fs['min_value']:.4f}.\n\n")
        rows = []
        for c in fs["counts"]:
            rows.append([c["variant"], _e(c["radius"]) if c["variant"] != "gd" else "-",
                         f"{c['reached_by_centre']}/{c['starts']}",
                         f"{c['reached_by_footpoint']}/{c['starts']}",
                         c["resting_on_two"], _e(c["max_violation"]), _e(c["mean_travel"]),
                         c["not_ok"]])
        text += _table(["run", "$\\rho$", "basin by centre", "basin by footpoint",
                        "resting on two", "invariant violation", "mean travel",
                        "stopped"], rows) + "\n"
        for variant in dict.fromkeys(c["variant"] for c in fs["counts"]):
            cs = [c for c in fs["counts"] if c["variant"] == variant]
            if variant == "gd":
                ok = cs[0]["reached_by_centre"] == 0
                claims.append([form, "gradient descent stays stuck",
                               f"{cs[0]['reached_by_centre']}/{cs[0]['starts']} reach",
                               _verdict(ok)])
                continue
            small = [c for c in cs if c["radius"] <= 3]
            large = [c for c in cs if c["radius"] >= 4]
            for by in ("centre", "footpoint"):
                k = f"reached_by_{by}"
                ok = all(c[k] == 0 for c in small) and all(c[k] == c["starts"] for c in large)
                got = ", ".join(f"$\\rho$={c['radius']:g}: {c[k]}" for c in cs)
                claims.append([form, f"{variant}, by {by}: $\\rho\\le3$ stuck, $\\rho\\ge4$ "
                               "reach the global basin", got, _verdict(ok)])
    if s.get("note"):
        text += f"> **Not measured here.** {s['note']}\n\n"
    text += "### The claim, run by run\n\n"
    text += _table(["wells", "claim (Section 5.2)", "measured (runs of 10 reaching)",
                    "verdict"], claims)
    measured_rbo = any(c["variant"] != "gd" for fs in s["forms"].values()
                       for c in fs["counts"])
    text += (
        "\n**" + ("Why they disagree where they do." if measured_rbo else "Centre or footpoint.")
        + "** The bowl $|\\theta|^2$ has curvature 2, "
        "so its critical radius is 1/2: every radius of Figure 4 is above it, and a ball of "
        "radius $\\rho$ at rest in the bowl touches it on a ring of radius "
        "$\\sqrt{4\\rho^2-1}/2$ (0.87 for $\\rho$ = 1, 4.97 for $\\rho$ = 5), with its centre "
        "above the bottom. Counting by footpoint therefore misses balls whose centre has "
        "arrived.")
    if measured_rbo:
        text += (
        " Algorithm 1 re-places such balls at a nearest point inside a narrow well "
        "and cuts them into the graph (the invariant violations above); the paper's "
        "projection, 100 steps of 0.001, closes only about $1-0.999^{100}\\approx 10\\%$ of "
        "the gap to the nearest point per RBO step, so its runs are mostly the drift of that "
        "error. "
        "The offset-keeping RBO keeps the invariant and is the only run whose centre is a "
        "ball resting on the landscape." + _ironed_bottom(s))
    text += "\n\n" + w.study()
    text += "\n\n" + "\n\n".join(w.image(f"Figure 4, {form} wells", f"fig4_{form}")
                                 for form in s["forms"]) + "\n"
    return text


FINDINGS_BEGIN = "<!-- BEGIN generated findings: rollingball.paper.report.findings() -->"
FINDINGS_END = "<!-- END generated findings -->"


def findings(summary: dict, *, docs: bool = True) -> str:
    """The short list of what the reproduction found (the docs' home page), from the data.

    Every number is read from ``summary`` (``summary.json`` of ``rollingball paper``), and
    each sentence's direction (reproduces or not) follows the numbers, so the home page
    cannot contradict the report it summarises.
    """
    w = _Where("gallery/" if docs else "", "png", docs)
    out = []
    s2 = summary.get("fig2")
    if s2:
        lo, hi = s2["decay_fit_range"]
        ok = s2["plateau_error"] <= 1e-9 and abs(s2["decay_slope"] + 1) <= 0.05
        out.append(
            f"* **Figure 2 {'reproduces' if ok else 'does not reproduce'}.** "
            f"$\\max|\\Delta(\\rho) - 2|$ = {_e(s2['plateau_error'])} over the "
            f"{s2['plateau_radii']} radii $\\rho \\le {_e(s2['critical_radius'])}$ (the "
            "critical radius of the sine), then $\\Delta$ falls; the log-log slope over "
            f"$\\rho\\in[{_e(lo)}, {_e(hi)}]$ is ${s2['decay_slope']:.3f}$ (Lemma 2's "
            "$1/\\rho$ is $-1$), with the constant $9\\pi^2/8$ set by the domain's edge.")
    s3 = summary.get("fig3")
    if s3:
        co = s3["coarsening"]
        v = s3["variants"]
        falling = all(b < a for a, b in zip([co["graph"], *co["offset"]], co["offset"],
                                            strict=False))
        text = (f"* **Figure 3: the offset {'does' if falling else 'does not'} coarsen.** Its "
                f"total variation per unit length on $[{co['interval'][0]:g}, "
                f"{co['interval'][1]:g}]$ goes from {_e(co['graph'])} for the graph to "
                f"{_e(co['offset'][-1])} at $\\rho = {_e(co['radii'][-1])}$.")
        if "published" in v:
            jumps = [r["largest_jump"] for r in v["published"]]
            grows = all(b > a for a, b in zip(jumps, jumps[1:], strict=False))
            text += (" The authors' public script, which drew the paper's panels, is not "
                     "Algorithm 1: its largest footpoint jump "
                     f"{'grows' if grows else 'changes'} with $\\rho$ (from {_e(jumps[0])} "
                     f"to {_e(jumps[-1])}), so its coarse polylines are the graph sampled "
                     f"ever more sparsely {w.ref('published', 'errata')}.")
        out.append(text)
        a1 = [r for k in ("alg1/paper", "alg1/exact") for r in v.get(k, [])]
        if a1 and "rbo" in v:
            broken = all(r["max_violation"] > 1e-6 for r in a1)
            worst = max(v.get("alg1/exact", a1), key=lambda r: r["max_violation"])
            keep = max(r["max_violation"] for r in v["rbo"])
            out.append(
                f"* **Algorithm 1 {'breaks' if broken else 'does not always break'} its own "
                "invariant** on Eq. 13 "
                + ("at every radius of Figure 3, with the exact projection too "
                   if broken else "")
                + f"(up to {_e(worst['max_violation'])} at $\\rho = {_e(worst['radius'])}$); "
                f"the offset-keeping RBO keeps $|d_\\Gamma(c_t) - \\rho| \\le {_e(keep)}$.")
    s4 = summary.get("fig4")
    if s4:
        forms = s4["forms"]
        gd = [next(c for c in fs["counts"] if c["variant"] == "gd") for fs in forms.values()]
        stuck = all(c["reached_by_centre"] == 0 for c in gd)
        text = (f"* **Figure 4:** gradient descent {'stays stuck' if stuck else 'escapes'} "
                f"from {'all' if stuck else 'some of'} the {gd[0]['starts']} starts "
                f"for {' and '.join(f'the {f} wells' for f in forms)}"
                f"{', as the paper says' if stuck else ', unlike the paper'}.")
        rbo = [c for fs in forms.values() for c in fs["counts"] if c["variant"] != "gd"]
        if rbo:
            large = [c for c in rbo if c["radius"] >= 4]
            reach = sum(c["reached_by_centre"] for c in large)
            total = sum(c["starts"] for c in large)
            text += (f" The RBO runs with $\\rho \\ge 4$ (Algorithm 1 with both projections "
                     f"and the offset-keeping RBO) reach the global basin in {reach} of "
                     f"{total} runs (by the centre), where the paper reports all of them; "
                     "the report says why.")
        else:
            text += " The RBO runs of Figure 4 are not in this summary."
        out.append(text)
    if not out:
        return "No figure has been generated yet (`rollingball paper all --docs docs`).\n"
    return ("In short (details, settings and every number in the "
            + ("[reproduction report](reproduction.md)" if docs else "reproduction report")
            + "):\n\n" + "\n".join(out) + "\n")


def replace_block(text: str, begin: str, end: str, body: str, name: str = "page") -> str:
    """``text`` with what lies between the markers ``begin`` and ``end`` replaced by ``body``."""
    head, sep, rest = text.partition(begin)
    _, sep2, tail = rest.partition(end)
    if not sep or not sep2:
        raise ValueError(f"{name} lacks the markers {begin!r} ... {end!r}")
    return f"{head}{begin}\n\n{body}\n{end}{tail}"
