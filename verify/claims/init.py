"""Claims on variance and initialization (001 §Initialization Derivation, §Xavier, §Kaiming, §Summary,
§Variance Propagation; 000 Q1.4) and on signal propagation through depth.

Every Monte Carlo replicate draws new weights with ``numeric.init`` (the estimand is the expectation over
weights and inputs), and every expected value is a ``derive`` closed form evaluated at the configuration.
Products over depth are heavy-tailed (DESIGN.md, Monte Carlo): deep narrow stacks are checked one layer at
a time through the ratio m_l/m_(l-1) of mean squares, whose mean is the layer's factor exactly at any width
(given the earlier layers the factor is exact, and the tower rule removes the conditioning); whole-depth
statistics are used only where (1 + 5/n)^L stays small. tanh has no closed form over depth: its check is
one layer at a time against the quadrature of its variance map.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from derive import init as D
from numeric import activations as A
from numeric import init as I
from numeric import linear as N

from ..claim import Budget, Claim, Measurement
from ..mc import Accumulator, stream

GAIN_ULPS = 4
"""calculate_gain against the closed form: a square root and a division, a few ulps."""


def _value(expr, **subs) -> float:
    symbols = {getattr(D, name): value for name, value in subs.items()}
    return float(expr.subs(symbols)) if isinstance(expr, sp.Basic) else float(expr)


CHUNK_ELEMENTS = 1 << 21
"""Weights held at once by a chunk of replicates (16 MiB in float64): memory does not grow with replicates."""


def _chunk(per_replicate: int) -> int:
    return max(1, min(256, CHUNK_ELEMENTS // per_replicate))


def _mc(draw, replicates: int, rng: np.random.Generator, note: str = "", chunk: int = 256) -> Measurement:
    return Measurement.from_accumulator(stream(draw, replicates, rng, chunk), note=note)


def _weights(name: str, shape, rng, k: int, **options) -> np.ndarray:
    """k independent weight draws of ``shape`` from numeric.init's initializer ``name``."""
    return getattr(I, name)(shape, rng, out=np.empty((k, *shape)), **options)


def _init_variance(name: str, n_in: int, n_out: int, slope: float = 0.0) -> float:
    """Var(W) of an initializer from derive's table (the uniform ones have the same variance)."""
    family = name.split("_")[0]
    if name == "torch_default":
        family = "torch_default"
    if family == "kaiming" and slope:
        family = "kaiming_leaky"
    return _value(D.INIT_VARIANCE[family], n_in=n_in, n_out=n_out, slope=slope)


# ---- variance.product and variance.fan_in ------------------------------------------------------

def _measure_product(config, rng, budget: Budget) -> Measurement:
    gain, mean, std = config["gain"], config["x_mean"], config["x_std"]

    def draw(r, k):
        w = I.lecun_normal((k, 1), r, gain=gain)[:, 0] if config["w"] == "normal" else \
            I.lecun_uniform((k, 1), r, gain=gain)[:, 0]
        x = mean + std * r.standard_normal(k)
        return (w * x) ** 2
    return _mc(draw, budget.replicates(40_000), rng, "E[(Wx)²] (= Var(Wx): E[Wx] = 0)")


def _product_expected(config, at):
    return _value(D.PRODUCT_VARIANCE, sigma2=config["gain"] ** 2, var_x=config["x_std"] ** 2, mu=config["x_mean"])


def _product_control(config, at):
    return config["gain"] ** 2 * config["x_std"] ** 2


def _measure_fan_in(config, rng, budget: Budget) -> Measurement:
    n, rho, mean = config["n"], config["rho"], config["x_mean"]

    def draw(r, k):
        w = getattr(I, config["init"])((k, n), r)                  # k rows: fan_in = n for each
        common = r.standard_normal((k, 1))
        x = mean + math.sqrt(rho) * common + math.sqrt(1 - rho) * r.standard_normal((k, n))
        return np.einsum("ij,ij->i", w, x) ** 2
    return _mc(draw, budget.replicates(config.get("replicates", 20_000)), rng, "E[(Σ_j W_j x_j)²], x_j correlated (ρ)")


