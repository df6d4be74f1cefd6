"""numeric.receptive_field against footprints found by walking index sets down the stack."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from numeric.receptive_field import Field, Layer, receptive_field, receptive_field_table
from verify.strategies import layer_stacks


def footprint(layers, unit, axis=0):
    """Input positions that output ``unit`` reads, by explicit index sets, top layer first:
    unit i of a layer reads positions i·s - p_left + t·d, t = 0..k-1, of the layer below."""
    positions = {unit}
    for layer in reversed(layers):
        k, s, (left, _), d = layer.axis(axis)
        positions = {i * s - left + t * d for i in positions for t in range(k)}
    return positions


@given(layer_stacks(), st.integers(-5, 5))
def test_field_is_the_bounding_box_of_the_footprint(layers, unit):
    field = receptive_field(layers)
    positions = footprint(layers, unit)
    assert field.span(unit) == (min(positions), max(positions))
    assert field.size == max(positions) - min(positions) + 1
    assert field.stride == int(np.prod([layer.stride for layer in layers]))


@given(layer_stacks())
def test_padding_moves_the_field_but_never_resizes_it(layers):
    unpadded = [Layer(l.kernel, l.stride, 0, l.dilation, l.kind) for l in layers]
    assert receptive_field(layers).size == receptive_field(unpadded).size
    assert receptive_field(unpadded).padding == 0


@given(layer_stacks())
def test_table_rows_follow_the_stack(layers):
    rows = receptive_field_table(layers)
    for depth, row in enumerate(rows, start=1):
        assert (row.size, row.effective_stride, row.effective_padding) == tuple(
            receptive_field(layers[:depth]))
        assert row.output is None


def test_notes_numbers():
    # 000 Q1.7: four 3×3 stride-1 layers see 9×9
    assert receptive_field([Layer(3, 1, 1)] * 4).size == 9
    # 000 Q2.2: 3×3 conv (stride 1, padding 1), then 3×3 stride 2: 5 (the notes' 7 is wrong)
    assert receptive_field([Layer(3, 1, 1), Layer(3, 2)]).size == 5


def test_vgg16_main_path_matches_the_published_field():
    """Araujo, Norris & Sim (Distill 2019), table of modern networks: VGG 16 has r = 212,
    effective stride 32 and effective padding 90 (13 conv 3×3/1/1 layers, 5 max pools 2/2)."""
    conv, pool = Layer(3, 1, 1), Layer(2, 2, kind="pool")
    blocks = [2, 2, 3, 3, 3]
    layers = [layer for n in blocks for layer in [conv] * n + [pool]]
    assert receptive_field(layers) == Field(212, 32, 90)
    sizes = [row.output for row in receptive_field_table(layers, 224)]
    assert sizes[-1] == 7


def test_non_square_kernels_are_per_axis():
    layers = [Layer((3, 5), 2, ((0, 1),)), Layer(3, kind="pool", padding=1)]
    field = receptive_field(layers)
    assert field.size == (3 + 2 * 2, 5 + 2 * 2)
    assert field.stride == (2, 2)
    assert field.padding == (0 + 1 * 2, 0 + 1 * 2)
    for axis in range(2):
        positions = footprint(layers, 3, axis)
        assert field.span((3, 3))[axis] == (min(positions), max(positions))
    rows = receptive_field_table(layers, (9, 12))
    assert [row.output for row in rows] == [(4, 5), (4, 5)]


def test_empty_stack_sees_one_position():
    assert receptive_field([]) == Field(1, 1, 0)


INVALID = [
    (lambda: Layer(0), "kernel must be >= 1, got 0"),
    (lambda: Layer(3, stride=0), "stride must be >= 1, got 0"),
    (lambda: Layer(3, dilation=0), "dilation must be >= 1, got 0"),
    (lambda: Layer(3, padding=-1), "padding must be >= 0, got -1"),
    (lambda: Layer(3, padding=(1, -1)), r"padding\[1\] must be >= 0, got -1"),
    (lambda: Layer(3, padding=((1, -1),)), r"padding\[0\]\[1\] must be >= 0, got -1"),
    (lambda: Layer((3, 0)), r"kernel\[1\] must be >= 1, got 0"),
    (lambda: Layer(3, padding=2, kind="pool"),
     r"padding must be <= kernel // 2 = 1 for a pool layer \(left\), got 2"),
    (lambda: Layer(3, kind="norm"), "kind must be one of"),
    (lambda: receptive_field_table([Layer(5)], 3), "layer 1 .*output size must be >= 1, got -1"),
    (lambda: receptive_field_table([Layer(3, 2), Layer(3, 2)], 5),
     "layer 2 .*output size must be >= 1, got 0"),
]


@pytest.mark.parametrize("call, message", INVALID)
def test_invalid_layers_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_layers_must_be_layers():
    with pytest.raises(TypeError, match=r"layers\[0\] must be a Layer"):
        receptive_field([(3, 1, 1)])


def test_per_axis_padding_reads_as_in_pytorch():
    """padding=(1, 0) pads the height by 1 on both sides and the width by 0, as nn.Conv2d reads it."""
    per_axis = Layer((3, 1), padding=(1, 0))
    assert per_axis.axis(0)[2] == (1, 1) and per_axis.axis(1)[2] == (0, 0)
    assert per_axis.output_size((10, 10)) == (10, 10)
    assert Layer(3, padding=((0, 1),)).axis(0)[2] == (0, 1)


def test_repr_reads_like_the_spec():
    assert repr(Layer((3, 5), 2, ((0, 1),), kind="pool")) == "Layer(pool k3x5 s2 p0+1)"
    assert repr(Layer((3, 1), padding=(1, 0))) == "Layer(conv k3x1 p1x0)"
    assert repr(Layer(3, dilation=2)) == "Layer(conv k3 d2)"
