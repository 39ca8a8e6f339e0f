"""The Manim scenes of rollingball (``rollingball.scenes`` when installed; this folder in a
checkout, runnable with plain ``manim -ql scenes/rolling_ball.py RollingBall``).

Every scene is a :class:`~rollingball.scenes.base.StoryboardScene`: it resolves its options,
takes every number it draws from :mod:`rollingball.storyboard` and only draws.  Importing this
package does not import Manim; the scene modules do.

====================  ==========================  ==============================
scene                 module                      shows
====================  ==========================  ==============================
``RollingBall``       ``rolling_ball``            RBO on a 1-D loss, a GD ghost
``UpdateStep``        ``update_step``             one step of Algorithm 1 (Fig. 1)
``Ironing``           ``ironing``                 offsets flatten (Figs. 2-3)
``Unreachable``       ``unreachable``             arcs no ball can touch
``Exploration``       ``exploration``             GD and RBO from nearby starts (Fig. 4)
``RollingBall3D``     ``rolling_ball_3d``         a sphere on a 2-D surface
====================  ==========================  ==============================
"""
