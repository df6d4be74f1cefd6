"""Moments over a symbolic dimension, by induction over partial sums (the residual derivations' machinery).

Moments over a symbolic dimension n use the kernel's ``expectation`` rule on partial sums defined by recursion
(``square_of_sum``): E[(a + Σ_{k<=m} X_k·Y_k)²] = E[a²] + s·Σ_{k<=m} E[Y_k²] when X_{m+1} has mean 0 and second
moment s and is independent of (a, the partial sum, Y_{m+1}). It gives the row moments of a residual layer, the
depth recursion, and the moments of a two-layer ReLU branch. No ``sympy.stats``: it has no family of i.i.d.
variables indexed by a symbolic n (DESIGN.md, Proofs).
"""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..kernel import E, NormalE
from ._shared import rhs, z

__all__ = ["order", "normal_law", "partial_sum", "gaussian_moments", "mean_of_sum", "square_of_sum", "sum_of_rows"]

order = sp.Symbol("e", integer=True, positive=True)       # moment order


def normal_law(variance, mean=0):
    """E[X^e] = NormalE((z + mean)^e, z, variance): the moments of N(mean, variance), as ``gaussian`` states them."""
    return NormalE((z + mean) ** order, z, variance)


def partial_sum(dv: Derivation, S, var, params, term, dummy, what):
    """S(var, *params) := Σ_{dummy=1}^{var} term(dummy); returns the facts S(0) = 0 and S(var + 1) = S(var) + term(var + 1)."""
    dv.define(S(var, *params), sp.Sum(term(dummy), (dummy, 1, var)), what)
    empty = dv.identity(S(0, *params), 0, "the empty sum")
    peel = dv.identity(S(var + 1, *params), S(var, *params) + term(var + 1), "the last term split off")
    return empty, peel


def gaussian_moments(dv: Derivation, law, values, variance, orders=(1, 2), mean=0):
    """E[X] = mean, E[X²] = variance + mean²: the law E[X^e] = NormalE((z + mean)^e, z, variance) at ``values``,
    then the integral (mean 0 unless a mutation test shifts it)."""
    out = []
    for e in orders:
        value = variance + mean**2 if e == 2 else sp.Integer(0) + mean
        inst = dv.instantiate(law, {**values, order: e}, f"the law at order {e}")
        exact = dv.gaussian((z + mean) ** e, z, value, f"E[z^{e}] = {sp.sstr(value)} for z ~ N(0, "
                            f"{sp.sstr(variance)})", q=variance)
        out.append(dv.chain(inst, exact, justification=f"the entry's moment of order {e}"))
    return out


def _without_empty_expectations(dv: Derivation, independence, facts):
    """Append E[0] = 0 to a list of rewrite facts when the last right side holds E(0) (a sum that was empty)."""
    last = rhs(facts[-1])
    if last.has(E(sp.Integer(0))):
        facts.append(dv.rewrite(last, [dv.expectation(sp.Integer(0), independence, "E[0] = 0")], "E[0] = 0"))
    return facts


def mean_of_sum(dv: Derivation, S, Mu, var, params, x_of, y_of, independence, mean, empty, peel):
    """E[S(var)] = 0 for every var >= 0, when S(var + 1) = S(var) + X·Y with E[X] = 0 and X ⊥ (S(var), Y)."""
    dv.define(Mu(var, *params), E(S(var, *params)), "the mean of the partial sum")
    base = dv.chain(*_without_empty_expectations(dv, independence, [
        dv.identity(Mu(0, *params), E(S(0, *params)), "definition"),
        dv.rewrite(E(S(0, *params)), [empty], "the empty sum")]), justification="base")
    split = dv.expectation(S(var, *params) + x_of(var + 1) * y_of(var + 1), independence, "linearity, X ⊥ Y")
    step = dv.chain(dv.identity(Mu(var + 1, *params), E(S(var + 1, *params)), "definition"),
                    dv.rewrite(E(S(var + 1, *params)), [peel], "the last term split off"), split,
                    dv.rewrite(rhs(split), [mean], "E[X] = 0"),
                    dv.identity(E(S(var, *params)), Mu(var, *params), "definition"), justification="step")
    found = dv.induction(Mu(var, *params), var, sp.Integer(0), base, step, "induction: every partial sum has mean 0")
    return dv.chain(dv.identity(E(S(var, *params)), Mu(var, *params), "definition"), found,
                    justification="E[S] = 0")


