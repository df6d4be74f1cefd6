"""rf.graph and rf.graph.transposed, measured on random graphs by backprop through ``numeric.conv``'s backward
passes (positive weights, average pools: no gradient cancels).

rf.graph: at every merge (sum or concatenation) of random conv/pool graphs, the bounding box of the non-zero
input gradient of unit u of the merge against the derivation's hull, evaluated at the branches' own measured
boxes (S, P, R of each branch from its unit u and u + 1); control: the main path only. rf.graph.transposed:
how many inputs each output of a random transposed convolution reads (non-zero gradient) against the
derivation's ⌊(k - 1 - r)/s⌋ + 1; control: read as a convolution (k inputs).

The helpers below also check ``numeric.receptive_field.Graph`` node by node on random graphs with every kind
of layer (``engine_cases``, used by the tests). A graph is written as numbers: one row per node, (op, input a,
input b, k, s, p, d), node 0 the input and node i + 1 row i, op 0 conv, 1 average pool, 2 transposed conv,
3 nearest upsampling by k, 4 sum, 5 concatenation.
"""
from __future__ import annotations

import numpy as np

from derive.receptive_field import graph as D
from numeric import conv as C
from numeric.receptive_field import (
    Add,
    Concat,
    Conv,
    ConvTranspose,
    Graph,
    Pool,
    Upsample,
)

from ...claim import Claim, Measurement
from ...closed import linked

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


def random_graph(rng, codes=(CONV, CONV, POOL, CONVT, CONVT, UP)):
    """Rows of a random graph of layers ``codes``; merges join two nodes of equal effective stride."""
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
        code = int(rng.choice(list(codes)))
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


