"""The rules that carry a statement elsewhere: ``cite`` (another derivation's conclusion, with its
assumptions as obligations) and ``instantiate`` (a fact at values of its universally quantified symbols).

Both substitute values into statements, so both guard against capture (a value that mentions a variable
bound in the statement), against values without the symbol's assumptions, against undefined instances
(a division by zero), and against replacing a symbol that a definition or an assumption fixes.
"""
from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef

from .algebra import (_as_sympy, _assumptions, _bound_symbols, _free, _parts, _replace, _same_symbols,
                      _satisfies, _undefined)
from .facts import CITED, NUMERIC, PROVED, Fact, Independent, _Cited


class Citations:
    """Mixed into ``Proof``: the rules that reuse a statement at other values."""

    def cite(self, claim_id: str, other: "Citations", values: dict | None = None) -> tuple[Fact, ...]:
        """The conclusion of another derivation, one fact per statement (status: that derivation's).

        ``values`` instantiates symbols of the conclusion, also where an assumption of the cited
        derivation fixes them: each such assumption, instantiated the same way, becomes an obligation
        here. An obligation that is already a fact of this derivation is discharged; any other becomes an
        assumption of this derivation, named after the cited one. (∀x: A(x) ⇒ C(x) gives A(v) ⇒ C(v).)
        Symbols fixed by a definition of the cited derivation cannot be instantiated.
        """
        if not isinstance(other, Citations) or other is self or other.conclusion is None or not other.conclusion.ok:
            return (self._refuse(sp.Symbol(f"use({claim_id})"), "citation",
                                 f"{claim_id} has no checked conclusion to cite"),)
        values = {k: _as_sympy(v) for k, v in (values or {}).items()}
        deps = set(other.conclusion.deps)
        # every name the cited derivation defines (definitions, recursions, quotients of a division) is fixed
        fixed = set(other._definitions) | {s for s in other._names if isinstance(s, sp.Symbol)}
        for dep in deps:
            if dep.rule == "definition":
                fixed |= _free(dep.statement) - set(dep.bound)
        statement_free = set().union(*(_free(p) for p in _parts(other.conclusion.statement)))
        statement_bound = set().union(*(_bound_symbols(p) for p in _parts(other.conclusion.statement)))
        for sym, value in values.items():
            why = None
            if not isinstance(sym, sp.Symbol) or sym in fixed:
                why = f"{sym} cannot be instantiated: a definition of {claim_id} fixes it"
            elif sym not in statement_free or sym in statement_bound:
                why = f"{sym} is not a free symbol of {claim_id}'s conclusion"
            elif _free(value) & statement_bound:
                why = f"{sp.sstr(value)} would be captured by a variable bound in {claim_id}'s conclusion"
            elif not _satisfies(self._unfold(value), sym):
                why = f"{sp.sstr(value)} does not have the assumptions of {sym} ({_assumptions(sym)})"
            if why:
                return (self._refuse(sp.Symbol(f"use({claim_id})"), "citation", why),)
        for dep in [d for d in deps if d.rule == "assumption"]:
            here = {k: v for k, v in values.items() if k in _free(dep.statement) - set(dep.bound)}
            if not here:
                continue
            deps.discard(dep)
            obligation = _replace(dep.statement, here)
            # a fact discharges it only if it holds as generally: for every value of the obligation's
            # quantified symbols (not a fact about one particular j where "for every j" is owed)
            candidates = [f for f in self._facts if f.ok and f.rule != "evidence"
                          and not set(dep.bound) & (self._pinned(f) - set(f.bound))]
            match = next((f for f in candidates if f.statement == obligation), None) or \
                next((f for f in candidates if _same_symbols(self, obligation, f.statement)
                      and self._matches(obligation, f.statement)), None)
            if match is not None:
                deps |= match.deps
            else:
                at = ", ".join(f"{k} = {_math(v)}" for k, v in here.items())
                new = self.assume(f"{dep._extra} [{claim_id} at {at}]", obligation, dep.detail, dep.bound)
                deps |= new.deps
        out = []
        for original in _parts(other.conclusion.statement):
            statement = _replace(original, values) if values else original
            if _undefined(statement):
                out.append(self._refuse(statement, "citation", "the values make the statement undefined"))
                continue
            if _free(original) & set(self._definitions) or any(original.has(f) for f in self._functions):
                out.append(self._refuse(statement, "citation", "the cited statement uses a name defined here"))
                continue
            shown = f"cited from {claim_id}" + (f" at {', '.join(f'{k} = {_math(v)}' for k, v in values.items())}"
                                                  if values else "")
            out.append(self._new(statement, "citation", True, shown, deps=deps, status_ok=CITED,
                                 extra=_Cited(claim_id, other)))
        return tuple(out)

    # -- rules that check ------------------------------------------------------------------------

    def instantiate(self, fact: Fact, values: dict) -> Fact:
        """The statement of ``fact`` with universally quantified symbols replaced by values that satisfy
        their assumptions (a symbol pinned by an assumption the fact rests on cannot be replaced)."""
        if not self._mine(fact):
            return self._refuse(sp.Symbol("refused"), "instantiate", "needs a checked fact of this derivation")
        values = {k: _as_sympy(v) for k, v in values.items()}
        pinned, free, bound = self._pinned(fact) - set(fact.bound), _free(fact.statement), _bound_symbols(fact.statement)
        for sym, value in values.items():
            if not isinstance(sym, sp.Symbol) or sym not in free or sym in bound:
                why = f"{sym} is not a free symbol of the statement"
            elif sym in pinned or sym in self._definitions or sym in self._names:
                why = f"{sym} is fixed by an assumption or definition the statement rests on"
            elif _free(value) & bound:
                why = f"{sp.sstr(value)} would be captured by a variable bound in the statement"
            elif _random_atoms(fact) & (_free(value) | {a.func for a in value.atoms(AppliedUndef)} |
                                        value.atoms(AppliedUndef)):
                why = f"{sp.sstr(value)} is random (an atom of an independence hypothesis the fact rests on), " \
                      f"while {sym} stands for a constant there"
            elif not _satisfies(self._unfold(value), sym):
                why = f"{sp.sstr(value)} does not have the assumptions of {sym} ({_assumptions(sym)})"
            else:
                continue
            return self._refuse(fact.statement, "instantiate", why)
        statement = _replace(fact.statement, values)
        if _undefined(statement) or _undefined(self._unfold(statement)):
            return self._refuse(statement, "instantiate", "the values make the statement undefined (a division by "
                                                          "zero or 0·∞): the fact does not hold there")
        shown = ", ".join(f"{k} = {_math(v)}" for k, v in values.items())
        status = NUMERIC if fact.status == NUMERIC else PROVED
        return self._new(statement, "instantiate", True, f"instance of an earlier fact at {shown}",
                         fact.deps | self._deps_of(*values.values()), status_ok=status)



def _math(value) -> str:
    """A value in a step's how column, as the tables print mathematics (√2, not sqrt(2))."""
    from ..render import text

    return text(value)


def _random_atoms(fact) -> set:
    """The random atoms (symbols, applied functions and their heads) of the independence hypotheses a fact
    rests on: a value substituted for a constant of the fact must not be one of them."""
    out = set()
    for dep in fact.deps:
        if isinstance(dep.statement, Independent):
            for group in dep.statement.args:
                for atom in (group.args if isinstance(group, sp.Tuple) else (group,)):
                    out |= {atom} | ({atom.func} if isinstance(atom, AppliedUndef) else set())
    return out
