"""GAN claims: they pass with proofs on the kernel, their closed forms and controls are read from the
derivations, their controls are rejected, each configuration says which check it runs (no marker in the
points), and broken numerics are caught."""
import dataclasses
import math

import numpy as np
import pytest

from derive import gan as G
from verify.claim import Budget, run_claim
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
    shows = claim.expected.shows if isinstance(claim.expected.shows, tuple) else (claim.expected.shows,)
    # one rendered part per left side shown, for the closed form and for its control
    assert len(claim.formula_text().split("; ")) == len(claim.control_text().split("; ")) == len(shows)


CHECKS = {"gan.optimal_discriminator": {"balance": None, "logit": np.ndarray},
          "gan.fake_score_bound": {None: None},
          "gan.saturation": {claims_module.FINITE_DIFFERENCES: tuple, claims_module.EXTREMES: np.ndarray}}
"""Per claim, the type of ``Measurement.points`` for each value of the configuration's ``check``: None where
the closed form is not evaluated pointwise, else numbers."""


@pytest.mark.parametrize("claim_id", IDS)
def test_points_are_numbers_and_the_check_is_named_by_the_configuration(claim_id):
    claim = CLAIMS[claim_id]
    for i, config in enumerate(claim.configs):
        points = claim.measure(config, np.random.default_rng(i), Budget(0.1)).points
        kind = CHECKS[claim_id][config.get("check")]
        assert points is None if kind is None else isinstance(points, kind), (config, points)
        assert points is None or np.isfinite(np.asarray(points, dtype=np.float64)).all()


@pytest.mark.parametrize("claim_id, config", [(c, config) for c in IDS for config in CLAIMS[c].configs])
def test_every_configuration_key_is_read(claim_id, config):
    for key in config:   # without it, measuring raises: no key is shown in the JSON that nothing reads
        with pytest.raises(KeyError):
            CLAIMS[claim_id].measure({k: v for k, v in config.items() if k != key}, np.random.default_rng(0),
                                     Budget(0.1))


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
    values = claims_module._optimal_expected({"check": "balance", "mu_d": 1.5, "mu_g": 0.0}, None, form)
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
def test_saturation_bound_holds_away_from_the_pinned_point(fake_score):
    config = {"check": claims_module.FINITE_DIFFERENCES, "D(G(z))": fake_score}
    (check,) = run_claim(dataclasses.replace(CLAIMS["gan.saturation"], configs=(config,))).checks
    assert check.passed, check.z
    # measured where the configuration says: the gradients in D are -1/(1 - D) and -1/D there
    assert check.expected[2:] == pytest.approx([-1 / (1 - fake_score), -1 / fake_score], rel=1e-12)


def test_extreme_logits_are_compared_with_the_saturated_gradients():
    claim = CLAIMS["gan.saturation"]
    config = {"check": claims_module.EXTREMES}
    points = claim.measure(config, np.random.default_rng(0), Budget()).points
    assert list(points) == 2 * list(claims_module.EXTREME_LOGITS)     # float32, then float64
    expected = claim.closed(config, np.array([-1e4, 1e4]))
    assert expected.tolist() == [[-0.0, -1.0], [-1.0, -0.0]]      # [saturating, non-saturating] at a = ∓10⁴


def test_the_shown_formulas_are_rendered_from_the_derivations():
    result = run_claim(CLAIMS["gan.saturation"], seed=0)
    assert result.formula.split("; ")[:2] == result.control_formula.split("; ")[1::-1]  # the losses swapped
