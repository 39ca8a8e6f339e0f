"""The Manim scenes: every scene renders at low quality, and what it draws is the engine's geometry.

Each test renders a scene with few steps at a low frame rate, then checks mobject geometry with
numpy in scene coordinates: the ball is a true circle tangent to the graph (within 1% of rho),
footpoints lie on the graph, the offset curve lies rho from the graph, arcs and heat maps are
drawn where the geometry modules say, the 3-D sphere touches the surface.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")

from manim import tempconfig  # noqa: E402

from rollingball import storyboard  # noqa: E402
from rollingball.cli.render import load_scene  # noqa: E402

pytestmark = pytest.mark.render


def make_scene(name: str, **options):
    """Render scene ``name`` with ``options`` (its constructor parameter) at low quality, 4 fps,
    no file; return the scene."""
    scene = load_scene(name)(options=options)
    scene.render()
    return scene


@pytest.fixture(autouse=True)
def _low_quality(tmp_path, tex_cache, monkeypatch):
    """Low quality, 4 fps, no file written; Text labels (the LaTeX path has its own tests)."""
    monkeypatch.setenv("ROLLINGBALL_LATEX", "0")
    monkeypatch.delenv(storyboard.ENV_OPTIONS, raising=False)
    cfg = {"quality": "low_quality", "frame_rate": 4, "media_dir": str(tmp_path),
           "tex_dir": str(tex_cache), "write_to_movie": False, "save_last_frame": False,
           "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}
    with tempconfig(cfg):
        yield


# ------------------------------------------------------------------ geometry helpers
def dist_to_polyline(points: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Euclidean distance of each point (K, 3) to the polyline through ``poly`` (M, 3)."""
    a, b = poly[:-1, :2], poly[1:, :2]
    ab = b - a
    p = np.atleast_2d(points)[:, None, :2]
    t = np.clip(np.sum((p - a) * ab, -1) / np.maximum(np.sum(ab * ab, -1), 1e-300), 0, 1)
    q = a + t[..., None] * ab
    return np.min(np.linalg.norm(p - q, axis=-1), axis=1)


def corners(vm) -> np.ndarray:
    """The corner points of a polyline VMobject (its anchors)."""
    return np.asarray(vm.get_anchors())


def circle_fit(circle) -> tuple[np.ndarray, float, float]:
    """Centre, mean radius and radius spread of a Circle's anchor points."""
    pts = np.asarray(circle.get_anchors())
    c = circle.get_center()
    r = np.linalg.norm(pts - c, axis=1)
    return c, float(r.mean()), float(r.std())


def check_ball(scene, ball, rho: float):
    """The ball is a true circle of radius rho (scene units) tangent to the drawn graph."""
    ux, uy = np.linalg.norm(scene.axes.c2p(1, 0) - scene.axes.c2p(0, 0)), \
        np.linalg.norm(scene.axes.c2p(0, 1) - scene.axes.c2p(0, 0))
    assert ux == pytest.approx(uy, rel=1e-9)  # equal unit lengths on both axes
    c, r, spread = circle_fit(ball)
    assert r == pytest.approx(rho * ux, rel=1e-3)
    assert spread < 1e-3 * r
    gap = dist_to_polyline(c, corners(scene.graph))[0]
    assert abs(gap - r) <= 0.01 * rho * ux, (gap, r)
    return c, r, ux


