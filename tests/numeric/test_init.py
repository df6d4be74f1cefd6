"""numeric.init: fans, gains, and the initializers' distributions (bounds exactly, moments by z·se)."""
import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from numeric import init
from verify.strategies import grouped_weight_shapes

FALSE_ALARM = 1e-6                                   # two-sided, per statistical assertion
Z = NormalDist().inv_cdf(1 - FALSE_ALARM / 2)        # ≈ 4.89
SAMPLE_SHAPE = (400, 250)                            # 100,000 weights per moment test
MAX_SAMPLES = 200_000                                # for the max-reaches-the-bound test
# P(max|U(-b,b)| of N draws < b(1-eps)) = (1-eps)^N; eps = 20/N makes it e^-20.
BOUND_REACH = 20 / MAX_SAMPLES


# ---- fans ----------------------------------------------------------------------------------------

def connections(shape, groups=1):
    """Oracle: fan_in = weights feeding one output channel; fan_out = weights leaving one input channel."""
    w = np.empty(shape)
    return w[0].size, w[: shape[0] // groups, 0].size


FAN_CASES = [
    # shape, groups, (fan_in, fan_out)
    ((3, 5), 1, (5, 3)),                       # dense: (n_out, n_in)
    ((8, 6, 5, 5), 1, (150, 200)),             # 000 Q2.1: 8 filters 5×5×6
    ((16, 3, 3, 3), 1, (27, 144)),
    ((32, 4, 3, 1), 8, (12, 12)),              # grouped: weight (out, in/groups, kh, kw)
    ((6, 1, 7), 6, (7, 7)),                    # depthwise 1-D
    ((4, 2, 2, 2, 2), 2, (16, 16)),            # 3-D kernel, grouped
]


@pytest.mark.parametrize("shape, groups, expected", FAN_CASES)
def test_fans_table(shape, groups, expected):
    assert init.fans(shape, groups) == expected == connections(shape, groups)


@given(grouped_weight_shapes())
@example(((1, 1), 1))
def test_fans_count_connections(case):
    shape, groups = case
    assert init.fans(shape, groups) == connections(shape, groups)


def test_fans_groups_one_is_pytorch_fan_out_for_any_groups():
    shape = (12, 2, 3, 3)
    assert init.fans(shape)[1] == 12 * 9
    assert init.fans(shape, groups=3)[1] == 4 * 9
    assert init.fans(shape)[0] == init.fans(shape, groups=3)[0]


BAD_FANS = [
    ((), ValueError, "at least 2 dimensions"),          # fans(()) of the issue
    ((3,), ValueError, "at least 2 dimensions"),        # a bias has no fan_in/fan_out
    (3, ValueError, "at least 2 dimensions"),
    ((3, -1), ValueError, ">= 0"),                      # negative width
    ((3, 2.5), TypeError, "integers"),
    ("ab", TypeError, "integers"),
]


@pytest.mark.parametrize("shape, error, rule", BAD_FANS)
def test_fans_rejects(shape, error, rule):
    with pytest.raises(error, match="shape") as info:
        init.fans(shape)
    assert rule in str(info.value)


@pytest.mark.parametrize("shape, groups, rule", [((4, 2), 0, ">= 1"), ((4, 2), 3, "divide")])
def test_fans_rejects_groups(shape, groups, rule):
    with pytest.raises(ValueError, match="groups") as info:
        init.fans(shape, groups)
    assert rule in str(info.value)


# ---- gains ---------------------------------------------------------------------------------------

def second_moment_factor(slope):
    """E[φ(z)²]/E[z²] for leaky ReLU with negative slope a and symmetric z: (1 + a²)/2 (He et al. 2015, eq. 14)."""
    return (1 + slope**2) / 2


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2, 1.0, -0.5, 3])
def test_leaky_relu_gain_restores_second_moment(slope):
    assert init.calculate_gain("leaky_relu", slope) ** 2 * second_moment_factor(slope) == pytest.approx(1, rel=1e-15)


