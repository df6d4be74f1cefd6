"""The activations on the derive side, in one table: name, formula, parameters, source, PyTorch's constant.

``BUILTINS`` holds each built-in's formula in x (parameters as symbols: leaky ReLU's slope a, ELU's α,
SELU's λ and α, with their values beside them); ``activation`` reads a built-in by name or parses any
expression a user types (``derive.parse``, never ``eval``); ``recognize`` finds the built-in a typed
expression equals piece by piece; ``TORCH_GAINS`` states PyTorch's ``calculate_gain`` constants, for
comparison only.
"""
from __future__ import annotations

import dataclasses
import math
import re
from fractions import Fraction
from typing import Callable

import sympy as sp

from .parse import FUNCTIONS, X, parse_activation
from .pieces import pieces

__all__ = [
    # an activation and its parameters
    "Activation", "x", "a", "alpha", "lam", "SELU_ALPHA", "SELU_LAMBDA", "exact_number",
    # the table
    "BUILTINS", "OTHERS", "PARAMETERS", "PARAMETER_RANGE", "PARAMETER_NOTES", "builtin", "activation",
    "recognize", "names",
    # PyTorch's constants
    "TORCH_GAINS", "torch_gain",
]

x = X
a = sp.Symbol("a", positive=True)
alpha = sp.Symbol("alpha", positive=True)
lam = sp.Symbol("lambda", positive=True)
beta = sp.Symbol("beta", positive=True)


@dataclasses.dataclass(frozen=True)
class Activation:
    """φ(x) with named parameters: ``formula`` holds parameter symbols, ``expr`` their values."""

    name: str
    formula: sp.Expr
    parameters: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    source: str = ""

    @property
    def expr(self) -> sp.Expr:
        return self.formula.subs(dict(self.parameters)) if self.parameters else self.formula

    def __repr__(self) -> str:
        params = ", ".join(f"{s}={v}" for s, v in self.parameters)
        return f"Activation({self.name!r}, {sp.sstr(self.formula)}{', ' + params if params else ''})"


def exact_number(name: str, value, positive: bool = False) -> sp.Expr:
    """A finite real number as an exact sympy number (a float by its exact binary value's shortest
    decimal). Strings are refused, never parsed (sympy would evaluate them)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, sp.Expr)) or \
            (isinstance(value, sp.Expr) and not value.is_number):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number{' > 0' if positive else ''}, got {value!r}")
    number = sp.Rational(repr(value)) if isinstance(value, float) else sp.Integer(value) \
        if isinstance(value, int) else value
    if not (number.is_real and number.is_finite) or (positive and not number.is_positive):
        raise ValueError(f"{name} must be a finite real number{' > 0' if positive else ''}, got {value!r}")
    return number


SELU_ALPHA = sp.Rational("1.6732632423543772848170429916717")
SELU_LAMBDA = sp.Rational("1.0507009873554804934193349852946")
"""Klambauer et al. (2017), eq. (14): the (α, λ) making (mean, variance) = (0, 1) a fixed point."""

_RELU = sp.Piecewise((x, x > 0), (0, True))
_SIGMOID = 1 / (1 + sp.exp(-x))
_SOFTPLUS = sp.log(1 + sp.exp(x))


def _leaky_relu(slope=sp.Rational(1, 100)) -> Activation:
    return Activation("leaky_relu", sp.Piecewise((x, x > 0), (a * x, True)),
                      ((a, exact_number("slope", slope, positive=True)),),
                      "Maas et al. (2013); slope a, PyTorch's default negative_slope 0.01")


def _elu(alpha_value=1) -> Activation:
    return Activation("elu", sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True)),
                      ((alpha, exact_number("alpha", alpha_value, positive=True)),), "Clevert et al. (2016), eq. (1)")


def _selu() -> Activation:
    return Activation("selu", lam * sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True)),
                      ((lam, SELU_LAMBDA), (alpha, SELU_ALPHA)), "Klambauer et al. (2017), eq. (2)")


def _celu(alpha_value=1) -> Activation:
    return Activation("celu", sp.Piecewise((x, x > 0), (alpha * (sp.exp(x / alpha) - 1), True)),
                      ((alpha, exact_number("alpha", alpha_value, positive=True)),), "Barron (2017), eq. (1)")


def _swish(beta_value=1) -> Activation:
    return Activation("swish", x / (1 + sp.exp(-beta * x)),
                      ((beta, exact_number("beta", beta_value, positive=True)),),
                      "Ramachandran et al. (2017): x·σ(βx); β = 1 is SiLU")


def _plain(name: str, formula: sp.Expr, source: str = "") -> Callable[[], Activation]:
    return lambda: Activation(name, formula, (), source)


BUILTINS: dict[str, Callable[..., Activation]] = {
    "relu": _plain("relu", _RELU, "Nair & Hinton (2010)"),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "selu": _selu,
    "gelu": _plain("gelu", x * (1 + sp.erf(x / sp.sqrt(2))) / 2, "Hendrycks & Gimpel (2016): x·Φ(x), the erf form"),
    "silu": _plain("silu", x * _SIGMOID, "Elfwing et al. (2018); swish-1 of Ramachandran et al. (2017)"),
    "mish": _plain("mish", x * sp.tanh(_SOFTPLUS), "Misra (2019)"),
    "softplus": _plain("softplus", _SOFTPLUS, "log(1 + e^x)"),
    "tanh": _plain("tanh", sp.tanh(x)),
    "sigmoid": _plain("sigmoid", _SIGMOID),
    "linear": _plain("linear", x, "the identity"),
}
"""Built-in activations by name, each with a claim gain.<name>; leaky_relu takes ``slope``, elu ``alpha_value``."""
OTHERS: dict[str, Callable[..., Activation]] = {
    "celu": _celu,
    "hardtanh": _plain("hardtanh", sp.Piecewise((-1, x < -1), (x, x < 1), (1, True)),
                       "PyTorch's Hardtanh at min_val = -1, max_val = 1"),
    "swish": _swish,
}
"""More activations known by name (``verify gain celu``), without a claim of their own: their moments
come from the same general machinery as a typed expression's."""
PARAMETERS = {"leaky_relu": ("slope", a), "elu": ("alpha_value", alpha), "celu": ("alpha_value", alpha),
              "swish": ("beta_value", beta)}
