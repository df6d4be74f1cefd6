"""numeric.init against torch.nn.init: fans, gains, and the exact bound or std each initializer uses."""
import math
from statistics import NormalDist
from unittest import mock

import numpy as np
import pytest
from hypothesis import given

torch = pytest.importorskip("torch", reason="PyTorch is the independent oracle for torch.nn.init semantics")
import torch.nn.functional as F  # noqa: E402

from numeric import init  # noqa: E402
from verify.strategies import weight_shapes  # noqa: E402

pytestmark = pytest.mark.torch

FALSE_ALARM = 1e-6
Z = NormalDist().inv_cdf(1 - FALSE_ALARM / 2)
SAMPLE_SHAPE = (300, 200)
# Bounds and stds are computed by the same few float operations in a different order: a few ulps.
ROUNDING = 1e-14


@given(weight_shapes())
def test_fans_equal_pytorch(shape):
    assert init.fans(shape) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_fans_of_a_real_grouped_conv(groups):
    conv = torch.nn.Conv2d(8, 12, (3, 5), groups=groups)
    torch_fans = torch.nn.init._calculate_fan_in_and_fan_out(conv.weight)
    assert init.fans(tuple(conv.weight.shape)) == torch_fans                  # PyTorch ignores groups
    fan_in, fan_out = init.fans(tuple(conv.weight.shape), groups)
    assert fan_in == torch_fans[0] and fan_out * groups == torch_fans[1]


def torch_gain(name, param=None):
    try:
        return torch.nn.init.calculate_gain(name, param)
    except ValueError:
        return ValueError


def our_gain(name, param=None):
    try:
        return init.calculate_gain(name, param)
    except ValueError:
        return ValueError


# Every name torch.nn.functional exports, plus ours: torch accepts exactly the names it knows.
CANDIDATE_NAMES = sorted(set(init.NONLINEARITIES) | {n for n in dir(F) if not n.startswith("_")} | {"nope", "ReLU", ""})


def test_calculate_gain_accepts_and_rejects_the_same_names():
    # one contract over every candidate name: collected, so a failure lists every name that differs
    differ = {name: (our_gain(name), torch_gain(name)) for name in CANDIDATE_NAMES if our_gain(name) != torch_gain(name)}
    assert not differ
    assert len(CANDIDATE_NAMES) > 100   # torch.nn.functional's names are really in the sweep


def test_every_name_torch_accepts_is_covered():
    accepted = {n for n in CANDIDATE_NAMES if torch_gain(n) is not ValueError}
    assert accepted == set(init.NONLINEARITIES)


def test_leaky_relu_gain_equals_pytorch():
    for param in [None, 0, 1, 3, 0.0, 0.01, 0.2, -0.5, 1e3]:
        assert init.calculate_gain("leaky_relu", param) == torch.nn.init.calculate_gain("leaky_relu", param), param


def test_leaky_relu_bad_param_rejected_like_pytorch():
    for param in ["0.1", True, False, [0.1]]:
        assert our_gain("leaky_relu", param) is ValueError is torch_gain("leaky_relu", param), param


class Spy:
    """Records the (low, high) or (mean, std) that torch.nn.init passes to uniform_/normal_."""

    def __init__(self):
        self.calls = []

    def __call__(self, a, b, generator=None):      # patched on the class, so not bound to the tensor
        self.calls.append((a, b))


def torch_parameters(fill, method, shape, **options):
    spy = Spy()
    with mock.patch.object(torch.Tensor, method, spy, create=True):
        fill(torch.empty(shape), **options)
    (call,) = spy.calls
    return call


