"""Dense layers and multi-layer perceptrons: forward pass, explicit backward pass, signal propagation.

Layer l maps width n_{l-1} to n_l with W_l of shape (n_l, n_{l-1}) and b_l of shape (n_l,):
z_l = W_l h_{l-1} + b_l, h_l = φ(z_l), h_0 = x; a batch is a matrix of rows, Z_l = H_{l-1} W_lᵀ + b_l.
An MLP applies φ on every hidden layer and none on the output (y = z_L).
"""
import math
import numbers
import operator
from dataclasses import dataclass

import numpy as np

from numeric import init as _init

__all__ = [
    "ACTIVATIONS", "activation_pair", "check_widths",
    "linear", "MLP", "Trace", "Gradients",
    "Propagation", "propagate",
]

ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "softplus", "log_sigmoid")


def _identity(x):
    return x


def _ones(x):
    return np.ones_like(x)


def activation_pair(activation):
    """(φ, φ') for a name in ACTIVATIONS (from ``numeric.activations``), or a given pair of callables."""
    if isinstance(activation, tuple) and len(activation) == 2 and all(map(callable, activation)):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS} or a (phi, phi_grad) pair of callables, got {activation!r}")
    if activation == "linear":
        return _identity, _ones
    from numeric import activations as act
    if activation == "softplus":
        return act.softplus, act.sigmoid
    if activation == "log_sigmoid":
        return act.log_sigmoid, lambda x: act.sigmoid(-x)
    return getattr(act, activation), getattr(act, activation + "_grad")


def check_widths(widths):
    """Widths (n_0, n_1, ..., n_L) as a tuple of ints, L >= 1, every n_l >= 1."""
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a sequence of integers (n_0, ..., n_L), got {widths!r}")
    try:
        widths = tuple(operator.index(n) for n in widths)
    except TypeError:
        raise TypeError(f"widths must be a sequence of integers (n_0, ..., n_L), got {widths!r}") from None
    if len(widths) < 2:
        raise ValueError(f"widths must have at least 2 entries (n_0, n_1) for one layer, got {widths!r}")
    for l, n in enumerate(widths):
        if n < 1:
            raise ValueError(f"widths[{l}] must be >= 1 (a layer needs at least one unit), got {n} in {widths!r}")
    return widths


def linear(x, weight, bias=None):
    """Y = X Wᵀ + b for rows X (batch, n_in), W (n_out, n_in), b (n_out,); y = W x + b for one x (n_in,)."""
    x = np.asarray(x)
    weight = np.asarray(weight)
    if weight.ndim != 2:
        raise ValueError(f"weight must be 2-D (n_out, n_in), got shape {weight.shape}")
    if x.ndim not in (1, 2) or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"x must have shape (n_in,) or (batch, n_in) with n_in = weight.shape[1] = {weight.shape[1]}, got {x.shape}"
        )
    y = x @ weight.T
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"bias must have shape (n_out,) = ({weight.shape[0]},), got {bias.shape}")
        y = y + bias
    return y


@dataclass(frozen=True)
class Trace:
    """What the backward pass needs: inputs h_0..h_{L-1} of each layer and pre-activations z_1..z_L (= output)."""
    inputs: tuple
    pre: tuple

    @property
    def output(self):
        return self.pre[-1]


@dataclass(frozen=True)
class Gradients:
    """∂ℓ/∂W_l, ∂ℓ/∂b_l for every layer, ∂ℓ/∂z_l and ∂ℓ/∂x, for ℓ = Σ_batch ⟨grad_output, y⟩."""
    weights: tuple
    biases: tuple
    pre: tuple
    inputs: np.ndarray

    def __repr__(self):
        shapes = ", ".join(str(w.shape) for w in self.weights)
        return f"Gradients(weights=[{shapes}], inputs={self.inputs.shape})"


