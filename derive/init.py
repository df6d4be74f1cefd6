"""The variance argument behind LeCun, Xavier and Kaiming initialization, proved on the trusted kernel.

Sources: 001 §Initialization Derivation, §Xavier, §Kaiming, §Summary; 000 Q1.4.
References: LeCun et al., "Efficient BackProp" (1998) §4.6; Glorot & Bengio (AISTATS 2010) eq. 10-12;
He et al., "Delving Deep into Rectifiers" (ICCV 2015) eq. 7-14.

Moments of sums over a symbolic fan-in are proved by the kernel's ``expectation`` rule (linearity, and
independence between named groups of random atoms) on partial sums defined by recursion, with the moments
of the atoms as named assumptions for every index, and ``induction`` on the number of terms
(``partial_sums`` and ``sum_moments``). No ``sympy.stats`` is used: it has no family of i.i.d. variables
indexed by a symbolic n.

E[ReLU(z)²] = E[z²]/2 is proved for any symmetric law, not only the Gaussian one: the expectation is an
integral against a density f(·, z) of z (the law of the unconscious statistician, assumed), the negative
half is carried onto the positive one by the kernel's ``substitution`` rule (t = -u) and the evenness of the
density (the hypothesis "z is symmetric") makes the halves equal. Random atoms carry labels (the sum s, the
layer) so that depth arguments (``derive/propagation.py``) can cite these lemmas at every layer.
"""
from __future__ import annotations

import functools

import mpmath
import sympy as sp

from .derivation import Derivation
from .kernel import E, Independent, NormalE
from .registry import derivation

# ---- symbols -----------------------------------------------------------------------------------
n = sp.Symbol("n", integer=True, nonnegative=True)        # number of terms of a sum (a fan-in)
n_in, n_out = sp.symbols("n_in n_out", integer=True, positive=True)
j, k = sp.symbols("j k", integer=True, positive=True)      # indices of the terms
s = sp.Symbol("s", integer=True, positive=True)            # label of a sum (a unit of a layer)
sigma2 = sp.Symbol("σ_W²", positive=True)                  # E[W²] = Var(W) (E[W] = 0)
m2 = sp.Symbol("E[x²]")                                    # common second moment of the x_j (any value)
m_g = sp.Symbol("E[g²]")                                   # second moment of an upstream gradient coordinate
var_x = sp.Symbol("σ_x²", positive=True)                   # Var(x)
mu = sp.Symbol("μ_x", real=True)                           # E[x]
q = sp.Symbol("q", positive=True)                          # variance of a Gaussian pre-activation
q_any = sp.Symbol("q")                                     # E[z²] of a symmetric z (any law)
c = sp.Symbol("c", real=True)                              # weight of ReLU(-z)² (leaky ReLU: c = α²)
a = sp.Symbol("a", positive=True)                          # half-width of a uniform distribution
slope = sp.Symbol("α", real=True)                          # leaky ReLU negative slope (PyTorch's a)
z = sp.Symbol("z", real=True)                              # a random pre-activation
xi = sp.Symbol("ξ", real=True)                             # a standard (or N(0, q)) Gaussian variable
t = sp.Symbol("t", real=True)                              # integration variable
u = sp.Symbol("u", positive=True)                          # integration variable after a change of variables
X = sp.Symbol("X", real=True)                              # argument of Var
C_in, C_out, groups, k_h, k_w = sp.symbols("C_in C_out g k_h k_w", integer=True, positive=True)

# random atoms (undefined functions): W(j, s), x(j, s) the j-th weight and input of sum s; S the partial sums
W, x, S = sp.Function("W", real=True), sp.Function("x", real=True), sp.Function("S", real=True)
Var = sp.Function("Var")
f = sp.Function("f")                                        # f(t, z): the density of z at t

RELU = sp.Max(0, z)
LEAKY_SQ = sp.Max(0, z) ** 2 + c * sp.Max(0, -z) ** 2
"""ReLU(z)² + c·ReLU(-z)²: the square of a leaky ReLU of slope α is this at c = α² (ReLU: c = 0)."""

# ---- tables (conventions and configuration parameters, read by verify) -------------------------------
XAVIER_VARIANCE = 2 / (n_in + n_out)
UNIFORM_BOUND = {
    "xavier_uniform": sp.sqrt(6 / (n_in + n_out)),
    "kaiming_uniform": sp.sqrt(6 / n_in),
    "lecun_uniform": sp.sqrt(3 / n_in),
}
"""The bound a of U(-a, a) of each uniform initializer (init.uniform proves each has the variance below)."""
INIT_VARIANCE = {
    "lecun": 1 / n_in,
    "xavier": XAVIER_VARIANCE,
    "kaiming": 2 / n_in,
    "kaiming_leaky": 2 / ((1 + slope**2) * n_in),
    "torch_default": 1 / (3 * n_in),
}
"""Var(W) of each initializer, in terms of fan_in = n_in and fan_out = n_out (configuration parameters)."""
TORCH_GAINS = {
    "linear": sp.Integer(1), "conv1d": sp.Integer(1), "conv2d": sp.Integer(1), "conv3d": sp.Integer(1),
    "conv_transpose1d": sp.Integer(1), "conv_transpose2d": sp.Integer(1), "conv_transpose3d": sp.Integer(1),
    "sigmoid": sp.Integer(1), "tanh": sp.Rational(5, 3), "relu": sp.sqrt(2),
    "leaky_relu": sp.sqrt(2 / (1 + slope**2)), "selu": sp.Rational(3, 4),
}
"""torch.nn.init.calculate_gain's table (PyTorch documentation): conventions, defined in init.gains."""

