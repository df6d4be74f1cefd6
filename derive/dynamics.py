"""Training dynamics: hidden-unit symmetry under gradient descent, and gradient flow through residual blocks.

Sources: 000 Q1.1 (zero initialization and symmetry), 000 Q1.6 (the residual block x + f(x)).
References: Goodfellow, Bengio & Courville, *Deep Learning* (2016), §8.4 (breaking symmetry);
He, Zhang, Ren & Sun, "Identity Mappings in Deep Residual Networks" (ECCV 2016), eqs. 4-5
(∂x_L/∂x_l contains the identity); Hanin & Rolnick, "How to Start Training" (NeurIPS 2018) and
Zhang, Dauphin & Ma, "Fixup Initialization" (ICLR 2019), §3 (branch scaling with depth).

Symmetry. The network has symbolic width m = p + 2, fan-in N = q + 1 and batch size B:
f(x) = Σ_k a_k·φ(Σ_d w_{k,d}·x_d + b_k) + c, trained by gradient descent on (1/B)·Σ_s ℓ(f(x_s), y_s)
with any differentiable φ and ℓ. Unit k's parameters at step t are one function Θ(t, k, r) of a code r:
r = 0 is the outgoing weight a_k, r = -1 the bias b_k, r = e >= 1 the incoming weight w_{k,e}. The
loss depends on unit k only through its own term a_k·φ(z_k), so ∂L/∂θ_k = (1/B)·Σ_s ℓ'(f(x_s), y_s)·
∂(a_k·φ(z_{k,s}))/∂θ_k: the same function of (θ_k, the outputs f(x_s)) for every unit. ``gradient``
computes it by differentiating the unit's term; the outputs at step t are an arbitrary F(t, s) (they
involve every unit and the output bias c), so everything proved holds whatever the other parameters do.

Residual blocks. Moments over a symbolic dimension n use the kernel's ``expectation`` rule on partial
sums defined by recursion (``_square_of_sum``): E[(a + Σ_{k<=m} X_k·Y_k)²] = E[a²] + s·Σ_{k<=m} E[Y_k²]
when X_{m+1} has mean 0 and second moment s and is independent of (a, the partial sum, Y_{m+1}). It gives
the row moments of a residual layer, the depth recursion, and the moments of a two-layer ReLU branch.

Each registered derivation is ``build_<name>()`` at its defaults; the keywords of ``build_*`` make one lemma
or result false, so that the tests can check that the kernel then fails the derivation at that step.
"""
from __future__ import annotations

import sympy as sp

from .derivation import Derivation
from .kernel import E, Independent, NormalE
from .registry import derivation

# ================================================================ the one-hidden-layer network

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
phi = sp.Function("phi")
ell = sp.Function("ell")
F = sp.Function("F")                                     # F(t, s): the network's output on sample s at step t
Theta0 = sp.Function("θ_0")                              # θ_0(k, r): the initial parameters
_xi = sp.Symbol("xi", real=True)
_z = sp.Symbol("z", real=True)
_A, _Bb = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
_W = sp.IndexedBase("w")

Tanh, Relu, Sigma = sp.Function("φ_tanh"), sp.Function("φ_ReLU"), sp.Function("σ")  # defined by ACTIVATIONS
ACTIVATIONS = {"tanh": (Tanh, sp.tanh(_z)), "relu": (Relu, sp.Max(0, _z)), "sigmoid": (Sigma, 1 / (1 + sp.exp(-_z)))}
"""The activations of symmetry.zero, each a function the derivation defines by its formula."""


def _rhs(fact):
    """The right side of a fact's equation; a refused step's placeholder otherwise (its failure is already recorded)."""
    statement = fact.statement
    return statement.rhs if isinstance(statement, sp.Equality) else sp.Symbol("refused")


def _conclude(dv: Derivation, *results):
    """Conclude the results that hold. A result whose step failed is left out: its failure already fails the
    derivation, and concluding it would only make the kernel compare it with every fact above."""
    held = [fact for fact in results if fact.ok]
    if held:
        dv.conclude(*held)


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
        dv.identity(_rhs(at[2]) - _rhs(at[1]), delta(t, r) - rate.subs(k, 2) * via_delta + rate.subs(k, 1) * g1,
                    "unit 2's parameters written as unit 1's plus Δ(t, ·)"),
        justification="Δ(t + 1, r) = Δ(t, r) - η·(∂L/∂θ_2 - ∂L/∂θ_1), with unit 2 at θ_1 + Δ(t, ·)")
    return dv.induction(delta(t, r), t, sp.Integer(0), zero, recursion,
                        "induction on t: with Δ(t, ·) = 0 unit 2's gradient is unit 1's (the same function of the "
                        "same parameters and of the shared outputs F), so Δ(t + 1, ·) = 0")


Theta, Delta = sp.Function("θ"), sp.Function("Δ")
IDENTICAL = Delta(t, r)
"""The left side symmetry.identical concludes: Δ(t, r) = θ(t, 2, r) - θ(t, 1, r) = 0 for every t and r."""

