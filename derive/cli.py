"""``python -m derive [-k ID] [--format text|markdown|latex|json] [--list] [--wide]``: derivation tables.

The default ``text`` fits the terminal (long columns wrapped between words, ids whole; ``--wide`` leaves
them unwrapped); ``markdown`` is what docs/derivations.md holds."""
from __future__ import annotations

import argparse
import json
import sys

from . import registry, tables
from .tables import short_status
from .errors import DeriveError as UsageError
from .interrupt import Interrupted, signals_as_exceptions


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m derive", description="Print the kernel-checked derivation of each claim.")
    p.add_argument("-k", dest="patterns", action="append", default=[], metavar="SUBSTRING",
                   help="select derivations whose claim id contains SUBSTRING (may repeat)")
    p.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text",
                   help="text (default: plain tables that fit the terminal), markdown, latex (one tabular per "
                        "derivation) or json")
    p.add_argument("--list", action="store_true", help="list the derivations: id, title, status, steps")
    p.add_argument("--wide", action="store_true", help="do not wrap long text columns to the terminal's width")
    return p


def main(argv: list[str] | None = None) -> int:
    """Exit 0 all proved, 1 a derivation failed, 2 bad usage, 130/143 SIGINT/SIGTERM (one line each)."""
    try:
        with signals_as_exceptions():
            return _main(argv)
    except Interrupted as exc:
        print(f"derive: {exc}", file=sys.stderr)
        return exc.exit_code


def _main(argv: list[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        ids = [i for i in registry.ids() if not args.patterns or any(p in i for p in args.patterns)]
        if not ids:
            raise UsageError(f"no derivation id contains any of {args.patterns}; see `python -m derive --list`")
    except UsageError as exc:
        print(f"derive: error: {exc}", file=sys.stderr)
        return 2
    try:
        return _print(ids, args)
    except BrokenPipeError:  # `python -m derive | head`
        return 0


def _print(ids: list[str], args) -> int:
    derivations = [registry.get(claim_id) for claim_id in ids]
    failed = sum(d.verdict.base == "failed" for d in derivations)
    if args.format == "json":
        print(json.dumps({"derivations": [d.to_json() for d in derivations], "summary": _counts(derivations)},
                         indent=2, ensure_ascii=False))
    elif args.list:
        from .layout import table

        fmt = {"text": "simple", "markdown": "github", "latex": "latex"}[args.format]
        print(table([[d.claim_id, d.title, short_status(str(d.status)), len(d.steps)] for d in derivations],
                    ["derivation", "title", "status", "steps"], fmt, keep=(0, 2, 3), wide=args.wide))
    else:
        for d in derivations:
            if args.format == "latex":
                print(f"% {d.claim_id}: {d.title} (status: {d.status})")
                print(d.to_latex())
            elif args.format == "markdown":
                print(d.to_markdown())
            else:
                print(tables.text(d, args.wide))
    return 1 if failed else 0


def _counts(derivations) -> dict:
    out: dict[str, int] = {}
    for d in derivations:
        key = d.verdict.base + (" given assumptions" if d.verdict.assumptions and d.verdict.base != "failed" else "")
        out[key] = out.get(key, 0) + 1
    return out
