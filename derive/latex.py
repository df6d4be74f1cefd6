"""pdflatex-safe LaTeX from sympy expressions, with the names, long rationals and E[…] of ``render.text``.

``latex(expr)`` is pure ASCII math (no ``$``): every non-ASCII character is a macro, an escape or ``?``.
"""
from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .render import (_CAPITAL_SUP, _GROUP, _SUB, _SUP, GREEK, MINUS, TextPrinter, _decimal, _is_long, _unbrace,
                     name_text, text)

__all__ = ["latex", "LatexMathPrinter"]

_TEX = {
    **{c: "\\" + n for n, c in GREEK.items() if n not in ("lamda", "omicron")},
    **dict(zip("ΑΒΕΖΗΙΚΜΝΡΤΧο", "ABEZHIKMNPTXo")),
    "ε": r"\varepsilon", "ϕ": r"\phi", "·": r"\cdot", "×": r"\times", "‖": r"\|", "⊆": r"\subseteq",
    "⊂": r"\subset", "∈": r"\in", "∉": r"\notin", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx",
    "→": r"\to", "←": r"\leftarrow", "↦": r"\mapsto", "∞": r"\infty", "√": r"\surd", "∑": r"\sum",
    "∏": r"\prod", "∫": r"\int", "∂": r"\partial", "∇": r"\nabla", "⟂": r"\perp", "⊥": r"\perp",
    "∧": r"\wedge", "∨": r"\vee", "¬": r"\neg", "∪": r"\cup", "∩": r"\cap", "∅": r"\emptyset", "±": r"\pm",
    "∘": r"\circ", "…": r"\ldots", "⋯": r"\cdots", "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil",
    "⌉": r"\rceil", "∼": r"\sim", "−": "-", "–": "-", "′": "'", "∗": r"\ast", "†": r"\dagger", "ℝ": r"\mathbf{R}",
    "ℤ": r"\mathbf{Z}", "ℕ": r"\mathbf{N}", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\sim",
    "\\": r"\backslash", "{": r"\{", "}": r"\}", " ": r"\ ",
}
"""Characters as LaTeX math: every non-ASCII character used here, and the ASCII ones TeX treats specially."""
_TEX_SCRIPTS = (({v: k for k, v in _SUB.items()} | dict(zip("₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ", "+-=()aeoxhklmnpstij")), "_"),
                ({v: k.replace(MINUS, "-") for k, v in _SUP.items()} | _CAPITAL_SUP, "^"))


def _tex_char(c: str, following: str = "") -> str:
    """One character as LaTeX math: a macro, an escape, itself (ASCII) or ``?``."""
    macro = _TEX.get(c, c if c.isascii() else "?")
    return macro + " " if macro[:1] == "\\" and macro[-1].isalpha() and following[:1].isalpha() else macro


def _tex_name(name: str) -> str:
    """A free-form name (``σ_W²``, ``E[x²]``, ``∂L/∂x_j``, ``q*``) as LaTeX math."""
    out, i = [], 0
    while i < len(name):
        c, rest = name[i], name[i + 1:]
        script = next(((table, mark) for table, mark in _TEX_SCRIPTS if c in table), None)
        group = re.match(rf"(?:{_GROUP}|[^\W_]+)", rest) if c in "_^" else None
        word = re.match(r"[A-Za-z]{2,}", name[i:])
        if script:
            run = re.match(f"[{''.join(script[0])}]+", name[i:]).group()
            out.append(script[1] + "{" + _tex_name("".join(script[0][r] for r in run)) + "}")
            i += len(run)
        elif group:
            out.append(c + "{" + _tex_name(_unbrace(group.group())) + "}")
            i += 1 + group.end()
        elif word:
            greek = GREEK.get(word.group())
            out.append(_tex_char(greek, name[i + word.end():]) if greek else r"\mathrm{%s}" % word.group())
            i += word.end()
        else:
            out.append("^{*}" if c == "*" and i and name[i - 1] != " " else _tex_char(c, rest))
            i += 1
    return "".join(out)


class LatexMathPrinter(LatexPrinter):
    """sympy's LaTeX, with names, long rationals and ``E[…]`` as in ``text``."""

    def _deal_with_super_sub(self, string, style="plain"):
        string = string.rstrip("_") or string   # a trailing underscore (beta_) would leave a dangling subscript
        if re.fullmatch(r"[A-Za-z]+(\d*|(_[A-Za-z0-9]+)?(\^[A-Za-z0-9]+)?)", string):
            return super()._deal_with_super_sub(string, style)
        return _tex_name(name_text(string))

    def _print_Float(self, expr, ellipsis=""):
        mantissa, exponent = _decimal(expr, 12)
        return mantissa + ellipsis + (rf" \cdot 10^{{{exponent}}}" if exponent else "")

    def _print_Rational(self, expr):
        if _is_long(expr, 12) and expr.q != 1:
            return self._print_Float(expr, r"\ldots")
        return super()._print_Rational(expr)

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_Rational and _is_long(coeff, 12) and coeff.q != 1 and rest is not sp.S.One:
            head = ("-" if coeff < 0 else "") + self._print(abs(coeff))
            return head + " " + self.parenthesize(rest, PRECEDENCE["Mul"], strict=True)
        return super()._print_Mul(expr)

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, AppliedUndef) and type(expr).__name__ == "E":
            inner = ", ".join(self._print(a) for a in expr.args)
            return r"E\left[%s\right]" % inner + (f"^{{{exp}}}" if exp else "")
        return super()._print_Function(expr, exp)

    def _print_NormalE(self, expr, exp=None):
        f, z, q = (self._print(a) for a in expr.args)
        return r"E_{%s \sim N(0, %s)}\left[%s\right]" % (z, q, f) + (f"^{{{exp}}}" if exp else "")

    def _print_Maximum(self, expr, exp=None):
        f, x, domain = expr.args
        name = TextPrinter._FUNCTIONS[type(expr).__name__]
        head = r"\%s_{%s \in %s} " % (name, self._print(x), self._print(domain))
        return head + self.parenthesize(f, PRECEDENCE["Mul"], strict=True)

    _print_Minimum = _print_Maximum


def latex(expr) -> str:
    """LaTeX math (no ``$``) for ``expr``: pure ASCII, so plain pdflatex compiles it; never raises."""
    try:
        tex = LatexMathPrinter().doprint(expr)
    except Exception:
        tex = _tex_name(text(expr))
    tex = tex.replace(r"\mathbb{", r"\mathbf{")  # amssymb is not part of plain LaTeX
    return "".join(c if c.isascii() else _tex_char(c, tex[i + 1:i + 2]) for i, c in enumerate(tex))
