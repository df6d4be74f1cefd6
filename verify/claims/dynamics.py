"""Claims on training dynamics (000 Q1.1, Q1.6): hidden-unit symmetry and residual gradient flow.

Symmetry is checked exactly: ``numeric.dynamics`` computes every hidden unit with the same
floating-point operations (no BLAS), so identical units must stay identical bit for bit. What is compared
is, at every step of the run, whether a quantity is non-zero (1) or exactly zero (0): the spread between the
units, the largest hidden parameter, the range of the output over the inputs. The closed form reads the
derivation's conclusion (these quantities are 0 at every step; σ(0)·σ'(0) ≠ 0 for "the sigmoid layer
moves"). The control reads the derivation's recorded control at the configuration's values: started with
equal incoming weights but outgoing weights a_1 ≠ a_2 (``control_out_weights``), or with equal hidden biases
β ≠ 0 (``control_bias``), the first step moves by -η·(a_2 - a_1)·(1/B)·Σ_s ℓ'·φ'(z_s)·x_{s,1}, or by
-η·φ(β)·mean ℓ'. Their factors in the configuration's values do not vanish, so the control says the
quantity is non-zero at step 1; the rest of each formula is a mean over the batch, which stays symbolic.
``measure`` still runs the control's start (and a random start) and reports them in ``note``: the numbers
of what the control predicts, which the check itself does not need.

Every closed form and control is read from the derivation (``linked``): ``form(lhs, ...)`` for the
moments, ``form.expression`` for the Jacobian's entry formula and for the symmetry controls.
``Measurement.points`` is used by residual.jacobian alone: the weight draws (W1, W2, x), stacked, at which
the entry formula is evaluated. The residual moments are evaluated at configuration values.

Residual depth is checked by Monte Carlo: one replicate draws new matrices J_1..J_L and pushes a fixed
unit vector v back through the stack with ``numeric.dynamics.stack_input_grad``. Products over depth
are heavy-tailed (DESIGN.md, Monte Carlo); each ratio ‖(I + J)g‖²/‖g‖² is independent of g's direction
with relative variance r = (2(nσ²)² + 4nσ²)/(n(1 + nσ²)²) (plain: 2/n), so the product's relative
variance is (1 + r)^L - 1. Every configuration below keeps it below ``MAX_RELATIVE_VARIANCE``
(``product_relative_variance``).
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np
import sympy as sp

from derive import dynamics as D
from numeric import dynamics as N

from ..claim import Budget, Claim, Measurement
from ..closed import linked
from ..mc import stream

STEPS = 300
LR = 0.5
FAN_IN = 2
WIDTH = 6
SAMPLES = 48
TASK_SEED = 5
ACTIVATIONS = ("tanh", "relu", "sigmoid")
CONSTANT = {"weight": 0.3, "bias": 0.2}
"""The start of symmetry.identical: every incoming and outgoing weight 0.3, every hidden bias 0.2."""
CONTROL_OUT_WEIGHTS = (-1.0, 1.0)
"""Control of symmetry.identical: equal incoming weights, outgoing weights spread over this interval."""
CONTROL_BIAS = 0.5
"""Control of symmetry.zero: equal non-zero hidden biases (with zero weights)."""

RESIDUAL_REPLICATES = 400
RELU_BLOCK_REPLICATES = 2000
"""One ReLU block's statistic is a quartic form in Gaussians. At n = h = 16 and nhσ1²σ2² = 1 (skewness 1.3,
kurtosis 6) a 1000-seed sweep at 400 replicates gave one z of -5.0, and at 4000 replicates 0.33 % of z
below -3 (normal: 0.13 %): the lower tail of the t-statistic was too heavy. A wider branch (h = 64) with
nhσ1²σ2² = 1/2 has skewness 0.56 and kurtosis 3.7; that is the configuration checked (1500 seeds at 2000
replicates: 0.13 % of z below -3 and 0.13 % above 3, z standard deviation 0.97)."""
JACOBIAN_DRAWS = 20
MAX_RELATIVE_VARIANCE = 0.6
"""Configurations keep the relative variance of the product below this (normal approximation). Sweeps
of 1000 seeds per configuration: at relative variance 0.78 (n = 16, L = 50, nσ² = 0.05) 0.6 % of the
z-scores of the true formula fell below -3 (normal: 0.13 %); every configuration used here (at most
0.55) gave 0.2-0.4 % of |z| > 3 (normal: 0.27 %) and a z standard deviation within 0.97-1.03."""

_SOURCE_SYMMETRY = "000 Q1.1"
_SOURCE_RESIDUAL = "000 Q1.6"


# ---------------------------------------------------------------- symmetry: what is non-zero at each step

def _task():
    return N.regression_task(samples=SAMPLES, fan_in=FAN_IN, rng=TASK_SEED)


def _nonzero(values):
    """1.0 where a value is non-zero, 0.0 where it is exactly 0."""
    return (np.asarray(values) != 0).astype(np.float64)


def _first_step_moves(form, lhs, **values):
    """1.0 unless the derivation's control for ``lhs`` (the first step from the control's start) vanishes at
    ``values``, given by symbol name; what stays symbolic is a mean over the batch, the data's part."""
    expr = form.expression(lhs, control=True)
    symbols = {sym.name: sym for sym in expr.free_symbols}
    unknown = sorted(set(values) - set(symbols))
    if unknown:
        raise KeyError(f"the control for {lhs} has no symbols named {unknown}")
    at = expr.xreplace({symbols[name]: sp.Float(value) for name, value in values.items()})
    return float(at.is_zero is not True)