# ---------------------------------------------------------------------------- scenes
def test_rolling_ball_tangent_footpoint_offset():
    scene = make_scene("RollingBall", steps=12, lr=0.05, duration=1.0)
    d = scene.data
    rho = d.radius
    graph = corners(scene.graph)
    for t in (d.rbo.steps, 5.5, 0.0):  # an engine step, an in-between frame, the start
        scene.tracker.set_value(t)
        scene.place()
        c, r, u = check_ball(scene, scene.ball, rho)
        foot = scene.foot.get_center()
        assert dist_to_polyline(foot, graph)[0] <= 0.002 * rho * u  # footpoint on the curve
        assert np.linalg.norm(foot - c) == pytest.approx(r, rel=0.01)  # and on the circle
        assert np.allclose(scene.normal.get_start(), foot) and np.allclose(
            scene.normal.get_end(), c)
    # the dashed offset lies rho from the graph, above it
    pts = np.concatenate([corners(dash) for dash in scene.offset_curve.submobjects])
    lo, hi = graph[0, 0] + rho * u, graph[-1, 0] - rho * u  # contacts inside the drawn window
    pts = pts[(pts[:, 0] > lo) & (pts[:, 0] < hi)]
    assert len(pts) > 100
    gaps = dist_to_polyline(pts, graph)
    assert np.allclose(gaps, rho * u, rtol=0.01)
    assert np.all(pts[:, 1] > np.interp(pts[:, 0], graph[:, 0], graph[:, 1]))  # above
    # readout shows the engine's final state
    assert scene.readout.values[0].get_value() == pytest.approx(d.rbo.steps)
    st = d.frame(d.rbo.steps)
    assert scene.readout.values[1].get_value() == pytest.approx(st["theta"], abs=1e-3)
    # the ghost is gradient descent from the same start
    assert d.gd.theta[0] == pytest.approx(d.rbo.theta[0])
    # its beats: the contact first jumps into step 3 (no resting alternation in 12 steps)
    assert d.jumps.tolist() == [3]
    assert scene.beats_taken == ["start", "first contact change", "rest"] == list(scene.beats)


def test_update_step_anatomy():
    scene = make_scene("UpdateStep", duration=0.5)
    d, rho = scene.data, scene.opts.radius[0]
    graph = corners(scene.graph)
    u = scene.unit
    for ball in (scene.ball, scene.new_ball):
        check_ball(scene, ball, rho)
    # the candidate's ball cuts the graph (that is why it is projected)
    ct = scene.candidate.get_center()
    assert dist_to_polyline(ct, graph)[0] < rho * u * 0.99
    # p_{t+1} is the nearest graph point to the candidate, and lies on the graph
    pn = scene.dots["p_next"].get_center()
    assert dist_to_polyline(pn, graph)[0] <= 1e-3 * u
    assert np.linalg.norm(ct - pn) == pytest.approx(dist_to_polyline(ct, graph)[0], rel=0.01)
    # the arrow is -eta * tau(p_t), from the landscape's exact tangent
    L = scene.opts.landscape
    assert np.allclose(d.step, -scene.opts.lr * L.tangent_at(np.array(d.p[0])))
    assert np.allclose(d.c_tilde, d.c + d.step)
    assert scene.beats_taken == list(scene.beats) and len(scene.beats) == 4  # one per equation


def test_ironing_offsets_and_delta():
    scene = make_scene("Ironing", radius=[0.05, 0.3], duration=0.3)
    d = scene.data
    L = scene.opts.landscape
    for k, rho in enumerate(d.radii):
        # the ironed curve + rho is the upper offset: rho above the graph along the normal,
        # i.e. at distance exactly rho from it (loss coordinates; checked on 200 samples)
        idx = np.linspace(0, d.xs.size - 1, 200).astype(int)
        x, y = d.xs[idx], d.offsets[k, idx] + rho
        xs = np.linspace(d.xs[0], d.xs[-1], 40001)  # the offset of the graph over the domain
        poly = np.column_stack([xs, L.f(xs), np.zeros_like(xs)])
        gaps = dist_to_polyline(np.column_stack([x, y, 0 * x]), poly)
        assert np.allclose(gaps, rho, rtol=0.01, atol=2e-4)
        # and it is drawn where the data says (scene coordinates)
        drawn = corners(scene.offset_curves[k])
        want = scene.left_axes.c2p(d.xs[0], d.offsets[k, 0])
        assert np.allclose(drawn[0], want)
    # Delta(rho) of the sine: the plateau at 2 up to rho_c = 1, decreasing beyond
    assert d.critical_radius == pytest.approx(1.0, abs=1e-6)
    assert np.allclose(d.delta[d.delta_rho <= 1.0], 2.0, atol=1e-6)
    assert np.all(np.diff(d.delta[d.delta_rho > 1.0]) < 0)
    # the marked critical radius line sits at rho_c on the panel
    line = scene.critical_line
    assert line.get_start()[0] == pytest.approx(line.get_end()[0])
    assert scene.beats_taken == ["plateau", "critical radius", "decay", "the ironed loss"]


