"""Receptive field, effective stride and effective padding of a single-path stack of conv and pool layers.

With the effective kernel κ_l = d_l(k_l - 1) + 1 and the jump j_l = Π_{i<=l} s_i, the field grows
as r_l = r_{l-1} + (κ_l - 1)·j_{l-1} from r_0 = 1, and the effective padding as
P_l = P_{l-1} + p_l·j_{l-1} (left padding). Output unit u of the stack then sees the input
positions [u·S - P, u·S - P + r - 1], S = j_L.

Reference: Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks",
Distill (2019), §"Single-path networks" (field size; field region, effective stride and
effective padding).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Union

from numeric._checks import NumericError, is_pair, one_of, pair, sides
from numeric.conv import output_size

__all__ = ["Layer", "Field", "Row", "receptive_field", "receptive_field_table"]
# show_padding is shared with the rf command, not part of the API

KINDS = ("conv", "pool")

IntOrPair = Union[int, tuple]


def _axes(name, value, minimum):
    """An int (every axis) or an (h, w) pair, as a tuple of one or two ints."""
    values = pair(name, value, minimum)
    return values if is_pair(value) else values[:1]


def _sides(value):
    """Padding as a tuple of (left, right) per axis, read as in PyTorch and the spec language.

    An int pads both sides of every axis; an (h, w) pair of ints pads each axis on both sides
    (PyTorch's ``padding=(h, w)``); asymmetric padding is one (left, right) pair per axis:
    ``((left, right),)`` for every axis, ``((top, bottom), (left, right))`` for each its own.
    """
    if is_pair(value) and value and all(is_pair(v) for v in value):
        if len(value) > 2:
            raise NumericError(f"padding must give 1 or 2 (left, right) pairs, got {value!r}")
        return tuple(sides(f"padding[{i}]", v) for i, v in enumerate(value))
    if is_pair(value):
        return tuple((p, p) for p in pair("padding", value, 0))
    return (sides("padding", value),)


def _collapse(values):
    """One int when every axis agrees in a 1-D description, else the tuple."""
    return values[0] if len(values) == 1 else tuple(values)


@dataclass(frozen=True)
class Layer:
    """One conv or pool layer: kernel k, stride s, padding p (left, right), dilation d.

    ``kernel``, ``stride`` and ``dilation`` are ints or (h, w) pairs; ``padding`` is an int, an
    (h, w) pair (both sides of each axis, as PyTorch reads it), ``((left, right),)`` (every axis)
    or ``((top, bottom), (left, right))``. A pool layer's
    padding must be at most kernel // 2 on each side (PyTorch refuses more).
    """

    kernel: IntOrPair
    stride: IntOrPair = 1
    padding: IntOrPair = 0
    dilation: IntOrPair = 1
    kind: str = "conv"

    def __post_init__(self):
        one_of("kind", self.kind, KINDS)
        for name in ("kernel", "stride", "dilation", "padding"):
            value = getattr(self, name)
            if isinstance(value, list):
                value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
                object.__setattr__(self, name, value)
        _axes("kernel", self.kernel, 1)
        _axes("stride", self.stride, 1)
        _axes("dilation", self.dilation, 1)
        _sides(self.padding)
        if self.kind == "pool":
            for i in range(self.ndim):
                k, _, sides, _ = self.axis(i)
                for side, p in zip(("left", "right"), sides):
                    if p > k // 2:
                        where = f"axis {i}, {side}" if self.ndim == 2 else side
                        raise NumericError(
                            f"padding must be <= kernel // 2 = {k // 2} for a pool layer "
                            f"({where}), got {p}"
                        )

    @property
    def ndim(self):
        """1 when every parameter is the same on every axis, 2 when some are given per axis."""
        per_axis = (is_pair(self.kernel), is_pair(self.stride), is_pair(self.dilation),
                    len(_sides(self.padding)) == 2)
        return 2 if any(per_axis) else 1

    def axis(self, i):
        """(kernel, stride, (left, right), dilation) along axis ``i`` (0 = height, 1 = width)."""
        if i not in (0, 1):
            raise NumericError(f"axis must be 0 or 1, got {i!r}")

        def pick(values):
            return values[i] if len(values) == 2 else values[0]

        return (pick(_axes("kernel", self.kernel, 1)), pick(_axes("stride", self.stride, 1)),
                pick(_sides(self.padding)), pick(_axes("dilation", self.dilation, 1)))

    @property
    def effective_kernel(self):
        """κ = d(k - 1) + 1, per axis."""
        return _collapse([d * (k - 1) + 1 for k, _, _, d in self._axes()])

    def output_size(self, size, ceil_mode=False):
        """⌊(n + p_l + p_r - κ)/s⌋ + 1 per axis; ``size`` an int or an (h, w) pair."""
        sizes = _axes("size", size, 1)
        ndim = max(self.ndim, len(sizes))
        out = []
        for i in range(ndim):
            k, s, p, d = self.axis(i)
            n = sizes[i] if len(sizes) == 2 else sizes[0]
            out.append(output_size(n, k, s, p, d, ceil_mode))
        return _collapse(out)

    def _axes(self):
        return [self.axis(i) for i in range(self.ndim)]

    def __repr__(self):
        def show(value):
            return "x".join(map(str, value)) if is_pair(value) else str(value)

        parts = [f"{self.kind} k{show(self.kernel)}"]
        if self.stride != 1:
            parts.append(f"s{show(self.stride)}")
        if self.padding != 0:
            parts.append(f"p{show_padding(self.padding)}")
        if self.dilation != 1:
            parts.append(f"d{show(self.dilation)}")
        return f"Layer({' '.join(parts)})"


def show_padding(value):
    """As the spec writes it: 1, 1x0 (per axis), 0+1 (left+right on every axis), 0+1x1+0."""
    if is_pair(value) and value and all(is_pair(v) for v in value):
        return "x".join(f"{l}" if l == r else f"{l}+{r}" for l, r in value)
    if is_pair(value):
        return "x".join(map(str, value))
    return str(value)


class Field(NamedTuple):
    """Receptive field r, effective stride S = Π s_l, effective (left) padding P = Σ p_l·Π_{i<l} s_i.

    Ints for a stack described on one axis, (h, w) tuples when some layer is given per axis.
    """

    size: IntOrPair
    stride: IntOrPair
    padding: IntOrPair

    def span(self, u):
        """[u·S - P, u·S - P + r - 1]: the input positions output unit ``u`` sees (inclusive)."""
        if isinstance(self.size, tuple):
            us = u if is_pair(u) else (u, u)
            return tuple((ui * s - p, ui * s - p + r - 1)
                         for ui, r, s, p in zip(us, self.size, self.stride, self.padding))
        start = u * self.stride - self.padding
        return (start, start + self.size - 1)


class Row(NamedTuple):
    """One line of the per-layer table: the layer, its output size, and the field after it."""

    kind: str
    kernel: IntOrPair
    stride: IntOrPair
    padding: IntOrPair
    dilation: IntOrPair
    output: IntOrPair | None
    size: IntOrPair
    effective_stride: IntOrPair
    effective_padding: IntOrPair


def _check_layers(layers):
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise NumericError(f"layers must be a sequence of Layer, got {layers!r} ({type(layers).__name__})")
    layers = list(layers)
    for i, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise NumericError(f"layers[{i}] must be a Layer, got {layer!r} ({type(layer).__name__})")
    return layers


def _fields(layers, ndim):
    """Bottom-up recurrence; yields the Field after each layer."""
    state = [(1, 1, 0)] * ndim     # (r, j, P) per axis
    for layer in layers:
        new = []
        for i, (r, j, big_p) in enumerate(state):
            k, s, (left, _), d = layer.axis(i)
            new.append((r + d * (k - 1) * j, j * s, big_p + left * j))
        state = new
        yield Field(*(_collapse(list(values)) for values in zip(*state)))


def _ndim(layers, extra=1):
    return max([extra] + [layer.ndim for layer in layers])


def receptive_field(layers):
    """r = 1 + Σ_l (κ_l - 1)·Π_{i<l} s_i, S = Π_l s_l, P = Σ_l p_l·Π_{i<l} s_i (Araujo et al. 2019).

    ``layers`` is a sequence of ``Layer`` from the input side; an empty stack has field 1.
    """
    layers = _check_layers(layers)
    field = Field(*(_collapse([v] * _ndim(layers)) for v in (1, 1, 0)))
    for field in _fields(layers, _ndim(layers)):
        pass
    return field


def receptive_field_table(layers, input_size=None):
    """One ``Row`` per layer: its parameters, output size (if ``input_size``), and r, S, P after it.

    ``input_size`` is an int or an (h, w) pair; an output size below 1 raises ValueError naming
    the layer.
    """
    layers = _check_layers(layers)
    if input_size is not None:
        _axes("input_size", input_size, 1)
    ndim = _ndim(layers, 1 if input_size is None or not is_pair(input_size) else 2)
    size = input_size
    rows = []
    for index, (layer, field) in enumerate(zip(layers, _fields(layers, ndim))):
        output = None
        if size is not None:
            try:
                output = layer.output_size(size)
            except ValueError as error:
                raise NumericError(f"layer {index + 1} ({layer!r}): {error}") from None
            size = output
        rows.append(Row(layer.kind, layer.kernel, layer.stride, layer.padding, layer.dilation,
                        output, *field))
    return rows
