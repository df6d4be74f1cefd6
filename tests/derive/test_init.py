"""Derivations of the variance and initialization claims: proved on the kernel from the named assumptions only,
and failed as soon as a lemma they rest on, or the closed form they conclude, is made false."""
import ast
import inspect

import pytest
import sympy as sp

from derive import init as D
from derive import registry
from derive.derivation import Derivation
from derive.kernel import E, Independent, check_identity

STATUS = {
    "variance.product": ("proved given 5 assumptions",
                         {"E[W] = 0", "E[x] = μ_x", "Var(W) = σ_W²", "Var(x) = σ_x²", "W ⟂ x"}),
    "variance.fan_in": ("proved given 4 assumptions",
                        {"E[W_j] = 0", "E[W_j²] = σ_W²", "E[x_j²] = E[x²]", "W_(n+1) ⟂ (S_n, x_(n+1))"}),
    "init.forward": ("proved given 4 assumptions",
                     {"E[W_j] = 0", "E[W_j²] = σ_W² [variance.fan_in at σ_W² = 1/n_in]", "E[x_j²] = E[x²]",
                      "W_(n+1) ⟂ (S_n, x_(n+1))"}),
    "init.backward": ("proved given 4 assumptions",
                      {"E[W_jk] = 0", "E[W_jk²] = 1/n_out", "E[g_j²] = E[g²]", "W_(m+1)k ⟂ (G_m, g_(m+1))"}),
    "init.xavier": ("proved", set()),
    "init.uniform": ("proved", set()),
    "activation.relu.moments": ("proved given 3 assumptions", {"E[z²] = q", "LOTUS", "the law of z is symmetric"}),
    "init.kaiming": ("proved given 6 assumptions",
                     {"E[W_j] = 0", "E[W_j²] = σ_W² [variance.fan_in at σ_W² = 2/(n_in*(α**2 + 1))]", "E[x_j²] = E[x²]",
                      "LOTUS", "W_(n+1) ⟂ (S_n, x_(n+1))",
                      "the law of z is symmetric [activation.relu.moments at z = S(n_in, s)]"}),
    "init.lecun": ("proved given 7 assumptions",
                   {"E[W_j] = 0", "E[W_j²] = σ_W² [variance.fan_in at σ_W² = 1/n_in]", "E[x_j²] = E[x²]",
                    "W_(n+1) ⟂ (S_n, x_(n+1))", "input", "inputs of layer L+1", "linear layer"}),
    "init.torch_default": ("proved given 12 assumptions",
                           {"E[W_j] = 0", "E[b] = 0", "E[x_j²] = E[x²]", "E[x_j²] = E[x²] [variance.fan_in at s = 1]",
                            "LOTUS", "W ~ U(±1/√fan_in)", "W_(n+1) ⟂ (S_n, x_(n+1))", "b ~ U(±1/√fan_in)", "b_λ ⟂ S_λ",
                            "inputs of layer λ+1",
                            "the law of z is symmetric [activation.relu.moments at z = S(n_in, s)]",
                            "the pre-activations are symmetric"}),
    "init.fans": ("proved", set()),
    "init.gains": ("numeric", set()),          # tanh's and sigmoid's E[φ²] have no closed form: quadrature
}
TANH_SECOND_MOMENT_GAIN = 1.5925  # CLAIMS.md init.gains, 4 decimals
QUADRATURE_AGREEMENT = 1e-12


def fake(claim_id, statements):
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


def cited_as(monkeypatch, claim_id, derivation):
    monkeypatch.setitem(registry._BUILT, claim_id, derivation)


WRONG_FAN_IN = [sp.Eq(D.FAN_IN, 2 * D.FAN_IN_VARIANCE), sp.Eq(D.FAN_IN_SECOND, 2 * D.FAN_IN_VARIANCE)]
"""variance.fan_in with the cross terms counted (a factor 2 too many)."""
WRONG_RELU = [sp.Eq(D.RELU_SECOND, D.q_any), sp.Eq(D.RELU_LEAKY, (1 + D.c) * D.q_any),
              sp.Eq(D.RELU_MEAN, D.RELU_MEAN_VALUE), sp.Eq(D.RELU_VARIANCE, D.RELU_VARIANCE_VALUE)]
