"""Claims on variance and initialization (001 §Initialization Derivation, §Xavier, §Kaiming, §Summary; 000 Q1.4).

Every Monte Carlo replicate draws new weights with ``numeric.init`` (the estimand is the expectation over
weights and inputs). Every closed form and control is read from its derivation's conclusion through ``form``
(``verify.closed.linked``); the only numbers typed here are configuration parameters: a measurement's input
moments, and Var(W) of an initializer read from ``derive.init``'s table. Stacks are checked one layer at a
time (``_layers.measure_layer_factors``). activation.relu.moments, which the ReLU layers cite, is an
activations claim (``verify/claims/activations.py``).
"""
from __future__ import annotations

import math

import numpy as np

from derive import init as D
from numeric import activations as A
from numeric import init as I
from numeric import linear as N
from numeric.propagation import propagate

from ..claim import Budget, Claim, Measurement
from ..closed import linked
from ._layers import chunk_for, init_variance, measure_layer_factors, monte_carlo, table_value, values, weights

GAIN_ULPS = 4
"""calculate_gain against the closed form: a square root and a division, a few ulps."""


# ---- variance.product and variance.fan_in ------------------------------------------------------

def _measure_product(config, rng, budget: Budget) -> Measurement:
    gain, mean, std = config["gain"], config["x_mean"], config["x_std"]

    def draw(r, k):
        w = I.lecun_normal((k, 1), r, gain=gain)[:, 0] if config["w"] == "normal" else \
            I.lecun_uniform((k, 1), r, gain=gain)[:, 0]
        x = mean + std * r.standard_normal(k)
        return (w * x) ** 2
    return monte_carlo(draw, budget.replicates(40_000), rng, "E[(Wx)²] (= Var(Wx): E[Wx] = 0)")


def _product_values(config):
    var_w = table_value(D.INIT_VARIANCE["lecun"], n_in=1) * config["gain"] ** 2   # fan_in 1, gain g: g²
    return values(sigma2=var_w, var_x=config["x_std"] ** 2, mu=config["x_mean"])


def _measure_fan_in(config, rng, budget: Budget) -> Measurement:
    n, rho, mean = config["n"], config["rho"], config["x_mean"]

    def draw(r, k):
        w = getattr(I, config["init"])((k, n), r)                  # k rows: fan_in = n for each
        common = r.standard_normal((k, 1))
        x = mean + math.sqrt(rho) * common + math.sqrt(1 - rho) * r.standard_normal((k, n))
        return np.einsum("ij,ij->i", w, x) ** 2
    return monte_carlo(draw, budget.replicates(config.get("replicates", 20_000)), rng, "E[(Σ_j W_j x_j)²], x_j correlated (ρ)")


def _fan_in_values(config):
    # x_j = mean + unit-variance parts: E[x_j²] = 1 + mean²
    return values(n=config["n"], sigma2=init_variance(config["init"], config["n"], 1), m2=1 + config["x_mean"] ** 2)


# ---- init.forward, init.backward, init.xavier, init.uniform ------------------------------------

def _measure_forward_layer(config, rng, budget: Budget) -> Measurement:
    n_in, n_out, mean = config["n_in"], config["n_out"], config["x_mean"]

    def draw(r, k):
        w = weights(config["init"], (n_out, n_in), r, k)
        x = mean + r.standard_normal((k, config["batch"], n_in))
        y = np.matmul(x, w.transpose(0, 2, 1))
        return (y**2).mean(axis=(1, 2)) / (1 + mean**2)
    return monte_carlo(draw, budget.replicates(config["replicates"]), rng, "E[y²]/E[x²], new W per replicate",
               chunk=chunk_for(n_in * n_out))


def _measure_backward_layer(config, rng, budget: Budget) -> Measurement:
    n_in, n_out, batch = config["n_in"], config["n_out"], config["batch"]

    def draw(r, k):
        out = np.empty(k)
        for i in range(k):
            net = N.MLP.init((n_in, n_out), r, weight_init=getattr(I, config["init"]), bias=None,
                             activation="linear", **config.get("options", {}))
            x = r.standard_normal((batch, n_in))
            g = r.standard_normal((batch, n_out))                   # ∂L/∂y, independent of W
            out[i] = np.mean(net.backward(net.forward_trace(x), g).inputs ** 2)
        return out
    return monte_carlo(draw, budget.replicates(config["replicates"]), rng, "E[(∂L/∂x_j)²]/E[g²] by MLP.backward")


def _measure_weight_moments(config, rng, budget: Budget) -> Measurement:
    shape = (config["n_out"], config["n_in"])

    def draw(r, k):
        return (weights(config["init"], shape, r, k, **config.get("options", {})) ** 2).mean(axis=(1, 2))
    return monte_carlo(draw, budget.replicates(200), rng, "mean of W² per drawn matrix", chunk=chunk_for(shape[0] * shape[1]))


