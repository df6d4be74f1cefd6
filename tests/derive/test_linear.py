"""Derivations of the linear-layer claims: proved, and the wrong statements rejected by the same checks."""
import pytest
import sympy as sp

from derive import linear as D
from derive import registry
from derive.core import check_identity

IDS = ["linear.batch", "linear.composition", "linear.rank", "mlp.forward"]


@pytest.mark.parametrize("claim_id", IDS)
def test_derivation_is_proved(claim_id):
    d = registry.get(claim_id)
    assert d.status == "proved", [(s, s.detail) for s in d.failures]


def test_batch_control_xw_is_not_xwt_for_square_w():
    X, W = D.symbolic_matrix("X", 2, 3), D.symbolic_matrix("W", 3, 3)
    ok, _ = check_identity(X * W, X * W.T)
    assert not ok


def test_composition_control_forgets_a_bias():
    W1, W2 = D.symbolic_matrix("A", 2, 2), D.symbolic_matrix("B", 2, 2)
    b1, b2, x = D.symbolic_matrix("b", 2, 1), D.symbolic_matrix("c", 2, 1), D.symbolic_matrix("x", 2, 1)
    ok, _ = check_identity(W2 * (W1 * x + b1) + b2, W2 * W1 * x + W2 * b1)
    assert not ok


def test_rank_check_can_fail_without_a_bottleneck():
    A, B = D.symbolic_matrix("A", 3, 3), D.symbolic_matrix("B", 3, 3)
    ok, _ = check_identity((B * A).det(), 0)
    assert not ok


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_mlp_expression_has_no_activation_on_the_output(activation):
    y, x, weights, biases = D.mlp_expression((2, 3, 2), activation)
    wrong, *_ = D.mlp_expression((2, 3, 2), activation, output_activation=True)
    phi = D.ACTIVATIONS[activation]
    assert all(sp.simplify(w - phi(v)) == 0 for w, v in zip(wrong, y))
    assert y[0].func == sp.Add                      # W_L h + b_L: a sum, not φ of one
