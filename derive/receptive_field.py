"""Receptive fields: the recurrence and its closed form, the top-down form, constant stacks,
effective stride and padding, and the effective receptive field's width.

Sources: 000 Q1.7 (four 3×3 layers see 9×9; the formula ((k-1)s)L + 1), Q2.2 (padding and the field;
the notes' 7 versus 5). References: Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional
Neural Networks", Distill (2019), §"Single-path networks"; Luo, Li, Urtasun & Zemel, "Understanding
the Effective Receptive Field in Deep Convolutional Neural Networks", NeurIPS (2016), §2 (a stack
of all-ones kernels).
"""
from __future__ import annotations

from functools import reduce

import sympy as sp

from .derivation import Derivation
from .registry import derivation

L = sp.Symbol("L", integer=True, nonnegative=True)        # depth
l = sp.Symbol("l", integer=True, positive=True)           # layer index
i = sp.Symbol("i", integer=True, positive=True)
kappa = sp.IndexedBase("κ")                                # effective kernel of each layer
stride = sp.IndexedBase("s")
pad = sp.IndexedBase("p")                                  # left padding of each layer
u = sp.Symbol("u", integer=True)                           # output unit

k = sp.Symbol("k", integer=True, positive=True)
s = sp.Symbol("s", positive=True)
d = sp.Symbol("d", integer=True, positive=True)
depth = sp.Symbol("L", integer=True, positive=True)

MAX_CONCRETE_DEPTH = 6
"""Depth up to which the top-down form and the span are proved with every parameter symbolic."""


def jump(m):
    """j_m = Π_{i<=m} s_i, the distance in input positions between neighbouring units of layer m."""
    return sp.Product(stride[i], (i, 1, m))


FIELD_TERM = (kappa[l] - 1) * jump(l - 1)
FIELD = 1 + sp.Sum(FIELD_TERM, (l, 1, L))
"""r_L = 1 + Σ_{l=1}^{L} (κ_l - 1)·Π_{i<l} s_i."""
FIELD_CONTROL = 1 + sp.Sum((kappa[l] - 1) * jump(l), (l, 1, L))
"""The negative control: each layer's own stride multiplying its own kernel."""
PADDING = sp.Sum(pad[l] * jump(l - 1), (l, 1, L))
"""P_L = Σ_{l=1}^{L} p_l·Π_{i<l} s_i (left padding)."""

CONSTANT_STACK = 1 + (k - 1) * (s**depth - 1) / (s - 1)
"""L layers of kernel k and stride s (s != 1): r = 1 + (k-1)(s^L - 1)/(s - 1)."""
CONSTANT_STACK_STRIDE_ONE = (k - 1) * depth + 1
CONSTANT_STACK_CONTROL = (k - 1) * s * depth + 1
"""The notes' formula ((k-1)s)L + 1 (000 Q1.7), right only at s = 1."""

ERF_STD = sp.sqrt(depth * (k**2 - 1) / 12)
"""Std of the L-fold convolution of a uniform k-tap kernel: √(L(k²-1)/12) (× d with dilation)."""
ERF_STD_CONTROL = depth * sp.sqrt((k**2 - 1) / 12)
"""The negative control: stds added instead of variances (grows like L, as r does)."""


def _at(expr, values):
    """Symbols replaced by integers, unevaluated, so the table shows the arithmetic."""
    with sp.evaluate(False):
        return expr.xreplace({sym: sp.Integer(v) for sym, v in values.items()})


def concrete(depth_value):
    """Symbols κ_1.., s_1.., p_1.. of a stack of the given depth (κ, s >= 1, p >= 0)."""
    ks = sp.symbols(f"κ1:{depth_value + 1}", integer=True, positive=True)
    ss = sp.symbols(f"s1:{depth_value + 1}", integer=True, positive=True)
    ps = sp.symbols(f"p1:{depth_value + 1}", integer=True, nonnegative=True)
    return ks, ss, ps


