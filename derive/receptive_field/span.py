"""rf.padding: the field of unit u spans [u·S - P, u·S - P + r - 1] (S = Π s_l, P = Σ_l p_l·Π_{i<l} s_i):
padding moves the field, never resizes it. Read off the interval maps of rf.recurrence.

Source: 000 Q2.2 (its padding 1 leaves the field at 5; counting the padded border in would give 7).
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..registry import derivation
from .layer import JUMP, L, NOTES_Q22, cited, dilation, first, kernel, l, last, numbers, pad, u
from .stack import FIRST, LAST

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


def abbreviations(dv: Derivation):
    """S, P and R defined in ``dv`` (rf.padding and rf.empirical state their spans in them)."""
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
    by_lhs = cited(dv, "rf.recurrence", "the composed interval maps")
    abbreviations(dv)
    start = dv.chain(by_lhs.get(first(L, u, 0)), dv.identity(FIRST, START, "in S and P"),
                     justification="the field of unit u starts at u·S - P")
    end = dv.chain(by_lhs.get(last(L, u, 0)), dv.identity(LAST, END, "in S, P and r"),
                   justification="and ends at u·S - P + r - 1")
    size = dv.rewrite(SPAN_SIZE, [start, end], "its size is r, whatever the padding")
    wrong_size = R(L) + 2 * P(L)
    dv.control(wrong_size, SPAN_SIZE, "size r + 2P: the padded border counted into the field")
    dv.control(END + 2 * P(L), last(L, u, 0), "the end with the field r + 2P")
    dv.instance(numbers(dv, R(L), 2, NOTES_Q22), 5, "000 Q2.2 with its padding 1: still 5 (padding does not "
                                                     "change the field)")
    dv.instance(numbers(dv, START, 2, NOTES_Q22, unit=0), -1,
                "... but unit 0's field starts at -1, one position into the padding")
    dv.instance(numbers(dv, wrong_size, 2, NOTES_Q22), 7, "counting the padding into the field would give 5 + 2·1 = 7")
    dv.conclude(start, end, size)
    return dv
