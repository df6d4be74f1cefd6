"""Soundness regressions: each hole a red-team review found in the proof kernel, rebuilt through the public API.

One test per hole (or per variant of a hole) asserts that the false statement is not established: the derivation
fails, or, where the fix made the statement honest, that exactly the honest outcome is reported (an explicit
"for all" assumption, a true expectation). Beside each guard a positive control checks that the nearest true
statement of the same shape is still proved, so a guard cannot pass by breaking its rule.

Holes 14-27 (citations, capture, assumptions, expectation, quadrature, verify) are in test_kernel_citations.py.
"""
import sympy as sp


from _soundness import F, G, failed_at, fresh, g, n, proved, x, z  # noqa: F401 -- shared by the three files



# ---------------------------------------------------------------------------------------------------------------
# 1. define_recursive: the start of the recursion


def test_a_recursion_must_start_at_the_counters_smallest_value():
    """F(5) = 0, F(n + 1) = n "for n >= 5" with n >= 0 gives 0 = F(5) = 4: the step read at n = 4 is below the start."""
    d = fresh("rec-start")
    base, step = d.define_recursive(F, n, 5, 0, n, "F(5) = 0, F(n + 1) = n for n >= 5")
    at4 = d.instantiate(step, {n: 4}, "the step at n = 4")
    bad = d.chain(d.symmetric(base, "0 = F(5)"), at4, justification="0 = F(5) = 4")
    d.identity(n, n, "a checked step")
    d.conclude(bad)
    failed_at(d, "definition")
    assert base.status == step.status == "failed"


def test_a_recursion_from_the_counters_smallest_value_still_gives_an_induction():
    """Control: F(0) = 0, F(n + 1) = F(n) + 1 proves F(n) = n, and its step may be read at n = 4."""
    d = fresh("rec-start-ok")
    base, step = d.define_recursive(F, n, 0, 0, F(n) + 1, "F(0) = 0, F(n + 1) = F(n) + 1")
    assert proved(d.instantiate(step, {n: 4}, "at n = 4")).statement == sp.Eq(F(5), F(4) + 1)
    d.conclude(proved(d.induction(F(n), n, n, base, step, "induction")))
    assert d.status == "proved"


# ---------------------------------------------------------------------------------------------------------------
# 2-3. induction: what the step may use, and what the counter may be


def test_an_induction_step_may_use_the_function_only_at_n():
    """F(0) = 5, F(n + 1) = F(n) + 1 does not give F(n) = n² + 5 (F(2) = 7, not 9): a step F(n + 1) = F(n + 1) checks
    nothing, since the induction replaces F(n + 1) on its right by the claimed closed form too."""
    d = fresh("induct-step")
    base, _ = d.define_recursive(F, n, 0, 5, F(n) + 1, "F(0) = 5, F(n + 1) = F(n) + 1")
    trivial = d.identity(F(n + 1), F(n + 1), "trivial")
    d.conclude(d.induction(F(n), n, 5 + n**2, base, trivial, "induction"))
    failed_at(d, "induction")


def test_an_induction_with_the_recursions_own_step_is_still_proved():
    """Control: F(0) = 5, F(n + 1) = F(n) + 1 proves F(n) = n + 5."""
    d = fresh("induct-step-ok")
    base, step = d.define_recursive(F, n, 0, 5, F(n) + 1, "F(0) = 5, F(n + 1) = F(n) + 1")
    d.conclude(proved(d.induction(F(n), n, n + 5, base, step, "induction")))
    assert d.status == "proved"


