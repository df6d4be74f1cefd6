"""Derivations of the propagation claims: depth inductions whose step fact is the one-layer statement proved from
the fan-in and halving lemmas; each fails when a lemma it rests on, or its closed form, is made false."""
import pytest
import sympy as sp

from derive import activations as A
from derive import propagation as D
from derive import registry
from derive.kernel import E, Independent

W_HYPOTHESES = {"E[W_j] = 0", "E[W_j²] = σ_W²", "W_(n+1) ⟂ (S_n, x_(n+1))"}
BACKWARD_HYPOTHESES = {"E[W_λ] = 0", "E[W_λ²] = σ²(λ)", "E[g_k] = 0", "E[g_k²] = E[g²]", "LOTUS",
                       "W_(λ,i,m+1) ⟂ (U_m, v_(λ-1,m+1))", "chain rule through ReLU", "g_(m+1) ⟂ (G_m, v_(L,m+1))",
                       "the pairs (z, u) are symmetric", "v_0 = e_j"}
STATUS = {
    "propagation.forward": ("numeric given 8 assumptions",     # tanh's one layer is a quadrature
                            W_HYPOTHESES | {"LOTUS", "ReLU layer", "input", "inputs of layer L+1",
                                            "the pre-activations are symmetric"}),
    "propagation.backward": ("proved given 10 assumptions", BACKWARD_HYPOTHESES),
    "propagation.one_condition": ("proved given 11 assumptions", BACKWARD_HYPOTHESES | {"fan-in condition"}),
    "propagation.finite_width": ("proved given 3 assumptions", {"R_(L+1) ⟂ the past", "units i.i.d.", "ξ ~ N(0, 1)"}),
}


@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_derivation_status_and_its_named_assumptions(assert_status, claim_id):
    assert_status(claim_id, *STATUS[claim_id])


@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_every_derivation_records_controls_that_differ_from_its_closed_forms(controls_equal_to_closed_forms, claim_id):
    # E[R] = 1 is where "no spread" is right: that control is rejected by the E[R²] elements
    assert controls_equal_to_closed_forms(claim_id) == ({D.R_MEAN} if claim_id == "propagation.finite_width" else set())


def _induction_step(d, target):
    """The step fact the depth induction on ``target`` used (the chain stating target(L+1) = ...)."""
    induction = next(s for s in d.steps if s.method == "induction" and s.expr.lhs == target)
    step = next(s for s in d.steps if s.method == "chain" and s.expr.lhs == target.subs(D.L, D.L + 1))
    return induction, step


# ---- propagation.forward ------------------------------------------------------------------------------

def test_forward_depth_induction_steps_by_the_one_layer_statement():
    d = registry.get("propagation.forward")
    induction, step = _induction_step(d, D.POST)
    assert induction.expr.rhs == D.POST_CLOSED
    assert step.expr.rhs == D.n * D.sigma2 * D.H(D.L) / 2
    assert set(d.uses) == {"variance.fan_in", "activation.relu.moments"}


def test_forward_fails_without_the_halving(cite_false):
    cite_false("activation.relu.moments")
    assert D.propagation_forward().status == "failed"


def test_forward_fails_with_a_wrong_fan_in_lemma(cite_false):
    cite_false("variance.fan_in")
    assert D.propagation_forward().status == "failed"


@pytest.mark.parametrize("constant, wrong", [("POST_CLOSED", (D.n * D.sigma2) ** D.L * D.m2),
                                             ("PRE_CLOSED", (D.n * D.sigma2) ** (D.L + 1) * D.m2)])
def test_forward_fails_with_the_control_as_closed_form(monkeypatch, constant, wrong):
    monkeypatch.setattr(D, constant, wrong)
    assert D.propagation_forward().status == "failed"


def test_forward_tanh_layers_are_quadratures_below_the_linear_prediction(tanh_second_moment):
    d = registry.get("propagation.forward")
    for qv, lhs in D.TANH.items():
        assert 0 < float(d.closed_form(lhs)) < float(qv)
        assert any(s.method == "quadrature" and s.expr.lhs == lhs for s in d.steps)
    for qv, lhs in D.TANH.items():
        assert float(d.closed_form(lhs)) == pytest.approx(tanh_second_moment(float(qv)), rel=1e-12)


# ---- propagation.backward ----------------------------------------------------------------------------------