_a1, _a2 = sp.symbols("a_1 a_2", real=True)


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
    w2, w1 = (gradient(state(a), t, 1, code=sp.Integer(1)) for a in (_a2, _a1))
    pre = sp.Sum(Theta(t, 1, d) * X[s, d], (d, 1, FAN_IN)) + Theta(t, 1, -1)
    shared = sp.Sum(loss_slope(t, s) * sp.Subs(sp.Derivative(phi(_xi), _xi), _xi, pre)
                    * X[s, 1], (s, 1, B)) / B
    dv.identity(w2 - w1, (_a2 - _a1) * shared,
                "control: with equal incoming weights but a_1 ≠ a_2 the gradients of w_{·,1} differ by "
                "(a_2 - a_1)·(1/B)·Σ_s ℓ'·φ'(z_s)·x_{s,1} ≠ 0, so the units separate")
    dv.control(-eta * (_a2 - _a1) * shared.subs(t, 0), IDENTICAL,
               "equal incoming but different outgoing weights: Δ(1, 1) = -η·(a_2 - a_1)·(1/B)·Σ_s ℓ'·φ'(z_s)·x_{s,1}")
    _conclude(dv, result)
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
SIGMOID_AT_ZERO = (Sigma(0), sp.Subs(sp.Derivative(Sigma(_z), _z), _z, 0))
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
        dv.define(func(_z), formulas[name], f"the activation {name}")
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
    emptied = _rhs(one).xreplace({z.statement.lhs: 0 for z in zeros if z.ok})
    dv.chain(one, dv.rewrite(_rhs(one), zeros, "every parameter is 0 at step 0"),
             dv.identity(emptied, -eta * Sigma(0) * mean_slope, "∂L/∂a_k = σ(0)·mean ℓ'"),
             justification="a_k(1) = -η·σ(0)·mean ℓ' ≠ 0: the output weights move, then w_k (∝ a_k·σ'(0))")
    dv.control(sp.Integer(0), SIGMOID_AT_ZERO[0], "the tanh/ReLU statement φ(0) = 0: the hidden layer never moves")
    _conclude(dv, *results, same, value, slope)
    return dv


# ================================================================ residual blocks: moments over a symbolic dimension

n = sp.Symbol("n", integer=True, positive=True)
L = sp.Symbol("L", integer=True, nonnegative=True)        # depth
i = sp.Symbol("i", integer=True, positive=True)           # row / coordinate
j = sp.Symbol("j", integer=True, positive=True)           # column (summation) / coordinate
m = sp.Symbol("m", integer=True, nonnegative=True)        # terms in a partial sum
rows = sp.Symbol("r", integer=True, nonnegative=True)     # rows summed so far
layer = sp.Symbol("l", integer=True, positive=True)       # the layer an entry belongs to
order = sp.Symbol("e", integer=True, positive=True)       # moment order
skip = sp.Symbol("kappa", real=True)                      # the skip weight: 1 residual, 0 plain
sigma2 = sp.Symbol("sigma^2", positive=True)
zs = sp.Symbol("z", real=True)


def _normal(variance, mean=0):
    """E[X^e] = NormalE((z + mean)^e, z, variance): the moments of N(mean, variance), as ``gaussian`` states them."""
    return NormalE((zs + mean) ** order, zs, variance)


def _partial_sum(dv: Derivation, S, var, params, term, dummy, what):
    """S(var, *params) := Σ_{dummy=1}^{var} term(dummy); returns the facts S(0) = 0 and S(var + 1) = S(var) + term(var + 1)."""
    dv.define(S(var, *params), sp.Sum(term(dummy), (dummy, 1, var)), what)
    empty = dv.identity(S(0, *params), 0, "the empty sum")
    peel = dv.identity(S(var + 1, *params), S(var, *params) + term(var + 1), "the last term split off")
    return empty, peel


def _gaussian_moments(dv: Derivation, law, values, variance, orders=(1, 2), mean=0):
    """E[X] = mean, E[X²] = variance + mean²: the law E[X^e] = NormalE((z + mean)^e, z, variance) at ``values``,
    then the integral (mean 0 unless a mutation test shifts it)."""
    out = []
    for e in orders:
        value = variance + mean**2 if e == 2 else sp.Integer(0) + mean
        inst = dv.instantiate(law, {**values, order: e}, f"the law at order {e}")
        exact = dv.gaussian((zs + mean) ** e, zs, value, f"E[z^{e}] = {sp.sstr(value)} for z ~ N(0, "
                            f"{sp.sstr(variance)})", q=variance)
        out.append(dv.chain(inst, exact, justification=f"the entry's moment of order {e}"))
    return out


def _without_empty_expectations(dv: Derivation, independence, facts):
    """Append E[0] = 0 to a list of rewrite facts when the last right side holds E(0) (a sum that was empty)."""
    last = _rhs(facts[-1])
    if last.has(E(sp.Integer(0))):
        facts.append(dv.rewrite(last, [dv.expectation(sp.Integer(0), independence, "E[0] = 0")], "E[0] = 0"))
    return facts


