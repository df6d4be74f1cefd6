"""Signal propagation through depth: forward second moments, backward gradients, their finite-width spread.

Sources: 001 §Variance Propagation. References: He et al., "Delving Deep into Rectifiers" (ICCV 2015) eq. 7-14
(forward), eq. 13-16 (backward); Hanin & Rolnick, "How to Start Training" (NeurIPS 2018) for the spread.

Every depth statement is an ``induction`` on the depth from a step fact: the one-layer statement, proved here
from the fan-in lemma (variance.fan_in) and the halving lemma (activation.relu.moments), cited at the
layer's values. The cited hypotheses about the layer's input become obligations, discharged by the named
hypotheses of the network ("the inputs of layer L+1 are the units of h_L", "the pre-activations are
symmetric"), each stated once for every layer.
"""
from __future__ import annotations

import sympy as sp

from .activations import RELU_FOURTH_STD, RELU_SECOND_STD, density, q_any, u, xi, z
from .derivation import Derivation
from .init import TORCH_GAINS, WEIGHT_MEAN, H, L, S, j, k, lam, m2, m_g, n, s, sigma2, x
from .kernel import E, Independent, NormalE
from .registry import derivation
from .sums import cite, lhs, moment_induction, partial_sums, rhs, sum_moments

# ---- symbols and left sides (what verify evaluates) ------------------------------------------------
l = sp.Symbol("l", integer=True, positive=True)            # a layer, bound in products
i = sp.Symbol("i", integer=True, positive=True)            # a unit of a layer
m = sp.Symbol("m", integer=True, nonnegative=True)         # number of terms of a partial sum
width = sp.Symbol("n", integer=True, positive=True)        # the width, where 1/n appears
widths = sp.Function("n", integer=True, positive=True)     # n(l): the width of layer l (n(0) the input)
V = sp.Function("σ²", positive=True)                        # σ²(l) = Var(W_l)

POST = H(L)
PRE = E(S(n, L + 1) ** 2)
GRAD_MEAN = sp.Integer(0)
"""E[g_k]: the upstream gradient is zero-mean (the cross terms of (J_Lᵀg)_j² vanish because of it)."""
POST_CLOSED = (n * sigma2 / 2) ** L * m2
"""E[h_L²] through L ReLU layers of width n."""
PRE_CLOSED = n * sigma2 * POST_CLOSED
"""E[z_(L+1)²] = n·Var(W)·E[h_L²] = 2·(n·Var(W)/2)^(L+1)·E[x²]."""
TANH_Q = (sp.Integer(1), TORCH_GAINS["tanh"] ** 2)
"""n·Var(W) of the tanh layers verify checks (LeCun, and Kaiming with tanh's gain 5/3): z ~ N(0, q)."""
TANH = {qv: NormalE(sp.tanh(xi) ** 2, xi, qv) for qv in TANH_Q}

Dx = sp.Function("∂ℓ/∂x")                                   # Dx(L, j): ∂ℓ/∂x_j through L layers
BACKWARD = E(Dx(L, j) ** 2)
RATIO = sp.Symbol("E‖∂ℓ/∂x‖²/E‖g‖²")

R = sp.Function("R")                                        # R(λ) = ‖h_λ‖²/‖h_(λ-1)‖²
SPREAD = sp.Function("E[(M_L/M_0)²]")(L)
R_MEAN, R_SECOND = E(R(lam)), E(R(lam) ** 2)
R_MEAN_VALUE, R_SECOND_VALUE = sp.Integer(1), 1 + 5 / width
SPREAD_CLOSED = R_SECOND_VALUE**L
BACKWARD_CLOSED = m_g * sp.Product(widths(l) * V(l) / 2, (l, 1, L))
"""E[(∂ℓ/∂x_j)²] = E[g²]·Π_{l≤L} n(l)·σ²(l)/2."""
ONE_CONDITION_CLOSED = m_g * widths(L) / widths(0)