"""activation.relu.moments without the halving."""


# ---- every derivation: its status and exactly the assumptions intended ---------------------------------

@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_derivation_status_and_its_named_assumptions(claim_id):
    d = registry.get(claim_id)
    status, names = STATUS[claim_id]
    assert d.status == status, [(s, s.detail) for s in d.failures]
    assert {a["name"] for a in d.assumptions} == names
    assert all(a["reference"] for a in d.assumptions)
    assert not d.failures


@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_every_derivation_concludes_and_records_a_control_that_differs(claim_id):
    d = registry.get(claim_id)
    assert d.results and d.controls
    closed = {sp.srepr(p.lhs): p.rhs for p in d.results if isinstance(p, sp.Equality)}
    for lhs, control in d.controls.items():
        assert sp.srepr(lhs) in closed, f"the control of {lhs} is for no concluded quantity"
        ok, _ = check_identity(d.unfold(closed[sp.srepr(lhs)]), d.unfold(control))
        assert not ok, f"the control of {lhs} equals the closed form"


def test_quadrature_derivation_is_numeric_not_proved():
    d = registry.get("init.gains")
    assert d.status == "numeric" and any(s.method == "quadrature" for s in d.steps)


def test_no_relation_is_introduced_by_a_definition():
    for claim_id in STATUS:
        for step in registry.get(claim_id).steps:
            if step.method == "definition":
                assert step.status == "definition", (claim_id, step)


# ---- variance.product: moment rules by the kernel's expectation rule ----------------------------------------

def test_product_moments_come_from_the_kernels_expectation_rule():
    assert not hasattr(D, "expect") and not hasattr(D, "moment")      # the old helper outside the kernel is gone
    d = registry.get("variance.product")
    assert sum(s.method == "expectation" for s in d.steps) == 2


def test_product_fails_when_its_closed_form_drops_the_mean(monkeypatch):
    monkeypatch.setattr(D, "PRODUCT_VARIANCE", D.sigma2 * D.var_x)     # the notes' Var(W)·Var(x)
    assert D.product_variance().status == "failed"


def test_product_fails_when_the_weights_have_a_mean(monkeypatch):
    monkeypatch.setattr(D, "WEIGHT_MEAN", sp.Symbol("μ_W", positive=True))
    assert D.product_variance().status == "failed"


# ---- variance.fan_in: symbolic n, correlated x ----------------------------------------------------------

def test_fan_in_is_a_kernel_induction_for_symbolic_n_without_sympy_stats():
    d = registry.get("variance.fan_in")
    assert D.n in d.result.free_symbols
    assert [s.method for s in d.steps].count("induction") == 2 and any(s.method == "expectation" for s in d.steps)
    for module in (D, __import__("derive.propagation", fromlist=["x"])):
        tree = ast.parse(inspect.getsource(module))
        imported = [a.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names]
        imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not any("stats" in name for name in imported), imported


def test_fan_in_independence_keeps_the_inputs_together():
    """W_(n+1) ⟂ (S_n, x_(n+1)): the x_j share a group with the partial sum, so they may be correlated."""
    d = registry.get("variance.fan_in")
    independences = [s.expr for s in d.steps if s.method == "assumption" and isinstance(s.expr, Independent)]
    assert independences == [Independent(sp.Tuple(D.W(D.n + 1, D.s)), sp.Tuple(D.S(D.n, D.s), D.x(D.n + 1, D.s)))]


def test_fan_in_fails_when_its_closed_form_counts_the_cross_terms(monkeypatch):
    monkeypatch.setattr(D, "FAN_IN_VARIANCE", D.n**2 * D.sigma2 * D.m2)
    assert D.fan_in_variance().status == "failed"


def test_fan_in_fails_without_zero_mean_weights(monkeypatch):
    """The cross terms vanish because E[W] = 0: with E[W] = μ they stay, and the step no longer checks."""
    monkeypatch.setattr(D, "WEIGHT_MEAN", sp.Symbol("μ_W", positive=True))
    assert D.fan_in_variance().status == "failed"


