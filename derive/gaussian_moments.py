"""Gaussian moments of an activation: E[φ(z)], E[φ(z)²], E[φ'(z)²] (and E[φ⁴]) for z ~ N(0, q).

At q = 1 a moment is exact where that can be had: for a built-in, the value its derivation gain.<name>
concludes; for a typed GELU, the GELU lemma; for φ with φ(x) + φ(-x) constant, symmetry; otherwise the
closed form sympy finds within a time cap, piece by piece (kept only if quadrature agrees). Else, and at
every other q, mpmath tanh-sinh quadrature to at least 12 significant digits, labelled ``quadrature``,
with its error estimate and checks that the integrand is integrable.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Callable

import mpmath
import sympy as sp

from .catalogue import BUILTINS, Activation, builtin, exact_number, x
from .gelu_lemma import GELU_MOMENTS
from .kernel import SymbolicTimeout, time_cap
from .growth import check_growth
from .pieces import pieces

__all__ = [
    # moments of an activation
    "MOMENT_NAMES", "Moment", "Moments", "moment", "moments", "kurtosis_ratio", "QUADRATURE_DIGITS",
    # what the mean-field maps and the gains are computed with
    "check_growth", "quadrature", "simplify_capped", "real_argument", "CLOSED_FORM_CAP", "MAP_DPS",
]

CLOSED_FORM_CAP = 4.0
"""Seconds one symbolic integral (one piece of one moment) may take before quadrature is used."""
CLOSED_FORM_BUDGET = 8.0
"""Seconds all symbolic integrals of one activation may take together (then quadrature only)."""
_SPENT: dict = {}
SIMPLIFY_CAP = 3.0
QUADRATURE_DIGITS = 12
"""Quadrature results carry at least this many significant digits (checked by the error estimate)."""
QUADRATURE_DPS = 30
MAP_DPS = 15
"""Working digits of the quadratures at q ≠ 1 (variance map, χ₁, kurtosis)."""
_TAIL = mpmath.mpf("1e-25")
_NEAR = mpmath.mpf("1e-20")
_FAR = mpmath.mpf("1e-10")
_SINGULAR = mpmath.mpf("0.5")
"""An end is singular when |h|·δ shrinks by less than this from δ = 1e-10 to 1e-20 (|z - z0|^-a, a >= 0.97)."""
_AGREEMENT = mpmath.mpf("1e-10")
"""A closed form that differs from quadrature by more than this (relative) is not trusted."""

MOMENT_NAMES = {"mean": "E[φ(z)]", "second_moment": "E[φ(z)²]", "derivative_second_moment": "E[φ'(z)²]"}


def _integrand(kind: str, g: sp.Expr) -> sp.Expr:
    if kind == "mean":
        return g
    if kind == "second_moment":
        return g**2
    if kind == "derivative_second_moment":
        return sp.diff(g, x) ** 2
    if kind == "fourth_moment":
        return g**4
    if kind == "derivative_fourth_moment":
        return sp.diff(g, x) ** 4
    raise ValueError(f"moment must be one of {', '.join(MOMENT_NAMES)}, got {kind!r}")


def _density(q) -> sp.Expr:
    return sp.exp(-(x**2) / (2 * q)) / sp.sqrt(2 * sp.pi * q)


@dataclasses.dataclass(frozen=True)
class Moment:
    """One Gaussian moment: its value, how it was obtained, and (quadrature) the error estimate."""

    name: str
    value: sp.Expr
    method: str
    """'closed form', 'lemma', 'symmetry' (all exact) or 'quadrature'."""
    formula: sp.Expr | None = None
    """The closed form with the activation's parameters as symbols (exact methods only)."""
    error: float | None = None
    detail: str = ""

    @property
    def exact(self) -> bool:
        return self.method != "quadrature"

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        shown = sp.sstr(self.value) if self.exact else mpmath.nstr(mpmath.mpf(self.value), 15)
        return f"Moment({self.name} = {shown}, {self.method})"


