"""Notebook animations of a run with Matplotlib only (layer ``notebook``): :func:`animate`.

``rb.animate(result)`` returns a :class:`matplotlib.animation.FuncAnimation` that a Jupyter
cell shows by itself and that saves to ``.gif``, ``.mp4`` or ``.html``; see
:mod:`rollingball.notebook.animation`.  Matplotlib (the ``anim`` extra) is imported only when
an animation is made.
"""

from rollingball.notebook.animation import animate
from rollingball.notebook.data import AnimationData, Track, animation_data, frame_steps

__all__ = ["animate", "animation_data", "frame_steps", "AnimationData", "Track"]
