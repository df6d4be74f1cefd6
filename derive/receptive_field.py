"""Receptive fields: the interval map of a layer, composed over a stack of any depth; the field, its
recurrences (bottom-up and top-down), effective stride and padding; constant stacks; the support of a
positive linear stack's input gradient; the width of the effective receptive field.

One layer l (kernel k_l, stride s_l, left padding p_l, dilation d_l) maps an output index a to the
input positions it reads, a·s_l - p_l + t·d_l for t = 0..k_l - 1: the interval [a·s_l - p_l,
a·s_l - p_l + κ_l - 1] with κ_l = d_l(k_l - 1) + 1. The first and last input positions read by unit u
of a stack are defined by composing these maps (a recursion over the layers), and their closed forms
are proved by induction for every depth. Layer parameters are undefined functions of the layer index,
so every statement holds for every choice of them.

Sources: 000 Q1.7 (four 3×3 layers see 9×9; the formula ((k-1)s)L + 1), Q2.2 (padding and the field;
the notes' 7 versus 5). References: Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional
Neural Networks", Distill (2019), §"Single-path networks" (field size, effective stride and padding,
the region u_{l-1} = s_l·u_l - p_l, v_{l-1} = s_l·v_l - p_l + k_l - 1); Luo, Li, Urtasun & Zemel,
"Understanding the Effective Receptive Field in Deep Convolutional Neural Networks", NeurIPS (2016), §2.1
(a stack of kernels with equal weights); Feller, An Introduction to Probability Theory and Its
Applications, Vol. 1 (3rd ed., 1968), §XI.2 (convolutions: the law of a sum of independent variables).
"""
from __future__ import annotations

import sympy as sp

from .derivation import Derivation
from .kernel import E, Independent
from .registry import derivation

# ---------------------------------------------------------------------------------------------
# A stack: layers 1..L, layer 1 reads the input; a sub-stack is layers c+1..c+L.

L = sp.Symbol("L", integer=True, nonnegative=True)        # depth
c = sp.Symbol("c", integer=True, nonnegative=True)        # offset of a sub-stack (layers c+1 .. c+L)
l = sp.Symbol("l", integer=True, positive=True)           # layer index
i = sp.Symbol("i", integer=True, positive=True)           # layer index inside products
u = sp.Symbol("u", integer=True)                          # an output unit (any integer index)

kernel = sp.Function("k", integer=True, positive=True)    # k(l): taps of layer l
stride = sp.Function("s", integer=True, positive=True)    # s(l)
pad = sp.Function("p", integer=True, nonnegative=True)    # p(l): left padding
dilation = sp.Function("d", integer=True, positive=True)  # d(l)
LAYER = {"k": kernel, "s": stride, "p": pad, "d": dilation}
"""The layer parameters, by the names verify passes them under."""

kappa = sp.Function("κ", integer=True, positive=True)     # effective kernel d(k - 1) + 1 (rf.recurrence)
jump = sp.Function("j")                                   # j(L, c) = Π_{i=1}^{L} s(c + i)
eff_pad = sp.Function("P")                                # P(L, c) = Σ p(c + l)·j(l - 1, c)
field_closed = sp.Function("R")                           # R(L, c) = 1 + Σ (κ(c + l) - 1)·j(l - 1, c)
first = sp.Function("first")                              # first(L, u, c): first position read by unit u
last = sp.Function("last")                                # last(L, u, c)
field = sp.Function("r")                                  # r(L, u, c) = last - first + 1


def JUMP(m):
    """Π_{i=1}^{m} s(i): neighbouring units of layer m are this many input positions apart."""
    return sp.Product(stride(i), (i, 1, m))


FIELD = 1 + sp.Sum((kappa(l) - 1) * JUMP(l - 1), (l, 1, L))
"""r = 1 + Σ_{l=1}^{L} (κ_l - 1)·Π_{i<l} s_i."""
FIELD_CONTROL = 1 + sp.Sum((kappa(l) - 1) * JUMP(l), (l, 1, L))
"""The negative control: each layer's own stride multiplying its own kernel (the notes' 7)."""
FIRST = u * JUMP(L) - sp.Sum(pad(l) * JUMP(l - 1), (l, 1, L))
"""u·S - P: the first input position read by unit u, S = Π s_l, P = Σ p_l·Π_{i<l} s_i."""
SPREAD = sp.Sum(dilation(l) * (kernel(l) - 1) * JUMP(l - 1), (l, 1, L))
"""r - 1 with κ_l - 1 = d_l(k_l - 1) written out (the citations of rf.recurrence read no κ)."""
LAST = FIRST + SPREAD
"""u·S - P + r - 1: the last input position read by unit u."""


