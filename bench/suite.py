"""Performance budget of the whole toolkit, on this machine.

Measures, each in a fresh child process (so peak memory is that run's own, from getrusage):
- the full `python -m verify` at the default budget: wall time, peak RSS (every run is a first run: no verdict
  is cached between runs);
- `python -m derive` (every derivation);
- the five slowest claims (from the JSON timings);
- how Monte Carlo time and peak memory scale with the sample budget (--budget 1 and 10) on a few claims.

Goals (2-core machine): verify under 30 s wall, peak under 500 MB; ×10 samples costs at most ×10 time with flat
memory. Last line: verify_seconds=<s> verify_peak_mb=<MB> derive_seconds=<s>
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
SCALING_CLAIMS = ["init.kaiming", "propagation.forward", "residual.depth", "gain.tanh"]


def measure(argv, env_extra=None):
    """Wall seconds, peak RSS (MB) and stdout of one child process."""
    env = {**os.environ, **(env_extra or {})}
    code = ("import resource, runpy, sys; sys.argv = sys.argv[1:];"
            "rc = 0\n"
            "try:\n    runpy.run_module(sys.argv[0], run_name='__main__')\n"
            "except SystemExit as e:\n    rc = e.code or 0\n"
            "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(rc)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT, env=env)
    seconds = time.perf_counter() - start
    peak = [int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_KB")]
    return seconds, (peak[-1] / 1024 if peak else float("nan")), done.stdout, done.returncode


def main(argv=None) -> int:
    import argparse

    argparse.ArgumentParser(description=__doc__.splitlines()[0],
                            epilog="Takes about two minutes; no options.").parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    verify_s, verify_mb, out, rc = measure(["verify", "--format", "json"])
    derive_s, derive_mb, _, _ = measure(["derive"])
    doc = json.loads(out)
    rows = [["python -m verify", f"{verify_s:.1f}", f"{verify_mb:.0f}",
             f"{doc['summary']['passed']}/{doc['summary']['claims']} passed, exit {rc}"],
            ["python -m derive", f"{derive_s:.1f}", f"{derive_mb:.0f}", ""]]
    print(tabulate(rows, ["run", "wall s", "peak MB", "note"], tablefmt="github"))
    slow = sorted(doc["claims"], key=lambda c: -c["seconds"])[:5]
    print("\nslowest claims:")
    print(tabulate([[c["id"], f"{c['seconds']:.2f}"] for c in slow], ["claim", "s"], tablefmt="github"))
    print("\nMonte Carlo scaling with the sample budget:")
    scale_rows = []
    for cid in SCALING_CLAIMS:
        runs = {}
        for budget in ("1", "10"):
            _, mb, out, _ = measure(["verify", "-k", cid, "--budget", budget, "--format", "json"])
            claims = json.loads(out)["claims"]
            runs[budget] = (sum(c["seconds"] for c in claims), mb)
        scale_rows.append([cid, f"{runs['1'][0]:.2f}", f"{runs['10'][0]:.2f}", f"{runs['10'][0] / runs['1'][0]:.1f}",
                           f"{runs['1'][1]:.0f}", f"{runs['10'][1]:.0f}"])
    print(tabulate(scale_rows, ["claim", "s @1", "s @10", "time ratio", "peak MB @1", "peak MB @10"],
                   tablefmt="github"))
    print(f"verify_seconds={verify_s:.1f} verify_peak_mb={verify_mb:.0f} derive_seconds={derive_s:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
