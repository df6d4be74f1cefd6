"""numeric.activations against the lambdified derive expressions and against mpmath at the extremes; the
activation table against the papers' scalar definitions and centred differences."""
import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from derive import activations as D
from derive import registry
from numeric import NumericError
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


# ---------------------------------------------------------------- the activation table

DIFFERENCE_STEP = 1e-6
DIFFERENCE_RTOL = 1e-6
"""Centred differences with step 1e-6 are accurate to about 1e-9 for these smooth functions."""

KINKED = ("relu", "leaky_relu", "elu", "selu")
"""φ' jumps at 0 for these: centred differences straddling the kink average the two sides."""

REFERENCE = {
    "relu": lambda t: max(t, 0.0),
    "leaky_relu": lambda t: t if t > 0 else 0.01 * t,
    "elu": lambda t: t if t > 0 else math.expm1(t),
    "selu": lambda t: 1.0507009873554804934 * (t if t > 0 else 1.6732632423543772848 * math.expm1(t)),
    "gelu": lambda t: t * 0.5 * math.erfc(-t / math.sqrt(2)),
    "silu": lambda t: t / (1 + math.exp(-t)),
    "mish": lambda t: t * math.tanh(math.log1p(math.exp(t))),
    "softplus": lambda t: math.log1p(math.exp(t)),
    "tanh": math.tanh,
    "sigmoid": lambda t: 1 / (1 + math.exp(-t)),
    "log_sigmoid": lambda t: -math.log1p(math.exp(-t)),
    "linear": lambda t: t,
}
"""Scalar definitions from the papers (math module, SELU's constants from Klambauer et al. 2017, eq. 14), |t| <= 30."""

USED = {"relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus", "tanh", "sigmoid", "linear",
        "log_sigmoid"}
"""Every activation numeric.gain, numeric.linear, numeric.propagation and numeric.dynamics take by name."""


def test_the_table_holds_every_activation_in_use_and_nothing_else():
    assert set(N.ACTIVATIONS) == USED == set(REFERENCE)
    for name, record in N.ACTIVATIONS.items():
        assert record.name == name and record.torch.startswith("torch.nn.")
        assert N.activation(name) is record


def test_parameters_and_their_defaults():
    assert dict(N.ACTIVATIONS["leaky_relu"].parameters) == {"negative_slope": 0.01}
    assert dict(N.ACTIVATIONS["elu"].parameters) == {"alpha": 1.0}
    assert dict(N.ACTIVATIONS["selu"].parameters) == {"alpha": N.SELU_ALPHA, "scale": N.SELU_LAMBDA}
    assert all(not N.ACTIVATIONS[name].parameters for name in USED - {"leaky_relu", "elu", "selu"})
    record = N.activation("leaky_relu", negative_slope=0.2)
    assert dict(record.parameters) == {"negative_slope": 0.2}
    assert record.phi(np.array([-1.0]))[0] == -0.2 and record.grad(np.array([-1.0]))[0] == 0.2
    assert N.ACTIVATIONS["leaky_relu"].parameters["negative_slope"] == 0.01      # the table is unchanged
    assert N.activation("elu", alpha=2.0).phi(np.array([-1.0]))[0] == pytest.approx(2 * math.expm1(-1.0))
    assert repr(record) == "Activation('leaky_relu', negative_slope=0.2, torch='torch.nn.LeakyReLU')"


@pytest.mark.parametrize("name", sorted(USED))
@given(t=st.floats(-30, 30, allow_nan=False, allow_infinity=False))
@example(t=0.0)
@example(t=-1e-3)
def test_table_phi_matches_its_scalar_definition(name, t):
    phi = N.activation(name).phi
    assert float(phi(np.array([t]))[0]) == pytest.approx(REFERENCE[name](t), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name", sorted(USED))
@given(t=st.floats(-8, 8, allow_nan=False, allow_infinity=False))
@example(t=0.5)
def test_table_derivative_matches_centred_differences(name, t):
    if abs(t) < 10 * DIFFERENCE_STEP and name in KINKED:
        t = 0.5  # away from the kink, where the one-sided derivatives differ
    h = DIFFERENCE_STEP
    difference = (REFERENCE[name](t + h) - REFERENCE[name](t - h)) / (2 * h)
    grad = N.activation(name).grad
    assert float(grad(np.array([t]))[0]) == pytest.approx(difference, rel=DIFFERENCE_RTOL, abs=DIFFERENCE_RTOL)


def test_relu_derivative_at_the_kink_is_zero_as_in_pytorch():
    assert N.activation("relu").grad(np.array([0.0]))[0] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_table_functions_keep_the_dtype_and_never_overflow(dtype):
    x = np.array([-1e4, -800.0, -1.0, 0.0, 1.0, 800.0, 1e4] if dtype == np.float64 else [-1e4, -1.0, 0.0, 1e4],
                 dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is correct
        for record in N.ACTIVATIONS.values():
            for f in (record.phi, record.grad):
                y = f(x)
                assert y.dtype == dtype and y.shape == x.shape and np.all(np.isfinite(y)), record.name


def test_the_identity_returns_a_new_array():
    x = np.ones(3)
    y = N.activation("linear").phi(x)
    y[0] = 5.0
    assert x[0] == 1.0


def test_normal_cdf():
    x = np.array([-40.0, -3.0, -1.0, 0.0, 0.5, 2.0, 40.0])
    expected = [0.5 * math.erfc(-t / math.sqrt(2)) for t in x]
    np.testing.assert_allclose(N.normal_cdf(x), expected, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(N.normal_cdf(x) + N.normal_cdf(-x), 1.0, rtol=1e-15)


BAD_LOOKUPS = [
    # call, exception, words of the message
    (lambda: N.activation("swish"), NumericError, "activation must be one of ('relu', 'leaky_relu',"),
    (lambda: N.activation(["relu"]), NumericError, "got ['relu']"),              # unhashable: no TypeError leak
    (lambda: N.activation("ReLU"), NumericError, "got 'ReLU'"),                  # names are case-sensitive
    (lambda: N.activation("relu", negative_slope=0.1), TypeError, "does not take parameters ['negative_slope']"),
    (lambda: N.activation("leaky_relu", slope=0.1), ValueError, "(its parameters: negative_slope)"),
    (lambda: N.activation("elu", alpha=float("inf")), ValueError, "alpha (a parameter of elu) must be a finite real"),
    (lambda: N.activation("elu", alpha="1"), ValueError, "got '1'"),
    (lambda: N.activation("selu", scale=True), ValueError, "scale (a parameter of selu)"),  # a bool is no number
]


@pytest.mark.parametrize("call, error, words", BAD_LOOKUPS)
def test_bad_lookups_raise_one_line_naming_the_rule(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, NumericError) and words in str(info.value)
    assert "\n" not in str(info.value)