def _field_closed(ks, ss):
    return 1 + sum((ks[m] - 1) * sp.Mul(*ss[:m]) for m in range(len(ks)))


def _padding_closed(ps, ss):
    return sum(ps[m] * sp.Mul(*ss[:m]) for m in range(len(ps)))


def _top_down_field(ks, ss, shown=False):
    """r_{l-1} = s_l·r_l + (κ_l - s_l) from r_L = 1 down to r_0 (``shown``: left unevaluated, so a
    derivation table shows the recursion, e.g. s1*1 + κ1 - s1 at depth 1, rather than its value)."""
    if shown:
        return reduce(lambda r, m: sp.Add(sp.Mul(ss[m], r, evaluate=False), ks[m], -ss[m], evaluate=False),
                      reversed(range(len(ks))), sp.Integer(1))
    return reduce(lambda r, m: ss[m] * r + ks[m] - ss[m], reversed(range(len(ks))), sp.Integer(1))


def _top_down_span(ks, ss, ps):
    """First and last input position read by unit u: unit a of layer l reads a·s_l - p_l ..
    a·s_l - p_l + κ_l - 1 of layer l-1, applied from the top layer down."""
    first, last = u, u
    for m in reversed(range(len(ks))):
        first, last = first * ss[m] - ps[m], last * ss[m] - ps[m] + ks[m] - 1
    return first, last


def field_formula(depth_value):
    """(r, symbols): the closed form r = 1 + Σ (κ_l - 1)·Π_{i<l} s_i at a concrete depth, in
    the symbols (κ_1..κ_L, s_1..s_L) for lambdify."""
    ks, ss, _ = concrete(depth_value)
    return _field_closed(ks, ss), (*ks, *ss)


def field_control_formula(depth_value):
    """(r', symbols): the own-stride error r' = 1 + Σ (κ_l - 1)·Π_{i<=l} s_i."""
    ks, ss, _ = concrete(depth_value)
    return 1 + sum((ks[m] - 1) * sp.Mul(*ss[:m + 1]) for m in range(depth_value)), (*ks, *ss)


def span_formula(depth_value):
    """((first, last), symbols): u·S - P and u·S - P + r - 1 at a concrete depth, in the symbols
    (u, κ_1..κ_L, s_1..s_L, p_1..p_L)."""
    ks, ss, ps = concrete(depth_value)
    first = u * sp.Mul(*ss) - _padding_closed(ps, ss)
    return (first, first + _field_closed(ks, ss) - 1), (u, *ks, *ss, *ps)