def test_unreachable_arcs_and_critical_radius():
    scene = make_scene("Unreachable", radius=[0.6, 1.6], duration=0.3)
    d = scene.data
    graph = corners(scene.graph)
    assert d.critical_radius == pytest.approx(1.0, abs=1e-6)
    # at the last radius (> rho_c) the arcs are the reach module's intervals, on the graph
    assert len(scene.arcs) == len(d.intervals[-1]) > 0
    for arc, (a, b) in zip(scene.arcs, d.intervals[-1], strict=True):
        pts = corners(arc)
        assert np.all(dist_to_polyline(pts, graph) < 2e-3 * scene.unit)
        ends = scene.axes.p2c(pts[0])[0], scene.axes.p2c(pts[-1])[0]
        assert ends == pytest.approx((a, b), abs=1e-6)
    check_ball(scene, scene.ball, 1.6)
    # below the critical radius there is nothing unreachable, and the ball reaches the trough
    scene.tracker.set_value(0.6)
    scene.place()
    assert len(scene.arcs) == 0
    assert scene.trough == pytest.approx(-np.pi / 2, abs=1e-6)  # the sine's trough
    assert scene.axes.p2c(scene.foot.get_center())[0] == pytest.approx(scene.trough, abs=1e-6)
    # the rho scale marks rho_c where it belongs
    assert scene.rc_mark.get_center()[0] == pytest.approx(scene.scale.n2p(1.0)[0], abs=1e-9)
    # radii 0.6 -> 1.6 only cross rho_c = 1: the "up to" beat has nothing to show
    assert scene.beats_taken == ["the ball and the radius scale", "past the critical radius"]


@pytest.mark.slow
def test_exploration_heat_map_and_trails():
    scene = make_scene("Exploration", loss="gaussian_wells:n=30,sigma=0.3", steps=3,
                       radius=[1.0], duration=0.5)
    d = scene.data
    assert d.starts.shape == (10, 2)
    rgb = scene.heat_rgb
    assert rgb.shape[:2] == d.values.shape and rgb.std() > 10  # not empty, not flat
    frame = scene.renderer.get_frame()
    panel = scene.panels[0]["frame"]
    h, w = frame.shape[:2]
    x0, y0 = panel.get_corner(np.array([-1, 1, 0]))[:2]
    x1, y1 = panel.get_corner(np.array([1, -1, 0]))[:2]
    fw, fh = scene.camera.frame_width, scene.camera.frame_height
    cols = slice(int((x0 / fw + 0.5) * w) + 3, int((x1 / fw + 0.5) * w) - 3)
    rows = slice(int((0.5 - y0 / fh) * h) + 3, int((0.5 - y1 / fh) * h) - 3)
    crop = frame[rows, cols, :3].astype(float)
    assert crop.std() > 10  # the heat map is drawn in the rendered frame
    for p in scene.panels:  # every trail ends at the engine's last iterate
        for tr, head in zip(p["runs"], p["heads"], strict=True):
            assert np.allclose(head.get_center(), p["to_panel"](tr.theta[-1]), atol=1e-9)
    assert list(d.runs) == ["GD", "rho=1"]
    assert scene.beats_taken == list(scene.beats)


@pytest.mark.slow
def test_rolling_ball_3d_sphere_touches_surface():
    scene = make_scene("RollingBall3D", steps=3, duration=0.5)
    d, L = scene.data, scene.opts.landscape
    rho, u = d.radius, scene.unit
    ax = scene.axes
    o = ax.c2p(0, 0, 0)
    units = [np.linalg.norm(ax.c2p(*e) - o) for e in np.eye(3)]
    assert np.allclose(units, u, rtol=1e-9)  # equal unit lengths on x, y and z
    c = scene.sphere.get_center()
    assert scene.sphere.width / 2 == pytest.approx(rho * u, rel=0.02)
    # distance from the sphere's centre to the surface, by brute force on a fine grid
    cc = np.array(ax.p2c(c))
    g = np.linspace(-1.5 * rho, 1.5 * rho, 601)
    X, Y = np.meshgrid(cc[0] + g, cc[1] + g)
    Z = L.f(np.stack([X, Y], -1))
    dist = np.min(np.sqrt((X - cc[0]) ** 2 + (Y - cc[1]) ** 2 + (Z - cc[2]) ** 2))
    assert dist == pytest.approx(rho, rel=0.01)
    foot = np.array(ax.p2c(scene.foot.get_center()))
    assert foot[2] == pytest.approx(float(L.f(foot[:2])), abs=1e-9)  # footpoint on the surface
    assert scene.beats_taken == ["the sphere", "rolling", "the last look"]


