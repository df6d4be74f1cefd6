"""The notes cut into the units an examiner reads: sentences, formula lines and table rows.

``units(prefix)`` splits a note line by line. Fenced code lines and table rows are one unit each;
a prose line is cut into sentences at ``.``, ``!`` or ``?`` followed by a space and a capital
letter (so "i.e. solve" stays whole); an embedded image ``![](attachment/…)`` is a unit of its own.
Lines with no letter or digit (fences, rules, ``|---|``) are not units. Each unit carries the
source the audit cites: ``001 §Section`` (the ``##`` heading) or ``000 Qa.b`` (``### Qa``, item
``Qb:``, and in 000 Q1.8 the sub-items ``* Qc:``).
"""
from __future__ import annotations

import dataclasses
import re

IMAGE = re.compile(r"!\[\]\(attachment/[^)]*\)")
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]\"))\s+(?=\*{0,2}[A-Z])")
HEADING = re.compile(r"^(#{1,6} .*|\s*(\* )?(==)?Q\d+:(==)?\s*)$")
ITEM = re.compile(r"^\s*(\* )?(==)?Q(\d+):(==)?\s*")


@dataclasses.dataclass(frozen=True)
class Unit:
    note: str
    source: str
    line: int
    text: str


def _source_001(line: str, current: str) -> str:
    return f"001 §{line[3:].strip()}" if line.startswith("## ") else current


def _pieces(text: str, in_code: bool) -> list[str]:
    pieces = [m.group(0) for m in IMAGE.finditer(text)]
    rest = IMAGE.sub(" ", text).strip()
    if rest and not in_code and not rest.startswith("|"):
        pieces += [s.strip() for s in SENTENCE_END.split(rest) if s.strip()]
    elif rest:
        pieces.append(rest)
    return [p for p in pieces if any(ch.isalnum() for ch in p)]


def units(prefix: str, text: str) -> list[Unit]:
    """Every unit of note ``prefix`` ("000" or "001") in reading order."""
    found, in_code = [], False
    source = f"{prefix} (preamble)"
    section = item = None
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        body = line
        if prefix == "001":
            source = _source_001(line, source)
        else:
            if m := re.match(r"^### Q(\d+)", line):
                section, item = m.group(1), None
                source = f"000 Q{section}"
            elif (m := ITEM.match(line)) and section:
                if line.lstrip().startswith("*") and item == "8" and section == "1":
                    source = f"000 Q{section}.{item}.{m.group(3)}"
                else:
                    item = m.group(3)
                    source = f"000 Q{section}.{item}"
                if not HEADING.match(line):  # "* Q1: closer to 0, ...": the text after the label
                    found.append(Unit(prefix, source, number, ITEM.match(line).group(0).strip()))
                    body = line[m.end():]
        found += [Unit(prefix, source, number, p) for p in _pieces(body, in_code)]
    return found


REASONS = ("heading", "definition", "opinion", "image only", "code")
"""Why a unit is not checkable: a heading or label; a definition (names a symbol, states a setting or a
goal); an opinion or a claim with no setting to test; an image (or a figure the note does not hold);
pseudocode control flow (its arithmetic lines are audited)."""