@derivation("rf.recurrence")
def recurrence() -> Derivation:
    dv = Derivation(
        "rf.recurrence",
        "r_l = r_{l-1} + (κ_l - 1)·j_{l-1}, j_l = j_{l-1}·s_l; closed form r = 1 + Σ_l (κ_l - 1)·Π_{i<l} s_i; "
        "the top-down form r_{l-1} = s_l·r_l + (κ_l - s_l) is equivalent",
        scope=f"closed form: every depth L >= 0 (induction); top-down equivalence: every depth "
              f"1..{MAX_CONCRETE_DEPTH} with every κ_l, s_l symbolic")
    kk, dd = sp.Symbol("k_l", integer=True, positive=True), sp.Symbol("d_l", integer=True, positive=True)
    dv.define(sp.Eq(sp.Symbol("κ_l"), dd * (kk - 1) + 1, evaluate=False),
              "effective kernel of layer l: k_l taps spaced d_l apart")
    dv.define(sp.Eq(sp.Symbol("j_l"), jump(l), evaluate=False),
              "jump: neighbouring units of layer l are j_l = j_{l-1}·s_l input positions apart, j_0 = 1")
    dv.define(sp.Eq(sp.Symbol("r_l"), sp.Symbol("r_{l-1}") + (sp.Symbol("κ_l") - 1) * sp.Symbol("j_{l-1}"),
                    evaluate=False),
              "a unit of layer l spans κ_l units of layer l-1, whose fields overlap but for j_{l-1} "
              "positions each: r_l = r_{l-1} + (κ_l - 1)·j_{l-1}, r_0 = 1 (Araujo et al. 2019, bottom-up)")
    dv.induction(FIELD, L, (0, sp.Integer(1)), lambda r, m: r + sp.Sum(FIELD_TERM, (l, m + 1, m + 1)),
                 "closed form: r_0 = 1 and r_{L+1} = r_L + (κ_{L+1} - 1)·j_L", name=sp.Symbol("r_L"))
    dv.identity(sp.Sum(FIELD_TERM, (l, L + 1, L + 1)), (kappa[L + 1] - 1) * jump(L),
                "the added term of the induction step is the recurrence's (κ_{L+1} - 1)·j_L")
    for depth_value in range(1, MAX_CONCRETE_DEPTH + 1):
        ks, ss, _ = concrete(depth_value)
        dv.identity(_top_down_field(ks, ss, shown=True), _field_closed(ks, ss),
                    f"top-down r_(l-1) = s_l·r_l + κ_l - s_l from r_L = 1 gives the closed form "
                    f"(depth {depth_value})")
    ks, ss, _ = concrete(2)
    notes = {ks[0]: 3, ks[1]: 3, ss[0]: 1, ss[1]: 2}
    dv.instance(_at(_field_closed(ks, ss), notes), 5,
                "000 Q2.2: 3×3 stride 1, then 3×3 stride 2: r = 1 + 2 + 2 = 5")
    wrong = 1 + sum((ks[m] - 1) * sp.Mul(*ss[:m + 1]) for m in range(2))
    dv.instance(_at(wrong, notes), 7,
                "the notes' 7 = 1 + 2·1 + 2·2 is the own-stride error: layer 2's stride must not "
                "multiply its own kernel")
    dv.conclude(sp.Eq(sp.Symbol("r"), FIELD, evaluate=False))
    return dv


@derivation("rf.constant_stack")
def constant_stack() -> Derivation:
    dv = Derivation(
        "rf.constant_stack",
        "L layers of kernel k, stride s: r = 1 + (k-1)(s^L - 1)/(s - 1); (k-1)L + 1 at s = 1",
        scope="for all integers k >= 1, L >= 0 and real s > 0 (s != 1 in the quotient; its limit at s = 1)")
    m = sp.Symbol("l", integer=True, positive=True)
    lL = sp.Symbol("L", integer=True, nonnegative=True)
    dv.define(sp.Eq(sp.Symbol("r"), 1 + sp.Sum((k - 1) * s ** (m - 1), (m, 1, lL)), evaluate=False),
              "rf.recurrence with κ_l = k and s_l = s: Π_{i<l} s_i = s^(l-1)")
    dv.telescoping((k - 1) * s ** (m - 1), m, lL, (k - 1) * (s**lL - 1) / (s - 1),
                   "geometric sum Σ_{l=1}^{L} s^(l-1) = (s^L - 1)/(s - 1)", kind="sum")
    dv.limit(CONSTANT_STACK, s, 1, CONSTANT_STACK_STRIDE_ONE,
             "s -> 1: (s^L - 1)/(s - 1) -> L, so r -> (k-1)L + 1")
    dv.identity(1 + sp.Sum((k - 1) * sp.Integer(1) ** (m - 1), (m, 1, depth)),
                CONSTANT_STACK_STRIDE_ONE, "directly at s = 1: L equal terms k - 1")
    dv.instance(_at(CONSTANT_STACK_STRIDE_ONE, {k: 3, depth: 4}), 9,
                "000 Q1.7: four 3×3 stride-1 layers see 9×9")
    dv.instance(_at(CONSTANT_STACK_CONTROL, {k: 3, depth: 4, s: 1}), 9,
                "the notes' ((k-1)s)L + 1 agrees at s = 1 ...")
    dv.instance(_at(CONSTANT_STACK, {k: 3, depth: 4, s: 2}), 31,
                "... but at s = 2 the field is 1 + 2·15 = 31")
    dv.instance(_at(CONSTANT_STACK_CONTROL, {k: 3, depth: 4, s: 2}), 17,
                "where ((k-1)s)L + 1 gives 17")
    dv.conclude(sp.Eq(sp.Symbol("r"), CONSTANT_STACK, evaluate=False))
    return dv


