"""Readable mathematics from sympy expressions: one-line unicode ``text`` and pdflatex-safe ``latex``.

``text`` conventions: ``·`` between factors, except after a positive integer coefficient followed by
a one-letter name or a bracket (``2n``, ``2(x + 1)``); minus is ``−``; an exponent is raised with
unicode superscripts when every character has one among digits, ``+ − = ( )``, lowercase Latin and
``β γ δ θ φ χ``, else written ``^q`` / ``^(…)``; in an ASCII name an all-digit subscript is lowered
(``x_1`` → ``x₁``), a word stays (``n_in``), anything else is bracketed (``x_{l-1}`` → ``x_(l−1)``);
any other name is printed as named (in ASCII ones, ``<=``, `` * ``, ``...`` become ``≤``, ``·``, ``…``).
"""
from __future__ import annotations

import re

import sympy as sp
from mpmath.libmp import prec_to_dps, to_str as mpf_to_str
from sympy.core.function import AppliedUndef
from sympy.core.mul import _keep_coeff
from sympy.core.relational import Relational
from sympy.printing.conventions import requires_partial
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter
from sympy.utilities.iterables import sift

__all__ = ["text", "latex", "name_text", "TextPrinter", "LatexMathPrinter"]

MINUS = "−"
_GREEK_NAMES = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
                "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega")
