"""Fixtures shared by the derivation tests: a cited lemma made false, the status check, the controls that
coincide with their closed forms, and an independent quadrature of E[tanh(√q·ξ)²]."""
import mpmath
import pytest
import sympy as sp

from derive import activations as A
from derive import registry
from derive.derivation import Derivation
from derive.init import variance as V
from derive.kernel import check_identity

FALSE_LEMMAS = {
    # the n(n-1) cross terms counted: a factor 2 too many
    "variance.fan_in": lambda: [sp.Eq(V.FAN_IN, 2 * V.FAN_IN_VARIANCE), sp.Eq(V.FAN_IN_SECOND, 2 * V.FAN_IN_VARIANCE)],
    # the halving forgotten
    "activation.relu.moments": lambda: [sp.Eq(A.RELU_SECOND, A.q_any), sp.Eq(A.RELU_LEAKY, (1 + A.c) * A.q_any),
                                        sp.Eq(A.RELU_MEAN, A.RELU_MEAN_VALUE),
                                        sp.Eq(A.RELU_VARIANCE, A.RELU_VARIANCE_VALUE)],
}
"""The lemmas other derivations cite, each with its conclusion made false (for ``cite_false``)."""


def _made_false(claim_id, statements):
    """A derivation of ``claim_id`` that concludes ``statements`` (each from an assumption quantified over all its
    symbols): a stand-in for a lemma whose result is made false while it stays 'proved'."""
    d = Derivation(claim_id, "a lemma made false")
    facts = []
    for number, statement in enumerate(statements):
        assumed = d.assume(f"made false {number}", statement, "test", for_all=tuple(statement.free_symbols))
        facts.append(d.chain(d.identity(statement.lhs, statement.lhs, "id"), assumed))
    d.conclude(*facts)
    assert d.status.startswith("proved"), d.verdict.reasons
    return d


@pytest.fixture
def cite_false(monkeypatch):
    """``cite_false(claim_id, statements=None)``: for the rest of the test, citing ``claim_id`` gives a 'proved'
    derivation concluding ``statements`` (by default the lemma's ``FALSE_LEMMAS`` entry)."""
    def install(claim_id, statements=None):
        d = _made_false(claim_id, FALSE_LEMMAS[claim_id]() if statements is None else statements)
        monkeypatch.setitem(registry._BUILT, claim_id, d)
        return d
    return install


@pytest.fixture
def assert_status():
    """``assert_status(claim_id, status, names)``: the derivation has this status, rests on exactly the
    assumptions named, each with a reference, and no step failed."""
    def check(claim_id, status, names):
        d = registry.get(claim_id)
        assert d.status == status, [(s, s.detail) for s in d.failures]
        assert {a["name"] for a in d.assumptions} == names
        assert all(a["reference"] for a in d.assumptions)
        assert not d.failures
    return check


@pytest.fixture
def controls_equal_to_closed_forms():
    """``controls_equal_to_closed_forms(claim_id)``: the left sides whose recorded control equals the concluded
    closed form (a control that rejects nothing there); every control must be for a concluded quantity."""
    def equal(claim_id):
        d = registry.get(claim_id)
        assert d.results and d.controls
        closed = {sp.srepr(p.lhs): p.rhs for p in d.results if isinstance(p, sp.Equality)}
        same = set()
        for lhs, control in d.controls.items():
            assert sp.srepr(lhs) in closed, f"{claim_id}: the control of {lhs} is for no concluded quantity"
            if check_identity(d.unfold(closed[sp.srepr(lhs)]), d.unfold(control))[0]:
                same.add(lhs)
        return same
    return equal


@pytest.fixture(scope="session")
def tanh_second_moment():
    """Q(q) = E[tanh(√q·ξ)²], ξ ~ N(0, 1), by mpmath quadrature at 30 digits: an oracle written here, apart
    from derive's quadrature rule."""
    def quad(q_value: float) -> float:
        with mpmath.workdps(30):
            root = mpmath.sqrt(mpmath.mpf(q_value))
            return float(mpmath.quad(lambda v: mpmath.tanh(root * v) ** 2 * mpmath.npdf(v), [-mpmath.inf, 0, mpmath.inf]))
    return quad
