"""rf.constant_stack: L layers of one kernel k and stride s see r = 1 + (k-1)(s^L - 1)/(s - 1), and
(k-1)L + 1 at s = 1, by induction over the interval maps of rf.recurrence with every layer alike.

Source: 000 Q1.7 (four 3×3 layers see 9×9; the notes' ((k-1)s)L + 1, right only at s = 1).
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..registry import derivation
from .layer import L, field, first, k, l, last, p, rhs, s, u

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
    dv.chain(as_sum, dv.rewrite(rhs(as_sum), [geo], "the geometric sum"), justification="for s != 1")
    at_one = dv.instantiate(as_sum, {s: 1}, "stride 1")
    stride_one = dv.chain(at_one, dv.identity(rhs(at_one), CONSTANT_STACK_STRIDE_ONE, "L equal terms k - 1"),
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
