"""The Monte Carlo engine: accumulators, the pass rule's z, and seed streams."""
import subprocess
import sys
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.mc import Accumulator, claim_seed_sequence, stream, z_critical

values = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=60)


@given(data=values, cut=st.integers(0, 60))
def test_merged_accumulators_equal_the_batch_statistics(data, cut):
    data = np.array(data)
    cut = min(cut, len(data))
    left = Accumulator().update(data[:cut])
    right = Accumulator().update(data[cut:])
    merged = left.merge(right)
    assert merged.count == len(data)
    scale = max(1.0, float(np.abs(data).max()))
    assert merged.mean == pytest.approx(data.mean(), rel=1e-9, abs=1e-9 * scale)
    assert merged.variance == pytest.approx(data.var(ddof=1), rel=1e-7, abs=1e-9 * scale**2)


def test_chunking_does_not_change_the_estimate():
    def draw(rng, k):
        return rng.standard_normal((k, 3))

    a = stream(draw, 1000, np.random.default_rng(1), chunk=7)
    b = stream(draw, 1000, np.random.default_rng(1), chunk=1000)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12)
    np.testing.assert_allclose(a.stderr, b.stderr, rtol=1e-10)


def test_stream_memory_is_one_chunk(monkeypatch):
    sizes = []

    def draw(rng, k):
        sizes.append(k)
        return rng.standard_normal(k)

    stream(draw, 10_001, np.random.default_rng(0), chunk=100)
    assert max(sizes) == 100 and sum(sizes) == 10_001


SPREAD_ESTIMATES = 400
"""Independent means whose spread the reported standard error must match."""


def test_stderr_matches_the_spread_of_independent_means():
    # the sample sd of K independent means has relative standard error about 1/sqrt(2(K-1)); allow z = 4.89
    # of it (false-alarm rate 1e-6). A standard error off by a factor sqrt(2) would be caught.
    rng = np.random.default_rng(3)
    accs = [stream(lambda r, k: r.exponential(1.0, k), 200, rng) for _ in range(SPREAD_ESTIMATES)]
    means = np.array([a.mean for a in accs])
    ses = np.array([a.stderr for a in accs])
    spread = means.std(ddof=1)
    tolerance = 4.89 / np.sqrt(2 * (SPREAD_ESTIMATES - 1))
    assert abs(spread / ses.mean() - 1) <= tolerance, (spread, ses.mean())


def test_z_critical_is_the_two_sided_quantile():
    for alpha in (0.05, 1e-6):
        z = z_critical(alpha)
        assert 2 * (1 - NormalDist().cdf(z)) == pytest.approx(alpha, rel=1e-6)
    assert z_critical(0.05) == pytest.approx(1.959964, abs=1e-6)


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 2, float("nan"), "0.1"])
def test_z_critical_refuses_non_probabilities(alpha):
    with pytest.raises(ValueError, match="alpha"):
        z_critical(alpha)


def test_seed_streams_are_stable_across_processes_and_distinct_across_claims():
    here = np.random.default_rng(claim_seed_sequence(0, "init.xavier")).integers(0, 2**32, 4).tolist()
    code = ("import numpy as np; from verify.mc import claim_seed_sequence;"
            "print(np.random.default_rng(claim_seed_sequence(0, 'init.xavier')).integers(0, 2**32, 4).tolist())")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "random", "PATH": ""}).stdout.strip()
    assert there == str(here)
    other = np.random.default_rng(claim_seed_sequence(0, "init.kaiming")).integers(0, 2**32, 4).tolist()
    assert other != here
    reseeded = np.random.default_rng(claim_seed_sequence(1, "init.xavier")).integers(0, 2**32, 4).tolist()
    assert reseeded != here


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_seed_must_be_a_non_negative_integer(bad):
    with pytest.raises(ValueError, match="seed"):
        claim_seed_sequence(bad, "x")


@pytest.mark.parametrize("replicates, chunk", [(1, 10), (0, 10), (10, 0), (2.5, 1)])
def test_stream_refuses_bad_sizes(replicates, chunk):
    with pytest.raises(ValueError):
        stream(lambda r, k: r.standard_normal(k), replicates, np.random.default_rng(0), chunk)


def test_stream_refuses_a_draw_with_the_wrong_count():
    with pytest.raises(ValueError, match="replicates along axis 0"):
        stream(lambda r, k: r.standard_normal(k + 1), 10, np.random.default_rng(0))
