"""rf.constant_stack: the field of L equal layers (kernel k, stride s) from ``numeric.receptive_field`` over
k 1..7, s 1..4, L 0..8, against the quotient 1 + (k-1)(s^L - 1)/(s - 1) and, at s = 1, (k-1)L + 1."""
from __future__ import annotations

import itertools

import numpy as np

from derive import receptive_field as D
from numeric.receptive_field import Layer, receptive_field

from ...claim import Claim, Measurement
from ...closed import linked


def _measure(config, rng, budget):
    rows = np.array(list(itertools.product(range(1, 8), range(1, 5), range(0, 9))), dtype=np.int64)
    sizes = [receptive_field([Layer(int(k), int(s))] * int(depth)).size for k, s, depth in rows]
    return Measurement(np.array(sizes, dtype=np.float64), kind="exact", cases=len(rows), points=rows,
                       note="(k, s, L) over k 1..7, s 1..4, L 0..8")


def _columns(points):
    """k, s and L of each row, as floats."""
    return (points[:, j].astype(np.float64) for j in range(3))


def _expected(config, points, form):
    k, s, depth = _columns(points)
    with np.errstate(divide="ignore", invalid="ignore"):   # the quotient is 0/0 at s = 1, where the other applies
        return np.where(s == 1, form(D.STACK_FIELD_STRIDE_ONE, k=k, L=depth), form(D.STACK_FIELD, k=k, s=s, L=depth))


def _control(config, points, form):
    k, s, depth = _columns(points)
    return form.control(D.STACK_FIELD, k=k, s=s, L=depth)


CLAIMS = [
    Claim(
        id="rf.constant_stack",
        title="L layers k×k stride s: r = 1 + (k-1)(s^L - 1)/(s - 1); (k-1)L + 1 = 9 for k = 3, L = 4, s = 1",
        source="000 Q1.7",
        expected=linked(_expected, shows=(D.STACK_FIELD, D.STACK_FIELD_STRIDE_ONE)),
        measure=_measure,
        control=linked(_control, shows=D.STACK_FIELD),
    ),
]
