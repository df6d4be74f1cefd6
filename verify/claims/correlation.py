"""Claims kernel.*: the covariance of two inputs after one layer, against the correlation map.

One layer at a time, as DESIGN.md asks of mean-field statements: given the previous layer's values h(x₁),
h(x₂) (fixed vectors here), the pre-activations u_i = W_i·h + b_i are exactly bivariate normal with
q_a = σ_w²·h(x_a)·h(x_b)/n₀ + σ_b², and the next layer's pre-activations z'_j = W'_j·φ(u) + b'_j have
E[z'_j(x₁)·z'_j(x₂)] = σ_w²·E[φ(u₁)φ(u₂)] + σ_b² exactly at any width. Each replicate draws new W, b, W',
b' (numeric.correlation's layer, NumPy only) and reports the mean over units j of z'_j(x₁)·z'_j(x₂): the
empirical kernel of the layer. The closed form is read from the derivation (kernel.relu: the arc-cosine
kernel; kernel.erf: Williams' arcsine kernel) at the configuration's (q₁, q₂, q₁₂); the controls recorded
there (the linear kernel σ_w²·q₁₂ + σ_b², the map without σ_b²) must be rejected by the same rule.

Deep iterates at finite width (where the ratio c = q₁₂/√(q₁q₂) is biased at O(1/n)) are not judged here.
"""
from __future__ import annotations

import math

import numpy as np

from derive import correlation as D
from numeric import correlation as N

from ..claim import Budget, Claim, Measurement
from ..closed import linked
from ..mc import stream

N_IN = 16
"""Width of the previous layer (its values are fixed: the check is conditional on them)."""
WIDTH = 64
"""Units of the layer and of the next one."""
REPLICATES = 1500
CHUNK = 128
_SOURCE = "beyond the notes (Poole et al. 2016; Cho & Saul 2009; Williams 1997)"


def previous_layer(q1: float, q2: float, q12: float, sigma_w: float, sigma_b: float) -> np.ndarray:
    """Fixed values h(x₁), h(x₂) (shape (N_IN, 2)) whose pre-activations have covariance [[q₁, q₁₂], [q₁₂, q₂]]:
    the Gram matrix n₀·(K - σ_b²)/σ_w², factored onto two fixed orthonormal directions."""
    gram = np.array([[q1, q12], [q12, q2]]) - sigma_b**2
    gram *= N_IN / sigma_w**2
    factor = np.linalg.cholesky(gram)                        # rows: coordinates of h(x₁), h(x₂)
    grid = np.arange(N_IN, dtype=np.float64)
    basis, _ = np.linalg.qr(np.stack([np.cos(0.3 * grid + 0.1), np.sin(0.7 * grid + 0.4)], axis=1))
    return basis @ factor.T


def _activation(name: str):
    return N.nonlinearity(name).phi


def measure(config, rng, budget: Budget) -> Measurement:
    sw, sb = config["sigma_w"], config["sigma_b"]
    h = previous_layer(config["q1"], config["q2"], config["q12"], sw, sb)
    phi = _activation(config["activation"])

    def draw(r, k):
        w = r.standard_normal((k, WIDTH, N_IN)) * (sw / math.sqrt(N_IN))
        u = w @ h + r.standard_normal((k, WIDTH, 1)) * sb
        w2 = r.standard_normal((k, WIDTH, WIDTH)) * (sw / math.sqrt(WIDTH))
        z = w2 @ np.asarray(phi(u)) + r.standard_normal((k, WIDTH, 1)) * sb
        return np.mean(z[:, :, 0] * z[:, :, 1], axis=1)

    acc = stream(draw, budget.replicates(REPLICATES), rng, CHUNK)
    return Measurement.from_accumulator(acc, note=f"mean over {WIDTH} units of z'(x₁)·z'(x₂), one layer given "
                                                  "fixed previous values; new W, b, W', b' per replicate")


def _relu_at(config):
    c = config["q12"] / math.sqrt(config["q1"] * config["q2"])
    sign = "0" if c == 0 else "+" if c > 0 else "-"
    values = {"q₁": config["q1"], "q₂": config["q2"], "σ_w": config["sigma_w"], "σ_b": config["sigma_b"]}
    if sign != "0":
        values["t"] = c / math.sqrt(1 - c * c)
    return D.RELU_LAYER[sign], values


def _erf_at(config):
    d = math.sqrt((1 + 2 * config["q1"]) * (1 + 2 * config["q2"]))
    x = 2 * config["q12"] / d
    return D.ERF_LAYER, {"q₁": config["q1"], "q₂": config["q2"], "σ_w": config["sigma_w"],
                         "σ_b": config["sigma_b"], "t": x / math.sqrt(1 - x * x)}


def _closed(at, control=False):
    def evaluate(config, points, form):
        lhs, values = at(config)
        names = {sym.name for sym in form.expression(lhs, control).free_symbols}
        return float((form.control if control else form)(lhs, **{k: v for k, v in values.items() if k in names}))
    return evaluate


_RELU_SHOWS = (D.RELU_LAYER["+"],)
"""The printed formula: the c > 0 case (c < 0 is the same expression at t < 0; c = 0 its limit)."""

RELU_CONFIGS = (
    {"activation": "relu", "q1": 1.0, "q2": 1.5, "q12": 0.9, "sigma_w": 1.4, "sigma_b": 0.3},
    {"activation": "relu", "q1": 1.2, "q2": 0.8, "q12": -0.6, "sigma_w": 1.4, "sigma_b": 0.3},
    {"activation": "relu", "q1": 1.0, "q2": 1.0, "q12": 0.0, "sigma_w": 1.4, "sigma_b": 0.5},
)
"""c > 0, c < 0 (controls: the linear kernel) and c = 0 (control: the map without σ_b²)."""

ERF_CONFIGS = (
    {"activation": "erf", "q1": 1.0, "q2": 1.5, "q12": 0.9, "sigma_w": 1.4, "sigma_b": 0.3},
    {"activation": "erf", "q1": 2.0, "q2": 0.5, "q12": -0.6, "sigma_w": 1.4, "sigma_b": 0.3},
)

CLAIMS = [
    Claim(id="kernel.relu", title="one ReLU layer: the empirical kernel is the arc-cosine kernel",
          source=_SOURCE,
          expected=linked(_closed(_relu_at), shows=_RELU_SHOWS),
          control=linked(_closed(_relu_at, control=True), shows=_RELU_SHOWS),
          measure=measure, configs=RELU_CONFIGS,
          notes="one layer at a time given the previous layer's values: exact at any width"),
    Claim(id="kernel.erf", title="one erf layer: the empirical kernel is Williams' arcsine kernel",
          source=_SOURCE,
          expected=linked(_closed(_erf_at), shows=(D.ERF_LAYER,)),
          control=linked(_closed(_erf_at, control=True), shows=(D.ERF_LAYER,)),
          measure=measure, configs=ERF_CONFIGS,
          notes="one layer at a time given the previous layer's values: exact at any width"),
]
