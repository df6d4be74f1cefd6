"""Claims on GAN losses (000 Q1.8): the optimal discriminator, its average fake score, and saturation.

The data and generator distributions are unit-variance Gaussians p_d = N(μ_d, 1), p_g = N(μ_g, 1).
``numeric.gan`` evaluates D* = σ(log p_d - log p_g) from the two log densities; every closed form,
control and derivative bound below is read from the conclusion of the claim's derivation in
``derive.gan`` (``linked``), never typed here. Checks:

- ``gan.optimal_discriminator``: (a) the balance identity p_d(1 - D*) = p_g·D* integrated against test
  functions f = x^k: (p_d + p_g)·D* = p_d gives B(k) = E_mix[x^k·D*] = ½E_{p_d}[x^k] under the mixture
  ½(p_d + p_g), an unbiased Monte Carlo check of numeric's D* against the moments derive integrates; the
  control D = p_d/p_g gives the values derive records for it. (b) numeric's D* against derive's
  σ((μ_d - μ_g)x + (μ_g² - μ_d²)/2) at random points, within a rounding bound. A logistic discriminator
  fitted by Newton's method is shown beside them as an illustration: maximum likelihood is biased at
  order 1/samples, so it is not a pass/fail check against the closed form.
- ``gan.fake_score_bound``: Monte Carlo of E_{p_g}[D*] at several mean shifts against derive's integral
  for the Gaussian pair, evaluated by mpmath quadrature (below 1/2, as derive proves for any densities);
  at shift 0, D* equals derive's value 1/2 exactly at every sample.
- ``gan.saturation``: centred differences of numeric's losses at D(G(z)) = 0.01, in the logit and in
  D, against derive's gradients, within the truncation and rounding bound built from the derivative
  bounds derive concludes; and numeric's analytic gradients at extreme logits against derive's, by mpmath.

Each configuration says which check it runs (``check``), read by ``measure`` and by the closed form alike;
``Measurement.points`` holds only the numbers a pointwise closed form is evaluated at (the random x of the
logit check, the logit and D of the finite differences, the extreme logits), never a marker.
"""
from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import sympy as sp

from derive import activations as A
from derive import gan as G
from derive import registry
from numeric import gan as N

from ..claim import Budget, Claim, Measurement
from ..closed import Form, linked
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


def _at(evaluate, expression, lhs, **values):
    """``evaluate(lhs, ...)`` (a form or its control) at the values its expression uses: B(0) uses none."""
    names = {sym.name for sym in expression.free_symbols}
    return evaluate(lhs, **{name: v for name, v in values.items() if name in names})


def _form(claim_id: str) -> Form:
    return Form(registry.get(claim_id))


# ---------------------------------------------------------------- gan.optimal_discriminator

def _fit_note(rng, mean_d, mean_g):
    fit = N.fit_logistic(rng.normal(mean_d, 1.0, FIT_SAMPLES), rng.normal(mean_g, 1.0, FIT_SAMPLES))
    logit = _form("gan.optimal_discriminator").expression(G.LOGIT)
    closed = sp.Poly(logit.subs({G.mu_d: mean_d, G.mu_g: mean_g}), G.x).all_coeffs()
    return (f"illustration (not a check): Newton-fitted logistic D on {FIT_SAMPLES}+{FIT_SAMPLES} samples has "
            f"logit {fit.weights[0]:.4f}·x + {fit.bias:.4f}; closed form {float(closed[0]):.4f}·x + "
            f"{float(closed[1]):.4f} (maximum likelihood is biased at order 1/samples)")


def _sigmoid_slope(logit):
    """σ'(t) at the logits, read from the conclusion of activation.sigmoid.derivative."""
    return _form("activation.sigmoid.derivative")(A.DERIVATIVE["sigmoid"], x=logit)