_N = [
    ("000 Q1.1", "and the deep net useless", "opinion"),
    ("000 Q1.4", "It aims to provide a suitable initial weight distribution that helps in ==efficient and stable "
                 "training==.", "opinion"),
    ("000 Q1.4", "Here's why Xavier initialization is important:", "heading"),
    ("000 Q1.4", "* Addressing Vanishing/Exploding Gradients:", "heading"),
    ("000 Q1.4", "This allows for better gradient flow and more stable updates to the network parameters.", "opinion"),
    ("000 Q1.4", "thus faster and efficient convergence (learning) and better performance", "opinion"),
    ("000 Q1.4", "* Applicability to Different Activation Functions:", "heading"),
    ("000 Q1.6", "the residual block (**skip connections**)  x + $f_{n}(x)$", "definition"),
    ("000 Q1.7", "alternative solution", "heading"),
    ("000 Q1.7", "alternative solution Sandford", "heading"),
    ("000 Q1.7", "- Sandford", "heading"),
    ("000 Q1.7", "4th layer neuron <- 3th <- ... <- input image", "definition"),
    ("000 Q1.7", "- m = 1 single neuron unit", "definition"),
    ("000 Q1.7", "how much the second (after the input layer) have seen from the input layer", "definition"),
    ("000 Q1.8.2", "* the blue function, is more subtle variation than the orange as", "image only"),
    ("000 Q1.8.2", "so that it can quickly improve", "opinion"),
    ("000 Q2.2", "| note:", "heading"),
    ("001 (preamble)", "The mathematics behind MLPs and initialization.", "heading"),
    ("001 §Core Equations", "y = Wx + b", "definition"),
    ("001 §Core Equations", "Where:", "heading"),
    ("001 §Core Equations", "- x ∈ ℝⁿ (input)", "definition"),
    ("001 §Activation Functions", "ReLU(x) = max(0, x)", "definition"),
    ("001 §Activation Functions", "Derivative:", "heading"),
    ("001 §Activation Functions", "σ(x) = 1 / (1 + e^(-x))", "definition"),
    ("001 §Initialization Derivation", "For layer y = Wx:", "definition"),
    ("001 §Initialization Derivation", "Var(yᵢ) = Var(Σⱼ Wᵢⱼ xⱼ)", "definition"),
    ("001 §Initialization Derivation", "For Var(y) = Var(x):", "definition"),
    ("001 §Initialization Derivation", "Considering both forward and backward:", "heading"),
    ("001 §Batch vs Single Sample", "y = Wx + b", "definition"),
    ("001 §Batch vs Single Sample", "W: (m, n)", "definition"),
    ("001 §Batch vs Single Sample", "x: (n,)", "definition"),
    ("001 §Batch vs Single Sample", "X: (B, n)", "definition"),
    ("001 §Batch vs Single Sample", "Or using row-major weights:", "heading"),
    ("001 §Initialization Formulas Summary", "| Method | Variance | Use Case |", "heading"),
    ("001 §Initialization Formulas Summary", "General (older) |", "opinion"),
    ("001 §Forward Pass Pseudocode", "function forward(X, layers):", "code"),
    ("001 §Forward Pass Pseudocode", "h = X", "code"),
    ("001 §Forward Pass Pseudocode", "for i = 1 to L-1:", "code"),
    ("001 §Forward Pass Pseudocode", "return output", "code"),
    ("001 §Variance Propagation", "For L layers with ReLU:", "heading"),
    ("001 §Variance Propagation", "With Kaiming (Var(W) = 2/n):", "definition"),
    ("001 §Quick Reference", "Linear:    y = Wx + b", "definition"),
    ("001 §Quick Reference", "ReLU:      y = max(0, x)", "definition"),
    ("001 §Quick Reference", "*\"The math serves the intuition: keep signals stable as they flow.\"*", "opinion"),
]


@dataclasses.dataclass(frozen=True)
class NotCheckable:
    source: str
    quote: str
    reason: str

    def to_json(self) -> dict:
        return {"source": self.source, "quote": self.quote, "reason": self.reason}


LISTED = [NotCheckable(*row) for row in _N]
"""The units (or parts of units) that hold no checkable statement, chosen by reading them."""


def not_checkable(all_units: list[Unit]) -> list[NotCheckable]:
    """LISTED, plus every heading line (``#``, ``Qn:``) and every embedded image, found by their syntax."""
    found = list(LISTED)
    for u in all_units:
        if IMAGE.fullmatch(u.text):
            found.append(NotCheckable(u.source, u.text, "image only"))
        elif HEADING.match(u.text) or ITEM.fullmatch(u.text):
            found.append(NotCheckable(u.source, u.text, "heading"))
    return found


def uncovered(unit: Unit, quotes: list[str]) -> str:
    """The letters and digits of ``unit`` that no quote (occurring in it) covers, as text ("" if none)."""
    covered = [False] * len(unit.text)
    for q in quotes:
        start = unit.text.find(q)
        while q and start >= 0:
            covered[start:start + len(q)] = [True] * len(q)
            start = unit.text.find(q, start + 1)
    return "".join(ch if not c and ch.isalnum() else " " for ch, c in zip(unit.text, covered)).strip()


_EMPHASIS = re.compile(r"\*\*|==")


def plain_quote(quote: str) -> str:
    """A quote for reading: the notes' Markdown emphasis (``**bold**``, ``==highlight==``) dropped, so a
    terminal shows no asterisks and a Markdown report no bold span cut across two cells. The audit's JSON
    keeps the quote exactly as the notes write it (it is searched for in them)."""
    return _EMPHASIS.sub("", quote)
