"""One layer at a time: the Monte Carlo kernels behind gains, fixed points and χ₁.

Each kernel draws ``replicates`` independent layers (new weights, biases and inputs each time) and
returns one statistic per replicate, shape (replicates,). Every statistic's expectation is exact at
any width, because one layer's output second moment depends only on its input distribution:

- ``layer_second_moment``:   z ~ N(0, q), W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²), y = Wφ(z) + b:
                             E[y²] = σ_w²·E[φ(√q z)²] + σ_b² (the variance map, Poole et al. 2016, eq. 3).
- ``layer_gradient_second_moment``: δ ~ N(0, 1) at the output, W ~ N(0, σ_w²/fan_out),
                             ∂L/∂z = φ'(z) ⊙ Wᵀδ: E[(∂L/∂z)²] = σ_w²·E[φ'(√q z)²].
- ``layer_jacobian_second_moment``: a tangent u ~ N(0, I) pushed through J = W·diag(φ'(z)):
                             E[(Ju)_i²] = σ_w²·E[φ'(√q z)²] (χ₁ at q = q*, Schoenholz et al. 2017, eq. 5).

``deep_second_moments`` runs a whole finite-width stack; it differs from the infinite-width
recursion by O(1/width) and is an illustration, not a check.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import activations as A

__all__ = [
    "ACTIVATIONS",
    "SELU_ALPHA",
    "SELU_LAMBDA",
    "activation",
    "normal_cdf",
    "layer_second_moment",
    "layer_gradient_second_moment",
    "layer_jacobian_second_moment",
    "deep_second_moments",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946
"""Klambauer et al. (2017), eq. (14)."""

_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_erf = np.frompyfunc(math.erf, 1, 1)


def normal_cdf(x) -> np.ndarray:
    """Φ(x) = (1 + erf(x/√2))/2, elementwise (math.erf per element: correctly rounded to a few ulp)."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"x must be a real floating or integer array, got dtype {x.dtype}")
    x = x.astype(np.float64, copy=False)
    return 0.5 * (1 + _erf(x * _SQRT1_2).astype(np.float64))


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _leaky(slope: float):
    return (lambda x: np.where(x > 0, x, slope * x),
            lambda x: np.where(x > 0, 1.0, slope))


def _elu(alpha: float, scale: float = 1.0):
    # expm1 of min(x, 0): no overflow for large positive x on the branch np.where discards
    return (lambda x: scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
            lambda x: scale * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))))


def _gelu():
    def phi(x):
        return x * normal_cdf(x)

    def grad(x):
        return normal_cdf(x) + x * _normal_pdf(x)

    return phi, grad


def _silu():
    def phi(x):
        return x * A.sigmoid(x)

    def grad(x):
        s = A.sigmoid(x)
        return s + x * A.sigmoid_grad(x)

    return phi, grad


def _mish():
    def phi(x):
        return x * np.tanh(A.softplus(x))

    def grad(x):
        t = np.tanh(A.softplus(x))
        return t + x * (1 - t * t) * A.sigmoid(x)

    return phi, grad


ACTIVATIONS: dict[str, Callable[..., tuple[Callable, Callable]]] = {
    "relu": lambda: (A.relu, A.relu_grad),
    "leaky_relu": lambda slope=0.01: _leaky(slope),
    "elu": lambda alpha=1.0: _elu(alpha),
    "selu": lambda: _elu(SELU_ALPHA, SELU_LAMBDA),
    "gelu": _gelu,
    "silu": _silu,
    "mish": _mish,
    "softplus": lambda: (A.softplus, A.sigmoid),
    "tanh": lambda: (A.tanh, A.tanh_grad),
    "sigmoid": lambda: (A.sigmoid, A.sigmoid_grad),
    "linear": lambda: (lambda x: np.asarray(x, dtype=np.float64), lambda x: np.ones_like(x, dtype=np.float64)),
}
"""name -> (φ, φ') on float64 arrays; φ' is the almost-everywhere derivative (0 at ReLU's kink)."""


