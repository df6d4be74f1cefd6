"""GAN losses: the optimal discriminator, the bound on its average fake score, and saturation.

Sources: 000 Q1.8.2 (the non-saturating loss gives a strong early gradient), 000 Q1.8.3 (D(G(z))
near 1/2 at equilibrium; near 1 read as a poor generator). Reference: Goodfellow et al.,
"Generative Adversarial Nets" (NeurIPS 2014): eq. 1 (the value V), Proposition 1 (D*), Theorem 1
(the value -log 4 at p_g = p_d), §3 (the non-saturating loss).

Densities enter pointwise as positive symbols p_d = p_d(x), p_g = p_g(x); integrals over x of a
pointwise inequality or identity follow by monotonicity and linearity of the integral, with
∫p_d = ∫p_g = 1 stated as a definition.
"""
from __future__ import annotations

import sympy as sp

from .derivation import Derivation
from .registry import derivation

pd, pg = sp.symbols("p_d p_g", positive=True)
y = sp.Symbol("y", positive=True)          # a discriminator output in (0, 1)
r = sp.Symbol("r", positive=True)          # odds y/(1 - y)
x = sp.Symbol("x", real=True)
a = sp.Symbol("a", real=True)              # the discriminator's logit
D = sp.Symbol("D", positive=True)
mu_d, mu_g = sp.symbols("mu_d mu_g", real=True)
s = sp.Symbol("s", real=True)

OPTIMAL = pd / (pd + pg)
"""D*(x) = p_d/(p_d + p_g) (Goodfellow et al. 2014, Proposition 1)."""
CONTROL_RATIO = pd / pg
"""The negative control: the likelihood ratio p_d/p_g taken for the discriminator."""
GAUSSIAN_LOGIT = (mu_d - mu_g) * x + (mu_g**2 - mu_d**2) / 2
"""log p_d(x) - log p_g(x) for p_d = N(μ_d, 1), p_g = N(μ_g, 1)."""
GAUSSIAN_OPTIMAL = 1 / (1 + sp.exp(-GAUSSIAN_LOGIT))
"""D*(x) = σ((μ_d - μ_g)x + (μ_g² - μ_d²)/2)."""
SIGMOID = 1 / (1 + sp.exp(-a))

SATURATING_LOSS = sp.log(1 - SIGMOID)
NONSATURATING_LOSS = -sp.log(SIGMOID)
SATURATING_GRAD = -SIGMOID
"""d/da log(1 - σ(a))."""
NONSATURATING_GRAD = -(1 - SIGMOID)
"""d/da (-log σ(a))."""
SATURATING_GRAD_D = -1 / (1 - D)
"""d/dD log(1 - D)."""
NONSATURATING_GRAD_D = -1 / D
"""d/dD (-log D)."""
THIRD_DERIVATIVE_BOUND_LOGIT = sp.sqrt(3) / 18
"""sup_a |d³/da³ log σ(±a)| = sup |σ''| = √3/18, proved in gan.saturation (bounds finite differences)."""


def gaussian_density(mean):
    return sp.exp(-(x - mean) ** 2 / 2) / sp.sqrt(2 * sp.pi)


@derivation("gan.optimal_discriminator")
def optimal_discriminator() -> Derivation:
    dv = Derivation("gan.optimal_discriminator",
                    "D* = p_d/(p_d + p_g); 1/2 and value -log 4 at p_g = p_d; a logistic D* for two Gaussians",
                    scope="pointwise for all p_d, p_g > 0 (symbols), then integrated; Gaussians with unit variance, "
                          "any means")
    V = pd * sp.log(y) + pg * sp.log(1 - y)
    dv.define(sp.Eq(sp.Symbol("V(D)"), sp.Symbol("∫ p_d log D + p_g log(1 - D) dx"), evaluate=False),
              "the discriminator's objective (Goodfellow et al. 2014, eq. 1); maximized pointwise in y = D(x)")
    dv.identity(sp.Derivative(V, y), pd / y - pg / (1 - y), "derivative in y of p_d log y + p_g log(1 - y)")
    dv.identity((pd / y - pg / (1 - y)).subs(y, OPTIMAL), 0, "the derivative vanishes at y = p_d/(p_d + p_g)")
    dv.identity(sp.Derivative(V, (y, 2)), -(pd / y**2 + pg / (1 - y) ** 2), "second derivative")
    witness = (pd / y**2 + pg / (1 - y) ** 2).subs(y, r / (1 + r))
    dv.inequality(witness, 0, witness,
                  "-V'' > 0 on (0, 1) (written with the odds r = y/(1-y) > 0): V is strictly concave, "
                  "so the critical point is the unique maximum", strict=True)
    dv.identity(sp.Mul(OPTIMAL, pd + pg, evaluate=False), pd, "D*(p_d + p_g) = p_d: D* = p_d/(p_d + p_g)")
    dv.identity(pd * (1 - OPTIMAL), pg * OPTIMAL,
                "balance: p_d(1 - D*) = p_g·D* pointwise, so E_{p_d}[f(1 - D*)] = E_{p_g}[f·D*] for every f")
    dv.identity(sp.Subs(OPTIMAL, pg, pd), sp.Rational(1, 2), "p_g = p_d: D* = 1/2 everywhere")
    dv.define(sp.Eq(sp.Symbol("∫p_d"), 1, evaluate=False), "densities integrate to 1")
    dv.identity(2 * sp.log(sp.Rational(1, 2)), -sp.log(4),
                "value at p_g = p_d: ∫p log(1/2) + ∫p log(1/2) = -log 4 (Goodfellow et al. 2014, Theorem 1)")
    dv.identity(gaussian_density(mu_d) / gaussian_density(mu_g), sp.exp(GAUSSIAN_LOGIT),
                "two unit-variance Gaussians: p_d/p_g = exp((μ_d - μ_g)x + (μ_g² - μ_d²)/2)")
    dv.identity(OPTIMAL.subs({pd: gaussian_density(mu_d), pg: gaussian_density(mu_g)}), GAUSSIAN_OPTIMAL,
                "so D* = 1/(1 + p_g/p_d) = σ(logit) with the logit linear in x")
    dv.conclude(sp.Eq(sp.Symbol("D*"), OPTIMAL, evaluate=False))
    return dv


