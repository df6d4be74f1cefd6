"""Derivations of the variance and initialization claims: proved on the kernel from the named assumptions only,
and failed as soon as a lemma they rest on, or the closed form they conclude, is made false.

A closed form made false is patched in the submodule whose builder concludes it (``derive.init.variance``,
``conditions``, ``layers``, ``conventions``): a builder reads its module's names when it runs."""
import ast
import inspect
import pkgutil

import pytest
import sympy as sp

import derive.init
from derive import propagation, registry, sums
from derive.init import conditions as C
from derive.init import conventions as P
from derive.init import layers as Y
from derive.init import variance as V
from derive.kernel import Independent, check_identity

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
    "init.kaiming": ("proved given 6 assumptions",
                     {"E[W_j] = 0", "E[W_j²] = σ_W² [variance.fan_in at σ_W² = 2/(n_in·(α² + 1))]", "E[x_j²] = E[x²]",
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
MU_W = sp.Symbol("μ_W", positive=True)
"""A weight mean that is not zero: the cross terms of a fan-in sum no longer vanish."""


# ---- every derivation: its status and exactly the assumptions intended ---------------------------------

@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_derivation_status_and_its_named_assumptions(assert_status, claim_id):
    assert_status(claim_id, *STATUS[claim_id])


@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_every_derivation_records_controls_that_differ_from_its_closed_forms(controls_equal_to_closed_forms, claim_id):
    assert controls_equal_to_closed_forms(claim_id) == set()


def test_quadrature_derivation_is_numeric_not_proved():
    d = registry.get("init.gains")
    assert d.status == "numeric" and any(s.method == "quadrature" for s in d.steps)


def test_no_relation_is_introduced_by_a_definition():
    for claim_id in STATUS:
        for step in registry.get(claim_id).steps:
            if step.method == "definition":
                assert step.status == "definition", (claim_id, step)


def test_the_package_lists_its_derivations_in_the_order_of_the_notes():
    assert [i for i in registry.ids() if i in STATUS] == list(STATUS)


# ---- variance.product: moment rules by the kernel's expectation rule ----------------------------------------

def test_product_moments_come_from_the_kernels_expectation_rule():
    d = registry.get("variance.product")
    assert sum(s.method == "expectation" for s in d.steps) == 2


def test_product_fails_when_its_closed_form_drops_the_mean(monkeypatch):
    monkeypatch.setattr(V, "PRODUCT_VARIANCE", V.sigma2 * V.var_x)     # the notes' Var(W)·Var(x)
    assert V.product_variance().status == "failed"


def test_product_fails_when_the_weights_have_a_mean(monkeypatch):
    monkeypatch.setattr(V, "WEIGHT_MEAN", MU_W)
    assert V.product_variance().status == "failed"


# ---- variance.fan_in: symbolic n, correlated x ----------------------------------------------------------

def test_fan_in_is_a_kernel_induction_for_symbolic_n_without_sympy_stats():
    d = registry.get("variance.fan_in")
    assert V.n in d.result.free_symbols
    assert [s.method for s in d.steps].count("induction") == 2 and any(s.method == "expectation" for s in d.steps)
    modules = [sums, propagation] + [__import__(f"derive.init.{m.name}", fromlist=["x"])
                                     for m in pkgutil.iter_modules(derive.init.__path__)]
    for module in modules:
        tree = ast.parse(inspect.getsource(module))
        imported = [a.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names]
        imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not any("stats" in name for name in imported), (module.__name__, imported)


def test_fan_in_independence_keeps_the_inputs_together():
    """W_(n+1) ⟂ (S_n, x_(n+1)): the x_j share a group with the partial sum, so they may be correlated."""
    d = registry.get("variance.fan_in")
    independences = [s.expr for s in d.steps if s.method == "assumption" and isinstance(s.expr, Independent)]
    assert independences == [Independent(sp.Tuple(V.W(V.n + 1, V.s)), sp.Tuple(V.S(V.n, V.s), V.x(V.n + 1, V.s)))]


def test_fan_in_fails_when_its_closed_form_counts_the_cross_terms(monkeypatch):
    monkeypatch.setattr(V, "FAN_IN_VARIANCE", V.n**2 * V.sigma2 * V.m2)
    assert V.fan_in_variance().status == "failed"


def test_fan_in_fails_without_zero_mean_weights(monkeypatch):
    """The cross terms vanish because E[W] = 0: with E[W] = μ they stay, and the step no longer checks."""
    monkeypatch.setattr(V, "WEIGHT_MEAN", MU_W)
    assert V.fan_in_variance().status == "failed"


# ---- init.forward and init.backward ----------------------------------------------------------------

def test_forward_rests_on_the_fan_in_lemma(cite_false):
    cite_false("variance.fan_in")
    assert C.forward_condition().status == "failed"


def test_forward_fails_with_the_backward_condition(monkeypatch):
    monkeypatch.setattr(C, "FORWARD_SECOND", C.n_in / C.n_out * C.m2)
    assert C.forward_condition().status == "failed"


def test_backward_sums_over_the_outputs_with_the_right_indices():
    """∂L/∂x_k = Σ_{j≤n_out} W_jk·g_j: the recursion adds W(m+1, k)·g(m+1), the sum runs to n_out."""
    d = registry.get("init.backward")
    G, g, W = sp.Function("G", real=True), sp.Function("g", real=True), sp.Function("W", real=True)
    m = sp.Symbol("m", integer=True, nonnegative=True)
    steps = [s.expr for s in d.steps if s.method == "definition"]
    assert sp.Eq(G(m + 1, C.k), G(m, C.k) + W(m + 1, C.k) * g(m + 1)) in steps
    assert sp.Eq(C.dLdx(C.k), G(C.n_out, C.k)) in steps
    assert d.closed_form(C.BACKWARD) == C.m_g


def test_backward_fails_with_the_forward_condition(monkeypatch):
    monkeypatch.setattr(C, "BACKWARD_SECOND", C.n_out / C.n_in * C.m_g)
    assert C.backward_condition().status == "failed"


def test_backward_fails_without_zero_mean_weights(monkeypatch):
    monkeypatch.setattr(C, "WEIGHT_MEAN", MU_W)
    assert C.backward_condition().status == "failed"


# ---- init.xavier, init.uniform, init.fans ------------------------------------------------------------

@pytest.mark.parametrize("module, constant, wrong, builder", [
    (C, "XAVIER_VARIANCE", (1 / C.n_in + 1 / C.n_out) / 2, "xavier"),
    (C, "UNIFORM_VARIANCE", C.a**2 / 9, "uniform"),
    (P, "FAN_COUNTS", (P.C_in / P.groups * (P.k_h + P.k_w), P.C_out / P.groups * P.k_h * P.k_w), "fans"),
])
def test_closed_forms_made_false_fail(monkeypatch, module, constant, wrong, builder):
    monkeypatch.setattr(module, constant, wrong)
    assert getattr(module, builder)().status == "failed"


# ---- init.kaiming, init.lecun, init.torch_default: the one-layer statement from the lemmas ------------------

@pytest.mark.parametrize("builder", ["kaiming", "torch_default"])
def test_relu_layers_rest_on_the_halving_lemma(cite_false, builder):
    cite_false("activation.relu.moments")
    assert getattr(Y, builder)().status == "failed"


@pytest.mark.parametrize("builder", ["kaiming", "lecun", "torch_default"])
def test_layers_rest_on_the_fan_in_lemma(cite_false, builder):
    cite_false("variance.fan_in")
    assert getattr(Y, builder)().status == "failed"


def test_kaiming_fails_with_lecuns_factor(monkeypatch):
    monkeypatch.setattr(Y, "KAIMING_SECOND", (1 + Y.slope**2) / 2 * Y.m2)
    assert Y.kaiming().status == "failed"


def test_lecun_depth_induction_steps_by_the_one_layer_statement():
    """The induction's step fact is E[h_(L+1)²] = E[h_L²], from the cited fan-in lemma, not E[x²] = E[x²]."""
    d = registry.get("init.lecun")
    induction = next(s for s in d.steps if s.method == "induction")
    assert induction.expr == sp.Eq(Y.LECUN_DEPTH, Y.m2)
    step = next(s for s in d.steps if s.method == "chain" and s.expr.lhs == Y.H(Y.L + 1))
    assert step.expr.rhs == Y.H(Y.L)
    assert "variance.fan_in" in d.uses


def test_lecun_fails_with_kaimings_variance(monkeypatch):
    monkeypatch.setattr(Y, "LECUN_SECOND", 2 * Y.m2)
    assert Y.lecun().status == "failed"


@pytest.mark.parametrize("constant, wrong", [
    ("TORCH_FACTOR", sp.Rational(1, 2)),
    ("TORCH_BIAS_Q", sp.Rational(2, 3) / Y.n_in + (Y.TORCH_START - sp.Rational(2, 3) / Y.n_in) * sp.Rational(1, 2) ** Y.L),
    ("BIAS_FLOOR", sp.Rational(2, 3) / Y.n_in),
])
def test_torch_default_fails_with_the_half_recurrence(monkeypatch, constant, wrong):
    monkeypatch.setattr(Y, constant, wrong)
    assert Y.torch_default().status == "failed"


def test_torch_default_records_the_half_recurrence_as_its_control():
    d = registry.get("init.torch_default")
    control = d.control_form(Y.TORCH_BIAS)
    ok, how = check_identity(control.subs(Y.L, Y.L + 1), control / 2 + 1 / (3 * Y.n_in))
    assert ok, how
    assert sp.limit(control, Y.L, sp.oo) == sp.Rational(2, 3) / Y.n_in


# ---- init.gains ------------------------------------------------------------------------------------------

def test_pytorchs_gains_are_definitions_and_the_derived_gains_are_concluded():
    d = registry.get("init.gains")
    defined = {s.expr.lhs for s in d.steps if s.method == "definition"}
    assert set(P.GAIN_TORCH.values()) <= defined
    concluded = {p.lhs for p in d.results}
    assert set(P.GAIN.values()) <= concluded and set(P.GAIN_SECOND.values()) <= concluded
    assert not set(P.GAIN_TORCH.values()) & concluded


@pytest.mark.parametrize("constant, wrong", [("GAIN_VALUES", {"relu": sp.Rational(5, 3), "leaky_relu": sp.sqrt(2)}),
                                             ("RELU_SECOND_STD", sp.Integer(1))])
def test_gains_fail_when_a_derived_gain_is_made_false(monkeypatch, constant, wrong):
    monkeypatch.setattr(P, constant, wrong)
    assert P.gains().status == "failed"


def test_tanh_gain_by_quadrature_is_not_pytorchs_five_thirds(tanh_second_moment):
    d = registry.get("init.gains")
    second = float(d.closed_form(P.GAIN_SECOND["tanh"]))
    gain = float(d.closed_form(P.GAIN["tanh"]))
    assert gain == pytest.approx(TANH_SECOND_MOMENT_GAIN, abs=5e-5)
    assert abs(gain - 5 / 3) > 0.07
    assert second == pytest.approx(tanh_second_moment(1.0), rel=QUADRATURE_AGREEMENT)
