"""Packages of the distribution (the rest of the metadata is in pyproject.toml).

The Manim scenes live in the top-level ``scenes/`` folder (runnable with plain
``manim -ql scenes/rolling_ball.py RollingBall`` from a checkout) and ship as
``rollingball.scenes``: setuptools' ``package_dir`` maps that package to the folder, for the
wheel and for editable installs alike.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["rollingball", "rollingball.*"]), "rollingball.scenes"],
    package_dir={"rollingball.scenes": "scenes"},
)
