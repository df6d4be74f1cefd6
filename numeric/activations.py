"""Activations and their derivatives on arrays, stable for every finite input, and THE activation table.

Each function takes a float array (or anything ``np.asarray`` turns into one; integers become
float64) and returns a new array of the same shape and floating dtype (``normal_cdf``: float64).
Only exponentials of non-positive arguments are ever formed, so nothing overflows, in float32 or
float64, at any finite x; results that are smaller than the smallest normal number come out as the
correctly rounded subnormal (or 0), which numpy reports as underflow only when its ``under`` error
mode is raised.
NaN entries propagate as in numpy (NaN in, NaN out); ``relu_grad``, the indicator 1[x > 0], gives 0 there,
as PyTorch's backward does.

``ACTIVATIONS`` maps every activation a numeric module uses to one ``Activation`` record: its φ and φ'
side by side, its parameters with their defaults, and PyTorch's module for it. ``activation(name,
**parameters)`` looks one up (with other parameter values); ``numeric.gain``, ``numeric.linear``,
``numeric.propagation`` and ``numeric.dynamics`` take their φ and φ' from here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from numeric._checks import NumericError, float_array, one_of, real

__all__ = [
    # elementwise functions
    "relu", "relu_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "softplus", "log_sigmoid",
    "normal_cdf",
    # the table
    "Activation", "ACTIVATIONS", "activation", "SELU_ALPHA", "SELU_LAMBDA",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946
"""Klambauer et al. (2017), eq. (14): SELU's α and its scale λ."""


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


_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_erf = np.frompyfunc(math.erf, 1, 1)


def normal_cdf(x):
    """Φ(x) = (1 + erf(x/√2))/2, in float64 (math.erf per element: correctly rounded to a few ulp)."""
    x = float_array("x", x).astype(np.float64, copy=False)
    return 0.5 * (1 + _erf(x * _SQRT1_2).astype(np.float64))


# ---------------------------------------------------------------- the other activations (reached through the table)

def _leaky_relu(x, negative_slope):
    """φ(x) = x for x > 0, a·x otherwise (a = negative_slope)."""
    x = float_array("x", x)
    return np.where(x > 0, x, negative_slope * x)


def _leaky_relu_grad(x, negative_slope):
    """φ'(x) = 1 for x > 0, a otherwise (a at the kink, as PyTorch's backward)."""
    x = float_array("x", x)
    return np.where(x > 0, 1.0, negative_slope).astype(x.dtype)


def _elu(x, alpha, scale=1.0):
    """φ(x) = s·x for x > 0, s·α(e^x - 1) otherwise: ELU at s = 1, SELU at Klambauer's α and λ."""
    x = float_array("x", x)
    # expm1 of min(x, 0): no overflow for large positive x on the branch np.where discards
    return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_grad(x, alpha, scale=1.0):
    """φ'(x) = s for x > 0, s·α·e^x otherwise (s·α at the kink, as PyTorch's backward)."""
    x = float_array("x", x)
    return scale * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def _gelu(x):
    """GELU(x) = x·Φ(x), the exact (erf) form."""
    x = float_array("x", x)
    return (x * normal_cdf(x)).astype(x.dtype, copy=False)


def _gelu_grad(x):
    """GELU'(x) = Φ(x) + x·ϕ(x), ϕ(x) = e^{-x²/2}/√(2π) (in float64, so x² cannot overflow)."""
    x = float_array("x", x)
    x64 = x.astype(np.float64)
    return (normal_cdf(x64) + x64 * _INV_SQRT_2PI * np.exp(-0.5 * x64 * x64)).astype(x.dtype, copy=False)


def _silu(x):
    """SiLU(x) = x·σ(x)."""
    x = float_array("x", x)
    return x * sigmoid(x)


def _silu_grad(x):
    """SiLU'(x) = σ(x) + x·σ'(x)."""
    x = float_array("x", x)
    return sigmoid(x) + x * sigmoid_grad(x)


def _mish(x):
    """mish(x) = x·tanh(softplus(x))."""
    x = float_array("x", x)
    return x * np.tanh(softplus(x))


