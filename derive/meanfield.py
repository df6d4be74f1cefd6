"""Mean-field signal propagation through an activation φ at infinite width, by quadrature.

Variance map (Poole et al. 2016, eq. 3; Schoenholz et al. 2017, eq. 3):
q ↦ V(q) = σ_w²·E[φ(√q z)²] + σ_b², z ~ N(0, 1), with fixed point q* = V(q*), and
χ₁ = σ_w²·E[φ'(√q* z)²] (Schoenholz et al. 2017, eq. 5): χ₁ < 1 ordered, χ₁ > 1 chaotic; the critical
σ_w puts χ₁ = 1. Exact at infinite width only; a finite-width network differs by O(1/width).
"""
from __future__ import annotations

import dataclasses
import math

import mpmath
import sympy as sp

from .catalogue import Activation, x
from .kernel import time_cap
from .gaussian_moments import CLOSED_FORM_CAP, MAP_DPS, moment, quadrature, real_argument, simplify_capped
from .pieces import pieces

__all__ = ["variance_map", "FixedPoint", "fixed_point", "chi1", "chi1_bound", "CriticalSigmaW", "critical_sigma_w",
           "variance_iterates", "bounded_moment", "chi_square", "moment_shift"]


def _second_moment_at(act: Activation, q: mpmath.mpf) -> mpmath.mpf:
    """E[φ(√q z)²] by quadrature at MAP_DPS digits."""
    return quadrature(pieces(act.expr), "second_moment", q, MAP_DPS)[0]


def _derivative_second_moment_at(act: Activation, q: mpmath.mpf) -> mpmath.mpf:
    """E[φ'(√q z)²] by quadrature at MAP_DPS digits."""
    return quadrature(pieces(act.expr), "derivative_second_moment", q, MAP_DPS)[0]


def variance_map(act: Activation, q, sigma_w, sigma_b=0) -> mpmath.mpf:
    """V(q) = σ_w²·E[φ(√q z)²] + σ_b² (Poole et al. 2016, eq. 3), by quadrature."""
    q = real_argument("q", q, strict=True)
    sigma_w, sigma_b = real_argument("sigma_w", sigma_w), real_argument("sigma_b", sigma_b)
    return sigma_w**2 * _second_moment_at(act, q) + sigma_b**2


@dataclasses.dataclass(frozen=True)
class FixedPoint:
    """q* with V(q*) = q*, reached by iterating V from q0; ``kind`` says how it was found."""

    q: float | None
    kind: str
    """'attracting' (|V'(q*)| < 1), 'unstable' (V'(q*) > 1: q0 sat exactly on it, and any perturbation
    moves away), 'neutral' (V'(q*) = 1, e.g. a homogeneous φ at its gain without bias, where every q
    is kept), 'critical' (exactly: φ(0) = 0, σ_b = 0 and χ₁ = σ_w²·φ'(0)² = 1, so q* = 0 with χ₁ = 1),
    'zero' (the signal dies out) or 'diverges' (no finite fixed point above q0)."""
    slope: float | None = None
    """V'(q*), by a centred difference of the quadrature: for the label only, never for a bound."""
    detail: str = ""
    error: float | None = None
    """A bound on |q* - true q*|/q*: max(q* - low, high - q*)/q* (0 for an exact q*; inf when no bracket
    could be certified; None for 'neutral', where V(q0) = q0 to within the quadrature's error)."""
    low: float | None = None
    high: float | None = None
    """A bracket that holds a root of V(q) - q: V(q) - q has opposite signs at its ends, each by more
    than the quadrature's error bound (assuming the quadrature's error is within its estimate)."""


_Q_CEILING = mpmath.mpf(1e6)
_Q_FLOOR = mpmath.mpf(1e-10)
_SLOPE_STEP = mpmath.mpf("1e-5")
_ROOT_TOL = mpmath.mpf("1e-14")
"""Illinois stops once |V(q) - q| < 1e-14·(lower end of the bracket); the root is then certified by _bracket.
(A smaller tolerance than the quadrature can meet never stops it and fails mpmath's verification.)"""
_ROUNDING = mpmath.mpf("1e-14")
"""Added to mpmath's error estimate, relative to the moment: rounding at MAP_DPS = 15 working digits."""
_DELTA = (mpmath.mpf("1e-14"), mpmath.mpf("0.25"))
"""Relative half-widths tried by _bracket: from 1e-14, times 4, up to 1/4."""
_FLOAT_SLACK = 4 * 2.0**-52
"""σ_w typed as a float equals the critical value to within float rounding when σ_w²·φ'(0)² is this close to 1."""


