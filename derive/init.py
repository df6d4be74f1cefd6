"""The variance argument behind LeCun, Xavier and Kaiming initialization, and signal propagation.

Sources: 001 §Initialization Derivation, §Xavier, §Kaiming, §Summary, §Variance Propagation; 000 Q1.4.
References: LeCun et al., "Efficient BackProp" (1998) §4.6; Glorot & Bengio (AISTATS 2010) eq. 10-12;
He et al., "Delving Deep into Rectifiers" (ICCV 2015) eq. 7-14 (forward), eq. 15-16 (backward).

Sums over a symbolic fan-in use explicit moment rules (``expect``): linearity over the monomials of a
polynomial, independence between named groups of random symbols (a product of independent factors has
the product of their moments) and the stated moments of each group (E[W] = 0, E[W²] = σ², E[x_j x_k] = c).
No ``sympy.stats`` is used on a ``Sum``: it has no family of i.i.d. variables indexed by a symbolic n.
"""
from __future__ import annotations

import functools

import mpmath
import sympy as sp

from .derivation import Derivation
from .registry import derivation

# ---- symbols ---------------------------------------------------------------------------------
n, n_in, n_out = sp.symbols("n n_in n_out", integer=True, positive=True)
L, l = sp.symbols("L l", integer=True, nonnegative=True)
j, k = sp.symbols("j k", integer=True, positive=True)
sigma2 = sp.Symbol("σ_W²", positive=True)      # Var(W)
m2 = sp.Symbol("E[x²]", positive=True)          # second moment of an input coordinate
var_x = sp.Symbol("Var(x)", positive=True)
mu = sp.Symbol("μ_x", real=True)                # E[x]
cross = sp.Symbol("E[x_j x_k]", real=True)      # any correlation between input coordinates
m2_g = sp.Symbol("E[g²]", positive=True)        # second moment of an upstream gradient coordinate
q = sp.Symbol("q", positive=True)               # variance of a pre-activation
a = sp.Symbol("a", positive=True)               # half-width of a uniform distribution
slope = sp.Symbol("a_leak", real=True)          # leaky ReLU negative slope
z, u = sp.symbols("z u", real=True)
t = sp.Symbol("t", real=True)

W_j, W_k, x_j, x_k, g_i = sp.symbols("W_j W_k x_j x_k g_i", real=True)

RELU = sp.Piecewise((z, z > 0), (0, True))
LEAKY = sp.Piecewise((z, z > 0), (slope * z, True))

# ---- closed forms (what verify checks) -------------------------------------------------------
PRODUCT_VARIANCE = sigma2 * (var_x + mu**2)
"""Var(W·x) for W ⟂ x, E[W] = 0: Var(W)·E[x²] = Var(W)·(Var(x) + E[x]²)."""
FAN_IN_VARIANCE = n * sigma2 * m2
"""Var(Σ_{j≤n} W_j x_j) = n·Var(W)·E[x²]."""
XAVIER_VARIANCE = 2 / (n_in + n_out)
UNIFORM_VARIANCE = a**2 / 3
UNIFORM_BOUND = {
    "xavier_uniform": sp.sqrt(6 / (n_in + n_out)),
    "kaiming_uniform": sp.sqrt(6 / n_in),
    "lecun_uniform": sp.sqrt(3 / n_in),
}
RELU_SECOND_MOMENT = q / 2
RELU_MEAN = sp.sqrt(q / (2 * sp.pi))
RELU_VARIANCE = q * (sp.Rational(1, 2) - 1 / (2 * sp.pi))
LEAKY_SECOND_MOMENT = (1 + slope**2) * q / 2
INIT_VARIANCE = {
    "lecun": 1 / n_in,
    "xavier": XAVIER_VARIANCE,
    "kaiming": 2 / n_in,
    "kaiming_leaky": 2 / ((1 + slope**2) * n_in),
    "torch_default": 1 / (3 * n_in),
}
"""Var(W) of each initializer, in terms of fan_in = n_in and fan_out = n_out."""
RELU_LAYER_FACTOR = n * sigma2 / 2
"""E[h_l²]/E[h_(l-1)²] through one ReLU layer of fan-in n (and of E[z_l²]/E[z_(l-1)²] after the first)."""
PROPAGATION_POST = RELU_LAYER_FACTOR**L * m2
PROPAGATION_PRE = 2 * RELU_LAYER_FACTOR**L * m2
TORCH_FACTOR = sp.Rational(1, 6)
BIAS_FLOOR = sp.Rational(2, 5) / n
Q1 = sp.Symbol("q_1", positive=True)
TORCH_BIAS_Q = BIAS_FLOOR + (Q1 - BIAS_FLOOR) * TORCH_FACTOR**L
"""E[z_(L+1)²] with PyTorch's default weights and biases, from q_1 = E[z_1²]."""
C_in, C_out, groups, k_h, k_w = sp.symbols("C_in C_out g k_h k_w", integer=True, positive=True)
FAN_IN = C_in / groups * k_h * k_w
FAN_OUT = C_out / groups * k_h * k_w
FINITE_WIDTH_R2 = 1 + 5 / n
FINITE_WIDTH_SPREAD = FINITE_WIDTH_R2**L