@derivation("propagation.forward")
def propagation_forward() -> Derivation:
    d = Derivation("propagation.forward", "E[h_L²] = (n·Var(W)/2)^L·E[x²]; E[z_(L+1)²] = n·Var(W)·E[h_L²]",
                   scope="any width n, any depth L >= 0 (induction on L); W i.i.d. zero-mean per layer, independent "
                         "of the layer input; pre-activations symmetric (any symmetric law: Gaussian or uniform W); "
                         "tanh: one layer, E[tanh(z)²] by quadrature at the two n·Var(W) checked")
    d.assume("inputs of layer L+1", sp.Eq(E(x(j, L + 1) ** 2), H(L)),
             "definition of the network: the inputs of layer L+1 are the units of h_L, each with the second "
             "moment E[h_L²] (units of a layer are exchangeable)", for_all=(j, L))
    outputs = d.assume("ReLU layer", sp.Eq(H(lam), E(sp.Max(0, S(n, lam)) ** 2)),
                       "definition of the network: h_λ = ReLU(z_λ), z_λ = S(n, λ) = Σ_j W_j h_(λ-1),j", for_all=(lam,))
    start = d.assume("input", sp.Eq(H(0), m2), "notation: h_0 = x, E[x_j²] = E[x²]")
    symmetric = d.assume("the pre-activations are symmetric", sp.Eq(density(-u, S(n, lam)), density(u, S(n, lam))),
                         "z_λ = W·h with W symmetric and independent of h: z_λ and -z_λ have one law "
                         "(He et al. 2015, §2.2)", for_all=(u, lam))
    fan = cite(d, "variance.fan_in", "layer L+1: E[z_(L+1)²] = n·Var(W)·E[h_L²] (the inputs are h_L)",
                values={s: L + 1, m2: H(L)})
    d.chain(fan[1], d.identity(rhs(fan[1]), n * sigma2 * H(L), "the second moment the halving is cited at"),
            justification="E[z_(L+1)²] = n·Var(W)·E[h_L²]")
    d.instantiate(symmetric, {lam: L + 1}, "z_(L+1) is symmetric")
    half = cite(d, "activation.relu.moments", "the halving at z_(L+1), whose second moment is n·Var(W)·E[h_L²]",
                 values={z: S(n, L + 1), q_any: n * sigma2 * H(L)})[0]
    step = d.chain(d.instantiate(outputs, {lam: L + 1}, "h_(L+1) = ReLU(z_(L+1))"), half,
                   justification="the one-layer statement: E[h_(L+1)²] = (n·Var(W)/2)·E[h_L²]")
    factor = n * sigma2 / 2
    post = d.induction(POST, L, POST_CLOSED, start, step, "E[h_L²] = (n·Var(W)/2)^L·E[x²] for every L")
    d.chain(fan[1], d.rewrite(rhs(fan[1]), [post], "E[h_L²]"),
            justification="pre-activations: E[z_(L+1)²] = n·Var(W)·(n·Var(W)/2)^L·E[x²] = 2·(n·Var(W)/2)^(L+1)·E[x²]")
    d.identity((factor**L * m2).subs(sigma2, 2 / n), m2, "Kaiming, Var(W) = 2/n: factor 1 at every depth")
    d.control((n * sigma2) ** L * m2, POST, "(n·Var(W))^L·E[x²]: the ReLU's 1/2 forgotten")
    d.control((n * sigma2) ** (L + 1) * m2, PRE, "(n·Var(W))^(L+1)·E[x²]: the ReLU's 1/2 forgotten")
    d.identity((n * sigma2) ** L * m2 / (factor**L * m2), 2**L, "the control is off by 2^L")
    tanh = []
    for qv, target in TANH.items():
        fact = d.quadrature(target.args[0], xi, qv, justification=f"one tanh layer from E[x²] = 1: z ~ N(0, {qv}) "
                                                               "given x (Gaussian W), E[tanh(z)²] has no closed form")
        d.control(qv, target, "the linear prediction E[z²] = n·Var(W)·E[x²]: tanh's squashing ignored")
        d.inequality(qv, rhs(fact), qv - rhs(fact), strict=True,
                     justification="tanh squashes: E[tanh(z)²] < E[z²]")
        tanh.append(fact)
    d.conclude(sp.Eq(POST, POST_CLOSED), sp.Eq(PRE, PRE_CLOSED), *tanh)
    return d