def reads(a, m):
    """(first, last) input positions read by unit a of layer m: a·s_m - p_m and a·s_m - p_m + κ_m - 1, with
    κ_m - 1 = d_m(k_m - 1) (the taps a·s_m - p_m + t·d_m, t = 0..k_m - 1)."""
    start = stride(m) * a - pad(m)
    return start, start + dilation(m) * (kernel(m) - 1)


def bottom_up(r_below, m, jump_below):
    """Bottom-up: r_m = r_(m-1) + (κ_m - 1)·j_(m-1), layer m's kernel in units of the jump below it."""
    return r_below + (kappa(m) - 1) * jump_below


def top_down(r_above, m):
    """Top-down: r_(m-1) = s_m·r_m + κ_m - s_m, the field in layer m-1 from the field in layer m."""
    return stride(m) * r_above + kappa(m) - stride(m)


def _lhs(fact):
    """The left side of a fact's equation (a placeholder when the step was refused: later steps then fail)."""
    statement = getattr(fact, "statement", None)
    return statement.lhs if isinstance(statement, sp.Equality) else sp.Symbol("missing")


def _rhs(fact):
    """The right side of a fact's equation (a placeholder when the step was refused)."""
    statement = getattr(fact, "statement", None)
    return statement.rhs if isinstance(statement, sp.Equality) else sp.Symbol("missing")


def _flip(dv: Derivation, fact, why: str):
    """b = a from the fact a = b: b = a + (b - a), and b - a = 0 by rewriting a with the fact."""
    a, b = _lhs(fact), _rhs(fact)
    zero = dv.rewrite(b - a, [fact], "the fact, inside b - a: it is 0")
    split = sp.Add(a, b - a, evaluate=False)
    added = dv.identity(b, split, "add and subtract")
    removed = dv.rewrite(split, [zero], "b - a = 0")
    return dv.chain(added, removed, justification=why)


def _numbers(dv: Derivation, expr, depth, values, unit=0):
    """``expr`` (its definitions in ``dv`` written out) at a concrete depth and unit with the layer functions
    replaced by numbers, left unevaluated so a table shows the arithmetic (worked numbers from the notes)."""
    concrete = dv.unfold(expr).xreplace({L: sp.Integer(depth), u: sp.Integer(unit)}).doit()
    table = {LAYER[name](m + 1): sp.Integer(v) for name, row in values.items() for m, v in enumerate(row)}
    with sp.evaluate(False):
        return concrete.xreplace(table)


NOTES_Q22 = {"k": (3, 3), "s": (1, 2), "p": (1, 0), "d": (1, 1)}
"""000 Q2.2: conv 3×3 stride 1 padding 1, then pool 3×3 stride 2."""


# ---------------------------------------------------------------------------------------------
# rf.recurrence


