"""``python -m verify run``: run the claims and print one row per claim, or JSON."""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time

from derive.layout import WRAPPED_FORMATS, paragraph
from derive.layout import table as _layout
from derive.tables import short_status

from ..claim import Budget, ClaimResult
from ..errors import UsageError
from ..mc import DEFAULT_ALPHA
from ..parallel import Outcome, available_cores, jobs_argument, run_claims
from ..registry import RegistryError, all_claims, select
from ._args import layout as _layout_option
from ._args import seed as _seed
from ._args import summary_stream
from ._args import table_format as _format

HELP = "run every claim (or those selected with -k) and print a verdict table"

ALPHA_RANGE = (1e-12, 0.5)
"""--alpha range: a false-alarm rate the statistics can represent after the Bonferroni split over a claim's
checks (z_critical at 1e-12/10⁶ is 8.5, still a float64 quantile); above 0.5 a check is a coin toss."""


def _probability(text: str) -> float:
    low, high = ALPHA_RANGE
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [{low:g}, {high:g}], got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be a number in [{low:g}, {high:g}], got {text!r}")
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
        raise argparse.ArgumentTypeError(f"must be a number between {MIN_BUDGET:g} and {MAX_BUDGET:g}, "
                                         f"got {text!r}") from None
    if not (math.isfinite(value) and MIN_BUDGET <= value <= MAX_BUDGET):
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
    _layout_option(p)
    p.add_argument("-j", "--jobs", type=jobs_argument, default=None, metavar="N",
                   help=f"run claims in N worker processes, same output as -j 1 "
                        f"(default: the cores available, here {available_cores()})")


def _fmt(value, digits: int = 6) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.{digits}g}"


def _worst_check(row: dict) -> dict | None:
    """The check the row's summary (expected, estimate, z) comes from: the one closest to failing."""
    for c in row["checks"]:
        if c["z"] == row["z"] and c["estimate"] == row["estimate"] and c["expected"] == row["expected"]:
            return c
    return None


def _check_name(row: dict, check: dict | None) -> str:
    """'backward: ' when a claim runs several kinds of check, so a number is not read as another quantity."""
    if check is None or len(row["checks"]) < 2:
        return ""
    if len({c["config"].get("check") for c in row["checks"]}) >= 2:
        return f"{check['config'].get('check')}: "
    # one kind of check at several settings (a law, a q): name the setting of the one shown
    keys = sorted({k for c in row["checks"] for k in c["config"]
                   if len({repr(d["config"].get(k)) for d in row["checks"]}) > 1})
    if not keys or len(keys) > 2:
        return ""
    shown = [str(v) if isinstance(v, str) else (k if v else f"no {k}").replace("_", " ") if isinstance(v, bool)
             else f"{k} = {_fmt(v, 3) if isinstance(v, float) else v}"
             for k in keys if (v := check["config"].get(k)) is not None]
    return f"{', '.join(shown)}: " if shown else ""


def _estimate_cell(row: dict) -> str:
    kinds = {c["kind"] for c in row["checks"]}
    if kinds <= {"exact"}:
        return f"{row['cases']} cases, exact"
    if kinds <= {"exact", "bounded"}:
        return f"{row['cases']} points, bounded"
    if row["estimate"] is None:
        return "—"
    spread = f" ± {_fmt(row['stderr'], 2)}" if row["stderr"] is not None else ""
    return f"{_fmt(row['estimate'])}{spread}"


def _expected_cell(row: dict) -> str:
    """The value the estimate is compared with (and, for a bounded check, the allowed distance)."""
    kinds = {c["kind"] for c in row["checks"]}
    if kinds <= {"exact"}:
        return "each case"
    if kinds <= {"exact", "bounded"}:
        return "closed form at each point"
    if row["expected"] is None:
        return "—"
    worst = _worst_check(row)
    bound = f" ± {_fmt(worst['bound'], 2)} (bound)" if worst is not None and worst["bound"] is not None else ""
    return f"{_check_name(row, worst)}{_fmt(row['expected'])}{bound}"


def _z_text(z, kind: str) -> str:
    if z is None:
        return "exact" if kind == "exact" else "—"
    return f"{_fmt(z, 3)} × bound" if kind == "bounded" else _fmt(z, 3)


def _z_cell(row: dict) -> str:
    kinds = [c["kind"] for c in row["checks"]]
    worst = max(row["checks"], key=lambda c: -1 if c["z"] is None else c["z"] / (c["z_critical"] or 1), default=None)
    if worst is None or row["z"] is None:
        return "exact" if set(kinds) == {"exact"} else "—"
    return _z_text(row["z"], worst["kind"])


_LONG_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d{7,}")


def _short_numbers(formula: str) -> str:
    """A closed form's long decimals (quadrature values, 12 digits) to 6 significant digits for a terminal
    column; the JSON and --wide keep every digit."""
    return _LONG_DECIMAL.sub(lambda m: f"{float(m.group()):.6g}", formula)


def _table(rows: list[dict], fmt: str, wide: bool = False) -> str:
    body = []
    fits = fmt in WRAPPED_FORMATS and not wide  # a terminal table: shortened numbers, statuses on two lines
    for r in rows:
        control = r["control"]
        weakest = [c for c in r["checks"] if c["control_z"] is not None and c["control_z"] == control["z"]]
        control_z = _fmt(control["z"], 3) if weakest and control["z"] is not None else ""
        control_cell = (f"({control_z})" if control_z else "(rejected)") if control["rejected"] else \
            f"({control_z + ': ' if control_z else ''}NOT rejected)"
        verdict = "fail (proof)" if r["proof"] == "failed" else r["verdict"] if r["check"] != "inconclusive" \
            else "fail (inconclusive)"
        proof = short_status(r["proof"])
        if fits:  # 'proved, 3 assumed' on two lines, never broken inside
            proof = proof.replace(", ", ",\n")
        body.append([r["id"], proof, _short_numbers(r["formula"]) if fits else r["formula"],
                     _expected_cell(r), _estimate_cell(r),
                     f"{_z_cell(r)} {control_cell}", verdict])
    headers = ["claim", "proof", "closed form", "compared with", "estimate", "z (control z)", "verdict"]
    return _layout(body, headers, fmt, keep=(0, 1), wide=wide)  # ids and statuses never break


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
            print(_layout(rows, ["claim", "title", "source", "checks"], args.format, keep=(0, 3), wide=args.wide))
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
        print(_table(rows, args.format, args.wide))
        out = summary_stream(args.format)
        for o in outcomes:
            if not o.passed:
                print(paragraph(o.explanation, args.wide), file=out)
        print(paragraph(f"{_plural(len(outcomes), 'claim')}: {passed} passed, {len(outcomes) - passed} failed "
                        f"(seed {args.seed}, α = {args.alpha:g} per claim, {_seconds(seconds)}); "
                        f"proofs: {_proof_counts(outcomes)}", args.wide), file=out)
    return 0 if passed == len(outcomes) else 1


def _plural(n: int, noun: str) -> str:
    """'1 claim', '2 claims'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _seconds(seconds: float) -> str:
    """'6.1 s', '0.04 s' (never '0.0 s')."""
    return f"{seconds:.1f} s" if seconds >= 0.95 else f"{seconds:.2g} s"


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
