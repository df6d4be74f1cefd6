"""Hidden-unit symmetry under gradient descent: symmetry.identical and symmetry.zero (000 Q1.1).

Reference: Goodfellow, Bengio & Courville, *Deep Learning* (2016), §8.4 (breaking symmetry).

The network has symbolic width m = p + 2, fan-in N = q + 1 and batch size B:
f(x) = Σ_k a_k·φ(Σ_d w_{k,d}·x_d + b_k) + c, trained by gradient descent on (1/B)·Σ_s ℓ(f(x_s), y_s)
with any differentiable φ and ℓ. Unit k's parameters at step t are one function Θ(t, k, r) of a code r:
r = 0 is the outgoing weight a_k, r = -1 the bias b_k, r = e >= 1 the incoming weight w_{k,e}. The
loss depends on unit k only through its own term a_k·φ(z_k), so ∂L/∂θ_k = (1/B)·Σ_s ℓ'(f(x_s), y_s)·
∂(a_k·φ(z_{k,s}))/∂θ_k: the same function of (θ_k, the outputs f(x_s)) for every unit. ``gradient``
computes it by differentiating the unit's term; the outputs at step t are an arbitrary F(t, s) (they
involve every unit and the output bias c), so everything proved holds whatever the other parameters do.
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..registry import derivation
from ._shared import conclude_held, phi, rhs, z

# ---------------------------------------------------------------- the one-hidden-layer network

p = sp.Symbol("p", integer=True, nonnegative=True)
q = sp.Symbol("q", integer=True, nonnegative=True)
WIDTH = p + 2
FAN_IN = q + 1
B = sp.Symbol("B", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)          # sample index
d = sp.Symbol("d", integer=True, positive=True)          # input coordinate (summation)
kappa = sp.Symbol("kappa", integer=True, positive=True)  # unit (summation)
t = sp.Symbol("t", integer=True, nonnegative=True)       # step of gradient descent
k = sp.Symbol("k", integer=True, positive=True)          # unit
r = sp.Symbol("r", integer=True)                         # parameter code: 0 -> a_k, -1 -> b_k, e >= 1 -> w_{k,e}
eta = sp.Symbol("eta", positive=True)
beta = sp.Symbol("beta", positive=True)
X = sp.IndexedBase("x")                                  # x[s, d]: input d of sample s
U1, U2 = sp.IndexedBase("u"), sp.IndexedBase("u'")       # two inputs u[d], u'[d]
Y = sp.IndexedBase("y")                                  # y[s]: target of sample s
ell = sp.Function("ell")
F = sp.Function("F")                                     # F(t, s): the network's output on sample s at step t
Theta0 = sp.Function("θ_0")                              # θ_0(k, r): the initial parameters
_xi = sp.Symbol("xi", real=True)
_A, _Bb = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
_W = sp.IndexedBase("w")

Tanh, Relu, Sigma = sp.Function("φ_tanh"), sp.Function("φ_ReLU"), sp.Function("σ")  # defined by ACTIVATIONS
ACTIVATIONS = {"tanh": (Tanh, sp.tanh(z)), "relu": (Relu, sp.Max(0, z)), "sigmoid": (Sigma, 1 / (1 + sp.exp(-z)))}
"""The activations of symmetry.zero, each a function the derivation defines by its formula."""


def loss_slope(step, sample):
    """ℓ'(F(t, s), y_s): the derivative of the per-sample loss in the output, at the output of step t."""
    return sp.Subs(sp.Derivative(ell(_xi, Y[sample]), _xi), _xi, F(step, sample))


def unit_term(activation=phi, sample=s):
    """a·φ(Σ_d w_d·x_{s,d} + b): one unit's contribution to the output on sample s."""
    return _A * activation(sp.Sum(_W[d] * X[sample, d], (d, 1, FAN_IN)) + _Bb)


def _at_state(expr, theta, step, unit):
    """Put unit ``unit``'s parameters at step ``step`` (θ(step, unit, r)) into a formula in (a, w_d, b)."""
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == _W, lambda e: theta(step, unit, e.indices[0]))
    return expr.xreplace({_A: theta(step, unit, 0), _Bb: theta(step, unit, -1)})


