"""``python -m verify``: the command line. Subcommands live in ``verify.commands.<name>``.

Each subcommand module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``main(args) -> int``.
Exit status: 0 all hold, 1 a claim fails, 2 bad usage or input (one line on stderr, no traceback),
130/143 interrupted by SIGINT/SIGTERM (one line).
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import sys
import textwrap

from derive.interrupt import Interrupted, signals_as_exceptions

from .errors import UsageError
from .parallel import Terminated

SUBCOMMANDS = {
    "run": "verify.commands.run",
    "audit": "verify.commands.audit",
    "report": "verify.commands.report",
    "rf": "verify.commands.rf",
    "gain": "verify.commands.gain",
    "kernel": "verify.commands.kernel",
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
                            "(-k, --seed, --format, --list, --module, --alpha, --budget, --wide, -j): "
                            "`python -m verify run --help`. An argument that starts with '-' (an expression) "
                            "goes after `--`.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_main=module.main)
    return parser


def _unknown_command(word: str) -> str:
    """'unknown command 'runn'; did you mean 'run'? ...' (close matches by difflib)."""
    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown command {word!r}; {hint}commands: {', '.join(SUBCOMMANDS)}"


def main(argv: list[str] | None = None) -> int:
    try:
        with signals_as_exceptions():
            return _main(argv)
    except Interrupted as exc:  # a signal between the handlers' install and _main's own handling
        print(f"verify: {exc}", file=sys.stderr)
        return exc.exit_code


def error_lines(text: str, stream=None) -> str:
    """An error as one line for a pipe or a log (grep finds it whole); on a terminal, each line wrapped to
    its width with continuation lines indented, so nothing runs past the right edge."""
    stream = sys.stderr if stream is None else stream
    if not getattr(stream, "isatty", lambda: False)():
        return text
    from derive.layout import terminal_width

    width = terminal_width()
    out = []
    for line in text.split("\n"):
        out.extend(textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False) or [line])
    return "\n".join(out)


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "run")
    try:
        if argv[0] == "run" and len(argv) > 1 and argv[1] not in SUBCOMMANDS and not argv[1].startswith("-"):
            raise UsageError(_unknown_command(argv[1]))  # `run` takes no positional argument
        args = build_parser().parse_args(argv)
        return int(args._main(args))
    except UsageError as exc:
        message = str(exc)
        if argv[0] == "gain" and any(a.startswith("-") and a not in ("--",) for a in argv[1:]) \
                and ("unrecognized arguments" in message or "expected one argument" in message
                     or "required" in message):
            typed = re.search(r"unrecognized arguments: (-\S.*)$", message)
            expression = typed[1].split()[0] if typed else "-x"
            message += (f"; an expression that starts with '-' goes last, after --: "
                        f"python -m verify gain [OPTIONS] -- '{expression}'")
        print(error_lines(f"verify: error: {message}"), file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("verify: interrupted by SIGINT", file=sys.stderr)
        return 130
    except Terminated:
        print("verify: interrupted by SIGTERM", file=sys.stderr)   # raised by -j's workers' supervisor
        return 143
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error still gets one line; VERIFY_DEBUG=1 shows the traceback
        if os.environ.get("VERIFY_DEBUG"):
            raise
        print(f"verify: internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
              " (set VERIFY_DEBUG=1 for the traceback)", file=sys.stderr)
        return 2
