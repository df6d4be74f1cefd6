"""Receptive fields, shapes, parameters and MACs of every node of a directed acyclic graph of layers.

    g = Graph((3, 224, 224))                       # (channels, *spatial); or Graph(ndim=2)
    g.node("conv1", Conv(64, 7, 2, 3), "input")
    g.node("sum", Add(), "conv1", "shortcut")
    for row in g.analyse(): print(row.name, row.field, row.stride, row.start)

Each node's field along each axis is an ``AxisMap`` (see ``axis``): the input positions [lo(u), hi(u)]
that its unit u sees, exact for every unit of an unbounded input. A merge takes the hull of its inputs'
fields and says when they are misaligned. Where the field varies with the unit (after a transposed
convolution or an upsampling) ``field`` is the largest over units and ``field_min`` the smallest.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field

from numeric._checks import NumericError, int_tuple, integer
from numeric.receptive_field.axis import IDENTITY, hull
from numeric.receptive_field.ops import Op, _Whole

__all__ = ["Graph", "NodeField"]


@dataclass
class NodeField:
    """One node's results: ``maps`` holds one AxisMap per input axis (None after a misaligned merge)."""

    name: str
    op: str
    inputs: tuple
    output_shape: tuple | None
    maps: tuple | None
    params: int | None
    macs: int | None
    notes: list = _field(default_factory=list)

    @property
    def field(self):
        """Largest field over units, per axis (None when the node has no periodic field)."""
        return None if self.maps is None else [max(m.sizes()) for m in self.maps]

    @property
    def field_min(self):
        return None if self.maps is None else [min(m.sizes()) for m in self.maps]

    @property
    def aligned(self):
        """False when a merge's inputs are misaligned (here or above: then ``maps`` is None)."""
        return self.maps is not None and not any("misaligned" in note for note in self.notes)

    @property
    def varies(self):
        return self.maps is not None and self.field != self.field_min

    @property
    def stride(self):
        """Effective stride per axis: an int, or a Fraction after transposed layers and upsampling."""
        return None if self.maps is None else [m.stride for m in self.maps]

    @property
    def start(self):
        """First input position seen by unit 0 per axis (-effective padding); of the first unit that
        sees anything when unit 0 sees nothing."""
        if self.maps is None:
            return None
        out = []
        for m in self.maps:
            first = next((u for u in range(m.period) if m.lo[u] is not None), None)
            out.append(None if first is None else m.at(first)[0])
        return out

    def span(self, unit):
        """Per axis, (lo, hi) of the input positions unit ``unit`` (one index per axis) sees, or None."""
        if self.maps is None:
            raise NumericError(f"node {self.name!r} has no field ({'; '.join(self.notes)})")
        unit = tuple(unit) if isinstance(unit, (tuple, list)) else (unit,) * len(self.maps)
        return tuple(m.at(u) for m, u in zip(self.maps, unit))


