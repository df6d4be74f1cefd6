"""Benchmark: fields, shapes, parameters and MACs of every node of a 1000-node graph.

The graph is a deep residual/Inception/U-Net mix on a 3×224×224 input: stages of conv + batch-norm-like
pointwise + add blocks, concatenations of 1×1/3×3/5×5 branches, four stride-2 downsamplings, then
transposed-convolution and bilinear upsampling back with skip concatenations, a dilated stretch, and
global pooling. Prints the node count and ``seconds=<best analyse() time>``. Goal: well under 1 s.

    .venv/bin/python bench/rf_graph.py [--nodes N] [--repeats R]
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from numeric.receptive_field import (
    AdaptivePool,
    Add,
    Concat,
    Conv,
    ConvTranspose,
    Graph,
    Pointwise,
    Upsample,
)


def build(nodes):
    g = Graph((3, 224, 224))
    count = [0]

    def add(op, *inputs):
        count[0] += 1
        return g.node(f"n{count[0]}", op, *inputs)

    x = add(Conv(32, 3, 2, 1), g.input_name)
    skips, c = [], 32
    budget = nodes - 40
    per_stage = budget // 8
    for stage in range(4):                      # encoder: blocks, then downsample
        start = count[0]
        while count[0] - start < per_stage - 12:
            y = add(Pointwise("relu"), add(Conv(c, 3, 1, 1), x))
            y = add(Conv(c, 3, 1, 2, 2), y) if count[0] % 3 else add(Conv(c, 3, 1, 1), y)
            x = add(Add(), x, y)
            if count[0] % 7 == 0:               # an Inception block
                a = add(Conv(c // 2, 1), x)
                b = add(Conv(c // 4, 3, 1, 1), add(Conv(c // 4, 1), x))
                e = add(Conv(c // 4, 5, 1, 2), add(Conv(c // 4, 1), x))
                x = add(Concat(), a, b, e)
        skips.append((x, c))
        x = add(Conv(2 * c, 3, 2, 1), x)
        c *= 2
    for stage in range(4):                      # decoder: upsample, concatenate the skip, blocks
        skip, c_skip = skips.pop()
        up = ConvTranspose(c_skip, 3, 2, 1, 1) if stage % 2 == 0 else Upsample(2, "bilinear")
        x = add(up, x)
        if stage % 2:
            x = add(Conv(c_skip, 1), x)
        x = add(Concat(), x, skip)
        c = 2 * c_skip
        start = count[0]
        while count[0] - start < per_stage - 6 and count[0] < nodes - 10:
            y = add(Pointwise("relu"), add(Conv(c, 3, 1, 1), x))
            x = add(Add(), x, add(Conv(c, 3, 1, 1), y))
    while count[0] < nodes - 1:
        x = add(Pointwise("relu"), x)
    add(AdaptivePool(1), x)
    return g


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    graph = build(args.nodes)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        rows = graph.analyse()
        times.append(time.perf_counter() - start)
    out = rows[-1]
    varying = sum(r.varies for r in rows)
    print(f"nodes={len(graph.nodes)} output field={out.field} stride={out.stride} varying={varying} "
          f"params={sum(r.params for r in rows):,}")
    print(f"seconds={min(times):.4f}")


if __name__ == "__main__":
    main()