def activation(name: str, **parameters) -> tuple[Callable, Callable]:
    """(φ, φ') of a built-in activation; leaky_relu takes ``slope``, elu takes ``alpha``."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}")
    for key, value in parameters.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not math.isfinite(value):
            raise ValueError(f"{key} (a parameter of {name}) must be a finite real number, got {value!r}")
    try:
        return ACTIVATIONS[name](**parameters)
    except TypeError:
        raise TypeError(f"activation {name!r} does not take parameters {sorted(parameters)}") from None


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _nonnegative(name: str, value, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (strict and value == 0):
        raise ValueError(f"{name} must be finite and {'> 0' if strict else '>= 0'}, got {value!r}")
    return value


def _check_kernel(rng, name: str, function) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {rng!r}")
    if not callable(function):
        raise TypeError(f"{name} must be a callable on arrays, got {function!r}")


def _gaussian(rng: np.random.Generator, shape, std: float) -> np.ndarray:
    return rng.standard_normal(shape) * std


def layer_second_moment(rng: np.random.Generator, replicates: int, phi: Callable, *, fan_in: int,
                        fan_out: int, sigma_w: float, sigma_b: float = 0.0, q: float = 1.0,
                        batch: int = 1) -> np.ndarray:
    """Per replicate, the mean of y² over a batch and the fan_out outputs of y = Wφ(z) + b.

    z ~ N(0, q)^(batch × fan_in), W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²), new for every replicate:
    E[y²] = σ_w²·E[φ(√q z)²] + σ_b² exactly, at any width.
    """
    _check_kernel(rng, "phi", phi)
    replicates, fan_in, fan_out, batch = (_count(n, v) for n, v in
                                          (("replicates", replicates), ("fan_in", fan_in),
                                           ("fan_out", fan_out), ("batch", batch)))
    sigma_w, sigma_b = _nonnegative("sigma_w", sigma_w), _nonnegative("sigma_b", sigma_b)
    q = _nonnegative("q", q, strict=True)
    h = phi(_gaussian(rng, (replicates, batch, fan_in), math.sqrt(q)))
    w = _gaussian(rng, (replicates, fan_out, fan_in), sigma_w / math.sqrt(fan_in))
    b = _gaussian(rng, (replicates, 1, fan_out), sigma_b)
    y = np.matmul(h, w.transpose(0, 2, 1)) + b
    return (y * y).mean(axis=(1, 2))


def layer_gradient_second_moment(rng: np.random.Generator, replicates: int, phi_grad: Callable, *,
                                 fan_in: int, fan_out: int, sigma_w: float, q: float = 1.0,
                                 batch: int = 1) -> np.ndarray:
    """Per replicate, the mean of (∂L/∂z)² = (φ'(z) ⊙ Wᵀδ)² over a batch and the fan_in inputs.

    δ ~ N(0, 1)^(batch × fan_out) (an upstream gradient independent of W), W ~ N(0, σ_w²/fan_out),
    z ~ N(0, q): E[(∂L/∂z)²] = σ_w²·E[φ'(√q z)²], so σ_w = 1/√E[φ'(z)²] keeps it at 1.
    """
    _check_kernel(rng, "phi_grad", phi_grad)
    replicates, fan_in, fan_out, batch = (_count(n, v) for n, v in
                                          (("replicates", replicates), ("fan_in", fan_in),
                                           ("fan_out", fan_out), ("batch", batch)))
    sigma_w, q = _nonnegative("sigma_w", sigma_w), _nonnegative("q", q, strict=True)
    delta = rng.standard_normal((replicates, batch, fan_out))
    w = _gaussian(rng, (replicates, fan_out, fan_in), sigma_w / math.sqrt(fan_out))
    slope = phi_grad(_gaussian(rng, (replicates, batch, fan_in), math.sqrt(q)))
    g = np.matmul(delta, w) * slope
    return (g * g).mean(axis=(1, 2))


def layer_jacobian_second_moment(rng: np.random.Generator, replicates: int, phi_grad: Callable, *,
                                 width: int, sigma_w: float, q: float = 1.0, batch: int = 1) -> np.ndarray:
    """Per replicate, the mean of (Ju)² for J = W·diag(φ'(z)), a tangent u ~ N(0, I), z ~ N(0, q).

    W ~ N(0, σ_w²/width) (width × width): E[(Ju)_i²] = σ_w²·E[φ'(√q z)²], which is χ₁ at q = q*.
    """
    _check_kernel(rng, "phi_grad", phi_grad)
    replicates, width, batch = (_count(n, v) for n, v in
                                (("replicates", replicates), ("width", width), ("batch", batch)))
    sigma_w, q = _nonnegative("sigma_w", sigma_w), _nonnegative("q", q, strict=True)
    slope = phi_grad(_gaussian(rng, (replicates, batch, width), math.sqrt(q)))
    u = rng.standard_normal((replicates, batch, width))
    w = _gaussian(rng, (replicates, width, width), sigma_w / math.sqrt(width))
    v = np.matmul(u * slope, w.transpose(0, 2, 1))
    return (v * v).mean(axis=(1, 2))


def deep_second_moments(rng: np.random.Generator, replicates: int, phi: Callable, *, width: int,
                        depth: int, sigma_w: float, sigma_b: float = 0.0, q0: float = 1.0,
                        batch: int = 1) -> np.ndarray:
    """Per replicate and layer l = 1..depth, the mean of z_l² through a finite-width stack.

    z_0 ~ N(0, q0), z_l = W_l φ(z_{l-1}) + b_l with W_l ~ N(0, σ_w²/width), b_l ~ N(0, σ_b²);
    shape (replicates, depth). At finite width this differs from the recursion q_l = V(q_{l-1}) by
    O(1/width) per layer: an illustration of the fixed point, not a check of it.
    """
    _check_kernel(rng, "phi", phi)
    replicates, width, depth, batch = (_count(n, v) for n, v in
                                       (("replicates", replicates), ("width", width), ("depth", depth),
                                        ("batch", batch)))
    sigma_w, sigma_b = _nonnegative("sigma_w", sigma_w), _nonnegative("sigma_b", sigma_b)
    q0 = _nonnegative("q0", q0, strict=True)
    out = np.empty((replicates, depth))
    z = _gaussian(rng, (replicates, batch, width), math.sqrt(q0))
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(depth):
            w = _gaussian(rng, (replicates, width, width), sigma_w / math.sqrt(width))
            b = _gaussian(rng, (replicates, 1, width), sigma_b)
            z = np.matmul(phi(z), w.transpose(0, 2, 1)) + b
            out[:, layer] = (z * z).mean(axis=(1, 2))
    return out