S_SYM, P_SYM = sp.Symbol("S"), sp.Symbol("P")
"""Effective stride and padding as named quantities (shown in the span steps)."""


def _span_steps(dv):
    for depth_value in range(1, MAX_CONCRETE_DEPTH + 1):
        ks, ss, ps = concrete(depth_value)
        first, last = _top_down_span(ks, ss, ps)
        big_s = sp.Mul(*ss)
        # u·S - P with S and P shown, and last - first + 1 unevaluated: at depth 1 both sides would
        # otherwise print as the same expression
        dv.identity(first, sp.Subs(u * S_SYM - P_SYM, (S_SYM, P_SYM), (big_s, _padding_closed(ps, ss))),
                    f"first position read by unit u is u·S - P (depth {depth_value})")
        dv.identity(sp.Add(last, sp.Mul(-1, first, evaluate=False), 1, evaluate=False), _field_closed(ks, ss),
                    f"last - first + 1 is the field r, free of every p_l (depth {depth_value})")


@derivation("rf.padding")
def padding() -> Derivation:
    dv = Derivation(
        "rf.padding",
        "the field of unit u spans [u·S - P, u·S - P + r - 1], S = Π s_l, P = Σ_l p_l·Π_{i<l} s_i: "
        "padding moves the field, never resizes it",
        scope=f"P by induction for every depth; the span for every depth 1..{MAX_CONCRETE_DEPTH} with "
              f"every κ_l, s_l, p_l and u symbolic")
    dv.define(sp.Eq(sp.Symbol("S"), jump(L), evaluate=False), "effective stride: the jump of the last layer")
    dv.define(sp.Eq(sp.Symbol("P_l"), sp.Symbol("P_{l-1}") + pad[l] * jump(l - 1), evaluate=False),
              "layer l's left padding p_l, in units of layer l-1, is p_l·j_{l-1} input positions "
              "(Araujo et al. 2019, effective padding), P_0 = 0")
    dv.induction(PADDING, L, (0, sp.Integer(0)),
                 lambda q, m: q + sp.Sum(pad[l] * jump(l - 1), (l, m + 1, m + 1)),
                 "closed form P_L = Σ p_l·Π_{i<l} s_i: P_0 = 0 and P_{L+1} = P_L + p_{L+1}·j_L",
                 name=sp.Symbol("P_L"))
    dv.identity(sp.Sum(pad[l] * jump(l - 1), (l, L + 1, L + 1)), pad[L + 1] * jump(L),
                "the added term of the induction step is the recurrence's p_{L+1}·j_L")
    _span_steps(dv)
    ks, ss, ps = concrete(2)
    notes = {ks[0]: 3, ks[1]: 3, ss[0]: 1, ss[1]: 2, ps[0]: 1, ps[1]: 0}
    first, last = _top_down_span(ks, ss, ps)
    dv.instance(_at(last - first + 1, {**notes, u: 0}), 5,
                "000 Q2.2 with its padding 1: still 5 (padding does not change the field)")
    dv.instance(_at(first, {**notes, u: 0}), -1,
                "... but unit 0's field starts at -1, one position into the padding")
    dv.conclude(sp.Eq(sp.Symbol("span(u)"), sp.Interval(u * jump(L) - PADDING,
                                                          u * jump(L) - PADDING + FIELD - 1), evaluate=False))
    return dv


