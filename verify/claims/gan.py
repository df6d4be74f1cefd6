"""Claims on GAN losses (000 Q1.8): the optimal discriminator, its average fake score, and saturation.

The data and generator distributions are unit-variance Gaussians p_d = N(μ_d, 1), p_g = N(μ_g, 1).
``numeric.gan`` evaluates D* = σ(log p_d - log p_g) from the two log densities; ``derive.gan`` gives
the closed forms. Checks:

- ``gan.optimal_discriminator``: (a) the balance identity p_d(1 - D*) = p_g·D* integrated against test
  functions f: (p_d + p_g)·D* = p_d gives E_mix[f·D*] = ½E_{p_d}[f] under the mixture ½(p_d + p_g),
  an unbiased Monte Carlo check of numeric's D* against derive's identity; the control D = p_d/p_g
  would give ½E_{p_d}[f] + ½E_{p_d}[f·p_d/p_g]. (b) numeric's D* against derive's Gaussian logit
  formula at random points, within a rounding bound. A logistic discriminator fitted by Newton's
  method is shown beside them as an illustration: maximum likelihood is biased at order 1/samples,
  so it is not a pass/fail check against the closed form.
- ``gan.fake_score_bound``: Monte Carlo of E_{p_g}[D*] at several mean shifts against derive's D*
  integrated by mpmath quadrature (below 1/2, as derive proves); at shift 0, D* == 1/2 exactly.
- ``gan.saturation``: centred differences of numeric's losses at D(G(z)) = 0.01, in the logit and in
  D, against derive's gradients, within the proved truncation and rounding bound.
"""
from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import sympy as sp

from derive import gan as G
from numeric import gan as N

from ..claim import Budget, Claim, Measurement
from ..mc import stream

BALANCE_REPLICATES = 20_000
SCORE_REPLICATES = 20_000
LOGIT_POINTS = 2_000
FIT_SAMPLES = 4_000
QUADRATURE_DIGITS = 20
FAKE_SCORE = 0.01
"""D(G(z)) at which the saturation gradients are compared (000 Q1.8.2: an early, confident discriminator)."""
TEST_FUNCTIONS = ("1", "x", "x^2", "x^3")
EVAL_ULPS = 8
"""Accuracy of one evaluation of a numeric loss or of D*, in units of the unit roundoff."""

_UNIT_ROUNDOFF = np.finfo(np.float64).eps / 2
_SOURCE_D = "000 Q1.8.3"
_SOURCE_SAT = "000 Q1.8.2"


def _powers(x):
    return np.stack([np.ones_like(x), x, x**2, x**3], axis=-1)


def _gaussian_power_moments(mean):
    """E[x^k], k = 0..3, for x ~ N(mean, 1): 1, μ, μ² + 1, μ³ + 3μ (the Gaussian moment formulas)."""
    return np.array([1.0, mean, mean**2 + 1, mean**3 + 3 * mean])


# ---------------------------------------------------------------- gan.optimal_discriminator

def _fit_note(rng, mean_d, mean_g):
    fit = N.fit_logistic(rng.normal(mean_d, 1.0, FIT_SAMPLES), rng.normal(mean_g, 1.0, FIT_SAMPLES))
    closed = sp.Poly(G.GAUSSIAN_LOGIT.subs({G.mu_d: mean_d, G.mu_g: mean_g}), G.x).all_coeffs()
    return (f"illustration (not a check): Newton-fitted logistic D on {FIT_SAMPLES}+{FIT_SAMPLES} samples has "
            f"logit {fit.weights[0]:.4f}·x + {fit.bias:.4f}; closed form {float(closed[0]):.4f}·x + "
            f"{float(closed[1]):.4f} (maximum likelihood is biased at order 1/samples)")


