"""φ(x) from text: a safe parser for an activation a user types, built on Python's ``ast``.

The text is parsed by ``ast.parse`` (which only parses, never runs anything) and every node is
checked against an explicit allow-list before a sympy object is built from it directly. Nothing
is handed to ``eval``, ``exec``, ``sympify`` or ``parse_expr``: all of those run arbitrary code.

Accepted: decimal numbers, the variable ``x``, the constants ``pi`` and ``e``, ``+ - * / **``,
unary minus and plus, parentheses, the functions in ``FUNCTIONS``, and a piecewise
``where(condition, a, b)`` whose condition uses ``< <= > >=`` (chains allowed) and ``and``/``or``.
Bounded: ``MAX_LENGTH`` characters, nesting depth ``MAX_DEPTH``, ``MAX_NODES`` syntax nodes, a
constant exponent of at most ``MAX_EXPONENT`` in absolute value, and nonzero constants between
``1/MAX_MAGNITUDE`` and ``MAX_MAGNITUDE`` in absolute value (a tiny constant is an exact rational
with a huge denominator); so no input can exhaust memory or time. Every refusal is an ``ExpressionError``
(a ``ValueError``) with a one-line message naming the offending token and its column (1-based).

>>> parse_activation("x*tanh(softplus(x))")
x*tanh(log(exp(x) + 1))
>>> parse_activation("where(x > 0, x, 0.01*x)")
Piecewise((x, x > 0), (x/100, True))
"""
from __future__ import annotations

import ast
import re
import string
from fractions import Fraction

import mpmath
import sympy as sp

from .errors import DeriveError

__all__ = [
    "X",
    "ExpressionError",
    "parse_activation",
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_EXPONENT",
    "MAX_MAGNITUDE",
]

X = sp.Symbol("x", real=True)
"""The activation's variable."""

MAX_LENGTH = 1000
"""Characters in an expression."""
MAX_DEPTH = 100
"""Nesting depth of parentheses and of the syntax tree (a sum of n terms is n deep)."""
MAX_NODES = 400
"""Syntax-tree nodes in an expression."""
MAX_EXPONENT = 64
"""Largest |p| of a constant exponent in ``a ** p``."""
MAX_MAGNITUDE = mpmath.mpf("1e300")
"""Largest absolute value of any constant (sub)expression, literal or computed."""
_MAX_LITERAL_EXPONENT = 300


def _sigmoid(a):
    return 1 / (1 + sp.exp(-a))


def _softplus(a):
    return sp.log(1 + sp.exp(a))


FUNCTIONS = {
    "exp": (1, 1, sp.exp),
    "log": (1, 1, sp.log),
    "sqrt": (1, 1, sp.sqrt),
    "abs": (1, 1, sp.Abs),
    "tanh": (1, 1, sp.tanh),
    "sigmoid": (1, 1, _sigmoid),
    "softplus": (1, 1, _softplus),
    "erf": (1, 1, sp.erf),
    "erfc": (1, 1, sp.erfc),
    "sin": (1, 1, sp.sin),
    "cos": (1, 1, sp.cos),
    "atan": (1, 1, sp.atan),
    "sinh": (1, 1, sp.sinh),
    "cosh": (1, 1, sp.cosh),
    "max": (2, 8, sp.Max),
    "min": (2, 8, sp.Min),
}
"""name -> (fewest arguments, most arguments, builder). ``where`` is handled separately."""

CONSTANTS = {"pi": sp.pi, "e": sp.E}
"""Named constants; ``x`` is the variable."""

_ALLOWED_CHARACTERS = frozenset(string.ascii_letters + string.digits + " \t+-*/().,<>=_")
_CHARACTER_HINTS = {
    "^": "use ** for powers",
    "[": "subscripts are not allowed",
    "]": "subscripts are not allowed",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    ";": "one expression only",
    "\n": "one line only",
    ":": "lambdas, slices and assignments are not allowed",
}
_TOKEN = re.compile(r"\w+|\*\*|//|<=|>=|==|\S|\s+")
_DECIMAL = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?")
_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_OPERATOR_TEXT = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~", ast.Not: "not",
    ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}
_COMPARISONS = {ast.Lt: sp.StrictLessThan, ast.LtE: sp.LessThan, ast.Gt: sp.StrictGreaterThan,
                ast.GtE: sp.GreaterThan}
_ALLOWED_NODES = "numbers, x, pi, e, + - * / **, unary -, parentheses, calls of allowed functions, where(...)"


class ExpressionError(DeriveError):
    """An expression refused by the parser: ``token`` and 1-based ``column`` locate the offence."""

    def __init__(self, message: str, token: str, column: int):
        super().__init__(message)
        self.token = token
        self.column = column


