"""Training dynamics in NumPy: hidden-unit symmetry under gradient descent, and residual gradient flow.

Symmetry. A one-hidden-layer network f(x) = W₂·φ(W₁x + b₁) + b₂ (weights in PyTorch's layout
``(out, in)``, inputs as rows) is trained by plain gradient descent on the squared error
L = 1/(2B)·Σ_i ‖f(x_i) - y_i‖². Hidden unit j is the triple (W₁[j, :], b₁[j], W₂[:, j]); units that
start equal get equal gradients and stay equal (Goodfellow, Bengio & Courville, *Deep Learning*,
2016, §8.4). For that to show as *bit-for-bit* equality, every hidden unit must be computed by the
same floating-point operations in the same order. BLAS matrix products do not promise that: a GEMM
kernel may split or order a dot product differently for different output columns, and identical
weight columns can come out a few ulps apart. Every product here whose columns or rows are hidden
units is therefore :func:`matmul_columnwise`: a sequential sum of elementwise products over the inner
dimension, so entry (i, j) is ((a_i0·b_0j + a_i1·b_1j) + ...) for every i and j, and equal rows of
``a`` or equal columns of ``b`` give equal rows or columns of the result, exactly.

Residual gradient flow. A block maps x ↦ x + f(x) (residual) or x ↦ f(x) (plain), where the branch
f(x) = W_k·relu(···relu(W_1·x)) has k >= 1 linear maps (k = 1: a linear branch J; k = 2: the usual
two-layer ReLU branch). Its input Jacobian is I + J_f or J_f, so a vector-Jacobian product through a
residual stack is g ↦ g + J_fᵀg per block (He, Zhang, Ren & Sun, "Identity Mappings in Deep Residual
Networks", ECCV 2016, eq. 5). Weights may carry leading batch dimensions ``(..., out, in)`` so one call
runs many independent weight draws.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from numeric import activations as A
from numeric._checks import NumericError, generator, integer, matrix, one_of, real
from numeric.activations import relu, relu_grad

__all__ = [
    "ACTIVATIONS",
    "matmul_columnwise",
    "Params", "constant_params", "random_params",
    "regression_task",
    "forward", "loss_and_grads", "gd_step", "train", "Training",
    "unit_differences", "unit_spread", "output_range", "hidden_size",
    "branch_forward", "branch_backward",
    "stack_forward", "stack_backward", "stack_input_grad",
]

ACTIVATIONS = ("tanh", "relu", "sigmoid")
"""The activations the symmetry experiments are stated for; φ and φ' come from numeric.activations' table."""


def _activation(activation):
    record = A.activation(one_of("activation", activation, ACTIVATIONS))
    return record.phi, record.grad


# ---------------------------------------------------------------- column-uniform products

def matmul_columnwise(a, b):
    """(a·b)_ij = Σ_k a_ik·b_kj from elementwise products and a reduction over k (no BLAS).

    Entry (i, j) is the same sequence of correctly rounded operations on (a_ik, b_kj)_k for every i
    and j, so equal columns of ``b`` give bit-identical columns of the result, and equal rows of ``a``
    give bit-identical rows. Small operands form the (rows, inner, cols) products at once and reduce
    them with ``np.add.reduce`` (the same summation order for every output entry); larger ones sum
    sequentially over k, one elementwise update per inner index.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim != 2 or b.ndim != 2:
        raise NumericError(f"a and b must be 2-dimensional, got shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise NumericError(f"inner dimensions must match: a has shape {a.shape}, b has shape {b.shape}")
    dtype = np.result_type(a, b)
    if a.shape[0] * a.shape[1] * b.shape[1] <= _BROADCAST_LIMIT:
        products = np.ascontiguousarray(a[:, :, None] * b[None, :, :], dtype=dtype)
        return np.add.reduce(products, axis=1)
    out = np.zeros((a.shape[0], b.shape[1]), dtype=dtype)
    for k in range(a.shape[1]):
        out += a[:, k, None] * b[None, k, :]
    return out


_BROADCAST_LIMIT = 1 << 16
"""Largest rows·inner·cols for which :func:`matmul_columnwise` forms all products at once."""


# ---------------------------------------------------------------- one-hidden-layer network

class Params(NamedTuple):
    """Parameters of f(x) = w2·φ(w1·x + b1) + b2: w1 (width, fan_in), b1 (width,), w2 (fan_out, width), b2 (fan_out,)."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    @property
    def width(self):
        return self.w1.shape[0]

    def __repr__(self):
        fan_out, width = self.w2.shape
        return f"Params(fan_in={self.w1.shape[1]}, width={width}, fan_out={fan_out})"


def _check_params(params):
    if not isinstance(params, Params):
        raise NumericError(f"params must be a Params, got {type(params).__name__}")
    w1 = matrix("params.w1", params.w1)
    width, fan_in = w1.shape
    if width < 1 or fan_in < 1:
        raise NumericError(f"params.w1 must have width >= 1 rows and fan_in >= 1 columns, got shape {w1.shape}")
    w2 = matrix("params.w2", params.w2, cols=width)
    fan_out = w2.shape[0]
    b1 = np.asarray(params.b1)
    b2 = np.asarray(params.b2)
    if b1.shape != (width,):
        raise NumericError(f"params.b1 must have shape ({width},) to match params.w1, got {b1.shape}")
    if b2.shape != (fan_out,):
        raise NumericError(f"params.b2 must have shape ({fan_out},) to match params.w2, got {b2.shape}")
    return Params(w1, b1, w2, b2)


def constant_params(fan_in, width, fan_out=1, *, weight=0.0, bias=0.0, out_weight=None, out_bias=0.0):
    """Every hidden unit identical: w1 = weight, b1 = bias, w2 = out_weight (default ``weight``), b2 = out_bias.

    ``constant_params(n, m)`` is the all-zero initialization.
    """
    fan_in = integer("fan_in", fan_in, 1)
    width = integer("width", width, 1)
    fan_out = integer("fan_out", fan_out, 1)
    weight = real("weight", weight)
    out_weight = weight if out_weight is None else real("out_weight", out_weight)
    return Params(
        np.full((width, fan_in), weight),
        np.full(width, real("bias", bias)),
        np.full((fan_out, width), out_weight),
        np.full(fan_out, real("out_bias", out_bias)),
    )


def random_params(fan_in, width, fan_out=1, rng=None, *, std=None):
    """w1 ~ N(0, std²) with std = 1/√fan_in (LeCun), w2 ~ N(0, 1/width) (or ``std``); zero biases."""
    fan_in = integer("fan_in", fan_in, 1)
    width = integer("width", width, 1)
    fan_out = integer("fan_out", fan_out, 1)
    if std is not None:
        std = real("std", std, 0, strict=True)
    rng = generator(rng)
    std1 = std if std is not None else 1 / math.sqrt(fan_in)
    std2 = std if std is not None else 1 / math.sqrt(width)
    return Params(
        rng.standard_normal((width, fan_in)) * std1,
        np.zeros(width),
        rng.standard_normal((fan_out, width)) * std2,
        np.zeros(fan_out),
    )


def regression_task(samples=64, fan_in=2, rng=0, *, noise=0.05):
    """Inputs x_i ~ U[-1, 1]^fan_in and targets y = sin(π·x_1)·cos(x_2 + ... + x_n) + noise·ε, ε ~ N(0, 1).

    A smooth non-linear target no single hidden unit can fit. Returns ``(x, y)`` with shapes
    ``(samples, fan_in)`` and ``(samples, 1)``; the same ``rng`` seed gives the same data.
    """
    samples = integer("samples", samples, 1)
    fan_in = integer("fan_in", fan_in, 1)
    noise = real("noise", noise, 0)
    rng = generator(rng)
    x = rng.uniform(-1.0, 1.0, size=(samples, fan_in))
    y = np.sin(np.pi * x[:, 0]) * np.cos(x[:, 1:].sum(axis=1)) + noise * rng.standard_normal(samples)
    return x, y[:, None]


def forward(params, x, activation="tanh"):
    """f(x) = w2·φ(w1·x + b1) + b2 for each row of x: returns ``(output, z, h)`` with z = w1·x + b1, h = φ(z)."""
    params = _check_params(params)
    phi, _ = _activation(activation)
    x = matrix("x", x, cols=params.w1.shape[1])
    z = matmul_columnwise(x, params.w1.T) + params.b1
    h = phi(z)
    return matmul_columnwise(h, params.w2.T) + params.b2, z, h


def loss_and_grads(params, x, y, activation="tanh"):
    """L = 1/(2B)·Σ‖f(x_i) - y_i‖² and its gradient, by backpropagation with hidden-unit-uniform products.

    r = (f - y)/B; ∂L/∂w2 = rᵀh, ∂L/∂b2 = Σ_i r_i; δ = (r·w2) ⊙ φ'(z); ∂L/∂w1 = δᵀx, ∂L/∂b1 = Σ_i δ_i.
    """
    loss, grads, _ = _loss_grads_output(params, x, y, activation)
    return loss, grads


def _loss_grads_output(params, x, y, activation):
    params = _check_params(params)
    _, phi_grad = _activation(activation)
    x = matrix("x", x, cols=params.w1.shape[1])
    y = matrix("y", y, rows=x.shape[0], cols=params.w2.shape[0])
    out, z, h = forward(params, x, activation)
    batch = x.shape[0]
    r = (out - y) / batch
    loss = 0.5 * batch * float(np.sum(r * r))
    ones = np.ones((1, batch))
    delta = matmul_columnwise(r, params.w2) * phi_grad(z)
    grads = Params(
        matmul_columnwise(delta.T, x),
        matmul_columnwise(ones, delta)[0],
        matmul_columnwise(r.T, h),
        matmul_columnwise(ones, r)[0],
    )
    return loss, grads, out


def gd_step(params, grads, lr):
    """θ ← θ - lr·∂L/∂θ for every parameter array."""
    params = _check_params(params)
    if not isinstance(grads, Params):
        raise NumericError(f"grads must be a Params, got {type(grads).__name__}")
    for name, p, g in zip(Params._fields, params, grads):
        if np.shape(g) != p.shape:
            raise NumericError(f"grads.{name} must have the shape of params.{name}, {p.shape}, got {np.shape(g)}")
    lr = real("lr", lr, 0, strict=True)
    return Params(*(p - lr * g for p, g in zip(params, grads)))


def unit_differences(params):
    """max_k |θ_j,k - θ_0,k| for each hidden unit j, θ_j = (w1[j, :], b1[j], w2[:, j]): 0.0 where unit j equals unit 0."""
    params = _check_params(params)
    units = np.concatenate([params.w1, params.b1[:, None], params.w2.T], axis=1)
    return np.max(np.abs(units - units[0]), axis=1)


def unit_spread(params):
    """max over units j, j' of max_k |θ_j,k - θ_j',k|: exactly 0.0 iff all hidden units are identical."""
    params = _check_params(params)
    units = np.concatenate([params.w1, params.b1[:, None], params.w2.T], axis=1)
    return float(np.max(units.max(axis=0) - units.min(axis=0)))


def output_range(params, x, activation="tanh"):
    """max_i f(x_i) - min_i f(x_i) over the rows of x (per output, largest): 0.0 iff f is constant on x."""
    out, _, _ = forward(params, x, activation)
    return _range(out)


def _range(out):
    return float(np.max(out.max(axis=0) - out.min(axis=0)))


def hidden_size(params):
    """max |θ| over the hidden parameters w1, b1, w2: exactly 0.0 iff all of them are zero."""
    params = _check_params(params)
    return max(float(np.max(np.abs(p))) for p in (params.w1, params.b1, params.w2))


class Training(NamedTuple):
    """A gradient-descent run: final parameters and, for steps 0..T, loss, unit spread, output range on x
    and the largest hidden parameter (:func:`hidden_size`)."""

    params: Params
    loss: np.ndarray
    spread: np.ndarray
    output_range: np.ndarray
    hidden_size: np.ndarray

    def __repr__(self):
        return (f"Training(steps={len(self.loss) - 1}, loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}, "
                f"final spread={self.spread[-1]:.3g}, output range={self.output_range[-1]:.3g})")


def train(params, x, y, activation="tanh", lr=0.1, steps=300):
    """Plain gradient descent θ_{t+1} = θ_t - lr·∇L(θ_t) for ``steps`` steps, recording every step.

    Records, at steps 0..T, the loss, :func:`unit_spread`, :func:`output_range` on x and :func:`hidden_size`.
    """
    params = _check_params(params)
    lr = real("lr", lr, 0, strict=True)
    steps = integer("steps", steps, 0)
    records = []
    for step in range(steps + 1):
        loss, grads, out = _loss_grads_output(params, x, y, activation)
        records.append((loss, unit_spread(params), _range(out), hidden_size(params)))
        if step < steps:
            params = gd_step(params, grads, lr)
    return Training(params, *(np.array(column) for column in zip(*records)))


# ---------------------------------------------------------------- residual and plain stacks

def _stack_weights(name, weights):
    """A branch as a tuple of float arrays (..., out, in) whose inner dimensions chain."""
    if isinstance(weights, np.ndarray):
        weights = (weights,)
    if not isinstance(weights, (tuple, list)) or len(weights) == 0:
        raise NumericError(f"{name} must be a non-empty sequence of weight matrices (..., out, in), got {weights!r}")
    arrays = []
    for k, w in enumerate(weights):
        w = np.asarray(w)
        if w.dtype.kind != "f":
            raise NumericError(f"{name}[{k}] must be a real floating array, got dtype {w.dtype}")
        if w.ndim < 2:
            raise NumericError(f"{name}[{k}] must have shape (..., out, in), got {w.shape}")
        if arrays and w.shape[-1] != arrays[-1].shape[-2]:
            raise NumericError(
                f"{name}[{k}] has in = {w.shape[-1]} but {name}[{k - 1}] has out = {arrays[-1].shape[-2]}; they must match"
            )
        arrays.append(w)
    return tuple(arrays)


def branch_forward(x, weights):
    """f(x) = W_k·relu(W_{k-1}···relu(W_1·x)) on rows x (..., B, n): returns ``(f(x), pre-activations)``."""
    weights = _stack_weights("weights", weights)
    x = np.asarray(x)
    if x.ndim < 1 or x.shape[-1] != weights[0].shape[-1]:
        raise NumericError(f"x must have last dimension {weights[0].shape[-1]} (weights[0]'s in), got shape {x.shape}")
    pre = []
    h = x
    for k, w in enumerate(weights):
        z = h @ np.swapaxes(w, -1, -2)
        if k < len(weights) - 1:
            pre.append(z)
            h = relu(z)
        else:
            h = z
    return h, (x, tuple(pre))


def branch_backward(grad_out, weights, cache, *, weight_grads=True):
    """Vector-Jacobian product of the branch: returns ``(grad_x, grads of weights)`` for ∂L/∂f = grad_out.

    With ``weight_grads=False`` only grad_x is computed (the weight gradients come back as None).
    """
    weights = _stack_weights("weights", weights)
    if not (isinstance(cache, tuple) and len(cache) == 2 and isinstance(cache[1], tuple)
            and len(cache[1]) == len(weights) - 1):
        raise NumericError(f"cache must be the (x, pre-activations) pair branch_forward returned for these "
                         f"{len(weights)} weights, got {type(cache).__name__}")
    x, pre = cache
    g = np.asarray(grad_out)
    if g.ndim < 1 or g.shape[-1] != weights[-1].shape[-2]:
        raise NumericError(f"grad_out must have last dimension {weights[-1].shape[-2]} (the branch's out), "
                         f"got shape {g.shape}")
    grads = [None] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        if weight_grads:
            grads[k] = np.swapaxes(g, -1, -2) @ (x if k == 0 else relu(pre[k - 1]))
        g = g @ weights[k]
        if k > 0:
            g = g * relu_grad(pre[k - 1])
    return g, tuple(grads)


def _check_blocks(blocks, skip):
    if not isinstance(blocks, (tuple, list)):
        raise NumericError(f"blocks must be a sequence of branches (each a sequence of weight matrices), got {blocks!r}")
    checked = [_stack_weights(f"blocks[{l}]", b) for l, b in enumerate(blocks)]
    for l, branch in enumerate(checked):
        n_in, n_out = branch[0].shape[-1], branch[-1].shape[-2]
        if skip and n_in != n_out:
            raise NumericError(f"blocks[{l}] maps {n_in} -> {n_out} features; a residual block x + f(x) needs them equal")
        if l and n_in != checked[l - 1][-1].shape[-2]:
            raise NumericError(f"blocks[{l}] takes {n_in} features but blocks[{l - 1}] gives {checked[l - 1][-1].shape[-2]}")
    return checked


def stack_forward(x, blocks, skip=True):
    """x_l = x_{l-1} + f_l(x_{l-1}) (``skip=True``) or x_l = f_l(x_{l-1}) (plain): returns ``(x_L, caches)``."""
    blocks = _check_blocks(blocks, skip)
    caches = []
    h = np.asarray(x)
    for branch in blocks:
        f, cache = branch_forward(h, branch)
        caches.append(cache)
        h = h + f if skip else f
    return h, caches


def stack_backward(grad_out, blocks, caches, skip=True, *, weight_grads=True):
    """g_{l-1} = g_l + J_{f_l}ᵀg_l (residual) or J_{f_l}ᵀg_l (plain): returns ``(grad_x, per-block weight grads)``."""
    blocks = _check_blocks(blocks, skip)
    if len(caches) != len(blocks):
        raise NumericError(f"caches must have one entry per block ({len(blocks)}), got {len(caches)}")
    g = np.asarray(grad_out)
    grads = [None] * len(blocks)
    for l in range(len(blocks) - 1, -1, -1):
        g_branch, grads[l] = branch_backward(g, blocks[l], caches[l], weight_grads=weight_grads)
        g = g + g_branch if skip else g_branch
    return g, grads


def stack_input_grad(x, blocks, grad_out, skip=True):
    """∂⟨grad_out, x_L⟩/∂x = J_1ᵀ···J_Lᵀ·grad_out with J_l = I + J_{f_l} (residual) or J_{f_l} (plain)."""
    _, caches = stack_forward(x, blocks, skip)
    return stack_backward(grad_out, blocks, caches, skip, weight_grads=False)[0]
