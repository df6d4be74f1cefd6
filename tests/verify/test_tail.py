"""The Pareto k̂ tail diagnostic (verify.tail): it recovers a known tail shape and its threshold."""
import math

import numpy as np
import pytest

from verify.errors import UsageError
from verify.mc import DEFAULT_ALPHA, z_critical
from verify.tail import khat_threshold, pareto_khat, tail


def _gpd(rng, k, size):
    """Generalized Pareto draws with shape k and scale 1 by inversion: ((1 − U)^(−k) − 1)/k, or Exp(1)."""
    u = rng.random(size)
    return -np.log1p(-u) if k == 0 else ((1 - u) ** -k - 1) / k


@pytest.mark.parametrize("k", [0.0, 0.3, 0.5, 0.8])
def test_pareto_khat_recovers_the_shape_of_a_generalized_pareto_sample(k):
    # 2000 draws: the fit uses the 135 largest; Vehtari et al.'s prior pulls k̂ towards 0.5 with the
    # weight of 10 draws, so the estimate's target is (135·k + 5)/145. k <= 0.8 spans the thresholds.
    rng = np.random.default_rng(int(k * 10) + 1)
    estimates = np.array([pareto_khat(_gpd(rng, k, 2000)) for _ in range(100)])
    target = (135 * k + 5) / 145
    se = estimates.std(ddof=1) / math.sqrt(estimates.size)
    assert abs(estimates.mean() - target) < z_critical(DEFAULT_ALPHA) * se


def test_threshold_is_vehtari_et_al_eq_13():
    assert khat_threshold(100) == pytest.approx(0.5)        # 1 − 1/2
    assert khat_threshold(1000) == pytest.approx(2 / 3)     # 1 − 1/3
    assert khat_threshold(10**6) == 0.7                     # capped
    with pytest.raises(UsageError, match="draws must be >= 11"):
        khat_threshold(10)


def test_tail_flags_an_infinite_mean_and_trusts_a_light_tail():
    rng = np.random.default_rng(3)
    heavy = tail(1 + _gpd(rng, 1.5, 200))
    light = tail(1 + _gpd(rng, 0.0, 200))
    assert not heavy.reliable and light.reliable
    assert 0 < light.largest_share < heavy.largest_share <= 1


@pytest.mark.parametrize("sample, message", [
    (np.ones(10), "at least 20 finite numbers, got 10"),
    (np.r_[np.ones(30), np.inf], "1 not finite"),
    (np.ones(200), "0 draws above its tail threshold"),
])
def test_bad_samples_are_refused_with_one_line(sample, message):
    with pytest.raises(UsageError, match=message):
        pareto_khat(sample)
