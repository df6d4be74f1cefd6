"""The layers of a receptive-field graph: per axis, which input units an output unit reads; the output
shape; parameters and multiply-accumulates.

Shapes are (channels, *spatial) with 1, 2 or 3 spatial axes. Per-axis values read as in PyTorch: an
int is every axis, a tuple of ints gives each axis its own value, so ``padding=(1, 0)`` pads the
height by 1 on both sides and the width by 0. Asymmetric padding has its own form, one (left, right)
pair per axis: ``padding=((0, 1), (0, 1))``. ``"valid"`` is no padding; ``"same"`` pads as
TensorFlow does, total = max((⌈n/s⌉ - 1)·s + κ - n, 0) with the smaller half on the left (κ = d(k-1) + 1),
which for stride > 1 depends on the input size n.

References: Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016),
relationships 6, 14, 15 (output sizes); the TensorFlow documentation of ``tf.nn.convolution``
(SAME padding); PyTorch documentation of ``ConvTranspose2d``, ``Upsample`` and ``AdaptiveAvgPool2d``
(output sizes, output_padding, the source index (o + 1/2)/f - 1/2 of bilinear upsampling and the
windows [⌊o·n/m⌋, ⌈(o+1)·n/m⌉) of adaptive pooling).
"""
from __future__ import annotations

import math
from fractions import Fraction

from numeric._checks import NumericError, integer, one_of
from numeric.receptive_field.axis import IDENTITY, AxisMap

__all__ = [
    "AdaptivePool",
    "Add",
    "Concat",
    "Conv",
    "ConvTranspose",
    "Flatten",
    "Linear",
    "Op",
    "Pointwise",
    "Pool",
    "Upsample",
    "paddings",
    "per_axis",
]


