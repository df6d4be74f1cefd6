"""The audit: every unit of both notes audited or listed as not checkable, verbatim quotes, evidence that
computes its verdict from the quote and flips when the quote is corrected or made wrong."""
import dataclasses
import json
import re

import pytest

from verify.audit import NOTES, STATEMENTS, VERDICTS, Context, Statement, not_checkable_list, notes_dir, run_audit
from verify.audit_units import REASONS, Unit, not_checkable, uncovered, units
from verify.cli import main

pytestmark = pytest.mark.skipif(
    not all((notes_dir() / n).exists() for n in NOTES.values()),
    reason=f"the audited notes are not at {notes_dir()}: a clone outside the project layout has no "
           "../shared/seeds; set DLMATH_NOTES to the folder of the notes to run these tests")

FORMULA = re.compile(r"[0-9=×/^²]|\w\(")


def note_text(prefix):
    return (notes_dir() / NOTES[prefix]).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def all_units():
    return [u for p in NOTES for u in units(p, note_text(p))]


@pytest.fixture(scope="module")
def ctx():
    return Context(0)


@pytest.fixture(scope="module")
def rows(ctx):
    return run_audit(seed=0, context=ctx)


def gaps(all_units, statements, skipped):
    found = []
    for u in all_units:
        quotes = [s.quote for s in statements if s.source == u.source] + [n.quote for n in skipped
                                                                           if n.source == u.source]
        if left := uncovered(u, quotes):
            found.append((u.source, u.line, left))
    return found


def test_every_unit_of_both_notes_is_audited_or_listed_as_not_checkable(all_units):
    assert len(all_units) > 150 and {u.note for u in all_units} == {"000", "001"}
    assert not gaps(all_units, STATEMENTS, not_checkable(all_units))


def test_the_coverage_test_fails_when_a_correct_sentence_is_left_out(all_units):
    # the wrong sentence's finding does not cover the correct one next to it
    dropped = [s for s in STATEMENTS if not s.quote.startswith("If D(G(z)) is close to 1")]
    found = gaps(all_units, dropped, not_checkable(all_units))
    assert [g[0] for g in found] == ["000 Q1.8.3"] and "confidently classifying" in found[0][2]


def test_sentences_formula_lines_and_rows_are_separate_units():
    text = "### Q1\nQ1:\nFirst claim. Second claim i.e. still second.\n```\na = 1\n```\n| x | y |\n|---|---|\n"
    got = [(u.source, u.text) for u in units("000", text)]
    assert got == [("000 Q1", "### Q1"), ("000 Q1.1", "Q1:"), ("000 Q1.1", "First claim."),
                   ("000 Q1.1", "Second claim i.e. still second."), ("000 Q1.1", "a = 1"), ("000 Q1.1", "| x | y |")]
    assert uncovered(Unit("000", "s", 1, "a b"), ["a"]) == "b"


@pytest.mark.parametrize("s", STATEMENTS, ids=[f"{s.source}:{s.quote[:30]}" for s in STATEMENTS])
def test_every_quote_is_verbatim_inside_a_unit_of_its_source(s, all_units):
    assert s.quote in note_text(s.note)
    assert any(s.quote in u.text for u in all_units if u.source == s.source)


def test_not_checkable_entries_are_verbatim_with_a_known_reason(all_units):
    for n in not_checkable_list():
        assert n.reason in REASONS, n
        assert any(n.quote in u.text for u in all_units if u.source == n.source), n


def test_statements_need_corrections_unless_they_hold():
    for s in STATEMENTS:
        assert (s.verdict == "holds") == (not s.correction), s.source
    with pytest.raises(ValueError, match="correction"):
        Statement("001 §X", "q", "fails", None, lambda ctx: ("", "fails"))
    with pytest.raises(ValueError, match="verdict"):
        Statement("001 §X", "q", "wrong-ish", None, lambda ctx: ("", "fails"), correction="c")


def test_all_evidence_bears_out_the_verdicts(rows):
    bad = [(r.statement.source, r.statement.quote, r.finding) for r in rows if not r.consistent]
    assert not bad, bad
    assert all(r.finding.verdict in VERDICTS for r in rows)


def test_most_quotes_hold_a_number_or_a_formula():
    assert sum(bool(FORMULA.search(s.quote)) for s in STATEMENTS) > len(STATEMENTS) / 2


@pytest.mark.parametrize("s", STATEMENTS, ids=[f"{s.source}:{s.quote[:30]}" for s in STATEMENTS])
def test_a_corrected_and_a_wrong_version_of_the_quote_earn_different_verdicts(s, ctx):
    # every finding, not only those whose quote holds a number or a formula (FORMULA)
    assert s.flip is not None, "each finding needs a corrected and a wrong version of what its quote says"
    corrected, wrong = (s.evidence(ctx, g).verdict for g in s.flip)
    assert corrected != wrong
    assert s.evidence(ctx).verdict == s.verdict


