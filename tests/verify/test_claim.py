"""The pass rule: a right formula passes, a wrong one fails, an undetected control is inconclusive."""
import dataclasses

import numpy as np
import pytest

import sympy as sp

from derive.derivation import Derivation
from verify.claim import Budget, Claim, Measurement, run_claim
from verify.closed import linked
from verify.results import result_to_json
from verify.mc import stream

REPLICATES = 4000


MU = sp.Symbol("μ")


def proved():
    """E[N(μ, 1)] = μ at μ = 1/2, as a derivation whose conclusion the linked claim below reads."""
    d = Derivation("t", "t")
    d.conclude(d.instance(sp.Rational(1, 4) + sp.Rational(1, 4), sp.Rational(1, 2), "1/4 + 1/4 = 1/2"))
    d.control(sp.Integer(0), None, "the mean forgotten")
    return d


def mean_of_normal(mu):
    def measure(config, rng, budget):
        acc = stream(lambda r, k: r.normal(mu, 1.0, k), budget.replicates(REPLICATES), rng)
        return Measurement.from_accumulator(acc)
    return measure


def claim(**overrides):
    base = dict(id="test.mean", title="E[N(0.5, 1)] = 0.5", source="test", formula="0.5",
                expected=lambda c, at: 0.5, measure=mean_of_normal(0.5), control=lambda c, at: 0.0,
                control_formula="0", configs=({"n": 1},), proof=proved)
    base.update(overrides)
    return Claim(**base)


def test_right_formula_with_rejected_control_passes():
    r = run_claim(claim())
    assert r.check == "pass" and r.passed
    c = r.checks[0]
    assert c.z <= c.z_critical and c.control_rejected


def test_wrong_closed_form_fails():
    assert run_claim(claim(expected=lambda c, at: 0.0)).check == "fail"


def test_a_control_equal_to_the_truth_is_inconclusive():
    assert run_claim(claim(control=lambda c, at: 0.5)).check == "inconclusive"


def test_a_control_too_close_to_detect_is_inconclusive():
    # a shift of 0.01 with se ≈ 1/sqrt(4000) ≈ 0.016 is far below the z ≈ 4.9 threshold
    assert run_claim(claim(control=lambda c, at: 0.51)).check == "inconclusive"


def test_no_applicable_control_is_inconclusive():
    assert run_claim(claim(control=lambda c, at: None)).check == "inconclusive"


def test_an_error_in_the_measurement_fails_the_claim_with_its_reason():
    def broken(config, rng, budget):
        raise RuntimeError("boom")
    r = run_claim(claim(measure=broken))
    assert r.check == "fail" and "boom" in r.checks[0].error


def test_a_failed_proof_fails_the_claim_even_if_the_simulation_agrees():
    def bad_proof():
        d = Derivation("t", "t")
        d.conclude(d.instance(1, 2, "wrong"))
        return d
    r = run_claim(claim(proof=bad_proof))
    assert r.check == "pass" and r.proof == "failed" and not r.passed
    row = result_to_json(r)
    assert row["verdict"] == "fail" and row["check"] == "pass" and row["proof"] == "failed"


def test_a_derivation_of_definitions_only_cannot_prove_a_claim():
    def definitions():
        d = Derivation("t", "t")
        d.define(sp.Symbol("c"), sp.Rational(1, 2), "c := 1/2")
        d.conclude(sp.Eq(sp.Symbol("c"), sp.Rational(1, 2)))
        return d
    r = run_claim(claim(proof=definitions))
    assert r.proof == "failed" and not r.passed


def test_a_plain_closed_form_is_unlinked_never_proved():
    r = run_claim(claim())
    assert r.proof == "unlinked" and r.passed
    assert result_to_json(r)["proof"] == "unlinked"


def test_a_linked_closed_form_reads_the_conclusion_and_is_proved():
    r = run_claim(claim(expected=linked(lambda c, at, form: form()), control=linked(lambda c, at, form: form.control()),
                        formula=""))
    assert r.proof == "proved" and r.passed and r.formula == "1/2" and r.control_formula == "0"


def test_a_linked_closed_form_follows_its_derivation():
    def other():
        d = Derivation("t", "t")
        d.conclude(d.instance(sp.Rational(1, 4) + sp.Rational(1, 4) + sp.Rational(1, 4), sp.Rational(3, 4), "3/4"))
        d.control(sp.Integer(0), None, "0")
        return d
    r = run_claim(claim(expected=linked(lambda c, at, form: form()), control=linked(lambda c, at, form: form.control()),
                        formula="", proof=other))
    assert r.proof == "proved" and r.check == "fail"


def test_an_empirical_claim_without_a_proof_shows_none_and_is_judged_by_its_check():
    r = run_claim(claim(id="test.no_such_derivation", proof=None))
    assert r.proof == "none" and r.passed


def test_alpha_is_split_over_configurations_and_elements():
    one = run_claim(claim())
    three = run_claim(claim(configs=({"n": 1}, {"n": 2}, {"n": 3})))
    assert three.checks[0].z_critical > one.checks[0].z_critical


@pytest.mark.parametrize("kind, estimate, scale, expected, passes", [
    ("exact", [1, 2, 3], 0, [1, 2, 3], True),
    ("exact", [1, 2, 3], 0, [1, 2, 4], False),
    ("bounded", [1.0, 2.0], [0.1, 0.1], [1.05, 2.0], True),
    ("bounded", [1.0, 2.0], [0.1, 0.1], [1.2, 2.0], False),
    ("bounded", [1.0], [0.0], [1.0], True),
    ("bounded", [float("nan")], [1.0], [1.0], False),
])
def test_deterministic_kinds(kind, estimate, scale, expected, passes):
    m = Measurement(np.array(estimate, float), np.array(scale, float), kind, len(estimate))
    c = claim(measure=lambda cfg, rng, b: m, expected=lambda cfg, at: expected, control=lambda cfg, at: [99.0])
    assert (run_claim(c).check == "pass") is passes


def test_same_seed_same_numbers_other_seed_other_numbers():
    a, b, c = (result_to_json(run_claim(claim(), seed=s)) for s in (7, 7, 8))
    assert a["estimate"] == b["estimate"] and a["estimate"] != c["estimate"]


def test_budget_scales_the_replicates():
    r = run_claim(claim(), budget=Budget(0.5))
    assert r.checks[0].cases == REPLICATES // 2
    with pytest.raises(ValueError, match="budget"):
        Budget(0)


def test_measurement_kind_is_validated():
    with pytest.raises(ValueError, match="kind"):
        Measurement(1.0, kind="approximately")


def test_claim_record_is_frozen_and_validated():
    c = claim()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.id = "other"
    with pytest.raises(ValueError, match="id"):
        claim(id="has space")
    with pytest.raises(ValueError, match="configuration"):
        claim(configs=())
    assert "test.mean" in repr(c)
