"""Derivations of the GAN claims: proved on the kernel with exactly the intended assumptions, every lemma
made false fails its derivation, and the wrong versions (the controls) are rejected."""
import math

import mpmath
import pytest
import sympy as sp

from derive import gan as G
from derive import registry
from derive.derivation import Derivation
from derive.kernel import check_identity

IDS = ["gan.optimal_discriminator", "gan.fake_score_bound", "gan.saturation"]
DENSITY_D, DENSITY_G = "p_d is a probability density", "p_g is a probability density"
MONOTONE = "monotonicity and linearity of the integral"
INTENDED = {
    "gan.optimal_discriminator": ("proved given 1 assumption", [DENSITY_D]),
    "gan.fake_score_bound": ("proved given 3 assumptions", [MONOTONE, DENSITY_D, DENSITY_G]),
    "gan.saturation": ("proved", []),
}


# ---------------------------------------------------------------- status and assumptions

@pytest.mark.parametrize("claim_id", IDS)
def test_every_gan_derivation_is_proved_with_exactly_the_intended_assumptions(claim_id):
    d = registry.get(claim_id)
    status, names = INTENDED[claim_id]
    assert d.status.startswith("proved")
    assert d.status == status, [(s, s.detail) for s in d.failures]
    assert sorted(a["name"] for a in d.assumptions) == sorted(names)
    assert all(a["reference"] for a in d.assumptions)
    assert all(s.status in ("proved", "definition", "assumed") for s in d.steps)


@pytest.mark.parametrize("claim_id", IDS)
def test_definitions_only_name_new_symbols_or_functions(claim_id):
    # the old engine let define(Eq(...)) assert a lemma; now a definition names a symbol or F(x, ...)
    for step in registry.get(claim_id).steps:
        if step.method == "definition":
            lhs = step.expr.lhs
            assert isinstance(lhs, sp.Symbol) or all(isinstance(arg, sp.Symbol) for arg in lhs.args)


@pytest.mark.parametrize("claim_id", IDS)
def test_every_control_is_recorded_in_the_derivation(claim_id):
    assert registry.get(claim_id).controls


# ---------------------------------------------------------------- gap: densities and opaque symbols

def test_a_density_of_mass_two_fails_the_value_minus_log_4():
    d = G.build_optimal_discriminator(mass=2)
    assert d.status == "failed"
    assert d.failures[0].method == "identity" and d.failures[0].expr.rhs == -sp.log(4)


@pytest.mark.parametrize("masses", [{"mass_d": 2}, {"mass_g": sp.Rational(1, 2)}])
def test_a_density_of_another_mass_fails_the_fake_score_bound(masses):
    assert G.build_fake_score_bound(**masses).status == "failed"


def test_the_fake_score_is_defined_by_its_integral_so_a_wrong_discriminator_fails():
    # E_{p_g}[D*] is no longer an opaque symbol: with D = p_d/p_g the pointwise bound it rests on is false
    assert G.build_fake_score_bound(optimal=G.CONTROL_RATIO).status == "failed"


def test_the_value_of_the_game_is_defined_by_its_integral():
    d = registry.get("gan.optimal_discriminator")
    definition = next(s for s in d.steps if s.method == "definition" and s.expr.lhs == G.V_EQUAL)
    assert isinstance(definition.expr.rhs, sp.Integral)


# ---------------------------------------------------------------- gap: from pointwise facts to integrals

def test_the_monotonicity_of_the_integral_stated_the_wrong_way_fails():
    assert G.build_fake_score_bound(monotone=False).status == "failed"


def test_a_wrong_pointwise_gap_fails_the_fake_score_bound():
    assert G.build_fake_score_bound(gap=(G.pd - G.pg) ** 2 / (2 * (G.pd + G.pg))).status == "failed"


def test_the_likelihood_ratio_fails_the_balance_identity_and_its_integral():
    d = G.build_optimal_discriminator(balance=G.CONTROL_RATIO)
    assert d.status == "failed"
    assert [s.method for s in d.failures] == ["identity", "rewrite", "conclusion"]
    assert "does not simplify" in d.failures[0].detail


def test_the_integrated_balance_is_a_checked_rewrite_of_the_pointwise_identity():
    d = registry.get("gan.optimal_discriminator")
    rewrites = [s for s in d.steps if s.method == "rewrite" and isinstance(s.expr.lhs, sp.Integral)]
    assert rewrites and all(s.status == "proved" for s in rewrites)


# ---------------------------------------------------------------- gap: the Gaussian moments and logit

def test_a_wrong_gaussian_logit_fails():
    wrong = (G.mu_d - G.mu_g) * G.x + (G.mu_d**2 - G.mu_g**2) / 2  # sign of the intercept flipped
    assert G.build_optimal_discriminator(logit=wrong).status == "failed"