# ---- the closed forms each derivation concludes (a builder checks against these: change one and its
# derivation fails; verify reads them from the conclusions, never from here) -----------------------------
WEIGHT_MEAN = sp.Integer(0)
"""E[W]: the zero mean every fan-in argument rests on (the cross terms vanish because of it)."""
PRODUCT_VARIANCE = sigma2 * (var_x + mu**2)
"""Var(W·x) = Var(W)·E[x²] = Var(W)·(Var(x) + E[x]²) for W ⟂ x, E[W] = 0."""
FAN_IN_VARIANCE = n * sigma2 * m2
"""Var(Σ_{j≤n} W_j x_j) = n·Var(W)·E[x²]."""
FORWARD_SECOND = m2
"""E[y²] through y = Wx with Var(W) = 1/n_in: E[x²], preserved."""
BACKWARD_SECOND = m_g
"""E[(∂L/∂x_k)²] with Var(W) = 1/n_out: E[g²], preserved."""
UNIFORM_VARIANCE = a**2 / 3
RELU_HALF = q_any / 2
"""E[ReLU(z)²] for symmetric z with E[z²] = q: the halving."""
LEAKY_HALF = (1 + c) * q_any / 2
"""E[ReLU(z)² + c·ReLU(-z)²] for symmetric z with E[z²] = q."""
RELU_MEAN_VALUE = sp.sqrt(q / (2 * sp.pi))
RELU_GAUSS_HALF = q / 2
RELU_VARIANCE_VALUE = q * (sp.Rational(1, 2) - 1 / (2 * sp.pi))
KAIMING_SECOND = m2
"""E[h²] after one (leaky) ReLU layer with Var(W) = 2/((1+α²)·n_in), from E[x²]: preserved."""
LECUN_SECOND = m2
"""E[h²] after a linear layer (and after L of them) with Var(W) = 1/n_in: preserved."""
TORCH_FACTOR = sp.Rational(1, 6)
BIAS_FLOOR = sp.Rational(2, 5) / n_in
TORCH_START = m2 / 3 + 1 / (3 * n_in)
TORCH_BIAS_Q = BIAS_FLOOR + (TORCH_START - BIAS_FLOOR) * TORCH_FACTOR ** sp.Symbol("L", integer=True, nonnegative=True)
"""E[z_(L+1)²] with PyTorch's default weights and biases, from E[x²] at the input."""
FAN_COUNTS = (C_in / groups * k_h * k_w, C_out / groups * k_h * k_w)
GAIN_VALUES = {"relu": sp.sqrt(2), "leaky_relu": sp.sqrt(2 / (1 + slope**2))}
"""The second-moment gains 1/√E[φ(ξ)²] in closed form (relu, leaky relu); tanh and sigmoid by quadrature."""
RELU_SECOND_STD, RELU_FOURTH_STD = sp.Rational(1, 2), sp.Rational(3, 2)
"""E[ReLU(ξ)²] and E[ReLU(ξ)⁴] for ξ ~ N(0, 1)."""

# ---- left sides of the concluded statements (what verify evaluates) ------------------------------
PRODUCT = Var(sp.Symbol("W", real=True) * sp.Symbol("x", real=True))
FAN_IN = Var(S(n, s))
FAN_IN_SECOND = E(S(n, s) ** 2)
FORWARD = Var(S(n_in, s))
dLdx = sp.Function("∂L/∂x")
BACKWARD = E(dLdx(k) ** 2)
HM = sp.Function("HM")
XAVIER = HM(1 / n_in, 1 / n_out)
VarU = sp.Function("Var_U")
UNIFORM = VarU(a)
RELU_SECOND = E(RELU**2)
RELU_LEAKY = E(LEAKY_SQ)
RELU_MEAN = NormalE(sp.Max(0, xi), xi, q)
RELU_GAUSS_SECOND = NormalE(sp.Max(0, xi) ** 2, xi, q)
VarN = sp.Function("Var_N")
RELU_VARIANCE = VarN(q)
KAIMING = E(sp.Max(0, S(n_in, s)) ** 2 + slope**2 * sp.Max(0, -S(n_in, s)) ** 2)
LECUN_LAYER = E(S(n_in, s) ** 2)
H = sp.Function("E[h²]", positive=True)                    # second moment of the units of layer L
L = sp.Symbol("L", integer=True, nonnegative=True)         # depth
lam = sp.Symbol("λ", integer=True, positive=True)          # a layer
LECUN_DEPTH = H(L)
TORCH_LAYER = E(sp.Max(0, S(n_in, s)) ** 2)
Qz = sp.Function("E[z²]")                                   # Qz(L) = E[z_(L+1)²], PyTorch's default with biases
TORCH_BIAS = Qz(L)
fan_in_of, fan_out_of = sp.Function("fan_in"), sp.Function("fan_out")
FANS = (fan_in_of(C_in, groups, k_h, k_w), fan_out_of(C_out, groups, k_h, k_w))
GAIN_PHI = {"relu": sp.Max(0, xi), "tanh": sp.tanh(xi), "sigmoid": 1 / (1 + sp.exp(-xi))}
GAIN_SECOND = {name: NormalE(phi**2, xi, 1) for name, phi in GAIN_PHI.items()}
"""E[φ(z)²], z ~ N(0, 1): the left sides init.gains concludes (relu exactly, tanh and sigmoid by quadrature)."""
GAIN_TORCH = {name: sp.Symbol(f"gain_torch({name})") for name in TORCH_GAINS}
GAIN = {name: sp.Symbol(f"gain({name})") for name in ("relu", "leaky_relu", "tanh", "sigmoid")}
"""The second-moment gains 1/√E[φ(ξ)²] init.gains concludes."""


def rhs(fact):
    """The right side of an equation fact (a placeholder that fails every later check if the step failed)."""
    return fact.statement.rhs if isinstance(fact.statement, sp.Equality) else sp.Symbol("refused")


def lhs(fact):
    return fact.statement.lhs if isinstance(fact.statement, sp.Equality) else sp.Symbol("refused")


def cite(d: Derivation, claim_id: str, why: str, values: dict | None = None) -> tuple:
    """``d.use`` as a tuple, one fact per concluded statement (a refused citation fills every place)."""
    facts = d.use(claim_id, why, values=values)
    return facts if isinstance(facts, tuple) else (facts,) * 8


# ---- the fan-in moment proof, reused ---------------------------------------------------------------

def partial_sums(d: Derivation, Sf, w, xf, count, params, what: str):
    """Sf(0, *p) = 0, Sf(count + 1, *p) = Sf(count, *p) + w(count + 1, *p)·xf(count + 1, *p): the partial
    sums of Σ_j w_j·x_j, defined by recursion (returns the two defining facts)."""
    p = tuple(params)
    return d.define_recursive(Sf, count, 0, 0, Sf(count, *p) + w(count + 1, *p) * xf(count + 1, *p),
                              f"partial sums of {what}", params=p)


