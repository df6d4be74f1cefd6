"""Gains, Gaussian moments and criticality of any activation φ, for z ~ N(0, q).

Forward gain g = 1/√E[φ(z)²] and backward gain g' = 1/√E[φ'(z)²] at q = 1: a layer with
Var(W) = g²/fan_in maps a unit second moment of its pre-activations to 1 (Var(W) = g'²/fan_out does
the same for the gradient), generalising He et al. (2015, eqs. 10 and 13) from ReLU to any φ.
Variance map (Poole et al. 2016, eq. 3; Schoenholz et al. 2017, eq. 3):
q ↦ V(q) = σ_w²·E[φ(√q z)²] + σ_b², z ~ N(0, 1), with fixed point q* = V(q*), and
χ₁ = σ_w²·E[φ'(√q* z)²] (Schoenholz et al. 2017, eq. 5): χ₁ < 1 ordered, χ₁ > 1 chaotic.

Every moment is exact when sympy integrates it in closed form within a time cap (piece by piece
for a piecewise φ), or follows from a stated lemma that sympy checks (GELU), or is computed by
mpmath quadrature to at least 12 significant digits and labelled ``quadrature``.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Callable

import mpmath
import sympy as sp

from .derivation import Derivation
from .kernel import SymbolicTimeout, time_cap
from .parse import X, parse_activation
from .registry import derivation

__all__ = [
    "Activation",
    "Moment",
    "Moments",
    "FixedPoint",
    "BUILTINS",
    "TORCH_GAINS",
    "builtin",
    "activation",
    "moments",
    "forward_gain",
    "backward_gain",
    "variance_map",
    "fixed_point",
    "chi1",
    "critical_sigma_w",
    "variance_iterates",
    "recognize",
    "kurtosis_ratio",
    "as_piecewise",
    "gain_result",
    "torch_gain",
    "gelu_second_moment_lemma",
    "GELU_SECOND_MOMENT",
]

x = X
z = sp.Symbol("z", real=True)
a = sp.Symbol("a", positive=True)
alpha = sp.Symbol("alpha", positive=True)
lam = sp.Symbol("lambda", positive=True)

CLOSED_FORM_CAP = 4.0
"""Seconds one symbolic integral (one piece of one moment) may take before quadrature is used."""
CLOSED_FORM_BUDGET = 8.0
"""Seconds all symbolic integrals of one activation may take together (then quadrature only)."""
_SPENT: dict = {}
SIMPLIFY_CAP = 3.0
QUADRATURE_DIGITS = 12
"""Quadrature results carry at least this many significant digits (checked by the error estimate)."""
_QUADRATURE_DPS = 30
_MAP_DPS = 15
_TAIL = mpmath.mpf("1e-25")
_NEAR = mpmath.mpf("1e-20")
_SINGULAR = mpmath.mpf("1e-6")
_AGREEMENT = mpmath.mpf("1e-10")
"""A closed form that differs from quadrature by more than this (relative) is not trusted."""

MOMENT_NAMES = {"mean": "E[φ(z)]", "second_moment": "E[φ(z)²]", "derivative_second_moment": "E[φ'(z)²]"}


# ---------------------------------------------------------------------------------------------
# Activations


@dataclasses.dataclass(frozen=True)
class Activation:
    """φ(x) with named parameters: ``formula`` holds parameter symbols, ``expr`` their values."""

    name: str
    formula: sp.Expr
    parameters: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    source: str = ""

    @property
    def expr(self) -> sp.Expr:
        return self.formula.subs(dict(self.parameters)) if self.parameters else self.formula

    def __repr__(self) -> str:
        params = ", ".join(f"{s}={v}" for s, v in self.parameters)
        return f"Activation({self.name!r}, {sp.sstr(self.formula)}{', ' + params if params else ''})"


def _exact_number(name: str, value, positive: bool = False) -> sp.Expr:
    """A finite real number as an exact sympy number (a float by its exact binary value's shortest
    decimal). Strings are refused, never parsed (sympy would evaluate them)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, sp.Expr)) or \
            (isinstance(value, sp.Expr) and not value.is_number):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number{' > 0' if positive else ''}, got {value!r}")
    number = sp.Rational(repr(value)) if isinstance(value, float) else sp.Integer(value) \
        if isinstance(value, int) else value
    if not (number.is_real and number.is_finite) or (positive and not number.is_positive):
        raise ValueError(f"{name} must be a finite real number{' > 0' if positive else ''}, got {value!r}")
    return number


SELU_ALPHA = sp.Rational("1.6732632423543772848170429916717")
SELU_LAMBDA = sp.Rational("1.0507009873554804934193349852946")
"""Klambauer et al. (2017), eq. (14): the (α, λ) making (mean, variance) = (0, 1) a fixed point."""

_RELU = sp.Piecewise((x, x > 0), (0, True))
_SIGMOID = 1 / (1 + sp.exp(-x))
_SOFTPLUS = sp.log(1 + sp.exp(x))

def _leaky_relu(slope=sp.Rational(1, 100)) -> Activation:
    return Activation("leaky_relu", sp.Piecewise((x, x > 0), (a * x, True)),
                      ((a, _exact_number("slope", slope, positive=True)),),
                      "Maas et al. (2013); slope a, PyTorch's default negative_slope 0.01")


def _elu(alpha_value=1) -> Activation:
    return Activation("elu", sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True)),
                      ((alpha, _exact_number("alpha", alpha_value, positive=True)),), "Clevert et al. (2016), eq. (1)")


def _selu() -> Activation:
    return Activation("selu", lam * sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True)),
                      ((lam, SELU_LAMBDA), (alpha, SELU_ALPHA)), "Klambauer et al. (2017), eq. (2)")


def _plain(name: str, formula: sp.Expr, source: str = "") -> Callable[[], Activation]:
    return lambda: Activation(name, formula, (), source)


