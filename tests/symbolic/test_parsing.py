"""Safe parsing: accepted syntax gives the right expression, hostile text is refused."""

import subprocess
import sys

import pytest
import sympy as sp

from rollingball.cli import main as cli_main
from rollingball.symbolic.parsing import parse_loss

x, y = sp.symbols("x y", real=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x^4 - x^2", x**4 - x**2),
        ("2x", 2 * x),
        ("3sin(x)", 3 * sp.sin(x)),
        ("(x+1)(x-1)", (x + 1) * (x - 1)),
        ("0.1*x", sp.Rational(1, 10) * x),
        ("1e-3 x^2", sp.Rational(1, 1000) * x**2),
        ("cos(3x)/3 + x^2/10", sp.cos(3 * x) / 3 + x**2 / 10),
        ("exp(-x^2) + log(1 + x^2) + sqrt(1 + x^2)", sp.exp(-x**2) + sp.log(1 + x**2)
         + sp.sqrt(1 + x**2)),
        ("tanh(x) + sinh(x) + cosh(x) + atan(x) + tan(x)", sp.tanh(x) + sp.sinh(x) + sp.cosh(x)
         + sp.atan(x) + sp.tan(x)),
        ("pi*x + E", sp.pi * x + sp.E),
        ("-x", -x),
        ("x**2 + y**2", x**2 + y**2),
    ],
)
def test_accepted_syntax_builds_the_expected_expression(text, expected):
    expr, symbols = parse_loss(text)
    assert sp.simplify(expr - expected) == 0
    assert symbols == tuple(sorted(expected.free_symbols, key=str))


def test_variables_are_inferred_sorted_or_given_in_order():
    assert parse_loss("y + b*x")[1] == tuple(sp.symbols("b x y", real=True))
    assert parse_loss("y + x", ["y", "x"])[1] == (y, x)


def test_sum_with_integer_bounds_is_a_sympy_sum():
    expr, symbols = parse_loss("sum(sin(k^2 x)/k^2, (k, 1, 20))")
    k = sp.Symbol("k", integer=True)
    assert symbols == (x,)
    assert isinstance(expr, sp.Sum)
    assert sp.simplify(expr.doit() - sum(sp.sin(j**2 * x) / j**2 for j in range(1, 21))) == 0
    assert expr.limits == ((k, 1, 20),)


def _payloads(sentinel):
    s = str(sentinel)
    return [
        f"__import__('os').system('touch {s}')",
        f"exec(\"open('{s}', 'w')\")",
        f"eval(\"open('{s}','w')\")",
        f"open('{s}', 'w')",
        "__import__(chr(111)+chr(115)).system(chr(116))",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "x.func",
        "getattr(x, chr(95))",
        "globals()",
        "lambda: 1",
        "[x for x in (1, 2)]",
        "x if x else 1",
        "'abc'",
        "sin(x=1)",
        "foo(x)",
        "Symbol(x)",
        "1j*x",
        "I*x",
        "x == 1",
        "x and 1",
        "{x}",
        "x[0]",
        "x @ x",
        "x % 2",
        "x // 2",
        "~x",
        "x << 2",
        "9**9**9**9",
        "x; import os",
        "x # comment",
        "x \\ 2",
        "",
        "x" + "+x" * 2000,
        "abs(x)",
        "Piecewise((x, x > 0), (0, True))",
        "max(x, 1)",
        "sign(x)",
        "sum(k, (k, 1, y))",
        "sum(k, (k, 1, 10**9))",
        "sin",
        "sin(x, 2)",
        "*x",
        "x =1",
        "oo*x",
        "nan",
    ]


def test_hostile_strings_are_refused_and_nothing_runs(tmp_path):
    sentinel = tmp_path / "sentinel"
    payloads = _payloads(sentinel)
    assert len(payloads) >= 20
    for text in payloads:
        with pytest.raises(ValueError) as info:
            parse_loss(text)
        assert str(info.value), text
    assert not sentinel.exists()