@derivation("propagation.backward")
def propagation_backward() -> Derivation:
    d = Derivation("propagation.backward",
                   "E[(∂ℓ/∂x_j)²] = E[g²]·Π_{l≤L} n_l·Var(W_l)/2, n_l the fan-out (width) of layer l",
                   scope="any widths n(0..L), any depth L >= 0 (induction on L), exactly at any width; ℓ = ⟨g, h_L⟩ "
                         "with g independent of the weights, zero-mean, E[g_k²] = E[g²]; W_l i.i.d. zero-mean with "
                         "Var(W_l) = σ²(l), independent of the earlier layers; the pairs (z, u) symmetric (any "
                         "symmetric law)")
    W, v, zz = sp.Function("W", real=True), sp.Function("v", real=True), sp.Function("z", real=True)
    U, g, G = sp.Function("U", real=True), sp.Function("g", real=True), sp.Function("G", real=True)
    P, Y = sp.Function("E‖v‖²"), sp.Function("Y")
    # the tangent v_l = J_l e_j (J_l = D_l W_l ⋯ D_1 W_1): its pre-tangent u_(l,i) = U(n(l-1), i, l, j)
    weight = lambda mm, ii, ll, jj: W(ii, mm, ll)       # noqa: E731 -- W(i, k, l): unit k of layer l-1 to unit i
    tangent = lambda mm, ii, ll, jj: v(mm, ll - 1, jj)  # noqa: E731 -- v(k, l, j): coordinate k of J_l e_j
    rec = partial_sums(d, U, weight, tangent, m, (i, lam, j), "W_(λ,ik)·v_(λ-1,k): the pre-tangent u_(λ,i)")
    pre = U(widths(L), i, L + 1, j)
    d.define(Y(i, L, j), sp.Piecewise((sp.Abs(U(widths(L), i, L + 1, j)), zz(i, L + 1) > 0),
                                      (-sp.Abs(U(widths(L), i, L + 1, j)), True)),
             "y := |u|·sign(z) at layer L+1 (sign(0) = -1): ReLU(y)² = 1[z > 0]·u² and y² = u²")
    d.identity(E(Y(i, L, j) ** 2), E(pre**2), "y² = u²")
    d.assume("the pairs (z, u) are symmetric", sp.Eq(density(-u, Y(i, L, j)), density(u, Y(i, L, j))),
             "(z, u) = (W_(L+1,i)·h, W_(L+1,i)·v) and (-z, -u) have one law because W_(L+1,i) is symmetric and "
             "independent of (h, v) (He et al. 2015, eqs. 13-14); z = 0 only where u = 0 (a dead layer has v = 0), "
             "so y = |u|·sign(z) is symmetric", for_all=(u, i, L, j))
    half = cite(d, "activation.relu.moments", "the halving for y = |u|·sign(z), whose second moment is E[u²]",
                 values={z: Y(i, L, j), q_any: E(pre**2)})[0]
    indep = d.assume("W_(λ,i,m+1) ⟂ (U_m, v_(λ-1,m+1))",
                     Independent(sp.Tuple(W(i, m + 1, lam)), sp.Tuple(U(m, i, lam, j), v(m + 1, lam - 1, j))),
                     "hypothesis of the claim: the weights of layer λ are independent of each other and of the "
                     "earlier layers (v_(λ-1) depends on layers < λ only)", for_all=(m, i, lam, j))
    zero = d.assume("E[W_λ] = 0", sp.Eq(E(W(i, k, lam)), WEIGHT_MEAN), "hypothesis of the claim", for_all=(i, k, lam))
    var = d.assume("E[W_λ²] = σ²(λ)", sp.Eq(E(W(i, k, lam) ** 2), V(lam)), "hypothesis of the claim: Var(W_λ) = σ²(λ)",
                   for_all=(i, k, lam))
    _, square = sum_moments(d, U, weight, tangent, m, (i, lam, j), rec, k, indep, zero, var, V(lam))
    d.define(P(l, j), sp.Sum(E(v(k, l, j) ** 2), (k, 1, widths(l))), "E‖v_l‖² = E‖J_l e_j‖²")
    relu_rule = d.assume("chain rule through ReLU", sp.Eq(v(i, L + 1, j), sp.Piecewise((pre, zz(i, L + 1) > 0), (0, True))),
                         "forward-mode chain rule: v_(L+1) = D_(L+1) W_(L+1) v_L, D = diag(1[z > 0]) (PyTorch's "
                         "ReLU'(0) = 0; He et al. 2015 eq. 13)", for_all=(i, L, j))
    start = d.assume("v_0 = e_j", sp.Eq(sp.Sum(E(v(k, 0, j) ** 2), (k, 1, widths(0))), 1),
                     "definition: the tangent starts at e_j, ‖e_j‖² = 1", for_all=(j,))
    # one layer: E[v_(L+1,i)²] = σ²(L+1)·E‖v_L‖²/2 for every unit i
    u_sq = d.instantiate(square, {m: widths(L), lam: L + 1}, "the whole fan-in n(L) of layer L+1")
    u_sq = d.chain(u_sq, d.identity(rhs(u_sq), V(L + 1) * P(L, j), "definition of E‖v_L‖²"),
                   justification="E[u_(L+1,i)²] = σ²(L+1)·E‖v_L‖² (the fan-in lemma, the inputs correlated)")
    half = d.chain(half, d.rewrite(rhs(half), [u_sq], "E[u²] = σ²(L+1)·E‖v_L‖²"),
                   justification="E[ReLU(y)²] = E[u²]/2 = σ²(L+1)·E‖v_L‖²/2")
    open_ = d.rewrite(E(v(i, L + 1, j) ** 2), [relu_rule], "the chain rule")
    unit = d.chain(open_, d.identity(rhs(open_), E(sp.Max(0, Y(i, L, j)) ** 2), "1[z > 0]·u² = ReLU(y)²"),
                   half, justification="E[v_(L+1,i)²] = E[1[z > 0]·u²] = E[u²]/2 = σ²(L+1)·E‖v_L‖²/2")
    per_unit = d.instantiate(unit, {i: k}, "for every unit k of layer L+1")
    layer_sum = sp.Sum(E(v(k, L + 1, j) ** 2), (k, 1, widths(L + 1)))
    summed = d.rewrite(layer_sum, [per_unit], "each unit")
    step = d.chain(d.identity(P(L + 1, j), layer_sum, "definition"), summed,
                   d.identity(rhs(summed), widths(L + 1) * V(L + 1) / 2 * P(L, j), "n(L+1) equal terms"),
                   justification="the one-layer statement: E‖v_(L+1)‖² = n(L+1)·σ²(L+1)/2·E‖v_L‖²")
    base = d.chain(d.identity(P(0, j), lhs(start), "definition"), start, justification="E‖v_0‖² = 1")
    closed = BACKWARD_CLOSED / m_g
    depth = d.induction(P(L, j), L, closed, base, step, "E‖J_L e_j‖² = Π_{l≤L} n(l)·σ²(l)/2 for every L")
    # the gradient: ∂ℓ/∂x_j = (J_Lᵀ g)_j = Σ_k g_k·v_(L,k)
    gk = lambda mm, LL, jj: g(mm)                       # noqa: E731
    vk = lambda mm, LL, jj: v(mm, LL, jj)               # noqa: E731
    rec_g = partial_sums(d, G, gk, vk, m, (L, j), "g_k·v_(L,k)")
    indep_g = d.assume("g_(m+1) ⟂ (G_m, v_(L,m+1))", Independent(sp.Tuple(g(m + 1)), sp.Tuple(G(m, L, j), v(m + 1, L, j))),
                       "hypothesis of the claim: the coordinates of g are independent of each other and of the "
                       "weights", for_all=(m, L, j))
    zero_g = d.assume("E[g_k] = 0", sp.Eq(E(g(k)), GRAD_MEAN), "hypothesis of the claim", for_all=(k,))
    var_g = d.assume("E[g_k²] = E[g²]", sp.Eq(E(g(k) ** 2), m_g), "hypothesis of the claim", for_all=(k,))
    _, square_g = sum_moments(d, G, gk, vk, m, (L, j), rec_g, k, indep_g, zero_g, var_g, m_g)
    d.define(Dx(L, j), G(widths(L), L, j), "∂ℓ/∂x_j = (J_Lᵀ g)_j = Σ_{k≤n(L)} g_k·(J_L e_j)_k")
    at = d.instantiate(square_g, {m: widths(L)}, "all n(L) coordinates of g")
    d.chain(d.identity(BACKWARD, E(G(widths(L), L, j) ** 2), "definition"), at,
            d.identity(rhs(at), m_g * P(L, j), "E[(J_Lᵀg)_j²] = E[g²]·E‖J_L e_j‖²"),
            d.rewrite(m_g * P(L, j), [depth], "the depth induction"),
            justification="E[(∂ℓ/∂x_j)²] = E[g²]·Π_{l≤L} n(l)·σ²(l)/2")
    d.control(m_g * sp.Product(widths(l - 1) * V(l) / 2, (l, 1, L)), BACKWARD,
              "Π_l n_(l-1)·Var(W_l)/2: the fan-in in place of the fan-out")
    d.telescoping(widths(l) / widths(l - 1), l, L, widths(L) / widths(0),
                  "the right side over the control: Π n(l)/n(l-1) = n(L)/n(0), ≠ 1 unless n(L) = n(0)")
    d.conclude(sp.Eq(BACKWARD, BACKWARD_CLOSED))
    return d


