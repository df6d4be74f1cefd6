"""``python -m verify run``: run the claims and print one row per claim, or JSON."""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

from tabulate import tabulate

from ..claim import Budget, ClaimResult
from ..errors import UsageError
from ..mc import DEFAULT_ALPHA
from ..parallel import Outcome, available_cores, jobs_argument, run_claims
from ..registry import RegistryError, all_claims, select
from ._args import seed as _seed
from ._args import table_format as _format

HELP = "run every claim (or those selected with -k) and print a verdict table"

def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1), got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1), got {text!r}")
    return value


MIN_BUDGET = 0.1
MAX_BUDGET = 1000.0
"""--budget range: below MIN_BUDGET some claims get so few replicates that the normal approximation behind
z·se fails (a true formula then fails: at 1e-300, 2 replicates each); above MAX_BUDGET a run takes hours or
asks for arrays numpy cannot allocate."""


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    if not MIN_BUDGET <= value <= MAX_BUDGET:
        raise argparse.ArgumentTypeError(f"must be between {MIN_BUDGET:g} and {MAX_BUDGET:g}, got {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", dest="patterns", action="append", default=[], metavar="SUBSTRING",
                   help="select claims whose id contains SUBSTRING (may repeat; any match selects)")
    p.add_argument("--seed", type=_seed, default=0, help="root seed (default 0); same seed, same output")
    p.add_argument("--format", type=_format, default="simple", metavar="FMT",
                   help="json, or a tabulate table format: simple (default), github, latex, html, ...")
    p.add_argument("--list", action="store_true", help="list the selected claims without running them")
    p.add_argument("--module", action="append", default=[], metavar="PKG.MOD",
                   help="also load the claims of a module of your own (its CLAIMS list); may repeat")
    p.add_argument("--alpha", type=_probability, default=DEFAULT_ALPHA,
                   help=f"false-alarm rate per claim, split over its checks (default {DEFAULT_ALPHA:g})")
    p.add_argument("--budget", type=_positive, default=1.0,
                   help="multiply every claim's default number of replicates (default 1)")
    p.add_argument("-j", "--jobs", type=jobs_argument, default=None, metavar="N",
                   help=f"run claims in N worker processes, same output as -j 1 "
                        f"(default: the cores available, here {available_cores()})")


def _fmt(value, digits: int = 6) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.{digits}g}"


def _estimate_cell(row: dict) -> str:
    kinds = {c["kind"] for c in row["checks"]}
    if kinds <= {"exact"}:
        return f"{row['cases']} cases, exact"
    if kinds <= {"exact", "bounded"}:
        return f"{row['cases']} points, bounded"
    if row["estimate"] is None:
        return "—"
    return f"{_fmt(row['estimate'])} ± {_fmt(row['stderr'], 2)}"


def _z_text(z, kind: str) -> str:
    if z is None:
        return "exact" if kind == "exact" else "—"
    return f"{_fmt(z, 3)}×bound" if kind == "bounded" else _fmt(z, 3)


def _z_cell(row: dict) -> str:
    kinds = [c["kind"] for c in row["checks"]]
    worst = max(row["checks"], key=lambda c: -1 if c["z"] is None else c["z"] / (c["z_critical"] or 1), default=None)
    if worst is None or row["z"] is None:
        return "exact" if set(kinds) == {"exact"} else "—"
    return _z_text(row["z"], worst["kind"])


def _table(rows: list[dict], fmt: str) -> str:
    body = []
    for r in rows:
        control = r["control"]
        weakest = [c for c in r["checks"] if c["control_z"] is not None and c["control_z"] == control["z"]]
        control_cell = ("rejected" if control["rejected"] else "NOT rejected") + (
            f" ({_z_text(control['z'], weakest[0]['kind'])})" if weakest else "")
        verdict = "fail (proof)" if r["proof"] == "failed" else r["verdict"] if r["check"] != "inconclusive" \
            else "fail (inconclusive)"
        body.append([r["id"], r["source"], r["proof"], r["formula"], _estimate_cell(r), _z_cell(r),
                     control_cell, verdict])
    headers = ["claim", "source", "proof", "closed form", "estimate", "z", "control", "verdict"]
    return tabulate(body, headers, tablefmt=fmt, disable_numparse=True)