BUILTINS: dict[str, Callable[..., Activation]] = {
    "relu": _plain("relu", _RELU, "Nair & Hinton (2010)"),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "selu": _selu,
    "gelu": _plain("gelu", x * (1 + sp.erf(x / sp.sqrt(2))) / 2, "Hendrycks & Gimpel (2016): x·Φ(x), the erf form"),
    "silu": _plain("silu", x * _SIGMOID, "Elfwing et al. (2018); swish-1 of Ramachandran et al. (2017)"),
    "mish": _plain("mish", x * sp.tanh(_SOFTPLUS), "Misra (2019)"),
    "softplus": _plain("softplus", _SOFTPLUS, "log(1 + e^x)"),
    "tanh": _plain("tanh", sp.tanh(x)),
    "sigmoid": _plain("sigmoid", _SIGMOID),
    "linear": _plain("linear", x, "the identity"),
}
"""Built-in activations by name; leaky_relu takes ``slope``, elu takes ``alpha_value``."""


def builtin(name: str, **parameters) -> Activation:
    """The built-in activation ``name`` (one of ``BUILTINS``)."""
    if name not in BUILTINS:
        raise ValueError(f"activation must be one of {', '.join(BUILTINS)}, got {name!r}")
    return BUILTINS[name](**parameters)


def activation(text: str) -> Activation:
    """A built-in by name (``"gelu"``) or any expression in x parsed safely (``"x*tanh(softplus(x))"``)."""
    if not isinstance(text, str):
        raise TypeError(f"activation must be a str, got {type(text).__name__}")
    if text.strip() in BUILTINS:
        return builtin(text.strip())
    expr = parse_activation(text)
    return Activation(text.strip(), expr, (), "typed by the user")


# ---------------------------------------------------------------------------------------------
# PyTorch's table, for comparison only


TORCH_GAINS: dict[str, tuple[sp.Expr, str]] = {
    "linear": (sp.Integer(1), "identity: 1"),
    "sigmoid": (sp.Integer(1), "a constant 1 in the table, not derived"),
    "tanh": (sp.Rational(5, 3), "5/3, an empirical constant"),
    "relu": (sp.sqrt(2), "√2 (He et al. 2015)"),
    "leaky_relu": (sp.sqrt(2 / (1 + a**2)), "√(2/(1 + negative_slope²)), negative_slope 0.01 by default"),
    "selu": (sp.Rational(3, 4), "3/4, 'found empirically' (pytorch/pytorch PR #50664); PyTorch's docs advise "
                                "nonlinearity='linear' (gain 1) for self-normalising networks"),
}
"""torch.nn.init.calculate_gain (PyTorch 2.x, torch/nn/init.py) as documented constants. PyTorch
raises ValueError for elu, gelu, silu, mish and softplus. Stated here, never imported: derive does
not depend on numeric or on PyTorch (tests/verify/test_gain.py compares these constants with
numeric.init.calculate_gain, which the torch tests compare with PyTorch)."""


def torch_gain(act: Activation) -> sp.Expr | None:
    """PyTorch's calculate_gain value for a built-in (None where PyTorch has none)."""
    entry = TORCH_GAINS.get(act.name)
    if entry is None:
        return None
    return entry[0].subs(dict(act.parameters)) if act.parameters else entry[0]


# ---------------------------------------------------------------------------------------------
# Pieces: a piecewise φ as smooth expressions on intervals


def as_piecewise(expr: sp.Expr) -> sp.Expr:
    """φ with max, min, abs, sign and Heaviside written as one Piecewise (sympy.piecewise_fold)."""
    expr = expr.replace(lambda e: isinstance(e, (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign)),
                        lambda e: e.rewrite(sp.Piecewise))
    return sp.piecewise_fold(expr)


@functools.lru_cache(maxsize=256)
def _pieces(expr: sp.Expr) -> tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...]:
    """((g, a, b), ...): φ = g on (a, b); the intervals cover the line up to finitely many points."""
    folded = as_piecewise(expr)
    if not folded.has(sp.Piecewise):
        return ((folded, -sp.oo, sp.oo),)
    try:
        with time_cap(CLOSED_FORM_CAP):
            pairs = folded.as_expr_set_pairs() if isinstance(folded, sp.Piecewise) else None
    except (SymbolicTimeout, NotImplementedError, TypeError, ValueError):
        pairs = None
    if pairs is None:
        raise ValueError(f"activation {sp.sstr(expr)[:60]!r}: the conditions of its pieces could not be "
                         "solved for x; use conditions polynomial in x, e.g. where(x > 1, ...)")
    out = []
    for g, region in pairs:
        parts = region.args if isinstance(region, sp.Union) else (region,)
        for part in parts:
            if isinstance(part, sp.Interval):
                if part.measure != 0:
                    out.append((g, part.start, part.end))
            elif not isinstance(part, (sp.FiniteSet, sp.EmptySet.__class__)):
                raise ValueError(f"activation {sp.sstr(expr)[:60]!r}: piece {sp.sstr(g)[:40]!r} holds on "
                                 f"{part}, not on finitely many intervals of x")
    for g, lo, hi in out:
        if g.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ValueError(f"activation {sp.sstr(expr)[:60]!r} is not finite on ({lo}, {hi}): {sp.sstr(g)[:40]}")
    return tuple(sorted(out, key=lambda p: float(p[1]) if p[1] != -sp.oo else -float("inf")))


def _integrand(kind: str, g: sp.Expr) -> sp.Expr:
    if kind == "mean":
        return g
    if kind == "second_moment":
        return g**2
    if kind == "derivative_second_moment":
        return sp.diff(g, x) ** 2
    if kind == "fourth_moment":
        return g**4
    raise ValueError(f"moment must be one of {', '.join(MOMENT_NAMES)}, got {kind!r}")


def _density(q) -> sp.Expr:
    return sp.exp(-(x**2) / (2 * q)) / sp.sqrt(2 * sp.pi * q)


# ---------------------------------------------------------------------------------------------
# Moments


@dataclasses.dataclass(frozen=True)
class Moment:
    """One Gaussian moment: its value, how it was obtained, and (quadrature) the error estimate."""

    name: str
    value: sp.Expr
    method: str
    """'closed form', 'lemma', 'symmetry' (all exact) or 'quadrature'."""
    formula: sp.Expr | None = None
    """The closed form with the activation's parameters as symbols (exact methods only)."""
    error: float | None = None
    detail: str = ""

    @property
    def exact(self) -> bool:
        return self.method != "quadrature"

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        shown = sp.sstr(self.value) if self.exact else mpmath.nstr(mpmath.mpf(self.value), 15)
        return f"Moment({self.name} = {shown}, {self.method})"


