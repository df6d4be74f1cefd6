"""derive.gaussian_moments: moments of typed activations (exact, by symmetry, by the GELU lemma, or by
quadrature), against references written here with mpmath from the definitions; refusals of infinite moments.

The built-ins' moments at q = 1 are read from their derivations: tests/derive/test_gain.py checks those.
"""
import math

import mpmath
import pytest
import sympy as sp

from derive.catalogue import activation, builtin
from derive.gaussian_moments import check_growth, kurtosis_ratio, moment, moments
from derive.gelu_lemma import GELU_MOMENTS

REFERENCE_DPS = 30
RTOL = 1e-12
"""derive promises 12 significant digits for a quadrature moment."""


def expect(f, q=1):
    """E[f(z)], z ~ N(0, q), by mpmath at 30 digits."""
    with mpmath.workdps(REFERENCE_DPS):
        return mpmath.quad(lambda t: f(t) * mpmath.npdf(t, 0, mpmath.sqrt(q)), [-mpmath.inf, 0, mpmath.inf])


TYPED = [
    # text, φ, φ' (from the definitions), q
    ("tanh(x)", mpmath.tanh, lambda t: mpmath.sech(t) ** 2, 1),
    ("x/(1 + exp(-x))", lambda t: t / (1 + mpmath.exp(-t)),
     lambda t: 1 / (1 + mpmath.exp(-t)) + t * mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2, 1),
    ("where(x > 0, x, exp(x) - 1)", lambda t: t if t > 0 else mpmath.expm1(t),
     lambda t: 1 if t > 0 else mpmath.exp(t), 1),
    ("max(x, 0)", lambda t: max(t, 0), lambda t: 1 if t > 0 else 0, 3),
]


@pytest.mark.parametrize("text, phi, grad, q", TYPED, ids=[t for t, *_ in TYPED])
def test_typed_moments_match_independent_quadrature(text, phi, grad, q):
    m = moments(activation(text), q)
    references = {"mean": expect(phi, q), "second_moment": expect(lambda t: phi(t) ** 2, q),
                  "derivative_second_moment": expect(lambda t: grad(t) ** 2, q)}
    scale = math.sqrt(references["second_moment"])  # a mean near 0 is judged against the size of φ
    for kind, reference in references.items():
        got = getattr(m, kind)
        assert abs(float(got.value) - float(reference)) <= RTOL * max(abs(float(reference)), scale), (kind, got)


def test_typed_relu_is_exact():
    m = moments(activation("max(x, 0)"))
    assert m.exact and m.second_moment.value == sp.Rational(1, 2)
    assert m.mean.value == 1 / sp.sqrt(2 * sp.pi)


def test_quadrature_is_labelled_and_symmetry_is_exact():
    m = moments(activation("tanh(x)"))  # typed: computed here, not taken from the derivation
    assert m.mean.method == "symmetry" and m.mean.value == 0
    assert m.second_moment.method == "quadrature" and not m.second_moment.exact
    assert m.second_moment.error < 1e-13 * float(m.second_moment.value)
    assert moments(activation("1/(1 + exp(-x))")).mean.value == sp.Rational(1, 2)


def test_typed_gelu_takes_the_lemma():
    m = moments(activation("x*(1 + erf(x/sqrt(2)))/2"))
    assert m.second_moment.method == "lemma" and m.second_moment.value == GELU_MOMENTS["second_moment"]
    assert m.derivative_second_moment.value == GELU_MOMENTS["derivative_second_moment"]


def test_other_q_is_by_quadrature():
    m = moment(activation("max(x, 0)"), "second_moment", 2)
    assert m.method == "quadrature" and float(m.value) == pytest.approx(1, rel=1e-14)  # E[relu(√2 z)²] = 2/2


def test_kurtosis_ratio():
    assert kurtosis_ratio(builtin("linear")) == pytest.approx(3, rel=1e-12)
    assert kurtosis_ratio(builtin("relu")) == pytest.approx(6, rel=1e-12)  # E[z⁴]/2 ÷ (1/2)²


BAD = [
    # call, error, message
    (lambda: moment(builtin("tanh"), "variance"), ValueError, "moment must be one of mean, second_moment"),
    (lambda: moment(builtin("tanh"), "mean", -1), ValueError, "q must be a finite real number > 0, got -1"),
    (lambda: moments(builtin("tanh"), float("nan")), ValueError, "q must be a finite real number > 0, got nan"),
    (lambda: kurtosis_ratio(builtin("tanh"), 0), ValueError, "q must be finite and > 0, got 0"),
    (lambda: moments(activation("exp(x**2)")), ValueError, "is infinite"),
    (lambda: moments(activation("log(abs(x))")), ValueError, "blows up at z = 0"),
]


@pytest.mark.parametrize("call, error, message", BAD, ids=[m[:30] for _, _, m in BAD])
def test_bad_arguments_and_infinite_moments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


# issue 14: growth analysis before quadrature, absolute-or-relative acceptance, scales far from 1


@pytest.mark.parametrize("text, q", [("exp(exp(x))", 1), ("exp(x**2/4)", 1), ("exp(x**2/4)*x", 1),
                                     ("exp(x**2/8)", 2), ("exp(x**2/8)", 4)])
def test_growth_analysis_refuses_infinite_second_moments(text, q):
    with pytest.raises(ValueError, match="infinite"):
        check_growth(activation(text), q)


@pytest.mark.parametrize("text, q", [("exp(x**2/4)/(1 + x**2)", 1), ("exp(x**2/8)", 1.9), ("exp(x)**64", 1),
                                     ("tanh(x)*abs(x)", 0.1), ("sin(1e300*x)", 1)])
def test_growth_analysis_accepts_finite_ones_including_the_boundary(text, q):
    check_growth(activation(text), q)  # exp(x²/4)/(1+x²): φ²·weight ~ x^-4 at the boundary rate, finite


def test_the_mean_of_an_odd_function_is_zero_at_any_q():
    for q in (0.7, 2.5, 1000):
        m = moment(activation("tanh(x) + 0*x"), "mean", q)  # typed: by quadrature, not the built-in's proof
        assert m.value == 0 and m.error is not None  # exact 0 could never pass a relative test


@pytest.mark.parametrize("c", ["1e-12", "1e-9", "1e12"])
def test_tiny_and_huge_scales_keep_their_relative_accuracy(c):
    m = moment(activation(f"{c}*x"), "second_moment", 3)  # E[(c z)²] = 3c², z ~ N(0, 3)
    assert abs(mpmath.mpf(m.value) / (3 * mpmath.mpf(c) ** 2) - 1) < 1e-13


def test_a_moment_beyond_float64_is_computed_in_mpmath():
    m = moment(activation("exp(x)**64"), "second_moment", 1)  # E[e^(128 z)] = e^8192
    assert abs(mpmath.log(mpmath.mpf(sp.N(m.value, 30))) / 8192 - 1) < 1e-13
