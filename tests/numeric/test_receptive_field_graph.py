"""numeric.receptive_field.Graph against footprints found by walking explicit index sets back through
random graphs (branches, sums, concatenations, transposed convolutions, upsampling, dilation)."""
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric.receptive_field import (
    AdaptivePool,
    Add,
    Concat,
    Conv,
    ConvTranspose,
    Graph,
    Layer,
    Pointwise,
    Pool,
    Upsample,
    receptive_field,
)


def reads(op, o, size):
    """The input units output unit ``o`` reads along axis 0, from each layer's definition."""
    if isinstance(op, (Conv, Pool)):
        k, s, d = op.k[0], op.s[0], op.d[0]
        left = op._pads((size,) if size else None)[0][0]
        return {o * s - left + t * d for t in range(k)}
    if isinstance(op, ConvTranspose):       # input i writes i·s - p + t·d
        k, s, p, d = op.k[0], op.s[0], op.p[0], op.d[0]
        return {i for i in range((o + p) // s - k * d - 1, (o + p) // s + 2)
                for t in range(k) if i * s - p + t * d == o}
    if isinstance(op, Upsample):
        f = op.f[0]
        if op.mode == "nearest":
            return {o // f}
        src = Fraction(2 * o + 1, 2 * f) - Fraction(1, 2)
        return {math.floor(src), math.ceil(src)}
    if isinstance(op, AdaptivePool):
        n, m = size, op.m[0]
        return set(range(o * n // m, -(-(o + 1) * n // m)))
    return {o}


def footprint(graph, name, units):
    """Input positions read by ``units`` of node ``name``."""
    if name == graph.input_name:
        return set(units)
    _, op, inputs = next(n for n in graph.nodes if n[0] == name)
    if len(inputs) > 1:
        return set().union(*(footprint(graph, i, units) for i in inputs))
    size = graph.size_of[inputs[0]] if hasattr(graph, "size_of") else None
    below = set().union(*(reads(op, o, size) for o in units)) if units else set()
    return footprint(graph, inputs[0], below)


@st.composite
def layers(draw):
    kind = draw(st.sampled_from(["conv", "pool", "convT", "up", "bilinear", "relu"]))
    k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    if kind == "conv":
        return Conv(1, k, s, draw(st.integers(0, 2)), d)
    if kind == "pool":
        return Pool(k, s, draw(st.integers(0, k // 2)), kind=draw(st.sampled_from(["max", "avg"])))
    if kind == "convT":
        return ConvTranspose(1, k, s, draw(st.integers(0, 2)), 0, d)
    if kind in ("up", "bilinear"):
        return Upsample(draw(st.integers(2, 3)), "nearest" if kind == "up" else "bilinear")
    return Pointwise("relu")


@st.composite
def graphs(draw):
    """1-D graphs of up to 8 layers; a merge joins two earlier nodes of equal effective stride."""
    g = Graph(ndim=1)
    names = [g.input_name]
    for i in range(draw(st.integers(1, 8))):
        if len(names) > 2 and draw(st.booleans()):
            a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
            rows = {r.name: r for r in g.analyse()}
            if rows[a].maps is not None and rows[b].maps is not None and rows[a].stride == rows[b].stride:
                g.node(f"m{i}", draw(st.sampled_from([Add(), Concat()])), a, b)
                names.append(f"m{i}")
                continue
        g.node(f"n{i}", draw(layers()), draw(st.sampled_from(names)))
        names.append(f"n{i}")
    return g


@settings(max_examples=300, deadline=None)
@given(graphs(), st.integers(-6, 6))
def test_every_node_and_unit_sees_the_bounding_box_of_its_footprint(g, unit):
    for row in g.analyse():
        if row.maps is None:
            continue
        positions = footprint(g, row.name, {unit})
        want = (min(positions), max(positions)) if positions else None
        assert row.span(unit) == (want,), (row.name, unit)


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_field_and_field_min_are_the_extremes_over_units(g):
    for row in g.analyse():
        if row.maps is None:
            continue
        sizes = []
        for u in range(-12, 12):
            span = row.span(u)[0]
            sizes.append(0 if span is None else span[1] - span[0] + 1)
        assert (max(sizes), min(sizes)) == (row.field[0], row.field_min[0])


def test_stacks_agree_with_the_recurrence():
    g = Graph(ndim=1)
    stack = [Layer(3, 1, 1), Layer(3, 2, kind="pool"), Layer(3, 1, 0, 2), Layer(5, 3, 2)]
    last = g.input_name
    for i, layer in enumerate(stack):
        k, s, (p, _), d = layer.axis(0)
        last = g.node(f"l{i}", (Pool(k, s, p) if layer.kind == "pool" else Conv(1, k, s, p, d)), last)
    row = g.analyse()[-1]
    field = receptive_field(stack)
    assert (row.field[0], row.stride[0], -row.start[0]) == tuple(field)


def test_transposed_field_is_fractional_stride_and_varies():
    g = Graph((1, 8), input_name="x")
    g.node("t", ConvTranspose(1, 3, 2, 1, 1), "x")
    row = g.analyse()[-1]
    assert row.output_shape == (1, 16)
    assert row.stride == [Fraction(1, 2)] and row.field == [2] and row.field_min == [1] and row.varies


def test_kernel_shorter_than_stride_leaves_units_blind():
    g = Graph(ndim=1)
    g.node("t", ConvTranspose(1, 1, 2), "input")
    g.node("c", Conv(1, 3, 1, 1), "t")
    t, c = g.analyse()[1:]
    assert t.field_min == [0] and t.span(1) == (None,)
    assert c.span(1) == ((0, 1),) and c.span(0) == ((0, 0),)


def test_resnet_shortcut_is_aligned_and_a_shifted_branch_is_reported():
    g = Graph((8, 32, 32))
    g.node("a", Conv(8, 3, 2, 1), "input")
    g.node("b", Conv(8, 3, 1, 1), "a")
    g.node("short", Conv(8, 1, 2), "input")
    g.node("sum", Add(), "b", "short")
    row = g.analyse()[-1]
    assert row.aligned and row.notes == ["field is b's: it contains the other inputs' fields"]
    g.node("half", Conv(8, 2, 1, ((0, 1), (0, 1))), "sum")  # even kernel: its centre is half a position off
    g.node("bad", Add(), "half", "sum")
    bad = g.analyse()[-1]
    assert not bad.aligned and bad.maps is not None
    assert "misaligned: centres of inputs 0 and 1 are offset by -1 input positions (effective stride 2)" \
        in bad.notes[0]
    g.node("crop", Conv(8, 3, 1, ((2, 0), (2, 0))), "sum")  # a whole unit: a shift, not misaligned
    g.node("shifted", Add(), "crop", "sum")
    shifted = g.analyse()[-1]
    assert shifted.aligned and "shift: input 1 is offset by 1 units" in shifted.notes[0]
    g = Graph(ndim=2)           # no shapes: strides that differ (sizes would refuse the merge first)
    g.node("s2", Conv(8, 1, 2), "input")
    g.node("s4", Conv(8, 1, 4), "input")
    g.node("worse", Concat(), "s2", "s4")
    g.node("later", Conv(8, 3), "worse")
    worse, later = g.analyse()[-2:]
    assert worse.maps is None and "effective strides differ (2, 4)" in worse.notes[0]
    assert later.maps is None and later.notes[0].startswith("after axis 0: misaligned")
    with pytest.raises(ValueError, match="node 'later' has no field"):
        later.span(0)


def test_same_padding_is_tensorflows_and_depends_on_the_input_size():
    for n, left in ((224, 0), (225, 1)):
        g = Graph((3, n))
        g.node("c", Conv(4, 3, 2, "same"), "input")
        row = g.analyse()[-1]
        assert row.start == [-left] and row.output_shape == (4, -(-n // 2))
    with pytest.raises(ValueError, match="'same' with stride 2 depends on the input size"):
        g = Graph(ndim=1)
        g.node("c", Conv(4, 3, 2, "same"), "input")
        g.analyse()


def test_per_axis_padding_reads_as_in_pytorch():
    g = Graph((1, 10, 10))
    g.node("c", Conv(1, (3, 1), 1, (1, 0)), "input")
    g.node("d", Conv(1, 3, 1, ((0, 2), (1, 1))), "c")
    c, d = g.analyse()[1:]
    assert c.output_shape == (1, 10, 10) and c.start == [-1, 0]
    assert d.output_shape == (1, 10, 10) and d.start == [-1, -1] and d.field == [5, 3]


def test_ceil_mode_and_3d():
    g = Graph((2, 5, 7, 9))
    g.node("p", Pool(2, 2, ceil_mode=True), "input")
    g.node("q", Pool((1, 3, 3), (1, 2, 2), (0, 1, 1)), "p")
    p, q = g.analyse()[1:]
    assert p.output_shape == (2, 3, 4, 5) and q.output_shape == (2, 3, 2, 3)
    assert q.field == [2, 6, 6] and q.stride == [2, 4, 4]


@pytest.mark.parametrize("call, words", [
    (lambda g: g.node("c", Conv(1, 3), "nowhere"), "input 'nowhere' of node 'c' is not an earlier node"),
    (lambda g: g.node("input", Conv(1, 3), "input"), "name 'input' is already a node"),
    (lambda g: g.node("c", Conv(1, (3, 3, 3)), "input"), "kernel must be an int or 2 ints"),
    (lambda g: g.node("c", Conv(1, 3, padding=((1, 1),)), "input"), "padding must give 2"),
    (lambda g: g.node("c", Conv(1, 3), "input", "input"), "takes one input"),
    (lambda g: g.node("c", ConvTranspose(1, 3, 2, output_padding=2), "input"), "output_padding must be < max(stride, dilation) = 2"),
    (lambda g: g.node("c", "conv", "input"), "must be a receptive_field Op"),
])
def test_bad_nodes_are_refused_naming_the_argument(call, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        call(Graph(ndim=2))


def test_bad_shapes_name_the_node():
    g = Graph((1, 4, 4))
    g.node("c", Conv(1, 5), "input")
    with pytest.raises(ValueError, match="node 'c' \\(conv\\): output size must be >= 1 on axis 0"):
        g.analyse()


def test_tensorflow_same_offsets_that_depend_on_the_input_size_are_misaligned():
    for n in (224, 225):
        g = Graph((3, n))
        g.node("main", Conv(4, 3, 2, "same"), "input")
        g.node("short", Conv(4, 1, 2, "same"), "input")
        g.node("sum", Add(), "main", "short")
        row = g.analyse()[-1]
        assert not row.aligned
        assert any("depend on the input size ([[0]] at this input, [[1]] at one more per axis)" in note
                   or "depend on the input size ([[1]] at this input, [[0]] at one more per axis)" in note
                   for note in row.notes), row.notes
    g = Graph((3, 224))                  # explicit padding: the same offsets at every input size
    g.node("main", Conv(4, 3, 2, 1), "input")
    g.node("short", Conv(4, 1, 2), "input")
    g.node("sum", Add(), "main", "short")
    assert g.analyse()[-1].aligned
