"""init.kaiming, init.lecun, init.torch_default: what an initializer does to the second moment of a layer,
from the fan-in lemma (variance.fan_in) and the halving (activation.relu.moments) cited at the layer's
values (001 §Kaiming Initialization, §Initialization Formulas Summary; He et al., ICCV 2015, eqs. 7-10;
PyTorch nn.Linear.reset_parameters). Depth statements are inductions on the depth whose step is the
one-layer statement."""
from __future__ import annotations

import sympy as sp

from ..activations import LEAKY_SQ, c, density, q_any, u, z
from ..derivation import Derivation
from ..kernel import E, Independent
from ..registry import derivation
from ..sums import cite, rhs
from .conditions import VarU
from .symbols import INIT_VARIANCE, TORCH_GAINS, H, L, S, W, a, j, lam, m2, n, n_in, s, sigma2, slope, x

# ---- closed forms (a builder checks against these: change one and its derivation fails) -------------
KAIMING_SECOND = m2
"""E[h²] after one (leaky) ReLU layer with Var(W) = 2/((1+α²)·n_in), from E[x²]: preserved."""
LECUN_SECOND = m2
"""E[h²] after a linear layer (and after L of them) with Var(W) = 1/n_in: preserved."""
TORCH_FACTOR = sp.Rational(1, 6)
BIAS_FLOOR = sp.Rational(2, 5) / n_in
TORCH_START = m2 / 3 + 1 / (3 * n_in)
TORCH_BIAS_Q = BIAS_FLOOR + (TORCH_START - BIAS_FLOOR) * TORCH_FACTOR ** L
"""E[z_(L+1)²] with PyTorch's default weights and biases, from E[x²] at the input."""

# ---- left sides of the concluded statements (what verify evaluates) ------------------------------
KAIMING = E(sp.Max(0, S(n_in, s)) ** 2 + slope**2 * sp.Max(0, -S(n_in, s)) ** 2)
LECUN_LAYER = E(S(n_in, s) ** 2)
LECUN_DEPTH = H(L)
TORCH_LAYER = E(sp.Max(0, S(n_in, s)) ** 2)
Qz = sp.Function("E[z²]")                                   # Qz(L) = E[z_(L+1)²], PyTorch's default with biases
TORCH_BIAS = Qz(L)


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
    symmetric = d.assume("the pre-activations are symmetric", sp.Eq(density(-u, Zd(lam)), density(u, Zd(lam))),
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