def sum_moments(d: Derivation, Sf, w, xf, count, params, recursion, idx, independence, zero, variance, sigma_sq):
    """E[S(count)] = 0 and E[S(count)²] = σ²·Σ_{idx<=count} E[x_idx²], by ``expectation`` and ``induction`` on count.

    ``independence``: w(count + 1) ⟂ (S(count), x(count + 1), ...) for every count; ``zero``: E[w(idx)] = 0 and
    ``variance``: E[w(idx)²] = σ² for every idx (assumptions of the caller, quantified over idx and the labels).
    The x may be correlated with each other: only their second moments enter. Returns the two facts.
    """
    p = tuple(params)
    base, step = recursion
    name = Sf.__name__
    M1, M2 = sp.Function(f"E[{name}]"), sp.Function(f"E[{name}²]")
    nxt = Sf(count, *p) + w(count + 1, *p) * xf(count + 1, *p)
    zero1 = d.instantiate(zero, {idx: count + 1}, "the mean of the new weight")
    var1 = d.instantiate(variance, {idx: count + 1}, "the second moment of the new weight")
    # the mean
    d.define(M1(count, *p), E(Sf(count, *p)), f"the mean of {name}")
    first = d.expectation(nxt, independence, "linearity; the new weight is independent of x_(n+1)")
    no_mean = d.rewrite(rhs(first), [zero1], "E[W] = 0")
    step1 = d.chain(d.identity(M1(count + 1, *p), E(Sf(count + 1, *p)), "definition"),
                    d.rewrite(E(Sf(count + 1, *p)), [step], "one more term"), first, no_mean,
                    d.identity(rhs(no_mean), M1(count, *p), "definition"),
                    justification=f"E[{name}(n+1)] = E[{name}(n)]")
    base1 = d.chain(d.identity(M1(0, *p), E(Sf(0, *p)), "definition"),
                    d.rewrite(E(Sf(0, *p)), [base], "the empty sum"), d.expectation(sp.Integer(0), independence, "E[0] = 0"),
                    justification="the empty sum has mean 0")
    mean = d.induction(M1(count, *p), count, sp.Integer(0), base1, step1, f"E[{name}(n)] = 0 for every n")
    # the second moment
    d.define(M2(count, *p), E(Sf(count, *p) ** 2), f"the second moment of {name}")
    second = d.expectation(nxt**2, independence,
                           "linearity; independence: E[S·W·x] = E[W]·E[S·x] and E[W²x²] = E[W²]·E[x²] "
                           "(no independence among the x is used)")
    moments = d.rewrite(rhs(second), [zero1, var1], "E[W] = 0 kills the cross term; E[W²] = σ²")
    step2 = d.chain(d.identity(M2(count + 1, *p), E(Sf(count + 1, *p) ** 2), "definition"),
                    d.rewrite(E(Sf(count + 1, *p) ** 2), [step], "one more term"), second, moments,
                    d.identity(rhs(moments), M2(count, *p) + sigma_sq * E(xf(count + 1, *p) ** 2), "definition"),
                    justification=f"E[{name}(n+1)²] = E[{name}(n)²] + σ²·E[x_(n+1)²]")
    base2 = d.chain(d.identity(M2(0, *p), E(Sf(0, *p) ** 2), "definition"),
                    d.rewrite(E(Sf(0, *p) ** 2), [base], "the empty sum"),
                    d.expectation(sp.Integer(0), independence, "E[0] = 0"), justification="the empty sum")
    closed = sigma_sq * sp.Sum(E(xf(idx, *p) ** 2), (idx, 1, count))
    square = d.induction(M2(count, *p), count, closed, base2, step2, "E[S(n)²] = σ²·Σ_(j<=n) E[x_j²] for every n")
    mean_fact = d.chain(d.identity(E(Sf(count, *p)), M1(count, *p), "definition"), mean)
    square_fact = d.chain(d.identity(E(Sf(count, *p) ** 2), M2(count, *p), "definition"), square)
    return mean_fact, square_fact


# ---- derivations --------------------------------------------------------------------------------------

@derivation("variance.product")
def product_variance() -> Derivation:
    d = Derivation("variance.product", "Var(W·x) = Var(W)·E[x²]; = Var(W)·Var(x) only if also E[x] = 0",
                   scope="any W ⟂ x with E[W] = 0 and finite second moments")
    Wr, xr = PRODUCT.args[0].args
    d.define(Var(X), E(X**2) - E(X) ** 2, "the variance")
    indep = d.assume("W ⟂ x", Independent(sp.Tuple(Wr), sp.Tuple(xr)), "hypothesis of the claim")
    zero = d.assume("E[W] = 0", sp.Eq(E(Wr), WEIGHT_MEAN), "hypothesis of the claim")
    var_w = d.assume("Var(W) = σ_W²", sp.Eq(Var(Wr), sigma2), "notation: σ_W² names Var(W)")
    mean_x = d.assume("E[x] = μ_x", sp.Eq(E(xr), mu), "notation: μ_x names E[x]")
    var_x_fact = d.assume("Var(x) = σ_x²", sp.Eq(Var(xr), var_x), "notation: σ_x² names Var(x)")
    w2 = d.chain(d.identity(E(Wr**2), Var(Wr) + E(Wr) ** 2, "definition of Var"),
                 d.rewrite(Var(Wr) + E(Wr) ** 2, [var_w, zero], "Var(W) = σ_W², E[W] = 0"),
                 justification="E[W²] = Var(W) as E[W] = 0")
    x2 = d.chain(d.identity(E(xr**2), Var(xr) + E(xr) ** 2, "definition of Var"),
                 d.rewrite(Var(xr) + E(xr) ** 2, [var_x_fact, mean_x], "Var(x) = σ_x², E[x] = μ_x"),
                 justification="E[x²] = Var(x) + E[x]²")
    one = d.expectation(Wr * xr, indep, "independence: E[Wx] = E[W]·E[x]")
    two = d.expectation(Wr**2 * xr**2, indep, "independence: E[W²x²] = E[W²]·E[x²]")
    split = d.rewrite(E(Wr**2 * xr**2) - E(Wr * xr) ** 2, [two, one], "the two moments")
    d.chain(d.identity(PRODUCT, E(Wr**2 * xr**2) - E(Wr * xr) ** 2, "definition of Var"), split,
            d.rewrite(rhs(split), [w2, x2, zero], "E[W²] = σ_W², E[x²] = σ_x² + μ_x², E[W] = 0"),
            justification="Var(Wx) = σ_W²·(σ_x² + μ_x²)")
    d.control(sigma2 * var_x, PRODUCT, "Var(W)·Var(x): the notes' formula, which drops E[x]²")
    d.identity(PRODUCT_VARIANCE - sigma2 * var_x, sigma2 * mu**2, "the control is short by Var(W)·E[x]²: equal iff E[x] = 0")
    d.conclude(sp.Eq(PRODUCT, PRODUCT_VARIANCE))
    return d