@dataclasses.dataclass(frozen=True)
class Moments:
    """E[φ(z)], E[φ(z)²], E[φ'(z)²] for z ~ N(0, q)."""

    mean: Moment
    second_moment: Moment
    derivative_second_moment: Moment
    q: sp.Expr = sp.Integer(1)

    @property
    def exact(self) -> bool:
        return all(m.exact for m in (self.mean, self.second_moment, self.derivative_second_moment))


def _closed_form_plausible(h: sp.Expr) -> bool:
    """Whether h·N(0, q) is in the class sympy integrates: polynomial × exp(quadratic) × one erf(linear)."""
    erfs = 0
    for node in sp.preorder_traversal(h):
        if isinstance(node, sp.Pow) and node.base.has(x):
            if not (node.exp.is_Integer and node.exp >= 0):
                return False
            if node.base.has(sp.erf, sp.erfc):
                erfs += int(node.exp) - 1
        elif isinstance(node, (sp.erf, sp.erfc)):
            erfs += 1
            if not (node.args[0].is_polynomial(x) and sp.degree(node.args[0], x) <= 1):
                return False
        elif isinstance(node, sp.exp):
            if not (node.args[0].is_polynomial(x) and sp.degree(node.args[0], x) <= 2):
                return False
        elif isinstance(node, sp.Function) and node.has(x):
            return False
    return erfs <= 1


def _exact_piece(h: sp.Expr, lo: sp.Expr, hi: sp.Expr, owner: sp.Expr) -> sp.Expr | None:
    if h == 0:
        return sp.Integer(0)
    cap = min(CLOSED_FORM_CAP, CLOSED_FORM_BUDGET - _SPENT.get(owner, 0.0))
    if cap <= 0 or not _closed_form_plausible(h):
        return None
    start = time.perf_counter()
    try:
        with time_cap(cap):
            value = sp.integrate(sp.expand(h * _density(1)), (x, lo, hi), conds="none")
    except (SymbolicTimeout, NotImplementedError, ValueError, TypeError):
        return None
    finally:
        _SPENT[owner] = _SPENT.get(owner, 0.0) + time.perf_counter() - start
    if value.has(sp.Integral) or value.has(sp.nan, sp.zoo) or value.has(sp.oo):
        return None
    return value


def _simplify(value: sp.Expr) -> sp.Expr:
    try:
        with time_cap(SIMPLIFY_CAP):
            return sp.simplify(value)
    except SymbolicTimeout:
        return value


def _quadrature(pieces, kind: str, q, dps: int = _QUADRATURE_DPS):
    """(value, error estimate) of E[h(z)], z ~ N(0, q), by mpmath tanh-sinh quadrature per piece."""
    total, error = mpmath.mpf(0), mpmath.mpf(0)
    with mpmath.workdps(dps):
        q = mpmath.mpf(q)
        norm = 1 / mpmath.sqrt(2 * mpmath.pi * q)
        for g, lo, hi in pieces:
            h = _integrand(kind, g)
            if h == 0:
                continue
            f = _lambdify(h)
            left = -mpmath.inf if lo == -sp.oo else mpmath.mpf(sp.N(lo, dps))
            right = mpmath.inf if hi == sp.oo else mpmath.mpf(sp.N(hi, dps))
            points = [left, 0, right] if left < 0 < right else [left, right]
            weighted = lambda t: f(t) * mpmath.exp(-t * t / (2 * q))  # noqa: E731
            value, err = mpmath.quad(weighted, points, error=True)
            if not (mpmath.isfinite(value) and mpmath.im(value) == 0):
                raise ValueError(f"E[{sp.sstr(h)[:40]}] over ({lo}, {hi}) is not a finite real number")
            # the tails must have died out where tanh-sinh stops looking (|t| = 40·√q: weight e^-800)
            inside = [t * mpmath.sqrt(q) for t in (-2, -1, -0.5, 0.5, 1, 2)]
            bulk = max([abs(weighted(t)) for t in inside if left < t < right] or [abs(value)])
            # and no non-integrable singularity at a finite end (or at 0, where the line is split)
            for end, inward in [(p, +1) for p in points[:-1] if mpmath.isfinite(p)] + \
                               [(p, -1) for p in points[1:] if mpmath.isfinite(p)]:
                near = end + inward * _NEAR
                if abs(weighted(near)) * _NEAR > _SINGULAR * bulk:
                    raise ValueError(f"E[{sp.sstr(h)[:40]}]: the integrand blows up at z = {mpmath.nstr(end, 6)} "
                                     "faster than 1/|z - z0| can be integrated; the moment may be infinite")
            for end, far in ((left, -40 * mpmath.sqrt(q)), (right, 40 * mpmath.sqrt(q))):
                if mpmath.isinf(end) and abs(weighted(far)) > _TAIL * bulk:
                    raise ValueError(f"E[{sp.sstr(h)[:40]}]: the integrand does not decay against the Gaussian "
                                     f"(|h·weight| at z = {mpmath.nstr(far, 3)} is {mpmath.nstr(abs(weighted(far)), 3)});"
                                     " the moment may be infinite")
            total += value * norm
            error += err * norm
    return total, error


@functools.lru_cache(maxsize=512)
def _lambdify(h: sp.Expr) -> Callable:
    return sp.lambdify(x, h, modules="mpmath")


def _numeric_moment(act: Activation, kind: str, q) -> Moment:
    pieces = _pieces(act.expr)
    value, error = _quadrature(pieces, kind, q)
    scale = max(abs(value), mpmath.mpf(10) ** -20)  # a vanishing moment: absolute error below 1e-33
    if not error <= scale * mpmath.mpf(10) ** -(QUADRATURE_DIGITS + 1):
        raise ValueError(f"{MOMENT_NAMES[kind]} for φ = {act.name}: quadrature did not reach "
                         f"{QUADRATURE_DIGITS} digits (value {mpmath.nstr(value, 8)}, error estimate "
                         f"{mpmath.nstr(error, 3)}); the moment may be infinite")
    return Moment(MOMENT_NAMES[kind], sp.Float(value, 20), "quadrature", None, float(error),
                  f"mpmath tanh-sinh at {_QUADRATURE_DPS} digits over {len(pieces)} piece(s), "
                  f"error estimate {mpmath.nstr(error, 2)}")


