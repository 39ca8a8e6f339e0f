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
* large reductions are chunked so memory stays bounded;
* sums of Gaussian decay over data (wells, radial basis functions) sum, at each point,
  only the data within a cut-off radius beyond which every term is below rounding
  (:mod:`rollingball.symbolic.local_sums`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import scipy.special
import sympy as sp

from rollingball.symbolic.local_sums import CellList, gaussian_support

__all__ = ["vectorize", "expand_data_sums"]

_counter = itertools.count()
#: Default of ``vectorize(prune=None)``: prune sums of Gaussian decay (tests of recorded
#: references switch it off to compare with the arithmetic that recorded them).
PRUNE = True
_CHUNK_ELEMENTS = 65536  # per chunk of a reduction: small enough to stay in cache
#: Functions lambdify's "numpy" module maps to scalar-only ``math`` versions: array ones.
_ARRAY_FUNCTIONS = {"erf": scipy.special.erf}


def _sum_limits(node: sp.Sum) -> tuple[sp.Symbol, int, int]:
    if len(node.limits) != 1:
        raise ValueError(f"only single-index sums are supported, got {node}")
    k, lo, hi = node.limits[0]
    if not (lo.is_Integer and hi.is_Integer):
        raise ValueError(f"sum bounds must be integers, got {node.limits[0]}")
    return k, int(lo), int(hi)


def _group_key(node: sp.Sum):
    """Sums with equal bounds over the same data arrays are evaluated in one pass."""
    k, lo, hi = _sum_limits(node)
    names = tuple(sorted({str(i.base.label) for i in node.function.atoms(sp.Indexed)}))
    return lo, hi, names


def _fused_reduction(outer: Sequence[sp.Symbol], nodes: Sequence[sp.Sum],
                     data: Mapping[str, np.ndarray], prune: bool = True):
    """One NumPy function computing every sum of ``nodes`` (same bounds, same data).

    The bodies are compiled together (``lambdify`` with common subexpressions), so a
    landscape's value, gradient and Hessian sums share their terms (``exp`` of the same
    argument is computed once): ``body_j(x[..., None], k, a[k])`` summed over ``k``.
    With ``prune`` and summands of Gaussian decay (:mod:`rollingball.symbolic.local_sums`),
    each point sums only the data within the cut-off radius.
    """
    _, lo, hi = _sum_limits(nodes[0])
    k = sp.Dummy("k")
    inner_args: list[sp.Symbol] = list(outer) + [k]
    columns: list[np.ndarray] = [np.arange(lo, hi + 1, dtype=float)]
    placeholders: dict[str, sp.Symbol] = {}
    bodies = []
    for node in nodes:
        k_old = node.limits[0][0]
        replacements: dict = {k_old: k}
        for item in node.function.atoms(sp.Indexed):
            name = str(item.base.label)
            if name not in data:
                raise ValueError(f"no data bound to {item.base}")
            if item.indices != (k_old,):
                raise ValueError(f"data may only be indexed by the summation index: {item}")
            if name not in placeholders:
                array = np.asarray(data[name], dtype=float)
                if lo < 0 or hi >= len(array):
                    raise ValueError(f"sum over {item.base}[{lo}..{hi}] exceeds its "
                                     f"{len(array)} entries")
                placeholders[name] = sp.Dummy(f"{name}_k")
                inner_args.append(placeholders[name])
                columns.append(array[lo:hi + 1])
            replacements[item] = placeholders[name]
        bodies.append(node.function.xreplace(replacements))
    term = vectorize(inner_args, bodies, data)
    width = hi - lo + 1

    def dense(flat) -> np.ndarray:
        n = flat[0].shape[0] if flat else 1
        out = np.empty((len(bodies), n))
        step = max(1, _CHUNK_ELEMENTS // width)
        for start in range(0, n, step):
            part = [v[start:start + step] for v in flat]
            for j, terms in enumerate(term(*part, *columns)):
                out[j, start:start + step] = terms.sum(axis=-1)
        return out

    local = _local_reduction(term, bodies, outer, placeholders, columns, dense) \
        if prune else None

    def impl(*values) -> list[np.ndarray]:
        values = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values])
        shape = values[0].shape if values else ()
        flat = [v.reshape(-1, 1) for v in values]
        out = (local or dense)(flat)
        return [row.reshape(shape) for row in out]

    impl.support = local.support if local else None

    return impl


