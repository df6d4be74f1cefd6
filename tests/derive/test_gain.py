"""derive.gain: moments, gains, the GELU lemma, fixed points and χ₁, against independent references.

The references here are written from the definitions with mpmath at 40 digits (not from derive's
expressions or code), or are textbook closed forms stated by hand.
"""
import mpmath
import pytest
import sympy as sp

from derive import gain as G
from derive import registry
from derive.derivation import Derivation
from derive.kernel import CHECKING_RULES, NormalE

ORACLE_DPS = 30
MOMENT_RTOL = mpmath.mpf("1e-12")
"""derive promises 12 significant digits for a quadrature moment."""


SELU_A = mpmath.mpf("1.6732632423543772848170429916717")
SELU_L = mpmath.mpf("1.0507009873554804934193349852946")
"""Klambauer et al. (2017), eq. (14)."""


def _ncdf(t):
    return (1 + mpmath.erf(t / mpmath.sqrt(2))) / 2


ORACLE = {
    "relu": (lambda t: max(t, 0), lambda t: 1 if t > 0 else 0),
    "tanh": (mpmath.tanh, lambda t: 1 - mpmath.tanh(t) ** 2),
    "sigmoid": (lambda t: 1 / (1 + mpmath.exp(-t)), lambda t: mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2),
    "softplus": (lambda t: mpmath.log1p(mpmath.exp(t)), lambda t: 1 / (1 + mpmath.exp(-t))),
    "silu": (lambda t: t / (1 + mpmath.exp(-t)),
             lambda t: 1 / (1 + mpmath.exp(-t)) + t * mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2),
    "mish": (lambda t: t * mpmath.tanh(mpmath.log1p(mpmath.exp(t))),
             lambda t: mpmath.tanh(mpmath.log1p(mpmath.exp(t)))
             + t * (1 - mpmath.tanh(mpmath.log1p(mpmath.exp(t))) ** 2) / (1 + mpmath.exp(-t))),
    "gelu": (lambda t: t * _ncdf(t), lambda t: _ncdf(t) + t * mpmath.npdf(t)),
    "elu": (lambda t: t if t > 0 else mpmath.expm1(t), lambda t: 1 if t > 0 else mpmath.exp(t)),
    "leaky_relu": (lambda t: t if t > 0 else t / 100, lambda t: 1 if t > 0 else mpmath.mpf(1) / 100),
    "selu": (lambda t: SELU_L * (t if t > 0 else SELU_A * mpmath.expm1(t)),
             lambda t: SELU_L * (1 if t > 0 else SELU_A * mpmath.exp(t))),
    "linear": (lambda t: t, lambda t: 1),
}
"""φ and φ' of each built-in, from the papers' definitions."""


def oracle(f, q=1):
    with mpmath.workdps(ORACLE_DPS):
        return mpmath.quad(lambda t: f(t) * mpmath.npdf(t, 0, mpmath.sqrt(q)), [-mpmath.inf, 0, mpmath.inf])


def close(value, reference, rtol=MOMENT_RTOL, scale=None):
    """|value - reference| <= rtol·scale, the scale |reference| unless given (a mean near 0: √E[φ²])."""
    value, reference = mpmath.mpf(sp.N(value, 30)), mpmath.mpf(reference)
    return abs(value - reference) <= rtol * max(abs(reference) if scale is None else scale, 1e-20)


@pytest.mark.parametrize("name", sorted(ORACLE))
def test_moments_match_independent_quadrature(name):
    phi, grad = ORACLE[name]
    m = G.moments(G.builtin(name))
    second = oracle(lambda t: phi(t) ** 2)
    assert close(m.mean.value, oracle(phi), scale=mpmath.sqrt(second)), m.mean   # SELU's mean is ~1e-31
    assert close(m.second_moment.value, second), m.second_moment
    assert close(m.derivative_second_moment.value, oracle(lambda t: grad(t) ** 2)), m.derivative_second_moment


@pytest.mark.parametrize("text, name", [("tanh(x)", "tanh"), ("x*sigmoid(x)", "silu"),
                                        ("x*tanh(softplus(x))", "mish"), ("max(x, 0)", "relu")])
def test_forward_gain_of_typed_expressions_to_1e_9(text, name):
    phi, _ = ORACLE[name]
    reference = 1 / mpmath.sqrt(oracle(lambda t: phi(t) ** 2))
    assert abs(mpmath.mpf(sp.N(G.forward_gain(G.activation(text)), 30)) - reference) < 1e-9


