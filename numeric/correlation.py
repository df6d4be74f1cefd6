"""Correlation maps, depth scales, the order-to-chaos boundary and the NNGP kernel, at infinite width.

Two inputs with pre-activation second moments q₁, q₂ and covariance q₁₂ (correlation c = q₁₂/√(q₁q₂))
are mapped by one layer φ, W ~ N(0, σ_w²/n), b ~ N(0, σ_b²) to (Poole et al. 2016, eqs. 3-5):
    q₁₂' = σ_w²·E[φ(u₁)φ(u₂)] + σ_b²,   (u₁, u₂) ~ N(0, [[q₁, q₁₂], [q₁₂, q₂]]),
and at the variance fixed point q* the correlation map is C(c) = (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²)/q*.
χ₁ = σ_w²·E[φ'(√q* z)²] is C'(1); χ_c = σ_w²·E[φ'(u₁)φ'(u₂)] at the fixed point c* (Schoenholz et al.
2017, eqs. 5, 9); ξ_c = -1/ln χ_c and ξ_q = -1/ln V'(q*), V'(q) = σ_w²·E[φ(√q z)φ'(√q z)·z]/√q.

Bivariate expectations: the closed forms where they exist (ReLU: the arc-cosine kernel of degree 1,
Cho & Saul 2009; erf: Williams 1997; linear: q₁₂), otherwise a Gauss-Hermite product rule on
u₁ = √q₁ z₁, u₂ = √q₂ (c z₁ + √(1 - c²) z₂) at ``order`` and 2·``order`` nodes per axis, whose difference is
the stated error estimate (exponentially small for analytic φ such as tanh, GELU, SiLU; a kink makes it
converge slowly, which the estimate shows). Activations are names of ``numeric.activations``' table,
``"erf"``, or a callable φ (with its derivative ``grad`` where χ is wanted).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from numeric import activations as A
from numeric._checks import NumericError, float_array, function, integer, real

__all__ = ["erf", "Nonlinearity", "nonlinearity", "relu_kernel", "erf_kernel", "gaussian_expectation",
           "bivariate_expectation", "layer_covariance", "correlation_map", "variance_fixed_point",
           "correlation_fixed_point", "correlation_iterates", "chi1", "chi_c", "depth_scales",
           "critical_sigma_w", "phase", "nngp_kernel", "finite_width_correlation", "ORDER"]

ORDER = 64
"""Gauss-Hermite nodes per axis of the coarse rule (the fine rule has twice as many)."""


def erf(x):
    """erf(x) = 2Φ(√2·x) - 1, in float64."""
    return 2 * A.normal_cdf(np.asarray(x, dtype=np.float64) * math.sqrt(2)) - 1


def _erf_grad(x):
    x = np.asarray(x, dtype=np.float64)
    return 2 / math.sqrt(math.pi) * np.exp(-x * x)


def relu_kernel(q1, q2, c):
    """E[ReLU(u₁)ReLU(u₂)] = √(q₁q₂)·(sin θ + (π - θ)·cos θ)/(2π), θ = arccos c (Cho & Saul 2009, n = 1)."""
    c = np.clip(float_array("c", c), -1.0, 1.0)
    theta = np.arccos(c)
    return np.sqrt(float_array("q1", q1) * float_array("q2", q2)) * (np.sin(theta) + (np.pi - theta) * c) / (2 * np.pi)


def erf_kernel(q1, q2, c):
    """E[erf(u₁)erf(u₂)] = (2/π)·arcsin(2q₁₂/√((1 + 2q₁)(1 + 2q₂))), q₁₂ = c√(q₁q₂) (Williams 1997)."""
    q1, q2, c = float_array("q1", q1), float_array("q2", q2), float_array("c", c)
    return 2 / np.pi * np.arcsin(2 * c * np.sqrt(q1 * q2) / np.sqrt((1 + 2 * q1) * (1 + 2 * q2)))


def _linear_kernel(q1, q2, c):
    return float_array("c", c) * np.sqrt(float_array("q1", q1) * float_array("q2", q2))


@dataclasses.dataclass(frozen=True)
class Nonlinearity:
    """φ, φ' (None if unknown) and the closed form of E[φ(u₁)φ(u₂)] in (q₁, q₂, c) where one exists."""

    name: str
    phi: Callable
    grad: Callable | None = None
    closed: Callable | None = None

    def need_grad(self) -> Callable:
        if self.grad is None:
            raise NumericError(f"grad: χ needs φ' of {self.name}; pass grad=<callable> with the activation")
        return self.grad


