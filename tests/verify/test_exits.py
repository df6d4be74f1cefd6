"""Issue 14: exit codes that tell the truth: signals, a user's --module, --alpha, report's output folder.

Outcomes stated per test: SIGINT → one line and 130, SIGTERM → one line and 143, in verify (run, gain,
report) and derive; a --module that exits, raises or fails to import never exits 0; report refuses a
folder it cannot write before it computes, and leaves no partial REPORT.md when interrupted.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP = 6.0
"""Seconds to let a command import and start working before it is signalled (a shared 2-core box)."""


def _env(extra_path=None):
    path = str(ROOT) + (os.pathsep + str(extra_path) if extra_path else "")
    return {**os.environ, "PYTHONPATH": path}


def _signalled(argv, signum, cwd=ROOT):
    proc = subprocess.Popen([sys.executable, "-m", *argv], cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(STARTUP)
    assert proc.poll() is None, "the command ended before it could be signalled; pick a longer one"
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


@pytest.mark.parametrize("argv", [["derive"], ["verify", "run"], ["verify", "gain", "--time-limit", "600", "--", "sin(x)*tanh(x)*atan(x)"]],
                         ids=["derive", "verify run", "verify gain"])
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_every_command_with_one_line_and_its_code(argv, signum, code):
    status, out, err = _signalled(argv, signum)
    assert status == code, (status, err[-500:])
    assert err.count("\n") == 1 and "interrupted by SIG" in err and "Traceback" not in err, err[-500:]


def test_an_interrupted_report_leaves_no_partial_file(tmp_path):
    status, _, err = _signalled(["verify", "report", str(tmp_path / "out")], signal.SIGTERM)
    assert status == 143, err
    leftovers = [p.name for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert "REPORT.md" not in leftovers and not [n for n in leftovers if n.endswith(".tmp")], leftovers


def _verify(*argv, extra_path=None):
    return subprocess.run([sys.executable, "-m", "verify", *argv], cwd=ROOT, env=_env(extra_path),
                          capture_output=True, text=True, timeout=600)


MODULES = {  # module text: what happens at import
    "m_exit0": "import sys\nsys.exit(0)\n",
    "m_syntax": "def f(:\n",
    "m_raises": "raise RuntimeError('boom')\n",
    "m_keyboard": "raise KeyboardInterrupt\n",
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_that_exits_raises_or_cannot_parse_is_one_line_and_exit_2(tmp_path, name):
    (tmp_path / f"{name}.py").write_text(MODULES[name])
    proc = _verify("--module", name, "-k", "activation.relu", extra_path=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.startswith(f"verify: error: cannot import claims module '{name}'")
    assert proc.stderr.count("\n") == 1 and "internal error" not in proc.stderr


def test_a_measure_that_calls_sys_exit_0_fails_its_claim(tmp_path):
    (tmp_path / "m_measure.py").write_text(
        "import dataclasses, sys\n"
        "from verify.claims.activations import CLAIMS as BUILTIN\n"
        "def measure(config, rng, budget):\n    sys.exit(0)\n"
        "CLAIMS = [dataclasses.replace(BUILTIN[0], id='user.exits', measure=measure)]\n")
    proc = _verify("--module", "m_measure", "-k", "user.exits", extra_path=tmp_path)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "SystemExit" in proc.stdout + proc.stderr


@pytest.mark.parametrize("alpha", ["1e-16", "0", "1", "0.9", "nan"])
def test_alpha_outside_what_the_statistics_represent_is_refused_where_parsed(alpha):
    proc = _verify("--alpha", alpha, "-k", "activation.relu")
    assert proc.returncode == 2 and proc.stderr.startswith("verify: error: argument --alpha: must be a number in")


def test_z_critical_is_finite_for_tiny_alpha():
    import mpmath

    from verify.mc import z_critical

    with mpmath.workdps(40):  # P(|N(0,1)| > z) = alpha  <=>  z = √2·erfcinv(alpha), here as erfinv(1 - alpha)
        reference = float(mpmath.sqrt(2) * mpmath.erfinv(1 - mpmath.mpf("1e-16")))
    assert z_critical(1e-16) == pytest.approx(reference, rel=1e-9)  # 1 - 5e-17 rounds to 1: the old form raised


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_report_into_a_read_only_folder_is_refused_before_any_work(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    start = time.monotonic()
    proc = _verify("report", str(folder / "out"))
    assert proc.returncode == 2 and "cannot write to" in proc.stderr and time.monotonic() - start < 15


@pytest.mark.parametrize("make, message", [
    (lambda t: (t / "file").write_text("x") and t / "file" / "sub", "Not a directory"),
    (lambda t: t / ("a" * 300), "File name too long"),
], ids=["under a file", "name too long"])
def test_report_refuses_a_folder_it_cannot_create_in_one_line(tmp_path, make, message):
    start = time.monotonic()
    proc = _verify("report", str(make(tmp_path)))
    assert proc.returncode == 2 and message in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert time.monotonic() - start < 15  # refused before the claims run (a report takes minutes here)