def _measure_optimal(config, rng, budget: Budget) -> Measurement:
    mean_d, mean_g = config["mu_d"], config["mu_g"]
    if config["check"] == "balance":
        def draw(r, k):
            real, fake = r.normal(mean_d, 1.0, k), r.normal(mean_g, 1.0, k)
            d_real = N.optimal_discriminator_gaussians(real, mean_d, mean_g)
            d_fake = N.optimal_discriminator_gaussians(fake, mean_d, mean_g)
            return 0.5 * (_powers(real) * d_real[:, None] + _powers(fake) * d_fake[:, None])

        acc = stream(draw, budget.replicates(BALANCE_REPLICATES), rng, chunk=4096)
        return Measurement.from_accumulator(acc, note=f"E_mix[f·D*] for f = {TEST_FUNCTIONS}; "
                                            + _fit_note(rng, mean_d, mean_g))
    x = rng.normal(0.5 * (mean_d + mean_g), 3.0, budget.replicates(LOGIT_POINTS))
    d = N.optimal_discriminator_gaussians(x, mean_d, mean_g)
    # an absolute error δ in the logit t moves D = σ(t) by at most σ'·δ (σ' changes by a factor e^{|δ|} <= 1.01
    # within δ); the logit is a difference of log densities of size (x - μ)²/2, each within a few roundings
    logit = _form("gan.optimal_discriminator")(G.LOGIT, x=x, mu_d=mean_d, mu_g=mean_g)
    logit_error = EVAL_ULPS * _UNIT_ROUNDOFF * (1 + (x - mean_d) ** 2 + (x - mean_g) ** 2)
    bound = _sigmoid_slope(logit) * logit_error * 1.01 + EVAL_ULPS * _UNIT_ROUNDOFF * d + np.finfo(np.float64).tiny
    return Measurement(d, bound, "bounded", x.size, points=x,
                       note="numeric σ(log p_d - log p_g) against derive's σ((μ_d - μ_g)x + (μ_g² - μ_d²)/2)")


def _optimal_expected(config, points, form):
    """B(0..3) for the balance check (no points: the moments are constants); D*(x) at the points of the logit check."""
    means = {"mu_d": config["mu_d"], "mu_g": config["mu_g"]}
    if config["check"] == "balance":
        return np.array([_at(form, form.expression(lhs), lhs, **means) for lhs in G.BALANCE])
    return form(G.Dstar(G.x), x=points, **means)


def _optimal_control(config, points, form):
    means = {"mu_d": config["mu_d"], "mu_g": config["mu_g"]}
    if config["check"] == "balance":
        return np.array([_at(form.control, form.expression(lhs, control=True), lhs, **means) for lhs in G.BALANCE])
    with np.errstate(over="ignore"):
        return form.control(G.Dstar(G.x), x=points, **means)  # p_d/p_g = e^{logit}


# ---------------------------------------------------------------- gan.fake_score_bound

def expected_fake_score(mean_d, mean_g, form: Form | None = None):
    """E_{p_g}[D*] for N(μ_d, 1) and N(μ_g, 1): the integral gan.fake_score_bound concludes, by mpmath."""
    form = form if form is not None else _form("gan.fake_score_bound")
    with mpmath.workdps(QUADRATURE_DIGITS):
        return float(form.mpmath(G.GAUSSIAN_FAKE_SCORE, mu_d=mean_d, mu_g=mean_g))


def _measure_score(config, rng, budget: Budget) -> Measurement:
    mean_d, mean_g = config["shift"], 0.0
    if config["shift"] == 0:
        fake = rng.normal(mean_g, 1.0, budget.replicates(LOGIT_POINTS))
        d = N.optimal_discriminator_gaussians(fake, mean_d, mean_g)
        return Measurement(d, kind="exact", cases=fake.size,
                           note="p_g = p_d: D*(x) at every sample, so their average is exact")

    def draw(r, k):
        return N.optimal_discriminator_gaussians(r.normal(mean_g, 1.0, k), mean_d, mean_g)

    acc = stream(draw, budget.replicates(SCORE_REPLICATES), rng, chunk=8192)
    return Measurement.from_accumulator(acc, note="E_{p_g}[D*(G(z))] with numeric's D*")


def _score_expected(config, points, form):
    if config["shift"] == 0:
        return form(G.GAUSSIAN_FAKE_SCORE_EQUAL)
    return expected_fake_score(config["shift"], 0.0, form)


def _score_control(config, points, form):
    if config["shift"] == 0:
        return None  # the control 1/2 is the truth at p_g = p_d
    return form.control(G.GAUSSIAN_FAKE_SCORE)


# ---------------------------------------------------------------- gan.saturation

FD_STEP_LOGIT = 1e-4
FD_STEP_D = 1e-7
LOSS_NAMES = tuple(G.GRAD)
"""("saturating", "nonsaturating"): the order of every array of the saturation check."""


