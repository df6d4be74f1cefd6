"""Derivations of the activation claims: proved (ReLU's moments given their named assumptions), their conclusions
hold what verify reads, and each lemma made false fails its derivation."""
import pytest
import sympy as sp

from derive import activations as D
from derive import registry
from derive.kernel import check_identity
from verify.claims.activations import derivative_bounds

STATUS = {
    "activation.relu.derivative": ("proved", set()),
    "activation.sigmoid.derivative": ("proved", set()),
    "activation.tanh.derivative": ("proved", set()),
    "activation.stable": ("proved", set()),
    "activation.relu.moments": ("proved given 3 assumptions", {"E[z²] = q", "LOTUS", "the law of z is symmetric"}),
}
BUILDERS = {"sigmoid": D.sigmoid_derivative, "tanh": D.tanh_derivative}


@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_derivation_status_and_its_named_assumptions(assert_status, claim_id):
    assert_status(claim_id, *STATUS[claim_id])


@pytest.mark.parametrize("name, expected", [("relu", (1.0, 0.0)), ("sigmoid", (0.25, 0.125)), ("tanh", (1.0, 2.0))])
def test_the_finite_difference_constants_are_read_from_the_conclusions(name, expected):
    assert derivative_bounds(name) == expected


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_the_negative_controls_are_not_derivatives(name):
    d = registry.get(f"activation.{name}.derivative")
    wrong = d.control_form(D.DERIVATIVE[name])
    ok, _ = check_identity(sp.diff(D.FUNCTIONS[name], D.x), wrong)
    assert not ok


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_a_wrong_stated_derivative_fails(monkeypatch, name):
    monkeypatch.setitem(D.STATED, name, D.STATED[name] + sp.Rational(1, 100))
    assert BUILDERS[name]().status == "failed"


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_a_wrong_third_derivative_polynomial_fails(monkeypatch, name):
    monkeypatch.setitem(D.THIRD_POLYNOMIAL, name, D.THIRD_POLYNOMIAL[name] * 2)
    assert BUILDERS[name]().status == "failed"


@pytest.mark.parametrize("name, which", [("sigmoid", 0), ("sigmoid", 2), ("tanh", 1), ("tanh", 2)])
def test_a_bound_tighter_than_the_truth_fails(monkeypatch, name, which):
    bounds = list(D.BOUNDS[name])
    bounds[which] = bounds[which] / 2
    monkeypatch.setitem(D.BOUNDS, name, tuple(bounds))
    assert BUILDERS[name]().status == "failed"


def test_relu_convention_must_lie_in_the_subdifferential(monkeypatch):
    """ReLU'(0) = 2, with the right slopes on both sides: only the step "at most the right derivative 1" fails
    (and the conclusion that rests on it)."""
    monkeypatch.setattr(D, "RELU_PRIME", sp.Piecewise((1, D.x > 0), (2, sp.Eq(D.x, 0)), (0, True)))
    d = D.relu_derivative()
    assert d.status == "failed"
    assert [(s.method, s.expr) for s in d.failures if s.method != "conclusion"] == \
        [("inequality", sp.GreaterThan(1, D.ReLU_prime(0)))]


# ---- activation.relu.moments: the halving for any symmetric law ------------------------------------------

def test_halving_is_proved_by_a_change_of_variables_and_the_symmetry_of_the_law():
    d = registry.get("activation.relu.moments")
    assert sum(s.method == "substitution" for s in d.steps) == 2
    assert d.closed_form(D.RELU_SECOND) == D.q_any / 2
    assert not any(s.method == "gaussian" and s.expr.lhs == D.RELU_SECOND for s in d.steps)


def test_relu_moments_record_controls_that_differ_from_the_closed_forms(controls_equal_to_closed_forms):
    assert controls_equal_to_closed_forms("activation.relu.moments") == set()


@pytest.mark.parametrize("constant, wrong", [("RELU_HALF", D.q_any), ("LEAKY_HALF", (1 + D.c) * D.q_any),
                                             ("RELU_VARIANCE_VALUE", D.q / 2)])
def test_relu_moments_fail_without_the_halving(monkeypatch, constant, wrong):
    monkeypatch.setattr(D, constant, wrong)
    assert D.relu_moments().status == "failed"
