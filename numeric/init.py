"""Weight initializers with the semantics of ``torch.nn.init``, as one general form.

Every initializer draws i.i.d. zero-mean weights with ``Var(W) = gain**2 / fan``; they differ only in
the fan (``fan_in``, ``fan_out``, or their mean for Xavier), the gain and the distribution (normal, or
uniform ``U(-a, a)`` with ``a = sqrt(3 * Var(W))``, since ``Var(U(-a, a)) = a**2 / 3``).

A weight has shape ``(out, in, *kernel)`` (PyTorch's layout; a dense layer is ``(n_out, n_in)``), so
``y = W @ x``, or ``Y = X @ W.T`` for a batch of rows.

Drop-in semantics against ``torch.nn.init`` (PyTorch 2.x; tests/numeric/test_init_torch.py checks each):

- matched: the names ``calculate_gain`` accepts and refuses (case-sensitive, ValueError for anything
  else, a non-string included); ``param`` ignored for every name but leaky_relu; ``mode`` compared
  case-insensitively (``"FAN_IN"`` works, as ``mode.lower()`` in PyTorch); fans and the bound or std of
  every initializer.
- refused on purpose: a leaky_relu ``param`` of inf or nan (PyTorch returns 0.0 or nan, a gain that
  silently zeroes or poisons every weight; here a ValueError naming the parameter).
- accepted on purpose: a NumPy scalar ``param`` (``np.float32(0.2)``, ``np.int64(2)``); PyTorch refuses
  any number that is not a Python int or float, though ``np.float64`` passes, being a float subclass.
  A real number is a real number here; bool and strings are refused as in PyTorch.
- added: ``mode="fan_avg"`` (Xavier's mean fan) and ``groups`` (the true fan_out of a grouped conv).

References: LeCun, Bottou, Orr & Müller, "Efficient BackProp" (1998), §4.6; Glorot & Bengio,
"Understanding the difficulty of training deep feedforward neural networks" (AISTATS 2010), eq. 12
and eq. 16; He, Zhang, Ren & Sun, "Delving Deep into Rectifiers" (ICCV 2015), eq. 10 and eq. 14.
"""
import math
import numbers

import numpy as np

from numeric._checks import NumericError, allocation, float_dtype, generator, int_tuple, integer, one_of, real

__all__ = [
    "fans", "calculate_gain", "init_std",
    "variance_scaling",
    "lecun_normal", "lecun_uniform",
    "xavier_normal", "xavier_uniform",
    "kaiming_normal", "kaiming_uniform",
    "torch_default", "torch_default_bias",
]

_LINEAR_NAMES = (
    "linear", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
)
NONLINEARITIES = _LINEAR_NAMES + ("sigmoid", "tanh", "relu", "leaky_relu", "selu")
MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("normal", "uniform")
LEAKY_RELU_DEFAULT_SLOPE = 0.01


def _shape(shape):
    """A weight shape ``(out, in, *kernel)``: at least 2 integer dimensions >= 0 (an int is a 1-D shape)."""
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    return int_tuple("shape", shape, "(out, in, *kernel)", min_length=2, noun="dimensions")


