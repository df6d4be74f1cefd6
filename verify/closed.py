"""Closed forms read from derivations: what a linked claim may evaluate, and how its formula prints.

``linked(fn)`` wraps ``fn(config, points, form)``, where ``form`` (a ``Form``) reaches only the claim's
derivation: its concluded equations, its recorded controls and the functions it defines. The text of
a claim's formula and control is rendered from the same expressions.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["Form", "linked", "shown"]


class Form:
    """A derivation's conclusion, evaluated: what a linked closed form or control may read.

    ``form(lhs, **values)`` evaluates the right side of the concluded relation whose left side is
    ``lhs`` (the only one when omitted); ``form.control(lhs, **values)`` the negative control the
    derivation records for ``lhs``; ``form.defined(f(x), **values)`` a function the derivation defines.
    Values are given by symbol name and may be NumPy arrays. Nothing else is reachable: a linked
    closed form cannot type a formula of its own.
    """

    def __init__(self, derivation):
        self._d = derivation
        self.reads = 0
        """How many times the derivation was read: a linked closed form that never reads it is unlinked."""

    def __call__(self, lhs=None, **values):
        self.reads += 1
        return _evaluate(self._d, ("closed", lhs), self._d.closed_form(lhs), values)

    def control(self, lhs=None, **values):
        self.reads += 1
        return _evaluate(self._d, ("control", lhs), self._d.control_form(lhs), values)

    def _defined_only(self, expr):
        """``expr`` must be a function (or symbol) this derivation defines, applied to symbols or numbers."""
        import sympy as sp

        defined = set(self._d._proof._functions) | set(self._d._proof._definitions)
        head = expr.func if isinstance(expr, sp.core.function.AppliedUndef) else expr
        if head not in defined or any(a.free_symbols and not isinstance(a, sp.Symbol) for a in expr.args):
            raise ValueError(f"{self._d.claim_id}: form.defined reads a function the derivation defines, "
                             f"got {expr}")

    def defined(self, expr, **values):
        self._defined_only(expr)
        self.reads += 1
        return _evaluate(self._d, ("defined", expr), self._d.unfold(expr), values)

    def mpmath(self, lhs=None, control: bool = False, **values):
        """By mpmath at the working precision (a scalar): a function the derivation defines, or else the
        concluded right side (``control``: the recorded control) whose left side is ``lhs``."""
        import mpmath
        import sympy as sp

        defined = set(self._d._proof._functions) | set(self._d._proof._definitions)
        if isinstance(lhs, sp.Basic) and (lhs.func if isinstance(lhs, sp.core.function.AppliedUndef) else lhs) \
                in defined and not control:
            self._defined_only(lhs)
            body = self._d.unfold(lhs)
        else:
            body = self._d.control_form(lhs) if control else self._d.closed_form(lhs)
        self.reads += 1
        subs = {sym: values[sym.name] for sym in body.free_symbols}
        fn = sp.lambdify(list(subs), body, modules="mpmath")
        return fn(*[mpmath.mpf(v) for v in subs.values()])

    def expression(self, lhs=None, control: bool = False):
        self.reads += 1
        return self._d.control_form(lhs) if control else self._d.closed_form(lhs)


_LAMBDAS: dict = {}


def _evaluate(derivation, key, expr, values: Mapping):
    """``expr`` at the named values (lambdified once per derivation, expression and argument names)."""
    import sympy as sp

    by_name: dict[str, list] = {}
    for sym in expr.free_symbols:
        by_name.setdefault(sym.name, []).append(sym)
    missing = sorted(set(by_name) - set(values))
    if missing:
        raise KeyError(f"{derivation.claim_id}: the closed form needs values for {missing}")
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise KeyError(f"{derivation.claim_id}: the closed form has no symbols named {unknown}")
    for name, syms in by_name.items():
        _check_assumptions(derivation, syms[0], values[name])
    names = sorted(by_name)
    cache = (derivation, key, tuple(names))   # the object, not its id: ids are reused after collection
    fn = _LAMBDAS.get(cache)
    if fn is None:
        args = [sp.Symbol(f"_arg{i}") for i in range(len(names))]
        plain = expr.xreplace({sym: args[i] for i, name in enumerate(names) for sym in by_name[name]})
        if plain.has(sp.Sum, sp.Product, sp.Integral) or any(
                isinstance(f, sp.core.function.AppliedUndef) for f in plain.atoms(sp.Function)):
            fn = lambda *vals, plain=plain, args=args: _substituted(plain, args, vals)  # noqa: E731
        else:
            fn = sp.lambdify(args, plain, modules="numpy")
        _LAMBDAS[cache] = fn
    out = fn(*[values[name] for name in names])
    return np.asarray(out, dtype=np.float64) if np.ndim(out) else float(out)


def _check_assumptions(derivation, sym, value) -> None:
    """A value given for a symbol must have the symbol's assumptions (a closed form proved for n > 0 says
    nothing at n = -1)."""
    arr = np.asarray(value, dtype=np.float64) if not hasattr(value, "free_symbols") else None
    if arr is None:
        return
    rules = [("positive", arr > 0), ("nonnegative", arr >= 0), ("negative", arr < 0),
             ("integer", arr == np.round(arr)), ("real", np.isfinite(arr) | np.isinf(arr))]
    for name, holds in rules:
        if getattr(sym, f"is_{name}") is True and not np.all(holds | np.isnan(arr)):
            raise ValueError(f"{derivation.claim_id}: {sym} must be {name} (the derivation proves nothing else), "
                             f"got {value!r}")


def _substituted(expr, args, vals):
    out = expr.xreplace(dict(zip(args, [_exact(v) for v in vals]))).doit()
    return float(out)


def _exact(v):
    import sympy as sp

    if isinstance(v, (bool, np.bool_)):
        raise TypeError("a closed form takes numbers, not booleans")
    if isinstance(v, (int, np.integer)):
        return sp.Integer(int(v))
    return sp.Float(float(v), 30) if not isinstance(v, sp.Basic) else v


@dataclasses.dataclass(frozen=True)
class linked:  # noqa: N801 -- used like a function: expected=linked(...)
    """A closed form (or control) read from the claim's derivation: ``fn(config, points, form)``.

    ``shows`` names the left side(s) whose relation the claim prints as its formula (all of the
    conclusion when omitted).
    """

    fn: Callable[[Mapping, Any, Form], Any]
    shows: Any = None

    def __call__(self, config, points, derivation=None, reads: list | None = None):
        if derivation is None:
            raise TypeError("a linked closed form is evaluated against its claim's derivation")
        form = Form(derivation)
        out = self.fn(config, points, form)
        if reads is not None:
            reads.append(form.reads)
        return out


def shown(derivation, shows, control: bool) -> str:
    from derive.render import text

    if control:
        lhss = shows if isinstance(shows, (list, tuple)) else [shows]
        return "; ".join(text(derivation.control_form(lhs, unfold=False)) for lhs in lhss)
    if shows is None:
        return "; ".join(text(p.rhs) for p in derivation.results if hasattr(p, "rhs"))
    lhss = shows if isinstance(shows, (list, tuple)) else [shows]

    def one(lhs):
        try:
            return text(derivation.closed_form(lhs, unfold=False))
        except KeyError:   # a function the derivation defines, whose properties the conclusion proves
            return text(derivation.unfold(lhs))
    return "; ".join(one(lhs) for lhs in lhss)