def _mish_grad(x):
    """mish'(x) = tanh(s) + x·tanh'(s)·σ(x), s = softplus(x) (softplus' = σ)."""
    x = float_array("x", x)
    s = softplus(x)
    return np.tanh(s) + x * tanh_grad(s) * sigmoid(x)


def _log_sigmoid_grad(x):
    """(log σ)'(x) = 1 - σ(x) = σ(-x)."""
    return sigmoid(-float_array("x", x))


def _identity(x):
    """φ(x) = x (a new array)."""
    return float_array("x", x).copy()


def _identity_grad(x):
    """φ'(x) = 1."""
    return np.ones_like(float_array("x", x))


# ---------------------------------------------------------------- the table

@dataclass(frozen=True, eq=False)
class Activation:
    """One activation: φ and φ' on arrays at ``parameters`` (defaults in ``ACTIVATIONS``), PyTorch's module.

    ``phi(x)`` and ``grad(x)`` are elementwise; φ' is the almost-everywhere derivative, with PyTorch's
    value at a kink (0 for ReLU). ``torch`` names the module that computes the same φ, e.g.
    ``torch.nn.LeakyReLU`` (constructed with ``parameters``; SELU's constants are built into ``torch.nn.SELU``).
    """

    name: str
    phi: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    parameters: Mapping[str, float]
    torch: str

    def __repr__(self):
        values = "".join(f", {key}={value!r}" for key, value in self.parameters.items())
        return f"Activation({self.name!r}{values}, torch={self.torch!r})"


def _entry(name, phi, grad, torch, **defaults):
    if defaults:
        phi, grad = partial(phi, **defaults), partial(grad, **defaults)
    return Activation(name, phi, grad, MappingProxyType(defaults), torch)


ACTIVATIONS: Mapping[str, Activation] = MappingProxyType({record.name: record for record in (
    _entry("relu", relu, relu_grad, "torch.nn.ReLU"),
    _entry("leaky_relu", _leaky_relu, _leaky_relu_grad, "torch.nn.LeakyReLU", negative_slope=0.01),
    _entry("elu", _elu, _elu_grad, "torch.nn.ELU", alpha=1.0),
    _entry("selu", _elu, _elu_grad, "torch.nn.SELU", alpha=SELU_ALPHA, scale=SELU_LAMBDA),
    _entry("gelu", _gelu, _gelu_grad, "torch.nn.GELU"),
    _entry("silu", _silu, _silu_grad, "torch.nn.SiLU"),
    _entry("mish", _mish, _mish_grad, "torch.nn.Mish"),
    _entry("softplus", softplus, sigmoid, "torch.nn.Softplus"),
    _entry("tanh", tanh, tanh_grad, "torch.nn.Tanh"),
    _entry("sigmoid", sigmoid, sigmoid_grad, "torch.nn.Sigmoid"),
    _entry("log_sigmoid", log_sigmoid, _log_sigmoid_grad, "torch.nn.LogSigmoid"),
    _entry("linear", _identity, _identity_grad, "torch.nn.Identity"),
)})
"""name -> its Activation at the default parameters."""


def activation(name, **parameters) -> Activation:
    """The table's record for ``name``, with ``parameters`` (finite reals) in place of its defaults.

    leaky_relu takes ``negative_slope``, elu ``alpha``, selu ``alpha`` and ``scale``; the others none.
    """
    record = ACTIVATIONS[one_of("activation", name, tuple(ACTIVATIONS))]
    unknown = sorted(set(parameters) - set(record.parameters))
    if unknown:
        takes = ", ".join(record.parameters) or "none"
        raise NumericError(f"activation {name!r} does not take parameters {unknown} (its parameters: {takes})")
    if not parameters:
        return record
    values = dict(record.parameters)
    values.update({key: real(f"{key} (a parameter of {name})", value) for key, value in parameters.items()})
    return replace(record, phi=partial(record.phi.func, **values), grad=partial(record.grad.func, **values),
                   parameters=MappingProxyType(values))
