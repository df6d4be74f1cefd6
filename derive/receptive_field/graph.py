"""Graphs: rf.graph, the field of a merge (sum or concatenation) is the hull of its branches' fields, of constant
size only when the branches' effective strides agree (the alignment condition); rf.graph.transposed, the
inputs a transposed convolution's output reads, their count per output (it varies with the output: ⌈k/s⌉ or
⌊k/s⌋ for s <= k), and the effective stride J/s.

References: Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill
(2019), §"Multi-path networks" (the field of a merge is the union of its paths', alignment of paths);
Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016), §4 (a transposed convolution:
input i writes outputs i·s - p + t, t = 0..k-1); Goodfellow, Bengio & Courville, Deep Learning (2016),
§6.5.2 (chain rule: ∂(a + b)/∂x = ∂a/∂x + ∂b/∂x).
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..registry import derivation
from .layer import u

# a merge of branches A and B, each a stack: unit u of branch X spans [u·S_X - P_X, u·S_X - P_X + R_X - 1]
S = sp.Symbol("S", integer=True, positive=True)
S_A, S_B = sp.symbols("S_A S_B", integer=True, positive=True)
P_A, P_B = sp.symbols("P_A P_B", integer=True)
R_A, R_B = sp.symbols("R_A R_B", integer=True, positive=True)
lo_A, hi_A, lo_B, hi_B = (sp.Function(n) for n in ("lo_A", "hi_A", "lo_B", "hi_B"))
lo_M, hi_M = sp.Function("lo_M"), sp.Function("hi_M")
"""lo_X(u), hi_X(u): first and last input position of unit u of branch X; M the merge."""
x, a, b = sp.symbols("x a b", integer=True)

MERGE_FIELD = sp.Max(R_A - P_A, R_B - P_B) + sp.Max(P_A, P_B)
"""The merge's field when S_A = S_B: max(R - P) + max(P) over the branches, the same for every unit."""
MERGE_SIZE = hi_M(u) - lo_M(u) + 1

UNION_REFERENCE = (
    "chain rule (Goodfellow, Bengio & Courville, Deep Learning, 2016, §6.5.2): the gradient of a sum is the sum "
    "of the branches' gradients, of a concatenation (all channels) the branches' side by side; with positive "
    "weights no term cancels, so unit u of the merge sees the union of what unit u of each branch sees, whose "
    "bounding box starts at the smaller first and ends at the larger last position (Araujo, Norris & Sim, "
    "Distill 2019, multi-path networks)")
BRANCH_REFERENCE = "rf.padding applied to each branch's stack (a branch is a single path to the merge)"
TRANSLATION_REFERENCE = "elementary: x + a <= x + b exactly when a <= b, so max and min commute with a translation"


def _merge_assumptions(dv, stride_a, stride_b):
    union = (dv.assume("merge sees the union, first", sp.Eq(lo_M(u), sp.Min(lo_A(u), lo_B(u))), UNION_REFERENCE,
                       for_all=(u,)),
             dv.assume("merge sees the union, last", sp.Eq(hi_M(u), sp.Max(hi_A(u), hi_B(u))), UNION_REFERENCE,
                       for_all=(u,)))
    branches = []
    for name, lo, hi, s_, p_, r_ in (("A", lo_A, hi_A, stride_a, P_A, R_A), ("B", lo_B, hi_B, stride_b, P_B, R_B)):
        branches.append(dv.assume(f"branch {name} is a stack, first", sp.Eq(lo(u), u * s_ - p_), BRANCH_REFERENCE,
                                  for_all=(u,)))
        branches.append(dv.assume(f"branch {name} is a stack, last", sp.Eq(hi(u), u * s_ - p_ + r_ - 1),
                                  BRANCH_REFERENCE, for_all=(u,)))
    return union, branches


