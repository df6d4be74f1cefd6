"""Claims gain.<name>: the gains of the built-in activations, checked one layer at a time.

For each built-in φ (``derive.catalogue``) the derivation ``gain.<name>`` in ``derive.gain`` concludes (in closed form, by a
lemma, by symmetry or by quadrature) the moments, the forward gain g = 1/√E[φ(z)²], the backward gain
g' = 1/√E[φ'(z)²], V(1) = g²·E[φ(z)²] = 1 (so q* = 1 at σ_w = g, σ_b = 0), B(1) = g'²·E[φ'(z)²] = 1
and χ₁ = g²·E[φ'(z)²]. Three Monte Carlo checks with ``numeric.gain``, each exact at any width (new
weights per replicate), compare the measurement with the concluded right side:

- forward:  z ~ N(0, 1), a fan_in × fan_out layer with Var(W) = g²/fan_in: E[y²] = V(1);
- backward: a layer with Var(W) = g'²/fan_out (fan_out = 2·fan_in): E[(∂L/∂z)²] = B(1);
- chi1:     J = W·diag(φ'(z)), a width × width W with Var(W) = g²/width: E[(Ju)²] = χ₁ for a tangent
            u ~ N(0, I).

Each configuration holds the check and the layer's size, which ``measure`` reads.

The gains the layers are drawn with, and the activation's parameters, are read from the same derivation.
The negative controls are recorded there too (``derive.gain._controls``), each judged on the same
measurement: forward, the gain 1/√Var(φ(z)) where E[φ(z)] ≠ 0, else PyTorch's calculate_gain constant
(tanh, SELU) or the ReLU gain (identity); backward, the forward gain used for gradients; chi1, χ₁ = 1.
Where φ(x) = x·φ'(x) (relu, leaky_relu, linear) the last two coincide with the truth and are not used.
"""
from __future__ import annotations

from derive import catalogue, registry
from derive import gain as D
from numeric import gain as N

from ..claim import Budget, Claim, Measurement
from ..closed import Form, linked
from ..mc import stream

FAN_IN = 16
FAN_OUT = 32
"""The backward check uses fan_out = 2·fan_in, so a gain over the wrong fan is off by a factor 2."""
WIDTH = 2 * FAN_IN
"""The chi1 check's square layer."""
BATCH = 8
REPLICATES = {"forward": 2000, "backward": 2000, "chi1": 3000}
"""Independent layers per check; chi1 has the smallest control gap (ELU: 3.6 %), so the most."""
CHUNK = 500

_SOURCE = "beyond the notes"
"""PyTorch's calculate_gain is a table of constants; these gains are derived."""

_NUMERIC_NAMES = {catalogue.a: "slope", catalogue.alpha: "alpha"}
"""derive's parameter symbols -> numeric.gain's keyword arguments (SELU's constants are fixed in both)."""


def _form(name: str) -> Form:
    return Form(registry.get(f"gain.{name}"))


def _numeric_parameters(name: str, form: Form) -> dict[str, float]:
    """The built-in's parameters at the values its derivation defines (same slope, same α), for numeric."""
    if name == "selu":
        return {}
    return {_NUMERIC_NAMES[s]: form.defined(s) for s, _ in catalogue.builtin(name).parameters}


def _measure(name: str):
    def measure(config, rng, budget: Budget) -> Measurement:
        form = _form(name)
        phi, grad = N.activation(name, **_numeric_parameters(name, form))
        check = config["check"]
        n = budget.replicates(REPLICATES[check])
        if check == "forward":
            g = form(D.G_FORWARD)

            def draw(r, k):
                return N.layer_second_moment(r, k, phi, fan_in=config["fan_in"], fan_out=config["fan_out"],
                                             sigma_w=g, batch=BATCH)
        elif check == "backward":
            g = form(D.G_BACKWARD)

            def draw(r, k):
                return N.layer_gradient_second_moment(r, k, grad, fan_in=config["fan_in"], fan_out=config["fan_out"],
                                                      sigma_w=g, batch=BATCH)
        else:
            g = form(D.G_FORWARD)

            def draw(r, k):
                return N.layer_jacobian_second_moment(r, k, grad, width=config["width"], sigma_w=g, batch=BATCH)
        return Measurement.from_accumulator(stream(draw, n, rng, CHUNK))

    return measure


def _expected():
    return linked(lambda config, points, form: form(D.CHECKS[config["check"]]),
                  shows=(D.G_FORWARD, D.G_BACKWARD, D.CHI1))


def _control(name: str):
    controlled = D.control_lhs(name)

    def control(config, points, form):
        lhs = D.CHECKS[config["check"]]
        return form.control(lhs) if lhs in controlled else None

    return linked(control, shows=controlled)


CONFIGS = (
    {"check": "forward", "fan_in": FAN_IN, "fan_out": FAN_IN},
    {"check": "backward", "fan_in": FAN_IN, "fan_out": FAN_OUT},
    {"check": "chi1", "width": WIDTH},
)
"""One configuration per check: what it measures (``D.CHECKS``) and the size of its layer."""

TITLES = {
    "relu": "ReLU: forward and backward gains in closed form, critical at its gain",
    "leaky_relu": "leaky ReLU (PyTorch's default slope): gains in closed form, critical at its gain",
    "elu": "ELU: gains and χ₁ in closed form (a Gaussian integral per piece)",
    "selu": "SELU: gains and χ₁ in closed form at its constants (PyTorch's constant is empirical)",
    "gelu": "GELU: second moment by a lemma (integration by parts), gains in closed form (PyTorch has none)",
    "silu": "SiLU: gains by quadrature (PyTorch has none)",
    "mish": "Mish: gains by quadrature (PyTorch has none)",
    "softplus": "softplus: gains by quadrature; its mean is not 0, so 1/√Var is not the gain",
    "tanh": "tanh: the gain that preserves the second moment, by quadrature (PyTorch's constant is empirical)",
    "sigmoid": "sigmoid: the gain from the second moment, neither PyTorch's constant nor 1/√Var",
    "linear": "identity: gains and χ₁ of a linear layer",
}
"""Titles name the method; every number is rendered from the derivation (the formula column)."""


def _claim(name: str) -> Claim:
    return Claim(
        id=f"gain.{name}",
        title=TITLES[name],
        source=_SOURCE,
        expected=_expected(),
        measure=_measure(name),
        control=_control(name),
        configs=tuple(dict(c) for c in CONFIGS),
        notes="one layer at a time: each expectation is exact at any width",
    )


CLAIMS = [_claim(name) for name in catalogue.BUILTINS]