@derivation("rf.recurrence")
def recurrence(resolve=None) -> Derivation:
    dv = Derivation(
        "rf.recurrence",
        "the interval maps of the layers compose to first = u·S - P, last = first + r - 1 with "
        "r = 1 + Σ_l (κ_l - 1)·Π_{i<l} s_i; r_l = r_{l-1} + (κ_l - 1)·j_{l-1}, j_l = j_{l-1}·s_l; the "
        "top-down form r_{l-1} = s_l·r_l + κ_l - s_l",
        scope="every depth L >= 0 and every sub-stack (layers c+1..c+L, c >= 0), every unit u, every kernel, "
              "stride and dilation >= 1 and left padding >= 0 (layer parameters are arbitrary functions of the "
              "layer index); by induction on L",
        resolve=resolve)
    dv.define(kappa(l), dilation(l) * (kernel(l) - 1) + 1,
              "effective kernel: k_l taps d_l apart span κ_l = d_l(k_l - 1) + 1 positions")
    dv.define(jump(L, c), sp.Product(stride(c + i), (i, 1, L)),
              "jump: neighbouring units of layer c+L are j(L, c) positions of layer c apart (effective stride)")
    dv.define(eff_pad(L, c), sp.Sum(pad(c + l) * jump(l - 1, c), (l, 1, L)),
              "effective padding: layer c+l's padding p, in positions of layer c")
    dv.define(field_closed(L, c), 1 + sp.Sum((kappa(c + l) - 1) * jump(l - 1, c), (l, 1, L)),
              "the closed form to be proved for the field")

    # the interval map of the top layer c+L+1 is applied first: unit u reads units reads(u) of layer c+L
    top = c + L + 1
    left, right = reads(u, top)
    base_first, step_first = dv.define_recursive(
        first, L, 0, u, first(L, left, c),
        "first position read: a stack of no layers reads u itself; layer c+L+1 maps unit u to its first "
        "input unit u·s - p, whose first position is read through layers c+1..c+L", params=(u, c))
    base_last, step_last = dv.define_recursive(
        last, L, 0, u, last(L, right, c),
        "last position read: through the last tap u·s - p + d(k - 1) of layer c+L+1", params=(u, c))
    first_closed = jump(L, c) * u - eff_pad(L, c)
    last_closed = first_closed + field_closed(L, c) - 1
    f_first = dv.induction(first(L, u, c), L, first_closed, base_first, step_first,
                           "first = u·j - P for every depth: j(0) = 1, P(0) = 0; the step splits the last "
                           "factor s(c+L+1) off j and the last term p(c+L+1)·j(L) off P")
    f_last = dv.induction(last(L, u, c), L, last_closed, base_last, step_last,
                          "last = first + R - 1 for every depth: the last tap adds (κ - 1)·j(L) = the last "
                          "term of R")

    dv.define(field(L, u, c), last(L, u, c) - first(L, u, c) + 1, "the field: positions from first to last")
    f_field = dv.chain(
        dv.identity(field(L, u, c), last(L, u, c) - first(L, u, c) + 1, "definition of r"),
        dv.rewrite(last(L, u, c) - first(L, u, c) + 1, [f_first, f_last], "the two closed forms: u and the "
                                                                            "padding cancel"),
        justification="r = R for every depth: the field depends on neither u nor any padding")
    back = _flip(dv, f_field, "R = r")

    # the closed forms of the whole stack (c = 0), written out
    results = []
    for fact, closed, explicit, what in ((f_field, field_closed(L, 0), FIELD, "the field"),
                                         (f_first, first_closed.xreplace({c: 0}), FIRST, "the first position"),
                                         (f_last, last_closed.xreplace({c: 0}), LAST, "the last position")):
        results.append(dv.chain(dv.instantiate(fact, {c: 0}, "the whole stack: c = 0"),
                                dv.identity(closed, explicit, "j, P and R written out"),
                                justification=f"{what} of unit u of a depth-L stack"))

    # bottom-up recurrences: the field, the jump and the start (the first position read by unit 0)
    at_next = dv.instantiate(f_field, {L: L + 1}, "one layer more")
    grow = dv.identity(field_closed(L + 1, c), bottom_up(field_closed(L, c), top, jump(L, c)),
                       "the last term of the sum")
    r_rec = dv.chain(at_next, grow, dv.rewrite(_rhs(grow), [back], "R = r"),
                     justification="r_{l} = r_{l-1} + (κ_l - 1)·j_{l-1}")
    j_rec = dv.identity(jump(L + 1, c), jump(L, c) * stride(top), "j_l = j_{l-1}·s_l: the last factor")
    start_next = dv.instantiate(f_first, {L: L + 1, u: 0}, "unit 0 of one layer more")
    start_grow = dv.identity(-eff_pad(L + 1, c), -eff_pad(L, c) - pad(top) * jump(L, c), "the last term of P")
    start_back = _flip(dv, dv.instantiate(f_first, {u: 0}, "unit 0"), "-P = first position of unit 0")
    start_rec = dv.chain(start_next, start_grow, dv.rewrite(_rhs(start_grow), [start_back], "-P = first"),
                         justification="the start moves left by p_l·j_{l-1} per layer")

    # top-down: the field seen from layer c splits off the bottom layer c+1
    below = sp.Function("G")
    dv.define(below(L, c), jump(L + 1, c), "G(L, c) = j(L + 1, c), to split its first factor off")
    g_fact = dv.induction(below(L, c), L, stride(c + 1) * jump(L, c + 1),
                          dv.identity(below(0, c), stride(c + 1), "one factor"),
                          dv.identity(below(L + 1, c), below(L, c) * stride(c + L + 2), "the last factor"),
                          "j(L + 1, c) = s(c + 1)·j(L, c + 1) for every L")
    split = dv.chain(dv.identity(jump(L + 1, c), below(L, c), "definition of G"), g_fact,
                     justification="the jump splits at the bottom layer")
    above = sp.Function("H")
    dv.define(above(L, c), field_closed(L + 1, c), "H(L, c) = R(L + 1, c), to split its first layer off")
    grown = dv.instantiate(grow, {L: L + 1}, "the last term, one layer up")
    h_grow = dv.chain(dv.identity(above(L + 1, c), field_closed(L + 2, c), "definition of H"), grown,
                      dv.identity(_rhs(grown), above(L, c) + (kappa(c + L + 2) - 1) * jump(L + 1, c),
                                  "definition of H"), justification="H(L + 1) = H(L) + its last term")
    h_step = dv.chain(h_grow, dv.rewrite(_rhs(h_grow), [split], "split the jump"),
                      justification="H(L + 1) in terms of H(L)")
    h_fact = dv.induction(above(L, c), L, top_down(field_closed(L, c + 1), c + 1),
                          dv.identity(above(0, c), kappa(c + 1), "one layer: R = κ"), h_step,
                          "R(L + 1, c) = s(c + 1)·R(L, c + 1) + κ(c + 1) - s(c + 1) for every L")
    r_top_down = dv.chain(at_next, dv.identity(field_closed(L + 1, c), above(L, c), "definition of H"), h_fact,
                        dv.rewrite(_rhs(h_fact), [dv.instantiate(back, {c: c + 1}, "the sub-stack above")],
                                   "R = r for layers c+2..c+L+1"),
                        justification="top-down: r_{l-1} = s_l·r_l + κ_l - s_l")

    dv.instance(_numbers(dv, FIELD, 2, NOTES_Q22), 5, "000 Q2.2: 3×3 stride 1, then 3×3 stride 2: r = 1 + 2 + 2·1 = 5")
    dv.instance(_numbers(dv, FIELD_CONTROL, 2, NOTES_Q22), 7,
                "the notes' 7 = 1 + 2·1 + 2·2 is the own-stride error: layer 2's stride must not multiply its "
                "own kernel")
    dv.control(FIELD_CONTROL, field(L, u, 0), "1 + Σ (κ_l - 1)·Π_{i<=l} s_i: a layer's own stride multiplying its "
                                              "own kernel")
    dv.conclude(*results, r_rec, j_rec, start_rec, r_top_down)
    return dv


