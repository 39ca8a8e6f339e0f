"""Fuzzing the command line (issue 11): loss strings and options drawn by hypothesis.

Every case runs ``rollingball.cli.main(argv)`` in its own process, forked from a worker
that imported the package once and lives under ``resource.setrlimit`` (2 GiB of address
space, so a runaway allocation is a ``MemoryError``, not a kernel kill) and a wall-clock
limit per case (the child is killed past it).  Each case must:

* exit with status 0 or 2 (a user mistake), never 1 (an internal error), never a signal
  or the time limit;
* print no traceback, and an error is exactly one line ``rollingball: error: ...``;
* leave no temporary file and no half-written output (a saved ``--out`` loads back);
* for an accepted loss: ``f`` compiled by the package is real (float64) and agrees with
  SymPy's independent evaluation (:meth:`Landscape.evalf`) wherever it is finite.

The fast part (a few dozen cases) runs by default; the long part is marked slow.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

#: Address-space limit of the worker and of every case (bytes).
MEMORY_LIMIT = 2 << 30
#: Wall-clock limit of one case (seconds).
TIME_LIMIT = 90.0

_WORKER = textwrap.dedent("""
    import json, os, resource, sys, time
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import rollingball.cli
    out = sys.stdout
    print(json.dumps({"ready": True}), file=out, flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the case: its own process, output into files
            try:
                os.chdir(job["cwd"])
                fo = os.open("stdout.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                fe = os.open("stderr.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fo, 1)
                os.dup2(fe, 2)
                sys.stdin = open(os.devnull)
                code = rollingball.cli.main(job["argv"])
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(int(code))
            except BaseException as exc:  # noqa: BLE001 - report it as a failed case
                os.write(2, f"worker child: {type(exc).__name__}: {exc}".encode())
                os._exit(99)
        deadline = time.monotonic() + job["timeout"]
        status = None
        while status is None:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw)
            elif time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                status = "timeout"
            else:
                time.sleep(0.01)
        print(json.dumps({"status": status}), file=out, flush=True)
