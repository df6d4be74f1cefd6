"""``python -m verify``: the command line. Subcommands live in ``verify.commands.<name>``.

Each subcommand module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``main(args) -> int``.
Exit status: 0 all hold, 1 a claim fails, 2 bad usage or input (one line on stderr, no traceback),
130 interrupted (SIGINT), 143 terminated (SIGTERM, while claims run in workers).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import UsageError
from .parallel import Terminated

SUBCOMMANDS = {
    "run": "verify.commands.run",
    "audit": "verify.commands.audit",
    "report": "verify.commands.report",
    "rf": "verify.commands.rf",
    "gain": "verify.commands.gain",
}
"""Subcommand name -> module. ``run`` is the default when no subcommand is named."""

PROG = "python -m verify"


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing a usage dump and exiting."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Prove, implement and check the mathematics of deep learning.",
                     epilog="Without a subcommand, `run` is assumed: `python -m verify -k xavier`; its options "
                            "(-k, --seed, --format, --list, --module, --alpha, --budget, -j): "
                            "`python -m verify run --help`. An argument that starts with '-' (an expression) "
                            "goes after `--`.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_main=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "run")
    try:
        args = build_parser().parse_args(argv)
        return int(args._main(args))
    except UsageError as exc:
        print(f"verify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("verify: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("verify: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error still gets one line; VERIFY_DEBUG=1 shows the traceback
        if os.environ.get("VERIFY_DEBUG"):
            raise
        print(f"verify: internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
              " (set VERIFY_DEBUG=1 for the traceback)", file=sys.stderr)
        return 2