def _measure_optimal(config, rng, budget: Budget) -> Measurement:
    mean_d, mean_g = config["mu_d"], config["mu_g"]
    if config["check"] == "balance":
        def draw(r, k):
            real, fake = r.normal(mean_d, 1.0, k), r.normal(mean_g, 1.0, k)
            d_real = N.optimal_discriminator_gaussians(real, mean_d, mean_g)
            d_fake = N.optimal_discriminator_gaussians(fake, mean_d, mean_g)
            return 0.5 * (_powers(real) * d_real[:, None] + _powers(fake) * d_fake[:, None])

        acc = stream(draw, budget.replicates(BALANCE_REPLICATES), rng, chunk=4096)
        return Measurement.from_accumulator(acc, at="balance", note=f"E_mix[f·D*] for f = {TEST_FUNCTIONS}; "
                                            + _fit_note(rng, mean_d, mean_g))
    x = rng.normal(0.5 * (mean_d + mean_g), 3.0, budget.replicates(LOGIT_POINTS))
    d = N.optimal_discriminator_gaussians(x, mean_d, mean_g)
    # an absolute error δ in the logit moves D by at most σ'·δ; the logit is a difference of log densities
    # of size (x - μ)²/2, each evaluated within a few roundings
    logit_error = EVAL_ULPS * _UNIT_ROUNDOFF * (1 + (x - mean_d) ** 2 + (x - mean_g) ** 2)
    bound = d * (1 - d) * logit_error * 1.01 + EVAL_ULPS * _UNIT_ROUNDOFF * d + np.finfo(np.float64).tiny
    return Measurement(d, bound, "bounded", x.size, at=x,
                       note="numeric σ(log p_d - log p_g) against derive's σ((μ_d - μ_g)x + (μ_g² - μ_d²)/2)")


def _logit_closed(expr, config):
    return sp.lambdify(G.x, expr.subs({G.mu_d: config["mu_d"], G.mu_g: config["mu_g"]}), "numpy")


def _optimal_expected(config, at):
    if config["check"] == "balance":
        return 0.5 * _gaussian_power_moments(config["mu_d"])
    return _logit_closed(G.GAUSSIAN_OPTIMAL, config)(at)


def _optimal_control(config, at):
    mean_d, mean_g = config["mu_d"], config["mu_g"]
    if config["check"] == "balance":
        # E_{p_d}[f·p_d/p_g] by exponential tilting: p_d²/p_g = e^{(μ_d - μ_g)²}·N(2μ_d - μ_g, 1)
        tilt = math.exp((mean_d - mean_g) ** 2)
        return 0.5 * _gaussian_power_moments(mean_d) + 0.5 * tilt * _gaussian_power_moments(2 * mean_d - mean_g)
    with np.errstate(over="ignore"):
        return _logit_closed(sp.exp(G.GAUSSIAN_LOGIT), config)(at)  # p_d/p_g, as derive proves


# ---------------------------------------------------------------- gan.fake_score_bound

def expected_fake_score(mean_d, mean_g):
    """E_{p_g}[D*] = ∫ N(x; μ_g, 1)·D*(x) dx with derive's D*, by mpmath quadrature."""
    integrand = sp.lambdify(G.x, (G.GAUSSIAN_OPTIMAL * G.gaussian_density(G.mu_g)).subs({G.mu_d: mean_d, G.mu_g: mean_g}),
                            "mpmath")
    with mpmath.workdps(QUADRATURE_DIGITS):
        return float(mpmath.quad(integrand, [-mpmath.inf, mean_g, mean_d, mpmath.inf]))


def _measure_score(config, rng, budget: Budget) -> Measurement:
    mean_d, mean_g = config["shift"], 0.0
    if config["shift"] == 0:
        fake = rng.normal(mean_g, 1.0, budget.replicates(LOGIT_POINTS))
        d = N.optimal_discriminator_gaussians(fake, mean_d, mean_g)
        return Measurement(np.max(np.abs(d - 0.5)), kind="exact", cases=fake.size,
                           note="p_g = p_d: max |D*(x) - 1/2| over samples")

    def draw(r, k):
        return N.optimal_discriminator_gaussians(r.normal(mean_g, 1.0, k), mean_d, mean_g)

    acc = stream(draw, budget.replicates(SCORE_REPLICATES), rng, chunk=8192)
    return Measurement.from_accumulator(acc, note="E_{p_g}[D*(G(z))] with numeric's D*")


