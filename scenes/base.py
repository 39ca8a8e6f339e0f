"""The base class of every rollingball scene: options, frame data, progress words, beats.

A scene subclasses :class:`StoryboardScene` (or mixes it before ``ThreeDScene``), names its
storyboard data in :meth:`StoryboardScene.compute_data` and its data phase in
:attr:`StoryboardScene.data_words`, lists its beats in :attr:`StoryboardScene.beats` and
draws in ``construct``, calling :meth:`StoryboardScene.beat` where each beat begins.  A beat
names the part of the story that follows it in the render bar; in the scene's slide deck
(:mod:`rollingball.scenes.slides`, the ``slides`` extra) it is a pause: the presenter's click
plays it.  The plain scene and its deck share one ``construct``.  Options come the Manim way:

* a class parameter, ``options`` (what ``rollingball render`` sets on a subclass), and
* a constructor parameter, ``RollingBall(options={"radius": 1.2})``, over the class's,

both over ``$ROLLINGBALL_SCENE_OPTIONS`` and the scene's defaults
(:func:`rollingball.storyboard.resolve_options`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from manim import Scene, config

from rollingball.scenes._common import PAL, use_theme
from rollingball.storyboard import SceneOptions, resolve_options

__all__ = ["StoryboardScene"]


class StoryboardScene(Scene):
    """A scene whose numbers all come from :mod:`rollingball.storyboard`.

    Class attributes:
        scene_name: the registry name (:data:`rollingball.storyboard.SCENES`); default: the
            class name.
        options: option overrides (``loss``, ``radius``, ``lr``, ``steps``, ``starts``,
            ``duration``, ``extra``); ``extra`` may hold ``theme`` (``"dark"`` or
            ``"light"``), ``font_scale`` (> 0) and ``baselines`` (engine methods to overlay,
            e.g. ``("gd", "adam")``; RollingBall).
        data_words: what the data phase does, in the scene's words (``{steps}``,
            ``{radii}``, ``{loss}`` are filled in from the options).
        beats: the scene's beats in order (:meth:`beat`): the pauses of its slide deck,
            which has ``len(beats) + 1`` slides (the opening one before the first beat).

    After :meth:`setup`: ``self.opts`` (the resolved :class:`SceneOptions`) and
    ``self.data`` (the storyboard's frame data); after ``construct``: ``self.beats_taken``,
    the beats the scene reached (all of :attr:`beats` with the default options).
    """

    scene_name: ClassVar[str] = ""
    options: ClassVar[Mapping[str, Any]] = {}
    data_words: ClassVar[str] = "computing the frame data"
    beats: ClassVar[tuple[str, ...]] = ()

    def __init__(self, options: Mapping[str, Any] | None = None, **kwargs: Any):
        if options is not None:
            self.options = {**type(self).options, **options}
        self.current_beat = ""
        self.beats_taken: list[str] = []
        super().__init__(**kwargs)

    # ------------------------------------------------------------------ data phase
    @property
    def name(self) -> str:
        """The scene's registry name."""
        return self.scene_name or type(self).__name__

    def compute_data(self, opts: SceneOptions) -> Any:
        """The storyboard's frame data for ``opts`` (each scene names its function)."""
        raise NotImplementedError

    def say(self, line: str) -> None:
        """One progress line on stderr (silent when Manim's progress bars are off)."""
        if config.progress_bar != "none":
            print(f"{self.name}: {line}", file=sys.stderr, flush=True)

    def setup(self) -> None:
        """Background, options and the data phase (with a progress line in the scene's words)."""
        super().setup()
        self.opts = resolve_options(self.name, **dict(self.options or {}))
        use_theme(self.opts.extra.get("theme", "dark"),
                  float(self.opts.extra.get("font_scale", 1.0)))
        self.camera.background_color = PAL.BACKGROUND
        words = self.data_words.format(steps=self.opts.steps, loss=self.opts.loss,
                                       radii=", ".join(f"{r:g}" for r in self.opts.radius))
        self.say(f"{words} ...")
        start = time.perf_counter()
        self.data = self.compute_data(self.opts)
        self.say(f"{words}: done in {time.perf_counter() - start:.1f} s")

    # ------------------------------------------------------------------- beats
    def beat(self, name: str) -> None:
        """Begin the beat ``name`` (one of :attr:`beats`, in order): the render bar names it
        from here on, and a slide deck pauses here (:meth:`on_beat`).

        A beat is called between two animations; one whose part would be empty for the
        options given (RollingBall without a contact jump) is not called, so a deck never
        has an empty slide.

        Raises:
            ValueError: ``name`` is not one of the scene's beats, or comes out of order.
        """
        if name not in self.beats:
            raise ValueError(f"{name!r} is not a beat of {self.name}; beats: "
                             f"{', '.join(map(repr, self.beats))}")
        if self.beats_taken and self.beats.index(name) <= self.beats.index(self.beats_taken[-1]):
            raise ValueError(f"beat {name!r} of {self.name} comes after "
                             f"{self.beats_taken[-1]!r}; beats: {', '.join(self.beats)}")
        self.beats_taken.append(name)
        self.current_beat = name
        self.on_beat(name)

    def on_beat(self, name: str) -> None:
        """What a beat does besides naming the bar: nothing in a plain scene; a slide
        (:mod:`rollingball.scenes.slides`) pauses with ``next_slide`` here."""

    def play(self, *args: Any, beat: str | None = None, **kwargs: Any) -> None:
        """``Scene.play``; ``beat`` names this part of the story in the progress bar."""
        if beat is not None:
            self.current_beat = beat
        super().play(*args, **kwargs)

    def get_time_progression(self, run_time: float, description: str, *args: Any,
                             **kwargs: Any):
        """Manim's progress bar, labelled with the scene and its beat, not Manim's internal
        animation names."""
        if self.current_beat:
            description = f"{self.name}: {self.current_beat}"
        return super().get_time_progression(run_time, description, *args, **kwargs)
