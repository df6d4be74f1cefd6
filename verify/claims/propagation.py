"""Claims on signal propagation through depth (001 §Variance Propagation; He et al. 2015).

The closed forms and controls are read from the derivations' conclusions through ``form``. Products over depth
are heavy-tailed (DESIGN.md, Monte Carlo): deep narrow stacks are checked one layer at a time through the
ratio m_l/m_(l-1) of mean squares, whose mean is the layer's factor exactly at any width; whole-depth
statistics are used only where (1 + 5/n)^L stays small. tanh has no closed form over depth: its check is one
layer against the quadrature its derivation concludes. The backward closed form is a product over layers of
per-layer widths and variances n(l), σ²(l) (functions of the layer): it is read with ``form.expression`` and
evaluated at the configuration's widths and at Var(W_l) from derive.init's table.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from derive import init as DI
from derive import propagation as D
from numeric import activations as A
from numeric import init as I
from numeric import linear as N
from numeric.propagation import propagate

from ..claim import Budget, Claim, Measurement
from ..closed import linked
from ._layers import (chunk_for, init_variance, layer_ratios, measure_layer_factors, monte_carlo, table_value, values,
                      weights)

_SOURCE = "001 §Variance Propagation"


# ---- propagation.forward ----------------------------------------------------------------------------

def _measure_depth(config, rng, budget: Budget) -> Measurement:
    if config.get("per_layer"):
        return measure_layer_factors(config, rng, budget)
    if config["activation"] == "tanh":
        return _measure_tanh_layer(config, rng, budget)
    widths = (config["n"],) * (config["depth"] + 1)

    def draw(r, k):
        p = propagate(widths, k, config["batch"], r, weight_init=config["init"], activation=config["activation"],
                      dtype=np.float64)
        return np.stack([p.post[:, -1], p.pre[:, -1]], axis=1)
    return monte_carlo(draw, budget.replicates(config["replicates"]), rng, "[E[h_L²], E[z_L²]], E[x²] = 1")


def _measure_tanh_layer(config, rng, budget: Budget) -> Measurement:
    """One tanh layer from an input of fixed E[x²] = 1: z_i ~ N(0, n·Var(W)) exactly, given x."""
    n = config["n"]
    x = np.ones(n)

    def draw(r, k):
        w = weights(config["init"], (n, n), r, k, **config.get("options", {}))
        return np.mean(A.tanh(w @ x) ** 2, axis=1)
    return monte_carlo(draw, budget.replicates(config["replicates"]), rng, "E[tanh(z)²] one layer, against quadrature",
               chunk=chunk_for(n * n))


def _depth_var(config):
    if config.get("options", {}).get("nonlinearity") == "tanh":   # kaiming with tanh's gain: gain²/fan_in
        return table_value(DI.TORCH_GAINS["tanh"]) ** 2 * table_value(DI.INIT_VARIANCE["lecun"], n_in=config["n"])
    return init_variance(config["init"], config["n"], config["n"], 0.0)


def _tanh_lhs(config):
    """The concluded E[tanh(z)²], z ~ N(0, q), at q = n·Var(W) of the configuration."""
    q = config["n"] * _depth_var(config)
    return next(lhs for qv, lhs in D.TANH.items() if abs(float(qv) - q) < 1e-9)


def _forward(form, config, control: bool = False):
    evaluate = form.control if control else form
    n, var_w = config["n"], _depth_var(config)
    if config.get("per_layer"):   # one layer's factor: E[h_1²] from E[x²] = 1 (control: (n·Var(W))^1)
        lhs, depth = (D.PRE, 0) if control else (D.POST, 1)
        return np.full(config["depth"], evaluate(lhs, **values(n=n, sigma2=var_w, L=depth, m2=1)))
    if config["activation"] == "tanh":
        return evaluate(_tanh_lhs(config))
    return np.array([evaluate(D.POST, **values(n=n, sigma2=var_w, L=config["depth"], m2=1)),
                     evaluate(D.PRE, **values(n=n, sigma2=var_w, L=config["depth"] - 1, m2=1))])


# ---- propagation.backward and propagation.one_condition ------------------------------------------------

def _backprop_moments(config, r, k):
    """Per replicate: mean of (∂ℓ/∂x_j)² and of ‖∂ℓ/∂x‖²/E[‖g‖²], ℓ = ⟨g, ReLU(z_L)⟩, g ~ N(0, 1) ⟂ W."""
    widths, batch = config["widths"], config["batch"]
    out = np.empty((k, 2))
    for i in range(k):
        net = N.MLP.init(widths, r, weight_init=getattr(I, config["init"]), bias=None, activation="relu",
                         **config.get("options", {}))
        x = r.standard_normal((batch, widths[0]))
        trace = net.forward_trace(x)
        g = r.standard_normal((batch, widths[-1]))
        dx = net.backward(trace, g * A.relu_grad(trace.output)).inputs     # ReLU on the last layer too
        out[i] = np.mean(dx**2), np.sum(dx**2) / (batch * widths[-1])    # E[‖g‖²] = n_L per sample
    return out


def _measure_backprop(config, rng, budget: Budget) -> Measurement:
    return monte_carlo(lambda r, k: _backprop_moments(config, r, k)[:, config["column"]], budget.replicates(config["replicates"]),
               rng, "real backprop through ReLU layers, upstream g independent of W", chunk=64)


def _layer_vars(config):
    """Var(W_l) of each layer from derive's table; mode="fan_out" swaps the fans (n_in ↔ n_out)."""
    widths, mode = config["widths"], config.get("options", {}).get("mode", "fan_in")
    return [init_variance(config["init"], *((n_out, n_in) if mode == "fan_out" else (n_in, n_out)))
            for n_in, n_out in zip(widths[:-1], widths[1:])]


