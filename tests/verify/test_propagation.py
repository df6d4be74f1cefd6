"""The propagation claims: every one passes with its control rejected, reads its closed form from its derivation,
the backward product evaluates to an independent computation, and memory does not grow with replicates."""
import tracemalloc

import numpy as np
import pytest

from verify.claim import Budget, run_claim
from verify.claims import propagation as V

CLAIMS = {c.id: c for c in V.CLAIMS}
EXPECTED_IDS = {"propagation.forward", "propagation.backward", "propagation.one_condition", "propagation.finite_width"}


def test_every_claim_of_the_section_is_registered():
    assert set(CLAIMS) == EXPECTED_IDS


@pytest.mark.parametrize("claim_id", sorted(EXPECTED_IDS))
def test_every_claim_is_linked_and_types_no_formula(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.linked and isinstance(claim.control, V.linked)
    assert claim.formula == "" and claim.control_formula == ""


@pytest.fixture(scope="module")
def results():
    return {cid: run_claim(claim, seed=0) for cid, claim in CLAIMS.items()}


@pytest.mark.parametrize("claim_id", sorted(EXPECTED_IDS))
def test_claim_passes_and_rejects_its_control(results, claim_id):
    r = results[claim_id]
    assert r.proof.startswith(("proved", "numeric")), r.proof_detail
    assert r.check == "pass", [(c.config, c.z, c.z_critical, c.error) for c in r.checks if not c.passed]
    assert all(c.control_rejected in (True, None) for c in r.checks)
    assert any(c.control_rejected for c in r.checks)


def test_controls_are_checked_where_they_differ():
    for cid in ("propagation.backward", "propagation.one_condition"):
        for config in CLAIMS[cid].configs:
            assert config["widths"][-1] / config["widths"][0] >= 2


def test_heavy_tailed_depth_checks_stay_in_the_mild_regime():
    """DESIGN.md: whole-depth checks only where (1 + 5/n)^L <= 2.5; deeper ones per layer."""
    for cid in ("propagation.forward", "propagation.finite_width"):
        for config in CLAIMS[cid].configs:
            if config.get("activation") == "tanh" or config.get("per_layer"):
                continue
            assert (1 + 5 / config["n"]) ** config["depth"] <= 2.5, config


@pytest.mark.parametrize("config", CLAIMS["propagation.backward"].configs, ids=lambda c: c["init"])
def test_backward_product_against_an_independent_computation(config):
    """Π_l n_l·Var(W_l)/2 with Var(W_l) of torch.nn.init's rules, computed here by hand."""
    widths, mode = config["widths"], config.get("options", {}).get("mode", "fan_in")
    product = 1.0
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        fan_in, fan_out = (n_out, n_in) if mode == "fan_out" else (n_in, n_out)
        var = {"kaiming_normal": 2 / fan_in, "lecun_uniform": 1 / fan_in, "xavier_normal": 2 / (fan_in + fan_out),
               "torch_default": 1 / (3 * fan_in)}[config["init"]]
        product *= n_out * var / 2
    assert CLAIMS["propagation.backward"].closed(config, None) == pytest.approx(product, rel=1e-12)
    control = 1.0
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        fan_in, fan_out = (n_out, n_in) if mode == "fan_out" else (n_in, n_out)
        var = {"kaiming_normal": 2 / fan_in, "lecun_uniform": 1 / fan_in, "xavier_normal": 2 / (fan_in + fan_out),
               "torch_default": 1 / (3 * fan_in)}[config["init"]]
        control *= n_in * var / 2
    assert CLAIMS["propagation.backward"].wrong(config, None) == pytest.approx(control, rel=1e-12)


def test_one_condition_per_coordinate_factor_and_norm():
    claim = CLAIMS["propagation.one_condition"]
    per_coordinate, norm = claim.configs
    widths = per_coordinate["widths"]
    assert claim.closed(per_coordinate, None) == pytest.approx(widths[-1] / widths[0], rel=1e-12)
    assert claim.closed(norm, None) == 1
    assert claim.wrong(norm, None) == pytest.approx(widths[0] / widths[-1], rel=1e-12)


def test_run_is_reproducible():
    a = run_claim(CLAIMS["propagation.backward"], seed=3)
    b = run_claim(CLAIMS["propagation.backward"], seed=3)
    assert [c.estimate for c in a.checks] == [c.estimate for c in b.checks]


def test_peak_memory_of_a_propagation_check_does_not_grow_with_replicates():
    """tracemalloc (numpy reports its buffers) at budget ×1 and ×4: the chunked stream keeps the peak flat."""
    claim = CLAIMS["propagation.finite_width"]
    config = claim.configs[0]

    def peak(scale):
        tracemalloc.start()
        claim.measure(config, np.random.default_rng(0), Budget(scale))
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    small, large = peak(0.25), peak(1.0)
    assert large <= 1.25 * small + 64 * 1024