def test_an_induction_counter_may_carry_no_assumption_beyond_integer_and_sign():
    """F(x) := x + [x even] with k odd: F(k + 1) = F(k) + 2 holds for odd k only, yet induction from 1 gave
    F(k) = 2k - 1, while F(3) = 3: the steps from even k were never checked."""
    k = sp.Symbol("k", integer=True, positive=True, odd=True)
    d = fresh("induct-odd")
    d.define(F(x), x + (1 + sp.cos(sp.pi * x)) / 2, "F(x) := x + [x even]")
    base = proved(d.identity(F(1), 1, "F(1) = 1"))
    step = proved(d.identity(F(k + 1), F(k) + 2, "true for odd k"))
    d.conclude(d.induction(F(k), k, 2 * k - 1, base, step, "induction on k from 1"))
    failed_at(d, "induction")


def test_an_induction_over_a_plain_counter_is_still_proved_and_checks_every_step():
    """Control: for a plain positive k, G(x) := 2x - 1 gives G(k) = 2k - 1 by induction, while the step of
    F(x) := x + [x even] (false for even k) no longer checks."""
    k = sp.Symbol("k", integer=True, positive=True)
    d = fresh("induct-plain")
    d.define(G(x), 2 * x - 1, "G(x) := 2x - 1")
    base = proved(d.identity(G(1), 1, "G(1) = 1"))
    step = proved(d.identity(G(k + 1), G(k) + 2, "G(k + 1) = G(k) + 2"))
    d.conclude(proved(d.induction(G(k), k, 2 * k - 1, base, step, "induction on k from 1")))
    assert d.status == "proved"
    e = fresh("induct-plain-F")
    e.define(F(x), x + (1 + sp.cos(sp.pi * x)) / 2, "F(x) := x + [x even]")
    assert e.identity(F(k + 1), F(k) + 2, "false for even k").status == "failed"


# ---------------------------------------------------------------------------------------------------------------
# 4. extremum: sympy's calculus cross-checked


def test_an_extremum_from_sympy_is_cross_checked_by_sampling():
    """min over [-2, 2] of Max(x², 2 - x) is 1 (at x = 1), not sympy's 4; bound would then prove f(1) = 1 >= 4."""
    d = fresh("extremum-max")
    m = d.extremum(sp.Max(x**2, 2 - x), x, sp.Interval(-2, 2), 4, "min by sympy", kind="min")
    lo = d.inequality(1, -2, 3, "1 >= -2")
    hi = d.inequality(2, 1, 1, "2 >= 1")
    d.conclude(d.bound(m, 1, [lo, hi], "f(1) >= min"))
    failed_at(d, "extremum")
    assert m.status == "failed"


def test_an_extremum_over_points_where_the_function_is_not_real_is_refused():
    """max of √x over [-1, 1] is not 1: √(-1) = i is not a real number, so bound's '√(-1) <= 1' says nothing true."""
    d = fresh("extremum-sqrt")
    m = d.extremum(sp.sqrt(x), x, sp.Interval(-1, 1), 1, "max of sqrt on [-1, 1]")
    inside = [d.inequality(-1, -1, 0, "-1 >= -1"), d.inequality(1, -1, 2, "1 >= -1")]
    d.conclude(d.bound(m, -1, inside, "f(-1) <= max"))
    failed_at(d, "extremum")


def test_a_true_extremum_and_its_bound_are_still_proved():
    """Control: min of x² + 1 over [-2, 2] is 1, so f(1) = 2 >= 1; max of √x over [0, 1] is 1."""
    d = fresh("extremum-ok")
    m = proved(d.extremum(x**2 + 1, x, sp.Interval(-2, 2), 1, "min", kind="min"))
    b = proved(d.bound(m, 1, [d.inequality(1, -2, 3, "1 >= -2"), d.inequality(2, 1, 1, "2 >= 1")], "f(1) >= min"))
    d.conclude(b)
    assert d.status == "proved"
    assert b.statement == sp.GreaterThan(2, 1, evaluate=False)
    e = fresh("extremum-sqrt-ok")
    proved(e.extremum(sp.sqrt(x), x, sp.Interval(0, 1), 1, "max of sqrt on [0, 1]"))


# ---------------------------------------------------------------------------------------------------------------
# 5-9. sympy's integrals and limits cross-checked