def _fan_in_expected(config, at):
    var_w = _init_variance(config["init"], config["n"], 1)
    return _value(D.FAN_IN_VARIANCE, n=config["n"], sigma2=var_w, m2=1 + config["x_mean"] ** 2)


def _fan_in_control(config, at):
    return config["n"] * _fan_in_expected(config, at)


# ---- init.forward, init.backward, init.xavier, init.uniform ------------------------------------

def _measure_forward_layer(config, rng, budget: Budget) -> Measurement:
    n_in, n_out, mean = config["n_in"], config["n_out"], config["x_mean"]

    def draw(r, k):
        w = _weights(config["init"], (n_out, n_in), r, k)
        x = mean + r.standard_normal((k, config["batch"], n_in))
        y = np.matmul(x, w.transpose(0, 2, 1))
        return (y**2).mean(axis=(1, 2)) / (1 + mean**2)
    return _mc(draw, budget.replicates(config["replicates"]), rng, "E[y²]/E[x²], new W per replicate",
               chunk=_chunk(n_in * n_out))


def _forward_expected(config, at):
    var_w = _init_variance(config["init"], config["n_in"], config["n_out"])
    return _value(D.FAN_IN_VARIANCE, n=config["n_in"], sigma2=var_w, m2=1)


def _forward_control(config, at):
    return _value(D.FAN_IN_VARIANCE, n=config["n_in"], sigma2=1 / config["n_out"], m2=1)


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
    return _mc(draw, budget.replicates(config["replicates"]), rng, "E[(∂L/∂x_j)²]/E[g²] by MLP.backward")


def _backward_expected(config, at):
    return _value(D.FAN_IN_VARIANCE, n=config["n_out"], sigma2=_init_variance_mode(config), m2=1)


def _init_variance_mode(config):
    mode = config.get("options", {}).get("mode", "fan_in")
    fan = config["n_out"] if mode == "fan_out" else config["n_in"]
    return _value(D.INIT_VARIANCE["lecun"], n_in=fan)


def _backward_control(config, at):
    return config["n_out"] / config["n_in"] if config.get("options", {}).get("mode") == "fan_out" else 1.0


def _measure_weight_moments(config, rng, budget: Budget) -> Measurement:
    shape = (config["n_out"], config["n_in"])

    def draw(r, k):
        return (_weights(config["init"], shape, r, k, **config.get("options", {})) ** 2).mean(axis=(1, 2))
    return _mc(draw, budget.replicates(200), rng, "mean of W² per drawn matrix", chunk=_chunk(shape[0] * shape[1]))


def _xavier_expected(config, at):
    return _value(D.XAVIER_VARIANCE, n_in=config["n_in"], n_out=config["n_out"])


def _xavier_control(config, at):
    return (1 / config["n_in"] + 1 / config["n_out"]) / 2


def _uniform_expected(config, at):
    bound = _value(D.UNIFORM_BOUND[config["init"]], n_in=config["n_in"], n_out=config["n_out"])
    return _value(D.UNIFORM_VARIANCE, a=bound)


def _uniform_control(config, at):
    # the bound taken equal to the std: a = √Var, e.g. Xavier's √(2/(n_in + n_out))
    return _uniform_expected(config, at) / 3


# ---- activation.relu.moments ---------------------------------------------------------------------

def _measure_relu_moments(config, rng, budget: Budget) -> Measurement:
    q = config["q"]

    def draw(r, k):
        if config["z"] == "gaussian":
            z = math.sqrt(q) * r.standard_normal((k, 2))
        else:                                     # symmetric, not Gaussian: uniform with E[z²] = q
            z = r.uniform(-math.sqrt(3 * q), math.sqrt(3 * q), (k, 2))
        h = A.relu(z)
        stats = [h[:, 0] ** 2]
        if config["z"] == "gaussian":
            stats += [h[:, 0], (h[:, 0] - h[:, 1]) ** 2 / 2]        # E[(h1-h2)²/2] = Var(h), h1 ⟂ h2
        return np.stack(stats, axis=1)
    return _mc(draw, budget.replicates(40_000), rng, "[E[ReLU²], E[ReLU], Var(ReLU)] (pairs for the variance)")