# ---------------------------------------------------------------------------------------------
# rf.constant_stack

k = sp.Symbol("k", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)
p = sp.Symbol("p", integer=True, nonnegative=True)
d = sp.Symbol("d", integer=True, positive=True)

CONSTANT_STACK = 1 + (k - 1) * (s**L - 1) / (s - 1)
"""L layers of kernel k and stride s (s != 1): r = 1 + (k-1)(s^L - 1)/(s - 1)."""
CONSTANT_STACK_STRIDE_ONE = (k - 1) * L + 1
CONSTANT_STACK_CONTROL = (k - 1) * s * L + 1
"""The notes' formula ((k-1)s)L + 1 (000 Q1.7), right only at s = 1."""
STACK_FIELD = field(L, u, s)
"""The field of unit u of L layers of kernel k, stride s, padding p."""
STACK_FIELD_STRIDE_ONE = field(L, u, 1)


@derivation("rf.constant_stack")
def constant_stack(resolve=None) -> Derivation:
    dv = Derivation(
        "rf.constant_stack",
        "L layers of kernel k, stride s: r = 1 + (k-1)(s^L - 1)/(s - 1); (k-1)L + 1 at s = 1",
        scope="every depth L >= 0, kernel k >= 1, padding p >= 0 and stride s >= 1 (the quotient for s != 1, "
              "(k-1)L + 1 at s = 1), by induction on L over the same interval maps as rf.recurrence",
        resolve=resolve)
    base_first, step_first = dv.define_recursive(
        first, L, 0, u, first(L, s * u - p, s),
        "first position read (rf.recurrence with every layer k, s, p): unit u reads from u·s - p", params=(u, s))
    base_last, step_last = dv.define_recursive(
        last, L, 0, u, last(L, s * u - p + k - 1, s), "last position read: the last tap u·s - p + k - 1",
        params=(u, s))
    geometric = sp.Sum(s ** (l - 1), (l, 1, L))
    first_closed = s**L * u - p * geometric
    spread = sp.Sum((k - 1) * s ** (l - 1), (l, 1, L))
    f_first = dv.induction(first(L, u, s), L, first_closed, base_first, step_first,
                           "first = s^L·u - p·Σ s^(l-1) for every depth")
    f_last = dv.induction(last(L, u, s), L, first_closed + spread, base_last, step_last,
                          "last = first + Σ (k-1)·s^(l-1) for every depth")
    dv.define(STACK_FIELD, last(L, u, s) - first(L, u, s) + 1, "the field")
    as_sum = dv.chain(dv.identity(STACK_FIELD, last(L, u, s) - first(L, u, s) + 1, "definition of r"),
                      dv.rewrite(last(L, u, s) - first(L, u, s) + 1, [f_first, f_last],
                                 "the closed forms: u and p cancel"),
                      justification="r = 1 + Σ_{l=1}^{L} (k-1)·s^(l-1): rf.recurrence with κ_l = k, s_l = s")
    geo = dv.telescoping((k - 1) * s ** (l - 1), l, L, (k - 1) * (s**L - 1) / (s - 1),
                         "geometric sum Σ_{l=1}^{L} s^(l-1) = (s^L - 1)/(s - 1)", kind="sum")
    quotient = dv.chain(as_sum, dv.rewrite(_rhs(as_sum), [geo], "the geometric sum"),
                        justification="for s != 1")
    at_one = dv.instantiate(as_sum, {s: 1}, "stride 1")
    stride_one = dv.chain(at_one, dv.identity(_rhs(at_one), CONSTANT_STACK_STRIDE_ONE, "L equal terms k - 1"),
                          justification="at s = 1: (k-1)L + 1")
    dv.limit(CONSTANT_STACK, s, 1, CONSTANT_STACK_STRIDE_ONE,
             "and the quotient tends to it: (s^L - 1)/(s - 1) -> L as s -> 1")
    with sp.evaluate(False):
        q17 = CONSTANT_STACK_STRIDE_ONE.xreplace({k: sp.Integer(3), L: sp.Integer(4)})
        notes_at = {k: sp.Integer(3), L: sp.Integer(4), s: sp.Integer(2)}
        control_two, closed_two = CONSTANT_STACK_CONTROL.xreplace(notes_at), CONSTANT_STACK.xreplace(notes_at)
        control_one = CONSTANT_STACK_CONTROL.xreplace({**notes_at, s: sp.Integer(1)})
    dv.instance(q17, 9, "000 Q1.7: four 3×3 stride-1 layers see 9×9")
    dv.instance(control_one, 9, "the notes' ((k-1)s)L + 1 agrees at s = 1 ...")
    dv.instance(closed_two, 31, "... but at s = 2 the field is 1 + 2·15 = 31")
    dv.instance(control_two, 17, "where ((k-1)s)L + 1 gives 17")
    dv.control(CONSTANT_STACK_CONTROL, STACK_FIELD, "the notes' ((k-1)s)L + 1 (000 Q1.7)")
    dv.conclude(sp.Eq(STACK_FIELD, CONSTANT_STACK, evaluate=False), stride_one)
    return dv