def fans(shape, groups=1):
    """fan_in = in·prod(kernel), fan_out = (out/groups)·prod(kernel) for a weight (out, in, *kernel).

    At ``groups=1`` these are ``torch.nn.init._calculate_fan_in_and_fan_out``'s numbers. For a
    grouped convolution the weight is ``(out, in/groups, *kernel)`` and each input unit feeds only
    ``out/groups`` output channels, so the true fan_out is ``(out/groups)·prod(kernel)``; PyTorch
    ignores ``groups`` and reports ``out·prod(kernel)``: pass ``groups=1`` to get its value.
    """
    dims = _shape(shape)
    groups = integer("groups", groups, 1)
    out, in_per_group, *kernel = dims
    if out % groups:
        raise NumericError(f"groups must divide the output channels: out = {out} is not a multiple of groups = {groups}")
    area = math.prod(kernel)
    return in_per_group * area, (out // groups) * area


def calculate_gain(nonlinearity, param=None):
    """Gain g with Var(W) = g²/fan: 1 (linear, conv, sigmoid), 5/3 (tanh), √2 (relu), √(2/(1+a²)) (leaky_relu), 3/4 (selu).

    The values of ``torch.nn.init.calculate_gain``. relu's √2 and leaky_relu's follow from
    E[φ(z)²] = (1+a²)/2·E[z²] for symmetric z (He et al. 2015, eq. 14); tanh's 5/3 and selu's 3/4
    are conventions, not the second-moment gains (``derive`` gives those).
    ``param`` is leaky_relu's negative slope (default 0.01) and is ignored for the others.
    """
    one_of("nonlinearity", nonlinearity, NONLINEARITIES)
    if nonlinearity in _LINEAR_NAMES or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4.0
    # leaky_relu
    slope = LEAKY_RELU_DEFAULT_SLOPE if param is None else real("param (leaky_relu's negative slope)", param)
    return math.sqrt(2.0 / (1.0 + slope**2))


def init_std(shape, gain=1.0, mode="fan_in", groups=1):
    """std = gain/√fan, with fan = fan_in, fan_out or (fan_in + fan_out)/2 (``mode="fan_avg"``, Xavier)."""
    fan_in, fan_out = fans(shape, groups)
    mode = _check_mode_gain(mode, gain)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    if fan == 0:
        raise NumericError(f"shape {tuple(shape)!r} has {mode} = 0, so Var(W) = gain²/{mode} is undefined")
    return float(gain) / math.sqrt(fan)


def _check_mode_gain(mode, gain):
    """The mode in lower case (PyTorch lowers it too), once it and the gain are valid."""
    mode = one_of("mode", mode.lower() if isinstance(mode, str) else mode, MODES)
    real("gain", gain, 0)
    return mode


def _output(out, dims, dtype):
    if out is None:
        allocation("the weight array", dims, dtype)
        return np.empty(dims, dtype=dtype)
    if not isinstance(out, np.ndarray) or out.ndim < len(dims) or out.shape[out.ndim - len(dims):] != dims \
            or out.dtype != dtype:
        got = (getattr(out, "shape", None), getattr(out, "dtype", type(out).__name__))
        raise NumericError(f"out must have shape {dims} (or (*lead, *{dims}) for a stack of draws) and dtype "
                           f"{dtype}, got shape {got[0]} and dtype {got[1]}")
    return out


def variance_scaling(shape, gain=1.0, mode="fan_in", distribution="normal", rng=None, *,
                     groups=1, dtype=np.float64, out=None):
    """W i.i.d. with E[W] = 0, Var(W) = gain²/fan: N(0, gain²/fan) or U(-a, a) with a = gain·√(3/fan).

    The general form of every initializer in this module. ``out`` (an array of ``dtype`` whose shape
    is ``shape``, or ``(*lead, *shape)`` for a stack of independent draws) is filled in place and
    returned, so a Monte Carlo loop can reuse one buffer and draw many replicates in one call.
    A shape with a zero dimension gives an empty array (``torch.nn.init`` leaves such tensors alone).
    """
    dims = _shape(shape)
    one_of("distribution", distribution, DISTRIBUTIONS)
    dtype = float_dtype("dtype", dtype)
    out = _output(out, dims, dtype)
    if out.size == 0:
        _check_mode_gain(mode, gain)
        return out
    std = init_std(dims, gain, mode, groups)
    rng = generator(rng)
    if distribution == "normal":
        rng.standard_normal(dtype=dtype, out=out)
        out *= std
    else:
        bound = math.sqrt(3.0) * std
        rng.random(dtype=dtype, out=out)
        out *= 2.0 * bound
        out -= bound
    return out


def lecun_normal(shape, rng=None, *, gain=1.0, mode="fan_in", **options):
    """W ~ N(0, 1/fan_in) (LeCun et al. 1998, §4.6): Kaiming's form with gain 1, a Gaussian (JAX's is truncated)."""
    return variance_scaling(shape, gain, mode, "normal", rng, **options)


def lecun_uniform(shape, rng=None, *, gain=1.0, mode="fan_in", **options):
    """W ~ U(-a, a), a = √(3/fan_in): Var(W) = 1/fan_in."""
    return variance_scaling(shape, gain, mode, "uniform", rng, **options)


def xavier_normal(shape, rng=None, *, gain=1.0, **options):
    """W ~ N(0, gain²·2/(fan_in + fan_out)) (Glorot & Bengio 2010, eq. 12: the harmonic mean of 1/fan_in and 1/fan_out)."""
    return variance_scaling(shape, gain, "fan_avg", "normal", rng, **options)


def xavier_uniform(shape, rng=None, *, gain=1.0, **options):
    """W ~ U(-a, a), a = gain·√(6/(fan_in + fan_out)) (Glorot & Bengio 2010, eq. 16)."""
    return variance_scaling(shape, gain, "fan_avg", "uniform", rng, **options)


def kaiming_normal(shape, rng=None, *, a=0, mode="fan_in", nonlinearity="leaky_relu", **options):
    """W ~ N(0, g²/fan), g = calculate_gain(nonlinearity, a): 2/fan_in for ReLU (He et al. 2015, eq. 10)."""
    return variance_scaling(shape, calculate_gain(nonlinearity, a), mode, "normal", rng, **options)


def kaiming_uniform(shape, rng=None, *, a=0, mode="fan_in", nonlinearity="leaky_relu", **options):
    """W ~ U(-b, b), b = g·√(3/fan), g = calculate_gain(nonlinearity, a)."""
    return variance_scaling(shape, calculate_gain(nonlinearity, a), mode, "uniform", rng, **options)


TORCH_DEFAULT_A = math.sqrt(5.0)


def torch_default(shape, rng=None, **options):
    """W ~ U(±1/√fan_in), Var(W) = 1/(3·fan_in): ``nn.Linear``/``nn.Conv*`` default, kaiming_uniform(a=√5).

    With a = √5 the gain is √(2/(1+5)) = 1/√3, so the bound is √3·(1/√3)/√fan_in = 1/√fan_in.
    """
    return kaiming_uniform(shape, rng, a=TORCH_DEFAULT_A, **options)


def torch_default_bias(shape, rng=None, *, dtype=np.float64, out=None):
    """b ~ U(±1/√fan_in), one per output channel, for a weight of ``shape`` (PyTorch's default bias).

    Var(b) = 1/(3·fan_in). ``out`` as in ``variance_scaling`` (shape (out,) or a stack (*lead, out)). PyTorch uses bound 0 when fan_in = 0; here that is an error.
    """
    fan_in, _ = fans(shape)
    dims = _shape(shape)
    if fan_in == 0:
        raise NumericError(f"shape {dims!r} has fan_in = 0, so the bias bound 1/√fan_in is undefined")
    bound = 1.0 / math.sqrt(fan_in)
    out = _output(out, (dims[0],), float_dtype("dtype", dtype))
    generator(rng).random(dtype=out.dtype, out=out)
    out *= 2.0 * bound
    out -= bound
    return out
