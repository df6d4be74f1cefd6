"""Derivations of the receptive-field claims: proved on the kernel for every depth, resting on exactly the
named assumptions; every lemma, made false, fails its derivation; and the concluded closed forms agree
with fields found by walking index sets (no numeric code)."""
import functools
import itertools

import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from derive import receptive_field as D
from derive import registry
from derive.receptive_field import constant, effective_field, span, stack, support

ASSUMPTIONS = {
    "rf.recurrence": [],
    "rf.constant_stack": [],
    "rf.padding": [],
    "rf.empirical": ["support of a positive linear layer, leftmost", "support of a positive linear layer, rightmost"],
    "rf.effective": ["independent taps", "the gradient map is the law of a sum of taps", "uniform taps"],
    "rf.graph": ["merge sees the union, first", "merge sees the union, last", "branch A is a stack, first",
                 "branch A is a stack, last", "branch B is a stack, first", "branch B is a stack, last",
                 "max commutes with a translation", "min commutes with a translation"],
    "rf.graph.transposed": ["a transposed convolution writes i·s - p + t"],
}
USES = {"rf.padding": ["rf.recurrence"], "rf.empirical": ["rf.recurrence"]}


@pytest.mark.parametrize("claim_id", sorted(ASSUMPTIONS))
def test_every_rf_derivation_is_proved_on_exactly_its_named_assumptions(claim_id):
    dv = registry.get(claim_id)
    assert dv.status.startswith("proved"), dv.verdict.reasons
    assert sorted(a["name"] for a in dv.assumptions) == sorted(ASSUMPTIONS[claim_id])
    assert dv.uses == USES.get(claim_id, [])
    assert dv.controls, f"{claim_id} records no negative control"


def test_recurrence_concludes_closed_forms_recurrences_and_the_top_down_form_for_every_depth():
    lhs = {sp.sstr(p.lhs) for p in registry.get("rf.recurrence").results}
    assert {"r(L, u, 0)", "first(L, u, 0)", "last(L, u, 0)", "r(L + 1, u, c)", "j(L + 1, c)",
            "first(L + 1, 0, c)"} <= lhs
    top_down = [p for p in registry.get("rf.recurrence").results if p.rhs.has(D.field(D.L, D.u, D.c + 1))]
    assert top_down == [sp.Eq(D.field(D.L + 1, D.u, D.c), D.top_down(D.field(D.L, D.u, D.c + 1), D.c + 1))]


def _failed(build, **kwargs):
    dv = build(**kwargs)
    return dv.status == "failed", dv.verdict.reasons


# --- mutations: each lemma or result made false fails its derivation (patched where its builder reads it)

def _real_recurrence():
    real = registry.get("rf.recurrence")
    return lambda claim_id: {"rf.recurrence": real}[claim_id]


def _reads_own_kernel(a, m):
    """The interval map with the last tap one position too far: κ instead of κ - 1."""
    start = D.stride(m) * a - D.pad(m)
    return start, start + D.dilation(m) * (D.kernel(m) - 1) + 1


def test_recurrence_fails_with_a_wrong_interval_map(monkeypatch):
    monkeypatch.setattr(stack, "reads", _reads_own_kernel)
    failed, why = _failed(D.recurrence)
    assert failed and any("induction" in w for w in why), why


def test_recurrence_fails_with_the_own_stride_closed_form(monkeypatch):
    monkeypatch.setattr(stack, "FIELD", D.FIELD_CONTROL)
    assert _failed(D.recurrence)[0]


def test_recurrence_fails_with_a_wrong_bottom_up_step(monkeypatch):
    monkeypatch.setattr(stack, "bottom_up", lambda r, m, j: r + (D.kappa(m) - 1) * j * D.stride(m))
    assert _failed(D.recurrence)[0]


def test_recurrence_fails_with_a_wrong_top_down_step(monkeypatch):
    # r_{l-1} = s_l·r_l + κ_l - 1: the old wrong top-down form
    monkeypatch.setattr(stack, "top_down", lambda r, m: D.stride(m) * r + D.kappa(m) - 1)
    assert _failed(D.recurrence)[0]


def test_constant_stack_fails_with_the_notes_formula(monkeypatch):
    monkeypatch.setattr(constant, "CONSTANT_STACK", D.CONSTANT_STACK_CONTROL)
    assert _failed(D.constant_stack)[0]


def test_constant_stack_fails_with_a_wrong_stride_one_value(monkeypatch):
    monkeypatch.setattr(constant, "CONSTANT_STACK_STRIDE_ONE", D.k * D.L + 1)
    assert _failed(D.constant_stack)[0]


def test_padding_fails_when_the_cited_interval_maps_fail(monkeypatch):
    monkeypatch.setattr(stack, "reads", _reads_own_kernel)
    broken = D.recurrence()
    assert broken.status == "failed"
    failed, why = _failed(D.padding, resolve={"rf.recurrence": broken}.__getitem__)
    assert failed, why


def test_padding_fails_with_a_span_the_interval_maps_do_not_give(monkeypatch):
    monkeypatch.setattr(span, "START", D.u * D.S(D.L) - D.P(D.L) - 1)
    assert _failed(D.padding, resolve=_real_recurrence())[0]


def test_empirical_fails_when_the_one_layer_support_statement_is_false(monkeypatch):
    resolve = _real_recurrence()
    monkeypatch.setattr(support, "reads", _reads_own_kernel)     # the assumed support ends one position too far
    failed, why = _failed(D.empirical, resolve=resolve)
    assert failed and any("induction" in w for w in why), why


