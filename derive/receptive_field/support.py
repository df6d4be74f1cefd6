"""rf.empirical: with positive weights and average pooling, the non-zero input gradient of unit u has the
bounding box [u·S - P, u·S - P + r - 1]: its ends are the interval map's first and last positions (by
induction on the depth from the one-layer support statements, assumed).

References: Goodfellow, Bengio & Courville, Deep Learning (2016), §6.5.2 (the chain rule); Araujo, Norris &
Sim, Distill (2019) (the region recurrence).
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..registry import derivation
from .layer import L, NOTES_Q22, cited, first, last, numbers, reads, u
from .span import END, END_CONTROL, START, abbreviations

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
    abbreviations(dv)
    ends = []
    for law, func, closed, what in ((lo_law, lo, START, "leftmost"), (hi_law, hi, END, "rightmost")):
        base = dv.instantiate(law, {L: 0}, "no layers")
        step = dv.instantiate(law, {L: L + 1}, "one layer more")
        ends.append(dv.induction(func(L, u), L, closed, base, step,
                                 f"the {what} non-zero gradient for every depth"))
    by_lhs = cited(dv, "rf.recurrence", "the composed interval maps")
    same = [dv.chain(ends[0], dv.symmetric(by_lhs.get(first(L, u, 0)), "u·S - P = first"),
                     justification="the box starts at the interval map's first position"),
            dv.chain(ends[1], dv.symmetric(by_lhs.get(last(L, u, 0)), "u·S - P + r - 1 = last"),
                     justification="and ends at its last position")]
    dv.instance(numbers(dv, END - START + 1, 2, NOTES_Q22), 5, "000 Q2.2: the box is 5 wide")
    dv.instance(numbers(dv, END_CONTROL - START + 1, 2, NOTES_Q22), 7, "the own-stride error would make it 7")
    dv.control(END_CONTROL, hi(L, u), "the box with the own-stride error r' = 1 + Σ (κ_l - 1)·Π_{i<=l} s_i")
    dv.conclude(*ends, *same)
    return dv
