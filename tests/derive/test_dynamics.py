"""Derivations of the training-dynamics claims: proved on the kernel, linked, and false versions fail.

Every gap the kernel rewrite closed has a mutation test: the derivation is rebuilt with one lemma or
result made false (``build_*`` keywords) and must fail, at the step that carries that lemma.
"""
import math

import pytest
import sympy as sp

from derive import dynamics as D
from derive import registry
from derive.dynamics import residual as R
from derive.dynamics import symmetry as S
from derive.kernel import check_identity

ASSUMPTIONS = {
    "symmetry.identical": ["identical units"],
    "symmetry.zero": ["zero initialization"],
    "residual.jacobian": [],
    "residual.depth": ["Gaussian W_1", "Gaussian W_2", "Gaussian entries", "independent W_2 entries",
                       "independent columns of W_2", "independent entries", "sign symmetry of W_1's rows"],
    "residual.scaled": ["Gaussian entries", "independent entries"],
}
IDS = list(ASSUMPTIONS)


@pytest.mark.parametrize("claim_id", IDS)
def test_every_dynamics_derivation_is_proved_given_exactly_its_named_assumptions(claim_id):
    d = registry.get(claim_id)
    assert d.status.startswith("proved"), [(s, s.detail) for s in d.failures]
    assert sorted(a["name"] for a in d.assumptions) == sorted(ASSUMPTIONS[claim_id])
    assert all(a["reference"] for a in d.assumptions)
    assert all(s.status in ("proved", "definition", "assumed") for s in d.steps)
    assert d.result is not None and d.uses == []


@pytest.mark.parametrize("claim_id", IDS)
def test_definitions_only_introduce_new_names(claim_id):
    for step in registry.get(claim_id).steps:
        if step.method == "definition":
            lhs = step.expr.lhs
            assert isinstance(lhs, sp.Symbol) or isinstance(type(lhs), sp.core.function.UndefinedFunction)


# ---------------------------------------------------------------- what verify reads

def test_the_concluded_closed_forms():
    depth = registry.get("residual.depth")
    n, s2, L = D.n, D.sigma2, D.L
    assert check_identity(depth.closed_form(D.RESIDUAL), (1 + n * s2) ** L)[0]
    assert check_identity(depth.closed_form(D.PLAIN), (n * s2) ** L)[0]
    assert check_identity(depth.closed_form(D.RELU_BLOCK), 1 + n * D.h_width * D.sigma1_2 * D.sigma2_2 / 2)[0]
    scaled = registry.get("residual.scaled")
    assert check_identity(scaled.closed_form(D.SCALED), (1 + D.cc / D.Lp) ** D.Lp)[0]
    assert any(isinstance(p, sp.GreaterThan) and p.rhs == 1 for p in scaled.results)
    assert registry.get("symmetry.identical").closed_form(D.IDENTICAL) == 0
    zero = registry.get("symmetry.zero")
    for name in ("tanh", "relu"):
        assert zero.closed_form(D.ZERO[name]) == 0 and zero.closed_form(D.CONSTANT_OUTPUT[name]) == 0
    assert zero.closed_form(D.SIGMOID_IDENTICAL) == 0
    assert [zero.closed_form(lhs) for lhs in D.SIGMOID_AT_ZERO] == [sp.Rational(1, 2), sp.Rational(1, 4)]


def test_the_controls_differ_from_the_closed_forms():
    depth = registry.get("residual.depth")
    for lhs in (D.RESIDUAL, D.PLAIN, D.RELU_BLOCK):
        assert not check_identity(depth.control_form(lhs), depth.closed_form(lhs))[0]
    scaled = registry.get("residual.scaled")
    assert not check_identity(scaled.control_form(D.SCALED), scaled.closed_form(D.SCALED))[0]
    jacobian = registry.get("residual.jacobian")
    gap = jacobian.closed_form(D.JACOBIAN) - jacobian.control_form(D.JACOBIAN)
    assert gap == sp.KroneckerDelta(D.row, D.col)
    zero = registry.get("symmetry.zero")
    assert zero.control_form(D.SIGMOID_AT_ZERO[0]) == 0
    assert registry.get("symmetry.identical").control_form(D.IDENTICAL) != 0


SCALED_GRID = [(c, depth) for c in (0.1, 1.0, 3.0, 10.0) for depth in (1, 2, 3, 10, 50, 1000)]


def test_scaled_moment_is_below_e_to_the_c():
    """One contract (the concluded (1 + c/L)^L, below e^c), at a grid of c and depths up to 1000."""
    closed = registry.get("residual.scaled").closed_form(D.SCALED)
    for c, depth in SCALED_GRID:
        value = float(closed.subs({D.cc: c, D.Lp: depth}))
        assert value <= math.exp(c), (c, depth)
        assert value == pytest.approx((1 + c / depth) ** depth, rel=1e-12), (c, depth)


