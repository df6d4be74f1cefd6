"""verify.claims.gain: one claim per built-in activation, each passing, each with a control it rejects,
every number it compares read from the derivation's conclusion."""
import dataclasses
import inspect

import numpy as np
import pytest
import sympy as sp

from derive import catalogue
from derive import gain as D
from derive import registry
from numeric import init as numeric_init
from verify.claim import Budget, run_claim
from verify.closed import Form, linked
from verify.results import result_to_json
from verify.claims import gain as C
from verify.registry import builtin_claims

CLAIMS = {c.id: c for c in C.CLAIMS}
SEEDS = (0, 1)
"""A true claim passes at any seed (false-alarm rate 1e-6 per claim); a few are tried."""


def test_one_claim_per_builtin_in_the_registry():
    assert sorted(CLAIMS) == sorted(f"gain.{name}" for name in catalogue.BUILTINS)
    registered = {c.id for c in builtin_claims()}
    assert set(CLAIMS) <= registered


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_claim_passes_and_rejects_its_control(claim_id):
    result = run_claim(CLAIMS[claim_id], seed=0)
    record = result_to_json(result)
    assert record["check"] == "pass", record
    assert record["proof"].startswith(("proved", "numeric")), record["proof"]
    assert record["control"]["rejected"] is True
    assert {c["config"]["check"] for c in record["checks"]} == {"forward", "backward", "chi1"}


@pytest.mark.parametrize("seed", SEEDS[1:])
@pytest.mark.parametrize("claim_id", ["gain.tanh", "gain.elu", "gain.gelu"])
def test_claims_with_the_smallest_control_gaps_pass_at_other_seeds(claim_id, seed):
    assert run_claim(CLAIMS[claim_id], seed=seed).check == "pass"


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_closed_forms_and_controls_are_linked_to_the_derivation(claim_id):
    """Nothing typed in verify: the claim reads its closed form and control from the conclusion."""
    claim = CLAIMS[claim_id]
    assert isinstance(claim.expected, linked) and isinstance(claim.control, linked)
    assert not claim.formula and not claim.control_formula
    d = registry.get(claim_id)
    form = Form(d)
    for check, lhs in D.CHECKS.items():
        assert claim.closed({"check": check}, None, d) == pytest.approx(float(d.closed_form(lhs)), rel=1e-15)
        control = claim.wrong({"check": check}, None, d)
        assert (control is None) == (lhs not in d.controls)
        if control is not None:
            assert control == pytest.approx(form.control(lhs), rel=1e-15)


class _Reads(dict):
    """A configuration that records which of its keys are read."""

    def __init__(self, config):
        super().__init__(config)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


@pytest.mark.parametrize("claim_id", ["gain.relu", "gain.tanh"])
def test_every_configuration_key_is_read(claim_id):
    """A key no one reads would show in the JSON as if it were a parameter."""
    claim = CLAIMS[claim_id]
    d = registry.get(claim_id)
    for config in claim.configs:
        seen = _Reads(config)
        m = claim.measure(seen, np.random.default_rng(0), Budget(scale=1e-3))
        claim.closed(seen, m.points, d)
        claim.wrong(seen, m.points, d)
        assert seen.read == set(config), config


def test_configurations_set_the_layer_size():
    """The layer's size comes from the configuration: a wider chi1 layer gives a smaller standard error."""
    claim = CLAIMS["gain.tanh"]
    chi1 = next(c for c in claim.configs if c["check"] == "chi1")
    rng = np.random.default_rng(0)
    narrow = claim.measure({**chi1, "width": 2}, rng, Budget(scale=0.2))
    wide = claim.measure({**chi1, "width": 64}, rng, Budget(scale=0.2))
    assert wide.scale < narrow.scale / 2


def test_verify_types_no_number_of_its_own():
    source = inspect.getsource(C)
    for text in ("5/3", "3/4", "sqrt(2)", "math.sqrt", "1e-9", "1e-12"):
        assert text not in source, text


@pytest.mark.parametrize("claim_id, status", [("gain.relu", "proved"), ("gain.gelu", "proved"),
                                              ("gain.selu", "proved"), ("gain.silu", "numeric"),
                                              ("gain.tanh", "numeric given 1 assumption")])
def test_proof_status(claim_id, status):
    assert CLAIMS[claim_id].derivation().status == status


def test_a_wrong_gain_fails_the_forward_check():
    """With PyTorch's 5/3 taken as tanh's second-moment gain, the measured E[y²] is off."""
    claim = CLAIMS["gain.tanh"]
    g = float(sp.N(D.gain_result("tanh").forward_gain))
    wrong = dataclasses.replace(claim, expected=linked(lambda config, points, form: (g / (5 / 3)) ** 2
                                if config["check"] == "forward" else form(D.CHECKS[config["check"]])))
    assert run_claim(wrong).check == "fail"


def test_a_failed_derivation_fails_the_claim():
    claim = dataclasses.replace(CLAIMS["gain.relu"], proof=lambda: D._build("relu", wrong={"chi1": sp.Integer(2)}))
    assert result_to_json(run_claim(claim))["verdict"] == "fail"


@pytest.mark.parametrize("name", sorted(catalogue.TORCH_GAINS))
def test_stated_torch_constants_match_numeric_calculate_gain(name):
    """derive states PyTorch's table as constants; numeric.init reproduces the same table independently."""
    stated = float(sp.N(catalogue.torch_gain(catalogue.builtin(name))))
    assert stated == pytest.approx(numeric_init.calculate_gain(name), rel=1e-15)


def test_controls_name_pytorch_where_the_mean_is_zero():
    """tanh and SELU: PyTorch's constant g_c predicts E[y²] = g²/g_c² at the derived gain; the identity: √2."""
    for name, constant in (("tanh", 5 / 3), ("selu", 3 / 4), ("linear", 2**0.5)):
        form = Form(registry.get(f"gain.{name}"))
        assert form.control(D.FORWARD) == pytest.approx(form(D.G_FORWARD) ** 2 / constant**2, rel=1e-12)
    relu = Form(registry.get("gain.relu"))
    assert relu.control(D.FORWARD) == pytest.approx(1 - 1 / sp.pi.evalf(), rel=1e-12)  # 1/√Var(ReLU(z))
