"""rf.graph: on random 1-D graphs (branches, sums, concatenations, transposed convolutions, nearest upsampling,
dilation) the field ``numeric.receptive_field.Graph`` computes for an interior unit of every node is exactly
the bounding box of the non-zero input gradient of that unit, backpropagated with ``numeric.conv``'s backward
passes (positive weights, average pools: no gradient cancels).

Negative controls, each a mistake of public tools: the main path only (a merge reads its first input and the
shortcut's field is ignored), and a transposed convolution taken for a convolution of the same kernel and
stride (no fractional stride).

A graph is written as numbers (``Measurement.points``): one row per node, (op, input a, input b, k, s, p, d),
node 0 the input and node i + 1 row i, op 0 conv, 1 average pool, 2 transposed conv, 3 nearest upsampling
by k, 4 sum, 5 concatenation; the graph id and unit of every measured node beside it.
"""
from __future__ import annotations

import numpy as np

from numeric import conv as C
from numeric.receptive_field import Add, Concat, Conv, ConvTranspose, Graph, Pool, Upsample

from ...claim import Claim, Measurement

GRAPHS = 60
"""Random graphs per run (scaled by the budget)."""
MAX_NODES = 8
CONV, POOL, CONVT, UP, ADD, CAT = range(6)
WIDTH = 7
"""Numbers per node row."""
MAX_INPUT = 1 << 16


def _op(code, k, s, p, d, control=None):
    if code == CONV or (code == CONVT and control == "transposed"):
        return Conv(1, int(k), int(s), int(p), int(d))
    if code == POOL:
        return Pool(int(k), int(s), int(p), kind="avg")
    if code == CONVT:
        return ConvTranspose(1, int(k), int(s), int(p), 0, int(d))
    if code == UP:
        return Upsample(int(k))
    return Add() if code == ADD else Concat()


def decode(rows, control=None):
    """The graph of ``rows``; ``control`` "main path" drops every merge's later inputs, "transposed" takes
    transposed convolutions for convolutions."""
    g = Graph(ndim=1)
    for i, (code, a, b, k, s, p, d) in enumerate(rows.tolist()):
        inputs = [f"n{a}" if a else g.input_name]
        first_only = control == "main path"
        if code in (ADD, CAT) and control == "transposed":
            # strides changed by the mistake may no longer agree: such a merge keeps its first input
            strides = [r.stride for r in g.analyse()]
            first_only = strides[a] != strides[b]
        if code in (ADD, CAT) and not first_only:
            inputs.append(f"n{b}" if b else g.input_name)
        op = _op(code, k, s, p, d, control)
        if code in (ADD, CAT) and first_only:
            op = Pool(1, 1, 0, kind="avg")          # the identity: the first input only
        g.node(f"n{i + 1}", op, *inputs)
    return g


