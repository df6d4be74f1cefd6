"""Numeric guards: independent mpmath evaluations that a symbolic result must agree with.

sympy's calculus is trusted to decide identities, integrals, limits and extremes, and sympy has bugs (an
integral that drops a term, a parametric answer with the wrong sign on part of its range, a minimum of a
Max that is not the minimum). Each guard evaluates the same statement numerically at sample values of
its free symbols that cover their assumptions (both signs where both are allowed), and a disagreement
fails the step. A guard that cannot evaluate (an undefined function, a symbolic end) says so; it never
turns a failure into a success.
"""
from __future__ import annotations

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

__all__ = ["samples", "integral_agrees", "values_agree", "extreme_agrees", "limit_agrees"]

_REAL = (sp.Rational(3, 10), sp.Rational(-7, 10), sp.Rational(19, 10), sp.Rational(-13, 10))
_POSITIVE = (sp.Rational(3, 10), sp.Rational(17, 10), sp.Rational(41, 10))
_NEGATIVE = (sp.Rational(-3, 10), sp.Rational(-17, 10), sp.Rational(-41, 10))
_INTEGER = {"positive": (1, 2, 5), "nonnegative": (0, 1, 3), "negative": (-1, -2, -4), "any": (2, -1, 0, 3)}


def _values(sym) -> tuple:
    if sym.is_integer:
        key = "positive" if sym.is_positive else "nonnegative" if sym.is_nonnegative else \
            "negative" if sym.is_negative else "any"
        return tuple(sp.Integer(v) for v in _INTEGER[key])
    if sym.is_positive or sym.is_nonnegative:
        return _POSITIVE
    if sym.is_negative or sym.is_nonpositive:
        return _NEGATIVE
    return _REAL


def samples(symbols, count: int | None = None) -> list[dict]:
    """Assignments of the symbols to values with their assumptions; symbol i takes its (k + i)-th value in
    assignment k, so different symbols vary independently without a full product."""
    symbols = sorted(symbols, key=lambda s: s.name)
    if not symbols:
        return [{}]
    count = count or max(len(_values(s)) for s in symbols)
    return [{s: _values(s)[(k + i) % len(_values(s))] for i, s in enumerate(symbols)} for k in range(count)]


def _number(expr, dps=30):
    value = sp.N(expr, dps)
    if not value.is_number or value.has(sp.nan, sp.zoo) or not value.is_finite:
        return None
    return complex(value)


def values_agree(a, b, symbols=None) -> tuple[bool, str]:
    """Whether a and b agree at sample values (relative 1e-8); (True, "...") when they cannot be evaluated."""
    symbols = (a.free_symbols | b.free_symbols) if symbols is None else symbols
    if any(isinstance(f, AppliedUndef) for f in (a.atoms(AppliedUndef) | b.atoms(AppliedUndef))):
        return True, "no numeric cross-check (an undefined function)"
    checked = 0
    heavy = a.has(sp.Integral) or b.has(sp.Integral)   # sympy's evalf of an integral is slow: two points
    for values in samples(symbols, 2 if heavy and symbols else None):
        try:
            left, right = _number(a.xreplace(values), 20), _number(b.xreplace(values), 20)
        except Exception:  # noqa: BLE001
            continue
        if left is None or right is None:
            continue
        checked += 1
        if abs(left - right) > 1e-8 * max(1.0, abs(left), abs(right)):
            return False, f"the two sides differ numerically at {values}: {left:.10g} against {right:.10g}"
    return True, f"numeric agreement at {checked} sample point(s)"


def _remembered(fn):
    """fn with its values kept by argument: the quadrature of |fn| visits the same nodes as that of fn
    (same rule, interval and precision), so each node is evaluated once. The values are fn's own."""
    seen: dict = {}

    def at(t):
        key = (t, mpmath.mp.prec)
        if key not in seen:
            seen[key] = fn(t)
        return seen[key]
    return at


def _weighted_parts(fn, ends):
    lo, hi = ends
    points = [lo, mpmath.mpf(0), hi] if lo < 0 < hi else [lo, hi]
    return list(zip(points, points[1:]))


