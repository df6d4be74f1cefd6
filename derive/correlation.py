"""The correlation map of two inputs through one layer: the ReLU arc-cosine kernel and the erf kernel.

Sources: Poole et al. 2016, "Exponential expressivity in deep neural networks through transient chaos",
eqs. 3-5 (the map q₁₂' = σ_w²·E[φ(u₁)φ(u₂)] + σ_b²); Schoenholz et al. 2017, "Deep information
propagation", eqs. 5, 9 (χ₁ = C'(1)); Cho & Saul 2009, "Kernel methods for deep learning" (the arc-cosine
kernel of degree 1); Williams 1997, "Computing with infinite networks" (the erf kernel).

A bivariate normal (u₁, u₂) is written through two independent standard normals (its Cholesky factor):
u₁ = √q₁·z₁, u₂ = √q₂·(t·z₁ + z₂)/√(1 + t²), whose correlation is c = t/√(1 + t²) (every c in (-1, 1) for
one real t = c/√(1 - c²)). E[f(u₁)g(u₂)] is then two one-dimensional Gaussian integrals, inner over z₂ at
fixed z₁, outer over z₁, each carried out by the kernel's ``gaussian``/``gaussian_on`` rules (sympy's
integral, cross-checked by mpmath). The law itself, with ReLU's region u₂ > 0 ⇔ z₂ > -t·z₁, is the one
named assumption of the ReLU kernel; the mean-field layer map is the other. The erf kernel rests on Price's
theorem in integrated form (assumed; the Gaussian integral E[exp(-u₁² - u₂²)] it needs is carried out
beside it, but the kernel has no rule that links that step into the assumption) and on the layer map; the
antiderivative of 4/(π√(D - 4s²)) is checked.
"""
from __future__ import annotations

import sympy as sp

from .derivation import Derivation
from .kernel import NormalE
from .registry import derivation

z1 = sp.Symbol("z₁", real=True)
z2 = sp.Symbol("z₂", real=True)
q1 = sp.Symbol("q₁", positive=True)
q2 = sp.Symbol("q₂", positive=True)
t = sp.Symbol("t", real=True)            # c = t/√(1 + t²)
tp = sp.Symbol("t", positive=True)       # c > 0
tn = sp.Symbol("t", negative=True)       # c < 0
theta = sp.Symbol("θ", positive=True)
rho = sp.Symbol("ρ", real=True)          # the covariance q₁₂
s = sp.Symbol("s", real=True)
a, b = sp.Symbol("a", real=True), sp.Symbol("b", positive=True)
sigma_w = sp.Symbol("σ_w", positive=True)
sigma_b = sp.Symbol("σ_b", nonnegative=True)

K = sp.Function("E[ReLU(u₁)ReLU(u₂)]")
"""K(q₁, q₂, t): the ReLU kernel at second moments q₁, q₂ and correlation c = t/√(1 + t²)."""
Q = sp.Function("q₁₂'")
"""Q(q₁, q₂, t): the covariance of the two pre-activations after one ReLU layer."""
KERF = sp.Function("E[erf(u₁)erf(u₂)]")
"""KERF(q₁, q₂, t): the erf kernel at second moments q₁, q₂ and covariance q₁₂ = ERF_COV."""
QERF = sp.Function("q₁₂' (erf)")

RELU_KERNEL = {sign: K(q1, q2, sym) for sign, sym in (("+", tp), ("-", tn))}
RELU_KERNEL["0"] = K(q1, q2, 0)
RELU_LAYER = {sign: Q(q1, q2, sym) for sign, sym in (("+", tp), ("-", tn))}
RELU_LAYER["0"] = Q(q1, q2, 0)
ERF_KERNEL = KERF(q1, q2, t)
ERF_LAYER = QERF(q1, q2, t)

SQRT = sp.sqrt(1 + t**2)
ERF_COV = sp.sqrt((1 + 2 * q1) * (1 + 2 * q2)) * t / (2 * SQRT)
"""The covariance q₁₂ of the erf kernel's parametrisation: every |q₁₂| < √((1 + 2q₁)(1 + 2q₂))/2 for one real t."""
THETA = sp.pi / 2 - sp.atan(t)
"""θ as a function of t: cos θ = t/√(1 + t²) = c with θ in (0, π), so θ = arccos c."""


def arc_cosine(theta_):
    """√(q₁q₂)·(sin θ + (π - θ)·cos θ)/(2π) (Cho & Saul 2009, degree 1)."""
    return sp.sqrt(q1 * q2) * (sp.sin(theta_) + (sp.pi - theta_) * sp.cos(theta_)) / (2 * sp.pi)


def _on(f, z, lo):
    """f·1[z > lo], as the kernel's gaussian_on states it."""
    return f * sp.Piecewise((1, z > lo), (0, True))