def test_refusals_name_the_offending_piece():
    checks = {
        "x.__class__": "dunder",
        "foo(x)": "'foo'",
        "sin(x=1)": "keyword",
        "1j*x": "imaginary",
        "x + a": "'a'",
        "abs(x)": "non-smooth",
        "x[0]": "subscript",
        "lambda: 1": "lambda",
        "[x for x in (1, 2)]": "comprehension",
        "x % 2": "Mod",
    }
    for text, piece in checks.items():
        with pytest.raises(ValueError, match=None) as info:
            parse_loss(text, ["x"])
        assert piece in str(info.value), (text, str(info.value))


def test_sympify_would_execute_such_a_payload(tmp_path):
    """The payloads are real: plain sympify runs them (in a throwaway process)."""
    sentinel = tmp_path / "ran"
    code = (f"import sympy; sympy.sympify(\"__import__('pathlib').Path('{sentinel}')"
            ".write_text('x')\")")
    subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert sentinel.exists()
    sentinel.unlink()
    with pytest.raises(ValueError):
        parse_loss(f"__import__('pathlib').Path('{sentinel}').write_text('x')")
    assert not sentinel.exists()


def test_non_smooth_sympy_expressions_are_refused_too():
    from rollingball import Landscape

    for expr in (sp.Abs(x), sp.Max(x, 0), sp.sign(x), sp.Piecewise((x, x > 0), (0, True))):
        with pytest.raises(ValueError, match="non-smooth"):
            Landscape(expr)
    with pytest.raises(ValueError, match="imaginary"):
        Landscape(sp.I * x)


def test_command_line_refusal_is_one_line_with_status_2(tmp_path, capsys):
    sentinel = tmp_path / "sentinel"
    for text in _payloads(sentinel)[:12] + ["x + a"]:
        argv = ["info", text] + (["--variables", "x"] if text == "x + a" else [])
        assert cli_main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("rollingball: error:"), err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert not sentinel.exists()


# ----------------------------------------------------------------------- hardening (issue 11)
def test_long_chains_are_flat_not_recursive():
    expr, _ = parse_loss("+".join(["x"] * 999))
    assert expr == 999 * x
    expr, _ = parse_loss(" ".join(["x"] * 601))  # 600 implicit multiplications
    assert expr == x**601
    expr, _ = parse_loss("x-" + "-".join(["1"] * 998))
    assert expr == x - 998
    expr, _ = parse_loss("x / 2 / 2 * 8")
    assert expr == 2 * x


@pytest.mark.parametrize("text", ["sin(" * 70 + "x" + ")" * 70, "-" * 500 + "x",
                                  "x" + "^x" * 80])
def test_deep_nesting_is_a_clear_error(text):
    with pytest.raises(ValueError, match="nested more than 60 levels"):
        parse_loss(text)


@pytest.mark.parametrize(("text", "words"), [
    ("((9^999)^999)^999 * x", r"'9 \*\* 999': about 10\^953.3"),
    ("1" * 1990 + "*x", "1990-digit number"),
    ("x * 2^1000", "about 10^301"),
    ("E^700 * x", "about 10^304"),
    ("exp(1000) * x", "not finite or beyond 1e300"),
    ("1e-320 * x", "within 1e-300 and 1e300"),
    ("x * 10^200 * 10^200", "within 1e-300 and 1e300"),
])
def test_constants_are_bounded_after_evaluation(text, words):
    with pytest.raises(ValueError, match=words if "\\" in words else None) as info:
        parse_loss(text)
    assert "\\" in words or words in str(info.value)


@pytest.mark.parametrize("text", ["(-8)^(1/3)*x^2", "(-2)^(1/2) x", "log(-2) x", "sqrt(-1) x",
                                  "asinh(x) + (-1)^(0.5)"])
def test_complex_constants_are_refused(text):
    with pytest.raises(ValueError, match="complex constant"):
        parse_loss(text)