@pytest.mark.parametrize("k, wrong", [(2, G.mu_d**2), (3, G.mu_d**3 + G.mu_d)])
def test_a_wrong_gaussian_moment_fails(k, wrong):
    moments = list(G.GAUSSIAN_MOMENTS)
    moments[k] = wrong
    assert G.build_optimal_discriminator(moments=tuple(moments)).status == "failed"


def test_the_balance_values_are_half_the_gaussian_moments():
    d = registry.get("gan.optimal_discriminator")
    for lhs, moment in zip(G.BALANCE, G.GAUSSIAN_MOMENTS):
        assert check_identity(d.closed_form(lhs), moment / 2)[0]


def test_the_balance_control_is_what_the_likelihood_ratio_gives_numerically():
    d = registry.get("gan.optimal_discriminator")
    values = {G.mu_d: sp.Rational(1, 2), G.mu_g: -sp.Rational(1, 3)}
    ratio = (G.gaussian_density(G.mu_d) / G.gaussian_density(G.mu_g)).subs(values)
    mixture = ((G.gaussian_density(G.mu_d) + G.gaussian_density(G.mu_g)) / 2).subs(values)
    for k, lhs in enumerate(G.BALANCE):
        integrand = sp.lambdify(G.x, mixture * G.x**k * ratio, "mpmath")
        with mpmath.workdps(30):
            reference = mpmath.quad(integrand, [-mpmath.inf, 0, mpmath.inf])
        assert float(d.control_form(lhs).subs(values)) == pytest.approx(float(reference), rel=1e-12)


def test_gaussian_logit_is_log_density_ratio_at_numbers():
    values = {G.mu_d: sp.Rational(3, 2), G.mu_g: -sp.Rational(1, 3), G.x: sp.Rational(7, 5)}
    ratio = (G.gaussian_density(G.mu_d) / G.gaussian_density(G.mu_g)).subs(values)
    closed = registry.get("gan.optimal_discriminator").closed_form(G.LOGIT)
    assert sp.simplify(sp.log(ratio) - closed.subs(values)) == 0


# ---------------------------------------------------------------- gap: the finite-difference bounds

@pytest.mark.parametrize("third_max", [sp.Rational(1, 24), sp.Rational(1, 8), sp.sqrt(3) / 9])
def test_a_wrong_third_derivative_bound_fails(third_max):
    assert G.build_saturation(third_max=third_max).status == "failed"


def test_a_wrong_first_derivative_bound_fails():
    assert G.build_saturation(first_min=-sp.Rational(1, 2)).status == "failed"


def test_the_third_derivative_bounds_hold_for_every_logit_numerically():
    d = registry.get("gan.saturation")
    bounds = {name: [p.rhs for p in d.results if isinstance(p, (sp.LessThan, sp.GreaterThan)) and p.lhs == lhs]
              for name, lhs in G.THIRD.items()}
    for name, loss in G.LOSSES.items():
        assert sorted(float(b) for b in bounds[name]) == pytest.approx([-math.sqrt(3) / 18, math.sqrt(3) / 18])
        third = sp.lambdify(G.a, sp.diff(loss.subs(G.Sigma(G.a), G.SIGMOID), G.a, 3), "math")
        worst = max(abs(third(t / 10)) for t in range(-100, 101))
        assert 0.99 * math.sqrt(3) / 18 < worst <= math.sqrt(3) / 18


def test_the_fourth_derivative_in_d_has_one_sign_so_the_third_is_largest_at_an_end():
    results = registry.get("gan.saturation").results
    assert sp.StrictGreaterThan(0, G.FOURTH_D["saturating"]) in results
    assert sp.StrictGreaterThan(G.FOURTH_D["nonsaturating"], 0) in results


# ---------------------------------------------------------------- the controls are wrong

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


def test_the_fake_score_gap_is_not_negative_and_the_control_bound_is_wrong():
    d = Derivation("t", "t")
    # claiming E_{p_g}[D*] >= 1/2 pointwise (the control's direction) needs a non-negative witness that does not exist
    d.inequality(G.pg * G.OPTIMAL, (G.pd + G.pg) / 4, -(G.pd - G.pg) ** 2 / (4 * (G.pd + G.pg)), "wrong")
    assert d.status == "failed"


@pytest.mark.parametrize("name", ["saturating", "nonsaturating"])
def test_swapped_gradients_are_rejected(name):
    d = registry.get("gan.saturation")
    ok, _ = check_identity(d.unfold(G.GRAD[name]), d.control_form(G.GRAD[name]))
    assert not ok
    ok, _ = check_identity(d.unfold(G.GRAD_D[name]), d.control_form(G.GRAD_D[name]))
    assert not ok


def test_swapped_limits_are_rejected():
    d = Derivation("t", "t")
    d.limit(-G.SIGMOID, G.a, -sp.oo, sp.Integer(-1), "wrong")
    d.limit(-(1 - G.SIGMOID), G.a, -sp.oo, sp.Integer(0), "wrong")
    assert all(s.status == "failed" for s in d.steps)