def square_of_sum(dv: Derivation, S, T, var, params, a, x_of, y_of, independence, moments, s2, dummy, sums,
                   y_random=True, scale=1):
    """E[(a + S(var))²] = T(var) and T(var) = E[a²] + s2·Σ_{dummy<=var} E[Y_dummy²], for every var >= 0.

    ``sums`` = (S(0) = 0, S(var + 1) = S(var) + X(var + 1)·Y(var + 1)); ``independence`` states that X(var + 1)
    is independent of (S(var), the random atoms of a and of Y(var + 1)); ``moments`` = (E[X(var + 1)] = 0,
    E[X(var + 1)²] = s2). T is E[(a + S(var))²] expanded by linearity, as the kernel's rule gives it.
    """
    empty, peel = sums
    square = dv.expectation((a + S(var, *params)) ** 2, independence, "linearity and independence")
    expanded = rhs(square)
    dv.define(T(var, *params), expanded, "E[(a + S)²] expanded by linearity")
    result = dv.chain(square, dv.identity(expanded, T(var, *params), "definition of T"),
                      justification="E[(a + S)²] = T")
    at0 = expanded.xreplace({var: 0})
    base = dv.chain(*_without_empty_expectations(dv, independence, [
        dv.identity(T(0, *params), at0, "definition of T"), dv.rewrite(at0, [empty], "the empty sum")]),
        justification="base")
    at1 = expanded.xreplace({var: var + 1})
    steps = [dv.identity(T(var + 1, *params), at1, "definition of T"),
             dv.rewrite(at1, [peel], "S(m + 1) = S(m) + X·Y")]
    current, new = rhs(steps[-1]), x_of(var + 1)
    split = [dv.expectation(e.args[0], independence, "linearity; the new X is independent of the rest")
             for e in sorted(current.atoms(sp.Function), key=sp.default_sort_key) if e.func == E and e.args[0].has(new)]
    steps.append(dv.rewrite(current, split, "expanded"))
    steps.append(dv.rewrite(rhs(steps[-1]), list(moments), "E[X] = 0 and E[X²] = s"))
    ey2 = (lambda idx: E(y_of(idx) ** 2)) if y_random else (lambda idx: y_of(idx) ** 2)
    steps.append(dv.identity(rhs(steps[-1]), T(var, *params) + s2 * ey2(var + 1), "definition of T"))
    step = dv.chain(*steps, justification="T(m + 1) = T(m) + s·E[Y_(m+1)²]: the cross terms carry E[X] = 0")
    closed = rhs(base) + scale * s2 * sp.Sum(ey2(dummy), (dummy, 1, var))
    found = dv.induction(T(var, *params), var, closed, base, step, "induction over the terms of the sum")
    return result, found


def sum_of_rows(dv: Derivation, R, var, params, term, closed_step, fact, dummy, what):
    """R(var) := Σ_{dummy<=var} term(dummy) = closed(var), by induction with term(var + 1) from ``fact``
    (a statement with a free index ``closed_step[0]`` that is instantiated at var + 1)."""
    index, closed = closed_step
    dv.define(R(var, *params), sp.Sum(term(dummy), (dummy, 1, var)), what)
    nxt = R(var, *params) + term(var + 1)
    step = dv.chain(dv.identity(R(var + 1, *params), nxt, "the last term split off"),
                    dv.rewrite(nxt, [dv.instantiate(fact, {index: var + 1}, "that term")], "its value"),
                    justification="R(r + 1) = R(r) + the next term")
    return dv.induction(R(var, *params), var, closed, dv.identity(R(0, *params), 0, "the empty sum"), step,
                        "induction over the terms")