def _u2(tt):
    return sp.sqrt(q2) * tt * z1 / sp.sqrt(1 + tt**2) + sp.sqrt(q2) * z2 / sp.sqrt(1 + tt**2)


def _law(tt):
    """E[ReLU(u₁)ReLU(u₂)] as the iterated integral over z₁ > 0 and z₂ > -t·z₁."""
    return NormalE(_on(sp.sqrt(q1) * z1 * NormalE(_on(_u2(tt), z2, -tt * z1), z2, 1), z1, 0), z1, 1)


def _inner_value(tt):
    """E[(α + β z₂)·1[z₂ > -α/β]] = α·Φ(α/β) + β·φ(α/β), α = √q₂·t·z₁/√(1+t²), β = √q₂/√(1+t²)."""
    al, be = sp.sqrt(q2) * tt * z1 / sp.sqrt(1 + tt**2), sp.sqrt(q2) / sp.sqrt(1 + tt**2)
    return al * (1 + sp.erf(al / (sp.sqrt(2) * be))) / 2 + be * sp.exp(-al**2 / (2 * be**2)) / sp.sqrt(2 * sp.pi)


@derivation("kernel.relu")
def relu_kernel() -> Derivation:
    d = Derivation("kernel.relu", "E[ReLU(u₁)ReLU(u₂)] = √(q₁q₂)·(sin θ + (π - θ)·cos θ)/(2π), θ = arccos c; "
                   "q₁₂' = σ_w²·E[ReLU(u₁)ReLU(u₂)] + σ_b²",
                   scope="every q₁, q₂ > 0 and correlation c in (-1, 1) (c = t/√(1 + t²), t real; the cases t > 0, "
                         "t < 0, t = 0); one layer at infinite width (exact given the previous layer's values)")
    law = d.assume("bivariate normal", sp.Eq(K(q1, q2, t), _law(t)),
                   "(u₁, u₂) = (√q₁ z₁, √q₂ (t z₁ + z₂)/√(1 + t²)), z₁, z₂ i.i.d. N(0, 1) (the Cholesky factor "
                   "of the covariance; Tong 1990, Thm 3.3.1) and Fubini; ReLU(u₁) = u₁·1[z₁ > 0], "
                   "ReLU(u₂) = u₂·1[z₂ > -t z₁] since √q₂/√(1 + t²) > 0", for_all=(q1, q2, t))
    layer = d.assume("the mean-field layer map",
                     sp.Eq(Q(q1, q2, t), sigma_w**2 * K(q1, q2, t) + sigma_b**2),
                     "Poole et al. 2016, eq. 4: z_i = Σ_j W_ij h_j + b_i with W ~ N(0, σ_w²/n), b ~ N(0, σ_b²) "
                     "given the previous layer: E[z_i(x₁)z_i(x₂)] = σ_w²·h(x₁)·h(x₂)/n + σ_b²",
                     for_all=(q1, q2, t))
    inner = d.gaussian_on(_u2(t), z2, -t * z1, sp.oo, _inner_value(t),
                          "inner integral over z₂ > -t z₁ at fixed z₁: α·Φ(α/β) + β·φ(α/β)")
    put = d.rewrite(law.statement.rhs, [inner], "the inner expectation put in")
    outer_abs = sp.sqrt(q1 * q2) * (1 + t * sp.pi / 2 + t**2 * sp.atan(sp.Abs(t)) / sp.Abs(t)) / (2 * sp.pi * SQRT)
    outer = d.gaussian_on(sp.sqrt(q1) * z1 * _inner_value(t), z1, 0, sp.oo, outer_abs,
                          "outer integral over z₁ > 0 (sympy writes t·atan t as t²·atan|t|/|t|)")
    general = d.chain(law, put, outer, justification="E[ReLU(u₁)ReLU(u₂)] for every t ≠ 0")
    conclusions = []
    for sign, sym in (("+", tp), ("-", tn)):
        at = d.instantiate(general, {t: sym}, f"t {'>' if sign == '+' else '<'} 0 (c {sign})")
        closed = arc_cosine(THETA.subs(t, sym))
        kernel = d.chain(at, d.identity(at.statement.rhs, closed, "with θ = π/2 - atan t: sin θ = 1/√(1 + t²), "
                                                                   "cos θ = t/√(1 + t²)"),
                         justification=f"the arc-cosine kernel, c {sign}")
        step = d.instantiate(layer, {t: sym}, "the layer map at this t")
        conclusions.append(d.chain(step, d.rewrite(step.statement.rhs, [kernel], "the kernel put in"),
                                   justification=f"q₁₂' = σ_w²·arc-cosine + σ_b², c {sign}"))
    # t = 0: independent inputs
    law0 = d.instantiate(law, {t: 0}, "c = 0")
    inner0 = d.gaussian_on(sp.sqrt(q2) * z2, z2, 0, sp.oo, sp.sqrt(q2) / sp.sqrt(2 * sp.pi), "E[ReLU(√q₂ z₂)]")
    put0 = d.rewrite(law0.statement.rhs, [inner0], "put in")
    outer0 = d.gaussian_on(sp.sqrt(q1) * z1 * sp.sqrt(q2) / sp.sqrt(2 * sp.pi), z1, 0, sp.oo,
                           arc_cosine(sp.pi / 2), "E[ReLU(√q₁ z₁)]·E[ReLU(√q₂ z₂)] = √(q₁q₂)/(2π), θ = π/2")
    zero = d.chain(law0, put0, outer0, justification="c = 0")
    step0 = d.instantiate(layer, {t: 0}, "the layer map at c = 0")
    conclusions.append(d.chain(step0, d.rewrite(step0.statement.rhs, [zero], "the kernel put in"),
                               justification="q₁₂' at c = 0"))
    d.identity(sp.cos(THETA), t / SQRT, "cos θ = c: θ = π/2 - atan t lies in (0, π), so θ = arccos c")
    # C'(1) = χ₁: at q₁ = q₂ = q the map is C(c) = σ_w²·(sin θ + (π - θ)cos θ)/(2π) + σ_b²/q, c = cos θ
    q = sp.Symbol("q", positive=True)
    C = sigma_w**2 * (sp.sin(theta) + (sp.pi - theta) * sp.cos(theta)) / (2 * sp.pi) + sigma_b**2 / q
    slope = sp.diff(C, theta) / sp.diff(sp.cos(theta), theta)
    d.limit(slope, theta, 0, sigma_w**2 / 2, "C'(1) = lim_(θ→0+) (dC/dθ)/(dc/dθ) = σ_w²/2", direction="+")
    d.gaussian_on(sp.Integer(1), z1, 0, sp.oo, sp.Rational(1, 2), "χ₁ = σ_w²·E[ReLU'(√q z)²] = σ_w²·P(z > 0) = σ_w²/2: "
                                                                 "C'(1) = χ₁")
    d.limit(C, theta, 0, sigma_w**2 / 2 + sigma_b**2 / q,
            "C(1) = σ_w²/2 + σ_b²/q = V(q)/q: 1 exactly at the fixed point q = V(q)", direction="+")
    for sign, sym in (("+", tp), ("-", tn)):
        cc = sym / sp.sqrt(1 + sym**2)
        d.control(sigma_w**2 * cc * sp.sqrt(q1 * q2) + sigma_b**2, RELU_LAYER[sign],
                  "the linear kernel σ_w²·q₁₂ + σ_b² (φ(u) = u)")
    d.control(sigma_w**2 * arc_cosine(sp.pi / 2), RELU_LAYER["0"], "the map without the bias term σ_b²")
    d.conclude(*conclusions)
    return d


