"""The power model, checked: plan a deliberately small sample for a miss probability of 0.05, run many trials,
and compare the observed miss rate with its binomial 99.9 % interval.

For each of three power-planned claims (one configuration each), a large pilot (20 000 replicates) estimates
the effect |closed form - control| / σ of the planned element; ``planned_replicates`` gives the sample size
for miss = 0.05 (safety 1, no floor: the smallest the model allows), and ``miss_probability`` the miss
probability it predicts at that size. Each trial measures the claim on a fresh seed with that many
replicates and judges the control by the engine's own rule at that element (|estimate - control| > z·se,
z from the check's α). The observed number of misses must lie in the central 99.9 % interval of
Binomial(trials, predicted). Last line: ``power: <n> of 3 claims within their interval``.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from verify.claim import Budget, _pilot
from verify.mc import DEFAULT_ALPHA, PowerPlan, miss_probability, planned_replicates, z_critical
from verify.registry import all_claims

CASES = (("gan.fake_score_bound", 1), ("init.gains", 2), ("gain.tanh", 0))
"""(claim id, configuration index): bounded statistics (a sigmoid score, tanh(z)²) whose planned size is in the
hundreds or thousands, where the normal model is meant to hold. At a few replicates (gain.sigmoid: 6) or with
skewed statistics at a few hundred (variance.product: (Wx)², activation.relu.moments) the observed miss rate
leaves the interval: the first-order skewness term of the studentized mean, which the floor and safety of
``verify.mc`` absorb in the engine."""

PILOT = 20_000
MISS = 0.05
LEVEL = 0.999


def binomial_interval(trials: int, p: float, level: float = LEVEL) -> tuple[int, int]:
    """The central interval [lo, hi] of Binomial(trials, p): P(X < lo) <= (1 - level)/2 >= P(X > hi)."""
    tail = (1 - level) / 2
    pmf = [math.exp(math.lgamma(trials + 1) - math.lgamma(k + 1) - math.lgamma(trials - k + 1)
                    + (k * math.log(p) if k else 0.0) + ((trials - k) * math.log1p(-p) if trials - k else 0.0))
           for k in range(trials + 1)]
    below, lo = 0.0, 0
    while below + pmf[lo] <= tail:
        below += pmf[lo]
        lo += 1
    above, hi = 0.0, trials
    while above + pmf[hi] <= tail:
        above += pmf[hi]
        hi -= 1
    return lo, hi


def power_trials(claim_id: str, index: int, trials: int, seed: int = 0) -> dict:
    """Plan for MISS on one configuration, run ``trials`` measurements, count the controls not rejected."""
    claim = next(c for c in all_claims() if c.id == claim_id)
    config = claim.configs[index]
    derivation = claim.derivation()
    root = np.random.SeedSequence([seed, 2026, index])
    pilot = _pilot(claim, config, root.spawn(1)[0], PowerPlan(pilot=PILOT), derivation)
    if pilot is None:
        raise ValueError(f"{claim_id}[{index}] cannot be power-planned")
    elements, effect, _, _ = pilot
    z = z_critical(DEFAULT_ALPHA / elements)
    n = planned_replicates(effect, z, MISS, safety=1.0, floor=2)
    predicted = miss_probability(effect, n, z)
    right = np.asarray(claim.closed(config, None, derivation, []), dtype=np.float64)
    wrong = np.asarray(claim.wrong(config, None, derivation), dtype=np.float64)
    misses = 0
    for ss in root.spawn(trials + 1)[1:]:
        m = claim.measure(config, np.random.default_rng(ss), Budget(fixed=n))
        est, se, r, w = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in
                                              (m.estimate, m.scale, right, wrong)))
        sigma = se * math.sqrt(m.cases)
        k = int(np.argmax((np.abs(r - w) / sigma).reshape(-1)))  # the element the plan is made for
        misses += bool(abs(est.reshape(-1)[k] - w.reshape(-1)[k]) <= z * se.reshape(-1)[k])
    lo, hi = binomial_interval(trials, predicted)
    return {"claim": f"{claim_id}[{index}]", "n": n, "effect": effect, "z": z, "predicted": predicted,
            "misses": misses, "trials": trials, "lo": lo, "hi": hi, "inside": lo <= misses <= hi}


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="trials per claim (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    inside = 0
    for claim_id, index in CASES:
        start = time.perf_counter()
        r = power_trials(claim_id, index, args.trials, args.seed)
        inside += r["inside"]
        print(f"{r['claim']:28s} n={r['n']:5d} effect={r['effect']:.4f} z={r['z']:.3f} "
              f"predicted miss={r['predicted']:.4f} observed {r['misses']}/{r['trials']} "
              f"99.9% interval [{r['lo']}, {r['hi']}] {'ok' if r['inside'] else 'OUTSIDE'} "
              f"({time.perf_counter() - start:.1f} s)")
    print(f"power: {inside} of {len(CASES)} claims within their interval")
    return 0 if inside == len(CASES) else 1


if __name__ == "__main__":
    sys.exit(main())
