"""Claims on activations (001 §Activation Functions): derivatives and stable evaluation.

Derivatives are checked by centred differences of the ``numeric`` functions against the ``derive``
closed forms, with a tolerance that is a proved error bound, not a guess: for a step h,

    |D_h f(x) - f'(x)| <= h²/6 · sup|f'''|                       (truncation, Taylor with remainder)
                        + (2·c·ε·max|f(x±h)| + sup|f'|·ε·|x-h|) / (2h)   (evaluation and argument rounding)
                        + 2·ε·|D_h f(x)| + c·ε·|f'(x)|              (the division, the closed form's evaluation)

with ε the unit roundoff of the dtype, c = ``EVAL_ULPS`` the accuracy of each function evaluation
(checked against mpmath by ``activation.stable``), and sup|f'|, sup|f'''| proved in ``derive``.
x + h is exact by construction (h is replaced by (x + h) - x).
"""
from __future__ import annotations

import warnings

import mpmath
import numpy as np
import sympy as sp

from derive import activations as D
from numeric import activations as N

from ..claim import Budget, Claim, Measurement

EVAL_ULPS = 4
"""Accuracy of one evaluation of a numeric activation, in units of its dtype's roundoff."""

POINTS = 4000
"""Random points per derivative check."""

SPAN = 30.0
"""Derivative checks draw x uniformly from [-SPAN, SPAN]."""

_SOURCE = "001 §Activation Functions"


def _lambdified(name: str):
    return sp.lambdify(D.x, D.CLOSED_FORMS[name], "numpy")