def _mean_of_sum(dv: Derivation, S, Mu, var, params, x_of, y_of, independence, mean, empty, peel):
    """E[S(var)] = 0 for every var >= 0, when S(var + 1) = S(var) + X·Y with E[X] = 0 and X ⊥ (S(var), Y)."""
    dv.define(Mu(var, *params), E(S(var, *params)), "the mean of the partial sum")
    base = dv.chain(*_without_empty_expectations(dv, independence, [
        dv.identity(Mu(0, *params), E(S(0, *params)), "definition"),
        dv.rewrite(E(S(0, *params)), [empty], "the empty sum")]), justification="base")
    split = dv.expectation(S(var, *params) + x_of(var + 1) * y_of(var + 1), independence, "linearity, X ⊥ Y")
    step = dv.chain(dv.identity(Mu(var + 1, *params), E(S(var + 1, *params)), "definition"),
                    dv.rewrite(E(S(var + 1, *params)), [peel], "the last term split off"), split,
                    dv.rewrite(_rhs(split), [mean], "E[X] = 0"),
                    dv.identity(E(S(var, *params)), Mu(var, *params), "definition"), justification="step")
    found = dv.induction(Mu(var, *params), var, sp.Integer(0), base, step, "induction: every partial sum has mean 0")
    return dv.chain(dv.identity(E(S(var, *params)), Mu(var, *params), "definition"), found,
                    justification="E[S] = 0")


def _square_of_sum(dv: Derivation, S, T, var, params, a, x_of, y_of, independence, moments, s2, dummy, sums,
                   y_random=True, scale=1):
    """E[(a + S(var))²] = T(var) and T(var) = E[a²] + s2·Σ_{dummy<=var} E[Y_dummy²], for every var >= 0.

    ``sums`` = (S(0) = 0, S(var + 1) = S(var) + X(var + 1)·Y(var + 1)); ``independence`` states that X(var + 1)
    is independent of (S(var), the random atoms of a and of Y(var + 1)); ``moments`` = (E[X(var + 1)] = 0,
    E[X(var + 1)²] = s2). T is E[(a + S(var))²] expanded by linearity, as the kernel's rule gives it.
    """
    empty, peel = sums
    square = dv.expectation((a + S(var, *params)) ** 2, independence, "linearity and independence")
    expanded = _rhs(square)
    dv.define(T(var, *params), expanded, "E[(a + S)²] expanded by linearity")
    result = dv.chain(square, dv.identity(expanded, T(var, *params), "definition of T"),
                      justification="E[(a + S)²] = T")
    at0 = expanded.xreplace({var: 0})
    base = dv.chain(*_without_empty_expectations(dv, independence, [
        dv.identity(T(0, *params), at0, "definition of T"), dv.rewrite(at0, [empty], "the empty sum")]),
        justification="base")
    at1 = expanded.xreplace({var: var + 1})
    steps = [dv.identity(T(var + 1, *params), at1, "definition of T"),
             dv.rewrite(at1, [peel], "S(m + 1) = S(m) + X·Y")]
    current, new = _rhs(steps[-1]), x_of(var + 1)
    split = [dv.expectation(e.args[0], independence, "linearity; the new X is independent of the rest")
             for e in sorted(current.atoms(sp.Function), key=sp.default_sort_key) if e.func == E and e.args[0].has(new)]
    steps.append(dv.rewrite(current, split, "expanded"))
    steps.append(dv.rewrite(_rhs(steps[-1]), list(moments), "E[X] = 0 and E[X²] = s"))
    ey2 = (lambda idx: E(y_of(idx) ** 2)) if y_random else (lambda idx: y_of(idx) ** 2)
    steps.append(dv.identity(_rhs(steps[-1]), T(var, *params) + s2 * ey2(var + 1), "definition of T"))
    step = dv.chain(*steps, justification="T(m + 1) = T(m) + s·E[Y_(m+1)²]: the cross terms carry E[X] = 0")
    closed = _rhs(base) + scale * s2 * sp.Sum(ey2(dummy), (dummy, 1, var))
    found = dv.induction(T(var, *params), var, closed, base, step, "induction over the terms of the sum")
    return result, found


def _sum_of_rows(dv: Derivation, R, var, params, term, closed_step, fact, dummy, what):
    """R(var) := Σ_{dummy<=var} term(dummy) = closed(var), by induction with term(var + 1) from ``fact``
    (a statement with a free index ``closed_step[0]`` that is instantiated at var + 1)."""
    index, closed = closed_step
    dv.define(R(var, *params), sp.Sum(term(dummy), (dummy, 1, var)), what)
    nxt = R(var, *params) + term(var + 1)
    step = dv.chain(dv.identity(R(var + 1, *params), nxt, "the last term split off"),
                    dv.rewrite(nxt, [dv.instantiate(fact, {index: var + 1}, "that term")], "its value"),
                    justification="R(r + 1) = R(r) + the next term")
    return dv.induction(R(var, *params), var, closed, dv.identity(R(0, *params), 0, "the empty sum"), step,
                        "induction over the terms")


# ---------------------------------------------------------------- a stack of linear residual (or plain) blocks

Jent = sp.Function("J")        # J(l, i, j): entry (i, j) of block l's matrix
vin = sp.Function("v")         # v(i): the vector the stack starts from
gvec = sp.Function("g")        # g(L, i, κ): coordinate i after L blocks
Srow, Trow, Rrows, Mom = (sp.Function(name) for name in ("S", "T", "R", "M"))
NORM_V = sp.Sum(vin(j) ** 2, (j, 1, n))
RESIDUAL = Mom(L, 1) / NORM_V
"""E‖Π_l (I + J_l)·v‖²/‖v‖²: residual.depth concludes (1 + nσ²)^L."""
PLAIN = Mom(L, 0) / NORM_V
"""E‖Π_l J_l·v‖²/‖v‖²: residual.depth concludes (nσ²)^L."""


