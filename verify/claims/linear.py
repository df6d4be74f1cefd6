"""Claims on linear layers and MLPs (001 §Core Equations, §Batch vs Single Sample, §Forward Pass Pseudocode;
000 Q1.2, Q1.3): batch form, composition, rank of a product, the forward pass.

Every closed form and control is read from the claim's derivation (``derive.linear``): the matrix identities'
right sides are lambdified with their matrix symbols as arguments (``Form`` evaluates scalar expressions
only), the rank bound and the forward pass through ``Form``. Deterministic statements are checked against
their closed form with a proved rounding bound: a dot product of length k computed in floating point is
within γ_k·Σ|a_i||b_i| of the exact one, γ_k = k·u/(1 - k·u) (Higham, "Accuracy and Stability of Numerical
Algorithms", 2002, eq. 3.5); through a 1-Lipschitz activation (ReLU, tanh, identity) errors do not grow, and
each evaluation adds EVAL_ULPS units of roundoff. Both sides of a comparison round, so the bound counts both.

``Measurement.points`` holds, per random case, the numbers the closed form is evaluated at: the matrices X, W, b
of a batch, the weights, biases and input of a network (every one a symbol of the concluded right side; cases
differ in shape, so they are a tuple of per-case tuples rather than one stacked array), or the factor ranks the
rank bound is folded over. These are evaluation points, not other data: the closed form is a function of
exactly them, and the numeric result is compared with its value there.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from derive import linear as D
from numeric import init as I
from numeric import linear as N

from ..claim import Budget, Claim, Measurement
from ..closed import linked

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


_MATRIX_FNS: dict = {}


def _matrix_fn(expr):
    """A matrix expression read from a derivation as a NumPy function of its symbols, given by name."""
    fn = _MATRIX_FNS.get(expr)
    if fn is None:
        symbols = sorted(expr.free_symbols, key=lambda s: s.name)
        names = [s.name for s in symbols]
        compiled = sp.lambdify(symbols, expr, "numpy")

        def fn(**values):
            missing = sorted(set(names) - set(values))
            if missing:
                raise KeyError(f"the expression {expr} needs values for {missing}")
            return np.asarray(compiled(*[values[name] for name in names]))
        _MATRIX_FNS[expr] = fn
    return fn


# ---- linear.batch ---------------------------------------------------------------------------

SQUARE, RECTANGULAR = "square", "rectangular (m > n)"
"""The weights of linear.batch's two configurations: m = n, where the control XW + b conforms, and m > n."""


