"""rf.recurrence: the interval maps of the layers composed over a stack of any depth: the first and last
input positions read by a unit, the field r = 1 + Σ_l (κ_l - 1)·Π_{i<l} s_i, its bottom-up and top-down
recurrences, and the effective stride (jump) and padding. Every closed form is proved by induction on the
depth, for every sub-stack (layers c+1..c+L).

References: Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill
(2019), §"Single-path networks" (field size, effective stride and padding, the region u_{l-1} = s_l·u_l - p_l,
v_{l-1} = s_l·v_l - p_l + k_l - 1); 000 Q2.2 (the notes' 7 versus 5).
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..registry import derivation
from .layer import JUMP, L, NOTES_Q22, c, dilation, field, first, i, kappa, kernel, l, last, numbers, pad, \
    reads, rhs, stride, u

jump = sp.Function("j")                                   # j(L, c) = Π_{i=1}^{L} s(c + i)
eff_pad = sp.Function("P")                                # P(L, c) = Σ p(c + l)·j(l - 1, c)
field_closed = sp.Function("R")                           # R(L, c) = 1 + Σ (κ(c + l) - 1)·j(l - 1, c)

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


def bottom_up(r_below, m, jump_below):
    """Bottom-up: r_m = r_(m-1) + (κ_m - 1)·j_(m-1), layer m's kernel in units of the jump below it."""
    return r_below + (kappa(m) - 1) * jump_below


def top_down(r_above, m):
    """Top-down: r_(m-1) = s_m·r_m + κ_m - s_m, the field in layer m-1 from the field in layer m."""
    return stride(m) * r_above + kappa(m) - stride(m)


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
    back = dv.symmetric(f_field, "R = r")

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
    r_rec = dv.chain(at_next, grow, dv.rewrite(rhs(grow), [back], "R = r"),
                     justification="r_{l} = r_{l-1} + (κ_l - 1)·j_{l-1}")
    j_rec = dv.identity(jump(L + 1, c), jump(L, c) * stride(top), "j_l = j_{l-1}·s_l: the last factor")
    start_next = dv.instantiate(f_first, {L: L + 1, u: 0}, "unit 0 of one layer more")
    start_grow = dv.identity(-eff_pad(L + 1, c), -eff_pad(L, c) - pad(top) * jump(L, c), "the last term of P")
    start_back = dv.symmetric(dv.instantiate(f_first, {u: 0}, "unit 0"), "-P = first position of unit 0")
    start_rec = dv.chain(start_next, start_grow, dv.rewrite(rhs(start_grow), [start_back], "-P = first"),
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
                      dv.identity(rhs(grown), above(L, c) + (kappa(c + L + 2) - 1) * jump(L + 1, c),
                                  "definition of H"), justification="H(L + 1) = H(L) + its last term")
    h_step = dv.chain(h_grow, dv.rewrite(rhs(h_grow), [split], "split the jump"),
                      justification="H(L + 1) in terms of H(L)")
    h_fact = dv.induction(above(L, c), L, top_down(field_closed(L, c + 1), c + 1),
                          dv.identity(above(0, c), kappa(c + 1), "one layer: R = κ"), h_step,
                          "R(L + 1, c) = s(c + 1)·R(L, c + 1) + κ(c + 1) - s(c + 1) for every L")
    r_top_down = dv.chain(at_next, dv.identity(field_closed(L + 1, c), above(L, c), "definition of H"), h_fact,
                          dv.rewrite(rhs(h_fact), [dv.instantiate(back, {c: c + 1}, "the sub-stack above")],
                                     "R = r for layers c+2..c+L+1"),
                          justification="top-down: r_{l-1} = s_l·r_l + κ_l - s_l")

    dv.instance(numbers(dv, FIELD, 2, NOTES_Q22), 5, "000 Q2.2: 3×3 stride 1, then 3×3 stride 2: r = 1 + 2 + 2·1 = 5")
    dv.instance(numbers(dv, FIELD_CONTROL, 2, NOTES_Q22), 7,
                "the notes' 7 = 1 + 2·1 + 2·2 is the own-stride error: layer 2's stride must not multiply its "
                "own kernel")
    dv.control(FIELD_CONTROL, field(L, u, 0), "1 + Σ (κ_l - 1)·Π_{i<=l} s_i: a layer's own stride multiplying its "
                                              "own kernel")
    dv.conclude(*results, r_rec, j_rec, start_rec, r_top_down)
    return dv