_CLOSED = {"relu": relu_kernel, "erf": erf_kernel, "linear": _linear_kernel}


def nonlinearity(activation, grad=None) -> Nonlinearity:
    """A ``Nonlinearity`` from a table name, ``"erf"``, a callable φ (``grad`` its φ'), or a Nonlinearity."""
    if isinstance(activation, Nonlinearity):
        return activation
    if isinstance(activation, str):
        if activation == "erf":
            return Nonlinearity("erf", erf, _erf_grad, erf_kernel)
        if activation not in A.ACTIVATIONS:
            raise NumericError(f"activation must be 'erf', a callable or one of {tuple(A.ACTIVATIONS)}, "
                               f"got {activation!r}")
        record = A.ACTIVATIONS[activation]
        return Nonlinearity(activation, record.phi, record.grad, _CLOSED.get(activation))
    function("activation", activation)
    return Nonlinearity(getattr(activation, "__name__", "φ"), activation,
                        None if grad is None else function("grad", grad))


@lru_cache(maxsize=8)
def _nodes(order: int):
    z, w = np.polynomial.hermite_e.hermegauss(order)
    return z, w / math.sqrt(2 * math.pi)


def gaussian_expectation(f: Callable, q, order: int = ORDER) -> tuple[float, float]:
    """(E[f(√q z)], error estimate), z ~ N(0, 1): Gauss-Hermite at ``order`` and 2·``order`` nodes."""
    q = real("q", q, 0)
    order = integer("order", order, 2)
    values = []
    for n in (order, 2 * order):
        z, w = _nodes(n)
        values.append(float(np.sum(w * np.asarray(f(math.sqrt(q) * z), dtype=np.float64))))
    return values[1], abs(values[1] - values[0])


def _product_rule(f, g, q1, q2, c, n):
    z, w = _nodes(n)
    z1, z2 = z[:, None], z[None, :]
    s = np.sqrt(np.maximum(1 - c * c, 0.0))
    c, s = c[..., None, None], s[..., None, None]
    u1 = np.sqrt(q1)[..., None, None] * z1 + 0 * c
    u2 = np.sqrt(q2)[..., None, None] * (c * z1 + s * z2)
    return np.sum(np.asarray(f(u1)) * np.asarray(g(u2)) * (w[:, None] * w[None, :]), axis=(-2, -1))


def bivariate_expectation(f: Callable, q1, q2, c, g: Callable | None = None, order: int = ORDER):
    """(E[f(u₁)g(u₂)], error estimate) for (u₁, u₂) of second moments q₁, q₂ and correlation c (arrays
    broadcast), g = f by default: Gauss-Hermite product rules of ``order`` and 2·``order`` nodes per axis."""
    q1, q2 = float_array("q1", q1), float_array("q2", q2)
    c = float_array("c", c)
    if np.any(q1 < 0) or np.any(q2 < 0):
        raise NumericError("q1 and q2 must be >= 0 (second moments)")
    if np.any(np.abs(c) > 1 + 1e-12) or not np.all(np.isfinite(c)):
        raise NumericError(f"c must be a correlation in [-1, 1], got {c!r}")
    order = integer("order", order, 2)
    g = f if g is None else g
    q1, q2, c = np.broadcast_arrays(q1, q2, np.clip(c, -1, 1))
    coarse = _product_rule(f, g, q1, q2, c, order)
    fine = _product_rule(f, g, q1, q2, c, 2 * order)
    return fine, np.abs(fine - coarse)


def _expect(act: Nonlinearity, q1, q2, c, order=ORDER):
    if act.closed is not None:
        return act.closed(q1, q2, c), np.zeros(np.broadcast(np.asarray(q1), np.asarray(q2), np.asarray(c)).shape)
    return bivariate_expectation(act.phi, q1, q2, c, order=order)