def _measured_graph(rng, rows):
    """(sizes, units, box) for ``rows`` on an input long enough that no measured support touches its ends:
    ``box(node, unit)`` is the (first, last) input position with a non-zero gradient, (1, 0) for none."""
    weights = {j + 1: rng.uniform(0.5, 1.5, (1, 1, int(r[3]), 1)) for j, r in enumerate(rows)}
    n = 32
    while True:
        if n > MAX_INPUT:
            raise AssertionError(f"no input up to {MAX_INPUT} holds the supports of graph {rows.tolist()}")
        n *= 2
        try:
            sizes = _sizes(rows, n)
        except ValueError:      # too short for some layer
            continue
        if min(sizes) < 3:
            continue
        units = [size // 2 for size in sizes]
        wanted = {j: {units[j], units[j] + 1} for j in range(len(sizes))}
        for j, (code, a, b, *_) in enumerate(rows.tolist(), start=1):
            if code in (ADD, CAT):                  # a merge's unit is asked of its inputs
                wanted[a] |= {units[j], units[j] + 1}
                wanted[b] |= {units[j]}
        boxes = {}
        for j in range(len(sizes)):
            for unit in sorted(wanted[j]):
                support = _support(rows, sizes, j, unit, weights)
                boxes[j, unit] = (int(support[0]), int(support[-1])) if support.size else (1, 0)
        if all(lo > 0 and hi < n - 1 for lo, hi in boxes.values() if lo <= hi):
            return sizes, units, lambda node, unit, boxes=boxes: boxes[node, unit]


def engine_cases(rng, graphs):
    """Random graphs with every kind of layer: (measured boxes, Graph's boxes, main-path boxes, boxes with
    transposed convolutions taken for convolutions), one row (lo, hi) per node; (1, 0) where a unit sees
    nothing."""
    rows_all, cases, boxes = [], [], []
    for gid in range(graphs):
        rows = random_graph(rng)
        sizes, units, box = _measured_graph(rng, rows)
        for j in range(1, len(sizes)):
            boxes.append(box(j, units[j]))
            cases.append((gid, j, units[j]))
        rows_all.append(np.column_stack([np.full(len(rows), gid), rows]))
    points = (np.concatenate(rows_all), np.array(cases, dtype=np.int64))
    return (np.array(boxes, dtype=np.float64), _boxes(points), _boxes(points, "main path"),
            _boxes(points, "transposed"))


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


MERGE_COLUMNS = ("S", "u", "P_A", "P_B", "R_A", "R_B")


def _measure_merges(config, rng, budget):
    """Every merge of random conv/pool graphs: its box at unit u and its branches' S, P, R from their boxes."""
    points, boxes = [], []
    while len(boxes) < budget.replicates(MERGES):
        rows = random_graph(rng, (CONV, CONV, POOL))
        _, units, box = _measured_graph(rng, rows)
        for j, (code, a, b, *_) in enumerate(rows.tolist(), start=1):
            if code not in (ADD, CAT):
                continue
            u = units[j]
            (lo_a, hi_a), (lo_b, hi_b), (lo_m, hi_m) = box(a, u), box(b, u), box(j, u)
            stride = box(a, u + 1)[0] - lo_a
            points.append((stride, u, stride * u - lo_a, stride * u - lo_b, hi_a - lo_a + 1, hi_b - lo_b + 1))
            boxes.append((lo_m, hi_m, hi_m - lo_m + 1))
    columns = np.array(points, dtype=np.int64).T
    return Measurement(np.array(boxes, dtype=np.float64), kind="exact", cases=len(boxes), points=tuple(columns),
                       note="(first, last, size) of each merge's non-zero input gradient at unit u; S, P, R of its "
                            "branches measured the same way")


def _merge_values(points, names):
    return {name: points[MERGE_COLUMNS.index(name)] for name in names}


MERGE_LHS = (D.lo_M(D.u), D.hi_M(D.u), D.MERGE_SIZE)
MERGE_NEEDS = (("S", "u", "P_A", "P_B"), ("S", "u", "P_A", "P_B", "R_A", "R_B"), ("P_A", "P_B", "R_A", "R_B"))
CONTROL_NEEDS = (("S", "u", "P_A"), ("S", "u", "P_A", "R_A"), ("R_A",))


def _merge_expected(config, points, form):
    return np.stack([form(lhs, **_merge_values(points, needs)) for lhs, needs in zip(MERGE_LHS, MERGE_NEEDS)],
                    axis=1)


def _merge_control(config, points, form):
    return np.stack([form.control(lhs, **_merge_values(points, needs))
                     for lhs, needs in zip(MERGE_LHS, CONTROL_NEEDS)], axis=1)


MERGES = 150
"""Merges measured per run (scaled by the budget)."""
LAYERS = 80
"""Random transposed convolutions per run (scaled by the budget)."""


def _measure_transposed(config, rng, budget):
    """How many inputs have a non-zero gradient for each output near the middle of a random transposed conv."""
    cols, counts = [], []
    for _ in range(budget.replicates(LAYERS)):
        k, s, p = int(rng.integers(1, 6)), int(rng.integers(1, 5)), int(rng.integers(0, 3))
        n = 8 + 2 * k
        m = C.transposed_output_size(n, k, s, p)
        weight = rng.uniform(0.5, 1.5, (1, 1, k, 1))
        for o in range(m // 2 - s, m // 2 + s):
            delta = np.zeros((1, 1, m, 1))
            delta[0, 0, o, 0] = 1.0
            grad = C.conv2d(delta, weight, None, (s, 1), (p, 0))[0, 0, :, 0]   # the adjoint of the layer
            counts.append(np.count_nonzero(grad))
            cols.append((k, s, o, p))
    k, s, o, p = np.array(cols, dtype=np.int64).T
    return Measurement(np.array(counts, dtype=np.float64), kind="exact", cases=len(counts), points=(k, s, o, p),
                       note="inputs with a non-zero gradient of output o, outputs around the middle")


def _count(form, points, control=False):
    k, s, o, p = points
    if control:
        return form.control(D.count(D.r), k=k)
    return form.defined(D.count(D.r), k=k, s=s, o=o, p=p)


CLAIMS = [
    Claim(
        id="rf.graph",
        title="the field of a sum or concatenation is the hull of its branches' fields: it starts at "
              "u·S - max(P_A, P_B) and has max(R_A - P_A, R_B - P_B) + max(P_A, P_B) positions",
        source="issue 16",
        expected=linked(_merge_expected, shows=MERGE_LHS),
        measure=_measure_merges,
        control=linked(_merge_control, shows=MERGE_LHS),
        notes="exact, every merge of random conv/pool graphs, branches measured by backprop",
    ),
    Claim(
        id="rf.graph.transposed",
        title="output o = q·s + r - p of a transposed convolution reads ⌊(k - 1 - r)/s⌋ + 1 inputs: ⌈k/s⌉ or "
              "⌊k/s⌋, varying with o",
        source="issue 16",
        expected=linked(lambda config, points, form: _count(form, points), shows=(D.count(D.r),)),
        measure=_measure_transposed,
        control=linked(lambda config, points, form: _count(form, points, control=True), shows=(D.count(D.r),)),
        notes="exact, outputs around the middle of random transposed convolutions (dilation 1)",
    ),
]
