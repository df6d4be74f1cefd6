"""derive.meanfield: variance map, fixed points, χ₁, the critical σ_w and the iterates, against closed forms
and references written here with mpmath from the definitions."""
import mpmath
import pytest
import sympy as sp

from derive.catalogue import builtin
from derive.gain import forward_gain
from derive.meanfield import chi1, critical_sigma_w, fixed_point, variance_iterates, variance_map

REFERENCE_DPS = 20


def tanh_expect(f, q=1):
    """E[f(tanh(√q z))], with f of tanh, by mpmath (a reference written here, not derive's quadrature)."""
    with mpmath.workdps(REFERENCE_DPS):
        return mpmath.quad(lambda t: f(mpmath.tanh(t)) * mpmath.npdf(t, 0, mpmath.sqrt(q)),
                           [-mpmath.inf, 0, mpmath.inf])


def test_relu_fixed_point_with_bias_has_its_closed_form():
    sigma_w, sigma_b = 1.2, 0.1
    fp = fixed_point(builtin("relu"), sigma_w, sigma_b)
    assert fp.kind == "attracting"
    assert fp.q == pytest.approx(sigma_b**2 / (1 - sigma_w**2 / 2), rel=1e-12)
    assert fp.slope == pytest.approx(sigma_w**2 / 2, rel=1e-6)


def test_variance_map_of_relu_halves_the_second_moment():
    assert float(variance_map(builtin("relu"), 3, 2, 0.5)) == pytest.approx(4 * 3 / 2 + 0.25, rel=1e-13)


def test_fixed_point_kinds():
    relu, tanh = builtin("relu"), builtin("tanh")
    assert fixed_point(relu, 2**0.5, 0).kind == "neutral"
    assert fixed_point(relu, 1.5, 0).kind == "diverges"
    assert fixed_point(tanh, 0.9, 0).kind == "zero"
    silu = builtin("silu")
    assert fixed_point(silu, float(sp.N(forward_gain(silu), 20)), 0).kind == "unstable"


def test_tanh_chi1_at_the_derived_gain_and_at_pytorchs():
    tanh = builtin("tanh")
    g = float(sp.N(forward_gain(tanh), 20))
    fp = fixed_point(tanh, g, 0)
    assert fp.q == pytest.approx(1, abs=1e-12) and fp.kind == "attracting"
    chi = chi1(tanh, g, fp.q)
    assert chi == pytest.approx(float(g**2 * tanh_expect(lambda s: (1 - s**2) ** 2)), rel=1e-10)
    assert round(float(chi), 2) == 1.18
    s = 5 / 3
    with mpmath.workdps(REFERENCE_DPS):
        q_star = mpmath.findroot(lambda q: s**2 * tanh_expect(lambda v: v**2, q) - q, 1.2)
    fp = fixed_point(tanh, s, 0)
    assert fp.q == pytest.approx(float(q_star), rel=1e-10)
    assert round(float(chi1(tanh, s, fp.q)), 2) == 1.21


def test_chi1_at_zero_is_the_one_sided_limit():
    assert chi1(builtin("relu"), 1.0, 0) == pytest.approx(0.5)
    assert chi1(builtin("tanh"), 0.9, 0) == pytest.approx(0.81)


@pytest.mark.parametrize("name, critical", [("tanh", 1), ("relu", sp.sqrt(2)), ("gelu", 2), ("silu", 2),
                                            ("mish", sp.Rational(5, 3)), ("linear", 1), ("softplus", None)])
def test_critical_sigma_w(name, critical):
    got = critical_sigma_w(builtin(name))
    assert got is None if critical is None else got.exact and sp.simplify(got.value - critical) == 0


def test_critical_sigma_w_when_phi_of_0_is_not_0():
    """sigmoid: the σ_w found along the σ_b = 0 fixed points gives χ₁ = 1 at the fixed point the
    iteration from q = 1 reaches (found by a different route, fixed_point)."""
    sigmoid = builtin("sigmoid")
    found = critical_sigma_w(sigmoid)
    assert not found.exact and found.low < float(found.value) < found.high
    sigma_w = float(found)
    fp = fixed_point(sigmoid, sigma_w, 0, 1)
    assert fp.kind == "attracting"
    assert float(chi1(sigmoid, sigma_w, fp.q)) == pytest.approx(1, abs=1e-9)
    assert float(chi1(sigmoid, 0.9 * sigma_w, fixed_point(sigmoid, 0.9 * sigma_w, 0, 1).q)) < 1


