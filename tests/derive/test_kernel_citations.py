"""Soundness regressions, continued (holes 14-27 of the red-team review): citations and instantiation
(what may be substituted, capture by bound variables), unfolding, rewriting under binders, assumptions and
their obligations, expectations, quadrature, and verify's linked closed forms. The guards and their
positive controls follow the pattern of test_kernel_soundness.py.

Hole 26 (a narrow spike between quadrature nodes) is a known limitation of black-box quadrature: strict xfail.
"""
import mpmath
import pytest
import sympy as sp

from derive.kernel import E, Independent

from _soundness import F, G, failed_at, fresh, g, n, proved, x, z  # noqa: F401 -- shared by the three files



# ---------------------------------------------------------------------------------------------------------------
# 14-15, 17. citations: what may be instantiated

a_int = sp.Symbol("a", integer=True)
s_pos = sp.Symbol("s", integer=True, positive=True)
q_int = sp.Symbol("q", integer=True)
r_nat = sp.Symbol("r", integer=True, nonnegative=True)


def _division_lemma():
    B = fresh("B-division")
    eq, _, _ = B.divide(a_int, s_pos, q_int, r_nat, "division")
    B.conclude(eq)
    assert B.status == "proved"
    return B


def test_a_citation_cannot_instantiate_the_quotient_a_cited_division_fixes():
    """Citing a = q·s + r (q := ⌊a/s⌋, r := a - q·s) at q = r = 0 would prove a = 0 for every integer a."""
    B = _division_lemma()
    A = fresh("A-division", resolve=lambda cid: B)
    A.identity(a_int, a_int, "a checked step")
    A.conclude(A.use("t.B", values={q_int: 0, r_nat: 0}))
    failed_at(A, "citation")


def test_a_citation_of_a_division_without_values_is_still_proved():
    """Control: citing the division as it stands gives a = q·s + r, proved."""
    B = _division_lemma()
    A = fresh("A-division-ok", resolve=lambda cid: B)
    A.identity(a_int, a_int, "a checked step")
    A.conclude(A.use("t.B"))
    assert A.status == "proved"
    assert A.result == sp.Eq(a_int, q_int * s_pos + r_nat)


c_real = sp.Symbol("c", real=True)


def _restated_lemma():
    B = fresh("B-restated")
    B.define(c_real, 2, "c := 2")
    B.identity(x * (x + 2), x**2 + 2 * x, "expand")
    B.conclude(sp.Eq(x * (x + c_real), x**2 + 2 * x, evaluate=False))   # a restatement that mentions c
    assert B.status == "proved"
    return B


def test_a_citation_cannot_instantiate_a_symbol_a_restated_conclusion_defines():
    """B concludes x·(x + c) = x² + 2x with c := 2 (a restatement of an identity without c); citing it at c = 0
    would prove x² = x² + 2x."""
    B = _restated_lemma()
    A = fresh("A-restated", resolve=lambda cid: B)
    A.identity(x, x, "a checked step")
    A.conclude(A.use("t.B", values={c_real: 0}))
    failed_at(A, "citation")


def test_a_citation_may_still_instantiate_a_universally_quantified_symbol():
    """Control: the same conclusion cited at x = 1 gives 1·(1 + c) = 3, proved."""
    B = _restated_lemma()
    A = fresh("A-restated-ok", resolve=lambda cid: B)
    A.identity(x, x, "a checked step")
    A.conclude(A.use("t.B", values={x: 1}))
    assert A.status == "proved"
    assert A.result == sp.Eq(1 * (1 + c_real), 3, evaluate=False)


xi = sp.Symbol("x", integer=True)
k = sp.Symbol("k", integer=True)


def _three_terms():
    B = fresh("B-sum")
    B.conclude(B.identity(sp.Sum(xi, (k, 1, 3)), 3 * xi, "three equal terms"))
    assert B.status == "proved"
    return B


def test_a_citation_refuses_a_value_captured_by_a_bound_variable():
    """Σ_{k=1}^{3} x = 3x cited at x = k would read Σ_{k=1}^{3} k = 3k, but Σ_{k=1}^{3} k = 6."""
    B = _three_terms()
    A = fresh("A-capture", resolve=lambda cid: B)
    A.identity(xi, xi, "a checked step")
    A.conclude(A.use("t.B", values={xi: k}))
    failed_at(A, "citation")


def test_a_citation_refuses_to_instantiate_a_bound_variable():
    """Σ_{k=1}^{3} x = 3x cited at k = x would read Σ_{x=1}^{3} x = 3x, but Σ_{x=1}^{3} x = 6."""
    B = _three_terms()
    A = fresh("A-bound-key", resolve=lambda cid: B)
    A.identity(xi, xi, "a checked step")
    A.conclude(A.use("t.B", values={k: xi}))
    failed_at(A, "citation")