def gradient(theta, step, unit, activation=phi, code=r):
    """∂L/∂θ(step, unit, code) at the state θ(step, ·, ·): (1/B)·Σ_s ℓ'(F(step, s), y_s)·∂(unit term)/∂θ.

    The derivative of the unit's term is sympy's (with respect to a, b and w_code), so nothing here is typed
    by hand; w_code for code > N is no parameter and gets 0.
    """
    term = unit_term(activation)
    by = {"a": sp.diff(term, _A), "b": sp.diff(term, _Bb), "w": sp.diff(term, _W[code]).doit()}
    per = {key: _at_state(value, theta, step, unit) for key, value in by.items()}
    batch = {key: sp.Sum(loss_slope(step, s) * value, (s, 1, B)) / B for key, value in per.items()}
    return sp.Piecewise((batch["a"], sp.Eq(code, 0)), (batch["b"], sp.Eq(code, -1)), (batch["w"], True))


def _define_descent(dv: Derivation, theta, activation, what, rate=eta):
    """θ(0, k, r) = θ_0(k, r); θ(t + 1, k, r) = θ(t, k, r) - η·∂L/∂θ(t, k, r): gradient descent."""
    return dv.define_recursive(theta, t, 0, Theta0(k, r), theta(t, k, r) - rate * gradient(theta, t, k, activation),
                               f"gradient descent with step η ({what}); ∂L/∂θ_k = (1/B)·Σ_s ℓ'·∂(a_k·φ(z_k,s))/∂θ_k, "
                               "the unit's term differentiated by sympy", params=(k, r))


def _units_agree(dv: Derivation, theta, activation, delta, base, step, start, rate=eta):
    """Δ(t, r) := θ(t, 2, r) - θ(t, 1, r) = 0 for every t: Δ(0, r) = 0 by ``start``, then induction on t."""
    dv.define(delta(t, r), theta(t, 2, r) - theta(t, 1, r), "unit 2 minus unit 1 (any two units)")
    at = {unit: dv.instantiate(step, {k: unit}, f"the descent step of unit {unit}") for unit in (2, 1)}
    began = {unit: dv.instantiate(base, {k: unit}, f"the start of unit {unit}") for unit in (2, 1)}
    zero = dv.chain(dv.identity(delta(0, r), theta(0, 2, r) - theta(0, 1, r), "definition of Δ"),
                    dv.rewrite(theta(0, 2, r) - theta(0, 1, r), [began[2], began[1]], "the initial values"),
                    dv.rewrite(Theta0(2, r) - Theta0(1, r), start, "the units start equal"),
                    justification="Δ(0, r) = 0")
    moved = theta(t + 1, 2, r) - theta(t + 1, 1, r)
    g2, g1 = gradient(theta, t, 2, activation), gradient(theta, t, 1, activation)
    of_two = lambda e: isinstance(e, sp.Function) and e.func == theta and e.args[:2] == (t, 2)  # noqa: E731
    via_delta = g2.replace(of_two, lambda e: theta(t, 1, e.args[2]) + delta(t, e.args[2]))
    recursion = dv.chain(
        dv.identity(delta(t + 1, r), moved, "definition of Δ"),
        dv.rewrite(moved, [at[2], at[1]], "one step of gradient descent for each unit"),
        dv.identity(rhs(at[2]) - rhs(at[1]), delta(t, r) - rate.subs(k, 2) * via_delta + rate.subs(k, 1) * g1,
                    "unit 2's parameters written as unit 1's plus Δ(t, ·)"),
        justification="Δ(t + 1, r) = Δ(t, r) - η·(∂L/∂θ_2 - ∂L/∂θ_1), with unit 2 at θ_1 + Δ(t, ·)")
    return dv.induction(delta(t, r), t, sp.Integer(0), zero, recursion,
                        "induction on t: with Δ(t, ·) = 0 unit 2's gradient is unit 1's (the same function of the "
                        "same parameters and of the shared outputs F), so Δ(t + 1, ·) = 0")


Theta, Delta = sp.Function("θ"), sp.Function("Δ")
IDENTICAL = Delta(t, r)
"""The left side symmetry.identical concludes: Δ(t, r) = θ(t, 2, r) - θ(t, 1, r) = 0 for every t and r."""

a_1, a_2 = sp.symbols("a_1 a_2", real=True)
"""The outgoing weights of units 1 and 2 in the control of symmetry.identical."""


@derivation("symmetry.identical")
def symmetry_identical() -> Derivation:
    return build_symmetry_identical()


