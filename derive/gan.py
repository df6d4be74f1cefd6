"""GAN losses: the optimal discriminator, the bound on its average fake score, and saturation.

Sources: 000 Q1.8.2 (the non-saturating loss gives a strong early gradient), 000 Q1.8.3 (D(G(z))
near 1/2 at equilibrium; near 1 read as a poor generator). Reference: Goodfellow et al.,
"Generative Adversarial Nets" (NeurIPS 2014): eq. 1 (the value V), Proposition 1 (D*), Theorem 1
(the value -log 4 at p_g = p_d), §3 (the non-saturating loss).

Densities enter in two ways. Pointwise, at one x, as positive symbols p_d, p_g (every pointwise fact
holds for all their values). Under an integral, as positive functions p_d(x), p_g(x): a pointwise
equation is carried under ∫ by ``rewrite`` (equal integrands, equal integrals), so the balance identity
needs nothing more. What the kernel cannot check about an unknown density is a named assumption: that
p_d and p_g are probability densities (∫ = 1), and, for the bound on the fake score, that the integral
is monotone and linear. For the unit-variance Gaussians that ``verify`` simulates, sympy carries out
every integral: the logit of D*, the moments the balance check estimates (and those its control would
give), and E_{p_g}[D*] = 1/2 at equal means.

Each derivation is built by a ``build_*`` function whose arguments default to the true lemmas; the
tests pass a false one (a wrong moment, a wrong bound, ...) and check that the derivation fails.
"""
from __future__ import annotations

import sympy as sp

from .derivation import Derivation
from .registry import derivation

# ---------------------------------------------------------------------------------------------
# Symbols

pd, pg = sp.symbols("p_d p_g", positive=True)          # the densities at one point x
y = sp.Symbol("y", positive=True)                       # a discriminator output in (0, 1)
r = sp.Symbol("r", positive=True)                       # the density ratio p_g/p_d
u = sp.Symbol("u", positive=True)                       # a relative gap between the densities
x = sp.Symbol("x", real=True)
k = sp.Symbol("k", integer=True, nonnegative=True)      # the power of the test function x^k
m = sp.Symbol("m", real=True)                           # the mean of a Gaussian
mu_d, mu_g = sp.symbols("mu_d mu_g", real=True)
a = sp.Symbol("a", real=True)                           # the discriminator's logit
D = sp.Symbol("D", positive=True)                       # the discriminator's output
s = sp.Symbol("s", real=True)                           # s = σ(a), ranging over [0, 1]
R = (-sp.oo, sp.oo)

P_d, P_g = sp.Function("p_d", positive=True), sp.Function("p_g", positive=True)
"""The data and generator densities as functions of x (positive where they are integrated)."""
f = sp.Function("f", real=True)
"""A test function of x."""
MASS_D, MASS_G = sp.Symbol("∫p_d"), sp.Symbol("∫p_g")
"""Names for ∫p_d(x) dx and ∫p_g(x) dx over the real line (each derivation defines those it uses)."""

Phi = sp.Function("φ")
"""φ(x, m) = N(x; m, 1), the unit-variance Gaussian density (defined in each derivation that uses it)."""
GAUSSIAN = sp.exp(-(x - m) ** 2 / 2) / sp.sqrt(2 * sp.pi)
PHI_D, PHI_G = Phi(x, mu_d), Phi(x, mu_g)


def gaussian_density(mean):
    """N(x; mean, 1), written out."""
    return GAUSSIAN.subs(m, mean)


def _define_gaussian(d: Derivation) -> None:
    d.define(Phi(x, m), GAUSSIAN, "the density of N(m, 1)")


def _density(d: Derivation, name, density, mass):
    """∫p dx := its integral, and the hypothesis that p is a probability density: ∫p dx = ``mass`` (1).

    The integral is named first: the kernel refuses a closed equation it cannot decide (an integral of an
    unknown function has no free symbols), while the name keeps the hypothesis as stated."""
    d.define(name, sp.Integral(density(x), (x, *R)), f"the total mass of {density.__name__}")
    return d.assume(f"{density.__name__} is a probability density", sp.Eq(name, mass),
                    "hypothesis of the claim (Goodfellow et al. 2014, §4: p_data and p_g are probability "
                    "densities on the data space)")