@dataclasses.dataclass(frozen=True)
class Moments:
    """E[φ(z)], E[φ(z)²], E[φ'(z)²] for z ~ N(0, q)."""

    mean: Moment
    second_moment: Moment
    derivative_second_moment: Moment
    q: sp.Expr = sp.Integer(1)

    @property
    def exact(self) -> bool:
        return all(m.exact for m in (self.mean, self.second_moment, self.derivative_second_moment))


def _closed_form_plausible(h: sp.Expr) -> bool:
    """Whether h·N(0, q) is in the class sympy integrates: polynomial × exp(quadratic) × one erf(linear)."""
    erfs = 0
    for node in sp.preorder_traversal(h):
        if isinstance(node, sp.Pow) and node.base.has(x):
            if not (node.exp.is_Integer and node.exp >= 0):
                return False
            if node.base.has(sp.erf, sp.erfc):
                erfs += int(node.exp) - 1
        elif isinstance(node, (sp.erf, sp.erfc)):
            erfs += 1
            if not (node.args[0].is_polynomial(x) and sp.degree(node.args[0], x) <= 1):
                return False
        elif isinstance(node, sp.exp):
            if not (node.args[0].is_polynomial(x) and sp.degree(node.args[0], x) <= 2):
                return False
        elif isinstance(node, sp.Function) and node.has(x):
            return False
    return erfs <= 1


def _exact_piece(h: sp.Expr, lo: sp.Expr, hi: sp.Expr, owner: sp.Expr) -> sp.Expr | None:
    if h == 0:
        return sp.Integer(0)
    cap = min(CLOSED_FORM_CAP, CLOSED_FORM_BUDGET - _SPENT.get(owner, 0.0))
    if cap <= 0 or not _closed_form_plausible(h):
        return None
    start = time.perf_counter()
    try:
        with time_cap(cap):
            value = sp.integrate(sp.expand(h * _density(1)), (x, lo, hi), conds="none")
    except (SymbolicTimeout, NotImplementedError, ValueError, TypeError):
        return None
    finally:
        _SPENT[owner] = _SPENT.get(owner, 0.0) + time.perf_counter() - start
    if value.has(sp.Integral) or value.has(sp.nan, sp.zoo) or value.has(sp.oo):
        return None
    return value


def simplify_capped(value: sp.Expr) -> sp.Expr:
    """sympy.simplify within SIMPLIFY_CAP seconds, else the value as it was."""
    try:
        with time_cap(SIMPLIFY_CAP):
            return sp.simplify(value)
    except SymbolicTimeout:
        return value


_GRID = range(-3, 7)
_RATIO = 16
"""Breakpoints of the quadrature at z = ±√q·16^k for k in _GRID (and 0): features of φ at scales from
√q·2.4e-4 to √q·1.7e7 fall near one, and the log-integrand is sampled there to find its peak."""
_CUT_MARGIN = 10
"""The line is cut where the integrand is below e^-((dps + _CUT_MARGIN)·ln 10) of its peak."""


