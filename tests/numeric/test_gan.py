"""Tests for numeric.gan: stable generator losses from logits, the optimal discriminator, Newton's logistic fit."""
import math
import warnings
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from numeric import gan

MODERATE = 15.0          # |a| where the naive formulas in float64 lose nothing that matters
NAIVE_RTOL = 1e-9
FD_STEP = 1e-5
FD_RTOL = 1e-7
EXTREME = 1e4
DTYPES = (np.float32, np.float64)
ALPHA = 1e-6             # false-alarm rate of the statistical test of the logistic fit
Z = NormalDist().inv_cdf(1 - ALPHA / 2)
FIT_SAMPLES = 20_000

moderate_logits = st.floats(-MODERATE, MODERATE, allow_nan=False, allow_infinity=False)


def _naive_sigmoid(a):
    return 1 / (1 + math.exp(-a))


@given(moderate_logits)
@example(0.0)
@example(-MODERATE)
def test_losses_match_their_definitions_in_d(a):
    d = _naive_sigmoid(a)
    assert float(gan.saturating_loss(a)) == pytest.approx(math.log(1 - d), rel=NAIVE_RTOL, abs=1e-12)
    assert float(gan.nonsaturating_loss(a)) == pytest.approx(-math.log(d), rel=NAIVE_RTOL, abs=1e-12)


@given(moderate_logits)
def test_gradients_match_central_differences(a):
    for loss, grad in ((gan.saturating_loss, gan.saturating_grad), (gan.nonsaturating_loss, gan.nonsaturating_grad)):
        fd = (float(loss(a + FD_STEP)) - float(loss(a - FD_STEP))) / (2 * FD_STEP)
        assert float(grad(a)) == pytest.approx(fd, rel=FD_RTOL, abs=1e-10)


