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
def test_claim_reads_its_closed_form_and_control_from_its_derivation(claim):
    """Built-in claims are linked: what they check and print is the derivation's conclusion."""
    assert claim.source and claim.title
    assert claim.linked, f"{claim.id}: the closed form is a plain function, not the derivation's conclusion"
    assert claim.formula_text() and claim.control_text()