def layer_covariance(activation, q1, q2, q12, sigma_w, sigma_b=0.0, order: int = ORDER):
    """(q₁₂', error): q₁₂' = σ_w²·E[φ(u₁)φ(u₂)] + σ_b², (u₁, u₂) of covariance [[q₁, q₁₂], [q₁₂, q₂]]."""
    act = nonlinearity(activation)
    sigma_w, sigma_b = real("sigma_w", sigma_w, 0), real("sigma_b", sigma_b, 0)
    q1, q2, q12 = float_array("q1", q1), float_array("q2", q2), float_array("q12", q12)
    scale = np.sqrt(q1 * q2)
    c = np.divide(q12, scale, out=np.zeros(np.broadcast(q12, scale).shape), where=scale > 0)
    value, err = _expect(act, q1, q2, c, order)
    return sigma_w**2 * value + sigma_b**2, sigma_w**2 * err


def _variance(act: Nonlinearity, q, sigma_w, sigma_b, order=ORDER):
    if act.closed is not None:
        return sigma_w**2 * float(act.closed(q, q, 1.0)) + sigma_b**2, 0.0
    m, err = gaussian_expectation(lambda u: np.asarray(act.phi(u)) ** 2, q, order * 2)
    return sigma_w**2 * m + sigma_b**2, sigma_w**2 * err


def variance_fixed_point(activation, sigma_w, sigma_b=0.0, q0=1.0, tol=1e-14, max_iter=10_000):
    """q* of q ↦ V(q) = σ_w²·E[φ(√q z)²] + σ_b², by iterating from q0; None if q grows past 1e12 or has not
    settled after ``max_iter`` steps (ReLU at σ_w² = 2, σ_b > 0 grows by σ_b² per layer for ever)."""
    act = nonlinearity(activation)
    sigma_w, sigma_b = real("sigma_w", sigma_w, 0), real("sigma_b", sigma_b, 0)
    q = start = real("q0", q0, 0, strict=True)
    shrinking = False
    for _ in range(max_iter):
        nxt = _variance(act, q, sigma_w, sigma_b)[0]
        if not math.isfinite(nxt) or nxt > 1e12:
            return None
        if abs(nxt - q) <= tol * max(q, 1e-300):
            return nxt
        shrinking = nxt < q
        if sigma_b == 0 and nxt <= 1e-12 * start:
            return 0.0            # the signal dies out: q* = 0
        q = nxt
    # without bias and φ(0) = 0, q → 0 only like 1/l at the critical σ_w (tanh at σ_w = 1): still q* = 0
    return 0.0 if sigma_b == 0 and shrinking else None


def correlation_map(activation, c, q, sigma_w, sigma_b=0.0, order: int = ORDER):
    """(C(c), error): C(c) = (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²)/q with u₁, u₂ of second moment q and
    correlation c (at q = q* the correlation after one layer)."""
    q = real("q", q, 0, strict=True)
    value, err = layer_covariance(activation, q, q, np.asarray(float_array("c", c)) * q, sigma_w, sigma_b, order)
    return value / q, err / q


def correlation_iterates(activation, c0, q, sigma_w, sigma_b=0.0, depth: int = 1):
    """c_1, ..., c_depth with c_(l+1) = C(c_l) at fixed q (the infinite-width recursion at q = q*)."""
    depth = integer("depth", depth, 1)
    c = np.asarray(float_array("c0", c0), dtype=np.float64)
    out = []
    for _ in range(depth):
        c = np.clip(correlation_map(activation, c, q, sigma_w, sigma_b)[0], -1.0, 1.0)
        out.append(c)
    return np.stack(out)


_ROUNDING = 1e-14
"""Added to the quadrature's error estimate of C(c) - c, relative to |C(c)| + |c|: float64 rounding of the sums."""


