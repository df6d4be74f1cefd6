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
recursion by O(1/width) and is an illustration, not a check. The kernels take φ or φ' as callables;
``activation(name)`` gives the (φ, φ') pair of an entry of ``numeric.activations``' table.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from numeric import activations as A
from numeric._checks import allocation, function, generator, integer, real

__all__ = [
    "activation",
    "layer_second_moment",
    "layer_gradient_second_moment",
    "layer_jacobian_second_moment",
    "deep_second_moments",
    # kept here for callers of numeric.gain; their home is numeric.activations
    "ACTIVATIONS",
    "normal_cdf",
]

ACTIVATIONS = A.ACTIVATIONS
normal_cdf = A.normal_cdf


def activation(name: str, **parameters) -> tuple[Callable, Callable]:
    """(φ, φ') of ``numeric.activations.activation(name, **parameters)``; leaky_relu's slope may be ``slope``."""
    if isinstance(name, str) and name == "leaky_relu" and "slope" in parameters:
        parameters["negative_slope"] = real("slope (leaky_relu's negative_slope)", parameters.pop("slope"))
    record = A.activation(name, **parameters)
    return record.phi, record.grad


def _counts(**values) -> list[int]:
    return [integer(name, value, 1) for name, value in values.items()]


def _gaussian(rng: np.random.Generator, shape, std: float) -> np.ndarray:
    return rng.standard_normal(shape) * std


def layer_second_moment(rng: np.random.Generator, replicates: int, phi: Callable, *, fan_in: int,
                        fan_out: int, sigma_w: float, sigma_b: float = 0.0, q: float = 1.0,
                        batch: int = 1) -> np.ndarray:
    """Per replicate, the mean of y² over a batch and the fan_out outputs of y = Wφ(z) + b.

    z ~ N(0, q)^(batch × fan_in), W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²), new for every replicate:
    E[y²] = σ_w²·E[φ(√q z)²] + σ_b² exactly, at any width.
    """
    rng, phi = generator(rng), function("phi", phi)
    replicates, fan_in, fan_out, batch = _counts(replicates=replicates, fan_in=fan_in, fan_out=fan_out, batch=batch)
    sigma_w, sigma_b, q = real("sigma_w", sigma_w, 0), real("sigma_b", sigma_b, 0), real("q", q, 0, strict=True)
    allocation("layer_second_moment", (replicates, max(batch, fan_out), fan_in), copies=3)
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
    rng, phi_grad = generator(rng), function("phi_grad", phi_grad)
    replicates, fan_in, fan_out, batch = _counts(replicates=replicates, fan_in=fan_in, fan_out=fan_out, batch=batch)
    sigma_w, q = real("sigma_w", sigma_w, 0), real("q", q, 0, strict=True)
    allocation("layer_gradient_second_moment", (replicates, max(batch, fan_out), fan_in), copies=3)
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
    rng, phi_grad = generator(rng), function("phi_grad", phi_grad)
    replicates, width, batch = _counts(replicates=replicates, width=width, batch=batch)
    sigma_w, q = real("sigma_w", sigma_w, 0), real("q", q, 0, strict=True)
    allocation("layer_jacobian_second_moment", (replicates, max(batch, width), width), copies=3)
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
    rng, phi = generator(rng), function("phi", phi)
    replicates, width, depth, batch = _counts(replicates=replicates, width=width, depth=depth, batch=batch)
    sigma_w, sigma_b, q0 = real("sigma_w", sigma_w, 0), real("sigma_b", sigma_b, 0), real("q0", q0, 0, strict=True)
    allocation("deep_second_moments", (replicates, max(batch, width), width), copies=3)
    out = np.empty((replicates, depth))
    z = _gaussian(rng, (replicates, batch, width), math.sqrt(q0))
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(depth):
            w = _gaussian(rng, (replicates, width, width), sigma_w / math.sqrt(width))
            b = _gaussian(rng, (replicates, 1, width), sigma_b)
            z = np.matmul(phi(z), w.transpose(0, 2, 1)) + b
            out[:, layer] = (z * z).mean(axis=(1, 2))
    return out