def test_relu_gain_is_exactly_sqrt2():
    act = G.activation("max(x, 0)")
    assert G.forward_gain(act) == sp.sqrt(2) and G.backward_gain(act) == sp.sqrt(2)
    assert G.moments(act).exact


def test_leaky_relu_gain_in_closed_form():
    slope = sp.Rational(1, 5)
    act = G.activation("max(x, 0.2*x)")
    assert sp.simplify(G.forward_gain(act) - sp.sqrt(2 / (1 + slope**2))) == 0
    d = registry.get("gain.leaky_relu")
    assert d.status == "proved"
    a = G.a
    stated = [s for s in d.steps if s.method == "identity" and s.expr.rhs == sp.sqrt(2 / (1 + a**2))]
    assert stated and all(s.status == "proved" for s in stated)


def test_quadrature_is_labelled_and_symmetry_is_exact():
    m = G.moments(G.activation("tanh(x)"))  # typed: computed here, not taken from the derivation
    assert m.mean.method == "symmetry" and m.mean.value == 0
    assert m.second_moment.method == "quadrature" and not m.second_moment.exact
    assert m.second_moment.error < 1e-13 * float(m.second_moment.value)
    assert G.moments(G.activation("1/(1 + exp(-x))")).mean.value == sp.Rational(1, 2)
    assert G.moments(G.builtin("tanh")).second_moment.method == "quadrature"


STATUS = {"relu": "proved", "leaky_relu": "proved", "elu": "proved", "selu": "proved", "gelu": "proved",
          "linear": "proved", "silu": "numeric", "mish": "numeric", "softplus": "numeric",
          "tanh": "numeric given 1 assumption", "sigmoid": "numeric given 1 assumption"}
"""tanh, sigmoid, silu, mish and softplus have no closed form (quadrature); tanh and sigmoid take their mean
from the symmetry of N(0, q), a named assumption."""
ASSUMPTIONS = {name: ["symmetry of N(0, q)"] if name in ("tanh", "sigmoid") else [] for name in STATUS}


@pytest.mark.parametrize("name", sorted(STATUS))
def test_derivation_status_and_assumptions(name):
    d = registry.get(f"gain.{name}")
    assert d.status == STATUS[name], d.verdict.reasons
    assert d.status.startswith(("proved", "numeric"))
    assert [a["name"] for a in d.assumptions] == ASSUMPTIONS[name]
    assert not d.failures


@pytest.mark.parametrize("name", sorted(STATUS))
def test_conclusion_holds_every_quantity_verify_reads(name):
    """The moments, both gains, V(1) = 1, B(1) = 1 and χ₁, each a checked statement (not a definition)."""
    d = registry.get(f"gain.{name}")
    lhs = [p.lhs for p in d.results]
    assert lhs == [*G.MOMENT.values(), G.G_FORWARD, G.G_BACKWARD, G.FORWARD, G.BACKWARD, G.CHI1]
    assert d.closed_form(G.FORWARD) == 1 and d.closed_form(G.BACKWARD) == 1
    assert not any(s.method == "definition" and s.expr.lhs in (sp.Symbol("q*"), sp.Symbol("χ₁")) for s in d.steps)
    assert set(d.controls) == set(G.control_lhs(name))


@pytest.mark.parametrize("name", sorted(STATUS))
def test_gain_result_is_read_from_the_conclusion(name):
    d, r = registry.get(f"gain.{name}"), G.gain_result(name)
    assert r.forward_gain == d.closed_form(G.G_FORWARD) and r.backward_gain == d.closed_form(G.G_BACKWARD)
    assert r.chi1 == d.closed_form(G.CHI1)
    assert all(r.moments[k] == d.closed_form(G.MOMENT[k]) for k in G.MOMENT_NAMES)
    assert r.exact == (STATUS[name] == "proved")


def test_derived_values_match_the_oracle():
    for name in ("elu", "gelu", "tanh", "silu"):
        phi, grad = ORACLE[name]
        r = G.gain_result(name)
        assert close(r.forward_gain, 1 / mpmath.sqrt(oracle(lambda t: phi(t) ** 2)), mpmath.mpf("1e-11")), name
        assert close(r.chi1, oracle(lambda t: grad(t) ** 2) / oracle(lambda t: phi(t) ** 2), mpmath.mpf("1e-11"))


def test_selu_is_self_normalising():
    m = G.moments(G.builtin("selu"))
    assert abs(float(m.mean.value)) < 1e-15 and abs(float(m.second_moment.value) - 1) < 1e-15


