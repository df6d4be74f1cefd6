"""Every built-in check can fail: its negative control is rejected by the pass rule itself.

For every configuration where a claim's control applies, the control is a number (not a NaN from a
formula that cannot be evaluated; an overflow to ±inf is a value, the failure the stable-evaluation
control exists to show) and the measurement rejects it by the same rule that accepts the closed form: |estimate − control| above z_crit·se (Monte Carlo), above the proved bound (bounded),
or unequal (exact). This runs every claim, so it is among the slowest tests; it is what makes "pass"
mean something.
"""
import math

import numpy as np
import pytest

from verify.claim import run_claim
from verify.registry import builtin_claims

CLAIMS = builtin_claims()


def limit(check) -> float:
    return check.z_critical if check.kind == "monte-carlo" else 1.0 if check.kind == "bounded" else 0.0


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_the_control_is_a_number_rejected_by_the_pass_rule(claim):
    result = run_claim(claim, seed=0)
    applied = [c for c in result.checks if c.control is not None]
    assert applied, f"{claim.id}: no configuration applies its negative control"
    for check in applied:
        where = f"{claim.id} {check.config}"
        values = np.asarray(check.control, dtype=np.float64)
        assert not np.any(np.isnan(values)), f"{where}: the control is not a number ({values.ravel()[:4]})"
        assert check.control_rejected, f"{where}: the control is not rejected (z = {check.control_z})"
        if check.kind == "exact" or not np.all(np.isfinite(values)):
            assert check.control_z == math.inf, where
        else:   # z = error/bound may overflow to inf where a proved bound is a few subnormals
            assert not math.isnan(check.control_z) and check.control_z > limit(check), where


def test_a_control_that_is_not_a_number_fails_this_test():
    """The rule above catches a NaN control: evaluated on a claim whose control gives NaN."""
    import dataclasses

    from verify.closed import linked

    claim = next(c for c in CLAIMS if c.id == "variance.product")
    broken = dataclasses.replace(claim, control=linked(lambda config, points, form: float("nan")))
    check = run_claim(broken, seed=0).checks[0]
    assert np.any(np.isnan(np.asarray(check.control, dtype=np.float64)))


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_claim_reads_its_closed_form_and_control_from_its_derivation(claim):
    """Built-in claims are linked: what they check and print is the derivation's conclusion."""
    assert claim.linked, f"{claim.id}: the closed form is a plain function, not the derivation's conclusion"
    assert claim.formula_text() and claim.control_text()