# ---------------------------------------------------------------------------------------------
# rf.padding

S = sp.Function("S")
P = sp.Function("P")
R = sp.Function("R")
START = u * S(L) - P(L)
"""u·S - P, in the abbreviations S, P, R that rf.padding and rf.empirical define."""
END = START + R(L) - 1
END_CONTROL = START + sp.Sum(dilation(l) * (kernel(l) - 1) * S(l), (l, 1, L))
"""The end with the own-stride field r' = 1 + Σ (κ_l - 1)·Π_{i<=l} s_i."""
SPAN_SIZE = last(L, u, 0) - first(L, u, 0) + 1
"""The number of input positions from first to last: the field."""


def _abbreviations(dv: Derivation):
    dv.define(S(L), JUMP(L), "effective stride S = Π s_l")
    dv.define(P(L), sp.Sum(pad(l) * S(l - 1), (l, 1, L)), "effective padding P = Σ p_l·Π_{i<l} s_i (left)")
    dv.define(R(L), 1 + sp.Sum(dilation(l) * (kernel(l) - 1) * S(l - 1), (l, 1, L)),
              "the field r = 1 + Σ (κ_l - 1)·Π_{i<l} s_i, κ_l - 1 = d_l(k_l - 1): no p_l in it")


@derivation("rf.padding")
def padding(resolve=None) -> Derivation:
    dv = Derivation(
        "rf.padding",
        "the field of unit u spans [u·S - P, u·S - P + r - 1], S = Π s_l, P = Σ_l p_l·Π_{i<l} s_i: "
        "padding moves the field, never resizes it",
        scope="every depth L >= 0, every unit u and all layer parameters (the interval maps of rf.recurrence)",
        resolve=resolve)
    cited = dv.use("rf.recurrence", "the composed interval maps")
    cited = cited if isinstance(cited, tuple) else (cited,)
    by_lhs = {f.statement.lhs: f for f in cited if isinstance(f.statement, sp.Equality)}
    _abbreviations(dv)
    start = dv.chain(by_lhs.get(first(L, u, 0)), dv.identity(FIRST, START, "in S and P"),
                     justification="the field of unit u starts at u·S - P")
    end = dv.chain(by_lhs.get(last(L, u, 0)), dv.identity(LAST, END, "in S, P and r"),
                   justification="and ends at u·S - P + r - 1")
    size = dv.rewrite(SPAN_SIZE, [start, end], "its size is r, whatever the padding")
    wrong_size = R(L) + 2 * P(L)
    dv.control(wrong_size, SPAN_SIZE, "size r + 2P: the padded border counted into the field")
    dv.control(END + 2 * P(L), last(L, u, 0), "the end with the field r + 2P")
    dv.instance(_numbers(dv, R(L), 2, NOTES_Q22), 5, "000 Q2.2 with its padding 1: still 5 (padding does not "
                                                     "change the field)")
    dv.instance(_numbers(dv, START, 2, NOTES_Q22, unit=0), -1,
                "... but unit 0's field starts at -1, one position into the padding")
    dv.instance(_numbers(dv, wrong_size, 2, NOTES_Q22), 7, "counting the padding into the field would give 5 + 2·1 = 7")
    dv.conclude(start, end, size)
    return dv