_RELATIONS = (sp.LessThan, sp.GreaterThan, sp.StrictLessThan, sp.StrictGreaterThan)


def _absolute_bound(lhs) -> float:
    """sup |lhs| from the two-sided bound lo <= lhs <= hi that gan.saturation concludes."""
    ends = []
    for p in registry.get("gan.saturation").results:
        if isinstance(p, _RELATIONS):
            if p.lhs == lhs:
                ends.append(p.rhs)
            elif p.rhs == lhs:
                ends.append(p.lhs)
    if len(ends) != 2:
        raise ValueError(f"gan.saturation concludes no two-sided bound on {lhs}")
    return max(abs(float(e)) for e in ends)


def _third_derivative_bound_d(d, h):
    """sup over [d - h, d + h] of |d³/dD³| of each loss: the larger of its two ends, since gan.saturation
    concludes that d⁴/dD⁴ has one sign on (0, 1)."""
    derivation = registry.get("gan.saturation")
    signed = {side for p in derivation.results if isinstance(p, _RELATIONS)
              for side, other in ((p.lhs, p.rhs), (p.rhs, p.lhs)) if other == 0}
    form = Form(derivation)
    out = []
    for name in LOSS_NAMES:
        if G.FOURTH_D[name] not in signed:
            raise ValueError(f"gan.saturation concludes no sign of {G.FOURTH_D[name]}")
        out.append(max(abs(form(G.THIRD_D[name], D=end)) for end in (d - h, d + h)))
    return np.array(out)


def _centred(f, point, h):
    return (f(point + h) - f(point - h)) / (2 * h), max(abs(f(point + h)), abs(f(point - h)))


EXTREME_LOGITS = (-1e4, -100.0, 100.0, 1e4)
EXTREME_DTYPES = ("float32", "float64")
EXTREME_DIGITS = 4500
"""mpmath digits for the closed forms at |a| = 10^4: e^{-10^4} ≈ 10^{-4343} must survive 1 - σ(a)."""


def _measure_extremes() -> Measurement:
    """numeric's analytic gradients at extreme logits, warnings raised as errors; bound: 4 ulp of the dtype."""
    estimates, bounds, logits = [], [], []
    for dtype in EXTREME_DTYPES:
        a = np.array(EXTREME_LOGITS, dtype=dtype)
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error")
            grads = np.stack([N.saturating_grad(a), N.nonsaturating_grad(a)], axis=1)
        estimates.append(grads.astype(np.float64))
        ulp = np.spacing(np.abs(grads)).astype(np.float64)
        bounds.append(4 * np.maximum(ulp, float(np.finfo(dtype).smallest_subnormal)))
        logits.extend(EXTREME_LOGITS)
    return Measurement(np.concatenate(estimates), np.concatenate(bounds), "bounded", 2 * len(logits),
                       points=np.array(logits),
                       note=f"[saturating, non-saturating] d/da at a = {EXTREME_LOGITS} in {EXTREME_DTYPES}, "
                            "no warnings")


def _measure_finite_differences(d: float) -> Measurement:
    """Centred differences of numeric's losses at D(G(z)) = d, in the logit a = log d - log(1 - d) and in D."""
    a = math.log(d) - math.log1p(-d)
    estimates, bounds = [], []
    m1 = max(_absolute_bound(G.GRAD[name]) for name in LOSS_NAMES)
    for name, loss in zip(LOSS_NAMES, (N.saturating_loss, N.nonsaturating_loss)):
        m3 = _absolute_bound(G.THIRD[name])
        value, size = _centred(lambda t: float(loss(t)), a, FD_STEP_LOGIT)
        estimates.append(value)
        bounds.append(FD_STEP_LOGIT**2 / 6 * m3 + (2 * EVAL_ULPS * _UNIT_ROUNDOFF * size) / (2 * FD_STEP_LOGIT)
                      + 4 * _UNIT_ROUNDOFF * abs(value))
    # in D: the loss as a function of D is the numeric loss at the logit log D - log(1 - D)
    m3_d = _third_derivative_bound_d(d, FD_STEP_D)
    for k, loss in enumerate((N.saturating_loss, N.nonsaturating_loss)):
        value, size = _centred(lambda p: float(loss(math.log(p) - math.log1p(-p))), d, FD_STEP_D)
        estimates.append(value)
        # the logit's rounding (a few ulp of |a|) moves the loss by |dℓ/da|·δa <= m1·δa
        arg_error = m1 * EVAL_ULPS * _UNIT_ROUNDOFF * (abs(a) + 1)
        bounds.append(FD_STEP_D**2 / 6 * m3_d[k] + (2 * EVAL_ULPS * _UNIT_ROUNDOFF * size + 2 * arg_error)
                      / (2 * FD_STEP_D) + 4 * _UNIT_ROUNDOFF * abs(value))
    return Measurement(np.array(estimates), np.array(bounds), "bounded", 4, points=(a, d),
                       note="[saturating, non-saturating] d/da, then [saturating, non-saturating] d/dD, "
                            f"at D(G(z)) = {d}")


