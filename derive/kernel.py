"""The trusted kernel: the only code that decides whether a step of a derivation holds.

A derivation is a ``Proof``: a ledger of ``Fact`` records. A fact is created only by the rules
below (its constructor demands a token private to this module), so building, rendering or caching
code can read facts but never forge one, and a derivation's status is computed from its facts,
never stored. This is the small-kernel discipline of LCF-style proof assistants (HOL Light's
``fusion.ml``), in Python.

Rules that introduce nothing new:
  ``define``            a NEW symbol (or function of distinct symbols) as an abbreviation;
  ``define_recursive``  a NEW function by primitive recursion on an integer n;
  ``assume``            a named hypothesis or standard theorem not proved here (counted in the status);
  ``cite``              the conclusion of another derivation (its status bounds this one's).
Rules that check (each may fail):
  ``identity``, ``instance``, ``inequality``, ``floor``, ``limit``, ``extremum``, ``gaussian``,
  ``gaussian_on``, ``telescoping``, ``induction``, ``expectation``, ``substitution``, ``quadrature``
  (numeric, never proved).
Rules that combine facts: ``instantiate`` (a universally quantified symbol replaced by a value that
satisfies its assumptions), ``rewrite`` (equals for equals), ``chain`` (transitivity), ``conclude``.
``evidence`` is a numeric spot check: shown, never counted as proof.

Free symbols of a fact are universally quantified, except those pinned by the assumptions and
definitions the fact depends on (the side condition of ∀-introduction); ``instantiate`` refuses to
replace a pinned symbol.
"""
from __future__ import annotations

import signal
import time
import threading
from contextlib import contextmanager
from typing import Iterable, Sequence

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

__all__ = ["Proof", "Fact", "Status", "SymbolicTimeout", "time_cap", "check_identity", "E", "Independent",
           "NormalE", "Maximum", "Minimum", "DEFAULT_TIME_CAP"]

DEFAULT_TIME_CAP = 20.0
"""Seconds a single symbolic check may take before it is reported as not established."""

PROVED, NUMERIC, FAILED = "proved", "numeric", "failed"
DEFINITION, ASSUMED, CITED, EVIDENCE = "definition", "assumed", "cited", "evidence"
CHECKING_RULES = frozenset({"identity", "instance", "inequality", "floor", "division", "limit", "extremum", "gaussian",
                            "telescoping", "induction", "expectation", "substitution", "quadrature"})
"""Rules that can fail on a false statement: a derivation needs at least one."""


class SymbolicTimeout(Exception):
    """A symbolic computation exceeded its time cap."""


@contextmanager
def time_cap(seconds: float | None):
    """Interrupt the enclosed block after ``seconds`` of wall time (SIGALRM; main thread, POSIX only).

    Elsewhere (a worker thread, Windows) the block runs uncapped: sympy offers no cooperative
    cancellation, and a thread cannot be interrupted safely.
    """
    usable = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise SymbolicTimeout(f"symbolic step exceeded its time cap of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    started = time.monotonic()
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    # an enclosing cap that ends sooner stays in charge: this one never extends it
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer else seconds)
    if outer and outer < seconds:
        signal.signal(signal.SIGALRM, previous)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # the enclosing cap keeps running for what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


# ---------------------------------------------------------------------------------------------
# Objects the rules speak about

E = sp.Function("E")
"""E(X): the expectation of a random expression, manipulated only by ``expectation`` and named facts."""


class Independent(sp.Function):
    """Independent(Tuple(a, b), Tuple(c), ...): the groups of random atoms are mutually independent."""

    is_commutative = True


class NormalE(sp.Function):
    """NormalE(f, z, q) = E[f(z)] for z ~ N(0, q); z is bound. Evaluated only by the ``gaussian`` rule."""

    @classmethod
    def eval(cls, f, z, q):
        return None

    @property
    def free_symbols(self):
        f, z, q = self.args
        return (f.free_symbols - {z}) | q.free_symbols


class _Extreme(sp.Function):
    """An extreme value of f over x in D, x bound (evaluated only by the ``extremum`` rule)."""

    @classmethod
    def eval(cls, f, x, domain):
        return None

    @property
    def free_symbols(self):
        return self.args[0].free_symbols - {self.args[1]}


class Maximum(_Extreme):
    """Maximum(f, x, D): the largest value of f over x in D."""


class Minimum(_Extreme):
    """Minimum(f, x, D): the smallest value of f over x in D."""


def _density(z, q):
    return sp.exp(-(z**2) / (2 * q)) / sp.sqrt(2 * sp.pi * q)


# ---------------------------------------------------------------------------------------------
# Facts

_TOKEN = object()


