"""The checking rules: each states a relation and decides it (by sympy, mpmath or a kernel theorem).

``Checks`` is a mixin of ``Proof``: its rules create facts only through ``Proof._new`` and read only the
proof's definitions. Every rule here can fail on a false statement.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import mpmath
import sympy as sp

from sympy.core.function import AppliedUndef

from .algebra import (_applications, _as_sympy, _eq, _free, _induction_shape, _lowest, _orders,
                      _plain_counter)
from .numeric import extreme_agrees, integral_agrees, limit_agrees
from .facts import (EVIDENCE, NUMERIC, E, Fact, Independent, Maximum, Minimum, NormalE, SymbolicTimeout, _density,
                    time_cap)


_INTEGRALS: dict[tuple, sp.Basic] = {}


def _integral(term, z, lo, hi):
    """sympy's ∫ term dz over (lo, hi), computed once per process for each term (the srepr key carries
    every symbol's assumptions): a lemma's terms come back in the derivations that cite them. The result
    is what sympy returned; the caller still checks it (identity and quadrature) at every use."""
    key = (sp.srepr(term), sp.srepr(z), sp.srepr(lo), sp.srepr(hi))
    if key not in _INTEGRALS:
        _INTEGRALS[key] = sp.integrate(term, (z, lo, hi), conds="none")
    return _INTEGRALS[key]



_SHOWN = 60
"""What sympy returned is quoted in a step's ``how`` when it is this short; longer, only its size is (a
cut-off formula would be misread: the statement column shows the value it was checked against)."""


def _shown(expr) -> str:
    from ..render import text

    shown = text(expr)
    return shown if len(shown) <= _SHOWN else f"an expression of {len(shown)} characters"


class Checks:
    """The rules that check: identity, instance, inequality, floor, division, limit, extremum, bound,
    gaussian, quadrature, telescoping, induction, expectation, substitution (and evidence, never counted)."""

    def identity(self, lhs, rhs) -> Fact:
        """lhs == rhs for every value allowed by the symbols' assumptions."""
        ok, how = self._identity(lhs, rhs)
        return self._new(_eq(lhs, rhs), "identity", ok, how, self._deps_of(lhs, rhs))

    def instance(self, lhs, rhs) -> Fact:
        """A worked instance: both sides closed (no free symbols) and equal."""
        eq = _eq(lhs, rhs)
        free = _free(self._unfold(lhs)) | _free(self._unfold(rhs))
        if free:
            return self._new(eq, "instance", False, f"an instance has no free symbols, found {sorted(map(str, free))}")
        ok, how = self._identity(lhs, rhs)
        return self._new(eq, "instance", ok, how, self._deps_of(lhs, rhs))

    def _ordered(self, lhs, rhs, witness, strict):
        ok_id, how_id = self._identity(_as_sympy(lhs) - _as_sympy(rhs), witness)
        sign = None
        # the witness as written (a defined symbol carries assumptions its definition was checked to have),
        # then with the definitions written out
        for w in (_as_sympy(witness), self._unfold(_as_sympy(witness))):
            try:
                with time_cap(self.cap):
                    sign = sp.ask(sp.Q.positive(w) if strict else sp.Q.nonnegative(w))
                    if sign is None:
                        sign = w.is_positive if strict else w.is_nonnegative
            except SymbolicTimeout:
                sign = None
            if sign is True:
                break
        detail = f"lhs - rhs = witness: {how_id}; witness {'> 0' if strict else '>= 0'}: " \
                 f"{'confirmed' if sign is True else 'not established'}"
        return ok_id and sign is True, detail, self._deps_of(lhs, rhs, witness)

    def inequality(self, lhs, rhs, witness, strict: bool = False) -> Fact:
        """lhs >= rhs (or >): lhs - rhs == witness, and sympy confirms the witness is >= 0 (> 0)."""
        ok, detail, deps = self._ordered(lhs, rhs, witness, strict)
        relation = (sp.StrictGreaterThan if strict else sp.GreaterThan)(lhs, rhs, evaluate=False)
        return self._new(relation, "inequality", ok, detail, deps)

    def floor(self, x, value, below, above) -> Fact:
        """⌊x⌋ = value: value is an integer, x - value = ``below`` >= 0 and value + 1 - x = ``above`` > 0."""
        x, value = _as_sympy(x), _as_sympy(value)
        ok_low, low, deps_low = self._ordered(x, value, below, False)
        ok_high, high, deps_high = self._ordered(value + 1, x, above, True)
        integer = self._unfold(value).is_integer is True
        detail = f"{'integer' if integer else 'not known to be an integer'}; x - value: {low}; value + 1 - x: {high}"
        return self._new(_eq(sp.floor(x), value), "floor", ok_low and ok_high and integer, detail, deps_low | deps_high)

    def limit(self, expr, var, point, value, direction: str = "+-") -> Fact:
        """lim_{var -> point} expr = value, computed by sympy."""
        infinite = point in (sp.oo, -sp.oo)
        try:
            with time_cap(self.cap):
                got = sp.limit(self._unfold(expr), var, point) if infinite else \
                    sp.limit(self._unfold(expr), var, point, dir=direction)
            ok, how = self._identity(got, value)
            how = f"sympy.limit gives {_shown(got)}; {how}"
            if ok:
                agree, note = limit_agrees(self._unfold(expr), var, _as_sympy(point), _as_sympy(value), direction)
                ok, how = agree, f"{how}; {note}"
        except SymbolicTimeout as exc:
            ok, how = False, f"timed out: {exc}"
        except Exception as exc:
            ok, how = False, f"not established: sympy raised {type(exc).__name__}"
        shown = sp.Limit(expr, var, point, dir="-" if infinite else direction)
        return self._new(_eq(shown, value), "limit", ok, how, self._deps_of(expr, value))

    def extremum(self, expr, var, domain, value, kind: str = "max") -> Fact:
        """max (or min) of expr over ``domain`` = value, by sympy's calculus (critical points and ends)."""
        from sympy.calculus.util import maximum, minimum
        if kind not in ("max", "min"):
            raise ValueError(f"kind must be 'max' or 'min', got {kind!r}")
        try:
            with time_cap(self.cap):
                got = (maximum if kind == "max" else minimum)(self._unfold(expr), var, domain)
            ok, how = self._identity(got, value)
            how = f"sympy {kind}imum over {domain} = {_shown(got)}; {how}"
            if ok:
                agree, note = extreme_agrees(self._unfold(expr), var, domain, _as_sympy(value), kind)
                ok, how = agree, f"{how}; {note}"
        except SymbolicTimeout as exc:
            ok, how = False, f"timed out: {exc}"
        except Exception as exc:
            ok, how = False, f"not established: sympy raised {type(exc).__name__}"
        lhs = (Maximum if kind == "max" else Minimum)(expr, var, domain)
        return self._new(_eq(lhs, value), "extremum", ok, how, self._deps_of(expr, value))

    def bound(self, extremum: Fact, point, inside: Sequence[Fact]) -> Fact:
        """From max_{s∈[a, b]} f = M (a fact) and facts a <= u, u <= b (strict or not, either orientation),
        f(u) <= M; from a minimum, f(u) >= m."""
        st = extremum.statement if isinstance(extremum, Fact) else None
        if not (self._mine(extremum) and isinstance(st, sp.Equality) and isinstance(st.lhs, (Maximum, Minimum))):
            return self._refuse(sp.Symbol("refused"), "bound", "needs a checked maximum or minimum fact")
        f, s, domain = st.lhs.args
        point = _as_sympy(point)
        if not isinstance(domain, sp.Interval):
            return self._refuse(st, "bound", "the domain must be an interval")
        needed = [(domain.start, "low")] if domain.start.is_finite else []
        needed += [(domain.end, "high")] if domain.end.is_finite else []
        facts = [g for g in inside if self._mine(g)]
        for end, side in needed:
            if not any(_orders(g.statement, end, point) if side == "low" else _orders(g.statement, point, end)
                       for g in facts):
                return self._refuse(st, "bound", f"no fact here shows {sp.sstr(point)} "
                                                 f"{'>=' if side == 'low' else '<='} {sp.sstr(end)}")
        value = f.xreplace({s: point})
        rel = sp.LessThan(value, st.rhs, evaluate=False) if type(st.lhs) is Maximum else \
            sp.GreaterThan(value, st.rhs, evaluate=False)
        deps = extremum.deps.union(*(g.deps for g in facts))
        return self._new(rel, "bound", True, f"{sp.sstr(point)[:40]} lies in {domain}", deps)

    def gaussian(self, f, z, value, q=sp.Integer(1)) -> Fact:
        """E[f(z)] = value for z ~ N(0, q), by exact symbolic integration."""
        return self.gaussian_on(f, z, -sp.oo, sp.oo, value, q)

    def gaussian_on(self, f, z, lo, hi, value, q=sp.Integer(1)) -> Fact:
        """E[f(z)·1[lo < z < hi]] = value for z ~ N(0, q), by exact integration over (lo, hi)."""
        f, q, lo, hi = _as_sympy(f), _as_sympy(q), _as_sympy(lo), _as_sympy(hi)
        if not (lo == -sp.oo or hi == sp.oo or (hi - lo).is_positive is True) or lo == sp.oo or hi == -sp.oo:
            return self._refuse(_eq(NormalE(f, z, q), value), "gaussian", f"({lo}, {hi}) must be a non-empty interval")
        try:
            with time_cap(self.cap):
                integrand = self._unfold(f).rewrite(sp.Piecewise) if f.has(sp.Max, sp.Min, sp.Abs, sp.Heaviside) \
                    else self._unfold(f)
                density = _density(z, self._unfold(q))
                # term by term: sympy 1.14 drops terms of some expanded sums integrated whole
                got = sp.Add(*[_integral(term, z, lo, hi)
                               for term in sp.Add.make_args(sp.expand(integrand * density))])
            if got.has(sp.Integral):
                ok, how = False, "sympy left the integral unevaluated"
            else:
                ok, how = self._identity(got, value)
                how = f"sympy's ∫ f·N(0, q) = {_shown(got)}; {how}"
                if ok:   # an independent numeric check of sympy's integration at sample parameter values
                    agree, note = integral_agrees(integrand * density, z, lo, hi, got)
                    ok, how = agree, f"{how}; {note}"
        except SymbolicTimeout as exc:
            ok, how = False, f"timed out: {exc}"
        except Exception as exc:
            ok, how = False, f"not established: sympy raised {type(exc).__name__}"
        if lo == -sp.oo and hi == sp.oo:
            inside = f
        else:
            region = sp.And(lo < z, z < hi) if lo != -sp.oo and hi != sp.oo else (z > lo if hi == sp.oo else z < hi)
            inside = f * sp.Piecewise((1, region), (0, True))
        return self._new(_eq(NormalE(inside, z, q), value), "gaussian", ok, how, self._deps_of(f, value))

    def quadrature(self, f, z, q, digits: int = 12, dps: int = 30) -> Fact:
        """E[f(z)], z ~ N(0, q), by mpmath tanh-sinh quadrature: status numeric when the error estimate
        is below 10^-digits relative; the value is stated to digits + 3 significant digits."""
        f, q = self._unfold(_as_sympy(f)), _as_sympy(q)
        if _free(f) - {z} or _free(q) or any(isinstance(g, AppliedUndef) for g in f.atoms(AppliedUndef)):
            return self._refuse(_eq(NormalE(f, z, q), sp.nan), "quadrature",
                                f"the integrand may hold only {z}, and q must be a number")
        try:
            fn = sp.lambdify(z, f, modules="mpmath")
            with mpmath.workdps(dps):
                qv = mpmath.mpf(sp.N(q, dps))
                def weighted(t):
                    return fn(t) * mpmath.exp(-t * t / (2 * qv)) / mpmath.sqrt(2 * mpmath.pi * qv)

                got, err = mpmath.quad(weighted, [-mpmath.inf, 0, mpmath.inf], error=True)
                # tanh-sinh stops looking near |t| = 40·√q: the integrand must have died out there
                root = mpmath.sqrt(qv)
                far = max(abs(weighted(40 * root)), abs(weighted(-40 * root)))
                bulk = max(abs(weighted(c * root)) for c in (-2, -1, -0.5, 0.5, 1, 2))
                scale = max(abs(got), mpmath.mpf("1e-300"))
                # a second, independent rule (Gauss-Legendre) must agree: a feature one rule steps over
                other = mpmath.quad(weighted, [-mpmath.inf, -4 * root, -root, 0, root, 4 * root, mpmath.inf],
                                    method="gauss-legendre")
                ok = bool(err <= mpmath.mpf(10) ** (-digits) * scale and far <= mpmath.mpf(10) ** (-digits - 8) * bulk
                          and mpmath.isfinite(got) and mpmath.im(got) == 0
                          and abs(other - got) <= mpmath.mpf(10) ** (-digits) * scale)
                detail = f"mpmath.quad = {mpmath.nstr(got, digits + 3)} (error estimate {mpmath.nstr(err, 3)}; " \
                         f"Gauss-Legendre differs by {mpmath.nstr(abs(other - got), 3)}; integrand at the ends of " \
                         f"the search {mpmath.nstr(far, 3)})"
                value = sp.Float(mpmath.nstr(got, digits + 3), digits + 3)
        except Exception as exc:
            ok, detail, value = False, f"quadrature failed: {type(exc).__name__}: {str(exc)[:80]}", sp.nan
        return self._new(_eq(NormalE(f, z, q), value), "quadrature", ok, detail, status_ok=NUMERIC)

    def telescoping(self, term, l, L, closed, kind: str = "product", start: int = 1) -> Fact:
        """Π_{l=start}^{L} term (or Σ) = closed for every integer L >= start - 1: closed is the empty
        product (sum) at L = start - 1, and closed(L + 1) = closed(L)·term(L + 1) (+ for sums)."""
        if kind not in ("product", "sum"):
            raise ValueError(f"kind must be 'product' or 'sum', got {kind!r}")
        empty = sp.Integer(1 if kind == "product" else 0)
        big = sp.Product if kind == "product" else sp.Sum
        statement = _eq(big(term, (l, start, L)), closed)
        if not (_plain_counter(L) and _lowest(L) == start - 1):
            return self._refuse(statement, "telescoping", f"{L} must be an integer counter (nothing but integer and "
                                                         f"its sign) whose smallest value is {start - 1}")
        if _as_sympy(term).has(L) or l == L:
            return self._refuse(statement, "telescoping", f"the term must not depend on the upper limit {L}")
        ok_base, how_base = self._identity(_as_sympy(closed).subs(L, start - 1), empty)
        nxt = term.subs(l, L + 1)
        step_rhs = closed * nxt if kind == "product" else closed + nxt
        ok_step, how_step = self._identity(_as_sympy(closed).subs(L, L + 1), step_rhs)
        detail = f"empty {kind} at {L} = {start - 1}: {how_base}; {L} -> {L}+1: {how_step}"
        return self._new(statement, "telescoping", ok_base and ok_step, detail, self._deps_of(term, closed))

    def induction(self, target, n, closed, base: Fact, step: Fact) -> Fact:
        """target(n) = closed for every integer n >= n0, from the facts base: target(n0) = b and
        step: target(n + 1) = g, where g may contain target(n, ...) (replaced by the hypothesis).

        ``target`` is F(n, *params) for an undefined function F; the params are universally quantified
        in the hypothesis (every F(n, args) in g is replaced by closed at those args).
        """
        statement = _eq(target, closed)
        why = _induction_shape(target, n, base, step)
        if why is None and not (self._mine(base) and self._mine(step)):
            why = "base and step must be checked facts of this derivation"
        if why is None and closed.has(target.func):
            why = "the closed form must not contain the function it solves for"
        if why is None and not _plain_counter(n):
            why = f"{n} must be an integer counter: integer and nonnegative or positive, nothing else"
        if why is None and (base.statement.rhs.has(target.func) or any(
                app.args[0] != n for app in _applications(step.statement.rhs, target.func))):
            # the hypothesis is about F(n, ...) only: F(n + 1) or F(n - 1) on the right would assume more
            why = f"the step's right side may use {target.func}({n}, ...) only, and the base none"
        if why is None:
            for sym in (n, *target.args[1:]):
                if not isinstance(sym, sp.Symbol) or sym in self._pinned(step) | self._pinned(base):
                    why = f"{sym} must be a symbol not fixed by an assumption the base or step rests on"
        if why:
            return self._refuse(statement, "induction", why)
        func, params = target.func, target.args[1:]
        n0 = base.statement.lhs.args[0]
        lowest = _lowest(n)
        if lowest is None or not (_as_sympy(n0).is_Integer and lowest == n0):
            # a base below the domain would need a step from n0 to n0 + 1 that the step fact does not state
            return self._refuse(statement, "induction", f"the base must be at {n}'s smallest value {lowest}, got {n0}")

        def at(m, args):
            return closed.xreplace(dict(zip((n, *params), (m, *args))))

        ok_base, how_base = self._identity(at(n0, params), base.statement.rhs)
        hypothesis = step.statement.rhs.replace(lambda e: isinstance(e, sp.Function) and e.func == func,
                                                lambda e: at(e.args[0], e.args[1:]))
        ok_step, how_step = self._identity(at(n + 1, params), hypothesis)
        detail = f"base {n} = {n0}: {how_base}; step {n} -> {n}+1: {how_step}"
        return self._new(statement, "induction", ok_base and ok_step, detail, base.deps | step.deps)

    def expectation(self, expr, independence: Fact) -> Fact:
        """E[expr] by linearity and independence: expr is a polynomial in the random atoms named by
        ``independence`` (a fact Independent(group, group, ...)); each monomial's expectation splits into
        one factor E[...] per group."""
        expr = _as_sympy(expr)
        statement = sp.Symbol("refused")
        if not self._mine(independence) or not isinstance(independence.statement, Independent):
            return self._refuse(statement, "expectation", "needs a fact Independent(...) of this derivation")
        groups = [tuple(g) if isinstance(g, sp.Tuple) else (g,) for g in independence.statement.args]
        atoms = [a for g in groups for a in g]
        try:
            poly = sp.Poly(sp.expand(expr), *atoms)
        except sp.PolynomialError as exc:
            return self._refuse(_eq(E(expr), expr), "expectation", f"not a polynomial in the random atoms: {exc}")
        total = sp.Integer(0)
        for powers, coeff in poly.terms():
            # definitions written out: a coefficient Y := W·X is random, not a constant
            if coeff.has(*atoms) or self._unfold(coeff).has(*atoms):
                return self._refuse(_eq(E(expr), expr), "expectation", "a coefficient holds a random atom")
            term = coeff
            for group in groups:
                factor = sp.Mul(*[a**p for a, p in zip(atoms, powers) if a in group])
                if factor != 1:
                    term *= E(factor)
            total += term
        return self._new(_eq(E(expr), total), "expectation", True,
                         "linearity; a product of independent groups has the product of their expectations",
                         {independence} | set(independence.deps))

    def substitution(self, integral, t, scale, shift=sp.Integer(0)) -> Fact:
        """∫_a^b f(z) dz = ∫ f(scale·t + shift)·scale dt over t in ((a - shift)/scale, (b - shift)/scale):
        a linear change of variables (scale a non-zero number)."""
        scale, shift = _as_sympy(scale), _as_sympy(shift)
        if not (isinstance(integral, sp.Integral) and len(integral.limits) == 1 and len(integral.limits[0]) == 3):
            return self._refuse(sp.Symbol("refused"), "substitution", "needs a definite integral in one variable")
        if not (scale.is_number and scale.is_nonzero) or integral.has(t) or not isinstance(t, sp.Symbol):
            return self._refuse(integral, "substitution", "the scale must be a non-zero number and t a symbol that "
                                                          "occurs nowhere in the integral (free or bound)")
        z, a, b = integral.limits[0]
        new = sp.Integral(integral.function.xreplace({z: scale * t + shift}) * scale,
                          (t, (a - shift) / scale, (b - shift) / scale))
        return self._new(_eq(integral, new), "substitution", True, f"{z} = {sp.sstr(scale * t + shift)}",
                         self._deps_of(integral))

    def evidence(self, lhs, rhs, points: Iterable[dict], rtol: float = 1e-12) -> Fact:
        """A numeric spot check at given points: shown, never counted as proof (a failure still fails)."""
        worst, n = 0.0, 0
        try:
            for subs in points:
                left = complex(sp.N(self._unfold(lhs).subs(subs), 30))
                right = complex(sp.N(self._unfold(rhs).subs(subs), 30))
                worst = max(worst, abs(left - right) / max(1.0, abs(right)))
                n += 1
        except (TypeError, ValueError) as exc:
            return self._new(_eq(lhs, rhs), "evidence", False, f"could not evaluate: {exc}")
        ok = n > 0 and worst <= rtol
        return self._new(_eq(lhs, rhs), "evidence", ok, f"{n} points, worst relative gap {worst:.2e} (evidence, "
                         "not proof)", status_ok=EVIDENCE)

    # -- rules that combine ----------------------------------------------------------------------

    def divide(self, a, s, q, r) -> tuple[Fact, Fact, Fact]:
        """Euclidean division, a rule of this kernel: for an integer a and a positive integer s, the new
        symbols q := ⌊a/s⌋ and r := a - q·s satisfy a = q·s + r and 0 <= r <= s - 1 (Knuth, TAOCP vol. 1,
        §1.2.4). q and r must be new integer symbols (r nonnegative)."""
        a, s = _as_sympy(a), _as_sympy(s)
        ua, us = self._unfold(a), self._unfold(s)
        shown = sp.Eq(a, q * s + r, evaluate=False) if isinstance(q, sp.Basic) and isinstance(r, sp.Basic) \
            else sp.Symbol("refused")
        why = None
        if not (ua.is_integer and us.is_integer and us.is_positive):
            why = "a must be an integer and s a positive integer"
        elif not (isinstance(q, sp.Symbol) and isinstance(r, sp.Symbol) and q != r
                  and q.assumptions0 == sp.Symbol("q", integer=True).assumptions0
                  and r.assumptions0 == sp.Symbol("r", integer=True, nonnegative=True).assumptions0):
            # exactly these: the theorem gives q an integer and r a nonnegative integer, nothing more
            why = "q must be a symbol with integer=True only, r one with integer=True and nonnegative=True only"
        elif any(sym in self._names or any(sym in _free(f.statement) for f in self._facts if f.ok)
                 or sym in _free(a) | _free(s) for sym in (q, r)):
            why = "q and r must be new symbols"
        if why:
            return tuple(self._refuse(shown, "division", why) for _ in range(3))
        self._definitions[q] = sp.floor(ua / us)
        self._definitions[r] = ua - us * sp.floor(ua / us)
        self._names |= {q, r}
        deps = self._deps_of(a, s)
        made = []
        for statement in (shown, sp.GreaterThan(r, 0, evaluate=False), sp.LessThan(r, s - 1, evaluate=False)):
            made.append(self._new(statement, "division", True, "q = ⌊a/s⌋, r = a - q·s (division algorithm)",
                                  deps, extra=q))
        for f in made:   # q and r are fixed by the division: they cannot be instantiated
            object.__setattr__(f, "_deps", frozenset(f.deps | {made[0]}))
        return tuple(made)