def bounded_moment(act: Activation, kind: str, q) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(E[h(√q z)], a bound on its error) for h = φ², φ'², φ⁴ or φ'⁴ (kind as in gaussian_moments), by
    quadrature at MAP_DPS digits. The bound is mpmath's error estimate plus 1e-14 of the value (rounding):
    every bound in this module rests on this one assumption, that the quadrature's error is within its
    estimate."""
    value, estimate = quadrature(pieces(act.expr), kind, q, MAP_DPS)
    return value, estimate + _ROUNDING * abs(value)


def chi_square(a, b) -> mpmath.mpf:
    """χ²(N(0, a) ‖ N(0, b)) = b/√(a·(2b - a)) - 1 for 0 < a < 2b (inf otherwise), written as
    t²/(√(1 - t²)·(1 + √(1 - t²))) with t = (a - b)/b so that it keeps its digits for a near b
    (tests/verify/test_gain_bounds.py derives both forms with sympy)."""
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if not 0 < a < 2 * b:
        return mpmath.inf
    t = (a - b) / b
    s = mpmath.sqrt(1 - t * t)
    return t * t / (s * (1 + s))


def moment_shift(act: Activation, kind: str, q, low, high) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(E_q[h], B) with |E_s[h] - E_q[h]| <= B for every s in [low, high], h = φ² or φ'², E_s over N(0, s).

    Cauchy-Schwarz on the likelihood ratio L = dN(0, s)/dN(0, q): E_s[h] - E_q[h] = E_q[h·(L - 1)], so
    |E_s[h] - E_q[h]| <= √(E_q[h²])·√(χ²(N(0, s) ‖ N(0, q))), and χ² grows away from s = q, so its largest
    value on [low, high] is at an end. E_q[h²] (E[φ⁴] or E[φ'⁴]) by quadrature; no derivative of φ is
    needed beyond φ', so kinked φ are covered. B includes the quadrature error bound of E_q[h]."""
    square = {"second_moment": "fourth_moment", "derivative_second_moment": "derivative_fourth_moment"}[kind]
    value, error = bounded_moment(act, kind, q)
    h2, h2_error = bounded_moment(act, square, q)
    divergence = max(chi_square(low, q), chi_square(high, q))
    return value, error + mpmath.sqrt(h2 + h2_error) * mpmath.sqrt(divergence)


def _bracket(f, root):
    """(low, high) = root·(1 ∓ δ) for the smallest δ in 1e-14·4^k <= 1/4 at which f = (value, error bound)
    has opposite signs at the two ends, each beyond its error bound, so that the exact function has a root
    in between (if the quadrature's error is within its estimate); None if no such δ."""
    delta = _DELTA[0]
    while delta <= _DELTA[1]:
        low, high = root * (1 - delta), root * (1 + delta)
        (f_low, e_low), (f_high, e_high) = f(low), f(high)
        if abs(f_low) > e_low and abs(f_high) > e_high and (f_low > 0) != (f_high > 0):
            return low, high
        delta *= 4
    return None


def _exactly_critical(act: Activation, sigma_w, sigma_b) -> FixedPoint | None:
    """q* = 0 with χ₁ = 1 exactly: φ(0) = 0 (so V(0) = 0 at σ_b = 0) and σ_w²·(φ'(0-)² + φ'(0+)²)/2 = 1."""
    if sigma_b != 0 or sigma_w == 0:
        return None
    at_zero = [sp.limit(act.expr, x, 0, dir=d) for d in ("+", "-")]
    if not all(v == 0 for v in at_zero):
        return None
    slope = _derivative_at_zero(act)
    if not slope.is_number:
        return None
    chi = sp.Rational(repr(float(sigma_w))) ** 2 * slope
    if chi == 1 or abs(float(chi) - 1) <= _FLOAT_SLACK:
        return FixedPoint(0.0, "critical", None, "φ(0) = 0 and σ_b = 0, so V(0) = 0; χ₁ = σ_w²·φ'(0)² = 1 there "
                                                   "(exact): the iterates approach 0 only polynomially", 0.0)
    return None