def _score_expected(config, at):
    if config["shift"] == 0:
        return 0.0
    return expected_fake_score(config["shift"], 0.0)


def _score_control(config, at):
    if config["shift"] == 0:
        return None  # the control 1/2 is the truth at p_g = p_d
    return 0.5


# ---------------------------------------------------------------- gan.saturation

FD_STEP_LOGIT = 1e-4
FD_STEP_D = 1e-7


def _third_derivative_bound_d(d, h):
    """sup over [d - h, d + h] of |d³/dD³| of log(1 - D) and -log D: 2/(1 - D)³ and 2/D³."""
    return np.array([2 / (1 - d - h) ** 3, 2 / (d - h) ** 3])


def _centred(f, point, h):
    return (f(point + h) - f(point - h)) / (2 * h), max(abs(f(point + h)), abs(f(point - h)))


EXTREME_LOGITS = (-1e4, -100.0, 100.0, 1e4)
EXTREME_DTYPES = ("float32", "float64")
EXTREME_DIGITS = 4500
"""mpmath digits for the closed forms at |a| = 10^4: e^{-10^4} ≈ 10^{-4343} must survive 1 - σ(a)."""


def _measure_extremes(config, rng, budget: Budget) -> Measurement:
    """numeric's analytic gradients at extreme logits, warnings raised as errors; bound: 4 ulp of the dtype."""
    estimates, bounds, points = [], [], []
    for dtype in EXTREME_DTYPES:
        a = np.array(EXTREME_LOGITS, dtype=dtype)
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error")
            grads = np.stack([N.saturating_grad(a), N.nonsaturating_grad(a)], axis=1)
        estimates.append(grads.astype(np.float64))
        ulp = np.spacing(np.abs(grads)).astype(np.float64)
        bounds.append(4 * np.maximum(ulp, float(np.finfo(dtype).smallest_subnormal)))
        points.extend(EXTREME_LOGITS)
    return Measurement(np.concatenate(estimates), np.concatenate(bounds), "bounded", 2 * len(points),
                       at=("extremes", np.array(points)),
                       note=f"[saturating, non-saturating] d/da at a = {EXTREME_LOGITS} in {EXTREME_DTYPES}, "
                            "no warnings")


def _measure_saturation(config, rng, budget: Budget) -> Measurement:
    if config.get("logits") == "extreme":
        return _measure_extremes(config, rng, budget)
    d = FAKE_SCORE
    a = math.log(d) - math.log1p(-d)
    estimates, bounds = [], []
    m3 = float(G.THIRD_DERIVATIVE_BOUND_LOGIT)
    for loss in (N.saturating_loss, N.nonsaturating_loss):
        value, size = _centred(lambda t: float(loss(t)), a, FD_STEP_LOGIT)
        estimates.append(value)
        bounds.append(FD_STEP_LOGIT**2 / 6 * m3 + (2 * EVAL_ULPS * _UNIT_ROUNDOFF * size) / (2 * FD_STEP_LOGIT)
                      + 4 * _UNIT_ROUNDOFF * abs(value))
    # in D: the loss as a function of D is the numeric loss at the logit log D - log(1 - D)
    m3_d = _third_derivative_bound_d(d, FD_STEP_D)
    for k, loss in enumerate((N.saturating_loss, N.nonsaturating_loss)):
        value, size = _centred(lambda p: float(loss(math.log(p) - math.log1p(-p))), d, FD_STEP_D)
        estimates.append(value)
        # the logit's rounding (a few ulp of |a|) moves the loss by |dℓ/da|·δa <= δa (|dℓ/da| <= 1)
        arg_error = EVAL_ULPS * _UNIT_ROUNDOFF * (abs(a) + 1)
        bounds.append(FD_STEP_D**2 / 6 * m3_d[k] + (2 * EVAL_ULPS * _UNIT_ROUNDOFF * size + 2 * arg_error)
                      / (2 * FD_STEP_D) + 4 * _UNIT_ROUNDOFF * abs(value))
    return Measurement(np.array(estimates), np.array(bounds), "bounded", 4, at=(a, d),
                       note="[saturating, non-saturating] d/da, then [saturating, non-saturating] d/dD, "
                            f"at D(G(z)) = {d}")