# -- the GELU lemma --------------------------------------------------------------------------------

def test_gelu_lemma_is_proved_by_kernel_checks_only_and_matches_quadrature():
    d = G.gelu_second_moment_lemma()
    assert d.status == "proved", d.verdict.reasons
    assert d.assumptions == [] and d.uses == []
    assert {s.method for s in d.steps} <= CHECKING_RULES | {"definition", "rewrite", "chain", "conclusion"}
    assert d.result == sp.Eq(NormalE((G.z * G.CDF(G.z)) ** 2, G.z, 1), sp.Rational(1, 3) + sp.sqrt(3) / (6 * sp.pi))
    phi, _ = ORACLE["gelu"]
    assert close(d.closed_form(), oracle(lambda t: phi(t) ** 2), mpmath.mpf("1e-28"))


def test_a_wrong_lemma_value_fails_the_lemma_and_gain_gelu():
    wrong = sp.Rational(1, 3) + sp.sqrt(3) / (3 * sp.pi)  # E[zΦϕ] counted twice
    assert G.gelu_second_moment_lemma(value=wrong).status == "failed"
    assert G._build("gelu", wrong={"second_moment": wrong}).status == "failed"


def test_a_wrong_integration_by_parts_is_rejected():
    """Without the boundary term the pointwise identity behind the lemma is false, and the kernel says so."""
    d = Derivation("gain.gelu.wrong", "Stein's identity without its boundary term")
    d.define(G.DENSITY(G.z), G.pdf, "density")
    d.define(G.CDF(G.z), G.Phi, "CDF")
    assert d.identity((G.z * G.CDF(G.z)) ** 2, G.CDF(G.z) ** 2 + G.DENSITY(G.z) ** 2, "no boundary").status == "failed"
    assert d.gaussian(G.z * G.Phi * G.pdf, G.z, sp.sqrt(3) / (6 * sp.pi), "E[zΦϕ], a factor 2 too many").status \
        == "failed"


# -- every gap: the derivation with one statement made false fails --------------------------------

MUTATIONS = [
    # (built-in, the statement made false, the rule that must reject it first)
    # the variance-map fixed point: V(1) = g²·E[φ²] is checked, not defined
    ("relu", {"fixed_point": sp.Integer(2)}, "identity"),
    ("tanh", {"fixed_point": sp.Rational(9, 10)}, "identity"),
    ("linear", {"backward_fixed_point": sp.Integer(2)}, "identity"),
    # χ₁ = g²·E[φ'²] is checked, not defined ("the gain is critical" is false for tanh and ELU)
    ("tanh", {"chi1": sp.Integer(1)}, "identity"),
    ("elu", {"chi1": sp.Integer(1)}, "identity"),
    # the gains are checked statements: PyTorch's constants are not 1/√E[φ²]
    ("tanh", {"forward_gain": sp.Rational(5, 3)}, "identity"),
    ("selu", {"forward_gain": sp.Rational(3, 4)}, "identity"),
    ("relu", {"backward_gain": sp.Integer(2)}, "identity"),
    ("silu", {"backward_gain": sp.Float("1.6233202579")}, "identity"),
    # a moment: a closed form, a symmetry, the number carried on from a quadrature, GELU's E[φ'²]
    ("leaky_relu", {"second_moment": sp.Rational(1, 2)}, "gaussian"),
    ("sigmoid", {"mean": sp.Rational(1, 4)}, "gaussian"),
    ("tanh", {"second_moment": sp.Float("0.394294490397842")}, "identity"),
    ("gelu", {"derivative_second_moment": G.GELU_SECOND_MOMENT}, "gaussian"),
]


@pytest.mark.parametrize("name, wrong, rule", MUTATIONS, ids=[f"{n}-{sorted(w)[0]}" for n, w, _ in MUTATIONS])
def test_a_false_statement_fails_the_derivation(name, wrong, rule):
    d = G._build(name, wrong=wrong)
    assert d.status == "failed"
    assert d.failures[0].method == rule, d.failures[0]   # unmutated, the same builder gives STATUS[name]


def test_unknown_mutations_are_refused():
    with pytest.raises(ValueError, match="wrong may state"):
        G._build("relu", wrong={"gain": 1})


def test_quadrature_moments_use_the_kernels_rule():
    d = registry.get("gain.softplus")
    quad = [s for s in d.steps if s.method == "quadrature"]
    assert len(quad) == 3 and all(s.status == "numeric" for s in quad)
    assert all(isinstance(s.expr.lhs, NormalE) for s in quad)


