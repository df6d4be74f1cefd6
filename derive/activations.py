"""ReLU, sigmoid and tanh: their derivatives, the identities behind their stable evaluation, ReLU's moments.

Sources: 001 §Activation Functions (the derivative formulas), §Kaiming Initialization (the halving); the
stable forms are standard rewritings (e.g. softplus(x) = max(x, 0) + log(1 + e^{-|x|})) proved here for
each sign of x. The bounds on |f'| and |f'''| that the centred-difference checks in ``verify`` rely on are
part of each derivative's conclusion: f''' is written as a polynomial p in s = f(x), the extremes of p over
the range of s are found by sympy's calculus, and the kernel's ``bound`` rule carries them over to every x.

E[ReLU(z)²] = E[z²]/2 (activation.relu.moments) is proved for any symmetric law, not only the Gaussian one:
the expectation is an integral against a density f(·, z) of z (the law of the unconscious statistician,
assumed), the negative half is carried onto the positive one by the kernel's ``substitution`` rule (t = -u)
and the evenness of the density (the hypothesis "z is symmetric") makes the halves equal. The init and
propagation derivations cite it at every layer, with z a layer's pre-activation.
"""
from __future__ import annotations

import sympy as sp

from .render import text as render_text
from .derivation import Derivation
from .kernel import E, NormalE
from .registry import derivation
from .sums import rhs

x = sp.Symbol("x", real=True)
xp = sp.Symbol("x", positive=True)
xn = sp.Symbol("x", negative=True)
h = sp.Symbol("h", real=True)
s = sp.Symbol("s", real=True)
t = sp.Symbol("t", real=True)

RELU = sp.Max(0, x)
SIGMOID = 1 / (1 + sp.exp(-x))
TANH = (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))
SOFTPLUS = sp.log(1 + sp.exp(x))
LOG_SIGMOID = sp.log(SIGMOID)

ReLU, Sigma, Tanh = sp.Function("ReLU"), sp.Function("σ"), sp.Function("tanh")
Softplus, LogSigmoid = sp.Function("softplus"), sp.Function("log σ")
STABLE = {"sigmoid": Sigma(x), "softplus": Softplus(x), "log_sigmoid": LogSigmoid(x)}
"""The functions activation.stable defines by their textbook formulas (verify's mpmath reference)."""
ReLU_prime = sp.Function("ReLU'")
"""ReLU' with PyTorch's convention at the kink (value 0); the derivation defines it as ``RELU_PRIME``."""
RELU_PRIME = sp.Piecewise((1, x > 0), (0, True))
"""The stated derivative 1[x > 0]: 0 at the kink (PyTorch's convention), which must lie in [0, 1]."""