class Fact:
    """One checked (or introduced) statement. Only the rules of ``Proof`` create facts."""

    __slots__ = ("_statement", "_rule", "_status", "_detail", "_deps", "_bound", "_owner", "_extra")

    def __init__(self, token, owner, statement, rule, status, detail, deps=frozenset(), bound=(), extra=None):
        if token is not _TOKEN:
            raise TypeError("facts are created only by the kernel's rules")
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_statement", statement)
        object.__setattr__(self, "_rule", rule)
        object.__setattr__(self, "_status", status)
        object.__setattr__(self, "_detail", detail)
        object.__setattr__(self, "_deps", frozenset(deps))
        object.__setattr__(self, "_bound", tuple(bound))
        object.__setattr__(self, "_extra", extra)

    def __setattr__(self, name, value):
        raise AttributeError("a fact cannot be changed")

    statement = property(lambda self: self._statement)
    rule = property(lambda self: self._rule)
    detail = property(lambda self: self._detail)
    deps = property(lambda self: self._deps)
    """The assumptions and definitions this fact rests on (each pins its free symbols)."""
    bound = property(lambda self: self._bound)
    """Symbols explicitly quantified over (an assumption or recursive definition "for all n")."""

    @property
    def status(self) -> str:
        if self._rule == "citation" and self._status == CITED:
            return FAILED if self._extra.status().base == FAILED else CITED
        return self._status

    @property
    def name(self) -> str:
        """The name of an assumption, or the id of a cited derivation."""
        return self._extra if isinstance(self._extra, str) else getattr(self._extra, "claim_id", "")

    @property
    def ok(self) -> bool:
        return self.status not in (FAILED, EVIDENCE)

    def __repr__(self) -> str:
        return f"Fact({sp.sstr(self._statement)[:80]} | {self._rule}: {self.status})"


class Status:
    """A derivation's verdict, computed from its facts: ``base`` is proved, numeric or failed."""

    def __init__(self, base, assumptions, uses, reasons):
        self.base, self.assumptions, self.uses, self.reasons = base, tuple(assumptions), tuple(uses), tuple(reasons)

    def __str__(self) -> str:
        if self.base == FAILED or not self.assumptions:
            return self.base
        n = len(self.assumptions)
        return f"{self.base} given {n} assumption{'s' if n != 1 else ''}"

    def __repr__(self) -> str:
        return f"Status({self!s}, uses={list(self.uses)})"


# ---------------------------------------------------------------------------------------------
# The identity check


def _as_sympy(value):
    """Numbers and sympy objects only: a string is refused, never parsed (sympify would eval it)."""
    if isinstance(value, str):
        raise TypeError(f"expected a sympy expression or a number, got the string {value[:40]!r}")
    if isinstance(value, (sp.Basic, sp.MatrixBase)):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a sympy expression or a number, got {type(value).__name__}")
    return sp.Integer(value) if isinstance(value, int) else sp.Float(value)


def _peel(expr):
    """Σ/Π over l = a..b+c (c a positive integer) as Σ over a..b plus the last c terms.

    Valid for every b under Karr's convention, which sympy's Sum and Product follow.
    """
    def one(e):
        if isinstance(e, (sp.Sum, sp.Product)) and len(e.limits) == 1:
            var, lo, hi = e.limits[0]
            c = sp.Add(*[t for t in sp.Add.make_args(hi) if t.is_Integer])
            if c.is_Integer and c > 0 and (hi - c).free_symbols:
                top = hi - 1
                rest = type(e)(e.function, (var, lo, top))
                last = e.function.xreplace({var: hi})
                return one(rest) + last if isinstance(e, sp.Sum) else one(rest) * last
        return e
    if not isinstance(expr, sp.Basic):
        return expr
    for _ in range(8):   # the terms split off may hold sums or products to b + c themselves
        split = expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)), one)
        if split == expr:
            break
        expr = split
    return expr


_UNEVALUATED = (sp.Derivative, sp.Integral, sp.Limit, sp.Subs)
_MEMO: dict[tuple, tuple[bool, str]] = {}


def check_identity(a, b, cap: float | None = DEFAULT_TIME_CAP) -> tuple[bool, str]:
    """``a == b`` for every value of the free symbols allowed by their assumptions: (holds, how).

    Structural equality, then ``simplify(a - b) == 0`` (with matrices, every entry), then the same
    with hyperbolic functions as exponentials and erfc as erf. What sympy cannot reduce to zero in
    time is *not established*: reported as failing, never assumed. Memoized in this process only.
    """
    a, b = _as_sympy(a), _as_sympy(b)
    key = (sp.srepr(a), sp.srepr(b))
    if key in _MEMO:
        return _MEMO[key]
    if a == b:
        return True, "structurally equal"
    try:
        with time_cap(cap):
            outcome = _difference_vanishes(a, b)
    except SymbolicTimeout as exc:
        return False, f"timed out: {exc}"          # never memoized: a longer cap may succeed
    except Exception as exc:  # sympy gives up in many ways ("undecidable set membership", ...)
        outcome = False, f"not established: sympy raised {type(exc).__name__}: {str(exc)[:120]}"
    _MEMO[key] = outcome
    return outcome


def _difference_vanishes(a, b) -> tuple[bool, str]:
    def ready(v):
        v = _peel(v)
        return v.doit() if isinstance(v, sp.Basic) and v.has(*_UNEVALUATED) else v
    diff = ready(a) - ready(b)
    if isinstance(diff, sp.MatrixExpr) and not isinstance(diff, sp.MatrixBase):
        diff = sp.expand(diff).doit()
        if isinstance(diff, sp.ZeroMatrix) or diff == 0:
            return True, "matrix expression expands to ZeroMatrix"
    if isinstance(diff, sp.MatrixBase):
        if all(sp.simplify(entry) == 0 for entry in diff):
            return True, "simplify(lhs - rhs) == 0, entrywise"
        return False, "lhs - rhs does not simplify to 0 in every entry"
    if sp.expand(diff) == 0:
        return True, "expand(lhs - rhs) == 0"
    simple = sp.simplify(diff)
    if simple == 0 or simple.is_zero is True:
        return True, "simplify(lhs - rhs) == 0"
    if sp.simplify(simple.rewrite(sp.exp)) == 0 or (
            simple.has(sp.erfc, sp.erfi) and sp.simplify(simple.rewrite(sp.erf)) == 0):
        return True, "simplify(lhs - rhs) == 0 after rewriting in exponentials"
    return False, f"lhs - rhs does not simplify to 0 (it is {sp.sstr(simple)[:120]})"


