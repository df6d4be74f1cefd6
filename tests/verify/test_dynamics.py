"""Training-dynamics claims: they pass, their controls are rejected, and broken numerics are caught."""
import dataclasses

import numpy as np
import pytest

from derive import dynamics as D
from derive.render import text
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


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_prints_the_derivations_conclusion_and_control(claim_id):
    claim = CLAIMS[claim_id]
    d = claim.derivation()
    for shows, rendered, control in ((claim.expected.shows, claim.formula_text(), False),
                                     (claim.control.shows, claim.control_text(), True)):
        lhss = shows if isinstance(shows, tuple) else (shows,)
        for lhs in lhss:
            form = d.control_form(lhs, unfold=False) if control else d.closed_form(lhs, unfold=False)
            assert text(form) in rendered


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_with_its_control_rejected(assert_claim_holds, claim_results, claim_id):
    assert_claim_holds(claim_id)
    doc = result_to_json(claim_results[claim_id])
    assert doc["control"]["rejected"]
    assert all(check["cases"] > 0 for check in doc["checks"])


@pytest.mark.parametrize("claim_id", ["symmetry.identical", "symmetry.zero"])
def test_symmetry_checks_are_exact_comparisons(claim_results, claim_id):
    for check in claim_results[claim_id].checks:
        assert check.kind == "exact"
        assert check.cases > claims_module.STEPS


def test_symmetry_controls_say_the_first_step_moves(claim_results):
    """The control agrees with the closed form except at step 1, where the derivation's control (outgoing
    weights a_1 ≠ a_2, or hidden biases β ≠ 0) moves the quantity; the measured run does not move."""
    for claim_id in ("symmetry.identical", "symmetry.zero"):
        for check in claim_results[claim_id].checks:
            if check.config["activation"] == "sigmoid" and claim_id == "symmetry.zero":
                continue  # its control is σ(0) = 0, element 0
            assert np.all(check.estimate == 0.0) and np.all(check.expected == 0.0)
            moves = np.zeros_like(check.expected)
            moves[1] = 1.0  # element 1: step 1 of the spread, or of the largest hidden parameter
            assert np.array_equal(check.control, moves)


def test_the_symmetry_controls_read_the_configuration():
    """At a control start that does not differ (equal outgoing weights, or hidden biases with φ(β) = 0) the
    derivation's control vanishes, and so does the control's step 1."""
    claim = CLAIMS["symmetry.identical"]
    config = {**claim.configs[0], "control_out_weights": (0.3, 0.3)}
    assert np.all(claim.wrong(config, None) == 0.0)
    zero = CLAIMS["symmetry.zero"]
    config = {**zero.configs[0], "control_bias": 0.0}  # tanh(0) = 0: the output weights would not move
    assert np.all(zero.wrong(config, None) == 0.0)


def test_units_that_start_apart_fail_the_check(monkeypatch):
    """The control's start run through the claim's own measurement: the units separate, and the check fails."""
    real = claims_module.N.constant_params

    def apart(fan_in, width, **kw):
        return real(fan_in, width, **kw)._replace(w2=np.linspace(*claims_module.CONTROL_OUT_WEIGHTS, width)[None, :])

    monkeypatch.setattr(claims_module.N, "constant_params", apart)
    claim = dataclasses.replace(CLAIMS["symmetry.identical"], configs=CLAIMS["symmetry.identical"].configs[:1])
    result = run_claim(claim)
    assert result.check == "fail"
    assert np.all(result.checks[0].estimate == 1.0)


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
            sigma2 = claims_module.linear_variance(config)
            relvar = claims_module.product_relative_variance(config["n"], sigma2, config["depth"], config["skip"])
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
        assert claim.closed(config, None) == pytest.approx(1 + config["n"] * config["hidden"] * s1 * s2 / 2)
        assert claim.wrong(config, None) == pytest.approx(1 + config["n"] * config["hidden"] * s1 * s2)
        return
    n, depth = config["n"], config["depth"]
    sigma2 = config["n_sigma2"] / n
    factor = 1 + n * sigma2 if config["skip"] else n * sigma2
    assert claim.closed(config, None) == pytest.approx(factor ** depth, rel=1e-12)
    assert claim.wrong(config, None) == pytest.approx((1 + sigma2) ** depth, rel=1e-12)


def test_scaled_closed_form_and_control():
    claim = CLAIMS["residual.scaled"]
    for config in claim.configs:
        c, depth = config["c"], config["depth"]
        assert claim.closed(config, None) == pytest.approx((1 + c / depth) ** depth, rel=1e-12)
        assert claim.wrong(config, None) == (None if depth == 1 else pytest.approx((1 + c) ** depth))


def test_jacobian_closed_form_is_i_plus_w2_d_w1():
    rng = np.random.default_rng(3)
    points = (rng.standard_normal((3, 6, 4)), rng.standard_normal((3, 4, 6)), rng.standard_normal((3, 4)))
    claim = CLAIMS["residual.jacobian"]
    closed = claim.closed({"n": 4, "hidden": 6}, points)
    for value, w1, w2, x in zip(closed, *points):
        np.testing.assert_allclose(value, np.eye(4) + w2 @ np.diag((w1 @ x > 0) * 1.0) @ w1, atol=1e-12)
    np.testing.assert_allclose(closed - claim.wrong({"n": 4, "hidden": 6}, points), np.broadcast_to(np.eye(4), (3, 4, 4)))


def test_symmetry_closed_forms_are_read_from_the_derivations():
    identical = CLAIMS["symmetry.identical"]
    assert np.array_equal(identical.closed(identical.configs[0], None), np.zeros(claims_module.STEPS + 1))
    zero = {c["activation"]: c for c in CLAIMS["symmetry.zero"].configs}
    claim = CLAIMS["symmetry.zero"]
    assert np.array_equal(claim.closed(zero["tanh"], None), np.zeros(2 * (claims_module.STEPS + 1)))
    sigmoid = claim.closed(zero["sigmoid"], None)
    assert sigmoid.shape == (claims_module.STEPS + 2,) and sigmoid[0] == 1.0 and np.all(sigmoid[1:] == 0)
    assert np.all(claim.wrong(zero["sigmoid"], None) == 0)


def test_jacobian_points_are_the_stacked_draws():
    config = CLAIMS["residual.jacobian"].configs[0]
    m = CLAIMS["residual.jacobian"].measure(config, np.random.default_rng(0), Budget(0.1))
    w1, w2, x = m.points
    draws = m.estimate.shape[0]
    assert w1.shape == (draws, config["hidden"], config["n"]) and w2.shape == (draws, config["n"], config["hidden"])
    assert x.shape == (draws, config["n"])


def test_the_formula_texts_come_from_the_derivations():
    depth = CLAIMS["residual.depth"]
    d = depth.derivation()
    assert depth.formula_text() == "; ".join(text(d.closed_form(lhs, unfold=False))
                                             for lhs in (D.RESIDUAL, D.PLAIN, D.RELU_BLOCK))
    assert depth.control_text() == "; ".join(text(d.control_form(lhs, unfold=False)) for lhs in (D.RESIDUAL, D.RELU_BLOCK))
    assert CLAIMS["symmetry.identical"].formula_text() == "0"