def _relu_expected(config, at):
    second = _value(D.RELU_SECOND_MOMENT, q=config["q"])
    if config["z"] != "gaussian":
        return np.array([second])
    return np.array([second, _value(D.RELU_MEAN, q=config["q"]), _value(D.RELU_VARIANCE, q=config["q"])])


def _relu_control(config, at):
    if config["z"] != "gaussian":
        return np.array([config["q"]])            # E[ReLU(z)²] = E[z²]: the ReLU's halving forgotten
    e = _relu_expected(config, at)
    return np.array([e[0], e[1], config["q"] / 2])


# ---- per-layer factors through depth (propagate) -------------------------------------------------

def _layer_ratios(post_of, replicates: int, rng, powers=(1,), chunk: int = 256) -> Measurement:
    """Per layer, the mean of (m_l/m_(l-1))^p over the replicates whose layer l-1 is alive (m_(l-1) > 0).

    A narrow ReLU stack dies (every unit off, for every input) with probability about L·2^-n, after which
    the ratio is 0/0. Given the earlier layers the ratio's mean is the layer's factor exactly, so
    conditioning on the past event "alive at l-1" keeps it exact. One accumulator per layer and power,
    fed chunk by chunk: memory does not grow with replicates.
    """
    accumulators, dead, done = None, 0, 0
    while done < replicates:
        k = min(chunk, replicates - done)
        post = post_of(rng, k)
        if accumulators is None:
            accumulators = [[Accumulator() for _ in range(post.shape[1] - 1)] for _ in powers]
        for l in range(post.shape[1] - 1):
            alive = post[:, l] > 0
            ratio = post[alive, l + 1] / post[alive, l]
            for accs, p in zip(accumulators, powers):
                accs[l].update(ratio**p)
        dead += int(np.sum(post[:, -1] == 0))
        done += k
    flat = [a for accs in accumulators for a in accs]
    return Measurement(np.array([a.mean for a in flat]), np.array([a.stderr for a in flat]), "monte-carlo",
                       min(a.count for a in flat),
                       note=f"per-layer ratio m_l/m_(l-1), new weights per replicate; {dead} of {replicates} "
                            "networks died (every unit off) and count only while alive")


def _measure_layer_factors(config, rng, budget: Budget) -> Measurement:
    widths = (config["n"],) * (config["depth"] + 1)

    def post_of(r, k):
        return N.propagate(widths, k, config["batch"], r, weight_init=config["init"], activation=config["activation"],
                           dtype=np.float64, negative_slope=config.get("slope", 0.01), **config.get("options", {})).post
    return _layer_ratios(post_of, budget.replicates(config["replicates"]), rng)


def _layer_factor(config, var_w: float) -> float:
    if config["activation"] == "linear":
        return _value(D.FAN_IN_VARIANCE, n=config["n"], sigma2=var_w, m2=1)
    slope = config.get("slope", 0.0) if config["activation"] == "leaky_relu" else 0.0
    return _value(D.LEAKY_SECOND_MOMENT, q=config["n"] * var_w, slope=slope)


def _factors_expected(config, at):
    slope = config.get("slope", 0.0) if config["activation"] == "leaky_relu" else 0.0
    var_w = _init_variance(config["init"], config["n"], config["n"], slope)
    return np.full(config["depth"], _layer_factor(config, var_w))


def _kaiming_control(config, at):
    return np.full(config["depth"], _layer_factor(config, 1 / config["n"]))


def _lecun_control(config, at):
    return np.full(config["depth"], _layer_factor(config, 2 / config["n"]))


def _torch_half_control(config, at):
    return np.full(config["depth"], 0.5)


# ---- init.torch_default --------------------------------------------------------------------------

def _measure_torch_default(config, rng, budget: Budget) -> Measurement:
    if config["bias"] is None:
        return _measure_layer_factors(config, rng, budget)
    widths = (config["n"],) * (config["depth"] + 1)

    def draw(r, k):
        return N.propagate(widths, k, config["batch"], r, weight_init="torch_default", bias="torch",
                           dtype=np.float64).pre
    return _mc(draw, budget.replicates(config["replicates"]), rng, "E[z_l²] per layer with PyTorch's biases")


