"""The audit: verbatim quotes, full coverage of the notes, computed evidence that bears out each verdict."""
import dataclasses
import json
import re

import pytest

import verify.audit as audit_module
from verify.audit import NOTES, STATEMENTS, UNCHECKABLE, Statement, notes_dir, run_audit
from verify.cli import main

pytestmark = pytest.mark.skipif(
    not notes_dir().exists(),
    reason=f"the audited notes are not at {notes_dir()}: a clone outside the project layout has no "
           "../shared/seeds; set DLMATH_NOTES to the folder of the notes to run these tests")


def note_text(prefix):
    return (notes_dir() / NOTES[prefix]).read_text(encoding="utf-8")


@pytest.mark.parametrize("s", STATEMENTS, ids=[f"{s.source}:{s.quote[:30]}" for s in STATEMENTS])
def test_every_quote_occurs_verbatim_in_its_note(s):
    assert s.quote in note_text(s.note)


def test_every_numbered_answer_of_the_exam_note_is_covered():
    text = note_text("000")
    answers = set()
    section = None
    for line in text.splitlines():
        if m := re.match(r"### Q(\d+)", line):
            section = m.group(1)
        elif (m := re.match(r"\s*(?:\* |==)?Q(\d+):", line)) and section:
            answers.add(f"000 Q{section}.{m.group(1)}")
    covered = {s.source for s in STATEMENTS} | {s.source.rsplit(".", 1)[0] for s in STATEMENTS}
    covered |= set(UNCHECKABLE)
    missing = {a for a in answers if a not in covered}
    assert answers and not missing, missing
    assert "000 Q3" in UNCHECKABLE  # the third section is an image only


def test_every_formula_section_of_the_refresher_is_covered():
    text = note_text("001")
    sections, current, sub = {}, None, None
    for line in text.splitlines():
        if line.startswith("## "):
            current, sub = line[3:].strip(), None
            sections.setdefault(current, set())
        elif line.startswith("### ") and current:
            sections[current].add(line[4:].strip())
    with_code = {name for name in sections
                 if "```" in text.split(f"## {name}", 1)[1].split("\n## ", 1)[0]}
    covered = {s.source.split("§", 1)[1] for s in STATEMENTS if s.note == "001"}
    missing = {n for n in with_code if n not in covered and not (sections[n] & covered)}
    assert with_code and not missing, missing


def test_statements_need_corrections_unless_they_hold():
    for s in STATEMENTS:
        assert (s.verdict == "holds") == (not s.correction), s.source
    with pytest.raises(ValueError, match="correction"):
        Statement("001 §X", "q", "fails", None, lambda ctx: None)
    with pytest.raises(ValueError, match="verdict"):
        Statement("001 §X", "q", "wrong-ish", None, lambda ctx: None, "c")


@pytest.fixture(scope="module")
def rows():
    return run_audit(seed=0)


def test_all_evidence_is_computed_and_bears_out_the_verdicts(rows):
    bad = [(r.statement.source, r.statement.quote, r.finding.text) for r in rows if not r.finding.consistent]
    assert not bad, bad


SURE = {
    ("001 §Variance Propagation", "Var(h_L) = (n × Var(W) × 0.5)^L × Var(x)"): "fails",
    ("001 §Initialization Derivation", "= n_in × Var(W) × Var(x)"): "conditional",
    ("000 Q2.2", "layer 2: d_height = (256-3)/2 +1 = 128"): "fails",
    ("000 Q2.2", "R field = 1 + (pooling layer) + (conv layer) = 1 + (3-1)x2 + (3-1)x1 = 7"): "fails",
    ("000 Q1.7", "R_f dimension  $=((k-1) S) L +1 = ((3-1)1)4 +1 = 9$"): "conditional",
    ("000 Q1.8.3", "which indicates that the generator has not yet learned to generate realistic data"): "fails",
    ("000 Q2.1", "1) 8(5x5x6) + 8x1"): "holds",
    ("001 §Quick Reference", "Xavier:    W ~ N(0, sqrt(2/(n_in + n_out)))"): "notation",
}


@pytest.mark.parametrize("key, verdict", sorted(SURE.items()))
def test_verdicts_we_are_sure_of(rows, key, verdict):
    found = [r for r in rows if (r.statement.source, r.statement.quote) == key]
    assert len(found) == 1 and found[0].statement.verdict == verdict and found[0].finding.consistent


def test_evidence_is_recomputed_not_stored(monkeypatch):
    import numeric.conv

    only_arithmetic = dataclasses.replace(next(s for s in STATEMENTS if s.quote.startswith("layer 2")),
                                          evidence=audit_module.computed(audit_module.evidence.layer2))
    (honest,) = run_audit(seed=0, statements=[only_arithmetic])
    monkeypatch.setattr(numeric.conv, "output_size", lambda *a, **k: 128)
    (fooled,) = run_audit(seed=0, statements=[only_arithmetic])
    assert honest.finding.consistent and not fooled.finding.consistent


def test_json_format(capsys):
    code = main(["audit", "-k", "000 Q2", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc
    for row in doc:
        assert set(row) >= {"source", "quote", "verdict", "claim", "evidence", "correction"}
        assert row["verdict"] in ("holds", "conditional", "fails", "notation")
        assert row["evidence"] and (row["verdict"] == "holds" or row["correction"])


def test_table_format_and_bad_usage(capsys):
    assert main(["audit", "-k", "000 Q2.1"]) == 0
    out = capsys.readouterr().out
    summary = out[out.rindex("\n2 statements:") + 1:] if "\n2 statements:" in out else ""
    assert "8(5x5x6)" in out and summary.startswith("2 statements:") and "not checkable" in summary
    assert main(["audit", "-k", "no-such-section"]) == 2