def test_a_definite_integral_by_sympy_is_cross_checked_numerically():
    """∫_0^π atan(tan x) dx is 0 (x on (0, π/2), x - π after), not sympy's -π²/2."""
    d = fresh("integral")
    d.conclude(d.identity(sp.Integral(sp.atan(sp.tan(x)), (x, 0, sp.pi)), -sp.pi**2 / 2, "∫ by sympy"))
    failed_at(d, "identity")


def test_a_definite_integral_sympy_gets_right_is_still_proved():
    """Control: ∫_0^π x·sin x dx = π, carried out by sympy and confirmed by the numeric cross-check."""
    d = fresh("integral-ok")
    d.conclude(proved(d.identity(sp.Integral(x * sp.sin(x), (x, 0, sp.pi)), sp.pi, "∫ by parts")))
    assert d.status == "proved"


def test_a_parametric_gaussian_is_cross_checked_on_every_branch():
    """E[exp(a z²)] = -i/√(2a - 1) for |a| > 1/2 (sympy's branch) is false for a < -1/2: at a = -1 it would give
    E[exp(-z²)] = -1/√3, but it is +1/√3."""
    a = sp.Symbol("a", real=True)
    value = sp.Piecewise((-sp.I / sp.sqrt(2 * a - 1), sp.Abs(a) > sp.Rational(1, 2)), (1 / sp.sqrt(1 - 2 * a), True))
    d = fresh("gauss-param")
    f = d.gaussian(sp.exp(a * z**2), z, value, "E[exp(a z²)] by sympy")
    d.conclude(d.instantiate(f, {a: -1}, "a = -1"))
    failed_at(d, "gaussian")
    assert f.status == "failed"


def test_a_gaussian_with_the_right_value_is_still_proved():
    """Control: E[exp(-z²)] = 1/√3, and E[exp(a z²)] = 1/√(1 - 2a) for a negative a."""
    d = fresh("gauss-ok")
    d.conclude(proved(d.gaussian(sp.exp(-z**2), z, 1 / sp.sqrt(3), "E[exp(-z²)]")))
    assert d.status == "proved"
    a = sp.Symbol("a", negative=True)
    e = fresh("gauss-param-ok")
    proved(e.gaussian(sp.exp(a * z**2), z, 1 / sp.sqrt(1 - 2 * a), "E[exp(a z²)], a < 0"))


def _Phi(u):
    return (1 + sp.erf(u / sp.sqrt(2))) / 2


def test_a_gaussian_over_an_empty_interval_is_refused():
    """P(a < z < b) = Φ(b) - Φ(a) at a = 1, b = -1 would make a probability -erf(1/√2) ≈ -0.68 (the event is empty)."""
    a, b = sp.symbols("a b", real=True)
    d = fresh("gauss-on-symbolic")
    f = d.gaussian_on(sp.Integer(1), z, a, b, _Phi(b) - _Phi(a), "P(a < z < b)")
    d.conclude(d.instantiate(f, {a: 1, b: -1}, "a = 1, b = -1"))
    failed_at(d, "gaussian")
    assert f.status == "failed"


def test_a_gaussian_over_reversed_numeric_limits_is_refused():
    """P(1 < z < -1) is 0, not Φ(-1) - Φ(1) = -erf(1/√2): the oriented integral is not the expectation."""
    d = fresh("gauss-on-numbers")
    d.conclude(d.gaussian_on(sp.Integer(1), z, 1, -1, _Phi(-1) - _Phi(1), "P(1 < z < -1)"))
    failed_at(d, "gaussian")