# ---------------------------------------------------------------------------------------------
# gan.optimal_discriminator

OPTIMAL = pd / (pd + pg)
"""D*(x) = p_d/(p_d + p_g) (Goodfellow et al. 2014, Proposition 1)."""
CONTROL_RATIO = pd / pg
"""The negative control: the likelihood ratio p_d/p_g taken for the discriminator."""
OBJECTIVE = pd * sp.log(y) + pg * sp.log(1 - y)
"""The integrand of V(D) at one x, with y = D(x) (Goodfellow et al. 2014, eq. 1)."""
GAUSSIAN_LOGIT = (mu_d - mu_g) * x + (mu_g**2 - mu_d**2) / 2
"""log p_d(x) - log p_g(x) for p_d = N(μ_d, 1), p_g = N(μ_g, 1)."""
GAUSSIAN_MOMENTS = (sp.Integer(1), mu_d, mu_d**2 + 1, mu_d**3 + 3 * mu_d)
"""E[x^k], k = 0..3, for x ~ N(μ_d, 1): each is checked by integration in gan.optimal_discriminator."""

Dstar = sp.Function("D*")
"""D*(x) for the Gaussian pair (defined in gan.optimal_discriminator; μ_d and μ_g are its parameters)."""
Balance = sp.Function("B")
"""B(k) = E_mix[x^k·D*(x)] under the mixture ½(p_d + p_g): what the balance check estimates."""
LOGIT = sp.log(Dstar(x) / (1 - Dstar(x)))
"""The logit of D*: the left side of the concluded logit formula."""
BALANCE = tuple(Balance(sp.Integer(j)) for j in range(len(GAUSSIAN_MOMENTS)))
"""The left sides of the concluded balance values B(0), ..., B(3)."""
V_EQUAL = sp.Symbol("V(D*)|p_g=p_d")
"""The value of the game at p_g = p_d (defined in gan.optimal_discriminator)."""


def _moment(j, mean):
    return GAUSSIAN_MOMENTS[j].subs(mu_d, mean)


@derivation("gan.optimal_discriminator")
def optimal_discriminator() -> Derivation:
    return build_optimal_discriminator()


