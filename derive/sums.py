"""Moments of sums by induction on the number of terms: the proof pattern the init and propagation topics share.

A sum over a symbolic number of terms is defined by recursion (``partial_sums``); its mean or second moment
is then proved for every count by ``moment_induction``: expand E[F(n + 1)^p] with the kernel's
``expectation`` rule (linearity, and independence between named groups of random atoms), put in the
moments of the new term, and close with ``induction`` on n. ``sum_moments`` does both moments of
Σ_j w_j·x_j with zero-mean weights (the fan-in lemma's argument). No ``sympy.stats``: it has no family of
i.i.d. variables indexed by a symbolic n. ``rhs``, ``lhs`` and ``cite`` read facts and citations.
"""
from __future__ import annotations

from typing import Callable, Sequence

import sympy as sp

from .derivation import Derivation
from .kernel import E


def rhs(fact):
    """The right side of an equation fact (a placeholder that fails every later check if the step failed)."""
    return fact.statement.rhs if isinstance(fact.statement, sp.Equality) else sp.Symbol("refused")


def lhs(fact):
    return fact.statement.lhs if isinstance(fact.statement, sp.Equality) else sp.Symbol("refused")


def cite(d: Derivation, claim_id: str, why: str, values: dict | None = None) -> tuple:
    """``d.use`` as a tuple, one fact per concluded statement (a refused citation fills every place)."""
    facts = d.use(claim_id, why, values=values)
    return facts if isinstance(facts, tuple) else (facts,) * 8


def partial_sums(d: Derivation, Sf, w, xf, count, params, what: str):
    """Sf(0, *p) = 0, Sf(count + 1, *p) = Sf(count, *p) + w(count + 1, *p)·xf(count + 1, *p): the partial
    sums of Σ_j w_j·x_j, defined by recursion (returns the two defining facts)."""
    p = tuple(params)
    return d.define_recursive(Sf, count, 0, 0, Sf(count, *p) + w(count + 1, *p) * xf(count + 1, *p),
                              f"partial sums of {what}", params=p)


def moment_induction(d: Derivation, F, count, params, recursion, power: int, independence,
                     stages: Sequence[tuple[list, str]], increment, closed, why: tuple[str, str, str]):
    """E[F(count)^power] = closed for every count, by induction on count, for F(0) = 0 and F(count + 1) =
    F(count) + a new term (``recursion``: the two defining facts).

    The step expands E[F(count + 1)^power] by ``expectation`` under ``independence``, puts in the moments of
    the new term by the rewrites ``stages`` ((facts, justification) in turn), and reads the result as
    E[F(count)^power] + ``increment``. ``why``: the justifications of the expansion, of the step and of the
    induction. Returns the fact E[F(count)^power] = closed.
    """
    p = tuple(params)
    base, step = recursion
    name = F.__name__
    M = sp.Function(f"E[{name}]" if power == 1 else f"E[{name}²]")
    moment: Callable = lambda at: E(F(at, *p) ** power)    # noqa: E731
    expand_why, step_why, closed_why = why
    d.define(M(count, *p), moment(count), f"the {'mean' if power == 1 else 'second moment'} of {name}")
    rewritten = [d.expectation(rhs(step) ** power, independence, expand_why)]
    for facts, stage_why in stages:
        rewritten.append(d.rewrite(rhs(rewritten[-1]), facts, stage_why))
    one_more = d.chain(d.identity(M(count + 1, *p), moment(count + 1), "definition"),
                       d.rewrite(moment(count + 1), [step], "one more term"), *rewritten,
                       d.identity(rhs(rewritten[-1]), M(count, *p) + increment, "definition"),
                       justification=step_why)
    empty = d.chain(d.identity(M(0, *p), moment(0), "definition"), d.rewrite(moment(0), [base], "the empty sum"),
                    d.expectation(sp.Integer(0), independence, "E[0] = 0"), justification="the empty sum")
    return d.chain(d.identity(moment(count), M(count, *p), "definition"),
                   d.induction(M(count, *p), count, closed, empty, one_more, closed_why))


def sum_moments(d: Derivation, Sf, w, xf, count, params, recursion, idx, independence, zero, variance, sigma_sq):
    """E[S(count)] = 0 and E[S(count)²] = σ²·Σ_{idx<=count} E[x_idx²], by ``expectation`` and ``induction`` on count.

    ``independence``: w(count + 1) ⟂ (S(count), x(count + 1), ...) for every count; ``zero``: E[w(idx)] = 0 and
    ``variance``: E[w(idx)²] = σ² for every idx (assumptions of the caller, quantified over idx and the labels).
    The x may be correlated with each other: only their second moments enter. Returns the two facts.
    """
    p = tuple(params)
    name = Sf.__name__
    zero1 = d.instantiate(zero, {idx: count + 1}, "the mean of the new weight")
    var1 = d.instantiate(variance, {idx: count + 1}, "the second moment of the new weight")
    mean = moment_induction(
        d, Sf, count, p, recursion, 1, independence, [([zero1], "E[W] = 0")], 0, sp.Integer(0),
        ("linearity; the new weight is independent of x_(n+1)", f"E[{name}(n+1)] = E[{name}(n)]",
         f"E[{name}(n)] = 0 for every n"))
    square = moment_induction(
        d, Sf, count, p, recursion, 2, independence, [([zero1, var1], "E[W] = 0 kills the cross term; E[W²] = σ²")],
        sigma_sq * E(xf(count + 1, *p) ** 2), sigma_sq * sp.Sum(E(xf(idx, *p) ** 2), (idx, 1, count)),
        ("linearity; independence: E[S·W·x] = E[W]·E[S·x] and E[W²x²] = E[W²]·E[x²] (no independence among the x "
         "is used)", f"E[{name}(n+1)²] = E[{name}(n)²] + σ²·E[x_(n+1)²]",
         "E[S(n)²] = σ²·Σ_(j<=n) E[x_j²] for every n"))
    return mean, square