# ---------------------------------------------------------------- gradients of the symmetry network

def _zero_state(step, unit, code):
    return sp.Integer(0)


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_zero_activation_at_zero_kills_every_hidden_gradient(name):
    activation = sp.Lambda(S.z, S.ACTIVATIONS[name][1])
    for code in (0, -1, 1):
        assert S.gradient(_zero_state, 0, S.k, activation, code=sp.Integer(code)).doit() == 0


def test_sigmoid_moves_the_output_weights_from_zero():
    activation = sp.Lambda(S.z, S.ACTIVATIONS["sigmoid"][1])
    first = S.gradient(_zero_state, 0, S.k, activation, code=sp.Integer(0)).doit()
    assert first != 0 and first.has(S.ell)  # (1/B)·Σ_s ℓ'(F(0, s), y_s)·σ(0)
    assert S.gradient(_zero_state, 0, S.k, activation, code=sp.Integer(1)).doit() == 0  # carries a_k = 0


def test_a_units_gradient_depends_on_that_unit_only():
    grad = S.gradient(S.Theta, S.t, 2)
    units = {e.args[1] for e in grad.atoms(sp.Function) if e.func == S.Theta}
    assert units == {2}


# ---------------------------------------------------------------- mutations: each gap, made false, fails

def _fails_at(d, rule):
    assert d.status == "failed"
    failed = [s for s in d.failures if s.method == rule]
    assert failed, [(s.method, s.detail) for s in d.failures]
    return failed


def test_units_that_start_apart_are_not_proved_identical():
    d = S.build_symmetry_identical(outgoing_gap=1)
    [step] = _fails_at(d, "induction")
    assert "base" in step.detail and "KroneckerDelta" in step.detail


def test_the_symmetry_step_must_reduce_to_the_previous_difference():
    """A descent step that treats unit 2 differently (its own step size): Δ(t + 1) is no longer Δ(t)."""
    d = S.build_symmetry_identical(rate_2=2 * D.eta)
    [step] = _fails_at(d, "induction")
    assert "step" in step.detail and "does not simplify" in step.detail.split("step")[-1]


def test_an_activation_with_nonzero_value_at_zero_moves_the_hidden_layer():
    d = S.build_symmetry_zero(formulas={"tanh": sp.tanh(S.z + 1)})
    assert any("tanh" in s.justification for s in _fails_at(d, "induction"))


def test_sigmoid_at_zero_is_checked():
    d = S.build_symmetry_zero(formulas={"sigmoid": sp.tanh(S.z)})
    assert {s.justification for s in _fails_at(d, "instance")} >= {"σ(0) = 1/2"}


def test_the_row_moment_must_hold_for_the_induction_over_the_fan_in():
    d = R.build_residual_depth(row_scale=D.n)
    assert any("terms of the sum" in s.justification for s in _fails_at(d, "induction"))


def test_without_independence_the_row_moment_does_not_factor():
    """E[S·J_ij] = E[S]·E[J_ij] comes from the independence assumption; drop it and the step fails."""
    d = R.build_residual_depth(independent=False)
    _fails_at(d, "identity")
    assert d.results == [] or D.RESIDUAL not in [p.lhs for p in d.results]


def test_a_wrong_per_block_factor_fails_the_depth_induction():
    d = R.build_residual_depth(factor=1 + D.sigma2)
    assert any("depth" in s.justification for s in _fails_at(d, "induction"))


def test_the_cross_term_needs_a_centred_branch():
    """With E[W_2] ≠ 0 the cross term 2E[γᵀW_1ᵀDW_2ᵀγ] no longer vanishes: E[(W_2ᵀγ)_k] = 0 is not proved."""
    d = R.build_residual_depth(w2_mean=1)
    assert d.status == "failed"
    assert any("mean 0" in s.justification for s in d.failures)


def test_relu_passes_half_not_all():
    d = R.build_residual_depth(passes=1)
    assert d.status == "failed" and d.failures[0].justification == "the copies cancel"


def test_the_relu_block_needs_w2_independent_of_w1():
    d = R.build_residual_depth(columns_independent=False)
    assert any(s.justification == "definition of T" for s in _fails_at(d, "identity"))


def test_branch_variance_without_the_depth_is_not_depth_independent():
    d = R.build_residual_scaled(variance=D.cc / D.n)
    assert any("c/L" in s.justification for s in _fails_at(d, "identity"))


def test_a_bound_below_the_truth_is_not_proved():
    _fails_at(R.build_residual_scaled(minimum=2), "extremum")


def test_the_jacobian_without_the_identity_is_rejected():
    d = R.build_residual_jacobian(identity_path=False)
    [step] = _fails_at(d, "identity")
    assert "KroneckerDelta" in step.detail
