"""verify.testing: the statistical assertions, their calibration over many seeds, and assert_claim."""
import doctest
import math
from statistics import NormalDist

import numpy as np
import pytest

import verify.testing
from verify import Accumulator, Claim, Measurement, UsageError, stream, z_critical
from verify.testing import (ClaimFailed, StatisticalAssertionError, assert_claim, assert_mean, assert_means,
                            assert_second_moment)

SEEDS = 2000             # calibration runs; a small budget: 2000 x 200 normals
N = 200                  # replicates per run
STUDY_ALPHA = 1e-6       # false-alarm rate of each calibration test itself (two-sided binomial bound)


def binomial_band(p: float, runs: int = SEEDS) -> tuple[float, float]:
    """Counts of a Binomial(runs, p) outside this band have probability about STUDY_ALPHA (normal approx.)."""
    half = z_critical(STUDY_ALPHA) * math.sqrt(runs * p * (1 - p))
    return runs * p - half, runs * p + half


def rejections(assertion, draws, expected, alpha) -> int:
    count = 0
    for x in draws:
        try:
            assertion(x, expected, alpha=alpha)
        except StatisticalAssertionError:
            count += 1
    return count


@pytest.fixture(scope="module")
def normal_draws():
    """SEEDS independent samples of N replicates of N(0.3, 1.7²), one generator per seed."""
    return [np.random.default_rng(seed).normal(0.3, 1.7, N) for seed in range(SEEDS)]


def test_assert_mean_rejects_the_true_mean_at_the_stated_rate(normal_draws):
    alpha = 0.05     # large enough that a miscalibrated rule (too strict or too lax) shows in 2000 runs
    low, high = binomial_band(alpha)
    assert low <= rejections(assert_mean, normal_draws, 0.3, alpha) <= high


def test_assert_mean_rejects_a_wrong_mean_with_the_power_the_normal_theory_gives(normal_draws):
    alpha, shift = 0.05, 0.5
    se = 1.7 / math.sqrt(N)
    z = z_critical(alpha)
    power = NormalDist().cdf(shift / se - z) + NormalDist().cdf(-shift / se - z)
    low, high = binomial_band(power)
    assert low <= rejections(assert_mean, normal_draws, 0.3 + shift, alpha) <= high


def test_assert_mean_at_the_default_alpha_rejects_a_mean_far_off_in_nearly_every_run(normal_draws):
    """1.0 away is 8.3 se: a run misses it with probability Φ(4.89 - 8.32) ≈ 3e-4 (0.6 of 2000 runs)."""
    miss = NormalDist().cdf(z_critical(1e-6) - 1.0 / (1.7 / math.sqrt(N)))
    _, high = binomial_band(miss)
    assert SEEDS - rejections(assert_mean, normal_draws, 1.3, 1e-6) <= high


def test_assert_means_splits_alpha_over_the_columns():
    """Five independent means: with the split the family-wise rate is 1 - (1 - α/5)^5 <= α; without it,
    1 - (1 - α)^5 (0.23 at α = 0.05), far outside the band."""
    alpha, k = 0.05, 5
    draws = [np.random.default_rng(seed).normal(0.3, 1.7, (N, k)) for seed in range(SEEDS)]
    low, high = binomial_band(1 - (1 - alpha / k) ** k)
    assert low <= rejections(assert_means, draws, 0.3, alpha) <= high


def test_assert_second_moment_rejects_the_true_moment_at_the_stated_rate():
    """X² is skewed (chi-square): 2000 replicates a run keep the normal approximation of its mean close."""
    alpha = 0.05
    draws = [np.random.default_rng(seed).normal(0.3, 1.7, 10 * N) for seed in range(SEEDS)]
    low, high = binomial_band(alpha)
    assert low <= rejections(assert_second_moment, draws, 0.3**2 + 1.7**2, alpha) <= high


# ---- messages and edge cases ----------------------------------------------------------------------

def test_a_wrong_mean_fails_with_the_numbers():
    x = np.random.default_rng(1).normal(0.5, 1.0, 10_000)
    with pytest.raises(StatisticalAssertionError, match=r"mean = 0\.4\d+ ± 0\.0\d+ \(n = 10000\), expected 0\.6\n"
                                                         r"z = [\d.]+ > z_crit = 4\.892 at α = 1e-06"):
        assert_mean(x, 0.6)


def test_a_right_mean_passes_and_rejects_its_control():
    x = np.random.default_rng(1).normal(0.5, 1.0, 10_000)
    check = assert_mean(x, 0.5, control=0.0)
    assert check.passed and check.control_rejected and check.z <= check.z_critical < check.control_z


def test_a_control_that_cannot_be_rejected_is_inconclusive():
    x = np.random.default_rng(1).normal(0.5, 1.0, 10_000)
    with pytest.raises(StatisticalAssertionError, match=r"^inconclusive: the control 0\.51 could not be rejected"):
        assert_mean(x, 0.5, control=0.51)


