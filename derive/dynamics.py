"""Training dynamics: hidden-unit symmetry under gradient descent, and gradient flow through residual blocks.

Sources: 000 Q1.1 (zero initialization and symmetry), 000 Q1.6 (the residual block x + f(x)).
References: Goodfellow, Bengio & Courville, *Deep Learning* (2016), §8.4 (breaking symmetry);
He, Zhang, Ren & Sun, "Identity Mappings in Deep Residual Networks" (ECCV 2016), eqs. 4-5
(∂x_L/∂x_l contains the identity); Hanin & Rolnick, "How to Start Training" (NeurIPS 2018) and
Zhang, Dauphin & Ma, "Fixup Initialization" (ICLR 2019), §3 (branch scaling with depth).

The network of the symmetry claims has symbolic width m = p + 2 and symbolic fan-in N = q + 1:
f(x) = Σ_{k=1}^{m} a_k·φ(Σ_{d=1}^{N} w_{k,d}·x_d + b_k) + c, with any differentiable activation φ and
any differentiable per-sample loss ℓ(f, y); the batch loss (1/B)·Σ_s ℓ(f(x_s), y_s) has the average of
the per-sample gradients as its gradient (linearity, checked for a symbolic batch size B). Units 1
and 2 stand for any two units (relabelling units leaves the loss unchanged).
"""
from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .registry import derivation

# ---------------------------------------------------------------- the one-hidden-layer network

p = sp.Symbol("p", integer=True, nonnegative=True)
q = sp.Symbol("q", integer=True, nonnegative=True)
WIDTH = p + 2
FAN_IN = q + 1
k = sp.Symbol("k", integer=True, positive=True)
d = sp.Symbol("d", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)
B = sp.Symbol("B", integer=True, positive=True)
t = sp.Symbol("t", integer=True, nonnegative=True)
eta = sp.Symbol("eta", positive=True)
a, w, b = sp.IndexedBase("a"), sp.IndexedBase("w"), sp.IndexedBase("b")
X = sp.IndexedBase("x")
Y = sp.Symbol("y", real=True)
c = sp.Symbol("c", real=True)
beta = sp.Symbol("beta", positive=True)
phi = sp.Function("phi")
ell = sp.Function("ell")


def network(activation=phi):
    """f(x) = Σ_k a_k·φ(Σ_d w_{k,d}·x_d + b_k) + c."""
    pre = sp.Sum(w[k, d] * X[d], (d, 1, FAN_IN)) + b[k]
    return sp.Sum(a[k] * activation(pre), (k, 1, WIDTH)) + c


def loss(activation=phi):
    """ℓ(f(x), y) for one sample; the batch loss averages it over the samples."""
    return ell(network(activation), Y)


@functools.lru_cache(maxsize=None)
def _generic_gradients(unit, e):
    L = loss()
    return sp.ImmutableMatrix([sp.diff(L, a[unit]), sp.diff(L, w[unit, e]), sp.diff(L, b[unit])]).doit()


def gradients(unit, e=1):
    """(∂L/∂a_unit, ∂L/∂w_{unit,e}, ∂L/∂b_unit) as a column, by sympy's differentiation of the sums.

    Differentiated once for a generic φ; :func:`specialize` puts in a concrete activation.
    """
    return sp.Matrix(_generic_gradients(unit, e))


def specialize(expr, activation):
    """Replace the generic φ by ``activation`` (a sympy function of one argument) and carry out its derivatives."""
    return expr.replace(phi, activation).doit()


def _is(base, first):
    return lambda z: isinstance(z, sp.Indexed) and z.base == base and z.indices[0] == first


def make_equal(expr, incoming=True, outgoing=True):
    """Set unit 2's parameters to unit 1's: incoming (w_{2,·}, b_2) and/or outgoing (a_2)."""
    if outgoing:
        expr = expr.replace(_is(a, 2), lambda z: a[1])
    if incoming:
        expr = expr.replace(_is(b, 2), lambda z: b[1])
        expr = expr.replace(_is(w, 2), lambda z: w[(1,) + z.indices[1:]])
    return expr


def at_constant(expr, weight=0, bias=0, out_weight=0):
    """Every hidden unit at (w = weight, b = bias, a = out_weight): the constant initialization."""
    for base, value in ((a, out_weight), (w, weight), (b, bias)):
        expr = expr.replace(lambda z, base=base: isinstance(z, sp.Indexed) and z.base == base, lambda z, v=value: v)
    return expr