def _stack(dv: Derivation, variance, depth, law_reference, independent=True, row_scale=1, factor=None):
    """E‖g_L‖² = (κ² + n·variance)^depth·‖v‖² for g_0 = v, g_(L+1) = κ·g_L + J_(L+1)·g_L (the induction fact).

    For mutation tests: ``independent=False`` puts the new entry in one group with the rest (no independence),
    ``row_scale`` multiplies the row moment's closed form, ``factor`` replaces the per-block factor κ² + nσ².
    """
    base_g, step_g = dv.define_recursive(
        gvec, depth, 0, vin(i),
        skip * gvec(depth, i, skip) + sp.Sum(Jent(depth + 1, i, j) * gvec(depth, j, skip), (j, 1, n)),
        "the stack g_0 = v, g_(L+1) = (κI + J_(L+1))·g_L (κ = 1 residual, κ = 0 plain); for a gradient pushed "
        "back, J_l is the transposed block Jacobian", params=(i, skip))
    sums = _partial_sum(dv, Srow, m, (depth, i, skip), lambda col: Jent(depth + 1, i, col) * gvec(depth, col, skip),
                        j, "the partial row sums of J_(L+1)·g_L")
    law = dv.assume("Gaussian entries", sp.Eq(E(Jent(layer, i, j) ** order), _normal(variance)), law_reference,
                    for_all=(layer, i, j, order))
    atoms = (Srow(m, depth, i, skip), gvec(depth, i, skip), gvec(depth, m + 1, skip))
    independence = dv.assume(
        "independent entries",
        Independent(sp.Tuple(Jent(depth + 1, i, m + 1)), sp.Tuple(*atoms)) if independent else
        Independent(sp.Tuple(Jent(depth + 1, i, m + 1), *atoms)),
        "hypothesis of the claim: the entries J_l(i, j) are independent of each other and of v, so J_(L+1)(i, m + 1) "
        "is independent of g_L (built from J_1..J_L and v) and of the other terms of its row",
        for_all=(depth, i, m, skip))
    moments = _gaussian_moments(dv, law, {layer: depth + 1, j: m + 1}, variance)
    square, row = _square_of_sum(dv, Srow, Trow, m, (depth, i, skip), skip * gvec(depth, i, skip),
                                 lambda col: Jent(depth + 1, i, col), lambda col: gvec(depth, col, skip),
                                 independence, moments, variance, j, sums, scale=row_scale)
    folded = (skip * gvec(depth, i, skip) + Srow(n, depth, i, skip)) ** 2
    coordinate = dv.chain(
        dv.rewrite(E(gvec(depth + 1, i, skip) ** 2), [step_g], "one block"),
        dv.identity(E(_rhs(step_g) ** 2), E(folded), "the row sum S(n)"),
        dv.instantiate(square, {m: n}, "all n terms"), dv.instantiate(row, {m: n}, "all n terms"),
        justification="E[g_(L+1)(i)²] = κ²·E[g_L(i)²] + σ²·E‖g_L‖²: the row moment, by induction over the fan-in")
    moment = sp.Sum(E(gvec(depth, j, skip) ** 2), (j, 1, n))
    closed_rows = skip**2 * sp.Sum(E(gvec(depth, j, skip) ** 2), (j, 1, rows)) + rows * variance * moment
    all_rows = _sum_of_rows(dv, Rrows, rows, (depth, skip), lambda row_: E(gvec(depth + 1, row_, skip) ** 2),
                            (i, closed_rows), coordinate, j, "the first r terms of E‖g_(L+1)‖²")
    dv.define(Mom(depth, skip), moment, "M(L, κ) = E‖g_L‖²")
    one_block = dv.chain(dv.identity(Mom(depth + 1, skip), Rrows(n, depth, skip), "all n rows"),
                         dv.instantiate(all_rows, {rows: n}, "r = n"),
                         dv.identity(closed_rows.xreplace({rows: n}), (skip**2 + n * variance) * Mom(depth, skip),
                                     "definition of M"),
                         justification="E‖g_(L+1)‖² = (κ² + nσ²)·E‖g_L‖²: the step of the depth induction")
    fixed = dv.expectation(vin(j) ** 2, independence, "v is fixed")
    start = sp.Sum(E(gvec(0, j, skip) ** 2), (j, 1, n))
    first = dv.chain(dv.identity(Mom(0, skip), start, "definition of M"),
                     dv.rewrite(start, [dv.instantiate(base_g, {i: j}, "coordinate j")], "g_0 = v"),
                     dv.rewrite(sp.Sum(E(vin(j) ** 2), (j, 1, n)), [fixed], "v is fixed"),
                     justification="E‖g_0‖² = ‖v‖²")
    factor = skip**2 + n * variance if factor is None else factor
    return dv.induction(Mom(depth, skip), depth, factor ** depth * NORM_V, first, one_block,
                        "induction over the depth")