def fixed_point(act: Activation, sigma_w, sigma_b=0, q0=1) -> FixedPoint:
    """The fixed point of q ↦ V(q) that the iteration q_{l+1} = V(q_l) from q0 approaches (or sits on).

    For V increasing (every φ whose |φ| grows away from 0), the iterates move monotonically towards
    the nearest root of V(q) - q in the direction of V(q0) - q0: that root is bracketed by multiplying
    (or dividing) q by 4, then located by the Illinois method, then enclosed by _bracket in
    [low, high] with V(q) - q of certain opposite signs at the ends (assuming the quadrature's error is
    within its estimate). If V(q0) = q0 the answer is q0, enclosed the same way.
    """
    q0 = real_argument("q", q0, strict=True)
    sigma_w, sigma_b = real_argument("sigma_w", sigma_w), real_argument("sigma_b", sigma_b)
    with mpmath.workdps(MAP_DPS):
        def V(q):
            return sigma_w**2 * _second_moment_at(act, q) + sigma_b**2

        def f_bounded(q):
            m, error = bounded_moment(act, "second_moment", q)
            value = sigma_w**2 * m + sigma_b**2
            return value - q, sigma_w**2 * error + mpmath.mpf("1e-15") * (value + q)

        def f(q):
            return f_bounded(q)[0]

        def classify(q, detail):
            h = _SLOPE_STEP * q
            slope = (V(q + h) - V(q - h)) / (2 * h)
            kind = "neutral" if abs(slope - 1) <= 1e-6 else "attracting" if abs(slope) < 1 else "unstable"
            # neutral (V'(q*) = 1: a homogeneous φ at its gain keeps every q): V(q) - q has no certain sign
            # near q*, so no bracket is sought; q* = q0 is reported as kept (error None)
            found = None if kind == "neutral" else _bracket(f_bounded, q)
            if found is None:
                return FixedPoint(float(q), kind, float(slope), detail, None if kind == "neutral" else mpmath.inf)
            low, high = found
            error = float(max(q - low, high - q) / q)
            return FixedPoint(float(q), kind, float(slope), detail, error, float(low), float(high))

        start = f(q0)
        if abs(start) <= mpmath.mpf(1e-15) * q0:
            return classify(q0, "V(q0) = q0")
        critical = _exactly_critical(act, sigma_w, sigma_b)
        if critical is not None:
            return critical
        step = 4 if start > 0 else mpmath.mpf(1) / 4
        lo = q0
        while True:
            hi = lo * step
            if hi > _Q_CEILING:
                return FixedPoint(None, "diverges", None, f"V(q) > q up to q = {mpmath.nstr(_Q_CEILING, 3)}")
            if hi < _Q_FLOOR:
                return FixedPoint(0.0, "zero", None, "V(q) < q down to q = 1e-10: the signal dies out")
            if (f(hi) > 0) != (start > 0) or f(hi) == 0:
                break
            lo = hi
        low = min(lo, hi)
        root = mpmath.findroot(f, (low, max(lo, hi)), solver="illinois", tol=_ROOT_TOL * low)
        return classify(root, f"root of V(q) = q in [{mpmath.nstr(min(lo, hi), 6)}, {mpmath.nstr(max(lo, hi), 6)}]")


def _derivative_at_zero(act: Activation) -> sp.Expr:
    """lim_{q→0+} E[φ'(√q z)²] = (φ'(0-)² + φ'(0+)²)/2 (the mean of the one-sided squares)."""
    sides = []
    for direction in ("-", "+"):
        for g, lo, hi in pieces(act.expr):
            if (direction == "-" and lo < 0 <= hi) or (direction == "+" and lo <= 0 < hi):
                with time_cap(CLOSED_FORM_CAP):
                    sides.append(sp.limit(sp.diff(g, x), x, 0, dir=direction))
                break
    if len(sides) != 2:
        raise ValueError(f"φ = {act.name}: the derivative at 0 could not be found from its pieces")
    return simplify_capped((sides[0] ** 2 + sides[1] ** 2) / 2)


def chi1(act: Activation, sigma_w, q_star) -> mpmath.mpf:
    """χ₁ = σ_w²·E[φ'(√q* z)²] (Schoenholz et al. 2017, eq. 5); at q* = 0 the limit σ_w²·(φ'(0-)² + φ'(0+)²)/2."""
    sigma_w = real_argument("sigma_w", sigma_w)
    q_star = real_argument("q_star", q_star)
    if q_star == 0:
        return sigma_w**2 * mpmath.mpf(sp.N(_derivative_at_zero(act), 20))
    return sigma_w**2 * _derivative_second_moment_at(act, q_star)