@derivation("kernel.erf")
def erf_kernel() -> Derivation:
    d = Derivation("kernel.erf", "E[erf(u₁)erf(u₂)] = (2/π)·arcsin(2q₁₂/√((1 + 2q₁)(1 + 2q₂))); "
                   "q₁₂' = σ_w²·E[erf(u₁)erf(u₂)] + σ_b²",
                   scope="every q₁, q₂ > 0 and covariance |q₁₂| < √(q₁q₂) (q₁₂ = √((1 + 2q₁)(1 + 2q₂))·t/(2√(1 + t²)), t real); "
                         "one layer at infinite width")
    m = sp.Function("E[exp(-u₁² - u₂²)]")
    big = (1 + 2 * q1) * (1 + 2 * q2)
    # the Gaussian integral behind Price's theorem, by two one-dimensional integrals
    lemma = d.gaussian(sp.exp(-(a + b * z2) ** 2), z2, sp.exp(-a**2 / (1 + 2 * b**2)) / sp.sqrt(1 + 2 * b**2),
                       "E[exp(-(a + b z)²)] = exp(-a²/(1 + 2b²))/√(1 + 2b²) for every real a, b > 0")
    al, be = sp.sqrt(q2) * t * z1 / SQRT, sp.sqrt(q2) / SQRT
    inner = d.instantiate(lemma, {a: al, b: be}, "at u₂ = √q₂ (t z₁ + z₂)/√(1 + t²)")
    cov = t * sp.sqrt(q1 * q2) / SQRT
    law = d.assume("bivariate normal", sp.Eq(m(q1, q2, t), NormalE(sp.exp(-q1 * z1**2) * inner.statement.lhs, z1, 1)),
                   "(u₁, u₂) = (√q₁ z₁, √q₂ (t z₁ + z₂)/√(1 + t²)), z₁, z₂ i.i.d. N(0, 1) (Cholesky; Tong 1990, "
                   "Thm 3.3.1), covariance q₁₂ = t√(q₁q₂)/√(1 + t²), and Fubini", for_all=(q1, q2, t))
    put = d.rewrite(law.statement.rhs, [inner], "the inner expectation put in")
    outer = d.gaussian(sp.exp(-q1 * z1**2) * inner.statement.rhs, z1, 1 / sp.sqrt(big - 4 * cov**2),
                       "outer integral: 1/√((1 + 2q₁)(1 + 2q₂) - 4q₁₂²)")
    d.chain(law, put, outer, justification="E[exp(-u₁² - u₂²)] = 1/√((1 + 2q₁)(1 + 2q₂) - 4q₁₂²)")
    d.gaussian(sp.erf(sp.sqrt(q1) * z1), z1, 0, "E[erf(u₁)] = 0: at q₁₂ = 0 the kernel is E[erf(u₁)]·E[erf(u₂)] = 0")
    D = sp.Symbol("D", positive=True)
    cov_at = lambda dd: sp.sqrt(dd) * t / (2 * SQRT)   # noqa: E731 -- |q₁₂| < √D/2 for every real t
    price = d.assume("Price's theorem", sp.Eq(KERF(q1, q2, t),
                                              sp.Integral(4 / (sp.pi * sp.sqrt(big - 4 * s**2)), (s, 0, cov_at(big)))),
                     "Price 1958: ∂E[f(u₁)g(u₂)]/∂q₁₂ = E[f'(u₁)g'(u₂)]; erf' = (2/√π)·exp(-u²), so the derivative "
                     "is (4/π)·E[exp(-u₁² - u₂²)] (checked above); integrated from q₁₂ = 0, where the kernel is 0. "
                     "Here the covariance is q₁₂ = √((1 + 2q₁)(1 + 2q₂))·t/(2√(1 + t²)), t real",
                     for_all=(q1, q2, t))
    lemma = d.identity(sp.Integral(4 / (sp.pi * sp.sqrt(D - 4 * s**2)), (s, 0, cov_at(D))),
                       2 / sp.pi * sp.asin(2 * cov_at(D) / sp.sqrt(D)),
                       "∫₀^ρ 4/(π√(D - 4s²)) ds = (2/π)·arcsin(2ρ/√D) for every D > 0 and |ρ| < √D/2")
    value = d.instantiate(lemma, {D: big}, "at D = (1 + 2q₁)(1 + 2q₂)")
    kernel = d.chain(price, value, justification="Williams 1997: the erf (arcsine) kernel")
    layer = d.assume("the mean-field layer map", sp.Eq(ERF_LAYER, sigma_w**2 * KERF(q1, q2, t) + sigma_b**2),
                     "Poole et al. 2016, eq. 4 (given the previous layer's values)", for_all=(q1, q2, t))
    result = d.chain(layer, d.rewrite(layer.statement.rhs, [kernel], "the kernel put in"),
                     justification="q₁₂' = σ_w²·(2/π)·arcsin(2q₁₂/√((1 + 2q₁)(1 + 2q₂))) + σ_b²")
    d.control(sigma_w**2 * ERF_COV + sigma_b**2, ERF_LAYER, "the linear kernel σ_w²·q₁₂ + σ_b²")
    d.conclude(result)
    return d


def critical_sigma_w(act, sigma_b, bracket) -> tuple:
    """(σ_w, q*) with χ₁ = 1 on the variance fixed point at bias σ_b, by mpmath tanh-sinh quadrature at 30
    digits and the Illinois method inside ``bracket`` = (q_lo, q_hi): the root of
    (q - σ_b²)·E[φ'(√q z)²] - E[φ(√q z)²] (along the fixed points σ_w² = (q - σ_b²)/E[φ(√q z)²]).
    An independent check of numeric.correlation's Gauss-Hermite value (DESIGN.md: the two never share code)."""
    import mpmath

    from .gaussian_moments import quadrature
    from .pieces import pieces

    parts = pieces(act.expr)
    with mpmath.workdps(30):
        sb2 = mpmath.mpf(sigma_b) ** 2

        def m(q, kind):
            return quadrature(parts, kind, q, 30)[0]

        def gap(q):
            return (q - sb2) * m(q, "derivative_second_moment") - m(q, "second_moment")

        lo, hi = (mpmath.mpf(v) for v in bracket)
        root = mpmath.findroot(gap, (lo, hi), solver="illinois", tol=mpmath.mpf(10) ** -28)
        return mpmath.sqrt((root - sb2) / m(root, "second_moment")), root
