"""Gradient flow through residual blocks: residual.depth, residual.scaled and residual.jacobian (000 Q1.6).

References: He, Zhang, Ren & Sun, "Identity Mappings in Deep Residual Networks" (ECCV 2016), eqs. 4-5
(∂x_L/∂x_l contains the identity); Hanin & Rolnick, "How to Start Training" (NeurIPS 2018) and
Zhang, Dauphin & Ma, "Fixup Initialization" (ICLR 2019), §3 (branch scaling with depth).

The moments of a stack of random blocks and of one two-layer ReLU branch are taken over a symbolic dimension n
by induction over partial sums (``_moments``); the Jacobian is sympy's derivative of the block, entry by entry.
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..kernel import E, Independent
from ..registry import derivation
from ._moments import gaussian_moments, mean_of_sum, normal_law, order, partial_sum, square_of_sum, sum_of_rows
from ._shared import conclude_held, phi, rhs, z

n = sp.Symbol("n", integer=True, positive=True)
L = sp.Symbol("L", integer=True, nonnegative=True)        # depth
i = sp.Symbol("i", integer=True, positive=True)           # row / coordinate
j = sp.Symbol("j", integer=True, positive=True)           # column (summation) / coordinate
m = sp.Symbol("m", integer=True, nonnegative=True)        # terms in a partial sum
rows = sp.Symbol("r", integer=True, nonnegative=True)     # rows summed so far
layer = sp.Symbol("l", integer=True, positive=True)       # the layer an entry belongs to
skip = sp.Symbol("kappa", real=True)                      # the skip weight: 1 residual, 0 plain
sigma2 = sp.Symbol("sigma^2", positive=True)

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
    sums = partial_sum(dv, Srow, m, (depth, i, skip), lambda col: Jent(depth + 1, i, col) * gvec(depth, col, skip),
                        j, "the partial row sums of J_(L+1)·g_L")
    law = dv.assume("Gaussian entries", sp.Eq(E(Jent(layer, i, j) ** order), normal_law(variance)), law_reference,
                    for_all=(layer, i, j, order))
    atoms = (Srow(m, depth, i, skip), gvec(depth, i, skip), gvec(depth, m + 1, skip))
    independence = dv.assume(
        "independent entries",
        Independent(sp.Tuple(Jent(depth + 1, i, m + 1)), sp.Tuple(*atoms)) if independent else
        Independent(sp.Tuple(Jent(depth + 1, i, m + 1), *atoms)),
        "hypothesis of the claim: the entries J_l(i, j) are independent of each other and of v, so J_(L+1)(i, m + 1) "
        "is independent of g_L (built from J_1..J_L and v) and of the other terms of its row",
        for_all=(depth, i, m, skip))
    moments = gaussian_moments(dv, law, {layer: depth + 1, j: m + 1}, variance)
    square, row = square_of_sum(dv, Srow, Trow, m, (depth, i, skip), skip * gvec(depth, i, skip),
                                 lambda col: Jent(depth + 1, i, col), lambda col: gvec(depth, col, skip),
                                 independence, moments, variance, j, sums, scale=row_scale)
    folded = (skip * gvec(depth, i, skip) + Srow(n, depth, i, skip)) ** 2
    coordinate = dv.chain(
        dv.rewrite(E(gvec(depth + 1, i, skip) ** 2), [step_g], "one block"),
        dv.identity(E(rhs(step_g) ** 2), E(folded), "the row sum S(n)"),
        dv.instantiate(square, {m: n}, "all n terms"), dv.instantiate(row, {m: n}, "all n terms"),
        justification="E[g_(L+1)(i)²] = κ²·E[g_L(i)²] + σ²·E‖g_L‖²: the row moment, by induction over the fan-in")
    moment = sp.Sum(E(gvec(depth, j, skip) ** 2), (j, 1, n))
    closed_rows = skip**2 * sp.Sum(E(gvec(depth, j, skip) ** 2), (j, 1, rows)) + rows * variance * moment
    all_rows = sum_of_rows(dv, Rrows, rows, (depth, skip), lambda row_: E(gvec(depth + 1, row_, skip) ** 2),
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
    u_sums = partial_sum(dv, Ucol, m, (unit,), lambda row_: W2(row_, unit) * gam(row_), i,
                          "(W_2ᵀγ)_k, the first m terms")
    law2 = dv.assume("Gaussian W_2", sp.Eq(E(W2(i, unit) ** order), normal_law(sigma2_2, w2_mean)),
                     "hypothesis of the claim: the entries of W_2 are N(0, σ2²)", for_all=(i, unit, order))
    indep2 = dv.assume("independent W_2 entries", Independent(sp.Tuple(W2(m + 1, unit)), sp.Tuple(Ucol(m, unit))),
                       "hypothesis of the claim: the entries of W_2 are independent, so W_2(m + 1, k) is independent of "
                       "the earlier terms of (W_2ᵀγ)_k (γ is fixed)", for_all=(m, unit))
    moments2 = gaussian_moments(dv, law2, {i: m + 1}, sigma2_2, mean=w2_mean)
    u_mean = mean_of_sum(dv, Ucol, Umean, m, (unit,), lambda row_: W2(row_, unit), lambda row_: gam(row_), indep2,
                          moments2[0], *u_sums)
    u_square, u_second = square_of_sum(dv, Ucol, Usq, m, (unit,), sp.Integer(0), lambda row_: W2(row_, unit),
                                        lambda row_: gam(row_), indep2, moments2, sigma2_2, i, u_sums, y_random=False)
    s_u = sigma2_2 * NORM_GAMMA
    mean_u = dv.instantiate(u_mean, {m: n, unit: m + 1}, "E[u_(m+1)] = 0")
    second_u = dv.chain(dv.instantiate(u_square, {m: n, unit: m + 1}, "all n terms"),
                        dv.instantiate(u_second, {m: n, unit: m + 1}, "all n terms"),
                        justification="E[u_(m+1)²] = σ2²·‖γ‖²")
    # coordinate j of W_1ᵀ·D·u, summed over the hidden units: γ_j + Σ_k W_1(k, j)·D(k)·u_k
    z_sums = partial_sum(dv, Zsum, m, (j,), lambda k_: W1(k_, j) * Gate(k_) * Ucol(n, k_), unit,
                          "(W_1ᵀ·D·W_2ᵀ·γ)_j, the first m hidden units")
    rest = (Zsum(m, j), W1(m + 1, j), Gate(m + 1))
    indep_z = dv.assume("independent columns of W_2",
                        Independent(sp.Tuple(Ucol(n, m + 1)), sp.Tuple(*rest)) if columns_independent else
                        Independent(sp.Tuple(Ucol(n, m + 1), *rest)),
                        "hypothesis of the claim: column m + 1 of W_2 (so u_(m+1)) is independent of W_1 and of the "
                        "other columns of W_2", for_all=(m, j))
    z_square, z_second = square_of_sum(dv, Zsum, Zsq, m, (j,), gam(j), lambda k_: Ucol(n, k_),
                                        lambda k_: W1(k_, j) * Gate(k_), indep_z, (mean_u, second_u), s_u, unit, z_sums)
    # ReLU passes half: E[W_1(k, j)²·D(k)] = σ1²/2, because w_k and -w_k have the same law (at k = m + 1, the
    # hidden unit the independence statement names, then at every k)
    law1 = dv.assume("Gaussian W_1", sp.Eq(E(W1(unit, j) ** order), normal_law(sigma1_2)),
                     "hypothesis of the claim: the entries of W_1 are N(0, σ1²)", for_all=(unit, j, order))
    symmetric = dv.assume(
        "sign symmetry of W_1's rows",
        sp.Eq(E(W1(unit, j) ** a_pow * Gate(unit) ** b_pow), E((-W1(unit, j)) ** a_pow * (1 - Gate(unit)) ** b_pow)),
        "w_k = W_1(k, ·) ~ N(0, σ1²I) has the law of -w_k, which maps D(k) = 1[w_k·x > 0] to 1[w_k·x < 0], "
        "= 1 - D(k) almost surely (w_k·x = 0 has probability 0 for x ≠ 0)", for_all=(unit, j, a_pow, b_pow))
    nxt = m + 1
    flip = dv.instantiate(symmetric, {unit: nxt, a_pow: 2, b_pow: 1}, "w_k -> -w_k")
    ones = dv.expectation(W1(nxt, j) ** 2 * (1 - Gate(nxt)), indep_z, "linearity")
    second1 = gaussian_moments(dv, law1, {unit: nxt}, sigma1_2, orders=(2,))[0]
    target = E(W1(nxt, j) ** 2 * Gate(nxt))
    balance = dv.chain(flip, ones, dv.rewrite(rhs(ones), [second1], "E[W_1(k, j)²] = σ1²"),
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
    everything = sum_of_rows(dv, Rblock, rows, (), lambda j_: E((gam(j_) + Zsum(h_width, j_)) ** 2), (j, closed),
                              coordinate, other, "the first r coordinates of E‖(I + J_f)ᵀγ‖²")
    total = dv.instantiate(everything, {rows: n}, "all n coordinates")
    ratio = dv.rewrite(RELU_BLOCK, [total], "divided by ‖γ‖²")
    return dv.chain(ratio, dv.identity(rhs(ratio), 1 + n * h_width * passes * sigma1_2 * sigma2_2,
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
    dv.identity(sp.Subs(rhs(residual), n, 1), control,
                "control (1 + σ²)^L is the residual moment with the width n dropped (n = 1)")
    for lhs in (RESIDUAL, PLAIN):
        dv.control(control, lhs, "(1 + σ²)^L: the width n forgotten")
    relu = _relu_block(dv, w2_mean, passes, columns_independent)
    wrong = 1 + n * h_width * sigma1_2 * sigma2_2
    dv.identity(sp.Add(wrong, -rhs(relu), evaluate=False), n * h_width * sigma1_2 * sigma2_2 / 2,
                "control: the linear branch's factor 1 + nhσ1²σ2² counts every unit; ReLU passes half")
    dv.control(wrong, RELU_BLOCK, "1 + nhσ1²σ2²: ReLU's 1/2 forgotten")
    conclude_held(dv, residual, plain, relu)
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
    result = dv.chain(scaled, dv.identity(rhs(scaled), closed, "n·c/(nL) = c/L: the claimed closed form"),
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
    conclude_held(dv, result, bound)
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
    dv.define(ReLU(z), sp.Max(0, z), "ReLU")
    closed = block_jacobian(sp.Heaviside)
    claimed = closed if identity_path else closed - sp.KroneckerDelta(row, col)
    result = dv.identity(JACOBIAN, claimed,
                         "ReLU: φ' = H(z) = 1[z > 0] away from the kink (sympy's H(0) = 1/2 lies in the "
                         "subdifferential [0, 1]; W_1x has a zero coordinate with probability 0)")
    branch_only = closed - sp.KroneckerDelta(row, col)
    dv.identity(sp.Add(closed, -branch_only, evaluate=False), sp.KroneckerDelta(row, col),
                "control: J_f alone drops δ_ij, the identity path")
    dv.control(branch_only, JACOBIAN, "J_f alone: the identity path forgotten")
    conclude_held(dv, result)
    return dv