@functools.lru_cache(maxsize=256)
def moment(act: Activation, kind: str, q=sp.Integer(1)) -> Moment:
    """E[h(z)] for z ~ N(0, q), h = φ ('mean'), φ² ('second_moment') or φ'² ('derivative_second_moment').

    At q = 1: exact (closed form, the GELU lemma, or symmetry) where available, else quadrature. At
    other q: quadrature (the variance map is evaluated numerically).
    """
    if kind not in MOMENT_NAMES:
        raise ValueError(f"moment must be one of {', '.join(MOMENT_NAMES)}, got {kind!r}")
    q = _exact_number("q", q, positive=True)
    if q == 1 and act.name in BUILTINS and act == builtin(act.name):
        return _builtin_moment(act.name, kind)
    numeric = _numeric_moment(act, kind, q)
    if q != 1:
        return numeric
    exact = _exact_moment(act, kind)
    if exact is None:
        return numeric
    gap = abs(mpmath.mpf(sp.N(exact.value, 30)) - mpmath.mpf(numeric.value))
    if gap > _AGREEMENT * max(1, abs(mpmath.mpf(numeric.value))):
        return dataclasses.replace(numeric, detail=numeric.detail + f"; sympy's closed form {sp.sstr(exact.value)[:60]}"
                                   f" disagreed by {mpmath.nstr(gap, 3)} and was discarded")
    return exact


def _builtin_moment(name: str, kind: str) -> Moment:
    """A built-in's moment at q = 1 as its derivation gain.<name> establishes it (cached by the engine)."""
    value = gain_result(name).moments[kind]
    if isinstance(value, sp.Float):
        return Moment(MOMENT_NAMES[kind], value, "quadrature", None, None,
                      f"mpmath quadrature in the derivation gain.{name}")
    method = ("lemma" if name == "gelu" and kind != "mean" else
              "symmetry" if name in ODD_PART and kind == "mean" else "closed form")
    return Moment(MOMENT_NAMES[kind], value, method, value, None, f"the derivation gain.{name}")


def _exact_moment(act: Activation, kind: str) -> Moment | None:
    name = MOMENT_NAMES[kind]
    if _is_gelu(act) and kind in GELU_MOMENTS:
        return Moment(name, GELU_MOMENTS[kind], "lemma", GELU_MOMENTS[kind], None,
                      "Stein's lemma and E[Φ(z)²] = 1/3 (see gelu_second_moment_lemma)")
    if kind == "mean":
        c = _odd_part_constant(act.formula)
        if c is not None:
            value = c / 2
            return Moment(name, value.subs(dict(act.parameters)), "symmetry", value, None,
                          f"φ(x) + φ(-x) = {sp.sstr(c)}, so E[φ(z)] = {sp.sstr(value)} for symmetric z")
    try:
        pieces = _pieces(act.formula)
    except ValueError:
        return None
    total = sp.Integer(0)
    for g, lo, hi in pieces:
        value = _exact_piece(_integrand(kind, g), lo, hi, act.formula)
        if value is None:
            return None
        total += value
    formula = _simplify(total)
    value = _simplify(formula.subs(dict(act.parameters))) if act.parameters else formula
    if not (value.is_number and value.is_finite):
        return None
    return Moment(name, value, "closed form", formula, None,
                  f"sympy integrated {len(pieces)} piece(s) against N(0, 1)")


def _odd_part_constant(formula: sp.Expr) -> sp.Expr | None:
    """c if φ(x) + φ(-x) = c for all x (then E[φ(z)] = c/2), else None."""
    try:
        with time_cap(SIMPLIFY_CAP):
            total = formula + formula.subs(x, -x)
            if total.has(sp.Piecewise, sp.Max, sp.Min):
                return None
            total = sp.simplify(total)
            if total.has(x):
                total = sp.simplify(total.rewrite(sp.exp))
    except SymbolicTimeout:
        return None
    return None if total.has(x) else total


@functools.lru_cache(maxsize=256)
def moments(act: Activation, q=sp.Integer(1)) -> Moments:
    """E[φ(z)], E[φ(z)²], E[φ'(z)²] for z ~ N(0, q)."""
    q = _exact_number("q", q, positive=True)
    return Moments(*(moment(act, kind, q) for kind in MOMENT_NAMES), q=q)


def _gain(m: Moment) -> sp.Expr:
    if m.exact:
        return _simplify(1 / sp.sqrt(m.value))
    return sp.Float(1 / mpmath.sqrt(mpmath.mpf(m.value)), 20)


def forward_gain(act: Activation) -> sp.Expr:
    """g = 1/√E[φ(z)²], z ~ N(0, 1): Var(W) = g²/fan_in keeps E[z_l²] = 1 (exact, or a Float from quadrature)."""
    return _gain(moment(act, "second_moment"))


def backward_gain(act: Activation) -> sp.Expr:
    """g' = 1/√E[φ'(z)²], z ~ N(0, 1): Var(W) = g'²/fan_out keeps the gradient's second moment."""
    return _gain(moment(act, "derivative_second_moment"))


# ---------------------------------------------------------------------------------------------
# The GELU lemma: E[(zΦ(z))²] = 1/3 + √3/(6π)

Phi = (1 + sp.erf(z / sp.sqrt(2))) / 2
pdf = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
GELU_SECOND_MOMENT = sp.Rational(1, 3) + sp.sqrt(3) / (6 * sp.pi)
"""E[(zΦ(z))²] for z ~ N(0, 1)."""
_E_ZPHIPHI = sp.sqrt(3) / (12 * sp.pi)
_E_Z2PDF2 = sp.sqrt(3) / (18 * sp.pi)
GELU_MOMENTS = {
    "second_moment": GELU_SECOND_MOMENT,
    "derivative_second_moment": GELU_SECOND_MOMENT + _E_Z2PDF2,
}
"""E[gelu(z)²] and E[gelu'(z)²] = E[(Φ + zφ)²] = E[Φ²] + 2E[zΦφ] + E[z²φ²], from the lemma."""


def _is_gelu(act: Activation) -> bool:
    return not act.parameters and sp.expand(act.formula) == sp.expand(x * (1 + sp.erf(x / sp.sqrt(2))) / 2)