def correlation_fixed_point(activation, q, sigma_w, sigma_b=0.0, chi1_value=None) -> tuple[float, float, float]:
    """(c*, low, high): the fixed point of C that iterates from c₀ in [0, 1) approach, inside [low, high].

    C(c) = Σ_k a_k c^k, a_k >= 0 (Hermite expansion of E[φ(u₁)φ(u₂)]; Poole et al. 2016, Daniely et al.
    2016): C is increasing and convex on [0, 1], C(1) = 1 at q*, C'(1) = χ₁; so h(c) = C(c) - c is convex,
    h(1) = 0, h(0) >= 0. χ₁ <= 1: h(c) >= (1 - χ₁)(1 - c) >= 0 and c* = 1 exactly. χ₁ > 1: one root in
    [0, 1), bisected keeping h(low) >= 0 and h(high) < 0 beyond the quadrature's error estimate plus
    rounding, stopping where no sign is certain. ``chi1_value``: χ₁ if known."""
    act = nonlinearity(activation)
    q = real("q", q, 0, strict=True)
    x1 = chi1(act, q, sigma_w)[0] if chi1_value is None else chi1_value
    if x1 <= 1:
        return 1.0, 1.0, 1.0

    def h(c):
        value, err = correlation_map(act, c, q, sigma_w, sigma_b)
        value, err = float(value), float(err)
        return value - c, err + _ROUNDING * (abs(value) + abs(c))

    low, high = 0.0, None
    for k in range(1, 60):  # the first point below 1 with h certainly < 0: 1 - 2^-k
        c = 1 - 2.0**-k
        value, err = h(c)
        if value < -err:
            high = c
            break
        if value > err:
            low = c
    if high is None:
        raise NumericError(f"chi1 = {x1:.17g} > 1 but C(c) - c has no certain negative value below 1: "
                           "χ₁ is too close to 1 for the quadrature's accuracy")
    while high - low > 4e-16 * max(high, 1e-300):
        mid = 0.5 * (low + high)
        value, err = h(mid)
        if value > err:
            low = mid
        elif value < -err:
            high = mid
        else:
            break
    return 0.5 * (low + high), low, high


def chi1(activation, q, sigma_w, grad=None) -> tuple[float, float]:
    """(χ₁, error) = σ_w²·E[φ'(√q z)²] (Schoenholz et al. 2017, eq. 5)."""
    act = nonlinearity(activation, grad)
    d = act.need_grad()
    sigma_w = real("sigma_w", sigma_w, 0)
    if act.name == "relu":
        return sigma_w**2 / 2, 0.0
    m, err = gaussian_expectation(lambda u: np.asarray(d(u)) ** 2, q, 2 * ORDER)
    return sigma_w**2 * m, sigma_w**2 * err


def chi_c(activation, c, q, sigma_w, grad=None) -> tuple[float, float]:
    """(χ_c, error) = σ_w²·E[φ'(u₁)φ'(u₂)], u₁, u₂ of second moment q and correlation c (eq. 9)."""
    act = nonlinearity(activation, grad)
    d = act.need_grad()
    sigma_w = real("sigma_w", sigma_w, 0)
    if act.name == "relu":   # E[1[u₁>0]1[u₂>0]] = (π - arccos c)/(2π)
        return sigma_w**2 * (math.pi - math.acos(max(-1.0, min(1.0, c)))) / (2 * math.pi), 0.0
    value, err = bivariate_expectation(d, q, q, c)
    return sigma_w**2 * float(value), sigma_w**2 * float(err)