def test_variance_iterates_reach_the_fixed_point():
    tanh = builtin("tanh")
    q = variance_iterates(tanh, 1.5, 0.3, 1, 20)
    assert len(q) == 20
    assert float(q[1]) == pytest.approx(float(variance_map(tanh, q[0], 1.5, 0.3)), rel=1e-13)
    assert float(q[-1]) == pytest.approx(fixed_point(tanh, 1.5, 0.3).q, rel=1e-6)  # slope 0.42: 0.42^20 < 1e-7


BAD = [
    # call, error, message
    (lambda: fixed_point(builtin("tanh"), -1, 0), ValueError, "sigma_w must be finite and >= 0, got -1"),
    (lambda: variance_map(builtin("tanh"), 1, 1, "big"), TypeError, "sigma_b must be a real number"),
    (lambda: variance_map(builtin("tanh"), 0, 1), ValueError, "q must be finite and > 0, got 0"),
    (lambda: variance_iterates(builtin("tanh"), 1, 0, 1, 0), ValueError, "depth must be an integer >= 1, got 0"),
]


@pytest.mark.parametrize("call, error, message", BAD, ids=[m[:30] for _, _, m in BAD])
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


# issue 14: the exact critical case, fixed points to the accuracy of the quadrature, no ceiling on iterates
def test_tanh_at_sigma_w_1_without_bias_is_exactly_critical():
    fixed = fixed_point(builtin("tanh"), 1, 0, 1)
    assert (fixed.q, fixed.kind, fixed.error) == (0.0, "critical", 0.0)  # was q* = 1.8e-9 "attracting"
    assert chi1(builtin("tanh"), 1, 0) == 1


def test_tanh_just_off_critical_is_not_called_critical():
    assert fixed_point(builtin("tanh"), 1.01, 0, 1).kind == "attracting"


def test_a_fixed_point_comes_with_its_error_bound_and_meets_it():
    fixed = fixed_point(builtin("sigmoid"), 1.5, 0.1, 1)
    with mpmath.workdps(30):  # the 30-digit root of V(q) = q, from a quadrature written here
        def V(q):
            f = lambda t: (1 / (1 + mpmath.exp(-t))) ** 2 * mpmath.npdf(t, 0, mpmath.sqrt(q))  # noqa: E731
            return mpmath.mpf("2.25") * mpmath.quad(f, [-mpmath.inf, 0, mpmath.inf]) + mpmath.mpf("0.01")
        root = mpmath.findroot(lambda q: V(q) - q, fixed.q)
    assert fixed.error < 1e-12
    assert abs(fixed.q - root) / root <= fixed.error


def test_homogeneous_iterates_have_no_ceiling():
    qs = variance_iterates(builtin("relu"), 2, 0, 1, 100)
    assert abs(qs[-1] / mpmath.mpf(2) ** 100 - 1) < 1e-14  # σ_w²/2 = 2 per layer; the old loop stopped at 1e12
    qs = variance_iterates(builtin("relu"), 2, 1, 1, 3)  # q_l = 2 q_{l-1} + 1
    assert [float(q) for q in qs] == [3.0, 7.0, 15.0]


@pytest.mark.parametrize("name, word", [("tanh", "attracts"), ("gelu", "repels"), ("silu", "repels")])
def test_the_critical_sigma_w_says_whether_q_star_zero_pulls_signals_in(name, word):
    """At σ_w = 1/|φ'(0)|, χ₁ = 1 at q* = 0 and the second order decides: tanh pulls a small q down
    (V(q) < q), GELU and SiLU push it up, so their 'critical' σ_w is critical only at q = 0."""
    found = critical_sigma_w(builtin(name))
    assert word in found.how
    q = 1e-3
    v = float(variance_map(builtin(name), q, float(found.value)))
    assert (v < q) == (word == "attracts")  # the stated direction, recomputed from the map itself