def _per_norm(dv: Derivation, found, value, lhs, what):
    """From M(L, κ) = closed·‖v‖² at κ = value: M(L, value)/‖v‖² = closed (``lhs`` the ratio)."""
    at = dv.instantiate(found, {skip: value}, what)
    return dv.rewrite(lhs, [at], "divided by ‖v‖²")


# ---------------------------------------------------------------- one block with a two-layer ReLU branch

h_width = sp.Symbol("h", integer=True, positive=True)
sigma1_2, sigma2_2 = sp.symbols("sigma_1^2 sigma_2^2", positive=True)
unit = sp.Symbol("k", integer=True, positive=True)
other = sp.Symbol("j'", integer=True, positive=True)     # a second coordinate (summation)
gate_j = sp.Symbol("ι", integer=True, positive=True)      # the coordinate summed in W_1·x
a_pow, b_pow = sp.symbols("α β_", integer=True, nonnegative=True)
W1, W2 = sp.Function("W_1"), sp.Function("W_2")   # W_1(k, j) (h×n), W_2(i, k) (n×h)
xin = sp.Function("x")                             # the block's input x(j), fixed, x ≠ 0
gam = sp.Function("γ")                             # the gradient γ(i) arriving at the block's output, fixed
Gate = sp.Function("D")                            # D(k) = 1[(W_1·x)_k > 0]
Ucol, Umean, Usq = sp.Function("U"), sp.Function("μ_U"), sp.Function("T_U")
Zsum, Zsq, Rblock = sp.Function("Z"), sp.Function("T_Z"), sp.Function("R_f")
Half = sp.Function("Ξ")
NORM_GAMMA = sp.Sum(gam(i) ** 2, (i, 1, n))
RELU_BLOCK = Rblock(n) / NORM_GAMMA
"""E‖(I + J_f)ᵀγ‖²/‖γ‖² for one block x + W_2·relu(W_1·x): residual.depth concludes 1 + nhσ1²σ2²/2."""