""")


class _Worker:
    def __init__(self):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", ROLLINGBALL_LATEX="0")
        env.pop("ROLLINGBALL_TRACEBACK", None)
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER, str(MEMORY_LIMIT)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        assert json.loads(self.proc.stdout.readline()) == {"ready": True}

    def run(self, argv: list[str], cwd: str, timeout: float = TIME_LIMIT):
        self.proc.stdin.write(json.dumps({"argv": argv, "cwd": cwd, "timeout": timeout}) + "\n")
        self.proc.stdin.flush()
        status = json.loads(self.proc.stdout.readline())["status"]
        with open(os.path.join(cwd, "stdout.txt")) as fo:
            out = fo.read()
        with open(os.path.join(cwd, "stderr.txt")) as fe:
            return status, out, fe.read()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def worker():
    w = _Worker()
    yield w
    w.close()


# ------------------------------------------------------------------------------ strategies
_FUNCTIONS = ["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "atan",
              "asinh", "erf"]
_BAD_FUNCTIONS = ["abs", "foo", "eval", "__import__", "Max", "gamma", "sin.__class__"]

_numbers = st.one_of(
    st.integers(0, 12).map(str),
    st.sampled_from(["0.5", "1e-3", "1e308", "1e-320", "9^999", "1" * 400, "2.5e10", "0",
                     "(-8)^(1/3)", "(-1)^(1/2)", "pi", "E", "1j", "inf", "nan", "oo"]),
)
_leaves = st.one_of(st.sampled_from(["x", "x", "x", "y", "k", "x__y", "_x", "bumpy_bowll"]),
                    _numbers)


def _combine(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", " ", "**", "%"]),
                       children).map(lambda t: f"({t[0]}){t[1]}({t[2]})")
    call = st.tuples(st.sampled_from(_FUNCTIONS * 3 + _BAD_FUNCTIONS), children).map(
        lambda t: f"{t[0]}({t[1]})")
    neg = children.map(lambda c: f"-{c}")
    summed = st.tuples(children, st.sampled_from(["(k, 1, 5)", "(k, 1, 100000)", "(k, 5, 1)",
                                                  "(x, 1, 3)", "(k, 1, 2.5)"])).map(
        lambda t: f"sum({t[0]}, {t[1]})")
    return st.one_of(binary, call, neg, summed)


_formulas = st.recursive(_leaves, _combine, max_leaves=8)
_junk = st.text(alphabet=st.sampled_from(list("x y()+-*/^.,_0123456789eE\r\t\x00#;'\"[]{}:=ab")),
                min_size=0, max_size=30)
_losses = st.one_of(_formulas, _formulas, _formulas, _junk,
                    st.sampled_from(["sine", "parabola", "double_well", "bumpy_bowll",
                                     "weierstrass_like:n=5", "rastrigin", "sine:n=3", "-x^2",
                                     "x^1000", "sqrt(-x^2 - 1)", "x+x+x", "x" + " x" * 600]))

_good_floats = st.floats(-3, 3, allow_nan=False).map(lambda v: f"{v:.6g}")
_floats = st.one_of(_good_floats, _good_floats, _good_floats,
                    st.sampled_from(["0", "-1", "nan", "inf", "-inf", "1e300", "1e-9", "",
                                     "abc", "1,,2", "0.5,0.5", "1,"]))
_good_radii = st.floats(0.05, 2.0).map(lambda v: f"{v:.4g}")
_radii = st.one_of(_good_radii, _good_radii, _good_radii,
                   st.sampled_from(["0", "-1", "nan", "inf", "1e-300", "x"]))
_outs = st.sampled_from([None, "", "out.npz", "out.csv", "out.txt", "sub", "sub/", "missing/a.npz",
                         "file/a.npz", "/proc/rollingball-fuzz.npz"])


@st.composite
def _run_argv(draw):
    argv = ["run", draw(_losses), "--steps", str(draw(st.integers(-1, 8)))]
    if draw(st.booleans()):
        argv += ["--x0", *draw(st.lists(_floats, min_size=1, max_size=2))]
    if draw(st.booleans()):
        argv += ["--radius", draw(_radii)]
    if draw(st.booleans()):
        argv += ["--lr", draw(st.sampled_from(["0.01", "0.3", "-0.1", "nan", "0"]))]
    if draw(st.booleans()):
        argv += ["--method", draw(st.sampled_from(["rbo", "alg1", "tangent", "gd", "adam",
                                                   "sam", "bogus"]))]
    if draw(st.booleans()):
        argv += ["--box", draw(_floats), draw(_floats)]
    if draw(st.booleans()):
        argv += ["--resolution", draw(st.sampled_from(["0.05", "0.2", "0.05", "0.2", "0", "-1",
                                                       "nan", "1e300", "1e-12"]))]
    out = draw(_outs)
    if out is not None:
        argv += ["--out", out]
    return argv


@st.composite
def _geometry_argv(draw):
    command = draw(st.sampled_from(["info", "info", "reach", "iron"]))
    argv = [command, draw(_losses)]
    if command == "reach":
        argv += ["--radius", draw(_radii)]
    if command == "iron" and draw(st.booleans()):
        argv += ["--radii", draw(_radii), draw(_radii)]
    if command in ("reach", "iron"):
        lo = draw(st.sampled_from(["-1", "-1", "0.2", "0.2", "0", "-inf", "nan", "2"]))
        hi = draw(st.sampled_from(["1", "1", "1.5", "1.5", "inf", "-1", "2"]))
        argv += ["--domain", lo, hi, "--resolution",
                 draw(st.sampled_from(["0.02", "0.05", "0.05", "0.05", "0", "-1", "1e-9",
                                       "nan"]))]
    if command == "iron" and draw(st.booleans()):
        argv += ["--plot", draw(st.sampled_from(["p.png", "missing/p.png", "file/p.png",
                                                 "sub", ""]))]
    if command == "info" and draw(st.booleans()):
        argv += ["--latex"]
    return argv


# ------------------------------------------------------------------------------- checking
def _check_case(worker, argv, tmp):
    os.makedirs(os.path.join(tmp, "sub"), exist_ok=True)
    with open(os.path.join(tmp, "file"), "w") as fh:
        fh.write("a file")
    before = set(os.listdir(tmp))
    start = time.monotonic()
    status, out, err = worker.run(argv, tmp)
    if os.environ.get("ROLLINGBALL_FUZZ_LOG"):  # a JSON line per case, to see what was drawn
        with open(os.environ["ROLLINGBALL_FUZZ_LOG"], "a") as log:
            log.write(json.dumps({"argv": argv, "status": status, "err": err[-300:],
                                  "seconds": round(time.monotonic() - start, 2)}) + "\n")
    assert status in (0, 2), (argv, status, err[-2000:])
    assert "Traceback" not in err, (argv, err)
    if status == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("rollingball: error:"), (argv, err)
    left = set(os.listdir(tmp)) - before - {"stdout.txt", "stderr.txt"}
    assert not [n for n in left | set(os.listdir(tmp)) if n.endswith(".tmp")], (argv, left)
    for name in left:  # every new file is complete
        path = os.path.join(tmp, name)
        if name.endswith(".npz"):
            with np.load(path, allow_pickle=False) as z:
                assert "theta" in z.files
        elif name.endswith(".csv"):
            with open(path) as fh:
                assert fh.readline().startswith("step,ball")
        elif name.endswith(".png"):
            with open(path, "rb") as fh:
                assert fh.read(4) == b"\x89PNG"
    for name in left:
        os.remove(os.path.join(tmp, name))
    return status


def _check_accepted_loss(loss: str) -> None:
    """The compiled f is real float64 and agrees with SymPy's evaluation where finite."""
    from rollingball.cli._loss import landscape

    L = landscape(loss)
    rng = np.random.default_rng(0)
    lo = np.array([d[0] for d in L.domain])
    hi = np.array([d[1] for d in L.domain])
    pts = lo + (hi - lo) * rng.random((3, L.dim))
    with np.errstate(all="ignore"):
        values = L.f(pts[:, 0] if L.dim == 1 else pts)
    assert values.dtype == np.float64 and values.shape == (3,)
    for p, v in zip(pts, values, strict=True):
        if not np.isfinite(v) or abs(v) > 1e12:
            continue
        ref = L.evalf(L.expr, p, digits=30)
        assert math.isclose(v, ref, rel_tol=1e-8, abs_tol=1e-9), (loss, p, v, ref)


