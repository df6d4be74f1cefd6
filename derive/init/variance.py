"""variance.product and variance.fan_in: the variance of a product and of a fan-in sum (001 §Initialization
Derivation). The fan-in lemma is proved for a symbolic n with the inputs possibly correlated; the init and
propagation derivations cite it at every layer (s labels the sum)."""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..kernel import E, Independent
from ..registry import derivation
from ..sums import partial_sums, rhs, sum_moments
from .symbols import WEIGHT_MEAN, S, Var, W, X, j, m2, mu, n, s, sigma2, var_x, x

# ---- closed forms (a builder checks against these: change one and its derivation fails) -------------
PRODUCT_VARIANCE = sigma2 * (var_x + mu**2)
"""Var(W·x) = Var(W)·E[x²] = Var(W)·(Var(x) + E[x]²) for W ⟂ x, E[W] = 0."""
FAN_IN_VARIANCE = n * sigma2 * m2
"""Var(Σ_{j≤n} W_j x_j) = n·Var(W)·E[x²]."""

# ---- left sides of the concluded statements (what verify evaluates) ------------------------------
PRODUCT = Var(sp.Symbol("W", real=True) * sp.Symbol("x", real=True))
FAN_IN = Var(S(n, s))
FAN_IN_SECOND = E(S(n, s) ** 2)


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
