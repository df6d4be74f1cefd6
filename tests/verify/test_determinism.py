"""Same seed, same JSON, byte for byte (timings aside, in keys named `seconds`), across processes;
another seed, other estimates. Runs the whole registry three times."""
import json
import os
import subprocess
import sys
from pathlib import Path


from verify.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = 3


def without_timings(text: str) -> str:
    doc = json.loads(text)
    doc["summary"].pop("seconds")
    for claim in doc["claims"]:
        claim.pop("seconds")
    return json.dumps(doc, indent=2)




def run_in_process(capsys, seed):
    code = main(["--format", "json", "--seed", str(seed)])
    out = capsys.readouterr().out
    assert code == 0, out[-2000:]
    return out


def test_same_seed_same_bytes_across_processes_and_another_seed_differs(capsys):
    ours = run_in_process(capsys, SEED)
    env = {**os.environ, "PYTHONHASHSEED": "random", "PYTHONPATH": str(ROOT)}
    theirs = subprocess.run([sys.executable, "-m", "verify", "--format", "json", "--seed", str(SEED)],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert theirs.returncode == 0, theirs.stderr
    assert without_timings(ours) == without_timings(theirs.stdout)

    other = json.loads(run_in_process(capsys, SEED + 1))
    first = json.loads(ours)
    stochastic = [(a, b) for a, b in zip(first["claims"], other["claims"])
                  if any(c["kind"] == "monte-carlo" for c in a["checks"])]
    assert stochastic and all(a["id"] == b["id"] for a, b in stochastic)
    changed = [a["id"] for a, b in stochastic if a["checks"] != b["checks"]]
    assert changed == [a["id"] for a, _ in stochastic], "a Monte Carlo claim ignores the seed"
