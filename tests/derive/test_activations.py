"""Derivations of the activation claims: all proved, and a wrong derivative is rejected."""
import pytest
import sympy as sp

from derive import activations as D
from derive import registry
from derive.core import check_identity

IDS = ["activation.relu.derivative", "activation.sigmoid.derivative", "activation.tanh.derivative",
       "activation.stable"]


@pytest.mark.parametrize("claim_id", IDS)
def test_every_activation_derivation_is_proved(claim_id):
    d = registry.get(claim_id)
    assert d.status == "proved", [s for s in d.steps if s.status == "failed"]
    assert all(s.status in ("proved", "definition") for s in d.steps)


@pytest.mark.parametrize("name, wrong", [
    ("sigmoid", D.SIGMOID * (1 + D.SIGMOID)),
    ("tanh", 1 - D.TANH),
])
def test_the_negative_controls_are_not_derivatives(name, wrong):
    ok, _ = check_identity(sp.diff(D.FUNCTIONS[name], D.x), wrong)
    assert not ok


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_stated_derivatives_match_sympy_differentiation(name):
    ok, how = check_identity(sp.diff(D.FUNCTIONS[name], D.x), D.CLOSED_FORMS[name])
    assert ok, how


def test_derivative_bounds_are_the_ones_the_derivations_prove():
    # the bounds used by the centred-difference tolerance are the extremes the derivations establish
    sig = registry.get("activation.sigmoid.derivative")
    extremes = [s.expr.rhs for s in sig.steps if s.method == "extremum"]
    assert extremes[0] == D.FIRST_DERIVATIVE_BOUND["sigmoid"]
    assert D.THIRD_DERIVATIVE_BOUND["sigmoid"] == max(abs(v) for v in extremes[1:])
    th = registry.get("activation.tanh.derivative")
    extremes = [s.expr.rhs for s in th.steps if s.method == "extremum"]
    assert D.THIRD_DERIVATIVE_BOUND["tanh"] == max(abs(v) for v in extremes[1:])