def _measure_identical(config, rng, budget: Budget) -> Measurement:
    x, y = _task()
    activation, width, steps = config["activation"], config["width"], config["steps"]
    start = N.constant_params(FAN_IN, width, weight=config["weight"], bias=config["bias"])
    run = N.train(start, x, y, activation, LR, steps)
    control = start._replace(w2=np.linspace(*config["control_out_weights"], width)[None, :])
    control_run = N.train(control, x, y, activation, LR, steps)
    _, control_grads = N.loss_and_grads(control, x, y, activation)
    random_run = N.train(N.random_params(FAN_IN, width, rng=rng), x, y, activation, LR, steps)
    note = (f"spread ≠ 0 (1) or = 0 (0), spread = max over units of parameter differences, steps 0..{steps}; loss "
            f"{run.loss[0]:.3g} -> {run.loss[-1]:.3g}; control (equal incoming, outgoing weights spread over "
            f"{config['control_out_weights']}): incoming-weight gradients differ by "
            f"{np.ptp(control_grads.w1, axis=0).max():.3g} at step 0, spread {control_run.spread[-1]:.3g} at the end; "
            f"random (LeCun) init: spread {random_run.spread[-1]:.3g}, loss {random_run.loss[0]:.3g} -> "
            f"{random_run.loss[-1]:.3g}")
    return Measurement(_nonzero(run.spread), kind="exact", cases=(steps + 1) * width, note=note)


def _identical(config, points, form, control=False):
    """Whether the spread is non-zero at steps 0..T: Δ(t, r) = θ(t, 2, r) - θ(t, 1, r) is concluded 0 at every
    step. The control starts units 1 and 2 with the outgoing weights a_1, a_2 at the ends of
    ``control_out_weights``: Δ(1, 1) = -η·(a_2 - a_1)·(1/B)·Σ_s ℓ'·φ'(z_s)·x_{s,1} is non-zero at step 1."""
    spread = np.full(config["steps"] + 1, _nonzero(form(D.IDENTICAL)))
    if control:
        a_1, a_2 = config["control_out_weights"]
        spread[1] = _first_step_moves(form, D.IDENTICAL, a_1=a_1, a_2=a_2)
    return spread


