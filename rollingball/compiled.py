"""Compile SymPy expressions into vectorised float64 NumPy functions.

:func:`vectorize` wraps :func:`sympy.lambdify` (``modules="numpy"``, ``cse=True``)
with three things lambdify does not do by itself:

* finite sums ``Sum(body, (k, lo, hi))`` with integer bounds are evaluated as a
  reduction over a trailing axis (``body(x[..., None], k)`` summed over ``k``)
  instead of a Python loop over terms, and sums over data arrays
  (``Sum(g(x, a[k]), (k, 0, K-1))`` with ``a`` an :class:`~sympy.IndexedBase`
  bound to a NumPy array) keep the data as data: no symbolic expansion;
* constant results (lambdify returns a Python scalar for them) are broadcast
  to the common shape of the inputs, so every output is a float64 array;
* large reductions are chunked so memory stays bounded.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import sympy as sp

__all__ = ["vectorize", "expand_data_sums"]

_counter = itertools.count()
_CHUNK_ELEMENTS = 2_000_000


def _sum_limits(node: sp.Sum) -> tuple[sp.Symbol, int, int]:
    if len(node.limits) != 1:
        raise ValueError(f"only single-index sums are supported, got {node}")
    k, lo, hi = node.limits[0]
    if not (lo.is_Integer and hi.is_Integer):
        raise ValueError(f"sum bounds must be integers, got {node.limits[0]}")
    return k, int(lo), int(hi)


def _reduction(outer: Sequence[sp.Symbol], node: sp.Sum, data: Mapping[str, np.ndarray]):
    """A NumPy implementation of ``node`` as a function of the ``outer`` symbols."""
    k, lo, hi = _sum_limits(node)
    body = node.function
    inner_args: list[sp.Symbol] = list(outer) + [k]
    columns: list[np.ndarray] = [np.arange(lo, hi + 1, dtype=float)]
    replacements = {}
    for item in body.atoms(sp.Indexed):
        name = str(item.base.label)
        if name not in data:
            raise ValueError(f"no data bound to {item.base}")
        if item.indices != (k,):
            raise ValueError(f"data may only be indexed by the summation index: {item}")
        array = np.asarray(data[name], dtype=float)
        if lo < 0 or hi >= len(array):
            raise ValueError(f"sum over {item.base}[{lo}..{hi}] exceeds its {len(array)} entries")
        placeholder = sp.Dummy(f"{name}_k")
        replacements[item] = placeholder
        inner_args.append(placeholder)
        columns.append(array[lo:hi + 1])
    body = body.xreplace(replacements)
    term = vectorize(inner_args, [body], data)
    width = hi - lo + 1

    def impl(*values):
        values = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values])
        shape = values[0].shape if values else ()
        flat = [v.reshape(-1, 1) for v in values]
        n = flat[0].shape[0] if flat else 1
        out = np.empty(n)
        step = max(1, _CHUNK_ELEMENTS // width)
        for start in range(0, n, step):
            part = [v[start:start + step] for v in flat]
            (terms,) = term(*part, *columns)
            out[start:start + step] = terms.sum(axis=-1)
        return out.reshape(shape)

    return impl


def _replace_sums(expr: sp.Expr, outer: Sequence[sp.Symbol], data, namespace: dict):
    """Replace each outermost Sum in ``expr`` by a call of a compiled reduction."""
    cache: dict[sp.Sum, sp.Expr] = {}

    def swap(node):
        if node in cache:
            return cache[node]
        name = f"_rbsum{next(_counter)}"
        namespace[name] = _reduction(outer, node, data)
        call = sp.Function(name)(*outer)
        cache[node] = call
        return call

    def walk(node):
        if isinstance(node, sp.Sum):
            return swap(node)
        if not node.args:
            return node
        return node.func(*[walk(a) for a in node.args])

    return walk(expr)


def vectorize(
    symbols: Sequence[sp.Symbol],
    exprs: Sequence[sp.Expr],
    data: Mapping[str, np.ndarray] | None = None,
) -> Callable[..., list[np.ndarray]]:
    """Compile ``exprs`` into one NumPy function of ``symbols``.

    The returned function takes one array-like per symbol (any broadcastable
    shapes) and returns a list with one float64 array per expression, each of
    the broadcast shape of the inputs.
    """
    data = dict(data or {})
    symbols = list(symbols)
    namespace: dict[str, Callable] = {}
    exprs = [_replace_sums(sp.sympify(e), symbols, data, namespace) for e in exprs]
    raw = sp.lambdify(symbols, exprs, modules=[namespace, "numpy"], cse=True)

    def evaluate(*values):
        arrays = [np.asarray(v, dtype=float) for v in values]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        with np.errstate(all="ignore"):
            results = raw(*arrays)
        out = []
        for r in results:
            full = np.empty(shape)
            full[...] = np.real_if_close(r) if np.iscomplexobj(r) else r
            out.append(full)
        return out

    evaluate.exprs = exprs
    return evaluate


def expand_data_sums(expr: sp.Expr, data: Mapping[str, np.ndarray]) -> sp.Expr:
    """Replace sums over data by explicit sums of their terms (exact rationals of the floats).

    Used to check the compiled functions against :meth:`sympy.Expr.evalf`.
    """

    def expand(node: sp.Sum):
        k, lo, hi = _sum_limits(node)
        terms = []
        for i in range(lo, hi + 1):
            subs = {k: i}
            for item in node.function.atoms(sp.Indexed):
                subs[item] = sp.Float(float(data[str(item.base.label)][i]), 17)
            terms.append(node.function.xreplace(subs))
        return sp.Add(*terms)

    return expr.replace(lambda e: isinstance(e, sp.Sum), expand)
