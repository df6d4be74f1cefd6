"""ReLU, sigmoid and tanh, their derivatives, and the identities behind their stable evaluation.

Sources: 001 §Activation Functions (the derivative formulas); the stable forms are standard
rewritings (e.g. softplus(x) = max(x, 0) + log(1 + e^{-|x|})) proved here for each sign of x.
"""
from __future__ import annotations

import sympy as sp

from .core import Derivation
from .registry import derivation

x = sp.Symbol("x", real=True)
xp = sp.Symbol("x", positive=True)
xn = sp.Symbol("x", negative=True)
h = sp.Symbol("h", real=True)
s = sp.Symbol("s", real=True)

RELU = sp.Max(0, x)
RELU_DERIVATIVE = sp.Piecewise((1, x > 0), (0, True))
"""1[x > 0]: PyTorch's convention, value 0 at the kink."""
SIGMOID = 1 / (1 + sp.exp(-x))
SIGMOID_DERIVATIVE = SIGMOID * (1 - SIGMOID)
TANH = (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))
TANH_DERIVATIVE = 1 - TANH**2
SOFTPLUS = sp.log(1 + sp.exp(x))
LOG_SIGMOID = sp.log(SIGMOID)

CLOSED_FORMS = {"relu": RELU_DERIVATIVE, "sigmoid": SIGMOID_DERIVATIVE, "tanh": TANH_DERIVATIVE}
"""The derivative of each activation as the notes state it (001 §Activation Functions)."""