relu = sp.Lambda(sp.Symbol("z", real=True), sp.Max(0, sp.Symbol("z", real=True)))
sigmoid = sp.Lambda(sp.Symbol("z", real=True), 1 / (1 + sp.exp(-sp.Symbol("z", real=True))))


@derivation("symmetry.identical")
def symmetry_identical() -> Derivation:
    dv = Derivation("symmetry.identical",
                    "units with identical incoming and outgoing weights get identical gradients and stay identical",
                    scope="symbolic width m = p + 2, fan-in N = q + 1 and batch B; any differentiable φ and ℓ; "
                          "every step t of gradient descent (induction)")
    f = sp.Function("f")
    dv.define(sp.Eq(f(X[1]), network(), evaluate=False),
              "one hidden layer of width m, units k = 1..m; units 1 and 2 stand for any pair")
    theta_sym = sp.Symbol("θ", real=True)
    per_sample = sp.Function("ℓ_s")
    dv.identity(sp.Derivative(sp.Sum(per_sample(theta_sym, s), (s, 1, B)) / B, theta_sym),
                sp.Sum(sp.Derivative(per_sample(theta_sym, s), theta_sym), (s, 1, B)) / B,
                "the batch gradient is the average of per-sample gradients: equal per-sample gradients of two "
                "units give equal batch gradients, so one sample (x, y) suffices below")
    g1, g2 = gradients(1), gradients(2)
    names = ("∂L/∂a", "∂L/∂w_{·,1}", "∂L/∂b")
    for row, name in enumerate(names):
        dv.identity(make_equal(g1[row]), make_equal(g2[row]),
                    f"{name}: unit 1 and unit 2 give the same expression once (a_2, w_2, b_2) = (a_1, w_1, b_1)")
    difference = make_equal(g1 - g2)
    for row, name in enumerate(("a", "w", "b")):
        dv.induction(sp.Integer(0), t, (0, sp.Integer(0)), lambda F, n, row=row: F - eta * difference[row],
                     f"Δ{name}(t) = {name}_1(t) - {name}_2(t): 0 at t = 0, and a gradient step changes it by "
                     f"-η(∂L/∂{name}_1 - ∂L/∂{name}_2) = 0 while the units agree",
                     name=sp.Function(f"Δ{name}")(t))
    dv.conclude(sp.Eq(sp.Function("θ_1")(t), sp.Function("θ_2")(t), evaluate=False))
    return dv


@derivation("symmetry.zero")
def symmetry_zero() -> Derivation:
    dv = Derivation("symmetry.zero",
                    "all-zero init: with φ(0) = 0 the hidden weights never move and f is constant in x; "
                    "with sigmoid the units learn but stay identical",
                    scope="symbolic width and fan-in, one sample (batches by linearity, see symmetry.identical); any "
                          "differentiable ℓ; every step t (induction)")
    grads = {}
    for name, act in (("tanh", sp.tanh), ("relu", relu), ("sigmoid", sigmoid)):
        grads[name] = specialize(at_constant(gradients(1)), act)
    at_zero = at_constant(gradients(1))
    ell_prime = sp.Subs(sp.Derivative(ell(sp.Symbol("u"), Y), sp.Symbol("u")), sp.Symbol("u"), c)
    dv.identity(at_zero[0], ell_prime * phi(0), "all parameters 0: ∂ℓ/∂a_k = ℓ'(c, y)·φ(0) for any φ")
    a_k = sp.Symbol("a_k", real=True)
    at_zero_but_a = at_constant(gradients(1), out_weight=a_k).doit()
    dv.identity(sp.Subs(at_zero_but_a[1] ** 2 + at_zero_but_a[2] ** 2, a_k, 0), 0,
                "all parameters 0: ∂ℓ/∂w_k and ∂ℓ/∂b_k carry the factor a_k = 0, for any φ")
    zs = sp.Symbol("z", real=True)
    for name, zero_value in (("tanh", sp.Subs(sp.tanh(zs), zs, 0)), ("relu", sp.Subs(sp.Max(0, zs), zs, 0))):
        dv.instance(zero_value, 0, f"{name}(0) = 0, so ∂ℓ/∂a_k = 0 too: every hidden gradient vanishes")
        dv.induction(sp.Integer(0), t, (0, sp.Integer(0)),
                     lambda F, n, g=grads[name]: F + eta**2 * sum(entry**2 for entry in g),
                     f"{name}: ‖θ_k(t)‖² = a_k² + ‖w_k‖² + b_k² is 0 at t = 0, and ‖θ - η∇‖² = ‖θ‖² - 2ηθ·∇ + η²‖∇‖² "
                     "with θ = 0 and ∇ = 0: zero at every step", name=sp.Function(f"‖θ_k(t)‖²[{name}]")(t))
    fx = sp.diff(network(), X[1]).doit()
    dv.identity(at_constant(fx), 0, "∂f/∂x = Σ_k a_k·w_k·φ'(z_k) = 0 while every a_k = 0: f is constant in x")
    dc = specialize(sp.diff(loss(), c), sp.tanh)
    dv.identity(at_constant(dc), ell_prime, "only the output bias c moves: ∂ℓ/∂c = ℓ'(c, y)")
    dv.identity(grads["sigmoid"][0], ell_prime / 2,
                "sigmoid: ∂ℓ/∂a_k = ℓ'·σ(0) = ℓ'/2 ≠ 0, so the units learn (identically, by symmetry.identical)")
    biased = specialize(at_constant(gradients(1), bias=beta), sp.tanh)
    dv.identity(biased[0], ell_prime * sp.tanh(beta),
                "equal non-zero biases β: ∂ℓ/∂a_k = ℓ'·tanh(β), non-zero: tanh nets learn")
    dv.inequality(sp.tanh(beta), 0, sp.tanh(beta), "tanh(β) > 0 for β > 0 (ReLU: max(0, β) = β > 0)", strict=True)
    dv.conclude(sp.Eq(sp.Symbol("w_k(t)"), 0, evaluate=False))
    return dv