def test_empirical_fails_with_a_box_other_than_the_interval_map_ends(monkeypatch):
    monkeypatch.setattr(support, "END", D.END_CONTROL)
    assert _failed(D.empirical, resolve=_real_recurrence())[0]


def test_empirical_fails_when_the_cited_interval_maps_fail(monkeypatch):
    monkeypatch.setattr(stack, "FIELD", D.FIELD_CONTROL)
    broken = D.recurrence()
    monkeypatch.undo()
    assert _failed(D.empirical, resolve={"rf.recurrence": broken}.__getitem__)[0]


def test_effective_fails_when_stds_add_instead_of_variances(monkeypatch):
    monkeypatch.setattr(effective_field, "ERF_STD_CLOSED", D.ERF_STD_CONTROL)
    assert _failed(D.effective)[0]


def test_effective_fails_with_a_wrong_tap_law(monkeypatch):
    monkeypatch.setattr(effective_field, "TAPS", (D.tap, 0, D.k))        # k + 1 positions, each of probability 1/k
    assert _failed(D.effective)[0]


# --- the concluded closed forms against walks over index sets

def walk(layers, unit):
    """Positions reached from ``unit`` going down: unit a of a layer reads a·s - p + t·d, t < k."""
    positions = {unit}
    for k, s, p, d in reversed(layers):
        positions = {a * s - p + t * d for a in positions for t in range(k)}
    return min(positions), max(positions)


@functools.lru_cache(maxsize=None)
def compiled(expr, depth):
    """A closed form in the layer functions at a concrete depth, as a function of (u, k_1, s_1, p_1, d_1, ...)."""
    concrete = expr.xreplace({D.L: depth}).doit()
    names = [sp.Symbol(f"{name}_{m}") for m in range(1, depth + 1) for name in "kspd"]
    table = {D.LAYER[name](m): sym for sym in names for name, m in [(sym.name[0], int(sym.name[2:]))]}
    out = concrete.xreplace(table)
    assert not out.atoms(AppliedUndef), out
    return sp.lambdify([D.u, *names], out)


def at_depth(expr, layers):
    fn = compiled(expr, len(layers))
    return lambda unit: fn(unit, *itertools.chain.from_iterable(layers))


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_concluded_span_and_field_are_the_bounding_box_of_the_walk(depth):
    recurrence, empirical = registry.get("rf.recurrence"), registry.get("rf.empirical")
    first_lhs, last_lhs, field_lhs = D.first(D.L, D.u, 0), D.last(D.L, D.u, 0), D.field(D.L, D.u, 0)
    forms = [recurrence.closed_form(first_lhs), recurrence.closed_form(last_lhs),
             empirical.closed_form(D.lo(D.L, D.u)), empirical.closed_form(D.hi(D.L, D.u))]
    field = recurrence.closed_form(field_lhs)
    grid = list(itertools.product(range(1, 4), range(1, 3), range(0, 2), range(1, 3)))
    for layers in itertools.product(grid, repeat=depth):
        first, last, lo, hi = (at_depth(f, layers) for f in forms)
        for unit in (-1, 0, 3):
            assert (first(unit), last(unit)) == walk(layers, unit) == (lo(unit), hi(unit))
        low, high = walk(layers, 0)
        assert at_depth(field, layers)(0) == high - low + 1


def test_constant_stack_conclusion_and_control():
    dv = registry.get("rf.constant_stack")
    values = {D.k: 3, D.s: 2, D.L: 4}
    assert dv.closed_form(D.STACK_FIELD).subs(values) == 31
    assert dv.closed_form(D.STACK_FIELD_STRIDE_ONE).subs(values) == 9
    assert dv.control_form(D.STACK_FIELD).subs(values) == 17
    assert sp.limit(dv.closed_form(D.STACK_FIELD).subs({D.k: 3, D.L: 4}), D.s, 1) == 9


def test_effective_conclusion_and_control_at_the_notes():
    dv = registry.get("rf.effective")
    values = {D.k: 3, D.L: 4, D.d: 1}
    assert sp.simplify(dv.closed_form(D.ERF_STD).subs(values) - sp.sqrt(sp.Rational(8, 3))) == 0
    assert sp.simplify(dv.control_form(D.ERF_STD).subs(values) - 4 * sp.sqrt(sp.Rational(2, 3))) == 0


def test_merge_field_is_the_hull_and_a_wrong_hull_fails(monkeypatch):
    from derive.receptive_field import graph
    dv = registry.get("rf.graph")
    assert sp.Eq(graph.MERGE_SIZE, graph.MERGE_FIELD) in dv.results
    # the hull against index sets: branches of stride 2 with fields 3 (padding 1) and 1 (padding 0)
    values = {graph.R_A: 3, graph.P_A: 1, graph.R_B: 1, graph.P_B: 0}
    for unit in range(-3, 4):
        seen = {2 * unit - 1 + t for t in range(3)} | {2 * unit}
        assert max(seen) - min(seen) + 1 == graph.MERGE_FIELD.subs(values)
    monkeypatch.setattr(graph, "MERGE_FIELD", sp.Max(graph.R_A, graph.R_B))
    assert _failed(graph.merge)[0]


def test_transposed_rule_fails_with_a_wrong_write_position(monkeypatch):
    from derive.receptive_field import graph
    assert registry.get("rf.graph.transposed").status.startswith("proved")
    real = graph.Derivation.assume

    def shifted(self, name, statement, reference, for_all=()):
        if name.startswith("a transposed convolution"):
            statement = sp.Eq(statement.lhs, statement.rhs + 1)
        return real(self, name, statement, reference, for_all)
    monkeypatch.setattr(graph.Derivation, "assume", shifted)
    assert _failed(graph.transposed)[0]
