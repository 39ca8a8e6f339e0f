"""The symbolic layer: safe parsing, exact SymPy landscapes, the catalog of losses, their
compilation to vectorised NumPy callables, implicit offsets and the landscape's scales.

Imports nothing from the other layers.
"""