def gelu_second_moment_lemma(d: Derivation | None = None) -> Derivation:
    """E[(zΦ(z))²] = 1/3 + √3/(6π), stated by hand and checked step by step by sympy.

    Stein's lemma E[z·g(z)] = E[g'(z)] (integration by parts, φ' = -zφ) with g = zΦ² gives
    E[z²Φ²] = E[Φ²] + 2E[zΦφ]; E[Φ²] = [Φ³/3] = 1/3; E[zΦφ] = √3/(12π) is an elementary Gaussian
    integral. sympy alone does not find the moment (it runs for minutes and returns it unevaluated).
    """
    d = d or Derivation("gain.gelu.lemma", "E[(zΦ(z))²] = 1/3 + √3/(6π)", scope="z ~ N(0, 1)")
    g = z * Phi**2
    E = sp.Function("E")
    d.define(sp.Eq(sp.Function("Φ")(z), Phi, evaluate=False), "standard normal CDF; φ(z) = e^(-z²/2)/√(2π)")
    d.identity(sp.Derivative(pdf, z), -z * pdf, "φ'(z) = -z·φ(z)")
    d.identity(z * g * pdf - sp.Derivative(g, z) * pdf, -sp.Derivative(g * pdf, z),
               "Stein: z·g·φ - g'·φ = -(g·φ)', so E[z·g] - E[g'] = -[g·φ] over the line")
    d.limit(g * pdf, z, sp.oo, sp.Integer(0), "boundary term at +∞ vanishes")
    d.limit(g * pdf, z, -sp.oo, sp.Integer(0), "boundary term at -∞ vanishes")
    d.identity(sp.Derivative(g, z), Phi**2 + 2 * z * Phi * pdf,
               "g' = Φ² + 2zΦφ, so E[z²Φ²] = E[Φ²] + 2E[zΦφ]")
    d.identity(sp.Derivative(Phi**3 / 3, z), Phi**2 * pdf, "Φ³/3 is an antiderivative of Φ²φ")
    d.limit(Phi**3 / 3, z, sp.oo, sp.Rational(1, 3), "Φ³/3 → 1/3 at +∞")
    d.limit(Phi**3 / 3, z, -sp.oo, sp.Integer(0), "Φ³/3 → 0 at -∞, so E[Φ(z)²] = 1/3")
    d.gaussian(z * Phi * pdf, z, _E_ZPHIPHI, "E[zΦ(z)φ(z)]: a Gaussian integral of z·erf(z/√2)·e^(-z²)",
               name=E(z * sp.Function("Φ")(z) * sp.Function("φ")(z)))
    d.identity(sp.Add(sp.Rational(1, 3), sp.Mul(2, _E_ZPHIPHI, evaluate=False), evaluate=False), GELU_SECOND_MOMENT,
               "E[z²Φ²] = E[Φ²] + 2E[zΦφ]")
    d.conclude(sp.Eq(E((z * sp.Function("Φ")(z)) ** 2), GELU_SECOND_MOMENT, evaluate=False))
    return d


# ---------------------------------------------------------------------------------------------
# Variance map, fixed point, χ₁


def _float_arg(name: str, value, low: float = 0.0, strict: bool = False) -> mpmath.mpf:
    try:
        number = mpmath.mpf(float(value))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if not mpmath.isfinite(number) or number < low or (strict and number == low):
        rule = f"> {low:g}" if strict else f">= {low:g}"
        raise ValueError(f"{name} must be finite and {rule}, got {value!r}")
    return number


def _second_moment_at(act: Activation, q: mpmath.mpf, dps: int = _MAP_DPS) -> mpmath.mpf:
    return _quadrature(_pieces(act.expr), "second_moment", q, dps)[0]


def variance_map(act: Activation, q, sigma_w, sigma_b=0) -> mpmath.mpf:
    """V(q) = σ_w²·E[φ(√q z)²] + σ_b² (Poole et al. 2016, eq. 3), by quadrature."""
    q = _float_arg("q", q, strict=True)
    sigma_w, sigma_b = _float_arg("sigma_w", sigma_w), _float_arg("sigma_b", sigma_b)
    return sigma_w**2 * _second_moment_at(act, q) + sigma_b**2


@dataclasses.dataclass(frozen=True)
class FixedPoint:
    """q* with V(q*) = q*, reached by iterating V from q0; ``kind`` says how it was found."""

    q: float | None
    kind: str
    """'attracting' (|V'(q*)| < 1), 'unstable' (V'(q*) > 1: q0 sat exactly on it, and any perturbation
    moves away), 'neutral' (V'(q*) = 1, e.g. a homogeneous φ at its gain without bias, where every q
    is kept), 'zero' (the signal dies out) or 'diverges' (no finite fixed point above q0)."""
    slope: float | None = None
    """V'(q*), by a centred difference of the quadrature."""
    detail: str = ""


_Q_CEILING = mpmath.mpf(1e6)
_Q_FLOOR = mpmath.mpf(1e-10)
_SLOPE_STEP = mpmath.mpf("1e-5")


def fixed_point(act: Activation, sigma_w, sigma_b=0, q0=1) -> FixedPoint:
    """The fixed point of q ↦ V(q) that the iteration q_{l+1} = V(q_l) from q0 approaches (or sits on).

    For V increasing (every φ whose |φ| grows away from 0), the iterates move monotonically towards
    the nearest root of V(q) - q in the direction of V(q0) - q0: that root is bracketed by multiplying
    (or dividing) q by 4, then located by the Illinois method. If V(q0) = q0 the answer is q0, whose
    stability V'(q0) is reported.
    """
    q0 = _float_arg("q", q0, strict=True)
    sigma_w, sigma_b = _float_arg("sigma_w", sigma_w), _float_arg("sigma_b", sigma_b)
    with mpmath.workdps(_MAP_DPS):
        def V(q):
            return sigma_w**2 * _second_moment_at(act, q) + sigma_b**2

        def f(q):
            return V(q) - q

        def classify(q, detail):
            h = _SLOPE_STEP * q
            slope = (V(q + h) - V(q - h)) / (2 * h)
            kind = "neutral" if abs(slope - 1) <= 1e-6 else "attracting" if abs(slope) < 1 else "unstable"
            return FixedPoint(float(q), kind, float(slope), detail)

        start = f(q0)
        if abs(start) <= mpmath.mpf(1e-15) * q0:
            return classify(q0, "V(q0) = q0")
        step = 4 if start > 0 else mpmath.mpf(1) / 4
        lo = q0
        while True:
            hi = lo * step
            if hi > _Q_CEILING:
                return FixedPoint(None, "diverges", None, f"V(q) > q up to q = {mpmath.nstr(_Q_CEILING, 3)}")
            if hi < _Q_FLOOR:
                return FixedPoint(0.0, "zero", None, "V(q) < q down to q = 1e-10: the signal dies out")
            if (f(hi) > 0) != (start > 0) or f(hi) == 0:
                break
            lo = hi
        root = mpmath.findroot(f, (min(lo, hi), max(lo, hi)), solver="illinois", tol=mpmath.mpf(10) ** -26)
        return classify(root, f"root of V(q) = q in [{mpmath.nstr(min(lo, hi), 6)}, {mpmath.nstr(max(lo, hi), 6)}]")