def quadrature(parts, kind: str, q, dps: int = QUADRATURE_DPS, absolute: bool = False):
    """(value, error estimate) of E[h(z)] (of E[|h(z)|] with ``absolute``), z ~ N(0, q), by mpmath
    tanh-sinh quadrature per piece.

    mpmath stops refining when its error estimate is below 10^-dps in absolute terms, which for a
    tiny integrand (φ = 1e-9·x) is no test at all and for a huge one (exp(x)**64) is never met. So
    each piece is first sampled on a geometric grid, the integrand is divided by its largest value
    there (then the absolute tolerance is relative to the peak), the line is cut where the integrand
    has fallen e^-(dps+10)·ln 10 below the peak, and split at the grid points in between.
    """
    total, error = mpmath.mpf(0), mpmath.mpf(0)
    with mpmath.workdps(dps):
        q = mpmath.mpf(q)
        root = mpmath.sqrt(q)
        norm = 1 / mpmath.sqrt(2 * mpmath.pi * q)
        cut = (dps + _CUT_MARGIN) * mpmath.log(10)
        grid = sorted({s * root * mpmath.mpf(_RATIO) ** k for k in _GRID for s in (-1, 1)})
        for g, lo, hi in parts:
            h = _integrand(kind, g)
            if h == 0:
                continue
            f = _lambdify(h)
            left = -mpmath.inf if lo == -sp.oo else mpmath.mpf(sp.N(lo, dps))
            right = mpmath.inf if hi == sp.oo else mpmath.mpf(sp.N(hi, dps))

            def log_weighted(t):
                try:
                    v = f(t)
                except ZeroDivisionError:
                    v = mpmath.inf
                if not mpmath.isfinite(v) or mpmath.im(v) != 0:
                    raise ValueError(f"E[{sp.sstr(h)[:40]}]: the integrand is not a finite real number at "
                                     f"z = {mpmath.nstr(t, 6)}")
                return -mpmath.inf if v == 0 else mpmath.log(abs(v)) - t * t / (2 * q)

            inside = [t for t in grid if left < t < right] + ([0] if left < 0 < right else [])
            inside = sorted(set(inside))
            logs = {t: log_weighted(t) for t in inside}
            peak = max(logs.values(), default=-mpmath.inf)
            if peak == -mpmath.inf:  # zero wherever sampled; then sample the middle of the piece
                if not inside:
                    mid = (left + right) / 2 if mpmath.isfinite(left) and mpmath.isfinite(right) else \
                        (right - 1 if mpmath.isfinite(right) else left + 1)
                    peak = log_weighted(mid)
                peak = 0 if peak == -mpmath.inf else peak
            top = max(logs, key=logs.get, default=None)
            if top is not None and logs[top] > -mpmath.inf:  # the peak may lie between two grid points
                top, best = _climb(log_weighted, top, inside, left, right)
                if best > peak:
                    peak = best
                    near = [top + s * root * k for k in (1, 2, 4, 8) for s in (-1, 1)]
                    for t in [top] + [t for t in near if left < t < right]:
                        logs[t] = log_weighted(t)
                    inside = sorted(logs)
            keep = [t for t in inside if logs[t] > peak - cut]
            a = left if mpmath.isfinite(left) else min(inside[:1] + keep[:1], default=right - 1)
            b = right if mpmath.isfinite(right) else max(inside[-1:] + keep[-1:], default=left + 1)
            if mpmath.isinf(left) and a == inside[0] and logs[a] > peak - cut or \
                    mpmath.isinf(right) and b == inside[-1] and logs[b] > peak - cut:
                raise ValueError(f"E[{sp.sstr(h)[:40]}]: the integrand has not decayed at "
                                 f"|z| = {mpmath.nstr(grid[-1], 3)}; the moment is too heavy-tailed to integrate")
            if mpmath.isinf(left):  # one grid step beyond the last point that matters
                a = max([t for t in inside if t < a] or [a - root])
            if mpmath.isinf(right):
                b = min([t for t in inside if t > b] or [b + root])
            points = [a] + [t for t in inside if a < t < b] + [b]

            def weighted(t):
                v = f(t)
                return 0 if v == 0 else v * mpmath.exp(-t * t / (2 * q) - peak)

            body = (lambda t: abs(weighted(t))) if absolute else weighted
            value, err = mpmath.quad(body, points, error=True)
            if not (mpmath.isfinite(value) and mpmath.im(value) == 0):
                raise ValueError(f"E[{sp.sstr(h)[:40]}] over ({lo}, {hi}) is not a finite real number")
            # no non-integrable singularity at a finite end of a piece: if |h| ~ |z - z0|^-a near z0,
            # |h|·δ at δ = 1e-20 over its value at δ = 1e-10 is 1e-10^(1 - a), >= 1 exactly when a >= 1
            for end, inward in [(p, +1) for p in (left,) if mpmath.isfinite(p)] + \
                               [(p, -1) for p in (right,) if mpmath.isfinite(p)]:
                near, far = abs(weighted(end + inward * _NEAR)) * _NEAR, abs(weighted(end + inward * _FAR)) * _FAR
                if near > 0 and near > _SINGULAR * far:
                    raise ValueError(f"E[{sp.sstr(h)[:40]}]: the integrand blows up at z = {mpmath.nstr(end, 6)} "
                                     "faster than 1/|z - z0| can be integrated; the moment may be infinite")
            scale = mpmath.exp(peak) * norm
            total += value * scale
            error += err * scale
    return total, error


