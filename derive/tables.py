"""A derivation as a table (Markdown, LaTeX) or a JSON record. Reads facts; never sets a verdict."""
from __future__ import annotations

import re

import sympy as sp

from . import kernel as K

try:
    from . import render
except ImportError:  # pragma: no cover -- the printer is optional while it is written
    render = None

__all__ = ["rows", "markdown", "text", "latex_table", "as_json", "result_text", "short_status", "HEADERS", "MARKS"]

HEADERS = ["#", "statement", "justification", "rule", "checked", "how"]
MARKS = {K.PROVED: "✓", K.NUMERIC: "≈", K.DEFINITION: "def", K.ASSUMED: "assumed", K.CITED: "cited",
         K.EVIDENCE: "evidence", K.FAILED: "✗"}
_LATEX_MARKS = {"✓": r"\checkmark", "≈": r"$\approx$", "✗": r"$\times$"}


def rows(d, latex: bool = False, markup: bool = True) -> list[list[str]]:
    """One row per step; ``markup=False`` gives plain text (no Markdown escapes), for a terminal."""
    out = []
    for i, s in enumerate(d.steps, 1):
        mark = MARKS.get(s.status, s.status)
        if not markup:
            out.append([str(i), _text(s.expr), s.justification, s.method, mark, s.detail])
        elif latex:
            out.append([str(i), f"${_latex(s.expr)}$", escape(s.justification, True), s.method,
                        _LATEX_MARKS.get(mark, mark), escape(s.detail, True)])
        else:
            out.append([str(i), escape(_text(s.expr), False), escape(s.justification, False), s.method, mark,
                        escape(s.detail, False)])
    return out


def _meta(d, markup: bool = True) -> str:
    verdict = d.verdict
    bold, italic, code = ("**", "*", "`") if markup else ("", "", "")
    meta = f"Scope: {d.scope or 'as stated'}. Status: {bold}{verdict}{bold}."
    if verdict.assumptions:
        meta += " Assumptions: " + "; ".join(f"{italic}{a.name}{italic} ({a.detail})"
                                             for a in verdict.assumptions) + "."
    if verdict.uses:
        meta += " Uses: " + ", ".join(f"{code}{u}{code}" for u in verdict.uses) + "."
    if d.result is not None:
        meta += f" Result: {escape(result_text(d.result), False) if markup else result_text(d.result)}."
    if verdict.reasons:
        meta += " Why it fails: " + "; ".join(verdict.reasons)[:400] + "."
    return meta


_SIGNS = (("positive", "> 0"), ("negative", "< 0"), ("nonnegative", "≥ 0"), ("nonpositive", "≤ 0"),
          ("zero", "= 0"), ("nonzero", "≠ 0"))


def _condition(symbol: sp.Symbol) -> str:
    """What a symbol's assumptions say about its sign, as text ("t > 0"), or "" if nothing."""
    for key, text in _SIGNS:
        if symbol.assumptions0.get(key):
            return f"{_text(symbol)} {text}"
    return ""


def result_text(result) -> str:
    """A concluded statement as text. Parts that differ only in the assumptions on a same-named symbol
    (t > 0 and t < 0, shown alike) each say which case they hold in: "...(for t > 0); ...(for t < 0)"."""
    parts = K._parts(result)
    if len(parts) < 2:
        return _text(result)
    seen: dict[str, set] = {}
    for part in parts:
        for symbol in part.free_symbols:
            seen.setdefault(symbol.name, set()).add(symbol)
    shared = {name for name, symbols in seen.items() if len(symbols) > 1}
    texts = []
    for part in parts:
        cases = [c for c in (_condition(s) for s in sorted(part.free_symbols, key=lambda s: s.name)
                             if s.name in shared) if c]
        texts.append(_text(part) + (f" (for {', '.join(cases)})" if cases else ""))
    return "; ".join(texts)


def short_status(status: str) -> str:
    """'proved given 5 assumptions' -> 'proved, 5 assumed', for a table column (the JSON keeps the status)."""
    for base in ("proved", "numeric"):
        if status.startswith(f"{base} given "):
            return f"{base}, {status.split()[2]} assumed"
    return status


def markdown(d) -> str:
    from .layout import pipe_table

    head = f"### `{d.claim_id}`: {d.title}\n\n"
    return head + _meta(d) + "\n\n" + pipe_table(rows(d), HEADERS) + "\n"


