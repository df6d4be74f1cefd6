"""The proof engine: every method accepts a right step and rejects a wrong one."""
import doctest
import time

import mpmath
import pytest
import sympy as sp

import derive.core as core
from derive.core import Derivation, SymbolicTimeout, check_identity, time_cap

x = sp.Symbol("x", real=True)
n = sp.Symbol("n", integer=True, positive=True)
L = sp.Symbol("L", integer=True, nonnegative=True)
l = sp.Symbol("l", integer=True, positive=True)
z = sp.Symbol("z", real=True)
a = sp.Symbol("a", positive=True)
J1, J2 = sp.MatrixSymbol("J_1", 3, 3), sp.MatrixSymbol("J_2", 3, 3)


def fresh(title="test"):
    return Derivation("test." + title, title)


def only_step(d):
    assert len(d.steps) == 1
    return d.steps[0]


# Each method: (a builder of a right step, a builder of the same step made wrong).
METHODS = {
    "identity": (lambda d: d.identity((x + 1) ** 2, x**2 + 2 * x + 1, "expand"),
                 lambda d: d.identity((x + 1) ** 2, x**2 + x + 1, "expand, wrong")),
    "identity-assumptions": (lambda d: d.identity(sp.sqrt(a**2), a, "a > 0"),
                             lambda d: d.identity(sp.sqrt(x**2), x, "x real: |x|, not x")),
    "identity-unevaluated": (lambda d: d.identity(sp.Integral(x**2 / (2 * a), (x, -a, a)), a**2 / 3, "∫"),
                             lambda d: d.identity(sp.Integral(x**2 / (2 * a), (x, -a, a)), a**2 / 2, "wrong ∫")),
    "identity-matrix-expression": (
        lambda d: d.identity(sp.MatMul(sp.Identity(3) + J2, sp.Identity(3) + J1),
                             sp.Identity(3) + J1 + J2 + J2 * J1, "two residual blocks"),
        lambda d: d.identity(sp.MatMul(sp.Identity(3) + J2, sp.Identity(3) + J1),
                             sp.Identity(3) + J1 + J2 + J1 * J2, "matrices do not commute")),
    "instance": (lambda d: d.instance(sp.Integer(8) * (5 * 5 * 6) + 8, sp.Integer(1208), "000 Q2.1"),
                 lambda d: d.instance(sp.Integer(8) * (5 * 5 * 6), sp.Integer(1208), "bias forgotten")),
    "induction": (lambda d: d.induction(2**n - 1, n, (1, 1), lambda F, k: 2 * F + 1, "a_{n+1} = 2a_n + 1"),
                  lambda d: d.induction(2**n, n, (1, 1), lambda F, k: 2 * F + 1, "wrong closed form")),
    "telescoping": (lambda d: d.telescoping((l + 1) / l, l, L, L + 1, "Π (l+1)/l = L+1"),
                    lambda d: d.telescoping((l + 1) / l, l, L, L, "wrong product")),
    "telescoping-sum": (lambda d: d.telescoping(2 * l - 1, l, L, L**2, "odd numbers sum to L²", kind="sum"),
                        lambda d: d.telescoping(2 * l - 1, l, L, L**2 + 1, "off by one", kind="sum")),
    "gaussian": (lambda d: d.gaussian(z**2, z, sp.Integer(1), "E[z²] = 1"),
                 lambda d: d.gaussian(z**2, z, sp.Integer(2), "E[z²] = 2, wrong")),
    "gaussian_on": (lambda d: d.gaussian_on(z**2, z, sp.Integer(0), sp.oo, sp.Rational(1, 2), "half of E[z²]"),
                    lambda d: d.gaussian_on(z**2, z, sp.Integer(0), sp.oo, sp.Integer(1), "E[z²·1[z>0]] is not 1")),
    "limit": (lambda d: d.limit(sp.sin(x) / x, x, 0, sp.Integer(1), "sin x / x"),
              lambda d: d.limit(sp.sin(x) / x, x, 0, sp.Integer(0), "wrong limit")),
    "extremum": (lambda d: d.extremum(x * (1 - x), x, sp.Interval(0, 1), sp.Rational(1, 4), "max"),
                 lambda d: d.extremum(x * (1 - x), x, sp.Interval(0, 1), sp.Rational(1, 2), "wrong max")),
    "inequality": (lambda d: d.inequality(x**2 + 1, 2 * x, (x - 1) ** 2, "AM-GM"),
                   lambda d: d.inequality(x**2, 2 * x, x**2 - 2 * x, "witness not non-negative")),
    "quadrature": (lambda d: d.quadrature(lambda t: mpmath.exp(-t * t), [-mpmath.inf, mpmath.inf],
                                          sp.sqrt(sp.pi), "Gaussian integral", name=sp.Symbol("I")),
                   lambda d: d.quadrature(lambda t: mpmath.exp(-t * t), [-mpmath.inf, mpmath.inf],
                                          sp.sqrt(sp.pi) + sp.Rational(1, 10**10), "off in the 10th digit",
                                          name=sp.Symbol("I"))),
    "evidence": (lambda d: d.evidence(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), [{x: 0.3}, {x: 2}], "spot"),
                 lambda d: d.evidence(sp.sin(x) ** 2, sp.Integer(1), [{x: 0.3}], "wrong spot")),
}