@derivation("variance.fan_in")
def fan_in_variance() -> Derivation:
    """001 §Initialization Derivation, for a symbolic fan-in n, the x_j possibly correlated."""
    d = Derivation("variance.fan_in", "Var(Σ_{j≤n} W_j x_j) = n·Var(W)·E[x²] for symbolic n; the x_j may be correlated",
                   scope="every n >= 0 (symbolic); W_j independent of each other and of x, E[W_j] = 0, "
                         "E[W_j²] = σ_W²; E[x_j²] = E[x²] for every j; no independence among the x_j. "
                         "s labels the sum (a unit of a layer), so that depth arguments cite this at every layer")
    d.define(Var(X), E(X**2) - E(X) ** 2, "the variance")
    rec = partial_sums(d, S, W, x, n, (s,), "W_j·x_j")
    indep = d.assume("W_(n+1) ⟂ (S_n, x_(n+1))", Independent(sp.Tuple(W(n + 1, s)), sp.Tuple(S(n, s), x(n + 1, s))),
                     "hypothesis of the claim: the W_j are independent of each other and of x (the x_j may be "
                     "correlated)", for_all=(n, s))
    zero = d.assume("E[W_j] = 0", sp.Eq(E(W(j, s)), WEIGHT_MEAN), "hypothesis of the claim", for_all=(j, s))
    var_w = d.assume("E[W_j²] = σ_W²", sp.Eq(E(W(j, s) ** 2), sigma2),
                     "hypothesis of the claim: Var(W) = σ_W² (E[W] = 0)", for_all=(j, s))
    mean, square = sum_moments(d, S, W, x, n, (s,), rec, j, indep, zero, var_w, sigma2)
    second = d.assume("E[x_j²] = E[x²]", sp.Eq(E(x(j, s) ** 2), m2),
                      "hypothesis of the claim: every input has the second moment E[x²]", for_all=(j,))
    summed = d.rewrite(rhs(square), [second], "E[x_j²] = E[x²] for every j")
    moment = d.chain(square, summed, d.identity(rhs(summed), FAN_IN_VARIANCE, "a sum of n equal terms"),
                     justification="E[S_n²] = n·σ_W²·E[x²]")
    parts = d.rewrite(E(S(n, s) ** 2) - E(S(n, s)) ** 2, [moment, mean], "the two moments")
    d.chain(d.identity(FAN_IN, E(S(n, s) ** 2) - E(S(n, s)) ** 2, "definition of Var"), parts,
            justification="Var(S_n) = E[S_n²] - E[S_n]² = n·σ_W²·E[x²]")
    d.identity((n * sigma2 * m2).subs(m2, var_x + mu**2) - n * sigma2 * var_x, n * sigma2 * mu**2,
               "with E[x²] = Var(x) + E[x]², the notes' last line n·Var(W)·Var(x) needs E[x] = 0")
    d.control(n**2 * sigma2 * m2, FAN_IN, "n²·Var(W)·E[x²]: the n(n-1) cross terms counted as if each were σ_W²·E[x²]")
    d.identity(n**2 * sigma2 * m2 - n * sigma2 * m2, n * (n - 1) * sigma2 * m2,
               "the control adds n(n-1)·σ_W²·E[x²]: the cross terms, which vanish because E[W] = 0")
    d.conclude(sp.Eq(FAN_IN, FAN_IN_VARIANCE), sp.Eq(FAN_IN_SECOND, FAN_IN_VARIANCE))
    return d


@derivation("init.forward")
def forward_condition() -> Derivation:
    d = Derivation("init.forward", "Var(W) = 1/n_in preserves E[y²] through y = Wx",
                   scope="any n_in (symbolic); W i.i.d. zero-mean with Var(W) = 1/n_in, independent of x; "
                         "y_i = S(n_in, s) = Σ_{j≤n_in} W_ij x_j")
    cite(d, "variance.fan_in", "variance.fan_in with fan-in n_in and σ_W² = 1/n_in",
         values={n: n_in, sigma2: 1 / n_in})
    d.identity(n_in * (1 / n_in) * m2, m2, "n_in·(1/n_in)·E[x²] = E[x²]: the second moment is preserved")
    d.control(n_in / n_out * m2, FORWARD, "Var(W) = 1/n_out: the backward condition used forward")
    d.identity(n_in / n_out * m2 - m2, (n_in - n_out) / n_out * m2, "the control is off unless n_in = n_out")
    d.conclude(sp.Eq(FORWARD, FORWARD_SECOND))
    return d


@derivation("init.backward")
def backward_condition() -> Derivation:
    d = Derivation("init.backward", "Var(W) = 1/n_out preserves the gradient's second moment backward",
                   scope="any n_in, n_out (symbolic); ∂L/∂x_k = Σ_{j≤n_out} W_jk·g_j with g = ∂L/∂y independent "
                         "of W, E[g_j²] = E[g²]; W i.i.d. zero-mean with Var(W) = 1/n_out")
    G, g, Wjk = sp.Function("G", real=True), sp.Function("g", real=True), sp.Function("W", real=True)
    m = sp.Symbol("m", integer=True, nonnegative=True)
    w = lambda jj, kk: Wjk(jj, kk)        # noqa: E731 -- W_jk: from input k to output j
    gg = lambda jj, kk: g(jj)             # noqa: E731 -- the upstream gradient does not depend on k
    rec = partial_sums(d, G, w, gg, m, (k,), "W_jk·g_j over the outputs j")
    indep = d.assume("W_(m+1)k ⟂ (G_m, g_(m+1))", Independent(sp.Tuple(Wjk(m + 1, k)), sp.Tuple(G(m, k), g(m + 1))),
                     "hypothesis of the claim: the weights are independent of each other and of g = ∂L/∂y",
                     for_all=(m, k))
    zero = d.assume("E[W_jk] = 0", sp.Eq(E(Wjk(j, k)), WEIGHT_MEAN), "hypothesis of the claim", for_all=(j, k))
    var_w = d.assume("E[W_jk²] = 1/n_out", sp.Eq(E(Wjk(j, k) ** 2), 1 / n_out),
                     "hypothesis of the claim: the initializer's Var(W) = 1/n_out", for_all=(j, k))
    _, square = sum_moments(d, G, w, gg, m, (k,), rec, j, indep, zero, var_w, 1 / n_out)
    second = d.assume("E[g_j²] = E[g²]", sp.Eq(E(g(j) ** 2), m_g),
                      "hypothesis of the claim: every upstream gradient coordinate has the second moment E[g²]",
                      for_all=(j,))
    at = d.instantiate(square, {m: n_out}, "the sum over all n_out outputs that x_k feeds")
    summed = d.rewrite(rhs(at), [second], "E[g_j²] = E[g²]")
    d.define(dLdx(k), G(n_out, k), "backprop through y = Wx: ∂L/∂x_k = Σ_{j≤n_out} W_jk·∂L/∂y_j")
    d.chain(d.identity(BACKWARD, E(G(n_out, k) ** 2), "definition"), at, summed,
            d.identity(rhs(summed), n_out * (1 / n_out) * m_g, "n_out·(1/n_out)·E[g²] = E[g²]"),
            justification="E[(∂L/∂x_k)²] = E[g²]: preserved")
    d.control(n_out / n_in * m_g, BACKWARD, "Var(W) = 1/n_in: the forward condition used backward")
    d.identity(n_out / n_in * m_g - m_g, (n_out - n_in) / n_in * m_g, "the control is off unless n_in = n_out")
    d.conclude(sp.Eq(BACKWARD, BACKWARD_SECOND))
    return d