def _relu_block(dv: Derivation, w2_mean=0, passes=sp.Rational(1, 2), columns_independent=True):
    """E‖γ + W_1ᵀ·D·W_2ᵀ·γ‖² = (1 + nhσ1²σ2²/2)·‖γ‖² for fixed x ≠ 0 and γ (the conclusion's fact).

    For mutation tests: ``w2_mean`` shifts W_2's entries (the cross term no longer vanishes), ``passes`` is the
    fraction of E[W_1²] claimed to pass the gate, ``columns_independent=False`` drops W_2's independence of W_1.
    """
    dv.define(Gate(unit), sp.Piecewise((1, sp.Sum(W1(unit, gate_j) * xin(gate_j), (gate_j, 1, n)) > 0), (0, True)),
              "D = diag(1[W_1·x > 0]), ReLU's slope at the hidden pre-activations")
    # u = W_2ᵀ·γ, coordinate k: mean 0 and second moment σ2²‖γ‖²
    u_sums = _partial_sum(dv, Ucol, m, (unit,), lambda row_: W2(row_, unit) * gam(row_), i,
                          "(W_2ᵀγ)_k, the first m terms")
    law2 = dv.assume("Gaussian W_2", sp.Eq(E(W2(i, unit) ** order), _normal(sigma2_2, w2_mean)),
                     "hypothesis of the claim: the entries of W_2 are N(0, σ2²)", for_all=(i, unit, order))
    indep2 = dv.assume("independent W_2 entries", Independent(sp.Tuple(W2(m + 1, unit)), sp.Tuple(Ucol(m, unit))),
                       "hypothesis of the claim: the entries of W_2 are independent, so W_2(m + 1, k) is independent of "
                       "the earlier terms of (W_2ᵀγ)_k (γ is fixed)", for_all=(m, unit))
    moments2 = _gaussian_moments(dv, law2, {i: m + 1}, sigma2_2, mean=w2_mean)
    u_mean = _mean_of_sum(dv, Ucol, Umean, m, (unit,), lambda row_: W2(row_, unit), lambda row_: gam(row_), indep2,
                          moments2[0], *u_sums)
    u_square, u_second = _square_of_sum(dv, Ucol, Usq, m, (unit,), sp.Integer(0), lambda row_: W2(row_, unit),
                                        lambda row_: gam(row_), indep2, moments2, sigma2_2, i, u_sums, y_random=False)
    s_u = sigma2_2 * NORM_GAMMA
    mean_u = dv.instantiate(u_mean, {m: n, unit: m + 1}, "E[u_(m+1)] = 0")
    second_u = dv.chain(dv.instantiate(u_square, {m: n, unit: m + 1}, "all n terms"),
                        dv.instantiate(u_second, {m: n, unit: m + 1}, "all n terms"),
                        justification="E[u_(m+1)²] = σ2²·‖γ‖²")
    # coordinate j of W_1ᵀ·D·u, summed over the hidden units: γ_j + Σ_k W_1(k, j)·D(k)·u_k
    z_sums = _partial_sum(dv, Zsum, m, (j,), lambda k_: W1(k_, j) * Gate(k_) * Ucol(n, k_), unit,
                          "(W_1ᵀ·D·W_2ᵀ·γ)_j, the first m hidden units")
    rest = (Zsum(m, j), W1(m + 1, j), Gate(m + 1))
    indep_z = dv.assume("independent columns of W_2",
                        Independent(sp.Tuple(Ucol(n, m + 1)), sp.Tuple(*rest)) if columns_independent else
                        Independent(sp.Tuple(Ucol(n, m + 1), *rest)),
                        "hypothesis of the claim: column m + 1 of W_2 (so u_(m+1)) is independent of W_1 and of the "
                        "other columns of W_2", for_all=(m, j))
    z_square, z_second = _square_of_sum(dv, Zsum, Zsq, m, (j,), gam(j), lambda k_: Ucol(n, k_),
                                        lambda k_: W1(k_, j) * Gate(k_), indep_z, (mean_u, second_u), s_u, unit, z_sums)
    # ReLU passes half: E[W_1(k, j)²·D(k)] = σ1²/2, because w_k and -w_k have the same law (at k = m + 1, the
    # hidden unit the independence statement names, then at every k)
    law1 = dv.assume("Gaussian W_1", sp.Eq(E(W1(unit, j) ** order), _normal(sigma1_2)),
                     "hypothesis of the claim: the entries of W_1 are N(0, σ1²)", for_all=(unit, j, order))
    symmetric = dv.assume(
        "sign symmetry of W_1's rows",
        sp.Eq(E(W1(unit, j) ** a_pow * Gate(unit) ** b_pow), E((-W1(unit, j)) ** a_pow * (1 - Gate(unit)) ** b_pow)),
        "w_k = W_1(k, ·) ~ N(0, σ1²I) has the law of -w_k, which maps D(k) = 1[w_k·x > 0] to 1[w_k·x < 0], "
        "= 1 - D(k) almost surely (w_k·x = 0 has probability 0 for x ≠ 0)", for_all=(unit, j, a_pow, b_pow))
    nxt = m + 1
    flip = dv.instantiate(symmetric, {unit: nxt, a_pow: 2, b_pow: 1}, "w_k -> -w_k")
    ones = dv.expectation(W1(nxt, j) ** 2 * (1 - Gate(nxt)), indep_z, "linearity")
    second1 = _gaussian_moments(dv, law1, {unit: nxt}, sigma1_2, orders=(2,))[0]
    target = E(W1(nxt, j) ** 2 * Gate(nxt))
    balance = dv.chain(flip, ones, dv.rewrite(_rhs(ones), [second1], "E[W_1(k, j)²] = σ1²"),
                       justification="E[W_1²·D] = σ1² - E[W_1²·D]: the two halves are equal")
    dv.define(Half(m, j), target, "another name for E[W_1(m + 1, j)²·D(m + 1)], to solve for it")
    half = dv.chain(dv.identity(target, (target + Half(m, j)) / 2, "x = (x + x)/2"),
                    dv.rewrite((target + Half(m, j)) / 2, [balance], "one copy replaced"),
                    dv.identity((sigma1_2 - target + Half(m, j)) / 2, passes * sigma1_2, "the copies cancel"),
                    justification="E[W_1(k, j)²·D(k)] = σ1²/2: ReLU passes half of the weight's second moment")
    idem = dv.identity(Gate(nxt) ** 2, Gate(nxt), "D(k) is 0 or 1")
    gated = dv.instantiate(
        dv.chain(dv.rewrite(E(W1(nxt, j) ** 2 * Gate(nxt) ** 2), [idem], "D² = D"), half,
                 justification="E[(W_1(k, j)·D(k))²] = σ1²/2"), {m: unit - 1}, "for every hidden unit k")
    per_hidden = sp.Sum(E(W1(unit, j) ** 2 * Gate(unit) ** 2), (unit, 1, h_width))
    coordinate = dv.chain(
        dv.instantiate(z_square, {m: h_width}, "all h hidden units"),
        dv.instantiate(z_second, {m: h_width}, "all h hidden units"),
        dv.rewrite(gam(j) ** 2 + s_u * per_hidden, [gated], "each hidden unit passes σ1²/2"),
        dv.identity(gam(j) ** 2 + s_u * sp.Sum(passes * sigma1_2, (unit, 1, h_width)),
                    gam(j) ** 2 + h_width * passes * sigma1_2 * s_u, "h equal terms"),
        justification="E[((I + J_f)ᵀγ)_j²] = γ_j² + h·(σ1²/2)·σ2²‖γ‖²; the cross term carries E[u_k] = 0")
    closed = sp.Sum(gam(i) ** 2, (i, 1, rows)) + rows * h_width * passes * sigma1_2 * s_u
    everything = _sum_of_rows(dv, Rblock, rows, (), lambda j_: E((gam(j_) + Zsum(h_width, j_)) ** 2), (j, closed),
                              coordinate, other, "the first r coordinates of E‖(I + J_f)ᵀγ‖²")
    total = dv.instantiate(everything, {rows: n}, "all n coordinates")
    ratio = dv.rewrite(RELU_BLOCK, [total], "divided by ‖γ‖²")
    return dv.chain(ratio, dv.identity(_rhs(ratio), 1 + n * h_width * passes * sigma1_2 * sigma2_2,
                                       "‖γ‖² cancels"), justification="the ReLU block's factor")


@derivation("residual.depth")
def residual_depth() -> Derivation:
    return build_residual_depth()