def integral_agrees(integrand, z, lo, hi, got) -> tuple[bool, str]:
    """Whether mpmath integrates ``integrand`` over (lo, hi) absolutely (each piece finite, with a small
    error estimate and no blow-up at a split point) to ``got``, at several sample values of the other
    symbols: a guard against integration bugs, divergent integrals and conditions sympy dropped."""
    if any(isinstance(f, AppliedUndef) for f in integrand.atoms(AppliedUndef)):
        return True, "no numeric cross-check (an undefined function)"
    lo, hi = (e if isinstance(e, sp.Basic) else sp.Integer(e) for e in (lo, hi))   # ends are sympy or int
    others = (integrand.free_symbols | got.free_symbols | lo.free_symbols | hi.free_symbols) - {z}
    notes = []
    for values in samples(others):
        try:
            fn = _remembered(sp.lambdify(z, integrand.xreplace(values), modules="mpmath"))
            with mpmath.workdps(30):
                ends = [e.xreplace(values) for e in (lo, hi)]
                ends = [mpmath.mpf(sp.N(e, 30)) if e.is_finite else (mpmath.inf if e > 0 else -mpmath.inf)
                        for e in ends]
                if not ends[0] < ends[1]:
                    return False, f"the interval ({lo}, {hi}) is empty at {values}"
                total = mpmath.mpf(0)
                for a, b in _weighted_parts(fn, ends):
                    part, err = mpmath.quad(fn, [a, b], error=True)
                    size = mpmath.quad(lambda t: abs(fn(t)), [a, b])
                    bulk = max(abs(fn((a + b) / 2)) if mpmath.isfinite(a + b) else 0, abs(part), mpmath.mpf(1e-30))
                    blowup = any(mpmath.isfinite(e) and abs(fn(e + d * mpmath.mpf("1e-20"))) * mpmath.mpf("1e-20")
                                 > mpmath.mpf("1e-6") * bulk for e, d in ((a, 1), (b, -1)))
                    if not (mpmath.isfinite(part) and mpmath.isfinite(size)) or blowup or \
                            err > mpmath.mpf("1e-12") * max(1, size):
                        return False, f"the integral does not converge absolutely on ({a}, {b}) at {values}"
                    total += part
                exact = mpmath.mpc(sp.N(got.xreplace(values), 30))
                gap = abs(total - exact)
                if gap > mpmath.mpf("1e-10") * max(1, abs(exact)):
                    return False, f"sympy's integral disagrees with quadrature by {mpmath.nstr(gap, 3)} at {values}"
                notes.append(mpmath.nstr(gap, 2))
        except Exception as exc:  # noqa: BLE001 -- cannot evaluate here: say so, prove nothing less
            notes.append(f"skipped ({type(exc).__name__})")
    return True, f"quadrature agrees at {len(notes)} sample point(s) ({', '.join(notes)})"


def _interval_map(lo, hi):
    """(t ↦ x, t_lo, t_hi): a parametrisation of the interval by a bounded t (tan for infinite ends)."""
    if lo.is_finite and hi.is_finite:
        return (lambda t: t), mpmath.mpf(sp.N(lo, 30)), mpmath.mpf(sp.N(hi, 30))
    if lo.is_infinite and hi.is_infinite:
        return (lambda t: mpmath.tan(mpmath.pi * t / 2)), mpmath.mpf(-1), mpmath.mpf(1)
    if lo.is_finite:
        start = mpmath.mpf(sp.N(lo, 30))
        return (lambda t: start + mpmath.tan(mpmath.pi * (t + 1) / 4)), mpmath.mpf(-1), mpmath.mpf(1)
    end = mpmath.mpf(sp.N(hi, 30))
    return (lambda t: end - mpmath.tan(mpmath.pi * (1 - t) / 4)), mpmath.mpf(-1), mpmath.mpf(1)