_SETTINGS = dict(deadline=None, database=None, derandomize=True,
                 suppress_health_check=list(HealthCheck))


# Explicit cases (run before the drawn ones) make sure each fast test always checks an
# accepted and a refused case.  (A separate test used to check that from a list filled by
# the others; under ``pytest -n 2`` it could run in another process than them and fail.)
@settings(max_examples=16, **_SETTINGS)
@given(argv=_geometry_argv())
@example(argv=["info", "sin(x) + x^2/10"])
@example(argv=["info", "sin(x"])
def test_fuzz_losses_fast(worker, tmp_path_factory, argv):
    tmp = str(tmp_path_factory.mktemp("case"))
    if _check_case(worker, argv, tmp) == 0 and argv[0] == "info":
        _check_accepted_loss(argv[1])


@settings(max_examples=10, **_SETTINGS)
@given(argv=_run_argv())
@example(argv=["run", "double_well", "--steps", "3", "--x0", "0.7", "--radius", "0.3"])
@example(argv=["run", "double_well", "--steps", "3", "--radius", "-1"])
def test_fuzz_run_options_fast(worker, tmp_path_factory, argv):
    _check_case(worker, argv, str(tmp_path_factory.mktemp("case")))


@pytest.mark.slow
@settings(max_examples=150, **_SETTINGS)
@given(argv=_geometry_argv())
def test_fuzz_losses_long(worker, tmp_path_factory, argv):
    tmp = str(tmp_path_factory.mktemp("case"))
    if _check_case(worker, argv, tmp) == 0 and argv[0] == "info":
        _check_accepted_loss(argv[1])


@pytest.mark.slow
@settings(max_examples=100, **_SETTINGS)
@given(argv=_run_argv())
def test_fuzz_run_options_long(worker, tmp_path_factory, argv):
    _check_case(worker, argv, str(tmp_path_factory.mktemp("case")))


def test_the_worker_enforces_the_memory_and_time_limits(worker, tmp_path):
    """The harness itself: a case that would allocate 8 GiB fails inside its limit, a case
    past its time limit is killed, and the worker survives both."""
    status, out, _ = worker.run(["info", "x^2", "--latex"], str(tmp_path))
    assert status == 0 and "x^{2}" in out
    # 10^12 steps of one ball: terabytes of history; under the limit a clear refusal or a
    # MemoryError reported in one line, never a kernel kill
    status, _, err = worker.run(["run", "x^2", "--steps", "1000000000000", "--method", "gd"],
                                str(tmp_path))
    assert status in (1, 2) and err.count("\n") == 1, err
    assert "MemoryError" in err or "budget" in err, err
    status, _, _ = worker.run(["info", "erf(x) + tanh(x) + atan(x) + asinh(x) + log(1 + x^2)"],
                              str(tmp_path), timeout=0.5)
    assert status == "timeout"
    status, _, _ = worker.run(["info", "sin(x)"], str(tmp_path))
    assert status == 0
