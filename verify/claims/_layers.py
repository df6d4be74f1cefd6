"""Shared by the init and propagation claims: configuration values by derive.init's symbols, Var(W) of an
initializer from derive.init's table, Monte Carlo over freshly drawn weights, and per-layer ratios.

Every Monte Carlo replicate draws new weights with ``numeric.init`` (the estimand is the expectation over
weights and inputs). Stacks are checked one layer at a time through the ratio m_l/m_(l-1) of mean squares,
whose mean is the layer's factor exactly at any width (given the earlier layers the factor is exact, and the
tower rule removes the conditioning).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from derive import init as D
from numeric import init as I
from numeric.propagation import propagate

from ..claim import Budget, Measurement
from ..mc import Accumulator, stream

CHUNK_ELEMENTS = 1 << 21
"""Weights held at once by a chunk of replicates (16 MiB in float64): memory does not grow with replicates."""


def values(**by_attribute) -> dict:
    """Values keyed by the names of derive.init's symbols (``sigma2=...`` becomes ``{"σ_W²": ...}``)."""
    return {getattr(D, name).name: value for name, value in by_attribute.items()}


def table_value(expr, **subs) -> float:
    """A derive table entry (a configuration parameter) at the given symbols of derive.init."""
    return float(expr.subs({getattr(D, name): value for name, value in subs.items()})) \
        if isinstance(expr, sp.Basic) else float(expr)


def init_variance(name: str, n_in: int, n_out: int, slope: float = 0.0) -> float:
    """Var(W) of an initializer from derive's table (the uniform ones have the same variance)."""
    family = name.split("_")[0]
    if name == "torch_default":
        family = "torch_default"
    if family == "kaiming" and slope:
        family = "kaiming_leaky"
    return table_value(D.INIT_VARIANCE[family], n_in=n_in, n_out=n_out, slope=slope)


def chunk_for(per_replicate: int) -> int:
    """Replicates per chunk when each holds ``per_replicate`` weights (at most 256)."""
    return max(1, min(256, CHUNK_ELEMENTS // per_replicate))


def monte_carlo(draw, replicates: int, rng: np.random.Generator, note: str = "", chunk: int = 256) -> Measurement:
    """The mean of ``replicates`` independent draws of ``draw(rng, k)``, streamed in chunks."""
    return Measurement.from_accumulator(stream(draw, replicates, rng, chunk), note=note)


def weights(name: str, shape, rng, k: int, **options) -> np.ndarray:
    """k independent weight draws of ``shape`` from numeric.init's initializer ``name``."""
    return getattr(I, name)(shape, rng, out=np.empty((k, *shape)), **options)


def layer_ratios(post_of, replicates: int, rng, powers=(1,), chunk: int = 256) -> Measurement:
    """Per layer, the mean of (m_l/m_(l-1))^p over the replicates whose layer l-1 is alive (m_(l-1) > 0).

    A narrow ReLU stack dies (every unit off, for every input) with probability about L·2^-n, after which
    the ratio is 0/0. Given the earlier layers the ratio's mean is the layer's factor exactly, so
    conditioning on the past event "alive at l-1" keeps it exact. One accumulator per layer and power,
    fed chunk by chunk: memory does not grow with replicates.
    """
    accumulators, dead, done = None, 0, 0
    while done < replicates:
        k = min(chunk, replicates - done)
        post = post_of(rng, k)
        if accumulators is None:
            accumulators = [[Accumulator() for _ in range(post.shape[1] - 1)] for _ in powers]
        for l in range(post.shape[1] - 1):
            alive = post[:, l] > 0
            ratio = post[alive, l + 1] / post[alive, l]
            for accs, p in zip(accumulators, powers):
                accs[l].update(ratio**p)
        dead += int(np.sum(post[:, -1] == 0))
        done += k
    flat = [a for accs in accumulators for a in accs]
    return Measurement(np.array([a.mean for a in flat]), np.array([a.stderr for a in flat]), "monte-carlo",
                       min(a.count for a in flat),
                       note=f"per-layer ratio m_l/m_(l-1), new weights per replicate; {dead} of {replicates} "
                            "networks died (every unit off) and count only while alive")


def measure_layer_factors(config, rng, budget: Budget) -> Measurement:
    """Each layer's factor m_l/m_(l-1) through ``depth`` layers of width ``n`` (``init``, ``activation``, and
    for leaky_relu its ``slope``; ``options`` go to the initializer)."""
    widths = (config["n"],) * (config["depth"] + 1)

    def post_of(r, k):
        return propagate(widths, k, config["batch"], r, weight_init=config["init"], activation=config["activation"],
                         dtype=np.float64, negative_slope=config.get("slope", 0.01), **config.get("options", {})).post
    return layer_ratios(post_of, budget.replicates(config["replicates"]), rng)
