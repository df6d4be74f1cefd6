"""The whole toolkit against the state before the speed work (commit 911598e), side by side, cold.

Checks out the old commit in a temporary ``git worktree`` (removed at the end), then times, in fresh child
processes (every run is cold: no verdict is cached between runs, each process imports and proves anew):
- ``python -m verify --format json`` (the new one at its default ``-j``: the cores available),
- ``python -m derive`` (every derivation),
- the test suite, ``python -m pytest -q -n 2`` (skipped with ``--skip-tests``: it takes minutes),
each ``--repeat`` times (default 3) alternating old and new, keeping the best wall time of each, and the
peak RSS of the process and of its children (workers) from getrusage. The numbers are only as quiet as the
machine: on a shared one, read the ratios, not the seconds. Last line:
``verify_ratio=<new/old> derive_ratio=<new/old> tests_ratio=<new/old>`` (nan for what was skipped).
Goals (issue 17): ≤ 0.35, ≤ 0.5, ≤ 0.5; cold ``python -m verify`` ≤ 6 s on an idle 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "911598e"
RUNNER = ("import resource, runpy, sys; sys.argv = sys.argv[1:];"
          "rc = 0\n"
          "try:\n    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
          "except SystemExit as e:\n    rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)\n"
          "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
          " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
          "print('PEAK_KB', peak, file=sys.stderr)\n"
          "sys.exit(rc)")


def measure(argv: list[str], tree: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB, the largest of the process and its children) and exit code of one run of
    ``python -m <argv>`` with ``tree`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUNNER, *argv], capture_output=True, text=True, cwd=tree,
                          env=env)
    seconds = time.perf_counter() - start
    peak = [int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_KB")]
    return seconds, (peak[-1] / 1024 if peak else float("nan")), done.returncode


def best_of(argv: list[str], trees: dict[str, Path], repeat: int) -> dict[str, tuple[float, float, int]]:
    """Per tree, the run with the least wall time out of ``repeat`` (old and new alternate, so a burst of load
    from elsewhere falls on both)."""
    runs: dict[str, list] = {name: [] for name in trees}
    for _ in range(repeat):
        for name, tree in trees.items():
            runs[name].append(measure(argv, tree))
    return {name: min(r, key=lambda t: t[0]) for name, r in runs.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command per commit (default 3)")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite (tests_ratio=nan)")
    parser.add_argument("--baseline", default=BASELINE, help=f"the old commit (default {BASELINE})")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}")
    commands = {"verify": ["verify", "--format", "json"], "derive": ["derive"],
                "tests": ["pytest", "-q", "-n", "2", "-p", "no:cacheprovider"]}
    if args.skip_tests:
        commands.pop("tests")
    with tempfile.TemporaryDirectory(prefix="dlmath-bench-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", "--force", str(old), args.baseline], cwd=ROOT,
                       check=True, capture_output=True)
        try:
            trees = {"old": old, "new": ROOT}
            results = {name: best_of(cmd, trees, args.repeat) for name, cmd in commands.items()}
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
    rows, ratios = [], {}
    for name in ("verify", "derive", "tests"):
        if name not in results:
            ratios[name] = float("nan")
            continue
        o, n = results[name]["old"], results[name]["new"]
        ratios[name] = n[0] / o[0]
        rows.append([name, f"{o[0]:.1f}", f"{n[0]:.1f}", f"{ratios[name]:.2f}", f"{o[1]:.0f}", f"{n[1]:.0f}",
                     f"{o[2]}/{n[2]}"])
    print(f"best of {args.repeat}, cold, old = {args.baseline}, new = {ROOT}")
    print(tabulate(rows, ["run", "old s", "new s", "new/old", "old peak MB", "new peak MB", "exit old/new"],
                   tablefmt="github"))
    print(f"verify_ratio={ratios['verify']:.2f} derive_ratio={ratios['derive']:.2f} "
          f"tests_ratio={ratios['tests']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
