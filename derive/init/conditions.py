"""init.forward, init.backward, init.xavier, init.uniform: the two variance conditions of one linear layer,
Glorot & Bengio's compromise between them, and the bounds of the uniform initializers (001 §Xavier,
§Initialization Formulas Summary; Glorot & Bengio, AISTATS 2010, eqs. 10-12)."""
from __future__ import annotations

import sympy as sp

from ..render import text as render_text
from ..derivation import Derivation
from ..kernel import E, Independent
from ..registry import derivation
from ..sums import cite, partial_sums, rhs, sum_moments
from .symbols import (INIT_VARIANCE, UNIFORM_BOUND, WEIGHT_MEAN, XAVIER_VARIANCE, S, Var, a, j, k, m2, m_g, n,
                      n_in, n_out, s, sigma2)

t = sp.Symbol("t", real=True)                              # integration variable

# ---- closed forms (a builder checks against these: change one and its derivation fails) -------------
FORWARD_SECOND = m2
"""E[y²] through y = Wx with Var(W) = 1/n_in: E[x²], preserved."""
BACKWARD_SECOND = m_g
"""E[(∂L/∂x_k)²] with Var(W) = 1/n_out: E[g²], preserved."""
UNIFORM_VARIANCE = a**2 / 3

# ---- left sides of the concluded statements (what verify evaluates) ------------------------------
FORWARD = Var(S(n_in, s))
dLdx = sp.Function("∂L/∂x")
BACKWARD = E(dLdx(k) ** 2)
HM = sp.Function("HM")
XAVIER = HM(1 / n_in, 1 / n_out)
VarU = sp.Function("Var_U")
UNIFORM = VarU(a)


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
        d.identity(VarU(UNIFORM_BOUND[name]), target, f"{name}: a = {render_text(UNIFORM_BOUND[name])} gives {render_text(target)}")
    d.control(a**2 / 9, UNIFORM, "the std √(a²/3) used as the bound: Var(U(-a/√3, a/√3)) = a²/9")
    d.identity(VarU(a / sp.sqrt(3)), a**2 / 9, "the control is the variance of U(-σ, σ) with σ = a/√3 the std: a third")
    d.conclude(sp.Eq(UNIFORM, UNIFORM_VARIANCE))
    return d
