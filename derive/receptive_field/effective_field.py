"""rf.effective: a stride-1 stack of L uniform k-tap kernels (dilation d) has a gradient map of std
d·√(L(k²-1)/12): the map is the law of a sum of L independent uniform taps, whose variances add. The
effective field grows like √L while the field r grows like L.

References: Luo, Li, Urtasun & Zemel, "Understanding the Effective Receptive Field in Deep Convolutional
Neural Networks", NeurIPS (2016), §2.1 (a stack of kernels with equal weights); Feller, An Introduction to
Probability Theory and Its Applications, Vol. 1 (3rd ed., 1968), §XI.2 (the law of a sum of independent
variables).
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..kernel import E, Independent
from ..registry import derivation
from .layer import L, d, k, rhs

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
    in1 = dv.rewrite(rhs(expand1), [tap1], "the tap's mean, a sum over its k positions")
    step1 = dv.chain(dv.identity(M1(L + 1), E(X(L + 1)), "definition"),
                     dv.rewrite(E(X(L + 1)), [step_x], "X_(L+1) = X_L + T_(L+1)"), expand1, in1,
                     dv.identity(rhs(in1), M1(L) + mean, "Σ d·t / k = d(k-1)/2"),
                     justification="M_1(L + 1) = M_1(L) + d(k-1)/2")
    base1 = dv.chain(dv.identity(M1(0), E(X(0)), "definition"), dv.rewrite(E(X(0)), [base_x], "X_0 = 0"),
                     dv.expectation(sp.Integer(0), independent, "E[0] = 0"), justification="M_1(0) = 0")
    m1 = dv.induction(M1(L), L, L * mean, base1, step1, "E[X_L] = L·d(k-1)/2")
    mean_x = dv.chain(dv.identity(E(X(L)), M1(L), "definition"), m1, justification="E[X_L]")

    dv.define(M2(L), E(X(L) ** 2), "M_2(L) = E[X_L²]")
    expand2 = dv.expectation(nxt**2, independent, "linearity; independence: E[X_L·T] = E[X_L]·E[T]")
    in2 = dv.rewrite(rhs(expand2), [tap1, tap2, mean_x], "the tap's moments and E[X_L]")
    step2 = dv.chain(dv.identity(M2(L + 1), E(X(L + 1) ** 2), "definition"),
                     dv.rewrite(E(X(L + 1) ** 2), [step_x], "X_(L+1) = X_L + T_(L+1)"), expand2, in2,
                     dv.identity(rhs(in2), M2(L) + 2 * L * mean**2 + second,
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
                   dv.identity(rhs(moments), ERF_STD_CLOSED,
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