def _eq(lhs, rhs):
    def side(v):
        return sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else _as_sympy(v)
    return sp.Eq(side(lhs), side(rhs), evaluate=False)


def _sides(statement):
    if isinstance(statement, sp.Equality):
        return statement.lhs, statement.rhs
    raise TypeError(f"expected an equation, got {type(statement).__name__}")


_RELATIONS = {sp.Equality: "=", sp.LessThan: "<=", sp.StrictLessThan: "<", sp.GreaterThan: ">=",
              sp.StrictGreaterThan: ">"}


def _satisfies(value, symbol) -> bool:
    """Whether ``value`` has every assumption ``symbol`` carries (integer, positive, ...)."""
    for key, wanted in symbol.assumptions0.items():
        if key == "commutative" or wanted is not True:
            continue
        if getattr(value, f"is_{key}", None) is not True:
            return False
    return True


def _bound_symbols(expr) -> set:
    found = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Sum, sp.Product, sp.Integral)):
            found.update(lim[0] for lim in node.limits)
        elif isinstance(node, (sp.Lambda, sp.Subs)):
            found.update(node.variables)
        elif isinstance(node, (NormalE, _Extreme)):
            found.add(node.args[1])
    return found


# ---------------------------------------------------------------------------------------------
# The proof ledger