def _shorten(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _refuse(what: str, token: str, column: int, rule: str) -> ExpressionError:
    token = _shorten(token)
    return ExpressionError(f"{what} {token!r} at column {column}: {rule}", token, column)


def parse_activation(text: str) -> sp.Expr:
    """φ(x) as a sympy expression in ``X`` from ``text`` such as ``"x*tanh(softplus(x))"``.

    Raises ``TypeError`` if ``text`` is not a str and ``ExpressionError`` (a ``ValueError``) for
    anything outside the allow-list or the bounds, naming the token and its column.
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise _refuse("expression too long:", f"{len(text)} characters", MAX_LENGTH + 1,
                      f"the limit is {MAX_LENGTH} characters")
    depth = 0
    for i, ch in enumerate(text):
        if ch not in _ALLOWED_CHARACTERS:
            hint = _CHARACTER_HINTS.get(ch, "allowed are letters, digits, spaces and + - * / ( ) . , < > = _")
            raise _refuse("character", ch, i + 1, hint)
        if ch == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise _refuse("parenthesis", ch, i + 1, f"nesting deeper than {MAX_DEPTH} levels")
    body = text.lstrip()
    if not body.strip():
        raise _refuse("expression", text, 1, "it is empty; write an activation in x, e.g. 'tanh(x)'")
    lead = len(text) - len(body)
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        if exc.offset is None or exc.offset < 1 or lead + exc.offset > len(text):
            column, token = len(text) + 1, "end of input"
        else:
            column = lead + exc.offset
            token = _TOKEN.match(text, column - 1).group()
        raise _refuse("syntax error at", token, column, exc.msg) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise _refuse("expression", body, lead + 1, f"cannot be parsed ({type(exc).__name__})") from None
    return _Builder(body, lead).build(tree)


class _Builder:
    """Checks every node against the allow-list and builds sympy objects bottom-up."""

    def __init__(self, source: str, lead: int):
        self.source = source
        self.lead = lead

    def column(self, node: ast.AST) -> int:
        return self.lead + getattr(node, "col_offset", 0) + 1

    def text(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.source, node)
        return segment if segment is not None else type(node).__name__

    def build(self, tree: ast.Expression) -> sp.Expr:
        self._check_size(tree)
        expr = self.expr(tree.body)
        if not isinstance(expr, sp.Expr):
            raise _refuse("comparison", self.text(tree.body), self.column(tree.body),
                          "an activation is a number, not a truth value; use where(condition, a, b)")
        return expr

    def _check_size(self, tree: ast.Expression) -> None:
        stack = [(tree.body, 1)]
        count = 0
        while stack:
            node, depth = stack.pop()
            count += 1
            if depth > MAX_DEPTH:
                raise _refuse("expression", self.text(node), self.column(node),
                              f"nesting deeper than {MAX_DEPTH} levels")
            if count > MAX_NODES:
                raise _refuse("expression", self.text(node), self.column(node),
                              f"more than {MAX_NODES} terms and operators")
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                         if not isinstance(child, (ast.expr_context, ast.operator, ast.unaryop,
                                                   ast.cmpop, ast.boolop)))

    # -- values -------------------------------------------------------------------------------
    def expr(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            value = self.number(node)
        elif isinstance(node, ast.Name):
            value = self.name(node)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.expr(node.operand)
            value = -operand if isinstance(node.op, ast.USub) else operand
        elif isinstance(node, ast.BinOp) and isinstance(node.op, _BINARY):
            value = self.binary(node)
        elif isinstance(node, ast.Call):
            value = self.call(node)
        elif isinstance(node, (ast.Compare, ast.BoolOp)):
            raise _refuse("comparison", self.text(node), self.column(node),
                          "conditions are allowed only as the first argument of where(condition, a, b)")
        else:
            raise self.unsupported(node)
        return self.checked(value, node)

    def unsupported(self, node: ast.AST) -> ExpressionError:
        op = getattr(node, "op", None)
        if op is not None and type(op) in _OPERATOR_TEXT:
            return _refuse("operator", _OPERATOR_TEXT[type(op)], self.column(node),
                           f"not allowed; allowed are {_ALLOWED_NODES}")
        kinds = {ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
                 ast.IfExp: "conditional expression", ast.Starred: "starred argument",
                 ast.Await: "await", ast.Tuple: "tuple", ast.NamedExpr: "assignment"}
        kind = next((label for cls, label in kinds.items() if isinstance(node, cls)), type(node).__name__)
        hint = "use where(condition, a, b)" if isinstance(node, ast.IfExp) else f"allowed are {_ALLOWED_NODES}"
        return _refuse(f"{kind}", self.text(node), self.column(node), f"not allowed; {hint}")

    def number(self, node: ast.Constant) -> sp.Expr:
        literal = self.text(node)
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            return self._raise(node, "constant", literal, "only decimal numbers are allowed")
        match = _DECIMAL.fullmatch(literal)
        if match is None:
            return self._raise(node, "number", literal, "write numbers in decimal, e.g. 0.5 or 1e-3")
        if match.group(1) is not None and abs(int(match.group(1))) > _MAX_LITERAL_EXPONENT:
            return self._raise(node, "number", literal,
                               f"its decimal exponent exceeds {_MAX_LITERAL_EXPONENT} in absolute value")
        fraction = Fraction(literal)
        return sp.Rational(fraction.numerator, fraction.denominator)

    def name(self, node: ast.Name) -> sp.Expr:
        if node.id == "x":
            return X
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS or node.id == "where":
            return self._raise(node, "function", node.id, f"call it, e.g. {node.id}(x)")
        return self._raise(node, "unknown name", node.id, "allowed names are x, pi, e")

    def binary(self, node: ast.BinOp) -> sp.Expr:
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right.is_zero:
                return self._raise(node, "division by zero in", self.text(node), "the divisor is 0")
            return left / right
        return self.power(node, left, right)

    def power(self, node: ast.BinOp, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if exponent.free_symbols:
            if base.free_symbols or not (base.is_positive or self._value(base) > 0):
                return self._raise(node, "power", self.text(node),
                                   "an exponent containing x needs a positive constant base (e.g. e**x)")
            return sp.Pow(base, exponent)
        p = self._value(exponent)
        if abs(p) > MAX_EXPONENT:
            return self._raise(node.right, "exponent", self.text(node.right),
                               f"a constant exponent must be at most {MAX_EXPONENT} in absolute value")
        if not base.free_symbols:
            size = abs(p) * mpmath.log10(abs(self._value(base))) if self._value(base) != 0 else 0
            if size > mpmath.log10(MAX_MAGNITUDE):
                return self._raise(node, "power", self.text(node),
                                   f"its value exceeds {mpmath.nstr(MAX_MAGNITUDE, 3)} in absolute value")
            if size < -mpmath.log10(MAX_MAGNITUDE):  # tiny values are exact rationals with huge denominators
                return self._raise(node, "power", self.text(node),
                                   f"its value is below {mpmath.nstr(1 / MAX_MAGNITUDE, 3)} in absolute value")
        return sp.Pow(base, exponent)

    def call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            return self._raise(node, "call of", self.text(node.func), "only the allowed functions may be called")
        name = node.func.id
        if node.keywords:
            keyword = node.keywords[0]
            return self._raise(keyword, "keyword argument", self.text(keyword), "arguments are positional only")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.unsupported(arg)
        if name == "where":
            return self.where(node)
        if name not in FUNCTIONS:
            allowed = ", ".join([*FUNCTIONS, "where"])
            return self._raise(node.func, "unknown function", name, f"allowed functions are {allowed}")
        fewest, most, builder = FUNCTIONS[name]
        if not fewest <= len(node.args) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            return self._raise(node, "call", self.text(node),
                               f"{name} takes {wanted} argument(s), got {len(node.args)}")
        return builder(*(self.expr(arg) for arg in node.args))

    def where(self, node: ast.Call) -> sp.Expr:
        if len(node.args) != 3:
            return self._raise(node, "call", self.text(node),
                               f"where takes 3 arguments (condition, a, b), got {len(node.args)}")
        condition = self.condition(node.args[0])
        a, b = self.expr(node.args[1]), self.expr(node.args[2])
        return sp.Piecewise((a, condition), (b, True))

    def condition(self, node: ast.AST):
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(value) for value in node.values]
            return sp.And(*parts) if isinstance(node.op, ast.And) else sp.Or(*parts)
        if not isinstance(node, ast.Compare):
            return self._raise(node, "condition", self.text(node),
                               "the first argument of where must be a comparison such as x > 0")
        terms = [self.expr(node.left)] + [self.expr(c) for c in node.comparators]
        parts = []
        for op, lhs, rhs in zip(node.ops, terms, terms[1:]):
            if type(op) not in _COMPARISONS:
                return self._raise(node, "comparison", _OPERATOR_TEXT.get(type(op), "?"),
                                   "allowed comparisons are < <= > >=")
            parts.append(_COMPARISONS[type(op)](lhs, rhs))
        return sp.And(*parts)

    # -- bounds -------------------------------------------------------------------------------
    def _value(self, expr: sp.Expr):
        """The numeric value of a constant expression (finite and real, else refused by ``checked``)."""
        value = sp.N(expr, 20)
        return mpmath.mpf(value) if value.is_real and value.is_finite else mpmath.inf

    def checked(self, value: sp.Expr, node: ast.AST) -> sp.Expr:
        if not isinstance(value, sp.Expr):
            return value
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return self._raise(node, "expression", self.text(node), "it is not finite (division by zero?)")
        if not value.free_symbols:
            number = sp.N(value, 20)
            if not (number.is_real and number.is_finite):
                return self._raise(node, "constant", self.text(node), f"its value {sp.sstr(number)} is not a real number")
            if abs(mpmath.mpf(number)) > MAX_MAGNITUDE:
                return self._raise(node, "constant", self.text(node),
                                   f"its value exceeds {mpmath.nstr(MAX_MAGNITUDE, 3)} in absolute value")
            if 0 < abs(mpmath.mpf(number)) < 1 / MAX_MAGNITUDE:
                return self._raise(node, "constant", self.text(node),
                                   f"its value is below {mpmath.nstr(1 / MAX_MAGNITUDE, 3)} in absolute value "
                                   "(and not 0)")
        return value

    def _raise(self, node: ast.AST, what: str, token: str, rule: str):
        raise _refuse(what, token, self.column(node), rule)