def _saturation_values(exprs, at):
    if isinstance(at[0], str):
        # extreme logits: 1 - σ(a) cancels down to e^{-|a|}, so mpmath works at more digits than |a|/ln 10
        functions = [sp.lambdify(G.a, e, "mpmath") for e in exprs[:2]]
        with mpmath.workdps(EXTREME_DIGITS):
            return np.array([[float(f(mpmath.mpf(t))) for f in functions] for t in at[1]])
    a, d = at
    values = [float(exprs[0].subs(G.a, a)), float(exprs[1].subs(G.a, a)),
              float(exprs[2].subs(G.D, d)), float(exprs[3].subs(G.D, d))]
    return np.array(values)


def _saturation_expected(config, at):
    return _saturation_values((G.SATURATING_GRAD, G.NONSATURATING_GRAD, G.SATURATING_GRAD_D,
                               G.NONSATURATING_GRAD_D), at)


def _saturation_control(config, at):
    return _saturation_values((G.NONSATURATING_GRAD, G.SATURATING_GRAD, G.NONSATURATING_GRAD_D,
                               G.SATURATING_GRAD_D), at)


CLAIMS = [
    Claim(
        id="gan.optimal_discriminator",
        title="D*(x) = p_d/(p_d + p_g); 1/2 and value -log 4 at p_g = p_d; for two unit-variance Gaussians "
              "logit D* = (μ_d - μ_g)x + (μ_g² - μ_d²)/2",
        source=_SOURCE_D,
        formula="p_d/(p_d + p_g): E_mix[f·D*] = ½E_{p_d}[f]; σ((μ_d - μ_g)x + (μ_g² - μ_d²)/2)",
        expected=_optimal_expected,
        measure=_measure_optimal,
        control=_optimal_control,
        control_formula="p_d/p_g",
        configs=({"check": "balance", "mu_d": 1.0, "mu_g": -0.5},
                 {"check": "balance", "mu_d": 0.0, "mu_g": 0.7},
                 {"check": "logit", "mu_d": 1.0, "mu_g": -0.5},
                 {"check": "logit", "mu_d": -2.0, "mu_g": 1.5}),
    ),
    Claim(
        id="gan.fake_score_bound",
        title="with the optimal discriminator E_{p_g}[D*] <= 1/2, equality iff p_g = p_d: an average D(G(z)) "
              "near 1 means a poor discriminator, not a poor generator",
        source=_SOURCE_D,
        formula="E_{p_g}[D*] = ∫ p_g·p_d/(p_d + p_g) <= 1/2 (quadrature of derive's D*)",
        expected=_score_expected,
        measure=_measure_score,
        control=_score_control,
        control_formula="E_{p_g}[D*] = 1/2 at every shift",
        configs=tuple({"shift": shift} for shift in (0.0, 0.5, 1.0, 2.0, 4.0)),
    ),
    Claim(
        id="gan.saturation",
        title="in the logit a: d/da log(1-σ(a)) = -σ(a) -> 0 as D(G(z)) -> 0 (saturating), d/da -log σ(a) = "
              "-(1-σ(a)) -> -1 (non-saturating); in D: -1/(1-D) and -1/D",
        source=_SOURCE_SAT,
        formula="-σ(a), -(1 - σ(a)); -1/(1 - D), -1/D",
        expected=_saturation_expected,
        measure=_measure_saturation,
        control=_saturation_control,
        control_formula="swapped losses",
        configs=({"D(G(z))": FAKE_SCORE}, {"logits": "extreme"}),
    ),
]