@derivation("init.xavier")
def xavier() -> Derivation:
    d = Derivation("init.xavier", "2/(n_in + n_out) is the harmonic mean of 1/n_in and 1/n_out",
                   scope="all n_in, n_out >= 1 (symbolic)")
    ha, hb = sp.symbols("a b", positive=True)
    fi, fo = 1 / n_in, 1 / n_out
    d.define(HM(ha, hb), 2 / (1 / ha + 1 / hb), "harmonic mean (Glorot & Bengio 2010, eq. 12: the compromise)")
    d.identity(XAVIER, XAVIER_VARIANCE, "HM(1/n_in, 1/n_out) = 2/(n_in + n_out)")
    dlt = sp.Symbol("d", nonnegative=True)   # n_out = n_in + d covers n_out >= n_in; the other order is symmetric
    wide = {n_out: n_in + dlt}
    d.inequality(fi.subs(wide), XAVIER_VARIANCE.subs(wide), dlt / (n_in * (2 * n_in + dlt)),
                 "n_out >= n_in: 1/n_in >= 2/(n_in + n_out)")
    d.inequality(XAVIER_VARIANCE.subs(wide), fo.subs(wide), dlt / ((n_in + dlt) * (2 * n_in + dlt)),
                 "n_out >= n_in: 2/(n_in + n_out) >= 1/n_out (so it lies between them)")
    d.identity(XAVIER_VARIANCE - fi, (n_in - n_out) / (n_in * (n_in + n_out)),
               "equal to 1/n_in (and then to 1/n_out) iff n_in = n_out")
    d.control((fi + fo) / 2, XAVIER, "the arithmetic mean (1/n_in + 1/n_out)/2")
    d.inequality((fi + fo) / 2, XAVIER_VARIANCE, (n_in - n_out) ** 2 / (2 * n_in * n_out * (n_in + n_out)),
                 "the control (the arithmetic mean) is larger unless n_in = n_out (AM >= HM)")
    d.conclude(sp.Eq(XAVIER, XAVIER_VARIANCE))
    return d


@derivation("init.uniform")
def uniform() -> Derivation:
    d = Derivation("init.uniform", "Var(U(-a, a)) = a²/3, hence the uniform bounds",
                   scope="all a > 0, n_in, n_out >= 1 (symbolic)")
    d.define(VarU(a), sp.Integral(t**2 / (2 * a), (t, -a, a)) - sp.Integral(t / (2 * a), (t, -a, a)) ** 2,
             "Var of U(-a, a): E[U²] - E[U]² with the density 1/(2a) on (-a, a)")
    d.identity(UNIFORM, a**2 / 3, "∫ t²/(2a) dt = a²/3 and ∫ t/(2a) dt = 0")
    for name, target in (("xavier_uniform", XAVIER_VARIANCE), ("kaiming_uniform", INIT_VARIANCE["kaiming"]),
                         ("lecun_uniform", INIT_VARIANCE["lecun"])):
        d.identity(VarU(UNIFORM_BOUND[name]), target, f"{name}: a = {sp.sstr(UNIFORM_BOUND[name])} gives {sp.sstr(target)}")
    d.control(a**2 / 9, UNIFORM, "the std √(a²/3) used as the bound: Var(U(-a/√3, a/√3)) = a²/9")
    d.identity(VarU(a / sp.sqrt(3)), a**2 / 9, "the control is the variance of U(-σ, σ) with σ = a/√3 the std: a third")
    d.conclude(sp.Eq(UNIFORM, UNIFORM_VARIANCE))
    return d


def _halving(d: Derivation):
    """E[ReLU(z)² + c·ReLU(-z)²] = (1 + c)·q/2 for z with an even density f(·, z) and E[z²] = q."""
    pp, bb = sp.symbols("p b", real=True)
    family = pp * z**2 + bb * sp.Max(0, z) ** 2 + c * sp.Max(0, -z) ** 2
    pos = sp.Integral(family.subs(z, t) * f(t, z), (t, 0, sp.oo))
    neg = sp.Integral(family.subs(z, t) * f(t, z), (t, 0, -sp.oo))
    lotus = d.assume("LOTUS", sp.Eq(E(family), pos - neg),
                     "law of the unconscious statistician for z with density f(·, z), for g(z) = p·z² + b·ReLU(z)² + "
                     "c·ReLU(-z)² (Grimmett & Stirzaker, Probability and Random Processes, 3rd ed., Thm 4.3.3), the "
                     "integral over (-∞, 0) written -∫_0^(-∞); an atom of z at 0 adds nothing", for_all=(z, pp, bb, c))
    even = d.assume("the law of z is symmetric", sp.Eq(f(-u, z), f(u, z)), "hypothesis of the claim: f(·, z) is even",
                    for_all=(u,))
    moment = d.assume("E[z²] = q", sp.Eq(E(z**2), q_any), "notation: q names E[z²]")
    square_at, relu_at = {pp: 1, bb: 0, c: 0}, {pp: 0, bb: 1}
    lotus_z = d.instantiate(lotus, square_at, "LOTUS for z²")
    lotus_c = d.instantiate(lotus, relu_at, "LOTUS for ReLU(z)² + c·ReLU(-z)²")
    sub_pos = d.substitution(pos, u, 1, "t = u on (0, ∞): ReLU(u) = u, ReLU(-u) = 0")
    sub_neg = d.substitution(neg, u, -1, "t = -u: the negative half carried onto (0, ∞)")
    subs = [d.instantiate(fact, at, "the same change of variables") for at in (square_at, relu_at)
            for fact in (sub_pos, sub_neg)]
    delta = sp.Function("Δ")(z, c)
    gap = E(LEAKY_SQ) - (1 + c) / 2 * E(z**2)
    d.define(delta, gap, "Δ := E[ReLU(z)² + c·ReLU(-z)²] - (1 + c)/2·E[z²]")
    r1 = d.rewrite(gap, [lotus_c, lotus_z], "LOTUS")
    r2 = d.rewrite(rhs(r1), subs, "the changes of variables")
    r3 = d.rewrite(rhs(r2), [even], "f(-u, z) = f(u, z): the two halves weigh alike")
    zero = d.chain(d.identity(delta, gap, "definition"), r1, r2, r3,
                   d.identity(rhs(r3), 0, "(1 + c)·∫_0^∞ u² f du - (1 + c)/2·2·∫_0^∞ u² f du = 0"),
                   justification="Δ = 0")
    back = d.rewrite(delta + (1 + c) / 2 * E(z**2), [zero, moment], "Δ = 0, E[z²] = q")
    return d.chain(d.identity(E(LEAKY_SQ), delta + (1 + c) / 2 * E(z**2), "definition of Δ"), back,
                   justification="E[ReLU(z)² + c·ReLU(-z)²] = (1 + c)·E[z²]/2 for every symmetric z")