def _measure_batch(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """Y = numeric.linear.linear(X, W, b) for random shapes; points: each case's (X, W, b)."""
    cases = budget.replicates(RANDOM_SHAPES)
    estimates, bounds, inputs = [], [], []
    for _ in range(cases):
        B, n_in = _shape(rng), _shape(rng, 2)
        n_out = n_in if config["weights"] == SQUARE else n_in + _shape(rng, 1, 5)
        X, W, b = rng.standard_normal((B, n_in)), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
        Y = N.linear(X, W, b)
        bound = 2 * _gamma(n_in + 1) * (np.abs(X) @ np.abs(W).T + np.abs(b))
        estimates.append(Y.ravel())
        bounds.append(bound.ravel())
        inputs.append((X, W, b))
    return Measurement(np.concatenate(estimates), np.concatenate(bounds), "bounded", cases, points=tuple(inputs),
                       note="numeric Y = XWᵀ + b against the rows W x_i + b stacked, (WXᵀ + b1ᵀ)ᵀ")


def _batch_values(X, W, b) -> dict:
    return {"X": X, "W": W, "b": b[:, None], "B": X.shape[0]}


def _batch(control: bool):
    """Y at each case's (X, W, b): the concluded right side, or the control XW + 1bᵀ. The control is written at
    m = n (the derivation checks that XW does not conform otherwise): with rectangular weights it has no value,
    so that configuration checks the closed form alone."""
    def evaluate(config, points, form):
        if control and config["weights"] != SQUARE:
            return None
        fn = _matrix_fn(form.expression(D.BATCH, control=control))
        return np.concatenate([fn(**_batch_values(*case)).ravel() for case in points])
    return evaluate


# ---- linear.composition ---------------------------------------------------------------------

def _measure_composition(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """A deep linear MLP (numeric forward); its layers are kept for the collapsed single layer."""
    cases = budget.replicates(RANDOM_SHAPES)
    est, bounds, nets = [], [], []
    for _ in range(cases):
        widths = tuple(_shape(rng, 1, 7) for _ in range(config["depth"] + 1))
        net = N.MLP.init(widths, rng, weight_init=I.lecun_normal, bias="torch", activation="linear")
        x = rng.standard_normal((4, widths[0]))
        y = net.forward(x)
        abs_out = np.abs(x)
        for w, b in zip(net.weights, net.biases):
            abs_out = np.abs(abs_out) @ np.abs(w).T + np.abs(b)
        k = sum(widths) + len(widths)
        est.append(y.ravel())
        bounds.append((2 * _gamma(k) * abs_out).ravel())
        nets.append((tuple(net.weights), tuple(net.biases), x))
    return Measurement(np.concatenate(est), np.concatenate(bounds), "bounded", cases, points=tuple(nets),
                       note="deep linear net against its layers collapsed into one, (W_L⋯W_1)x + collapsed bias")


def _collapse(f, weights, biases):
    """(A, c) of the first L - 1 layers collapsed into one, by the concluded right side
    f = (W₂W₁)x + (W₂b₁ + b₂) applied once per layer: A_l = f at W₂ = W_l, W₁ = A_(l-1), x = I and zero
    biases; c_l = f at x = 0, b₁ = c_(l-1), b₂ = b_l (both exact: adding 0 and multiplying by I round nothing)."""
    A, c = weights[0], biases[0][:, None]
    eye, zero = np.eye(A.shape[1]), np.zeros((A.shape[1], 1))
    for w, b in zip(weights[1:-1], biases[1:-1]):
        A, c = (f(W_2=w, W_1=A, b_1=np.zeros_like(c), b_2=np.zeros((w.shape[0], 1)), x=eye),
                f(W_2=w, W_1=A, b_1=c, b_2=b[:, None], x=zero))
    return A, c


def _composition(control: bool):
    def evaluate(config, points, form):
        f = _matrix_fn(form.expression(D.COMPOSED))
        last = _matrix_fn(form.expression(D.COMPOSED, control=control))
        out = []
        for weights, biases, x in points:
            A, c = _collapse(f, weights, biases)
            out.append(last(W_2=weights[-1], W_1=A, b_1=c, b_2=biases[-1][:, None], x=x.T).T.ravel())
        return np.concatenate(out)
    return evaluate


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
        draw = I.lecun_normal(shape, rng, gain=1.0, mode="fan_in")
        return np.rint(INTEGER_SCALE * draw).astype(np.int64).astype(object)
    if rank >= min(n_out, n_in):
        return gaussian((n_out, n_in))
    return gaussian((n_out, rank)).dot(gaussian((rank, n_in)))


def _measure_rank(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """Exact ranks of random products; points: each product's factor ranks, W_1 first."""
    cases = budget.replicates(RANK_CASES)
    ranks, factor_ranks = [], []
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
        ranks.append(_exact_rank(product))
        factor_ranks.append(np.array([_exact_rank(f) for f in factors]))
    return Measurement(np.array(ranks), kind="exact", cases=cases, points=tuple(factor_ranks),
                       note="exact ranks of integer (rounded Gaussian) factors and of their product")


def _rank(control: bool):
    """The concluded bound of rank(W_l·(W_(l-1)⋯W_1)) in terms of rank W_l and the rank so far, folded over
    the factors from W_1 (for generic factors each step attains it: that equality is what is measured)."""
    def evaluate(config, points, form):
        bound = form.control if control else form.defined
        out = []
        for ranks in points:
            value = int(ranks[0])
            for r in ranks[1:]:
                value = bound(D.BOUND, **{D.r_l.name: int(r), D.rho.name: value})
            out.append(value)
        return np.array(out, dtype=np.float64)
    return evaluate


# ---- mlp.forward ----------------------------------------------------------------------------

def _measure_forward(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """numeric MLP.forward on random networks and inputs; points: each case's weights, biases and inputs."""
    widths, activation = tuple(config["widths"]), config["activation"]
    cases = budget.replicates(RANDOM_SHAPES)
    est, bounds, inputs = [], [], []
    for _ in range(cases):
        net = N.MLP.init(widths, rng, weight_init=I.xavier_normal, bias="torch", activation=activation)
        xs = 2 * rng.standard_normal((8, widths[0]))
        est.append(net.forward(xs).ravel())
        err, h = np.zeros_like(xs), np.abs(xs)
        for i, (w, b) in enumerate(zip(net.weights, net.biases)):
            h = h @ np.abs(w).T + np.abs(b)
            err = err @ np.abs(w).T + _gamma(w.shape[1] + 1) * h
            if i < len(net.weights) - 1:
                err = err + EVAL_ULPS * _U * h
        bounds.append((2 * err).ravel())
        inputs.append((tuple(net.weights), tuple(net.biases), xs))
    return Measurement(np.concatenate(est), np.concatenate(bounds), "bounded", cases, points=tuple(inputs),
                       note="numeric forward against the forward pass the derivation defines")


def _forward(control: bool):
    """Each output y_k of the derivation's network (or its control, φ on the output too) at the measured
    weights and inputs: symbols by name, each output given exactly the parameters it depends on."""
    def evaluate(config, points, form):
        net = D.network(config["activation"], config["widths"])
        needed = [sorted(s.name for s in form.expression(y).free_symbols) for y in net.outputs]
        evaluate_one = form.control if control else form
        out = []
        for weights, biases, xs in points:
            values = {s.name: v for s, v in zip(net.x, xs.T)}
            for symbols, array in (*zip(net.weights, weights), *zip(net.biases, biases)):
                values.update((s.name, float(v)) for s, v in zip(symbols, array.ravel()))
            columns = [np.broadcast_to(evaluate_one(y, **{k: values[k] for k in names}), (len(xs),))
                       for y, names in zip(net.outputs, needed)]
            out.append(np.stack(columns, axis=1).ravel())
        return np.concatenate(out)
    return evaluate


_CORE = "001 §Core Equations, §Batch vs Single Sample"

CLAIMS = [
    Claim(
        id="linear.batch",
        title="Y = XWᵀ + b equals stacking W x_i + b; row-major W' = Wᵀ gives the same Y",
        source=_CORE,
        expected=linked(_batch(control=False), shows=D.BATCH),
        measure=_measure_batch,
        control=linked(_batch(control=True), shows=D.BATCH),
        configs=({"weights": RECTANGULAR}, {"weights": SQUARE}),
        notes="The control XW + b conforms only for square weights (m = n), where it is off by X(W - Wᵀ); with "
              "m ≠ n it has no value, so the rectangular configuration checks the closed form alone.",
    ),
    Claim(
        id="linear.composition",
        title="an affine map of an affine map is affine: any depth of linear layers is one layer (000 Q1.3)",
        source="000 Q1.3; 001 §Multi-Layer Forward Pass",
        expected=linked(_composition(control=False), shows=D.COMPOSED),
        measure=_measure_composition,
        control=linked(_composition(control=True), shows=D.COMPOSED),
        configs=({"depth": 2}, {"depth": 5}),
    ),
    Claim(
        id="linear.rank",
        title="rank(W_L⋯W_1) <= min_l rank(W_l), with equality for generic Gaussian factors (000 Q1.2)",
        source="000 Q1.2",
        expected=linked(_rank(control=False), shows=D.BOUND),
        measure=_measure_rank,
        control=linked(_rank(control=True), shows=D.BOUND),
        configs=({"factors": "full-rank"}, {"factors": "rank-deficient"}),
        notes="The bound for all sizes rests on Horn & Johnson 0.4.5(c); its equality for generic factors is "
              "what the exact check measures.",
    ),
    Claim(
        id="mlp.forward",
        title="the forward pass applies the activation on every hidden layer and none on the output",
        source="001 §Forward Pass Pseudocode, §Multi-Layer Forward Pass",
        expected=linked(_forward(control=False), shows=D.network("relu").outputs[0]),
        measure=_measure_forward,
        control=linked(_forward(control=True), shows=D.network("relu").outputs[0]),
        configs=tuple({"widths": widths, "activation": activation} for activation, widths in D.NETWORKS.items()),
    ),
]