def test_selu_constants_stay_symbols_until_evaluated():
    """α and λ are defined once; every other statement is written with the symbols, and the value
    substitution is checked: the closed form with α cut to 16 digits fails."""
    d = registry.get("gain.selu")
    digits = (G.SELU_ALPHA, G.SELU_LAMBDA)
    definitions = [s for s in d.steps if s.method == "definition" and s.expr.lhs in (G.alpha, G.lam)]
    assert [s.expr.rhs for s in definitions] == [G.SELU_LAMBDA, G.SELU_ALPHA]
    assert not any(s.expr.has(*digits) for s in d.steps if s not in definitions)
    assert d.closed_form(G.G_FORWARD, unfold=False).free_symbols == {G.alpha, G.lam}
    assert not d.closed_form(G.G_FORWARD).free_symbols
    cut = G.STATED_MOMENTS["selu"]["second_moment"].subs(G.alpha, sp.Rational("1.673263242354377"))
    assert G._build("selu", wrong={"second_moment": cut}).status == "failed"


def test_controls_are_recorded_with_a_checked_gap():
    tanh, relu, sigmoid = (registry.get(f"gain.{n}") for n in ("tanh", "relu", "sigmoid"))
    g = tanh.closed_form(G.G_FORWARD)
    assert tanh.control_form(G.FORWARD) == g**2 / sp.Rational(5, 3) ** 2      # PyTorch's 5/3
    assert relu.control_form(G.FORWARD) == 1 - 1 / sp.pi                      # 1/√Var(ReLU(z))
    assert sigmoid.control_form(G.CHI1) == 1
    for d in (tanh, relu, sigmoid):
        assert len([s for s in d.steps if s.method == "inequality"]) == len(d.controls)


# -- variance map, fixed point, χ₁ -----------------------------------------------------------------

def test_relu_fixed_point_with_bias_has_its_closed_form():
    sigma_w, sigma_b = 1.2, 0.1
    fp = G.fixed_point(G.builtin("relu"), sigma_w, sigma_b)
    assert fp.kind == "attracting"
    assert fp.q == pytest.approx(sigma_b**2 / (1 - sigma_w**2 / 2), rel=1e-12)
    assert fp.slope == pytest.approx(sigma_w**2 / 2, rel=1e-6)


def test_fixed_point_kinds():
    relu, tanh = G.builtin("relu"), G.builtin("tanh")
    assert G.fixed_point(relu, 2**0.5, 0).kind == "neutral"
    assert G.fixed_point(relu, 1.5, 0).kind == "diverges"
    assert G.fixed_point(tanh, 0.9, 0).kind == "zero"
    assert G.fixed_point(G.builtin("silu"), float(sp.N(G.forward_gain(G.builtin("silu")), 20)), 0).kind == "unstable"


def test_tanh_chi1_at_the_derived_gain_and_at_pytorchs():
    tanh = G.builtin("tanh")
    phi, grad = ORACLE["tanh"]
    g = float(sp.N(G.forward_gain(tanh), 20))
    fp = G.fixed_point(tanh, g, 0)
    assert fp.q == pytest.approx(1, abs=1e-12) and fp.kind == "attracting"
    chi = G.chi1(tanh, g, fp.q)
    assert chi == pytest.approx(float(g**2 * oracle(lambda t: grad(t) ** 2)), rel=1e-10)
    assert round(float(chi), 2) == 1.18
    s = 5 / 3
    with mpmath.workdps(20):
        q_star = mpmath.findroot(lambda q: s**2 * mpmath.quad(lambda t: phi(t) ** 2 * mpmath.npdf(t, 0, mpmath.sqrt(q)),
                                                              [-mpmath.inf, 0, mpmath.inf]) - q, 1.2)
    fp = G.fixed_point(tanh, s, 0)
    assert fp.q == pytest.approx(float(q_star), rel=1e-10)
    assert round(float(G.chi1(tanh, s, fp.q)), 2) == 1.21


def test_chi1_at_zero_is_the_one_sided_limit():
    assert G.chi1(G.builtin("relu"), 1.0, 0) == pytest.approx(0.5)
    assert G.chi1(G.builtin("tanh"), 0.9, 0) == pytest.approx(0.81)


@pytest.mark.parametrize("name, critical", [("tanh", 1), ("relu", sp.sqrt(2)), ("gelu", 2), ("silu", 2),
                                            ("mish", sp.Rational(5, 3)), ("linear", 1), ("softplus", None)])