def _derivative_at_zero(act: Activation) -> sp.Expr:
    """lim_{q→0+} E[φ'(√q z)²] = (φ'(0-)² + φ'(0+)²)/2 (the mean of the one-sided squares)."""
    pieces = _pieces(act.expr)
    sides = []
    for direction in ("-", "+"):
        for g, lo, hi in pieces:
            if (direction == "-" and lo < 0 <= hi) or (direction == "+" and lo <= 0 < hi):
                with time_cap(CLOSED_FORM_CAP):
                    sides.append(sp.limit(sp.diff(g, x), x, 0, dir=direction))
                break
    if len(sides) != 2:
        raise ValueError(f"φ = {act.name}: the derivative at 0 could not be found from its pieces")
    return _simplify((sides[0] ** 2 + sides[1] ** 2) / 2)


def chi1(act: Activation, sigma_w, q_star) -> mpmath.mpf:
    """χ₁ = σ_w²·E[φ'(√q* z)²] (Schoenholz et al. 2017, eq. 5); at q* = 0 the limit σ_w²·(φ'(0-)² + φ'(0+)²)/2."""
    sigma_w = _float_arg("sigma_w", sigma_w)
    q_star = _float_arg("q_star", q_star)
    if q_star == 0:
        return sigma_w**2 * mpmath.mpf(sp.N(_derivative_at_zero(act), 20))
    return sigma_w**2 * _quadrature(_pieces(act.expr), "derivative_second_moment", q_star, _MAP_DPS)[0]


def critical_sigma_w(act: Activation) -> sp.Expr | None:
    """σ_w with χ₁ = 1 at the fixed point for σ_b = 0 (the edge of chaos, Schoenholz et al. 2017).

    φ(0) = 0: q* = 0 is a fixed point and χ₁ = σ_w²·(φ'(0-)² + φ'(0+)²)/2 there, so
    σ_w = 1/√((φ'(0-)² + φ'(0+)²)/2), exact (tanh 1, ReLU √2, GELU and SiLU 2, Mish 5/3).
    φ(0) ≠ 0: q* > 0 for every σ_w, and along the fixed points σ_w² = q/E[φ(√q z)²], so χ₁ = 1 where
    q·E[φ'(√q z)²] = E[φ(√q z)²]; the smallest such q in [4⁻⁷, 4⁷] is bracketed on a grid and
    located by quadrature (a Float), or None if χ₁ stays on one side of 1 there (softplus: χ₁ < 1).
    """
    at_zero = sp.limit(act.expr, x, 0, dir="+"), sp.limit(act.expr, x, 0, dir="-")
    if all(v == 0 for v in at_zero):
        slope = _derivative_at_zero(act)
        return None if slope == 0 else _simplify(1 / sp.sqrt(slope))
    pieces = _pieces(act.expr)
    with mpmath.workdps(_MAP_DPS):
        def m(q):
            return _quadrature(pieces, "second_moment", q, _MAP_DPS)[0]

        def gap(q):
            return q * _quadrature(pieces, "derivative_second_moment", q, _MAP_DPS)[0] - m(q)

        grid = [mpmath.mpf(4) ** k for k in range(-7, 8)]
        previous = gap(grid[0])
        for lo, hi in zip(grid, grid[1:]):
            current = gap(hi)
            if (previous < 0) != (current < 0):
                root = mpmath.findroot(gap, (lo, hi), solver="illinois", tol=mpmath.mpf(10) ** -26)
                return sp.Float(mpmath.sqrt(root / m(root)), _MAP_DPS)
            previous = current
    return None


def variance_iterates(act: Activation, sigma_w, sigma_b, q0, depth: int) -> list[mpmath.mpf]:
    """q_1, ..., q_depth with q_l = V(q_{l-1}) from q_0 = q0: the infinite-width recursion (quadrature at
    15 digits; once two iterates agree to 1e-13 the rest are that fixed point)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
    q = _float_arg("q", q0, strict=True)
    sigma_w, sigma_b = _float_arg("sigma_w", sigma_w), _float_arg("sigma_b", sigma_b)
    out: list[mpmath.mpf] = []
    pieces = _pieces(act.expr)
    while len(out) < depth:
        if q == 0 or q > _Q_CEILING**2:
            out.append(q)
            continue
        nxt = sigma_w**2 * _quadrature(pieces, "second_moment", q, 15)[0] + sigma_b**2
        if abs(nxt - q) <= mpmath.mpf(1e-13) * q:
            out.extend([nxt] * (depth - len(out)))
            break
        out.append(nxt)
        q = nxt
    return out


def kurtosis_ratio(act: Activation, q=1) -> float:
    """E[φ(√q z)⁴]/E[φ(√q z)²]² (3 for the identity): large values mean heavy tails, where a Monte Carlo
    mean of φ² converges slowly and the normal approximation behind z·se is poor."""
    q = _float_arg("q", q, strict=True)
    pieces = _pieces(act.expr)
    m2 = _quadrature(pieces, "second_moment", q, _MAP_DPS)[0]
    m4 = _quadrature(pieces, "fourth_moment", q, _MAP_DPS)[0]
    return float(m4 / m2**2) if m2 > 0 else math.inf


def recognize(act: Activation) -> Activation | None:
    """The built-in equal to φ piece by piece (``max(x, 0)`` is relu, ``max(x, 0.2*x)`` is leaky_relu
    with slope 0.2), or None: used to show PyTorch's constant beside a typed expression."""
    if act.name in BUILTINS:
        return act
    try:
        mine = _pieces(act.expr)
    except ValueError:
        return None
    if len(mine) == 2 and (mine[0][1], mine[0][2], mine[1][1], mine[1][2]) == (-sp.oo, 0, 0, sp.oo) \
            and sp.expand(mine[1][0] - x) == 0:
        slope = sp.simplify(mine[0][0] / x)
        if slope.is_number and slope.is_positive and slope != 1:
            return builtin("leaky_relu", slope=slope)
    for name in BUILTINS:
        if name == "leaky_relu":
            continue
        theirs = _pieces(builtin(name).expr)
        if len(theirs) == len(mine) and all(
                (lo1, hi1) == (lo2, hi2) and sp.expand(g1 - g2) == 0
                for (g1, lo1, hi1), (g2, lo2, hi2) in zip(mine, theirs)):
            return builtin(name)
    return None


