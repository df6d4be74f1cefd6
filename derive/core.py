"""The proof engine: a derivation is an ordered list of machine-checked steps.

Each step holds an expression (usually an ``Eq``), the justification a textbook would write, the
method that checked it and the outcome. No step is trusted text: a step whose check does not go
through is recorded with status ``failed`` and the reason, and the derivation as a whole fails.

Methods (``Derivation.<method>``):

- ``define``       a definition or a stated convention (nothing to check; marked ``definition``);
- ``identity``     ``a == b``: structural equality, then ``simplify(a - b) == 0`` under the symbols'
                   assumptions, within a time cap;
- ``instance``     a worked instance with concrete numbers (an identity with no free symbols);
- ``induction``    a closed form F(n) against a recurrence: base case F(n0) and step F(n+1) = g(F(n), n);
- ``telescoping``  Σ (a_l - a_{l-1}) = a_L - a_0 or Π a_l/a_{l-1} = a_L/a_0, checked as an induction;
- ``gaussian``     an exact moment E[f(z)], z ~ N(0, q), by symbolic integration within a time cap
                   (``gaussian_on``: over an interval, one piece of a piecewise function at a time);
- ``limit``        a limit computed by sympy;
- ``extremum``     the maximum or minimum of an expression over an interval (critical points);
- ``inequality``   a ≥ b shown by writing a - b as a non-negative expression that sympy confirms;
- ``quadrature``   mpmath quadrature to a stated precision (status ``numeric``, never ``proved``);
- ``evidence``     a numeric spot check: shown, labelled as evidence, not counted as proof.

A derivation's status is ``proved`` when every counted step checks symbolically, ``numeric`` when
some step rests on quadrature, ``failed`` otherwise.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
import re
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Sequence

import mpmath
import sympy as sp

__all__ = [
    "Step",
    "Derivation",
    "SymbolicTimeout",
    "time_cap",
    "check_identity",
    "DEFAULT_TIME_CAP",
]

DEFAULT_TIME_CAP = 20.0
"""Seconds a single symbolic check may take before it is reported as not established."""

PROVED, NUMERIC, FAILED, EVIDENCE, DEFINITION = "proved", "numeric", "failed", "evidence", "definition"


class SymbolicTimeout(Exception):
    """A symbolic computation exceeded its time cap."""


@contextmanager
def time_cap(seconds: float | None):
    """Interrupt the enclosed block after ``seconds`` (SIGALRM; main thread on POSIX only).

    Elsewhere (a worker thread, Windows) the block runs uncapped: sympy offers no cooperative
    cancellation, and a thread cannot be interrupted safely.
    """
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise SymbolicTimeout(f"symbolic step exceeded its time cap of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------------------------------
# A small persistent cache of symbolic check outcomes, keyed by the checked expressions and by
# the source code of this module (the code that produced the outcome) and the sympy version, so a
# change in either invalidates every entry. Set DLMATH_CACHE=off to disable it.

_ENGINE_DIGEST = hashlib.sha256(
    (Path(__file__).read_text(encoding="utf-8") + sp.__version__).encode()
).hexdigest()[:16]


def _cache_dir() -> Path | None:
    setting = os.environ.get("DLMATH_CACHE", "")
    if setting.lower() in {"off", "0", "no", "false"}:
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlmath"


class _OutcomeCache:
    def __init__(self) -> None:
        self._memory: dict[str, tuple[bool, str]] = {}
        self._loaded = False

    def _path(self) -> Path | None:
        folder = _cache_dir()
        return None if folder is None else folder / f"checks-{_ENGINE_DIGEST}.json"

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        path = self._path()
        if path is not None and path.exists():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                self._memory.update({k: (bool(v[0]), str(v[1])) for k, v in stored.items()})
            except (OSError, ValueError, TypeError, IndexError):
                pass  # a damaged cache is ignored and rewritten

    def get(self, key: str) -> tuple[bool, str] | None:
        self._load()
        return self._memory.get(key)

    def put(self, key: str, value: tuple[bool, str]) -> None:
        self._load()
        self._memory[key] = value
        path = self._path()
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._memory), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home only costs speed


_CACHE = _OutcomeCache()


def _key(method: str, *parts: object) -> str:
    text = "\x1f".join([method, *(sp.srepr(p) if isinstance(p, sp.Basic) else repr(p) for p in parts)])
    return hashlib.sha256(text.encode()).hexdigest()


def _cached(method: str, parts: tuple, compute: Callable[[], tuple[bool, str]]) -> tuple[bool, str]:
    key = _key(method, *parts)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    try:
        outcome = compute()
    except SymbolicTimeout as exc:
        return False, f"timed out: {exc}"
    except Exception as exc:  # sympy gives up in many ways ("undecidable set membership", ...)
        return False, f"not established: sympy raised {type(exc).__name__}: {str(exc)[:120]}"
    if not outcome[1].startswith("timed out"):
        _CACHE.put(key, outcome)
    return outcome


# ---------------------------------------------------------------------------------------------
# Checkers


def _sides(expr: sp.Basic) -> tuple[sp.Expr, sp.Expr]:
    if isinstance(expr, sp.Equality):
        return expr.lhs, expr.rhs
    raise TypeError(f"expected a sympy Eq(lhs, rhs), got {type(expr).__name__}: {expr}")


def _eq(lhs, rhs) -> sp.Basic:
    """An unevaluated equation for display (``Eq`` would collapse a true statement to ``True``)."""
    def side(v):
        return sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else _as_sympy(v)
    return sp.Eq(side(lhs), side(rhs), evaluate=False)


def _as_sympy(value):
    """Numbers and sympy objects only: a string is refused, never parsed (sympify would eval it)."""
    if isinstance(value, str):
        raise TypeError(f"expected a sympy expression or a number, got the string {value[:40]!r}")
    return value if isinstance(value, (sp.Basic, sp.MatrixBase)) else sp.sympify(value, strict=True)


_UNEVALUATED = (sp.Derivative, sp.Integral, sp.Limit, sp.Subs)


def _evaluate_derivatives(value):
    """Unevaluated derivatives, integrals, limits and substitutions (kept for display) are carried out first."""
    return value.doit() if isinstance(value, sp.Basic) and value.has(*_UNEVALUATED) else value


def show(expr) -> str:
    """One-line text of a statement: ``lhs = rhs`` rather than ``Eq(lhs, rhs)``."""
    ops = {sp.Equality: "=", sp.GreaterThan: ">=", sp.StrictGreaterThan: ">", sp.LessThan: "<=",
           sp.StrictLessThan: "<"}
    for kind, op in ops.items():
        if type(expr) is kind:
            return f"{sp.sstr(expr.lhs)} {op} {sp.sstr(expr.rhs)}"
    return sp.sstr(expr)


def check_identity(a, b, cap: float | None = DEFAULT_TIME_CAP) -> tuple[bool, str]:
    """``a == b`` for every value of the free symbols allowed by their assumptions.

    Structural equality first, then ``simplify(a - b) == 0`` (with matrices, every entry). Returns
    (holds, how). A difference sympy cannot reduce to zero in time is *not established*: reported as
    failing, never assumed.
    """
    a, b = _as_sympy(a), _as_sympy(b)

    def compute() -> tuple[bool, str]:
        if a == b:
            return True, "structurally equal"
        try:
            with time_cap(cap):
                diff = _evaluate_derivatives(a) - _evaluate_derivatives(b)
                if isinstance(diff, sp.MatrixExpr) and not isinstance(diff, sp.MatrixBase):
                    # symbolic matrix expressions (MatrixSymbol products): expand, then look for ZeroMatrix
                    diff = sp.expand(diff).doit()
                    if isinstance(diff, sp.ZeroMatrix) or diff == 0:
                        return True, "matrix expression expands to ZeroMatrix"
                if isinstance(diff, sp.MatrixBase):
                    zero = all(sp.simplify(entry) == 0 for entry in diff)
                else:
                    diff = sp.simplify(diff)
                    zero = diff == 0 or diff.is_zero is True
                if not zero and not isinstance(diff, sp.MatrixBase):
                    # further attempts: hyperbolic functions as exponentials, erfc and friends as erf
                    zero = sp.simplify(diff.rewrite(sp.exp)) == 0 or (
                        diff.has(sp.erfc, sp.erfi) and sp.simplify(diff.rewrite(sp.erf)) == 0)
        except SymbolicTimeout as exc:
            return False, f"timed out: {exc}"
        if zero:
            return True, "simplify(lhs - rhs) == 0"
        return False, f"lhs - rhs does not simplify to 0 (it is {sp.sstr(diff)[:120]})"

    return _cached("identity", (a, b), compute)


def _gaussian_density(z: sp.Symbol, q: sp.Expr) -> sp.Expr:
    return sp.exp(-(z**2) / (2 * q)) / sp.sqrt(2 * sp.pi * q)


def gaussian_expectation(f: sp.Expr, z: sp.Symbol, q: sp.Expr = sp.Integer(1),
                         cap: float | None = DEFAULT_TIME_CAP) -> sp.Expr:
    """E[f(z)] for z ~ N(0, q) by symbolic integration (raises SymbolicTimeout past the cap)."""
    with time_cap(cap):
        value = sp.integrate(f * _gaussian_density(z, q), (z, -sp.oo, sp.oo), conds="none")
        return sp.simplify(value)


# ---------------------------------------------------------------------------------------------
# Steps and derivations


@dataclasses.dataclass(frozen=True)
class Step:
    """One line of a derivation: what is stated, why, and how the statement was checked."""

    expr: sp.Basic
    justification: str
    method: str
    status: str
    detail: str = ""

    @property
    def counts(self) -> bool:
        """Evidence is shown but does not count towards (or against) the proof."""
        return self.status != EVIDENCE

    def __repr__(self) -> str:
        return f"Step({show(self.expr)} | {self.method}: {self.status} | {self.justification})"


class Derivation:
    """An ordered list of checked steps proving one claim.

    >>> x = sp.Symbol("x", real=True)
    >>> d = Derivation("demo.square", "(x+1)^2 expands", scope="for all real x")
    >>> _ = d.identity((x + 1)**2, x**2 + 2*x + 1, "binomial expansion")
    >>> d.status
    'proved'
    """

    def __init__(self, claim_id: str, title: str, scope: str = "", cap: float | None = DEFAULT_TIME_CAP):
        self.claim_id = claim_id
        self.title = title
        self.scope = scope
        self.cap = cap
        self.steps: list[Step] = []
        self.result: sp.Basic | None = None

    # -- bookkeeping -------------------------------------------------------------------------
    def _add(self, expr, justification, method, ok, detail, status_ok=PROVED) -> Step:
        step = Step(expr, justification, method, status_ok if ok else FAILED, detail)
        self.steps.append(step)
        return step

    @property
    def status(self) -> str:
        counted = [s for s in self.steps if s.counts]
        if not counted or any(s.status == FAILED for s in counted):
            return FAILED
        if any(s.status == NUMERIC for s in counted):
            return NUMERIC
        return PROVED

    @property
    def failures(self) -> list[Step]:
        return [s for s in self.steps if s.status == FAILED]

    def conclude(self, result: sp.Basic) -> sp.Basic:
        """Record the closed form this derivation establishes (shown as its result)."""
        self.result = result
        return result

    # -- methods -----------------------------------------------------------------------------
    def define(self, expr: sp.Basic, justification: str) -> Step:
        """A definition or a stated convention: recorded, nothing to check."""
        return self._add(expr, justification, "definition", True, "stated", status_ok=DEFINITION)

    def identity(self, lhs, rhs, justification: str) -> Step:
        """lhs == rhs for all values allowed by the symbols' assumptions."""
        ok, how = check_identity(lhs, rhs, self.cap)
        return self._add(_eq(lhs, rhs), justification, "identity", ok, how)

    def instance(self, lhs, rhs, justification: str) -> Step:
        """A worked instance with concrete numbers: both sides evaluate to the same exact value."""
        eq = _eq(lhs, rhs)
        free = set().union(*(getattr(v, "free_symbols", set()) for v in (lhs, rhs)))
        if free:
            return self._add(eq, justification, "instance", False,
                             f"an instance must have no free symbols, found {sorted(map(str, free))}")
        ok, how = check_identity(lhs, rhs, self.cap)
        return self._add(eq, justification, "instance", ok, how)

    def induction(self, closed: sp.Expr, n: sp.Symbol, base: tuple[int | sp.Expr, sp.Expr],
                  recurrence: Callable[[sp.Expr, sp.Symbol], sp.Expr], justification: str,
                  name: sp.Expr | None = None) -> Step:
        """F(n) = ``closed`` for all integers n >= n0, given F(n0) = base and F(n+1) = recurrence(F(n), n).

        Checked: closed(n0) == base value, and closed(n+1) == recurrence(closed(n), n) symbolically.
        """
        n0, value = base
        ok_base, how_base = check_identity(closed.subs(n, n0), value, self.cap)
        ok_step, how_step = check_identity(closed.subs(n, n + 1), recurrence(closed, n), self.cap)
        detail = f"base n={n0}: {how_base}; step n -> n+1: {how_step}"
        lhs = name if name is not None else sp.Function("F")(n)
        return self._add(_eq(lhs, closed), justification, "induction", ok_base and ok_step, detail)

    def telescoping(self, term: sp.Expr, l: sp.Symbol, L: sp.Symbol, closed: sp.Expr, justification: str,
                    kind: str = "product", start: int = 1) -> Step:
        """Π_{l=start}^{L} term(l) (or Σ) equals ``closed`` for every L >= start - 1 (empty product 1, sum 0).

        Checked as an induction on L: closed(start-1) is the empty product/sum and
        closed(L+1) = closed(L) · term(L+1) (or + term(L+1)).
        """
        if kind not in {"product", "sum"}:
            raise ValueError(f"kind must be 'product' or 'sum', got {kind!r}")
        empty = sp.Integer(1) if kind == "product" else sp.Integer(0)
        op = (lambda acc, t: acc * t) if kind == "product" else (lambda acc, t: acc + t)
        ok_base, how_base = check_identity(closed.subs(L, start - 1), empty, self.cap)
        ok_step, how_step = check_identity(closed.subs(L, L + 1), op(closed, term.subs(l, L + 1)), self.cap)
        big = sp.Product if kind == "product" else sp.Sum
        expr = _eq(big(term, (l, start, L)), closed)
        detail = f"empty {kind} at L={start - 1}: {how_base}; L -> L+1: {how_step}"
        return self._add(expr, justification, "telescoping", ok_base and ok_step, detail)

    def gaussian(self, f: sp.Expr, z: sp.Symbol, value: sp.Expr, justification: str,
                 q: sp.Expr = sp.Integer(1), name: sp.Expr | None = None) -> Step:
        """E[f(z)] = ``value`` for z ~ N(0, q), by exact symbolic integration."""
        lhs = name if name is not None else sp.Function("E")(f)

        def compute() -> tuple[bool, str]:
            try:
                integral = gaussian_expectation(f, z, q, self.cap)
            except SymbolicTimeout as exc:
                return False, f"timed out: {exc}"
            if integral.has(sp.Integral):
                return False, "sympy left the integral unevaluated"
            ok, how = check_identity(integral, value, self.cap)
            return ok, f"∫ f·N(0,q) = {sp.sstr(integral)}; {how}"

        ok, how = _cached("gaussian", (f, z, q, value), compute)
        return self._add(_eq(lhs, value), justification, "gaussian", ok, how)

    def gaussian_on(self, h: sp.Expr, z: sp.Symbol, lo: sp.Expr, hi: sp.Expr, value: sp.Expr,
                    justification: str) -> Step:
        """E[h(z)·1[lo < z < hi]] = ``value`` for z ~ N(0, 1), by exact integration over (lo, hi).

        For piecewise functions: sympy integrates each piece far faster than the Piecewise whole.
        """

        def compute() -> tuple[bool, str]:
            try:
                with time_cap(self.cap):
                    got = sp.integrate(sp.expand(h * _gaussian_density(z, sp.Integer(1))), (z, lo, hi), conds="none")
            except SymbolicTimeout as exc:
                return False, f"timed out: {exc}"
            if got.has(sp.Integral):
                return False, "sympy left the integral unevaluated"
            ok, how = check_identity(got, value, self.cap)
            return ok, f"∫ over ({lo}, {hi}) of h·N(0,1) = {sp.sstr(got)[:80]}; {how}"

        ok, how = _cached("gaussian_on", (h, z, lo, hi, value), compute)
        if lo != -sp.oo and hi != sp.oo:
            region = sp.And(lo < z, z < hi)
        else:
            region = z > lo if hi == sp.oo else z < hi
        lhs = sp.Function("E")(h * sp.Function("1")(region))
        return self._add(_eq(lhs, value), justification, "gaussian", ok, how)

    def limit(self, expr: sp.Expr, var: sp.Symbol, point: sp.Expr, value: sp.Expr, justification: str,
              direction: str = "+-") -> Step:
        """lim_{var -> point} expr = value, computed by sympy."""

        def compute() -> tuple[bool, str]:
            try:
                with time_cap(self.cap):
                    got = sp.limit(expr, var, point, dir=direction) if point not in (sp.oo, -sp.oo) \
                        else sp.limit(expr, var, point)
            except SymbolicTimeout as exc:
                return False, f"timed out: {exc}"
            ok, how = check_identity(got, value, self.cap)
            return ok, f"sympy.limit gives {sp.sstr(got)}; {how}"

        ok, how = _cached("limit", (expr, var, point, value, direction), compute)
        shown = sp.Limit(expr, var, point, dir=direction if point not in (sp.oo, -sp.oo) else "-")
        return self._add(_eq(shown, value), justification, "limit", ok, how)

    def extremum(self, expr: sp.Expr, var: sp.Symbol, domain: sp.Set, value: sp.Expr, justification: str,
                 kind: str = "max", name: sp.Expr | None = None) -> Step:
        """max (or min) of ``expr`` over ``domain`` equals ``value``, by sympy's calculus (critical points
        and endpoints)."""
        if kind not in {"max", "min"}:
            raise ValueError(f"kind must be 'max' or 'min', got {kind!r}")
        from sympy.calculus.util import maximum, minimum

        def compute() -> tuple[bool, str]:
            try:
                with time_cap(self.cap):
                    got = (maximum if kind == "max" else minimum)(expr, var, domain)
            except SymbolicTimeout as exc:
                return False, f"timed out: {exc}"
            ok, how = check_identity(got, value, self.cap)
            return ok, f"sympy {kind}imum over {domain} = {sp.sstr(got)}; {how}"

        ok, how = _cached("extremum", (expr, var, domain, value, kind), compute)
        lhs = name if name is not None else sp.Function(kind)(expr)
        return self._add(_eq(lhs, value), justification, "extremum", ok, how)

    def inequality(self, lhs: sp.Expr, rhs: sp.Expr, witness: sp.Expr, justification: str,
                   strict: bool = False) -> Step:
        """lhs >= rhs (or >), shown by ``lhs - rhs == witness`` with ``witness`` non-negative.

        The witness is the hand-given reason (a square, a ratio of positives); sympy checks both the
        identity and that the witness is non-negative (positive) under the symbols' assumptions.
        """
        ok_id, how_id = check_identity(lhs - rhs, witness, self.cap)
        with time_cap(self.cap):
            sign = sp.ask(sp.Q.positive(witness)) if strict else sp.ask(sp.Q.nonnegative(witness))
            if sign is None:
                sign = witness.is_positive if strict else witness.is_nonnegative
        ok_sign = sign is True
        detail = f"lhs - rhs = witness: {how_id}; witness {'> 0' if strict else '>= 0'}: " \
                 f"{'confirmed' if ok_sign else 'not established'}"
        rel = sp.StrictGreaterThan(lhs, rhs, evaluate=False) if strict else sp.GreaterThan(lhs, rhs, evaluate=False)
        return self._add(rel, justification, "inequality", ok_id and ok_sign, detail)

    def quadrature(self, f: Callable[[mpmath.mpf], mpmath.mpf], interval: Sequence, value: sp.Expr | float | None,
                   justification: str, name: sp.Expr, digits: int = 12, dps: int = 30) -> Step:
        """∫ f over ``interval`` by mpmath (tanh-sinh) at ``dps`` digits, with its error estimate.

        Status ``numeric`` when the error estimate is below 10**-digits relative (and, if a value is
        stated, the integral matches it to that precision); never ``proved``.
        """
        with mpmath.workdps(dps):
            got, err = mpmath.quad(f, list(interval), error=True)
            scale = max(abs(got), mpmath.mpf(1) if value is None else abs(mpmath.mpf(sp.N(value, dps))))
            tol = mpmath.mpf(10) ** (-digits) * max(scale, mpmath.mpf("1e-300"))
            ok = err <= tol
            detail = f"mpmath.quad = {mpmath.nstr(got, digits + 3)} (error estimate {mpmath.nstr(err, 3)})"
            if value is not None:
                gap = abs(got - mpmath.mpf(sp.N(value, dps)))
                ok = ok and gap <= tol
                detail += f"; |quad - stated| = {mpmath.nstr(gap, 3)}"
        rhs = sp.Float(str(mpmath.nstr(got, digits + 3)), digits + 3) if value is None else value
        return self._add(_eq(name, rhs), justification, "quadrature", ok, detail, status_ok=NUMERIC)

    def evidence(self, lhs, rhs, points: Iterable[dict], justification: str, rtol: float = 1e-12) -> Step:
        """A numeric spot check at given points: shown as evidence, never counted as proof."""
        eq = _eq(lhs, rhs)
        worst = 0.0
        n = 0
        for subs in points:
            a, b = complex(sp.N(lhs.subs(subs), 30)), complex(sp.N(rhs.subs(subs), 30))
            worst = max(worst, abs(a - b) / max(1.0, abs(b)))
            n += 1
        ok = n > 0 and worst <= rtol
        status = EVIDENCE if ok else FAILED
        step = Step(eq, justification, "evidence", status,
                    f"{n} points, worst relative gap {worst:.2e} (evidence, not proof)")
        self.steps.append(step)
        return step

    # -- rendering ---------------------------------------------------------------------------
    def rows(self, latex: bool = False) -> list[list[str]]:
        render = sp.latex if latex else show
        out = []
        for i, s in enumerate(self.steps, 1):
            expr = f"${_math_ascii(render(s.expr))}$" if latex else f"`{render(s.expr)}`"
            mark = {PROVED: "✓", NUMERIC: "≈", DEFINITION: "def", EVIDENCE: "evidence", FAILED: "✗"}[s.status]
            if latex:
                mark = {"✓": r"\checkmark", "≈": r"$\approx$", "✗": r"$\times$"}.get(mark, mark)
            out.append([str(i), expr, _escape(s.justification, latex), s.method, mark,
                        _escape(s.detail, latex)])
        return out

    HEADERS = ["#", "statement", "justification", "method", "checked", "how"]

    def to_markdown(self) -> str:
        from tabulate import tabulate

        head = f"### `{self.claim_id}`: {self.title}\n\n"
        meta = f"Scope: {self.scope or 'as stated'}. Status: **{self.status}**."
        if self.result is not None:
            meta += f" Result: `{show(self.result)}`."
        return head + meta + "\n\n" + tabulate(self.rows(), self.HEADERS, tablefmt="github") + "\n"

    def to_latex(self) -> str:
        from tabulate import tabulate

        headers = [_escape(h, latex=True) for h in self.HEADERS]
        return tabulate(self.rows(latex=True), headers, tablefmt="latex_raw") + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def __repr__(self) -> str:
        return f"Derivation({self.claim_id!r}, status={self.status!r}, steps={len(self.steps)})"