@derivation("activation.relu.moments")
def relu_moments() -> Derivation:
    d = Derivation("activation.relu.moments", "E[ReLU(z)²] = E[z²]/2 for symmetric z; Gaussian mean and variance",
                   scope="the halving: any z whose law has an even density (an atom at 0 allowed), E[z²] = q; "
                         "mean and variance: z ~ N(0, q), q > 0 symbolic")
    general = _halving(d)
    d.instantiate(general, {c: 0}, "ReLU: c = 0")
    mean = d.gaussian(sp.Max(0, xi), xi, RELU_MEAN_VALUE, "E[ReLU(ξ)] = √(q/(2π)) for ξ ~ N(0, q)", q=q)
    second = d.gaussian(sp.Max(0, xi) ** 2, xi, RELU_GAUSS_HALF, "E[ReLU(ξ)²] = q/2 for ξ ~ N(0, q) (the halving, "
                        "Gaussian case)", q=q)
    d.define(RELU_VARIANCE, RELU_GAUSS_SECOND - RELU_MEAN**2, "Var(ReLU(z)) = E[ReLU²] - E[ReLU]², z ~ N(0, q)")
    moments = d.rewrite(RELU_GAUSS_SECOND - RELU_MEAN**2, [second, mean], "the two Gaussian moments")
    d.chain(d.identity(RELU_VARIANCE, RELU_GAUSS_SECOND - RELU_MEAN**2, "definition"), moments,
            d.identity(rhs(moments), q * (sp.Rational(1, 2) - 1 / (2 * sp.pi)), "q/2 - q/(2π)"),
            justification="Var(ReLU(z)) = q(1/2 - 1/(2π))")
    d.control(q_any, RELU_SECOND, "E[ReLU(z)²] = E[z²]: the halving forgotten")
    d.identity(sp.Add(q_any, -q_any / 2, evaluate=False), q_any / 2, "the control is off by E[z²]/2")
    d.control(q / 2, RELU_VARIANCE, "Var(ReLU(z)) = q/2: the second moment taken for the variance")
    d.identity(q / 2 - q * (sp.Rational(1, 2) - 1 / (2 * sp.pi)), q / (2 * sp.pi),
               "the control is off by E[ReLU(z)]² = q/(2π)")
    d.conclude(sp.Eq(RELU_SECOND, RELU_HALF), sp.Eq(RELU_LEAKY, LEAKY_HALF), sp.Eq(RELU_MEAN, RELU_MEAN_VALUE),
               sp.Eq(RELU_VARIANCE, RELU_VARIANCE_VALUE))
    return d


@derivation("init.kaiming")
def kaiming() -> Derivation:
    d = Derivation("init.kaiming", "Var(W) = 2/((1+α²)·n_in) preserves E[h²] through a (leaky) ReLU layer; ReLU: 2/n_in",
                   scope="one layer of any fan-in n_in (symbolic), each layer of a stack alike (depth: "
                         "propagation.forward); W i.i.d. zero-mean, independent of the layer input; the "
                         "pre-activation symmetric (any symmetric law)")
    zp, zn = sp.Symbol("z", positive=True), sp.Symbol("z", negative=True)
    for zz, side in ((zp, "z > 0"), (zn, "z < 0")):
        d.identity(sp.Piecewise((zz, zz > 0), (slope * zz, True), evaluate=False) ** 2,
                   LEAKY_SQ.subs(c, slope**2).subs(z, zz), f"leaky(z)² = ReLU(z)² + α²·ReLU(-z)² ({side})")
    var = INIT_VARIANCE["kaiming_leaky"]
    fan = cite(d, "variance.fan_in", "the pre-activation z = Σ_{j≤n_in} W_j h_j with Var(W) = 2/((1+α²)n_in)",
                values={n: n_in, sigma2: var})
    d.chain(fan[1], d.identity(rhs(fan[1]), n_in * var * m2, "the second moment the halving is cited at"),
            justification="E[z²] = n_in·Var(W)·E[x²]")
    half = cite(d, "activation.relu.moments", "the halving for the symmetric pre-activation, c = α²",
                 values={z: S(n_in, s), q_any: n_in * var * m2, c: slope**2})
    d.chain(half[1], d.identity(rhs(half[1]), m2, "(1 + α²)/2·n_in·2/((1+α²)n_in)·E[x²] = E[x²]"),
            justification="E[leaky(z)²] = E[x²]: factor 1")
    d.control((1 + slope**2) / 2 * m2, KAIMING, "Var(W) = 1/n_in (LeCun) in a (leaky) ReLU layer: factor (1+α²)/2")
    d.identity((1 + slope**2) / 2 * n_in * (1 / n_in) * m2, (1 + slope**2) / 2 * m2,
               "the control: n_in·(1/n_in)·(1+α²)/2 = (1+α²)/2 (ReLU: 1/2, the second moment halves every layer)")
    d.instance(INIT_VARIANCE["kaiming_leaky"].subs(slope, 0) * n_in, 2, "ReLU (α = 0): Var(W) = 2/n_in")
    d.conclude(sp.Eq(KAIMING, KAIMING_SECOND))
    return d


@derivation("init.lecun")
def lecun() -> Derivation:
    d = Derivation("init.lecun", "Var(W) = 1/n_in preserves E[h²] through linear layers, at every depth",
                   scope="any fan-in n_in (symbolic), any depth L >= 0 (induction on L); W i.i.d. zero-mean per layer")
    cite(d, "variance.fan_in", "one linear layer: variance.fan_in with Var(W) = 1/n_in",
         values={n: n_in, sigma2: 1 / n_in})
    d.assume("inputs of layer L+1", sp.Eq(E(x(j, L + 1) ** 2), H(L)),
             "definition of the network: the inputs of layer L+1 are the units of h_L, each with the second "
             "moment E[h_L²] (units of a layer are exchangeable)", for_all=(j, L))
    outputs = d.assume("linear layer", sp.Eq(H(lam), E(S(n_in, lam) ** 2)),
                       "definition of the network: a unit of layer λ is its pre-activation S(n_in, λ) (no activation)",
                       for_all=(lam,))
    start = d.assume("input", sp.Eq(H(0), m2), "notation: h_0 = x, E[x_j²] = E[x²]")
    deep = cite(d, "variance.fan_in", "layer L+1: variance.fan_in at s = L+1 with E[x²] = E[h_L²]",
                 values={n: n_in, sigma2: 1 / n_in, s: L + 1, m2: H(L)})
    out = d.instantiate(outputs, {lam: L + 1}, "layer L+1")
    step = d.chain(out, deep[1], justification="E[h_(L+1)²] = n_in·(1/n_in)·E[h_L²]: the one-layer statement")
    d.induction(LECUN_DEPTH, L, LECUN_SECOND, start, step, "E[h_L²] = E[x²] for every L")
    d.control(2 * m2, LECUN_LAYER, "Var(W) = 2/n_in (Kaiming's) in a linear layer: factor 2")
    d.identity(n_in * (2 / n_in) * m2, 2 * m2, "the control doubles the second moment at every linear layer")
    d.conclude(sp.Eq(LECUN_LAYER, LECUN_SECOND), sp.Eq(LECUN_DEPTH, LECUN_SECOND))
    return d


