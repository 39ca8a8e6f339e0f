"""The layers of the package, in order: the one place that lists them.

A module may import only from its own layer and the layers before it, at the top of the file
(an import inside a function states its reason in a comment on that line), and no two
modules import each other, directly or through others.  ``tests/test_layers.py`` checks this
for every module by parsing its imports, and checks that ``docs/architecture.md`` presents the
layers in this order.

==============  ============================================  ==============================
layer           modules                                       holds
==============  ============================================  ==============================
base            ``rollingball._files``, ``rollingball._budget``,  atomic files, resource budgets
                ``rollingball._layers``
symbolic        ``rollingball.symbolic``                      parsing, Landscape, catalog,
                                                              compilation, scales
numeric         ``rollingball.numeric``                       windows, lattices, projections,
                                                              the distance referee, offsets
engine          ``rollingball.engine``                        solvers, the loop, results
geometry        ``rollingball.geometry``                      reach, ironing, curves, check
paper           ``rollingball.paper``                         the paper's figures and report
notebook        ``rollingball.notebook``                      notebook animations (Matplotlib)
study           ``rollingball.study``, ``rollingball``        sweeps; the public face
storyboard      ``rollingball.storyboard``                    the scenes' frame data
cli             ``rollingball.cli``, ``rollingball.__main__``   the command line
scenes          ``scenes`` (``rollingball.scenes`` in the     the Manim scenes
                wheel)
==============  ============================================  ==============================

The package's ``__init__`` (its public face, ``rollingball``) re-exports names from every
library layer up to ``study``, so it counts as part of ``study``: the storyboard, the command
line and the scenes may import from it, the library layers below may not.  Manim is imported
only in :data:`MANIM_MODULES`.
"""

from __future__ import annotations

__all__ = ["LAYERS", "LAYER_NAMES", "MANIM_MODULES", "layer_of"]

#: ``(layer name, module prefixes)`` in import order: a module may import from its own layer
#: and those listed before it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("rollingball._files", "rollingball._budget", "rollingball._layers")),
    ("symbolic", ("rollingball.symbolic",)),
    ("numeric", ("rollingball.numeric",)),
    ("engine", ("rollingball.engine",)),
    ("geometry", ("rollingball.geometry",)),
    ("paper", ("rollingball.paper",)),
    ("notebook", ("rollingball.notebook",)),
    ("study", ("rollingball.study", "rollingball")),
    ("storyboard", ("rollingball.storyboard",)),
    ("cli", ("rollingball.cli", "rollingball.__main__")),
    ("scenes", ("scenes", "rollingball.scenes")),
)

#: The layer names, in order.
LAYER_NAMES: tuple[str, ...] = tuple(name for name, _ in LAYERS)

#: The modules (and packages) that may import Manim.
MANIM_MODULES: tuple[str, ...] = ("scenes", "rollingball.scenes", "rollingball.cli.render")


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int | None:
    """The index in :data:`LAYERS` of a dotted module name (longest matching prefix wins);
    ``None`` for a module outside the project (the standard library, third parties).

    >>> [LAYER_NAMES[layer_of(m)] for m in ("rollingball.numeric.distance", "rollingball")]
    ['numeric', 'study']
    >>> layer_of("numpy") is None
    True
    """
    best, index = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if prefix == "rollingball":  # the public face itself, not its submodules
                hit = module == "rollingball"
            else:
                hit = _matches(module, prefix)
            if hit and len(prefix) > best:
                best, index = len(prefix), i
    return index
