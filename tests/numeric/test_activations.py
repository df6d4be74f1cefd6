"""numeric.activations against the lambdified derive expressions and against mpmath at the extremes."""
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from derive import activations as D
from derive import registry
from numeric import activations as N

ULPS = 4
"""Accuracy promised for every function, in ulp of the result (subnormal spacing below the normal range)."""

# the lambdified textbook expressions overflow beyond |x| ≈ 700 in float64; compare there with mpmath
TEXTBOOK_RANGE = 30.0
FUNCTIONS = ["sigmoid", "softplus", "log_sigmoid", "tanh"]
DERIVATIVES = {"sigmoid_grad": "sigmoid", "tanh_grad": "tanh"}


def lambdified(expr):
    """The derive expression evaluated by mpmath (in floats it would overflow or cancel).

    Forms such as 1 - tanh²(x) cancel about 0.87|x| digits, and e^x - e^-x about -log10|x| digits near
    0, so the working precision grows with both.
    """
    f = sp.lambdify(D.x, expr, "mpmath")

    def at(x):
        tiny = -np.log10(abs(x)) if 0 < abs(x) < 1 else 0.0
        with mpmath.workdps(40 + int(0.9 * abs(x)) + int(tiny)):
            return f(mpmath.mpf(float(x)))

    return at


def mp_reference(name, x):
    t = mpmath.mpf(float(x))
    return {
        "sigmoid": lambda: 1 / (1 + mpmath.exp(-t)),
        "softplus": lambda: mpmath.log1p(mpmath.exp(t)),
        "log_sigmoid": lambda: -mpmath.log1p(mpmath.exp(-t)),
        "tanh": lambda: mpmath.tanh(t),
        "sigmoid_grad": lambda: mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2,
        "tanh_grad": lambda: 1 / mpmath.cosh(t) ** 2,
    }[name]()


def ulp_error(value, reference, dtype):
    ref = dtype(float(reference))
    spacing = max(float(np.spacing(np.abs(ref))), float(np.finfo(dtype).smallest_subnormal))
    return float(abs(mpmath.mpf(float(value)) - reference)) / spacing


finite = st.floats(-TEXTBOOK_RANGE, TEXTBOOK_RANGE, allow_nan=False, allow_infinity=False)
anywhere = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("name", FUNCTIONS)
@given(x=anywhere)
@example(x=0.0)
@example(x=1e4)
@example(x=-1e4)
@example(x=-720.0)
@example(x=5e-324)
def test_functions_agree_with_the_derive_expressions(name, x):
    got = getattr(N, name)(np.float64(x))
    assert ulp_error(got, lambdified(D.FUNCTIONS[name])(x), np.float64) <= ULPS


@pytest.mark.parametrize("name, base", sorted(DERIVATIVES.items()))
@given(x=anywhere)
@example(x=0.0)
@example(x=1e4)
@example(x=-745.0)
def test_derivatives_agree_with_the_derived_closed_forms(name, base, x):
    got = getattr(N, name)(np.float64(x))
    closed = registry.get(f"activation.{base}.derivative").closed_form(D.DERIVATIVE[base])
    assert ulp_error(got, lambdified(closed)(x), np.float64) <= ULPS


@pytest.mark.parametrize("name", FUNCTIONS + sorted(DERIVATIVES))
@given(x=st.floats(-TEXTBOOK_RANGE, TEXTBOOK_RANGE, allow_nan=False, width=32))
def test_float32_inputs_stay_float32_and_accurate(name, x):
    got = getattr(N, name)(np.float32(x))
    assert got.dtype == np.float32
    with mpmath.workdps(50):
        assert ulp_error(got, mp_reference(name, x), np.float32) <= ULPS


EXTREMES = {
    np.float64: [1e4, -1e4, -720.0, -744.0, -709.5, 700.0, 1e-300, -1e-300, 5e-324, 0.0, 36.0, -36.0],
    np.float32: [1e4, -1e4, -95.0, -102.5, -88.5, 80.0, 1e-30, -1e-30, 1e-45, 0.0, 17.0, -17.0],
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", FUNCTIONS + sorted(DERIVATIVES))
def test_extremes_against_mpmath_within_a_few_ulp_and_without_warnings(name, dtype):
    x = np.array(EXTREMES[dtype], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            got = getattr(N, name)(x)
    assert got.dtype == dtype and np.all(np.isfinite(got))
    with mpmath.workdps(50):
        errors = [ulp_error(g, mp_reference(name, xi), dtype) for g, xi in zip(got, x)]
    assert max(errors) <= ULPS, dict(zip(x.tolist(), errors))


@given(x=st.floats(-745, -709, allow_nan=False))
def test_sigmoid_in_the_float64_subnormal_window(x):
    got = N.sigmoid(np.float64(x))
    with mpmath.workdps(50):
        assert ulp_error(got, mp_reference("sigmoid", x), np.float64) <= ULPS
    assert got > 0 or x < -744.4  # below e^-744.4 the true value rounds to 0


def test_relu_and_its_gradient_at_the_kink():
    assert N.relu(0.0) == 0.0
    assert N.relu_grad(0.0) == 0.0
    assert N.relu_grad(np.array([-1.0, 0.0, 1e-300])).tolist() == [0.0, 0.0, 1.0]


def test_integers_become_float64_and_shapes_are_kept():
    out = N.sigmoid(np.arange(6).reshape(2, 3))
    assert out.shape == (2, 3) and out.dtype == np.float64


def test_non_numeric_input_is_refused():
    with pytest.raises(TypeError, match="dtype"):
        N.sigmoid(np.array(["a"]))
