"""The ``rollingball`` command line.

Each command lives in its own module of this package, exposing
``register(subparsers)`` (adds its parser, with ``help`` and ``description``) and
``main(args) -> int``.  User mistakes (a ``ValueError``, a bad option, a file that cannot
be written) print one line ``rollingball: error: ...`` and exit with status 2; anything
else (a bug) prints one line ``rollingball: internal error: ...`` and exits with status 1.
Never a traceback (``ROLLINGBALL_TRACEBACK=1`` shows it, for debugging).

Options shared by several commands are checked once, before the command runs
(:func:`check_options`): sample spacings and ball radii positive and finite, boxes and
domains finite with LO < HI, points with no empty coordinate (``--x0 1,,2``), output files
writable (not a folder, not under a file, not in a missing folder, not ``/proc``), output
folders not files.  A LOSS may start with a minus sign: ``rollingball info "-x^2"``.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import re
import sys
from collections.abc import Sequence

from rollingball._files import check_target

__all__ = ["main", "build_parser", "COMMANDS"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS = ("info", "run", "iron", "reach", "check", "render", "gallery", "paper", "demo",
            "checkhealth", "sweep", "phase")


class UsageError(Exception):
    """A bad command-line option: one line, exit status 2."""


_NUMBER = r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
_OPTION_LIKE = re.compile(r"^--[A-Za-z][A-Za-z0-9_-]*(=.*)?$")
_NON_FINITE = re.compile(r"^-(inf|infinity|nan)$", re.IGNORECASE)

#: Options checked for every command that has them (see :func:`check_options`).
_POSITIVE = ("resolution", "radius", "radii", "dpi", "duration", "gamma", "offset_tol")
_FINITE = ("lr", "scale")
_INTERVALS = ("box", "domain")
_POINTS = ("x0", "starts")
#: The largest --resolution (a sample spacing in parameter units) accepted.
MAX_SPACING = 1e6
_OUTPUT_FILES = {"run": ("out",), "iron": ("plot",), "render": ("out",)}
_OUTPUT_FOLDERS = {"paper": ("out", "docs"), "demo": ("out_dir",)}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_options(args: argparse.Namespace) -> None:
    """Refuse, with a one-line ``ValueError``, option values no command can use."""
    for name in _POSITIVE:
        value = getattr(args, name, None)
        if value is None:
            continue
        for v in value if isinstance(value, list | tuple) else [value]:
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                what = " (a ball radius)" if name.startswith("radi") else ""
                raise ValueError(f"{_flag(name)} must be positive and finite{what}, got {v}")
    resolution = getattr(args, "resolution", None)
    if isinstance(resolution, float) and resolution > MAX_SPACING:
        raise ValueError(f"--resolution {resolution:g} is not a sample spacing: at most "
                         f"{MAX_SPACING:g}")
    for name in _FINITE:
        value = getattr(args, name, None)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{_flag(name)} must be finite, got {value}")
    for name in _INTERVALS:
        value = getattr(args, name, None)
        if value is None:
            continue
        lo, hi = value
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"{_flag(name)} LO HI is empty or infinite: need finite LO < HI, "
                             f"got {lo} {hi}")
    for name in _POINTS:
        for item in getattr(args, name, None) or []:
            if isinstance(item, str) and any(not p.strip() for p in item.split(",")):
                raise ValueError(f"{_flag(name)}: empty coordinate in {item!r}")
    command = getattr(args, "command", None)
    for name in _OUTPUT_FILES.get(command, ()):
        value = getattr(args, name, None)
        if value is not None:
            check_target(value, what=f"{_flag(name)} file")
    for name in _OUTPUT_FOLDERS.get(command, ()):
        value = getattr(args, name, None)
        if value is not None:
            _check_folder(os.fspath(value), _flag(name))


def _check_folder(path: str, flag: str) -> None:
    if not path.strip():
        raise ValueError(f"{flag}: the folder name is empty")
    probe = os.path.abspath(path)
    while not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise ValueError(f"{flag} {path!r}: {probe!r} is a file, not a folder")


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # negative numbers and comma-separated points ("-0.5,0.8") are values, not options
        self._negative_number_matcher = re.compile(rf"^-({_NUMBER[2:]})(,{_NUMBER})*$")

    def _parse_optional(self, arg_string):
        # "-x", "-x^2", "-sin(x)", "-inf": values (a LOSS, a number), not options; a word
        # after two dashes that is no option stays an (unknown) option
        if (arg_string.startswith("-") and arg_string not in self._option_string_actions
                and arg_string[:2] not in self._option_string_actions
                and (_NON_FINITE.match(arg_string) or not _OPTION_LIKE.match(arg_string))):
            return None
        return super()._parse_optional(arg_string)

    def error(self, message: str):  # one line, never the usage block
        where = self.prog.partition(" ")[2]
        raise UsageError(f"{where}: {message}" if where else message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rollingball",
        description="The Rolling Ball Optimizer: exact, fast, visible and checkable.",
    )
    from rollingball import __version__  # deferred: the public face imports every layer

    parser.add_argument("--version", action="version", version=f"rollingball {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"rollingball.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"rollingball.cli.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rollingball`` console script."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return 2
        check_options(args)
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(f"rollingball: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"rollingball: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the user named: missing, unreadable, disk full
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(f"rollingball: error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("rollingball: interrupted", file=sys.stderr)
        return 130
    except (MemoryError, RecursionError) as exc:
        print(f"rollingball: error: out of resources ({type(exc).__name__}): try smaller "
              "options", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line, status 1
        if os.environ.get("ROLLINGBALL_TRACEBACK"):
            raise
        print(f"rollingball: internal error: {type(exc).__name__}: {_one_line(exc)}",
              file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
