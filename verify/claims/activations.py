"""Claims on activations (001 §Activation Functions): derivatives, stable evaluation, and ReLU's moments
(§Kaiming Initialization: the halving E[ReLU(z)²] = E[z²]/2 that the init and propagation derivations cite).

Derivatives are checked by centred differences of the ``numeric`` functions against the ``derive``
closed forms, with a tolerance that is a proved error bound, not a guess: for a step h,

    |D_h f(x) - f'(x)| <= h²/6 · sup|f'''|                       (truncation, Taylor with remainder)
                        + (2·c·ε·max|f(x±h)| + sup|f'|·ε·|x-h|) / (2h)   (evaluation and argument rounding)
                        + 2·ε·|D_h f(x)| + c·ε·sup|f'|               (the division, the closed form's evaluation)

with ε the unit roundoff of the dtype, c = ``EVAL_ULPS`` the accuracy of each function evaluation
(checked against mpmath by ``activation.stable``), and sup|f'|, sup|f'''| read from the conclusion of
the derivative's derivation. x + h is exact by construction (h is replaced by (x + h) - x).
"""
from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import sympy as sp

from derive import activations as D
from derive import registry
from numeric import activations as N

from ..claim import Budget, Claim, Measurement
from ..closed import linked
from ..mc import stream

EVAL_ULPS = 4
"""Accuracy of one evaluation of a numeric activation, in units of its dtype's roundoff."""

POINTS = 4000
"""Random points per derivative check."""

SPAN = 30.0
"""Derivative checks draw x uniformly from [-SPAN, SPAN]."""

_SOURCE = "001 §Activation Functions"


def derivative_bounds(name: str) -> tuple[float, float]:
    """(sup|f'|, sup|f'''|) from the conclusion of activation.<name>.derivative: the two-sided bounds it
    concludes on f' and on f''' (ReLU: 1 and 0, its slopes away from the kink, also concluded there)."""
    derivation = registry.get(f"activation.{name}.derivative")
    if name == "relu":
        derivatives = [(p.lhs.derivative_count, derivation.unfold(p.rhs)) for p in derivation.results
                       if isinstance(p, sp.Equality) and isinstance(p.lhs, sp.Derivative)]
        slopes = [abs(float(v)) for order, v in derivatives if order == 1]
        third = [abs(float(v)) for order, v in derivatives if order == 3]
        return max(slopes), max(third)
    out = []
    for lhs in (D.DERIVATIVE[name], D.THIRD[name]):
        ends = [p.rhs for p in derivation.results if isinstance(p, (sp.LessThan, sp.GreaterThan)) and p.lhs == lhs]
        if len(ends) != 2:
            raise ValueError(f"activation.{name}.derivative concludes no two-sided bound on {lhs}")
        out.append(max(abs(float(e)) for e in ends))
    return out[0], out[1]


