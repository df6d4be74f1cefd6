"""numeric.gain: (φ, φ') pairs from the activation table, and the one-layer Monte Carlo kernels.

Monte Carlo tests compare a mean of independent replicates with a textbook closed form (ReLU,
leaky ReLU, the identity: stated here, not taken from derive) by |mean - value| <= Z·se, with a
per-test false-alarm rate ALPHA.
"""
import math
from statistics import NormalDist

import numpy as np
import pytest

from numeric import NumericError
from numeric import gain as G
from numeric.activations import ACTIVATIONS

ALPHA = 1e-6
Z = NormalDist().inv_cdf(1 - ALPHA / 2)
REPLICATES = 4000


def mean_and_se(values):
    values = np.asarray(values)
    return values.mean(), values.std(ddof=1) / math.sqrt(values.size)


def within(values, expected):
    mean, se = mean_and_se(values)
    return abs(mean - expected) <= Z * se, (mean, se, expected)


# -- activation: numeric.activations' table as (φ, φ') pairs ---------------------------------------

def test_activation_is_the_tables_pair():
    for name, record in ACTIVATIONS.items():
        phi, grad = G.activation(name)
        assert phi is record.phi and grad is record.grad


def test_slope_is_leaky_relus_negative_slope():
    phi, grad = G.activation("leaky_relu", slope=0.2)
    assert phi(np.array([-1.0]))[0] == -0.2 and grad(np.array([-1.0]))[0] == 0.2
    phi, _ = G.activation("elu", alpha=2.0)
    assert phi(np.array([-1.0]))[0] == pytest.approx(2 * math.expm1(-1.0))


def test_unknown_activation_and_parameters():
    with pytest.raises(ValueError, match="activation must be one of .* got 'swish'"):
        G.activation("swish")
    with pytest.raises(TypeError, match="does not take parameters"):
        G.activation("relu", slope=0.1)
    with pytest.raises(NumericError, match=r"slope \(leaky_relu's negative_slope\) must be a finite real number"):
        G.activation("leaky_relu", slope=float("nan"))


# -- kernels --------------------------------------------------------------------------------------

def relu():
    return G.activation("relu")


def test_layer_second_moment_is_the_variance_map_for_relu():
    """E[y²] = σ_w²·q/2 + σ_b² for ReLU (He et al. 2015), at a narrow fan_in and fan_out != fan_in."""
    rng = np.random.default_rng(1)
    sigma_w, sigma_b, q = 1.3, 0.4, 2.0
    values = G.layer_second_moment(rng, REPLICATES, relu()[0], fan_in=3, fan_out=7, sigma_w=sigma_w,
                                   sigma_b=sigma_b, q=q, batch=4)
    ok, info = within(values, sigma_w**2 * q / 2 + sigma_b**2)
    assert ok, info
    wrong, _ = within(values, sigma_w**2 * q + sigma_b**2)  # forgetting the ReLU's half
    assert not wrong


def test_layer_second_moment_linear_ignores_fan_out():
    rng = np.random.default_rng(2)
    values = G.layer_second_moment(rng, REPLICATES, G.activation("linear")[0], fan_in=5, fan_out=2,
                                   sigma_w=1.0, q=1.5, batch=3)
    ok, info = within(values, 1.5)
    assert ok, info


def test_layer_gradient_second_moment_uses_fan_out():
    """E[(∂L/∂z)²] = σ_w²·E[φ'²] with Var(W) = σ_w²/fan_out; with 1/fan_in it would be off by fan_out/fan_in."""
    rng = np.random.default_rng(3)
    slope = 0.2
    _, grad = G.activation("leaky_relu", slope=slope)
    fan_in, fan_out, sigma_w = 4, 8, 1.1
    values = G.layer_gradient_second_moment(rng, REPLICATES, grad, fan_in=fan_in, fan_out=fan_out,
                                            sigma_w=sigma_w, q=0.7, batch=2)
    ok, info = within(values, sigma_w**2 * (1 + slope**2) / 2)
    assert ok, info
    wrong, _ = within(values, sigma_w**2 * (1 + slope**2) / 2 * fan_out / fan_in)
    assert not wrong


def test_layer_jacobian_second_moment_for_relu():
    rng = np.random.default_rng(4)
    values = G.layer_jacobian_second_moment(rng, REPLICATES, relu()[1], width=6, sigma_w=math.sqrt(2), q=3.0)
    ok, info = within(values, 1.0)  # χ₁ = σ_w²/2 = 1 for ReLU at σ_w = √2, whatever q
    assert ok, info


def test_deep_second_moments_linear_is_exact_per_layer():
    rng = np.random.default_rng(5)
    values = G.deep_second_moments(rng, REPLICATES, relu()[0], width=8, depth=3, sigma_w=math.sqrt(2), q0=1.0,
                                   batch=2)
    assert values.shape == (REPLICATES, 3)
    for layer in range(3):
        ok, info = within(values[:, layer], 1.0)  # E[z_l²] = q0·(σ_w²/2)^l exactly at any width
        assert ok, (layer, info)


def test_same_seed_same_numbers():
    a = G.layer_second_moment(np.random.default_rng(7), 5, np.tanh, fan_in=3, fan_out=3, sigma_w=1.0)
    b = G.layer_second_moment(np.random.default_rng(7), 5, np.tanh, fan_in=3, fan_out=3, sigma_w=1.0)
    assert np.array_equal(a, b) and a.shape == (5,)


BAD_ARGUMENTS = [
    (dict(fan_in=0), ValueError, "fan_in must be >= 1, got 0"),
    (dict(fan_out=2.5), ValueError, "fan_out must be an integer >= 1, got 2.5 (float)"),
    (dict(batch=True), ValueError, "batch must be an integer >= 1, got True (bool)"),   # a bool is no count
    (dict(sigma_w=-1.0), ValueError, "sigma_w must be >= 0, got -1.0"),
    (dict(sigma_b=float("nan")), ValueError, "sigma_b must be a finite real number >= 0, got nan"),
    (dict(q=0.0), ValueError, "q must be > 0, got 0.0"),
    (dict(q="1"), TypeError, "q must be a finite real number > 0, got '1'"),
]


@pytest.mark.parametrize("change, kind, message", BAD_ARGUMENTS)
def test_bad_arguments_name_the_argument_value_and_rule(change, kind, message):
    options = dict(fan_in=2, fan_out=2, sigma_w=1.0, sigma_b=0.0, q=1.0, batch=1) | change
    with pytest.raises(kind, match=message.replace("(", r"\(").replace(")", r"\)")):
        G.layer_second_moment(np.random.default_rng(0), 3, np.tanh, **options)


def test_replicates_must_be_positive():
    with pytest.raises(ValueError, match="replicates must be >= 1, got 0"):
        G.layer_jacobian_second_moment(np.random.default_rng(0), 0, np.tanh, width=2, sigma_w=1.0)
