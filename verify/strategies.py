"""Hypothesis strategies for deep-learning geometry, as the toolkit's own tests use them.

Needs ``hypothesis`` (the ``test`` extra). Each strategy draws valid inputs only: every layer stack,
conv or pool geometry and weight shape it produces is accepted by ``numeric`` (and by PyTorch).

- ``layer_stacks(max_depth=6)``: lists of ``numeric.receptive_field.Layer`` (conv and pool, kernels
  1-5, strides 1-3, dilations 1-3, asymmetric padding ((left, right),); a pool pads at most kernel // 2 per side);
- ``conv_geometries()``: ``ConvGeometry`` records for a grouped, strided, dilated, padded 2-D conv
  whose output is at least 1×1, with a seed for its arrays;
- ``pool_geometries(dilated=True)``: ``PoolGeometry`` records for 2-D max/avg pooling (PyTorch's
  rules: padding <= kernel // 2, at least one output);
- ``weight_shapes(max_channels=64, max_kernel_dims=3)``: ``torch.nn.init`` weight shapes, dense
  ``(out, in)`` and conv ``(out, in/groups, *kernel)`` with 1-D to 3-D kernels;
- ``grouped_weight_shapes()``: ``(shape, groups)`` pairs whose ``out`` channels divide into ``groups``.

Example (a property of your own receptive-field code, checked against ``numeric``)::

    from hypothesis import given
    from numeric.receptive_field import receptive_field
    from verify.strategies import layer_stacks

    @given(layer_stacks(max_depth=4))
    def test_my_field_size(layers):
        assert my_field_size(layers) == receptive_field(layers).size
"""
from __future__ import annotations

from typing import NamedTuple

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - the test extra is missing
    raise ImportError("verify.strategies needs hypothesis: pip install 'dlmath[test]'") from exc

from numeric.receptive_field import Layer

__all__ = ["layer_stacks", "conv_geometries", "ConvGeometry", "pool_geometries", "PoolGeometry",
           "weight_shapes", "grouped_weight_shapes", "seeds"]

Pair = tuple[int, int]


def seeds() -> st.SearchStrategy[int]:
    """Seeds for ``numpy.random.default_rng``: any 32-bit unsigned integer."""
    return st.integers(0, 2**32 - 1)


@st.composite
def layer_stacks(draw, max_depth: int = 6) -> list[Layer]:
    """A stack of 0 to ``max_depth`` 1-D conv/pool layers (padding ((left, right),), one pair per axis)."""
    layers = []
    for _ in range(draw(st.integers(0, max_depth))):
        kind = draw(st.sampled_from(["conv", "pool"]))
        kernel = draw(st.integers(1, 5))
        limit = kernel // 2 if kind == "pool" else 3
        padding = ((draw(st.integers(0, limit)), draw(st.integers(0, limit))),)     # ((left, right),): one axis
        layers.append(Layer(kernel, draw(st.integers(1, 3)), padding, draw(st.integers(1, 3)), kind))
    return layers


class ConvGeometry(NamedTuple):
    """A 2-D convolution: input (batch, c_in, *size), weight (c_out, c_in/groups, *kernel); padding is
    ((top, bottom), (left, right)); ``seed`` seeds the arrays."""

    batch: int
    c_in: int
    c_out: int
    size: Pair
    kernel: Pair
    stride: Pair
    padding: tuple[Pair, Pair]
    dilation: Pair
    groups: int
    seed: int


@st.composite
def conv_geometries(draw) -> ConvGeometry:
    """A small grouped 2-D conv (groups 1-3, kernel 1-3, stride 1-3, dilation 1-2, padding 0-2 per side)
    whose output is at least 1×1."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    size = []
    for axis in range(2):
        extent = dilation[axis] * (kernel[axis] - 1) + 1
        low = max(1, extent - sum(padding[axis]))
        size.append(draw(st.integers(low, low + 6)))
    batch = draw(st.integers(1, 2))
    return ConvGeometry(batch, c_in, c_out, tuple(size), kernel, stride, padding, dilation, groups,
                        draw(seeds()))


class PoolGeometry(NamedTuple):
    """A 2-D pooling window over an input of spatial ``size``; padding (top/bottom, left/right)."""

    size: Pair
    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    seed: int


@st.composite
def pool_geometries(draw, dilated: bool = True) -> PoolGeometry:
    """A 2-D pooling geometry PyTorch accepts (kernel 1-4, stride 1-3, padding <= kernel // 2, dilation
    1-2 unless ``dilated=False``, as average pooling has none) with at least one output."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    size = []
    for axis in range(2):
        extent = dilation[axis] * (kernel[axis] - 1) + 1
        low = max(1, extent - 2 * padding[axis], padding[axis] * dilation[axis])
        size.append(draw(st.integers(low, low + 6)))
    return PoolGeometry(tuple(size), kernel, stride, padding, dilation, draw(seeds()))


@st.composite
def weight_shapes(draw, max_channels: int = 64, max_kernel_dims: int = 3) -> tuple[int, ...]:
    """A weight shape as ``torch.nn.init`` sees it: (out, in) for a dense layer, (out, in/groups, *kernel)
    with kernel sides 1-7 for a conv (1-D up to ``max_kernel_dims``-D)."""
    kernel = draw(st.lists(st.integers(1, 7), min_size=0, max_size=max_kernel_dims))
    return (draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels)), *kernel)


@st.composite
def grouped_weight_shapes(draw) -> tuple[tuple[int, ...], int]:
    """(shape, groups): a weight (out, in/groups, *kernel) of a grouped layer, groups 1-4 dividing out."""
    groups = draw(st.integers(1, 4))
    out = groups * draw(st.integers(1, 6))
    kernel = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    return (out, draw(st.integers(1, 6)), *kernel), groups