def depth_scales(activation, sigma_w, sigma_b=0.0, grad=None) -> dict:
    """q*, χ₁, c*, χ_c, ξ_q = -1/ln V'(q*) and ξ_c = -1/ln χ_c (inf where the rate is 1, None where the
    phase has no such scale), and the phase ('ordered', 'chaotic', 'critical' or 'no fixed point')."""
    act = nonlinearity(activation, grad)
    d = act.need_grad()
    sigma_w, sigma_b = real("sigma_w", sigma_w, 0), real("sigma_b", sigma_b, 0)
    q = variance_fixed_point(act, sigma_w, sigma_b)
    if q is None:
        return {"q_star": None, "chi1": sigma_w**2 / 2 if act.name == "relu" else None, "c_star": None, "chi_c": None, "xi_q": None, "xi_c": None,
                "phase": "no fixed point"}
    x1, x1_error = chi1(act, q, sigma_w)
    slope, _ = gaussian_expectation(lambda u: np.asarray(act.phi(u)) * np.asarray(d(u)) * u, q, 2 * ORDER)
    v_prime = sigma_w**2 * slope / q if q > 0 else x1
    critical = abs(x1 - 1) <= max(_CRITICAL, 2 * x1_error)
    if critical:
        x1 = 1.0  # within float rounding and the quadrature's error of 1: c* = 1 with χ_c = χ₁ = 1
    c_star, c_low, c_high = correlation_fixed_point(act, q, sigma_w, sigma_b, x1) if q > 0 else (1.0, 1.0, 1.0)
    xc = chi_c(act, c_star, q, sigma_w)[0] if c_star < 1 else x1
    # C' = χ_c(c) increases on [0, 1] (C convex), so χ_c(c*) lies between its values at the bracket's ends
    ends = [chi_c(act, c, q, sigma_w) for c in (c_low, c_high)] if c_star < 1 else [(x1, 0.0 if critical else x1_error)] * 2
    xc_bracket = (ends[0][0] - ends[0][1] - _ROUNDING * ends[0][0], ends[1][0] + ends[1][1] + _ROUNDING * ends[1][0])
    phase = "critical" if critical else "ordered" if x1 < 1 else "chaotic"

    def scale(rate):
        return math.inf if rate == 1 or abs(rate - 1) <= 1e-12 else (-1 / math.log(rate) if 0 < rate < 1 else None)
    return {"q_star": q, "chi1": x1, "c_star": c_star, "c_star_bracket": (c_low, c_high), "chi_c": xc,
            "chi_c_bracket": xc_bracket,
            "xi_q": scale(v_prime), "xi_c": scale(xc), "phase": phase}


_CRITICAL = 16 * 2.0**-52
"""|χ₁ - 1| below this (or twice χ₁'s quadrature error) is criticality: σ_w typed as a float (√2 for ReLU)
is the critical value to within rounding."""


def phase(activation, sigma_w, sigma_b=0.0, grad=None) -> str:
    """'ordered' (χ₁ < 1), 'chaotic' (χ₁ > 1), 'critical' or 'no fixed point'."""
    return depth_scales(activation, sigma_w, sigma_b, grad)["phase"]


def critical_sigma_w(activation, sigma_b=0.0, grad=None, q_range=(1e-8, 1e2)) -> tuple[float, float] | None:
    """(σ_w, q*) with χ₁ = 1 at the variance fixed point, or None where there is none.

    Along the fixed points σ_w² = (q - σ_b²)/E[φ(√q z)²], so χ₁ = 1 where
    g(q) = (q - σ_b²)·E[φ'(√q z)²] - E[φ(√q z)²] = 0 with q > σ_b²; the first sign change of g on a
    geometric grid over ``q_range`` is bisected to machine precision. ReLU: g = -σ_b²/2 for every q, so there
    is no root once σ_b > 0 (χ₁ = σ_w²/2 whatever q, and at σ_w² = 2 q has no fixed point); at σ_b = 0
    every q is one and σ_w = √2.
    """
    act = nonlinearity(activation, grad)
    d = act.need_grad()
    sigma_b = real("sigma_b", sigma_b, 0)

    def moments(q):
        m = gaussian_expectation(lambda u: np.asarray(act.phi(u)) ** 2, q, 2 * ORDER)[0]
        return m, gaussian_expectation(lambda u: np.asarray(d(u)) ** 2, q, 2 * ORDER)[0]

    def g(q):
        m, m1 = moments(q)
        return (q - sigma_b**2) * m1 - m

    if act.name == "relu":
        return (math.sqrt(2.0), math.nan) if sigma_b == 0 else None
    if sigma_b == 0 and float(np.asarray(act.phi(np.array([0.0])))[0]) == 0:
        slope0 = float(np.asarray(d(np.array([0.0])))[0])   # q* = 0 is a fixed point: χ₁ = σ_w²·φ'(0)² there
        return (1 / abs(slope0), 0.0) if slope0 != 0 else None
    lo_q = max(q_range[0], sigma_b**2 * (1 + 1e-12))
    grid = np.geomspace(lo_q, q_range[1], 400)
    values = [g(q) for q in grid]
    for a, b, ga, gb in zip(grid, grid[1:], values, values[1:]):
        if ga == 0:
            b, gb = a, ga
        if (ga < 0) != (gb < 0) or gb == 0:
            for _ in range(200):
                mid = 0.5 * (a + b)
                gm = g(mid)
                if (gm < 0) == (ga < 0):
                    a, ga = mid, gm
                else:
                    b = mid
                if b - a <= 4e-16 * b:
                    break
            q = 0.5 * (a + b)
            return math.sqrt((q - sigma_b**2) / moments(q)[0]), q
    return None


