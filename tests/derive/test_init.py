"""Derivations of the variance and initialization claims: all proved, and their wrong versions rejected."""
import ast
import inspect

import pytest
import sympy as sp

from derive import init as D
from derive import registry
from derive.core import Derivation, check_identity

PROVED = ["variance.product", "variance.fan_in", "init.forward", "init.backward", "init.xavier", "init.uniform",
          "activation.relu.moments", "init.kaiming", "init.lecun", "init.torch_default", "init.fans",
          "propagation.forward", "propagation.backward", "propagation.one_condition", "propagation.finite_width"]
NUMERIC = ["init.gains"]          # tanh's and sigmoid's E[φ²] have no closed form: quadrature
TANH_SECOND_MOMENT_GAIN = 1.5925  # CLAIMS.md init.gains, 4 decimals
QUADRATURE_AGREEMENT = 1e-12


@pytest.mark.parametrize("claim_id", PROVED)
def test_derivation_is_proved(claim_id):
    d = registry.get(claim_id)
    assert d.status == "proved", [(s, s.detail) for s in d.failures]


@pytest.mark.parametrize("claim_id", NUMERIC)
def test_quadrature_derivation_is_numeric_not_proved(claim_id):
    d = registry.get(claim_id)
    assert d.status == "numeric", [(s, s.detail) for s in d.failures]
    assert any(s.method == "quadrature" for s in d.steps)


def test_fan_in_derivation_is_for_symbolic_n_without_sympy_stats():
    d = registry.get("variance.fan_in")
    assert D.n in d.result.free_symbols
    assert any(D.n in s.expr.free_symbols for s in d.steps if s.method == "identity")
    tree = ast.parse(inspect.getsource(D))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not any("stats" in name for name in imported), imported
    assert "stats" not in {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    # the notes' last line, n·Var(W)·Var(x), appears only under E[x] = 0
    assert any("E[x] = 0" in s.justification for s in d.steps)


def test_moment_rules_assume_nothing_unstated():
    """E[W³]E[x] stays a moment symbol unless stated: a step that needs it does not check."""
    value = D.expect(D.W_j**3 * D.x_j, ((D.W_j,), (D.x_j,)), {D.W_j: 0, D.x_j: D.mu})
    assert value == D.moment(D.W_j**3) * D.mu
    d = Derivation("t", "t")
    D._rule_step(d, D.W_j**3 * D.x_j, ((D.W_j,), (D.x_j,)), {D.W_j: 0, D.x_j: D.mu}, 0, "needs E[W³] = 0")
    assert d.status == "failed"


def test_moment_rules_on_correlated_inputs():
    # cross terms vanish because E[W] = 0, whatever the correlation of x_j and x_k ...
    assert D.expect(D.W_j * D.x_j * D.W_k * D.x_k, D._W_PAIR_GROUPS, D._W_PAIR_MOMENTS) == 0
    # ... but not if the weights had a mean: the rule engine would then keep the correlation
    moments = {**D._W_PAIR_MOMENTS, D.W_j: sp.Symbol("m"), D.W_k: sp.Symbol("m")}
    assert D.expect(D.W_j * D.x_j * D.W_k * D.x_k, D._W_PAIR_GROUPS, moments) == sp.Symbol("m") ** 2 * D.cross


WRONG = [
    ("variance.product control", D.PRODUCT_VARIANCE, D.sigma2 * D.var_x),
    ("variance.fan_in control", D.FAN_IN_VARIANCE, D.n**2 * D.sigma2 * D.m2),
    ("init.xavier control", D.XAVIER_VARIANCE, (1 / D.n_in + 1 / D.n_out) / 2),
    ("init.uniform control", D.UNIFORM_VARIANCE.subs(D.a, D.UNIFORM_BOUND["xavier_uniform"]),
     2 / (D.n_in + D.n_out) / 3),                  # the std used as the bound: a third of the variance
    ("relu variance control", D.RELU_VARIANCE, D.q / 2),
    ("finite width control", D.FINITE_WIDTH_R2, 1),
    ("propagation control", D.PROPAGATION_POST, (D.n * D.sigma2) ** D.L * D.m2),
]


@pytest.mark.parametrize("what, right, wrong", WRONG, ids=[w[0] for w in WRONG])
def test_negative_controls_differ_symbolically(what, right, wrong):
    ok, _ = check_identity(right, wrong)
    assert not ok


def test_wrong_induction_is_rejected():
    d = Derivation("t", "t")
    d.induction((D.n * D.sigma2) ** D.L * D.m2, D.L, (0, D.m2), lambda F, L_: D.RELU_LAYER_FACTOR * F, "wrong")
    assert d.status == "failed"


def test_torch_default_floor_is_the_fixed_point_and_not_the_controls():
    q_next = D.TORCH_FACTOR * D.BIAS_FLOOR + 1 / (3 * D.n)
    assert sp.simplify(q_next - D.BIAS_FLOOR) == 0
    half_floor = (1 / (3 * D.n)) / (1 - sp.Rational(1, 2))
    assert sp.simplify(half_floor - D.BIAS_FLOOR) != 0


def test_tanh_gain_by_quadrature_is_not_pytorchs_five_thirds():
    gain = 1 / D.second_moment_quadrature("tanh") ** 0.5
    assert gain == pytest.approx(TANH_SECOND_MOMENT_GAIN, abs=5e-5)
    assert abs(gain - 5 / 3) > 0.07
    assert D.tanh_second_moment(1.0) == pytest.approx(D.second_moment_quadrature("tanh"), rel=QUADRATURE_AGREEMENT)


def test_tanh_variance_map_is_below_the_identity():
    """tanh squashes: E[tanh(√q z)²] < q for every q > 0 (and → q as q → 0)."""
    for q in (1e-4, 0.1, 1.0, 25 / 9, 10.0):
        assert D.tanh_second_moment(q) < q
    assert D.tanh_second_moment(1e-4) == pytest.approx(1e-4, rel=1e-3)