# ---------------------------------------------------------------------------------------------
# rf.empirical

lo = sp.Function("lo")
hi = sp.Function("hi")
"""lo(L, u), hi(L, u): the leftmost and rightmost input position where ∂y_u/∂x ≠ 0, for a depth-L stack of
linear layers (conv with positive taps, average pools), on an input large enough not to clip."""

SUPPORT_REFERENCE = (
    "chain rule for one linear layer (Goodfellow, Bengio & Courville, Deep Learning, 2016, §6.5.2): "
    "∂y_u/∂x = Σ_t w_t·∂h_(u·s - p + t·d)/∂x; every w_t > 0 (pool: 1/k) and every ∂h/∂x >= 0, so no term "
    "cancels and the support of unit u is the union of the supports of the units it reads, which starts with "
    "tap 0 and ends with tap k - 1 (the region recurrence u_(l-1) = s_l·u_l - p_l, v_(l-1) = s_l·v_l - p_l + "
    "κ_l - 1 of Araujo, Norris & Sim, Distill 2019); a stack of no layers is the identity, gradient δ_u")


@derivation("rf.empirical")
def empirical(resolve=None) -> Derivation:
    dv = Derivation(
        "rf.empirical",
        "with positive weights and average pooling the non-zero input gradient of unit u has bounding "
        "box [u·S - P, u·S - P + r - 1]: its ends are the interval map's first and last positions",
        scope="every depth L >= 0, every unit u and all layer parameters, given the one-layer support "
              "statements (positions between the ends may be missed: dilation, k < s leave holes)",
        resolve=resolve)
    below = L - 1
    lo_first, hi_last = reads(u, L)
    lo_law = dv.assume("support of a positive linear layer, leftmost",
                       sp.Eq(lo(L, u), sp.Piecewise((u, sp.Eq(L, 0)), (lo(below, lo_first), True))),
                       SUPPORT_REFERENCE, for_all=(L, u))
    hi_law = dv.assume("support of a positive linear layer, rightmost",
                       sp.Eq(hi(L, u), sp.Piecewise((u, sp.Eq(L, 0)), (hi(below, hi_last), True))),
                       SUPPORT_REFERENCE, for_all=(L, u))
    _abbreviations(dv)
    ends = []
    for law, func, closed, what in ((lo_law, lo, START, "leftmost"), (hi_law, hi, END, "rightmost")):
        base = dv.instantiate(law, {L: 0}, "no layers")
        step = dv.instantiate(law, {L: L + 1}, "one layer more")
        ends.append(dv.induction(func(L, u), L, closed, base, step,
                                 f"the {what} non-zero gradient for every depth"))
    cited = dv.use("rf.recurrence", "the composed interval maps")
    cited = cited if isinstance(cited, tuple) else (cited,)
    by_lhs = {f.statement.lhs: f for f in cited if isinstance(f.statement, sp.Equality)}
    same = [dv.chain(ends[0], _flip(dv, by_lhs.get(first(L, u, 0)), "u·S - P = first"),
                     justification="the box starts at the interval map's first position"),
            dv.chain(ends[1], _flip(dv, by_lhs.get(last(L, u, 0)), "u·S - P + r - 1 = last"),
                     justification="and ends at its last position")]
    dv.instance(_numbers(dv, END - START + 1, 2, NOTES_Q22), 5, "000 Q2.2: the box is 5 wide")
    dv.instance(_numbers(dv, END_CONTROL - START + 1, 2, NOTES_Q22), 7, "the own-stride error would make it 7")
    dv.control(END_CONTROL, hi(L, u), "the box with the own-stride error r' = 1 + Σ (κ_l - 1)·Π_{i<=l} s_i")
    dv.conclude(*ends, *same)
    return dv