@derivation("init.torch_default")
def torch_default() -> Derivation:
    d = Derivation("init.torch_default",
                   "kaiming_uniform(a=√5) is U(±1/√fan_in): ReLU layers shrink ×1/6; with biases E[z²] falls to 2/(5·fan_in)",
                   scope="any fan_in = n_in (symbolic); one layer without bias; with PyTorch's biases every depth L >= 0 "
                         "(induction), the pre-activations symmetric (W and b are)")
    b, Zd = sp.Function("b", real=True), sp.Function("z", real=True)
    root = 1 / sp.sqrt(n_in)
    d.identity(TORCH_GAINS["leaky_relu"].subs(slope, sp.sqrt(5)), 1 / sp.sqrt(3),
               "calculate_gain('leaky_relu', √5) = √(2/(1+5)) = 1/√3")
    d.identity(sp.sqrt(3) * (1 / sp.sqrt(3)) / sp.sqrt(n_in), root, "the bound gain·√(3/fan_in) = 1/√fan_in")
    uni = d.use("init.uniform", "the variance of U(±1/√fan_in)", values={a: root})
    d.chain(d.assume("W ~ U(±1/√fan_in)", sp.Eq(E(W(j, s) ** 2), VarU(root)),
                     "PyTorch nn.Linear.reset_parameters: kaiming_uniform_(a=√5), zero-mean", for_all=(j, s)),
            uni, justification="E[W²] = 1/(3·fan_in)")
    var = 1 / (3 * n_in)
    fan = cite(d, "variance.fan_in", "one layer: E[z²] = n_in·Var(W)·E[x²]", values={n: n_in, sigma2: var})
    d.chain(fan[1], d.identity(rhs(fan[1]), n_in * var * m2, "the second moment the halving is cited at"),
            justification="E[z²] = n_in·Var(W)·E[x²] = E[x²]/3")
    layer = cite(d, "activation.relu.moments", "the halving for the symmetric pre-activation",
                  values={z: S(n_in, s), q_any: n_in * var * m2})[0]
    d.control(m2 / 2, TORCH_LAYER, "×1/2 per layer: Kaiming's factor, as if Var(W) were 2/fan_in")
    d.identity(m2 / 2 - rhs(layer), m2 / 3, "the control is off by E[x²]/3 per layer")
    # with biases: z_(λ) = S(n_in, λ) + b_λ, and the inputs of layer λ+1 are ReLU(z_λ)
    d.define(Zd(lam), S(n_in, lam) + b(lam), "the pre-activation of a unit of layer λ, with its bias")
    d.define(TORCH_BIAS, E(Zd(L + 1) ** 2), "q_(L+1) = E[z_(L+1)²]")
    bias_indep = d.assume("b_λ ⟂ S_λ", Independent(sp.Tuple(b(lam)), sp.Tuple(S(n_in, lam))),
                          "PyTorch's bias is drawn independently of the weights and of the input", for_all=(lam,))
    bias_zero = d.assume("E[b] = 0", sp.Eq(E(b(lam)), 0), "U(±1/√fan_in) is symmetric", for_all=(lam,))
    bias_sq = d.chain(d.assume("b ~ U(±1/√fan_in)", sp.Eq(E(b(lam) ** 2), VarU(root)),
                               "PyTorch nn.Linear.reset_parameters: bias U(±1/√fan_in)", for_all=(lam,)),
                      uni, justification="E[b²] = 1/(3·fan_in)")
    inputs = d.assume("inputs of layer λ+1", sp.Eq(E(x(j, lam + 1) ** 2), E(sp.Max(0, Zd(lam)) ** 2)),
                      "definition of the network: the inputs of layer λ+1 are ReLU(z_λ), units exchangeable",
                      for_all=(j, lam))
    symmetric = d.assume("the pre-activations are symmetric", sp.Eq(f(-u, Zd(lam)), f(u, Zd(lam))),
                         "z_λ = W·h + b with W and b symmetric and independent of h: z_λ and -z_λ have one law",
                         for_all=(u, lam))

    open_ = d.identity(E(Zd(lam) ** 2), E((S(n_in, lam) + b(lam)) ** 2), "definition of z_λ")
    split = d.expectation((S(n_in, lam) + b(lam)) ** 2, bias_indep, "linearity; the bias is independent of S")
    moments = d.rewrite(rhs(split), [bias_zero, bias_sq], "E[b] = 0, E[b²] = 1/(3·fan_in)")
    layer_sq = d.chain(open_, split, moments, justification="E[z_λ²] = E[S_λ²] + 1/(3·fan_in) at every layer λ")

    def second_moment(layer_index, source):
        """E[z_λ²] = n_in·Var(W)·E[x²] + E[b²] at λ = layer_index, the fan-in statement from ``source``."""
        at = d.instantiate(layer_sq, {lam: layer_index}, f"at layer {layer_index}")
        return d.chain(at, d.rewrite(rhs(at), [source], "the fan-in statement"),
                       justification="E[z²] = n_in·Var(W)·E[x²] + Var(b)")

    first = cite(d, "variance.fan_in", "layer 1: the inputs are x, E[x_j²] = E[x²]", values={n: n_in, sigma2: var, s: 1})
    base = d.chain(d.identity(Qz(0), E(Zd(1) ** 2), "definition"), second_moment(1, first[1]),
                   justification="q_1 = E[x²]/3 + 1/(3·fan_in)")
    d.instantiate(inputs, {lam: L + 1}, "the inputs of layer L+2")
    deep = cite(d, "variance.fan_in", "layer L+2: E[x²] = E[ReLU(z_(L+1))²]",
                 values={n: n_in, sigma2: var, s: L + 2, m2: E(sp.Max(0, Zd(L + 1)) ** 2)})
    d.instantiate(symmetric, {lam: L + 1}, "z_(L+1) is symmetric")
    halved = cite(d, "activation.relu.moments", "the halving at z_(L+1), E[z²] = q_(L+1)",
                   values={z: Zd(L + 1), q_any: Qz(L)})[0]
    moment = second_moment(L + 2, deep[1])
    step = d.chain(d.identity(Qz(L + 1), E(Zd(L + 2) ** 2), "definition"), moment,
                   d.rewrite(rhs(moment), [halved], "E[ReLU(z_(L+1))²] = q_(L+1)/2"),
                   justification="q_(L+2) = n_in·(1/(3n_in))·q_(L+1)/2 + 1/(3n_in) = q_(L+1)/6 + 1/(3n_in)")
    floor_, start, closed = BIAS_FLOOR, TORCH_START, TORCH_BIAS_Q
    d.induction(TORCH_BIAS, L, closed, base, step, "q_(L+1) = 2/(5n) + (q_1 - 2/(5n))·6^(-L) for every L")
    d.identity(floor_ / 6 + 1 / (3 * n_in), floor_, "the fixed point: q* = q*/6 + 1/(3n) at q* = 2/(5n)")
    d.limit(closed, L, sp.oo, floor_, "q_L → 2/(5·fan_in) as L → ∞, from any start")
    half_floor = sp.Rational(2, 3) / n_in
    wrong = half_floor + (start - half_floor) * sp.Rational(1, 2) ** L
    d.control(wrong, TORCH_BIAS, "the ×1/2 recurrence q' = q/2 + 1/(3n) (Kaiming's factor), from the same q_1")
    d.identity(wrong.subs(L, L + 1), wrong / 2 + 1 / (3 * n_in), "the control solves q_(L+2) = q_(L+1)/2 + 1/(3n) ...")
    d.identity(wrong.subs(L, 0), start, "... from the same q_1; its floor is 2/(3n), not 2/(5n)")
    d.conclude(sp.Eq(TORCH_LAYER, TORCH_FACTOR * m2), sp.Eq(TORCH_BIAS, TORCH_BIAS_Q))
    return d