def test_a_citation_at_a_value_free_of_bound_variables_is_still_proved():
    """Control: Σ_{k=1}^{3} x = 3x cited at x = 2 gives Σ_{k=1}^{3} 2 = 6, proved."""
    B = _three_terms()
    A = fresh("A-sum-ok", resolve=lambda cid: B)
    A.identity(xi, xi, "a checked step")
    u = A.use("t.B", values={xi: 2})
    A.conclude(u)
    assert A.status == "proved"
    assert u.statement.lhs.doit() == u.statement.rhs == 6


# ---------------------------------------------------------------------------------------------------------------
# 16, 18-21. capture, undefined instances, rewriting under binders


def test_instantiate_refuses_a_value_captured_by_a_bound_variable():
    """Σ_{k=1}^{3} x = 3x at x := k would read Σ_{k=1}^{3} k = 3k, but the sum is 6."""
    d = fresh("inst-capture")
    f = proved(d.identity(sp.Sum(xi, (k, 1, 3)), 3 * xi, "three equal terms"))
    g_ = d.instantiate(f, {xi: k}, "x := k")
    d.conclude(g_)
    failed_at(d, "instantiate")
    assert g_.status == "failed"
    assert d.result != sp.Eq(sp.Sum(k, (k, 1, 3)), 3 * k, evaluate=False)


def test_instantiate_treats_a_derivative_variable_as_bound():
    """d/dx (x²y) = 2xy at y := x would read d/dx x³ = 2x², but d/dx x³ = 3x²."""
    y = sp.Symbol("y", real=True)
    d = fresh("inst-derivative")
    f = proved(d.identity(sp.Derivative(x**2 * y, x), 2 * x * y, "d/dx (x²y) = 2xy"))
    g_ = d.instantiate(f, {y: x}, "y := x")
    d.conclude(g_)
    failed_at(d, "instantiate")
    assert g_.status == "failed"


def test_instantiate_at_values_free_of_bound_variables_is_still_proved():
    """Control: Σ_{k=1}^{3} x = 3x at x := 2, and d/dx (x²y) = 2xy at y := 3, are proved."""
    d = fresh("inst-ok")
    f = proved(d.identity(sp.Sum(xi, (k, 1, 3)), 3 * xi, "three equal terms"))
    proved(d.instantiate(f, {xi: 2}, "x := 2"))
    y = sp.Symbol("y", real=True)
    g_ = proved(d.identity(sp.Derivative(x**2 * y, x), 2 * x * y, "d/dx (x²y) = 2xy"))
    d.conclude(proved(d.instantiate(g_, {y: 3}, "y := 3")))
    assert d.status == "proved"


t = sp.Symbol("t", real=True)


def test_unfolding_a_defined_function_does_not_capture_its_argument():
    """G(x) := ∫_0^1 x·t dt = x/2, so G(t) = t/2, not ∫_0^1 t² dt = 1/3."""
    d = fresh("unfold-function")
    d.define(G(x), sp.Integral(x * t, (t, 0, 1)), "G(x) = x/2")
    d.conclude(d.identity(G(t), sp.Rational(1, 3), "?"))
    failed_at(d, "identity")


def test_unfolding_a_defined_symbol_does_not_capture_it_in_an_integral():
    """c := t (a fixed number) gives ∫_0^1 c dt = c = t, not ∫_0^1 t dt = 1/2."""
    c = sp.Symbol("c", real=True)
    d = fresh("unfold-symbol")
    d.define(c, t, "c := t")
    d.conclude(d.identity(sp.Integral(c, (t, 0, 1)), sp.Rational(1, 2), "∫_0^1 c dt"))
    failed_at(d, "identity")


def test_unfolding_with_bound_variables_kept_apart_still_proves_the_true_values():
    """Control: with G(x) := ∫_0^1 x·t dt, G(t) = t/2; with c := t, ∫_0^1 c dt = t."""
    d = fresh("unfold-function-ok")
    d.define(G(x), sp.Integral(x * t, (t, 0, 1)), "G(x) = x/2")
    d.conclude(proved(d.identity(G(t), t / 2, "G(t) = t/2")))
    assert d.status == "proved"
    c = sp.Symbol("c", real=True)
    e = fresh("unfold-symbol-ok")
    e.define(c, t, "c := t")
    e.conclude(proved(e.identity(sp.Integral(c, (t, 0, 1)), t, "∫_0^1 c dt = c")))
    assert e.status == "proved"