def test_gain_relations():
    assert init.calculate_gain("leaky_relu", 0) == init.calculate_gain("relu")
    assert init.calculate_gain("leaky_relu") == init.calculate_gain("leaky_relu", init.LEAKY_RELU_DEFAULT_SLOPE)
    assert init.calculate_gain("leaky_relu", 1.0) == 1.0                     # slope 1 is the identity
    linear = {name: init.calculate_gain(name) for name in init._LINEAR_NAMES}
    assert set(linear.values()) == {1.0}
    assert init.calculate_gain("relu", param=7) == init.calculate_gain("relu")   # param only for leaky_relu


BAD_GAINS = [
    (("nope",), ValueError, "nonlinearity must be one of"),
    (("ReLU",), ValueError, "nonlinearity must be one of"),       # names are functional names, case-sensitive
    ((None,), TypeError, "nonlinearity must be one of"),           # a NumericError is a TypeError too
    (("leaky_relu", "0.1"), ValueError, "negative slope"),
    (("leaky_relu", True), ValueError, "negative slope"),          # a bool is not a slope (as in PyTorch)
    (("leaky_relu", math.nan), ValueError, "negative slope"),
]


@pytest.mark.parametrize("args, error, rule", BAD_GAINS)
def test_calculate_gain_rejects(args, error, rule):
    with pytest.raises(error) as info:
        init.calculate_gain(*args)
    assert rule in str(info.value) and repr(args[-1]) in str(info.value)


# ---- initializers --------------------------------------------------------------------------------

def he_variance(fan, slope=0.0):
    """Var(W) = 2/((1 + a²)·fan) (He et al. 2015, eq. 10 and 15)."""
    return 2 / ((1 + slope**2) * fan)


FAN_IN, FAN_OUT = SAMPLE_SHAPE[1], SAMPLE_SHAPE[0]
# name, options, distribution, Var(W) from the papers (fan_in = 250, fan_out = 400 for SAMPLE_SHAPE)
INITIALIZERS = [
    ("lecun_normal", {}, "normal", 1 / FAN_IN),
    ("lecun_uniform", {}, "uniform", 1 / FAN_IN),
    ("lecun_normal", {"mode": "fan_out"}, "normal", 1 / FAN_OUT),
    ("xavier_normal", {}, "normal", 2 / (FAN_IN + FAN_OUT)),
    ("xavier_uniform", {}, "uniform", 2 / (FAN_IN + FAN_OUT)),
    ("xavier_uniform", {"gain": 5 / 3}, "uniform", (5 / 3) ** 2 * 2 / (FAN_IN + FAN_OUT)),
    ("kaiming_normal", {}, "normal", he_variance(FAN_IN)),
    ("kaiming_normal", {"nonlinearity": "relu"}, "normal", he_variance(FAN_IN)),
    ("kaiming_normal", {"a": 0.2, "mode": "fan_out"}, "normal", he_variance(FAN_OUT, 0.2)),
    ("kaiming_uniform", {}, "uniform", he_variance(FAN_IN)),
    ("kaiming_uniform", {"nonlinearity": "tanh"}, "uniform", (5 / 3) ** 2 / FAN_IN),
    ("kaiming_uniform", {"nonlinearity": "linear", "mode": "fan_out"}, "uniform", 1 / FAN_OUT),
    ("torch_default", {}, "uniform", 1 / (3 * FAN_IN)),
]


def assert_moment(samples, expected, what):
    """|mean - expected| <= Z·se, se from the samples (false-alarm rate FALSE_ALARM)."""
    se = samples.std(ddof=1) / math.sqrt(samples.size)
    assert abs(samples.mean() - expected) <= Z * se, f"{what}: {samples.mean()} vs {expected} (se {se})"