def build_optimal_discriminator(optimal=OPTIMAL, mass=sp.Integer(1), logit=GAUSSIAN_LOGIT,
                                moments=GAUSSIAN_MOMENTS, balance=None) -> Derivation:
    """The derivation of gan.optimal_discriminator. The arguments let tests make a lemma false: D*, the mass
    of p_d, the Gaussian logit, the Gaussian moments, the D in the balance identity that is integrated."""
    balance = optimal if balance is None else balance
    d = Derivation("gan.optimal_discriminator",
                   "D* = p_d/(p_d + p_g) maximizes V pointwise; E_{p_d}[f(1 - D*)] = E_{p_g}[f·D*]; 1/2 and "
                   "value -log 4 at p_g = p_d; for two unit-variance Gaussians logit D* = (μ_d - μ_g)x + "
                   "(μ_g² - μ_d²)/2",
                   scope="pointwise for all p_d, p_g > 0 and y in (0, 1); integrals for positive densities p_d(x), "
                         "p_g(x) (∫p_d = 1 assumed); Gaussians N(μ_d, 1), N(μ_g, 1) for all real means")
    results = []

    # -- pointwise: D* maximizes p_d log y + p_g log(1 - y) over y in (0, 1)
    d.identity(sp.Derivative(OBJECTIVE, y), pd / y - pg / (1 - y), "derivative in y = D(x) of the integrand of V")
    d.identity(sp.Subs(pd / y - pg / (1 - y), y, optimal), 0, "it vanishes at y = D* = p_d/(p_d + p_g)")
    scaled = pd * sp.log(y) + r * pd * sp.log(1 - y)   # the integrand with p_g = r·p_d
    top = d.extremum(scaled, y, sp.Interval.open(0, 1), scaled.subs(y, 1 / (1 + r)),
                     "largest value over (0, 1) with p_g = r·p_d, by critical points and ends: at y = 1/(1 + r)")
    results.append(d.chain(d.instantiate(top, {r: pg / pd}, "at r = p_g/p_d: the integrand itself"),
                           d.identity(scaled.subs(y, 1 / (1 + r)).subs(r, pg / pd), OBJECTIVE.subs(y, optimal),
                                      "1/(1 + p_g/p_d) = p_d/(p_d + p_g) = D*"),
                           justification="the maximum of the integrand over y is attained at y = D*"))
    results.append(d.inequality(0, sp.Subs(sp.Derivative(OBJECTIVE, (y, 2)), y, r / (1 + r)),
                                pd * (1 + r) ** 2 / r**2 + pg * (1 + r) ** 2,
                                "second derivative -p_d/y² - p_g/(1 - y)² < 0 at every y = r/(1 + r) in (0, 1): "
                                "strictly concave, so D* is the only maximizer", strict=True))

    # -- the balance identity, pointwise and under the integral
    at_x = {pd: P_d(x), pg: P_g(x)}
    real = (pd * f(x) * (1 - balance)).subs(at_x)
    pointwise = d.identity(real, (pg * f(x) * balance).subs(at_x),
                           "balance at every x: p_d(1 - D*) = p_g·D* (both are p_d·p_g/(p_d + p_g)), times any f(x)")
    results.append(d.rewrite(sp.Integral(real, (x, *R)), [pointwise],
                             "integrated over x (equal integrands): E_{p_d}[f·(1 - D*)] = E_{p_g}[f·D*] for every f"))

    # -- p_g = p_d: D* = 1/2 and V(D*) = -log 4
    results.append(d.identity(sp.Subs(optimal, pg, pd), sp.Rational(1, 2), "p_g = p_d: D* = 1/2 everywhere"))
    density = _density(d, MASS_D, P_d, mass)
    equal = optimal.subs({pd: P_d(x), pg: P_d(x)})
    d.define(V_EQUAL, sp.Integral(P_d(x) * sp.log(equal) + P_d(x) * sp.log(1 - equal), (x, *R)),
             "V(D*) = ∫ p_d log D* + p_g log(1 - D*) dx (eq. 1) at p_g = p_d")
    constant = 2 * sp.log(sp.Rational(1, 2))
    results.append(d.chain(d.identity(V_EQUAL, constant * MASS_D,
                                      "D* = 1/2: the integrand is 2 log(1/2)·p_d(x), and a constant leaves the "
                                      "integral"),
                           d.rewrite(constant * MASS_D, [density], "∫p_d = 1"),
                           d.identity(constant * mass, -sp.log(4), "2 log(1/2) = -log 4"),
                           justification="V(D*) = -log 4 at p_g = p_d (Goodfellow et al. 2014, Theorem 1)"))

    # -- two unit-variance Gaussians: the logit of D*, and the control p_d/p_g
    _define_gaussian(d)
    d.define(Dstar(x), optimal.subs({pd: PHI_D, pg: PHI_G}), "D* for p_d = N(μ_d, 1), p_g = N(μ_g, 1)")
    ratio = CONTROL_RATIO.subs({pd: PHI_D, pg: PHI_G})
    results.append(d.chain(d.identity(LOGIT, sp.log(ratio), "D*/(1 - D*) = p_d/p_g"),
                           d.identity(sp.log(ratio), logit, "log p_d - log p_g: the squares in x cancel"),
                           justification="the logit of D* is linear in x"))
    results.append(d.chain(d.identity(Dstar(x), 1 / (1 + 1 / ratio), "D* = 1/(1 + p_g/p_d)"),
                           d.identity(1 / (1 + 1 / ratio), 1 / (1 + sp.exp(-logit)), "p_g/p_d = e^(-logit)"),
                           justification="so D* = σ(logit)"))
    d.control(sp.exp(GAUSSIAN_LOGIT), Dstar(x), "the likelihood ratio p_d/p_g taken for D*")
    d.identity(ratio, sp.exp(GAUSSIAN_LOGIT), "the control: p_d/p_g = e^{logit}")
    d.inequality(sp.exp(GAUSSIAN_LOGIT), 1 / (1 + sp.exp(-GAUSSIAN_LOGIT)),
                 sp.exp(2 * GAUSSIAN_LOGIT) / (1 + sp.exp(GAUSSIAN_LOGIT)),
                 "e^{logit} exceeds σ(logit) by e^{2 logit}/(1 + e^{logit}) > 0 at every x", strict=True)

    # -- the balance check: B(k) = E_mix[x^k D*] = ½E_{p_d}[x^k], the Gaussian moments by integration
    mixture = sp.Mul(sp.Rational(1, 2), x**k, PHI_D + PHI_G)   # kept as one product, so ½(p_d + p_g) cancels
    d.define(Balance(k), sp.Integral(mixture * Dstar(x), (x, *R)),
             "B(k) = E_mix[x^k·D*] under the mixture ½(p_d + p_g) (one real and one fake sample per replicate)")
    inside = d.identity(mixture * Dstar(x), x**k * PHI_D / 2, "balance: ½(p_d + p_g)·D* = ½p_d, for every x and k")
    for j, moment in enumerate(moments):
        integrand = (mixture * Dstar(x)).xreplace({k: j})
        results.append(d.chain(
            d.identity(Balance(j), sp.Integral(integrand, (x, *R)), f"definition of B({j})"),
            d.rewrite(sp.Integral(integrand, (x, *R)), [d.instantiate(inside, {k: j}, f"k = {j}")], "equal integrands"),
            d.identity(sp.Integral(x**j * PHI_D / 2, (x, *R)), moment / 2, f"½E[x^{j}] for x ~ N(μ_d, 1)"),
            justification=f"B({j}) = ½E_{{p_d}}[x^{j}]"))

    # -- the control D = p_d/p_g: its balance exceeds B(k) by ½∫x^k p_d²/p_g, a moment of a tilted Gaussian
    tilt, lift = Phi(x, 2 * mu_d - mu_g), sp.exp((mu_d - mu_g) ** 2) / 2
    d.identity(mixture * (ratio - Dstar(x)), lift * x**k * tilt,
               "with D = p_d/p_g the integrand of B(k) grows by ½(p_d + p_g)·(p_d/p_g - D*) = ½x^k·p_d²/p_g "
               "= ½e^((μ_d - μ_g)²)·x^k·N(x; 2μ_d - μ_g, 1), for every x and k")
    for j in range(len(GAUSSIAN_MOMENTS)):
        wrong = _moment(j, mu_d) / 2 + lift * _moment(j, 2 * mu_d - mu_g)
        d.control(wrong, BALANCE[j], "the balance the likelihood ratio p_d/p_g would give")
        d.identity(sp.Integral(lift * x**j * tilt, (x, *R)), wrong - _moment(j, mu_d) / 2,
                   f"so the control exceeds B({j}) by ½e^((μ_d - μ_g)²)·E[x^{j}] for x ~ N(2μ_d - μ_g, 1)")
    d.inequality(lift * _moment(0, 2 * mu_d - mu_g), 0, lift, "at k = 0 the excess e^((μ_d - μ_g)²)/2 is > 0",
                 strict=True)

    d.conclude(*results)
    return d