ti = sp.Symbol("t", integer=True)


def test_substitution_refuses_a_variable_bound_inside_the_integral():
    """∫_0^1 Σ_{t=1}^{2} z·t dz = 3/2 'renamed' z → t would read ∫_0^1 Σ_{t=1}^{2} t² dt = 5."""
    integral = sp.Integral(sp.Sum(z * ti, (ti, 1, 2)), (z, 0, 1))
    d = fresh("substitution")
    d.identity(z, z, "a checked step")
    d.conclude(d.substitution(integral, ti, 1, 0, "rename z as t"))
    failed_at(d, "substitution")


def test_substitution_by_a_fresh_variable_is_still_proved():
    """Control: the same integral with z = 2u (u fresh) is ∫_0^{1/2} Σ_{t=1}^{2} 2u·t·2 du, proved."""
    u = sp.Symbol("u", real=True)
    integral = sp.Integral(sp.Sum(z * ti, (ti, 1, 2)), (z, 0, 1))
    d = fresh("substitution-ok")
    fact = proved(d.substitution(integral, u, 2, 0, "z = 2u"))
    d.conclude(fact)
    assert d.status == "proved"
    assert fact.statement.rhs.doit() == sp.Rational(3, 2)


def test_instantiate_refuses_a_value_where_the_statement_is_undefined():
    """(x² - 1)/(x - 1) = x + 1 holds only for x ≠ 1: at x = 1 it reads nan = 2."""
    d = fresh("nan")
    f = proved(d.identity((x**2 - 1) / (x - 1), x + 1, "cancel x - 1"))
    d.conclude(d.instantiate(f, {x: 1}, "x = 1"))
    failed_at(d, "instantiate")


def test_instantiate_where_the_statement_is_defined_is_still_proved():
    """Control: (x² - 1)/(x - 1) = x + 1 at x = 2 reads 3 = 3."""
    d = fresh("nan-ok")
    f = proved(d.identity((x**2 - 1) / (x - 1), x + 1, "cancel x - 1"))
    d.conclude(proved(d.instantiate(f, {x: 2}, "x = 2")))
    assert d.status == "proved"


j = sp.Symbol("j", integer=True)


def test_rewrite_refuses_a_particular_fact_under_a_binder_of_its_symbol():
    """From g(j) = 0 for one particular j, Σ_{j=1}^{3} g(j) = 0 does not follow (g(i) = i² - 4, j = 2: the sum is 2)."""
    d = fresh("rewrite-binder")
    h = d.assume("g at j", sp.Eq(g(j), 0), "g vanishes at one particular index j")
    d.identity(j, j, "a checked step")
    d.conclude(d.rewrite(sp.Sum(g(j), (j, 1, 3)), [h], "put g(j) = 0 in"))
    failed_at(d, "rewrite")


def test_rewrite_with_a_for_all_fact_under_a_binder_is_still_proved():
    """Control: from g(j) = 0 for every j, Σ_{j=1}^{3} g(j) = Σ_{j=1}^{3} 0 (given that assumption); and a particular
    g(j) = 0 still rewrites g(j) + 1 outside any binder."""
    d = fresh("rewrite-binder-ok")
    h = d.assume("g vanishes", sp.Eq(g(j), 0), "g vanishes at every index", for_all=[j])
    d.identity(j, j, "a checked step")
    d.conclude(proved(d.rewrite(sp.Sum(g(j), (j, 1, 3)), [h], "put g(j) = 0 in")))
    assert d.status == "proved given 1 assumption"
    e = fresh("rewrite-free-ok")
    h = e.assume("g at j", sp.Eq(g(j), 0), "g vanishes at one particular index j")
    e.identity(j, j, "a checked step")
    e.conclude(proved(e.rewrite(g(j) + 1, [h], "put g(j) = 0 in")))
    assert e.status == "proved given 1 assumption"


# ---------------------------------------------------------------------------------------------------------------
# 22-23. assumptions: obligations of citations, names


def _for_all_lemma():
    """B: if g(j, x) = 0 for every j, then Σ_{k=1}^{3} g(k, x) = 0."""
    B = fresh("B-oblig")
    h = B.assume("g vanishes", sp.Eq(g(j, x), 0), "hypothesis of the claim", for_all=[j])
    hk = B.instantiate(h, {j: k}, "at k")
    B.identity(x, x, "a checked step")
    B.conclude(B.rewrite(sp.Sum(g(k, x), (k, 1, 3)), [hk], "put it in"))
    assert B.status == "proved given 1 assumption"
    return B


