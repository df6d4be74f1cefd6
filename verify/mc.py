"""The Monte Carlo engine: streamed, mergeable accumulators, seed streams and the pass rule.

An estimate is the mean of independent replicates. Replicates are drawn in chunks and folded into an
``Accumulator`` (count, mean, sum of squared deviations: Chan et al.'s pairwise update), so memory is
bounded by one chunk whatever the number of replicates, and accumulators built anywhere (another
process, another machine) merge exactly. The pass rule is |estimate - closed form| <= z·se, with z the
two-sided normal quantile of the per-check false-alarm rate.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from statistics import NormalDist
from typing import Callable

import numpy as np

__all__ = [
    "Accumulator",
    "DEFAULT_ALPHA",
    "z_critical",
    "claim_seed_sequence",
    "stream",
    "DEFAULT_CHUNK",
]

DEFAULT_ALPHA = 1e-6
"""Per-claim two-sided false-alarm rate: the chance that a true formula fails its check."""

DEFAULT_CHUNK = 256
"""Replicates per chunk when a sampler does not choose its own."""


def z_critical(alpha: float) -> float:
    """The two-sided normal quantile z with P(|N(0,1)| > z) = alpha (alpha = 1e-6 gives z ≈ 4.892)."""
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ValueError(f"alpha must be a probability in (0, 1), got {alpha!r}")
    return -NormalDist().inv_cdf(alpha / 2)  # not inv_cdf(1 - alpha/2): 1 - 5e-17 rounds to 1


def claim_seed_sequence(root_seed: int, claim_id: str) -> np.random.SeedSequence:
    """The seed stream of one claim: the root seed and a stable digest (crc32) of the claim's id.

    Python's ``hash`` is salted per process and would change the numbers from run to run; crc32 does
    not, and adding or removing a claim leaves every other claim's stream unchanged.
    """
    if isinstance(root_seed, bool) or not isinstance(root_seed, (int, np.integer)) or root_seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {root_seed!r}")
    return np.random.SeedSequence([int(root_seed), zlib.crc32(claim_id.encode("utf-8"))])


@dataclass
class Accumulator:
    """Running count, mean and sum of squared deviations (M2) of replicates, elementwise.

    ``update`` folds in a chunk of shape (k, *shape); ``merge`` combines two accumulators exactly
    (Chan, Golub & LeVeque 1979), so the result does not depend on how replicates were chunked, up to
    rounding.
    """

    count: int = 0
    mean: np.ndarray | float = 0.0
    m2: np.ndarray | float = 0.0

    def update(self, chunk) -> "Accumulator":
        chunk = np.asarray(chunk, dtype=np.float64)
        if chunk.ndim == 0:
            raise ValueError("a chunk must have a leading replicate axis, got a scalar")
        k = chunk.shape[0]
        if k == 0:
            return self
        mean = chunk.mean(axis=0)
        m2 = ((chunk - mean) ** 2).sum(axis=0)
        return self.merge(Accumulator(k, mean, m2))

    def merge(self, other: "Accumulator") -> "Accumulator":
        if other.count == 0:
            return self
        if self.count == 0:
            self.count, self.mean, self.m2 = other.count, np.copy(other.mean), np.copy(other.m2)
            return self
        n = self.count + other.count
        delta = other.mean - self.mean
        self.mean = self.mean + delta * (other.count / n)
        self.m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / n)
        self.count = n
        return self

    @property
    def variance(self):
        """Unbiased sample variance of one replicate."""
        if self.count < 2:
            raise ValueError(f"the variance needs at least 2 replicates, have {self.count}")
        return self.m2 / (self.count - 1)

    @property
    def stderr(self):
        """Standard error of the mean: sqrt(variance / count)."""
        return np.sqrt(self.variance / self.count)

    def __repr__(self) -> str:
        if self.count < 2:
            return f"Accumulator(count={self.count})"
        return f"Accumulator(count={self.count}, mean={np.round(self.mean, 6)}, se={np.round(self.stderr, 6)})"


def stream(draw: Callable[[np.random.Generator, int], np.ndarray], replicates: int,
           rng: np.random.Generator, chunk: int = DEFAULT_CHUNK) -> Accumulator:
    """Mean and standard error of ``replicates`` independent draws, in chunks of at most ``chunk``.

    ``draw(rng, k)`` returns an array of shape (k, ...): k independent replicates of the statistic
    (each with its own weights, if the claim's randomness includes weights).
    """
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or replicates < 2:
        raise ValueError(f"replicates must be an integer >= 2, got {replicates!r}")
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be an integer >= 1, got {chunk!r}")
    acc = Accumulator()
    done = 0
    while done < replicates:
        k = min(chunk, replicates - done)
        values = np.asarray(draw(rng, k))
        if values.shape[:1] != (k,):
            raise ValueError(f"draw(rng, {k}) must return {k} replicates along axis 0, got shape {values.shape}")
        acc.update(values)
        done += k
    return acc
