"""Calibration study: does "pass" mean right and "fail" mean wrong, across many root seeds?

For every claim with a Monte Carlo check, run it under seeds 0..N-1 and report per claim:
- false failures: seeds in which the true closed form failed (designed rate: at most alpha per claim);
- control rejections: seeds in which the negative control was rejected (goal: 100 %);
- the median z of the truth and of the control (over seeds, at each seed's worst check);
- the smallest detectable effect: z_crit·se relative to the closed form, at the check with the largest
  such ratio (an error in the formula smaller than this could pass).

Usage: python bench/calibration.py [--seeds 100] [--workers 2] [-k SUBSTRING] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tabulate import tabulate  # noqa: E402

from verify.claim import run_claim
from verify.results import result_to_json
from verify.mc import DEFAULT_ALPHA  # noqa: E402
from verify.registry import builtin_claims, select  # noqa: E402


def stochastic_claims(patterns):
    out = []
    for claim in select(builtin_claims(), patterns):
        out.append(claim.id)
    return out


def _run(args):
    claim_id, seeds = args
    import numpy as np

    claims = {c.id: c for c in builtin_claims()}
    rows = []
    for seed in seeds:
        with np.errstate(all="ignore"):
            r = run_claim(claims[claim_id], seed=seed)
        j = result_to_json(r)
        mc = [c for c in j["checks"] if c["kind"] == "monte-carlo"]
        if not mc:
            return claim_id, None
        detect = max((c["z_critical"] * c["stderr"] / abs(c["expected"])) if c["expected"] else math.inf
                     for c in mc if c["stderr"] is not None)
        controls = [c["control_z"] for c in mc if c["control_z"] is not None]
        rows.append({"seed": seed, "truth_pass": all(c["pass"] for c in j["checks"]),
                     "control_rejected": j["control"]["rejected"],
                     "z": max(c["z"] for c in mc if c["z"] is not None),
                     "control_z": min(controls) if controls else None, "detect": detect,
                     "z_critical": mc[0]["z_critical"], "seconds": j["seconds"]})
    return claim_id, rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=100)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("-k", dest="patterns", action="append", default=[])
    p.add_argument("--json", type=Path, default=None, help="also write the per-seed rows here")
    args = p.parse_args(argv)
    ids = stochastic_claims(args.patterns)
    seeds = list(range(args.seeds))
    start = time.perf_counter()
    # one task per (claim, block of seeds), so both workers stay busy
    blocks = [seeds[i:i + 10] for i in range(0, len(seeds), 10)]
    tasks = [(cid, block) for cid in ids for block in blocks]
    results: dict[str, list] = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for cid, rows in pool.map(_run, tasks):
            if rows is not None:
                results.setdefault(cid, []).extend(rows)
    seconds = time.perf_counter() - start
    table = []
    total_false = 0
    for cid, rows in results.items():
        false = sum(not r["truth_pass"] for r in rows)
        total_false += false
        rejected = sum(r["control_rejected"] for r in rows)
        cz = [r["control_z"] for r in rows if r["control_z"] is not None]
        table.append([cid, len(rows), false, f"{100 * rejected / len(rows):.0f} %",
                      f"{statistics.median(r['z'] for r in rows):.2f}",
                      f"{statistics.median(cz):.1f}" if cz else "—",
                      f"{statistics.median(r['detect'] for r in rows):.2%}"])
    print(tabulate(table, ["claim", "seeds", "false failures", "control rejected", "median z",
                           "median control z", "smallest detectable (rel.)"], tablefmt="github"))
    n_runs = sum(len(r) for r in results.values())
    print(f"\n{len(results)} stochastic claims × {args.seeds} seeds = {n_runs} claim runs in {seconds:.0f} s "
          f"({args.workers} workers); false failures: {total_false} (designed: at most α = {DEFAULT_ALPHA:g} "
          f"per claim run, {DEFAULT_ALPHA * n_runs:.1e} expected in total)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    all_rejected = all(r["control_rejected"] for rows in results.values() for r in rows)
    print(f"false_failures={total_false} controls_always_rejected={str(all_rejected).lower()}")
    return 0 if total_false == 0 and all_rejected else 1


if __name__ == "__main__":
    sys.exit(main())