# (ours, torch's, options): options common to both
PAIRS = [
    ("xavier_uniform", torch.nn.init.xavier_uniform_, {}),
    ("xavier_uniform", torch.nn.init.xavier_uniform_, {"gain": 2.5}),
    ("xavier_normal", torch.nn.init.xavier_normal_, {"gain": 0.7}),
    ("kaiming_uniform", torch.nn.init.kaiming_uniform_, {}),
    ("kaiming_uniform", torch.nn.init.kaiming_uniform_, {"a": math.sqrt(5)}),
    ("kaiming_uniform", torch.nn.init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal", torch.nn.init.kaiming_normal_, {}),
    ("kaiming_normal", torch.nn.init.kaiming_normal_, {"a": 0.3, "mode": "fan_out"}),
    ("kaiming_normal", torch.nn.init.kaiming_normal_, {"nonlinearity": "tanh"}),
    ("kaiming_normal", torch.nn.init.kaiming_normal_, {"nonlinearity": "selu", "mode": "fan_out"}),
]
SHAPES = [(7, 3), (16, 4, 3, 3), (5, 8, 2, 2, 2), SAMPLE_SHAPE]


@pytest.mark.parametrize("name, fill, options", PAIRS)
def test_bound_or_std_equals_pytorch(name, fill, options):
    uniform = name.endswith("uniform")
    for shape in SHAPES:   # one contract per initializer, at dense and 1-3-D conv shapes
        low, high = torch_parameters(fill, "uniform_" if uniform else "normal_", shape, **options)
        std = init.init_std(shape, options.get("gain", 1.0), "fan_avg", 1) if name.startswith("xavier") else \
            init.init_std(shape, init.calculate_gain(options.get("nonlinearity", "leaky_relu"), options.get("a", 0)),
                          options.get("mode", "fan_in"))
        if uniform:
            assert low == pytest.approx(-math.sqrt(3) * std, rel=ROUNDING), shape
            assert high == pytest.approx(math.sqrt(3) * std, rel=ROUNDING), shape
            w = getattr(init, name)(shape, np.random.default_rng(0), **options)
            assert np.abs(w).max() <= high, shape
        else:
            assert low == 0 and high == pytest.approx(std, rel=ROUNDING), shape


@pytest.mark.parametrize("name, fill, options", PAIRS)
def test_second_moment_equals_pytorch_within_tolerance(name, fill, options):
    """E[W²] of our draws and of torch's agree: |difference| <= Z·se of the difference (two samples)."""
    ours = getattr(init, name)(SAMPLE_SHAPE, np.random.default_rng(1), **options).ravel() ** 2
    torch.manual_seed(1)
    theirs = fill(torch.empty(SAMPLE_SHAPE, dtype=torch.float64), **options).numpy().ravel() ** 2
    se = math.sqrt(ours.var(ddof=1) / ours.size + theirs.var(ddof=1) / theirs.size)
    assert abs(ours.mean() - theirs.mean()) <= Z * se


@pytest.mark.parametrize("shape", [(10, 7), (6, 3, 5, 5)])
def test_torch_default_is_nn_module_default(shape):
    module = torch.nn.Linear(shape[1], shape[0]) if len(shape) == 2 else torch.nn.Conv2d(shape[1], shape[0], shape[2:])
    spy = Spy()
    with mock.patch.object(torch.Tensor, "uniform_", spy, create=True):
        module.reset_parameters()
    (w_low, w_high), (b_low, b_high) = spy.calls
    fan_in = init.fans(shape)[0]
    assert w_high == -w_low == pytest.approx(1 / math.sqrt(fan_in), rel=ROUNDING)
    assert b_high == -b_low == pytest.approx(1 / math.sqrt(fan_in), rel=ROUNDING)
    assert np.abs(init.torch_default(shape, 0)).max() <= w_high
    assert np.abs(init.torch_default_bias(shape, 0)).max() <= b_high


def test_bad_shapes_rejected_like_pytorch():
    for shape in [(3,), ()]:
        with pytest.raises(ValueError):
            torch.nn.init.kaiming_normal_(torch.empty(shape))
        with pytest.raises(ValueError, match="shape"):
            init.kaiming_normal(shape)


# Drop-in semantics, case by case (numeric/init.py's docstring lists the decisions).

@pytest.mark.parametrize("name", [1, None, ["relu"], 2.5])
def test_a_non_string_nonlinearity_is_a_value_error_as_in_pytorch(name):
    assert our_gain(name) is ValueError is torch_gain(name)


@pytest.mark.parametrize("mode", ["FAN_IN", "Fan_Out"])
def test_mode_is_compared_case_insensitively_as_in_pytorch(mode):
    _, torch_std = torch_parameters(torch.nn.init.kaiming_normal_, "normal_", (16, 4, 3, 3), mode=mode)
    assert init.init_std((16, 4, 3, 3), init.calculate_gain("leaky_relu", 0), mode) == pytest.approx(torch_std,
                                                                                                     rel=1e-15)
    assert init.kaiming_normal((16, 4, 3, 3), np.random.default_rng(0), mode=mode).shape == (16, 4, 3, 3)


@pytest.mark.parametrize("param", [math.inf, -math.inf, math.nan])
def test_a_non_finite_slope_is_refused_on_purpose(param):
    """PyTorch returns 0.0 or nan, a gain that silently zeroes or poisons the weights."""
    torch_value = torch.nn.init.calculate_gain("leaky_relu", param)
    assert torch_value == 0.0 or math.isnan(torch_value)
    with pytest.raises(ValueError, match="param"):
        init.calculate_gain("leaky_relu", param)


@pytest.mark.parametrize("param", [np.float32(0.25), np.int64(2)])
def test_a_numpy_scalar_slope_is_accepted_on_purpose(param):
    """PyTorch refuses a NumPy scalar that is not a float subclass; its value is a real number."""
    assert torch_gain("leaky_relu", param) is ValueError
    assert init.calculate_gain("leaky_relu", param) == torch.nn.init.calculate_gain("leaky_relu", float(param))