@derivation("propagation.one_condition")
def one_condition() -> Derivation:
    d = Derivation("propagation.one_condition",
                   "with only the fan-in condition the backward factor telescopes to n_L/n_0; the norm is preserved",
                   scope="any widths n(0..L) (symbolic), any depth L (telescoping); the hypotheses of "
                         "propagation.backward with Var(W_l) = 2/n(l-1) at every layer")
    g = sp.Function("g", real=True)
    cited = d.use("propagation.backward", "E[(∂ℓ/∂x_j)²] = E[g²]·Π_l n(l)·σ²(l)/2")
    condition = d.assume("fan-in condition", sp.Eq(V(l), 2 / widths(l - 1)),
                         "hypothesis of the claim: Var(W_l) = 2/n(l-1) at every layer (Kaiming, mode fan_in)",
                         for_all=(l,))
    put = d.rewrite(rhs(cited), [condition], "σ²(l) = 2/n(l-1)")
    tele = d.telescoping(widths(l) / widths(l - 1), l, L, widths(L) / widths(0), "Π_{l≤L} n(l)/n(l-1) = n(L)/n(0)")
    per_coordinate = d.chain(cited, put, d.rewrite(rhs(put), [tele], "the telescoping product"),
                             justification="E[(∂ℓ/∂x_j)²] = E[g²]·n(L)/n(0) per coordinate")
    second = d.assume("E[g_k²] = E[g²]", sp.Eq(E(g(k) ** 2), m_g), "hypothesis of the claim", for_all=(k,))
    total = sp.Sum(BACKWARD, (j, 1, widths(0))) / sp.Sum(E(g(k) ** 2), (k, 1, widths(L)))
    d.define(RATIO, total, "E‖∂ℓ/∂x‖²/E‖g‖²: every input coordinate over every output coordinate")
    both = d.rewrite(total, [per_coordinate, second], "each coordinate")
    d.chain(d.identity(RATIO, total, "definition"), both, d.identity(rhs(both), 1,
                                                                     "n(0)·E[g²]·n(L)/n(0) over n(L)·E[g²]"),
            justification="the total gradient norm is preserved exactly")
    d.control(m_g, BACKWARD, "factor 1 per coordinate (the norm's preservation read per coordinate)")
    d.control(widths(0) / widths(L), RATIO, "what factor 1 per coordinate would give for the norm: n(0)/n(L)")
    d.identity(rhs(per_coordinate) / m_g, widths(L) / widths(0), "the control is off by n(L)/n(0)")
    d.conclude(sp.Eq(BACKWARD, ONE_CONDITION_CLOSED), sp.Eq(RATIO, 1))
    return d


