"""The Monte Carlo engine: streamed, mergeable accumulators, seed streams and the pass rule.

An estimate is the mean of independent replicates. Replicates are drawn in chunks and folded into an
``Accumulator`` (count, mean, sum of squared deviations: Chan et al.'s pairwise update), so memory is
bounded by one chunk whatever the number of replicates, and accumulators built anywhere (another
process, another machine) merge exactly. The pass rule is |estimate - closed form| <= z·se, with z the
two-sided normal quantile of the per-check false-alarm rate.
"""
from __future__ import annotations

import math
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
    "PowerPlan",
    "planned_replicates",
    "miss_probability",
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


PILOT_REPLICATES = 2000
"""Replicates of the pilot run that estimates the per-sample variance (or the claim's default, if smaller)."""

MIN_REPLICATES = 2000
"""Fewest replicates a power-planned check may use: a floor for the normal approximation. The pass rule
reads a two-sided tail of about 1e-7 from the normal law (z ≈ 5.3). There the first Edgeworth correction
cancels, and the next, relative to the tail, is about κz⁴/24n + γ²z⁶/72n (γ the skewness, κ the excess
kurtosis of one replicate): at n = 2000, below 1.3 for γ² ≤ 8 and κ ≤ 6 (a χ²₁-like replicate), so the
false-alarm rate stays within about twice its nominal value. Heavier tails (products over depth) are not
power-planned at all (DESIGN.md, Monte Carlo); the calibration study is the judge."""

SAFETY = 2.0
"""Factor on the planned sample size. The pilot's variance is itself an estimate: with 2000 replicates
its relative standard error is √((κ + 2)/2000), 3.2 % for Gaussian data and 8.4 % at κ = 12; a factor 2
on n (√2 on the margin) covers an underestimate of σ² by 50 %, beyond 5 of those standard errors, and
the selection of the best element of a multi-element estimate from the same noisy pilot."""


@dataclass(frozen=True)
class PowerPlan:
    """How a power-planned check chooses its sample size: ``miss`` is the planned probability that the
    negative control is not rejected (None: the check's own per-element α), ``safety`` multiplies the
    planned size, ``floor`` is the fewest replicates, ``pilot`` the pilot's replicates."""

    miss: float | None = None
    safety: float = SAFETY
    floor: int = MIN_REPLICATES
    pilot: int = PILOT_REPLICATES

    def __post_init__(self):
        if self.miss is not None and not 0 < self.miss < 1:
            raise ValueError(f"miss must be a probability in (0, 1), got {self.miss!r}")
        if not self.safety >= 1:
            raise ValueError(f"safety must be >= 1, got {self.safety!r}")
        if self.floor < 2 or self.pilot < 2:
            raise ValueError(f"floor and pilot must be >= 2 replicates, got {self.floor!r}, {self.pilot!r}")


def planned_replicates(effect: float, z_crit: float, miss: float, safety: float = SAFETY,
                       floor: int = MIN_REPLICATES) -> int:
    """The fewest replicates n with which a control ``effect`` per-sample standard deviations away from the
    truth (|closed form - control| / σ) is rejected by |estimate - control| > z_crit·se with probability at
    least 1 - miss: √n·effect = z_crit + z_miss (one-sided quantile), times ``safety``, at least ``floor``."""
    if not (effect > 0 and math.isfinite(effect)):
        raise ValueError(f"effect must be a finite number > 0, got {effect!r}")
    z_miss = NormalDist().inv_cdf(1 - miss)
    return max(int(floor), math.ceil(safety * ((z_crit + z_miss) / effect) ** 2))


def miss_probability(effect: float, replicates: int, z_crit: float) -> float:
    """P(|N(δ, 1)| <= z_crit) with δ = effect·√replicates: the chance the control is not rejected."""
    shift = effect * math.sqrt(replicates)
    # Φ(z - δ) - Φ(-z - δ) through erfc, which keeps tiny tails that 1 + erf would round to 0
    return max(0.0, 0.5 * math.erfc((shift - z_crit) / math.sqrt(2)) - 0.5 * math.erfc((shift + z_crit) / math.sqrt(2)))


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