def build_residual_depth(*, independent=True, row_scale=1, factor=None, w2_mean=0, passes=sp.Rational(1, 2),
                         columns_independent=True) -> Derivation:
    """residual.depth. The keywords make a lemma false, for mutation tests (see ``_stack`` and ``_relu_block``)."""
    dv = Derivation("residual.depth", "E‖Π(I+J_l)v‖² = (1+nσ²)^L‖v‖²; a plain stack gives (nσ²)^L‖v‖²",
                    scope="symbolic n, L, σ² (every depth, by induction; every fan-in, by induction over the row); "
                          "one block with a two-layer ReLU branch for symbolic n, h, σ1², σ2² and fixed x ≠ 0, γ")
    found = _stack(dv, sigma2, L, "hypothesis of the claim: every entry J_l(i, j) ~ N(0, σ²)", independent,
                   row_scale, factor)
    residual = _per_norm(dv, found, 1, RESIDUAL, "κ = 1: residual blocks I + J_l")
    plain = _per_norm(dv, found, 0, PLAIN, "κ = 0: plain blocks J_l")
    control = (1 + sigma2) ** L
    dv.identity(sp.Subs(_rhs(residual), n, 1), control,
                "control (1 + σ²)^L is the residual moment with the width n dropped (n = 1)")
    for lhs in (RESIDUAL, PLAIN):
        dv.control(control, lhs, "(1 + σ²)^L: the width n forgotten")
    relu = _relu_block(dv, w2_mean, passes, columns_independent)
    wrong = 1 + n * h_width * sigma1_2 * sigma2_2
    dv.identity(sp.Add(wrong, -_rhs(relu), evaluate=False), n * h_width * sigma1_2 * sigma2_2 / 2,
                "control: the linear branch's factor 1 + nhσ1²σ2² counts every unit; ReLU passes half")
    dv.control(wrong, RELU_BLOCK, "1 + nhσ1²σ2²: ReLU's 1/2 forgotten")
    _conclude(dv, residual, plain, relu)
    return dv


# ---------------------------------------------------------------- branch scaling σ² = c/(nL)

cc = sp.Symbol("c", positive=True)
Lp = sp.Symbol("L", integer=True, positive=True)
depth_var = sp.Symbol("ℓ", integer=True, nonnegative=True)
SCALED = Mom(Lp, 1) / NORM_V
"""E‖Π_{l<=L}(I + J_l)·v‖²/‖v‖² with σ² = c/(nL): residual.scaled concludes (1 + c/L)^L."""
SCALED_BOUND = sp.exp(cc) / (1 + cc / Lp) ** Lp
"""e^c/(1 + c/L)^L, concluded >= 1."""


@derivation("residual.scaled")
def residual_scaled() -> Derivation:
    return build_residual_scaled()


def build_residual_scaled(*, variance=None, minimum=1) -> Derivation:
    """residual.scaled. For mutation tests: ``variance`` replaces the branch variance c/(nL), ``minimum`` the
    claimed minimum of e^c/(1 + c/L)^L."""
    dv = Derivation("residual.scaled", "σ² = c/(nL) gives (1 + c/L)^L <= e^c at every depth L",
                    scope="symbolic n, c > 0 and depth L >= 1 (the depth induction runs over ℓ = 0..L with the "
                          "branch variance c/(nL) fixed)")
    variance = cc / (n * Lp) if variance is None else variance
    found = _stack(dv, variance, depth_var, "hypothesis of the claim: every entry J_l(i, j) ~ N(0, c/(nL))")
    at_depth = dv.instantiate(found, {depth_var: Lp, skip: 1}, "ℓ = L blocks, residual")
    scaled = dv.rewrite(SCALED, [at_depth], "divided by ‖v‖²")
    closed = (1 + cc / Lp) ** Lp
    result = dv.chain(scaled, dv.identity(_rhs(scaled), closed, "n·c/(nL) = c/L: the claimed closed form"),
                      justification="(1 + c/L)^L")
    gap = cc - Lp * sp.log(1 + cc / Lp)
    dv.identity(sp.Derivative(gap, cc), cc / (cc + Lp), "d/dc [c - L·log(1 + c/L)] = c/(c + L) >= 0")
    low = dv.extremum(SCALED_BOUND, cc, sp.Interval(0, sp.oo), sp.Integer(0) + minimum,
                      "e^c/(1 + c/L)^L = exp(c - L·log(1 + c/L)) is 1 at c = 0 and grows: its minimum over c >= 0 is 1",
                      kind="min")
    bound = dv.bound(low, cc, [dv.inequality(cc, 0, cc, "c > 0")], "at every c > 0")
    dv.limit(closed, Lp, sp.oo, sp.exp(cc), "the bound is the limit as L -> ∞: no depth exceeds it")
    dv.identity(sp.Subs((1 + n * sigma2) ** Lp, sigma2, cc / n), (1 + cc) ** Lp,
                "control: σ² = c/n (the 1/L left out) gives (1 + c)^L, which grows without bound in L")
    dv.control((1 + cc) ** Lp, SCALED, "(1 + c)^L: the branch variance not divided by L")
    _conclude(dv, result, bound)
    return dv


# ---------------------------------------------------------------- the Jacobian of a residual block