TORCH_GAINS = {
    "linear": sp.Integer(1), "conv1d": sp.Integer(1), "conv2d": sp.Integer(1), "conv3d": sp.Integer(1),
    "conv_transpose1d": sp.Integer(1), "conv_transpose2d": sp.Integer(1), "conv_transpose3d": sp.Integer(1),
    "sigmoid": sp.Integer(1), "tanh": sp.Rational(5, 3), "relu": sp.sqrt(2),
    "leaky_relu": sp.sqrt(2 / (1 + slope**2)), "selu": sp.Rational(3, 4),
}
"""torch.nn.init.calculate_gain's table (PyTorch documentation): conventions, stated, not derived."""


# ---- explicit moment rules -------------------------------------------------------------------

def moment(factor: sp.Expr) -> sp.Symbol:
    """The symbol E[factor] for a monomial of random symbols (a joint moment of one group)."""
    return sp.Symbol(f"E[{sp.sstr(factor).replace('**2', '²').replace('*', '·')}]", real=True)


def expect(expr: sp.Expr, groups, moments: dict | None = None) -> sp.Expr:
    """E[expr] for a polynomial in random symbols, by the named rules.

    linearity: E[Σ c·m] = Σ c·E[m] over the monomials m; independence: a monomial splits into one
    factor per group in ``groups`` (groups are mutually independent), E[Π] = Π E. The result is written
    in moment symbols E[factor]; ``moments`` ({factor: value}) then substitutes the stated moments.
    """
    symbols = [s for g in groups for s in g]
    poly = sp.Poly(sp.expand(expr), *symbols)
    total = sp.Integer(0)
    for powers, coeff in poly.terms():
        term = coeff
        for group in groups:
            factor = sp.Mul(*[s**p for s, p in zip(symbols, powers) if s in group])
            if factor != 1:
                term *= moment(factor)
        total += term
    return total if moments is None else sp.expand(total.subs(assume(moments)))


def assume(moments: dict) -> dict:
    """{factor: value} as {E[factor]: value}: the named assumptions (E[W] = 0, E[W²] = σ², ...)."""
    return {moment(f): v for f, v in moments.items()}


def _rule_step(d: Derivation, expr, groups, moments: dict, rhs, justification: str):
    """A step E[expr] = rhs: the rules give E[expr] in moments, shown substituted by the assumptions."""
    raw = expect(expr, groups)
    used = {k: v for k, v in assume(moments).items() if k in raw.free_symbols}
    shown = sp.Subs(raw, tuple(used), tuple(used.values())) if used else raw
    return d.identity(shown, rhs, justification)


E = sp.Function("E")
Var = sp.Function("Var")

_W_PAIR_GROUPS = ((W_j,), (W_k,), (x_j, x_k))
_W_PAIR_MOMENTS = {W_j: 0, W_k: 0, W_j**2: sigma2, W_k**2: sigma2, x_j: mu, x_k: mu,
                   x_j**2: m2, x_k**2: m2, x_j * x_k: cross}


@functools.lru_cache(maxsize=None)
def tanh_second_moment(q_value: float, dps: int = 30) -> float:
    """Q(q) = E[tanh(√q·z)²], z ~ N(0, 1), by mpmath quadrature (no closed form)."""
    with mpmath.workdps(dps):
        s = mpmath.sqrt(mpmath.mpf(q_value))
        f = lambda x: mpmath.tanh(s * x) ** 2 * mpmath.npdf(x)  # noqa: E731
        return float(mpmath.quad(f, [-mpmath.inf, 0, mpmath.inf]))