def chi1_bound(act: Activation, sigma_w, fixed: FixedPoint) -> tuple[float, float]:
    """(χ₁ at the reported q*, a bound on |that - χ₁ at the true q*|), from derivative-free checks: the
    quadrature error of E[φ'(√q* z)²] plus moment_shift over fixed.low..fixed.high (assuming the
    quadrature's error is within its estimate). Exact q* = 0: the one-sided limit, to float rounding.
    No bracket (a neutral q* = q0 kept as given): the quadrature error alone."""
    sigma_w = real_argument("sigma_w", sigma_w)
    with mpmath.workdps(MAP_DPS):
        if fixed.q == 0:
            value = chi1(act, sigma_w, 0)
            return float(value), float(abs(value)) * 2.0**-52
        q = mpmath.mpf(fixed.q)
        if fixed.low is None:
            value, error = bounded_moment(act, "derivative_second_moment", q)
            bound = error if fixed.error is None else mpmath.inf
        else:
            value, bound = moment_shift(act, "derivative_second_moment", q, fixed.low, fixed.high)
        return float(sigma_w**2 * value), float(sigma_w**2 * bound)


@dataclasses.dataclass(frozen=True)
class CriticalSigmaW:
    """The σ_w with χ₁ = 1 at the σ_b = 0 fixed point: ``value`` exact (a sympy number) or enclosed in
    [low, high] (a Float, assuming the quadrature's error is within its estimate); ``q`` the fixed point
    where χ₁ = 1 (0.0 on the q* = 0 branch; None for a positively homogeneous φ, where every q is)."""

    value: sp.Expr
    exact: bool
    how: str
    low: float | None = None
    high: float | None = None
    q: float | None = None

    def __float__(self) -> float:
        return float(self.value)


_PROBE = mpmath.mpf("1e-3")


def _attraction(act: Activation, sigma_w: sp.Expr) -> str:
    """Whether q* = 0 pulls small signals in at this σ_w (σ_b = 0): χ₁ = 1 there, so the first order says
    nothing and V(q) - q is decided by the next; its sign at q = 10⁻³, certain beyond the quadrature's error
    bound (bounded_moment), or "" when it is not. tanh: V(q) < q (attracts); GELU, SiLU: V(q) > q, so a signal
    above 0 grows away from q* = 0 and this σ_w is critical only at q = 0 exactly."""
    with mpmath.workdps(MAP_DPS):
        s2 = mpmath.mpf(sp.N(sigma_w**2, MAP_DPS + 5))
        m, error = bounded_moment(act, "second_moment", _PROBE)
        gap, slack = s2 * m - _PROBE, s2 * error + _ROUNDING * _PROBE
    if gap < -slack:
        return "; it attracts (V(q) < q at q = 10⁻³)"
    if gap > slack:
        return "; but it repels: V(q) > q at q = 10⁻³, so signals above 0 grow away from it"
    return ""


