"""``python -m derive [-k ID] [--format markdown|latex|json] [--list]``: derivation tables."""
from __future__ import annotations

import argparse
import json
import sys

from . import registry
from .errors import DeriveError as UsageError
from .interrupt import Interrupted, signals_as_exceptions


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m derive", description="Print the kernel-checked derivation of each claim.")
    p.add_argument("-k", dest="patterns", action="append", default=[], metavar="SUBSTRING",
                   help="select derivations whose claim id contains SUBSTRING (may repeat)")
    p.add_argument("--format", choices=("markdown", "latex", "json"), default="markdown",
                   help="markdown (default), latex (one tabular per derivation) or json")
    p.add_argument("--list", action="store_true", help="list the derivation ids and their status only")
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
        from tabulate import tabulate

        print(tabulate([[d.claim_id, d.status, len(d.steps)] for d in derivations], ["derivation", "status", "steps"],
                       tablefmt="simple", disable_numparse=True))
    else:
        for d in derivations:
            if args.format == "latex":
                print(f"% {d.claim_id}: {d.title} (status: {d.status})")
                print(d.to_latex())
            else:
                print(d.to_markdown())
    return 1 if failed else 0


def _counts(derivations) -> dict:
    out: dict[str, int] = {}
    for d in derivations:
        key = d.verdict.base + (" given assumptions" if d.verdict.assumptions and d.verdict.base != "failed" else "")
        out[key] = out.get(key, 0) + 1
    return out
