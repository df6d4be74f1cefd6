"""The notes, audited sentence by sentence: every checkable statement quoted verbatim, with a verdict and
evidence computed from the quote's own numbers, formula or wording.

Verdicts: ``holds``; ``conditional`` (true only under a condition the note does not state); ``fails``;
``notation`` (the note uses one symbol for two things, or two conventions). A statement's ``check`` is
called with its ``given`` (what the quote says: its numbers, formula or claim, and nothing else) and
returns what it computed and the verdict that computation earns; fed a corrected or a wrong ``given``
(``flip``) it earns another verdict, so the evidence could have come out the other way. An audit whose
evidence disagrees with a stated verdict exits 1. Every other unit of the notes is listed, with a reason,
in verify/audit_units.py; the statements themselves are in verify/audit_refresher.py (001) and
verify/audit_exam.py (000).
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable

import numpy as np

VERDICTS = ("holds", "conditional", "fails", "notation")

NOTES = {"000": "000_b642acc91551826c.txt", "001": "001_749253678c42bf42.txt"}
"""The two source notes, by the prefix their citations use."""


def notes_dir() -> Path:
    """``../shared/seeds`` beside the checkout (or ``$DLMATH_NOTES``)."""
    env = os.environ.get("DLMATH_NOTES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "seeds"


@dataclasses.dataclass(frozen=True)
class Finding:
    """What the evidence computed, and the verdict that computation earns."""

    text: str
    verdict: str


class Context:
    """One audit run: its seed and a cache of computations shared by the statements (and the claims a
    report has already run, kept under ``result``)."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.cache: dict = {}
        self._results: dict = {}

    def result(self, claim_id: str):
        if claim_id not in self._results:
            from .claim import run_claim
            from .registry import builtin_claims

            claims = {c.id: c for c in builtin_claims()}
            if claim_id not in claims:
                raise KeyError(f"claim {claim_id!r} is not registered")
            self._results[claim_id] = run_claim(claims[claim_id], seed=self.seed)
        return self._results[claim_id]


@dataclasses.dataclass(frozen=True)
class Statement:
    """One finding: a verbatim quote, its verdict, the claim that checks the same mathematics, the check
    computing the evidence from ``given``, and for any verdict but ``holds`` a correction saying why."""

    source: str
    quote: str
    verdict: str
    claim: str | None
    check: Callable[..., tuple[str, str]]
    given: dict = dataclasses.field(default_factory=dict)
    correction: str = ""
    reading: str = ""
    flip: tuple[dict, dict] | None = None
    """(a corrected ``given``, a wrong one): the check must give them different verdicts."""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.verdict != "holds" and not self.correction:
            raise ValueError(f"{self.source}: a {self.verdict!r} verdict needs a correction")

    @property
    def note(self) -> str:
        return self.source.split()[0]

    def evidence(self, ctx: Context, given: dict | None = None) -> Finding:
        text, verdict = self.check(ctx, **(self.given if given is None else given))
        if verdict not in VERDICTS:
            raise ValueError(f"{self.source}: evidence returned verdict {verdict!r}")
        return Finding(text, verdict)


from .audit_exam import EXAM  # noqa: E402  (the tables build Statements, defined above)
from .audit_refresher import REFRESHER  # noqa: E402

STATEMENTS: list[Statement] = REFRESHER + EXAM


@dataclasses.dataclass
class AuditRow:
    statement: Statement
    finding: Finding

    @property
    def consistent(self) -> bool:
        return self.finding.verdict == self.statement.verdict

    def to_json(self) -> dict:
        s = self.statement
        return {"source": s.source, "quote": s.quote, "verdict": s.verdict, "claim": s.claim,
                "evidence": self.finding.text, "evidence_verdict": self.finding.verdict,
                "correction": s.correction or None, "reading": s.reading or None, "consistent": self.consistent}


def run_audit(seed: int = 0, statements: list[Statement] | None = None, context: Context | None = None) -> list[AuditRow]:
    """Compute every statement's evidence (sharing one Context's cache)."""
    ctx = context if context is not None else Context(seed)
    rows = []
    for s in statements if statements is not None else STATEMENTS:
        try:
            with np.errstate(all="ignore"):
                finding = s.evidence(ctx)
        except Exception as exc:  # evidence that cannot be computed confirms nothing
            finding = Finding(f"evidence could not be computed: {type(exc).__name__}: {exc}", "none")
        rows.append(AuditRow(s, finding))
    return rows


def not_checkable_list():
    """Every unit (or part of one) the audit does not check, with its reason: the hand-made list, plus the
    headings and images found in the notes when they are present (verify/audit_units.py)."""
    from .audit_units import LISTED, not_checkable, units

    folder = notes_dir()
    if not all((folder / name).exists() for name in NOTES.values()):
        return list(LISTED)
    found = []
    for prefix, name in NOTES.items():
        found += units(prefix, (folder / name).read_text(encoding="utf-8"))
    return not_checkable(found)