def test_an_accumulator_gives_what_its_samples_give():
    x = np.random.default_rng(2).normal(0.0, 1.0, 1000)
    acc = Accumulator()
    for chunk in np.split(x, 4):
        acc.update(chunk)
    streamed, whole = assert_mean(acc, 0.0), assert_mean(x, 0.0)
    assert streamed.count == whole.count == 1000
    assert (streamed.estimate, streamed.stderr) == pytest.approx((whole.estimate, whole.stderr), rel=1e-12)


def test_constant_samples_pass_only_at_their_value():
    assert assert_mean(np.full(5, 2.0), 2.0).z == 0
    with pytest.raises(StatisticalAssertionError, match="z = inf"):
        assert_mean(np.full(5, 2.0), 2.5)


def test_assert_means_names_the_worst_element_and_the_split():
    x = np.random.default_rng(3).normal(0.0, 1.0, (1000, 4)) + [0, 0, 1, 0]
    with pytest.raises(StatisticalAssertionError, match=r"(?s)mean\[2\] \(worst of 4\) .* at α/4 = 2\.5e-07"):
        assert_means(x, 0.0)
    assert assert_means(x, [0, 0, 1, 0], control=[0, 0, 0, 0]).control_rejected


def test_the_second_moment_is_the_mean_of_the_squares():
    x = np.random.default_rng(4).normal(0.0, 2.0, 20_000)
    assert assert_second_moment(x, 4.0, control=2.0).control_rejected
    with pytest.raises(StatisticalAssertionError, match="second moment = "):
        assert_second_moment(x, 2.0)


@pytest.mark.parametrize("call, argument", [
    (lambda: assert_mean([1.0, 2.0], 1.5, alpha=0), "alpha"),
    (lambda: assert_mean([1.0, 2.0], 1.5, alpha=1.5), "alpha"),
    (lambda: assert_mean(1.0, 1.0), "samples"),
    (lambda: assert_mean([1.0], 1.0), "samples"),
    (lambda: assert_mean([1.0, float("nan")], 1.0), "samples"),
    (lambda: assert_mean(["a", "b"], 1.0), "samples"),
    (lambda: assert_mean([1.0, 2.0], float("inf")), "expected"),
    (lambda: assert_mean([1.0, 2.0], 1.5, control="x"), "control"),
    (lambda: assert_mean(np.ones((3, 2)), 1.0), "samples"),
    (lambda: assert_means(np.ones(3), 1.0), "samples"),
    (lambda: assert_means(np.ones((3, 2)), [1.0, 1.0, 1.0]), "expected"),
    (lambda: assert_second_moment(Accumulator().update(np.ones(3)), 1.0), "samples"),
    (lambda: assert_second_moment([1e200, -1e200, 3e200], 1.0), "samples"),
    (lambda: assert_mean([1e308, -1e308, 1.5e308], 1.0), "samples"),
])
def test_bad_arguments_are_usage_errors_naming_the_argument(call, argument):
    with pytest.raises(UsageError, match=rf"^{argument}\b"):
        call()


def test_the_docstring_example_runs():
    outcome = doctest.testmod(verify.testing)
    assert outcome.attempted > 0 and outcome.failed == 0


# ---- assert_claim ---------------------------------------------------------------------------------

def mean_claim(expected, control=0.0):
    def measure(config, rng, budget):
        return Measurement.from_accumulator(stream(lambda r, k: r.normal(0.5, 1.0, k), budget.replicates(4000), rng))
    return Claim("test.assert_claim", "E[N(0.5, 1)] = 0.5", "test", expected=lambda c, p: expected,
                 formula=str(expected), measure=measure, control=lambda c, p: control, control_formula=str(control))


def test_assert_claim_returns_the_result_of_a_passing_claim_and_repeats_it_by_seed():
    first, again = assert_claim(mean_claim(0.5)), assert_claim(mean_claim(0.5))
    assert first.proof == "none" and first.checks[0].estimate == again.checks[0].estimate
    assert assert_claim(mean_claim(0.5), seed=1).checks[0].estimate != first.checks[0].estimate


def test_assert_claim_fails_a_wrong_claim_with_its_report():
    with pytest.raises(ClaimFailed) as failure:
        assert_claim(mean_claim(0.7), budget=0.5)
    text = str(failure.value)
    assert text.startswith("claim test.assert_claim (E[N(0.5, 1)] = 0.5): failed")
    assert "(n = 2000)" in text and "> z_crit = 4.892 (α = 1e-06)" in text and "control      0.0: rejected" in text
    assert failure.value.result.check == "fail"


@pytest.mark.parametrize("kwargs, argument", [({"budget": 0}, "budget"), ({"alpha": 2}, "alpha")])
def test_assert_claim_refuses_bad_arguments(kwargs, argument):
    with pytest.raises(UsageError, match=argument):
        assert_claim(mean_claim(0.5), **kwargs)


def test_assert_claim_takes_claims_only():
    with pytest.raises(UsageError, match="claim must be a verify.Claim"):
        assert_claim("test.mean")