@pytest.mark.parametrize("name, options, distribution, variance", INITIALIZERS)
def test_initializer_moments_and_bounds(name, options, distribution, variance):
    w = getattr(init, name)(SAMPLE_SHAPE, np.random.default_rng(7), **options)
    assert w.shape == SAMPLE_SHAPE and w.dtype == np.float64
    x = w.ravel()
    assert_moment(x, 0.0, "E[W]")
    assert_moment(x**2, variance, "E[W²]")
    if distribution == "uniform":
        bound = math.sqrt(3 * variance)                              # Var(U(-a, a)) = a²/3
        assert np.abs(x).max() <= bound
        rng = np.random.default_rng(8)
        big = [getattr(init, name)(SAMPLE_SHAPE, rng, **options) for _ in range(MAX_SAMPLES // x.size)]
        assert max(np.abs(b).max() for b in big) >= bound * (1 - BOUND_REACH)
    else:
        # a normal's kurtosis is 3: E[W⁴] = 3·Var(W)²
        assert_moment(x**4, 3 * variance**2, "E[W⁴]")


def test_torch_default_bias_bound_and_variance():
    shape = (MAX_SAMPLES, 30)
    b = init.torch_default_bias(shape, np.random.default_rng(3))
    assert b.shape == (MAX_SAMPLES,)
    bound = 1 / math.sqrt(30)
    assert bound * (1 - BOUND_REACH) <= np.abs(b).max() <= bound
    assert_moment(b**2, 1 / (3 * 30), "E[b²]")


@pytest.mark.parametrize("name", ["lecun_normal", "xavier_uniform", "kaiming_normal", "torch_default"])
def test_initializer_reproducible_float32_and_in_place(name):
    f = getattr(init, name)
    a = f((6, 4, 3), 123)
    b = f((6, 4, 3), np.random.default_rng(123))
    assert np.array_equal(a, b)
    out = np.empty((6, 4, 3), np.float32)
    c = f((6, 4, 3), 123, dtype=np.float32, out=out)
    assert c is out and c.dtype == np.float32
    d = f((6, 4, 3), 124)
    assert not np.array_equal(a, d)


def test_zero_element_shape_is_empty_as_in_pytorch():
    assert init.kaiming_normal((0, 5)).shape == (0, 5)
    assert init.xavier_uniform((3, 0, 2)).size == 0


BAD_INITS = [
    ("kaiming_normal", (3,), {}, ValueError, "at least 2 dimensions"),     # the example
    ("xavier_normal", (), {}, ValueError, "at least 2 dimensions"),
    ("lecun_uniform", (4, -2), {}, ValueError, ">= 0"),
    ("kaiming_uniform", (4, 2), {"mode": "fan_sum"}, ValueError, "mode must be one of"),
    ("kaiming_normal", (4, 2), {"nonlinearity": "nope"}, ValueError, "nonlinearity must be one of"),
    ("xavier_uniform", (4, 2), {"gain": -1.0}, ValueError, "gain must be"),
    ("lecun_normal", (4, 2), {"dtype": np.int32}, ValueError, "dtype must be"),
    ("lecun_normal", (4, 2), {"out": np.empty((2, 4))}, ValueError, "out must have shape"),
    ("lecun_normal", (4, 2), {"rng": "seed"}, TypeError, "rng must be"),
]


@pytest.mark.parametrize("name, shape, options, error, rule", BAD_INITS)
def test_initializers_reject(name, shape, options, error, rule):
    with pytest.raises(error) as info:
        getattr(init, name)(shape, **options)
    assert rule in str(info.value)


@given(grouped_weight_shapes(), st.sampled_from(["fan_in", "fan_out", "fan_avg"]), st.integers(0, 2**32 - 1))
def test_uniform_never_exceeds_its_bound(case, mode, seed):
    shape, groups = case
    fan_in, fan_out = init.fans(shape, groups)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    bound = 1.3 * math.sqrt(3 / fan)
    for dtype in (np.float32, np.float64):
        w = init.variance_scaling(shape, 1.3, mode, "uniform", seed, groups=groups, dtype=dtype)
        # u·2b - b with u < 1 stays below b up to the rounding of the two operations
        assert np.abs(w).max() <= bound * (1 + 4 * np.finfo(dtype).eps)