def _measure_zero(config, rng, budget: Budget) -> Measurement:
    x, y = _task()
    activation, width, steps = config["activation"], config["width"], config["steps"]
    run = N.train(N.constant_params(FAN_IN, width), x, y, activation, LR, steps)
    if activation == "sigmoid":
        moved = float(np.max(np.abs(run.params.w1)) > 0)
        estimate = np.concatenate([[moved], _nonzero(run.spread)])
        note = (f"[hidden weights moved (1 = yes), spread ≠ 0 at steps 0..{steps}]; max|w1| = "
                f"{np.max(np.abs(run.params.w1)):.3g}, output range {run.output_range[-1]:.3g}: "
                "sigmoid learns with identical units")
        return Measurement(estimate, kind="exact", cases=estimate.size, note=note)
    control = N.train(N.constant_params(FAN_IN, width, bias=config["control_bias"]), x, y, activation, LR, steps)
    note = (f"[max |hidden parameter| ≠ 0, output range over x ≠ 0] at steps 0..{steps}; only b2 moves, to "
            f"{run.params.b2[0]:.4g} (the mean target is {np.mean(y):.4g}); control (hidden biases "
            f"{config['control_bias']}): output range {control.output_range[-1]:.3g}, loss {control.loss[0]:.3g} "
            f"-> {control.loss[-1]:.3g}")
    return Measurement(_nonzero(np.concatenate([run.hidden_size, run.output_range])), kind="exact",
                       cases=2 * (steps + 1), note=note)


def _zero(config, points, form, control=False):
    """sigmoid: [the hidden layer moved, the spread ≠ 0 at every step]; a_k(1) ∝ σ(0), then w_k(2) ∝ a_k(1)·σ'(0),
    and the control σ(0) = 0 (tanh's and ReLU's φ(0) = 0) would keep it still. tanh, ReLU: [a hidden parameter
    ≠ 0, the output non-constant in x] at every step; the control's equal hidden biases β move the output
    weights at step 1 by -η·φ(β)·mean ℓ'."""
    name, steps = config["activation"], config["steps"] + 1
    if name == "sigmoid":
        value = form.control(D.SIGMOID_AT_ZERO[0]) if control else form(D.SIGMOID_AT_ZERO[0])
        moved = _nonzero(value * form(D.SIGMOID_AT_ZERO[1]))
        return np.concatenate([[moved], np.full(steps, _nonzero(form(D.SIGMOID_IDENTICAL)))])
    hidden = np.full(steps, _nonzero(form(D.ZERO[name])))
    if control:
        hidden[1] = _first_step_moves(form, D.ZERO[name], beta=config["control_bias"])
    return np.concatenate([hidden, np.full(steps, _nonzero(form(D.CONSTANT_OUTPUT[name])))])


# ---------------------------------------------------------------- residual.jacobian

_UNIT_ROUNDOFF = np.finfo(np.float64).eps / 2


def _measure_jacobian(config, rng, budget: Budget) -> Measurement:
    """numeric's Jacobian at random draws; points: the draws (W1, W2, x), stacked, the entry formula's arguments."""
    n, hidden = config["n"], config["hidden"]
    draws = budget.replicates(JACOBIAN_DRAWS)
    estimates, bounds, w1s, w2s, xs = [], [], [], [], []
    for _ in range(draws):
        w1 = rng.standard_normal((hidden, n)) * math.sqrt(2 / n)
        w2 = rng.standard_normal((n, hidden)) * math.sqrt(1 / hidden)
        x = rng.standard_normal(n)
        # rows e_k of the identity: the vector-Jacobian products are the rows of the Jacobian
        estimates.append(N.stack_input_grad(np.tile(x, (n, 1)), [(w1, w2)], np.eye(n)))
        w1s.append(w1)
        w2s.append(w2)
        xs.append(x)
        # both evaluations of I + W2·diag(·)·W1 round each entry within γ_{hidden+3}·(|W2||W1|)_ij (Higham, Thm 3.5)
        gamma = (hidden + 3) * _UNIT_ROUNDOFF / (1 - (hidden + 3) * _UNIT_ROUNDOFF)
        bounds.append(2 * gamma * (1 + np.abs(w2) @ np.abs(w1)))
    return Measurement(np.array(estimates), np.array(bounds), "bounded", draws * n * n,
                       points=(np.array(w1s), np.array(w2s), np.array(xs)),
                       note="numeric backprop (stack_backward on basis vectors) against derive's entry "
                            "δ_ij + Σ_k W2[i,k]·H((W1x)_k)·W1[k,j]")


