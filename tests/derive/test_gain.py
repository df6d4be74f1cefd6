"""derive.gain: moments, gains, the GELU lemma, fixed points and χ₁, against independent references.

The references here are written from the definitions with mpmath at 40 digits (not from derive's
expressions or code), or are textbook closed forms stated by hand.
"""
import mpmath
import pytest
import sympy as sp

from derive import gain as G
from derive import registry
from derive.core import Derivation

ORACLE_DPS = 30
MOMENT_RTOL = mpmath.mpf("1e-12")
"""derive promises 12 significant digits for a quadrature moment."""


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
}
"""φ and φ' of each built-in, from the papers' definitions."""


def oracle(f, q=1):
    with mpmath.workdps(ORACLE_DPS):
        return mpmath.quad(lambda t: f(t) * mpmath.npdf(t, 0, mpmath.sqrt(q)), [-mpmath.inf, 0, mpmath.inf])


def close(value, reference, rtol=MOMENT_RTOL):
    value, reference = mpmath.mpf(sp.N(value, 30)), mpmath.mpf(reference)
    return abs(value - reference) <= rtol * max(abs(reference), 1e-20)


@pytest.mark.parametrize("name", sorted(ORACLE))
def test_moments_match_independent_quadrature(name):
    phi, grad = ORACLE[name]
    m = G.moments(G.builtin(name))
    assert close(m.mean.value, oracle(phi)), m.mean
    assert close(m.second_moment.value, oracle(lambda t: phi(t) ** 2)), m.second_moment
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


@pytest.mark.parametrize("name, status", [("relu", "proved"), ("leaky_relu", "proved"), ("elu", "proved"),
                                          ("selu", "proved"), ("gelu", "proved"), ("linear", "proved"),
                                          ("silu", "numeric"), ("mish", "numeric"), ("softplus", "numeric"),
                                          ("tanh", "numeric"), ("sigmoid", "numeric")])
def test_derivation_status(name, status):
    d = registry.get(f"gain.{name}")
    assert d.status == status, [s for s in d.steps if s.status == "failed"]


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

def test_gelu_lemma_is_proved_and_matches_quadrature():
    d = G.gelu_second_moment_lemma()
    assert d.status == "proved", [s for s in d.steps if s.status == "failed"]
    phi, _ = ORACLE["gelu"]
    assert close(G.GELU_SECOND_MOMENT, oracle(lambda t: phi(t) ** 2), mpmath.mpf("1e-30"))


def test_a_wrong_lemma_step_is_rejected():
    z = G.z
    d = Derivation("gain.gelu.wrong", "a wrong constant")
    d.gaussian(z * G.Phi * G.pdf, z, sp.sqrt(3) / (6 * sp.pi), "E[zΦφ] with a factor 2 too many")
    assert d.status == "failed"


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
