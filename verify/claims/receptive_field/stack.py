"""rf.recurrence: the field of random and exhaustively listed stacks from ``numeric.receptive_field`` (the
bottom-up recurrence) against the concluded field of a depth-L stack, evaluated at each stack's depth."""
from __future__ import annotations

import numpy as np

from derive import receptive_field as D
from numeric.receptive_field import receptive_field

from ...claim import Claim, Measurement
from ...closed import linked
from .stacks import RANDOM_STACKS, as_points, exhaustive_stacks, layers, over, random_depth, random_stack

FIELD = D.field(D.L, D.u, 0)
"""The field of a depth-L stack (the part of rf.recurrence's conclusion checked here)."""


def _stacks(config, rng, budget):
    if config["grid"] == "exhaustive":
        return list(exhaustive_stacks())
    return [random_stack(rng, random_depth(rng), pool_dilation=True) for _ in range(budget.replicates(RANDOM_STACKS))]


def _measure(config, rng, budget):
    stacks = _stacks(config, rng, budget)
    sizes = [receptive_field(layers(stack)).size for stack in stacks]
    return Measurement(np.array(sizes, dtype=np.float64), kind="exact", cases=len(stacks), points=as_points(stacks),
                       note="numeric.receptive_field (bottom-up recurrence) against the closed form")


CLAIMS = [
    Claim(
        id="rf.recurrence",
        title="the interval maps of the layers compose: r = 1 + Σ_l (κ_l - 1)·Π_{i<l} s_i with "
              "κ_l = d_l(k_l - 1) + 1 (recurrence, closed form, top-down form)",
        source="000 Q1.7, Q2.2",
        expected=linked(lambda config, points, form: over(form, FIELD, points), shows=FIELD),
        measure=_measure,
        control=linked(lambda config, points, form: over(form, FIELD, points, control=True), shows=FIELD),
        configs=({"grid": "exhaustive"}, {"grid": "random"}),
    ),
]