class Graph:
    """Nodes in topological order, from one input node named ``input_name``."""

    def __init__(self, input_shape=None, *, ndim=None, input_name="input"):
        if input_shape is not None:
            input_shape = int_tuple("input_shape", input_shape, "(channels, *spatial)", minimum=1)
            if not 2 <= len(input_shape) <= 4:
                raise NumericError(f"input_shape must be (channels, *spatial) with 1 to 3 spatial axes, "
                                   f"got {input_shape!r}")
            ndim = len(input_shape) - 1
        else:
            ndim = integer("ndim", ndim if ndim is not None else 2, 1)
            if ndim > 3:
                raise NumericError(f"ndim must be 1, 2 or 3, got {ndim}")
        self.input_shape, self.ndim, self.input_name = input_shape, ndim, input_name
        self.nodes = []          # (name, op, inputs)
        self._names = {input_name}

    def __repr__(self):
        lines = [f"{name} = {op!r}({', '.join(inputs)})" for name, op, inputs in self.nodes]
        return f"Graph({self.input_shape or f'ndim={self.ndim}'}: " + "; ".join(lines) + ")"

    def node(self, name, op, *inputs):
        """Add ``op`` reading ``inputs`` (names of earlier nodes) as node ``name``; returns ``name``."""
        if not isinstance(name, str) or not name:
            raise NumericError(f"name must be a non-empty str, got {name!r}")
        if name in self._names:
            raise NumericError(f"name {name!r} is already a node")
        if not isinstance(op, Op):
            raise NumericError(f"op of node {name!r} must be a receptive_field Op, got {op!r}")
        if not inputs:
            raise NumericError(f"node {name!r} needs at least one input")
        for i in inputs:
            if i not in self._names:
                raise NumericError(f"input {i!r} of node {name!r} is not an earlier node")
        if op.arity == 1 and len(inputs) != 1:
            raise NumericError(f"node {name!r} ({op.name}) takes one input, got {len(inputs)}")
        try:
            op.check(self.ndim)
        except ValueError as error:
            raise NumericError(f"node {name!r} ({op.name}): {error}") from None
        self.nodes.append((name, op, tuple(inputs)))
        self._names.add(name)
        return name

    def analyse(self):
        """A ``NodeField`` per node, the input first; the last node is the output.

        When some padding depends on the input size (TensorFlow's "same" with stride > 1), each merge's
        offsets between its inputs are compared with those on an input one larger per axis; offsets that
        change are reported as misaligned (they depend on the input size).
        """
        rows = self._rows(self.input_shape)
        if self.input_shape is not None and any(_size_dependent(op) for _, op, _ in self.nodes):
            try:
                other = self._rows((self.input_shape[0], *(n + 1 for n in self.input_shape[1:])))
            except ValueError:          # the larger input does not fit some layer: nothing to compare
                return rows
            _compare_offsets(rows, other)
        return rows

    def _rows(self, shape):
        first = NodeField(self.input_name, "input", (), shape, (IDENTITY,) * self.ndim, 0, 0)
        done = {self.input_name: first}
        rows = [first]
        for name, op, inputs in self.nodes:
            try:
                row = self._one(name, op, [done[i] for i in inputs])
            except ValueError as error:
                raise NumericError(f"node {name!r} ({op.name}): {error}") from None
            done[name] = row
            rows.append(row)
        return rows

    def _one(self, name, op, ins):
        shapes = [r.output_shape for r in ins]
        known = all(s is not None for s in shapes)
        sizes = shapes[0][1:] if known else None
        out = op.output_shape(shapes) if known else None
        params = op.params(shapes) if known else None
        macs = op.macs(shapes, out) if known else None
        notes = [note for r in ins if r.maps is None for note in r.notes[:1]]
        if notes:
            return NodeField(name, op.name, tuple(r.name for r in ins), out, None, params, macs,
                             [f"after {n}" if not n.startswith("after") else n for n in notes])
        if op.arity == 1:
            flat = isinstance(op, _Whole) and known and len(sizes) == 0
            maps = tuple(m.after(IDENTITY if flat else op.local(axis, sizes))
                         for axis, m in enumerate(ins[0].maps))
        else:
            maps, notes = [], []
            for axis in range(self.ndim):
                merged, note = hull([r.maps[axis] for r in ins])
                maps.append(merged)
                if note:
                    notes.append(f"axis {axis}: {note}")
            maps = None if any(m is None for m in maps) else tuple(maps)
            if maps is not None:
                notes += _containing(ins, maps)
        return NodeField(name, op.name, tuple(r.name for r in ins), out, maps, params, macs, notes)


def _containing(ins, maps):
    """Say which input's field the merge's field is, when one input's contains every other's."""
    for r in ins:
        if all(m == own for m, own in zip(maps, r.maps)):
            return [f"field is {r.name}'s: it contains the other inputs' fields"]
    return []


def _size_dependent(op):
    return getattr(op, "pads", None) == "same" and any(s > 1 for s in op.s)


def _offsets(by_name, row):
    """Per axis, the start of each input minus the start of the first (None where one is missing)."""
    starts = [by_name[name].start for name in row.inputs]
    if any(s is None or None in s for s in starts):
        return None
    return [[s[axis] - starts[0][axis] for s in starts[1:]] for axis in range(len(starts[0]))]


def _compare_offsets(rows, other):
    """Note merges whose inputs' offsets differ between the two analyses (an input-size-dependent offset)."""
    here, there = {r.name: r for r in rows}, {r.name: r for r in other}
    for row in rows:
        if len(row.inputs) < 2 or row.maps is None:
            continue
        a, b = _offsets(here, row), _offsets(there, there[row.name])
        if a is not None and b is not None and a != b:
            row.notes.append(f"misaligned: the offsets between its inputs depend on the input size "
                             f"({a} at this input, {b} at one more per axis)")