def _uniform_bound(config) -> float:
    return table_value(D.UNIFORM_BOUND[config["init"]], n_in=config["n_in"], n_out=config["n_out"])


# ---- init.kaiming (init.lecun: the per-layer factors alone) -------------------------------------------

def _slope(config) -> float:
    return config.get("slope", 0.0) if config["activation"] == "leaky_relu" else 0.0


# ---- init.torch_default --------------------------------------------------------------------------

def _measure_torch_default(config, rng, budget: Budget) -> Measurement:
    if config["bias"] is None:
        return measure_layer_factors(config, rng, budget)
    widths = (config["n"],) * (config["depth"] + 1)

    def draw(r, k):
        return propagate(widths, k, config["batch"], r, weight_init="torch_default", bias="torch",
                         dtype=np.float64).pre
    return monte_carlo(draw, budget.replicates(config["replicates"]), rng, "E[z_l²] per layer with PyTorch's biases")


def _torch_default(evaluate, config):
    """Per layer: the factor ×1/6 without bias, E[z_l²] with PyTorch's biases (``evaluate``: form or its control)."""
    if config["bias"] is None:
        return np.full(config["depth"], evaluate(D.TORCH_LAYER, **values(m2=1)))
    return evaluate(D.TORCH_BIAS, **values(n_in=config["n"], L=np.arange(config["depth"], dtype=float), m2=1))


# ---- init.fans -------------------------------------------------------------------------------------

def _fan_grid():
    rows = []
    for g in (1, 2, 3):
        for out_per in (1, 2, 3):
            for in_per in (1, 2, 3):
                for kh in (1, 2, 3):
                    for kw in (1, 2, 3, 5):
                        rows.append((g * out_per, in_per, kh, kw, g))
    return rows


def _measure_fans(config, rng, budget: Budget) -> Measurement:
    rows = _fan_grid()
    if config["grid"] == "random":
        rows = [(int(g * rng.integers(1, 64)), int(rng.integers(1, 64)), int(rng.integers(1, 12)),
                 int(rng.integers(1, 12)), int(g)) for g in rng.integers(1, 9, budget.replicates(200))]
    fans = np.array([I.fans((c_out, in_per, kh, kw), groups=g) for c_out, in_per, kh, kw, g in rows], dtype=float)
    return Measurement(fans.ravel(), kind="exact", cases=len(rows), points=np.array(rows),
                       note="numeric.init.fans(groups=g) against derive's definition, (fan_in, fan_out) per shape")


def _fans_at(points):
    c_out, in_per, kh, kw, g = (points[:, i].astype(float) for i in range(5))
    return dict(C_in=in_per * g, C_out=c_out, groups=g, k_h=kh, k_w=kw)


def _fans(evaluate, points):
    v = _fans_at(points)
    fan_in = evaluate(D.FANS[0], **values(C_in=v["C_in"], groups=v["groups"], k_h=v["k_h"], k_w=v["k_w"]))
    fan_out = evaluate(D.FANS[1], **values(C_out=v["C_out"], groups=v["groups"], k_h=v["k_h"], k_w=v["k_w"]))
    return np.stack([fan_in, fan_out], axis=1).ravel()


# ---- init.gains ------------------------------------------------------------------------------------

