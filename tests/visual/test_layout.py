"""Layout audit of every scene: at the end of every beat (the sampled times), the text and
formula mobjects do not overlap each other and stay inside the frame with a margin, and no
label sits on a drawn ball.  Bounding boxes in scene units, from the mobjects themselves."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")

from manim import Circle, MathTex, Mobject, Sphere, Text, tempconfig  # noqa: E402

from rollingball import storyboard  # noqa: E402
from rollingball.cli.render import load_scene  # noqa: E402
from rollingball.scenes._common import PAL, THEMES  # noqa: E402

pytestmark = pytest.mark.render

#: Margin (scene units) every label keeps from the frame's edge.
MARGIN = 0.08
#: Two boxes overlap when they share more than this (scene units) in both directions.
SLACK = 0.02
#: Small options per scene: each renders in seconds.
TINY = {
    "RollingBall": dict(steps=12, duration=0.5),
    "UpdateStep": dict(duration=0.2),
    "Ironing": dict(radius=[0.1, 0.4], duration=0.2),
    "Unreachable": dict(radius=[0.5, 1.5], duration=0.2),
    "Exploration": dict(loss="gaussian_wells:n=20,sigma=0.3", steps=3, radius=[0.5, 2.0],
                        duration=0.3),
    "RollingBall3D": dict(steps=3, duration=0.3),
}
SLOW = {"Exploration", "RollingBall3D"}


@pytest.fixture(autouse=True)
def _low_quality(tmp_path, tex_cache, monkeypatch):
    monkeypatch.setenv("ROLLINGBALL_LATEX", "0")
    monkeypatch.delenv(storyboard.ENV_OPTIONS, raising=False)
    cfg = {"quality": "low_quality", "frame_rate": 2, "media_dir": str(tmp_path),
           "tex_dir": str(tex_cache), "write_to_movie": False, "save_last_frame": False,
           "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}
    with tempconfig(cfg):
        yield


def _visible(m: Mobject) -> bool:
    fam = m.get_family()
    op = [float(np.max(x.get_fill_opacity())) for x in fam if len(x.points)]
    op += [float(np.max(x.get_stroke_opacity())) for x in fam if len(x.points)]
    return bool(op) and max(op) > 0.05


def labels(scene) -> list[tuple[str, np.ndarray]]:
    """The outermost visible Text / MathTex mobjects on screen as ``(text, box)``, with
    ``box = [[xmin, ymin], [xmax, ymax]]``."""
    out, seen = [], set()

    def walk(m):
        if id(m) in seen:
            return
        seen.add(id(m))
        if isinstance(m, (Text, MathTex)):
            if _visible(m) and m.width > 0:
                text = getattr(m, "text", None) or getattr(m, "tex_string", "?")
                lo, hi = m.get_corner(np.array([-1, -1, 0])), m.get_corner(np.array([1, 1, 0]))
                out.append((text, np.array([lo[:2], hi[:2]])))
            return
        for s in m.submobjects:
            walk(s)

    fixed = getattr(scene.camera, "fixed_in_frame_mobjects", None)
    for m in scene.mobjects:
        if fixed is None or m in fixed:  # 3-D: only the labels fixed in the frame are on
            walk(m)                      # screen where their coordinates say
    return out


def balls(scene) -> list[tuple[np.ndarray, float]]:
    """The drawn balls (circles of the scene's ``ball``-like attributes) as (centre, radius)."""
    out = []
    for name in ("ball", "new_ball"):
        b = getattr(scene, name, None)
        if isinstance(b, Circle) and b in scene.mobjects or (
                isinstance(b, Circle) and any(b in m.get_family() for m in scene.mobjects)):
            if _visible(b):
                out.append((b.get_center()[:2], b.width / 2))
    return out


def problems(scene) -> list[str]:
    """What is wrong with the layout on screen now."""
    fw, fh = scene.camera.frame_width, scene.camera.frame_height
    bad = []
    items = labels(scene)
    for text, (lo, hi) in items:
        if lo[0] < -fw / 2 + MARGIN or hi[0] > fw / 2 - MARGIN or lo[1] < -fh / 2 + MARGIN \
                or hi[1] > fh / 2 - MARGIN:
            bad.append(f"{text!r} leaves the frame's margin: {lo.round(2)}..{hi.round(2)}")
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            (a, (alo, ahi)), (b, (blo, bhi)) = items[i], items[j]
            ox = min(ahi[0], bhi[0]) - max(alo[0], blo[0])
            oy = min(ahi[1], bhi[1]) - max(alo[1], blo[1])
            same = a == b and np.allclose(alo, blo) and np.allclose(ahi, bhi)
            if ox > SLACK and oy > SLACK and not same:  # (one glyph held twice is not seen)
                bad.append(f"{a!r} overlaps {b!r} ({ox:.2f} x {oy:.2f})")
    if not isinstance(getattr(scene, "sphere", None), Sphere):
        for c, r in balls(scene):
            for text, (lo, hi) in items:
                q = np.clip(c, lo, hi)  # nearest point of the box to the centre
                if np.linalg.norm(q - c) < r - SLACK and not _is_centre_tag(text):
                    bad.append(f"{text!r} sits on a ball (centre {c.round(2)}, r {r:.2f})")
    return bad


def _is_centre_tag(text: str) -> bool:
    """The radius label rho nu sits on the normal, inside its ball by nature."""
    return text.replace(" ", "") in ("ρν", r"\rho\,\nu")


def audited(name: str, **options):
    """Render scene ``name``, auditing the layout at the end of every beat."""
    base = load_scene(name)

    class Audited(base):
        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            self.audit.append((self.current_beat, problems(self)))
            self.parts.append(len(self.beats_taken))  # the slide this play belongs to

    Audited.__name__ = name
    scene = Audited(options=options)
    scene.audit, scene.parts = [], []
    scene.render()
    return scene


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in storyboard.SCENES])
def test_layout_audit(name, theme):
    scene = audited(name, **TINY[name], extra={"theme": theme})
    assert PAL.theme == theme and scene.camera.background_color == THEMES[theme]["BACKGROUND"]
    assert len(scene.audit) >= 3
    found = [f"[{beat}] {p}" for beat, ps in scene.audit for p in ps]
    assert found == [], "\n".join(found)
    # the beats (the slide deck's pauses): every part, the opening one before the first beat
    # included, has an animation, so a deck has len(beats_taken) + 1 slides, none empty
    assert len(scene.beats_taken) >= 2
    assert sorted(set(scene.parts)) == list(range(len(scene.beats_taken) + 1))