def test_critical_sigma_w(name, critical):
    got = G.critical_sigma_w(G.builtin(name))
    assert got == critical if critical is None else sp.simplify(got - critical) == 0


def test_critical_sigma_w_when_phi_of_0_is_not_0():
    """sigmoid: the σ_w found along the σ_b = 0 fixed points gives χ₁ = 1 at the fixed point the
    iteration from q = 1 reaches (found by a different route, fixed_point)."""
    sigmoid = G.builtin("sigmoid")
    sigma_w = float(G.critical_sigma_w(sigmoid))
    fp = G.fixed_point(sigmoid, sigma_w, 0, 1)
    assert fp.kind == "attracting"
    assert float(G.chi1(sigmoid, sigma_w, fp.q)) == pytest.approx(1, abs=1e-9)
    assert float(G.chi1(sigmoid, 0.9 * sigma_w, G.fixed_point(sigmoid, 0.9 * sigma_w, 0, 1).q)) < 1


def test_variance_iterates_reach_the_fixed_point():
    tanh = G.builtin("tanh")
    q = G.variance_iterates(tanh, 1.5, 0.3, 1, 20)
    assert len(q) == 20
    assert float(q[1]) == pytest.approx(float(G.variance_map(tanh, q[0], 1.5, 0.3)), rel=1e-13)
    assert float(q[-1]) == pytest.approx(G.fixed_point(tanh, 1.5, 0.3).q, rel=1e-6)  # slope 0.42: 0.42^20 < 1e-7


def test_torch_constants_are_stated_with_their_values():
    assert G.torch_gain(G.builtin("tanh")) == sp.Rational(5, 3)
    assert G.torch_gain(G.builtin("selu")) == sp.Rational(3, 4)
    assert G.torch_gain(G.builtin("leaky_relu")) == sp.sqrt(2 / (1 + sp.Rational(1, 100) ** 2))
    assert G.torch_gain(G.builtin("gelu")) is None


# -- bad input -------------------------------------------------------------------------------------

def test_bad_arguments():
    tanh = G.builtin("tanh")
    with pytest.raises(ValueError, match="moment must be one of mean, second_moment"):
        G.moment(tanh, "variance")
    with pytest.raises(ValueError, match="q must be a finite real number > 0, got -1"):
        G.moment(tanh, "mean", -1)
    with pytest.raises(ValueError, match="sigma_w must be finite and >= 0, got -1"):
        G.fixed_point(tanh, -1, 0)
    with pytest.raises(TypeError, match="sigma_b must be a real number"):
        G.variance_map(tanh, 1, 1, "big")
    with pytest.raises(ValueError, match="activation must be one of relu"):
        G.builtin("swish")
    with pytest.raises(TypeError, match="activation must be a str, got int"):
        G.activation(3)
    with pytest.raises(TypeError, match="slope must be a real number, got '0.2'"):
        G.builtin("leaky_relu", slope="0.2")  # a string is refused, never handed to sympy
    with pytest.raises(ValueError, match="q must be a finite real number > 0, got nan"):
        G.moments(tanh, float("nan"))


def test_infinite_moment_is_refused():
    with pytest.raises(ValueError, match="may be infinite"):
        G.moments(G.activation("exp(x**2)"))


@pytest.mark.parametrize("text, name, slope", [("max(x, 0)", "relu", None), ("where(x > 0, x, 0)", "relu", None),
                                               ("max(x, 0.2*x)", "leaky_relu", sp.Rational(1, 5)),
                                               ("x*(1 + erf(x/sqrt(2)))/2", "gelu", None),
                                               ("x*sigmoid(x)", "silu", None), ("x**3", None, None),
                                               ("max(x, 2*x)", None, None)])
def test_recognize(text, name, slope):
    found = G.recognize(G.activation(text))
    assert (found.name if found else None) == name
    if slope is not None:
        assert dict(found.parameters)[G.a] == slope


def test_conditions_that_are_not_intervals_are_refused():
    with pytest.raises(ValueError, match="could not be solved for x|not on finitely many intervals"):
        G.moments(G.activation("where(sin(x) > 0, x, 0)"))


def test_kurtosis_ratio():
    assert G.kurtosis_ratio(G.builtin("linear")) == pytest.approx(3, rel=1e-12)
    assert G.kurtosis_ratio(G.builtin("relu")) == pytest.approx(6, rel=1e-12)  # E[z⁴]/2 ÷ (1/2)²


def test_non_integrable_singularity_is_refused():
    with pytest.raises(ValueError, match="blows up at z = 0"):
        G.moments(G.activation("log(abs(x))"))
