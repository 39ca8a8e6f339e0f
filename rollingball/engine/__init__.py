"""The engine: the solvers (offset-keeping RBO, Algorithm 1, Section 3.2, baselines), the
loop that runs a batch of balls, and the result with its I/O.

Imports only from :mod:`rollingball.symbolic` and :mod:`rollingball.numeric`.
"""
