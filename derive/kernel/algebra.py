"""The algebra the kernel's rules share: the identity check and small structural helpers.

``check_identity`` decides ``a == b`` for all values the symbols' assumptions allow (structural, expand,
simplify; unevaluated derivatives, integrals and substitutions carried out; Σ/Π up to b + c split off);
the helpers read statements (free and bound symbols, relations, assumptions) without deciding anything.
"""
from __future__ import annotations

import sympy as sp

from .facts import DEFAULT_TIME_CAP, Fact, NormalE, SymbolicTimeout, _Extreme, time_cap
from .numeric import values_agree



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
_CARRIED_OUT = (sp.Integral, sp.Sum, sp.Product, sp.Limit)
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
            if outcome[0] and isinstance(a, sp.Basic) and isinstance(b, sp.Basic) and \
                    (a.has(*_CARRIED_OUT) or b.has(*_CARRIED_OUT)) and not isinstance(a, sp.MatrixBase):
                # sympy carried out an integral, sum or limit: its answer is checked against mpmath's
                agree, note = values_agree(a, b)
                outcome = (agree, f"{outcome[1]}; {note}")
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
    expanded = sp.expand(diff)
    if expanded == 0:
        return True, "expand(lhs - rhs) == 0"
    if _cancels(expanded):
        return True, "cancel(lhs - rhs) == 0"
    simple = sp.simplify(diff)
    if simple == 0 or simple.is_zero is True:
        return True, "simplify(lhs - rhs) == 0"
    if sp.simplify(simple.rewrite(sp.exp)) == 0 or (
            simple.has(sp.erfc, sp.erfi) and sp.simplify(simple.rewrite(sp.erf)) == 0):
        return True, "simplify(lhs - rhs) == 0 after rewriting in exponentials"
    return False, f"lhs - rhs does not simplify to 0 (it is {sp.sstr(simple)[:120]})"


def _cancels(expr) -> bool:
    """Whether ``cancel`` (numerator and denominator as polynomials, common factors removed) takes expr to 0:
    an exact test for a rational function of its generators, much cheaper than simplify. Only a success
    counts: a non-zero result falls through to simplify (generators may be related, sqrt(x)² = x)."""
    try:
        return sp.cancel(sp.together(expr)) == 0
    except Exception:  # noqa: BLE001 -- cancel refuses some expressions (non-commutative, relational)
        return False


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


def _binder_variables(node) -> set:
    """The symbols a node binds (its dummy variables), or the empty set."""
    if isinstance(node, (sp.Sum, sp.Product, sp.Integral)):
        return {lim[0] for lim in node.limits}
    if isinstance(node, (sp.Lambda, sp.Subs)):
        return set(node.variables)
    if isinstance(node, sp.Derivative):
        return {v for v, _ in node.variable_count}
    if isinstance(node, sp.Limit):
        return {node.args[1]}
    if isinstance(node, (NormalE, _Extreme)):
        return {node.args[1]}
    return set()


def _bound_symbols(expr) -> set:
    """Every symbol bound somewhere in ``expr`` (summation, integration, differentiation variables, ...)."""
    found = set()
    if isinstance(expr, sp.Basic):
        for node in sp.preorder_traversal(expr):
            found |= _binder_variables(node)
    return found


def _captured(expr, symbols) -> set:
    """The ``symbols`` that some binder in ``expr`` binds while its body mentions something: a value or a
    fact that carries them would be captured if substituted inside."""
    out = set()
    if isinstance(expr, sp.Basic):
        for node in sp.preorder_traversal(expr):
            out |= _binder_variables(node) & set(symbols)
    return out


def _plain_counter(n) -> bool:
    """Whether ``n`` is an integer symbol with no assumption beyond integer and (non)negativity: an induction
    over a variable declared odd, prime, ... would check only some of the steps it needs."""
    if not isinstance(n, sp.Symbol):
        return False
    reference = [sp.Symbol("n", integer=True, nonnegative=True), sp.Symbol("n", integer=True, positive=True)]
    return any(n.assumptions0 == r.assumptions0 for r in reference)


def _alpha(expr, avoid) -> sp.Basic:
    """``expr`` with the variables of its binders that are in ``avoid`` renamed to fresh dummies (the same
    assumptions): alpha-conversion, so that substituting something that mentions them cannot be captured."""
    if not isinstance(expr, sp.Basic) or not avoid:
        return expr

    def rename(node):
        clash = _binder_variables(node) & set(avoid)
        return node.xreplace({v: sp.Dummy(v.name, **v.assumptions0) for v in clash}) if clash else node

    return expr.replace(lambda e: bool(_binder_variables(e) & set(avoid)), rename)


def _undefined(statement) -> bool:
    """Whether a statement holds an undefined value (a division by zero, 0·∞, ...) after a substitution."""
    return isinstance(statement, sp.Basic) and statement.has(sp.nan, sp.zoo)


# ---------------------------------------------------------------------------------------------
# Helpers


def _free(expr) -> set:
    return set(expr.free_symbols) if isinstance(expr, sp.Basic) else set()


def _parts(statement) -> list:
    if isinstance(statement, (sp.And, sp.Tuple)):
        return [p for a in statement.args for p in _parts(a)]
    return [statement]


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
