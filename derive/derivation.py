"""Derivations as tables: the kernel's rules with a textbook justification per step.

``Derivation`` is the builder that topic modules use. Each method hands its statement to the trusted
kernel (``derive.kernel.Proof``), which alone decides whether it holds; the builder only records the
justification beside the fact the kernel returns, and renders. Nothing here can set a verdict: a
step's status is its fact's, and the derivation's status is the kernel's, computed on request.

A bad call (a string where an expression belongs, a relation passed to ``define``) is not an
exception: it becomes a refused, failed step, so one broken derivation fails only its own claim.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Callable, Iterable, Sequence

import sympy as sp

from . import kernel as K
from .kernel import Fact, Status

__all__ = ["Derivation", "Step"]


@dataclasses.dataclass(frozen=True)
class Step:
    """One row of a derivation: the kernel's fact and the justification a textbook would write."""

    fact: Fact
    justification: str

    expr = property(lambda self: self.fact.statement)
    method = property(lambda self: self.fact.rule)
    status = property(lambda self: self.fact.status)
    detail = property(lambda self: self.fact.detail)

    @property
    def counts(self) -> bool:
        """Evidence is shown but does not count towards (or against) the proof."""
        return self.status != K.EVIDENCE

    def __repr__(self) -> str:
        return f"Step({sp.sstr(self.expr)[:80]} | {self.method}: {self.status} | {self.justification})"


