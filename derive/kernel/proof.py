"""The proof ledger: the rules that introduce (define, assume; cite is in citations.py), combine (rewrite,
chain, symmetric, combine; instantiate is in citations.py) and conclude, and the status computed from the facts.
"""
from __future__ import annotations

from typing import Sequence

import sympy as sp
from sympy.core.function import AppliedUndef

from .algebra import (_RELATIONS, _applications, _as_sympy, _assumptions, _alpha, _captured, _closed_false, _eq, _free, _lowest, _parts, _plain_counter, _same_symbols,
                      _satisfies, check_identity)
from .checks import Checks
from .citations import Citations
from .facts import (ASSUMED, CHECKING_RULES, CITED, DEFAULT_TIME_CAP, DEFINITION, FAILED, NUMERIC, PROVED, Fact,
                    Status, _TOKEN)


class Proof(Checks, Citations):
    """The facts of one derivation, and the rules that create them."""

    def __init__(self, cap: float | None = DEFAULT_TIME_CAP):
        self.cap = cap
        self._facts: list[Fact] = []
        self._definitions: dict[sp.Basic, sp.Basic] = {}     # name -> expression (symbols)
        self._functions: dict[sp.FunctionClass, sp.Lambda] = {}
        self._names: set = set()                              # every symbol or function introduced
        self._conclusion: Fact | None = None
        self._unfolded: dict = {}

    @property
    def facts(self) -> tuple[Fact, ...]:
        return tuple(self._facts)

    @property
    def conclusion(self) -> Fact | None:
        return self._conclusion

    # -- bookkeeping ---------------------------------------------------------------------------
    def _new(self, statement, rule, ok, detail, deps=(), bound=(), status_ok=PROVED, extra=None) -> Fact:
        fact = Fact(_TOKEN, self, statement, rule, status_ok if ok else FAILED, detail, deps, bound, extra)
        self._facts.append(fact)
        return fact

    def _refuse(self, statement, rule, why) -> Fact:
        shown = statement if isinstance(statement, sp.Basic) else sp.Symbol("refused")
        return self._new(shown, rule, False, f"refused: {why}")

    def refuse(self, statement, rule: str, why: str) -> Fact:
        """Record a step that could not be taken (bad arguments): it fails, and so does the derivation."""
        return self._refuse(statement, rule, why)

    def _mine(self, fact) -> bool:
        return isinstance(fact, Fact) and fact._owner is self and fact.ok

    def unfold(self, expr):
        """``expr`` with this proof's definitions written out (a pure function: no verdict)."""
        return self._unfold(_as_sympy(expr))

    def _unfold(self, expr):
        """Definitions replaced by what they abbreviate (repeatedly: a definition may use earlier ones)."""
        if not isinstance(expr, sp.Basic) or not (self._definitions or self._functions):
            return expr
        key = (expr, len(self._definitions), len(self._functions))
        if key in self._unfolded:
            return self._unfolded[key]
        out = expr
        for _ in range(len(self._definitions) + len(self._functions) + 1):
            names = out.free_symbols & self._definitions.keys()
            funcs = {f.func for f in out.atoms(AppliedUndef)} & self._functions.keys()
            if not names and not funcs:
                break
            if names:
                carried = set().union(*(_free(self._definitions[k]) for k in names))
                out = _alpha(out, carried)   # c := t inside ∫ … dt must not become the integration variable
                out = out.xreplace({k: self._definitions[k] for k in names})
            for func in funcs:
                lam = self._functions[func]
                out = out.replace(lambda e, f=func: isinstance(e, AppliedUndef) and e.func == f,
                                  lambda e, lam=lam: _apply(lam, e.args))
        self._unfolded[key] = out
        return out

    def _identity(self, a, b) -> tuple[bool, str]:
        return check_identity(self._unfold(a), self._unfold(b), self.cap)

    def _pinned(self, fact: Fact) -> set:
        pinned = set()
        for dep in fact.deps:
            pinned |= _free(dep.statement) - set(dep.bound)
        return pinned

    # -- rules that introduce ----------------------------------------------------------------------
    def define(self, name, expr) -> Fact:
        """``name := expr``: ``name`` a symbol never seen in this proof (or F(x, ...) with F new and distinct
        symbols x, ...); it abbreviates ``expr`` in every later check."""
        expr = _as_sympy(expr)
        statement = sp.Eq(name, expr, evaluate=False) if isinstance(name, sp.Basic) else sp.Symbol("refused")
        if isinstance(name, sp.Symbol):
            if name in self._names or any(name in _free(f.statement) for f in self._facts if f.ok) or \
                    name in _free(expr):
                return self._refuse(statement, "definition", f"{name} is not a new symbol")
            if not _satisfies(self._unfold(expr), name):
                return self._refuse(statement, "definition", f"{sp.sstr(expr)[:40]} does not have the assumptions of "
                                                             f"{name} ({_assumptions(name)})")
            self._definitions[name] = expr
            self._names.add(name)
            fact = self._new(statement, "definition", True, "a new name for an expression", status_ok=DEFINITION,
                             extra=name)
            object.__setattr__(fact, "_deps", frozenset({fact}))
            return fact
        if isinstance(name, sp.Function) and isinstance(type(name), sp.core.function.UndefinedFunction):
            func, args = type(name), name.args
            if not all(isinstance(a, sp.Symbol) for a in args) or len(set(args)) != len(args):
                return self._refuse(statement, "definition", "a function is defined on distinct symbols")
            if func in self._names or any(f.statement.has(func) for f in self._facts if f.ok) or expr.has(func):
                return self._refuse(statement, "definition", f"{func} is not a new function")
            self._functions[func] = sp.Lambda(args, expr)
            self._names.add(func)
            fact = self._new(statement, "definition", True, "a new function", bound=args, status_ok=DEFINITION,
                             extra=func)
            object.__setattr__(fact, "_deps", frozenset({fact}))
            return fact
        return self._refuse(statement, "definition",
                            "define takes a new symbol (or function) and the expression it abbreviates; "
                            "a relation between existing things must be proved or assumed")

    def define_recursive(self, func, n, start, base, step, params: Sequence = ()) -> tuple[Fact, Fact]:
        """A new function by primitive recursion: F(start, *p) = base, F(n + 1, *p) = step, where step may
        contain F(n, ...) (first argument exactly n). Returns the two defining facts."""
        params = tuple(params)
        base_st = sp.Eq(func(start, *params), _as_sympy(base), evaluate=False)
        step_st = sp.Eq(func(n + 1, *params), _as_sympy(step), evaluate=False)
        why = None
        if not isinstance(func, sp.core.function.UndefinedFunction) or func in self._names or \
                any(f.statement.has(func) for f in self._facts):
            why = f"{func} is not a new function"
        elif not (isinstance(n, sp.Symbol) and n.is_integer) or n in params or _as_sympy(base).has(func):
            why = "recursion needs an integer symbol n and a base free of the function"
        elif not _plain_counter(n) or _lowest(n) != start:
            # the step is stated for every value n may take: it must be exactly the values from start on
            why = f"{n} must be an integer counter (integer, nonnegative or positive, nothing else) whose smallest " \
                  f"value is the start {start}, got the smallest value {_lowest(n)}"
        else:
            for app in _applications(_as_sympy(step), func):
                if app.args[0] != n:
                    why = f"the step may use {func}(n, ...) only, found {app}"
        if why:
            return self._refuse(base_st, "definition", why), self._refuse(step_st, "definition", why)
        self._names.add(func)
        marker = sp.Symbol(f"{func}_recursive")
        b = self._new(base_st, "definition", True, "recursion: base", bound=params, status_ok=DEFINITION,
                      extra=marker)
        s = self._new(step_st, "definition", True, f"recursion: step, for every integer {n} >= {start}",
                      bound=(n, *params), status_ok=DEFINITION, extra=marker)
        for f in (b, s):
            object.__setattr__(f, "_deps", frozenset({f}))
        return b, s

    def assume(self, name: str, statement, reference: str, for_all: Sequence = ()) -> Fact:
        """A named hypothesis or a standard theorem not proved here; counted in the status.

        ``for_all`` names the symbols it quantifies over (they may be instantiated). A closed statement
        that is false, or an equation whose sides differ by a non-zero number, is refused.
        """
        statement = _as_sympy(statement)
        if not name or not reference:
            return self._refuse(statement, "assumption", "an assumption needs a name and a reference")
        if any(f.rule == "assumption" and f._extra == name and f.ok and f.statement != statement for f in self._facts):
            return self._refuse(statement, "assumption", f"another assumption is already named {name!r}")
        seen = self._unfold(statement)   # through the definitions: c := 2 then "c = 3" is a contradiction
        if seen is sp.false or (isinstance(seen, sp.Equality) and _free(seen) == set() and
                                _closed_false(seen, self.cap)):
            return self._refuse(statement, "assumption", "the statement is false")
        if isinstance(seen, sp.Equality):
            gap = sp.simplify(seen.lhs - seen.rhs) if not isinstance(seen.lhs, sp.MatrixBase) else None
            if gap is not None and gap.is_number and gap.is_comparable and gap != 0:
                return self._refuse(statement, "assumption", f"the sides differ by {gap}")
        fact = self._new(statement, "assumption", True, reference, bound=tuple(for_all), status_ok=ASSUMED,
                         extra=name)
        object.__setattr__(fact, "_deps", frozenset({fact}))
        return fact

    # -- rules that check ------------------------------------------------------------------------

    def symmetric(self, fact: Fact) -> Fact:
        """b = a from a = b (and b <= a from a >= b): the same fact read the other way round."""
        flips = {sp.Equality: sp.Equality, sp.LessThan: sp.GreaterThan, sp.GreaterThan: sp.LessThan,
                 sp.StrictLessThan: sp.StrictGreaterThan, sp.StrictGreaterThan: sp.StrictLessThan}
        if not (self._mine(fact) and type(fact.statement) in flips):
            return self._refuse(sp.Symbol("refused"), "symmetric", "needs a relation that is a fact here")
        st = fact.statement
        status = NUMERIC if fact.status == NUMERIC else PROVED
        return self._new(flips[type(st)](st.rhs, st.lhs, evaluate=False), "symmetric", True, "read the other way round",
                         fact.deps, status_ok=status)

    def combine(self, facts: Sequence[Fact], weights: Sequence) -> Fact:
        """Σ w_i·a_i >= Σ w_i·b_i from facts a_i >= b_i (a_i <= b_i read as b_i >= a_i; equations with any
        real weight, inequalities with weights >= 0); strict when a strict one has a positive weight."""
        facts, weights = list(facts), [_as_sympy(w) for w in weights]
        if len(facts) != len(weights) or not facts or not all(self._mine(f) for f in facts):
            return self._refuse(sp.Symbol("refused"), "combine", "needs facts of this derivation and one weight each")
        big, small, strict = sp.Integer(0), sp.Integer(0), False
        for f, w in zip(facts, weights):
            st = f.statement
            if not (w.is_number and w.is_real):
                return self._refuse(sp.Symbol("refused"), "combine", f"weight {w} is not a real number")
            if isinstance(st, sp.Equality):
                hi, lo = st.lhs, st.rhs
            elif isinstance(st, (sp.GreaterThan, sp.StrictGreaterThan)):
                hi, lo = st.lhs, st.rhs
            elif isinstance(st, (sp.LessThan, sp.StrictLessThan)):
                hi, lo = st.rhs, st.lhs
            else:
                return self._refuse(sp.Symbol("refused"), "combine", "only equations and inequalities combine")
            if not isinstance(st, sp.Equality) and w.is_nonnegative is not True:
                return self._refuse(sp.Symbol("refused"), "combine", f"an inequality needs a weight known to be >= 0, "
                                                                     f"got {w}")
            strict = strict or (isinstance(st, (sp.StrictGreaterThan, sp.StrictLessThan)) and w.is_positive)
            big, small = big + w * hi, small + w * lo
        relation = (sp.StrictGreaterThan if strict else sp.GreaterThan)(big, small, evaluate=False)
        status = NUMERIC if any(f.status == NUMERIC for f in facts) else PROVED
        return self._new(relation, "combine", True, "a weighted sum of the facts", frozenset().union(
            *(f.deps for f in facts)), status_ok=status)

    def rewrite(self, expr, facts: Sequence[Fact]) -> Fact:
        """expr = expr with each fact's left side replaced by its right side (equals for equals)."""
        facts = list(facts)
        if not all(self._mine(f) and isinstance(f.statement, sp.Equality) for f in facts):
            return self._refuse(sp.Symbol("refused"), "rewrite", "needs equations that are facts of this derivation")
        expr = _as_sympy(expr)
        for f in facts:
            # inside Σ_j or ∫ dz a fact about j or z is used for every value the binder runs over: it must
            # hold for every such value (not be a fact about one particular j)
            captured = _captured(expr, _free(f.statement))
            particular = captured & (self._pinned(f) - set(f.bound))
            if particular:
                return self._refuse(sp.Symbol("refused"), "rewrite",
                                    f"{sorted(map(str, particular))} run over a sum or integral here, but the fact "
                                    f"holds only for particular values of them")
        new = expr.xreplace({f.statement.lhs: f.statement.rhs for f in facts})
        if new == expr:
            return self._refuse(_eq(expr, new), "rewrite", "no left side of the facts occurs in the expression")
        status = NUMERIC if any(f.status == NUMERIC for f in facts) else PROVED
        return self._new(_eq(expr, new), "rewrite", True, "equals replaced by equals",
                         frozenset().union(*(f.deps for f in facts)) | self._deps_of(expr), status_ok=status)

    def chain(self, *facts: Fact) -> Fact:
        """a = b, b' = c, ... with b ≡ b' (checked) gives a = c; ≤ (or ≥) links give ≤ (≥), < if any is strict."""
        if len(facts) < 2 or not all(self._mine(f) and type(f.statement) in _RELATIONS for f in facts):
            return self._refuse(sp.Symbol("refused"), "chain", "needs two or more relations that are facts here")
        kinds = {type(f.statement) for f in facts} - {sp.Equality}
        up, down = {sp.LessThan, sp.StrictLessThan}, {sp.GreaterThan, sp.StrictGreaterThan}
        if kinds and not (kinds <= up or kinds <= down):
            return self._refuse(sp.Symbol("refused"), "chain", "<= and >= links cannot be chained")
        for left, right in zip(facts, facts[1:]):
            ok, how = self._identity(left.statement.rhs, right.statement.lhs)
            if not ok:
                return self._refuse(sp.Symbol("refused"), "chain", f"the links do not meet: {how}")
        strict = bool(kinds & {sp.StrictLessThan, sp.StrictGreaterThan})
        relation = sp.Equality if not kinds else (
            (sp.StrictLessThan if strict else sp.LessThan) if kinds <= up else
            (sp.StrictGreaterThan if strict else sp.GreaterThan))
        statement = relation(facts[0].statement.lhs, facts[-1].statement.rhs, evaluate=False)
        status = NUMERIC if any(f.status == NUMERIC for f in facts) else PROVED
        return self._new(statement, "chain", True, f"transitivity over {len(facts)} links",
                         frozenset().union(*(f.deps for f in facts)), status_ok=status)

    def conclude(self, *results) -> Fact:
        """What the derivation establishes: each result must be a checked fact here (the same relation,
        both sides equal after unfolding definitions), not a definition, assumption or evidence."""
        parts = [p for r in results for p in _parts(_as_sympy(r))]
        statement = parts[0] if len(parts) == 1 else sp.Tuple(*parts)
        if self._conclusion is not None:
            return self._refuse(statement, "conclusion", "a derivation concludes once")
        candidates = [f for f in self._facts if f.ok and f.rule not in ("definition", "assumption", "evidence")]
        deps, missing = set(), []
        for part in parts:
            # a restatement: structurally equal first; else an equivalent relation whose sides mention the
            # same symbols (a prefilter: an identity check per candidate can take seconds)
            match = next((f for f in reversed(candidates) if f.statement == part), None) or \
                next((f for f in reversed(candidates) if _same_symbols(self, part, f.statement)
                      and self._matches(part, f.statement)), None)
            if match is None:
                missing.append(sp.sstr(part)[:80])
            else:   # a restatement rests on the definitions it mentions too (they fix their symbols)
                deps |= match.deps | self._deps_of(part)
        ok = not missing
        detail = "every part is a checked statement above" if ok else f"not established above: {'; '.join(missing)}"
        fact = self._new(statement, "conclusion", ok, detail, deps)
        self._conclusion = fact
        return fact

    def _matches(self, part, statement) -> bool:
        flips = {sp.LessThan: sp.GreaterThan, sp.GreaterThan: sp.LessThan, sp.StrictLessThan: sp.StrictGreaterThan,
                 sp.StrictGreaterThan: sp.StrictLessThan}
        if type(part) in flips and type(statement) is flips[type(part)]:
            statement = type(part)(statement.rhs, statement.lhs, evaluate=False)
        if type(part) is not type(statement) or type(part) not in _RELATIONS:
            return part == statement
        if part == statement:
            return True
        pairs = [(part.lhs, statement.lhs, part.rhs, statement.rhs)]
        if isinstance(part, sp.Equality):
            pairs.append((part.lhs, statement.rhs, part.rhs, statement.lhs))
        cap = min(self.cap, 5.0) if self.cap else 5.0   # a restatement, not a discovery: a short cap
        return any(check_identity(self._unfold(a), self._unfold(b), cap)[0] and
                   check_identity(self._unfold(c), self._unfold(d), cap)[0] for a, b, c, d in pairs)

    def _deps_of(self, *exprs) -> frozenset:
        names = set()
        for e in exprs:
            if isinstance(e, sp.Basic):
                names |= _free(e) & set(self._definitions)
                names |= {f for f in self._functions if e.has(f)}
        return frozenset(f for f in self._facts if f.rule == "definition" and f._extra in names)

    # -- the verdict -----------------------------------------------------------------------------
    def status(self, _seen: frozenset = frozenset()) -> Status:
        """proved / numeric / failed, the assumptions (own and cited) and the derivations used."""
        if id(self) in _seen:
            return Status(FAILED, (), (), ("circular citation",))
        reasons = [f"{f.rule}: {f.detail}" for f in self._facts if f._status == FAILED]
        # the assumptions the conclusion rests on (its own and, through citations, other derivations')
        rest = self._conclusion.deps if self._conclusion is not None else self._facts
        # keyed by what is assumed: two assumptions that share a name but not a statement are two, the same
        # hypothesis reached through two citations is one
        assumptions = {(str(f._extra), f.statement, f.bound): f for f in rest
                       if f.rule == "assumption" and f._status == ASSUMED}
        uses, base = [], PROVED
        for f in self._facts:
            if f.rule == "citation" and f._status == CITED:
                cited = f._extra.proof.status(_seen | {id(self)})
                if f._extra.claim_id not in uses:
                    uses.append(f._extra.claim_id)
                if cited.base == FAILED:
                    reasons.append(f"cited {f._extra.claim_id} failed")
                elif cited.base == NUMERIC:
                    base = NUMERIC
            if f._status == NUMERIC:
                base = NUMERIC
        if not any(f.rule in CHECKING_RULES and f.ok for f in self._facts):
            reasons.append("no step is checked")
        if self._conclusion is None:
            reasons.append("the derivation concludes nothing")
        ordered = sorted(assumptions.values(), key=lambda f: (str(f._extra), sp.sstr(f.statement)))
        return Status(FAILED if reasons else base, ordered, uses, reasons)


def _apply(lam: sp.Lambda, args):
    """``lam`` applied to ``args`` without capture: a binder of the body whose variable is a parameter or
    occurs in an argument is renamed first (F(k) := Σ_j k·j applied to j must not read Σ_j j·j)."""
    avoid = set(lam.variables).union(*(_free(a) for a in args))
    body = _alpha(lam.expr, avoid)
    return body.xreplace(dict(zip(lam.variables, args)))
