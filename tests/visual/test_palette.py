"""The palette's baseline colours: a hex colour is used as it is, a role name is looked up
in the current theme (regression: upper-case hex digits were once taken for role names)."""

from __future__ import annotations

import pytest

pytest.importorskip("manim")

from rollingball.scenes._common import BASELINE_COLOURS, THEMES, Palette  # noqa: E402


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_baseline_has_a_colour_of_its_theme(theme):
    pal = Palette().use(theme)
    for method, colour in BASELINE_COLOURS.items():
        want = THEMES[theme][colour] if not colour.startswith("#") else colour
        assert pal.baseline(method) == want
    assert pal.baseline("adam") == "#EC407A"
    assert pal.baseline("gd") == THEMES[theme]["GHOST"]
    assert pal.baseline("unknown") == THEMES[theme]["MUTED"]