def build_symmetry_identical(*, outgoing_gap=0, rate_2=eta) -> Derivation:
    """symmetry.identical. The keywords make it false, for mutation tests: ``outgoing_gap`` starts unit 2's
    outgoing weight that far from unit 1's, ``rate_2`` gives unit 2 its own step size."""
    dv = Derivation("symmetry.identical",
                    "units with identical incoming and outgoing weights get identical gradients and stay identical",
                    scope="symbolic width m = p + 2, fan-in N = q + 1 and batch B; any differentiable φ and ℓ; any "
                          "output trajectory F(t, s); every step t (induction); units 1 and 2 stand for any pair")
    rate = eta if rate_2 == eta else sp.Piecewise((rate_2, sp.Eq(k, 2)), (eta, True))
    base, step = _define_descent(dv, Theta, phi, "any φ", rate)
    start = dv.assume("identical units", sp.Eq(Theta0(2, r), Theta0(1, r) + outgoing_gap * sp.KroneckerDelta(r, 0)),
                      "hypothesis of the claim: units 1 and 2 start with equal incoming weights, bias and outgoing "
                      "weight", for_all=(r,))
    result = _units_agree(dv, Theta, phi, Delta, base, step, [start], rate)
    # the control: equal incoming weights and bias, outgoing weights a_1 ≠ a_2
    def state(out):
        return lambda step_, unit, code: out if code == 0 else Theta(step_, 1, code)
    w2, w1 = (gradient(state(a), t, 1, code=sp.Integer(1)) for a in (a_2, a_1))
    pre = sp.Sum(Theta(t, 1, d) * X[s, d], (d, 1, FAN_IN)) + Theta(t, 1, -1)
    shared = sp.Sum(loss_slope(t, s) * sp.Subs(sp.Derivative(phi(_xi), _xi), _xi, pre)
                    * X[s, 1], (s, 1, B)) / B
    dv.identity(w2 - w1, (a_2 - a_1) * shared,
                "control: with equal incoming weights but a_1 ≠ a_2 the gradients of w_{·,1} differ by "
                "(a_2 - a_1)·(1/B)·Σ_s ℓ'·φ'(z_s)·x_{s,1} ≠ 0, so the units separate")
    dv.control(-eta * (a_2 - a_1) * shared.subs(t, 0), IDENTICAL,
               "equal incoming but different outgoing weights: Δ(1, 1) = -η·(a_2 - a_1)·(1/B)·Σ_s ℓ'·φ'(z_s)·x_{s,1}")
    conclude_held(dv, result)
    return dv


# ---------------------------------------------------------------- all-zero initialization

Theta_act = {name: sp.Function(f"θ_{name}") for name in ACTIVATIONS}
Output = {name: sp.Function(f"Δf_{name}") for name in ("tanh", "relu")}
Delta_sigmoid = sp.Function("Δ_sigmoid")
ZERO = {name: Theta_act[name](t, k, r) for name in ("tanh", "relu")}
"""θ_φ(t, k, r) = 0: every hidden parameter stays 0 (tanh and ReLU)."""
CONSTANT_OUTPUT = {name: Output[name](t) for name in ("tanh", "relu")}
"""f_t(u) - f_t(u') = 0 for any two inputs u, u': the net stays constant in x (tanh and ReLU)."""
SIGMOID_IDENTICAL = Delta_sigmoid(t, r)
"""Δ(t, r) = 0 for sigmoid from zero initialization: the units stay identical."""
SIGMOID_AT_ZERO = (Sigma(0), sp.Subs(sp.Derivative(Sigma(z), z), z, 0))
"""σ(0) = 1/2 and σ'(0) = 1/4: a_k moves at step 1 by -η·σ(0)·mean ℓ', then w_k by a multiple of a_k·σ'(0)."""


def _network_output(theta, step, inputs, activation):
    """f_t(u) - c(t) = Σ_κ θ(t, κ, 0)·φ(Σ_d θ(t, κ, d)·u_d + θ(t, κ, -1))."""
    pre = sp.Sum(theta(step, kappa, d) * inputs[d], (d, 1, FAN_IN)) + theta(step, kappa, -1)
    return sp.Sum(theta(step, kappa, 0) * activation(pre), (kappa, 1, WIDTH))


@derivation("symmetry.zero")
def symmetry_zero() -> Derivation:
    return build_symmetry_zero()


