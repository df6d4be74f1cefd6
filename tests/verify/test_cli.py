"""``python -m verify``: exit codes, one-line errors, the JSON contract, user claims modules."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[2]
ACTIVATIONS = ["-k", "activation.relu.derivative", "-k", "activation.sigmoid", "-k", "activation.tanh",
               "-k", "activation.stable"]

CLAIM_KEYS = {"id": str, "title": str, "source": str, "proof": str, "check": str, "cases": int,
              "control": dict, "checks": list, "seconds": (int, float)}
NUMBER_OR_NULL = ("expected", "estimate", "stderr", "z")
CHECK_KEYS = {"config": dict, "pass": bool}


def validate(doc: dict) -> None:
    """The --format json schema of DESIGN.md."""
    assert isinstance(doc["seed"], int)
    assert set(doc["summary"]) >= {"claims", "passed", "failed", "seconds"}
    assert doc["summary"]["claims"] == len(doc["claims"]) == doc["summary"]["passed"] + doc["summary"]["failed"]
    for c in doc["claims"]:
        for key, kind in CLAIM_KEYS.items():
            assert isinstance(c[key], kind), (c["id"], key)
        for key in NUMBER_OR_NULL:
            assert c[key] is None or isinstance(c[key], (int, float)), (c["id"], key)
        assert c["proof"] in ("proved", "numeric", "failed")
        assert c["check"] in ("pass", "fail", "inconclusive")
        assert isinstance(c["control"]["formula"], str) and isinstance(c["control"]["rejected"], bool)
        assert c["control"]["z"] is None or isinstance(c["control"]["z"], (int, float))
        assert c["checks"], c["id"]
        for check in c["checks"]:
            for key, kind in CHECK_KEYS.items():
                assert isinstance(check[key], kind), (c["id"], key)
            for key in ("expected", "estimate", "stderr", "z", "control_z"):
                assert check[key] is None or isinstance(check[key], (int, float)), (c["id"], key)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_default_run_prints_one_row_per_activation_claim_and_exits_0(capsys):
    code, out, err = run(capsys, *ACTIVATIONS)
    assert code == 0, out
    for cid in ("activation.relu.derivative", "activation.sigmoid.derivative", "activation.tanh.derivative",
                "activation.stable"):
        assert sum(line.startswith(cid + " ") for line in out.splitlines()) == 1
    summary = out[out.rindex("\n4 claims:") + 1:]    # the summary paragraph, wrapped to the terminal
    assert summary.startswith("4 claims: 4 passed, 0 failed"), summary


def test_json_output_follows_the_schema(capsys):
    code, out, _ = run(capsys, *ACTIVATIONS, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    validate(doc)
    assert doc["seed"] == 0 and all(c["check"] == "pass" for c in doc["claims"])


def test_same_seed_same_json_apart_from_timings(capsys):
    def stripped(text):
        doc = json.loads(text)
        doc["summary"].pop("seconds")
        for c in doc["claims"]:
            c.pop("seconds")
        return doc
    _, a, _ = run(capsys, *ACTIVATIONS, "--format", "json", "--seed", "5")
    _, b, _ = run(capsys, *ACTIVATIONS, "--format", "json", "--seed", "5")
    assert stripped(a) == stripped(b)


@pytest.mark.parametrize("argv, fragment", [
    (["-k", "no.such.claim"], "no claim id contains"),
    (["--format", "yaml"], "unknown format"),
    (["--seed", "-1"], "--seed"),
    (["--seed", "x"], "--seed"),
    (["--seed", "1.5"], "--seed"),
    (["--alpha", "2"], "--alpha"),
    (["--budget", "0"], "--budget"),
    (["--module", "no_such_module_xyz"], "cannot import"),
    (["--module", "../etc/passwd"], "dotted module name"),
    (["run", "--bogus"], "unrecognized arguments"),
])
def test_bad_usage_exits_2_with_one_line(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and fragment in err and "Traceback" not in err
    assert "usage:" not in err


def test_list_does_not_run(capsys):
    code, out, _ = run(capsys, "--list", *ACTIVATIONS)
    assert code == 0 and "activation.stable" in out and "passed" not in out


@pytest.mark.parametrize("fmt", ["github", "latex", "html", "plain"])
def test_tabulate_formats(capsys, fmt):
    code, out, _ = run(capsys, "-k", "activation.relu", "--format", fmt)
    assert code == 0 and "activation.relu.derivative" in out


USER_MODULE = '''
import dataclasses
from verify.registry import builtin_claims
from verify import Claim, Measurement
from derive.derivation import Derivation

def _proof():
    d = Derivation("user.one", "one plus one")
    d.conclude(d.instance(1 + 1, 2, "arithmetic"))
    return d

def _measure(config, rng, budget):
    return Measurement(float(1 + 1), kind="exact", cases=1)

CLAIMS = [Claim(id="user.one_plus_one", title="1 + 1 = 2", source="user", formula="2",
                expected=lambda c, at: 2.0, measure=_measure, control=lambda c, at: 3.0,
                control_formula="3", proof=_proof)]
# every built-in activation claim with its closed form replaced by its negative control
CLAIMS += [dataclasses.replace(c, id="swapped." + c.id, expected=c.control)
           for c in builtin_claims() if c.id.startswith("activation.")]
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "my_claims.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "my_claims"


def test_a_users_own_claims_run_beside_the_builtins(capsys, user_module):
    code, out, _ = run(capsys, "--module", user_module, "-k", "user.")
    assert code == 0 and "user.one_plus_one" in out


def test_a_users_proof_that_does_not_establish_the_closed_form_is_not_proved(capsys, user_module):
    """The claim says Var-like 2, its proof says 1 + 1 = 2, its closed form is a plain function: unlinked."""
    code, out, _ = run(capsys, "--module", user_module, "-k", "user.", "--format", "json")
    row = json.loads(out)["claims"][0]
    assert row["proof"] == "unlinked" and row["proof"] != "proved"


def test_replacing_each_closed_form_by_its_control_exits_1(capsys, user_module):
    code, out, _ = run(capsys, "--module", user_module, "-k", "swapped.", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["claims"] and all(c["check"] != "pass" for c in doc["claims"])


def test_python_dash_m_entry_points_in_a_fresh_process():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "verify", "-k", "activation.relu"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and "activation.relu.derivative" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "verify", "--format", "nope"], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    derive = subprocess.run([sys.executable, "-m", "derive", "--format", "markdown", "-k", "activation."],
                            capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)
    assert derive.returncode == 0
    for cid in ("activation.relu.derivative", "activation.sigmoid.derivative", "activation.tanh.derivative",
                "activation.stable"):
        section = derive.stdout.split(f"### `{cid}`")[1]
        assert section.split("###")[0].count("Status: **proved**") == 1