# ---------------------------------------------------------------------------------------------
# gan.fake_score_bound

FAKE_SCORE = sp.Symbol("E_{p_g}[D*]")
"""E_{p_g}[D*] = ∫ p_g·D* dx for densities p_d(x), p_g(x) (defined in gan.fake_score_bound)."""
FAKE_SCORE_EQUAL = sp.Symbol("E_{p_g}[D*]|p_g=p_d")
GaussianFakeScore = sp.Function("S")
"""S(μ_d, μ_g) = E_{p_g}[D*] for p_d = N(μ_d, 1), p_g = N(μ_g, 1) (defined in gan.fake_score_bound)."""
GAUSSIAN_FAKE_SCORE = GaussianFakeScore(mu_d, mu_g)
GAUSSIAN_FAKE_SCORE_EQUAL = GaussianFakeScore(mu_g, mu_g)
GAP = (pd - pg) ** 2 / (4 * (pd + pg))
"""(p_d + p_g)/4 - p_g·D*: a quarter of the arithmetic mean minus half the harmonic mean."""


@derivation("gan.fake_score_bound")
def fake_score_bound() -> Derivation:
    return build_fake_score_bound()


def build_fake_score_bound(optimal=OPTIMAL, gap=GAP, mass_d=sp.Integer(1), mass_g=sp.Integer(1),
                           monotone=True) -> Derivation:
    """The derivation of gan.fake_score_bound. The arguments let tests make a lemma false: D*, the pointwise
    gap, the masses of p_d and p_g, the direction of the monotonicity of the integral."""
    d = Derivation("gan.fake_score_bound", "E_{p_g}[D*] <= 1/2, with equality at p_g = p_d",
                   scope="pointwise for all p_d, p_g > 0; integrated for positive probability densities p_d(x), "
                         "p_g(x) (assumed), by monotonicity and linearity of the integral (assumed); Gaussians "
                         "N(μ_d, 1), N(μ_g, 1) for all real means. The pointwise gap is > 0 wherever p_d ≠ p_g, so "
                         "equality needs p_d = p_g almost everywhere (that last step is not derived here).")
    results = []
    d.inequality((pd + pg) / 4, pg * optimal, gap,
                 "p_g·D* = p_d p_g/(p_d + p_g) (half the harmonic mean) <= (p_d + p_g)/4 (half the arithmetic "
                 "mean): the difference is (p_d - p_g)²/(4(p_d + p_g))")
    results.append(d.identity(sp.Subs(gap, pd, pg), 0, "the gap vanishes where p_d = p_g"))
    results.append(d.inequality(gap.subs(pd, pg * (1 + u)), 0, pg * u**2 / (4 * (2 + u)),
                                "and is > 0 where p_d > p_g (p_d = p_g(1 + u), u > 0)", strict=True))
    results.append(d.inequality(gap.subs(pg, pd * (1 + u)), 0, pd * u**2 / (4 * (2 + u)),
                                "and where p_d < p_g (p_g = p_d(1 + u))", strict=True))

    # -- integrated over x
    at_x = {pd: P_d(x), pg: P_g(x)}
    score = (pg * optimal).subs(at_x)
    d.inequality(((pd + pg) / 4).subs(at_x), score, gap.subs(at_x),
                 "the same at the densities p_d(x), p_g(x), for every x")
    d.define(FAKE_SCORE, sp.Integral(score, (x, *R)), "the average fake score of the optimal discriminator")
    densities = [_density(d, MASS_D, P_d, mass_d), _density(d, MASS_G, P_g, mass_g)]
    total = (MASS_D + MASS_G) / 4
    relation = sp.LessThan if monotone else sp.GreaterThan
    integrated = d.assume("monotonicity and linearity of the integral",
                          relation(sp.Integral(score, (x, *R)), total, evaluate=False),
                          "Folland, Real Analysis (2nd ed.), §2.2 (f <= g gives ∫f <= ∫g) and Theorem 2.15 "
                          "(∫(f + g) = ∫f + ∫g), applied to the pointwise bound p_g·D* <= (p_d + p_g)/4 above")
    d.chain(d.identity(FAKE_SCORE, sp.Integral(score, (x, *R)), "definition"), integrated,
            d.rewrite(total, densities, "∫p_d = ∫p_g = 1"),
            d.identity(sp.Add(mass_d / 4, mass_g / 4, evaluate=False), sp.Rational(1, 2), "at ∫p_d = ∫p_g = 1"),
            justification="E_{p_g}[D*] <= 1/2")
    results.append(sp.LessThan(FAKE_SCORE, sp.Rational(1, 2)))   # stated: the direction is part of the result

    # -- equality at p_g = p_d
    d.define(FAKE_SCORE_EQUAL, sp.Integral(score.subs(P_g(x), P_d(x)), (x, *R)), "E_{p_g}[D*] at p_g = p_d")
    results.append(d.chain(d.identity(FAKE_SCORE_EQUAL, MASS_D / 2, "D* = 1/2: a constant leaves the integral"),
                           d.rewrite(MASS_D / 2, densities[:1], "∫p_d = 1"),
                           justification="E_{p_g}[D*] = 1/2 at p_g = p_d"))

    # -- the Gaussian pair that verify simulates
    _define_gaussian(d)
    gaussian = PHI_G * optimal.subs({pd: PHI_D, pg: PHI_G})
    d.define(GAUSSIAN_FAKE_SCORE, sp.Integral(gaussian, (x, *R)), "E_{p_g}[D*] for N(μ_d, 1) and N(μ_g, 1)")
    pointwise = d.identity(gaussian, PHI_G / (1 + sp.exp(-GAUSSIAN_LOGIT)),
                           "D* = σ((μ_d - μ_g)x + (μ_g² - μ_d²)/2) for the pair")
    formula = d.chain(d.identity(GAUSSIAN_FAKE_SCORE, sp.Integral(gaussian, (x, *R)), "definition"),
                      d.rewrite(sp.Integral(gaussian, (x, *R)), [pointwise], "equal integrands"),
                      justification="the integral verify evaluates by quadrature (it has no closed form)")
    results.append(formula)
    results.append(d.chain(d.instantiate(formula, {mu_d: mu_g}, "equal means: the logit is 0, D* = 1/2"),
                           d.identity(sp.Integral(PHI_G / 2, (x, *R)), sp.Rational(1, 2),
                                      "∫N(x; μ_g, 1)/2 dx = 1/2"),
                           justification="E_{p_g}[D*] = 1/2 at μ_d = μ_g"))
    d.control(sp.Rational(1, 2), GAUSSIAN_FAKE_SCORE, "1/2 at every shift: the equality case taken for all p_g")

    d.conclude(*results)
    return d