_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                   "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_PATTERN = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))


_LATEX_UNICODE = {
    "§": r"\S{}", "±": r"$\pm$", "²": r"$^{2}$", "³": r"$^{3}$", "·": r"$\cdot$", "×": r"$\times$",
    "Δ": r"$\Delta$", "Π": r"$\Pi$", "Σ": r"$\Sigma$", "Φ": r"$\Phi$", "α": r"$\alpha$", "β": r"$\beta$",
    "γ": r"$\gamma$", "δ": r"$\delta$", "ε": r"$\varepsilon$", "η": r"$\eta$", "θ": r"$\theta$",
    "κ": r"$\kappa$", "λ": r"$\lambda$", "μ": r"$\mu$", "ξ": r"$\xi$", "π": r"$\pi$", "ρ": r"$\rho$",
    "σ": r"$\sigma$", "τ": r"$\tau$", "φ": r"$\varphi$", "χ": r"$\chi$", "ψ": r"$\psi$", "ω": r"$\omega$",
    "ᵀ": r"$^{T}$", "‖": r"$\|$", "₀": r"$_0$", "₁": r"$_1$", "₂": r"$_2$", "ℓ": r"$\ell$", "→": r"$\to$",
    "←": r"$\leftarrow$", "∂": r"$\partial$", "∇": r"$\nabla$", "∘": r"$\circ$", "√": r"$\surd$",
    "∞": r"$\infty$", "∫": r"$\int$", "≈": r"$\approx$", "≠": r"$\neq$", "≤": r"$\le$", "≥": r"$\ge$",
    "⊆": r"$\subseteq$", "⋯": r"$\cdots$", "…": r"\ldots{}", "⌈": r"$\lceil$", "⌉": r"$\rceil$",
    "⌊": r"$\lfloor$", "⌋": r"$\rfloor$", "⟂": r"$\perp$", "∈": r"$\in$", "∑": r"$\sum$", "∏": r"$\prod$",
    "−": "-", "–": "--", "—": "---", "’": "'", "“": "``", "”": "''", "✓": r"\checkmark{}", "✗": r"$\times$",
}
"""Unicode used in justifications, as LaTeX (text mode), so the tables compile with plain pdflatex."""


def _math_ascii(tex: str) -> str:
    """Unicode left in sympy's LaTeX (symbol names such as σ) as math-mode macros."""
    def one(c: str) -> str:
        if ord(c) < 128:
            return c
        macro = _LATEX_UNICODE.get(c, "?")
        return " " + macro.strip("$").replace("\\checkmark{}", "\\checkmark") + " "
    return "".join(one(c) for c in tex)


def _escape(text: str, latex: bool) -> str:
    if not latex:
        return text.replace("|", "\\|")
    text = _LATEX_PATTERN.sub(lambda m: _LATEX_SPECIALS[m.group(0)], text)
    return "".join(_LATEX_UNICODE.get(c, c if ord(c) < 128 else "?") for c in text)


def builder_digest(fn: Callable) -> str:
    """A digest of a derivation builder's source: the key under which its results may be cached."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        source = repr(fn)
    return hashlib.sha256((source + _ENGINE_DIGEST).encode()).hexdigest()[:16]
