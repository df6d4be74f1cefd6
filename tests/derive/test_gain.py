"""derive.gain: the derivations gain.<name> of the built-ins and the gains of any activation, against
independent references.

The references here are written from the definitions with mpmath at 30 digits (not from derive's
expressions or code), or are textbook closed forms stated by hand. The moments of typed activations, the
mean-field maps, the catalogue and the GELU lemma have their own test files (test_gaussian_moments.py,
test_meanfield.py, test_catalogue.py, test_gelu_lemma.py).
"""
import mpmath
import pytest
import sympy as sp

from derive import gain as G
from derive import registry
from derive.catalogue import BUILTINS, SELU_ALPHA, SELU_LAMBDA, a, activation, alpha, builtin, lam
from derive.gaussian_moments import MOMENT_NAMES, moments
from derive.gelu_lemma import GELU_SECOND_MOMENT
from derive.kernel import NormalE

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


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_moments_match_independent_quadrature(name):
    """What gain.<name> concludes (moments() at q = 1 reads it from the derivation)."""
    phi, grad = ORACLE[name]
    m = moments(builtin(name))
    second = oracle(lambda t: phi(t) ** 2)
    assert close(m.mean.value, oracle(phi), scale=mpmath.sqrt(second)), m.mean   # SELU's mean is ~1e-31
    assert close(m.second_moment.value, second), m.second_moment
    assert close(m.derivative_second_moment.value, oracle(lambda t: grad(t) ** 2)), m.derivative_second_moment


@pytest.mark.parametrize("text, name", [("tanh(x)", "tanh"), ("x*sigmoid(x)", "silu"),
                                        ("x*tanh(softplus(x))", "mish"), ("max(x, 0)", "relu")])
def test_forward_gain_of_typed_expressions_to_1e_9(text, name):
    phi, _ = ORACLE[name]
    reference = 1 / mpmath.sqrt(oracle(lambda t: phi(t) ** 2))
    assert abs(mpmath.mpf(sp.N(G.forward_gain(activation(text)), 30)) - reference) < 1e-9


def test_relu_gain_is_exactly_sqrt2():
    act = activation("max(x, 0)")
    assert G.forward_gain(act) == sp.sqrt(2) and G.backward_gain(act) == sp.sqrt(2)


def test_leaky_relu_gain_in_closed_form():
    slope = sp.Rational(1, 5)
    act = activation("max(x, 0.2*x)")
    assert sp.simplify(G.forward_gain(act) - sp.sqrt(2 / (1 + slope**2))) == 0
    d = registry.get("gain.leaky_relu")
    assert d.status == "proved"
    stated = [s for s in d.steps if s.method == "identity" and s.expr.rhs == sp.sqrt(2 / (1 + a**2))]
    assert stated and all(s.status == "proved" for s in stated)


def test_builtin_moments_say_how_their_derivation_got_them():
    assert moments(builtin("tanh")).second_moment.method == "quadrature"
    assert moments(builtin("sigmoid")).mean.method == "symmetry"
    assert moments(builtin("gelu")).second_moment.method == "lemma"
    assert moments(builtin("elu")).derivative_second_moment.method == "closed form"


STATUS = {"relu": "proved", "leaky_relu": "proved", "elu": "proved", "selu": "proved", "gelu": "proved",
          "linear": "proved", "silu": "numeric", "mish": "numeric", "softplus": "numeric",
          "tanh": "numeric given 1 assumption", "sigmoid": "numeric given 1 assumption"}
"""tanh, sigmoid, silu, mish and softplus have no closed form (quadrature); tanh and sigmoid take their mean
from the symmetry of N(0, q), a named assumption."""
ASSUMPTIONS = {name: ["symmetry of N(0, q)"] if name in ("tanh", "sigmoid") else [] for name in STATUS}


def test_one_derivation_per_builtin():
    assert set(STATUS) == set(BUILTINS)
    assert [i for i in registry.ids() if i.startswith("gain.")] == [f"gain.{name}" for name in BUILTINS]


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
    assert all(r.moments[k] == d.closed_form(G.MOMENT[k]) for k in MOMENT_NAMES)
    assert r.exact == (STATUS[name] == "proved")


def test_derived_values_match_the_oracle():
    for name in ("elu", "gelu", "tanh", "silu"):
        phi, grad = ORACLE[name]
        r = G.gain_result(name)
        assert close(r.forward_gain, 1 / mpmath.sqrt(oracle(lambda t: phi(t) ** 2)), mpmath.mpf("1e-11")), name
        assert close(r.chi1, oracle(lambda t: grad(t) ** 2) / oracle(lambda t: phi(t) ** 2), mpmath.mpf("1e-11"))


def test_selu_is_self_normalising():
    m = moments(builtin("selu"))
    assert abs(float(m.mean.value)) < 1e-15 and abs(float(m.second_moment.value) - 1) < 1e-15


def test_a_wrong_lemma_value_fails_gain_gelu():
    wrong = sp.Rational(1, 3) + sp.sqrt(3) / (3 * sp.pi)  # E[zΦϕ] counted twice
    assert G._build("gelu", wrong={"second_moment": wrong}).status == "failed"


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
    ("gelu", {"derivative_second_moment": GELU_SECOND_MOMENT}, "gaussian"),
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
    digits = (SELU_ALPHA, SELU_LAMBDA)
    definitions = [s for s in d.steps if s.method == "definition" and s.expr.lhs in (alpha, lam)]
    assert [s.expr.rhs for s in definitions] == [SELU_LAMBDA, SELU_ALPHA]
    assert not any(s.expr.has(*digits) for s in d.steps if s not in definitions)
    assert d.closed_form(G.G_FORWARD, unfold=False).free_symbols == {alpha, lam}
    assert not d.closed_form(G.G_FORWARD).free_symbols
    cut = G.STATED_MOMENTS["selu"]["second_moment"].subs(alpha, sp.Rational("1.673263242354377"))
    assert G._build("selu", wrong={"second_moment": cut}).status == "failed"


def test_controls_are_recorded_with_a_checked_gap():
    tanh, relu, sigmoid = (registry.get(f"gain.{n}") for n in ("tanh", "relu", "sigmoid"))
    g = tanh.closed_form(G.G_FORWARD)
    assert tanh.control_form(G.FORWARD) == g**2 / sp.Rational(5, 3) ** 2      # PyTorch's 5/3
    assert relu.control_form(G.FORWARD) == 1 - 1 / sp.pi                      # 1/√Var(ReLU(z))
    assert sigmoid.control_form(G.CHI1) == 1
    for d in (tanh, relu, sigmoid):
        assert len([s for s in d.steps if s.method == "inequality"]) == len(d.controls)