def _torch_closed(config, factor, bias_variance):
    n, depth = config["n"], config["depth"]
    q1 = n * (1 / (3 * n)) * 1.0 + bias_variance          # q_1 = n·Var(W)·E[x²] + Var(b), E[x²] = 1
    if factor == float(D.TORCH_FACTOR):
        return np.array([_value(D.TORCH_BIAS_Q, n=n, Q1=q1, L=l) for l in range(depth)])
    floor = bias_variance / (1 - factor)                 # the control's recurrence q = factor·q + Var(b)
    return np.array([floor + (q1 - floor) * factor**l for l in range(depth)])


def _torch_expected(config, at):
    if config["bias"] is None:
        return np.full(config["depth"], float(D.TORCH_FACTOR))
    return _torch_closed(config, float(D.TORCH_FACTOR), 1 / (3 * config["n"]))


def _torch_control(config, at):
    if config["bias"] is None:
        return _torch_half_control(config, at)
    return _torch_closed(config, 0.5, 1 / (3 * config["n"]))


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
    return Measurement(fans.ravel(), kind="exact", cases=len(rows), at=np.array(rows),
                       note="numeric.init.fans(groups=g) against derive's definition, (fan_in, fan_out) per shape")


def _fans_expected(config, at):
    fan_in = sp.lambdify((D.C_in, D.groups, D.k_h, D.k_w), D.FAN_IN)
    fan_out = sp.lambdify((D.C_out, D.groups, D.k_h, D.k_w), D.FAN_OUT)
    c_out, in_per, kh, kw, g = (at[:, i].astype(float) for i in range(5))
    return np.stack([fan_in(in_per * g, g, kh, kw), fan_out(c_out, g, kh, kw)], axis=1).ravel()


def _fans_control(config, at):
    c_out, in_per, kh, kw, g = (at[:, i].astype(float) for i in range(5))
    return np.stack([in_per * (kh + kw), c_out / g * (kh + kw)], axis=1).ravel()


# ---- init.gains ------------------------------------------------------------------------------------

