"""Is a Monte Carlo mean to be trusted? The Pareto k̂ diagnostic of a sample's right tail.

A sample mean converges at the rate its error bar promises only when the draws' tail is light enough:
the generalized Pareto shape k of the tail says that moments of order below 1/k are finite, so k < 1/2
is a finite variance. Vehtari, Simpson, Gelman, Yao & Gabry, "Pareto smoothed importance sampling"
(JMLR 25(72), 2024), §3, fit k to the M = ⌈min(S/5, 3√S)⌉ largest of S draws and call a mean over S
draws reliable when k̂ < min(1 − 1/log10 S, 0.7) (their eq. 13): above it the sample mean is typically
far from the expectation (below it, for a positive variable whose rare large draws were not drawn) and
its standard error is meaningless. The fit is Zhang & Stephens' empirical-Bayes estimate ("A new and
efficient estimation method for the generalized Pareto distribution", Technometrics 51(3), 2009,
§3.2), with Vehtari et al.'s weakly informative prior pulling k̂ towards 0.5 with weight of 10 draws.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import UsageError

__all__ = ["pareto_khat", "khat_threshold", "Tail", "tail"]


def khat_threshold(draws: int) -> float:
    """Vehtari et al. (2024) eq. 13: a mean over ``draws`` draws is reliable when k̂ is below this."""
    if draws < 11:
        raise UsageError(f"draws must be >= 11 for the Pareto k̂ threshold, got {draws}")
    return min(1 - 1 / math.log10(draws), 0.7)


def pareto_khat(sample) -> float:
    """k̂ of the generalized Pareto fit to the right tail of ``sample`` (a 1-D array of finite reals)."""
    x = np.sort(np.asarray(sample, dtype=float).ravel())
    if x.size < 20 or not np.all(np.isfinite(x)):
        raise UsageError(f"sample must hold at least 20 finite numbers, got {x.size} "
                         f"({int(np.sum(~np.isfinite(x)))} not finite)")
    tail_size = math.ceil(min(x.size / 5, 3 * math.sqrt(x.size)))
    exceed = x[-tail_size:] - x[-tail_size - 1]
    exceed = exceed[exceed > 0]    # draws tied with the threshold are not in the tail
    if exceed.size < 5:
        raise UsageError(f"sample has {exceed.size} draws above its tail threshold, need 5 to fit a tail")
    return _zhang_stephens(exceed)


def _zhang_stephens(y: np.ndarray) -> float:
    """Zhang & Stephens (2009): the GPD with 1 − F(y) = (1 − θy)^(1/k) (their θ < 0 for a heavy tail).

    For a given θ the maximum-likelihood k is mean(log(1 − θ y)) (here with the sign that makes a heavy
    tail positive), and the profile log-likelihood is n·(log(−θ/k) − k − 1). θ's posterior mean over a
    grid of m = 30 + ⌊√n⌋ quantile-spaced points (weights ∝ the profile likelihood) gives k̂.
    """
    n = y.size
    m = 30 + int(math.sqrt(n))
    quartile = y[int(n / 4 + 0.5) - 1]
    theta = 1 / y[-1] + (1 - np.sqrt(m / (np.arange(1, m + 1) - 0.5))) / (3 * quartile)
    k = np.log1p(-theta[:, None] * y).mean(axis=1)
    loglik = n * (np.log(-theta / k) - k - 1)
    weights = np.exp(loglik - loglik.max())
    theta_hat = np.sum(theta * weights) / weights.sum()
    k_hat = float(np.log1p(-theta_hat * y).mean())
    return (n * k_hat + 10 * 0.5) / (n + 10)


@dataclass(frozen=True)
class Tail:
    """The tail diagnostics of one sample of positive draws."""
    khat: float
    threshold: float
    largest_share: float       # the largest draw's share of the sum

    @property
    def reliable(self) -> bool:
        return self.khat < self.threshold


def tail(sample) -> Tail:
    """k̂, its threshold for this many draws, and the largest draw's share of the sum."""
    x = np.asarray(sample, dtype=float).ravel()
    khat = pareto_khat(x)
    total = x.sum()
    return Tail(khat, khat_threshold(x.size), float(x.max() / total) if total > 0 else math.nan)
