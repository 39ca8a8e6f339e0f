"""Geometry tools built on the engine and the kernels: reach and critical radii, ironing,
parametric offset curves, contact jumps, and the numeric-vs-symbolic check of a run.
"""
