"""Sample sizes by power: the planned size is the smallest with the stated miss probability, the engine plans
from a pilot on its own stream, reports the plan in the JSON, and --budget scales it."""
import math
from statistics import NormalDist

import pytest

from verify.claim import Budget, Claim, Measurement, run_claim
from verify.mc import MIN_REPLICATES, PowerPlan, miss_probability, planned_replicates, stream, z_critical
from verify.results import result_to_json


def claim(**overrides):
    """E[N(0.5, 1)] = 0.5 measured with 4000 replicates by default; the control 0 unless overridden."""
    def measure(config, rng, budget):
        return Measurement.from_accumulator(stream(lambda r, k: r.normal(0.5, 1.0, k), budget.replicates(4000), rng))
    base = dict(id="test.mean", title="E[N(0.5, 1)] = 0.5", source="test", formula="0.5",
                expected=lambda c, at: 0.5, measure=measure, control=lambda c, at: 0.0, control_formula="0")
    base.update(overrides)
    return Claim(**base)


@pytest.mark.parametrize("effect, miss", [(0.05, 1e-6), (0.3, 0.05), (1.7, 1e-3), (0.01, 0.2)])
def test_the_planned_size_is_the_smallest_with_the_stated_miss(effect, miss):
    z = z_critical(1e-6)
    n = planned_replicates(effect, z, miss, safety=1.0, floor=2)
    assert miss_probability(effect, n, z) <= miss < miss_probability(effect, n - 1, z)


def test_miss_probability_is_the_normal_law_of_the_shifted_statistic():
    # P(|N(δ, 1)| <= z) with δ = 2: Φ(z - 2) - Φ(-z - 2), from statistics.NormalDist directly
    z = 3.0
    want = NormalDist().cdf(z - 2.0) - NormalDist().cdf(-z - 2.0)
    assert math.isclose(miss_probability(0.2, 100, z), want, rel_tol=1e-12)
    assert miss_probability(0.5, 900, 5.0) > 0  # erfc keeps a tail that 1 - Φ would round to zero
    with pytest.raises(ValueError, match="effect"):
        planned_replicates(0.0, z, 0.05)


def test_safety_and_floor_only_raise_the_size():
    z = z_critical(1e-6)
    bare = planned_replicates(0.3, z, 1e-6, safety=1.0, floor=2)
    assert planned_replicates(0.3, z, 1e-6, safety=2.0, floor=2) in (2 * bare - 1, 2 * bare)
    assert planned_replicates(5.0, z, 1e-6) == MIN_REPLICATES


def test_a_power_planned_claim_reports_its_plan_and_rejects_its_control():
    # N(0.5, 1) against the control 0.4: effect 0.1, so the size is set by power, well above the floor
    c = claim(sample_size="power", control=lambda cfg, at: 0.4)
    r = run_claim(c)
    record = result_to_json(r)["checks"][0]["plan"]
    z = r.checks[0].z_critical
    ideal = 2.0 * ((z + NormalDist().inv_cdf(1 - 1e-6)) / 0.1) ** 2
    assert r.check == "pass" and r.checks[0].control_rejected
    assert r.checks[0].cases == record["replicates"]
    assert 0.85 * ideal < record["replicates"] < 1.15 * ideal   # the pilot's σ² is within 15 % of 1
    assert abs(record["pilot_variance"] - 1.0) < 0.15 and record["pilot_replicates"] == 2000
    assert record["miss"] <= 1e-6


def test_the_budget_scales_the_planned_size_and_a_fixed_claim_has_no_plan():
    c = claim(sample_size="power", control=lambda cfg, at: 0.4)
    one, two = (run_claim(c, budget=Budget(s)).checks[0] for s in (1.0, 2.0))
    assert abs(two.cases - 2 * one.cases) <= 1
    assert two.plan["miss"] < one.plan["miss"]
    assert result_to_json(run_claim(claim()))["checks"][0]["plan"] is None


def test_a_check_without_a_control_keeps_its_default_size():
    c = claim(sample_size="power", control=lambda cfg, at: None)
    check = run_claim(c).checks[0]
    assert check.plan is None and check.cases == 4000


def test_the_pilot_draws_are_not_reused_and_the_plan_is_deterministic():
    c = claim(sample_size="power", control=lambda cfg, at: 0.4)
    a, b = (result_to_json(run_claim(c, seed=3)) for _ in range(2))
    assert a["checks"] == b["checks"]
    fixed = result_to_json(run_claim(claim(sample_size="fixed", control=lambda cfg, at: 0.4), seed=3))
    assert a["estimate"] != fixed["estimate"]


def test_sample_size_is_validated():
    with pytest.raises(ValueError, match="sample_size"):
        claim(sample_size="adaptive")
    with pytest.raises(ValueError, match="miss"):
        PowerPlan(miss=1.5)
