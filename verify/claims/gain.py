"""Claims gain.<name>: the gains of the built-in activations, checked one layer at a time.

For each built-in φ the derivation in ``derive.gain`` establishes (in closed form, by a lemma, or
by quadrature) the forward gain g = 1/√E[φ(z)²], the backward gain g' = 1/√E[φ'(z)²] and
χ₁ = g²·E[φ'(z)²] at the fixed point q* = 1 of the variance map with σ_w = g, σ_b = 0. Three
Monte Carlo checks with ``numeric.gain``, each exact at any width (new weights per replicate):

- forward:  z ~ N(0, 1), a layer with Var(W) = g²/fan_in: E[y²] = 1;
- backward: a layer with Var(W) = g'²/fan_out (fan_out = 2·fan_in): E[(∂L/∂z)²] = 1;
- chi1:     J = W·diag(φ'(z)), Var(W) = g²/width: E[(Ju)²] = χ₁ for a tangent u ~ N(0, I).

Negative controls, each judged on the same measurement: forward, the gain 1/√Var(φ(z)) where
E[φ(z)] ≠ 0, else PyTorch's calculate_gain constant where it differs (tanh 5/3, SELU 3/4), and for
the identity the ReLU gain √2; backward, the forward gain used for gradients (where the two
differ); chi1, χ₁ = 1 ("the gain puts the network at the edge of chaos"), where it is not 1.
A control gain g_c claims E[φ(z)²] = 1/g_c², so at the derived gain it predicts E[y²] = g²/g_c².
"""
from __future__ import annotations

import math

import sympy as sp

from derive import gain as D
from numeric import gain as N

from ..claim import Budget, Claim, Measurement
from ..mc import stream

FAN_IN = 16
FAN_OUT = 32
"""The backward check uses fan_out = 2·fan_in, so a gain over the wrong fan is off by a factor 2."""
BATCH = 8
REPLICATES = {"forward": 2000, "backward": 2000, "chi1": 3000}
"""Independent layers per check; chi1 has the smallest control gap (ELU: 3.6 %), so the most."""
CHUNK = 500

_SOURCE = "beyond the notes"
"""PyTorch's calculate_gain is a table of constants; these gains are derived."""

_NUMERIC_NAMES = {D.a: "slope", D.alpha: "alpha"}
"""derive's parameter symbols -> numeric.gain's keyword arguments (SELU's constants are fixed in both)."""


def _numeric_parameters(name: str) -> dict[str, float]:
    """The built-in's parameters as derive states them, passed on to numeric (same slope, same α)."""
    act = D.builtin(name)
    return {} if name == "selu" else {_NUMERIC_NAMES[s]: float(v) for s, v in act.parameters}


def _f(value) -> float:
    return float(sp.N(value, 17))


def _result(name: str) -> D.GainResult:
    return D.gain_result(name)


def _gains(name: str) -> dict[str, float]:
    r = _result(name)
    return {"forward": _f(r.forward_gain), "backward": _f(r.backward_gain), "chi1": _f(r.chi1),
            "second_moment": _f(r.moments["second_moment"]), "mean": _f(r.moments["mean"])}


def _measure(name: str):
    phi, grad = N.activation(name, **_numeric_parameters(name))

    def measure(config, rng, budget: Budget) -> Measurement:
        g = _gains(name)
        check = config["check"]
        n = budget.replicates(REPLICATES[check])
        if check == "forward":
            def draw(r, k):
                return N.layer_second_moment(r, k, phi, fan_in=FAN_IN, fan_out=FAN_IN, sigma_w=g["forward"],
                                             batch=BATCH)
        elif check == "backward":
            def draw(r, k):
                return N.layer_gradient_second_moment(r, k, grad, fan_in=FAN_IN, fan_out=FAN_OUT,
                                                      sigma_w=g["backward"], batch=BATCH)
        else:
            def draw(r, k):
                return N.layer_jacobian_second_moment(r, k, grad, width=2 * FAN_IN, sigma_w=g["forward"],
                                                      batch=BATCH)
        return Measurement.from_accumulator(stream(draw, n, rng, CHUNK))

    return measure


