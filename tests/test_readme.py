"""The README stays true: its two commands come first, CI runs its test command, its example runs."""
import re
import shlex
from pathlib import Path

from verify.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_first_commands_install_and_run_verify_then_the_tests():
    commands = [line.strip()[2:] for line in README.splitlines() if line.strip().startswith("$ ")]
    assert "pip install -e ." in commands[0] and commands[0].endswith("python -m verify")
    assert 'pip install -e ".[test]"' in commands[1] and commands[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "grep -m1 -F 'pip install -e \".[test]\"' README.md" in ci
    assert 'pip install --quiet --disable-pip-version-check "torch==2.13.0"' in ci


def test_the_user_claims_example_runs(tmp_path, monkeypatch, capsys):
    block = re.search(r"```python\n# mychecks.py\n(.*?)```", README, re.S).group(1)
    (tmp_path / "mychecks.py").write_text(block)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["--module", "mychecks", "-k", "mine."]) == 0
    assert "mine.uniform_mean" in capsys.readouterr().out


def shown_blocks():
    """(argv, printed text) for each README block that shows a deterministic command and its output."""
    blocks = re.findall(r"```\n\$ python -m verify ((?:[^\n]*\\\n)*[^\n]+)\n(.*?)```", README, re.S)
    out = []
    for command, text in blocks:
        if command.startswith(("rf ", "audit ", "gain ", "-k ")):
            out.append((shlex.split(command.replace("\\\n", " ")), text.rstrip("\n")))
    return out


def _untimed(text: str) -> str:
    """A run's summary line without its wall time ("..., 5.4 s)"), the one thing that varies."""
    return re.sub(r", [0-9.]+ s\)", ", … s)", text)


SHOWN_WIDTH = "100"
"""The README's blocks are printed at 100 columns, whatever the terminal running the tests."""


def test_the_readme_shows_what_the_commands_print(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", SHOWN_WIDTH)
    blocks = shown_blocks()
    assert {argv[0] for argv, _ in blocks} == {"rf", "audit", "gain", "-k"}
    for argv, text in blocks:
        assert main(argv) == 0
        printed = capsys.readouterr().out.rstrip("\n")
        assert _untimed(printed) == _untimed(text), f"README block for {' '.join(argv)} is out of date"


def test_the_readme_derivation_table_is_what_derive_prints():
    from derive import registry

    shown = registry.get("activation.sigmoid.derivative").to_markdown().replace("### ", "#### ", 1).strip()
    assert shown in README, "README's activation.sigmoid.derivative table is out of date: paste derive's markdown"
