"""The symbolic layer: safe parsing, exact SymPy landscapes, the catalog of losses, their
compilation to vectorised NumPy callables, implicit offsets and the landscape's scales.

Imports nothing from the other layers.  Importing the package installs the catalog's names
(``Landscape("sine")``): the catalog builds Landscapes, so the landscape cannot import it.
"""

from rollingball.symbolic import catalog as _catalog  # noqa: F401 - installs the loss names
