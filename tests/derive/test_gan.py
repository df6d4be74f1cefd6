"""Derivations of the GAN claims: all proved, and the wrong versions are rejected."""
import math

import pytest
import sympy as sp

from derive import gan as G
from derive import registry
from derive.core import Derivation, check_identity

IDS = ["gan.optimal_discriminator", "gan.fake_score_bound", "gan.saturation"]


@pytest.mark.parametrize("claim_id", IDS)
def test_every_gan_derivation_is_proved(claim_id):
    d = registry.get(claim_id)
    assert d.status == "proved", [(s, s.detail) for s in d.failures]
    assert all(s.status in ("proved", "definition") for s in d.steps)


def test_the_likelihood_ratio_fails_the_balance_identity():
    ok, _ = check_identity(G.pd * (1 - G.CONTROL_RATIO), G.pg * G.CONTROL_RATIO)
    assert not ok


def test_the_likelihood_ratio_is_not_a_critical_point():
    derivative = G.pd / G.y - G.pg / (1 - G.y)
    ok, _ = check_identity(derivative.subs(G.y, G.CONTROL_RATIO), 0)
    assert not ok


@pytest.mark.parametrize("p_d, p_g", [(0.3, 0.7), (2.0, 0.1), (1.0, 1.0), (0.05, 3.0)])
def test_optimal_discriminator_beats_nearby_outputs(p_d, p_g):
    value = lambda t: p_d * math.log(t) + p_g * math.log(1 - t)  # noqa: E731
    best = float(G.OPTIMAL.subs({G.pd: p_d, G.pg: p_g}))
    for t in (best - 1e-3, best + 1e-3, 0.5, 0.01, 0.99):
        if 0 < t < 1 and t != best:
            assert value(best) > value(t)


def test_gaussian_logit_is_log_density_ratio_at_numbers():
    values = {G.mu_d: sp.Rational(3, 2), G.mu_g: -sp.Rational(1, 3), G.x: sp.Rational(7, 5)}
    ratio = (G.gaussian_density(G.mu_d) / G.gaussian_density(G.mu_g)).subs(values)
    assert sp.simplify(sp.log(ratio) - G.GAUSSIAN_LOGIT.subs(values)) == 0


def test_a_wrong_gaussian_logit_is_rejected():
    wrong = (G.mu_d - G.mu_g) * G.x + (G.mu_d**2 - G.mu_g**2) / 2  # sign of the intercept flipped
    ok, _ = check_identity(G.gaussian_density(G.mu_d) / G.gaussian_density(G.mu_g), sp.exp(wrong))
    assert not ok


def test_the_fake_score_gap_is_not_negative_and_the_control_bound_is_wrong():
    d = Derivation("t", "t")
    # claiming E_{p_g}[D*] >= 1/2 pointwise (the control's direction) needs a non-negative witness that does not exist
    d.inequality(G.pg * G.OPTIMAL, (G.pd + G.pg) / 4, -(G.pd - G.pg) ** 2 / (4 * (G.pd + G.pg)), "wrong")
    assert d.status == "failed"


@pytest.mark.parametrize("loss, wrong", [
    (G.SATURATING_LOSS, G.NONSATURATING_GRAD),
    (G.NONSATURATING_LOSS, G.SATURATING_GRAD),
])
def test_swapped_gradients_are_rejected(loss, wrong):
    ok, _ = check_identity(sp.diff(loss, G.a), wrong)
    assert not ok


def test_swapped_limits_are_rejected():
    d = Derivation("t", "t")
    d.limit(G.SATURATING_GRAD, G.a, -sp.oo, sp.Integer(-1), "wrong")
    d.limit(G.NONSATURATING_GRAD, G.a, -sp.oo, sp.Integer(0), "wrong")
    assert all(s.status == "failed" for s in d.steps)


def test_third_derivative_bound_covers_both_losses_numerically():
    bound = float(G.THIRD_DERIVATIVE_BOUND_LOGIT)
    for loss in (G.SATURATING_LOSS, G.NONSATURATING_LOSS):
        third = sp.lambdify(G.a, sp.diff(loss, G.a, 3), "math")
        worst = max(abs(third(t / 10)) for t in range(-100, 101))
        assert worst <= bound and worst > 0.99 * bound