@derivation("rf.empirical")
def empirical() -> Derivation:
    dv = Derivation(
        "rf.empirical",
        "with positive weights and average pooling the non-zero input gradient of unit u has bounding "
        "box [u·S - P, u·S - P + r - 1]",
        scope=f"positivity for every path; the box for every depth 1..{MAX_CONCRETE_DEPTH} (all "
              f"parameters symbolic)")
    w1, w2, v1, v2 = sp.symbols("w_1 w_2 v_1 v_2", positive=True)
    dv.define(sp.Eq(sp.Symbol("∂y_u/∂x_i"), sp.Symbol("Σ_paths Π w"), evaluate=False),
              "a linear stack's input gradient is a sum over paths from x_i to y_u of weight products")
    dv.inequality(w1 * v1 + w2 * v2, 0, w1 * v1 + w2 * v2,
                  "with every weight (and pooling coefficient 1/k) positive, each path adds a positive "
                  "product: no cancellation, so the gradient is non-zero exactly on the footprint",
                  strict=True)
    _span_steps(dv)
    dv.define(sp.Eq(sp.Symbol("box"), sp.Interval(sp.Symbol("first"), sp.Symbol("last")), evaluate=False),
              "first and last are reached (tap 0 and tap k-1 at every layer), so they bound the footprint; "
              "positions between may be missed (dilation, k < s): holes, not part of the claim")
    dv.conclude(sp.Eq(sp.Symbol("box(u)"), sp.Interval(u * jump(L) - PADDING,
                                                         u * jump(L) - PADDING + FIELD - 1), evaluate=False))
    return dv


@derivation("rf.effective")
def effective() -> Derivation:
    dv = Derivation(
        "rf.effective",
        "a stride-1 stack of L uniform k-tap kernels has a gradient map of std √(L(k²-1)/12) (× d with "
        "dilation)",
        scope="for all integers k >= 1, L >= 1, d >= 1")
    t = sp.Symbol("t", integer=True, nonnegative=True)
    mean = sp.summation(t, (t, 0, k - 1)) / k
    second = sp.summation(t**2, (t, 0, k - 1)) / k
    dv.define(sp.Eq(sp.Symbol("g_L"), sp.Symbol("u * u * ... * u (L times)"), evaluate=False),
              "with every weight 1/k the gradient map is the L-fold convolution of the uniform mass u on "
              "{0, ..., k-1}: the law of a sum of L independent uniform taps (Luo et al. 2016, §2)")
    dv.identity(mean, (k - 1) / 2, "mean of one tap: Σ t / k")
    dv.identity(second - mean**2, (k**2 - 1) / 12, "variance of one tap: Σ t²/k - ((k-1)/2)²")
    a, b = sp.symbols("a b", real=True)
    ma, mb = sp.symbols("m_a m_b", real=True)
    dv.identity((a + b - ma - mb) ** 2, (a - ma) ** 2 + (b - mb) ** 2 + 2 * (a - ma) * (b - mb),
                "expand (X + Y - E[X+Y])²; independence makes E[(X - m_a)(Y - m_b)] = 0, so variances add")
    var = sp.Function("Var")
    dv.induction(depth * (k**2 - 1) / 12, depth, (1, (k**2 - 1) / 12),
                 lambda v, m: v + (k**2 - 1) / 12,
                 "variances add over the L independent taps", name=var(sp.Symbol("g_L")))
    dilated_mean = sp.summation(d * t, (t, 0, k - 1)) / k
    dilated_second = sp.summation((d * t) ** 2, (t, 0, k - 1)) / k
    dv.identity(dilated_second - dilated_mean**2, d**2 * (k**2 - 1) / 12,
                "dilation d puts the taps at 0, d, ..., d(k-1): the variance is d² times, the std d times")
    dv.instance(_at(ERF_STD, {k: 3, depth: 4}), sp.sqrt(sp.Rational(8, 3)),
                "four 3×3 layers: std √(8/3) ≈ 1.63 positions, while r = 9")
    dv.instance(_at(ERF_STD_CONTROL, {k: 3, depth: 4}), 4 * sp.sqrt(sp.Rational(2, 3)),
                "adding stds instead would give 4·√(2/3) ≈ 3.27: twice too wide at L = 4")
    dv.conclude(sp.Eq(sp.Symbol("std"), ERF_STD, evaluate=False))
    return dv