def per_axis(name, value, ndim, minimum):
    """An int (every axis) or a tuple of ``ndim`` ints, as a tuple of ``ndim`` ints >= ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != ndim:
            raise NumericError(f"{name} must be an int or {ndim} ints (one per axis), got {value!r}")
        return tuple(integer(f"{name}[{i}]", v, minimum) for i, v in enumerate(value))
    return (integer(name, value, minimum),) * ndim


def paddings(value, ndim):
    """``padding`` as ``ndim`` (left, right) pairs, or the string "same"/"valid" as given."""
    if isinstance(value, str):
        return one_of("padding", value, ("same", "valid"))
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, (tuple, list)) for v in value):
        if len(value) != ndim:
            raise NumericError(f"padding must give {ndim} (left, right) pairs, got {value!r}")
        out = []
        for i, v in enumerate(value):
            if len(v) != 2:
                raise NumericError(f"padding[{i}] must be a (left, right) pair, got {v!r}")
            out.append((integer(f"padding[{i}][0]", v[0], 0), integer(f"padding[{i}][1]", v[1], 0)))
        return tuple(out)
    return tuple((p, p) for p in per_axis("padding", value, ndim, 0))


def _resolve(pads, kernel, stride, dilation, sizes):
    """Concrete (left, right) per axis; "same" needs the input size when a stride exceeds 1."""
    if pads == "valid":
        return ((0, 0),) * len(kernel)
    if pads != "same":
        return pads
    out = []
    for i, (k, s, d) in enumerate(zip(kernel, stride, dilation)):
        kappa = d * (k - 1) + 1
        if s == 1:
            total = kappa - 1
        elif sizes is None:
            raise NumericError(f"padding 'same' with stride {s} depends on the input size: give an input shape")
        else:
            n = sizes[i]
            total = max((-(-n // s) - 1) * s + kappa - n, 0)
        out.append((total // 2, total - total // 2))
    return tuple(out)


class Op:
    """A layer: ``local(axis, sizes)`` maps an output unit to the input units it reads."""

    arity = 1
    name = "op"

    def output_shape(self, shapes):
        raise NotImplementedError

    def local(self, axis, sizes):
        """AxisMap from this op's output units to its input's units along ``axis``."""
        return IDENTITY

    def params(self, shapes):
        return 0

    def macs(self, shapes, out):
        return 0

    def check(self, ndim):
        """Normalise the per-axis arguments for ``ndim`` spatial axes (called by the graph)."""

    def __repr__(self):
        given = {k: v for k, v in vars(self).items() if k in self.__init__.__code__.co_varnames}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in given.items())})"


class _Windowed(Op):
    """Conv and pool: unit u reads [u·s - p_left, u·s - p_left + d(k-1)]."""

    ceil_mode = False

    def check(self, ndim):
        self.k = per_axis("kernel", self.kernel, ndim, 1)
        self.s = per_axis("stride", self.stride if self.stride is not None else self.kernel, ndim, 1)
        self.d = per_axis("dilation", self.dilation, ndim, 1)
        self.pads = paddings(self.padding, ndim)

    def _pads(self, sizes):
        return _resolve(self.pads, self.k, self.s, self.d, sizes)

    def local(self, axis, sizes):
        left = self._pads(sizes)[axis][0]
        return AxisMap.window(-left, self.d[axis] * (self.k[axis] - 1) + 1, self.s[axis], self.d[axis])

    def _sizes(self, sizes):
        out = []
        for i, n in enumerate(sizes):
            (left, right), k, s, d = self._pads(sizes)[i], self.k[i], self.s[i], self.d[i]
            span = n + left + right - d * (k - 1) - 1
            size = min(-(-span // s) + 1, -(-(n + left) // s)) if self.ceil_mode else span // s + 1
            if size < 1:
                raise NumericError(f"output size must be >= 1 on axis {i}, got {size} (input {n}, "
                                   f"kernel {k}, stride {s}, padding {left},{right}, dilation {d})")
            out.append(size)
        return tuple(out)


class Conv(_Windowed):
    name = "conv"

    def __init__(self, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True):
        self.out_channels = integer("out_channels", out_channels, 1)
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.groups, self.bias = integer("groups", groups, 1), bool(bias)

    def output_shape(self, shapes):
        c = shapes[0][0]
        if c % self.groups or self.out_channels % self.groups:
            raise NumericError(f"channels {c} -> {self.out_channels} must be divisible by groups={self.groups}")
        return (self.out_channels, *self._sizes(shapes[0][1:]))

    def params(self, shapes):
        c = shapes[0][0]
        return math.prod(self.k) * (c // self.groups) * self.out_channels + self.out_channels * self.bias

    def macs(self, shapes, out):
        return math.prod(out) * math.prod(self.k) * (shapes[0][0] // self.groups)


class Pool(_Windowed):
    name = "pool"

    def __init__(self, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, kind="max"):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.ceil_mode = bool(ceil_mode)
        self.kind = one_of("kind", kind, ("max", "avg"))
        self.name = f"{kind}pool"

    def output_shape(self, shapes):
        return (shapes[0][0], *self._sizes(shapes[0][1:]))


class ConvTranspose(Op):
    """Input unit i writes outputs i·s - p + t·d, t < k: output o reads the i with i·s = o + p - t·d."""

    name = "convT"

    def __init__(self, out_channels, kernel, stride=1, padding=0, output_padding=0, dilation=1, groups=1,
                 bias=True):
        self.out_channels = integer("out_channels", out_channels, 1)
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.output_padding, self.groups, self.bias = output_padding, integer("groups", groups, 1), bool(bias)

    def check(self, ndim):
        self.k = per_axis("kernel", self.kernel, ndim, 1)
        self.s = per_axis("stride", self.stride, ndim, 1)
        self.d = per_axis("dilation", self.dilation, ndim, 1)
        self.p = per_axis("padding", self.padding, ndim, 0)
        self.op = per_axis("output_padding", self.output_padding, ndim, 0)
        for i, (op, s, d) in enumerate(zip(self.op, self.s, self.d)):
            if op >= max(s, d):
                raise NumericError(f"output_padding must be < max(stride, dilation) = {max(s, d)} on axis {i}, "
                                   f"got {op}")

    def local(self, axis, sizes):
        k, s, p, d = self.k[axis], self.s[axis], self.p[axis], self.d[axis]
        pairs = []
        for o in range(s):
            reads = [(o + p - t * d) // s for t in range(k) if (o + p - t * d) % s == 0]
            pairs.append((min(reads), max(reads)) if reads else None)
        return AxisMap.from_pairs(1, pairs, d // math.gcd(s, d))   # the i read are d/gcd(s, d) apart

    def output_shape(self, shapes):
        out = []
        for i, n in enumerate(shapes[0][1:]):
            size = (n - 1) * self.s[i] - 2 * self.p[i] + self.d[i] * (self.k[i] - 1) + self.op[i] + 1
            if size < 1:
                raise NumericError(f"output size must be >= 1 on axis {i}, got {size}")
            out.append(size)
        return (self.out_channels, *out)

    def params(self, shapes):
        return math.prod(self.k) * shapes[0][0] * (self.out_channels // self.groups) + self.out_channels * self.bias

    def macs(self, shapes, out):
        """Each input element times a k-window of C_out/groups filters (the zeros inserted are no MACs)."""
        return math.prod(shapes[0]) * math.prod(self.k) * (self.out_channels // self.groups)


class Upsample(Op):
    """Nearest: output o reads ⌊o/f⌋. Bilinear (align_corners=False): the two neighbours of
    (o + 1/2)/f - 1/2, one when it is an integer. ``scale`` an int or one int per axis."""

    def __init__(self, scale, mode="nearest"):
        self.scale, self.mode = scale, one_of("mode", mode, ("nearest", "bilinear"))
        self.name = f"up-{mode}"

    def check(self, ndim):
        self.f = per_axis("scale", self.scale, ndim, 1)

    def local(self, axis, sizes):
        f = self.f[axis]
        pairs = []
        for o in range(f):
            if self.mode == "nearest":
                pairs.append((o // f, o // f))
            else:
                src = Fraction(2 * o + 1, 2 * f) - Fraction(1, 2)
                lo = math.floor(src)
                pairs.append((lo, lo + (src != lo)))
        return AxisMap.from_pairs(1, pairs)

    def output_shape(self, shapes):
        return (shapes[0][0], *(n * f for n, f in zip(shapes[0][1:], self.f)))


class AdaptivePool(Op):
    """Output o of m reads input units [⌊o·n/m⌋, ⌈(o+1)·n/m⌉ - 1]; m = 1 is global pooling."""

    def __init__(self, output_size=1, kind="avg"):
        self.output_size, self.kind = output_size, one_of("kind", kind, ("max", "avg"))
        self.name = f"adaptive-{kind}pool"

    def check(self, ndim):
        self.m = per_axis("output_size", self.output_size, ndim, 1)

    def local(self, axis, sizes):
        if sizes is None:
            raise NumericError("adaptive pooling depends on the input size: give an input shape")
        n, m = sizes[axis], self.m[axis]
        pairs = [(o * n // m, -(-(o + 1) * n // m) - 1) for o in range(m)]
        return AxisMap.from_pairs(n if m > 1 else 0, pairs)     # one unit: no grid, stride 0

    def output_shape(self, shapes):
        return (shapes[0][0], *self.m)


class Pointwise(Op):
    """ReLU, batch norm, dropout, ...: unit u reads unit u; ``channel_params`` per channel (2 for BN)."""

    def __init__(self, kind="relu", channel_params=0):
        if not isinstance(kind, str) or not kind:
            raise NumericError(f"kind must be a non-empty str naming the layer, got {kind!r}")
        self.name, self.channel_params = kind, integer("channel_params", channel_params, 0)

    def output_shape(self, shapes):
        return shapes[0]

    def params(self, shapes):
        return self.channel_params * shapes[0][0]


class _Whole(Op):
    """Every output reads every input unit (flatten, a dense layer): the spatial axes are gone."""

    def local(self, axis, sizes):
        if sizes is None:
            raise NumericError(f"{self.name} reads the whole input: give an input shape")
        return AxisMap(1, 0, (0,), (sizes[axis] - 1,))


class Flatten(_Whole):
    name = "flatten"

    def output_shape(self, shapes):
        return (math.prod(shapes[0]),)


class Linear(_Whole):
    name = "linear"

    def __init__(self, out_features, bias=True):
        self.out_features, self.bias = integer("out_features", out_features, 1), bool(bias)

    def output_shape(self, shapes):
        return (self.out_features,)

    def params(self, shapes):
        return math.prod(shapes[0]) * self.out_features + self.out_features * self.bias

    def macs(self, shapes, out):
        return math.prod(shapes[0]) * self.out_features


class Add(Op):
    """The sum of its inputs (same shapes)."""

    arity = None
    name = "add"

    def output_shape(self, shapes):
        if any(s != shapes[0] for s in shapes):
            raise NumericError(f"add needs inputs of one shape, got {', '.join(map(str, shapes))}")
        return shapes[0]


class Concat(Op):
    """Channels stacked (same spatial sizes)."""

    arity = None
    name = "concat"

    def output_shape(self, shapes):
        if any(s[1:] != shapes[0][1:] for s in shapes):
            raise NumericError(f"concat needs inputs of one spatial size, got {', '.join(map(str, shapes))}")
        return (sum(s[0] for s in shapes), *shapes[0][1:])

