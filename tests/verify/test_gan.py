"""GAN claims: they pass with proofs on the kernel, their closed forms and controls are read from the
derivations, their controls are rejected, and broken numerics are caught."""
import dataclasses
import math

import numpy as np
import pytest

from derive import gan as G
from verify.claim import run_claim
from verify.closed import Form
from verify.results import result_to_json
from verify.claims import gan as claims_module

CLAIMS = {c.id: c for c in claims_module.CLAIMS}
IDS = ["gan.optimal_discriminator", "gan.fake_score_bound", "gan.saturation"]
PROOFS = {"gan.optimal_discriminator": "proved given 1 assumption",
          "gan.fake_score_bound": "proved given 3 assumptions",
          "gan.saturation": "proved"}
GRID = np.linspace(-20.0, 25.0, 450_001)  # the integrand is below 1e-80 outside
GRID_RTOL = 1e-9


def test_the_section_is_registered():
    assert sorted(CLAIMS) == sorted(IDS)


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_with_its_control_rejected(claim_id):
    result = run_claim(CLAIMS[claim_id], seed=0)
    assert result.proof == PROOFS[claim_id], result.proof_detail
    assert result.check == "pass", [c.error or c.note for c in result.checks]
    doc = result_to_json(result)
    assert doc["control"]["rejected"]


@pytest.mark.parametrize("claim_id", IDS)
def test_closed_form_and_control_are_linked_not_typed(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.linked and isinstance(claim.control, type(claim.expected))
    assert claim.formula == "" and claim.control_formula == ""
    assert claim.formula_text() and claim.control_text()


def test_a_derivation_concluding_wrong_moments_fails_the_claim():
    # verify reads B(k) from the conclusion: a derivation whose moment lemma is false fails, proof and check
    wrong = (G.GAUSSIAN_MOMENTS[0], G.GAUSSIAN_MOMENTS[1], G.mu_d**2, G.GAUSSIAN_MOMENTS[3])
    claim = dataclasses.replace(CLAIMS["gan.optimal_discriminator"],
                                proof=lambda: G.build_optimal_discriminator(moments=wrong),
                                configs=CLAIMS["gan.optimal_discriminator"].configs[:1])
    result = run_claim(claim, seed=0)
    assert result.proof == "failed" and result.verdict == "fail"


def test_the_balance_values_come_from_the_derivation():
    form = Form(G.build_optimal_discriminator())
    values = claims_module._optimal_expected({"check": "balance", "mu_d": 1.5, "mu_g": 0.0}, "balance", form)
    assert values == pytest.approx([0.5, 0.75, (1.5**2 + 1) / 2, (1.5**3 + 4.5) / 2], rel=1e-15)


def test_the_finite_difference_bounds_come_from_the_saturation_conclusion():
    for name in claims_module.LOSS_NAMES:
        assert claims_module._absolute_bound(G.THIRD[name]) == pytest.approx(math.sqrt(3) / 18, rel=1e-15)
        assert claims_module._absolute_bound(G.GRAD[name]) == 1.0
    d, h = 0.01, 1e-7
    assert claims_module._third_derivative_bound_d(d, h) == pytest.approx([2 / (1 - d - h) ** 3, 2 / (d - h) ** 3])


@pytest.mark.parametrize("shift", [0.5, 1.0, 2.0, 4.0])
def test_expected_fake_score_matches_an_independent_quadrature_and_is_below_one_half(shift):
    # trapezoid rule on a fine grid with numpy's own formulas (not derive's): p_g·p_d/(p_d + p_g)
    p_d = np.exp(-0.5 * (GRID - shift) ** 2) / math.sqrt(2 * math.pi)
    p_g = np.exp(-0.5 * GRID**2) / math.sqrt(2 * math.pi)
    reference = np.trapezoid(p_g * p_d / (p_d + p_g), GRID)
    value = claims_module.expected_fake_score(shift, 0.0)
    assert value == pytest.approx(reference, rel=GRID_RTOL)
    assert value < 0.5


def test_expected_fake_score_falls_with_the_shift():
    values = [claims_module.expected_fake_score(shift, 0.0) for shift in (0.25, 0.5, 1.0, 2.0, 4.0)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_the_fitted_logistic_discriminator_is_only_an_illustration():
    result = run_claim(CLAIMS["gan.optimal_discriminator"], seed=0)
    balance = [c for c in result.checks if c.config["check"] == "balance"]
    assert all("illustration" in c.note for c in balance)


def test_a_likelihood_ratio_discriminator_is_caught(monkeypatch):
    def ratio(x, mean_d, mean_g, std_d=1.0, std_g=1.0):
        return np.exp(claims_module.N.gaussian_logpdf(x, mean_d) - claims_module.N.gaussian_logpdf(x, mean_g))

    monkeypatch.setattr(claims_module.N, "optimal_discriminator_gaussians", ratio)
    for claim_id in ("gan.optimal_discriminator", "gan.fake_score_bound"):
        assert run_claim(CLAIMS[claim_id]).check == "fail"


def test_a_discriminator_off_one_half_at_equal_densities_is_caught(monkeypatch):
    original = claims_module.N.optimal_discriminator_gaussians

    def nudged(x, mean_d, mean_g, std_d=1.0, std_g=1.0):
        return np.nextafter(original(x, mean_d, mean_g), 1.0)

    monkeypatch.setattr(claims_module.N, "optimal_discriminator_gaussians", nudged)
    claim = dataclasses.replace(CLAIMS["gan.fake_score_bound"], configs=({"shift": 0.0},))
    assert run_claim(claim).check == "fail"


def test_swapped_numeric_losses_are_caught(monkeypatch):
    saturating, nonsaturating = claims_module.N.saturating_loss, claims_module.N.nonsaturating_loss
    monkeypatch.setattr(claims_module.N, "saturating_loss", nonsaturating)
    monkeypatch.setattr(claims_module.N, "nonsaturating_loss", saturating)
    assert run_claim(CLAIMS["gan.saturation"]).check == "fail"


@pytest.mark.parametrize("fake_score", [1e-3, 0.01, 0.3, 0.9])
def test_saturation_bound_holds_away_from_the_pinned_point(monkeypatch, fake_score):
    monkeypatch.setattr(claims_module, "FAKE_SCORE", fake_score)
    claim = dataclasses.replace(CLAIMS["gan.saturation"], configs=({"D(G(z))": fake_score},))
    result = run_claim(claim)
    assert result.checks[0].passed, result.checks[0].z


def test_the_shown_formulas_are_rendered_from_the_derivations():
    result = run_claim(CLAIMS["gan.saturation"], seed=0)
    assert result.formula.split("; ")[:2] == result.control_formula.split("; ")[1::-1]  # the losses swapped