# ---------------------------------------------------------------------- progress
def test_progress_names_the_data_phase_and_the_beats(capfd):
    """The data phase prints a line in the scene's words; the bars name the beats, not
    Manim's internal animation names."""
    with tempconfig({"progress_bar": "display"}):
        scene = make_scene("UpdateStep", duration=0.2)
    err = capfd.readouterr().err
    assert "UpdateStep: one step of Algorithm 1 with the exact projection ..." in err
    assert "UpdateStep: one step of Algorithm 1 with the exact projection: done in" in err
    for beat in ("the loss", "Eq. 6: the centre c_t", "Eq. 7: the step", "Eq. 8: the projection",
                 "summary"):
        assert f"UpdateStep: {beat}" in err
    assert "Animation" not in err and "_MethodAnimation" not in err
    assert scene.current_beat == "summary"


def test_constructor_options_over_class_options():
    cls = type("UpdateStep", (load_scene("UpdateStep"),), {"options": {"lr": 0.3}})
    scene = cls(options={"radius": 0.4})
    scene.setup()
    assert scene.opts.lr == 0.3 and scene.opts.radius == (0.4,)
    assert cls.options == {"lr": 0.3}  # the class parameter is untouched


def test_exploration_hop_dashes():
    """A contact hop is one path of straight dashes from a to b (DashedLine's look, drawn as
    one VMobject): equal dashes and gaps, the first at a, the last ending at b."""
    from rollingball.scenes.exploration import dashes

    a, b = np.array([0.0, 0.0, 0.0]), np.array([0.3, 0.4, 0.0])  # length 0.5
    pts = dashes(a, b, dash=0.05)
    segs = pts.reshape(-1, 4, 3)
    assert segs.shape == (5, 4, 3)  # m = 0.5 / (2 * 0.05) = 5 dashes, 4 gaps
    assert np.allclose(segs[0, 0], a) and np.allclose(segs[-1, -1], b)
    lengths = np.linalg.norm(segs[:, -1] - segs[:, 0], axis=1)
    assert np.allclose(lengths, 0.5 / 9)  # 5 dashes + 4 gaps of one length
    gaps = np.linalg.norm(segs[1:, 0] - segs[:-1, -1], axis=1)
    assert np.allclose(gaps, 0.5 / 9)
    u = (b - a) / 0.5
    assert np.allclose(np.cross(pts - a, u), 0.0)  # every point on the line a -> b
    assert np.allclose(segs[:, 1], segs[:, 0] + (segs[:, 3] - segs[:, 0]) / 3)  # straight


def test_exploration_defaults_are_the_paper_s_figure_4():
    """Issue 10: the scene's defaults are Fig. 4's landscape (Eq. 14 as printed, 1000 wells,
    sigma 0.1), learning rate and start, and two of its radii (one stuck, one crossing)."""
    from rollingball.paper.figure4 import FIG4_RADII
    from rollingball.symbolic.catalog import gaussian_wells

    opts = storyboard.resolve_options("Exploration")
    paper = gaussian_wells(n=1000, sigma=0.1, form="paper")
    pts = np.random.default_rng(0).uniform(-3, 3, (200, 2))
    assert np.allclose(opts.landscape.f(pts), paper.f(pts), rtol=0, atol=1e-12)
    assert opts.radius == (1.0, 4.0) and set(opts.radius) <= set(FIG4_RADII)
    assert opts.lr == 0.01 and opts.starts == ((2.0, -1.5),) and opts.steps == 60