def test_a_cited_for_all_obligation_is_not_discharged_by_a_particular_fact():
    """A fact g(j, 1) = 0 about one particular j does not give Σ_{k=1}^{3} g(k, 1) = 0 (g(i, 1) = i² - 4, j = 2: the
    sum is 2); citing B at x = 1 must rest on the explicit assumption g(j, 1) = 0 for every j."""
    B = _for_all_lemma()
    A = fresh("A-oblig", resolve=lambda cid: B)
    A.assume("g at j", sp.Eq(g(j, 1), 0), "g(·, 1) vanishes at one particular index j")   # j not for_all
    u = A.use("t.B", values={x: 1})
    A.identity(x, x, "a checked step")
    A.conclude(u)
    assert A.status == "proved given 1 assumption"
    assert A.result == sp.Eq(sp.Sum(g(k, 1), (k, 1, 3)), sp.Sum(0, (k, 1, 3)), evaluate=False)
    [owed] = A.verdict.assumptions
    assert owed.name == "g vanishes [t.B at x = 1]"          # the obligation, not A's particular 'g at j'
    assert owed.statement == sp.Eq(g(j, 1), 0)
    assert owed.bound == (j,)                                 # for every j
    assert A.assumptions == [{"name": "g vanishes [t.B at x = 1]", "statement": sp.Eq(g(j, 1), 0),
                              "reference": "hypothesis of the claim"}]


def test_a_cited_for_all_obligation_is_discharged_by_a_for_all_fact():
    """Control: A assuming g(j, 1) = 0 for every j discharges B's obligation at x = 1: it rests on A's assumption."""
    B = _for_all_lemma()
    A = fresh("A-oblig-ok", resolve=lambda cid: B)
    A.assume("g at every j", sp.Eq(g(j, 1), 0), "g(·, 1) vanishes at every index", for_all=[j])
    A.identity(x, x, "a checked step")
    A.conclude(A.use("t.B", values={x: 1}))
    assert A.status == "proved given 1 assumption"
    assert [a["name"] for a in A.assumptions] == ["g at every j"]


def test_two_assumptions_may_not_share_a_name():
    """a + b >= 1 rests on b >= 0 AND a = 1; a status keyed by name listed only b >= 0, from which it does not follow."""
    a, b = sp.symbols("a b", real=True)
    d = fresh("dup-name")
    h1 = d.assume("hypothesis", b >= 0, "b is nonnegative")
    h2 = d.assume("hypothesis", sp.Eq(a, 1), "a is one")
    d.identity(a, a, "a checked step")
    d.conclude(d.combine([h1, h2], [1, 1], "add"))
    failed_at(d, "assumption")
    assert h2.status == "failed"


def test_two_assumptions_with_distinct_names_are_both_counted():
    """Control: with distinct names, a + b >= 1 is proved given 2 assumptions, both listed."""
    a, b = sp.symbols("a b", real=True)
    d = fresh("dup-name-ok")
    h1 = d.assume("b nonnegative", b >= 0, "hypothesis")
    h2 = d.assume("a is one", sp.Eq(a, 1), "hypothesis")
    d.identity(a, a, "a checked step")
    d.conclude(proved(d.combine([h1, h2], [1, 1], "add")))
    assert d.status == "proved given 2 assumptions"
    assert {(x_["name"], x_["statement"]) for x_ in d.assumptions} == {("b nonnegative", b >= 0),
                                                                         ("a is one", sp.Eq(a, 1))}


# ---------------------------------------------------------------------------------------------------------------
# 24. expectation: what counts as a constant

W, X = sp.Symbol("W", real=True), sp.Symbol("X", real=True)


def test_expectation_refuses_a_coefficient_that_a_definition_makes_random():
    """With Y := W·X and W ⟂ X, E(W·Y) = Y·E(W) is false (W ~ N(1, 1), X ≡ 1: E[W²] = 2, Y·E[W] = W): the
    coefficient Y is random once written out, so the rule refuses."""
    Y = sp.Symbol("Y", real=True)
    d = fresh("expect-def")
    ind = d.assume("W ⟂ X", Independent(sp.Tuple(W), sp.Tuple(X)), "W and X are independent")
    d.define(Y, W * X, "Y := W·X")
    d.conclude(d.expectation(W * Y, ind, "linearity and independence"))
    failed_at(d, "expectation")


def test_expectation_of_the_definition_written_out_is_still_proved():
    """Control: the same product written out, E(W·W·X) = E(W²)·E(X), is proved given the independence."""
    d = fresh("expect-def-ok")
    ind = d.assume("W ⟂ X", Independent(sp.Tuple(W), sp.Tuple(X)), "W and X are independent")
    d.conclude(proved(d.expectation(W * W * X, ind, "linearity and independence")))
    assert d.status == "proved given 1 assumption"
    assert d.result == sp.Eq(E(W**2 * X), E(W**2) * E(X))