FUNCTIONS = {"relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "softplus": SOFTPLUS, "log_sigmoid": LOG_SIGMOID}
"""The textbook formula of each function (the stable numeric forms are proved equal in activation.stable)."""

DERIVATIVE = {"relu": ReLU_prime(x), "sigmoid": sp.Derivative(Sigma(x), x), "tanh": sp.Derivative(Tanh(x), x)}
"""The left side of each derivative derivation's main conclusion (what verify evaluates)."""
THIRD = {"sigmoid": sp.Derivative(Sigma(x), (x, 3)), "tanh": sp.Derivative(Tanh(x), (x, 3))}
"""The left side of the third-derivative bounds in each conclusion (centred-difference truncation)."""

STATED = {"sigmoid": Sigma(x) * (1 - Sigma(x)), "tanh": 1 - Tanh(x) ** 2}
"""The derivatives as the notes state them (001 §Activation Functions)."""
THIRD_POLYNOMIAL = {"sigmoid": s * (1 - s) * (1 - 6 * s + 6 * s**2), "tanh": -2 * (1 - s**2) * (1 - 3 * s**2)}
"""The third derivative as a polynomial in s = f(x): s(1-s)(1-6s+6s²) for σ, -2(1-s²)(1-3s²) for tanh."""
BOUNDS = {"sigmoid": (sp.Rational(1, 4), sp.Rational(1, 24), -sp.Rational(1, 8)),
          "tanh": (sp.Integer(1), sp.Rational(2, 3), sp.Integer(-2))}
"""(max f', max f''', min f''') over the reals: what the derivations prove and verify's tolerances read."""


def _kink(d: Derivation):
    """ReLU' := 1[x > 0] and the facts that make it the derivative away from 0 and a subgradient at 0."""
    d.define(ReLU(x), RELU, "definition (001 §Activation Functions)")
    d.define(ReLU_prime(x), RELU_PRIME, "the stated derivative, 0 at the kink (PyTorch)")
    right = d.identity(sp.Derivative(ReLU(xp), xp), ReLU_prime(xp), "for x > 0, ReLU(x) = x: the slope is 1")
    left = d.identity(sp.Derivative(ReLU(xn), xn), ReLU_prime(xn), "for x < 0, ReLU(x) = 0: the slope is 0")
    d.limit(ReLU(h) / h, h, 0, sp.Integer(1), "right derivative at the kink", direction="+")
    d.limit(ReLU(h) / h, h, 0, sp.Integer(0), "left derivative at the kink", direction="-")
    low = d.inequality(ReLU_prime(0), 0, ReLU_prime(0), "the convention ReLU'(0) = 0 is at least the left derivative 0")
    high = d.inequality(1, ReLU_prime(0), 1 - ReLU_prime(0),
                        "and at most the right derivative 1: it lies in the subdifferential [0, 1]")
    third_p = d.identity(sp.Derivative(ReLU(xp), (xp, 3)), 0, "third derivative for x > 0: 0")
    third_n = d.identity(sp.Derivative(ReLU(xn), (xn, 3)), 0, "third derivative for x < 0: 0, so centred "
                         "differences away from the kink have no truncation error")
    return right, left, low, high, third_p, third_n


@derivation("activation.relu.derivative")
def relu_derivative() -> Derivation:
    d = Derivation("activation.relu.derivative", "ReLU'(x) = 1[x > 0]; at the kink a convention in [0, 1]",
                   scope="for all real x ≠ 0; at x = 0 the convention 0, a subgradient")
    facts = _kink(d)
    d.control(sp.Piecewise((1, x >= 0), (0, True)), ReLU_prime(x), "1[x >= 0]: value 1 at the kink")
    d.conclude(*facts)
    return d


def _derivative_bounds(d: Derivation, f, s_range, witnesses, p3, first, third_max, third_min):
    """Facts: 0 <= f' <= max (witnesses), f''' = p3(f(x)), and max/min of p3 over the range of s = f(x).

    Returns the four bounds as relations on f' and f''' (what the centred-difference checks read).
    """
    (first_max, first_witness), positive = first
    fprime, f3 = sp.Derivative(f(x), x), sp.Derivative(f(x), (x, 3))
    d.inequality(fprime, 0, positive, "f' >= 0: a ratio of positives")
    d.inequality(first_max, fprime, first_witness, f"f' is at most {first_max}: the difference is a square")
    inside = [d.inequality(f(x), s_range.start, witnesses[0], f"f(x) >= {s_range.start}: a ratio of positives"),
              d.inequality(s_range.end, f(x), witnesses[1], f"f(x) <= {s_range.end}: a ratio of positives")]
    third = d.identity(f3, p3.subs(s, f(x)), f"the third derivative as a polynomial in s = f(x): {render_text(p3)}")
    top = d.extremum(p3, s, s_range, third_max, "largest value of the polynomial over the range of s")
    bottom = d.extremum(p3, s, s_range, third_min, "smallest value", kind="min")
    d.chain(third, d.bound(top, f(x), inside, "so at every x it is at most that"), justification="upper bound")
    d.chain(third, d.bound(bottom, f(x), inside, "and at least this"), justification="lower bound")
    return (sp.GreaterThan(fprime, 0, evaluate=False), sp.LessThan(fprime, first_max, evaluate=False),
            sp.LessThan(f3, third_max, evaluate=False), sp.GreaterThan(f3, third_min, evaluate=False))


@derivation("activation.sigmoid.derivative")
def sigmoid_derivative() -> Derivation:
    d = Derivation("activation.sigmoid.derivative", "σ'(x) = σ(x)(1 - σ(x))", scope="for all real x")
    d.define(Sigma(x), SIGMOID, "definition (001 §Activation Functions)")
    main = d.identity(sp.Derivative(Sigma(x), x), STATED["sigmoid"], "chain rule: e^{-x}/(1+e^{-x})² = σ(1 - σ)")
    e = sp.exp(-x)
    first, top, bottom = BOUNDS["sigmoid"]
    bounds = _derivative_bounds(d, Sigma, sp.Interval(0, 1), (1 / (1 + e), e / (1 + e)), THIRD_POLYNOMIAL["sigmoid"],
                                ((first, (Sigma(x) - sp.Rational(1, 2)) ** 2 + first - sp.Rational(1, 4)),
                                 e / (1 + e) ** 2), top, bottom)
    d.control(Sigma(x) * (1 + Sigma(x)), DERIVATIVE["sigmoid"], "σ(1 + σ): the sign of the second term flipped")
    d.conclude(main, *bounds)
    return d


@derivation("activation.tanh.derivative")
def tanh_derivative() -> Derivation:
    d = Derivation("activation.tanh.derivative", "tanh'(x) = 1 - tanh²(x)", scope="for all real x")
    d.define(Tanh(x), TANH, "definition (001 §Activation Functions)")
    main = d.identity(sp.Derivative(Tanh(x), x), STATED["tanh"], "quotient rule: 4/(e^x + e^-x)² = 1 - tanh²")
    ep, em = sp.exp(x), sp.exp(-x)
    first, top, bottom = BOUNDS["tanh"]
    bounds = _derivative_bounds(d, Tanh, sp.Interval(-1, 1), (2 * ep / (ep + em), 2 * em / (ep + em)),
                                THIRD_POLYNOMIAL["tanh"], ((first, Tanh(x) ** 2 + first - 1), 4 / (ep + em) ** 2),
                                top, bottom)
    d.control(1 - Tanh(x), DERIVATIVE["tanh"], "1 - tanh(x): the square forgotten")
    d.conclude(main, *bounds)
    return d


@derivation("activation.stable")
def stable_forms() -> Derivation:
    d = Derivation("activation.stable", "the rewritings used for stable evaluation equal the textbook formulas",
                   scope="for every real x, proved separately for x > 0 and x < 0 (x = 0 by continuity)")
    a = sp.Symbol("a", positive=True)  # a = |x|
    for name, formula in (("sigmoid", SIGMOID), ("softplus", SOFTPLUS), ("log_sigmoid", LOG_SIGMOID)):
        d.define(STABLE[name], formula, "the textbook formula (001 §Activation Functions)")
        d.control(formula, STABLE[name], "the textbook formula evaluated as written in floating point")
    facts = []
    for sym, sign in ((xp, "x > 0"), (xn, "x < 0")):
        # |x|, max and min left unevaluated: under the sign assumption sympy would collapse them
        absx = sp.Abs(sym, evaluate=False)
        facts.append(d.identity(Sigma(sym), sp.exp(-absx) / (1 + sp.exp(-absx)) if sign == "x < 0"
                                else 1 / (1 + sp.exp(-absx)), f"σ with an exponent that never overflows ({sign})"))
        facts.append(d.identity(Softplus(sym), sp.Max(sym, 0, evaluate=False) + sp.log(1 + sp.exp(-absx)),
                                f"softplus(x) = max(x, 0) + log1p(e^(-|x|)) ({sign})"))
        facts.append(d.identity(LogSigmoid(sym), sp.Min(sym, 0, evaluate=False) - sp.log(1 + sp.exp(-absx)),
                                f"log σ(x) = min(x, 0) - log1p(e^(-|x|)) ({sign})"))
    facts.append(d.identity(SIGMOID * (1 - SIGMOID), SIGMOID * SIGMOID.subs(x, -x),
                            "σ'(x) = σ(x)σ(-x): no cancellation in 1 - σ"))
    facts.append(d.identity((1 - TANH**2).subs(x, a), 4 * sp.exp(-2 * a) / (1 + sp.exp(-2 * a)) ** 2,
                            "tanh'(x) = 4e^(-2|x|)/(1+e^(-2|x|))² for |x| = a: no cancellation in 1 - tanh²"))
    facts.append(d.identity(1 - TANH**2, (1 - TANH**2).subs(x, -x), "tanh' is even, so the form above holds for x < 0"))
    facts.append(d.identity(LogSigmoid(x), -Softplus(-x), "log σ(x) = -softplus(-x)"))
    d.conclude(*facts)
    return d


# ---- activation.relu.moments: the halving, for any symmetric law -----------------------------------------
z = sp.Symbol("z", real=True)                              # a random pre-activation
xi = sp.Symbol("ξ", real=True)                             # a standard (or N(0, q)) Gaussian variable
q = sp.Symbol("q", positive=True)                          # variance of a Gaussian pre-activation
q_any = sp.Symbol("q")                                     # E[z²] of a symmetric z (any law)
c = sp.Symbol("c", real=True)                              # weight of ReLU(-z)² (leaky ReLU: c = α²)
u = sp.Symbol("u", positive=True)                          # integration variable after a change of variables
density = sp.Function("f")                                 # density(t, z): the density of z at t

LEAKY_SQ = sp.Max(0, z) ** 2 + c * sp.Max(0, -z) ** 2
"""ReLU(z)² + c·ReLU(-z)²: the square of a leaky ReLU of slope α is this at c = α² (ReLU: c = 0)."""
RELU_HALF = q_any / 2
"""E[ReLU(z)²] for symmetric z with E[z²] = q: the halving (the derivation checks against it)."""
LEAKY_HALF = (1 + c) * q_any / 2
"""E[ReLU(z)² + c·ReLU(-z)²] for symmetric z with E[z²] = q."""
RELU_MEAN_VALUE = sp.sqrt(q / (2 * sp.pi))
RELU_GAUSS_HALF = q / 2
RELU_VARIANCE_VALUE = q * (sp.Rational(1, 2) - 1 / (2 * sp.pi))
RELU_SECOND_STD, RELU_FOURTH_STD = sp.Rational(1, 2), sp.Rational(3, 2)
"""E[ReLU(ξ)²] and E[ReLU(ξ)⁴] for ξ ~ N(0, 1) (init.gains and propagation.finite_width check against them)."""

RELU_SECOND = E(sp.Max(0, z) ** 2)
RELU_LEAKY = E(LEAKY_SQ)
RELU_MEAN = NormalE(sp.Max(0, xi), xi, q)
RELU_GAUSS_SECOND = NormalE(sp.Max(0, xi) ** 2, xi, q)
VarN = sp.Function("Var_N")
RELU_VARIANCE = VarN(q)
"""E[ReLU(z)²], E[leaky(z)²], E[ReLU(ξ)], Var(ReLU(ξ)): the left sides activation.relu.moments concludes."""


def _halving(d: Derivation):
    """E[ReLU(z)² + c·ReLU(-z)²] = (1 + c)·q/2 for z with an even density f(·, z) and E[z²] = q."""
    pp, bb = sp.symbols("p b", real=True)
    family = pp * z**2 + bb * sp.Max(0, z) ** 2 + c * sp.Max(0, -z) ** 2
    pos = sp.Integral(family.subs(z, t) * density(t, z), (t, 0, sp.oo))
    neg = sp.Integral(family.subs(z, t) * density(t, z), (t, 0, -sp.oo))
    lotus = d.assume("LOTUS", sp.Eq(E(family), pos - neg),
                     "law of the unconscious statistician for z with density f(·, z), for g(z) = p·z² + b·ReLU(z)² + "
                     "c·ReLU(-z)² (Grimmett & Stirzaker, Probability and Random Processes, 3rd ed., Thm 4.3.3), the "
                     "integral over (-∞, 0) written -∫_0^(-∞); an atom of z at 0 adds nothing", for_all=(z, pp, bb, c))
    even = d.assume("the law of z is symmetric", sp.Eq(density(-u, z), density(u, z)),
                    "hypothesis of the claim: f(·, z) is even", for_all=(u,))
    moment = d.assume("E[z²] = q", sp.Eq(E(z**2), q_any), "notation: q names E[z²]")
    square_at, relu_at = {pp: 1, bb: 0, c: 0}, {pp: 0, bb: 1}
    lotus_z = d.instantiate(lotus, square_at, "LOTUS for z²")
    lotus_c = d.instantiate(lotus, relu_at, "LOTUS for ReLU(z)² + c·ReLU(-z)²")
    sub_pos = d.substitution(pos, u, 1, "t = u on (0, ∞): ReLU(u) = u, ReLU(-u) = 0")
    sub_neg = d.substitution(neg, u, -1, "t = -u: the negative half carried onto (0, ∞)")
    subs = [d.instantiate(fact, at, "the same change of variables") for at in (square_at, relu_at)
            for fact in (sub_pos, sub_neg)]
    delta = sp.Function("Δ")(z, c)
    gap = E(LEAKY_SQ) - (1 + c) / 2 * E(z**2)
    d.define(delta, gap, "Δ := E[ReLU(z)² + c·ReLU(-z)²] - (1 + c)/2·E[z²]")
    r1 = d.rewrite(gap, [lotus_c, lotus_z], "LOTUS")
    r2 = d.rewrite(rhs(r1), subs, "the changes of variables")
    r3 = d.rewrite(rhs(r2), [even], "f(-u, z) = f(u, z): the two halves weigh alike")
    zero = d.chain(d.identity(delta, gap, "definition"), r1, r2, r3,
                   d.identity(rhs(r3), 0, "(1 + c)·∫_0^∞ u² f du - (1 + c)/2·2·∫_0^∞ u² f du = 0"),
                   justification="Δ = 0")
    back = d.rewrite(delta + (1 + c) / 2 * E(z**2), [zero, moment], "Δ = 0, E[z²] = q")
    return d.chain(d.identity(E(LEAKY_SQ), delta + (1 + c) / 2 * E(z**2), "definition of Δ"), back,
                   justification="E[ReLU(z)² + c·ReLU(-z)²] = (1 + c)·E[z²]/2 for every symmetric z")


@derivation("activation.relu.moments")
def relu_moments() -> Derivation:
    d = Derivation("activation.relu.moments", "E[ReLU(z)²] = E[z²]/2 for symmetric z; Gaussian mean and variance",
                   scope="the halving: any z whose law has an even density (an atom at 0 allowed), E[z²] = q; "
                         "mean and variance: z ~ N(0, q), q > 0 symbolic")
    general = _halving(d)
    d.instantiate(general, {c: 0}, "ReLU: c = 0")
    mean = d.gaussian(sp.Max(0, xi), xi, RELU_MEAN_VALUE, "E[ReLU(ξ)] = √(q/(2π)) for ξ ~ N(0, q)", q=q)
    second = d.gaussian(sp.Max(0, xi) ** 2, xi, RELU_GAUSS_HALF, "E[ReLU(ξ)²] = q/2 for ξ ~ N(0, q) (the halving, "
                        "Gaussian case)", q=q)
    d.define(RELU_VARIANCE, RELU_GAUSS_SECOND - RELU_MEAN**2, "Var(ReLU(z)) = E[ReLU²] - E[ReLU]², z ~ N(0, q)")
    moments = d.rewrite(RELU_GAUSS_SECOND - RELU_MEAN**2, [second, mean], "the two Gaussian moments")
    d.chain(d.identity(RELU_VARIANCE, RELU_GAUSS_SECOND - RELU_MEAN**2, "definition"), moments,
            d.identity(rhs(moments), q * (sp.Rational(1, 2) - 1 / (2 * sp.pi)), "q/2 - q/(2π)"),
            justification="Var(ReLU(z)) = q(1/2 - 1/(2π))")
    d.control(q_any, RELU_SECOND, "E[ReLU(z)²] = E[z²]: the halving forgotten")
    d.identity(sp.Add(q_any, -q_any / 2, evaluate=False), q_any / 2, "the control is off by E[z²]/2")
    d.control(q / 2, RELU_VARIANCE, "Var(ReLU(z)) = q/2: the second moment taken for the variance")
    d.identity(q / 2 - q * (sp.Rational(1, 2) - 1 / (2 * sp.pi)), q / (2 * sp.pi),
               "the control is off by E[ReLU(z)]² = q/(2π)")
    d.conclude(sp.Eq(RELU_SECOND, RELU_HALF), sp.Eq(RELU_LEAKY, LEAKY_HALF), sp.Eq(RELU_MEAN, RELU_MEAN_VALUE),
               sp.Eq(RELU_VARIANCE, RELU_VARIANCE_VALUE))
    return d