@pytest.mark.parametrize("method", sorted(METHODS))
def test_right_step_checks_and_wrong_step_is_rejected(method):
    right, wrong = METHODS[method]
    good = fresh(method)
    step = right(good)
    assert step.status in ("proved", "numeric", "evidence"), step.detail
    bad = fresh(method)
    step = wrong(bad)
    assert step.status == "failed", step.detail
    assert bad.status == "failed"


def test_quadrature_is_numeric_never_proved():
    d = fresh()
    METHODS["quadrature"][0](d)
    assert d.status == "numeric"


def test_evidence_alone_proves_nothing():
    d = fresh()
    METHODS["evidence"][0](d)
    assert d.steps[0].status == "evidence"
    assert d.status == "failed"  # no counted step
    METHODS["identity"][0](d)
    assert d.status == "proved"


def test_definitions_alone_prove_a_definition_and_one_failure_fails_the_whole():
    d = fresh()
    d.define(sp.Eq(sp.Function("f")(x), x**2, evaluate=False), "definition")
    assert d.status == "proved"
    METHODS["identity"][1](d)
    METHODS["identity"][0](d)
    assert d.status == "failed" and len(d.failures) == 1


def test_instance_refuses_free_symbols():
    d = fresh()
    d.instance(x + 1, x + 1, "not an instance")
    assert d.steps[0].status == "failed"
    assert "free symbols" in d.steps[0].detail


def test_strings_are_refused_not_parsed():
    with pytest.raises(TypeError, match="string"):
        check_identity("__import__('os')", 1)


def test_time_cap_interrupts_a_slow_block():
    start = time.process_time()
    with pytest.raises(SymbolicTimeout):
        with time_cap(0.2):
            while True:
                pass
    assert time.process_time() - start < 10  # the busy loop ran about 0.2 s of CPU, not forever


def test_a_timed_out_identity_is_not_established(monkeypatch):
    def slow(*args, **kwargs):
        raise SymbolicTimeout("simulated")

    monkeypatch.setattr(core.sp, "simplify", slow)
    ok, how = check_identity(sp.sin(x) ** 3, sp.sin(x) * (1 - sp.cos(x) ** 2), cap=1)
    assert not ok and how.startswith("timed out")


def test_cache_key_depends_on_the_expressions_and_engine():
    k1 = core._key("identity", x + 1, x + 1)
    k2 = core._key("identity", x + 1, x + 2)
    assert k1 != k2
    assert k1 == core._key("identity", x + 1, x + 1)


def test_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("DLMATH_CACHE", str(tmp_path))
    cache = core._OutcomeCache()
    cache.put("k", (True, "how"))
    again = core._OutcomeCache()
    assert again.get("k") == (True, "how")
    assert list(tmp_path.glob(f"checks-{core._ENGINE_DIGEST}.json"))


def test_rendering_markdown_and_latex():
    d = fresh("render")
    METHODS["identity"][0](d)
    METHODS["identity"][1](d)
    md = d._repr_markdown_()
    assert "✓" in md and "✗" in md and "Status: **failed**" in md
    tex = d._repr_latex_()
    assert tex.lstrip().startswith(r"\begin{tabular}") and r"\end{tabular}" in tex
    assert r"\checkmark" in tex


def test_latex_escapes_specials_in_text():
    assert core._escape("a_b & 50% {x}", latex=True) == r"a\_b \& 50\% \{x\}"


def test_doctests():
    result = doctest.testmod(core)
    assert result.attempted > 0 and result.failed == 0