@derivation("propagation.finite_width")
def finite_width() -> Derivation:
    d = Derivation("propagation.finite_width", "E[R] = 1, E[R²] = 1 + 5/n, so E[M_L²]/M_0² = (1 + 5/n)^L",
                   scope="any width n >= 1 and depth L >= 0 (symbolic); Gaussian He init, Var(W) = 2/n: given h_(λ-1), "
                         "z_λ,i = W_i·h ~ N(0, 2‖h‖²/n) i.i.d., so R_λ = ‖h_λ‖²/‖h_(λ-1)‖² = (2/n)·Σ_i ReLU(ξ_i)², "
                         "ξ_i i.i.d. N(0, 1)")
    a_ = sp.Function("ReLU(ξ)²", real=True)                   # a(i, λ) = ReLU(ξ_(λ,i))²
    T, Q = sp.Function("T", real=True), sp.Function("Q", real=True)
    p = sp.Symbol("p", integer=True, positive=True)
    rec = d.define_recursive(T, m, 0, 0, T(m, lam) + a_(m + 1, lam), "T(m, λ) = Σ_(i≤m) ReLU(ξ_(λ,i))²",
                             params=(lam,))
    law = d.assume("ξ ~ N(0, 1)", sp.Eq(E(a_(i, lam) ** p), NormalE(sp.Max(0, xi) ** (2 * p), xi, 1)),
                   "hypothesis of the claim (Gaussian W): given h, ξ_(λ,i) = z_(λ,i)/(σ‖h‖) ~ N(0, 1)",
                   for_all=(p, i, lam))
    units = d.assume("units i.i.d.", Independent(sp.Tuple(a_(m + 1, lam)), sp.Tuple(T(m, lam))),
                     "given h the ξ_(λ,i) are i.i.d. (rows of W independent)", for_all=(m, lam))
    one_m = d.gaussian(sp.Max(0, xi) ** 2, xi, RELU_SECOND_STD, "E[ReLU(ξ)²] = 1/2")
    two_m = d.gaussian(sp.Max(0, xi) ** 4, xi, RELU_FOURTH_STD, "E[ReLU(ξ)⁴] = 3/2")
    first = [d.instantiate(law, {p: 1, i: m + 1}, "p = 1"), one_m]
    second = [d.instantiate(law, {p: 2, i: m + 1}, "p = 2"), two_m]
    mean = moment_induction(
        d, T, m, (lam,), rec, 1, units, [(first[:1], "the law of ξ"), (first[1:], "E[ReLU(ξ)²] = 1/2")],
        RELU_SECOND_STD, m / 2, ("linearity", "E[T(m+1)] = E[T(m)] + 1/2", "E[T(m)] = m/2"))
    sq = moment_induction(
        d, T, m, (lam,), rec, 2, units,
        [([first[0], second[0]], "the law of ξ"),
         ([one_m, two_m, mean], "E[ReLU(ξ)²] = 1/2, E[ReLU(ξ)⁴] = 3/2, E[T(m)] = m/2")],
        2 * m * RELU_SECOND_STD**2 + RELU_FOURTH_STD, m * (m + 5) / 4,
        ("linearity; E[T·a] = E[T]·E[a] (independence)", "E[T(m+1)²] = E[T(m)²] + 2·(m/2)·(1/2) + 3/2",
         "E[T(m)²] = m(m + 5)/4 (= m²/4 + 5m/4)"))
    d.define(R(lam), 2 / width * T(width, lam), "R_λ = ‖h_λ‖²/‖h_(λ-1)‖² = (2/n)·Σ_(i≤n) ReLU(ξ_(λ,i))²")
    scaled1 = d.instantiate(d.expectation(2 / width * T(m, lam), units, "linearity"), {m: width}, "m = n")
    scaled2 = d.instantiate(d.expectation(4 / width**2 * T(m, lam) ** 2, units, "linearity"), {m: width}, "m = n")
    at_n = [d.instantiate(mean, {m: width}, "m = n"), d.instantiate(sq, {m: width}, "m = n")]
    d.chain(d.identity(R_MEAN, lhs(scaled1), "definition of R"), scaled1,
            d.rewrite(rhs(scaled1), at_n[:1], "E[T(n)] = n/2"),
            justification="E[R] = (2/n)·(n/2) = 1")
    r_sq = d.chain(d.identity(R_SECOND, lhs(scaled2), "definition of R"), scaled2,
                   d.rewrite(rhs(scaled2), at_n[1:], "E[T(n)²] = n(n + 5)/4"),
                   d.identity((4 / width**2) * width * (width + 5) / 4, R_SECOND_VALUE, "(4/n²)·n(n+5)/4"),
                   justification="E[R²] = 1 + 5/n")
    # through depth: M_(L+1)/M_0 = R_(L+1)·M_L/M_0, R_(L+1) independent of the past
    qb, qs = d.define_recursive(Q, L, 0, 1, R(L + 1) * Q(L), "Q(L) = M_L/M_0 = Π_{λ≤L} R_λ")
    layers = d.assume("R_(L+1) ⟂ the past", Independent(sp.Tuple(R(L + 1)), sp.Tuple(Q(L))),
                      "the law of R_(L+1) given h_L does not depend on h_L (it is that of (2/n)·Σ ReLU(ξ_i)²), so "
                      "R_(L+1) is independent of the earlier layers", for_all=(L,))
    F = SPREAD.func
    d.define(F(L), E(Q(L) ** 2), "E[(M_L/M_0)²]")
    e3 = d.expectation(R(L + 1) ** 2 * Q(L) ** 2, layers, "independence of R_(L+1) and the past")
    r3 = d.rewrite(rhs(e3), [d.instantiate(r_sq, {lam: L + 1}, "layer L+1")], "E[R²] = 1 + 5/n")
    step3 = d.chain(d.identity(F(L + 1), E(Q(L + 1) ** 2), "definition"),
                    d.rewrite(E(Q(L + 1) ** 2), [qs], "Q(L+1) = R_(L+1)·Q(L)"), e3, r3,
                    d.identity(rhs(r3), R_SECOND_VALUE * F(L), "definition"),
                    justification="the step: E[M_(L+1)²] = E[R²]·E[M_L²]")
    base3 = d.chain(d.identity(F(0), E(Q(0) ** 2), "definition"), d.rewrite(E(Q(0) ** 2), [qb], "Q(0) = 1"),
                    d.expectation(sp.Integer(1), layers, "E[1] = 1"))
    d.induction(SPREAD, L, SPREAD_CLOSED, base3, step3, "E[(M_L/M_0)²] = (1 + 5/n)^L")
    cst = sp.Symbol("c", positive=True)
    d.limit(((1 + 5 / width) ** L).subs(L, cst * width), width, sp.oo, sp.exp(5 * cst),
            "depth L = c·n keeps a spread e^(5c): it grows with L/n")
    for target in (R_MEAN, R_SECOND, SPREAD):
        d.control(sp.Integer(1), target, "1: no spread (a layer multiplies ‖h‖² by exactly 1)")
    d.inequality(1 + 5 / width, 1, 5 / width, strict=True, justification="E[R²] exceeds the control's 1 by 5/n")
    d.conclude(sp.Eq(R_MEAN, R_MEAN_VALUE), sp.Eq(R_SECOND, R_SECOND_VALUE), sp.Eq(SPREAD, SPREAD_CLOSED))
    return d
