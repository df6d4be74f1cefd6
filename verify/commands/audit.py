"""``python -m verify audit``: every checkable statement of the notes, quoted, with a verdict and evidence."""
from __future__ import annotations

import argparse
import json
import sys

from derive.layout import WRAPPED_FORMATS, paragraph
from derive.layout import table as _layout

from ..audit import UNCHECKABLE, run_audit
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
                   help="only statements whose source or claim contains SUBSTRING (may repeat)")
    _layout_option(p)


def main(args: argparse.Namespace) -> int:
    from ..audit import STATEMENTS
    from ..errors import UsageError

    chosen = [s for s in STATEMENTS
              if not args.patterns or any(p in s.source or p in (s.claim or "") for p in args.patterns)]
    if not chosen:
        raise UsageError(f"no statement's source or claim contains any of {args.patterns}")
    progress = sys.stderr.isatty()
    if progress:
        print(f"auditing {len(chosen)} statements (runs the claims they cite) ...", end="", file=sys.stderr,
              flush=True)
    rows = run_audit(seed=args.seed, statements=chosen)
    if progress:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    if args.format == "json":
        print(json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False))
    else:
        body = [[r.statement.source, r.statement.quote, r.statement.verdict
                 + ("" if r.finding.consistent else " (EVIDENCE DISAGREES)"), r.statement.claim or "—",
                 r.finding.text, r.statement.correction or "—"] for r in rows]
        headers = ["source", "quote", "verdict", "claim", "evidence", "correction"]
        if args.format in WRAPPED_FORMATS and not args.wide:
            # to fit a terminal, source, claim and verdict share the first column, one per line: the claim id
            # stays whole (it is what -k takes) and the quote, evidence and correction get the width
            body = [[f"{source}\n{claim}\n{verdict}", quote, evidence, correction]
                    for source, quote, verdict, claim, evidence, correction in body]
            headers = ["source\nclaim\nverdict", "quote", "evidence", "correction"]
        print(_layout(body, headers, args.format, keep=(0,), wide=args.wide))
        counts = {v: sum(r.statement.verdict == v for r in rows) for v in ("holds", "conditional", "fails",
                                                                            "notation")}
        out = summary_stream(args.format)
        print(paragraph(f"{len(rows)} statement{'' if len(rows) == 1 else 's'}: "
                        + ", ".join(f"{n} {v}" for v, n in counts.items())
                        + "; not checkable: " + "; ".join(f"{k} ({why})" for k, why in UNCHECKABLE.items()),
                        args.wide), file=out)
    bad = [r for r in rows if not r.finding.consistent]
    if bad and args.format != "json":
        for r in bad:
            print(paragraph(f"  evidence disagrees with the verdict for {r.statement.source}: {r.finding.text}",
                            args.wide), file=summary_stream(args.format))
    return 1 if bad else 0