class Proof:
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
                out = out.xreplace({k: self._definitions[k] for k in names})
            for func in funcs:
                lam = self._functions[func]
                out = out.replace(lambda e, f=func: isinstance(e, AppliedUndef) and e.func == f,
                                  lambda e, lam=lam: lam(*e.args))
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

    def cite(self, claim_id: str, other: "Proof", values: dict | None = None) -> tuple[Fact, ...]:
        """The conclusion of another derivation, one fact per statement (status: that derivation's).

        ``values`` instantiates symbols of the conclusion, also where an assumption of the cited
        derivation fixes them: each such assumption, instantiated the same way, becomes an obligation
        here. An obligation that is already a fact of this derivation is discharged; any other becomes an
        assumption of this derivation, named after the cited one. (∀x: A(x) ⇒ C(x) gives A(v) ⇒ C(v).)
        Symbols fixed by a definition of the cited derivation cannot be instantiated.
        """
        if not isinstance(other, Proof) or other is self or other.conclusion is None or not other.conclusion.ok:
            return (self._refuse(sp.Symbol(f"use({claim_id})"), "citation",
                                 f"{claim_id} has no checked conclusion to cite"),)
        values = {k: _as_sympy(v) for k, v in (values or {}).items()}
        deps = set(other.conclusion.deps)
        fixed = set()
        for dep in deps:
            if dep.rule == "definition":
                fixed |= _free(dep.statement) - set(dep.bound)
        for sym, value in values.items():
            if not isinstance(sym, sp.Symbol) or sym in fixed:
                return (self._refuse(sp.Symbol(f"use({claim_id})"), "citation",
                                     f"{sym} cannot be instantiated: a definition of {claim_id} fixes it"),)
            if not _satisfies(self._unfold(value), sym):
                return (self._refuse(sp.Symbol(f"use({claim_id})"), "citation",
                                     f"{sp.sstr(value)} does not have the assumptions of {sym} ({_assumptions(sym)})"),)
        for dep in [d for d in deps if d.rule == "assumption"]:
            here = {k: v for k, v in values.items() if k in _free(dep.statement) - set(dep.bound)}
            if not here:
                continue
            deps.discard(dep)
            obligation = _replace(dep.statement, here)
            candidates = [f for f in self._facts if f.ok and f.rule != "evidence"]
            match = next((f for f in candidates if f.statement == obligation), None) or \
                next((f for f in candidates if _same_symbols(self, obligation, f.statement)
                      and self._matches(obligation, f.statement)), None)
            if match is not None:
                deps |= match.deps
            else:
                at = ", ".join(f"{k} = {sp.sstr(v)}" for k, v in here.items())
                new = self.assume(f"{dep._extra} [{claim_id} at {at}]", obligation, dep.detail, dep.bound)
                deps |= new.deps
        out = []
        for original in _parts(other.conclusion.statement):
            statement = _replace(original, values) if values else original
            if _free(original) & set(self._definitions) or any(original.has(f) for f in self._functions):
                out.append(self._refuse(statement, "citation", "the cited statement uses a name defined here"))
                continue
            shown = f"cited from {claim_id}" + (f" at {', '.join(f'{k} = {sp.sstr(v)}' for k, v in values.items())}"
                                                  if values else "")
            out.append(self._new(statement, "citation", True, shown, deps=deps, status_ok=CITED,
                                 extra=_Cited(claim_id, other)))
        return tuple(out)

    # -- rules that check ------------------------------------------------------------------------
    def identity(self, lhs, rhs) -> Fact:
        """lhs == rhs for every value allowed by the symbols' assumptions."""
        ok, how = self._identity(lhs, rhs)
        return self._new(_eq(lhs, rhs), "identity", ok, how, self._deps_of(lhs, rhs))

    def instance(self, lhs, rhs) -> Fact:
        """A worked instance: both sides closed (no free symbols) and equal."""
        eq = _eq(lhs, rhs)
        free = _free(self._unfold(lhs)) | _free(self._unfold(rhs))
        if free:
            return self._new(eq, "instance", False, f"an instance has no free symbols, found {sorted(map(str, free))}")
        ok, how = self._identity(lhs, rhs)
        return self._new(eq, "instance", ok, how, self._deps_of(lhs, rhs))

    def _ordered(self, lhs, rhs, witness, strict):
        ok_id, how_id = self._identity(_as_sympy(lhs) - _as_sympy(rhs), witness)
        sign = None
        # the witness as written (a defined symbol carries assumptions its definition was checked to have),
        # then with the definitions written out
        for w in (_as_sympy(witness), self._unfold(_as_sympy(witness))):
            try:
                with time_cap(self.cap):
                    sign = sp.ask(sp.Q.positive(w) if strict else sp.Q.nonnegative(w))
                    if sign is None:
                        sign = w.is_positive if strict else w.is_nonnegative
            except SymbolicTimeout:
                sign = None
            if sign is True:
                break
        detail = f"lhs - rhs = witness: {how_id}; witness {'> 0' if strict else '>= 0'}: " \
                 f"{'confirmed' if sign is True else 'not established'}"
        return ok_id and sign is True, detail, self._deps_of(lhs, rhs, witness)

    def inequality(self, lhs, rhs, witness, strict: bool = False) -> Fact:
        """lhs >= rhs (or >): lhs - rhs == witness, and sympy confirms the witness is >= 0 (> 0)."""
        ok, detail, deps = self._ordered(lhs, rhs, witness, strict)
        relation = (sp.StrictGreaterThan if strict else sp.GreaterThan)(lhs, rhs, evaluate=False)
        return self._new(relation, "inequality", ok, detail, deps)

    def floor(self, x, value, below, above) -> Fact:
        """⌊x⌋ = value: value is an integer, x - value = ``below`` >= 0 and value + 1 - x = ``above`` > 0."""
        x, value = _as_sympy(x), _as_sympy(value)
        ok_low, low, deps_low = self._ordered(x, value, below, False)
        ok_high, high, deps_high = self._ordered(value + 1, x, above, True)
        integer = self._unfold(value).is_integer is True
        detail = f"{'integer' if integer else 'not known to be an integer'}; x - value: {low}; value + 1 - x: {high}"
        return self._new(_eq(sp.floor(x), value), "floor", ok_low and ok_high and integer, detail, deps_low | deps_high)

    def limit(self, expr, var, point, value, direction: str = "+-") -> Fact:
        """lim_{var -> point} expr = value, computed by sympy."""
        infinite = point in (sp.oo, -sp.oo)
        try:
            with time_cap(self.cap):
                got = sp.limit(self._unfold(expr), var, point) if infinite else \
                    sp.limit(self._unfold(expr), var, point, dir=direction)
            ok, how = self._identity(got, value)
            how = f"sympy.limit gives {sp.sstr(got)[:80]}; {how}"
        except SymbolicTimeout as exc:
            ok, how = False, f"timed out: {exc}"
        except Exception as exc:
            ok, how = False, f"not established: sympy raised {type(exc).__name__}"
        shown = sp.Limit(expr, var, point, dir="-" if infinite else direction)
        return self._new(_eq(shown, value), "limit", ok, how, self._deps_of(expr, value))

    def extremum(self, expr, var, domain, value, kind: str = "max") -> Fact:
        """max (or min) of expr over ``domain`` = value, by sympy's calculus (critical points and ends)."""
        from sympy.calculus.util import maximum, minimum
        if kind not in ("max", "min"):
            raise ValueError(f"kind must be 'max' or 'min', got {kind!r}")
        try:
            with time_cap(self.cap):
                got = (maximum if kind == "max" else minimum)(self._unfold(expr), var, domain)
            ok, how = self._identity(got, value)
            how = f"sympy {kind}imum over {domain} = {sp.sstr(got)[:60]}; {how}"
        except SymbolicTimeout as exc:
            ok, how = False, f"timed out: {exc}"
        except Exception as exc:
            ok, how = False, f"not established: sympy raised {type(exc).__name__}"
        lhs = (Maximum if kind == "max" else Minimum)(expr, var, domain)
        return self._new(_eq(lhs, value), "extremum", ok, how, self._deps_of(expr, value))

    def bound(self, extremum: Fact, point, inside: Sequence[Fact]) -> Fact:
        """From max_{s∈[a, b]} f = M (a fact) and facts a <= u, u <= b (strict or not, either orientation),
        f(u) <= M; from a minimum, f(u) >= m."""
        st = extremum.statement if isinstance(extremum, Fact) else None
        if not (self._mine(extremum) and isinstance(st, sp.Equality) and isinstance(st.lhs, (Maximum, Minimum))):
            return self._refuse(sp.Symbol("refused"), "bound", "needs a checked maximum or minimum fact")
        f, s, domain = st.lhs.args
        point = _as_sympy(point)
        if not isinstance(domain, sp.Interval):
            return self._refuse(st, "bound", "the domain must be an interval")
        needed = [(domain.start, "low")] if domain.start.is_finite else []
        needed += [(domain.end, "high")] if domain.end.is_finite else []
        facts = [g for g in inside if self._mine(g)]
        for end, side in needed:
            if not any(_orders(g.statement, end, point) if side == "low" else _orders(g.statement, point, end)
                       for g in facts):
                return self._refuse(st, "bound", f"no fact here shows {sp.sstr(point)} "
                                                 f"{'>=' if side == 'low' else '<='} {sp.sstr(end)}")
        value = f.xreplace({s: point})
        rel = sp.LessThan(value, st.rhs, evaluate=False) if type(st.lhs) is Maximum else \
            sp.GreaterThan(value, st.rhs, evaluate=False)
        deps = extremum.deps.union(*(g.deps for g in facts))
        return self._new(rel, "bound", True, f"{sp.sstr(point)[:40]} lies in {domain}", deps)

    def gaussian(self, f, z, value, q=sp.Integer(1)) -> Fact:
        """E[f(z)] = value for z ~ N(0, q), by exact symbolic integration."""
        return self.gaussian_on(f, z, -sp.oo, sp.oo, value, q)

    def gaussian_on(self, f, z, lo, hi, value, q=sp.Integer(1)) -> Fact:
        """E[f(z)·1[lo < z < hi]] = value for z ~ N(0, q), by exact integration over (lo, hi)."""
        f, q = _as_sympy(f), _as_sympy(q)
        try:
            with time_cap(self.cap):
                integrand = self._unfold(f).rewrite(sp.Piecewise) if f.has(sp.Max, sp.Min, sp.Abs, sp.Heaviside) \
                    else self._unfold(f)
                density = _density(z, self._unfold(q))
                # term by term: sympy 1.14 drops terms of some expanded sums integrated whole
                got = sp.Add(*[sp.integrate(term, (z, lo, hi), conds="none")
                               for term in sp.Add.make_args(sp.expand(integrand * density))])
            if got.has(sp.Integral):
                ok, how = False, "sympy left the integral unevaluated"
            else:
                ok, how = self._identity(got, value)
                how = f"∫ f·N(0, q) = {sp.sstr(got)[:80]}; {how}"
                if ok:   # an independent numeric check of sympy's integration at sample parameter values
                    agree, note = _quadrature_agrees(integrand * density, z, lo, hi, got)
                    ok, how = agree, f"{how}; {note}"
        except SymbolicTimeout as exc:
            ok, how = False, f"timed out: {exc}"
        except Exception as exc:
            ok, how = False, f"not established: sympy raised {type(exc).__name__}"
        if lo == -sp.oo and hi == sp.oo:
            inside = f
        else:
            region = sp.And(lo < z, z < hi) if lo != -sp.oo and hi != sp.oo else (z > lo if hi == sp.oo else z < hi)
            inside = f * sp.Piecewise((1, region), (0, True))
        return self._new(_eq(NormalE(inside, z, q), value), "gaussian", ok, how, self._deps_of(f, value))

    def quadrature(self, f, z, q, digits: int = 12, dps: int = 30) -> Fact:
        """E[f(z)], z ~ N(0, q), by mpmath tanh-sinh quadrature: status numeric when the error estimate
        is below 10^-digits relative; the value is stated to digits + 3 significant digits."""
        f, q = self._unfold(_as_sympy(f)), _as_sympy(q)
        try:
            fn = sp.lambdify(z, f, modules="mpmath")
            with mpmath.workdps(dps):
                qv = mpmath.mpf(sp.N(q, dps))
                def weighted(t):
                    return fn(t) * mpmath.exp(-t * t / (2 * qv)) / mpmath.sqrt(2 * mpmath.pi * qv)

                got, err = mpmath.quad(weighted, [-mpmath.inf, 0, mpmath.inf], error=True)
                # tanh-sinh stops looking near |t| = 40·√q: the integrand must have died out there
                root = mpmath.sqrt(qv)
                far = max(abs(weighted(40 * root)), abs(weighted(-40 * root)))
                bulk = max(abs(weighted(c * root)) for c in (-2, -1, -0.5, 0.5, 1, 2))
                scale = max(abs(got), mpmath.mpf("1e-300"))
                ok = bool(err <= mpmath.mpf(10) ** (-digits) * scale and far <= mpmath.mpf(10) ** (-digits - 8) * bulk
                          and mpmath.isfinite(got) and mpmath.im(got) == 0)
                detail = f"mpmath.quad = {mpmath.nstr(got, digits + 3)} (error estimate {mpmath.nstr(err, 3)}; " \
                         f"integrand at the ends of the search {mpmath.nstr(far, 3)})"
                value = sp.Float(mpmath.nstr(got, digits + 3), digits + 3)
        except Exception as exc:
            ok, detail, value = False, f"quadrature failed: {type(exc).__name__}: {str(exc)[:80]}", sp.nan
        return self._new(_eq(NormalE(f, z, q), value), "quadrature", ok, detail, status_ok=NUMERIC)

    def telescoping(self, term, l, L, closed, kind: str = "product", start: int = 1) -> Fact:
        """Π_{l=start}^{L} term (or Σ) = closed for every integer L >= start - 1: closed is the empty
        product (sum) at L = start - 1, and closed(L + 1) = closed(L)·term(L + 1) (+ for sums)."""
        if kind not in ("product", "sum"):
            raise ValueError(f"kind must be 'product' or 'sum', got {kind!r}")
        empty = sp.Integer(1 if kind == "product" else 0)
        big = sp.Product if kind == "product" else sp.Sum
        statement = _eq(big(term, (l, start, L)), closed)
        if not (isinstance(L, sp.Symbol) and L.is_integer and _lowest(L) is not None and _lowest(L) >= start - 1):
            return self._refuse(statement, "telescoping", f"{L} must be an integer symbol bounded below by {start - 1}")
        ok_base, how_base = self._identity(_as_sympy(closed).subs(L, start - 1), empty)
        nxt = term.subs(l, L + 1)
        step_rhs = closed * nxt if kind == "product" else closed + nxt
        ok_step, how_step = self._identity(_as_sympy(closed).subs(L, L + 1), step_rhs)
        detail = f"empty {kind} at {L} = {start - 1}: {how_base}; {L} -> {L}+1: {how_step}"
        return self._new(statement, "telescoping", ok_base and ok_step, detail, self._deps_of(term, closed))

    def induction(self, target, n, closed, base: Fact, step: Fact) -> Fact:
        """target(n) = closed for every integer n >= n0, from the facts base: target(n0) = b and
        step: target(n + 1) = g, where g may contain target(n, ...) (replaced by the hypothesis).

        ``target`` is F(n, *params) for an undefined function F; the params are universally quantified
        in the hypothesis (every F(n, args) in g is replaced by closed at those args).
        """
        statement = _eq(target, closed)
        why = _induction_shape(target, n, base, step)
        if why is None and not (self._mine(base) and self._mine(step)):
            why = "base and step must be checked facts of this derivation"
        if why is None and closed.has(target.func):
            why = "the closed form must not contain the function it solves for"
        if why is None:
            for sym in (n, *target.args[1:]):
                if not isinstance(sym, sp.Symbol) or sym in self._pinned(step) | self._pinned(base):
                    why = f"{sym} must be a symbol not fixed by an assumption the base or step rests on"
        if why:
            return self._refuse(statement, "induction", why)
        func, params = target.func, target.args[1:]
        n0 = base.statement.lhs.args[0]
        lowest = _lowest(n)
        if lowest is None or not (_as_sympy(n0).is_Integer and lowest == n0):
            # a base below the domain would need a step from n0 to n0 + 1 that the step fact does not state
            return self._refuse(statement, "induction", f"the base must be at {n}'s smallest value {lowest}, got {n0}")

        def at(m, args):
            return closed.xreplace(dict(zip((n, *params), (m, *args))))

        ok_base, how_base = self._identity(at(n0, params), base.statement.rhs)
        hypothesis = step.statement.rhs.replace(lambda e: isinstance(e, sp.Function) and e.func == func,
                                                lambda e: at(e.args[0], e.args[1:]))
        ok_step, how_step = self._identity(at(n + 1, params), hypothesis)
        detail = f"base {n} = {n0}: {how_base}; step {n} -> {n}+1: {how_step}"
        return self._new(statement, "induction", ok_base and ok_step, detail, base.deps | step.deps)

    def expectation(self, expr, independence: Fact) -> Fact:
        """E[expr] by linearity and independence: expr is a polynomial in the random atoms named by
        ``independence`` (a fact Independent(group, group, ...)); each monomial's expectation splits into
        one factor E[...] per group."""
        expr = _as_sympy(expr)
        statement = sp.Symbol("refused")
        if not self._mine(independence) or not isinstance(independence.statement, Independent):
            return self._refuse(statement, "expectation", "needs a fact Independent(...) of this derivation")
        groups = [tuple(g) if isinstance(g, sp.Tuple) else (g,) for g in independence.statement.args]
        atoms = [a for g in groups for a in g]
        try:
            poly = sp.Poly(sp.expand(expr), *atoms)
        except sp.PolynomialError as exc:
            return self._refuse(_eq(E(expr), expr), "expectation", f"not a polynomial in the random atoms: {exc}")
        total = sp.Integer(0)
        for powers, coeff in poly.terms():
            if coeff.has(*atoms):
                return self._refuse(_eq(E(expr), expr), "expectation", "a coefficient holds a random atom")
            term = coeff
            for group in groups:
                factor = sp.Mul(*[a**p for a, p in zip(atoms, powers) if a in group])
                if factor != 1:
                    term *= E(factor)
            total += term
        return self._new(_eq(E(expr), total), "expectation", True,
                         "linearity; a product of independent groups has the product of their expectations",
                         {independence} | set(independence.deps))

    def substitution(self, integral, t, scale, shift=sp.Integer(0)) -> Fact:
        """∫_a^b f(z) dz = ∫ f(scale·t + shift)·scale dt over t in ((a - shift)/scale, (b - shift)/scale):
        a linear change of variables (scale a non-zero number)."""
        scale, shift = _as_sympy(scale), _as_sympy(shift)
        if not (isinstance(integral, sp.Integral) and len(integral.limits) == 1 and len(integral.limits[0]) == 3):
            return self._refuse(sp.Symbol("refused"), "substitution", "needs a definite integral in one variable")
        if not (scale.is_number and scale.is_nonzero) or t in integral.free_symbols:
            return self._refuse(integral, "substitution", "the scale must be a non-zero number and t new")
        z, a, b = integral.limits[0]
        new = sp.Integral(integral.function.xreplace({z: scale * t + shift}) * scale,
                          (t, (a - shift) / scale, (b - shift) / scale))
        return self._new(_eq(integral, new), "substitution", True, f"{z} = {sp.sstr(scale * t + shift)}",
                         self._deps_of(integral))

    def evidence(self, lhs, rhs, points: Iterable[dict], rtol: float = 1e-12) -> Fact:
        """A numeric spot check at given points: shown, never counted as proof (a failure still fails)."""
        worst, n = 0.0, 0
        try:
            for subs in points:
                left = complex(sp.N(self._unfold(lhs).subs(subs), 30))
                right = complex(sp.N(self._unfold(rhs).subs(subs), 30))
                worst = max(worst, abs(left - right) / max(1.0, abs(right)))
                n += 1
        except (TypeError, ValueError) as exc:
            return self._new(_eq(lhs, rhs), "evidence", False, f"could not evaluate: {exc}")
        ok = n > 0 and worst <= rtol
        return self._new(_eq(lhs, rhs), "evidence", ok, f"{n} points, worst relative gap {worst:.2e} (evidence, "
                         "not proof)", status_ok=EVIDENCE)

    # -- rules that combine ----------------------------------------------------------------------
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
            elif sym in pinned or sym in self._definitions:
                why = f"{sym} is fixed by an assumption or definition the statement rests on"
            elif not _satisfies(self._unfold(value), sym):
                why = f"{sp.sstr(value)} does not have the assumptions of {sym} ({_assumptions(sym)})"
            else:
                continue
            return self._refuse(fact.statement, "instantiate", why)
        statement = _replace(fact.statement, values)
        shown = ", ".join(f"{k} = {sp.sstr(v)}" for k, v in values.items())
        status = NUMERIC if fact.status == NUMERIC else PROVED
        return self._new(statement, "instantiate", True, f"instance of an earlier fact at {shown}",
                         fact.deps | self._deps_of(*values.values()), status_ok=status)

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
            if not isinstance(st, sp.Equality) and w.is_negative:
                return self._refuse(sp.Symbol("refused"), "combine", "an inequality needs a weight >= 0")
            strict = strict or (isinstance(st, (sp.StrictGreaterThan, sp.StrictLessThan)) and w.is_positive)
            big, small = big + w * hi, small + w * lo
        relation = (sp.StrictGreaterThan if strict else sp.GreaterThan)(big, small, evaluate=False)
        status = NUMERIC if any(f.status == NUMERIC for f in facts) else PROVED
        return self._new(relation, "combine", True, "a weighted sum of the facts", frozenset().union(
            *(f.deps for f in facts)), status_ok=status)

    def divide(self, a, s, q, r) -> tuple[Fact, Fact, Fact]:
        """Euclidean division, a rule of this kernel: for an integer a and a positive integer s, the new
        symbols q := ⌊a/s⌋ and r := a - q·s satisfy a = q·s + r and 0 <= r <= s - 1 (Knuth, TAOCP vol. 1,
        §1.2.4). q and r must be new integer symbols (r nonnegative)."""
        a, s = _as_sympy(a), _as_sympy(s)
        ua, us = self._unfold(a), self._unfold(s)
        shown = sp.Eq(a, q * s + r, evaluate=False) if isinstance(q, sp.Basic) and isinstance(r, sp.Basic) \
            else sp.Symbol("refused")
        why = None
        if not (ua.is_integer and us.is_integer and us.is_positive):
            why = "a must be an integer and s a positive integer"
        elif not (isinstance(q, sp.Symbol) and q.is_integer and isinstance(r, sp.Symbol) and r.is_integer
                  and r.is_nonnegative) or q == r:
            why = "q must be an integer symbol and r a nonnegative integer symbol"
        elif any(sym in self._names or any(sym in _free(f.statement) for f in self._facts if f.ok)
                 or sym in _free(a) | _free(s) for sym in (q, r)):
            why = "q and r must be new symbols"
        if why:
            return tuple(self._refuse(shown, "division", why) for _ in range(3))
        self._definitions[q] = sp.floor(ua / us)
        self._definitions[r] = ua - us * sp.floor(ua / us)
        self._names |= {q, r}
        deps = self._deps_of(a, s)
        made = []
        for statement in (shown, sp.GreaterThan(r, 0, evaluate=False), sp.LessThan(r, s - 1, evaluate=False)):
            made.append(self._new(statement, "division", True, f"q = ⌊a/s⌋, r = a - q·s (division algorithm)",
                                  deps, extra=q))
        for f in made:   # q and r are fixed by the division: they cannot be instantiated
            object.__setattr__(f, "_deps", frozenset(f.deps | {made[0]}))
        return tuple(made)

    def rewrite(self, expr, facts: Sequence[Fact]) -> Fact:
        """expr = expr with each fact's left side replaced by its right side (equals for equals)."""
        facts = list(facts)
        if not all(self._mine(f) and isinstance(f.statement, sp.Equality) for f in facts):
            return self._refuse(sp.Symbol("refused"), "rewrite", "needs equations that are facts of this derivation")
        expr = _as_sympy(expr)
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
            else:
                deps |= match.deps
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
        assumptions = {f._extra: f for f in rest if f.rule == "assumption" and f._status == ASSUMED}
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
        ordered = [assumptions[name] for name in sorted(assumptions, key=str)]
        return Status(FAILED if reasons else base, ordered, uses, reasons)