def test_a_gaussian_over_a_non_empty_interval_is_still_proved():
    """Control: P(-1 < z < 1) = erf(1/√2), and P(z > a) = 1 - Φ(a) for every real a."""
    d = fresh("gauss-on-ok")
    d.conclude(proved(d.gaussian_on(sp.Integer(1), z, -1, 1, sp.erf(1 / sp.sqrt(2)), "P(-1 < z < 1)")))
    assert d.status == "proved"
    a = sp.Symbol("a", real=True)
    e = fresh("gauss-on-tail")
    proved(e.gaussian_on(sp.Integer(1), z, a, sp.oo, 1 - _Phi(a), "P(z > a)"))


def test_a_gaussian_expectation_must_converge_for_every_parameter_value():
    """E[z^a·1(z > 0)] = 2^(a/2 - 1)·Γ((a + 1)/2)/√π "for every real a" is false for a <= -1, where the expectation of
    a nonnegative variable diverges: at a = -2 it would equal -1/2."""
    a = sp.Symbol("a", real=True)
    value = sp.integrate(z**a * sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi), (z, 0, sp.oo), conds="none")
    d = fresh("gauss-half")
    f = d.gaussian_on(z**a, z, 0, sp.oo, value, "E[z^a 1(z > 0)] for every real a")
    d.conclude(d.instantiate(f, {a: -2}, "a = -2"))
    failed_at(d, "gaussian")
    assert f.status == "failed"


def test_a_gaussian_expectation_that_does_not_exist_is_refused():
    """E[1/z] = 0 is false: E|1/z| = ∞, so E[1/z] does not exist (sympy's 0 is a principal value)."""
    d = fresh("gauss-1z")
    d.conclude(d.gaussian(1 / z, z, 0, "E[1/z]"))
    failed_at(d, "gaussian")


def test_a_convergent_gaussian_expectation_is_still_proved():
    """Control: E[z^a·1(z > 0)] = 2^(a/2 - 1)·Γ((a + 1)/2)/√π for positive a, and E[z³] = 0."""
    a = sp.Symbol("a", positive=True)
    value = sp.integrate(z**a * sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi), (z, 0, sp.oo), conds="none")
    d = fresh("gauss-half-ok")
    d.conclude(proved(d.gaussian_on(z**a, z, 0, sp.oo, value, "E[z^a 1(z > 0)], a > 0")))
    assert d.status == "proved"
    e = fresh("gauss-odd-ok")
    proved(e.gaussian(z**3, z, 0, "E[z³] = 0"))


def test_a_one_sided_limit_is_cross_checked_numerically():
    """lim_{x→0+} Piecewise((1, x > 0), (2, True)) is 1 (the function is 1 for every x > 0), not sympy's 2."""
    d = fresh("limit")
    d.conclude(d.limit(sp.Piecewise((1, x > 0), (2, True)), x, 0, 2, "from the right", direction="+"))
    failed_at(d, "limit")


def test_a_true_one_sided_limit_is_still_proved():
    """Control: lim_{x→0-} Piecewise((1, x > 0), (2, True)) = 2, and lim_{x→0+} sin(x)/x = 1."""
    d = fresh("limit-ok")
    d.conclude(proved(d.limit(sp.Piecewise((1, x > 0), (2, True)), x, 0, 2, "from the left", direction="-")))
    assert d.status == "proved"
    e = fresh("limit-sinc")
    proved(e.limit(sp.sin(x) / x, x, 0, 1, "from the right", direction="+"))


# ---------------------------------------------------------------------------------------------------------------
# 10-11. telescoping

l = sp.Symbol("l", integer=True, positive=True)
L = sp.Symbol("L", integer=True, nonnegative=True)


def test_a_telescoping_term_must_not_depend_on_the_upper_limit():
    """Σ_{l=1}^{L} L = L², not L(L - 1)/2: term(L + 1) computed as term.subs(l, L + 1) keeps the old L."""
    d = fresh("tele-upper")
    d.conclude(d.telescoping(L, l, L, L * (L - 1) / 2, "sum", kind="sum"))
    failed_at(d, "telescoping")