GAIN_CASES = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
              ("selu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3.0)]


def _measure_gains(config, rng, budget: Budget) -> Measurement:
    if config["check"] == "table":
        gains = np.array([I.calculate_gain(name, param) for name, param in GAIN_CASES])
        return Measurement(gains, GAIN_ULPS * np.finfo(float).eps * np.abs(gains), "bounded", len(gains),
                           note="numeric.calculate_gain against PyTorch's table as stated in derive")
    phi = {"relu": A.relu, "tanh": A.tanh, "sigmoid": A.sigmoid}[config["phi"]]

    def draw(r, k):
        return phi(r.standard_normal(k)) ** 2
    return monte_carlo(draw, budget.replicates(40_000), rng, "E[φ(z)²], z ~ N(0, 1): the second-moment gain is 1/√E")


def _gains_expected(config, points, form):
    if config["check"] == "table":
        return np.array([form.defined(D.GAIN_TORCH[name], **(values(slope=0.01 if param is None else param)
                                                             if name == "leaky_relu" else {}))
                         for name, param in GAIN_CASES])
    return form(D.GAIN_SECOND[config["phi"]])


def _gains_control(config, points, form):
    if config["check"] == "table":
        return None
    return form.control(D.GAIN_SECOND[config["phi"]])


_INIT_SOURCE = "001 §Initialization Derivation"


CLAIMS = [
    Claim(
        id="variance.product",
        sample_size="power",
        title="W ⟂ x, E[W] = 0 ⇒ Var(Wx) = Var(W)·E[x²]; = Var(W)·Var(x) only when also E[x] = 0",
        source=_INIT_SOURCE,
        expected=linked(lambda config, points, form: form(D.PRODUCT, **_product_values(config)), D.PRODUCT),
        control=linked(lambda config, points, form: form.control(D.PRODUCT, **{
            k: v for k, v in _product_values(config).items() if k != D.mu.name}), D.PRODUCT),
        measure=_measure_product,
        configs=({"w": "normal", "gain": 0.5, "x_mean": 2.0, "x_std": 1.0},
                 {"w": "uniform", "gain": 1.0, "x_mean": 1.0, "x_std": 1.0}),
    ),
    Claim(
        id="variance.fan_in",
        sample_size="power",
        title="Var(Σ_{j≤n} W_j x_j) = n·Var(W)·E[x²] for symbolic n; the x_j may be correlated",
        source=_INIT_SOURCE,
        expected=linked(lambda config, points, form: form(D.FAN_IN, **_fan_in_values(config)), D.FAN_IN),
        control=linked(lambda config, points, form: form.control(D.FAN_IN, **_fan_in_values(config)), D.FAN_IN),
        measure=_measure_fan_in,
        configs=({"n": 4, "rho": 0.5, "x_mean": 1.0, "init": "lecun_normal"},
                 {"n": 64, "rho": 0.9, "x_mean": 0.5, "init": "kaiming_uniform"},
                 {"n": 512, "rho": 0.0, "x_mean": 0.0, "init": "lecun_uniform", "replicates": 5000}),
    ),
    Claim(
        id="init.forward",
        title="Var(W) = 1/n_in preserves E[y²] forward through a linear layer",
        source="001 §Initialization Derivation, §Xavier",
        expected=linked(lambda config, points, form: form(D.FORWARD, **values(m2=1)), D.FORWARD),
        control=linked(lambda config, points, form: form.control(
            D.FORWARD, **values(n_in=config["n_in"], n_out=config["n_out"], m2=1)), D.FORWARD),
        measure=_measure_forward_layer,
        configs=({"n_in": 16, "n_out": 48, "init": "lecun_normal", "x_mean": 0.5, "batch": 8, "replicates": 600},
                 {"n_in": 512, "n_out": 1024, "init": "lecun_uniform", "x_mean": 0.0, "batch": 4, "replicates": 48}),
    ),
    Claim(
        id="init.backward",
        title="Var(W) = 1/n_out preserves the gradient's second moment backward (∂L/∂x_k = Σ_j W_jk·∂L/∂y_j)",
        source="001 §Xavier",
        expected=linked(lambda config, points, form: form(D.BACKWARD, **values(m_g=1)), D.BACKWARD),
        control=linked(lambda config, points, form: form.control(
            D.BACKWARD, **values(n_in=config["n_in"], n_out=config["n_out"], m_g=1)), D.BACKWARD),
        measure=_measure_backward_layer,
        configs=({"n_in": 32, "n_out": 96, "init": "lecun_normal", "options": {"mode": "fan_out"},
                  "batch": 8, "replicates": 600},
                 {"n_in": 128, "n_out": 256, "init": "lecun_uniform", "options": {"mode": "fan_out"},
                  "batch": 4, "replicates": 200}),
    ),
    Claim(
        id="init.xavier",
        title="2/(n_in+n_out) is the harmonic mean of 1/n_in and 1/n_out (between them, equal iff n_in = n_out)",
        source="001 §Xavier; 000 Q1.4",
        expected=linked(lambda config, points, form: form(D.XAVIER, **values(n_in=config["n_in"], n_out=config["n_out"])),
                         D.XAVIER),
        control=linked(lambda config, points, form: form.control(
            D.XAVIER, **values(n_in=config["n_in"], n_out=config["n_out"])), D.XAVIER),
        measure=_measure_weight_moments,
        configs=({"n_in": 64, "n_out": 256, "init": "xavier_normal"},
                 {"n_in": 300, "n_out": 100, "init": "xavier_uniform"}),
    ),
    Claim(
        id="init.uniform",
        title="U(-a, a) has variance a²/3: Xavier a = √(6/(n_in+n_out)), Kaiming √(6/n_in), LeCun √(3/n_in)",
        source="001 §Initialization Formulas Summary",
        expected=linked(lambda config, points, form: form(D.UNIFORM, a=_uniform_bound(config)), D.UNIFORM),
        control=linked(lambda config, points, form: form.control(D.UNIFORM, a=_uniform_bound(config)), D.UNIFORM),
        measure=_measure_weight_moments,
        configs=({"n_in": 64, "n_out": 192, "init": "xavier_uniform"},
                 {"n_in": 128, "n_out": 64, "init": "kaiming_uniform", "options": {"nonlinearity": "relu"}},
                 {"n_in": 32, "n_out": 96, "init": "lecun_uniform"}),
    ),
    Claim(
        id="init.kaiming",
        title="Var(W) = 2/n_in (leaky ReLU: 2/((1+α²)n_in)) preserves the second moment through each ReLU layer",
        source="001 §Kaiming Initialization",
        expected=linked(lambda config, points, form: np.full(config["depth"], form(D.KAIMING, **values(m2=1))), D.KAIMING),
        control=linked(lambda config, points, form: np.full(config["depth"], form.control(
            D.KAIMING, **values(slope=_slope(config), m2=1))), D.KAIMING),
        measure=measure_layer_factors,
        configs=({"n": 16, "depth": 6, "init": "kaiming_normal", "activation": "relu", "batch": 4,
                  "replicates": 600},
                 {"n": 256, "depth": 3, "init": "kaiming_uniform", "activation": "relu", "batch": 16,
                  "replicates": 100},
                 {"n": 64, "depth": 3, "init": "kaiming_normal", "activation": "leaky_relu", "slope": 0.5,
                  "options": {"a": 0.5}, "batch": 8, "replicates": 300}),
    ),
    Claim(
        id="init.lecun",
        title="Var(W) = 1/n_in preserves the second moment through linear layers, at every depth",
        source="001 §Initialization Formulas Summary",
        expected=linked(lambda config, points, form: np.full(config["depth"], form(D.LECUN_LAYER, **values(m2=1))),
                         D.LECUN_LAYER),
        control=linked(lambda config, points, form: np.full(config["depth"], form.control(D.LECUN_LAYER, **values(m2=1))),
                        D.LECUN_LAYER),
        measure=measure_layer_factors,
        configs=({"n": 32, "depth": 8, "init": "lecun_normal", "activation": "linear", "batch": 4,
                  "replicates": 400},
                 {"n": 256, "depth": 3, "init": "lecun_uniform", "activation": "linear", "batch": 16,
                  "replicates": 100}),
    ),
    Claim(
        id="init.torch_default",
        title="PyTorch's default kaiming_uniform(a=√5): Var(W) = 1/(3·fan_in); a ReLU layer shrinks E[h²] ×1/6, "
              "and with default biases E[z²] falls to the floor 2/(5·fan_in)",
        source="PyTorch nn.Linear.reset_parameters",
        expected=linked(lambda config, points, form: _torch_default(form, config), (D.TORCH_LAYER, D.TORCH_BIAS)),
        control=linked(lambda config, points, form: _torch_default(form.control, config), (D.TORCH_LAYER, D.TORCH_BIAS)),
        measure=_measure_torch_default,
        configs=({"bias": None, "n": 64, "depth": 30, "init": "torch_default", "activation": "relu", "batch": 4,
                  "replicates": 200},
                 {"bias": "torch", "n": 64, "depth": 8, "batch": 16, "replicates": 300}),
        notes="float64 throughout: 6^-30 ≈ 5e-24 is far below float32's normal range by depth 50.",
    ),
    Claim(
        id="init.fans",
        title="fan_in = (C_in/g)·k_h·k_w, fan_out = (C_out/g)·k_h·k_w (PyTorch: out·k_h·k_w at any groups)",
        source="torch.nn.init; 000 Q2.1",
        expected=linked(lambda config, points, form: _fans(form.__call__, points), D.FANS),
        control=linked(lambda config, points, form: _fans(form.control, points), D.FANS),
        measure=_measure_fans,
        configs=({"grid": "exhaustive"}, {"grid": "random"}),
    ),
    Claim(
        id="init.gains",
        sample_size="power",
        title="calculate_gain reproduces PyTorch's table; the second-moment gain 1/√E[φ(ξ)²] beside it "
              "(relu √2 exact, tanh ≈ 1.5925 not 5/3, sigmoid ≈ 1.847 not 1)",
        source="torch.nn.init.calculate_gain",
        expected=linked(_gains_expected, tuple(D.GAIN.values())),
        control=linked(_gains_control, tuple(D.GAIN_SECOND.values())),
        measure=_measure_gains,
        configs=({"check": "table"}, {"check": "mc", "phi": "relu"}, {"check": "mc", "phi": "tanh"},
                 {"check": "mc", "phi": "sigmoid"}),
    ),
]