# ---------------------------------------------------------------- residual blocks

n = sp.Symbol("n", integer=True, positive=True)
L = sp.Symbol("L", integer=True, positive=True)
l = sp.Symbol("l", integer=True, positive=True)
sigma2 = sp.Symbol("sigma2", positive=True)
cc = sp.Symbol("c", positive=True)
V = sp.Symbol("V", positive=True)  # ‖v‖²

RESIDUAL_MOMENT = (1 + n * sigma2) ** L * V
"""E‖Π_l (I + J_l)·v‖² for J_l i.i.d. with entries N(0, σ²), dimension n."""
PLAIN_MOMENT = (n * sigma2) ** L * V
"""E‖Π_l J_l·v‖²."""
CONTROL_MOMENT = (1 + sigma2) ** L * V
"""The negative control (1 + σ²)^L: the width n dropped."""
SCALED_MOMENT = (1 + cc / L) ** L
"""Relative second moment with branch variance σ² = c/(nL)."""
sigma1_2, sigma2_2 = sp.symbols("sigma_1^2 sigma_2^2", positive=True)
h_width = sp.Symbol("h", integer=True, positive=True)
RELU_BLOCK_MOMENT = (1 + n * h_width * sigma1_2 * sigma2_2 / 2) * V
"""E‖(I + J_f)ᵀg‖² for one block x + W2·relu(W1·x), W1 (h×n) ~ N(0, σ1²), W2 (n×h) ~ N(0, σ2²), fixed x ≠ 0, g."""
RELU_BLOCK_CONTROL = (1 + n * h_width * sigma1_2 * sigma2_2) * V
"""The linear-branch factor, forgetting that ReLU passes half of the gradient."""


hidden = sp.Symbol("h", integer=True, positive=True)
W1_MATRIX = sp.MatrixSymbol("W_1", hidden, n)
W2_MATRIX = sp.MatrixSymbol("W_2", n, hidden)
D_MATRIX = sp.MatrixSymbol("D", hidden, hidden)
RESIDUAL_JACOBIAN = sp.Identity(n) + W2_MATRIX * D_MATRIX * W1_MATRIX
"""∂(x + W_2·φ(W_1·x))/∂x = I + W_2·D·W_1 with D = diag(φ'(W_1·x)) (ReLU: φ' = 1[· > 0])."""


def _jacobian_shown(F, xs):
    """The Jacobian of F in xs as a matrix of unevaluated ∂F_i/∂x_j (the engine carries them out when checking)."""
    return sp.ImmutableMatrix(F.rows, len(xs), lambda i, j: sp.Derivative(F[i], xs[j]))


def residual_jacobian_at(width: int, hidden_width: int):
    """:data:`RESIDUAL_JACOBIAN` at concrete sizes, with its matrix symbols (W_1, W_2, D) at those sizes."""
    sizes = {n: width, hidden: hidden_width}
    return RESIDUAL_JACOBIAN.subs(sizes), tuple(m.subs(sizes) for m in (W1_MATRIX, W2_MATRIX, D_MATRIX))


