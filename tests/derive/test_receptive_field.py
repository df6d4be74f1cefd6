"""Derivations of the receptive-field claims: all proved, wrong formulas rejected by the same steps,
and the concrete-depth formulas against fields found by walking index sets (no numeric code)."""
import itertools

import pytest
import sympy as sp

from derive import receptive_field as D
from derive import registry
from derive.core import Derivation

IDS = ["rf.recurrence", "rf.constant_stack", "rf.padding", "rf.empirical", "rf.effective"]


@pytest.mark.parametrize("claim_id", IDS)
def test_every_rf_derivation_is_proved(claim_id):
    dv = registry.get(claim_id)
    assert dv.status == "proved", [s for s in dv.steps if s.status == "failed"]


def test_own_stride_closed_form_fails_the_induction():
    dv = Derivation("test", "own stride")
    dv.induction(D.FIELD_CONTROL, D.L, (0, sp.Integer(1)),
                 lambda r, m: r + sp.Sum(D.FIELD_TERM, (D.l, m + 1, m + 1)), "wrong closed form")
    assert dv.status == "failed"


def test_wrong_top_down_form_is_rejected():
    ks, ss, _ = D.concrete(2)
    wrong = ss[0] * (ss[1] * 1 + ks[1] - 1) + ks[0] - 1        # r_{l-1} = s_l·r_l + κ_l - 1
    dv = Derivation("test", "wrong top-down")
    dv.identity(wrong, D.field_formula(2)[0], "")
    assert dv.status == "failed"


def test_constant_stack_control_fails_the_telescoping():
    m = sp.Symbol("l", integer=True, positive=True)
    L = sp.Symbol("L", integer=True, nonnegative=True)
    dv = Derivation("test", "the notes' formula")
    dv.telescoping((D.k - 1) * D.s ** (m - 1), m, L, (D.k - 1) * D.s * L, "", kind="sum")
    assert dv.status == "failed"


def test_erf_control_fails():
    dv = Derivation("test", "stds added")
    dv.induction(D.depth * sp.sqrt((D.k**2 - 1) / 12), D.depth, (1, sp.sqrt((D.k**2 - 1) / 12)),
                 lambda v, m: sp.sqrt(v**2 + (D.k**2 - 1) / 12), "variances add")
    assert dv.status == "failed"


def walk(layers, unit):
    """Positions reached from ``unit`` going down: unit a of a layer reads a·s - p + t·d, t < k."""
    positions = {unit}
    for k, s, p, d in reversed(layers):
        positions = {a * s - p + t * d for a in positions for t in range(k)}
    return min(positions), max(positions)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_span_formula_is_the_bounding_box_of_the_walk(depth):
    (first, last), symbols = D.span_formula(depth)
    span = sp.lambdify(symbols, (first, last))
    field = sp.lambdify(D.field_formula(depth)[1], D.field_formula(depth)[0])
    grid = list(itertools.product(range(1, 4), range(1, 3), range(0, 2), range(1, 3)))
    for layers in itertools.product(grid, repeat=depth):
        kappas = [d * (k - 1) + 1 for k, _, _, d in layers]
        strides = [s for _, s, _, _ in layers]
        for unit in (-1, 0, 3):
            got = span(unit, *kappas, *strides, *[p for _, _, p, _ in layers])
            assert tuple(got) == walk(layers, unit)
        low, high = walk(layers, 0)
        assert field(*kappas, *strides) == high - low + 1


def test_constant_stack_limit_and_numbers():
    assert D.CONSTANT_STACK.subs({D.k: 3, D.s: 2, D.depth: 4}) == 31
    assert sp.limit(D.CONSTANT_STACK.subs({D.k: 3, D.depth: 4}), D.s, 1) == 9
    assert D.CONSTANT_STACK_CONTROL.subs({D.k: 3, D.s: 2, D.depth: 4}) == 17