"""The one parameter a name takes in ``name(value)``: (keyword of its builder, its symbol)."""
PARAMETER_RANGE = (1e-3, 1e2)
"""``name(value)`` accepts a value in this range (outside it the Gaussian moments lose their digits)."""
PARAMETER_NOTES = {
    (a, "leaky_relu"): "PyTorch's default negative_slope",
    (alpha, "elu"): "PyTorch's default α",
    (lam, "selu"): "Klambauer et al. (2017), eq. (14)",
    (alpha, "selu"): "Klambauer et al. (2017), eq. (14)",
}
"""Where each built-in's parameter value comes from (shown beside its definition in gain.<name>)."""


def names() -> str:
    """'relu, leaky_relu(a), ...': every name ``activation`` knows, with its parameter where it takes one."""
    return ", ".join(f"{n}({PARAMETERS[n][1]})" if n in PARAMETERS else n for n in [*BUILTINS, *OTHERS])


def builtin(name: str, **parameters) -> Activation:
    """The activation ``name`` (one of ``BUILTINS`` or ``OTHERS``)."""
    table = BUILTINS if name in BUILTINS else OTHERS
    if name not in table:
        raise ValueError(f"activation must be one of {', '.join([*BUILTINS, *OTHERS])}, got {name!r}")
    return table[name](**parameters)


_NAMED = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*)\s*(?:\(\s*([^()]*?)\s*\))?\s*", re.ASCII)
_DECIMAL = re.compile(r"[0-9]{1,12}(?:\.[0-9]{0,12})?|\.[0-9]{1,12}", re.ASCII)