@given(moderate_logits)
def test_chain_rule_links_logit_and_d_space_gradients(a):
    d = _naive_sigmoid(a)
    assert float(gan.saturating_grad(a)) == pytest.approx(float(gan.saturating_grad_wrt_d(d)) * d * (1 - d), rel=1e-9)
    assert float(gan.nonsaturating_grad(a)) == pytest.approx(float(gan.nonsaturating_grad_wrt_d(d)) * d * (1 - d), rel=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_logits_are_finite_without_warnings(dtype):
    a = np.array([-EXTREME, -100.0, 0.0, 100.0, EXTREME], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        results = [gan.generator_loss(a, loss) for loss in gan.LOSSES]
    for loss, grad in results:
        assert loss.dtype == dtype and grad.dtype == dtype
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    (sat, sat_grad), (non, non_grad) = results
    # log(1 - σ(a)) ≈ -a for large a; -log σ(a) ≈ -a for very negative a
    assert sat[-1] == -EXTREME and non[0] == EXTREME
    assert sat[0] == 0.0 and non[-1] == 0.0
    assert sat_grad[0] == 0.0 and sat_grad[-1] == -1.0
    assert non_grad[0] == -1.0 and non_grad[-1] == 0.0


def test_naive_formula_fails_where_the_stable_one_does_not():
    a = np.float32(20.0)
    with np.errstate(divide="ignore"):
        naive = np.log(np.float32(1) - np.float32(1) / (np.float32(1) + np.exp(-a)))
    assert np.isneginf(naive)
    assert float(gan.saturating_loss(a)) == pytest.approx(-20.0, rel=1e-6)


def test_gradient_limits_as_d_goes_to_zero():
    a = np.array([-5.0, -10.0, -20.0, -40.0])
    sat, non = gan.saturating_grad(a), gan.nonsaturating_grad(a)
    assert np.all(np.diff(np.abs(sat)) < 0) and abs(sat[-1]) < 1e-17
    assert np.all(np.abs(non + 1) < np.exp(a) * 1.0001)


def test_d_space_gradients_at_one_percent():
    assert float(gan.saturating_grad_wrt_d(0.01)) == pytest.approx(-1 / 0.99)
    assert float(gan.nonsaturating_grad_wrt_d(0.01)) == pytest.approx(-100.0)


def test_discriminator_loss_is_binary_cross_entropy():
    real, fake = np.array([2.0, -1.0]), np.array([0.5, -3.0])
    bce = -np.mean(np.log(1 / (1 + np.exp(-real)))) - np.mean(np.log(1 - 1 / (1 + np.exp(-fake))))
    assert gan.discriminator_loss(real, fake) == pytest.approx(bce, rel=1e-12)
    assert gan.gan_value(0.0, 0.0) == pytest.approx(-math.log(4), rel=1e-15)


# ---------------------------------------------------------------- optimal discriminator

def _pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


@given(st.floats(-3, 3), st.floats(-3, 3), st.floats(0.3, 3), st.floats(0.3, 3))
def test_optimal_discriminator_is_density_ratio_and_balances(mean_d, mean_g, std_d, std_g):
    x = np.linspace(-6, 6, 101)
    pd, pg = _pdf(x, mean_d, std_d), _pdf(x, mean_g, std_g)
    d = gan.optimal_discriminator_gaussians(x, mean_d, mean_g, std_d, std_g)
    np.testing.assert_allclose(d, pd / (pd + pg), rtol=1e-10)
    # p_d·(1 - D*) = p_g·D* pointwise (the balance identity the Monte Carlo check integrates);
    # 1 - D* is D* with the roles swapped, which avoids cancelling where D* ≈ 1
    one_minus_d = gan.optimal_discriminator_gaussians(x, mean_g, mean_d, std_g, std_d)
    np.testing.assert_allclose(d + one_minus_d, 1.0, rtol=1e-15)
    np.testing.assert_allclose(pd * one_minus_d, pg * d, rtol=1e-10, atol=1e-300)


def test_optimal_discriminator_is_one_half_when_distributions_agree():
    x = np.linspace(-50, 50, 11)
    assert np.all(gan.optimal_discriminator_gaussians(x, 0.7, 0.7) == 0.5)


def test_optimal_discriminator_is_finite_far_in_the_tails():
    d = gan.optimal_discriminator_gaussians(np.array([-1e3, 1e3]), 1.0, -1.0)
    assert d[0] == 0.0 and d[1] == 1.0


# ---------------------------------------------------------------- logistic discriminator

def test_newton_fit_solves_the_score_equations():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(1.0, 1.0, 500), rng.normal(-0.5, 1.0, 700)
    fit = gan.fit_logistic(real, fake)
    assert fit.converged and fit.iterations < 15
    u = np.concatenate([real, fake])
    t = np.concatenate([np.ones(500), np.zeros(700)])
    residual = t - gan.logistic_discriminator(u, fit)
    assert abs(residual.sum()) < 1e-9 and abs((residual * u).sum()) < 1e-9


def test_newton_fit_is_consistent_for_two_gaussians():
    """θ̂ - θ* is asymptotically N(0, H⁻¹) (H the observed information); tested at false-alarm rate ALPHA."""
    rng = np.random.default_rng(1)
    mean_d, mean_g = 0.8, -0.4
    real, fake = rng.normal(mean_d, 1.0, FIT_SAMPLES), rng.normal(mean_g, 1.0, FIT_SAMPLES)
    fit = gan.fit_logistic(real, fake)
    u = np.stack([np.concatenate([real, fake]), np.ones(2 * FIT_SAMPLES)], axis=1)
    p = gan.logistic_discriminator(u[:, :1], fit)
    se = np.sqrt(np.diag(np.linalg.inv((u * (p * (1 - p))[:, None]).T @ u)))
    # with equal class sizes the population logit is log p_d - log p_g, by Bayes' rule
    x0, x1 = 0.0, 1.0
    true_bias = float(gan.gaussian_logpdf(x0, mean_d) - gan.gaussian_logpdf(x0, mean_g))
    true_weight = float(gan.gaussian_logpdf(x1, mean_d) - gan.gaussian_logpdf(x1, mean_g)) - true_bias
    assert abs(fit.weights[0] - true_weight) <= Z * se[0]
    assert abs(fit.bias - true_bias) <= Z * se[1]


def test_separable_data_does_not_converge_without_a_penalty():
    assert not gan.fit_logistic([1.0, 2.0], [-1.0, -2.0], max_iterations=30).converged
    assert gan.fit_logistic([1.0, 2.0], [-1.0, -2.0], l2=0.1).converged


BAD_CALLS = [
    ("d", lambda: gan.saturating_grad_wrt_d(1.0)),
    ("d", lambda: gan.nonsaturating_grad_wrt_d(np.array([0.5, 0.0]))),
    ("loss", lambda: gan.generator_loss(0.0, "wasserstein")),
    ("std", lambda: gan.gaussian_logpdf(0.0, 0.0, 0.0)),
    ("features", lambda: gan.fit_logistic(np.ones((3, 2)), np.ones((3, 1)))),
    ("real", lambda: gan.fit_logistic(np.array([]), np.ones(3))),
    ("l2", lambda: gan.fit_logistic(np.ones(3), np.zeros(3), l2=-1.0)),
    ("max_iterations", lambda: gan.fit_logistic(np.ones(3), np.zeros(3), max_iterations=0)),
    ("log_pd and log_pg", lambda: gan.optimal_discriminator(np.zeros(3), np.zeros(4))),
]


@pytest.mark.parametrize("name, call", BAD_CALLS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD_CALLS)])
def test_bad_arguments_raise_value_error_naming_them(name, call):
    with pytest.raises(ValueError, match=name):
        call()


def test_non_numeric_logits_raise_type_error():
    with pytest.raises(TypeError, match="logits"):
        gan.saturating_loss(np.array(["a"]))