def test_a_constant_of_an_expectation_cannot_be_instantiated_to_a_random_atom():
    """E(W·y) = y·E(W) (y a constant) at y := W would read E(W²) = W·E(W), false (W ~ N(1, 1): 2 against W)."""
    y = sp.Symbol("y", real=True)
    d = fresh("expect-inst")
    ind = d.assume("W ⟂ X", Independent(sp.Tuple(W), sp.Tuple(X)), "W and X are independent")
    e = proved(d.expectation(W * y, ind, "linearity"))
    assert e.statement == sp.Eq(E(W * y), y * E(W))
    d.conclude(d.instantiate(e, {y: W}, "y := W"))
    failed_at(d, "instantiate")


def test_a_constant_of_an_expectation_may_still_be_instantiated_to_a_number():
    """Control: E(W·y) = y·E(W) at y := 3 gives E(3W) = 3·E(W), proved given the independence."""
    y = sp.Symbol("y", real=True)
    d = fresh("expect-inst-ok")
    ind = d.assume("W ⟂ X", Independent(sp.Tuple(W), sp.Tuple(X)), "W and X are independent")
    e = proved(d.expectation(W * y, ind, "linearity"))
    d.conclude(proved(d.instantiate(e, {y: 3}, "y := 3")))
    assert d.status == "proved given 1 assumption"
    assert d.result == sp.Eq(E(3 * W), 3 * E(W))


# ---------------------------------------------------------------------------------------------------------------
# 25-26. quadrature


def test_quadrature_refuses_a_free_parameter_even_one_named_like_the_variable():
    """E[z² + w] = 1 for a positive parameter w that prints as 'z' is false (it is 1 + w: 6 at w = 5)."""
    w = sp.Symbol("z", positive=True)     # not z: another symbol with the same name
    d = fresh("quad-name")
    d.conclude(d.quadrature(z**2 + w, z, justification="E[z² + w]"))
    failed_at(d, "quadrature")


def test_quadrature_of_an_integrand_in_the_variable_alone_is_still_numeric():
    """Control: E[z² + 5] = 6 by quadrature, status numeric."""
    d = fresh("quad-name-ok")
    fact = d.quadrature(z**2 + 5, z, justification="E[z² + 5]")
    assert fact.status == "numeric", fact.detail
    assert abs(float(fact.statement.rhs) - 6) < 1e-10
    d.conclude(fact)
    assert d.status == "numeric"


_SPIKE = 1 + 10**8 * sp.exp(-10**10 * (z - sp.Rational(3, 10))**2)
_SPIKE_TRUE = 1 + 10**8 * mpmath.sqrt(mpmath.pi / 10**10) * mpmath.npdf(mpmath.mpf(3) / 10)   # ≈ 677


@pytest.mark.xfail(strict=True, reason="black-box quadrature cannot see a bump narrower than its node spacing: "
                                       "E[1 + 10^8·exp(-10^10 (z - 0.3)^2)] ≈ 677 comes out as 1.0 with a tiny "
                                       "error estimate and a Gauss-Legendre cross-check that agrees (status numeric, "
                                       "labelled as such, never proved)")
def test_quadrature_does_not_miss_a_narrow_spike():
    """E[1 + 10⁸·exp(-10¹⁰(z - 0.3)²)] ≈ 677, not 1.0: tanh-sinh (and Gauss-Legendre) nodes step over the bump."""
    d = fresh("quad-spike")
    fact = d.quadrature(_SPIKE, z, justification="E[f(z)] by tanh-sinh")
    d.conclude(fact)
    assert d.status == "failed" or abs(float(fact.statement.rhs) - float(_SPIKE_TRUE)) < 1e-6 * float(_SPIKE_TRUE)


def test_quadrature_of_a_broad_bump_is_numeric_and_right():
    """Control: E[1 + exp(-(z - 0.3)²)] = 1 + exp(-0.09/3)/√3 by quadrature, status numeric."""
    d = fresh("quad-bump-ok")
    fact = d.quadrature(1 + sp.exp(-(z - sp.Rational(3, 10))**2), z, justification="E[f(z)]")
    assert fact.status == "numeric", fact.detail
    exact = 1 + sp.exp(-sp.Rational(3, 100)) / sp.sqrt(3)
    assert abs(float(fact.statement.rhs) - float(exact)) < 1e-10
