"""Derivations of the linear-layer claims: proved on the kernel, resting only on the named assumptions, and
failed when a lemma or result they rest on is made false."""
import functools

import pytest
import sympy as sp

from derive import linear as D
from derive import registry
from derive.derivation import Derivation
from derive.kernel import check_identity

IDS = ["linear.batch", "linear.composition", "linear.rank", "mlp.forward"]
ASSUMPTIONS = {"linear.batch": [], "linear.composition": [], "linear.rank": ["rank of a product"],
               "mlp.forward": []}
"""The named assumptions each derivation may rest on, and no others."""


@pytest.mark.parametrize("claim_id", IDS)
def test_derivation_is_proved_given_exactly_its_named_assumptions(claim_id):
    d = registry.get(claim_id)
    assert d.status.startswith("proved"), [(s, s.detail) for s in d.failures]
    assert [a["name"] for a in d.assumptions] == ASSUMPTIONS[claim_id]
    assert d.status == ("proved" if not ASSUMPTIONS[claim_id] else
                        f"proved given {len(ASSUMPTIONS[claim_id])} assumption")
    assert not d.failures


def test_the_rank_assumption_is_the_textbook_theorem_with_its_reference():
    (theorem,) = registry.get("linear.rank").assumptions
    assert "Horn & Johnson" in theorem["reference"] and "0.4.5(c)" in theorem["reference"]
    assert theorem["statement"] == (D.rank(D.M * D.N) <= sp.Min(D.rank(D.M), D.rank(D.N)))


@pytest.mark.parametrize("claim_id", IDS)
def test_no_step_is_a_definition_of_a_relation(claim_id):
    for step in registry.get(claim_id).steps:
        if step.method == "definition":
            assert isinstance(step.expr.lhs, (sp.Symbol, sp.Function)), step


@pytest.mark.parametrize("claim_id", IDS)
def test_every_concluded_part_is_a_checked_statement_not_an_opaque_symbol(claim_id):
    d = registry.get(claim_id)
    assert d.results
    for part in d.results:
        assert not (isinstance(part.lhs, sp.Symbol) and isinstance(part.rhs, sp.Symbol)), part
    assert d.controls, f"{claim_id} records no control"


# ---- linear.batch: the shape fact is a checked inequality, the conclusion a checked identity ------------

def test_batch_concludes_the_stacking_identity_itself():
    d = registry.get("linear.batch")
    assert d.results == [sp.Eq(D.BATCH, D.STACKED, evaluate=False)]
    assert d.control_form(D.BATCH) == D.BATCH_CONTROL


def test_batch_fails_when_the_sizes_do_not_separate_the_inner_dimensions():
    # with n = m the control XW would conform: the checked "n > m" no longer holds
    d = D.batch(sizes=(3, 2, 2))
    assert d.status == "failed"
    assert [s.method for s in d.failures] == ["inequality"]


def test_batch_fails_when_the_stacked_rows_forget_the_bias(monkeypatch):
    monkeypatch.setattr(D, "stacked_rows", lambda Xe, We, be: sp.Matrix.vstack(
        *[(We * Xe[i, :].T).T for i in range(Xe.rows)]))
    d = D.batch()
    assert d.status == "failed" and d.failures[0].method == "identity"


def test_batch_fails_when_the_concluded_closed_form_is_wrong(monkeypatch):
    monkeypatch.setattr(D, "STACKED", sp.Transpose(sp.MatMul(D.W, sp.Transpose(D.X))))   # bias dropped
    assert D.batch().status == "failed"


def test_batch_control_at_square_weights_is_off_by_x_times_w_minus_its_transpose():
    # the recorded control is written at m = n; there it is not the closed form, and the gap is X(W - Wᵀ)
    d = registry.get("linear.batch")
    control, square = d.control_form(D.BATCH), d.closed_form(D.BATCH).subs(D.m, D.n)
    assert not check_identity(control, square)[0]
    assert check_identity(sp.MatAdd(control, -square), sp.MatMul(D.X, D.W_SQUARE - sp.Transpose(D.W_SQUARE)))[0]


# ---- linear.composition: the conclusion is the checked identity ----------------------------------------

def test_composition_concludes_the_identity_itself():
    d = registry.get("linear.composition")
    assert d.results == [sp.Eq(D.COMPOSED, D.COLLAPSED, evaluate=False)]
    assert d.control_form(D.COMPOSED) == D.COMPOSITION_CONTROL