class _Cited:
    __slots__ = ("claim_id", "proof")

    def __init__(self, claim_id, proof):
        self.claim_id, self.proof = claim_id, proof

    def status(self):
        return self.proof.status()


# ---------------------------------------------------------------------------------------------
# Helpers


def _free(expr) -> set:
    return set(expr.free_symbols) if isinstance(expr, sp.Basic) else set()


def _parts(statement) -> list:
    if isinstance(statement, (sp.And, sp.Tuple)):
        return [p for a in statement.args for p in _parts(a)]
    return [statement]


def _sample_value(sym):
    """A value with the symbol's assumptions, for numeric cross-checks (never part of a proof)."""
    if sym.is_integer:
        return sp.Integer(3) if (sym.is_positive or sym.is_nonnegative) else sp.Integer(-2) if sym.is_negative \
            else sp.Integer(2)
    if sym.is_negative:
        return sp.Rational(-7, 10)
    return sp.Rational(7, 10) if (sym.is_positive or sym.is_nonnegative) else sp.Rational(3, 10)


def _quadrature_agrees(integrand, z, lo, hi, got) -> tuple[bool, str]:
    """Whether mpmath's quadrature of ``integrand`` over (lo, hi) matches sympy's ``got`` to 1e-10
    (relative), with every other free symbol at a sample value: a guard against integration bugs."""
    values = {s: _sample_value(s) for s in (integrand.free_symbols | got.free_symbols) - {z}}
    if any(isinstance(f, sp.core.function.AppliedUndef) for f in integrand.atoms(sp.Function)):
        return True, "no numeric cross-check (an undefined function)"
    try:
        fn = sp.lambdify(z, integrand.xreplace(values), modules="mpmath")
        with mpmath.workdps(30):
            ends = [mpmath.mpf(sp.N(e, 30)) if e.is_finite else (mpmath.inf if e > 0 else -mpmath.inf) for e in (lo, hi)]
            points = [ends[0], 0, ends[1]] if ends[0] < 0 < ends[1] else ends
            numeric = mpmath.quad(fn, points)
            exact = mpmath.mpf(sp.N(got.xreplace(values), 30))
            gap = abs(numeric - exact)
            if gap <= mpmath.mpf("1e-10") * max(1, abs(exact)):
                return True, f"quadrature at sample parameters agrees ({mpmath.nstr(gap, 2)})"
            return False, f"sympy's integral disagrees with quadrature by {mpmath.nstr(gap, 3)} at {values}"
    except Exception as exc:  # noqa: BLE001 -- a cross-check that cannot run says so and proves nothing less
        return True, f"no numeric cross-check ({type(exc).__name__})"


