"""rf.padding: where the field of unit u sits, [first, last] from ``numeric.receptive_field``, and the field
of the same stack without padding, against the concluded span [u·S - P, u·S - P + r - 1] and its size r."""
from __future__ import annotations

import itertools

import numpy as np

from derive import receptive_field as D
from numeric.receptive_field import receptive_field

from ...claim import Claim, Measurement
from ...closed import linked
from .stacks import RANDOM_STACKS, as_points, layers, over, random_depth, random_stack

SPAN = (D.first(D.L, D.u, 0), D.last(D.L, D.u, 0))
"""The first and last input positions read by unit u (and the size between them)."""


def _cases(config, rng, budget):
    """(stack, unit u) pairs."""
    if config["grid"] == "exhaustive":
        layer_grid = [("conv", k, s, p, d) for k, s, p, d in
                      itertools.product(range(1, 4), range(1, 3), range(0, 2), range(1, 3))]
        return [([a, b], u) for a, b in itertools.product(layer_grid, layer_grid) for u in (-1, 2)]
    return [(random_stack(rng, random_depth(rng)), int(rng.integers(-3, 10)))
            for _ in range(budget.replicates(RANDOM_STACKS))]


def _measure(config, rng, budget):
    """Span of units u of padded stacks, and the field of the same stack without padding."""
    cases = _cases(config, rng, budget)
    spans = []
    for stack, u in cases:
        first, last = receptive_field(layers(stack)).span(u)
        unpadded = receptive_field(layers([(kind, k, s, 0, d) for kind, k, s, _, d in stack]))
        spans.append((first, last, unpadded.size))
    stacks, units = zip(*cases)
    return Measurement(np.array(spans, dtype=np.float64), kind="exact", cases=len(cases),
                       points=as_points(stacks, units),
                       note="[first, last, field without padding] per stack and unit u")


def _expected(config, points, form):
    return np.stack([over(form, lhs, points) for lhs in (*SPAN, D.SPAN_SIZE)], axis=1)


def _control(config, points, form):
    """Padding counted into the field: size r + 2P, as if the field grew with the padded border."""
    return np.stack([over(form, SPAN[0], points), over(form, SPAN[1], points, control=True),
                     over(form, D.SPAN_SIZE, points, control=True)], axis=1)


CLAIMS = [
    Claim(
        id="rf.padding",
        title="padding moves a field, never resizes it: unit u sees [u·S - P, u·S - P + r - 1]",
        source="000 Q2.2",
        expected=linked(_expected, shows=(*SPAN, D.SPAN_SIZE)),
        measure=_measure,
        control=linked(_control, shows=D.SPAN_SIZE),
        configs=({"grid": "exhaustive"}, {"grid": "random"}),
    ),
]
