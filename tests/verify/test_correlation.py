"""verify.claims.correlation: one layer given the previous layer's values, the empirical kernel against the
arc-cosine and erf kernels read from the derivations; the controls (the linear kernel, the map without σ_b²)
rejected; a wrong kernel fails. α = 1e-6 per claim (verify.mc.DEFAULT_ALPHA)."""
import dataclasses
import math

import numpy as np
import pytest

from numeric import correlation as N
from verify.claim import Budget, run_claim
from verify.claims import correlation as C
from verify.results import result_to_json

CLAIMS = {c.id: c for c in C.CLAIMS}


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_claim_passes_and_rejects_its_controls(claim_id, seed):
    record = result_to_json(run_claim(CLAIMS[claim_id], seed=seed))
    assert record["check"] == "pass", record
    assert record["proof"].startswith("proved")
    assert all(c["control_z"] is not None and abs(c["control_z"]) > 4.89 for c in record["checks"]), record["checks"]


@pytest.mark.parametrize("config", C.RELU_CONFIGS + C.ERF_CONFIGS)
def test_previous_layer_values_give_the_stated_covariance(config):
    h = C.previous_layer(config["q1"], config["q2"], config["q12"], config["sigma_w"], config["sigma_b"])
    k = config["sigma_w"] ** 2 * h.T @ h / C.N_IN + config["sigma_b"] ** 2
    assert np.allclose(k, [[config["q1"], config["q12"]], [config["q12"], config["q2"]]], rtol=1e-13)


def test_closed_forms_agree_with_numeric_closed_forms():
    """derive's concluded kernels at each configuration equal numeric's independent implementations."""
    for claim in CLAIMS.values():
        d = claim.derivation()
        for config in claim.configs:
            c = config["q12"] / math.sqrt(config["q1"] * config["q2"])
            value, _ = N.layer_covariance(config["activation"], config["q1"], config["q2"], config["q12"],
                                          config["sigma_w"], config["sigma_b"])
            assert claim.closed(config, None, d) == pytest.approx(float(value), rel=1e-13), (claim.id, c)


def test_a_wrong_kernel_fails_the_check():
    """The measurement of an erf layer judged against the ReLU kernel: rejected."""
    wrong = dataclasses.replace(CLAIMS["kernel.relu"], configs=tuple(dict(c, activation="erf")
                                                                    for c in C.RELU_CONFIGS[:2]))
    assert run_claim(wrong, seed=0).check == "fail"


def test_standard_error_shrinks_like_one_over_root_replicates():
    """A larger budget shrinks the standard error like 1/√replicates (independent replicates)."""
    config = C.RELU_CONFIGS[0]
    small = C.measure(config, np.random.default_rng(1), Budget(0.5))
    large = C.measure(config, np.random.default_rng(1), Budget(2.0))
    assert large.scale == pytest.approx(small.scale / 2, rel=0.25)   # se ∝ n^-1/2; 25 %: the spread of an se