def extreme_agrees(f, x, domain, value, kind: str) -> tuple[bool, str]:
    """Whether sampling f over the interval (401 points and a local refinement) agrees with the claimed
    maximum (minimum): no sample beyond it, and one within 1e-6 of it; f must be real there."""
    if not isinstance(domain, sp.Interval) or any(isinstance(g, AppliedUndef) for g in f.atoms(AppliedUndef)):
        return True, "no numeric cross-check"
    sign = 1 if kind == "max" else -1
    for values in samples((f.free_symbols | value.free_symbols) - {x}):
        try:
            fn = sp.lambdify(x, f.xreplace(values), modules="mpmath")
            target = mpmath.mpf(sp.N(value.xreplace(values), 30))
            lo, hi = domain.start.xreplace(values), domain.end.xreplace(values)
            to_x, a, b = _interval_map(lo, hi)
            grid = [a + (b - a) * mpmath.mpf(i) / 400 for i in range(401)]
            if domain.right_open or not hi.is_finite:   # an open or infinite end is not a point of f
                grid = grid[:-1]
            if domain.left_open or not lo.is_finite:
                grid = grid[1:]
            with mpmath.workdps(30):
                vals = []
                for t in grid:
                    y = fn(to_x(t))
                    if mpmath.im(y) != 0 or not mpmath.isfinite(y):
                        return False, f"f is not a finite real number at {mpmath.nstr(to_x(t), 6)} ({values})"
                    vals.append(sign * mpmath.re(y))
                best = max(range(len(vals)), key=lambda i: vals[i])
                left, right = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
                for _ in range(80):   # golden-section refinement of the best bracket
                    m1, m2 = left + (right - left) * 0.382, left + (right - left) * 0.618
                    if sign * mpmath.re(fn(to_x(m1))) >= sign * mpmath.re(fn(to_x(m2))):
                        right = m2
                    else:
                        left = m1
                top = max(vals[best], sign * mpmath.re(fn(to_x((left + right) / 2))))
            tol = mpmath.mpf("1e-6") * max(1, abs(target))
            if top > sign * target + tol:
                return False, f"f reaches {mpmath.nstr(sign * top, 10)}, beyond the claimed {kind} at {values}"
            if top < sign * target - tol:
                return False, f"the claimed {kind} {mpmath.nstr(target, 10)} is not attained (best " \
                              f"{mpmath.nstr(sign * top, 10)}) at {values}"
        except Exception as exc:  # noqa: BLE001
            return True, f"no numeric cross-check ({type(exc).__name__})"
    return True, "sampling agrees"


def limit_agrees(expr, var, point, value, direction: str) -> tuple[bool, str]:
    """Whether expr approaches ``value`` numerically on the stated side(s) of ``point`` (a loose guard:
    within 1e-3 at a distance 1e-10, or the right sign and size for an infinite limit)."""
    if any(isinstance(g, AppliedUndef) for g in expr.atoms(AppliedUndef)):
        return True, "no numeric cross-check (an undefined function)"
    for values in samples((expr.free_symbols | value.free_symbols) - {var}):
        try:
            fn = sp.lambdify(var, expr.xreplace(values), modules="mpmath")
            target = value.xreplace(values)
            with mpmath.workdps(40):
                if point in (sp.oo, -sp.oo):
                    probes = [mpmath.mpf(10) ** 12 * (1 if point == sp.oo else -1)]
                else:
                    p = mpmath.mpf(sp.N(point.xreplace(values), 40))
                    sides = {"+": [1], "-": [-1], "+-": [1, -1]}[direction]
                    probes = [p + s * mpmath.mpf("1e-12") for s in sides]
                for t in probes:
                    y = fn(t)
                    if target in (sp.oo, -sp.oo):
                        ok = mpmath.isfinite(y) is False or (abs(y) > 1e5 and (y > 0) == (target == sp.oo))
                    else:
                        ok = abs(y - mpmath.mpf(sp.N(target, 40))) <= mpmath.mpf("1e-3") * max(1, abs(y))
                    if not ok:
                        return False, f"near the point the expression is {mpmath.nstr(y, 8)}, not {target} ({values})"
        except Exception as exc:  # noqa: BLE001
            return True, f"no numeric cross-check ({type(exc).__name__})"
    return True, "numeric approach agrees"