# ---------------------------------------------------------------------------------------------
# gan.saturation

Sigma = sp.Function("σ")
SIGMOID = 1 / (1 + sp.exp(-a))
SATURATING_LOSS = sp.log(1 - Sigma(a))
"""The minimax generator loss log(1 - D(G(z))) with D = σ(a)."""
NONSATURATING_LOSS = -sp.log(Sigma(a))
"""The non-saturating generator loss -log D(G(z)) (Goodfellow et al. 2014, §3)."""
LOSSES = {"saturating": SATURATING_LOSS, "nonsaturating": NONSATURATING_LOSS}
LOSSES_D = {"saturating": sp.log(1 - D), "nonsaturating": -sp.log(D)}
"""The same losses as functions of D."""
GRAD = {name: sp.Derivative(loss, a) for name, loss in LOSSES.items()}
"""d/da of each loss: the left sides of the concluded gradients (and of their two-sided bounds)."""
THIRD = {name: sp.Derivative(loss, (a, 3)) for name, loss in LOSSES.items()}
"""d³/da³ of each loss: the left sides of the concluded bounds (centred-difference truncation)."""
GRAD_D = {name: sp.Derivative(loss, D) for name, loss in LOSSES_D.items()}
THIRD_D = {name: sp.Derivative(loss, (D, 3)) for name, loss in LOSSES_D.items()}
FOURTH_D = {name: sp.Subs(sp.Derivative(loss, (D, 4)), D, Sigma(a)) for name, loss in LOSSES_D.items()}
"""d⁴/dD⁴ of each loss at D = σ(a), i.e. at every D in (0, 1): its sign makes d³/dD³ monotone there."""
THIRD_POLYNOMIAL = s * (1 - s) * (1 - 2 * s)
"""σ''(a) as a polynomial in s = σ(a); the third derivatives of the losses are ∓ this."""