@derivation("residual.jacobian")
def residual_jacobian() -> Derivation:
    dv = Derivation("residual.jacobian", "∂(x + f(x))/∂x = I + J_f: the identity path always exists",
                    scope="matrix symbols of symbolic size n (linear branch, products over blocks); "
                          "any differentiable f for n = 3; the two-layer branch W2·φ(W1·x) for n = 3, hidden 2")
    xs = sp.MatrixSymbol("x", n, 1)
    J = sp.MatrixSymbol("J", n, n)
    dv.define(sp.Eq(sp.Symbol("y"), sp.Symbol("x") + sp.Function("f")(sp.Symbol("x")), evaluate=False),
              "residual block (000 Q1.6)")
    dv.identity(sp.Derivative(xs + J * xs, xs), sp.Transpose(sp.Identity(n) + J),
                "sympy's matrix derivative of x + J·x is in denominator layout, the transpose of the Jacobian: "
                "the Jacobian is I + J")
    xv = sp.Matrix(3, 1, lambda i, j: sp.Symbol(f"x_{i}", real=True))
    fs = sp.Matrix([sp.Function(f"f_{i}")(*xv) for i in range(3)])
    dv.identity(_jacobian_shown(xv + fs, xv), sp.eye(3) + fs.jacobian(xv),
                "any differentiable branch f: the Jacobian is linear, ∂x/∂x = I")
    closed, symbols = residual_jacobian_at(3, 2)
    W1 = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"W1_{i}{j}", real=True))
    W2 = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"W2_{i}{j}", real=True))
    u = sp.Symbol("u", real=True)
    slopes = sp.diag(*[sp.Subs(sp.Derivative(phi(u), u), u, z) for z in W1 * xv])
    explicit = sp.Matrix(closed.subs(dict(zip(symbols, (W1, W2, slopes)))).doit())
    dv.identity(_jacobian_shown(xv + W2 * (W1 * xv).applyfunc(phi), xv), explicit,
                "two-layer branch W_2·φ(W_1·x) (n = 3, h = 2, symbolic entries): J = I + W_2·diag(φ'(W_1·x))·W_1")
    J1, J2 = sp.MatrixSymbol("J_1", n, n), sp.MatrixSymbol("J_2", n, n)
    dv.identity(sp.MatMul(sp.Identity(n) + J2, sp.Identity(n) + J1), sp.Identity(n) + J1 + J2 + J2 * J1,
                "two blocks: the product of Jacobians keeps the term I, a path that skips every branch")
    dv.conclude(sp.Eq(sp.Symbol("∂y/∂x"), RESIDUAL_JACOBIAN, evaluate=False))
    return dv