@derivation("rf.graph")
def merge(resolve=None) -> Derivation:
    dv = Derivation(
        "rf.graph",
        "the field of a sum or concatenation is the hull of its branches' fields: it starts at u·S - max(P_A, P_B) "
        "and has max(R_A - P_A, R_B - P_B) + max(P_A, P_B) positions for every unit when the branches' effective "
        "strides agree (aligned); with different strides it changes from unit to unit",
        scope="two branches (more merge one at a time), each a stack with effective stride S_X, padding P_X and "
              "field R_X, every unit u; positive weights (the union of supports)",
        resolve=resolve)
    union, branches = _merge_assumptions(dv, S, S)
    up = dv.assume("max commutes with a translation", sp.Eq(sp.Max(x + a, x + b), x + sp.Max(a, b)),
                   TRANSLATION_REFERENCE, for_all=(x, a, b))
    down = dv.assume("min commutes with a translation", sp.Eq(sp.Min(x - a, x - b), x - sp.Max(a, b)),
                     TRANSLATION_REFERENCE, for_all=(x, a, b))
    first = dv.chain(dv.rewrite(lo_M(u), [union[0]]), dv.rewrite(sp.Min(lo_A(u), lo_B(u)), branches[0::2]),
                     dv.instantiate(down, {x: S * u, a: P_A, b: P_B}),
                     justification="the merge starts where the earlier branch starts: u·S - max(P_A, P_B)")
    last = dv.chain(dv.rewrite(hi_M(u), [union[1]]), dv.rewrite(sp.Max(hi_A(u), hi_B(u)), branches[1::2]),
                    dv.identity(sp.Max(u * S - P_A + R_A - 1, u * S - P_B + R_B - 1),
                                sp.Max((u * S - 1) + (R_A - P_A), (u * S - 1) + (R_B - P_B))),
                    dv.instantiate(up, {x: S * u - 1, a: R_A - P_A, b: R_B - P_B}),
                    justification="and ends where the later branch ends: u·S - 1 + max(R_A - P_A, R_B - P_B)")
    size = dv.chain(dv.rewrite(MERGE_SIZE, [first, last]),
                    dv.identity(u * S - 1 + sp.Max(R_A - P_A, R_B - P_B) - (u * S - sp.Max(P_A, P_B)) + 1,
                                MERGE_FIELD),
                    justification="its size has no u: every unit of an aligned merge sees as many positions")
    # the alignment condition: strides 1 and 2 (no padding, fields 1): unit u sees u..2u, u + 1 positions
    grow = {S_A: 1, S_B: 2, P_A: 0, P_B: 0, R_A: 1, R_B: 1}
    misaligned = sp.Max(u * S_B - P_B + R_B - 1, u * S_A - P_A + R_A - 1) - sp.Min(u * S_A - P_A, u * S_B - P_B) + 1
    with sp.evaluate(False):
        at = [misaligned.xreplace({**grow, u: sp.Integer(v)}) for v in (0, 5)]
    dv.instance(at[0], 1, "misaligned (strides 1 and 2): unit 0 sees 1 position")
    dv.instance(at[1], 6, "... unit 5 sees 6: no field of the merge, it is misaligned")
    inception = {R_A: 1, P_A: 0, R_B: 5, P_B: 2}     # a 1×1 branch beside a 5×5 padding 2 branch
    dv.instance(MERGE_FIELD.subs(inception), 5, "Inception: a 1×1 and a 5×5 (padding 2) branch: the 5×5's 5")
    dv.control(R_A, MERGE_SIZE, "the main path's field only (the other branch ignored)")
    dv.control(u * S - P_A, lo_M(u), "the main path's first position")
    dv.control(u * S - P_A + R_A - 1, hi_M(u), "the main path's last position")
    dv.instance(MERGE_FIELD.subs(inception) - R_A.subs(inception), 4, "the main-path control misses 4 positions")
    dv.conclude(first, last, size)
    return dv


# a transposed convolution: stride s, kernel k (taps one apart), padding p; output o = q·s + r - p
s, k = sp.Symbol("s", integer=True, positive=True), sp.Symbol("k", integer=True, positive=True)
p = sp.Symbol("p", integer=True, nonnegative=True)
o, i, t = sp.Symbol("o", integer=True), sp.Symbol("i", integer=True), sp.Symbol("t", integer=True)
written = sp.Function("w")
"""w(i, t): the output position input i writes with tap t."""
count = sp.Function("n")
"""n(r): how many inputs output o = q·s + r - p reads."""
q, r = sp.Symbol("q", integer=True), sp.Symbol("r", integer=True, nonnegative=True)
m, e = sp.Symbol("m", integer=True), sp.Symbol("e", integer=True, nonnegative=True)
"""o + p = q·s + r and k - 1 - r = m·s + e (Euclidean division: the derivation defines them)."""