def _jacobian(config, points, form, control=False):
    """The derivation's entry formula (0-based i, j; n = j + r + 1) evaluated at every draw (W1, W2, x)."""
    entry = sp.lambdify((D.row, D.col, D.extra, D.h_width, D.W1_, D.W2_, D.X_),
                        form.expression(D.JACOBIAN, control=control), "numpy")
    out = []
    for w1, w2, x in zip(*points):
        hidden, n = w1.shape
        out.append([[entry(a, b, n - b - 1, hidden, w1, w2, x) for b in range(n)] for a in range(n)])
    return np.array(out, dtype=np.float64)


# ---------------------------------------------------------------- residual.depth and residual.scaled

def product_relative_variance(n, sigma2, depth, skip=True):
    """(1 + r)^L - 1: the relative variance of ‖Π(I + J_l)v‖² (or Π J_l v) for Gaussian J_l."""
    c = n * sigma2
    r = (2 * c**2 + 4 * c) / (n * (1 + c) ** 2) if skip else 2 / n
    return (1 + r) ** depth - 1


def linear_variance(config):
    """σ² of a linear block's entries: nσ²/n (residual.depth), or c/(nL) (residual.scaled: scaled with depth)."""
    n = config["n"]
    return config["n_sigma2"] / n if "n_sigma2" in config else config["c"] / (n * config["depth"])


def _unit_vector(n):
    v = np.ones(n)
    return v / np.linalg.norm(v)


def _pushed_back(x, blocks, v, k, skip=True):
    """‖∂⟨v, x_L⟩/∂x‖² in each of k stacks: v pushed back through the blocks by numeric's backprop."""
    grad = N.stack_input_grad(x, blocks, np.broadcast_to(v, (k, 1, v.size)), skip=skip)
    return np.sum(grad[:, 0, :] ** 2, axis=-1)


def _second_moment_draw(n, sigma2, depth, skip):
    v = _unit_vector(n)

    def draw(rng, k):
        blocks = [(rng.standard_normal((k, n, n)) * math.sqrt(sigma2),) for _ in range(depth)]
        return _pushed_back(np.zeros((1, n)), blocks, v, k, skip)

    return draw


RELU_PROFILE = {"n": 16, "depths": (10,), "replicates": 100}
"""The deep ReLU-branch illustration shown beside the exact one-block check (no closed form at depth)."""


def _relu_block_variances(config):
    n, hidden = config["n"], config["hidden"]
    return 2.0 / n, config["h_sigma2_2"] / hidden  # W1 ~ N(0, 2/n) (He), W2 ~ N(0, c/h)


def _measure_relu_block(config, rng, budget: Budget) -> Measurement:
    n, hidden = config["n"], config["hidden"]
    s1, s2 = _relu_block_variances(config)
    x = rng.standard_normal((1, n))
    g = _unit_vector(n)

    def draw(r, k):
        w1 = r.standard_normal((k, hidden, n)) * math.sqrt(s1)
        w2 = r.standard_normal((k, n, hidden)) * math.sqrt(s2)
        return _pushed_back(x, [(w1, w2)], g, k)

    acc = stream(draw, budget.replicates(RELU_BLOCK_REPLICATES), rng, chunk=1000)
    profile = depth_profile(rng=rng, **RELU_PROFILE)
    depth = RELU_PROFILE["depths"][0]
    note = (f"one block, fixed x and g; illustration (no closed form): ReLU branches at depth {depth}, width "
            f"{RELU_PROFILE['n']}: residual {profile['residual'][0]:.3g} ± {profile['residual_se'][0]:.2g}, "
            f"plain {profile['plain'][0]:.3g} ± {profile['plain_se'][0]:.2g}")
    return Measurement.from_accumulator(acc, note=note)


