"""One layer and the symbols of a stack: the layer parameters as functions of the layer index, the interval
map of one layer, and the proof helpers every receptive-field derivation shares.

Layer l (kernel k_l, stride s_l, left padding p_l, dilation d_l) maps an output index a to the input
positions it reads, a·s_l - p_l + t·d_l for t = 0..k_l - 1: the interval [a·s_l - p_l, a·s_l - p_l + κ_l - 1]
with κ_l = d_l(k_l - 1) + 1. The parameters are undefined functions of the layer index, so a statement
proved about them holds for every choice of them. A layer repeated through a stack has scalar parameters
k, s, p, d.
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation

# a stack: layers 1..L, layer 1 reads the input; a sub-stack is layers c+1..c+L
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
first = sp.Function("first")                              # first(L, u, c): first position read by unit u
last = sp.Function("last")                                # last(L, u, c)
field = sp.Function("r")                                  # r(L, u, c) = last - first + 1

# one layer repeated: scalar parameters
k = sp.Symbol("k", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)
p = sp.Symbol("p", integer=True, nonnegative=True)
d = sp.Symbol("d", integer=True, positive=True)


def JUMP(m):
    """Π_{i=1}^{m} s(i): neighbouring units of layer m are this many input positions apart."""
    return sp.Product(stride(i), (i, 1, m))


def reads(a, m):
    """(first, last) input positions read by unit a of layer m: a·s_m - p_m and a·s_m - p_m + κ_m - 1, with
    κ_m - 1 = d_m(k_m - 1) (the taps a·s_m - p_m + t·d_m, t = 0..k_m - 1)."""
    start = stride(m) * a - pad(m)
    return start, start + dilation(m) * (kernel(m) - 1)


NOTES_Q22 = {"k": (3, 3), "s": (1, 2), "p": (1, 0), "d": (1, 1)}
"""000 Q2.2: conv 3×3 stride 1 padding 1, then pool 3×3 stride 2."""


def rhs(fact):
    """The right side of a fact's equation (a placeholder when the step was refused: later steps then fail)."""
    statement = getattr(fact, "statement", None)
    return statement.rhs if isinstance(statement, sp.Equality) else sp.Symbol("missing")


def cited(dv: Derivation, claim_id: str, why: str) -> dict:
    """The conclusion of ``claim_id``, cited in ``dv``: its equations by left side (empty when it failed)."""
    facts = dv.use(claim_id, why)
    facts = facts if isinstance(facts, tuple) else (facts,)
    return {f.statement.lhs: f for f in facts if isinstance(f.statement, sp.Equality)}


def numbers(dv: Derivation, expr, depth, values, unit=0):
    """``expr`` (its definitions in ``dv`` written out) at a concrete depth and unit with the layer functions
    replaced by numbers, left unevaluated so a table shows the arithmetic (worked numbers from the notes)."""
    concrete = dv.unfold(expr).xreplace({L: sp.Integer(depth), u: sp.Integer(unit)}).doit()
    table = {LAYER[name](m + 1): sp.Integer(v) for name, row in values.items() for m, v in enumerate(row)}
    with sp.evaluate(False):
        return concrete.xreplace(table)