GAIN_CASES = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
              ("selu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3.0)]


def _measure_gains(config, rng, budget: Budget) -> Measurement:
    if config["check"] == "table":
        values = np.array([I.calculate_gain(name, param) for name, param in GAIN_CASES])
        return Measurement(values, GAIN_ULPS * np.finfo(float).eps * np.abs(values), "bounded", len(values),
                           at="table", note="numeric.calculate_gain against PyTorch's table as stated in derive")
    phi = {"relu": A.relu, "tanh": A.tanh, "sigmoid": A.sigmoid}[config["phi"]]

    def draw(r, k):
        return phi(r.standard_normal(k)) ** 2
    return _mc(draw, budget.replicates(40_000), rng, "E[φ(z)²], z ~ N(0, 1): the second-moment gain is 1/√E")


def _second_moment(name: str) -> float:
    if name == "relu":
        return _value(D.RELU_SECOND_MOMENT, q=1)
    return D.second_moment_quadrature(name)


def _gains_expected(config, at):
    if config["check"] == "table":
        return np.array([_value(D.TORCH_GAINS[name], slope=0.01 if param is None else param)
                         for name, param in GAIN_CASES])
    return _second_moment(config["phi"])


def _gains_control(config, at):
    if config["check"] == "table":
        return None
    if config["phi"] == "tanh":
        # zero mean, so Var = E[φ²]; the wrong statement is that PyTorch's 5/3 is the second-moment gain
        return 1 / _value(D.TORCH_GAINS["tanh"]) ** 2
    mean = {"relu": _value(D.RELU_MEAN, q=1), "sigmoid": 0.5}[config["phi"]]
    return _second_moment(config["phi"]) - mean**2


# ---- propagation ----------------------------------------------------------------------------------

def _measure_depth(config, rng, budget: Budget) -> Measurement:
    if config.get("per_layer"):
        return _measure_layer_factors(config, rng, budget)
    if config["activation"] == "tanh":
        return _measure_tanh_layer(config, rng, budget)
    widths = (config["n"],) * (config["depth"] + 1)

    def draw(r, k):
        p = N.propagate(widths, k, config["batch"], r, weight_init=config["init"], dtype=np.float64,
                        bias="torch" if config["init"] == "torch_default" and config.get("bias") else None)
        return np.stack([p.post[:, -1], p.pre[:, -1]], axis=1)
    return _mc(draw, budget.replicates(config["replicates"]), rng, "[E[h_L²], E[z_L²]], E[x²] = 1")


def _measure_tanh_layer(config, rng, budget: Budget) -> Measurement:
    """One tanh layer from an input of fixed E[x²] = 1: z_i ~ N(0, n·Var(W)) exactly, given x."""
    n = config["n"]
    x = np.ones(n)

    def draw(r, k):
        w = _weights(config["init"], (n, n), r, k, **config.get("options", {}))
        return np.mean(A.tanh(w @ x) ** 2, axis=1)
    return _mc(draw, budget.replicates(config["replicates"]), rng, "E[tanh(z)²] one layer, against quadrature",
               chunk=_chunk(n * n))


def _depth_var(config):
    if config.get("options", {}).get("nonlinearity") == "tanh":
        return float(D.TORCH_GAINS["tanh"]) ** 2 / config["n"]         # kaiming with tanh's gain 5/3
    return _init_variance(config["init"], config["n"], config["n"], 0.0)


def _depth_expected(config, at):
    if config.get("per_layer"):
        return _factors_expected(config, at)
    var_w = _depth_var(config)
    if config["activation"] == "tanh":
        return D.tanh_second_moment(config["n"] * var_w)
    post = _value(D.PROPAGATION_POST, n=config["n"], sigma2=var_w, L=config["depth"], m2=1)
    pre = _value(D.PROPAGATION_PRE, n=config["n"], sigma2=var_w, L=config["depth"], m2=1)
    return np.array([post, pre])


def _depth_control(config, at):
    if config.get("per_layer"):
        return 2 * _factors_expected(config, at)
    var_w = _depth_var(config)
    if config["activation"] == "tanh":
        return config["n"] * var_w                   # the linear prediction E[z²]: tanh's squashing ignored
    wrong = (config["n"] * var_w) ** config["depth"]
    return np.array([wrong, wrong])


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
    return _mc(lambda r, k: _backprop_moments(config, r, k)[:, config["column"]], budget.replicates(config["replicates"]),
               rng, "real backprop through ReLU layers, upstream g independent of W", chunk=64)


def _layer_vars(config):
    """Var(W_l) of each layer from derive's table; mode="fan_out" swaps the fans (n_in ↔ n_out)."""
    widths, mode = config["widths"], config.get("options", {}).get("mode", "fan_in")
    pairs = zip(widths[:-1], widths[1:])
    return [_init_variance(config["init"], *((n_out, n_in) if mode == "fan_out" else (n_in, n_out)))
            for n_in, n_out in pairs]


def _backward_product(config, fan_of_layer):
    widths = config["widths"]
    c = sp.Function("c")
    closed = sp.Product(c(D.l), (D.l, 1, len(widths) - 1))
    factors = {c(l): fan_of_layer(widths[l - 1], widths[l]) * v / 2
               for l, v in zip(range(1, len(widths)), _layer_vars(config))}
    return float(closed.doit().subs(factors))


def _propagation_backward_expected(config, at):
    return _backward_product(config, lambda n_in, n_out: n_out)


def _propagation_backward_control(config, at):
    return _backward_product(config, lambda n_in, n_out: n_in)


def _one_condition_expected(config, at):
    nn = sp.Function("n")
    widths = config["widths"]
    ratio = (nn(D.L) / nn(0)).subs(D.L, len(widths) - 1).subs({nn(len(widths) - 1): widths[-1], nn(0): widths[0]})
    return float(ratio) if config["column"] == 0 else 1.0


def _one_condition_control(config, at):
    return 1.0 if config["column"] == 0 else _widths_ratio(config)


def _widths_ratio(config):
    return config["widths"][0] / config["widths"][-1]


def _measure_finite_width(config, rng, budget: Budget) -> Measurement:
    widths = (config["n"],) * (config["depth"] + 1)

    def post_of(r, k):
        return N.propagate(widths, k, 1, r, weight_init="kaiming_normal", dtype=np.float64).post

    if config.get("per_layer"):
        return _layer_ratios(post_of, budget.replicates(config["replicates"]), rng, powers=(1, 2))

    def draw(r, k):
        post = post_of(r, k)
        return (post[:, -1] / post[:, 0]) ** 2                # M_0 > 0 surely; a dead net gives 0, as it should
    return _mc(draw, budget.replicates(config["replicates"]), rng, "one input per weight draw: M_l = ‖h_l‖²")


def _finite_expected(config, at):
    if config.get("per_layer"):
        return np.concatenate([np.ones(config["depth"]),
                               np.full(config["depth"], _value(D.FINITE_WIDTH_R2, n=config["n"]))])
    return _value(D.FINITE_WIDTH_SPREAD, n=config["n"], L=config["depth"])


def _finite_control(config, at):
    return np.ones(2 * config["depth"]) if config.get("per_layer") else 1.0


_INIT_SOURCE = "001 §Initialization Derivation"
_PROPAGATION_SOURCE = "001 §Variance Propagation"

CLAIMS = [
    Claim(
        id="variance.product",
        title="W ⟂ x, E[W] = 0 ⇒ Var(Wx) = Var(W)·E[x²]; = Var(W)·Var(x) only when also E[x] = 0",
        source=_INIT_SOURCE, formula="Var(W)·E[x²]",
        expected=_product_expected, measure=_measure_product, control=_product_control,
        control_formula="Var(W)·Var(x)",
        configs=({"w": "normal", "gain": 0.5, "x_mean": 2.0, "x_std": 1.0},
                 {"w": "uniform", "gain": 1.0, "x_mean": 1.0, "x_std": 1.0}),
    ),
    Claim(
        id="variance.fan_in",
        title="Var(Σ_{j≤n} W_j x_j) = n·Var(W)·E[x²] for symbolic n; the x_j may be correlated",
        source=_INIT_SOURCE, formula="n·Var(W)·E[x²]",
        expected=_fan_in_expected, measure=_measure_fan_in, control=_fan_in_control,
        control_formula="n²·Var(W)·E[x²]",
        configs=({"n": 4, "rho": 0.5, "x_mean": 1.0, "init": "lecun_normal"},
                 {"n": 64, "rho": 0.9, "x_mean": 0.5, "init": "kaiming_uniform"},
                 {"n": 512, "rho": 0.0, "x_mean": 0.0, "init": "lecun_uniform", "replicates": 5000}),
    ),
    Claim(
        id="init.forward",
        title="Var(W) = 1/n_in preserves E[y²] forward through a linear layer",
        source="001 §Initialization Derivation, §Xavier", formula="1/n_in",
        expected=_forward_expected, measure=_measure_forward_layer, control=_forward_control,
        control_formula="1/n_out",
        configs=({"n_in": 16, "n_out": 48, "init": "lecun_normal", "x_mean": 0.5, "batch": 8, "replicates": 600},
                 {"n_in": 512, "n_out": 1024, "init": "lecun_uniform", "x_mean": 0.0, "batch": 4, "replicates": 48}),
    ),
    Claim(
        id="init.backward",
        title="Var(W) = 1/n_out preserves the gradient's second moment backward (∂L/∂x = Wᵀ∂L/∂y)",
        source="001 §Xavier", formula="1/n_out",
        expected=_backward_expected, measure=_measure_backward_layer, control=_backward_control,
        control_formula="1/n_in",
        configs=({"n_in": 32, "n_out": 96, "init": "lecun_normal", "options": {"mode": "fan_out"},
                  "batch": 8, "replicates": 600},
                 {"n_in": 128, "n_out": 256, "init": "lecun_uniform", "options": {"mode": "fan_out"},
                  "batch": 4, "replicates": 200}),
    ),
    Claim(
        id="init.xavier",
        title="2/(n_in+n_out) is the harmonic mean of 1/n_in and 1/n_out (between them, equal iff n_in = n_out)",
        source="001 §Xavier; 000 Q1.4", formula="2/(n_in + n_out)",
        expected=_xavier_expected, measure=_measure_weight_moments, control=_xavier_control,
        control_formula="(1/n_in + 1/n_out)/2",
        configs=({"n_in": 64, "n_out": 256, "init": "xavier_normal"},
                 {"n_in": 300, "n_out": 100, "init": "xavier_uniform"}),
    ),
    Claim(
        id="init.uniform",
        title="U(-a, a) has variance a²/3: Xavier a = √(6/(n_in+n_out)), Kaiming √(6/n_in), LeCun √(3/n_in)",
        source="001 §Initialization Formulas Summary", formula="a²/3",
        expected=_uniform_expected, measure=_measure_weight_moments, control=_uniform_control,
        control_formula="a = √(2/(n_in+n_out)) (the std used as the bound)",
        configs=({"n_in": 64, "n_out": 192, "init": "xavier_uniform"},
                 {"n_in": 128, "n_out": 64, "init": "kaiming_uniform", "options": {"nonlinearity": "relu"}},
                 {"n_in": 32, "n_out": 96, "init": "lecun_uniform"}),
    ),
    Claim(
        id="activation.relu.moments",
        title="E[ReLU(z)²] = E[z²]/2 for symmetric z; for N(0, q): mean √(q/(2π)), variance q(1/2 - 1/(2π))",
        source="001 §Kaiming Initialization", formula="q(1/2 - 1/(2π))",
        expected=_relu_expected, measure=_measure_relu_moments, control=_relu_control,
        control_formula="Var(ReLU(z)) = q/2",
        configs=({"z": "gaussian", "q": 1.0}, {"z": "gaussian", "q": 4.0}, {"z": "uniform", "q": 2.0}),
    ),
    Claim(
        id="init.kaiming",
        title="Var(W) = 2/n_in (leaky ReLU: 2/((1+a²)n_in)) preserves the second moment through ReLU layers",
        source="001 §Kaiming Initialization", formula="2/n_in",
        expected=_factors_expected, measure=_measure_layer_factors, control=_kaiming_control,
        control_formula="1/n_in",
        configs=({"n": 16, "depth": 6, "init": "kaiming_normal", "activation": "relu", "batch": 4,
                  "replicates": 600},
                 {"n": 256, "depth": 3, "init": "kaiming_uniform", "activation": "relu", "batch": 16,
                  "replicates": 100},
                 {"n": 64, "depth": 3, "init": "kaiming_normal", "activation": "leaky_relu", "slope": 0.5,
                  "options": {"a": 0.5}, "batch": 8, "replicates": 300}),
    ),
    Claim(
        id="init.lecun",
        title="Var(W) = 1/n_in preserves variance through linear layers",
        source="001 §Initialization Formulas Summary", formula="1/n_in",
        expected=_factors_expected, measure=_measure_layer_factors, control=_lecun_control,
        control_formula="2/n_in",
        configs=({"n": 32, "depth": 8, "init": "lecun_normal", "activation": "linear", "batch": 4,
                  "replicates": 400},
                 {"n": 256, "depth": 3, "init": "lecun_uniform", "activation": "linear", "batch": 16,
                  "replicates": 100}),
    ),
    Claim(
        id="init.torch_default",
        title="PyTorch's default kaiming_uniform(a=√5): Var(W) = 1/(3·fan_in); ReLU stacks shrink ×1/6 per layer, "
              "and with default biases fall to the floor 2/(5·fan_in)",
        source="PyTorch nn.Linear.reset_parameters", formula="×1/6 per layer; q* = 2/(5·fan_in)",
        expected=_torch_expected, measure=_measure_torch_default, control=_torch_control,
        control_formula="×1/2 per layer",
        configs=({"bias": None, "n": 64, "depth": 30, "init": "torch_default", "activation": "relu", "batch": 4,
                  "replicates": 200},
                 {"bias": "torch", "n": 64, "depth": 8, "batch": 16, "replicates": 300}),
        notes="float64 throughout: 6^-30 ≈ 5e-24 is far below float32's normal range by depth 50.",
    ),
    Claim(
        id="init.fans",
        title="fan_in = (in/groups)·k_h·k_w, fan_out = (out/groups)·k_h·k_w (PyTorch: out·k_h·k_w at any groups)",
        source="torch.nn.init; 000 Q2.1", formula="(C_in/g)·k_h·k_w, (C_out/g)·k_h·k_w",
        expected=_fans_expected, measure=_measure_fans, control=_fans_control,
        control_formula="kernel dims summed: (C/g)·(k_h + k_w)",
        configs=({"grid": "exhaustive"}, {"grid": "random"}),
    ),
    Claim(
        id="init.gains",
        title="calculate_gain reproduces PyTorch's table; the second-moment gain 1/√E[φ(z)²] beside it "
              "(relu √2 exact, tanh ≈ 1.5925 not 5/3, sigmoid ≈ 1.847 not 1)",
        source="torch.nn.init.calculate_gain", formula="1/√E[φ(z)²]",
        expected=_gains_expected, measure=_measure_gains, control=_gains_control,
        control_formula="1/√Var(φ(z)) for non-zero-mean φ; 5/3 for tanh",
        configs=({"check": "table"}, {"check": "mc", "phi": "relu"}, {"check": "mc", "phi": "tanh"},
                 {"check": "mc", "phi": "sigmoid"}),
    ),
    Claim(
        id="propagation.forward",
        title="through L ReLU layers of width n: E[h_L²] = (n·Var(W)/2)^L·E[x²]; E[z_L²] is twice that",
        source=_PROPAGATION_SOURCE, formula="(n·Var(W)/2)^L·E[x²]",
        expected=_depth_expected, measure=_measure_depth, control=_depth_control,
        control_formula="(n·Var(W))^L·E[x²]",
        configs=({"n": 64, "depth": 10, "init": "kaiming_normal", "activation": "relu", "batch": 8,
                  "replicates": 300},
                 {"n": 64, "depth": 6, "init": "lecun_normal", "activation": "relu", "batch": 8, "replicates": 200},
                 {"n": 64, "depth": 6, "init": "xavier_uniform", "activation": "relu", "batch": 8,
                  "replicates": 200},
                 {"n": 64, "depth": 5, "init": "torch_default", "activation": "relu", "batch": 8, "replicates": 200},
                 {"per_layer": True, "n": 16, "depth": 50, "init": "kaiming_normal", "activation": "relu",
                  "batch": 8, "replicates": 400},
                 {"n": 64, "init": "lecun_normal", "activation": "tanh", "depth": 1, "replicates": 200},
                 {"n": 64, "init": "kaiming_normal", "options": {"nonlinearity": "tanh"}, "activation": "tanh",
                  "depth": 1, "replicates": 200}),
        notes="tanh: one layer against the quadrature of E[tanh(z)²], z ~ N(0, n·Var(W)); no depth judgement.",
    ),
    Claim(
        id="propagation.backward",
        title="E[(∂ℓ/∂x_j)²] = Π_l (n_l·Var(W_l)/2)·E[g²] (n_l the fan-out of layer l), exactly at any width",
        source=_PROPAGATION_SOURCE + "; He et al. 2015 eq. 13", formula="Π_l n_l·Var(W_l)/2",
        expected=_propagation_backward_expected, measure=_measure_backprop, control=_propagation_backward_control,
        control_formula="Π_l n_(l-1)·Var(W_l)/2",
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
        source=_PROPAGATION_SOURCE + "; He et al. 2015 §2.2", formula="n_L/n_0 per coordinate; ‖∂ℓ/∂x‖² = ‖g‖²",
        expected=_one_condition_expected, measure=_measure_backprop, control=_one_condition_control,
        control_formula="1 per coordinate",
        configs=({"widths": (16, 32, 64, 128), "init": "kaiming_normal", "column": 0, "batch": 8,
                  "replicates": 300},
                 {"widths": (16, 32, 64, 128), "init": "kaiming_normal", "column": 1, "batch": 8,
                  "replicates": 300}),
    ),
    Claim(
        id="propagation.finite_width",
        title="He init: each layer multiplies ‖h‖² by R with E[R] = 1, E[R²] = 1 + 5/n, so E[M_L²]/M_0² = (1+5/n)^L",
        source=_PROPAGATION_SOURCE, formula="(1 + 5/n)^L",
        expected=_finite_expected, measure=_measure_finite_width, control=_finite_control,
        control_formula="1 (no spread)",
        configs=({"n": 32, "depth": 3, "replicates": 4000},
                 {"per_layer": True, "n": 32, "depth": 4, "replicates": 4000}),
    ),
]