FUNCTIONS = {"relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "softplus": SOFTPLUS, "log_sigmoid": LOG_SIGMOID}

FIRST_DERIVATIVE_BOUND = {"relu": sp.Integer(1), "sigmoid": sp.Rational(1, 4), "tanh": sp.Integer(1)}
"""sup |f'| over the reals, proved in the derivative derivations (bounds the effect of rounding x ± h)."""

THIRD_DERIVATIVE_BOUND = {"relu": sp.Integer(0), "sigmoid": sp.Rational(1, 8), "tanh": sp.Integer(2)}
"""sup |f'''| over the reals (0 for ReLU away from its kink), proved in the derivative derivations.
The centred-difference checks take their truncation bound h²/6 · sup|f'''| from here."""


def _on(expr: sp.Expr, sym: sp.Symbol) -> sp.Expr:
    return expr.subs(x, sym)


def _sup_abs(largest: sp.Expr, smallest: sp.Expr) -> sp.Expr:
    """max(|largest|, |smallest|), left unevaluated so the table shows what is compared."""
    return sp.Max(sp.Abs(largest, evaluate=False), sp.Abs(smallest, evaluate=False), evaluate=False)


@derivation("activation.relu.derivative")
def relu_derivative() -> Derivation:
    d = Derivation("activation.relu.derivative", "ReLU'(x) = 1[x > 0]; at the kink a convention in [0, 1]",
                   scope="for all real x; x = 0 by convention")
    f = sp.Function("ReLU")
    d.define(sp.Eq(f(x), RELU, evaluate=False), "definition (001 §Activation Functions)")
    d.identity(sp.Derivative(_on(RELU, xp), xp), 1, "for x > 0, ReLU(x) = x")
    d.identity(sp.Derivative(_on(RELU, xn), xn), 0, "for x < 0, ReLU(x) = 0")
    d.limit(sp.Max(0, h) / h, h, 0, sp.Integer(1), "right derivative at the kink", direction="+")
    d.limit(sp.Max(0, h) / h, h, 0, sp.Integer(0), "left derivative at the kink", direction="-")
    d.define(sp.Eq(sp.Subs(sp.Derivative(f(x), x), x, 0), 0, evaluate=False),
             "convention at the kink (PyTorch's autograd); any value in [left, right] = [0, 1] is a subgradient")
    c = sp.Symbol("c", real=True)
    # the membership as its indicator 1[c ∈ [0, 1]] at c = 0 (a Boolean `0 ∈ [0, 1]` would evaluate
    # to True before it is recorded, and the identity check compares numbers, not truth values)
    d.instance(sp.Subs(sp.Piecewise((1, sp.Contains(c, sp.Interval(0, 1))), (0, True)), c, 0), 1,
               "the convention lies in the subdifferential [0, 1]")
    d.identity(sp.Derivative(_on(RELU, xp), (xp, 3)), 0, "third derivative for x > 0 (ReLU(x) = x): 0")
    d.identity(sp.Derivative(_on(RELU, xn), (xn, 3)), 0, "third derivative for x < 0 (ReLU(x) = 0): 0, so "
               "the truncation bound of centred differences away from the kink is 0")
    d.conclude(sp.Eq(sp.Derivative(f(x), x), RELU_DERIVATIVE, evaluate=False))
    return d


@derivation("activation.sigmoid.derivative")
def sigmoid_derivative() -> Derivation:
    d = Derivation("activation.sigmoid.derivative", "σ'(x) = σ(x)(1 - σ(x))", scope="for all real x")
    sig = sp.Function("σ")
    d.define(sp.Eq(sig(x), SIGMOID, evaluate=False), "definition (001 §Activation Functions)")
    d.identity(sp.Derivative(SIGMOID, x), sp.exp(-x) / (1 + sp.exp(-x)) ** 2, "chain rule")
    d.identity(sp.exp(-x) / (1 + sp.exp(-x)) ** 2, SIGMOID_DERIVATIVE,
               "e^{-x}/(1+e^{-x}) = 1 - σ(x)")
    # The truncation bound of the centred-difference check: σ''' as a polynomial in s = σ(x) ∈ (0, 1).
    d.extremum(s * (1 - s), s, sp.Interval(0, 1), sp.Rational(1, 4), "largest value of σ' = s(1-s) (at x = 0)",
               name=sp.Symbol("max σ'"))
    p = s * (1 - s) * (1 - 6 * s + 6 * s**2)
    d.identity(sp.Derivative(SIGMOID, (x, 3)), p.subs(s, SIGMOID), "σ''' = σ(1-σ)(1-6σ+6σ²), differentiating σ' = σ(1-σ)")
    d.extremum(p, s, sp.Interval(0, 1), sp.Rational(1, 24),
               "largest value of σ''' (critical points of the polynomial in s)", name=sp.Symbol("max σ'''"))
    d.extremum(p, s, sp.Interval(0, 1), -sp.Rational(1, 8), "smallest value of σ''' (at s = 1/2, x = 0)",
               kind="min", name=sp.Symbol("min σ'''"))
    d.instance(_sup_abs(sp.Rational(1, 24), -sp.Rational(1, 8)), THIRD_DERIVATIVE_BOUND["sigmoid"],
               "sup |σ'''| = 1/8, the truncation constant of the centred-difference check")
    d.conclude(sp.Eq(sp.Derivative(sig(x), x), sig(x) * (1 - sig(x)), evaluate=False))
    return d


@derivation("activation.tanh.derivative")
def tanh_derivative() -> Derivation:
    d = Derivation("activation.tanh.derivative", "tanh'(x) = 1 - tanh²(x)", scope="for all real x")
    th = sp.Function("tanh")
    d.define(sp.Eq(th(x), TANH, evaluate=False), "definition (001 §Activation Functions)")
    d.identity(TANH, sp.tanh(x), "the exponential form is the hyperbolic tangent")
    d.identity(sp.Derivative(TANH, x), 4 / (sp.exp(x) + sp.exp(-x)) ** 2, "quotient rule")
    d.identity(4 / (sp.exp(x) + sp.exp(-x)) ** 2, TANH_DERIVATIVE,
               "(e^x+e^-x)² - (e^x-e^-x)² = 4")
    t = sp.Symbol("t", real=True)
    d.extremum(1 - t**2, t, sp.Interval(-1, 1), sp.Integer(1), "largest value of tanh' = 1 - t² (at x = 0)",
               name=sp.Symbol("max tanh'"))
    p = -2 * (1 - t**2) * (1 - 3 * t**2)
    d.identity(sp.Derivative(sp.tanh(x), (x, 3)), p.subs(t, sp.tanh(x)), "tanh''' = -2(1-t²)(1-3t²), t = tanh x")
    d.extremum(p, t, sp.Interval(-1, 1), sp.Rational(2, 3), "largest value of tanh''' (t² = 2/3)",
               name=sp.Symbol("max tanh'''"))
    d.extremum(p, t, sp.Interval(-1, 1), sp.Integer(-2), "smallest value of tanh''' (at t = 0)", kind="min",
               name=sp.Symbol("min tanh'''"))
    d.instance(_sup_abs(sp.Rational(2, 3), sp.Integer(-2)), THIRD_DERIVATIVE_BOUND["tanh"],
               "sup |tanh'''| = 2, the truncation constant of the centred-difference check")
    d.conclude(sp.Eq(sp.Derivative(th(x), x), 1 - th(x) ** 2, evaluate=False))
    return d


@derivation("activation.stable")
def stable_forms() -> Derivation:
    d = Derivation("activation.stable",
                   "the rewritings used for stable evaluation equal the textbook formulas",
                   scope="for every real x, proved separately for x > 0 and x < 0 (x = 0 by continuity)")
    a = sp.Symbol("a", positive=True)  # a = |x|
    for sym, sign in ((xp, "x > 0"), (xn, "x < 0")):
        # |x|, max and min left unevaluated: under the sign assumption sympy would collapse them
        # and the stable form would display as the textbook one (the check evaluates them)
        absx = sp.Abs(sym, evaluate=False)
        d.identity(_on(SIGMOID, sym), sp.exp(-absx) / (1 + sp.exp(-absx)) if sign == "x < 0"
                   else 1 / (1 + sp.exp(-absx)),
                   f"σ with an exponent that never overflows ({sign})")
        d.identity(_on(SOFTPLUS, sym), sp.Max(sym, 0, evaluate=False) + sp.log(1 + sp.exp(-absx)),
                   f"softplus(x) = max(x, 0) + log1p(e^(-|x|)) ({sign})")
        d.identity(_on(LOG_SIGMOID, sym), sp.Min(sym, 0, evaluate=False) - sp.log(1 + sp.exp(-absx)),
                   f"log σ(x) = min(x, 0) - log1p(e^(-|x|)) ({sign})")
    d.identity(SIGMOID_DERIVATIVE, SIGMOID * SIGMOID.subs(x, -x), "σ'(x) = σ(x)σ(-x): no cancellation in 1 - σ")
    d.identity(TANH_DERIVATIVE.subs(x, a), 4 * sp.exp(-2 * a) / (1 + sp.exp(-2 * a)) ** 2,
               "tanh'(x) = 4e^(-2|x|)/(1+e^(-2|x|))², even in x: no cancellation in 1 - tanh²")
    d.identity(TANH_DERIVATIVE, TANH_DERIVATIVE.subs(x, -x), "tanh' is even")
    d.conclude(sp.Eq(LOG_SIGMOID, -SOFTPLUS.subs(x, -x), evaluate=False))
    return d
