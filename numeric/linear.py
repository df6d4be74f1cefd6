"""Dense layers and multi-layer perceptrons: forward pass and explicit backward pass.

Layer l maps width n_{l-1} to n_l with W_l of shape (n_l, n_{l-1}) and b_l of shape (n_l,):
z_l = W_l h_{l-1} + b_l, h_l = φ(z_l), h_0 = x; a batch is a matrix of rows, Z_l = H_{l-1} W_lᵀ + b_l.
An MLP applies φ (any activation of ``numeric.activations.ACTIVATIONS``) on every hidden layer and none
on the output (y = z_L). Monte Carlo through depth (``propagate``) is ``numeric.propagation``'s.
"""
from dataclasses import dataclass

import numpy as np

from numeric import activations as A
from numeric import init as _init
from numeric._checks import NumericError, generator, one_of
from numeric._checks import widths as _widths
# propagation through depth moved to numeric.propagation; these stay importable from here
from numeric.propagation import STACK_ELEMENTS, Propagation, propagate  # noqa: F401

__all__ = [
    "activation_pair", "check_widths",
    "linear", "MLP", "Trace", "Gradients",
]


def activation_pair(activation):
    """(φ, φ') for a name in ``numeric.activations.ACTIVATIONS``, or a given (phi, phi_grad) pair of callables."""
    if isinstance(activation, tuple) and len(activation) == 2 and all(map(callable, activation)):
        return activation
    record = A.activation(activation)
    return record.phi, record.grad


def check_widths(widths):
    """Widths (n_0, n_1, ..., n_L) as a tuple of ints, L >= 1, every n_l >= 1."""
    return _widths(widths)


def linear(x, weight, bias=None):
    """Y = X Wᵀ + b for rows X (batch, n_in), W (n_out, n_in), b (n_out,); y = W x + b for one x (n_in,)."""
    x = np.asarray(x)
    weight = np.asarray(weight)
    if weight.ndim != 2:
        raise NumericError(f"weight must be 2-D (n_out, n_in), got shape {weight.shape}")
    if x.ndim not in (1, 2) or x.shape[-1] != weight.shape[1]:
        raise NumericError(
            f"x must have shape (n_in,) or (batch, n_in) with n_in = weight.shape[1] = {weight.shape[1]}, got {x.shape}"
        )
    y = x @ weight.T
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (weight.shape[0],):
            raise NumericError(f"bias must have shape (n_out,) = ({weight.shape[0]},), got {bias.shape}")
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
            raise NumericError("weights must hold at least one layer, got none")
        for l, w in enumerate(weights, start=1):
            if w.ndim != 2:
                raise NumericError(f"weights[{l - 1}] (layer {l}) must be 2-D (n_l, n_(l-1)), got shape {w.shape}")
            if l > 1 and w.shape[1] != weights[l - 2].shape[0]:
                raise NumericError(
                    f"weights[{l - 1}] (layer {l}) must have n_(l-1) = {weights[l - 2].shape[0]} columns "
                    f"to follow layer {l - 1}, got shape {w.shape}"
                )
        if biases is None:
            biases = (None,) * len(weights)
        biases = tuple(None if b is None else np.asarray(b) for b in biases)
        if len(biases) != len(weights):
            raise NumericError(f"biases must have one entry per layer ({len(weights)}), got {len(biases)}")
        for l, (w, b) in enumerate(zip(weights, biases), start=1):
            if b is not None and b.shape != (w.shape[0],):
                raise NumericError(f"biases[{l - 1}] (layer {l}) must have shape ({w.shape[0]},), got {b.shape}")
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
        one_of("bias", bias, ("zeros", "torch", None))
        rng = generator(rng)
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
            raise NumericError(f"x must have shape ({n_0},) or (batch, {n_0}) for n_0 = {n_0}, got {x.shape}")
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
            raise NumericError(f"grad_output must have the output's shape {trace.output.shape}, got {np.shape(grad_output)}")
        grad_w, grad_b, grad_z = [None] * self.depth, [None] * self.depth, [None] * self.depth
        for l in range(self.depth - 1, -1, -1):
            grad_z[l] = delta
            grad_w[l] = delta.T @ trace.inputs[l]
            grad_b[l] = delta.sum(axis=0)
            grad_h = delta @ self.weights[l]
            if l > 0:
                delta = grad_h * self._phi_grad(trace.pre[l - 1])
        return Gradients(tuple(grad_w), tuple(grad_b), tuple(grad_z), grad_h)