def test_composition_fails_with_a_wrong_collapsed_layer():
    assert D.composition(collapsed=D.COMPOSITION_CONTROL).status == "failed"
    swapped = sp.MatAdd(sp.MatMul(D.W2, D.W1, D.x), sp.MatAdd(sp.MatMul(D.W2, D.b1), D.b2))
    assert D.composition(collapsed=swapped).status.startswith("proved")      # the same form, rebuilt, holds
    wrong_bias = sp.MatAdd(sp.MatMul(D.W2, D.W1, D.x), sp.MatAdd(2 * sp.MatMul(D.W2, D.b1), D.b2))  # b₁ twice
    assert D.composition(collapsed=wrong_bias).status == "failed"


def test_composition_control_forgets_the_last_bias():
    d = registry.get("linear.composition")
    control, closed = d.control_form(D.COMPOSED), d.closed_form(D.COMPOSED)
    assert not check_identity(control, closed)[0]
    assert check_identity(sp.MatAdd(closed, -control), D.b2)[0]


# ---- linear.rank: the general bound is a named assumption; the stated sizes are polynomial identities --

def test_rank_fails_when_the_concluded_bound_is_not_the_theorem(monkeypatch):
    # the bound made false (max instead of min): the link from the theorem to the concluded bound fails
    monkeypatch.setattr(D, "RANK_BOUND", sp.Max)
    d = D.rank_bound()
    assert d.status == "failed"
    assert "identity" in [s.method for s in d.failures]


def test_rank_fails_without_a_bottleneck():
    # a 3×3·3×3 product has no width-2 bottleneck: its determinant is not identically 0
    d = D.rank_bound(sizes=((3, 3), (3, 3)))
    assert d.status == "failed" and [s.method for s in d.failures] == ["identity"]


def test_rank_without_the_assumption_is_not_proved(monkeypatch):
    # the theorem is load-bearing: an empty reference makes the assumption refused and the derivation fail
    monkeypatch.setattr(D, "HORN_JOHNSON", "")
    assert D.rank_bound().status == "failed"


def test_rank_bound_and_control_are_min_and_max():
    d = registry.get("linear.rank")
    assert d.unfold(D.BOUND) == sp.Min(D.r_l, D.rho)
    assert d.control_form(D.BOUND) == sp.Max(D.r_l, D.rho)


# ---- mlp.forward: concludes checked identities and a worked instance; the control is recorded here ------

def test_mlp_concludes_the_output_layers_and_the_worked_instance():
    d = registry.get("mlp.forward")
    lhss = [p.lhs for p in d.results]
    outputs = [y for a in D.NETWORKS for y in D.network(a).outputs]
    assert lhss[:-1] == outputs and isinstance(lhss[-1], sp.Subs)
    assert d.results[-1].rhs == D.WORKED_OUTPUT
    for y in outputs:
        assert d.control_form(y) is not None


@pytest.fixture
def short_cap(monkeypatch):
    """A refuted statement about the tanh net makes sympy work to its time cap (comparing it with every fact
    when it is concluded): a 1 s cap keeps the mutation tests short. A timeout never proves anything."""
    monkeypatch.setattr(D, "Derivation", functools.partial(Derivation, cap=1.0))


def test_mlp_fails_when_the_output_has_an_activation_too(short_cap):
    d = D.mlp_forward(output_activation=True)
    assert d.status == "failed"
    failed = [s.method for s in d.failures]
    # y = φ(W_L h + b_L) is neither the affine output layer nor the nested formula, and the instance is 0
    assert failed.count("identity") == 2 * sum(w[-1] for w in D.NETWORKS.values()) and "instance" in failed


def test_mlp_fails_with_a_wrong_worked_output(short_cap):
    d = D.mlp_forward(worked_output=0)     # what the control gives
    assert d.status == "failed" and [s.method for s in d.failures] == ["instance", "conclusion"]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_mlp_expression_has_no_activation_on_the_output(activation):
    y, x, weights, biases = D.mlp_expression((2, 3, 2), activation)
    wrong, *_ = D.mlp_expression((2, 3, 2), activation, output_activation=True)
    phi = D.ACTIVATIONS[activation]
    assert all(sp.simplify(w - phi(v)) == 0 for w, v in zip(wrong, y))
    assert y[0].func == sp.Add                      # W_L h + b_L: a sum, not φ of one