def main(args: argparse.Namespace) -> int:
    try:
        claims = select(all_claims(args.module), args.patterns)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    if not claims:
        raise UsageError(f"no claim id contains any of {args.patterns}; see `python -m verify --list`")
    if args.list:
        rows = [[c.id, c.title, c.source, len(c.configs)] for c in claims]
        if args.format == "json":
            print(json.dumps([{"id": c.id, "title": c.title, "source": c.source, "configs": len(c.configs)}
                              for c in claims], indent=2))
        else:
            print(tabulate(rows, ["claim", "title", "source", "checks"], tablefmt=args.format,
                           disable_numparse=True))
        return 0

    budget = Budget(args.budget)
    jobs = args.jobs if args.jobs is not None else available_cores()
    start = time.perf_counter()
    progress = sys.stderr.isatty()

    def show(done: int, claim_id: str) -> None:
        print(f"\r\033[K[{done}/{len(claims)}] {claim_id}", end="", file=sys.stderr, flush=True)

    outcomes = run_claims(claims, seed=args.seed, alpha=args.alpha, budget=budget, jobs=jobs,
                          modules=args.module, patterns=args.patterns, explain=_explain,
                          progress=show if progress else None)
    if progress:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    rows = [o.row for o in outcomes]
    passed = sum(o.passed for o in outcomes)
    proofs: dict[str, int] = {}
    for o in outcomes:
        proofs[o.proof] = proofs.get(o.proof, 0) + 1
    summary = {"claims": len(outcomes), "passed": passed, "failed": len(outcomes) - passed, "proofs": proofs,
               "seconds": round(seconds, 3)}
    if args.format == "json":
        print(json.dumps({"seed": args.seed, "alpha": args.alpha, "budget": args.budget, "claims": rows,
                          "summary": summary}, indent=2, allow_nan=False))
    else:
        print(_table(rows, args.format))
        for o in outcomes:
            if not o.passed:
                print(o.explanation)
        print(f"{len(outcomes)} claims: {passed} passed, {len(outcomes) - passed} failed "
              f"(seed {args.seed}, α = {args.alpha:g} per claim, {seconds:.1f} s); proofs: {_proof_counts(outcomes)}")
    return 0 if passed == len(outcomes) else 1


def _proof_counts(outcomes: list[Outcome]) -> str:
    """How many proofs are proved, proved given assumptions, numeric, failed, unlinked, none."""
    counts: dict[str, int] = {}
    for r in outcomes:
        key = "proved given assumptions" if r.proof.startswith("proved given") else \
            "numeric given assumptions" if r.proof.startswith("numeric given") else r.proof
        counts[key] = counts.get(key, 0) + 1
    order = ["proved", "proved given assumptions", "numeric", "numeric given assumptions", "unlinked", "none", "failed"]
    return ", ".join(f"{counts[k]} {k}" for k in order if k in counts)


def _explain(r: ClaimResult) -> str:
    """Why a claim did not pass, in a line or two under the table."""
    reasons = []
    if r.proof == "failed":
        reasons.append(f"proof {r.proof}: {r.proof_detail or 'no step checks'}")
    for c in r.checks:
        if c.error:
            reasons.append(f"{c.config}: error {c.error}")
        elif not c.passed:
            reasons.append(f"{c.config}: closed form off by z = {_fmt(c.z, 3)}")
        elif c.control_rejected is False:
            reasons.append(f"{c.config}: control not rejected (z = {_fmt(c.control_z, 3)})")
    if r.check == "inconclusive" and not any(c.control_rejected is not None for c in r.checks):
        reasons.append("no configuration could reject the control")
    return f"  {r.claim.id}: " + "; ".join(reasons)