WRITES_REFERENCE = ("Dumoulin & Visin, A guide to convolution arithmetic (2016), §4, and PyTorch ConvTranspose: "
                    "input i adds its value times tap t to output i·s - p + t·d, t = 0..k-1 (here d = 1)")


@derivation("rf.graph.transposed")
def transposed(resolve=None) -> Derivation:
    dv = Derivation(
        "rf.graph.transposed",
        "a transposed convolution's outputs s apart read inputs one apart (its effective stride is J/s for an input "
        "of stride J); output o = q·s + r - p (0 <= r < s) reads the inputs q - ⌊(k - 1 - r)/s⌋..q: "
        "⌊(k - 1 - r)/s⌋ + 1 of them, ⌈k/s⌉ at r = 0 and ⌊k/s⌋ at r = s - 1 (k >= s): a field that varies",
        scope="stride s >= 1, kernel k >= 1, padding p >= 0, dilation 1; every output o",
        resolve=resolve)
    writes = dv.assume("a transposed convolution writes i·s - p + t", sp.Eq(written(i, t), i * s - p + t),
                       WRITES_REFERENCE, for_all=(i, t))
    shift = dv.chain(dv.rewrite(written(i + 1, t) - written(i, t), [dv.instantiate(writes, {i: i + 1}), writes]),
                     dv.identity((i + 1) * s - p + t - (i * s - p + t), s),
                     justification="the next input writes the same taps s outputs on: outputs s apart read inputs "
                                   "one apart, so J/s input positions separate neighbouring outputs")
    euclid, _, r_high = dv.divide(o + p, s, q, r, "o + p = q·s + r, 0 <= r <= s - 1 (input q + 1 would need "
                                                    "tap r - s < 0)")
    # the last input read: i = q with tap t = r (needs r <= k - 1); the first: i = q - m with tap r + m·s <= k - 1
    # every output is o = q·s + r - p (the division above); the taps that reach it:
    last_tap = dv.instantiate(writes, {i: q, t: r})     # input q, tap r: the last (q + 1 needs tap r - s < 0)
    taps, _, e_high = dv.divide(k - 1 - r, s, m, e, "k - 1 - r = m·s + e: m more inputs fit below q")
    first_tap = dv.chain(dv.instantiate(writes, {i: q - m, t: r + m * s}),
                         dv.identity((q - m) * s - p + r + m * s, q * s + r - p),
                         justification="input q - m writes output o with tap r + m·s <= k - 1 (input q - m - 1 "
                                       "would need tap r + (m + 1)·s > k - 1)")
    fits = dv.inequality(k - 1, r + m * s, e)          # k - 1 - (r + m·s) = e >= 0: the tap exists
    # input q - m - 1 would need tap r + (m + 1)·s >= k (e <= s - 1): q - m is the first input read
    beyond = dv.combine([e_high, taps], [1, -1])
    dv.define(count(r), m + 1, "inputs q - m..q: n = ⌊(k - 1 - r)/s⌋ + 1")
    with sp.evaluate(False):
        worked = [(sp.floor(sp.Integer(3 - 1 - 0) / 2) + 1, 2, "k = 3, s = 2 at r = 0: ⌈3/2⌉ = 2 inputs ..."),
                  (sp.floor(sp.Integer(3 - 1 - 1) / 2) + 1, 1, "... at r = 1: ⌊3/2⌋ = 1: the field varies"),
                  (sp.floor(sp.Integer(1 - 1 - 1) / 2) + 1, 0, "k = 1, s = 2 at r = 1: no input, only the bias"),
                  (sp.Integer(24) + (sp.Integer(2) - 1) * 4, 28,
                   "U-Net, k = 3 s = 2 on a field of 24 at stride 4: 24 + (2 - 1)·4 = 28 at even outputs")]
    for lhs, value, why in worked:
        dv.instance(lhs, value, why)
    dv.control(k, count(r), "without the transposed rule: read as a convolution, every output reads k inputs")
    dv.conclude(shift, euclid, r_high, last_tap, taps, first_tap, fits, beyond)
    return dv
