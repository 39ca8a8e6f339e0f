"""The ``rollingball`` command line.

Each command lives in its own module of this package, exposing
``register(subparsers)`` (adds its parser, with ``help`` and ``description``) and
``main(args) -> int``.  User mistakes (a ``ValueError`` or a bad option) print one
line ``rollingball: error: ...`` and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence

__all__ = ["main", "build_parser", "COMMANDS"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS = ("info", "run", "iron", "reach", "check", "render", "paper", "demo", "checkhealth")


class UsageError(Exception):
    """A bad command-line option: one line, exit status 2."""


_NUMBER = r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # negative numbers and comma-separated points ("-0.5,0.8") are values, not options
        self._negative_number_matcher = re.compile(rf"^-({_NUMBER[2:]})(,{_NUMBER})*$")

    def error(self, message: str):  # one line, never the usage block
        where = self.prog.partition(" ")[2]
        raise UsageError(f"{where}: {message}" if where else message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rollingball",
        description="The Rolling Ball Optimizer: exact, fast, visible and checkable.",
    )
    from rollingball import __version__

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
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(f"rollingball: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"rollingball: error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("rollingball: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