@derivation("gan.fake_score_bound")
def fake_score_bound() -> Derivation:
    dv = Derivation("gan.fake_score_bound", "E_{p_g}[D*] <= 1/2, with equality iff p_g = p_d",
                    scope="pointwise for all p_d, p_g > 0 (symbols), then integrated over x")
    integrand = pg * OPTIMAL
    arithmetic = (pd + pg) / 4
    dv.define(sp.Eq(sp.Symbol("E_{p_g}[D*]"), sp.Symbol("∫ p_g p_d/(p_d + p_g) dx"), evaluate=False),
              "the average fake score of the optimal discriminator")
    dv.inequality(arithmetic, integrand, (pd - pg) ** 2 / (4 * (pd + pg)),
                  "p_d p_g/(p_d + p_g) = half the harmonic mean <= a quarter of the sum (half the arithmetic mean)")
    dv.identity(sp.Add(sp.Rational(1, 4), sp.Rational(1, 4), evaluate=False), sp.Rational(1, 2),
                "∫(p_d + p_g)/4 = 1/4 + 1/4 = 1/2")
    dv.identity(sp.Subs((pd - pg) ** 2 / (4 * (pd + pg)), pd, pg), 0, "the gap vanishes where p_d = p_g")
    up = sp.Symbol("u", positive=True)
    gap = (pd - pg) ** 2 / (4 * (pd + pg))
    dv.inequality(gap.subs(pd, pg * (1 + up)), 0, pg * up**2 / (4 * (2 + up)),
                  "and is > 0 where p_d > p_g (p_d = p_g(1 + u), u > 0)", strict=True)
    dv.inequality(gap.subs(pg, pd * (1 + up)), 0, pd * up**2 / (4 * (2 + up)),
                  "and where p_d < p_g: equality in ∫ needs p_d = p_g almost everywhere", strict=True)
    dv.conclude(sp.LessThan(sp.Symbol("E_{p_g}[D*]"), sp.Rational(1, 2), evaluate=False))
    return dv


@derivation("gan.saturation")
def saturation() -> Derivation:
    dv = Derivation("gan.saturation",
                    "in the logit a: d/da log(1-σ(a)) = -σ(a) -> 0, d/da -log σ(a) = -(1-σ(a)) -> -1 as D -> 0",
                    scope="for all real a; limits a -> -∞ (D = σ(a) -> 0); D-space for D in (0, 1)")
    dv.identity(sp.Derivative(SATURATING_LOSS, a), SATURATING_GRAD, "saturating loss log(1 - D), D = σ(a)")
    dv.identity(sp.Derivative(NONSATURATING_LOSS, a), NONSATURATING_GRAD, "non-saturating loss -log D")
    dv.limit(SATURATING_GRAD, a, -sp.oo, sp.Integer(0), "saturating: the gradient vanishes as D(G(z)) -> 0")
    dv.limit(NONSATURATING_GRAD, a, -sp.oo, sp.Integer(-1), "non-saturating: the gradient tends to -1")
    dv.identity(sp.Derivative(sp.log(1 - D), D), SATURATING_GRAD_D, "in D: d/dD log(1 - D)")
    dv.identity(sp.Derivative(-sp.log(D), D), NONSATURATING_GRAD_D, "in D: d/dD (-log D)")
    dv.limit(SATURATING_GRAD_D, D, 0, sp.Integer(-1), "-1/(1 - D) -> -1 as D -> 0+", direction="+")
    dv.limit(NONSATURATING_GRAD_D, D, 0, -sp.oo, "-1/D -> -∞ as D -> 0+", direction="+")
    dv.identity(sp.Subs(sp.Mul(SATURATING_GRAD_D, D, 1 - D, evaluate=False), D, SIGMOID), SATURATING_GRAD,
                "chain rule with dD/da = D(1 - D): -1/(1 - D)·D(1 - D) = -σ(a)")
    dv.identity(sp.Subs(sp.Mul(NONSATURATING_GRAD_D, D, 1 - D, evaluate=False), D, SIGMOID), NONSATURATING_GRAD,
                "chain rule: -1/D·D(1 - D) = -(1 - σ(a))")
    dv.identity(sp.Derivative(SATURATING_LOSS, (a, 3)), -(s * (1 - s) * (1 - 2 * s)).subs(s, SIGMOID),
                "third derivative (for the finite-difference bound): -σ'' = -σ(1-σ)(1-2σ)")
    dv.identity(sp.Derivative(NONSATURATING_LOSS, (a, 3)), (s * (1 - s) * (1 - 2 * s)).subs(s, SIGMOID),
                "and for the non-saturating loss: +σ''")
    dv.extremum(s * (1 - s) * (1 - 2 * s), s, sp.Interval(0, 1), THIRD_DERIVATIVE_BOUND_LOGIT,
                "largest |σ''| over s = σ(a) in [0, 1] (odd about s = 1/2, so the minimum is -√3/18)",
                name=sp.Symbol("max σ''"))
    dv.conclude(sp.Eq(sp.Symbol("d/da loss"), sp.Tuple(SATURATING_GRAD, NONSATURATING_GRAD), evaluate=False))
    return dv