def at_layers(expr, config) -> float:
    """A concluded expression in n(l), σ²(l), L and E[g²], at the configuration: the widths, Var(W_l) from
    derive's table, E[g²] = 1 (g ~ N(0, 1))."""
    widths = config["widths"]
    subs = {D.widths(l): w for l, w in enumerate(widths)}
    subs.update({D.V(l): sp.Float(v, 30) for l, v in enumerate(_layer_vars(config), 1)})
    subs[DI.m_g] = 1
    out = expr.subs(D.L, len(widths) - 1).doit().xreplace(subs)
    return float(out)


def _backward_expected(config, points, form):
    return at_layers(form.expression(D.BACKWARD), config)


def _backward_control(config, points, form):
    return at_layers(form.expression(D.BACKWARD, control=True), config)


def _one_condition_expected(config, points, form):
    return at_layers(form.expression(D.BACKWARD), config) if config["column"] == 0 else form(D.RATIO)


def _one_condition_control(config, points, form):
    if config["column"] == 0:
        return form.control(D.BACKWARD, **values(m_g=1))
    return at_layers(form.expression(D.RATIO, control=True), config)


# ---- propagation.finite_width ----------------------------------------------------------------------

def _measure_finite_width(config, rng, budget: Budget) -> Measurement:
    widths = (config["n"],) * (config["depth"] + 1)

    def post_of(r, k):
        return propagate(widths, k, 1, r, weight_init="kaiming_normal", dtype=np.float64).post

    if config.get("per_layer"):
        return layer_ratios(post_of, budget.replicates(config["replicates"]), rng, powers=(1, 2))

    def draw(r, k):
        post = post_of(r, k)
        return (post[:, -1] / post[:, 0]) ** 2                # M_0 > 0 surely; a dead net gives 0, as it should
    return monte_carlo(draw, budget.replicates(config["replicates"]), rng, "one input per weight draw: M_l = ‖h_l‖²")


def _finite(form, config, control: bool = False):
    n, depth = config["n"], config["depth"]
    if control:   # the control "no spread" is the constant 1 for every statistic
        if config.get("per_layer"):
            return np.concatenate([np.full(depth, form.control(D.R_MEAN)), np.full(depth, form.control(D.R_SECOND))])
        return form.control(D.SPREAD)
    if config.get("per_layer"):
        return np.concatenate([np.full(depth, form(D.R_MEAN)), np.full(depth, form(D.R_SECOND, n=n))])
    return form(D.SPREAD, n=n, L=depth)