def _named(text: str) -> Activation | None:
    """``relu``, ``leaky_relu(0.2)``, ``elu(1.0)``: a name with at most one plain decimal parameter, or None
    (then the text is an expression for the parser). The number is read by ``Fraction``, never evaluated."""
    match = _NAMED.fullmatch(text)
    if match is None or match[1] not in (*BUILTINS, *OTHERS):
        return None
    name, argument = match[1], match[2]
    if argument is None:
        return builtin(name)
    if name in FUNCTIONS:
        return None  # tanh(x), sigmoid(2*x): a function of the parser
    if name not in PARAMETERS:
        raise ValueError(f"activation {name!r} takes no parameter, got {text.strip()!r}; write {name}")
    keyword, symbol = PARAMETERS[name]
    if _DECIMAL.fullmatch(argument) is None:
        raise ValueError(f"{name}({symbol}) takes a plain decimal number such as {name}(0.2), got {argument!r}")
    value = sp.Rational(Fraction(argument))
    low, high = PARAMETER_RANGE
    if not low <= value <= high:
        raise ValueError(f"{name}'s {symbol} must be in [{low:g}, {high:g}], got {argument}")
    return builtin(name, **{keyword: value})


def activation(text: str) -> Activation:
    """A name (``"gelu"``, ``"leaky_relu(0.2)"``) or any expression in x parsed safely (``"x*tanh(softplus(x))"``)."""
    if not isinstance(text, str):
        raise TypeError(f"activation must be a str, got {type(text).__name__}")
    named = _named(text)
    if named is not None:
        return named
    match = _NAMED.fullmatch(text)
    if match is not None and match[1] not in ("x", "pi", "e", "where", *FUNCTIONS):
        raise ValueError(f"unknown activation {match[1]!r}: the names are {names()}; or write an expression "
                         "in x such as 'x*tanh(softplus(x))'")
    expr = parse_activation(text)
    return Activation(text.strip(), expr, (), "typed by the user")


def recognize(act: Activation) -> Activation | None:
    """The built-in equal to φ piece by piece (``max(x, 0)`` is relu, ``max(x, 0.2*x)`` is leaky_relu
    with slope 0.2), or None: used to show PyTorch's constant beside a typed expression."""
    if act.name in BUILTINS or act.name in OTHERS:
        return act
    try:
        mine = pieces(act.expr)
    except ValueError:
        return None
    if len(mine) == 2 and (mine[0][1], mine[0][2], mine[1][1], mine[1][2]) == (-sp.oo, 0, 0, sp.oo) \
            and sp.expand(mine[1][0] - x) == 0:
        slope = sp.simplify(mine[0][0] / x)
        if slope.is_number and slope.is_positive and slope != 1:
            return builtin("leaky_relu", slope=slope)
    for name in BUILTINS:
        if name == "leaky_relu":
            continue
        theirs = pieces(builtin(name).expr)
        if len(theirs) == len(mine) and all(
                (lo1, hi1) == (lo2, hi2) and sp.expand(g1 - g2) == 0
                for (g1, lo1, hi1), (g2, lo2, hi2) in zip(mine, theirs)):
            return builtin(name)
    return None


# PyTorch's table, for comparison only

TORCH_GAINS: dict[str, tuple[sp.Expr, str]] = {
    "linear": (sp.Integer(1), "identity: 1"),
    "sigmoid": (sp.Integer(1), "table value 1, a constant, not derived"),
    "tanh": (sp.Rational(5, 3), "5/3, an empirical constant"),
    "relu": (sp.sqrt(2), "√2 (He et al. 2015)"),
    "leaky_relu": (sp.sqrt(2 / (1 + a**2)), "√(2/(1 + negative_slope²))"),
    "selu": (sp.Rational(3, 4), "3/4, 'found empirically' (pytorch/pytorch PR #50664); PyTorch's docs advise "
                                "nonlinearity='linear' (gain 1) for self-normalising networks"),
}
"""torch.nn.init.calculate_gain (PyTorch 2.x, torch/nn/init.py) as documented constants. PyTorch
raises ValueError for elu, gelu, silu, mish and softplus. Stated here, never imported: derive does
not depend on numeric or on PyTorch (tests/verify/test_gain.py compares these constants with
numeric.init.calculate_gain, which the torch tests compare with PyTorch)."""


def torch_gain(act: Activation) -> sp.Expr | None:
    """PyTorch's calculate_gain value for a built-in (None where PyTorch has none)."""
    entry = TORCH_GAINS.get(act.name)
    if entry is None:
        return None
    return entry[0].subs(dict(act.parameters)) if act.parameters else entry[0]