def random_graph(rng):
    """Rows of a random graph; merges join two nodes of equal effective stride."""
    rows = []
    for i in range(int(rng.integers(2, MAX_NODES + 1))):
        strides = [r.stride[0] for r in decode(np.array(rows, dtype=np.int64).reshape(-1, WIDTH)).analyse()]
        if i >= 2 and rng.random() < 0.35:
            a = int(rng.integers(0, i + 1))
            same = [b for b in range(i + 1) if b != a and strides[b] == strides[a]]
            if same:
                rows.append([int(rng.choice([ADD, CAT])), a, int(rng.choice(same)), 0, 0, 0, 0])
                continue
        a = i if rng.random() < 0.6 else int(rng.integers(0, i + 1))
        code = int(rng.choice([CONV, CONV, POOL, CONVT, CONVT, UP]))
        k, s = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        if code == UP:
            rows.append([UP, a, 0, int(rng.integers(2, 4)), 1, 0, 1])
        elif code == POOL:
            rows.append([POOL, a, 0, k, s, int(rng.integers(0, k // 2 + 1)), 1])
        else:
            rows.append([code, a, 0, k, s, int(rng.integers(0, 3)), int(rng.integers(1, 3))])
    return np.array(rows, dtype=np.int64)


def _sizes(rows, n):
    """Output length of every node for an input of length ``n`` (a merge keeps its inputs' common prefix)."""
    sizes = [n]
    for code, a, b, k, s, p, d in rows.tolist():
        m = sizes[a]
        if code in (CONV, POOL):
            out = C.output_size(m, k, s, p, d)
        elif code == CONVT:
            out = C.transposed_output_size(m, k, s, p, d)
        elif code == UP:
            out = m * k
        else:
            out = min(m, sizes[b])
        sizes.append(out)
    return sizes


def _support(rows, sizes, node, unit, weights):
    """Input positions where the gradient of unit ``unit`` of ``node`` is non-zero (backprop)."""
    grads = {node: np.zeros(sizes[node])}
    grads[node][unit] = 1.0
    for j in range(node, 0, -1):
        if j not in grads:
            continue
        g = grads.pop(j)
        code, a, b, k, s, p, d = rows[j - 1].tolist()
        col = g.reshape(1, 1, -1, 1)
        if code == CONV:
            below = C.conv2d_grad_input(col, (1, 1, sizes[a], 1), weights[j], (s, 1), (p, 0), (d, 1))[0, 0, :, 0]
        elif code == POOL:
            below = C.avg_pool2d_grad_input(col, (1, 1, sizes[a], 1), (k, 1), (s, 1), (p, 0))[0, 0, :, 0]
        elif code == CONVT:         # the adjoint of a transposed convolution is the convolution
            below = C.conv2d(col, weights[j], None, (s, 1), (p, 0), (d, 1))[0, 0, :, 0]
        elif code == UP:
            below = g.reshape(-1, k).sum(axis=1)
        if code in (ADD, CAT):
            for i in (a, b):
                grads.setdefault(i, np.zeros(sizes[i]))[: len(g)] += g
        else:
            grads.setdefault(a, np.zeros(sizes[a]))[: len(below)] += below[: sizes[a]]
    return np.flatnonzero(grads.get(0, np.zeros(1)))


def _measure(config, rng, budget):
    rows_all, cases, boxes = [], [], []
    for gid in range(budget.replicates(GRAPHS)):
        rows = random_graph(rng)
        spans = decode(rows).analyse()
        weights = {j + 1: rng.uniform(0.5, 1.5, (1, 1, int(r[3]), 1)) for j, r in enumerate(rows)}
        n = 64
        while True:     # an input long enough that every measured unit's field lies inside it
            if n > MAX_INPUT:
                raise AssertionError(f"no input up to {MAX_INPUT} holds the fields of graph {rows.tolist()}")
            try:
                sizes = _sizes(rows, n)
            except ValueError:      # too short for some layer
                n *= 2
                continue
            units = [sizes[j] // 2 for j in range(len(sizes))]
            ends = [spans[j].span(units[j])[0] for j in range(1, len(sizes))]
            if all(e is None or (e[0] > 0 and e[1] < n - 1) for e in ends):
                break
            n *= 2
        for j in range(1, len(sizes)):
            support = _support(rows, sizes, j, units[j], weights)
            boxes.append((support[0], support[-1]) if support.size else (1, 0))
            cases.append((gid, j, units[j]))
        rows_all.append(np.column_stack([np.full(len(rows), gid), rows]))
    points = (np.concatenate(rows_all), np.array(cases, dtype=np.int64))
    return Measurement(np.array(boxes, dtype=np.float64), kind="exact", cases=len(cases), points=points,
                       note=f"{len(rows_all)} random graphs, every node: bounding box of the non-zero input "
                            f"gradient (backprop) against Graph's field; (1, 0) where a unit sees nothing")


def _boxes(points, control=None):
    table, cases = points
    graphs = {}
    for gid in np.unique(table[:, 0]).tolist():
        graphs[gid] = decode(table[table[:, 0] == gid][:, 1:], control).analyse()
    out = []
    for gid, node, unit in cases.tolist():
        span = graphs[gid][node].span(unit)[0]
        out.append(span if span is not None else (1, 0))
    return np.array(out, dtype=np.float64)


CLAIMS = [
    Claim(
        id="rf.graph",
        title="on random graphs with sums, concatenations, transposed convolutions and upsampling, every node's "
              "field is the bounding box of the non-zero input gradient of its unit; a merge sees the hull",
        source="issue 16",
        expected=lambda config, points: _boxes(points),
        formula="[lo(u), hi(u)] of numeric.receptive_field.Graph; a merge: [min lo, max hi] of its inputs",
        measure=_measure,
        control=lambda config, points: _boxes(points, "main path"),
        control_formula="the main path only: a merge reads its first input, its shortcut's field ignored",
        notes="exact, every node of every graph; units at the centre of each node's output",
    ),
    Claim(
        id="rf.graph.transposed",
        title="a transposed convolution's output u reads the inputs ⌈(u + p - d(k-1))/s⌉..⌊(u + p)/s⌋: effective "
              "stride divided by s, fields that vary with u (same graphs and measurement as rf.graph)",
        source="issue 16",
        expected=lambda config, points: _boxes(points),
        formula="[lo(u), hi(u)] of numeric.receptive_field.Graph with the transposed rule",
        measure=_measure,
        control=lambda config, points: _boxes(points, "transposed"),
        control_formula="a transposed convolution taken for a convolution of the same kernel and stride",
        notes="exact, every node of every graph; units at the centre of each node's output",
    ),
]