def _expected(name: str):
    def expected(config, at):
        return _gains(name)["chi1"] if config["check"] == "chi1" else 1.0

    return expected


def forward_control_gain(name: str) -> tuple[float, str] | None:
    """The wrong forward gain of the control and its formula (None where none differs)."""
    g = _gains(name)
    variance = g["second_moment"] - g["mean"] ** 2
    if abs(g["mean"]) > 1e-12:
        return 1 / math.sqrt(variance), "1/√Var(φ(z))"
    if name == "linear":
        return math.sqrt(2), "√2 (the ReLU gain)"
    torch = D.torch_gain(D.builtin(name))
    if torch is not None and abs(_f(torch) - g["forward"]) > 1e-3 * g["forward"]:
        return _f(torch), f"PyTorch's {sp.sstr(torch)}"
    return None


def _control(name: str):
    def control(config, at):
        g = _gains(name)
        check = config["check"]
        if check == "forward":
            wrong = forward_control_gain(name)
            return None if wrong is None else (g["forward"] / wrong[0]) ** 2
        if check == "backward":
            # the forward gain taken for the backward one: E[(∂L/∂z)²] would be 1 at g, i.e. g'²/g² at g'
            differs = abs(g["forward"] - g["backward"]) > 1e-9
            return (g["backward"] / g["forward"]) ** 2 if differs else None
        return 1.0 if abs(g["chi1"] - 1) > 1e-9 else None

    return control


ZERO_MEAN = {"tanh": "PyTorch's 5/3", "selu": "PyTorch's 3/4", "linear": "√2 (the ReLU gain)"}
"""Built-ins with E[φ(z)] = 0 (1/√Var equals the gain): their forward control instead."""
HOMOGENEOUS = ("relu", "leaky_relu", "linear")
"""φ(x) = x·φ'(x): backward gain = forward gain and χ₁ = 1, so those controls coincide with the truth."""


def _control_formula(name: str) -> str:
    parts = [f"forward: {ZERO_MEAN.get(name, '1/√Var(φ(z))')}"]
    if name not in HOMOGENEOUS:
        parts += ["backward: the forward gain", "χ₁ = 1"]
    return "; ".join(parts)


TITLES = {
    "relu": "ReLU: forward and backward gain √2 exactly, χ₁ = 1 (critical)",
    "leaky_relu": "leaky ReLU (slope a = 0.01): gain √(2/(1+a²)) forward and backward, χ₁ = 1",
    "elu": "ELU: gains from E[e^(kz)·1[z<0]] = e^(k²/2)Φ(-k), in closed form; χ₁ ≈ 1.036",
    "selu": "SELU: forward gain exactly 1 (PyTorch's 3/4 is empirical), backward ≈ 0.966, χ₁ ≈ 1.072",
    "gelu": "GELU: E[φ²] = 1/3 + √3/(6π) by a lemma, gain ≈ 1.5335 (PyTorch has none)",
    "silu": "SiLU: gain ≈ 1.6765 by quadrature (PyTorch has none)",
    "mish": "Mish: gain ≈ 1.4868 by quadrature (PyTorch has none)",
    "softplus": "softplus: gain ≈ 1.0419 by quadrature, not 1/√Var",
    "tanh": "tanh: gain ≈ 1.5925 preserves the second moment (PyTorch's 5/3 is empirical); χ₁ ≈ 1.178",
    "sigmoid": "sigmoid: gain ≈ 1.8462 from the second moment, not 1 (PyTorch) nor 1/√Var",
    "linear": "identity: gain 1 forward and backward, χ₁ = 1",
}


def _claim(name: str) -> Claim:
    return Claim(
        id=f"gain.{name}",
        title=TITLES[name],
        source=_SOURCE,
        formula="1/√E[φ²], 1/√E[φ'²], χ₁",
        expected=_expected(name),
        measure=_measure(name),
        control=_control(name),
        control_formula=_control_formula(name),
        configs=tuple({"check": c, "fan_in": FAN_IN, "fan_out": FAN_OUT if c == "backward" else FAN_IN}
                      for c in ("forward", "backward", "chi1")),
        notes="one layer at a time: each expectation is exact at any width",
    )


CLAIMS = [_claim(name) for name in D.BUILTINS]