@functools.lru_cache(maxsize=None)
def second_moment_quadrature(name: str, dps: int = 30) -> float:
    """E[φ(z)²], z ~ N(0, 1), for φ = tanh or sigmoid, by mpmath quadrature."""
    phi = {"tanh": mpmath.tanh, "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x))}[name]
    with mpmath.workdps(dps):
        return float(mpmath.quad(lambda x: phi(x) ** 2 * mpmath.npdf(x), [-mpmath.inf, 0, mpmath.inf]))


def _gaussian_quadrature(d: Derivation, phi, name: sp.Expr, justification: str, power: int = 2):
    return d.quadrature(lambda x: phi(x) ** power * mpmath.npdf(x), [-mpmath.inf, 0, mpmath.inf], None,
                        justification, name=name)


# ---- derivations ------------------------------------------------------------------------------

@derivation("variance.product")
def product_variance() -> Derivation:
    d = Derivation("variance.product", "Var(W·x) = Var(W)·E[x²]; = Var(W)·Var(x) only if also E[x] = 0",
                   scope="for any W ⟂ x with E[W] = 0 and finite second moments")
    W, x = sp.symbols("W x", real=True)
    groups, moments = ((W,), (x,)), {W: 0, W**2: sigma2, x: mu, x**2: var_x + mu**2}
    d.define(sp.Eq(Var(W * x), E(W**2 * x**2) - E(W * x) ** 2, evaluate=False), "definition of the variance")
    _rule_step(d, W * x, groups, moments, 0, "E[Wx] = E[W]·E[x] (independence) = 0 (E[W] = 0)")
    _rule_step(d, W**2 * x**2, groups, moments, sigma2 * (var_x + mu**2),
               "E[W²x²] = E[W²]·E[x²] (independence); E[W²] = Var(W) as E[W] = 0; E[x²] = Var(x) + E[x]²")
    d.identity(PRODUCT_VARIANCE - sigma2 * var_x, sigma2 * mu**2,
               "the gap to Var(W)·Var(x) is Var(W)·E[x]²: zero iff E[x] = 0")
    d.conclude(sp.Eq(Var(W * x), PRODUCT_VARIANCE, evaluate=False))
    return d


@derivation("variance.fan_in")
def fan_in_variance() -> Derivation:
    """001 §Initialization Derivation, line by line, for a symbolic fan-in n."""
    d = Derivation("variance.fan_in", "Var(Σ_{j=1}^n W_j x_j) = n·Var(W)·E[x²] for symbolic n",
                   scope="for every n >= 1 (symbolic); W_j i.i.d., E[W] = 0, W ⟂ x; the x_j may be correlated")
    S = sp.Sum(sp.Indexed("W", j) * sp.Indexed("x", j), (j, 1, n))
    d.define(sp.Eq(sp.Symbol("assumptions"), sp.Symbol("W_j ⟂ W_k (j≠k), W ⟂ x, E[W_j]=0, E[W_j²]=σ_W², "
                                                        "E[x_j²]=E[x²], E[x_j x_k] arbitrary"), evaluate=False),
             "named assumptions used by the moment rules below (no independence among the x_j is assumed)")
    d.define(sp.Eq(Var(S), E(S**2) - E(S) ** 2, evaluate=False), "definition of the variance")
    mean_term = _rule_step(d, W_j * x_j, _W_PAIR_GROUPS, _W_PAIR_MOMENTS, 0,
                           "E[W_j x_j] = E[W_j]·E[x_j] (W ⟂ x) = 0 (E[W] = 0)")
    d.identity(sp.Sum(expect(W_j * x_j, _W_PAIR_GROUPS, _W_PAIR_MOMENTS), (j, 1, n)), 0,
               "E[Σ_j W_j x_j] = Σ_j E[W_j x_j] (linearity) = Σ_j 0")
    a1, a2, a3, a4 = sp.symbols("a_1:5", real=True)
    terms = (a1, a2, a3, a4)
    d.identity(sum(terms) ** 2, sum(s**2 for s in terms) + sum(p * r for p in terms for r in terms if p != r),
               "(Σ_j a_j)² = Σ_j a_j² + Σ_{j≠k} a_j a_k, written out at n = 4 (an illustration: the induction "
               "below covers every n)")
    _rule_step(d, W_j * x_j * W_k * x_k, _W_PAIR_GROUPS, _W_PAIR_MOMENTS, 0,
               "j ≠ k: E[W_j x_j W_k x_k] = E[W_j]·E[W_k]·E[x_j x_k] (independence) = 0 (E[W] = 0), "
               "whatever E[x_j x_k]: the cross terms vanish, so Var(Σ) = Σ Var")
    _rule_step(d, (W_j * x_j) ** 2, _W_PAIR_GROUPS, _W_PAIR_MOMENTS, sigma2 * m2,
               "Var(W_j x_j) = E[(W_j x_j)²] = E[W_j²]·E[x_j²] (independence, E[W_j x_j] = 0): the notes' "
               "Σ_j E[W²]E[x²]")
    off = expect(W_j * x_j * W_k * x_k, _W_PAIR_GROUPS, _W_PAIR_MOMENTS)
    diag = expect((W_j * x_j) ** 2, _W_PAIR_GROUPS, _W_PAIR_MOMENTS)
    total = sp.Sum(diag, (j, 1, n)) + sp.Sum(sp.Sum(off, (k, 1, n)), (j, 1, n))
    d.identity(total, FAN_IN_VARIANCE, "Σ_{j=1}^n σ_W²·E[x²] + Σ_{j≠k} 0 = n·Var(W)·E[x²] (sum of a constant)")
    # the same for every n without expanding a square of n terms: S_(n+1) = S_n + W_(n+1) x_(n+1)
    d.identity(sp.Sum(off, (j, 1, n)), 0,
               "E[S_n·W_(n+1)x_(n+1)] = Σ_(j<=n) E[W_j x_j W_(n+1) x_(n+1)] = 0 (linearity; j ≠ n+1, the cross rule)")
    d.induction(FAN_IN_VARIANCE, n, (0, 0), lambda F, n_: F + 2 * sp.Sum(off, (j, 1, n_)) + diag,
                "E[S_(n+1)²] = E[S_n²] + 2E[S_n·W_(n+1)x_(n+1)] + E[(W_(n+1)x_(n+1))²], from S_0 = 0: "
                "E[S_n²] = n·σ_W²·E[x²] for every n >= 0", name=E(sp.Symbol("S_n²")))
    d.identity(sp.Subs(FAN_IN_VARIANCE.subs(m2, var_x + mu**2), mu, 0), n * sigma2 * var_x,
               "E[x²] = Var(x) + E[x]² = Var(x) only when E[x] = 0: the notes' last line needs zero-mean x")
    d.identity(FAN_IN_VARIANCE.subs(m2, var_x + mu**2) - n * sigma2 * var_x, n * sigma2 * mu**2,
               "otherwise n·Var(W)·Var(x) is short by n·Var(W)·E[x]²")
    d.conclude(sp.Eq(Var(S), FAN_IN_VARIANCE, evaluate=False))
    return d


@derivation("init.forward")
def forward_condition() -> Derivation:
    d = Derivation("init.forward", "Var(W) = 1/n_in preserves E[y²] through y = Wx",
                   scope="any n_in, n_out (symbolic); W i.i.d. zero-mean, independent of x")
    d.identity(sp.Subs(FAN_IN_VARIANCE, (n, sigma2), (n_in, 1 / n_in)), m2,
               "variance.fan_in with fan-in n_in: E[y_i²] = n_in·Var(W)·E[x²] = E[x²]")
    d.identity(sp.Subs(FAN_IN_VARIANCE, (n, sigma2), (n_in, 1 / n_out)) / m2, n_in / n_out,
               "with 1/n_out instead the factor is n_in/n_out, ≠ 1 unless n_in = n_out")
    d.conclude(sp.Eq(sigma2, 1 / n_in, evaluate=False))
    return d


@derivation("init.backward")
def backward_condition() -> Derivation:
    d = Derivation("init.backward", "Var(W) = 1/n_out preserves the gradient's second moment backward",
                   scope="any n_in, n_out (symbolic); ∂L/∂x = Wᵀ·∂L/∂y with ∂L/∂y independent of W")
    d.define(sp.Eq(sp.Symbol("∂L/∂x_j"), sp.Sum(sp.Indexed("W", j, k) * sp.Indexed("g", j), (j, 1, n_out)),
                   evaluate=False), "backprop through y = Wx: a sum over the n_out outputs that x_j feeds")
    g_j, g_k = sp.symbols("g_j g_k", real=True)
    groups = ((W_j,), (W_k,), (g_j, g_k))
    moments = {W_j: 0, W_k: 0, W_j**2: sigma2, W_k**2: sigma2, g_j**2: m2_g, g_k**2: m2_g, g_j * g_k: cross,
               g_j: mu, g_k: mu}
    _rule_step(d, W_j * g_j * W_k * g_k, groups, moments, 0,
               "cross terms: E[W_j]·E[W_k]·E[g_j g_k] = 0 (independence, E[W] = 0)")
    _rule_step(d, (W_j * g_j) ** 2, groups, moments, sigma2 * m2_g, "diagonal: E[W²]·E[g²]")
    d.identity(sp.Sum(sigma2 * m2_g, (j, 1, n_out)), n_out * sigma2 * m2_g,
               "sum of n_out equal terms: variance.fan_in with the fan-out")
    back = n_out * sigma2 * m2_g
    d.identity(sp.Subs(back, sigma2, 1 / n_out), m2_g, "Var(W) = 1/n_out: E[(∂L/∂x_j)²] = E[g²]")
    d.identity(sp.Subs(back, sigma2, 1 / n_in) / m2_g, n_out / n_in, "with 1/n_in the factor is n_out/n_in")
    d.conclude(sp.Eq(sigma2, 1 / n_out, evaluate=False))
    return d


@derivation("init.xavier")
def xavier() -> Derivation:
    d = Derivation("init.xavier", "2/(n_in + n_out) is the harmonic mean of 1/n_in and 1/n_out",
                   scope="all n_in, n_out >= 1 (symbolic)")
    f, b = 1 / n_in, 1 / n_out
    ha, hb = sp.Symbol("a"), sp.Symbol("b")
    d.define(sp.Eq(sp.Symbol("HM(a, b)"), 2 / (1 / ha + 1 / hb), evaluate=False),
             "harmonic mean (Glorot & Bengio 2010, eq. 12: the compromise of the two conditions)")
    d.identity(sp.Subs(2 / (1 / ha + 1 / hb), (ha, hb), (f, b)), XAVIER_VARIANCE,
               "HM(1/n_in, 1/n_out) = 2/(n_in + n_out)")
    dlt = sp.Symbol("d", nonnegative=True)   # n_out = n_in + d covers n_out >= n_in; the other order is symmetric
    wide = {n_out: n_in + dlt}
    d.inequality(f.subs(wide), XAVIER_VARIANCE.subs(wide), dlt / (n_in * (2 * n_in + dlt)),
                 "n_out >= n_in: 1/n_in >= 2/(n_in + n_out)")
    d.inequality(XAVIER_VARIANCE.subs(wide), b.subs(wide), dlt / ((n_in + dlt) * (2 * n_in + dlt)),
                 "n_out >= n_in: 2/(n_in + n_out) >= 1/n_out (so it lies between them)")
    d.identity(XAVIER_VARIANCE - f, (n_in - n_out) / (n_in * (n_in + n_out)),
               "equal to 1/n_in (and then to 1/n_out) iff n_in = n_out")
    arithmetic = (f + b) / 2
    d.inequality(arithmetic, XAVIER_VARIANCE, (n_in - n_out) ** 2 / (2 * n_in * n_out * (n_in + n_out)),
                 "the arithmetic mean is larger unless n_in = n_out (AM >= HM)")
    d.conclude(sp.Eq(sigma2, XAVIER_VARIANCE, evaluate=False))
    return d


@derivation("init.uniform")
def uniform() -> Derivation:
    d = Derivation("init.uniform", "Var(U(-a, a)) = a²/3, hence the uniform bounds",
                   scope="all a > 0, n_in, n_out >= 1 (symbolic)")
    d.identity(sp.Integral(t / (2 * a), (t, -a, a)), 0, "E[U] = ∫ t/(2a) dt = 0")
    d.identity(sp.Integral(t**2 / (2 * a), (t, -a, a)), UNIFORM_VARIANCE, "Var(U) = ∫ t²/(2a) dt = a²/3")
    d.identity(sp.Subs(UNIFORM_VARIANCE, a, UNIFORM_BOUND["xavier_uniform"]), XAVIER_VARIANCE,
               "Xavier-uniform: a = √(6/(n_in+n_out)) gives 2/(n_in+n_out)")
    d.identity(sp.Subs(UNIFORM_VARIANCE, a, UNIFORM_BOUND["kaiming_uniform"]), INIT_VARIANCE["kaiming"],
               "Kaiming-uniform: a = √(6/n_in) gives 2/n_in")
    d.identity(sp.Subs(UNIFORM_VARIANCE, a, UNIFORM_BOUND["lecun_uniform"]), INIT_VARIANCE["lecun"],
               "LeCun-uniform: a = √(3/n_in) gives 1/n_in")
    d.identity(sp.Subs(UNIFORM_VARIANCE, a, sp.sqrt(2 / (n_in + n_out))) / XAVIER_VARIANCE, sp.Rational(1, 3),
               "the bound √(2/(n_in+n_out)) (the std used as a bound) gives a third of the variance")
    d.conclude(sp.Eq(sp.Symbol("Var(U(-a, a))"), UNIFORM_VARIANCE, evaluate=False))
    return d


@derivation("activation.relu.moments")
def relu_moments() -> Derivation:
    d = Derivation("activation.relu.moments", "E[ReLU(z)²] = E[z²]/2 for symmetric z; Gaussian mean and variance",
                   scope="any symmetric z with finite variance (first step); z ~ N(0, q), q > 0 symbolic (the rest)")
    zp, zn = sp.Symbol("z", positive=True), sp.Symbol("z", negative=True)
    # built unevaluated: for a signed z the pieces would otherwise collapse and the table show z² = z²
    # (squared inside the pieces: sympy's LaTeX printer cannot print a power of a Piecewise)
    relu_sq = sp.piecewise_fold(RELU**2)
    with sp.evaluate(False):
        pos = relu_sq.subs(z, zp) + relu_sq.subs(z, -zp)
        neg = relu_sq.subs(z, zn) + relu_sq.subs(z, -zn)
    d.identity(pos, zp**2, "ReLU(z)² + ReLU(-z)² = z² (z > 0)")
    d.identity(neg, zn**2, "ReLU(z)² + ReLU(-z)² = z² (z < 0)")
    d.define(sp.Eq(E(RELU**2), E(RELU.subs(z, -z) ** 2), evaluate=False),
             "z symmetric (z and -z have one distribution), so the two halves have equal expectations: "
             "each is E[z²]/2")
    d.gaussian(RELU**2, z, RELU_SECOND_MOMENT, "E[ReLU(z)²] for z ~ N(0, q)", q=q, name=E(sp.Symbol("ReLU(z)²")))
    d.gaussian(RELU, z, RELU_MEAN, "E[ReLU(z)] = √(q/(2π))", q=q, name=E(sp.Symbol("ReLU(z)")))
    d.identity(RELU_SECOND_MOMENT - RELU_MEAN**2, RELU_VARIANCE, "Var = E[ReLU²] - E[ReLU]² = q(1/2 - 1/(2π))")
    d.identity(RELU_SECOND_MOMENT - RELU_VARIANCE, q / (2 * sp.pi),
               "q/2 is the second moment, not the variance: they differ by E[ReLU]² = q/(2π)")
    d.conclude(sp.Eq(Var(sp.Symbol("ReLU(z)")), RELU_VARIANCE, evaluate=False))
    return d


@derivation("init.kaiming")
def kaiming() -> Derivation:
    d = Derivation("init.kaiming", "Var(W) = 2/n_in (leaky: 2/((1+a²)n_in)) preserves E[z²] through ReLU layers",
                   scope="any fan-in n_in (symbolic); W symmetric, i.i.d., independent of the layer input")
    zp = sp.Symbol("z", positive=True)
    leaky_sq = sp.piecewise_fold(LEAKY**2)   # squared inside the pieces (LaTeX cannot print Piecewise**2)
    with sp.evaluate(False):   # the pieces stay visible (evaluated they collapse to a²z² + z²)
        both = leaky_sq.subs(z, zp) + leaky_sq.subs(z, -zp)
    d.identity(both, (1 + slope**2) * zp**2,
               "leaky(z)² + leaky(-z)² = (1 + a²)z², so E[leaky(z)²] = (1 + a²)/2·E[z²] for symmetric z")
    d.gaussian(LEAKY**2, z, LEAKY_SECOND_MOMENT, "the same for z ~ N(0, q)", q=q, name=E(sp.Symbol("leaky(z)²")))
    step = FAN_IN_VARIANCE.subs({n: n_in, m2: LEAKY_SECOND_MOMENT.subs(q, sp.Symbol("E[z²]"))})
    d.identity(sp.Subs(step, sigma2, INIT_VARIANCE["kaiming_leaky"]), sp.Symbol("E[z²]"),
               "variance.fan_in with E[h²] = (1+a²)/2·E[z²]: Var(W) = 2/((1+a²)n_in) gives factor 1")
    d.identity(sp.Subs(step, (slope, sigma2), (0, INIT_VARIANCE["kaiming"])), sp.Symbol("E[z²]"),
               "ReLU (a = 0): 2/n_in")
    d.identity(sp.Subs(step, (slope, sigma2), (0, INIT_VARIANCE["lecun"])) / sp.Symbol("E[z²]"), sp.Rational(1, 2),
               "1/n_in halves the second moment at every ReLU layer")
    d.conclude(sp.Eq(sigma2, INIT_VARIANCE["kaiming"], evaluate=False))
    return d


@derivation("init.lecun")
def lecun() -> Derivation:
    d = Derivation("init.lecun", "Var(W) = 1/n_in preserves E[x²] through linear layers",
                   scope="any fan-in n_in (symbolic), any depth L (induction)")
    d.identity(sp.Subs(FAN_IN_VARIANCE, (n, sigma2), (n_in, INIT_VARIANCE["lecun"])), m2,
               "one linear layer: n_in·(1/n_in)·E[x²]")
    d.induction(m2, L, (0, m2), lambda F, L_: FAN_IN_VARIANCE.subs({n: n_in, sigma2: 1 / n_in, m2: F}),
                "L linear layers: E[y_L²] = E[x²] for every L", name=E(sp.Symbol("y_L²")))
    d.identity(sp.Subs(FAN_IN_VARIANCE, (n, sigma2), (n_in, 2 / n_in)) / m2, 2,
               "2/n_in doubles it per linear layer (Kaiming's ReLU factor without a ReLU)")
    d.conclude(sp.Eq(sigma2, INIT_VARIANCE["lecun"], evaluate=False))
    return d


@derivation("init.torch_default")
def torch_default() -> Derivation:
    d = Derivation("init.torch_default",
                   "kaiming_uniform(a=√5) is U(±1/√fan_in); ReLU stacks shrink ×1/6, with biases to 2/(5·fan_in)",
                   scope="any fan_in = n (symbolic); depth L >= 0 by induction")
    gain = TORCH_GAINS["leaky_relu"].subs(slope, sp.sqrt(5))
    d.identity(sp.Subs(TORCH_GAINS["leaky_relu"], slope, sp.sqrt(5)), 1 / sp.sqrt(3),
               "calculate_gain('leaky_relu', √5) = √(2/(1+5))")
    gain_sym = sp.Symbol("gain", positive=True)
    bound = sp.sqrt(3) * gain / sp.sqrt(n)
    d.identity(sp.Subs(sp.sqrt(3) * gain_sym / sp.sqrt(n), gain_sym, gain), 1 / sp.sqrt(n),
               "bound = √3·gain/√fan_in = 1/√fan_in")
    d.identity(sp.Subs(UNIFORM_VARIANCE, a, bound), 1 / (3 * n), "Var(W) = bound²/3 = 1/(3·fan_in)")
    d.identity(sp.Subs(RELU_LAYER_FACTOR, sigma2, 1 / (3 * n)), TORCH_FACTOR, "per ReLU layer: n·Var(W)/2 = 1/6")
    d.induction(TORCH_FACTOR**L * m2, L, (0, m2), lambda F, L_: TORCH_FACTOR * F,
                "no bias: E[h_L²] = 6^(-L)·E[x²]", name=E(sp.Symbol("h_L²")))
    q1, b2 = Q1, 1 / (3 * n)
    d.identity(sp.Subs(UNIFORM_VARIANCE, a, 1 / sp.sqrt(n)), b2, "the default bias is U(±1/√fan_in) too: Var(b) = 1/(3n)")
    recurrence = lambda Q, L_: TORCH_FACTOR * Q + b2  # noqa: E731  q_l = n·Var(W)·q_(l-1)/2 + Var(b)
    closed = TORCH_BIAS_Q
    d.induction(closed, L, (0, q1), recurrence,
                "pre-activations with bias: q_(L+1) = q_L/6 + 1/(3n) (z symmetric: W, b symmetric), from q_1",
                name=sp.Symbol("q_(L+1)"))
    q_star = sp.Symbol("q*", positive=True)
    d.identity(sp.Subs(recurrence(q_star, L), q_star, BIAS_FLOOR), BIAS_FLOOR,
               "the fixed point: q* = q*/6 + 1/(3n) at q* = 2/(5n)")
    d.limit(closed, L, sp.oo, BIAS_FLOOR, "q_L → 2/(5·fan_in) as L → ∞, from any start")
    d.conclude(sp.Eq(sp.Symbol("q*"), BIAS_FLOOR, evaluate=False))
    return d


@derivation("init.fans")
def fans() -> Derivation:
    d = Derivation("init.fans", "fan_in = in·Πk, fan_out = (out/groups)·Πk for a weight (out, in/groups, *k)",
                   scope="a definition, with worked instances")
    d.define(sp.Eq(sp.Symbol("fan_in"), FAN_IN, evaluate=False),
             "weights feeding one output unit: its input channels (in/groups of them) times the kernel area")
    d.define(sp.Eq(sp.Symbol("fan_out"), FAN_OUT, evaluate=False),
             "weights leaving one input unit: the out/groups channels of its group times the kernel area "
             "(PyTorch reports C_out·k_h·k_w whatever the groups)")
    d.instance(sp.Mul(6, 5, 5, evaluate=False), 150, "000 Q2.1: 8 filters 5×5 over 6 channels: fan_in = 150")
    d.instance(sp.Mul(8, 5, 5, evaluate=False), 200, "and fan_out = 200")
    d.instance(sp.Mul(20, 20, 6, evaluate=False), 2400, "000 Q2.1 dense 20×20×6 → 800: fan_in = 2400")
    return d


@derivation("init.gains")
def gains() -> Derivation:
    d = Derivation("init.gains", "PyTorch's gains, and the second-moment gain 1/√E[φ(z)²] beside them",
                   scope="z ~ N(0, 1); tanh and sigmoid by quadrature (30 digits, error < 1e-12)")
    for name in ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu"):
        d.define(sp.Eq(sp.Symbol(f"gain_torch({name})"), TORCH_GAINS[name], evaluate=False),
                 "torch.nn.init.calculate_gain (a convention)")
    d.gaussian(RELU**2, z, sp.Rational(1, 2), "E[ReLU(z)²] = 1/2, so the second-moment gain is √2 = PyTorch's",
               name=E(sp.Symbol("ReLU(z)²")))
    d.gaussian(LEAKY**2, z, (1 + slope**2) / 2, "leaky: (1+a²)/2, gain √(2/(1+a²)) = PyTorch's",
               name=E(sp.Symbol("leaky(z)²")))
    _gaussian_quadrature(d, mpmath.tanh, E(sp.Symbol("tanh(z)²")),
                         "E[tanh(z)²]: the second-moment gain 1/√E ≈ 1.5925, not PyTorch's 5/3")
    _gaussian_quadrature(d, lambda x: 1 / (1 + mpmath.exp(-x)), E(sp.Symbol("σ(z)²")),
                         "E[σ(z)²] ≈ 0.2933: sigmoid's second-moment gain ≈ 1.847, not PyTorch's 1")
    sig = 1 / (1 + sp.exp(-z))
    d.identity(sig.subs(z, -z) - sp.Rational(1, 2), -(sig - sp.Rational(1, 2)),
               "σ(z) - 1/2 is odd, so E[σ(z)] = 1/2 and Var(σ(z)) = E[σ²] - 1/4 < E[σ²]")
    return d


@derivation("propagation.forward")
def propagation_forward() -> Derivation:
    d = Derivation("propagation.forward", "E[h_L²] = (n·Var(W)/2)^L·E[x²]; E[z_L²] is twice that",
                   scope="any width n, any depth L >= 0 (induction); W symmetric i.i.d. per layer")
    d.identity(sp.Subs(RELU_SECOND_MOMENT, q, FAN_IN_VARIANCE) / m2, RELU_LAYER_FACTOR,
               "one layer: E[z_l²] = n·Var(W)·E[h_(l-1)²] (variance.fan_in), and E[ReLU(z)²] = E[z²]/2 for "
               "symmetric z (activation.relu.moments), so E[h_l²]/E[h_(l-1)²] = n·Var(W)/2")
    d.induction(PROPAGATION_POST, L, (0, m2), lambda F, L_: RELU_LAYER_FACTOR * F,
                "E[h_(L+1)²] = (n·Var(W)/2)·E[h_L²], from h_0 = x", name=E(sp.Symbol("h_L²")))
    h_L2 = sp.Symbol("E[h_L²]", positive=True)
    d.identity(sp.Subs(2 * h_L2, h_L2, PROPAGATION_POST), PROPAGATION_PRE, "pre-activations: E[z_L²] = 2·E[h_L²]")
    d.identity(sp.Subs(PROPAGATION_POST, sigma2, 2 / n), m2, "Kaiming, Var(W) = 2/n: factor 1 at every depth")
    d.identity((n * sigma2) ** L * m2 / PROPAGATION_POST, 2**L,
               "the control (n·Var(W))^L forgets the ReLU's 1/2: off by 2^L")
    d.conclude(sp.Eq(E(sp.Symbol("h_L²")), PROPAGATION_POST, evaluate=False))
    return d


@derivation("propagation.backward")
def propagation_backward() -> Derivation:
    d = Derivation("propagation.backward",
                   "E[(∂ℓ/∂x_j)²] = Π_l (n_l·Var(W_l)/2)·E[g²], n_l the fan-out of layer l",
                   scope="any widths, any depth (induction); W_l symmetric i.i.d. (the halving checked for Gaussian "
                         "W_l); g independent of the weights")
    zp = sp.Symbol("z", positive=True)
    step = sp.Piecewise((1, z > 0), (0, True))
    with sp.evaluate(False):   # the indicators stay visible (evaluated they collapse to u²)
        halves = u**2 * step.subs(z, zp) + u**2 * step.subs(z, -zp)
    d.identity(halves, u**2,
               "u²·1[z>0] + u²·1[-z>0] = u² (z ≠ 0; z = 0 has probability 0)")
    d.define(sp.Eq(E(u**2 * step), E(u**2) / 2, evaluate=False),
             "(z_i, u_i) = (W_i·h, W_i·v) is symmetric (flip the sign of row W_i), so each half is E[u²]/2: "
             "v_l = D_l W_l v_(l-1) with D_l = diag(1[z_l>0]) keeps E[‖v_l‖²|past] = n_l·Var(W_l)/2·‖v_(l-1)‖²")
    # checked for Gaussian weights: (z, u) jointly Gaussian, z ~ N(0, 1) after scaling, u = α·z + β·w, w ⟂ z
    alpha_, beta_ = sp.symbols("α β", real=True)
    d.gaussian_on(z**2, z, sp.Integer(0), sp.oo, sp.Rational(1, 2), "E[z²·1[z>0]] = 1/2")
    d.gaussian_on(sp.Integer(1), z, sp.Integer(0), sp.oo, sp.Rational(1, 2), "P(z > 0) = 1/2")
    w_, zpos = sp.Symbol("w", real=True), sp.Symbol("z·1[z>0]", real=True)
    _rule_step(d, zpos * w_, ((zpos,), (w_,)), {w_: 0}, 0,
               "E[z·1[z>0]·w] = E[z·1[z>0]]·E[w] = 0 (w independent of z, E[w] = 0)")
    half, m_cross = sp.Rational(1, 2), sp.Symbol("E[z·1[z>0]·w]", real=True)
    d.identity(sp.Subs(alpha_**2 * sp.Symbol("E[z²·1[z>0]]") + 2 * alpha_ * beta_ * m_cross
                       + beta_**2 * sp.Symbol("P(z>0)"),
                       (sp.Symbol("E[z²·1[z>0]]"), m_cross, sp.Symbol("P(z>0)")), (half, 0, half)),
               (alpha_**2 + beta_**2) / 2,
               "Gaussian weights: E[u²·1[z>0]] = α²E[z²1[z>0]] + 2αβE[z1[z>0]w] + β²E[w²]P(z>0) "
               "= (α² + β²)/2 = E[u²]/2, the halving above")
    c = sp.Function("c")
    d.define(sp.Eq(c(l), sp.Function("n")(l) * sp.Function("Var_W")(l) / 2, evaluate=False),
             "per-layer factor (fan-out n_l of layer l): exact for the conditional mean given the earlier layers")
    P = sp.Function("P")
    # c(L+1)·F written as the one-term product Π_{l=L+1}^{L+1} c(l), which sympy merges with adjacent ranges
    d.induction(sp.Product(c(l), (l, 1, L)), L, (0, 1),
                lambda F, L_: sp.simplify(sp.Product(c(l), (l, L_ + 1, L_ + 1)) * F),
                "E[‖J e_j‖²] = Π_{l≤L} c(l), J = D_L W_L ⋯ D_1 W_1 (tower rule, one layer at a time)",
                name=P(L))
    d.define(sp.Eq(E(sp.Symbol("(∂ℓ/∂x_j)²")), E(sp.Symbol("g²")) * P(L), evaluate=False),
             "∂ℓ/∂x = Jᵀg with g ⟂ J, zero-mean i.i.d.: cross terms vanish, E[(Jᵀg)_j²] = E[g²]·E[‖J e_j‖²]")
    return d


@derivation("propagation.one_condition")
def one_condition() -> Derivation:
    d = Derivation("propagation.one_condition",
                   "with only the fan-in condition the backward factor telescopes to n_L/n_0",
                   scope="any widths n_0..n_L (symbolic), any depth L (telescoping)")
    nn = sp.Function("n")
    factor = sp.Mul(nn(l), 2 / nn(l - 1), sp.Rational(1, 2), evaluate=False)
    d.identity(factor, nn(l) / nn(l - 1), "c(l) = n_l·Var(W_l)/2 with Var(W_l) = 2/n_(l-1)")
    d.telescoping(nn(l) / nn(l - 1), l, L, nn(L) / nn(0), "Π_{l=1}^{L} n_l/n_(l-1) = n_L/n_0")
    d.identity(sp.Mul(nn(0), nn(L) / nn(0), m2_g, evaluate=False), nn(L) * m2_g,
               "total: n_0 coordinates × (n_L/n_0)·E[g²] = n_L·E[g²] = E[‖g‖²]: the norm is preserved exactly")
    d.conclude(sp.Eq(sp.Symbol("factor"), nn(L) / nn(0), evaluate=False))
    return d


@derivation("propagation.finite_width")
def finite_width() -> Derivation:
    d = Derivation("propagation.finite_width", "E[R] = 1, E[R²] = 1 + 5/n, so E[M_L²]/M_0² = (1 + 5/n)^L",
                   scope="any width n >= 1 and depth L >= 0 (symbolic); Gaussian He init, Var(W) = 2/n")
    K, kk = sp.symbols("K k", nonnegative=True)
    d.define(sp.Eq(sp.Symbol("R"), 2 / n * sp.Symbol("χ²_K"), evaluate=False),
             "given h, z_i = W_i·h ~ N(0, 2‖h‖²/n) i.i.d.: R = ‖h'‖²/‖h‖² = (2/n)·Σ_i ReLU(ξ_i)², ξ_i ~ N(0, 1); "
             "K ~ Bin(n, 1/2) of the ξ_i are positive and their squares are i.i.d. χ²_1")
    mgf_k = ((1 + sp.exp(t)) / 2) ** n
    EK = sp.Subs(sp.Derivative(mgf_k, t), t, 0)
    EK2 = sp.Subs(sp.Derivative(mgf_k, (t, 2)), t, 0)
    d.identity(EK, n / 2, "E[K] = M_K'(0), M_K(t) = ((1+e^t)/2)^n")
    d.identity(EK2, n * (n + 1) / 4, "E[K²] = M_K''(0)")
    mgf_chi = (1 - 2 * t) ** (-kk / 2)
    d.identity(sp.Subs(sp.Derivative(mgf_chi, t), t, 0), kk, "E[χ²_k] = k (M(t) = (1-2t)^(-k/2))")
    d.identity(sp.Subs(sp.Derivative(mgf_chi, (t, 2)), t, 0), kk * (kk + 2), "E[(χ²_k)²] = k(k+2)")
    d.identity(sp.Mul(2 / n, n / 2, evaluate=False), 1, "E[R] = (2/n)·E[K] = 1")
    d.identity(sp.Mul(4 / n**2, sp.Add(n * (n + 1) / 4, sp.Mul(2, n / 2, evaluate=False), evaluate=False),
                      evaluate=False), FINITE_WIDTH_R2, "E[R²] = (4/n²)·E[K² + 2K] = 1 + 5/n")
    d.induction(FINITE_WIDTH_SPREAD, L, (0, 1), lambda F, L_: FINITE_WIDTH_R2 * F,
                "R_l i.i.d. and independent of the past (its law does not depend on h): E[M_(L+1)²] = E[R²]·E[M_L²]",
                name=E(sp.Symbol("(M_L/M_0)²")))
    d.limit(FINITE_WIDTH_SPREAD.subs(L, sp.Symbol("c", positive=True) * n), n, sp.oo,
            sp.exp(5 * sp.Symbol("c", positive=True)), "depth L = c·n keeps a spread e^(5c): it grows with L/n")
    d.conclude(sp.Eq(E(sp.Symbol("(M_L/M_0)²")), FINITE_WIDTH_SPREAD, evaluate=False))
    return d
