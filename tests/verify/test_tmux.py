"""The commands in a real 100-column terminal: a detached tmux pane, COLUMNS unset.

Other width tests set COLUMNS; this one leaves it unset (and LINES), so each program must read the pane's
size from the terminal itself (shutil.get_terminal_size on stdout), as on a user's screen. The pane's
scroll-back is captured with wrapped lines joined (capture-pane -J): a line the program printed wider than
the pane comes back whole, and is caught.
"""
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed: no real terminal to run in")

COLUMNS = 100
ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    ("verify", "-k", "gain.relu"),
    ("verify", "--list"),
    ("verify", "audit", "-k", "activation.relu.moments"),
    ("verify", "gain", "tanh"),
    ("verify", "rf", "conv k3 s2; pool k2"),
    ("derive", "-k", "conv.output_size"),
]
WIDTH_PROBE = "import shutil; print('PANE', shutil.get_terminal_size((1, 1)).columns)"


def _in_pane(tmp_path, argv, timeout=600):
    """Run argv in a fresh detached tmux session of COLUMNS×50; the pane's whole text and exit status."""
    socket = f"dlmath-{uuid.uuid4().hex[:12]}"
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g history-limit 200000\nset -g remain-on-exit on\n")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    shell = (" ".join(_quote(a) for a in argv) + f"; echo EXIT=$?; {TMUX} -L {socket} wait-for -S done")
    tmux = [TMUX, "-L", socket, "-f", str(conf)]
    try:
        subprocess.run(tmux + ["new-session", "-d", "-x", str(COLUMNS), "-y", "50", "-c", str(ROOT),
                               "env -u COLUMNS -u LINES " + shell], env=env, check=True, timeout=30)
        subprocess.run(tmux + ["wait-for", "done"], env=env, check=True, timeout=timeout)
        text = subprocess.run(tmux + ["capture-pane", "-p", "-J", "-S", "-", "-E", "-"], env=env, check=True,
                              timeout=30, capture_output=True, text=True).stdout
    finally:
        subprocess.run(tmux + ["kill-server"], env=env, timeout=30, capture_output=True)
    lines = text.rstrip("\n").splitlines()
    status = [line for line in lines if line.startswith("EXIT=")]
    return lines, int(status[-1][5:]) if status else None


def _quote(arg):
    return "'" + arg.replace("'", "'\\''") + "'"


def test_the_pane_is_100_columns_and_programs_read_it(tmp_path):
    lines, status = _in_pane(tmp_path, [sys.executable, "-c", WIDTH_PROBE])
    assert status == 0 and f"PANE {COLUMNS}" in lines


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_line_is_wider_than_a_100_column_terminal(tmp_path, command):
    lines, status = _in_pane(tmp_path, [sys.executable, "-m", *command])
    assert status == 0, "\n".join(lines[-20:])
    assert len([line for line in lines if line.strip()]) > 3, "the command printed (almost) nothing"
    wide = [line for line in lines if len(line.rstrip()) > COLUMNS]
    assert not wide, f"{len(wide)} line(s) over {COLUMNS} columns, the widest {max(map(len, wide))}: {wide[0]!r}"
