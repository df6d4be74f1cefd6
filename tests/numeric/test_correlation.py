"""numeric.correlation against independent 30-digit quadrature and the mean-field facts it must reproduce.

The reference for E[φ(u₁)φ(u₂)] is mpmath at 30 digits on u₁ = √q₁ z₁, u₂ = √q₂ (c z₁ + √(1 - c²) z₂):
the inner expectation over z₂ is a one-dimensional Gaussian fact (ReLU: E[(a + b z)⁺] = aΦ(a/b) + bφ(a/b);
erf: E[erf(a + b z)] = erf(a/√(1 + 2b²))), itself checked against direct quadrature below, and the outer
integral over z₁ is mpmath.quad. Tolerances: 1e-13 relative is float64 evaluation of the closed forms
(arccos, arcsin near their ends lose a few ulp), nothing looser.
"""
import math

import mpmath as mp
import numpy as np
import pytest

from numeric import NumericError
from numeric import correlation as C

FLOAT64_RTOL = 1e-13
POINTS = [(q1, q2, c) for q1, q2 in ((0.3, 0.3), (1.0, 1.5), (2.5, 0.7)) for c in
          (-0.95, -0.6, -0.2, 0.0, 0.1, 0.45, 0.8, 0.99)]
"""24 (q₁, q₂, c) points: three pairs of second moments, eight correlations from -0.95 to 0.99."""


def _relu_inner(a, b):
    return a * mp.ncdf(a / b) + b * mp.npdf(a / b)


def _erf_inner(a, b):
    return mp.erf(a / mp.sqrt(1 + 2 * b * b))


def _reference(kind, q1, q2, c):
    with mp.workdps(30):
        q1, q2, c = mp.mpf(q1), mp.mpf(q2), mp.mpf(c)
        s = mp.sqrt(1 - c * c)
        if kind == "relu":
            f = lambda x: mp.sqrt(q1) * x * _relu_inner(mp.sqrt(q2) * c * x, mp.sqrt(q2) * s)  # noqa: E731
            return mp.quad(lambda x: f(x) * mp.npdf(x), [0, mp.inf])
        f = lambda x: mp.erf(mp.sqrt(q1) * x) * _erf_inner(mp.sqrt(q2) * c * x, mp.sqrt(q2) * s)  # noqa: E731
        return mp.quad(lambda x: f(x) * mp.npdf(x), [-mp.inf, 0, mp.inf])


@pytest.mark.parametrize("q1, q2, c", POINTS)
def test_relu_arc_cosine_kernel_matches_30_digit_quadrature(q1, q2, c):
    got = float(C.relu_kernel(q1, q2, c))
    assert got == pytest.approx(float(_reference("relu", q1, q2, c)), rel=FLOAT64_RTOL, abs=1e-300)


@pytest.mark.parametrize("q1, q2, c", POINTS)
def test_erf_williams_kernel_matches_30_digit_quadrature(q1, q2, c):
    got = float(C.erf_kernel(q1, q2, c))
    want = float(_reference("erf", q1, q2, c))
    assert abs(got - want) <= FLOAT64_RTOL * max(abs(want), 1e-3)


@pytest.mark.parametrize("a, b", [(0.7, 0.4), (-1.2, 0.9), (0.0, 2.0)])
def test_the_inner_reductions_agree_with_direct_quadrature(a, b):
    with mp.workdps(30):
        a, b = mp.mpf(a), mp.mpf(b)
        relu = mp.quad(lambda z: max(a + b * z, 0) * mp.npdf(z), [-mp.inf, -a / b, mp.inf])
        erf = mp.quad(lambda z: mp.erf(a + b * z) * mp.npdf(z), [-mp.inf, 0, mp.inf])
        assert abs(relu - _relu_inner(a, b)) < mp.mpf(10) ** -25
        assert abs(erf - _erf_inner(a, b)) < mp.mpf(10) ** -25


def test_gauss_hermite_meets_the_closed_form_within_its_error_estimate_for_smooth_phi():
    c = np.array([-0.9, -0.3, 0.2, 0.7, 0.97])
    value, err = C.bivariate_expectation(C.erf, 0.8, 1.7, c)
    assert np.all(np.abs(value - C.erf_kernel(0.8, 1.7, c)) <= err + 1e-15)   # 1e-15: float64 sums


def test_gauss_hermite_reports_a_large_error_at_a_kink():
    _, err = C.bivariate_expectation(C.nonlinearity("relu").phi, 1.0, 1.5, np.array([0.3]))
    assert err[0] > 1e-6   # ReLU's kink: the rule converges slowly and the estimate says so


def test_tanh_critical_line_at_zero_bias_is_sigma_w_one():
    sigma_w, q = C.critical_sigma_w("tanh", 0.0)
    assert sigma_w == 1.0 and q == 0.0


def test_tanh_critical_sigma_w_puts_chi1_at_one_on_the_fixed_point():
    sigma_w, q = C.critical_sigma_w("tanh", math.sqrt(0.05))
    assert C.variance_fixed_point("tanh", sigma_w, math.sqrt(0.05), q0=q) == pytest.approx(q, rel=1e-9)
    assert C.chi1("tanh", q, sigma_w)[0] == pytest.approx(1.0, abs=1e-12)


def test_relu_chi1_is_half_sigma_w_squared_and_has_no_critical_curve_with_bias():
    assert C.chi1("relu", 0.37, 1.3)[0] == pytest.approx(1.3**2 / 2, rel=1e-15)
    assert C.critical_sigma_w("relu", 0.1) is None
    assert C.critical_sigma_w("relu", 0.0)[0] == pytest.approx(math.sqrt(2))


