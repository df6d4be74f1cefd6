"""The variance and initialization claims: every one passes with its control rejected, reads its closed form and
control from its derivation (nothing typed twice), and the closed forms match independent NumPy computations."""
import ast
import inspect
import math

import numpy as np
import pytest
import sympy as sp

from derive import init as D
from derive import registry
from derive.derivation import Derivation
from numeric import init as I
from verify.claim import run_claim
from verify.claims import init as V

CLAIMS = {c.id: c for c in V.CLAIMS}
EXPECTED_IDS = {"variance.product", "variance.fan_in", "init.forward", "init.backward", "init.xavier", "init.uniform",
                "init.kaiming", "init.lecun", "init.torch_default", "init.fans",
                "init.gains"}
CLOSED_FORM_CONSTANTS = {"PRODUCT_VARIANCE", "FAN_IN_VARIANCE", "FORWARD_SECOND", "BACKWARD_SECOND", "XAVIER_VARIANCE",
                         "UNIFORM_VARIANCE", "RELU_HALF", "LEAKY_HALF", "RELU_MEAN_VALUE", "RELU_GAUSS_HALF",
                         "RELU_VARIANCE_VALUE", "KAIMING_SECOND", "LECUN_SECOND", "TORCH_FACTOR", "BIAS_FLOOR",
                         "TORCH_START", "TORCH_BIAS_Q", "FAN_COUNTS", "GAIN_VALUES", "RELU_SECOND_STD",
                         "RELU_FOURTH_STD", "POST_CLOSED", "PRE_CLOSED", "BACKWARD_CLOSED", "ONE_CONDITION_CLOSED",
                         "R_MEAN_VALUE", "R_SECOND_VALUE", "SPREAD_CLOSED", "tanh_second_moment"}
"""derive's closed forms: verify reads them from the conclusions, never from these names."""


def test_every_claim_of_the_section_is_registered():
    assert set(CLAIMS) == EXPECTED_IDS


@pytest.mark.parametrize("claim_id", sorted(EXPECTED_IDS))
def test_every_claim_is_linked_and_types_no_formula(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.linked and isinstance(claim.control, V.linked)
    assert claim.formula == "" and claim.control_formula == ""


@pytest.mark.parametrize("module", ["verify.claims.init", "verify.claims.propagation"])
def test_no_closed_form_or_control_is_typed_in_verify(module):
    source = inspect.getsource(__import__(module, fromlist=["x"]))
    used = {node.attr for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute)}
    assert not used & CLOSED_FORM_CONSTANTS


def _doubled(claim_id, lhs_list):
    """The claim's derivation with every concluded right side doubled (a stand-in, 'proved')."""
    real = registry.get(claim_id)
    d = Derivation(claim_id, "doubled")
    facts = []
    for number, part in enumerate(real.results):
        wrong = sp.Eq(part.lhs, 2 * real.unfold(part.rhs))
        facts.append(d.chain(d.identity(part.lhs, part.lhs, "id"),
                             d.assume(f"doubled {number}", wrong, "test", for_all=tuple(wrong.free_symbols))))
    for lhs in lhs_list:
        d.control(real.control_form(lhs), lhs, "the same control")
    d.conclude(*facts)
    return d


@pytest.mark.parametrize("claim_id, lhs", [("variance.fan_in", D.FAN_IN), ("init.forward", D.FORWARD),
                                           ("init.torch_default", D.TORCH_BIAS)])
def test_the_checked_closed_form_is_the_derivations_conclusion(claim_id, lhs):
    claim = CLAIMS[claim_id]
    config = claim.configs[-1]
    real = claim.closed(config, None)
    doubled = claim.closed(config, None, derivation=_doubled(claim_id, [lhs]))
    assert np.allclose(doubled, 2 * np.asarray(real))


@pytest.fixture(scope="module")
def results():
    return {cid: run_claim(claim, seed=0) for cid, claim in CLAIMS.items()}


@pytest.mark.parametrize("claim_id", sorted(EXPECTED_IDS))
def test_claim_passes_and_rejects_its_control(results, claim_id):
    r = results[claim_id]
    assert r.proof.startswith(("proved", "numeric")), r.proof_detail
    assert r.check == "pass", [(c.config, c.z, c.z_critical, c.error) for c in r.checks if not c.passed]
    assert all(c.control_rejected in (True, None) for c in r.checks)
    assert any(c.control_rejected for c in r.checks)
    assert r.formula and r.control_formula and "cannot render" not in r.formula


def test_controls_are_checked_where_they_differ():
    """CLAIMS.md: a control equal to the truth at n_in = n_out is checked at n_out/n_in >= 2."""
    for cid in ("init.forward", "init.backward", "init.xavier"):
        for config in CLAIMS[cid].configs:
            ratio = config["n_out"] / config["n_in"]
            assert max(ratio, 1 / ratio) >= 2, (cid, config)
    for config in CLAIMS["variance.product"].configs:
        assert config["x_mean"] ** 2 >= config["x_std"] ** 2


# ---- closed forms against independent computations ------------------------------------------------

def test_uniform_bounds_equal_numeric_init_bounds():
    for name, n_in, n_out in (("xavier_uniform", 30, 70), ("kaiming_uniform", 50, 10), ("lecun_uniform", 8, 64)):
        options = {"nonlinearity": "relu"} if name == "kaiming_uniform" else {}
        std = I.init_std((n_out, n_in), I.calculate_gain("relu") if name == "kaiming_uniform" else 1.0,
                         "fan_avg" if name.startswith("xavier") else "fan_in")
        bound = float(D.UNIFORM_BOUND[name].subs({D.n_in: n_in, D.n_out: n_out}))
        assert math.sqrt(3) * std == pytest.approx(bound, rel=1e-14)
        assert np.abs(getattr(I, name)((n_out, n_in), 0, **options)).max() <= bound


def test_torch_gain_table_matches_numeric():
    for name, param in V.GAIN_CASES:
        slope = 0.01 if param is None else param
        assert I.calculate_gain(name, param) == pytest.approx(float(D.TORCH_GAINS[name].subs(D.slope, slope)), rel=1e-15)


def test_torch_default_bias_recurrence_against_iteration():
    """q_(l+1) = q_l/6 + 1/(3n) from q_1 = 1/3 + 1/(3n), iterated in floats, against the concluded closed form."""
    claim, n, depth = CLAIMS["init.torch_default"], 64, 8
    expected = claim.closed({"bias": "torch", "n": n, "depth": depth}, None)
    qs = [1 / 3 + 1 / (3 * n)]
    for _ in range(depth - 1):
        qs.append(qs[-1] / 6 + 1 / (3 * n))
    assert np.allclose(expected, qs, rtol=1e-12)