EXTREMES, FINITE_DIFFERENCES = "extreme logits", "finite differences"
"""The two checks of gan.saturation, by the value of their configuration's ``check``."""


def _measure_saturation(config, rng, budget: Budget) -> Measurement:
    if config["check"] == EXTREMES:
        return _measure_extremes()
    return _measure_finite_differences(config["D(G(z))"])


def _saturation_values(config, points, form, control: bool):
    """The gradients at the extreme logits ``points`` (by mpmath), or at ``points`` = (a, D): d/da of both
    losses at a, then d/dD of both at D."""
    if config["check"] == EXTREMES:
        # 1 - σ(a) cancels down to e^{-|a|}, so mpmath works at more digits than |a|/ln 10
        with mpmath.workdps(EXTREME_DIGITS):
            return np.array([[float(form.mpmath(G.GRAD[name], control=control, a=t)) for name in LOSS_NAMES]
                             for t in points])
    evaluate = form.control if control else form
    a, d = points
    return np.array([evaluate(G.GRAD[name], a=a) for name in LOSS_NAMES]
                    + [evaluate(G.GRAD_D[name], D=d) for name in LOSS_NAMES])


SHOWN_GRADIENTS = tuple(G.GRAD[name] for name in LOSS_NAMES) + tuple(G.GRAD_D[name] for name in LOSS_NAMES)


CLAIMS = [
    Claim(
        id="gan.optimal_discriminator",
        sample_size="power",
        title="D*(x) = p_d/(p_d + p_g); 1/2 and value -log 4 at p_g = p_d; for two unit-variance Gaussians "
              "logit D* = (μ_d - μ_g)x + (μ_g² - μ_d²)/2",
        source=_SOURCE_D,
        expected=linked(_optimal_expected, shows=(G.Dstar(G.x), *G.BALANCE)),
        measure=_measure_optimal,
        control=linked(_optimal_control, shows=(G.Dstar(G.x), *G.BALANCE)),
        configs=({"check": "balance", "mu_d": 1.0, "mu_g": -0.5},
                 {"check": "balance", "mu_d": 0.0, "mu_g": 0.7},
                 {"check": "logit", "mu_d": 1.0, "mu_g": -0.5},
                 {"check": "logit", "mu_d": -2.0, "mu_g": 1.5}),
    ),
    Claim(
        id="gan.fake_score_bound",
        sample_size="power",
        title="with the optimal discriminator E_{p_g}[D*] <= 1/2, equality iff p_g = p_d: an average D(G(z)) "
              "near 1 means a poor discriminator, not a poor generator",
        source=_SOURCE_D,
        expected=linked(_score_expected, shows=G.GAUSSIAN_FAKE_SCORE),
        measure=_measure_score,
        control=linked(_score_control, shows=G.GAUSSIAN_FAKE_SCORE),
        configs=tuple({"shift": shift} for shift in (0.0, 0.5, 1.0, 2.0, 4.0)),
    ),
    Claim(
        id="gan.saturation",
        title="in the logit a: d/da log(1-σ(a)) = -σ(a) -> 0 as D(G(z)) -> 0 (saturating), d/da -log σ(a) = "
              "-(1-σ(a)) -> -1 (non-saturating); in D: -1/(1-D) and -1/D",
        source=_SOURCE_SAT,
        expected=linked(lambda config, points, form: _saturation_values(config, points, form, False),
                        shows=SHOWN_GRADIENTS),
        measure=_measure_saturation,
        control=linked(lambda config, points, form: _saturation_values(config, points, form, True),
                       shows=SHOWN_GRADIENTS),
        configs=({"check": FINITE_DIFFERENCES, "D(G(z))": FAKE_SCORE}, {"check": EXTREMES}),
    ),
]