def _same_symbols(proof, part, statement) -> bool:
    if type(part) not in _RELATIONS or type(statement) not in _RELATIONS:
        return part == statement
    return _free(proof.unfold(part)) == _free(proof.unfold(statement))


def _closed_false(statement, cap) -> bool:
    """Whether a closed equation is shown false: its sides evaluate to different numbers (undecided is not false)."""
    try:
        gap = sp.N(statement.lhs - statement.rhs, 30)
    except Exception:  # noqa: BLE001
        return False
    return bool(gap.is_number and gap.is_comparable and abs(gap) > 1e-20)


def _replace(statement, values):
    """``statement`` with symbols replaced, a relation rebuilt unevaluated (so it does not collapse to True)."""
    if type(statement) in _RELATIONS:
        return type(statement)(statement.lhs.xreplace(values), statement.rhs.xreplace(values), evaluate=False)
    return statement.xreplace(values)


def _orders(statement, low, high) -> bool:
    """Whether the relation says low <= high (or <), in either orientation, structurally."""
    if isinstance(statement, (sp.LessThan, sp.StrictLessThan)):
        return statement.lhs == low and statement.rhs == high
    if isinstance(statement, (sp.GreaterThan, sp.StrictGreaterThan)):
        return statement.lhs == high and statement.rhs == low
    return False


