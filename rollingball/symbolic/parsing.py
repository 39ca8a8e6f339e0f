r"""Safe parsing of loss strings into SymPy expressions.

No user text ever reaches :func:`eval` or :func:`sympy.sympify`.  The string is
tokenised, implicit multiplication is made explicit, the result is parsed by
:func:`ast.parse` and the syntax tree is walked against a whitelist; the SymPy
expression is built node by node from that tree.

Accepted
    numbers (decimal literals become exact rationals: ``0.1`` is ``1/10``), the
    declared variables, ``+ - * / **`` (``^`` is read as ``**``), parentheses,
    implicit multiplication (``2x``, ``3sin(x)``, ``(x+1)(x-1)``), the constants
    ``pi`` and ``E``, the functions in :data:`FUNCTIONS`, and finite sums
    ``sum(body, (k, lo, hi))`` (also spelled ``Sum``) with integer bounds.

Refused (``ValueError`` naming the offending piece)
    attribute access, subscripts, dunder names, lambdas, comprehensions,
    string literals, keyword arguments, calls of unknown functions, the
    imaginary unit, undeclared free parameters, oversized input or powers, and
    the non-smooth functions in :data:`NON_SMOOTH` (the RBO needs the normal and
    the curvature of the graph, so the loss must be twice differentiable).

Bounded (see :mod:`rollingball._budget`)
    the length (:data:`MAX_LENGTH` characters), the nesting depth of the syntax
    tree (:data:`MAX_DEPTH`; chains ``a + b + c ...`` and ``a*b*c ...`` are flat and
    cost no depth), every exponent (:data:`MAX_EXPONENT`), every numeric constant
    after evaluation (:math:`10^{-300} \le |c| \le 10^{300}`, checked before a
    power of numbers is computed, so ``((9^999)^999)^999`` is refused at once), and
    the terms of all the sums together (:data:`MAX_SUM_TERMS`; nested sums multiply).
    A numeric constant must be real: ``(-8)^(1/3)`` (the principal root, complex) is
    refused.  Control characters (carriage return, tab, ...) are refused.  A name is a
    dunder when it starts or ends with ``__``; ``x__y`` is an ordinary name.
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import re
import tokenize
from collections.abc import Iterable, Sequence

import sympy as sp

from rollingball import _budget

__all__ = [
    "FUNCTIONS",
    "NON_SMOOTH",
    "MAX_LENGTH",
    "parse_loss",
    "check_expression",
    "make_symbol",
]

#: Whitelisted functions: name in the loss string -> SymPy function.
FUNCTIONS: dict[str, sp.Basic] = {
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "atan": sp.atan,
    "asinh": sp.asinh,
    "erf": sp.erf,
}

#: Named constants.
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

#: Non-smooth functions: refused, with the reason.
NON_SMOOTH = ("abs", "Abs", "sign", "max", "Max", "min", "Min", "Piecewise", "floor",
              "ceiling", "ceil", "Heaviside", "DiracDelta", "relu")

_SUM_NAMES = ("sum", "Sum")
MAX_LENGTH = 2000
MAX_EXPONENT = 1000
#: Terms of all the sums of one loss together (nested sums multiply).
MAX_SUM_TERMS = _budget.MAX_SUM_TERMS
#: Nesting depth of the syntax tree (after flattening chains of + - and * /).
MAX_DEPTH = 60
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED = set(FUNCTIONS) | set(CONSTANTS) | set(_SUM_NAMES) | set(NON_SMOOTH)


def make_symbol(name: str) -> sp.Symbol:
    """The real SymPy symbol the package uses for a variable called ``name``."""
    if not isinstance(name, str) or not _NAME_RE.match(name) or keyword.iskeyword(name):
        raise ValueError(f"invalid variable name {name!r}: use letters, digits and '_'")
    if name in _RESERVED:
        raise ValueError(f"invalid variable name {name!r}: it is a reserved function or constant")
    return sp.Symbol(name, real=True)


def _explicit_multiplication(text: str) -> str:
    """Insert ``*`` where multiplication is implicit: ``2x``, ``2(x)``, ``(a)(b)``, ``x y``."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise ValueError(f"cannot read the loss {text!r}: {exc}") from None
    out: list[str] = []
    prev = None
    for tok in tokens:
        if tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                        tokenize.DEDENT):
            continue
        if tok.type == tokenize.ERRORTOKEN and not tok.string.strip():
            continue
        if prev is not None:
            left_operand = prev.type in (tokenize.NUMBER, tokenize.NAME) or prev.string == ")"
            right_operand = tok.type in (tokenize.NUMBER, tokenize.NAME) or tok.string == "("
            is_call = prev.type == tokenize.NAME and tok.string == "("
            is_keyword = keyword.iskeyword(prev.string) or keyword.iskeyword(tok.string)
            if left_operand and right_operand and not is_call and not is_keyword:
                out.append("*")
        out.append(tok.string)
        prev = tok
    return " ".join(out)