def test_relu_without_bias_forgets_polynomially():
    """(1 - c_L)·L² → 9π²/2 (ReLU at σ_w² = 2, σ_b = 0): the ratio approaches 1 from below, ever closer."""
    ratios, c = {}, 0.0
    for layer in range(1, 20001):
        c = float(C.correlation_map("relu", c, 1.0, math.sqrt(2))[0])
        if layer in (200, 2000, 20000):
            ratios[layer] = (1 - c) * layer**2 / (9 * math.pi**2 / 2)
    gaps = [1 - ratios[layer] for layer in (200, 2000, 20000)]
    assert 0 < gaps[2] < gaps[1] < gaps[0] and gaps[2] < 0.01


def test_correlation_map_is_one_at_one_and_its_slope_there_is_chi1():
    q = C.variance_fixed_point("tanh", 1.5, 0.3)
    one, err = C.correlation_map("tanh", 1.0, q, 1.5, 0.3)
    assert abs(one - 1) <= 10 * err + 1e-12
    h = 1e-6
    slope = (C.correlation_map("tanh", 1.0, q, 1.5, 0.3)[0] - C.correlation_map("tanh", 1 - h, q, 1.5, 0.3)[0]) / h
    assert slope == pytest.approx(C.chi1("tanh", q, 1.5)[0], rel=1e-4)   # O(h·C'') forward-difference error


def test_nngp_kernel_composes_layer_maps():
    x = np.random.default_rng(0).standard_normal((3, 5))
    k1, _ = C.nngp_kernel(x, 1, "relu", 1.4, 0.1)
    assert np.allclose(k1, 1.96 * x @ x.T / 5 + 0.01, rtol=1e-15)
    k2, _ = C.nngp_kernel(x, 2, "relu", 1.4, 0.1)
    d = np.diag(k1)
    assert np.allclose(np.diag(k2), 1.96 * d / 2 + 0.01, rtol=1e-14)   # E[ReLU(u)²] = q/2
    assert np.all(np.linalg.eigvalsh(k2) > 0)


def test_phases_of_tanh():
    assert C.phase("tanh", 0.8, 0.1) == "ordered"
    assert C.phase("tanh", 2.0, 0.1) == "chaotic"
    scales = C.depth_scales("tanh", 2.0, 0.1)
    assert 0 <= scales["c_star"] < 1 and scales["xi_c"] > 0


@pytest.mark.parametrize("call, name", [
    (lambda: C.bivariate_expectation(np.tanh, 1.0, 1.0, 1.5), "c"),
    (lambda: C.chi1(np.tanh, 1.0, 1.0), "grad"),
    (lambda: C.correlation_map("tanh", 0.5, -1.0, 1.0), "q"),
    (lambda: C.nngp_kernel(np.ones(3), 2, "relu", 1.0), "x"),
    (lambda: C.nonlinearity("nope"), "activation"),
])
def test_bad_input_raises_naming_the_argument(call, name):
    with pytest.raises(NumericError, match=rf"\b{name}\b"):
        call()


def test_tanh_without_bias_below_its_critical_sigma_w_forgets_the_signal():
    scales = C.depth_scales("tanh", 0.8, 0.0)
    assert scales["q_star"] == 0.0 and scales["phase"] == "ordered"
    assert scales["chi1"] == pytest.approx(0.64, rel=1e-12)   # χ₁ = σ_w²·φ'(0)² at q* = 0


def test_relu_at_its_gain_with_bias_has_no_variance_fixed_point():
    assert C.variance_fixed_point("relu", math.sqrt(2), 0.3) is None   # q grows by σ_b² per layer


def test_finite_width_correlation_is_one_correlation_per_network_and_reproducible():
    a = C.finite_width_correlation(np.random.default_rng(3), "tanh", 0.5, 1.0, 3, 1.3, 0.2, width=64, networks=5)
    b = C.finite_width_correlation(np.random.default_rng(3), "tanh", 0.5, 1.0, 3, 1.3, 0.2, width=64, networks=5)
    assert a.shape == (5,) and np.all(np.abs(a) <= 1) and np.array_equal(a, b)


def test_finite_width_correlation_refuses_a_correlation_above_one():
    with pytest.raises(NumericError, match=r"\bc0\b"):
        C.finite_width_correlation(0, "tanh", 1.5, 1.0, 2, 1.0)


def test_correlation_fixed_point_is_1_when_ordered_and_the_closed_form_root_when_chaotic():
    """χ₁ <= 1: c* = 1 exactly (C convex with C(1) = 1, C'(1) = χ₁). χ₁ > 1: for erf (Williams' closed form,
    no quadrature error) the bracket holds the 30-digit root of C(c) = c written here from the arcsine
    formula, and is a few ulps wide."""
    import mpmath

    assert C.correlation_fixed_point("tanh", C.variance_fixed_point("tanh", 1.2, 0.3), 1.2, 0.3) == (1.0, 1.0, 1.0)
    sigma_w, sigma_b = 2.0, 0.1
    q = C.variance_fixed_point("erf", sigma_w, sigma_b)
    c, low, high = C.correlation_fixed_point("erf", q, sigma_w, sigma_b)
    with mpmath.workdps(30):
        qm = mpmath.mpf(q)

        def gap(t):
            return (sigma_w**2 * 2 / mpmath.pi * mpmath.asin(2 * t * qm / (1 + 2 * qm)) + sigma_b**2) / qm - t
        root = mpmath.findroot(gap, (mpmath.mpf(low) - 1e-6, mpmath.mpf(high) + 1e-6), solver="anderson")
    assert 0 < root < 1 and low - 1e-15 <= root <= high + 1e-15 and high - low < 1e-13, (low, high, root)
