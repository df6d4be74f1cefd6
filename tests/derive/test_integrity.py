"""Every registered derivation, walked: what "proved" rests on is checked, defined, cited or named."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive import kernel as K
from derive import registry

ROOT = Path(__file__).resolve().parents[2]
CHECKED = {K.PROVED, K.NUMERIC}
ALLOWED_UNCHECKED = {"definition", "assumption", "citation", "evidence"}


@pytest.fixture(scope="module")
def derivations():
    return {cid: registry.get(cid) for cid in registry.ids()}


def test_every_builtin_derivation_is_proved_or_numeric(derivations):
    failed = {cid: d.verdict.reasons[:2] for cid, d in derivations.items() if d.verdict.base == K.FAILED}
    assert not failed


def test_a_proved_derivation_has_no_unnamed_unchecked_step(derivations):
    for cid, d in derivations.items():
        if d.verdict.base == K.FAILED:
            continue
        for i, step in enumerate(d.steps, 1):
            where = f"{cid} step {i} ({step.method})"
            assert step.status != K.FAILED, where
            if step.method in ALLOWED_UNCHECKED:
                if step.method == "assumption":
                    assert step.fact.name and step.detail, f"{where}: an assumption needs a name and a reference"
                continue
            assert step.status in CHECKED, where
        assert d.result is not None, f"{cid} concludes nothing"
        assert any(s.method in K.CHECKING_RULES for s in d.steps), f"{cid} checks nothing"


def test_the_status_names_every_assumption_it_rests_on(derivations):
    for cid, d in derivations.items():
        if d.verdict.assumptions:
            assert f"given {len(d.verdict.assumptions)} assumption" in d.status, cid
        else:
            assert d.status in ("proved", "numeric"), cid


def test_derive_json_lists_status_assumptions_and_uses():
    done = subprocess.run([sys.executable, "-m", "derive", "--format", "json", "-k", "activation."],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    for row in doc["derivations"]:
        assert {"id", "status", "assumptions", "uses", "steps", "result"} <= set(row)
        for a in row["assumptions"]:
            assert set(a) == {"name", "statement", "reference"}
    assert sum(doc["summary"].values()) == len(doc["derivations"])