def _centred(f, x: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Centred differences of ``f`` at ``x`` and their proved error bound."""
    eps = np.finfo(x.dtype).eps / 2  # unit roundoff
    h = np.cbrt(eps) * np.maximum(1.0, np.abs(x))
    h = (x + h) - x  # now x + h is exact
    fp, fm = f(x + h), f(x - h)
    estimate = (fp - fm) / (2 * h)
    m1 = float(D.FIRST_DERIVATIVE_BOUND[name])
    m3 = float(D.THIRD_DERIVATIVE_BOUND[name])
    closed = _lambdified(name)(x)
    bound = (h**2 / 6 * m3
             + (2 * EVAL_ULPS * eps * np.maximum(np.abs(fp), np.abs(fm)) + m1 * eps * np.abs(x - h)) / (2 * h)
             + 2 * eps * np.abs(estimate) + EVAL_ULPS * eps * np.abs(closed))
    return estimate, bound


def _points(rng: np.random.Generator, n: int, keep_away: float = 0.0) -> np.ndarray:
    x = rng.uniform(-SPAN, SPAN, n)
    if keep_away:
        x = np.where(np.abs(x) < keep_away, np.sign(x + 0.5 * keep_away) * keep_away * 2, x)
    return x


def _measure_derivative(name: str, f):
    def measure(config, rng: np.random.Generator, budget: Budget) -> Measurement:
        if config.get("at") == "kink":
            # ReLU at 0: the value (a convention), and the one-sided differences around it.
            h = np.cbrt(np.finfo(np.float64).eps)
            zero = np.float64(0.0)
            left = (f(zero) - f(zero - h)) / h
            right = (f(zero + h) - f(zero)) / h
            values = np.array([N.relu_grad(zero), left, right])
            return Measurement(values, kind="exact", cases=3, at="kink",
                               note="[ReLU'(0), left difference, right difference]")
        n = budget.replicates(POINTS)
        x = _points(rng, n, keep_away=1e-3 if name == "relu" else 0.0)
        estimate, bound = _centred(f, x, name)
        return Measurement(estimate, bound, "bounded", n, at=x)

    return measure


def _closed(name: str):
    closed = _lambdified(name)

    def expected(config, at):
        if at == "kink" if isinstance(at, str) else False:
            # convention at 0, then the one-sided limits proved in derive
            return np.array([float(D.RELU_DERIVATIVE.subs(D.x, 0)), 0.0, 1.0])
        return closed(at)

    return expected


def _relu_control(config, at):
    if isinstance(at, str):  # the kink: 1[x >= 0] gives 1 at 0
        return np.array([1.0, 0.0, 1.0])
    return None  # away from 0, 1[x >= 0] and 1[x > 0] coincide: nothing to reject there


def _sigmoid_control(config, at):
    s = N.sigmoid(at)
    return s * (1 + s)


def _tanh_control(config, at):
    return 1 - np.tanh(at)


# ---------------------------------------------------------------------------------------------
# activation.stable: numeric against mpmath at 50 digits, including the subnormal windows.

STABLE_FUNCTIONS = ("sigmoid", "log_sigmoid", "softplus")
REFERENCE_DIGITS = 50
STABLE_POINTS = 200
"""Random points per function and dtype, besides the pinned extremes."""

_SUBNORMAL_WINDOW = {np.float64: (-745.0, -709.0), np.float32: (-103.0, -88.0)}


def _mp_reference(name: str, x: float) -> mpmath.mpf:
    t = mpmath.mpf(x)
    if name == "sigmoid":
        return 1 / (1 + mpmath.exp(-t))
    if name == "log_sigmoid":
        return -mpmath.log1p(mpmath.exp(-t))
    return mpmath.log1p(mpmath.exp(t))


def _stable_points(rng: np.random.Generator, dtype, n: int) -> np.ndarray:
    lo, hi = _SUBNORMAL_WINDOW[dtype]
    pinned = [0.0, 1e4, -1e4, 1e3, -1e3, 40.0, -40.0, 1e-8, -1e-8, lo + 1, hi - 1]
    parts = [pinned, rng.uniform(lo, hi, n), rng.uniform(-hi, -lo, n // 4), 20 * rng.standard_normal(n)]
    return np.concatenate(parts).astype(dtype)


def _measure_stable(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    dtype = np.dtype(config["dtype"]).type
    x = _stable_points(rng, dtype, budget.replicates(STABLE_POINTS))
    with mpmath.workdps(REFERENCE_DIGITS):
        reference = np.array([float(_mp_reference(config["function"], float(v))) for v in x])
    # error allowed: EVAL_ULPS ulp of the dtype at the reference, plus ½ ulp for rounding the reference
    ulp = np.spacing(np.abs(reference).astype(dtype)).astype(np.float64)
    ulp = np.maximum(ulp, float(np.finfo(dtype).smallest_subnormal))
    return Measurement(reference, (EVAL_ULPS + 0.5) * ulp, "bounded", x.size, at=x,
                       note="estimate = mpmath reference; closed form = numeric value (warnings as errors)")


def _stable_expected(config, at):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return getattr(N, config["function"])(at).astype(np.float64)


def _stable_control(config, at):
    with np.errstate(all="ignore"):
        if config["function"] == "sigmoid":
            return (1 / (1 + np.exp(-at))).astype(np.float64)
        if config["function"] == "log_sigmoid":
            return np.log(1 / (1 + np.exp(-at))).astype(np.float64)
        return np.log(1 + np.exp(at)).astype(np.float64)


CLAIMS = [
    Claim(
        id="activation.relu.derivative",
        title="ReLU'(x) = 1[x>0]; the value 0 at the kink is a convention inside the subdifferential [0, 1]",
        source=_SOURCE,
        formula="1[x > 0]",
        expected=_closed("relu"),
        measure=_measure_derivative("relu", N.relu),
        control=_relu_control,
        control_formula="1[x >= 0]",
        configs=({"at": "random", "dtype": "float64"}, {"at": "kink", "dtype": "float64"}),
    ),
    Claim(
        id="activation.sigmoid.derivative",
        title="σ'(x) = σ(x)(1 - σ(x))",
        source=_SOURCE,
        formula="σ(x)(1 - σ(x))",
        expected=_closed("sigmoid"),
        measure=_measure_derivative("sigmoid", N.sigmoid),
        control=_sigmoid_control,
        control_formula="σ(x)(1 + σ(x))",
        configs=({"dtype": "float64", "span": SPAN},),
    ),
    Claim(
        id="activation.tanh.derivative",
        title="tanh'(x) = 1 - tanh²(x)",
        source=_SOURCE,
        formula="1 - tanh²(x)",
        expected=_closed("tanh"),
        measure=_measure_derivative("tanh", N.tanh),
        control=_tanh_control,
        control_formula="1 - tanh(x)",
        configs=({"dtype": "float64", "span": SPAN},),
    ),
    Claim(
        id="activation.stable",
        title="sigmoid, log-sigmoid and softplus are finite, warning-free and within 4 ulp for any finite input",
        source=_SOURCE,
        formula="mpmath at 50 digits, ±4 ulp",
        expected=_stable_expected,
        measure=_measure_stable,
        control=_stable_control,
        control_formula="naive log(1/(1+exp(-x))), 1/(1+exp(-x)), log(1+exp(x))",
        configs=tuple({"function": f, "dtype": d} for d in ("float64", "float32") for f in STABLE_FUNCTIONS),
    ),
]
