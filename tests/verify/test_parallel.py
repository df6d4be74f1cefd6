"""``python -m verify -j N``: the same output as ``-j 1``, and an interrupt stops every worker."""
import json
import re
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verify.cli import main
from verify.parallel import available_cores

ROOT = Path(__file__).resolve().parents[2]
# Monte Carlo claims (several configurations each), exact ones and a pointwise one: every kind of record
MIXED = ["-k", "activation.sigmoid", "-k", "init.xavier", "-k", "conv.params", "-k", "linear.batch",
         "-k", "residual.scaled"]


def without_timings(text: str) -> dict:
    doc = json.loads(text)
    doc["summary"].pop("seconds")
    for claim in doc["claims"]:
        claim.pop("seconds")
    return doc


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_two_workers_print_the_same_json_and_table_as_one_process(capsys):
    one = run(capsys, *MIXED, "--seed", "7", "--format", "json", "-j", "1")
    two = run(capsys, *MIXED, "--seed", "7", "--format", "json", "-j", "2")
    assert one[0] == two[0] == 0, one[1][-2000:]
    assert len(json.loads(one[1])["claims"]) == 5
    assert without_timings(one[1]) == without_timings(two[1])
    assert json.dumps(without_timings(one[1])) == json.dumps(without_timings(two[1]))  # same key order too
    wall_time = re.compile(r"per claim, [0-9.]+ s\)")   # the summary (it may wrap) holds the wall time
    table_one = wall_time.sub("", run(capsys, *MIXED, "--seed", "7", "-j", "1")[1])
    table_two = wall_time.sub("", run(capsys, *MIXED, "--seed", "7", "-j", "2")[1])
    assert table_one == table_two and "claims: 5 passed" in table_one


def test_jobs_must_be_a_whole_number_at_least_one(capsys):
    for bad in ("0", "-3", "two", "1.5"):
        code, _, err = run(capsys, "-k", "conv.params", "-j", bad)
        assert code == 2 and err.count("\n") == 1 and "-j" in err, (bad, err)


def test_the_default_is_the_cores_available():
    from verify.cli import build_parser

    args = build_parser().parse_args(["run"])
    assert args.jobs is None  # resolved at run time to available_cores()
    assert available_cores() == len(os.sched_getaffinity(0))


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(t) for t in text)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists() or sys.platform != "linux", reason="reads /proc (Linux)")
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupt_stops_every_worker(signum, code):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # a long run (budget 50 on the slow claims) that would take minutes if the signal were ignored
    proc = subprocess.Popen([sys.executable, "-m", "verify", "-j", "2", "--budget", "50", "-k", "propagation",
                             "-k", "residual", "-k", "gain"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            workers = _children(proc.pid)
        assert len(workers) >= 2, f"no two workers started: {proc.poll()}"
        time.sleep(1.0)  # let them get into their claims
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err
    assert err.count("\n") == 1 and "verify:" in err, err
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "a worker outlived the interrupted run"


def _handlers():
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN, signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_workers_ignore_ctrl_c_and_die_on_sigterm_whatever_the_parent_installed():
    from concurrent.futures import ProcessPoolExecutor

    from verify import parallel
    from verify.commands.run import _explain

    previous = signal.signal(signal.SIGTERM, parallel._raise_terminated)  # as run_claims does, before forking
    try:
        with ProcessPoolExecutor(1, mp_context=parallel._context(), initializer=parallel._init_worker,
                                 initargs=((), ("conv.params",), 0, 1e-6, 1.0, _explain)) as pool:
            assert pool.submit(_handlers).result(timeout=120) == (True, True)
    finally:
        signal.signal(signal.SIGTERM, previous)
