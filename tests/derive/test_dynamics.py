"""Derivations of the training-dynamics claims: all proved, and the wrong versions are rejected."""
import math

import pytest
import sympy as sp

from derive import dynamics as D
from derive import registry
from derive.core import Derivation, check_identity

IDS = ["symmetry.identical", "symmetry.zero", "residual.jacobian", "residual.depth", "residual.scaled"]


@pytest.mark.parametrize("claim_id", IDS)
def test_every_dynamics_derivation_is_proved(claim_id):
    d = registry.get(claim_id)
    assert d.status == "proved", [(s, s.detail) for s in d.failures]
    assert all(s.status in ("proved", "definition") for s in d.steps)
    assert d.result is not None


# ---------------------------------------------------------------- symmetry

def test_equal_incoming_but_different_outgoing_weights_give_different_gradients():
    g1, g2 = D.gradients(1), D.gradients(2)
    incoming_only = [D.make_equal(g, outgoing=False) for g in (g1, g2)]
    for row in (1, 2):  # ∂L/∂w and ∂L/∂b carry the outgoing weight a_k
        ok, _ = check_identity(incoming_only[0][row], incoming_only[1][row])
        assert not ok


def test_the_symmetry_induction_fails_when_the_units_differ():
    difference = D.make_equal(D.gradients(1) - D.gradients(2), outgoing=False)
    d = Derivation("t", "t")
    d.induction(sp.zeros(3, 1), D.t, (0, sp.zeros(3, 1)), lambda F, n: F - D.eta * difference, "wrong",
                name=sp.Matrix(sp.symbols("u v w")))
    assert d.status == "failed"


def test_sigmoid_hidden_gradients_are_not_zero_at_zero_init():
    grads = D.specialize(D.at_constant(D.gradients(1)), D.sigmoid)
    ok, _ = check_identity(grads, sp.zeros(3, 1))
    assert not ok
    # ∂ℓ/∂a_k = ℓ'(c)·σ(0) = ℓ'(c)/2; the weight and bias gradients carry a_k = 0
    assert grads[1] == 0 and grads[2] == 0


@pytest.mark.parametrize("activation", [sp.tanh, D.relu])
def test_zero_activation_at_zero_kills_every_hidden_gradient(activation):
    assert D.specialize(D.at_constant(D.gradients(1)), activation) == sp.zeros(3, 1)


def test_relu_with_positive_equal_biases_moves_the_output_weights():
    grads = D.specialize(D.at_constant(D.gradients(1), bias=D.beta), D.relu)
    assert grads[0] != 0 and D.beta in grads[0].free_symbols


# ---------------------------------------------------------------- residual blocks

def test_the_jacobian_without_the_identity_is_rejected():
    x = sp.MatrixSymbol("x", D.n, 1)
    J = sp.MatrixSymbol("J", D.n, D.n)
    ok, _ = check_identity(((x + J * x).diff(x)).T, J)
    assert not ok


def test_residual_jacobian_closed_form_at_concrete_sizes_has_the_identity():
    closed, (w1, w2, dm) = D.residual_jacobian_at(2, 3)
    explicit = sp.Matrix(closed.subs({w1: sp.zeros(3, 2), w2: sp.zeros(2, 3), dm: sp.eye(3)}).doit())
    assert explicit == sp.eye(2)


@pytest.mark.parametrize("wrong, recurrence", [
    (D.CONTROL_MOMENT, lambda F, m: F * (1 + D.n * D.sigma2)),         # the control (1 + σ²)^L
    (D.RESIDUAL_MOMENT, lambda F, m: F * D.n * D.sigma2),              # residual formula for a plain stack
    (D.PLAIN_MOMENT, lambda F, m: F * (1 + D.n * D.sigma2)),           # plain formula for a residual stack
])
def test_wrong_depth_formulas_fail_the_induction(wrong, recurrence):
    d = Derivation("t", "t")
    d.induction(wrong, D.L, (0, D.V), recurrence, "wrong")
    assert d.status == "failed"


def test_the_per_block_factor_needs_the_width():
    ok, _ = check_identity(D.V + D.n * D.sigma2 * D.V, (1 + D.sigma2) * D.V)
    assert not ok


SCALED_GRID = [(c, depth) for c in (0.1, 1.0, 3.0, 10.0) for depth in (1, 2, 3, 10, 50, 1000)]


@pytest.mark.parametrize("c, depth", SCALED_GRID)
def test_scaled_moment_is_below_e_to_the_c(c, depth):
    value = float(D.SCALED_MOMENT.subs({D.cc: c, D.L: depth}))
    assert value <= math.exp(c)
    assert value == pytest.approx((1 + c / depth) ** depth, rel=1e-12)



def test_a_bound_below_the_truth_is_not_proved():
    d = Derivation("t", "t")
    d.extremum(D.cc - D.L * sp.log(1 + D.cc / D.L), D.cc, sp.Interval(0, sp.oo), sp.Integer(1), "wrong", kind="min")
    assert d.status == "failed"
