"""The machinery of the slide decks (:mod:`rollingball.scenes.slides`): manim-slides' ``Slide``
made to work with Manim 0.19-0.22, and the mixin that turns a scene's beats into pauses.

Kept apart from :mod:`~rollingball.scenes.slides` so that ``manim-slides render
scenes/slides.py`` lists only the decks, not these bases.  Imports manim-slides (the
``slides`` extra).
"""

from __future__ import annotations

from manim import ManimColor, Scene, ThreeDScene, config
from manim_slides import Slide, ThreeDSlide

from rollingball.scenes.base import StoryboardScene

__all__ = ["BeatSlides", "DeckSlide", "DeckThreeDSlide", "slide_of"]


class BeatSlides:
    """Mixed before a scene: each beat pauses the deck (``next_slide``), its name the note
    of the slide it opens."""

    def on_beat(self, name: str) -> None:
        self.next_slide(notes=name)


def _compatible_init(self, *args, **kwargs) -> None:
    """manim-slides' ``Slide.__init__`` less its ``config["write_to_movie"] = True`` where
    Manim has no such option (0.22 writes the movie unless the format is PNG): the rest of
    its chain (``BaseSlide``, the scene) as it is."""
    if hasattr(type(config), "write_to_movie"):
        config["write_to_movie"] = True
    super(Slide, self).__init__(*args, **kwargs)


def _compatible_render(self, *args, **kwargs) -> None:
    """manim-slides' ``Slide.render`` for Manim 0.19-0.22: an unlimited cache in Manim's own
    word (-1; 0.22 refuses manim-slides' ``float("inf")``) and no ``flush_cache`` where
    Manim has none (0.22); render, then write the slides' JSON."""
    cached = config["max_files_cached"]
    flush = bool(getattr(config, "flush_cache", False))
    config["max_files_cached"] = -1  # the slides are cut from the partial movie files
    if flush:
        config["flush_cache"] = False  # flushed after the slides are saved
    try:
        Scene.render(self, *args, **kwargs)
    finally:
        config["max_files_cached"] = cached
        if flush:
            config["flush_cache"] = True
    self._save_slides(use_cache=not (config["disable_caching"] or self.disable_caching),
                      flush_cache=flush or self.flush_cache, skip_reversing=self.skip_reversing)
    if flush:
        self.renderer.file_writer.flush_cache_directory()


def _background_hex(self) -> str:
    """The background as ``#rrggbb`` (the scenes set it as a string, not a ``ManimColor``)."""
    return ManimColor(self.renderer.camera.background_color).to_hex()


class DeckSlide(Slide):
    """manim-slides' ``Slide``, working with Manim 0.19-0.22."""

    __init__ = _compatible_init
    render = _compatible_render
    _background_color = property(_background_hex)


class DeckThreeDSlide(ThreeDSlide):
    """manim-slides' ``ThreeDSlide``, working with Manim 0.19-0.22."""

    __init__ = _compatible_init
    render = _compatible_render
    _background_color = property(_background_hex)


def slide_of(scene: type[StoryboardScene], module: str = __name__) -> type:
    """The slide deck of ``scene``: ``BeatSlides``, the scene, then manim-slides' ``Slide``
    (``ThreeDSlide`` for a 3-D scene), named ``<scene>Slide``, a class of ``module``."""
    kind = DeckThreeDSlide if issubclass(scene, ThreeDScene) else DeckSlide
    name = scene.scene_name or scene.__name__
    doc = (f"The slide deck of :class:`{scene.__module__}.{scene.__name__}`: a pause at each of "
           f"its beats ({'; '.join(scene.beats)}).")
    return type(f"{name}Slide", (BeatSlides, scene, kind),
                {"__module__": module, "__doc__": doc, "scene_name": name})