def test_every_claim_is_registered_and_its_id_is_printed_whole(capsys, monkeypatch):
    from verify.registry import builtin_claims

    ids = {c.id for c in builtin_claims()}
    assert all(s.claim in ids for s in STATEMENTS if s.claim)
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["audit", "-k", "000 Q2.2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    shown = {s.claim for s in STATEMENTS if s.claim and s.source.startswith("000 Q2.2")}
    assert shown and all(any(line.split()[:1] == [cid] for line in lines) for cid in shown), shown


def test_claimed_numbers_come_from_the_quote():
    for s in STATEMENTS:
        for key in ("claimed", "side", "area", "p"):
            if isinstance(s.given.get(key), int) and s.given[key]:  # padding 0 is the unwritten default
                assert str(s.given[key]) in s.quote, (s.quote, key)


SURE = {
    ("001 §Variance Propagation", "Var(h_L) = (n × Var(W) × 0.5)^L × Var(x)"): "fails",
    ("001 §Initialization Derivation", "For ReLU, variance is halved"): "fails",
    ("001 §Initialization Derivation", "(E[ReLU(x)²] = Var(x)/2)"): "conditional",
    ("001 §Initialization Derivation", "= n_in × Var(W) × Var(x)"): "conditional",
    ("001 §Initialization Formulas Summary", "Tanh, Sigmoid |"): "conditional",
    ("000 Q2.2", "layer 2: d_height = (256-3)/2 +1 = 128"): "conditional",
    ("000 Q2.2", "R field = 1 + (pooling layer) + (conv layer) = 1 + (3-1)x2 + (3-1)x1 = 7"): "fails",
    ("000 Q1.7", "R_f dimension  $=((k-1) S) L +1 = ((3-1)1)4 +1 = 9$"): "conditional",
    ("000 Q1.8.3", "which indicates that the generator has not yet learned to generate realistic data"): "fails",
    ("000 Q2.1", "1) 8(5x5x6) + 8x1"): "holds",
    ("001 §Quick Reference", "Xavier:    W ~ N(0, sqrt(2/(n_in + n_out)))"): "notation",
}


@pytest.mark.parametrize("key, verdict", sorted(SURE.items()))
def test_verdicts_we_are_sure_of(rows, key, verdict):
    found = [r for r in rows if (r.statement.source, r.statement.quote) == key]
    assert len(found) == 1 and found[0].statement.verdict == verdict and found[0].consistent


def test_readings_that_are_guesses_say_so():
    (s,) = [s for s in STATEMENTS if s.quote == "smaller or equal"]
    assert "guess" in s.reading and "not in the note" in s.reading
    (ceil,) = [s for s in STATEMENTS if s.quote.startswith("layer 2")]
    assert "ceil" in ceil.correction and "padding 1" in ceil.correction


def test_evidence_is_recomputed_not_stored(monkeypatch):
    import numeric.conv

    layer2 = next(s for s in STATEMENTS if s.quote.startswith("layer 2"))
    (honest,) = run_audit(seed=0, statements=[layer2])
    monkeypatch.setattr(numeric.conv, "output_size", lambda *a, **k: 99)
    (fooled,) = run_audit(seed=0, statements=[layer2])
    assert honest.consistent and not fooled.consistent and fooled.finding.verdict == "fails"


def test_failing_evidence_makes_the_audit_exit_1(monkeypatch, capsys):
    import verify.audit as audit_module

    layer2 = next(s for s in STATEMENTS if s.quote.startswith("layer 2"))
    monkeypatch.setattr(audit_module, "STATEMENTS", [dataclasses.replace(layer2, verdict="holds", correction="")])
    assert main(["audit", "-k", "layer 2"]) == 1
    out = capsys.readouterr().out
    assert "EVIDENCE" in out and "evidence disagrees with the verdict for 000 Q2.2" in out


def test_json_format(capsys):
    code = main(["audit", "-k", "000 Q2", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and set(doc) == {"findings", "not_checkable"} and doc["findings"] and doc["not_checkable"]
    for row in doc["findings"]:
        assert set(row) >= {"source", "quote", "verdict", "claim", "evidence", "correction"}
        assert row["verdict"] in VERDICTS and row["source"].startswith("000 Q2")
        assert row["evidence"] and (row["verdict"] == "holds" or row["correction"])
    for row in doc["not_checkable"]:
        assert set(row) == {"source", "quote", "reason"} and row["source"].startswith("000 Q2")


def test_table_filters_both_lists_and_counts_every_verdict(capsys):
    assert main(["audit", "-k", "000 Q2.1"]) == 0
    out = capsys.readouterr().out
    assert "8(5x5x6)" in out and "==Q2:==" not in out and "Q1:" in out
    assert re.search(r"2 statements: 2 holds, 0 conditional, 0 fails, 0 notation; 1 not checkable$", out.strip())
    assert main(["audit", "-k", "Quick Reference"]) == 0
    assert "opinion" in capsys.readouterr().out
    assert main(["audit", "-k", "no-such-section"]) == 2


def test_the_readme_counts_are_today_s():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    m = re.search(r"Today: (\d+) findings \((\d+) hold, (\d+) conditional, (\d+) fail, (\d+) notation\) and (\d+) "
                  r"units\s+not checkable", readme)
    counts = [len(STATEMENTS)] + [sum(s.verdict == v for s in STATEMENTS) for v in VERDICTS]
    assert m and [int(g) for g in m.groups()] == counts + [len(not_checkable_list())]


def test_the_terminal_table_drops_markdown_emphasis_and_json_keeps_the_quote(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    quoted = [s.quote for s in STATEMENTS if s.source == "000 Q2.2" and "**" in s.quote]
    assert quoted, "the case needs a quote with ** in the notes"
    main(["audit", "-k", "000 Q2.2"])
    text = capsys.readouterr().out
    assert "**" not in text and "==" not in text
    assert "Padding changes" in text  # the quote is still shown, without its markup
    main(["audit", "-k", "000 Q2.2", "--format", "json"])
    found = [f["quote"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert set(quoted) <= set(found)
