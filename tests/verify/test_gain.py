"""verify.claims.gain: one claim per built-in activation, each passing, each with a control it rejects."""
import dataclasses
import math

import pytest
import sympy as sp

from derive import gain as D
from numeric import init as numeric_init
from verify.claim import result_to_json, run_claim
from verify.claims import gain as C
from verify.registry import builtin_claims

CLAIMS = {c.id: c for c in C.CLAIMS}
SEEDS = (0, 1)
"""A true claim passes at any seed (false-alarm rate 1e-6 per claim); a few are tried."""


def test_one_claim_per_builtin_in_the_registry():
    assert sorted(CLAIMS) == sorted(f"gain.{name}" for name in D.BUILTINS)
    registered = {c.id for c in builtin_claims()}
    assert set(CLAIMS) <= registered


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_claim_passes_and_rejects_its_control(claim_id):
    result = run_claim(CLAIMS[claim_id], seed=0)
    record = result_to_json(result)
    assert record["check"] == "pass", record
    assert record["proof"] in ("proved", "numeric")
    assert record["control"]["rejected"] is True
    assert {c["config"]["check"] for c in record["checks"]} == {"forward", "backward", "chi1"}


@pytest.mark.parametrize("seed", SEEDS[1:])
@pytest.mark.parametrize("claim_id", ["gain.tanh", "gain.elu", "gain.gelu"])
def test_claims_with_the_smallest_control_gaps_pass_at_other_seeds(claim_id, seed):
    assert run_claim(CLAIMS[claim_id], seed=seed).check == "pass"


@pytest.mark.parametrize("claim_id, status", [("gain.relu", "proved"), ("gain.gelu", "proved"),
                                              ("gain.selu", "proved"), ("gain.tanh", "numeric")])
def test_proof_status(claim_id, status):
    assert CLAIMS[claim_id].derivation().status == status


def test_a_wrong_gain_fails_the_forward_check():
    """With PyTorch's 5/3 taken as tanh's second-moment gain, the measured E[y²] is off."""
    claim = CLAIMS["gain.tanh"]
    g = float(sp.N(D.gain_result("tanh").forward_gain))
    wrong = dataclasses.replace(claim, expected=lambda config, at: (g / (5 / 3)) ** 2
                                if config["check"] == "forward" else claim.expected(config, at))
    assert run_claim(wrong).check == "fail"


@pytest.mark.parametrize("name", sorted(D.TORCH_GAINS))
def test_stated_torch_constants_match_numeric_calculate_gain(name):
    """derive states PyTorch's table as constants; numeric.init reproduces the same table independently."""
    stated = float(sp.N(D.torch_gain(D.builtin(name))))
    assert stated == pytest.approx(numeric_init.calculate_gain(name), rel=1e-15)


def test_controls_name_pytorch_where_the_mean_is_zero():
    assert C.forward_control_gain("tanh")[0] == pytest.approx(5 / 3)
    assert C.forward_control_gain("selu")[0] == pytest.approx(3 / 4)
    assert C.forward_control_gain("linear")[0] == pytest.approx(math.sqrt(2))
    assert C.forward_control_gain("relu")[1] == "1/√Var(φ(z))"