# ---------------------------------------------------------------------------------------------
# Derivations of the built-ins: claims gain.<name>


def _normal_tail(k: sp.Expr) -> sp.Expr:
    """Φ(-k) = (1 - erf(k/√2))/2 (written with erf: the engine's simplify does not cancel erf + erfc)."""
    return (1 - sp.erf(k / sp.sqrt(2))) / 2


_HALF_NORMAL = {"mean": 1 / sp.sqrt(2 * sp.pi), "second_moment": sp.Rational(1, 2),
                "derivative_second_moment": sp.Rational(1, 2)}
"""E[z·1[z>0]], E[z²·1[z>0]], E[1·1[z>0]] for z ~ N(0, 1)."""
_ELU_NEGATIVE = {
    "mean": alpha * (sp.exp(sp.Rational(1, 2)) * _normal_tail(1) - sp.Rational(1, 2)),
    "second_moment": alpha**2 * (sp.exp(2) * _normal_tail(2) - 2 * sp.exp(sp.Rational(1, 2)) * _normal_tail(1)
                                 + sp.Rational(1, 2)),
    "derivative_second_moment": alpha**2 * sp.exp(2) * _normal_tail(2),
}
"""The negative piece α(e^z - 1) of ELU, from E[e^{kz}·1[z<0]] = e^{k²/2}·Φ(-k)."""

PIECE_MOMENTS: dict[str, tuple[dict[str, sp.Expr], dict[str, sp.Expr]]] = {
    "relu": (_HALF_NORMAL, {k: sp.Integer(0) for k in _HALF_NORMAL}),
    "leaky_relu": (_HALF_NORMAL, {"mean": -a / sp.sqrt(2 * sp.pi), "second_moment": a**2 / 2,
                                  "derivative_second_moment": a**2 / 2}),
    "elu": (_HALF_NORMAL, _ELU_NEGATIVE),
    "selu": ({"mean": lam * _HALF_NORMAL["mean"], "second_moment": lam**2 / 2,
              "derivative_second_moment": lam**2 / 2},
             {"mean": lam * _ELU_NEGATIVE["mean"], "second_moment": lam**2 * _ELU_NEGATIVE["second_moment"],
              "derivative_second_moment": lam**2 * _ELU_NEGATIVE["derivative_second_moment"]}),
}
"""Hand-stated moments of the two pieces (z > 0, z < 0) of the piecewise built-ins, each checked by
sympy's integration over its half-line in the derivation."""


@dataclasses.dataclass(frozen=True)
class GainResult:
    """What a gain derivation establishes for a built-in (values with the parameters substituted)."""

    activation: Activation
    moments: dict[str, sp.Expr]
    forward_gain: sp.Expr
    backward_gain: sp.Expr
    chi1: sp.Expr
    exact: bool


_RESULTS: dict[str, GainResult] = {}

ODD_PART = {"tanh": sp.Integer(0), "sigmoid": sp.Integer(1)}
"""φ(x) + φ(-x) for the built-ins symmetric about a point: their mean is half of it."""


def gain_result(name: str) -> GainResult:
    """The values proved (or computed by quadrature) in the derivation of ``gain.<name>``."""
    from .registry import get

    get(f"gain.{name}")
    return _RESULTS[name]


def _moment_integral(kind: str, formula: sp.Expr) -> sp.Expr:
    """E[h(z)], z ~ N(0, 1), as a sum of unevaluated integrals, one per piece of φ (carried out when checked)."""
    return sp.Add(*[sp.Integral(_integrand(kind, g) * _density(1), (x, lo, hi)) for g, lo, hi in _pieces(formula)],
                  evaluate=False)