def nngp_kernel(x, depth: int, activation, sigma_w, sigma_b=0.0, order: int = ORDER):
    """(K, error): the covariance K_depth of the pre-activations of layer ``depth`` over a batch x
    (shape (batch, d)) at infinite width: K_1 = σ_w²·x xᵀ/d + σ_b², K_(l+1) = σ_w²·E[φ(u)φ(u)ᵀ] + σ_b²,
    u ~ N(0, K_l) entrywise (Lee et al. 2018, eq. 4). The error sums the quadrature estimates."""
    x = float_array("x", x, ndim=2, layout="(batch, features)")
    depth = integer("depth", depth, 1)
    sigma_w, sigma_b = real("sigma_w", sigma_w, 0), real("sigma_b", sigma_b, 0)
    k = sigma_w**2 * (x @ x.T) / x.shape[1] + sigma_b**2
    err = np.zeros_like(k)
    for _ in range(depth - 1):
        diag = np.diag(k)
        k, e = layer_covariance(activation, diag[:, None], diag[None, :], k, sigma_w, sigma_b, order)
        err = err + e
    return k, err


def finite_width_correlation(rng, activation, c0, q0, depth: int, sigma_w, sigma_b=0.0, width: int = 256,
                             networks: int = 16) -> np.ndarray:
    """Per network, the empirical correlation Σ_i z_i(x₁)z_i(x₂)/√(Σ z_i(x₁)²·Σ z_i(x₂)²) of the pre-activations
    of layer ``depth`` of a width-``width`` network (new weights per network), from two layer-0
    pre-activation vectors of mean square q0 and correlation c0. The infinite-width recursion is exact one
    layer at a time only: this ratio is biased at O(1/width) and its bias compounds with depth."""
    from numeric._checks import generator

    rng = generator(rng)
    act = nonlinearity(activation)
    depth, width, networks = integer("depth", depth, 1), integer("width", width, 2), integer("networks", networks, 2)
    c0, q0 = real("c0", c0, -1), real("q0", q0, 0, strict=True)
    if c0 > 1:
        raise NumericError(f"c0 must be a correlation in [-1, 1], got {c0!r}")
    sigma_w, sigma_b = real("sigma_w", sigma_w, 0), real("sigma_b", sigma_b, 0)
    grid = np.arange(width, dtype=np.float64)
    basis, _ = np.linalg.qr(np.stack([np.cos(0.3 * grid + 0.1), np.sin(0.7 * grid + 0.4)], axis=1))
    pair = np.array([[1.0, 0.0], [c0, math.sqrt(max(1 - c0 * c0, 0.0))]]) * math.sqrt(q0 * width)
    u = np.broadcast_to(basis @ pair.T, (networks, width, 2)).copy()
    for _ in range(depth):
        w = rng.standard_normal((networks, width, width)) * (sigma_w / math.sqrt(width))
        u = w @ np.asarray(act.phi(u)) + rng.standard_normal((networks, width, 1)) * sigma_b
    num = np.sum(u[..., 0] * u[..., 1], axis=1)
    return num / np.sqrt(np.sum(u[..., 0] ** 2, axis=1) * np.sum(u[..., 1] ** 2, axis=1))
