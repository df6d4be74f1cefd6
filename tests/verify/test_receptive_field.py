"""Receptive-field claims: they pass at several seeds, report cases, read every closed form and control
from their derivations, and catch broken calculators and broken backward passes."""
import dataclasses

import numpy as np
import pytest

from numeric.receptive_field import Field, receptive_field
from verify.claim import run_claim
from verify.closed import linked
from verify.results import result_to_json
from verify.claims import receptive_field as claims_module

CLAIMS = {c.id: c for c in claims_module.CLAIMS}
IDS = ["rf.recurrence", "rf.constant_stack", "rf.padding", "rf.empirical", "rf.effective"]
SEEDS = (0, 1)


def test_the_section_is_registered():
    assert sorted(CLAIMS) == sorted(IDS)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_and_reports_cases(claim_id, seed):
    result = run_claim(CLAIMS[claim_id], seed=seed)
    assert result.proof.startswith("proved"), result.proof_detail
    assert result.check == "pass", [c.error or c.note for c in result.checks]
    assert all(check["cases"] > 0 for check in result_to_json(result)["checks"])


def test_empirical_reports_holes_inside_the_box():
    result = run_claim(CLAIMS["rf.empirical"])
    note = result.checks[0].note
    holes = int(note.split("; ")[1].split(" of ")[0])
    assert holes > 0, note        # dilation and k < s leave holes: the box, not the support, is the claim


def test_a_calculator_that_ignores_dilation_is_caught(monkeypatch):
    def no_dilation(layers):
        field = receptive_field(layers)
        size = 1
        jump = 1
        for layer in layers:
            k, s, _, _ = layer.axis(0)
            size += (k - 1) * jump
            jump *= s
        return Field(size, field.stride, field.padding)

    monkeypatch.setattr(claims_module, "receptive_field", no_dilation)
    assert run_claim(CLAIMS["rf.recurrence"]).check == "fail"


def test_a_backward_pass_that_drops_the_last_tap_is_caught(monkeypatch):
    real = claims_module.C.conv2d_grad_input

    def truncated(grad_output, input_shape, weight, stride=1, padding=0, dilation=1, groups=1):
        weight = np.array(weight, dtype=float)
        if weight.shape[2] > 1:
            weight[:, :, -1] = 0.0
        return real(grad_output, input_shape, weight, stride, padding, dilation, groups)

    monkeypatch.setattr(claims_module.C, "conv2d_grad_input", truncated)
    assert run_claim(CLAIMS["rf.empirical"]).check == "fail"


def test_effective_field_std_is_checked_per_configuration():
    result = run_claim(CLAIMS["rf.effective"])
    assert len(result.checks) == len(claims_module.EFFECTIVE_CONFIGS)
    for check in result.checks:
        assert check.control_rejected
        k, depth, d = (check.config[key] for key in ("k", "L", "d"))
        assert check.expected == pytest.approx(d * np.sqrt(depth * (k * k - 1) / 12), rel=1e-15)


def test_stride_one_formula_is_only_right_at_stride_one():
    claim = dataclasses.replace(CLAIMS["rf.constant_stack"], expected=CLAIMS["rf.constant_stack"].control)
    assert run_claim(claim).check == "fail"


@pytest.mark.parametrize("claim_id", IDS)
def test_closed_forms_and_controls_are_read_from_the_derivation(claim_id):
    claim = CLAIMS[claim_id]
    assert isinstance(claim.expected, linked) and isinstance(claim.control, linked)
    assert not claim.formula and not claim.control_formula     # nothing typed here: rendered from derive
    result = run_claim(claim)
    assert result.formula and result.control_formula and "cannot render" not in result.formula


def test_a_wrong_conclusion_in_the_derivation_fails_the_check(monkeypatch):
    """The values checked are the derivation's: a derivation concluding the own-stride field makes the
    check fail (and the proof too)."""
    from derive import receptive_field as D

    monkeypatch.setattr(D, "FIELD", D.FIELD_CONTROL)
    claim = dataclasses.replace(CLAIMS["rf.recurrence"], proof=D.recurrence)
    result = run_claim(claim)
    assert result.proof == "failed" and result.verdict == "fail"
