"""Receptive-field claims: they pass (those that draw random stacks at several seeds), report cases, read every
closed form and control from their derivations, carry only numbers as points and only configuration keys
they read, and catch broken calculators and broken backward passes."""
import dataclasses

import numpy as np
import pytest

from derive import receptive_field as D
from derive import registry
from derive.render import text
from numeric.receptive_field import Field, receptive_field
from verify.claim import Budget, run_claim
from verify.closed import linked
from verify.results import result_to_json
from verify.claims import receptive_field as claims_module
from verify.claims.receptive_field import effective_field, stack, support

CLAIMS = {c.id: c for c in claims_module.CLAIMS}
IDS = ["rf.recurrence", "rf.constant_stack", "rf.padding", "rf.empirical", "rf.effective"]
RANDOM = ["rf.recurrence", "rf.padding", "rf.empirical"]
"""The claims that draw random stacks: checked at more than one seed."""
SEEDS = (0, 1)


def test_the_section_is_registered():
    assert [c.id for c in claims_module.CLAIMS] == IDS + ["rf.graph", "rf.graph.transposed"]


@pytest.mark.parametrize("claim_id, seed", [(i, seed) for i in IDS for seed in (SEEDS if i in RANDOM else SEEDS[:1])])
def test_claim_passes_and_reports_cases(claim_id, seed):
    result = run_claim(CLAIMS[claim_id], seed=seed)
    assert result.proof.startswith("proved"), result.proof_detail
    assert result.check == "pass", [c.error or c.note for c in result.checks]
    assert all(check["cases"] > 0 for check in result_to_json(result)["checks"])


@pytest.mark.parametrize("claim_id", IDS)
def test_points_are_numbers_only(claim_id):
    # a stack's kinds tell numeric what to run and are no argument of a closed form: they stay out
    claim = CLAIMS[claim_id]
    m = claim.measure(claim.configs[-1], np.random.default_rng(0), Budget(0.05))
    arrays = m.points if isinstance(m.points, tuple) else () if m.points is None else (m.points,)
    for array in arrays:
        assert isinstance(array, np.ndarray) and array.dtype.kind == "i", (claim_id, type(array))


def test_configurations_hold_only_what_is_read():
    # one configuration, nothing to choose: the default, with no keys
    assert CLAIMS["rf.constant_stack"].configs == ({},) and CLAIMS["rf.empirical"].configs == ({},)
    # the grid chooses the stacks
    for claim_id in ("rf.recurrence", "rf.padding"):
        claim = CLAIMS[claim_id]
        assert list(claim.configs) == [{"grid": "exhaustive"}, {"grid": "random"}]
        cases = {claim.measure(c, np.random.default_rng(0), Budget(0.05)).cases for c in claim.configs}
        assert len(cases) == 2, claim_id
    # rf.effective: a configuration is the values of the concluded std
    names = {sym.name for sym in registry.get("rf.effective").closed_form(D.ERF_STD).free_symbols}
    assert all(set(config) == names for config in CLAIMS["rf.effective"].configs)


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

    monkeypatch.setattr(stack, "receptive_field", no_dilation)
    assert run_claim(CLAIMS["rf.recurrence"]).check == "fail"


def test_a_backward_pass_that_drops_the_last_tap_is_caught(monkeypatch):
    real = support.C.conv2d_grad_input

    def truncated(grad_output, input_shape, weight, stride=1, padding=0, dilation=1, groups=1):
        weight = np.array(weight, dtype=float)
        if weight.shape[2] > 1:
            weight[:, :, -1] = 0.0
        return real(grad_output, input_shape, weight, stride, padding, dilation, groups)

    monkeypatch.setattr(support.C, "conv2d_grad_input", truncated)
    assert run_claim(CLAIMS["rf.empirical"]).check == "fail"


def test_effective_field_std_is_checked_per_configuration():
    result = run_claim(CLAIMS["rf.effective"])
    assert len(result.checks) == len(effective_field.EFFECTIVE_CONFIGS)
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
    dv = registry.get(claim_id)

    def sides(shows):
        return shows if isinstance(shows, tuple) else (shows,)

    assert claim.formula_text(dv) == "; ".join(text(dv.closed_form(lhs, unfold=False))
                                               for lhs in sides(claim.expected.shows))
    assert claim.control_text(dv) == "; ".join(text(dv.control_form(lhs, unfold=False))
                                               for lhs in sides(claim.control.shows))


def test_a_wrong_conclusion_in_the_derivation_fails_the_check(monkeypatch):
    """The values checked are the derivation's: a derivation concluding the own-stride field makes the
    check fail (and the proof too)."""
    from derive.receptive_field import stack as derive_stack

    monkeypatch.setattr(derive_stack, "FIELD", D.FIELD_CONTROL)
    claim = dataclasses.replace(CLAIMS["rf.recurrence"], proof=D.recurrence)
    result = run_claim(claim)
    assert result.proof == "failed" and result.verdict == "fail"