def _centred(f, x: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Centred differences of ``f`` at ``x`` and their proved error bound."""
    eps = np.finfo(x.dtype).eps / 2  # unit roundoff
    h = np.cbrt(eps) * np.maximum(1.0, np.abs(x))
    h = (x + h) - x  # now x + h is exact
    fp, fm = f(x + h), f(x - h)
    estimate = (fp - fm) / (2 * h)
    m1, m3 = derivative_bounds(name)
    bound = (h**2 / 6 * m3
             + (2 * EVAL_ULPS * eps * np.maximum(np.abs(fp), np.abs(fm)) + m1 * eps * np.abs(x - h)) / (2 * h)
             + 2 * eps * np.abs(estimate) + EVAL_ULPS * eps * m1)
    return estimate, bound


def _points(rng: np.random.Generator, n: int, keep_away: float = 0.0) -> np.ndarray:
    x = rng.uniform(-SPAN, SPAN, n)
    if keep_away:
        x = np.where(np.abs(x) < keep_away, np.sign(x + 0.5 * keep_away) * keep_away * 2, x)
    return x


KINK_STEP = float(np.cbrt(np.finfo(np.float64).eps))
"""The one-sided differences at ReLU's kink step this far: they are ReLU' at -h and at h."""


def _measure_derivative(name: str, f):
    """Centred differences of ``f`` at random points of [-SPAN, SPAN] (kept away from ReLU's kink)."""
    def measure(config, rng: np.random.Generator, budget: Budget) -> Measurement:
        n = budget.replicates(POINTS)
        x = _points(rng, n, keep_away=1e-3 if name == "relu" else 0.0)
        estimate, bound = _centred(f, x, name)
        return Measurement(estimate, bound, "bounded", n, points=x)

    return measure


_measure_relu_away = _measure_derivative("relu", N.relu)


def _measure_relu_derivative(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """``at``: "random" points away from 0, or the "kink": the value there (a convention) and the one-sided
    differences, which are ReLU' just left and right of 0 (x = -h and x = h)."""
    if config["at"] != "kink":
        return _measure_relu_away(config, rng, budget)
    h, zero = KINK_STEP, np.float64(0.0)
    values = np.array([N.relu_grad(zero), (N.relu(zero) - N.relu(zero - h)) / h, (N.relu(zero + h) - N.relu(zero)) / h])
    return Measurement(values, kind="exact", cases=3, points=np.array([0.0, -h, h]),
                       note="[ReLU'(0), left difference, right difference]")


def _relu_control(config, points, form):
    if config["at"] == "kink":   # 1[x >= 0] gives 1 at 0
        return form.control(D.ReLU_prime(D.x), x=points)
    return None  # away from 0, 1[x >= 0] and 1[x > 0] coincide: nothing to reject there


def _derivative(name: str):
    return linked(lambda config, points, form: form(D.DERIVATIVE[name], x=points), shows=D.DERIVATIVE[name])


def _derivative_control(name: str):
    return linked(lambda config, points, form: form.control(D.DERIVATIVE[name], x=points), shows=D.DERIVATIVE[name])


# ---------------------------------------------------------------------------------------------
# activation.stable: numeric against mpmath at 50 digits, including the subnormal windows.

STABLE_FUNCTIONS = ("sigmoid", "log_sigmoid", "softplus")
REFERENCE_DIGITS = 50
STABLE_POINTS = 200
"""Random points per function and dtype, besides the pinned extremes."""

_SUBNORMAL_WINDOW = {np.float64: (-745.0, -709.0), np.float32: (-103.0, -88.0)}


def _stable_points(rng: np.random.Generator, dtype, n: int) -> np.ndarray:
    lo, hi = _SUBNORMAL_WINDOW[dtype]
    pinned = [0.0, 1e4, -1e4, 1e3, -1e3, 40.0, -40.0, 1e-8, -1e-8, lo + 1, hi - 1]
    parts = [pinned, rng.uniform(lo, hi, n), rng.uniform(-hi, -lo, n // 4), 20 * rng.standard_normal(n)]
    return np.concatenate(parts).astype(dtype)


def _measure_stable(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """numeric's value (warnings as errors), with the allowed error: EVAL_ULPS ulp of the dtype at the
    value plus ½ ulp for rounding the reference."""
    dtype = np.dtype(config["dtype"]).type
    x = _stable_points(rng, dtype, budget.replicates(STABLE_POINTS))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value = getattr(N, config["function"])(x).astype(np.float64)
    ulp = np.spacing(np.abs(value).astype(dtype)).astype(np.float64)
    ulp = np.maximum(ulp, float(np.finfo(dtype).smallest_subnormal))
    return Measurement(value, (EVAL_ULPS + 0.5) * ulp, "bounded", x.size, points=x.astype(np.float64),
                       note="numeric's value against the textbook formula evaluated by mpmath at 50 digits")


def _stable_expected(config, points, form):
    """The textbook formula by mpmath, with enough digits that 1 + e^x keeps e^x's 50 significant digits."""
    out = []
    for v in points:
        with mpmath.workdps(REFERENCE_DIGITS + int(abs(v) / 2.3)):
            out.append(float(form.mpmath(D.STABLE[config["function"]], x=float(v))))
    return np.array(out)


def _stable_control(config, points, form):
    with np.errstate(all="ignore"):   # the textbook formula evaluated as written, in the dtype
        return form.control(D.STABLE[config["function"]], x=points.astype(np.dtype(config["dtype"])))


# ---------------------------------------------------------------------------------------------
# activation.relu.moments: E[ReLU(z)²] for a Gaussian and a uniform z; the Gaussian mean and variance.

def _measure_relu_moments(config, rng: np.random.Generator, budget: Budget) -> Measurement:
    """``z``: "gaussian" (N(0, q): [E[ReLU²], E[ReLU], Var(ReLU)]) or "uniform" (E[z²] = q: [E[ReLU²]])."""
    q = config["q"]

    def draw(r, k):
        if config["z"] == "gaussian":
            z = math.sqrt(q) * r.standard_normal((k, 2))
        else:                                     # symmetric, not Gaussian: uniform with E[z²] = q
            z = r.uniform(-math.sqrt(3 * q), math.sqrt(3 * q), (k, 2))
        h = N.relu(z)
        stats = [h[:, 0] ** 2]
        if config["z"] == "gaussian":
            stats += [h[:, 0], (h[:, 0] - h[:, 1]) ** 2 / 2]        # E[(h1-h2)²/2] = Var(h), h1 ⟂ h2
        return np.stack(stats, axis=1)
    return Measurement.from_accumulator(stream(draw, budget.replicates(40_000), rng),
                                        note="[E[ReLU²], E[ReLU], Var(ReLU)] (pairs for the variance)")


def _moments_expected(config, points, form):
    second = form(D.RELU_SECOND, q=config["q"])
    if config["z"] != "gaussian":
        return np.array([second])
    return np.array([second, form(D.RELU_MEAN, q=config["q"]), form(D.RELU_VARIANCE, q=config["q"])])


def _moments_control(config, points, form):
    if config["z"] != "gaussian":
        return np.array([form.control(D.RELU_SECOND, q=config["q"])])   # the ReLU's halving forgotten
    return np.array([form(D.RELU_SECOND, q=config["q"]), form(D.RELU_MEAN, q=config["q"]),
                     form.control(D.RELU_VARIANCE, q=config["q"])])


CLAIMS = [
    Claim(
        id="activation.relu.derivative",
        title="ReLU'(x) = 1[x>0]; the value 0 at the kink is a convention inside the subdifferential [0, 1]",
        source=_SOURCE,
        expected=linked(lambda config, points, form: form.defined(D.ReLU_prime(D.x), x=points), shows=D.ReLU_prime(D.x)),
        measure=_measure_relu_derivative,
        control=linked(_relu_control, shows=D.ReLU_prime(D.x)),
        configs=({"at": "random"}, {"at": "kink"}),
    ),
    Claim(
        id="activation.sigmoid.derivative",
        title="σ'(x) = σ(x)(1 - σ(x))",
        source=_SOURCE,
        expected=_derivative("sigmoid"),
        measure=_measure_derivative("sigmoid", N.sigmoid),
        control=_derivative_control("sigmoid"),
    ),
    Claim(
        id="activation.tanh.derivative",
        title="tanh'(x) = 1 - tanh²(x)",
        source=_SOURCE,
        expected=_derivative("tanh"),
        measure=_measure_derivative("tanh", N.tanh),
        control=_derivative_control("tanh"),
    ),
    Claim(
        id="activation.stable",
        title="sigmoid, log-sigmoid and softplus are finite, warning-free and within 4 ulp for any finite input",
        source=_SOURCE,
        expected=linked(_stable_expected, shows=tuple(D.STABLE.values())),
        measure=_measure_stable,
        control=linked(_stable_control, shows=tuple(D.STABLE.values())),
        configs=tuple({"function": f, "dtype": d} for d in ("float64", "float32") for f in STABLE_FUNCTIONS),
    ),
    Claim(
        id="activation.relu.moments",
        sample_size="power",
        title="E[ReLU(z)²] = E[z²]/2 for symmetric z; for N(0, q): mean √(q/(2π)), variance q(1/2 - 1/(2π))",
        source="001 §Kaiming Initialization",
        expected=linked(_moments_expected, (D.RELU_SECOND, D.RELU_MEAN, D.RELU_VARIANCE)),
        control=linked(_moments_control, D.RELU_VARIANCE),
        measure=_measure_relu_moments,
        configs=({"z": "gaussian", "q": 1.0}, {"z": "gaussian", "q": 4.0}, {"z": "uniform", "q": 2.0}),
    ),
]