# ---- init.forward and init.backward ----------------------------------------------------------------

def test_forward_rests_on_the_fan_in_lemma(monkeypatch):
    cited_as(monkeypatch, "variance.fan_in", fake("variance.fan_in", WRONG_FAN_IN))
    assert D.forward_condition().status == "failed"


def test_forward_fails_with_the_backward_condition(monkeypatch):
    monkeypatch.setattr(D, "FORWARD_SECOND", D.n_in / D.n_out * D.m2)
    assert D.forward_condition().status == "failed"


def test_backward_sums_over_the_outputs_with_the_right_indices():
    """∂L/∂x_k = Σ_{j≤n_out} W_jk·g_j: the recursion adds W(m+1, k)·g(m+1), the sum runs to n_out."""
    d = registry.get("init.backward")
    G, g, W = sp.Function("G", real=True), sp.Function("g", real=True), sp.Function("W", real=True)
    m = sp.Symbol("m", integer=True, nonnegative=True)
    steps = [s.expr for s in d.steps if s.method == "definition"]
    assert sp.Eq(G(m + 1, D.k), G(m, D.k) + W(m + 1, D.k) * g(m + 1)) in steps
    assert sp.Eq(D.dLdx(D.k), G(D.n_out, D.k)) in steps
    assert d.closed_form(D.BACKWARD) == D.m_g


def test_backward_fails_with_the_forward_condition(monkeypatch):
    monkeypatch.setattr(D, "BACKWARD_SECOND", D.n_out / D.n_in * D.m_g)
    assert D.backward_condition().status == "failed"


def test_backward_fails_without_zero_mean_weights(monkeypatch):
    monkeypatch.setattr(D, "WEIGHT_MEAN", sp.Symbol("μ_W", positive=True))
    assert D.backward_condition().status == "failed"


# ---- init.xavier, init.uniform, init.fans ------------------------------------------------------------

@pytest.mark.parametrize("constant, wrong, builder", [
    ("XAVIER_VARIANCE", (1 / D.n_in + 1 / D.n_out) / 2, "xavier"),
    ("UNIFORM_VARIANCE", D.a**2 / 9, "uniform"),
    ("FAN_COUNTS", (D.C_in / D.groups * (D.k_h + D.k_w), D.C_out / D.groups * D.k_h * D.k_w), "fans"),
])
def test_closed_forms_made_false_fail(monkeypatch, constant, wrong, builder):
    monkeypatch.setattr(D, constant, wrong)
    assert getattr(D, builder)().status == "failed"


# ---- activation.relu.moments: the halving for any symmetric law ------------------------------------------

def test_halving_is_proved_by_a_change_of_variables_and_the_symmetry_of_the_law():
    d = registry.get("activation.relu.moments")
    assert sum(s.method == "substitution" for s in d.steps) == 2
    assert d.closed_form(D.RELU_SECOND) == D.q_any / 2
    assert not any(s.method == "gaussian" and s.expr.lhs == D.RELU_SECOND for s in d.steps)


@pytest.mark.parametrize("constant, wrong", [("RELU_HALF", D.q_any), ("LEAKY_HALF", (1 + D.c) * D.q_any),
                                             ("RELU_VARIANCE_VALUE", D.q / 2)])
def test_relu_moments_fail_without_the_halving(monkeypatch, constant, wrong):
    monkeypatch.setattr(D, constant, wrong)
    assert D.relu_moments().status == "failed"


# ---- init.kaiming, init.lecun, init.torch_default: the one-layer statement from the lemmas ------------------

@pytest.mark.parametrize("builder", ["kaiming", "torch_default"])
def test_relu_layers_rest_on_the_halving_lemma(monkeypatch, builder):
    cited_as(monkeypatch, "activation.relu.moments", fake("activation.relu.moments", WRONG_RELU))
    assert getattr(D, builder)().status == "failed"


@pytest.mark.parametrize("builder", ["kaiming", "lecun", "torch_default"])
def test_layers_rest_on_the_fan_in_lemma(monkeypatch, builder):
    cited_as(monkeypatch, "variance.fan_in", fake("variance.fan_in", WRONG_FAN_IN))
    assert getattr(D, builder)().status == "failed"