ReLU = sp.Function("ReLU")
row, col, hid, inner = sp.symbols("i j k l", integer=True, nonnegative=True)   # 0-based indices, as NumPy's
extra = sp.Symbol("r", integer=True, nonnegative=True)
W1_, W2_, X_ = sp.IndexedBase("W_1"), sp.IndexedBase("W_2"), sp.IndexedBase("x")
WIDE = col + extra + 1
"""The dimension n, written so that the column j < n: n = j + r + 1 for some r >= 0."""


def _pre_activation(k_):
    return sp.Sum(W1_[k_, inner] * X_[inner], (inner, 0, WIDE - 1))


def block_output(activation, i_=row):
    """y_i = x_i + Σ_k W_2[i, k]·φ((W_1·x)_k): coordinate i of the block x + W_2·φ(W_1·x) (0-based)."""
    return X_[i_] + sp.Sum(W2_[i_, hid] * activation(_pre_activation(hid)), (hid, 0, h_width - 1))


def block_jacobian(slope):
    """δ_ij + Σ_k W_2[i, k]·φ'((W_1·x)_k)·W_1[k, j]: entry (i, j) of I + W_2·diag(φ'(W_1·x))·W_1."""
    return sp.KroneckerDelta(row, col) + sp.Sum(W2_[row, hid] * slope(_pre_activation(hid)) * W1_[hid, col],
                                                (hid, 0, h_width - 1))


JACOBIAN = sp.Derivative(block_output(ReLU), X_[col])
"""∂y_i/∂x_j for the ReLU block: residual.jacobian concludes δ_ij + Σ_k W_2[i, k]·H((W_1x)_k)·W_1[k, j]."""


def _jacobian_shown(outputs, xs):
    """The Jacobian of ``outputs`` in ``xs`` as a matrix of unevaluated ∂F_i/∂x_j (carried out when checked)."""
    return sp.ImmutableMatrix(outputs.rows, len(xs), lambda a, b: sp.Derivative(outputs[a], xs[b]))


@derivation("residual.jacobian")
def residual_jacobian() -> Derivation:
    return build_residual_jacobian()


def build_residual_jacobian(*, identity_path=True) -> Derivation:
    """residual.jacobian. ``identity_path=False`` claims the branch's Jacobian alone, for mutation tests."""
    dv = Derivation("residual.jacobian", "∂(x + f(x))/∂x = I + J_f: the identity path always exists",
                    scope="matrix symbols of symbolic size n (a linear branch, products of blocks); any differentiable "
                          "f for n = 3; the two-layer branch W_2·φ(W_1·x) entrywise for symbolic n and h, any "
                          "differentiable φ, and ReLU (φ' = Heaviside, H(0) = 1/2, a subgradient)")
    size = sp.Symbol("n", integer=True, positive=True)
    xs, J = sp.MatrixSymbol("x", size, 1), sp.MatrixSymbol("J", size, size)
    dv.identity(sp.Derivative(xs + J * xs, xs), sp.Transpose(sp.Identity(size) + J),
                "a linear branch J·x: sympy's matrix derivative (denominator layout) is the transposed Jacobian, "
                "so the Jacobian is I + J")
    xv = sp.Matrix(3, 1, lambda a, b: sp.Symbol(f"x_{a}", real=True))
    fs = sp.Matrix([sp.Function(f"f_{a}")(*xv) for a in range(3)])
    dv.identity(_jacobian_shown(xv + fs, xv), sp.eye(3) + fs.jacobian(xv),
                "any differentiable branch f (n = 3): differentiation is linear and ∂x/∂x = I")
    J1, J2 = sp.MatrixSymbol("J_1", size, size), sp.MatrixSymbol("J_2", size, size)
    dv.identity(sp.MatMul(sp.Identity(size) + J2, sp.Identity(size) + J1), sp.Identity(size) + J1 + J2 + J2 * J1,
                "two blocks: the product of their Jacobians keeps the term I, a path that skips every branch")
    u = sp.Symbol("u", real=True)
    dv.identity(sp.Derivative(block_output(phi), X_[col]),
                block_jacobian(lambda e: sp.Subs(sp.Derivative(phi(u), u), u, e)),
                "two-layer branch W_2·φ(W_1·x), entry (i, j) for symbolic n = j + r + 1 and h, any φ: "
                "∂y_i/∂x_j = δ_ij + Σ_k W_2[i, k]·φ'((W_1x)_k)·W_1[k, j], i.e. J = I + W_2·diag(φ'(W_1x))·W_1")
    dv.define(ReLU(_z), sp.Max(0, _z), "ReLU")
    closed = block_jacobian(sp.Heaviside)
    claimed = closed if identity_path else closed - sp.KroneckerDelta(row, col)
    result = dv.identity(JACOBIAN, claimed,
                         "ReLU: φ' = H(z) = 1[z > 0] away from the kink (sympy's H(0) = 1/2 lies in the "
                         "subdifferential [0, 1]; W_1x has a zero coordinate with probability 0)")
    branch_only = closed - sp.KroneckerDelta(row, col)
    dv.identity(sp.Add(closed, -branch_only, evaluate=False), sp.KroneckerDelta(row, col),
                "control: J_f alone drops δ_ij, the identity path")
    dv.control(branch_only, JACOBIAN, "J_f alone: the identity path forgotten")
    _conclude(dv, result)
    return dv