def critical_sigma_w(act: Activation) -> CriticalSigmaW | None:
    """σ_w with χ₁ = 1 at the fixed point for σ_b = 0 (the edge of chaos, Schoenholz et al. 2017).

    φ positively homogeneous (relu, leaky_relu, c·x): χ₁ = σ_w²·E[φ'(z)²] at every q, exact.
    Otherwise φ(0) = 0: q* = 0 is a fixed point and χ₁ = σ_w²·(φ'(0-)² + φ'(0+)²)/2 there, so
    σ_w = 1/√((φ'(0-)² + φ'(0+)²)/2), exact (tanh 1, GELU and SiLU 2, Mish 5/3).
    φ(0) ≠ 0: q* > 0 for every σ_w, and along the fixed points σ_w² = q/E[φ(√q z)²], so χ₁ = 1 where
    gap(q) = q·E[φ'(√q z)²] - E[φ(√q z)²] = 0; the smallest such q in [4⁻⁷, 4⁷] is found on a grid and by
    the Illinois method, enclosed by sign checks of gap beyond its quadrature error (_bracket), and σ_w =
    √(q/E[φ(√q z)²]) enclosed over that bracket with moment_shift. None if gap keeps one sign there
    (softplus: χ₁ < 1).
    """
    if _homogeneous(act):  # φ' is constant on each half-line: E[φ'(√q z)²] = (φ'(0-)² + φ'(0+)²)/2
        slope = _derivative_at_zero(act)
        return None if slope == 0 else CriticalSigmaW(
            simplify_capped(1 / sp.sqrt(slope)), True,
            "φ positively homogeneous: χ₁ = σ_w²·E[φ'(z)²] = 1 at every q (exact)")
    at_zero = sp.limit(act.expr, x, 0, dir="+"), sp.limit(act.expr, x, 0, dir="-")
    if all(v == 0 for v in at_zero):
        slope = _derivative_at_zero(act)
        if slope == 0:
            return None
        value = simplify_capped(1 / sp.sqrt(slope))
        return CriticalSigmaW(value, True, "q* = 0 is critical: χ₁ = σ_w²·φ'(0)² = 1 (exact)"
                              + _attraction(act, value), q=0.0)
    with mpmath.workdps(MAP_DPS):
        def gap_bounded(q):
            (m1, e1), (m0, e0) = (bounded_moment(act, k, q) for k in ("derivative_second_moment", "second_moment"))
            return q * m1 - m0, q * e1 + e0 + mpmath.mpf("1e-15") * (q * m1 + m0)

        def gap(q):
            return gap_bounded(q)[0]

        grid = [mpmath.mpf(4) ** k for k in range(-7, 8)]
        previous = gap(grid[0])
        for lo, hi in zip(grid, grid[1:]):
            try:
                current = gap(hi)
            except ValueError:  # the moments become infinite beyond some q (φ = exp(x²/8) at q >= 2)
                break
            if (previous < 0) != (current < 0):
                root = mpmath.findroot(gap, (lo, hi), solver="illinois", tol=_ROOT_TOL * lo)
                value = mpmath.sqrt(root / _second_moment_at(act, root))
                found = _bracket(gap_bounded, root)
                if found is None:
                    return CriticalSigmaW(sp.Float(value, MAP_DPS), False, "by quadrature; no digit certain",
                                          math.inf, math.inf, float(root))
                q_low, q_high = found
                m, bound = moment_shift(act, "second_moment", root, q_low, q_high)
                low = mpmath.sqrt(q_low / (m + bound))
                high = mpmath.sqrt(q_high / (m - bound)) if m > bound else mpmath.inf
                return CriticalSigmaW(sp.Float(value, MAP_DPS), False,
                                      "χ₁ = 1 at a fixed point q* > 0 (φ(0) ≠ 0), by quadrature", float(low),
                                      float(high), float(root))
            previous = current
    return None


def variance_iterates(act: Activation, sigma_w, sigma_b, q0, depth: int) -> list[mpmath.mpf]:
    """q_1, ..., q_depth with q_l = V(q_{l-1}) from q_0 = q0: the infinite-width recursion, as mpmath
    numbers (no float64 ceiling: relu at σ_w = 2 reaches 2^100 at depth 100, 2^1000 at depth 1000).

    A positively homogeneous φ (every piece a·x on intervals that end at 0 or ±∞: relu, leaky_relu,
    c·x) has V(q) = A·q + σ_b² with A = σ_w²·E[φ(z)²], so q_L = A^L·q0 + σ_b²·(A^L - 1)/(A - 1), exact.
    Otherwise by quadrature at 15 digits; once two iterates agree to 1e-13 the rest are that fixed point.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
    q = real_argument("q", q0, strict=True)
    sigma_w, sigma_b = real_argument("sigma_w", sigma_w), real_argument("sigma_b", sigma_b)
    out: list[mpmath.mpf] = []
    with mpmath.workdps(MAP_DPS):
        if _homogeneous(act):
            m2 = moment(act, "second_moment")  # exact where it can be had (relu: 1/2)
            slope = sigma_w**2 * mpmath.mpf(sp.N(m2.value, MAP_DPS + 5))
            for _ in range(depth):
                q = slope * q + sigma_b**2
                out.append(q)
            return out
        while len(out) < depth:
            nxt = sigma_w**2 * _second_moment_at(act, q) + sigma_b**2 if q != 0 else sigma_b**2
            if abs(nxt - q) <= mpmath.mpf(1e-13) * q or nxt == q == 0:
                out.extend([nxt] * (depth - len(out)))
                break
            out.append(nxt)
            q = nxt
    return out


def _homogeneous(act: Activation) -> bool:
    """φ(c·x) = c·φ(x) for c > 0: every piece is a·x on an interval whose ends are 0 or ±∞."""
    try:
        parts = pieces(act.expr)
    except ValueError:
        return False
    return all(lo in (-sp.oo, 0) and hi in (0, sp.oo) and sp.expand(g).is_polynomial(x)
               and sp.Poly(g, x).degree() <= 1 and g.subs(x, 0) == 0 for g, lo, hi in parts)