def test_a_telescoping_sum_must_start_just_above_the_counters_smallest_value():
    """Σ_{l=-3}^{L} 1 = L + 4, not |L| - 4: with L >= 0 the steps from L = -4 up to 0 were never checked."""
    li = sp.Symbol("l", integer=True)
    d = fresh("tele-start")
    d.conclude(d.telescoping(sp.Integer(1), li, L, sp.Abs(L, evaluate=False) - 4, "sum", kind="sum", start=-3))
    failed_at(d, "telescoping")


def test_a_telescoping_sum_from_the_counters_start_is_still_proved():
    """Control: Σ_{l=1}^{L} l = L(L + 1)/2, Σ_{l=1}^{L} 1 = |L| for L >= 0, and Σ_{l=2}^{M} 1 = M - 1 for M >= 1."""
    d = fresh("tele-ok")
    d.conclude(proved(d.telescoping(l, l, L, L * (L + 1) / 2, "sum", kind="sum")))
    assert d.status == "proved"
    e = fresh("tele-abs-ok")
    proved(e.telescoping(sp.Integer(1), l, L, sp.Abs(L, evaluate=False), "sum", kind="sum"))
    M = sp.Symbol("M", integer=True, positive=True)
    f = fresh("tele-start-ok")
    proved(f.telescoping(sp.Integer(1), l, M, M - 1, "sum", kind="sum", start=2))


# ---------------------------------------------------------------------------------------------------------------
# 12-13. division and combine


def test_division_quotient_and_remainder_carry_no_extra_assumptions():
    """0 = q·1 + r with q declared positive gives q >= 1 and so 0 = q + r >= 1: but q := ⌊0/1⌋ = 0."""
    q = sp.Symbol("q", integer=True, positive=True)
    r = sp.Symbol("r", integer=True, nonnegative=True)
    d = fresh("divide")
    eq, r_lo, _ = d.divide(0, 1, q, r, "0 = q·1 + r")
    q_ge_1 = d.inequality(q, 1, q - 1, "q is a positive integer")
    d.conclude(d.combine([eq, r_lo, q_ge_1], [1, 1, 1], "add"))
    failed_at(d, "division")
    assert eq.status == "failed"


def test_division_with_plain_integer_quotient_is_still_proved():
    """Control: 7 = 2q + r with q := ⌊7/2⌋ = 3, r := 1 and 0 <= r <= 1."""
    q = sp.Symbol("q", integer=True)
    r = sp.Symbol("r", integer=True, nonnegative=True)
    d = fresh("divide-ok")
    eq, r_lo, r_hi = d.divide(7, 2, q, r, "7 = 2q + r")
    assert {f.status for f in (eq, r_lo, r_hi)} == {"proved"}
    assert (d.unfold(q), d.unfold(r)) == (3, 1)
    d.conclude(eq, r_hi)
    assert d.status == "proved"


_PI_120 = sp.Rational(str(sp.N(sp.pi, 120)))   # π rounded at its 120th digit (up)


def test_an_inequality_weight_must_be_known_nonnegative():
    """(π - π₁₂₀)·10¹²⁰ ≈ -2.9 is negative (sympy cannot decide its sign): scaling 1 >= 0 by it gives -2.9 >= 0."""
    w = sp.expand((sp.pi - _PI_120) * 10**120)
    assert w.is_negative is None and sp.N(w, 5) < 0
    d = fresh("combine")
    d.conclude(d.combine([d.inequality(1, 0, 1, "1 >= 0")], [w], "scale by w"))
    failed_at(d, "combine")


def test_an_inequality_scaled_by_a_weight_known_nonnegative_is_still_proved():
    """Control: scaling 1 >= 0 by π - 3 (decidably positive) gives π - 3 >= 0."""
    d = fresh("combine-ok")
    fact = proved(d.combine([d.inequality(1, 0, 1, "1 >= 0")], [sp.pi - 3], "scale by π - 3"))
    d.conclude(fact)
    assert d.status == "proved"