# ---------------------------------------------------------------------------------------------
# rf.effective

X = sp.Function("X")          # X(L) = T_1 + ... + T_L
T = sp.Function("T")          # T(j): the tap of layer j
M1 = sp.Function("M_1")
M2 = sp.Function("M_2")
V = sp.Function("V")
sigma = sp.Function("σ")
ERF_STD = sigma(L)
"""The std of the input positions weighted by the gradient map of L stride-1 layers of k equal weights."""
ERF_STD_CLOSED = sp.Mul(d, sp.Pow(L * (k**2 - 1) / 12, sp.Rational(1, 2), evaluate=False), evaluate=False)
"""d·√(L(k²-1)/12), kept in this form for the tables."""
ERF_STD_CONTROL = sp.Mul(d, L, sp.Pow(sp.Mul(k**2 - 1, sp.Rational(1, 12), evaluate=False), sp.Rational(1, 2),
                                      evaluate=False), evaluate=False)
"""The negative control: stds added instead of variances (grows like L, as r does)."""
tap = sp.Symbol("t", integer=True, nonnegative=True)
TAPS = (tap, 0, k - 1)
"""A tap sits at d·t for t = 0..k-1, each with probability 1/k (equal weights)."""


@derivation("rf.effective")
def effective(resolve=None) -> Derivation:
    dv = Derivation(
        "rf.effective",
        "a stride-1 stack of L uniform k-tap kernels (dilation d) has a gradient map of std d·√(L(k²-1)/12)",
        scope="every depth L >= 0 and all integers k >= 1, d >= 1, given that the gradient map is the law of a "
              "sum of L independent uniform taps",
        resolve=resolve)
    j = sp.Symbol("j", integer=True, positive=True)
    m = sp.Symbol("m", integer=True, positive=True)
    base_x, step_x = dv.define_recursive(X, L, 0, 0, X(L) + T(L + 1), "the sum of the first L taps")
    bridge = dv.assume(
        "the gradient map is the law of a sum of taps", sp.Eq(V(L), E(X(L) ** 2) - E(X(L)) ** 2),
        "Luo, Li, Urtasun & Zemel, NeurIPS 2016, §2.1: with equal weights the gradient map of L stride-1 layers is "
        "the L-fold convolution of the uniform mass on the k taps; Feller, Vol. 1, §XI.2: that convolution is the law "
        "of X_L = T_1 + ... + T_L for independent uniform taps, so the map's variance V(L) is Var X_L",
        for_all=(L,))
    independent = dv.assume("independent taps", Independent(sp.Tuple(X(L)), sp.Tuple(T(L + 1))),
                            "the model of Feller, Vol. 1, §XI.2: the taps of different layers are independent",
                            for_all=(L,))
    law = dv.assume("uniform taps", sp.Eq(E(T(j) ** m), sp.Sum((d * tap) ** m, TAPS) / k),
                    "hypothesis of the claim: every weight is equal, so tap j sits at d·t, t = 0..k-1, each with "
                    "probability 1/k (Luo et al. 2016, §2.1)", for_all=(j, m))
    mean, second = d * (k - 1) / 2, d**2 * (k - 1) * (2 * k - 1) / 6
    tap1 = dv.instantiate(law, {j: L + 1, m: 1}, "the next tap's mean")
    tap2 = dv.instantiate(law, {j: L + 1, m: 2}, "the next tap's second moment")
    nxt = X(L) + T(L + 1)

    dv.define(M1(L), E(X(L)), "M_1(L) = E[X_L]")
    expand1 = dv.expectation(nxt, independent, "linearity")
    in1 = dv.rewrite(_rhs(expand1), [tap1], "the tap's mean, a sum over its k positions")
    step1 = dv.chain(dv.identity(M1(L + 1), E(X(L + 1)), "definition"),
                     dv.rewrite(E(X(L + 1)), [step_x], "X_(L+1) = X_L + T_(L+1)"), expand1, in1,
                     dv.identity(_rhs(in1), M1(L) + mean, "Σ d·t / k = d(k-1)/2"),
                     justification="M_1(L + 1) = M_1(L) + d(k-1)/2")
    base1 = dv.chain(dv.identity(M1(0), E(X(0)), "definition"), dv.rewrite(E(X(0)), [base_x], "X_0 = 0"),
                     dv.expectation(sp.Integer(0), independent, "E[0] = 0"), justification="M_1(0) = 0")
    m1 = dv.induction(M1(L), L, L * mean, base1, step1, "E[X_L] = L·d(k-1)/2")
    mean_x = dv.chain(dv.identity(E(X(L)), M1(L), "definition"), m1, justification="E[X_L]")

    dv.define(M2(L), E(X(L) ** 2), "M_2(L) = E[X_L²]")
    expand2 = dv.expectation(nxt**2, independent, "linearity; independence: E[X_L·T] = E[X_L]·E[T]")
    in2 = dv.rewrite(_rhs(expand2), [tap1, tap2, mean_x], "the tap's moments and E[X_L]")
    step2 = dv.chain(dv.identity(M2(L + 1), E(X(L + 1) ** 2), "definition"),
                     dv.rewrite(E(X(L + 1) ** 2), [step_x], "X_(L+1) = X_L + T_(L+1)"), expand2, in2,
                     dv.identity(_rhs(in2), M2(L) + 2 * L * mean**2 + second,
                                 "Σ (d·t)² / k = d²(k-1)(2k-1)/6"),
                     justification="M_2(L + 1) = M_2(L) + 2L·(d(k-1)/2)² + d²(k-1)(2k-1)/6")
    base2 = dv.chain(dv.identity(M2(0), E(X(0) ** 2), "definition"), dv.rewrite(E(X(0) ** 2), [base_x], "X_0 = 0"),
                     dv.expectation(sp.Integer(0), independent, "E[0] = 0"), justification="M_2(0) = 0")
    m2 = dv.induction(M2(L), L, L * second + L * (L - 1) * mean**2, base2, step2, "E[X_L²] for every L")
    second_x = dv.chain(dv.identity(E(X(L) ** 2), M2(L), "definition"), m2, justification="E[X_L²]")

    dv.define(ERF_STD, sp.sqrt(V(L)), "σ(L): the std of the positions weighted by the gradient map")
    unfold = dv.identity(ERF_STD, sp.sqrt(V(L)), "definition")
    law_of_sum = dv.rewrite(sp.sqrt(V(L)), [bridge], "the map's variance is Var X_L")
    moments = dv.rewrite(sp.sqrt(E(X(L) ** 2) - E(X(L)) ** 2), [second_x, mean_x], "the two moments")
    std = dv.chain(unfold, law_of_sum, moments,
                   dv.identity(_rhs(moments), ERF_STD_CLOSED,
                               "Var X_L = L·d²((k-1)(2k-1)/6 - (k-1)²/4) = L·d²(k²-1)/12: variances add"),
                   justification="σ(L) = d·√(L(k²-1)/12)")
    with sp.evaluate(False):
        at_notes = {k: sp.Integer(3), L: sp.Integer(4), d: sp.Integer(1)}
        closed_notes, control_notes = ERF_STD_CLOSED.xreplace(at_notes), ERF_STD_CONTROL.xreplace(at_notes)
    dv.instance(closed_notes, sp.sqrt(sp.Rational(8, 3)), "four 3×3 layers: std √(8/3) ≈ 1.63 positions, while r = 9")
    dv.instance(control_notes, 4 * sp.sqrt(sp.Rational(2, 3)),
                "adding stds instead would give 4·√(2/3) ≈ 3.27: twice too wide at L = 4")
    dv.control(ERF_STD_CONTROL, ERF_STD, "d·L·√((k²-1)/12): stds added instead of variances")
    dv.conclude(std)
    return dv