def build_symmetry_zero(*, formulas=None) -> Derivation:
    """symmetry.zero. ``formulas`` replaces activations' formulas (name -> expression in z), for mutation tests
    (an activation with φ(0) ≠ 0 cannot keep the hidden layer at 0)."""
    formulas = {name: formula for name, (_, formula) in ACTIVATIONS.items()} | dict(formulas or {})
    dv = Derivation("symmetry.zero",
                    "all-zero init: with φ(0) = 0 the hidden parameters never move and f is constant in x; "
                    "with sigmoid the units learn but stay identical",
                    scope="symbolic width m = p + 2, fan-in N = q + 1 and batch B; any differentiable ℓ; any output "
                          "trajectory F(t, s); every step t (induction)")
    for name, (func, _) in ACTIVATIONS.items():
        dv.define(func(z), formulas[name], f"the activation {name}")
    descent = {name: _define_descent(dv, Theta_act[name], ACTIVATIONS[name][0], name) for name in ACTIVATIONS}
    zero_init = dv.assume("zero initialization", sp.Eq(Theta0(k, r), 0),
                          "hypothesis of the claim: every hidden weight and bias starts at 0", for_all=(k, r))
    mean_slope = sp.Sum(loss_slope(0, s), (s, 1, B)) / B
    results = []
    for name in ("tanh", "relu"):
        theta, act = Theta_act[name], ACTIVATIONS[name][0]
        base, step = descent[name]
        dv.instance(act(0), 0, f"{name}(0) = 0")
        start = dv.chain(base, dv.rewrite(Theta0(k, r), [zero_init], "zero initialization"),
                         justification=f"θ_{name}(0, k, r) = 0")
        still = dv.induction(theta(t, k, r), t, sp.Integer(0), start, step,
                             f"{name}: with every hidden parameter 0 at step t, ∂L/∂a_k = mean ℓ'·{name}(0) = 0 and "
                             "∂L/∂w_k, ∂L/∂b_k carry the factor a_k = 0: no gradient, nothing moves")
        at_zero = [dv.instantiate(still, {k: kappa, r: code}, "at the parameters of unit κ") for code in (0, d, -1)]
        difference = _network_output(theta, t, U1, act) - _network_output(theta, t, U2, act)
        dv.define(Output[name](t), difference, "f_t(u) - f_t(u') for two inputs u, u' (the bias c(t) cancels)")
        emptied = difference.replace(lambda e: isinstance(e, sp.Function) and e.func == theta, lambda e: sp.Integer(0))
        constant = dv.chain(dv.identity(Output[name](t), difference, "definition"),
                            dv.rewrite(difference, at_zero, "every hidden parameter is 0 at step t"),
                            dv.identity(emptied, 0, "sums of zeros"),
                            justification=f"{name}: f_t(u) = f_t(u') = c(t), constant in the input")
        results += [still, constant]
        # the control: equal non-zero hidden biases β (weights 0) make the output weights move
        biased = lambda step_, unit, code: beta if code == -1 else sp.Integer(0)  # noqa: E731
        dv.identity(gradient(biased, 0, k, act, code=sp.Integer(0)), act(beta) * mean_slope,
                    f"control ({name}): with hidden biases β and zero weights, ∂L/∂a_k = {name}(β)·mean ℓ' at step 0")
        dv.inequality(act(beta), 0, act(beta), f"{name}(β) > 0 for β > 0: the output weights move", strict=True)
        dv.control(-eta * act(beta) * mean_slope, ZERO[name],
                   f"equal hidden biases β > 0: a_k(1) = -η·{name}(β)·mean ℓ' ≠ 0, so the net learns")
    # sigmoid: the units learn (σ(0) ≠ 0) but stay identical
    theta = Theta_act["sigmoid"]
    base, step = descent["sigmoid"]
    starts = [dv.instantiate(zero_init, {k: unit}, f"unit {unit} starts at 0") for unit in (2, 1)]
    same = _units_agree(dv, theta, Sigma, Delta_sigmoid, base, step, starts)
    value = dv.instance(SIGMOID_AT_ZERO[0], sp.Rational(1, 2), "σ(0) = 1/2")
    slope = dv.instance(SIGMOID_AT_ZERO[1], sp.Rational(1, 4), "σ'(0) = σ(0)·(1 - σ(0)) = 1/4")
    start = dv.chain(base, dv.rewrite(Theta0(k, r), [zero_init], "zero initialization"),
                     justification="θ_sigmoid(0, k, r) = 0")
    one = dv.instantiate(step, {t: 0, r: 0}, "the first step of the outgoing weight")
    zeros = [dv.instantiate(start, {r: code}, "unit k at step 0") for code in (0, d, -1)]
    emptied = rhs(one).xreplace({fact.statement.lhs: 0 for fact in zeros if fact.ok})
    dv.chain(one, dv.rewrite(rhs(one), zeros, "every parameter is 0 at step 0"),
             dv.identity(emptied, -eta * Sigma(0) * mean_slope, "∂L/∂a_k = σ(0)·mean ℓ'"),
             justification="a_k(1) = -η·σ(0)·mean ℓ' ≠ 0: the output weights move, then w_k (∝ a_k·σ'(0))")
    dv.control(sp.Integer(0), SIGMOID_AT_ZERO[0], "the tanh/ReLU statement φ(0) = 0: the hidden layer never moves")
    conclude_held(dv, *results, same, value, slope)
    return dv