def _measure_depth(config, rng, budget: Budget) -> Measurement:
    if config.get("branch") == "relu":
        return _measure_relu_block(config, rng, budget)
    n, depth, skip = config["n"], config["depth"], config["skip"]
    sigma2 = linear_variance(config)
    relvar = product_relative_variance(n, sigma2, depth, skip)
    if relvar > MAX_RELATIVE_VARIANCE:
        raise ValueError(f"configuration {config} has relative variance {relvar:.2f} > {MAX_RELATIVE_VARIANCE}: "
                         "the normal approximation of the mean is not trustworthy")
    acc = stream(_second_moment_draw(n, sigma2, depth, skip), budget.replicates(RESIDUAL_REPLICATES), rng)
    return Measurement.from_accumulator(acc, note=f"relative variance of the product {relvar:.2f}")


def _values(form, lhs, control, **values):
    """The closed form (or control) of ``lhs`` at the values its expression has symbols for."""
    names = {sym.name for sym in form.expression(lhs, control=control).free_symbols}
    values = {name: value for name, value in values.items() if name in names}
    return form.control(lhs, **values) if control else form(lhs, **values)


def _depth(config, points, form, control=False):
    if config.get("branch") == "relu":
        s1, s2 = _relu_block_variances(config)
        return _values(form, D.RELU_BLOCK, control, n=config["n"], h=config["hidden"],
                       **{D.sigma1_2.name: s1, D.sigma2_2.name: s2})
    lhs = D.RESIDUAL if config["skip"] else D.PLAIN
    return _values(form, lhs, control, n=config["n"], L=config["depth"], **{D.sigma2.name: linear_variance(config)})


def _scaled(config, points, form, control=False):
    if not control:
        return form(D.SCALED, c=config["c"], L=config["depth"])
    if config["depth"] == 1:
        return None  # (1 + c)^1 is the truth at L = 1
    return form.control(D.SCALED, c=config["c"], L=config["depth"])


def depth_profile(n=32, depths=(1, 2, 4, 8, 16, 32), replicates=200, rng=0, hidden=None):
    """Plot data: E‖∂⟨v, x_L⟩/∂x‖² against depth for two-layer ReLU branches, residual and plain.

    Branch W2·relu(W1·x) with W1 ~ N(0, 2/n) (He) and W2 ~ N(0, 1/hidden); x ~ N(0, I). No closed form
    (the activation pattern couples the blocks): the measured values and their ratio, with standard errors.
    Returns a dict of arrays ``depth``, ``residual``, ``residual_se``, ``plain``, ``plain_se``.
    """
    hidden = hidden or n
    rng = np.random.default_rng(rng)
    v = _unit_vector(n)
    out = {"depth": np.array(depths), "residual": [], "residual_se": [], "plain": [], "plain_se": []}
    for depth in depths:
        for skip, key in ((True, "residual"), (False, "plain")):
            def draw(r, k, depth=depth, skip=skip):
                blocks = [(r.standard_normal((k, hidden, n)) * math.sqrt(2 / n),
                           r.standard_normal((k, n, hidden)) * math.sqrt((2 if not skip else 1) / hidden))
                          for _ in range(depth)]
                return _pushed_back(r.standard_normal((k, 1, n)), blocks, v, k, skip)
            acc = stream(draw, replicates, rng)
            out[key].append(float(acc.mean))
            out[key + "_se"].append(float(acc.stderr))
    return {k: np.asarray(val) for k, val in out.items()}


_RUN = {"steps": STEPS, "width": WIDTH}