GREEK = dict(zip(_GREEK_NAMES.split(), "αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩ"), lamda="λ", ell="ℓ")
_SUP = dict(zip("0123456789+-−=()abcdefghijklmnoprstuvwxyzβγδθφχ",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵝᵞᵟᶿᵠᵡ"))
_SUB = dict(zip("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
_CAPITAL_SUP = dict(zip("ᵀᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵁⱽᵂ", "TABDEGHIJKLMNOPRUVW"))
_RAISED = set(_SUP.values()) | set(_CAPITAL_SUP) | set("*'′†")
_LOOSE = set(" +-−/·=<>≤≥≠,|∈∧∨→⟂;:")
_GROUP = r"(?:\{[^{}]*\}|\([^()]*\)|[A-Za-z0-9]+)"
_IDENT = re.compile(rf"([A-Za-z]+?)(\d*)((?:_{_GROUP})*)(?:\^({_GROUP}))?")
_PREFIX = {"Sum", "Product", "Integral", "Derivative", "Limit", "Maximum", "Minimum"}


def _simple(s: str) -> bool:
    """No operator or space outside brackets: safe as a factor without parentheses."""
    depth = 0
    for c in s:
        depth += (c in "([{⌊⌈") - (c in ")]}⌋⌉")
        if depth == 0 and c in _LOOSE:
            return False
    return bool(s)


def _bare(s: str) -> bool:
    """Safe as the base of a power without parentheses."""
    return _simple(s) and s[-1] not in _RAISED


def _raise(exponent: str) -> str:
    """An exponent as superscripts, or ``^q`` / ``^(…)``."""
    compact = exponent.replace(" ", "")
    if compact and all(c in _SUP for c in compact):
        return "".join(_SUP[c] for c in compact)
    return f"^{exponent}" if len(exponent) == 1 else f"^({exponent})"


def _unbrace(group: str) -> str:
    return group[1:-1] if group[:1] in "{(" else group


def _subscript(group: str) -> str:
    body = _unbrace(group)
    if body.isdigit():
        return "".join(_SUB[c] for c in body)
    return "_" + GREEK.get(body, body) if body.isalnum() else f"_({body.replace('-', MINUS)})"


def name_text(name: str) -> str:
    """A symbol's name as text: Greek words as letters, digit subscripts lowered."""
    match = _IDENT.fullmatch(name)
    if match is None:
        if not name.isascii():
            return name
        for ascii_form, math in (("**", "^"), ("<=", "≤"), (">=", "≥"), ("!=", "≠"), (" * ", " · "),
                                 ("...", "…"), (" - ", f" {MINUS} ")):
            name = name.replace(ascii_form, math)
        return name
    base, digits, subs, sup = match.groups()
    groups = re.findall(rf"_({_GROUP})", subs)
    out = GREEK.get(base, base) + (digits if groups else "".join(_SUB[c] for c in digits))
    out += "".join(_subscript(g) for g in groups)
    return out + (_raise(_unbrace(sup).replace("-", MINUS)) if sup else "")


def _is_prefix(item) -> bool:
    """Σ, ∫, d/dx, lim, max_x: an operator whose body extends to the right."""
    return any(cls.__name__ in _PREFIX for cls in type(item).__mro__)


def _is_long(r: sp.Rational, digits: int) -> bool:
    return len(str(abs(r.p))) > digits or len(str(r.q)) > digits


def _decimal(value: sp.Float | sp.Rational, digits: int) -> tuple[str, str]:
    """``value`` to ``digits`` significant digits, no trailing zeros: (mantissa, decimal exponent or "")."""
    if isinstance(value, sp.Rational):
        value = sp.Float(value, digits + 10)
    digits = max(1, min(digits, prec_to_dps(value._prec)))
    mantissa, _, exponent = mpf_to_str(value._mpf_, digits, strip_zeros=True).partition("e")
    return mantissa.removesuffix(".0").removeprefix("+"), exponent and str(int(exponent))


class TextPrinter(StrPrinter):
    """One-line unicode mathematics; the structure follows sympy's ``StrPrinter``."""

    printmethod = "_dlmath_text"
    _default_settings = {**StrPrinter._default_settings, "max_digits": 12}

    def parenthesize(self, item, level, strict=False):
        out, prec = self._print(item), precedence(item)
        if isinstance(item, sp.Rational) and item > 0 and _is_long(item, self._settings["max_digits"]):
            prec = PRECEDENCE["Atom"]
        wrap = prec < level or (not strict and prec <= level)
        if level >= PRECEDENCE["Mul"] and (_is_prefix(item) or not _simple(out) and isinstance(
                item, (sp.Symbol, sp.MatrixSymbol, sp.Indexed, AppliedUndef, sp.Subs))):
            wrap = True
        return f"({out})" if wrap else out

    def _operand(self, item, level=PRECEDENCE["Mul"]) -> str:
        return self.parenthesize(item, level, strict=True)

    def _base(self, item) -> str:
        out = self.parenthesize(item, PRECEDENCE["Pow"])
        return out if _bare(out) or isinstance(item, sp.Abs) else f"({out})"

    def _bound(self, item) -> str:
        out = self._print(item).replace(" ", "")
        return out if re.fullmatch(rf"{MINUS}?(?:\d+|∞|[^\W\d_][₀-₉]*)", out) else f"({out})"

    def _join(self, items, texts, tight_allowed: bool = True) -> str:
        """Factors joined by "·", or written tight after a coefficient ("2x", "2(k − 1)"); an unevaluated
        product (a worked instance, ``tight_allowed=False``) keeps every "·": "−1·1·(−1 + 3)", not "1(−1 + 3)"."""
        out = texts[0]
        for left, right in zip(items, texts[1:]):
            tight = tight_allowed and left.is_Integer and left > 0 and \
                re.match(r"[(√|]|[A-Za-zα-ωΑ-Ω](?![A-Za-zα-ωΑ-Ω])", right)
            out += ("" if tight else "·") + right
        return out

    def _print_Float(self, expr):
        mantissa, exponent = _decimal(expr, self._settings["max_digits"])
        return (f"{mantissa}·10{_raise(exponent)}" if exponent else mantissa).replace("-", MINUS)

    def _print_Rational(self, expr):
        if _is_long(expr, self._settings["max_digits"]) and expr.q != 1:
            return self._print_Float(expr) + "…"
        return str(expr).replace("-", MINUS)

    _print_Integer = _print_Rational

    _CONSTANTS = {"Pi": "π", "Exp1": "e", "Infinity": "∞", "NegativeInfinity": MINUS + "∞",
                  "ComplexInfinity": "∞̃", "NaN": "NaN", "ImaginaryUnit": "i", "EulerGamma": "γ",
                  "GoldenRatio": "φ", "BooleanTrue": "True", "BooleanFalse": "False", "EmptySet": "∅",
                  "Reals": "ℝ", "Integers": "ℤ", "Naturals": "ℕ", "Identity": "I", "ZeroMatrix": "0"}

    def _print_constant(self, expr):
        return self._CONSTANTS[type(expr).__name__]

    _print_Pi = _print_Exp1 = _print_Infinity = _print_NegativeInfinity = _print_ComplexInfinity = _print_constant
    _print_NaN = _print_ImaginaryUnit = _print_EulerGamma = _print_GoldenRatio = _print_EmptySet = _print_constant
    _print_BooleanTrue = _print_BooleanFalse = _print_Reals = _print_Integers = _print_Naturals = _print_constant
    _print_Identity = _print_ZeroMatrix = _print_constant

    def _signed_sum(self, terms, prec) -> str:
        parts = []
        for term in terms:
            out, sign = self._print(term), "+"
            if out.startswith(MINUS) and not term.is_Add and not isinstance(term, sp.Symbol):
                sign, out = MINUS, out[1:]
            parts += [sign, f"({out})" if precedence(term) < prec or term.is_Add else out]
        sign = parts.pop(0)
        return ("" if sign == "+" else sign) + " ".join(parts)

    def _print_Add(self, expr, order=None):
        return self._signed_sum(self._as_ordered_terms(expr, order=order), precedence(expr))

    def _print_MatAdd(self, expr):
        return self._signed_sum(expr.args, precedence(expr))

    def _print_Mul(self, expr):
        args = expr.args
        if args[0] is sp.S.One or any(isinstance(a, sp.Number) or a.is_Pow and all(
                ai.is_Integer for ai in a.args) for a in args[1:]):  # unevaluated: keep every factor
            den, num = sift(args, lambda x: x.is_Pow and bool(x.exp.as_coeff_Mul()[0] < 0), binary=True)
            den = [sp.Pow(d.base, -d.exp, evaluate=False) if -d.exp - 1 else d.base for d in den]
            return self._fraction(num, den, keep_first=True)
        coeff, rest = expr.as_coeff_Mul()
        sign = ""
        if coeff < 0:
            expr, sign = _keep_coeff(-coeff, rest), MINUS
        num, den = [], []
        factors = expr.as_ordered_factors() if self.order not in ("old", "none") else sp.Mul.make_args(expr)
        for item in factors:
            if item.is_commutative and item.is_Pow and bool(item.exp.as_coeff_Mul()[0] < 0):
                den.append(item.base if item.exp is sp.S.NegativeOne else sp.Pow(item.base, -item.exp))
            elif item.is_Rational and not _is_long(item, self._settings["max_digits"]):
                num += [sp.Integer(item.p)] if item.p != 1 else []
                den += [sp.Integer(item.q)] if item.q != 1 else []
            else:
                num.append(item)
        return sign + self._fraction(num, den)

    def _fraction(self, num, den, keep_first=False) -> str:
        def factors(items):
            first = [self._print(items[0])] if keep_first and items and not items[0].is_Add \
                and items[0].could_extract_minus_sign() else []
            return first + [self.parenthesize(a, PRECEDENCE["Mul"]) for a in items[len(first):]]

        top = self._join(num, factors(num), not keep_first) if num else "1"
        if not den:
            return top
        bottom = self._join(den, factors(den), not keep_first)
        return f"{top}/({bottom})" if len(den) > 1 else f"{top}/{bottom}"

    def _print_MatMul(self, expr):
        coeff, matrices = expr.as_coeff_mmul()
        sign = ""
        if coeff.is_number and coeff.is_extended_negative:
            expr, sign = _keep_coeff(-coeff, matrices), MINUS
        return sign + self._join(expr.args, [self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args])

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.base, expr.exp
        if exp is sp.S.Half:
            inner = self._print(base)
            return "√" + (inner if precedence(base) >= PRECEDENCE["Func"] and _bare(inner) else f"({inner})")
        if expr.is_commutative and exp.could_extract_minus_sign():
            flipped = base if exp is sp.S.NegativeOne else sp.Pow(base, -exp, evaluate=False)
            return "1/" + self.parenthesize(flipped, PRECEDENCE["Mul"])
        return self._base(base) + _raise(self._print(exp))

    _print_MatPow = _print_Pow

    def _print_exp(self, expr):
        return "e" + _raise(self._print(expr.args[0]))

    def _print_Symbol(self, expr):
        return name_text(expr.name.rstrip("_") or expr.name)

    _print_Dummy = _print_MatrixSymbol = _print_Symbol

    def _print_IndexedBase(self, expr):
        return self._print(expr.label)

    def _print_Indexed(self, expr):
        base, idx = self._print(expr.base), [self._print(i).replace(" ", "") for i in expr.indices]
        joined = "".join(idx)
        if joined.isdigit() and (len(idx) == 1 or len(joined) == len(idx)):
            return base + "".join(_SUB[c] for c in joined)
        if len(joined) == len(idx) or (len(idx) == 1 and _simple(joined)):
            return f"{base}_{joined}"
        return f"{base}_({','.join(idx)})"

    _FUNCTIONS = {"sign": "sgn", "gamma": "Γ", "Heaviside": "H", "KroneckerDelta": "δ", "re": "Re", "im": "Im",
                  "Max": "max",
                  "Min": "min", "Maximum": "max", "Minimum": "min", "Determinant": "det", "Trace": "tr"}

    def _print_Function(self, expr):
        args = expr.args[:1] if isinstance(expr, sp.Heaviside) and expr.args[1:] == (sp.S.Half,) else expr.args
        name, inner = type(expr).__name__, ", ".join(self._print(a) for a in args)  # H(x): H(0) = 1/2 unsaid
        if isinstance(expr, AppliedUndef):
            return f"E[{inner}]" if name == "E" else f"{name_text(name)}({inner})"
        return f"{self._FUNCTIONS.get(name, name)}({inner})"

    _print_Max = _print_Min = _print_Determinant = _print_Trace = _print_Function
    _print_Heaviside = _print_KroneckerDelta = _print_Function  # sympy's own printers would win otherwise
    _WRAPS = {"Abs": "||", "floor": "⌊⌋", "ceiling": "⌈⌉", "FiniteSet": "{}", "Tuple": "()"}
    _INFIX = {"And": " ∧ ", "Or": " ∨ ", "Union": " ∪ ", "Intersection": " ∩ ", "Contains": " ∈ "}
    _POSTFIX = {"Transpose": "ᵀ", "Inverse": "⁻¹", "Adjoint": "†"}

    def _print_wrapped(self, expr):
        left, right = self._WRAPS[type(expr).__name__]
        return left + ", ".join(self._print(a) for a in expr.args) + right

    def _print_infix(self, expr):
        return self.stringify(expr.args, self._INFIX[type(expr).__name__], PRECEDENCE["And"])

    def _print_postfix(self, expr):
        return self._base(expr.arg) + self._POSTFIX[type(expr).__name__]

    _print_Abs = _print_floor = _print_ceiling = _print_FiniteSet = _print_Tuple = _print_wrapped
    _print_And = _print_Or = _print_Union = _print_Intersection = _print_Contains = _print_infix
    _print_Transpose = _print_Inverse = _print_Adjoint = _print_postfix

    def _print_MatrixBase(self, expr):
        rows = (", ".join(self._print(v) for v in expr.row(i)) for i in range(expr.rows))
        return "[" + ", ".join(f"[{row}]" for row in rows) + "]"

    _print_ImmutableDenseMatrix = _print_MutableDenseMatrix = _print_MatrixBase

    def _print_Derivative(self, expr):
        body, pairs = expr.expr, expr.variable_count
        d = "∂" if requires_partial(expr) else "d"  # as sympy's LaTeX: several non-integer free symbols
        top = d + (_raise(self._print(expr.derivative_count)) if expr.derivative_count != 1 else "")
        bottom = "".join(d + self._base(v) + (_raise(self._print(n)) if n != 1 else "") for v, n in pairs)
        return f"{top}/{bottom} {self._operand(body, PRECEDENCE['Func'])}"

    def _print_Integral(self, expr):
        signs = []
        for limit in reversed(expr.limits):
            bounds = [self._bound(b) for b in limit[1:]]
            signs.append("∫" + ("_{}^{}".format(*bounds) if len(bounds) == 2 else "".join(f"^{b}" for b in bounds)))
        ds = " ".join("d" + self._base(limit[0]) for limit in expr.limits)
        return f"{' '.join(signs)} {self._operand(expr.function)} {ds}"

    def _print_Sum(self, expr):
        sign = "Π" if isinstance(expr, sp.Product) else "Σ"
        parts = [f"{sign}_({self._print(v)}={self._print(a).replace(' ', '')})^{self._bound(b)}"
                 for v, a, b in reversed(expr.limits)]
        return " ".join(parts) + " " + self._operand(expr.function)

    _print_Product = _print_Sum

    def _print_Limit(self, expr):
        body, var, point, direction = expr.args
        side = "" if point.is_infinite else {"+": "⁺", "-": "⁻"}.get(str(direction), "")
        target = self._bound(point) if side else self._print(point)
        return f"lim_({self._print(var)}→{target}{side}) {self._operand(body)}"

    def _print_Subs(self, expr):
        body, old, new = expr.args
        out = self._print(body)
        if precedence(body) < PRECEDENCE["Func"] or _is_prefix(body) or not _simple(out):
            out = f"({out})"
        return out + "|_(" + ", ".join(f"{self._print(o)}={self._print(n)}" for o, n in zip(old, new)) + ")"

    _RELATIONS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}

    def _print_Relational(self, expr):
        def side(x):
            return f"({self._print(x)})" if isinstance(x, (Relational, sp.And, sp.Or)) else self._print(x)
        return f"{side(expr.lhs)} {self._RELATIONS.get(expr.rel_op, expr.rel_op)} {side(expr.rhs)}"

    def _print_Not(self, expr):
        return "¬" + self.parenthesize(expr.args[0], PRECEDENCE["Not"])

    def _print_Piecewise(self, expr):
        return "{" + "; ".join(f"{self._print(e)} otherwise" if c == sp.true else
                               f"{self._print(e)} if {self._print(c)}" for e, c in expr.args) + "}"

    def _print_Interval(self, expr):
        left, right = "(" if expr.left_open else "[", ")" if expr.right_open else "]"
        return f"{left}{self._print(expr.start)}, {self._print(expr.end)}{right}"

    def _print_Poly(self, expr):
        return self._print(expr.as_expr())

    def _print_NormalE(self, expr):
        f, z, q = expr.args
        return f"E_({self._print(z)}∼N(0, {self._print(q)}))[{self._print(f)}]"

    def _print_Maximum(self, expr):
        f, x, domain = expr.args
        name = self._FUNCTIONS[type(expr).__name__]
        return f"{name}_({self._print(x)}∈{self._print(domain)}) {self._operand(f)}"

    _print_Minimum = _print_Maximum


def text(expr, max_digits: int = 12) -> str:
    """One line of unicode mathematics for ``expr``; never raises."""
    try:
        return TextPrinter({"max_digits": max_digits}).doprint(expr)
    except Exception:
        try:
            return sp.sstr(expr).replace("**", "^").replace("*", "·")
        except Exception:
            return repr(expr)


# the LaTeX printer builds on the names and numbers above; imported last, after they exist
from .latex import LatexMathPrinter, latex  # noqa: E402
