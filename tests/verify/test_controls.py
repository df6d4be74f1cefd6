"""Every built-in check can fail: with its closed form replaced by its negative control, no claim passes.

This runs every claim a second time, so it is the slowest test; it is what makes "pass" mean something.
"""
import dataclasses

import pytest

from verify.claim import run_claim
from verify.registry import builtin_claims

CLAIMS = builtin_claims()


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_claim_fails_when_its_closed_form_is_its_negative_control(claim):
    assert claim.control is not None, f"{claim.id} has no negative control"
    swapped = dataclasses.replace(claim, expected=claim.control)
    result = run_claim(swapped, seed=0)
    # with the control as the closed form (and as its own control) a check can only fail; "fail" rather than
    # "inconclusive" shows that the wrong formula is rejected by the measurement itself
    assert result.check == "fail", f"{claim.id}: {result.check} with the control as its closed form"


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_claim_has_a_source_a_formula_and_a_control_formula(claim):
    assert claim.source and claim.formula and claim.control_formula and claim.title
