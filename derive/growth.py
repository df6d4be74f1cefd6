"""Growth analysis: is E[h(√q z)] finite? Decided from the tails of log h against x²/(2q) before any quadrature.

A quadrature of a moment that is infinite returns a large number with a small error estimate, or hangs
while mpmath raises its precision (``exp(exp(x))``); so the tails are examined symbolically first.
"""
from __future__ import annotations

import functools

import sympy as sp

from .catalogue import BUILTINS, Activation, builtin, x
from .kernel import SymbolicTimeout, time_cap
from .pieces import pieces

__all__ = ["check_growth", "GROWTH_CAP"]

_NAMES = {"second_moment": "E[φ(√q z)²]", "derivative_second_moment": "E[φ'(√q z)²]",
          "fourth_moment": "E[φ(√q z)⁴]"}
_POWERS = {"second_moment": lambda g: g**2, "derivative_second_moment": lambda g: sp.diff(g, x) ** 2,
           "fourth_moment": lambda g: g**4}
GROWTH_CAP = 2.0
"""Seconds sympy may take for one limit of the growth analysis."""


def check_growth(act: Activation, q=1, kind: str = "second_moment") -> None:
    """Raise ValueError unless E[h(√q z)] < ∞ (h = φ² by default), decided from the tails before any quadrature.

    On each unbounded piece, L = lim log(h²)/x² at ±∞ against 1/q (log of the Gaussian weight: -x²/(2q)):
    L < 1/q finite, L > 1/q infinite; at L = 1/q the next order decides, c = lim (log|h| - x²/(2q))/log|x|,
    finite iff c < -1 (∫ |x|^c dx converges). sympy computes each limit within GROWTH_CAP seconds; a
    built-in is known to grow at most linearly and is skipped. A tail sympy cannot decide is left to the
    quadrature's own decay check. E[φ] is finite when E[φ²] is (Cauchy–Schwarz), so 'mean' checks φ².
    """
    if act.name in BUILTINS and act == builtin(act.name):
        return
    q = sp.Rational(repr(float(q)))
    if not q > 0:
        raise ValueError(f"q must be > 0, got {q}")
    kind = "second_moment" if kind == "mean" else kind
    if kind not in _POWERS:
        raise ValueError(f"moment must be one of mean, {', '.join(_POWERS)}, got {kind!r}")
    for g, lo, hi in pieces(act.expr):
        h = _POWERS[kind](g)
        for end in (e for e in (lo, hi) if e in (sp.oo, -sp.oo)):
            _check_tail(act.name, kind, h, end, q)


@functools.lru_cache(maxsize=256)
def _check_tail(name: str, kind: str, h: sp.Expr, end, q: sp.Rational) -> None:
    if h.is_zero or not h.has(x):
        return
    what = _NAMES[kind]
    rate = _limit(sp.log(h**2) / x**2, end)
    if rate is None:
        return
    towards = "+∞" if end == sp.oo else "-∞"
    if rate > 1 / q:
        how = "faster than any multiple of x²" if rate == sp.oo else \
            f"like {sp.sstr(rate / 2)}·x², faster than the Gaussian's decay x²/(2q),"
        raise ValueError(f"{what} is infinite for φ = {name} at q = {sp.sstr(q)}: log of the integrand grows "
                         f"{how} as x → {towards}")
    if rate == 1 / q:
        order = _limit((sp.log(h**2) / 2 - x**2 / (2 * q)) / sp.log(sp.Abs(x)), end)
        if order is not None and order >= -1:
            how = "does not decay" if order == sp.oo else f"decays only like |x|^{sp.sstr(order)}"
            raise ValueError(f"{what} is infinite for φ = {name} at q = {sp.sstr(q)}: the integrand times the "
                             f"Gaussian weight {how} as x → {towards}, too slowly to be integrable")


def _limit(expr: sp.Expr, end) -> sp.Expr | None:
    """lim expr as x → end (a real number or ±oo), or None if sympy gives no definite number in time."""
    try:
        with time_cap(GROWTH_CAP):
            value = sp.limit(expr, x, end)
    except (SymbolicTimeout, NotImplementedError, ValueError, TypeError, ZeroDivisionError):
        return None
    if isinstance(value, sp.AccumBounds):
        value = value.max
    if value in (sp.oo, -sp.oo) or (value.is_number and value.is_real):
        return value
    return None
