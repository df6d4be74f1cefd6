"""``python -m verify audit``: every checkable statement of the notes, quoted, with a verdict and evidence;
every other sentence, formula line and table row listed with the reason it is not checkable."""
from __future__ import annotations

import argparse
import json
import sys

from derive.layout import WRAPPED_FORMATS, paragraph
from derive.layout import table as _layout

from ..audit_units import plain_quote
from ._args import layout as _layout_option
from ._args import seed as _seed
from ._args import summary_stream
from ._args import table_format as _format

HELP = "audit the notes: each checkable statement quoted, with its verdict, evidence computed now, and a correction"



def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=_seed, default=0, help="root seed of the Monte Carlo evidence (default 0)")
    p.add_argument("--format", type=_format, default="simple", metavar="FMT",
                   help="json, or a tabulate table format (default simple)")
    p.add_argument("-k", dest="patterns", action="append", default=[], metavar="SUBSTRING",
                   help="only statements (and not-checkable units) whose source, claim or quote contains "
                        "SUBSTRING (may repeat)")
    _layout_option(p)


def _chosen(items, patterns, fields):
    return [x for x in items if not patterns or any(p in (getattr(x, f, None) or "") for p in patterns
                                                    for f in fields)]


def main(args: argparse.Namespace) -> int:
    from ..audit import STATEMENTS, not_checkable_list, run_audit
    from ..errors import UsageError

    chosen = _chosen(STATEMENTS, args.patterns, ("source", "claim", "quote"))
    skipped = _chosen(not_checkable_list(), args.patterns, ("source", "quote"))
    if not chosen and not skipped:
        raise UsageError(f"no statement's source, claim or quote contains any of {args.patterns}")
    progress = sys.stderr.isatty()
    if progress:
        print(f"auditing {len(chosen)} statements ...", end="", file=sys.stderr, flush=True)
    rows = run_audit(seed=args.seed, statements=chosen)
    if progress:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    bad = [r for r in rows if not r.consistent]
    if args.format == "json":
        print(json.dumps({"findings": [r.to_json() for r in rows], "not_checkable": [n.to_json() for n in skipped]},
                         indent=2, ensure_ascii=False))
        return 1 if bad else 0
    fits = args.format in WRAPPED_FORMATS and not args.wide
    if rows:
        body = [[r.statement.source, r.statement.quote,
                 r.statement.verdict + ("" if r.consistent else f" (EVIDENCE SAYS {r.finding.verdict.upper()})"),
                 r.statement.claim or "—", r.finding.text,
                 "; ".join(x for x in (r.statement.correction, r.statement.reading and "reading: " + r.statement.reading)
                           if x) or "—"] for r in rows]
        headers = ["source", "quote", "verdict", "claim", "evidence", "correction / reading"]
        if fits:
            # to fit a terminal, source, claim and verdict share the first column, one per line: the claim id
            # stays whole (it is what -k takes) and the quote, evidence and correction get the width
            body = [[f"{source}\n{claim}\n{verdict}", plain_quote(quote), evidence, correction]
                    for source, quote, verdict, claim, evidence, correction in body]
            headers = ["source\nclaim\nverdict", "quote", "evidence", "correction / reading"]
        print(_layout(body, headers, args.format, keep=(0,), wide=args.wide))
    if skipped:
        print()
        print(_layout([[n.source, plain_quote(n.quote) if fits else n.quote, n.reason] for n in skipped],
                      ["source", "not checkable", "reason"],
                      args.format, keep=(0, 2), wide=args.wide))
    counts = {v: sum(r.statement.verdict == v for r in rows) for v in ("holds", "conditional", "fails", "notation")}
    out = summary_stream(args.format)
    print(paragraph(f"{len(rows)} statement{'' if len(rows) == 1 else 's'}: "
                    + ", ".join(f"{n} {v}" for v, n in counts.items()) + f"; {len(skipped)} not checkable",
                    args.wide), file=out)
    for r in bad:
        print(paragraph(f"  evidence disagrees with the verdict for {r.statement.source} {r.statement.quote[:40]!r}: "
                        f"{r.finding.text[:60]}", args.wide), file=out)
    return 1 if bad else 0
