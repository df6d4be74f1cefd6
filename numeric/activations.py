"""Activations and their derivatives on arrays, stable for every finite input.

Each function takes a float array (or anything ``np.asarray`` turns into one; integers become
float64) and returns a new array of the same shape and floating dtype. Only exponentials of
non-positive arguments are ever formed, so nothing overflows, in float32 or float64, at any finite x;
results that are smaller than the smallest normal number come out as the correctly rounded subnormal
(or 0), which numpy reports as underflow only when its ``under`` error mode is raised.
NaN entries propagate as in numpy (NaN in, NaN out); ``relu_grad``, the indicator 1[x > 0], gives 0 there,
as PyTorch's backward does.
"""
from __future__ import annotations

import numpy as np

from numeric._checks import float_array

__all__ = ["relu", "relu_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "softplus", "log_sigmoid"]


def relu(x):
    """ReLU(x) = max(0, x)."""
    x = float_array("x", x)
    return np.maximum(x, 0, dtype=x.dtype)


def relu_grad(x):
    """ReLU'(x) = 1[x > 0]; 0 at the kink, as PyTorch's autograd (any value in [0, 1] is a subgradient)."""
    x = float_array("x", x)
    return (x > 0).astype(x.dtype)


def sigmoid(x):
    """σ(x) = 1/(1 + e^{-x}), evaluated as e^{-|x|}/(1 + e^{-|x|}) for x < 0 so no exponent overflows."""
    x = float_array("x", x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    """σ'(x) = σ(x)(1 - σ(x)), evaluated as σ(x)·σ(-x): no cancellation in 1 - σ(x) for large x."""
    x = float_array("x", x)
    e = np.exp(-np.abs(x))
    return e / ((1 + e) * (1 + e))


def tanh(x):
    """tanh(x) = (e^x - e^{-x})/(e^x + e^{-x})."""
    return np.tanh(float_array("x", x))


def tanh_grad(x):
    """tanh'(x) = 1 - tanh²(x), evaluated as 4e^{-2|x|}/(1 + e^{-2|x|})²: accurate where tanh² ≈ 1."""
    x = float_array("x", x)
    e = np.exp(-2 * np.abs(x))
    return 4 * e / ((1 + e) * (1 + e))


def softplus(x):
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^{-|x|})."""
    x = float_array("x", x)
    return np.maximum(x, 0, dtype=x.dtype) + np.log1p(np.exp(-np.abs(x)))


def log_sigmoid(x):
    """log σ(x) = -softplus(-x) = min(x, 0) - log1p(e^{-|x|})."""
    x = float_array("x", x)
    return np.minimum(x, 0, dtype=x.dtype) - np.log1p(np.exp(-np.abs(x)))