_DEPTH_CONFIGS = (
    {"skip": True, "n": 16, "n_sigma2": 0.25, "depth": 1},
    {"skip": True, "n": 16, "n_sigma2": 0.25, "depth": 10},
    {"skip": True, "n": 16, "n_sigma2": 0.02, "depth": 50},
    {"skip": False, "n": 32, "n_sigma2": 2.0, "depth": 1},
    {"skip": False, "n": 32, "n_sigma2": 2.0, "depth": 5},
    {"branch": "relu", "n": 16, "hidden": 64, "h_sigma2_2": 0.25},
)

_SCALED_CONFIGS = tuple({"skip": True, "n": 16, "c": 1.0, "depth": depth} for depth in (1, 4, 16, 48))


CLAIMS = [
    Claim(
        id="symmetry.identical",
        title="hidden units with identical incoming and outgoing weights get identical gradients and stay "
              "identical at every step of gradient descent",
        source=_SOURCE_SYMMETRY,
        expected=linked(_identical, shows=D.IDENTICAL),
        measure=_measure_identical,
        control=linked(partial(_identical, control=True), shows=D.IDENTICAL),
        configs=tuple({"activation": a, **_RUN, **CONSTANT, "control_out_weights": CONTROL_OUT_WEIGHTS}
                      for a in ACTIVATIONS),
        notes="exact (==) comparison; hidden units are computed column-uniformly, without BLAS",
    ),
    Claim(
        id="symmetry.zero",
        title="all-zero init: with tanh or ReLU (φ(0) = 0) the hidden weights get exactly zero gradient forever and "
              "the net stays constant in x (stronger than 'almost like a linear model'); with sigmoid the units "
              "learn but stay identical (effective width 1)",
        source=_SOURCE_SYMMETRY,
        expected=linked(_zero, shows=(D.ZERO["tanh"], D.CONSTANT_OUTPUT["tanh"], D.SIGMOID_AT_ZERO[0])),
        measure=_measure_zero,
        control=linked(partial(_zero, control=True), shows=(D.ZERO["tanh"], D.ZERO["relu"], D.SIGMOID_AT_ZERO[0])),
        configs=(*({"activation": a, **_RUN, "control_bias": CONTROL_BIAS} for a in ("tanh", "relu")),
                 {"activation": "sigmoid", **_RUN}),
    ),
    Claim(
        id="residual.jacobian",
        title="∂(x + f(x))/∂x = I + J_f: an identity path always exists",
        source=_SOURCE_RESIDUAL,
        expected=linked(_jacobian, shows=D.JACOBIAN),
        measure=_measure_jacobian,
        control=linked(partial(_jacobian, control=True), shows=D.JACOBIAN),
        configs=({"n": 4, "hidden": 6}, {"n": 8, "hidden": 3}),
    ),
    Claim(
        id="residual.depth",
        title="E‖Π(I + J_l)v‖² = (1 + nσ²)^L‖v‖² for independent J_l with N(0, σ²) entries; a plain stack gives "
              "(nσ²)^L‖v‖²",
        source=_SOURCE_RESIDUAL,
        expected=linked(_depth, shows=(D.RESIDUAL, D.PLAIN, D.RELU_BLOCK)),
        measure=_measure_depth,
        control=linked(partial(_depth, control=True), shows=(D.RESIDUAL, D.RELU_BLOCK)),
        configs=_DEPTH_CONFIGS,
        notes="one ReLU block is exact: (1 + nhσ1²σ2²/2); deep ReLU stacks have no closed form: depth_profile() "
              "gives their measured moments for plots",
    ),
    Claim(
        id="residual.scaled",
        title="branch variance σ² = c/(nL) gives E‖∂x_L/∂x·v‖² = (1 + c/L)^L <= e^c at every depth",
        source=_SOURCE_RESIDUAL,
        expected=linked(_scaled, shows=D.SCALED),
        measure=_measure_depth,
        control=linked(partial(_scaled, control=True), shows=D.SCALED),
        configs=_SCALED_CONFIGS,
    ),
]