def test_backward_gradient_moment_is_an_expectation_with_named_independence():
    """E[(J_Lᵀg)_j²] = E[g²]·E‖J_L e_j‖²: the expectation rule on partial sums, g ⟂ (G_m, v_(L,m+1))."""
    d = registry.get("propagation.backward")
    g, G, v = (sp.Function(name, real=True) for name in ("g", "G", "v"))
    indep = Independent(sp.Tuple(g(D.m + 1)), sp.Tuple(G(D.m, D.L, D.j), v(D.m + 1, D.L, D.j)))
    assert any(s.method == "assumption" and s.expr == indep for s in d.steps)
    assert any(s.method == "expectation" and s.expr.lhs == E((G(D.m, D.L, D.j) + g(D.m + 1) * v(D.m + 1, D.L, D.j)) ** 2)
               for s in d.steps)


def test_backward_depth_induction_steps_by_the_per_layer_factor_not_an_opaque_one():
    d = registry.get("propagation.backward")
    P = sp.Function("E‖v‖²")
    induction, step = _induction_step(d, P(D.L, D.j))
    assert induction.expr.rhs == D.BACKWARD_CLOSED / D.m_g
    assert step.expr.rhs == D.widths(D.L + 1) * D.V(D.L + 1) / 2 * P(D.L, D.j)
    assert not any(s.method == "definition" and s.expr.lhs.func == sp.Function("c") for s in d.steps)
    assert d.uses == ["activation.relu.moments"]


def test_backward_fails_without_the_halving(cite_false):
    cite_false("activation.relu.moments")
    assert D.propagation_backward().status == "failed"


def test_backward_fails_with_a_mean_in_the_upstream_gradient(monkeypatch):
    monkeypatch.setattr(D, "GRAD_MEAN", sp.Symbol("μ_g", positive=True))
    assert D.propagation_backward().status == "failed"


def test_backward_fails_with_the_fan_in_in_place_of_the_fan_out(monkeypatch):
    monkeypatch.setattr(D, "BACKWARD_CLOSED", D.m_g * sp.Product(D.widths(D.l - 1) * D.V(D.l) / 2, (D.l, 1, D.L)))
    assert D.propagation_backward().status == "failed"


# ---- propagation.one_condition ------------------------------------------------------------------------------

def test_one_condition_cites_backward_and_telescopes():
    d = registry.get("propagation.one_condition")
    assert d.uses[0] == "propagation.backward"
    assert any(s.method == "telescoping" for s in d.steps)
    assert d.closed_form(D.BACKWARD) == D.m_g * D.widths(D.L) / D.widths(0)


def test_one_condition_fails_when_backward_is_made_false(cite_false):
    cite_false("propagation.backward", [sp.Eq(D.BACKWARD, 2 * D.BACKWARD_CLOSED)])
    assert D.one_condition().status == "failed"


def test_one_condition_fails_with_factor_one_per_coordinate(monkeypatch):
    monkeypatch.setattr(D, "ONE_CONDITION_CLOSED", D.m_g)
    assert D.one_condition().status == "failed"


# ---- propagation.finite_width -----------------------------------------------------------------------------

def test_finite_width_moments_come_from_per_unit_gaussian_moments():
    d = registry.get("propagation.finite_width")
    gaussians = {s.expr.rhs for s in d.steps if s.method == "gaussian"}
    assert gaussians == {A.RELU_SECOND_STD, A.RELU_FOURTH_STD}
    assert not any(s.method == "definition" and "χ" in str(s.expr) for s in d.steps)
    induction, step = _induction_step(d, D.SPREAD)
    assert step.expr.rhs == D.R_SECOND_VALUE * D.SPREAD


@pytest.mark.parametrize("module, constant, wrong", [
    (D, "R_SECOND_VALUE", 1 + 4 / D.width),
    (D, "SPREAD_CLOSED", (1 + 5 / D.width) ** (D.L + 1)),
    (D, "RELU_FOURTH_STD", sp.Integer(3)),      # E[ReLU(ξ)⁴] made false: the Gaussian step fails
    (D, "R_MEAN_VALUE", sp.Rational(1, 2)),
])
def test_finite_width_fails_when_a_moment_is_made_false(monkeypatch, module, constant, wrong):
    monkeypatch.setattr(module, constant, wrong)
    assert D.finite_width().status == "failed"