def _guarded(rule: str):
    """Run a kernel rule; a bad call (TypeError, ValueError, ...) becomes a refused step."""
    def wrap(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            justification = kwargs.pop("justification", None)
            if justification is None:   # the first positional string: no mathematical argument is a string
                at = next((i for i, a in enumerate(args) if isinstance(a, str)), None)
                if at is not None:
                    justification, args = args[at], args[:at] + args[at + 1:]
            try:
                fact = method(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 -- any bad call fails this step only
                fact = self._proof.refuse(sp.Symbol("refused"), rule, f"{type(exc).__name__}: {exc}")
            for f in (fact if isinstance(fact, tuple) else (fact,)):
                self._steps.append(Step(f, justification or ""))
            return fact
        return run
    return wrap


class Derivation:
    """An ordered list of kernel-checked steps proving one claim.

    >>> x = sp.Symbol("x", real=True)
    >>> d = Derivation("demo.square", "(x + 1)² expands", scope="for all real x")
    >>> step = d.identity((x + 1)**2, x**2 + 2*x + 1, "binomial expansion")
    >>> _ = d.conclude(step.statement)
    >>> d.status
    'proved'
    """

    def __init__(self, claim_id: str, title: str, scope: str = "", cap: float | None = K.DEFAULT_TIME_CAP,
                 resolve: Callable[[str], "Derivation"] | None = None):
        self.claim_id, self.title, self.scope = claim_id, title, scope
        self._proof = K.Proof(cap)
        self._steps: list[Step] = []
        self._resolve = resolve
        self._controls: dict = {}

    # -- what the kernel says ----------------------------------------------------------------------
    @property
    def verdict(self) -> Status:
        return self._proof.status()

    @property
    def status(self) -> str:
        """'proved', 'proved given N assumptions', 'numeric', 'numeric given N assumptions' or 'failed'."""
        return str(self.verdict)

    @property
    def steps(self) -> list[Step]:
        return list(self._steps)

    @property
    def failures(self) -> list[Step]:
        return [s for s in self._steps if s.status == K.FAILED]

    @property
    def result(self):
        """The concluded statement (an Eq, a relation, or an And of several), or None."""
        c = self._proof.conclusion
        return c.statement if c is not None and c.ok else None

    @property
    def results(self) -> list:
        """The concluded statements, one per part."""
        return K._parts(self.result) if self.result is not None else []

    def closed_form(self, lhs=None, unfold: bool = True):
        """The right side of the concluded relation whose left side is ``lhs`` (the only one if None),
        with this derivation's definitions written out (``unfold``), ready to evaluate."""
        parts = [p for p in self.results if isinstance(p, sp.Equality)]
        if lhs is None:
            if len(parts) != 1:
                raise KeyError(f"{self.claim_id} concludes {len(parts)} statements; name the left side")
            found = parts[0].rhs
        else:
            found = next((p.rhs for p in parts if p.lhs == lhs or (isinstance(lhs, str) and sp.sstr(p.lhs) == lhs)),
                         None)
            if found is None:
                raise KeyError(f"{self.claim_id} concludes nothing about {lhs}")
        return self._proof.unfold(found) if unfold else found

    def unfold(self, expr):
        """``expr`` with this derivation's definitions written out."""
        return self._proof.unfold(expr)

    def control(self, expr, lhs=None, why: str = "") -> None:
        """Record the negative control: the plausible wrong formula for the quantity ``lhs`` that a
        check must reject. A record, not a fact: it is never proved, only stated once, here."""
        self._controls[lhs] = (expr, why)

    def control_form(self, lhs=None, unfold: bool = True):
        """The negative control recorded for ``lhs`` (definitions written out with ``unfold``)."""
        if lhs is None and lhs not in self._controls and len(self._controls) == 1:
            lhs = next(iter(self._controls))
        if lhs not in self._controls:
            raise KeyError(f"{self.claim_id} records no control for {lhs}")
        expr = self._controls[lhs][0]
        return self._proof.unfold(expr) if unfold else expr

    @property
    def controls(self) -> dict:
        return {k: v[0] for k, v in self._controls.items()}

    @property
    def assumptions(self) -> list[dict]:
        return [{"name": a.name, "statement": a.statement, "reference": a.detail} for a in self.verdict.assumptions]

    @property
    def uses(self) -> list[str]:
        return list(self.verdict.uses)

    # -- rules (each checked by the kernel) -----------------------------------------------------------
    @_guarded("definition")
    def define(self, name, expr=None) -> Fact:
        """``name := expr``: a new symbol as an abbreviation (nothing else)."""
        if expr is None:
            return self._proof.refuse(name if isinstance(name, sp.Basic) else sp.Symbol("refused"), "definition",
                                      "define takes a new symbol and the expression it abbreviates")
        return self._proof.define(name, expr)

    @_guarded("definition")
    def define_recursive(self, func, n, start, base, step, params: Sequence = ()) -> tuple[Fact, Fact]:
        return self._proof.define_recursive(func, n, start, base, step, params)

    def assume(self, name: str, statement, reference: str, for_all: Sequence = (), justification: str = "") -> Fact:
        """A named hypothesis or a standard theorem not proved here (listed in the status)."""
        try:
            fact = self._proof.assume(name, statement, reference, for_all)
        except Exception as exc:  # noqa: BLE001
            fact = self._proof.refuse(sp.Symbol("refused"), "assumption", f"{type(exc).__name__}: {exc}")
        self._steps.append(Step(fact, justification or f"assumption '{name}'"))  # its reference: the how column
        return fact

    def use(self, claim_id: str, justification: str = "", values: dict | None = None):
        """The conclusion of another derivation (a fact, or a tuple of facts for several statements),
        optionally instantiated at ``values``: the cited assumptions that fix those symbols become
        obligations, discharged by a matching fact here or else assumed here (see kernel.Proof.cite)."""
        try:
            other = (self._resolve or _registry_get)(claim_id)
            before = len(self._proof.facts)
            facts = self._proof.cite(claim_id, other._proof, values)
            for f in self._proof.facts[before:]:
                if f.rule == "assumption":   # obligations that stayed open, shown as their own rows
                    self._steps.append(Step(f, f"an assumption of {claim_id}, at the values used here"))
        except Exception as exc:  # noqa: BLE001
            facts = (self._proof.refuse(sp.Symbol(f"use({claim_id})"), "citation", f"{type(exc).__name__}: {exc}"),)
        for f in facts:
            self._steps.append(Step(f, justification or f"the conclusion of {claim_id}"))
        return facts[0] if len(facts) == 1 else facts

    @_guarded("identity")
    def identity(self, lhs, rhs) -> Fact:
        return self._proof.identity(lhs, rhs)

    @_guarded("instance")
    def instance(self, lhs, rhs) -> Fact:
        return self._proof.instance(lhs, rhs)

    @_guarded("inequality")
    def inequality(self, lhs, rhs, witness, strict: bool = False) -> Fact:
        return self._proof.inequality(lhs, rhs, witness, strict)

    @_guarded("floor")
    def floor(self, x, value, below, above) -> Fact:
        return self._proof.floor(x, value, below, above)

    @_guarded("limit")
    def limit(self, expr, var, point, value, direction: str = "+-") -> Fact:
        return self._proof.limit(expr, var, point, value, direction)

    @_guarded("extremum")
    def extremum(self, expr, var, domain, value, kind: str = "max") -> Fact:
        return self._proof.extremum(expr, var, domain, value, kind)

    @_guarded("bound")
    def bound(self, extremum: Fact, point, inside: Sequence[Fact]) -> Fact:
        return self._proof.bound(extremum, point, inside)

    @_guarded("gaussian")
    def gaussian(self, f, z, value, q=sp.Integer(1)) -> Fact:
        return self._proof.gaussian(f, z, value, q)

    @_guarded("gaussian")
    def gaussian_on(self, f, z, lo, hi, value, q=sp.Integer(1)) -> Fact:
        return self._proof.gaussian_on(f, z, lo, hi, value, q)

    @_guarded("quadrature")
    def quadrature(self, f, z, q=sp.Integer(1), digits: int = 12) -> Fact:
        return self._proof.quadrature(f, z, q, digits)

    @_guarded("telescoping")
    def telescoping(self, term, l, L, closed, kind: str = "product", start: int = 1) -> Fact:
        return self._proof.telescoping(term, l, L, closed, kind, start)

    @_guarded("induction")
    def induction(self, target, n, closed, base: Fact, step: Fact) -> Fact:
        return self._proof.induction(target, n, closed, base, step)

    @_guarded("expectation")
    def expectation(self, expr, independence: Fact) -> Fact:
        return self._proof.expectation(expr, independence)

    @_guarded("substitution")
    def substitution(self, integral, t, scale, shift=sp.Integer(0)) -> Fact:
        return self._proof.substitution(integral, t, scale, shift)

    @_guarded("evidence")
    def evidence(self, lhs, rhs, points: Iterable[dict], rtol: float = 1e-12) -> Fact:
        return self._proof.evidence(lhs, rhs, list(points), rtol)

    @_guarded("instantiate")
    def instantiate(self, fact: Fact, values: dict) -> Fact:
        return self._proof.instantiate(fact, values)

    @_guarded("combine")
    def combine(self, facts: Sequence[Fact], weights: Sequence) -> Fact:
        return self._proof.combine(facts, weights)

    @_guarded("symmetric")
    def symmetric(self, fact: Fact) -> Fact:
        return self._proof.symmetric(fact)

    def divide(self, a, s, q, r, justification: str = "") -> tuple[Fact, Fact, Fact]:
        """Euclidean division: new integers q = ⌊a/s⌋, r = a - q·s with a = q·s + r, 0 <= r <= s - 1."""
        try:
            facts = self._proof.divide(a, s, q, r)
        except Exception as exc:  # noqa: BLE001
            facts = tuple(self._proof.refuse(sp.Symbol("refused"), "division", f"{type(exc).__name__}: {exc}")
                          for _ in range(3))
        for f in facts:
            self._steps.append(Step(f, justification or "division algorithm"))
        return facts

    @_guarded("rewrite")
    def rewrite(self, expr, facts: Sequence[Fact]) -> Fact:
        return self._proof.rewrite(expr, facts)

    def chain(self, *facts: Fact, justification: str = "") -> Fact:
        try:
            fact = self._proof.chain(*facts)
        except Exception as exc:  # noqa: BLE001
            fact = self._proof.refuse(sp.Symbol("refused"), "chain", f"{type(exc).__name__}: {exc}")
        self._steps.append(Step(fact, justification))
        return fact

    def conclude(self, *results, justification: str = "") -> Fact:
        """What this derivation establishes: checked against the facts above, never just recorded."""
        try:
            fact = self._proof.conclude(*[r.statement if isinstance(r, Fact) else r for r in results])
        except Exception as exc:  # noqa: BLE001
            fact = self._proof.refuse(sp.Symbol("refused"), "conclusion", f"{type(exc).__name__}: {exc}")
        self._steps.append(Step(fact, justification or "the result"))
        return fact

    # -- rendering ---------------------------------------------------------------------------------
    def rows(self, latex: bool = False) -> list[list[str]]:
        from . import tables

        return tables.rows(self, latex)

    def to_markdown(self) -> str:
        from . import tables

        return tables.markdown(self)

    def to_latex(self) -> str:
        from . import tables

        return tables.latex_table(self)

    def to_json(self) -> dict:
        from . import tables

        return tables.as_json(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def __repr__(self) -> str:
        return f"Derivation({self.claim_id!r}, status={self.status!r}, steps={len(self._steps)})"


def _registry_get(claim_id: str) -> "Derivation":
    from .registry import get

    return get(claim_id)