def _climb(log_weighted, top, inside, left, right, steps: int = 60):
    """(t, value) near the largest log_weighted between the grid neighbours of ``top`` (golden section)."""
    i = inside.index(top)
    a = inside[i - 1] if i > 0 else (left if mpmath.isfinite(left) else top - abs(top) - 1)
    b = inside[i + 1] if i + 1 < len(inside) else (right if mpmath.isfinite(right) else top + abs(top) + 1)
    ratio = (mpmath.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = log_weighted(c), log_weighted(d)
    for _ in range(steps):
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = log_weighted(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = log_weighted(d)
    return (c, fc) if fc >= fd else (d, fd)


@functools.lru_cache(maxsize=512)
def _lambdify(h: sp.Expr) -> Callable:
    return sp.lambdify(x, h, modules="mpmath")


def _numeric_moment(act: Activation, kind: str, q) -> Moment:
    check_growth(act, q, kind)
    parts = pieces(act.expr)
    value, error = quadrature(parts, kind, q)
    # absolute-or-relative: the error is judged against E[|h|], which is |E[h]| for h >= 0 and, for a
    # signed h (the mean of an odd φ is exactly 0), the size of what cancels
    scale = abs(value) if kind != "mean" else quadrature(parts, kind, q, absolute=True)[0]
    if not error <= scale * mpmath.mpf(10) ** -(QUADRATURE_DIGITS + 1):
        raise ValueError(f"{MOMENT_NAMES[kind]} for φ = {act.name}: quadrature did not reach "
                         f"{QUADRATURE_DIGITS} digits (value {mpmath.nstr(value, 8)}, error estimate "
                         f"{mpmath.nstr(error, 3)} against a scale of {mpmath.nstr(scale, 3)})")
    if abs(value) <= error:  # nothing certain but that it vanishes to within the error
        value = mpmath.mpf(0)
    return Moment(MOMENT_NAMES[kind], sp.Float(value, 20) if value else sp.Integer(0), "quadrature", None, float(error),
                  f"mpmath tanh-sinh at {QUADRATURE_DPS} digits over {len(parts)} piece(s), "
                  f"error estimate {mpmath.nstr(error, 2)}")


@functools.lru_cache(maxsize=256)
def moment(act: Activation, kind: str, q=sp.Integer(1)) -> Moment:
    """E[h(z)] for z ~ N(0, q), h = φ ('mean'), φ² ('second_moment') or φ'² ('derivative_second_moment').

    At q = 1: for a built-in, what gain.<name> concludes; otherwise exact (closed form, the GELU lemma, or
    symmetry) where available, else quadrature. At other q: quadrature (the variance map is evaluated
    numerically).
    """
    if kind not in MOMENT_NAMES:
        raise ValueError(f"moment must be one of {', '.join(MOMENT_NAMES)}, got {kind!r}")
    q = exact_number("q", q, positive=True)
    if q == 1 and act.name in BUILTINS and act == builtin(act.name):
        from .gain import concluded_moment  # gain.<name> is built on this module, so it is read at call time
        return concluded_moment(act.name, kind)
    numeric = _numeric_moment(act, kind, q)
    if q != 1:
        return numeric
    exact = _exact_moment(act, kind)
    if exact is None:
        return numeric
    gap = abs(mpmath.mpf(sp.N(exact.value, 30)) - mpmath.mpf(numeric.value))
    if gap > _AGREEMENT * max(1, abs(mpmath.mpf(numeric.value))):
        return dataclasses.replace(numeric, detail=numeric.detail + f"; sympy's closed form {sp.sstr(exact.value)[:60]}"
                                   f" disagreed by {mpmath.nstr(gap, 3)} and was discarded")
    return exact


def _exact_moment(act: Activation, kind: str) -> Moment | None:
    name = MOMENT_NAMES[kind]
    if _is_gelu(act) and kind in GELU_MOMENTS:
        return Moment(name, GELU_MOMENTS[kind], "lemma", GELU_MOMENTS[kind], None,
                      "Stein's lemma and E[Φ(z)²] = 1/3 (see gelu_second_moment_lemma)")
    if kind == "mean":
        c = _odd_part_constant(act.formula)
        if c is not None:
            value = c / 2
            return Moment(name, value.subs(dict(act.parameters)), "symmetry", value, None,
                          f"φ(x) + φ(-x) = {sp.sstr(c)}, so E[φ(z)] = {sp.sstr(value)} for symmetric z")
    try:
        parts = pieces(act.formula)
    except ValueError:
        return None
    total = sp.Integer(0)
    for g, lo, hi in parts:
        value = _exact_piece(_integrand(kind, g), lo, hi, act.formula)
        if value is None:
            return None
        total += value
    formula = simplify_capped(total)
    value = simplify_capped(formula.subs(dict(act.parameters))) if act.parameters else formula
    if not (value.is_number and value.is_finite):
        return None
    return Moment(name, value, "closed form", formula, None,
                  f"sympy integrated {len(parts)} piece(s) against N(0, 1)")


def _odd_part_constant(formula: sp.Expr) -> sp.Expr | None:
    """c if φ(x) + φ(-x) = c for all x (then E[φ(z)] = c/2), else None."""
    try:
        with time_cap(SIMPLIFY_CAP):
            total = formula + formula.subs(x, -x)
            if total.has(sp.Piecewise, sp.Max, sp.Min):
                return None
            total = sp.simplify(total)
            if total.has(x):
                total = sp.simplify(total.rewrite(sp.exp))
    except SymbolicTimeout:
        return None
    return None if total.has(x) else total


@functools.lru_cache(maxsize=256)
def moments(act: Activation, q=sp.Integer(1)) -> Moments:
    """E[φ(z)], E[φ(z)²], E[φ'(z)²] for z ~ N(0, q)."""
    q = exact_number("q", q, positive=True)
    return Moments(*(moment(act, kind, q) for kind in MOMENT_NAMES), q=q)


def _is_gelu(act: Activation) -> bool:
    """Whether φ is the catalogue's GELU written out (then the GELU lemma gives its moments)."""
    return not act.parameters and sp.expand(act.formula) == sp.expand(builtin("gelu").formula)


def real_argument(name: str, value, low: float = 0.0, strict: bool = False) -> mpmath.mpf:
    """A real argument of a numeric map (q, σ_w, σ_b) as an mpmath number, finite and >= low (> low if strict)."""
    try:
        number = mpmath.mpf(float(value))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if not mpmath.isfinite(number) or number < low or (strict and number == low):
        rule = f"> {low:g}" if strict else f">= {low:g}"
        raise ValueError(f"{name} must be finite and {rule}, got {value!r}")
    return number


def kurtosis_ratio(act: Activation, q=1) -> float:
    """E[φ(√q z)⁴]/E[φ(√q z)²]² (3 for the identity): large values mean heavy tails, where a Monte Carlo
    mean of φ² converges slowly and the normal approximation behind z·se is poor."""
    q = real_argument("q", q, strict=True)
    parts = pieces(act.expr)
    m2 = quadrature(parts, "second_moment", q, MAP_DPS)[0]
    m4 = quadrature(parts, "fourth_moment", q, MAP_DPS)[0]
    return float(m4 / m2**2) if m2 > 0 else math.inf


