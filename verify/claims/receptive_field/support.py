"""rf.empirical: the bounding box of the non-zero input gradient of an interior unit, from ``numeric.conv``'s
backward passes through random stacks of positive convolutions and average pools, against the concluded box
[u·S - P, u·S - P + r - 1]."""
from __future__ import annotations

import numpy as np

from derive import receptive_field as D
from numeric import conv as C
from numeric.receptive_field import receptive_field

from ...claim import Claim, Measurement
from ...closed import linked
from .stacks import as_points, layers, over, random_depth, random_stack

EMPIRICAL_STACKS = 120
"""Random stacks whose field is measured from input gradients."""

BOX = (D.lo(D.L, D.u), D.hi(D.L, D.u))
"""The leftmost and rightmost input positions with a non-zero gradient of unit u."""


def _footprint(stack, rng):
    """Input positions with a non-zero gradient of an interior output unit of a linear stack
    (positive conv weights, average pools), along one axis; returns (u, positions, input size)."""
    field = receptive_field(layers(stack))
    margin = field.size + field.padding + 3 * field.stride
    size = 2 * margin + 4 * field.stride
    sizes = [size]
    for kind, k, s, p, d in stack:
        sizes.append(C.output_size(sizes[-1], k, s, p, d))
    # an interior unit whose span lies well inside the input: no clipping by the borders
    u = (sizes[-1] - 1) // 2
    grad = np.zeros((1, 1, sizes[-1], 1))
    grad[0, 0, u, 0] = 1.0
    for (kind, k, s, p, d), n_in in zip(reversed(stack), reversed(sizes[:-1])):
        if kind == "pool":
            grad = C.avg_pool2d_grad_input(grad, (1, 1, n_in, 1), (k, 1), (s, 1), (p, 0))
        else:
            weight = rng.uniform(0.5, 1.5, (1, 1, k, 1))
            grad = C.conv2d_grad_input(grad, (1, 1, n_in, 1), weight, (s, 1), (p, 0), (d, 1))
    return u, np.flatnonzero(grad[0, 0, :, 0]), size


def _measure(config, rng, budget):
    stacks, units, boxes, holes = [], [], [], 0
    for _ in range(budget.replicates(EMPIRICAL_STACKS)):
        stack = random_stack(rng, random_depth(rng))
        u, support, size = _footprint(stack, rng)
        if support.size == 0 or support[0] == 0 or support[-1] == size - 1:
            raise AssertionError(f"the footprint of {stack} touches the input border: enlarge the input")
        boxes.append((support[0], support[-1]))
        holes += int(support[-1] - support[0] + 1 != support.size)
        stacks.append(stack)
        units.append(u)
    return Measurement(np.array(boxes, dtype=np.float64), kind="exact", cases=len(stacks),
                       points=as_points(stacks, units),
                       note=f"bounding box of the non-zero input gradient; {holes} of {len(stacks)} "
                            f"supports have holes inside the box (dilation, k < s)")


def _expected(config, points, form):
    return np.stack([over(form, lhs, points) for lhs in BOX], axis=1)


def _control(config, points, form):
    return np.stack([over(form, BOX[0], points), over(form, BOX[1], points, control=True)], axis=1)


CLAIMS = [
    Claim(
        id="rf.empirical",
        title="the non-zero input gradient of an interior unit of a positive linear stack has bounding "
              "box [u·S - P, u·S - P + r - 1]",
        source="000 Q1.7, Q2.2",
        expected=linked(_expected, shows=BOX),
        measure=_measure,
        control=linked(_control, shows=BOX[1]),
    ),
]
