"""Claims on linear layers and MLPs (001 §Core Equations, §Batch vs Single Sample, §Forward Pass Pseudocode;
000 Q1.2, Q1.3): batch form, composition, rank of a product, the forward pass.

Deterministic statements are checked against their closed form with a proved rounding bound: a dot
product of length k computed in floating point is within γ_k·Σ|a_i||b_i| of the exact one,
γ_k = k·u/(1 - k·u) (Higham, "Accuracy and Stability of Numerical Algorithms", 2002, eq. 3.5); through
a 1-Lipschitz activation (ReLU, tanh, identity) errors do not grow, and each evaluation adds EVAL_ULPS
units of roundoff. Both sides of a comparison round, so the bound counts both.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from derive import linear as D
from numeric import init as I
from numeric import linear as N

from ..claim import Budget, Claim, Measurement

EVAL_ULPS = 4
"""Accuracy of one evaluation of an activation (tanh) in units of roundoff."""
RANDOM_SHAPES = 40
"""Random shapes per deterministic sub-check (scaled by the budget)."""
RANK_CASES = 60
"""Random products per rank sub-check."""

_U = np.finfo(np.float64).eps / 2


def _gamma(k: int) -> float:
    return k * _U / (1 - k * _U)


def _shape(rng: np.random.Generator, lo: int = 1, hi: int = 9) -> int:
    return int(rng.integers(lo, hi))


# ---- linear.batch ---------------------------------------------------------------------------

def _measure_batch(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """Y = numeric.linear.linear(X, W, b) for random shapes; the reference stacks W x_i + b row by row."""
    cases = budget.replicates(RANDOM_SHAPES)
    estimates, bounds, refs, controls = [], [], [], []
    for _ in range(cases):
        B, n_in = _shape(rng), _shape(rng, 2)
        n_out = n_in if config["weights"] == "square" else n_in + _shape(rng, 1, 5)
        X, W, b = rng.standard_normal((B, n_in)), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
        Y = N.linear(X, W, b)
        reference = np.stack([sum(W[:, c] * X[i, c] for c in range(n_in)) + b for i in range(B)])
        bound = 2 * _gamma(n_in + 1) * (np.abs(X) @ np.abs(W).T + np.abs(b))
        control = X @ W + b if W.shape[0] == n_in else np.full_like(Y, np.nan)   # XW needs W of shape (n, m)
        estimates.append(Y.ravel())
        bounds.append(bound.ravel())
        refs.append(reference.ravel())
        controls.append(control.ravel())
    at = {"reference": np.concatenate(refs), "control": np.concatenate(controls)}
    return Measurement(np.concatenate(estimates), np.concatenate(bounds), "bounded", cases, at=at,
                       note="numeric Y = XWᵀ + b against rows W x_i + b summed term by term")


# ---- linear.composition ---------------------------------------------------------------------

def _measure_composition(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """A deep linear MLP (numeric forward) against its single collapsed layer (W_L⋯W_1, Σ W_L⋯W_(l+1) b_l)."""
    cases = budget.replicates(RANDOM_SHAPES)
    est, bounds, collapsed, wrong = [], [], [], []
    for _ in range(cases):
        widths = tuple(_shape(rng, 1, 7) for _ in range(config["depth"] + 1))
        net = N.MLP.init(widths, rng, weight_init=I.lecun_normal, bias="torch", activation="linear")
        x = rng.standard_normal((4, widths[0]))
        y = net.forward(x)
        A, c, c_wrong = np.eye(widths[0]), np.zeros(widths[0]), np.zeros(widths[0])
        for w, b in zip(net.weights, net.biases):
            A, c, c_wrong = w @ A, w @ c + b, w @ c           # the control drops the added bias each time
        abs_out = np.abs(x)
        for w, b in zip(net.weights, net.biases):
            abs_out = np.abs(abs_out) @ np.abs(w).T + np.abs(b)
        k = sum(widths) + len(widths)
        est.append(y.ravel())
        bounds.append((2 * _gamma(k) * abs_out).ravel())
        collapsed.append((x @ A.T + c).ravel())
        wrong.append((x @ A.T + c_wrong).ravel())
    at = {"reference": np.concatenate(collapsed), "control": np.concatenate(wrong)}
    return Measurement(np.concatenate(est), np.concatenate(bounds), "bounded", cases, at=at,
                       note="deep linear net against (W_L⋯W_1)x + collapsed bias")


# ---- linear.rank ----------------------------------------------------------------------------

INTEGER_SCALE = 1 << 20
"""Gaussian factors are scaled by this and rounded to integers, so products and ranks are exact: in floating
point the rounding noise of a product scales with Π‖W_l‖, not with its largest singular value, and a rank
cut-off can see noise as rank. An integer matrix of this scale is singular with negligible probability."""


def _exact_rank(matrix) -> int:
    """Rank of an integer matrix by fraction-free Gaussian elimination (Bareiss) on Python ints."""
    rows = [[int(v) for v in row] for row in matrix]
    rank, previous = 0, 1
    n_rows, n_cols = len(rows), len(rows[0]) if rows else 0
    for col in range(n_cols):
        pivot = next((r for r in range(rank, n_rows) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(rank + 1, n_rows):
            rows[r] = [(rows[rank][col] * rows[r][c] - rows[r][col] * rows[rank][c]) // previous
                       for c in range(n_cols)]
        previous = rows[rank][col]
        rank += 1
    return rank


def _factor(rng, n_out, n_in, rank):
    """An integer n_out×n_in factor of the given rank: rounded Gaussians, through a rank-wide bottleneck."""
    def gaussian(shape):
        return np.rint(INTEGER_SCALE * I.lecun_normal(shape, rng, gain=1.0, mode="fan_in")).astype(np.int64).astype(object)
    if rank >= min(n_out, n_in):
        return gaussian((n_out, n_in))
    return gaussian((n_out, rank)).dot(gaussian((rank, n_in)))


def _measure_rank(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    cases = budget.replicates(RANK_CASES)
    ranks, mins, maxs = [], [], []
    for _ in range(cases):
        depth = int(rng.integers(2, 5))
        widths = [_shape(rng, 1, 8) for _ in range(depth + 1)]
        factors = []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            full = min(n_in, n_out)
            r = int(rng.integers(1, full + 1)) if config["factors"] == "rank-deficient" else full
            factors.append(_factor(rng, n_out, n_in, r))
        product = factors[0]
        for f in factors[1:]:
            product = f.dot(product)
        each = [_exact_rank(f) for f in factors]
        ranks.append(_exact_rank(product))
        mins.append(min(each))
        maxs.append(max(each))
    return Measurement(np.array(ranks), kind="exact", cases=cases,
                       at={"reference": np.array(mins), "control": np.array(maxs)},
                       note="exact ranks of integer (rounded Gaussian) factors and of their product")


# ---- mlp.forward ----------------------------------------------------------------------------

def _measure_forward(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """numeric MLP.forward against the derive expression (lambdified) of the same network."""
    widths, activation = tuple(config["widths"]), config["activation"]
    y, x, weights, biases = D.mlp_expression(widths, activation)
    wrong, *_ = D.mlp_expression(widths, activation, output_activation=True)
    symbols = [*x, *(s for w in weights for s in w), *(s for b in biases for s in b)]
    f, f_wrong = sp.lambdify(symbols, list(y), "numpy"), sp.lambdify(symbols, list(wrong), "numpy")
    cases = budget.replicates(RANDOM_SHAPES)
    est, bounds, ref, ctl = [], [], [], []
    for _ in range(cases):
        net = N.MLP.init(widths, rng, weight_init=I.xavier_normal, bias="torch", activation=activation)
        xs = 2 * rng.standard_normal((8, widths[0]))
        args = [*xs.T, *(np.full(8, v) for w in net.weights for v in w.ravel()),
                *(np.full(8, v) for b in net.biases for v in b)]
        est.append(net.forward(xs).ravel())
        ref.append(np.stack(np.broadcast_arrays(*f(*args)), axis=1).ravel())
        ctl.append(np.stack(np.broadcast_arrays(*f_wrong(*args)), axis=1).ravel())
        err, h = np.zeros_like(xs), np.abs(xs)
        for i, (w, b) in enumerate(zip(net.weights, net.biases)):
            h = h @ np.abs(w).T + np.abs(b)
            err = err @ np.abs(w).T + _gamma(w.shape[1] + 1) * h
            if i < len(net.weights) - 1:
                err = err + EVAL_ULPS * _U * h
        bounds.append((2 * err).ravel())
    return Measurement(np.concatenate(est), np.concatenate(bounds), "bounded", cases,
                       at={"reference": np.concatenate(ref), "control": np.concatenate(ctl)},
                       note="numeric forward against the lambdified derive expression")


def _reference(config, at):
    return at["reference"]


def _control(config, at):
    return at["control"]


_CORE = "001 §Core Equations, §Batch vs Single Sample"

CLAIMS = [
    Claim(
        id="linear.batch",
        title="Y = XWᵀ + b equals stacking W x_i + b; row-major W' = Wᵀ gives the same Y",
        source=_CORE,
        formula="Y = XWᵀ + b",
        expected=_reference,
        measure=_measure_batch,
        control=_control,
        control_formula="Y = XW + b with W of shape (m, n)",
        configs=({"weights": "rectangular (m > n)"}, {"weights": "square"}),
        notes="With m ≠ n the control does not conform (NaN, rejected); with m = n it computes XW ≠ XWᵀ.",
    ),
    Claim(
        id="linear.composition",
        title="an affine map of an affine map is affine: any depth of linear layers is one layer (000 Q1.3)",
        source="000 Q1.3; 001 §Multi-Layer Forward Pass",
        formula="(W2W1)x + (W2b1 + b2)",
        expected=_reference,
        measure=_measure_composition,
        control=_control,
        control_formula="collapsed bias W2·b1 alone",
        configs=({"depth": 2}, {"depth": 5}),
    ),
    Claim(
        id="linear.rank",
        title="rank(W_L⋯W_1) <= min_l rank(W_l), with equality for generic Gaussian factors (000 Q1.2)",
        source="000 Q1.2",
        formula="min_l rank(W_l)",
        expected=_reference,
        measure=_measure_rank,
        control=_control,
        control_formula="max_l rank(W_l)",
        configs=({"factors": "full-rank"}, {"factors": "rank-deficient"}),
    ),
    Claim(
        id="mlp.forward",
        title="the forward pass applies the activation on every hidden layer and none on the output",
        source="001 §Forward Pass Pseudocode, §Multi-Layer Forward Pass",
        formula="y = W_L φ(… φ(W_1 x + b_1) …) + b_L",
        expected=_reference,
        measure=_measure_forward,
        control=_control,
        control_formula="φ on the output too",
        configs=({"widths": (3, 4, 2), "activation": "relu"}, {"widths": (2, 5, 3, 2), "activation": "tanh"}),
    ),
]