def text(d, wide: bool = False) -> str:
    """The derivation for a terminal: a heading line, its scope and status, and the steps as a plain
    table wrapped to the terminal's width (``derive.layout``; ``wide`` leaves it unwrapped)."""
    from .layout import paragraph, table

    head = paragraph(f"{d.claim_id}: {d.title}", wide)
    return "\n".join([head, paragraph(_meta(d, markup=False), wide), "",
                      table(rows(d, markup=False), HEADERS, "simple", keep=(0, 4), wide=wide), ""])


def latex_table(d) -> str:
    from tabulate import tabulate

    headers = [escape(h, True) for h in HEADERS]
    return tabulate(rows(d, latex=True), headers, tablefmt="latex_raw", disable_numparse=True) + "\n"


def as_json(d) -> dict:
    verdict = d.verdict
    return {
        "id": d.claim_id,
        "title": d.title,
        "scope": d.scope,
        "status": str(verdict),
        "assumptions": [{"name": a.name, "statement": _text(a.statement), "reference": a.detail}
                        for a in verdict.assumptions],
        "uses": list(verdict.uses),
        "result": result_text(d.result) if d.result is not None else None,
        "reasons": list(verdict.reasons),
        "steps": [{"statement": _text(s.expr), "justification": s.justification, "rule": s.method,
                   "status": s.status, "how": s.detail} for s in d.steps],
    }


_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                   "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_PATTERN = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))


def escape(text: str, latex: bool) -> str:
    """Text for a table cell: Markdown pipes escaped, or LaTeX specials and unicode made ASCII."""
    if not latex:
        return text.replace("|", "\\|")
    text = _LATEX_PATTERN.sub(lambda m: _LATEX_SPECIALS[m.group(0)], text)
    return "".join(_LATEX_UNICODE.get(c, c if ord(c) < 128 else "?") for c in text)


_LATEX_UNICODE = {
    "§": r"\S{}", "±": r"$\pm$", "²": r"$^{2}$", "³": r"$^{3}$", "·": r"$\cdot$", "×": r"$\times$",
    "Δ": r"$\Delta$", "Π": r"$\Pi$", "Σ": r"$\Sigma$", "Φ": r"$\Phi$", "α": r"$\alpha$", "β": r"$\beta$",
    "γ": r"$\gamma$", "δ": r"$\delta$", "ε": r"$\varepsilon$", "η": r"$\eta$", "θ": r"$\theta$",
    "κ": r"$\kappa$", "λ": r"$\lambda$", "μ": r"$\mu$", "ξ": r"$\xi$", "π": r"$\pi$", "ρ": r"$\rho$",
    "σ": r"$\sigma$", "τ": r"$\tau$", "φ": r"$\varphi$", "χ": r"$\chi$", "ψ": r"$\psi$", "ω": r"$\omega$",
    "ᵀ": r"$^{T}$", "‖": r"$\|$", "₀": r"$_0$", "₁": r"$_1$", "₂": r"$_2$", "ℓ": r"$\ell$", "→": r"$\to$",
    "←": r"$\leftarrow$", "∂": r"$\partial$", "∇": r"$\nabla$", "∘": r"$\circ$", "√": r"$\surd$",
    "∞": r"$\infty$", "∫": r"$\int$", "≈": r"$\approx$", "≠": r"$\neq$", "≤": r"$\le$", "≥": r"$\ge$",
    "⊆": r"$\subseteq$", "⋯": r"$\cdots$", "…": r"\ldots{}", "⌈": r"$\lceil$", "⌉": r"$\rceil$",
    "⌊": r"$\lfloor$", "⌋": r"$\rfloor$", "⟂": r"$\perp$", "∈": r"$\in$", "∑": r"$\sum$", "∏": r"$\prod$",
    "−": "-", "–": "--", "—": "---", "’": "'", "“": "``", "”": "''", "✓": r"\checkmark{}", "✗": r"$\times$",
    "∼": r"$\sim$", "⁺": r"$^{+}$", "⁻": r"$^{-}$", "∧": r"$\wedge$",
}
"""Unicode in justifications, as LaTeX text mode, so the tables compile with plain pdflatex."""


def _text(expr) -> str:
    return render.text(expr) if render is not None else sp.sstr(expr)


def _latex(expr) -> str:
    return render.latex(expr) if render is not None else sp.latex(expr)