def test_kaiming_fails_with_lecuns_factor(monkeypatch):
    monkeypatch.setattr(D, "KAIMING_SECOND", (1 + D.slope**2) / 2 * D.m2)
    assert D.kaiming().status == "failed"


def test_lecun_depth_induction_steps_by_the_one_layer_statement():
    """The induction's step fact is E[h_(L+1)²] = E[h_L²], from the cited fan-in lemma, not E[x²] = E[x²]."""
    d = registry.get("init.lecun")
    induction = next(s for s in d.steps if s.method == "induction")
    assert induction.expr == sp.Eq(D.LECUN_DEPTH, D.m2)
    step = next(s for s in d.steps if s.method == "chain" and s.expr.lhs == D.H(D.L + 1))
    assert step.expr.rhs == D.H(D.L)
    assert "variance.fan_in" in d.uses


def test_lecun_fails_with_kaimings_variance(monkeypatch):
    monkeypatch.setattr(D, "LECUN_SECOND", 2 * D.m2)
    assert D.lecun().status == "failed"


@pytest.mark.parametrize("constant, wrong", [
    ("TORCH_FACTOR", sp.Rational(1, 2)),
    ("TORCH_BIAS_Q", sp.Rational(2, 3) / D.n_in + (D.TORCH_START - sp.Rational(2, 3) / D.n_in) * sp.Rational(1, 2) ** D.L),
    ("BIAS_FLOOR", sp.Rational(2, 3) / D.n_in),
])
def test_torch_default_fails_with_the_half_recurrence(monkeypatch, constant, wrong):
    monkeypatch.setattr(D, constant, wrong)
    assert D.torch_default().status == "failed"


def test_torch_default_records_the_half_recurrence_as_its_control():
    d = registry.get("init.torch_default")
    control = d.control_form(D.TORCH_BIAS)
    ok, how = check_identity(control.subs(D.L, D.L + 1), control / 2 + 1 / (3 * D.n_in))
    assert ok, how
    assert sp.limit(control, D.L, sp.oo) == sp.Rational(2, 3) / D.n_in


# ---- init.gains ------------------------------------------------------------------------------------------

def test_pytorchs_gains_are_definitions_and_the_derived_gains_are_concluded():
    d = registry.get("init.gains")
    defined = {s.expr.lhs for s in d.steps if s.method == "definition"}
    assert set(D.GAIN_TORCH.values()) <= defined
    concluded = {p.lhs for p in d.results}
    assert set(D.GAIN.values()) <= concluded and set(D.GAIN_SECOND.values()) <= concluded
    assert not set(D.GAIN_TORCH.values()) & concluded


@pytest.mark.parametrize("constant, wrong", [("GAIN_VALUES", {"relu": sp.Rational(5, 3), "leaky_relu": sp.sqrt(2)}),
                                             ("RELU_SECOND_STD", sp.Integer(1))])
def test_gains_fail_when_a_derived_gain_is_made_false(monkeypatch, constant, wrong):
    monkeypatch.setattr(D, constant, wrong)
    assert D.gains().status == "failed"


def test_tanh_gain_by_quadrature_is_not_pytorchs_five_thirds():
    d = registry.get("init.gains")
    second = float(d.closed_form(D.GAIN_SECOND["tanh"]))
    gain = float(d.closed_form(D.GAIN["tanh"]))
    assert gain == pytest.approx(TANH_SECOND_MOMENT_GAIN, abs=5e-5)
    assert abs(gain - 5 / 3) > 0.07
    assert D.tanh_second_moment(1.0) == pytest.approx(second, rel=QUADRATURE_AGREEMENT)


def test_tanh_variance_map_is_below_the_identity():
    """tanh squashes: E[tanh(√q ξ)²] < q for every q > 0 (and → q as q → 0): the plots' helper."""
    for qv in (1e-4, 0.1, 1.0, 25 / 9, 10.0):
        assert D.tanh_second_moment(qv) < qv
    assert D.tanh_second_moment(1e-4) == pytest.approx(1e-4, rel=1e-3)


def test_expectations_are_the_kernels():
    assert D.E is E