def _build(name: str) -> Derivation:
    act = builtin(name)
    params = dict(act.parameters)
    E = sp.Function("E")
    fz = sp.Function("φ")
    d = Derivation(f"gain.{name}", f"gains, moments and χ₁ of {name}",
                        scope="z ~ N(0, 1); σ_w = forward gain, σ_b = 0"
                              + (f"; symbols {', '.join(str(s) for s in params)} for all positive values, "
                                 f"instances at {', '.join(f'{s} = {v}' for s, v in params.items())}" if params else ""))
    d.define(sp.Eq(fz(x), act.formula, evaluate=False), f"definition ({act.source})" if act.source else "definition")
    values: dict[str, sp.Expr] = {}
    formulas: dict[str, sp.Expr] = {}
    names = {"mean": E(fz(z)), "second_moment": E(fz(z) ** 2),
             "derivative_second_moment": E(sp.Derivative(fz(z), z) ** 2)}
    if name in PIECE_MOMENTS:
        positive, negative = PIECE_MOMENTS[name]
        (g_neg, _, _), (g_pos, _, _) = _pieces(act.formula)
        for kind in MOMENT_NAMES:
            d.gaussian_on(_integrand(kind, g_pos), x, sp.Integer(0), sp.oo, positive[kind],
                          f"{MOMENT_NAMES[kind]}: the piece z > 0")
            d.gaussian_on(_integrand(kind, g_neg), x, -sp.oo, sp.Integer(0), negative[kind],
                          f"{MOMENT_NAMES[kind]}: the piece z < 0" + (" (E[e^(kz)·1[z<0]] = e^(k²/2)·Φ(-k))"
                                                                      if name in ("elu", "selu") else ""))
            formulas[kind] = positive[kind] + negative[kind]
    elif name == "gelu":
        gelu_second_moment_lemma(d)
        d.gaussian(z * Phi, z, 1 / (2 * sp.sqrt(sp.pi)), "E[zΦ(z)]", name=names["mean"])
        d.gaussian(z**2 * pdf**2, z, _E_Z2PDF2, "E[z²φ(z)²], for E[gelu'²] = E[(Φ + zφ)²]")
        d.identity(sp.Derivative(act.formula.subs(x, z), z), Phi + z * pdf, "gelu'(z) = Φ(z) + zφ(z)")
        d.identity((Phi + z * pdf) ** 2, Phi**2 + 2 * z * Phi * pdf + z**2 * pdf**2,
                   "pointwise: (Φ + zφ)² = Φ² + 2zΦφ + z²φ²")
        d.identity(sp.Add(sp.Rational(1, 3), sp.Mul(2, _E_ZPHIPHI, evaluate=False), _E_Z2PDF2, evaluate=False),
                   GELU_MOMENTS["derivative_second_moment"],
                   "E[gelu'(z)²] = E[Φ²] + 2E[zΦφ] + E[z²φ²] with E[Φ²] = 1/3 and E[zΦφ] from the lemma, "
                   "E[z²φ²] above")
        formulas = {"mean": 1 / (2 * sp.sqrt(sp.pi)), **GELU_MOMENTS}
    elif name == "linear":
        for kind, value in (("mean", 0), ("second_moment", 1), ("derivative_second_moment", 1)):
            d.gaussian(_integrand(kind, act.formula).subs(x, z), z, sp.Integer(value), MOMENT_NAMES[kind],
                       name=names[kind])
            formulas[kind] = sp.Integer(value)
    else:
        for kind in MOMENT_NAMES:
            if kind == "mean" and name in ODD_PART:
                c = ODD_PART[name]
                d.identity(sp.Add(act.formula, sp.Subs(act.formula, x, -x), evaluate=False), c,
                           f"φ(x) + φ(-x) = {sp.sstr(c)}, so E[φ(z)] = {sp.sstr(c / 2)} (z and -z have the same law)")
                formulas[kind] = c / 2
                continue
            h = _lambdify(_integrand(kind, act.expr))
            step = d.quadrature(lambda t, h=h: h(t) * mpmath.exp(-t * t / 2) / mpmath.sqrt(2 * mpmath.pi),
                                [-mpmath.inf, 0, mpmath.inf], None, f"{MOMENT_NAMES[kind]}: no closed form; "
                                "mpmath tanh-sinh quadrature", name=names[kind], digits=QUADRATURE_DIGITS)
            formulas[kind] = step.expr.rhs
    for kind in MOMENT_NAMES:
        values[kind] = formulas[kind].subs(params) if params else formulas[kind]
    exact = all(not isinstance(v, sp.Float) and not v.has(sp.Float) for v in values.values())
    gains = {}
    for label, kind in (("forward", "second_moment"), ("backward", "derivative_second_moment")):
        g = sp.Symbol(f"g_{label}", positive=True)
        if exact:
            stated = STATED_GAINS.get((name, label))
            if stated is not None:
                d.identity(sp.Subs(1 / sp.sqrt(names[kind]), names[kind], formulas[kind]), stated,
                           f"{label} gain 1/√{MOMENT_NAMES[kind]} in closed form")
            else:
                stated = 1 / sp.sqrt(formulas[kind])
                d.define(sp.Eq(g, stated, evaluate=False), f"{label} gain 1/√{MOMENT_NAMES[kind]}")
            gains[label] = stated.subs(params) if params else stated
        else:
            gains[label] = sp.Float(1 / mpmath.sqrt(mpmath.mpf(values[kind])), 20)
            d.define(sp.Eq(g, gains[label], evaluate=False),
                     f"{label} gain 1/√{MOMENT_NAMES[kind]} (from the quadrature)")
    chi = values["derivative_second_moment"] / values["second_moment"] if exact else \
        sp.Float(mpmath.mpf(values["derivative_second_moment"]) / mpmath.mpf(values["second_moment"]), 20)
    d.define(sp.Eq(sp.Symbol("q*"), 1, evaluate=False),
             "σ_w = g, σ_b = 0: V(1) = g²·E[φ(z)²] = 1 by the definition of g, so q* = 1 (Poole et al. 2016, eq. 3)")
    if name in ("relu", "leaky_relu", "linear"):
        d.identity(_moment_integral("derivative_second_moment", act.formula),
                   _moment_integral("second_moment", act.formula),
                   "φ(x) = x·φ'(x) on each piece: E[φ'(z)²] = E[φ(z)²], so χ₁ = 1 at σ_w = g (critical)")
    d.define(sp.Eq(sp.Symbol("χ₁"), chi, evaluate=False),
             "χ₁ = g²·E[φ'(z)²] = E[φ'(z)²]/E[φ(z)²] at q* = 1 (Schoenholz et al. 2017, eq. 5)")
    _RESULTS[name] = GainResult(act, values, gains["forward"], gains["backward"], chi, exact)
    d.conclude(sp.Eq(sp.Symbol("g"), gains["forward"], evaluate=False))
    return d


STATED_GAINS = {
    ("relu", "forward"): sp.sqrt(2),
    ("relu", "backward"): sp.sqrt(2),
    ("leaky_relu", "forward"): sp.sqrt(2 / (1 + a**2)),
    ("leaky_relu", "backward"): sp.sqrt(2 / (1 + a**2)),
    ("linear", "forward"): sp.Integer(1),
    ("linear", "backward"): sp.Integer(1),
    ("gelu", "forward"): sp.sqrt(6 * sp.pi / (2 * sp.pi + sp.sqrt(3))),
    ("gelu", "backward"): sp.sqrt(9 * sp.pi / (3 * sp.pi + 2 * sp.sqrt(3))),
}
"""Gains as a textbook writes them, each checked against 1/√(moment) in the derivation."""


def _register(name: str) -> None:
    derivation(f"gain.{name}")(functools.wraps(_build)(lambda: _build(name)))


for _name in BUILTINS:
    _register(_name)