def _normalise(text: str, max_length: int = MAX_LENGTH) -> str:
    if not isinstance(text, str):
        raise ValueError(f"a loss string was expected, got {type(text).__name__}")
    if len(text) > max_length:
        raise ValueError(f"the loss is too long ({len(text)} characters, at most {max_length})")
    text = text.strip()
    if not text:
        raise ValueError("the loss is empty")
    for bad, what in (("\\", "backslash"), ("#", "'#'"), (";", "';'"), ("\n", "newline"),
                      ("\r", "carriage return"), ("'", "string quote"), ('"', "string quote"),
                      ("`", "backtick")):
        if bad in text:
            raise ValueError(f"refused {what} in the loss {text!r}")
    if not text.isascii():
        raise ValueError(f"refused non-ASCII character in the loss {text!r}")
    control = next((c for c in text if ord(c) < 32 or ord(c) == 127), None)
    if control is not None:
        raise ValueError(f"refused control character {control!r} in the loss {text!r}")
    for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
        if name.startswith("__") or name.endswith("__"):
            raise ValueError(f"refused dunder name {name!r} in the loss {text!r}")
    text = text.replace("^", "**")
    return _explicit_multiplication(text)


class _Builder:
    """Build a SymPy expression from a whitelisted Python syntax tree."""

    def __init__(self, declared: dict[str, sp.Symbol] | None):
        self.declared = declared
        self.found: dict[str, sp.Symbol] = {}
        self.bound: dict[str, sp.Symbol] = {}
        self.sum_terms = 0  # terms of every sum so far, nested sums multiplied
        self.sum_scale = 1  # product of the sizes of the enclosing sums
        self.indices: set[str] = set()  # every summation index used

    def build(self, node: ast.AST) -> sp.Expr:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise ValueError(f"refused {_describe(node)}")
        return _check_constant(method(node), node)

    def _Expression(self, node: ast.Expression) -> sp.Expr:
        return self.build(node.body)

    def _Constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise ValueError(f"refused constant {value!r}")
        if isinstance(value, complex):
            raise ValueError(f"refused the imaginary unit in {_source(node)!r}: "
                             "the loss must be real")
        if isinstance(value, str | bytes):
            raise ValueError(f"refused string literal {value!r}")
        if isinstance(value, int):
            if value.bit_length() > _MAX_CONSTANT_BITS:
                raise ValueError(f"refused a {len(str(value))}-digit number: constants must "
                                 f"lie within 1e-{_budget.MAX_CONSTANT_LOG10} and "
                                 f"1e{_budget.MAX_CONSTANT_LOG10} in absolute value")
            return sp.Integer(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"refused non-finite number {_source(node)!r}")
            return sp.Rational(repr(value))
        raise ValueError(f"refused constant {value!r}")

    def _Name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        if name.startswith("_"):
            raise ValueError(f"refused name {name!r}: names may not start with '_'")
        if name in self.bound:
            return self.bound[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS or name in _SUM_NAMES:
            raise ValueError(f"refused function {name!r} used without a call")
        if name in NON_SMOOTH:
            raise ValueError(_non_smooth_message(name))
        if name in ("I", "j", "J", "oo", "zoo", "nan", "inf"):
            if self.declared is None or name not in self.declared:
                raise ValueError(f"refused {name!r}: complex units, infinities and NaN are not "
                                 "allowed in a loss")
        if self.declared is not None:
            if name not in self.declared:
                allowed = ", ".join(self.declared) or "none"
                raise ValueError(f"refused undeclared free parameter {name!r} "
                                 f"(declared variables: {allowed})")
            sym = self.declared[name]
        else:
            sym = make_symbol(name)
        self.found[name] = sym
        return sym

    def _UnaryOp(self, node: ast.UnaryOp) -> sp.Expr:
        operand = self.build(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ValueError(f"refused operator {type(node.op).__name__} in {_source(node)!r}")

    def _BinOp(self, node: ast.BinOp) -> sp.Expr:
        op = node.op
        if not isinstance(op, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.Pow):
            raise ValueError(f"refused operator {type(op).__name__} in {_source(node)!r}")
        if isinstance(op, ast.Add | ast.Sub):
            return self._chain(node, (ast.Add, ast.Sub))
        if isinstance(op, ast.Mult | ast.Div):
            return self._chain(node, (ast.Mult, ast.Div))
        left = self.build(node.left)
        right = self.build(node.right)
        if right.is_number:
            if not right.is_real:
                raise ValueError(f"refused non-real exponent in {_source(node)!r}")
            if abs(float(right)) > MAX_EXPONENT:
                raise ValueError(f"refused exponent {right} in {_source(node)!r}: "
                                 f"at most {MAX_EXPONENT} in absolute value")
        if left == 0 and right.is_number and right.is_negative:
            raise ValueError(f"refused division by zero in {_source(node)!r}")
        if left.is_number and right.is_number and left != 0:
            size = _log10_abs(left) * float(right)  # log10 |left^right|, before computing it
            if not abs(size) <= _budget.MAX_CONSTANT_LOG10:
                raise ValueError(f"refused {_source(node)!r}: about 10^{size:.4g}, constants "
                                 f"must lie within 1e-{_budget.MAX_CONSTANT_LOG10} and "
                                 f"1e{_budget.MAX_CONSTANT_LOG10} in absolute value")
        return left**right

    def _chain(self, node: ast.BinOp, ops: tuple[type, ...]) -> sp.Expr:
        """A chain ``a + b - c ...`` or ``a * b / c ...`` built flat, without recursion
        along the chain (so 999 terms cost no stack depth)."""
        rights: list[tuple[ast.operator, ast.AST]] = []
        head: ast.AST = node
        while isinstance(head, ast.BinOp) and isinstance(head.op, ops):
            rights.append((head.op, head.right))
            head = head.left
        first = self.build(head)
        if ops[0] is ast.Add:
            terms = [first]
            for op, right in reversed(rights):
                value = self.build(right)
                terms.append(-value if isinstance(op, ast.Sub) else value)
            return sp.Add(*terms)
        factors = [first]
        for op, right in reversed(rights):
            value = self.build(right)
            if isinstance(op, ast.Div):
                if value == 0:
                    raise ValueError(f"refused division by zero in {_source(node)!r}")
                value = 1 / value
            factors.append(value)
            if all(f.is_number for f in factors[-2:]):  # keep numeric products in range
                factors[-2:] = [_check_constant(factors[-2] * factors[-1], node)]
        return sp.Mul(*factors)

    def _Call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise ValueError(f"refused call of {_source(node.func)!r}: only plain function names")
        name = node.func.id
        if node.keywords:
            raise ValueError(f"refused keyword argument in the call of {name!r}")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ValueError(f"refused starred argument in the call of {name!r}")
        if name in NON_SMOOTH:
            raise ValueError(_non_smooth_message(name))
        if name in _SUM_NAMES:
            return self._sum(node)
        if name not in FUNCTIONS:
            raise ValueError(f"refused unknown function {name!r} (allowed: "
                             f"{', '.join(sorted(FUNCTIONS))}, sum)")
        if len(node.args) != 1:
            raise ValueError(f"function {name!r} takes one argument, got {len(node.args)}")
        return FUNCTIONS[name](self.build(node.args[0]))

    def _sum(self, node: ast.Call) -> sp.Expr:
        usage = "write a sum as sum(body, (k, lo, hi)) with integer bounds"
        if len(node.args) != 2 or not isinstance(node.args[1], ast.Tuple):
            raise ValueError(f"refused {_source(node)!r}: {usage}")
        limits = node.args[1].elts
        if len(limits) != 3 or not isinstance(limits[0], ast.Name):
            raise ValueError(f"refused {_source(node)!r}: {usage}")
        index = limits[0].id
        if index.startswith("_") or index in _RESERVED or index in self.bound:
            raise ValueError(f"refused summation index {index!r}")
        if self.declared is not None and index in self.declared:
            raise ValueError(f"summation index {index!r} is also a declared variable")
        lo, hi = (self._integer(limit, usage) for limit in limits[1:])
        if hi < lo:
            raise ValueError(f"refused an empty sum ({lo} > {hi})")
        size = hi - lo + 1
        self.sum_terms += self.sum_scale * size
        if self.sum_terms > MAX_SUM_TERMS:
            raise ValueError(f"refused a sum of {size} terms: the sums of a loss may have at "
                             f"most {MAX_SUM_TERMS} terms in all (nested sums multiply), "
                             f"each term is evaluated at every sample point")
        k = sp.Symbol(index, integer=True)
        self.bound[index] = k
        self.indices.add(index)
        self.sum_scale *= size
        try:
            body = self.build(node.args[0])
        finally:
            del self.bound[index]
            self.sum_scale //= size
        return sp.Sum(body, (k, lo, hi))

    def _integer(self, node: ast.AST, usage: str) -> int:
        sign = 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sign, node = -1, node.operand
        if isinstance(node, ast.Constant) and type(node.value) is int:
            if abs(node.value) > 10**15:
                raise ValueError(f"refused summation bound {_source(node)!r}: too large")
            return sign * node.value
        raise ValueError(f"refused summation bound {_source(node)!r}: {usage}")


_MAX_CONSTANT_BITS = int(_budget.MAX_CONSTANT_LOG10 * math.log2(10)) + 1


def _log10_abs(value: sp.Expr) -> float:
    """log10 |value| of a nonzero SymPy number, without overflowing a float."""
    if value.is_Rational:
        p, q = abs(int(value.p)), int(value.q)
        return _log10_int(p) - _log10_int(q)
    magnitude = abs(complex(sp.N(value, 15)))
    return math.log10(magnitude) if magnitude > 0 else -math.inf


def _log10_int(n: int) -> float:
    bits = n.bit_length()
    if bits < 1000:
        return math.log10(n)
    return math.log10(n >> (bits - 64)) + (bits - 64) * math.log10(2)


def _check_constant(expr: sp.Expr, node: ast.AST) -> sp.Expr:
    """Refuse a numeric constant that is complex, non-finite or out of range."""
    if not isinstance(expr, sp.Expr) or not expr.is_number or expr.free_symbols:
        return expr
    if expr.is_Rational:
        if expr == 0:
            return expr
        if abs(_log10_abs(expr)) > _budget.MAX_CONSTANT_LOG10:
            raise ValueError(f"refused the constant in {_source(node)!r}: constants must lie "
                             f"within 1e-{_budget.MAX_CONSTANT_LOG10} and "
                             f"1e{_budget.MAX_CONSTANT_LOG10} in absolute value")
        return expr
    if expr.has(sp.I) or expr.is_extended_real is False:
        hint = (" (a fractional power of a negative number is complex; write -(8^(1/3)) for "
                "the real cube root of -8)" if "**" in _source(node) else "")
        raise ValueError(f"refused the complex constant {_source(node)!r} = {expr}: the loss "
                         f"must be real{hint}")
    try:
        value = complex(sp.N(expr, 20))
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"refused the constant {_source(node)!r}: it has no finite "
                         "value") from None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise ValueError(f"refused the constant {_source(node)!r}: it is not finite or "
                         f"beyond 1e{_budget.MAX_CONSTANT_LOG10}")
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
        raise ValueError(f"refused the complex constant {_source(node)!r}: the loss must "
                         "be real")
    if value.real != 0 and abs(math.log10(abs(value.real))) > _budget.MAX_CONSTANT_LOG10:
        raise ValueError(f"refused the constant in {_source(node)!r}: constants must lie "
                         f"within 1e-{_budget.MAX_CONSTANT_LOG10} and "
                         f"1e{_budget.MAX_CONSTANT_LOG10} in absolute value")
    return expr


def _non_smooth_message(name: str) -> str:
    return (f"refused non-smooth function {name!r}: the rolling ball needs the normal and the "
            "curvature of the graph, so the loss must be twice differentiable "
            "(use a smooth surrogate such as sqrt(x^2 + eps^2) for |x|)")


def _source(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of our own nodes does not fail
        return type(node).__name__


def _describe(node: ast.AST) -> str:
    kind = {
        "Attribute": "attribute access",
        "Subscript": "subscript",
        "Lambda": "lambda",
        "ListComp": "comprehension",
        "SetComp": "comprehension",
        "DictComp": "comprehension",
        "GeneratorExp": "comprehension",
        "Compare": "comparison",
        "BoolOp": "boolean operator",
        "IfExp": "conditional expression",
        "NamedExpr": "assignment expression",
        "Tuple": "tuple",
        "List": "list",
        "Dict": "dict",
        "Set": "set",
        "JoinedStr": "f-string",
        "Starred": "starred expression",
        "Await": "await",
        "Yield": "yield",
    }.get(type(node).__name__, type(node).__name__)
    return f"{kind} {_source(node)!r}"


def parse_loss(
    text: str, variables: Sequence[str] | None = None, *, max_length: int = MAX_LENGTH
) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """Parse a loss string safely.

    Args:
        text: the loss, for example ``"x^4 - x^2"`` or ``"sum(sin(k^2 x)/k^2, (k, 1, 20))"``.
        max_length: the longest text accepted (default :data:`MAX_LENGTH`); a loss read
            back from a file is SymPy's printed form of an accepted loss, which may be
            longer than what the user typed (``2x`` prints as ``2*x``): pass
            ``4 * MAX_LENGTH`` there, every other bound stays.
        variables: the variable names in order; when omitted, every free name is a
            variable and they are sorted by name.

    Returns:
        ``(expr, symbols)``: the SymPy expression (real symbols) and the variables.

    Raises:
        ValueError: on anything outside the whitelist, naming the offending piece.

    >>> expr, xs = parse_loss("2x^2 + sin(y)")
    >>> expr, xs
    (2*x**2 + sin(y), (x, y))
    """
    declared = None
    if variables is not None:
        names = list(variables)
        if len(set(names)) != len(names):
            raise ValueError(f"repeated variable names in {names}")
        declared = {name: make_symbol(name) for name in names}
    source = _normalise(text, max_length)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot parse the loss {text!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"refused the loss {text!r}: nested too deeply") from None
    _check_depth(tree, text)
    builder = _Builder(declared)
    try:
        expr = builder.build(tree)
    except RecursionError:  # pragma: no cover - _check_depth keeps the builder shallow
        raise ValueError(f"refused the loss {text!r}: nested too deeply") from None
    clash = sorted(builder.indices & set(builder.found))
    if clash:
        raise ValueError(f"summation index {clash[0]!r} is also a variable of the loss: "
                         "rename one of them")
    if declared is not None:
        symbols = tuple(declared.values())
    else:
        symbols = tuple(builder.found[name] for name in sorted(builder.found))
    expr = sp.sympify(expr)  # a SymPy object built above; no text is parsed here
    check_expression(expr, symbols)
    return expr, symbols


def _check_depth(tree: ast.AST, text: str) -> None:
    """Refuse a syntax tree deeper than :data:`MAX_DEPTH` (walked without recursion).

    The left operand of ``+ -`` (of ``* /``) under ``+ -`` (under ``* /``) is the same
    flat chain and adds no depth.
    """
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    families = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"refused the loss {text[:40]!r}...: nested more than {MAX_DEPTH} "
                             "levels deep (parentheses, calls, powers)")
        for child in ast.iter_child_nodes(node):
            flat = (isinstance(node, ast.BinOp) and child is node.left
                    and isinstance(child, ast.BinOp)
                    and any(isinstance(node.op, f) and isinstance(child.op, f)
                            for f in families))
            if isinstance(child, ast.operator | ast.unaryop | ast.expr_context):
                continue
            stack.append((child, depth if flat else depth + 1))


_NON_SMOOTH_TYPES = (sp.Abs, sp.sign, sp.Max, sp.Min, sp.Piecewise, sp.floor, sp.ceiling,
                     sp.Heaviside, sp.DiracDelta)


def check_expression(expr: sp.Expr, symbols: Iterable[sp.Symbol]) -> None:
    """Refuse a SymPy expression the package cannot treat exactly.

    It must be real and smooth (no ``I``, ``Abs``, ``sign``, ``Max``, ``Min``,
    ``Piecewise``, ...), finite, and its free symbols must be among ``symbols``.
    """
    if not isinstance(expr, sp.Expr):
        raise ValueError(f"a scalar SymPy expression was expected, got {type(expr).__name__}")
    if expr.has(sp.I):
        raise ValueError(f"refused the imaginary unit in {expr}: the loss must be real")
    for bad in (sp.oo, -sp.oo, sp.zoo, sp.nan):
        if expr.has(bad):
            raise ValueError(f"refused {bad} in {expr}: the loss must be finite")
    for power in expr.atoms(sp.Pow):
        if (power.base.is_number and power.base.is_negative and power.exp.is_number
                and not power.exp.is_integer):
            raise ValueError(f"refused the complex constant {power}: the loss must be real")
    for kind in _NON_SMOOTH_TYPES:
        found = expr.atoms(kind)
        if found:
            raise ValueError(_non_smooth_message(str(next(iter(found)).func)))
    symbols = set(symbols)
    free = {s for s in expr.free_symbols if s not in symbols}
    if free:
        names = ", ".join(sorted(str(s) for s in free))
        raise ValueError(f"refused undeclared free parameter(s) {names}")