class MLP:
    """y = W_L φ(… φ(W_1 x + b_1) …) + b_L: φ on every hidden layer, none on the output."""

    def __init__(self, weights, biases=None, activation="relu"):
        weights = tuple(np.asarray(w) for w in weights)
        if not weights:
            raise ValueError("weights must hold at least one layer, got none")
        for l, w in enumerate(weights, start=1):
            if w.ndim != 2:
                raise ValueError(f"weights[{l - 1}] (layer {l}) must be 2-D (n_l, n_(l-1)), got shape {w.shape}")
            if l > 1 and w.shape[1] != weights[l - 2].shape[0]:
                raise ValueError(
                    f"weights[{l - 1}] (layer {l}) must have n_(l-1) = {weights[l - 2].shape[0]} columns "
                    f"to follow layer {l - 1}, got shape {w.shape}"
                )
        if biases is None:
            biases = (None,) * len(weights)
        biases = tuple(None if b is None else np.asarray(b) for b in biases)
        if len(biases) != len(weights):
            raise ValueError(f"biases must have one entry per layer ({len(weights)}), got {len(biases)}")
        for l, (w, b) in enumerate(zip(weights, biases), start=1):
            if b is not None and b.shape != (w.shape[0],):
                raise ValueError(f"biases[{l - 1}] (layer {l}) must have shape ({w.shape[0]},), got {b.shape}")
        self.weights = weights
        self.biases = biases
        self.activation = activation
        self._phi, self._phi_grad = activation_pair(activation)

    @classmethod
    def init(cls, widths, rng=None, *, weight_init=_init.kaiming_normal, bias="zeros", activation="relu",
             dtype=np.float64, **options):
        """An MLP with widths (n_0, ..., n_L): W_l = weight_init((n_l, n_(l-1)), rng, **options).

        ``bias``: "zeros", None (no biases) or "torch" (PyTorch's default U(±1/√fan_in)).
        """
        widths = check_widths(widths)
        if bias not in ("zeros", "torch", None):
            raise ValueError(f"bias must be 'zeros', 'torch' or None, got {bias!r}")
        rng = _init._generator(rng)
        weights, biases = [], []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            shape = (n_out, n_in)
            weights.append(weight_init(shape, rng, dtype=dtype, **options))
            if bias == "torch":
                biases.append(_init.torch_default_bias(shape, rng, dtype=dtype))
            else:
                biases.append(None if bias is None else np.zeros(n_out, dtype=dtype))
        return cls(weights, biases, activation)

    @property
    def widths(self):
        return (self.weights[0].shape[1],) + tuple(w.shape[0] for w in self.weights)

    @property
    def depth(self):
        return len(self.weights)

    def __repr__(self):
        name = self.activation if isinstance(self.activation, str) else "custom"
        bias = "no bias" if all(b is None for b in self.biases) else "bias"
        return f"MLP(widths={self.widths}, activation={name!r}, {bias})"

    def _rows(self, x):
        x = np.asarray(x)
        n_0 = self.widths[0]
        if x.ndim not in (1, 2) or x.shape[-1] != n_0:
            raise ValueError(f"x must have shape ({n_0},) or (batch, {n_0}) for n_0 = {n_0}, got {x.shape}")
        return x.reshape(-1, n_0), x.ndim == 1

    def forward_trace(self, x):
        """Z_l = H_(l-1) W_lᵀ + b_l, H_l = φ(Z_l) for l < L; returns the Trace (output = Z_L)."""
        h, _ = self._rows(x)
        inputs, pre = [], []
        for l, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            inputs.append(h)
            z = h @ w.T
            if b is not None:
                z += b
            pre.append(z)
            if l < self.depth:
                h = self._phi(z)
        return Trace(tuple(inputs), tuple(pre))

    def forward(self, x):
        """y = W_L h_(L-1) + b_L with h_l = φ(W_l h_(l-1) + b_l); x of shape (n_0,) or (batch, n_0)."""
        _, single = self._rows(x)
        y = self.forward_trace(x).output
        return y[0] if single else y

    __call__ = forward

    def backward(self, trace, grad_output):
        """Backpropagation for ℓ = Σ_batch ⟨grad_output, y⟩.

        δ_L = grad_output; ∂ℓ/∂W_l = δ_lᵀ H_(l-1), ∂ℓ/∂b_l = Σ_batch δ_l, ∂ℓ/∂H_(l-1) = δ_l W_l,
        δ_(l-1) = ∂ℓ/∂H_(l-1) ⊙ φ'(Z_(l-1)).
        """
        delta = np.asarray(grad_output)
        if delta.ndim == 1:
            delta = delta.reshape(1, -1)
        if delta.shape != trace.output.shape:
            raise ValueError(f"grad_output must have the output's shape {trace.output.shape}, got {np.shape(grad_output)}")
        grad_w, grad_b, grad_z = [None] * self.depth, [None] * self.depth, [None] * self.depth
        for l in range(self.depth - 1, -1, -1):
            grad_z[l] = delta
            grad_w[l] = delta.T @ trace.inputs[l]
            grad_b[l] = delta.sum(axis=0)
            grad_h = delta @ self.weights[l]
            if l > 0:
                delta = grad_h * self._phi_grad(trace.pre[l - 1])
        return Gradients(tuple(grad_w), tuple(grad_b), tuple(grad_z), grad_h)