@derivation("init.fans")
def fans() -> Derivation:
    d = Derivation("init.fans", "fan_in = (C_in/g)·k_h·k_w, fan_out = (C_out/g)·k_h·k_w for a weight (C_out, C_in/g, k_h, k_w)",
                   scope="every C_in, C_out, g, k_h, k_w >= 1 (symbolic; C_in and C_out multiples of g)")
    cc, ii, kk = sp.symbols("c i k", integer=True, positive=True)
    d.define(FANS[0], sp.Sum(sp.Sum(sp.Sum(1, (kk, 1, k_w)), (ii, 1, k_h)), (cc, 1, C_in / groups)),
             "fan_in: the weights feeding one output unit, one per input channel of its group and kernel position")
    d.define(FANS[1], sp.Sum(sp.Sum(sp.Sum(1, (kk, 1, k_w)), (ii, 1, k_h)), (cc, 1, C_out / groups)),
             "fan_out: the weights reading one input unit, one per output channel of its group and kernel position "
             "(PyTorch reports C_out·k_h·k_w whatever the groups: g = 1)")
    d.identity(FANS[0], C_in / groups * k_h * k_w, "the count: (C_in/g)·k_h·k_w")
    d.identity(FANS[1], C_out / groups * k_h * k_w, "the count: (C_out/g)·k_h·k_w")
    d.instance(fan_in_of(6, 1, 5, 5), 150, "000 Q2.1: 8 filters 5×5 over 6 channels: fan_in = 150")
    d.instance(fan_out_of(8, 1, 5, 5), 200, "and fan_out = 200")
    d.instance(fan_in_of(2400, 1, 1, 1), 2400, "000 Q2.1: dense 20×20×6 → 800 (a 1×1 kernel): fan_in = 2400")
    for target, channels in ((FANS[0], C_in), (FANS[1], C_out)):
        d.control(channels / groups * (k_h + k_w), target, "the kernel's dims summed instead of multiplied")
    d.identity(C_in / groups * k_h * k_w - C_in / groups * (k_h + k_w), C_in / groups * (k_h * k_w - k_h - k_w),
               "the control differs unless k_h·k_w = k_h + k_w (a 2×2 kernel)")
    d.conclude(sp.Eq(FANS[0], FAN_COUNTS[0]), sp.Eq(FANS[1], FAN_COUNTS[1]))
    return d


@derivation("init.gains")
def gains() -> Derivation:
    d = Derivation("init.gains", "PyTorch's gains, and the second-moment gain 1/√E[φ(ξ)²] beside them",
                   scope="ξ ~ N(0, 1); relu and leaky relu exactly, tanh and sigmoid by quadrature (30 digits, "
                         "error < 1e-12)")
    for name in TORCH_GAINS:
        d.define(GAIN_TORCH[name], TORCH_GAINS[name], "torch.nn.init.calculate_gain (a convention)")
    relu2 = d.gaussian(GAIN_PHI["relu"] ** 2, xi, RELU_SECOND_STD, "E[ReLU(ξ)²] = 1/2")
    relu1 = d.gaussian(GAIN_PHI["relu"], xi, 1 / sp.sqrt(2 * sp.pi), "E[ReLU(ξ)] = 1/√(2π)")
    leaky = sp.Max(0, xi) ** 2 + slope**2 * sp.Max(0, -xi) ** 2
    leaky2 = d.gaussian(leaky, xi, (1 + slope**2) / 2, "E[leaky(ξ)²] = (1 + α²)/2")
    tanh2 = d.quadrature(GAIN_PHI["tanh"] ** 2, xi, justification="E[tanh(ξ)²], no closed form")
    sig2 = d.quadrature(GAIN_PHI["sigmoid"] ** 2, xi, justification="E[σ(ξ)²], no closed form")
    sig1 = d.quadrature(GAIN_PHI["sigmoid"], xi, justification="E[σ(ξ)] (= 1/2: σ - 1/2 is odd)")
    out = [relu2, tanh2, sig2]
    for name, moment in (("relu", relu2), ("leaky_relu", leaky2), ("tanh", tanh2), ("sigmoid", sig2)):
        gain_of = GAIN[name]
        d.define(gain_of, 1 / sp.sqrt(lhs(moment)), f"the second-moment gain of {name}: 1/√E[φ(ξ)²]")
        gain = d.chain(d.identity(gain_of, 1 / sp.sqrt(lhs(moment)), "definition"),
                       d.rewrite(1 / sp.sqrt(lhs(moment)), [moment], "the second moment"),
                       justification=f"gain({name})")
        out.append(gain)
    d.identity(rhs(out[3]), GAIN_TORCH["relu"], "relu: √2, PyTorch's value")
    d.identity(rhs(out[4]), GAIN_TORCH["leaky_relu"], "leaky relu: √(2/(1+α²)), PyTorch's value")
    d.inequality(GAIN_TORCH["tanh"], rhs(out[5]), GAIN_TORCH["tanh"] - rhs(out[5]), strict=True,
                 justification="tanh: PyTorch's 5/3 is larger than the second-moment gain ≈ 1.5925")
    d.inequality(rhs(out[6]), GAIN_TORCH["sigmoid"], rhs(out[6]) - GAIN_TORCH["sigmoid"], strict=True,
                 justification="sigmoid: the second-moment gain ≈ 1.847 is larger than PyTorch's 1")
    d.control(rhs(relu2) - rhs(relu1)**2, GAIN_SECOND["relu"],
              "Var(ReLU(ξ)) = 1/2 - 1/(2π): the variance taken for the second moment (gain 1/√Var)")
    d.control(1 / GAIN_TORCH["tanh"] ** 2, GAIN_SECOND["tanh"], "1/gain_torch(tanh)² = 9/25: PyTorch's 5/3 taken "
              "for the second-moment gain")
    d.control(rhs(sig2) - rhs(sig1)**2, GAIN_SECOND["sigmoid"],
              "Var(σ(ξ)) = E[σ²] - 1/4: the variance taken for the second moment")
    d.inequality(rhs(relu2), rhs(relu2) - rhs(relu1)**2, 1 / (2 * sp.pi), strict=True,
                 justification="relu: the control is short by E[ReLU]² = 1/(2π)")
    d.conclude(*out[1:3], sp.Eq(GAIN_SECOND["relu"], RELU_SECOND_STD),
               *(sp.Eq(GAIN[name], value) for name, value in GAIN_VALUES.items()), *out[5:])
    return d


@functools.lru_cache(maxsize=None)
def tanh_second_moment(q_value: float, dps: int = 30) -> float:
    """Q(q) = E[tanh(√q·ξ)²], ξ ~ N(0, 1), by mpmath quadrature: the variance map, for plots (not a check)."""
    with mpmath.workdps(dps):
        root = mpmath.sqrt(mpmath.mpf(q_value))
        return float(mpmath.quad(lambda v: mpmath.tanh(root * v) ** 2 * mpmath.npdf(v), [-mpmath.inf, 0, mpmath.inf]))