def _applications(expr, func) -> list:
    return [e for e in sp.preorder_traversal(expr) if isinstance(e, sp.Function) and e.func == func]


def _lowest(n):
    """The smallest value an integer symbol may take by its assumptions (None if unbounded)."""
    if not (isinstance(n, sp.Symbol) and n.is_integer):
        return None
    return 1 if n.is_positive else 0 if n.is_nonnegative else None


def _assumptions(sym) -> str:
    return ", ".join(k for k, v in sym.assumptions0.items() if v is True and k != "commutative") or "none"


def _induction_shape(target, n, base, step):
    if not (isinstance(target, sp.Function) and isinstance(type(target), sp.core.function.UndefinedFunction)
            and target.args and target.args[0] == n):
        return "the target must be F(n, ...) for an undefined function F"
    if not (isinstance(base, Fact) and isinstance(step, Fact)):
        return "base and step must be facts"
    for fact, first in ((base, None), (step, n + 1)):
        st = fact.statement
        if not (isinstance(st, sp.Equality) and isinstance(st.lhs, sp.Function) and st.lhs.func == target.func
                and st.lhs.args[1:] == target.args[1:]):
            return f"{'base' if first is None else 'step'} must state {target.func}(…) = …, got {sp.sstr(st)[:60]}"
        if first is not None and st.lhs.args[0] != first:
            return f"the step must state {target.func}({n} + 1, …) = …"
    return None