# ---- signal propagation: the Monte Carlo kernel ------------------------------------------------

@dataclass(frozen=True)
class Propagation:
    """Per-replicate second moments: ``pre[r, l-1]`` = mean over batch and units of z_l², ``post[r, l]`` of h_l².

    ``post[:, 0]`` is the input's. Each row comes from its own weight draw, so rows are independent.
    """
    pre: np.ndarray
    post: np.ndarray

    def __repr__(self):
        return f"Propagation(replicates={self.post.shape[0]}, depth={self.pre.shape[1]})"


def _mean_squares(a):
    """Mean of a² over every axis but the first (the replicate axis), without a temporary."""
    if a.shape[0] == 1:
        flat = a.reshape(-1)
        return np.array([np.dot(flat, flat)]) / flat.size
    rows = a.reshape(a.shape[0], -1)
    return np.einsum("ij,ij->i", rows, rows) / rows.shape[1]


STACK_ELEMENTS = 1 << 20
"""Replicates are simulated side by side while their activations and weights fit in this many elements."""


def propagate(widths, replicates, batch, rng=None, *, weight_init="kaiming_normal", activation="relu",
              bias=None, dtype=np.float32, input_mean=0.0, input_std=1.0, negative_slope=0.01, **options):
    """E[z_l²], E[h_l²] through L layers h_l = φ(W_l h_(l-1) + b_l), new weights for every replicate.

    φ is applied at every layer (h_L = φ(z_L)): this is the propagation setting, not an MLP's output.
    ``activation`` is a name in ACTIVATIONS or "leaky_relu" (slope ``negative_slope``). Inputs are
    i.i.d. N(input_mean, input_std²), ``batch`` of them per weight draw. ``weight_init`` is a name from
    ``numeric.init`` or a callable ``f(shape, rng, dtype=..., out=...)`` that fills ``out`` of shape
    (k, *shape) with k independent draws in place, as ``numeric.init``'s initializers do; ``options``
    go to it. ``bias`` is None or "torch" (PyTorch's default). Replicates with small layers are
    simulated side by side (a stacked matmul) up to STACK_ELEMENTS; memory is
    O(STACK_ELEMENTS + batch·max width + max width²) whatever ``replicates``.
    """
    widths = check_widths(widths)
    for name, value in (("replicates", replicates), ("batch", batch)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} must be an integer >= 1, got {value!r}")
    replicates, batch = operator.index(replicates), operator.index(batch)
    if replicates < 1:
        raise ValueError(f"replicates must be >= 1, got {replicates}")
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    if bias not in (None, "torch"):
        raise ValueError(f"bias must be None or 'torch', got {bias!r}")
    if not (isinstance(input_std, numbers.Real) and math.isfinite(input_std) and input_std >= 0):
        raise ValueError(f"input_std must be a finite number >= 0, got {input_std!r}")
    for name, value in (("input_mean", input_mean), ("negative_slope", negative_slope)):
        if isinstance(value, (bool, np.bool_)) or not (isinstance(value, numbers.Real) and math.isfinite(value)):
            raise ValueError(f"{name} must be a finite real number, got {value!r}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    draw = _weight_drawer(weight_init, options)
    phi = _inplace_activation(activation, negative_slope)
    rng = _init._generator(rng)
    depth, widest = len(widths) - 1, max(widths)
    stack = max(1, min(replicates, STACK_ELEMENTS // (batch * widest + widest * widest)))

    # Two flat activation buffers used in turn, and one weight (and bias) buffer per distinct shape.
    flat = [np.empty(stack * batch * widest, dtype), np.empty(stack * batch * widest, dtype)]
    buffers = {}
    pre = np.empty((replicates, depth))
    post = np.empty((replicates, depth + 1))
    for first in range(0, replicates, stack):
        k = min(stack, replicates - first)
        rows = slice(first, first + k)
        h = flat[0][: k * batch * widths[0]].reshape(k, batch, widths[0])
        rng.standard_normal(dtype=dtype, out=h)
        if input_std != 1.0:
            h *= input_std
        if input_mean != 0.0:
            h += input_mean
        post[rows, 0] = _mean_squares(h)
        for l in range(1, depth + 1):
            shape = (widths[l], widths[l - 1])
            if (k, shape) not in buffers:
                buffers[k, shape] = (np.empty((k, *shape), dtype), np.empty((k, 1, shape[0]), dtype))
            w, b = buffers[k, shape]
            draw(shape, rng, dtype=dtype, out=w)                 # k independent draws in one call
            z = flat[l % 2][: k * batch * widths[l]].reshape(k, batch, widths[l])
            if k == 1:                                             # one replicate: a plain 2-D GEMM
                np.matmul(h[0], w[0].T, out=z[0])
            else:
                np.matmul(h, w.transpose(0, 2, 1), out=z)
            if bias == "torch":
                _init.torch_default_bias(shape, rng, dtype=dtype, out=b)
                z += b
            pre[rows, l - 1] = _mean_squares(z)
            phi(z)
            post[rows, l] = _mean_squares(z)
            h = z
    return Propagation(pre, post)


def _weight_drawer(weight_init, options):
    if callable(weight_init):
        return lambda shape, rng, dtype, out: weight_init(shape, rng, dtype=dtype, out=out, **options)
    names = ("lecun_normal", "lecun_uniform", "xavier_normal", "xavier_uniform",
             "kaiming_normal", "kaiming_uniform", "torch_default")
    if weight_init not in names:
        raise ValueError(f"weight_init must be one of {names} or a callable, got {weight_init!r}")
    f = getattr(_init, weight_init)
    return lambda shape, rng, dtype, out: f(shape, rng, dtype=dtype, out=out, **options)


def _inplace_activation(activation, negative_slope=0.01):
    """φ applied in place to a float array (relu, leaky_relu, tanh and linear without a temporary)."""
    if activation == "relu":
        return lambda z: np.maximum(z, 0, out=z)
    if activation == "leaky_relu":
        return lambda z: np.multiply(z, negative_slope, out=z, where=z < 0)
    if activation == "linear":
        return lambda z: z
    if activation == "tanh":
        return lambda z: np.tanh(z, out=z)
    phi, _ = activation_pair(activation)

    def apply(z):
        z[...] = phi(z)
    return apply
