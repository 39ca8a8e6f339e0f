"""Slide decks of the scenes (manim-slides, the ``slides`` extra): one ``Slide`` per scene.

For every scene ``NAME`` of :data:`rollingball.storyboard.SCENES` this module defines
``NAMESlide`` (``UpdateStepSlide``, ``RollingBallSlide``, ...): the same scene, the same
``construct``, mixed with manim-slides' ``Slide`` (``ThreeDSlide`` for RollingBall3D), so
that every beat (:meth:`rollingball.scenes.base.StoryboardScene.beat`) is a pause: a deck has
``len(NAME.beats) + 1`` slides, each beat's name is the speaker note of the slide it opens.
Options reach a deck as they reach the scene (``$ROLLINGBALL_SCENE_OPTIONS``, a subclass's
``options``)::

    manim-slides render -ql scenes/slides.py UpdateStepSlide    # writes ./slides/
    manim-slides present UpdateStepSlide                        # needs Qt (PySide6)
    manim-slides convert UpdateStepSlide deck.html              # reveal.js HTML

Without manim-slides, importing this module raises an ``ImportError`` that says how to
install it (``pip install 'rollingball[slides]'``).
"""

from __future__ import annotations

import importlib

try:
    from rollingball.scenes._deck import slide_of
except ImportError as exc:  # the slides extra is optional
    raise ImportError("the slide decks need manim-slides: pip install 'rollingball[slides]' "
                      f"(or 'manim-slides>=5.5,<6'); {exc}") from exc
from rollingball.scenes.base import StoryboardScene
from rollingball.storyboard import SCENES

__all__ = ["SLIDES"]


def _scene(name: str) -> type[StoryboardScene]:
    return getattr(importlib.import_module(f"rollingball.scenes.{SCENES[name]}"), name)


#: Scene name -> its slide deck class.
SLIDES: dict[str, type] = {name: slide_of(_scene(name), __name__) for name in SCENES}
globals().update({cls.__name__: cls for cls in SLIDES.values()})
__all__ += [cls.__name__ for cls in SLIDES.values()]