@derivation("residual.depth")
def residual_depth() -> Derivation:
    dv = Derivation("residual.depth", "E‖Π(I+J_l)v‖² = (1+nσ²)^L‖v‖²; a plain stack gives (nσ²)^L‖v‖²",
                    scope="symbolic n, L, σ²; J_l independent with i.i.d. N(0, σ²) entries; the row moment by "
                          "induction over the fan-in (inductive step written out)")
    z = sp.Symbol("z", real=True)
    dv.gaussian(z, z, sp.Integer(0), "E[J_ij] = 0", q=sigma2, name=sp.Symbol("E[J_ij]"))
    dv.gaussian(z**2, z, sigma2, "E[J_ij²] = σ²", q=sigma2, name=sp.Symbol("E[J_ij²]"))
    dv.define(sp.Eq(sp.Symbol("E[S·J_ij]"), sp.Symbol("E[S]") * sp.Symbol("E[J_ij]"), evaluate=False),
              "independence: J_ij is independent of every other entry and of v (named assumption)")
    # E[(S_j + J_{j+1} v_{j+1})²] for the partial row sum S_j = Σ_{i<=j} J_i v_i, with E[S_j²] = σ²·Q_j
    Q, u, ES = sp.symbols("Q_j v_{j+1} E[S_j]", real=True)
    EJ, EJ2 = sp.Integer(0), sigma2
    i_, j_ = sp.symbols("i j", integer=True, positive=True)
    J_entry, v_entry = sp.Function("J"), sp.Function("v")
    dv.instance(sp.Sum(J_entry(i_) * v_entry(i_), (i_, 1, 0)) ** 2, sp.Sum(v_entry(i_) ** 2, (i_, 1, 0)),
                "base j = 0: E[S_0²] = 0 = σ²·Q_0 (empty row sum, Q_0 = 0)")
    dv.identity(sigma2 * Q + 2 * u * EJ * ES + u**2 * EJ2, sigma2 * (Q + u**2),
                "step j -> j+1: E[S_{j+1}²] = E[S_j²] + 2v_{j+1}E[J]E[S_j] + v_{j+1}²E[J²] = σ²(Q_j + v_{j+1}²) "
                "= σ²Q_{j+1}, so E[(J·v)_i²] = σ²‖v‖² for every fan-in n")
    dv.telescoping(sigma2 * V, l, n, n * sigma2 * V,
                   "E‖J·v‖² = Σ_{rows i=1}^{n} E[(J·v)_i²] = nσ²‖v‖²", kind="sum")
    vv = sp.IndexedBase("v")
    dv.identity(sp.Sum(sp.Sum(vv[i_] * vv[j_] * EJ, (j_, 1, n)), (i_, 1, n)), 0,
                "cross term E[vᵀJv] = Σ_ij v_i v_j E[J_ij] = 0")
    dv.identity(sp.Add(V, sp.Mul(2, 0, evaluate=False), n * sigma2 * V, evaluate=False), (1 + n * sigma2) * V,
                "E‖(I+J)v‖² = ‖v‖² + 2E[vᵀJv] + E‖Jv‖² = (1 + nσ²)‖v‖²")
    M = sp.Function("M")
    dv.induction(RESIDUAL_MOMENT, L, (0, V), lambda F, m: F * (1 + n * sigma2),
                 "J_{l} is independent of the vector it multiplies: E[M_l | g] = (1+nσ²)‖g‖², then the tower rule",
                 name=M(L))
    dv.induction(PLAIN_MOMENT, L, (0, V), lambda F, m: F * n * sigma2,
                 "plain stack: E‖J·g‖² = nσ²‖g‖² per layer", name=sp.Function("M_plain")(L))
    # one block with a two-layer ReLU branch, J_fᵀg = W1ᵀ·D·W2ᵀ·g with D = diag(1[W1·x > 0]), for a fixed x ≠ 0
    T = sp.Symbol("E‖W1ᵀDW2ᵀg‖²", positive=True)
    dv.identity(sp.Add(V, sp.Mul(2, 0, evaluate=False), T, evaluate=False), V + T,
                "cross term 2E[gᵀW1ᵀDW2ᵀg] = 0: E[W2] = 0 and W2 is independent of W1 and D")
    dv.identity(sp.Add(n * sigma1_2 / 2, n * sigma1_2 / 2, evaluate=False), n * sigma1_2,
                "w -> -w has the same law and swaps {w·x > 0} with {w·x < 0} (w·x = 0 has probability 0), so the "
                "two halves of E‖w‖² = nσ1² are equal: E[1[w·x>0]‖w‖²] = nσ1²/2")
    dv.identity(h_width * sigma2_2 * V * (n * sigma1_2 / 2) + V, RELU_BLOCK_MOMENT,
                "E‖W1ᵀDu‖² = Σ_k E[u_k²]·E[1[w_k·x>0]‖w_k‖²] with u = W2ᵀg, E[u_k u_k'] = σ2²‖g‖²δ_kk' "
                "(the row moment above): E‖(I + J_f)ᵀg‖² = (1 + nhσ1²σ2²/2)‖g‖², exact for one block")
    dv.conclude(sp.Eq(M(L), RESIDUAL_MOMENT, evaluate=False))
    return dv


@derivation("residual.scaled")
def residual_scaled() -> Derivation:
    dv = Derivation("residual.scaled", "σ² = c/(nL) gives (1 + c/L)^L <= e^c at every depth L",
                    scope="symbolic c > 0 and L > 0 (every real depth, so every integer depth)")
    dv.identity(sp.Subs(RESIDUAL_MOMENT / V, sigma2, cc / (n * L)), SCALED_MOMENT,
                "substitute σ² = c/(nL) in (1 + nσ²)^L")
    g = cc - L * sp.log(1 + cc / L)
    dv.identity(sp.Derivative(g, cc), cc / (cc + L), "d/dc [c - L·log(1 + c/L)] = c/(c + L) >= 0")
    dv.extremum(g, cc, sp.Interval(0, sp.oo), sp.Integer(0),
                "c - L·log(1 + c/L) is 0 at c = 0 and non-decreasing: its minimum over c >= 0 is 0",
                kind="min", name=sp.Symbol("min_c [c - L log(1 + c/L)]"))
    dv.identity(sp.exp(cc) / SCALED_MOMENT, sp.exp(g), "e^c/(1 + c/L)^L = exp(c - L·log(1 + c/L)) >= e^0 = 1")
    dv.limit(SCALED_MOMENT, L, sp.oo, sp.exp(cc), "the bound is the limit as L -> ∞")
    dv.conclude(sp.LessThan(SCALED_MOMENT, sp.exp(cc), evaluate=False))
    return dv