@derivation("gan.saturation")
def saturation() -> Derivation:
    return build_saturation()


def build_saturation(third_max=sp.sqrt(3) / 18, first_min=sp.Integer(-1)) -> Derivation:
    """The derivation of gan.saturation. The arguments let tests state a wrong derivative bound."""
    d = Derivation("gan.saturation",
                   "in the logit a: d/da log(1-σ(a)) = -σ(a) -> 0, d/da -log σ(a) = -(1-σ(a)) -> -1 as D -> 0; "
                   "in D: -1/(1-D) and -1/D; the derivative bounds behind the finite-difference checks",
                   scope="for all real a; limits a -> -∞ (D = σ(a) -> 0); in D, for D in (0, 1) (each is σ(a))")
    d.define(Sigma(a), SIGMOID, "the discriminator's output D = σ(a)")
    grads = {"saturating": -Sigma(a), "nonsaturating": -(1 - Sigma(a))}
    grads_d = {"saturating": -1 / (1 - D), "nonsaturating": -1 / D}
    results = [
        d.identity(GRAD["saturating"], grads["saturating"], "saturating loss log(1 - D), D = σ(a)"),
        d.identity(GRAD["nonsaturating"], grads["nonsaturating"], "non-saturating loss -log D"),
        d.limit(grads["saturating"], a, -sp.oo, sp.Integer(0), "saturating: the gradient vanishes as D(G(z)) -> 0"),
        d.limit(grads["nonsaturating"], a, -sp.oo, sp.Integer(-1), "non-saturating: the gradient tends to -1"),
        d.identity(GRAD_D["saturating"], grads_d["saturating"], "in D: d/dD log(1 - D)"),
        d.identity(GRAD_D["nonsaturating"], grads_d["nonsaturating"], "in D: d/dD (-log D)"),
        d.limit(grads_d["saturating"], D, 0, sp.Integer(-1), "-1/(1 - D) -> -1 as D -> 0+", direction="+"),
        d.limit(grads_d["nonsaturating"], D, 0, -sp.oo, "-1/D -> -∞ as D -> 0+", direction="+"),
    ]
    d.identity(sp.Subs(sp.Mul(-1 / (1 - D), D, 1 - D, evaluate=False), D, Sigma(a)), -Sigma(a),
               "chain rule with dD/da = D(1 - D): -1/(1 - D)·D(1 - D) = -σ(a)")
    d.identity(sp.Subs(sp.Mul(-1 / D, D, 1 - D, evaluate=False), D, Sigma(a)), -(1 - Sigma(a)),
               "chain rule: -1/D·D(1 - D) = -(1 - σ(a))")

    # -- controls: the two losses swapped
    for name, other in (("saturating", "nonsaturating"), ("nonsaturating", "saturating")):
        d.control(grads[other], GRAD[name], "the other loss's gradient")
        d.control(grads_d[other], GRAD_D[name], "the other loss's gradient")
    d.limit(grads["nonsaturating"] - grads["saturating"], a, -sp.oo, sp.Integer(-1),
            "the swapped gradients differ by 2σ(a) - 1 -> -1 as D -> 0: far apart where the check looks")

    # -- bounds for every a: s = σ(a) lies in [0, 1]
    e = sp.exp(-a)
    inside = [d.inequality(Sigma(a), 0, 1 / (1 + e), "σ(a) >= 0: a ratio of positives"),
              d.inequality(1, Sigma(a), e / (1 + e), "σ(a) <= 1: a ratio of positives")]
    results += [d.inequality(GRAD["saturating"], first_min, e / (1 + e) - (first_min + 1), "-σ(a) >= -1"),
                d.inequality(0, GRAD["saturating"], 1 / (1 + e), "-σ(a) <= 0"),
                d.inequality(GRAD["nonsaturating"], first_min, 1 / (1 + e) - (first_min + 1), "-(1 - σ(a)) >= -1"),
                d.inequality(0, GRAD["nonsaturating"], e / (1 + e), "-(1 - σ(a)) <= 0")]
    for name, sign in (("saturating", -1), ("nonsaturating", 1)):
        poly = sign * THIRD_POLYNOMIAL
        third = d.identity(THIRD[name], poly.subs(s, Sigma(a)),
                           f"third derivative: {'-' if sign < 0 else ''}σ'' = {sp.sstr(poly)} at s = σ(a)")
        top = d.extremum(poly, s, sp.Interval(0, 1), third_max, "largest value over s = σ(a) in [0, 1]")
        bottom = d.extremum(poly, s, sp.Interval(0, 1), -third_max, "smallest value", kind="min")
        results.append(d.chain(third, d.bound(top, Sigma(a), inside, "so at every a it is at most that"),
                               justification="upper bound for every a"))
        results.append(d.chain(third, d.bound(bottom, Sigma(a), inside, "and at least this"),
                               justification="lower bound for every a"))

    # -- in D: the third derivatives, and the sign of the fourth on (0, 1) (so |d³/dD³| is largest at an end)
    results += [d.identity(THIRD_D["saturating"], -2 / (1 - D) ** 3, "d³/dD³ log(1 - D)"),
                d.identity(THIRD_D["nonsaturating"], -2 / D**3, "d³/dD³ (-log D)"),
                d.inequality(0, FOURTH_D["saturating"], 6 * (1 + sp.exp(a)) ** 4,
                             "d⁴/dD⁴ log(1 - D) = -6/(1 - D)⁴ < 0 at every D = σ(a) in (0, 1): d³/dD³ "
                             "decreases",
                             strict=True),
                d.inequality(FOURTH_D["nonsaturating"], 0, 6 * (1 + e) ** 4,
                             "d⁴/dD⁴ (-log D) = 6/D⁴ > 0 there: d³/dD³ increases", strict=True)]

    d.conclude(*results)
    return d