CLAIMS = [
    Claim(
        id="propagation.forward",
        title="through L ReLU layers of width n: E[h_L²] = (n·Var(W)/2)^L·E[x²]; E[z_L²] is twice that",
        source=_SOURCE,
        expected=linked(lambda config, points, form: _forward(form, config), (D.POST, D.PRE)),
        control=linked(lambda config, points, form: _forward(form, config, control=True), (D.POST, D.PRE)),
        measure=_measure_depth,
        configs=({"n": 64, "depth": 10, "init": "kaiming_normal", "activation": "relu", "batch": 8,
                  "replicates": 300},
                 {"n": 64, "depth": 6, "init": "lecun_normal", "activation": "relu", "batch": 8, "replicates": 200},
                 {"n": 64, "depth": 6, "init": "xavier_uniform", "activation": "relu", "batch": 8,
                  "replicates": 200},
                 {"n": 64, "depth": 5, "init": "torch_default", "activation": "relu", "batch": 8, "replicates": 200},
                 {"per_layer": True, "n": 16, "depth": 50, "init": "kaiming_normal", "activation": "relu",
                  "batch": 8, "replicates": 400},
                 {"n": 64, "init": "lecun_normal", "activation": "tanh", "replicates": 200},
                 {"n": 64, "init": "kaiming_normal", "options": {"nonlinearity": "tanh"}, "activation": "tanh",
                  "replicates": 200}),
        notes="tanh: one layer against the quadrature of E[tanh(z)²], z ~ N(0, n·Var(W)); no depth judgement.",
    ),
    Claim(
        id="propagation.backward",
        title="E[(∂ℓ/∂x_j)²] = E[g²]·Π_l (n_l·Var(W_l)/2) (n_l the fan-out of layer l), exactly at any width",
        source=_SOURCE + "; He et al. 2015 eq. 13",
        expected=linked(_backward_expected, D.BACKWARD),
        control=linked(_backward_control, D.BACKWARD),
        measure=_measure_backprop,
        configs=({"widths": (16, 32, 64), "init": "kaiming_normal", "column": 0, "batch": 8, "replicates": 300},
                 {"widths": (16, 32, 64), "init": "kaiming_normal", "options": {"mode": "fan_out"}, "column": 0,
                  "batch": 8, "replicates": 300},
                 {"widths": (24, 48, 96), "init": "lecun_uniform", "column": 0, "batch": 8, "replicates": 300},
                 {"widths": (16, 48, 96), "init": "xavier_normal", "column": 0, "batch": 8, "replicates": 300},
                 {"widths": (32, 64, 128), "init": "torch_default", "column": 0, "batch": 8, "replicates": 300}),
    ),
    Claim(
        id="propagation.one_condition",
        title="with only the fan-in condition the backward factor telescopes to n_L/n_0 per coordinate; "
              "the total gradient norm is preserved exactly",
        source=_SOURCE + "; He et al. 2015 §2.2",
        expected=linked(_one_condition_expected, (D.BACKWARD, D.RATIO)),
        control=linked(_one_condition_control, (D.BACKWARD, D.RATIO)),
        measure=_measure_backprop,
        configs=({"widths": (16, 32, 64, 128), "init": "kaiming_normal", "column": 0, "batch": 8,
                  "replicates": 300},
                 {"widths": (16, 32, 64, 128), "init": "kaiming_normal", "column": 1, "batch": 8,
                  "replicates": 300}),
    ),
    Claim(
        id="propagation.finite_width",
        title="He init: each layer multiplies ‖h‖² by R with E[R] = 1, E[R²] = 1 + 5/n, so E[M_L²]/M_0² = (1+5/n)^L",
        source=_SOURCE,
        expected=linked(lambda config, points, form: _finite(form, config), (D.R_MEAN, D.R_SECOND, D.SPREAD)),
        control=linked(lambda config, points, form: _finite(form, config, control=True), (D.R_MEAN, D.R_SECOND, D.SPREAD)),
        measure=_measure_finite_width,
        configs=({"n": 32, "depth": 3, "replicates": 4000},
                 {"per_layer": True, "n": 32, "depth": 4, "replicates": 4000}),
    ),
]