def _local_reduction(term, bodies, outer, placeholders, columns, dense):
    """The pruned reduction of :func:`_fused_reduction` (flat points -> (bodies, n)), or
    ``None`` when the summands are not of Gaussian decay."""
    support = gaussian_support(bodies, outer, placeholders.values(), len(columns[0]))
    if support is None:
        return None
    try:
        cells = CellList(np.stack([columns[c] for _, c in support.axes], axis=1),
                         support.radius)
    except ValueError:  # too many cells: the dense reduction
        return None
    padded = [np.append(col, 0.0) for col in columns]  # index K: a padding datum
    step = max(1, _CHUNK_ELEMENTS // cells.width)

    def local(flat) -> np.ndarray:
        n = flat[0].shape[0]
        coords = np.concatenate([flat[i] for i, _ in support.axes], axis=1)
        finite = np.isfinite(coords).all(axis=1)
        out = np.empty((len(bodies), n))
        if not finite.all():  # NaN or inf: the dense sum says what they give
            bad = np.flatnonzero(~finite)
            out[:, bad] = dense([v[bad] for v in flat])
        good = np.flatnonzero(finite)
        which = cells.cells(coords[good])
        for start in range(0, good.size, step):
            rows, cell = good[start:start + step], which[start:start + step]
            idx, keep = cells.table[cell], cells.valid[cell]
            part = [v[rows] for v in flat]
            for j, terms in enumerate(term(*part, *[col[idx] for col in padded])):
                out[j, rows] = np.where(keep, terms, 0.0).sum(axis=-1)
        return out

    local.support = support
    return local


def _lift_sums(exprs: Sequence[sp.Expr], outer: Sequence[sp.Symbol], data, prune: bool = True):
    """Replace each outermost Sum by a new symbol; return the new expressions and the
    fused reductions that compute those symbols' values: [(symbols, reduction), ...]."""
    found: dict[sp.Sum, sp.Symbol] = {}

    def walk(node):
        if isinstance(node, sp.Sum):
            if node not in found:
                found[node] = sp.Dummy(f"sum{next(_counter)}")
            return found[node]
        if not node.args:
            return node
        return node.func(*[walk(a) for a in node.args])

    lifted = [walk(e) for e in exprs]
    groups: dict[tuple, list[sp.Sum]] = {}
    for node in found:
        groups.setdefault(_group_key(node), []).append(node)
    reductions = [([found[n] for n in nodes], _fused_reduction(outer, nodes, data, prune))
                  for nodes in groups.values()]
    return lifted, reductions


def vectorize(
    symbols: Sequence[sp.Symbol],
    exprs: Sequence[sp.Expr],
    data: Mapping[str, np.ndarray] | None = None,
    prune: bool | None = None,
) -> Callable[..., list[np.ndarray]]:
    """Compile ``exprs`` into one NumPy function of ``symbols``.

    The returned function takes one array-like per symbol (any broadcastable
    shapes) and returns a list with one float64 array per expression, each of
    the broadcast shape of the inputs.  Sums are evaluated first, all sums with the
    same bounds and data in one fused pass, and enter the compiled expressions as
    values. ``prune=False`` keeps every term of sums of Gaussian decay (the reference the
    pruned sums are tested against).
    """
    data = dict(data or {})
    prune = PRUNE if prune is None else bool(prune)
    symbols = list(symbols)
    exprs = [sp.sympify(e) for e in exprs]
    lifted, reductions = _lift_sums(exprs, symbols, data, prune)
    sum_symbols = [s for group, _ in reductions for s in group]
    raw = sp.lambdify(symbols + sum_symbols, lifted, modules=[_ARRAY_FUNCTIONS, "numpy"], cse=True)

    def evaluate(*values):
        arrays = [np.asarray(v, dtype=float) for v in values]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        with np.errstate(all="ignore"):
            sums = [v for _, reduce in reductions for v in reduce(*arrays)]
            results = raw(*arrays, *sums)
        out = []
        for r in results:
            full = np.empty(shape)
            full[...] = np.real_if_close(r) if np.iscomplexobj(r) else r
            out.append(full)
        return out

    evaluate.exprs = exprs
    #: per fused group of sums: its GaussianSupport where pruned, else None
    evaluate.supports = [reduce.support for _, reduce in reductions]
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
