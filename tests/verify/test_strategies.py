"""verify.strategies draw only inputs that numeric (and PyTorch's rules) accept."""
import numpy as np
from hypothesis import given, settings

from numeric.conv import conv2d, max_pool2d, output_size
from numeric.init import fans
from numeric.receptive_field import Layer, receptive_field
from verify.strategies import (conv_geometries, grouped_weight_shapes, layer_stacks, pool_geometries,
                               weight_shapes)


@settings(max_examples=30)
@given(layer_stacks(max_depth=4))
def test_layer_stacks_are_stacks_of_valid_layers(layers):
    assert len(layers) <= 4 and all(isinstance(layer, Layer) for layer in layers)
    for layer in layers:
        if layer.kind == "pool":
            assert max(max(sides) for sides in layer.padding) <= layer.kernel // 2   # ((left, right),)
    assert receptive_field(layers).size >= 1


@settings(max_examples=30)
@given(conv_geometries())
def test_conv_geometries_give_a_conv_with_an_output(g):
    rng = np.random.default_rng(g.seed)
    x = rng.standard_normal((g.batch, g.c_in, *g.size))
    w = rng.standard_normal((g.c_out, g.c_in // g.groups, *g.kernel))
    y = conv2d(x, w, None, g.stride, g.padding, g.dilation, g.groups)
    assert y.shape[:2] == (g.batch, g.c_out) and min(y.shape[2:]) >= 1


@settings(max_examples=30)
@given(pool_geometries())
def test_pool_geometries_give_a_pooling_with_an_output(g):
    x = np.random.default_rng(g.seed).standard_normal((1, 1, *g.size))
    y = max_pool2d(x, g.kernel, g.stride, g.padding, g.dilation)
    expected = tuple(output_size(g.size[a], g.kernel[a], g.stride[a], g.padding[a], g.dilation[a]) for a in (0, 1))
    assert y.shape[2:] == expected


@settings(max_examples=30)
@given(weight_shapes(max_channels=8, max_kernel_dims=2), grouped_weight_shapes())
def test_weight_shapes_have_fans(shape, grouped):
    assert 2 <= len(shape) <= 4 and max(shape[:2]) <= 8
    assert min(fans(shape)) >= 1
    grouped_shape, groups = grouped
    assert grouped_shape[0] % groups == 0 and min(fans(grouped_shape, groups)) >= 1
