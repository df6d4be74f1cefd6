"""Training-dynamics claims: they pass, their controls are rejected, and broken numerics are caught."""
import dataclasses

import numpy as np
import pytest

from derive import dynamics as D
from verify.claim import Budget, run_claim
from verify.results import result_to_json
from verify.claims import dynamics as claims_module

CLAIMS = {c.id: c for c in claims_module.CLAIMS}
IDS = ["symmetry.identical", "symmetry.zero", "residual.jacobian", "residual.depth", "residual.scaled"]
CALIBRATION_SEEDS = 40
Z_CALIBRATION = 4.0
"""|z| threshold for the seed sweep: P(max of 40 |N(0,1)| > 4) ≈ 0.25 %."""


def test_the_section_is_registered():
    assert sorted(CLAIMS) == sorted(IDS)


@pytest.fixture(scope="module")
def results():
    return {claim_id: run_claim(CLAIMS[claim_id], seed=0) for claim_id in IDS}


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_is_linked_to_its_derivation(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.linked and claim.formula == "" and claim.control_formula == ""
    assert claim.formula_text() and claim.control_text()


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_with_its_control_rejected(results, claim_id):
    result = results[claim_id]
    assert result.proof.startswith("proved"), result.proof_detail
    assert result.check == "pass", [c.error or c.note for c in result.checks]
    doc = result_to_json(result)
    assert doc["control"]["rejected"]
    assert all(check["cases"] > 0 for check in doc["checks"])


@pytest.mark.parametrize("claim_id", ["symmetry.identical", "symmetry.zero"])
def test_symmetry_checks_are_exact_comparisons(results, claim_id):
    for check in results[claim_id].checks:
        assert check.kind == "exact"
        assert check.cases > claims_module.STEPS


def test_symmetry_control_runs_really_differ(results):
    for check in results["symmetry.identical"].checks:
        assert np.all(np.asarray(check.estimate) == 0.0)
        assert np.asarray(check.control)[-1] > 1e-3


def test_an_asymmetric_update_is_caught(monkeypatch):
    real = claims_module.N.gd_step

    def nudged(params, grads, lr):
        new = real(params, grads, lr)
        new.w1[0, 0] += 1e-15  # one unit moves by a hair more than the others
        return new

    monkeypatch.setattr(claims_module.N, "gd_step", nudged)
    claim = dataclasses.replace(CLAIMS["symmetry.identical"], configs=CLAIMS["symmetry.identical"].configs[:1])
    assert run_claim(claim).check == "fail"


def test_a_leaking_zero_init_is_caught(monkeypatch):
    real = claims_module.N.constant_params
    monkeypatch.setattr(claims_module.N, "constant_params",
                        lambda *args, **kw: real(*args, **{**kw, "weight": kw.get("weight", 0.0) + 1e-12}))
    claim = dataclasses.replace(CLAIMS["symmetry.zero"], configs=CLAIMS["symmetry.zero"].configs[:1])
    assert run_claim(claim).check == "fail"


def test_a_residual_stack_without_its_skip_is_caught(monkeypatch):
    real = claims_module.N.stack_input_grad
    monkeypatch.setattr(claims_module.N, "stack_input_grad",
                        lambda x, blocks, grad_out, skip=True: real(x, blocks, grad_out, skip=False))
    claim = dataclasses.replace(CLAIMS["residual.jacobian"], configs=CLAIMS["residual.jacobian"].configs[:1])
    assert run_claim(claim).check == "fail"
    claim = dataclasses.replace(CLAIMS["residual.depth"], configs=CLAIMS["residual.depth"].configs[:2])
    assert run_claim(claim).check == "fail"


def test_every_depth_configuration_keeps_the_product_light_tailed():
    for claim_id in ("residual.depth", "residual.scaled"):
        for config in CLAIMS[claim_id].configs:
            if config.get("branch") == "relu":
                continue  # one block: a single light-tailed factor
            n, depth = config["n"], config["depth"]
            sigma2 = config["n_sigma2"] / n if "n_sigma2" in config else config["c"] / (n * depth)
            relvar = claims_module.product_relative_variance(n, sigma2, depth, config["skip"])
            assert relvar <= claims_module.MAX_RELATIVE_VARIANCE


def test_a_heavy_tailed_configuration_is_refused():
    config = {"skip": False, "n": 16, "n_sigma2": 2.0, "depth": 50}
    with pytest.raises(ValueError, match="relative variance"):
        claims_module._measure_depth(config, np.random.default_rng(0), Budget())


def test_product_relative_variance_matches_simulation():
    """One residual block: Var(‖(I+J)v‖²)/mean² = r, checked at false-alarm rate ~1e-6 via the sample variance."""
    n, sigma2, replicates = 8, 0.5 / 8, 40_000
    rng = np.random.default_rng(1)
    draw = claims_module._second_moment_draw(n, sigma2, 1, True)
    values = draw(rng, replicates)
    relvar = values.var(ddof=1) / values.mean() ** 2
    expected = claims_module.product_relative_variance(n, sigma2, 1, True)
    # a sample variance has relative se ≈ √((κ - 1)/N) ≈ 0.8 % here (kurtosis κ ≈ 3.5): 5 % is over 6 se
    assert relvar == pytest.approx(expected, rel=0.05)


def test_depth_checks_are_calibrated_over_seeds():
    """Across seeds the z-scores of the true formula stay inside |z| < 4 (a smoke test of the normal approximation)."""
    claim = CLAIMS["residual.depth"]
    config = claim.configs[1]
    zs = []
    for seed in range(CALIBRATION_SEEDS):
        m = claim.measure(config, np.random.default_rng(1000 + seed), Budget())
        zs.append((m.estimate - claim.closed(config, m.points)) / m.scale)
    assert max(abs(z) for z in zs) < Z_CALIBRATION


def test_depth_profile_gives_plot_data():
    profile = claims_module.depth_profile(n=8, depths=(1, 4), replicates=20, rng=0)
    assert set(profile) == {"depth", "residual", "residual_se", "plain", "plain_se"}
    assert all(np.all(np.isfinite(v)) and v.shape == (2,) for v in profile.values())
    assert np.all(profile["residual"] > 1.0)


@pytest.mark.parametrize("config", CLAIMS["residual.depth"].configs)
def test_depth_closed_forms_are_the_derivations(config):
    claim = CLAIMS["residual.depth"]
    if config.get("branch") == "relu":
        s1, s2 = 2.0 / config["n"], config["h_sigma2_2"] / config["hidden"]
        assert claim.closed(config, (s1, s2)) == pytest.approx(1 + config["n"] * config["hidden"] * s1 * s2 / 2)
        assert claim.wrong(config, (s1, s2)) == pytest.approx(1 + config["n"] * config["hidden"] * s1 * s2)
        return
    n, depth = config["n"], config["depth"]
    sigma2 = config["n_sigma2"] / n
    factor = 1 + n * sigma2 if config["skip"] else n * sigma2
    assert claim.closed(config, sigma2) == pytest.approx(factor ** depth, rel=1e-12)
    assert claim.wrong(config, sigma2) == pytest.approx((1 + sigma2) ** depth, rel=1e-12)


def test_scaled_closed_form_and_control():
    claim = CLAIMS["residual.scaled"]
    for config in claim.configs:
        c, depth = config["c"], config["depth"]
        assert claim.closed(config, None) == pytest.approx((1 + c / depth) ** depth, rel=1e-12)
        assert claim.wrong(config, None) == (None if depth == 1 else pytest.approx((1 + c) ** depth))


def test_jacobian_closed_form_is_i_plus_w2_d_w1():
    rng = np.random.default_rng(3)
    points = [(rng.standard_normal((6, 4)), rng.standard_normal((4, 6)), rng.standard_normal(4)) for _ in range(3)]
    claim = CLAIMS["residual.jacobian"]
    closed = claim.closed({"n": 4, "hidden": 6}, points)
    for value, (w1, w2, x) in zip(closed, points):
        np.testing.assert_allclose(value, np.eye(4) + w2 @ np.diag((w1 @ x > 0) * 1.0) @ w1, atol=1e-12)
    np.testing.assert_allclose(closed - claim.wrong({"n": 4, "hidden": 6}, points), np.broadcast_to(np.eye(4), (3, 4, 4)))


def test_symmetry_closed_forms_are_read_from_the_derivations():
    at = np.arange(4.0)
    assert np.all(CLAIMS["symmetry.identical"].closed({}, at) == 0)
    zero = CLAIMS["symmetry.zero"]
    assert np.all(zero.closed({"activation": "tanh"}, None) == 0)
    sigmoid = zero.closed({"activation": "sigmoid"}, None)
    assert sigmoid[0] == 1.0 and np.all(sigmoid[1:] == 0)
    assert np.all(zero.wrong({"activation": "sigmoid"}, None) == 0)


def test_the_formula_texts_come_from_the_derivations():
    from derive.render import text

    depth = CLAIMS["residual.depth"]
    d = depth.derivation()
    assert depth.formula_text() == "; ".join(text(d.closed_form(lhs, unfold=False))
                                             for lhs in (D.RESIDUAL, D.PLAIN, D.RELU_BLOCK))
    assert depth.control_text() == "; ".join(text(d.control_form(lhs, unfold=False)) for lhs in (D.RESIDUAL, D.RELU_BLOCK))
