"""A piecewise activation as smooth expressions on intervals: φ = g_i on (a_i, b_i).

Every exact moment is integrated piece by piece, every quadrature is split where the pieces meet, and a
typed φ is recognised as a built-in when their pieces agree. max, min, abs, sign and Heaviside are
written as one ``Piecewise`` first (``as_piecewise``); the conditions must be solvable for x.
"""
from __future__ import annotations

import functools

import sympy as sp

from .kernel import SymbolicTimeout, time_cap

__all__ = ["as_piecewise", "pieces", "SOLVE_CAP"]

SOLVE_CAP = 4.0
"""Seconds sympy may take to solve the conditions of a Piecewise for x."""


def as_piecewise(expr: sp.Expr) -> sp.Expr:
    """φ with max, min, abs, sign and Heaviside written as one Piecewise (sympy.piecewise_fold)."""
    expr = expr.replace(lambda e: isinstance(e, (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign)),
                        lambda e: e.rewrite(sp.Piecewise))
    return sp.piecewise_fold(expr)


@functools.lru_cache(maxsize=256)
def pieces(expr: sp.Expr) -> tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...]:
    """((g, a, b), ...): φ = g on (a, b); the intervals cover the line up to finitely many points."""
    folded = as_piecewise(expr)
    if not folded.has(sp.Piecewise):
        return ((folded, -sp.oo, sp.oo),)
    try:
        with time_cap(SOLVE_CAP):
            pairs = folded.as_expr_set_pairs() if isinstance(folded, sp.Piecewise) else None
    except (SymbolicTimeout, NotImplementedError, TypeError, ValueError):
        pairs = None
    if pairs is None:
        raise ValueError(f"activation {sp.sstr(expr)[:60]!r}: the conditions of its pieces could not be "
                         "solved for x; use conditions polynomial in x, e.g. where(x > 1, ...)")
    out = []
    for g, region in pairs:
        parts = region.args if isinstance(region, sp.Union) else (region,)
        for part in parts:
            if isinstance(part, sp.Interval):
                if part.measure != 0:
                    out.append((g, part.start, part.end))
            elif not isinstance(part, (sp.FiniteSet, sp.EmptySet.__class__)):
                raise ValueError(f"activation {sp.sstr(expr)[:60]!r}: piece {sp.sstr(g)[:40]!r} holds on "
                                 f"{part}, not on finitely many intervals of x")
    for g, lo, hi in out:
        if g.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ValueError(f"activation {sp.sstr(expr)[:60]!r} is not finite on ({lo}, {hi}): {sp.sstr(g)[:40]}")
    return tuple(sorted(out, key=lambda p: float(p[1]) if p[1] != -sp.oo else -float("inf")))
