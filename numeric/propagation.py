"""Signal propagation through depth by Monte Carlo: second moments of the activations (forward) and of
the gradients with respect to them (backward), with new weights for every replicate.

Layer l maps h_(l-1) (width n_(l-1)) to z_l = W_l h_(l-1) + b_l and h_l = φ(z_l), with φ at every layer
(h_L = φ(z_L)) and h_0 = x. For ℓ = Σ_batch ⟨g, h_L⟩, with an upstream gradient g independent of the
weights, backpropagation gives ∂ℓ/∂h_L = g and ∂ℓ/∂h_(l-1) = (∂ℓ/∂h_l ⊙ φ'(z_l)) W_l.

Each replicate draws its own inputs, weights (and biases, and g). Replicates are simulated side by side,
a stack of them per matrix product, as many as fit in STACK_ELEMENTS, and the buffers are reused from
stack to stack: memory does not grow with the number of replicates.

Reference: He, Zhang, Ren & Sun, "Delving Deep into Rectifiers" (ICCV 2015), §2.2: the forward
second moment (eq. 10) and the backward one (eq. 13).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from numeric import activations as A
from numeric import init as _init
from numeric._checks import (NumericError, allocation, float_dtype, generator, integer, one_of, real,
                             widths as check_widths)

__all__ = ["Propagation", "propagate", "backpropagate", "STACK_ELEMENTS", "INITIALIZERS"]

STACK_ELEMENTS = 1 << 20
"""Replicates are simulated side by side while the arrays they need at once fit in this many elements."""

INITIALIZERS = ("lecun_normal", "lecun_uniform", "xavier_normal", "xavier_uniform",
                "kaiming_normal", "kaiming_uniform", "torch_default")
"""The names ``weight_init`` may take (the initializers of ``numeric.init``)."""


@dataclass(frozen=True)
class Propagation:
    """Per-replicate second moments, each the mean over the batch and the units of a layer.

    ``pre[r, l-1]`` of z_l² and ``post[r, l]`` of h_l² (``post[:, 0]`` the input's); after
    ``backpropagate`` also ``grad[r, l]`` of (∂ℓ/∂h_l)² (``grad[:, L]`` the upstream g's, ``grad[:, 0]``
    the input's), None after ``propagate``. Each row comes from its own weight draw, so rows are independent.
    """
    pre: np.ndarray
    post: np.ndarray
    grad: np.ndarray | None = None

    def __repr__(self):
        backward = "" if self.grad is None else ", backward"
        return f"Propagation(replicates={self.post.shape[0]}, depth={self.pre.shape[1]}{backward})"


def propagate(widths, replicates, batch, rng=None, *, weight_init="kaiming_normal", activation="relu",
              bias=None, dtype=np.float32, input_mean=0.0, input_std=1.0, negative_slope=0.01,
              **options) -> Propagation:
    """E[z_l²], E[h_l²] through L layers h_l = φ(W_l h_(l-1) + b_l), new weights for every replicate.

    φ is applied at every layer (h_L = φ(z_L)): this is the propagation setting, not an MLP's output.
    ``activation`` is a name in ``numeric.activations.ACTIVATIONS`` (leaky_relu with slope
    ``negative_slope``). Inputs are i.i.d. N(input_mean, input_std²), ``batch`` of them per weight draw.
    ``weight_init`` is a name in INITIALIZERS or a callable ``f(shape, rng, dtype=..., out=...)`` that
    fills ``out`` of shape (k, *shape) with k independent draws in place, as ``numeric.init``'s
    initializers do; ``options`` go to it. ``bias`` is None or "torch" (PyTorch's default). Memory is
    O(STACK_ELEMENTS + batch·max width + max width²) whatever ``replicates``.
    """
    run = _Run.check(widths, replicates, batch, rng, weight_init, activation, bias, dtype, input_mean,
                     input_std, negative_slope, options)
    pre, post, _ = run.simulate(backward=False)
    return Propagation(pre, post)


def backpropagate(widths, replicates, batch, rng=None, *, weight_init="kaiming_normal", activation="relu",
                  bias=None, dtype=np.float32, input_mean=0.0, input_std=1.0, negative_slope=0.01,
                  **options) -> Propagation:
    """``propagate``, then per replicate the backward pass of an upstream gradient g ~ N(0, 1) ⟂ W.

    With ∂ℓ/∂h_L = g (``batch`` × n_L, drawn after the weights, independent of them) and
    ∂ℓ/∂h_(l-1) = (∂ℓ/∂h_l ⊙ φ'(z_l)) W_l, returns a Propagation whose ``grad[r, l]`` is the mean of
    (∂ℓ/∂h_l)² over the batch and the n_l units, l = 0..L, beside ``pre`` and ``post`` of the same draw.
    The arguments are ``propagate``'s. Every layer's weights and φ'(z_l) are kept for the backward pass,
    so memory is O(STACK_ELEMENTS + L·(batch·max width + max width²)) whatever ``replicates``.
    """
    run = _Run.check(widths, replicates, batch, rng, weight_init, activation, bias, dtype, input_mean,
                     input_std, negative_slope, options)
    return Propagation(*run.simulate(backward=True))


# ---- the simulation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Run:
    """The checked arguments of one simulation."""
    widths: tuple
    replicates: int
    batch: int
    rng: np.random.Generator
    draw: Callable
    activation: A.Activation
    bias: str | None
    dtype: np.dtype
    input_mean: float
    input_std: float

    @classmethod
    def check(cls, widths, replicates, batch, rng, weight_init, activation, bias, dtype, input_mean,
              input_std, negative_slope, options):
        widths = check_widths(widths)
        replicates, batch = integer("replicates", replicates, 1), integer("batch", batch, 1)
        bias = one_of("bias", bias, (None, "torch"))
        input_std, input_mean = real("input_std", input_std, 0), real("input_mean", input_mean)
        negative_slope = real("negative_slope", negative_slope)
        dtype = float_dtype("dtype", dtype)
        draw = _weight_drawer(weight_init, options)
        record = A.activation(activation)
        if record.name == "leaky_relu":
            record = A.activation("leaky_relu", negative_slope=negative_slope)
        return cls(widths, replicates, batch, generator(rng), draw, record, bias, dtype, input_mean, input_std)

    def simulate(self, backward):
        """(pre, post, grad): per-replicate second moments, grad None unless ``backward``."""
        widths, batch, dtype, rng = self.widths, self.batch, self.dtype, self.rng
        depth, widest = len(widths) - 1, max(widths)
        shapes = [(n_out, n_in) for n_in, n_out in zip(widths[:-1], widths[1:])]
        if backward:   # every layer's weights and φ'(z_l) are kept until the backward pass
            per_replicate = 2 * batch * widest + sum(n_out * (n_in + batch) for n_out, n_in in shapes)
        else:
            per_replicate = batch * widest + widest * widest
        stack = max(1, min(self.replicates, STACK_ELEMENTS // per_replicate))
        allocation("the simulation's buffers", (stack, per_replicate), dtype)

        # Two flat activation buffers used in turn; weight buffers one per layer (backward) or per shape.
        flat = [np.empty(stack * batch * widest, dtype), np.empty(stack * batch * widest, dtype)]
        weights, by_shape = [], {}
        for shape in shapes:
            if backward or shape not in by_shape:
                by_shape[shape] = np.empty((stack, *shape), dtype)
            weights.append(by_shape[shape])
        slopes = [np.empty((stack, batch, shape[0]), dtype) for shape in shapes] if backward else None
        biases = {shape: np.empty((stack, 1, shape[0]), dtype) for shape in shapes} if self.bias else None
        phi = _inplace(self.activation)

        def rows_of(buffer, k, width):
            return buffer[: k * batch * width].reshape(k, batch, width)

        pre, post = np.empty((self.replicates, depth)), np.empty((self.replicates, depth + 1))
        grad = np.empty((self.replicates, depth + 1)) if backward else None
        for first in range(0, self.replicates, stack):
            k = min(stack, self.replicates - first)
            rows = slice(first, first + k)
            h = rows_of(flat[0], k, widths[0])
            rng.standard_normal(dtype=dtype, out=h)
            if self.input_std != 1.0:
                h *= self.input_std
            if self.input_mean != 0.0:
                h += self.input_mean
            post[rows, 0] = _mean_squares(h)
            for l, shape in enumerate(shapes, start=1):
                w = weights[l - 1][:k]
                self.draw(shape, rng, dtype=dtype, out=w)              # k independent draws in one call
                z = rows_of(flat[l % 2], k, widths[l])
                _matmul(h, w.transpose(0, 2, 1), z)
                if self.bias == "torch":
                    b = biases[shape][:k]
                    _init.torch_default_bias(shape, rng, dtype=dtype, out=b)
                    z += b
                pre[rows, l - 1] = _mean_squares(z)
                if backward:
                    slopes[l - 1][:k] = self.activation.grad(z)
                phi(z)
                post[rows, l] = _mean_squares(z)
                h = z
            if backward:
                # g = ∂ℓ/∂h_L in the buffer h_L is not in; then ∂ℓ/∂h_(l-1) = (g ⊙ φ'(z_l)) W_l, buffers in turn
                g = rows_of(flat[(depth + 1) % 2], k, widths[-1])
                rng.standard_normal(dtype=dtype, out=g)
                grad[rows, depth] = _mean_squares(g)
                for l in range(depth, 0, -1):
                    g *= slopes[l - 1][:k]
                    below = rows_of(flat[l % 2], k, widths[l - 1])
                    _matmul(g, weights[l - 1][:k], below)
                    grad[rows, l - 1] = _mean_squares(below)
                    g = below
        return pre, post, grad


def _matmul(a, b, out):
    """out[r] = a[r] @ b[r] for every replicate r; one replicate as a plain 2-D GEMM."""
    if a.shape[0] == 1:
        np.matmul(a[0], b[0], out=out[0])
    else:
        np.matmul(a, b, out=out)


def _mean_squares(a):
    """Mean of a² over every axis but the first (the replicate axis), without a temporary."""
    if a.shape[0] == 1:
        flat = a.reshape(-1)
        return np.array([np.dot(flat, flat)]) / flat.size
    rows = a.reshape(a.shape[0], -1)
    return np.einsum("ij,ij->i", rows, rows) / rows.shape[1]


def _weight_drawer(weight_init, options):
    if callable(weight_init):
        return lambda shape, rng, dtype, out: weight_init(shape, rng, dtype=dtype, out=out, **options)
    if not (isinstance(weight_init, str) and weight_init in INITIALIZERS):
        raise NumericError(f"weight_init must be one of {INITIALIZERS} or a callable, got {weight_init!r}")
    f = getattr(_init, weight_init)
    return lambda shape, rng, dtype, out: f(shape, rng, dtype=dtype, out=out, **options)


def _inplace(record):
    """φ applied in place to a float array; relu, leaky_relu, tanh and linear without a temporary."""
    if record.name == "relu":
        return lambda z: np.maximum(z, 0, out=z)
    if record.name == "leaky_relu":
        slope = record.parameters["negative_slope"]
        return lambda z: np.multiply(z, slope, out=z, where=z < 0)
    if record.name == "linear":
        return lambda z: z
    if record.name == "tanh":
        return lambda z: np.tanh(z, out=z)

    def apply(z):
        z[...] = record.phi(z)
    return apply
