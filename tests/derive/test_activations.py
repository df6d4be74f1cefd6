"""Derivations of the activation claims: all proved, their conclusions hold what verify reads, and each
lemma made false fails its derivation."""
import pytest
import sympy as sp

from derive import activations as D
from derive import registry
from derive.kernel import check_identity
from verify.claims.activations import derivative_bounds

IDS = ["activation.relu.derivative", "activation.sigmoid.derivative", "activation.tanh.derivative",
       "activation.stable"]
BUILDERS = {"sigmoid": D.sigmoid_derivative, "tanh": D.tanh_derivative}


@pytest.mark.parametrize("claim_id", IDS)
def test_every_activation_derivation_is_proved_without_assumptions(claim_id):
    d = registry.get(claim_id)
    assert d.status == "proved", d.verdict.reasons
    assert d.assumptions == []


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
    d = D.relu_derivative()
    assert d.status == "proved"
    monkeypatch.setattr(D, "_kink", _kink_with(sp.Piecewise((2, D.x >= 0), (0, True))))
    assert D.relu_derivative().status == "failed"


def _kink_with(derivative):
    original = D._kink.__code__

    def kink(d):
        d.define(D.ReLU(D.x), D.RELU, "definition")
        d.define(D.ReLU_prime(D.x), derivative, "a wrong convention")
        facts = [d.identity(sp.Derivative(D.ReLU(D.xp), D.xp), D.ReLU_prime(D.xp), "x > 0"),
                 d.inequality(1, D.ReLU_prime(0), 1 - D.ReLU_prime(0), "at most the right derivative")]
        return tuple(facts)
    del original
    return kink