def test_real_constants_stay_exact():
    assert parse_loss("-(8^(1/3)) x")[0] == -2 * x
    assert parse_loss("(-8)^2 x")[0] == 64 * x
    assert parse_loss("(-1)^3 x")[0] == -x
    assert parse_loss("pi^(1/3) x")[0] == sp.pi ** sp.Rational(1, 3) * x
    from rollingball import Landscape

    with pytest.raises(ValueError, match="complex constant"):
        Landscape(sp.root(-8, 3) * x**2)
    assert float(Landscape("-(8^(1/3))*x^2").f(1.0)) == -2.0


def test_sum_terms_are_bounded_in_all():
    from rollingball._budget import MAX_SUM_TERMS

    assert MAX_SUM_TERMS == 10_000
    parse_loss(f"sum(sin(k x)/k^2, (k, 1, {MAX_SUM_TERMS}))")
    with pytest.raises(ValueError, match="at most 10000 terms in all"):
        parse_loss("sum(sin(k*x)/k^2, (k, 1, 100000))")
    with pytest.raises(ValueError, match="nested sums multiply"):
        parse_loss("sum(sum(j k x, (j, 1, 200)), (k, 1, 100))")
    with pytest.raises(ValueError, match="in all"):
        parse_loss("sum(k x, (k, 1, 6000)) + sum(k x^2, (k, 1, 6000))")


def test_summation_index_may_not_also_be_a_variable():
    with pytest.raises(ValueError, match="also a variable"):
        parse_loss("k + sum(k, (k, 1, 3))")


@pytest.mark.parametrize("text", ["x\r+1", "x\t+ 1", "x\x00", "x\x1b[2J", "x\x7f"])
def test_control_characters_are_refused(text):
    with pytest.raises(ValueError, match="carriage return|control character"):
        parse_loss(text)


def test_double_underscore_inside_a_name_is_not_a_dunder():
    expr, symbols = parse_loss("x__y^2 + 1")
    assert [str(s) for s in symbols] == ["x__y"] and expr == symbols[0] ** 2 + 1
    for text in ("x__ + 1", "__x", "x.__class__"):
        with pytest.raises(ValueError, match="dunder"):
            parse_loss(text)


def test_every_whitelisted_function_compiles_for_arrays():
    import math

    import numpy as np

    from rollingball import Landscape
    from rollingball.symbolic.parsing import FUNCTIONS

    refs = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp,
            "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh, "sinh": math.sinh,
            "cosh": math.cosh, "atan": math.atan, "asinh": math.asinh, "erf": math.erf}
    assert set(refs) == set(FUNCTIONS)
    t = np.array([0.3, 0.7, 1.1])
    for name, ref in refs.items():
        L = Landscape(f"{name}(x)")
        f, g, h = L.value_grad_hess(t)
        assert f.shape == (3,) and np.allclose(f, [ref(v) for v in t], rtol=1e-14), name
        step = 1e-6
        fd = [(ref(v + step) - ref(v - step)) / (2 * step) for v in t]
        assert np.allclose(g[:, 0], fd, rtol=1e-7), name
        assert np.all(np.isfinite(h)), name


def test_printed_form_of_an_accepted_loss_parses_back():
    from rollingball.symbolic.parsing import MAX_LENGTH

    terms = [f"{i}x^{i}" for i in range(1, 400)]
    text = terms[0]
    for term in terms[1:]:
        if len(text) + 1 + len(term) > MAX_LENGTH:
            break
        text += "+" + term
    expr, symbols = parse_loss(text)
    printed = str(expr)
    assert len(printed) > MAX_LENGTH  # "2x^3y" prints as "2*x**3*y"
    with pytest.raises(ValueError, match="too long"):
        parse_loss(printed)
    again, symbols2 = parse_loss(printed, max_length=4 * MAX_LENGTH)
    assert again == expr and symbols2 == symbols
