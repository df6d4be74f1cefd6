"""Gains, Gaussian moments and criticality of any activation φ, for z ~ N(0, q).

Forward gain g = 1/√E[φ(z)²] and backward gain g' = 1/√E[φ'(z)²] at q = 1: a layer with
Var(W) = g²/fan_in maps a unit second moment of its pre-activations to 1 (Var(W) = g'²/fan_out does
the same for the gradient), generalising He et al. (2015, eqs. 10 and 13) from ReLU to any φ.
Variance map (Poole et al. 2016, eq. 3; Schoenholz et al. 2017, eq. 3):
q ↦ V(q) = σ_w²·E[φ(√q z)²] + σ_b², z ~ N(0, 1), with fixed point q* = V(q*), and
χ₁ = σ_w²·E[φ'(√q* z)²] (Schoenholz et al. 2017, eq. 5): χ₁ < 1 ordered, χ₁ > 1 chaotic.

For a typed φ, every moment is exact when sympy integrates it in closed form within a time cap (piece
by piece for a piecewise φ), or follows from the GELU lemma or from symmetry, or is computed by mpmath
quadrature to at least 12 significant digits and labelled ``quadrature``. For a built-in, the moments,
gains and χ₁ are read from the conclusion of its derivation gain.<name> (built on the trusted kernel at the
end of this module), which verify reads too.
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
from .kernel import NormalE, SymbolicTimeout, time_cap
from .parse import X, parse_activation
from .registry import derivation
from .render import name_text

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
    "GainResult",
    "MOMENT",
    "G_FORWARD",
    "G_BACKWARD",
    "FORWARD",
    "BACKWARD",
    "CHI1",
    "CHECKS",
    "control_lhs",
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
    """A built-in's moment at q = 1 as the derivation gain.<name> concludes it (built once, then reused)."""
    result = gain_result(name)
    value = result.moments[kind]
    if value.has(sp.Float):
        return Moment(MOMENT_NAMES[kind], value, "quadrature", None, None,
                      f"mpmath quadrature in the derivation gain.{name}")
    method = ("lemma" if name == "gelu" and kind != "mean" else
              "symmetry" if name in ODD_PART and kind == "mean" else "closed form")
    return Moment(MOMENT_NAMES[kind], value, method, result.formulas[kind], None, f"the derivation gain.{name}")


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
CDF = sp.Function("Φ")
"""Φ, the standard normal CDF, as the derivations define it (Φ(z) = (1 + erf(z/√2))/2)."""
DENSITY = sp.Function("ϕ")
"""ϕ, the standard normal density, as the derivations define it (ϕ(z) = e^(-z²/2)/√(2π))."""
GELU_SECOND_MOMENT = sp.Rational(1, 3) + sp.sqrt(3) / (6 * sp.pi)
"""E[(zΦ(z))²] for z ~ N(0, 1): E[Φ²] + E[ϕ²] = 1/3 + 1/(2√3·π)."""
_E_PDF2 = sp.sqrt(3) / (6 * sp.pi)
_E_Z2PDF2 = sp.sqrt(3) / (18 * sp.pi)
GELU_MOMENTS = {
    "second_moment": GELU_SECOND_MOMENT,
    "derivative_second_moment": GELU_SECOND_MOMENT + _E_Z2PDF2,
}
"""E[gelu(z)²] and E[gelu'(z)²] = E[(Φ + zϕ)²] = E[Φ²] + E[ϕ²] + E[z²ϕ²], from the lemma's identity."""


def _is_gelu(act: Activation) -> bool:
    return not act.parameters and sp.expand(act.formula) == sp.expand(x * (1 + sp.erf(x / sp.sqrt(2))) / 2)


def _gelu_lemma(d: Derivation, value=GELU_SECOND_MOMENT):
    """Add the lemma's steps to ``d``; return the fact E[(zΦ(z))²] = value (checked, so a wrong value fails).

    Integration by parts (Stein's lemma) as a pointwise identity: with (zΦ²ϕ)' = Φ²ϕ + 2zΦϕ² - z²Φ²ϕ and
    (Φϕ²)' = ϕ³ - 2zΦϕ² (ϕ' = -zϕ), z²Φ² = Φ² + ϕ² - (zΦ²ϕ + Φϕ²)'/ϕ for every z. Put under the
    expectation (``rewrite``), the right side is a sum of terms sympy integrates against N(0, 1): E[Φ²] = 1/3,
    E[ϕ²] = 1/(2√3·π), and the derivative integrates to the boundary values of zΦ²ϕ + Φϕ², which vanish.
    sympy does not find E[z²Φ²] directly (it returns the integral unevaluated).
    """
    P, p = CDF(z), DENSITY(z)
    d.define(DENSITY(z), pdf, "the standard normal density ϕ")
    d.define(CDF(z), Phi, "the standard normal CDF Φ, in the erf form")
    d.identity(sp.Derivative(P, z), p, "Φ' = ϕ")
    d.identity(sp.Derivative(p, z), -z * p, "ϕ' = -zϕ")
    boundary = z * P**2 * p + P * p**2
    parts = P**2 + p**2 - sp.Derivative(boundary, z) / p
    pointwise = d.identity((z * P) ** 2, parts,
                           "integration by parts, pointwise: (zΦ²ϕ)' = Φ²ϕ + 2zΦϕ² - z²Φ²ϕ and (Φϕ²)' = ϕ³ - 2zΦϕ²")
    d.gaussian(P**2, z, sp.Rational(1, 3), "first term: E[Φ(z)²] = 1/3 (= [Φ³/3] over the line)")
    d.gaussian(p**2, z, _E_PDF2, "second term: E[ϕ(z)²] = ∫ϕ³ = 1/(2√3·π)")
    d.gaussian(sp.Derivative(boundary, z) / p, z, sp.Integer(0),
               "third term: ∫(zΦ²ϕ + Φϕ²)' dz = 0, the bracket vanishing at ±∞")
    inside = d.rewrite(NormalE((z * P) ** 2, z, 1), [pointwise], "the pointwise identity under the expectation")
    total = d.gaussian(parts, z, value, "the three terms together: 1/3 + √3/(6π) + 0")
    return d.chain(inside, total, justification="E[(zΦ(z))²] = 1/3 + √3/(6π)")


def gelu_second_moment_lemma(d: Derivation | None = None, value=GELU_SECOND_MOMENT) -> Derivation:
    """E[(zΦ(z))²] = 1/3 + √3/(6π), every step checked by the kernel (see ``_gelu_lemma``).

    With ``d`` the steps are added to that derivation (gain.gelu reuses them); without, a standalone
    derivation that concludes the lemma. ``value`` is the value stated (a wrong one fails).
    """
    if d is not None:
        _gelu_lemma(d, value)
        return d
    d = Derivation("gain.gelu.lemma", "E[(zΦ(z))²] = 1/3 + √3/(6π)", scope="z ~ N(0, 1)")
    d.conclude(_gelu_lemma(d, value))
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
#
# Every built-in derivation has the same shape and concludes the same left sides (``MOMENT``, ``G_FORWARD``,
# ``G_BACKWARD``, ``FORWARD``, ``BACKWARD``, ``CHI1``), which verify reads: the three moments (a Gaussian
# integral, the GELU lemma, symmetry, or quadrature), the gains g = 1/√E[φ²] and g' = 1/√E[φ'²] with the
# moment rewritten in, the variance map at σ_w = g, σ_b = 0 with V(1) = 1 (so q* = 1), the backward map
# B(1) = g'²·E[φ'²] = 1, and χ₁ = g²·E[φ'(z)²] at q* = 1.

PHI = sp.Function("φ")
DPHI = sp.Function("φ'")
q_ = sp.Symbol("q", positive=True)
x_pos = sp.Symbol("x", positive=True)
x_neg = sp.Symbol("x", negative=True)
G_FORWARD = sp.Symbol("g")
"""The forward gain 1/√E[φ(z)²]."""
G_BACKWARD = sp.Symbol("g'")
"""The backward gain 1/√E[φ'(z)²]."""
V, B, CHI = sp.Function("V"), sp.Function("B"), sp.Function("χ₁")
MOMENT = {"mean": NormalE(PHI(z), z, 1), "second_moment": NormalE(PHI(z) ** 2, z, 1),
          "derivative_second_moment": NormalE(DPHI(z) ** 2, z, 1)}
"""The left sides of the concluded moments, z ~ N(0, 1)."""
FORWARD = V(1)
"""V(1) = g²·E[φ(z)²]: the second moment after one layer at σ_w = g, σ_b = 0, from E[z²] = 1 (concluded = 1)."""
BACKWARD = B(1)
"""B(1) = g'²·E[φ'(z)²]: the gradient's second moment through one layer at σ_w = g' (concluded = 1)."""
CHI1 = CHI(1)
"""χ₁ at q* = 1: g²·E[φ'(z)²]."""
CHECKS = {"forward": FORWARD, "backward": BACKWARD, "chi1": CHI1}
"""What each Monte Carlo check of a gain claim measures, by the left side the derivation concludes for it."""
VALUE_SYMBOLS = {"second_moment": sp.Symbol("mu_2", positive=True),
                 "derivative_second_moment": sp.Symbol("nu_2", positive=True)}
"""Names for the numbers quadrature gives, so that g = 1/√μ₂ and g²·μ₂ = 1 stay exact."""


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

STATED_MOMENTS: dict[str, dict[str, sp.Expr]] = {
    "relu": dict(_HALF_NORMAL),
    "leaky_relu": {"mean": (1 - a) / sp.sqrt(2 * sp.pi), "second_moment": (1 + a**2) / 2,
                   "derivative_second_moment": (1 + a**2) / 2},
    "elu": {k: _HALF_NORMAL[k] + _ELU_NEGATIVE[k] for k in _HALF_NORMAL},
    "selu": {k: lam ** (2 if k != "mean" else 1) * (_HALF_NORMAL[k] + _ELU_NEGATIVE[k]) for k in _HALF_NORMAL},
    "gelu": {"mean": 1 / (2 * sp.sqrt(sp.pi)), **GELU_MOMENTS},
    "linear": {"mean": sp.Integer(0), "second_moment": sp.Integer(1), "derivative_second_moment": sp.Integer(1)},
}
"""Moments stated by hand, with the parameters as symbols; each is checked by exact integration (or the lemma)."""

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

ODD_PART = {"tanh": sp.Integer(0), "sigmoid": sp.Integer(1)}
"""φ(x) + φ(-x) for the built-ins symmetric about a point: their mean is half of it."""
QUADRATURE = ("silu", "mish", "softplus", "tanh", "sigmoid")
"""Built-ins whose moments sympy does not integrate: quadrature (the means of tanh and sigmoid by symmetry)."""
HOMOGENEOUS = ("relu", "leaky_relu", "linear")
"""φ(x) = x·φ'(x): E[φ'²] = E[φ²], so g' = g and χ₁ = 1, and those two controls would coincide with the truth."""
FORWARD_CONTROL = {"tanh": "torch", "selu": "torch", "linear": "relu"}
"""E[φ(z)] = 0 (SELU: to 30 digits), so 1/√Var(φ(z)) is the gain itself: these use PyTorch's constant
(tanh 5/3, SELU 3/4) or, for the identity, the ReLU gain √2 as their forward control instead."""
PARAMETER_NOTES = {
    (a, "leaky_relu"): "PyTorch's default negative_slope",
    (alpha, "elu"): "PyTorch's default α",
    (lam, "selu"): "Klambauer et al. (2017), eq. (14)",
    (alpha, "selu"): "Klambauer et al. (2017), eq. (14)",
}
SYMMETRY_REFERENCE = ("z and -z have the same law N(0, q) (its density is even), and E is linear: "
                      "E[φ(z)] = (E[φ(z)] + E[φ(-z)])/2. Billingsley, Probability and Measure (3rd ed.), "
                      "§21 (an expected value depends only on the law) and §16 (linearity of the integral)")
WRONG_KEYS = frozenset({"mean", "second_moment", "derivative_second_moment", "forward_gain", "backward_gain",
                        "fixed_point", "backward_fixed_point", "chi1"})


def control_lhs(name: str) -> tuple:
    """The left sides for which gain.<name> records a negative control (the others coincide with the truth)."""
    return (FORWARD,) if name in HOMOGENEOUS else (FORWARD, BACKWARD, CHI1)


@dataclasses.dataclass(frozen=True)
class GainResult:
    """What a gain derivation concludes for a built-in (values with the parameters written out)."""

    activation: Activation
    moments: dict[str, sp.Expr]
    forward_gain: sp.Expr
    backward_gain: sp.Expr
    chi1: sp.Expr
    exact: bool
    formulas: dict[str, sp.Expr] = dataclasses.field(default_factory=dict)
    """The concluded moments as written, with the parameters as symbols (α, λ, a)."""


_READ: dict[str, tuple[Derivation, GainResult]] = {}


def gain_result(name: str) -> GainResult:
    """The values concluded by the derivation of ``gain.<name>`` (read from its conclusion)."""
    from .registry import get

    d = get(f"gain.{name}")
    if name not in _READ or _READ[name][0] is not d:
        if d.result is None:
            raise ValueError(f"gain.{name}: the derivation concludes nothing ({'; '.join(d.verdict.reasons)[:200]})")
        moments = {kind: d.closed_form(MOMENT[kind]) for kind in MOMENT_NAMES}
        values = {"forward": d.closed_form(G_FORWARD), "backward": d.closed_form(G_BACKWARD),
                  "chi1": d.closed_form(CHI1)}
        exact = not any(v.has(sp.Float) for v in [*moments.values(), *values.values()])
        formulas = {kind: d.closed_form(MOMENT[kind], unfold=False) for kind in MOMENT_NAMES}
        _READ[name] = d, GainResult(builtin(name), moments, values["forward"], values["backward"], values["chi1"],
                                    exact, formulas)
    return _READ[name][1]


def _define_phi(d: Derivation, act: Activation) -> None:
    """φ(x) and φ'(x): the formula, or for a piecewise φ the same function written with the step θ."""
    if act.name == "gelu":
        d.define(PHI(x), x * CDF(x), f"definition ({act.source})")
        d.identity(PHI(x), act.formula, "the erf form that numeric evaluates")
        d.define(DPHI(x), CDF(x) + x * DENSITY(x), "the stated derivative")
        d.identity(sp.Derivative(PHI(x), x), DPHI(x), "product rule: (xΦ)' = Φ + xϕ")
        return
    pieces = _pieces(act.formula)
    if len(pieces) == 1:
        d.define(PHI(x), act.formula, f"definition ({act.source})" if act.source else "definition")
        d.define(DPHI(x), sp.diff(act.formula, x), "the stated derivative")
        d.identity(sp.Derivative(PHI(x), x), DPHI(x), "φ' is the derivative of φ at every x")
        return
    (g_neg, lo, mid), (g_pos, mid2, hi) = pieces
    if (lo, mid, mid2, hi) != (-sp.oo, 0, 0, sp.oo):
        raise ValueError(f"{act.name}: a built-in piecewise φ has two pieces split at 0")
    step = sp.Heaviside
    d.define(PHI(x), g_neg * step(-x) + g_pos * step(x),
             f"definition ({act.source}), with Heaviside steps: one expression sympy integrates against N(0, 1)")
    d.identity(PHI(x_pos), act.formula.subs(x, x_pos), "for x > 0 it is the positive piece")
    d.identity(PHI(x_neg), act.formula.subs(x, x_neg), "for x < 0 the negative piece")
    d.define(DPHI(x), sp.diff(g_neg, x) * step(-x) + sp.diff(g_pos, x) * step(x),
             "the stated derivative (at 0, a null set for z ~ N(0, 1), whatever the steps give)")
    d.identity(sp.Derivative(PHI(x_pos), x_pos), DPHI(x_pos), "φ' is the derivative of φ for x > 0")
    d.identity(sp.Derivative(PHI(x_neg), x_neg), DPHI(x_neg), "and for x < 0")


def _moment(d: Derivation, name: str, kind: str, wrong: dict, lemma):
    """The fact E[h(z)] = value for h = φ, φ², φ'² (z ~ N(0, 1))."""
    lhs, label = MOMENT[kind], MOMENT_NAMES[kind]
    f = lhs.args[0]
    stated = wrong.get(kind, STATED_MOMENTS.get(name, {}).get(kind))
    if name == "gelu" and kind == "second_moment":
        same = d.identity(lhs, NormalE((z * CDF(z)) ** 2, z, 1), "φ(z)² = (zΦ(z))²")
        return d.chain(same, lemma, justification=f"{label} by the lemma")
    if name == "gelu" and kind == "derivative_second_moment":
        P, p = CDF(z), DENSITY(z)
        parts = P**2 + p**2 + z**2 * p**2 - sp.Derivative(P * p**2, z) / p
        pointwise = d.identity(DPHI(z) ** 2, parts,
                               "(Φ + zϕ)² = Φ² + 2zΦϕ + z²ϕ², and 2zΦϕ² = ϕ³ - (Φϕ²)' (integration by parts)")
        inside = d.rewrite(lhs, [pointwise], "the pointwise identity under the expectation")
        total = d.gaussian(parts, z, stated, "E[Φ²] + E[ϕ²] + E[z²ϕ²] - 0 = 1/3 + √3/(6π) + √3/(18π)")
        return d.chain(inside, total, justification=label)
    if kind == "mean" and name in ODD_PART:
        c = ODD_PART[name]
        law = d.assume("symmetry of N(0, q)", sp.Eq(lhs.func(f, z, q_), NormalE((f + f.subs(z, -z)) / 2, z, q_)),
                       SYMMETRY_REFERENCE, for_all=(q_,))
        at_one = d.instantiate(law, {q_: 1}, "at q = 1")
        pointwise = d.identity((f + f.subs(z, -z)) / 2, c / 2, f"φ(z) + φ(-z) = {sp.sstr(c)}")
        inside = d.rewrite(at_one.statement.rhs, [pointwise], "the pointwise identity under the expectation")
        constant = d.gaussian(c / 2, z, c / 2 if stated is None else stated, "the expectation of a constant")
        return d.chain(at_one, inside, constant, justification=f"{label} by symmetry")
    if name in QUADRATURE:
        quad = d.quadrature(f, z, 1, QUADRATURE_DIGITS,
                            f"{label}: no closed form; mpmath tanh-sinh quadrature to {QUADRATURE_DIGITS} digits")
        same = d.identity(lhs, quad.statement.lhs, "the same expectation with φ written out")
        return d.chain(same, quad, justification=label)
    return d.gaussian(f, z, stated, f"{label}: an exact Gaussian integral")


def _rhs(fact):
    """The right side of a fact's equation, or None for a refused step (the derivation has failed already)."""
    return fact.statement.rhs if isinstance(fact.statement, sp.Equality) else None


def _named(d: Derivation, kind: str, fact, wrong: dict):
    """For a quadrature value F: μ := F and the fact E[h] = μ (exact algebra on μ avoids float rounding)."""
    value = _rhs(fact)
    if value is None or not value.has(sp.Float):
        return fact
    symbol = VALUE_SYMBOLS[kind]
    d.define(symbol, wrong.get(kind, value), f"a name for the quadrature value of {MOMENT_NAMES[kind]}")
    return d.chain(fact, d.identity(value, symbol, "the value named"),
                   justification=f"{MOMENT_NAMES[kind]} = {name_text(symbol.name)}")


def _gain_fact(d: Derivation, symbol, kind: str, label: str, moment, stated):
    """(g = stated, g = 1/√m): g defined as 1/√E[h], the moment rewritten in, the stated form checked."""
    defined = d.define(symbol, 1 / sp.sqrt(MOMENT[kind]), f"the {label} gain 1/√{MOMENT_NAMES[kind]}")
    inside = d.rewrite(1 / sp.sqrt(MOMENT[kind]), [moment], "the moment")
    exact = d.chain(defined, inside, justification=f"the {label} gain")
    value = _rhs(inside)
    if value is None:
        return exact, exact
    if stated is None and value.has(*VALUE_SYMBOLS.values()):
        stated = d.unfold(value)   # the number 1/√μ, evaluated
    if stated is None or stated == value:
        return exact, exact
    shown = d.identity(value, stated, f"{label} gain in closed form" if not stated.has(sp.Float) else "its value")
    return d.chain(defined, inside, shown, justification=f"the {label} gain"), exact


def _map_at_one(d: Derivation, lhs, body, facts, target, why):
    """lhs = body (the map at q = 1) = target, with the gain and the moment rewritten in (target None: what
    the rewriting gives, evaluated where it holds a quadrature value)."""
    at_one = d.identity(lhs, body, "at q = 1")
    inside = d.rewrite(body, facts, "the gain and the moment")
    value = _rhs(inside)
    if value is None:
        return d.chain(at_one, inside, justification=why)
    if target is None:
        target = d.unfold(value) if value.has(*VALUE_SYMBOLS.values()) else value
    links = [at_one, inside]
    if value != target:
        links.append(d.identity(value, target, "its value" if target.has(sp.Float) else "simplified"))
    return d.chain(*links, justification=why)


def _gap(d: Derivation, control, truth, why: str, witness=None) -> None:
    """A checked step showing the control differs from the closed form (strictly, in the sign it has);
    ``witness`` is truth - control (or control - truth) in a form whose sign sympy sees at once."""
    if (sp.Integer(0) + control).has(sp.Float):
        witness = None   # floats: only the difference itself is the difference to the last bit
    if sp.N(d.unfold(control - truth), 30) > 0:
        d.inequality(control, truth, control - truth if witness is None else witness,
                     f"{why}: the control exceeds it", strict=True)
    else:
        d.inequality(truth, control, truth - control if witness is None else witness,
                     f"{why}: the control falls short of it", strict=True)


def _build(name: str, wrong: dict | None = None) -> Derivation:
    """The derivation of gain.<name>.

    ``wrong`` (tests only) states values falsely, each of which must fail the derivation: a moment
    ('mean', 'second_moment' — for GELU the lemma's value —, 'derivative_second_moment'; for a quadrature
    moment, the number carried on), a gain ('forward_gain', 'backward_gain'), V(1) ('fixed_point'),
    B(1) ('backward_fixed_point') or χ₁ ('chi1').
    """
    wrong = dict(wrong or {})
    if set(wrong) - WRONG_KEYS:
        raise ValueError(f"wrong may state {', '.join(sorted(WRONG_KEYS))}, got {sorted(set(wrong) - WRONG_KEYS)}")
    act = builtin(name)
    parameters = ", ".join(name_text(s.name) for s, _ in act.parameters)
    d = Derivation(f"gain.{name}", f"gains, moments and χ₁ of {name}",
                   scope="z ~ N(0, 1); σ_w = g (the forward gain), σ_b = 0" +
                         (f"; {parameters} at the values defined in the first rows, written as symbols"
                          if parameters else ""))
    for symbol, value in act.parameters:
        d.define(symbol, value, PARAMETER_NOTES.get((symbol, name), "the parameter's value"))
    lemma = _gelu_lemma(d, wrong.get("second_moment", GELU_SECOND_MOMENT)) if name == "gelu" else None
    _define_phi(d, act)
    moments = {kind: _moment(d, name, kind, wrong, lemma) for kind in MOMENT_NAMES}
    named = {kind: _named(d, kind, moments[kind], wrong) for kind in ("second_moment", "derivative_second_moment")}

    g, g_exact = _gain_fact(d, G_FORWARD, "second_moment", "forward", named["second_moment"],
                       wrong.get("forward_gain", STATED_GAINS.get((name, "forward"))))
    gp, gp_exact = _gain_fact(d, G_BACKWARD, "derivative_second_moment", "backward", named["derivative_second_moment"],
                         wrong.get("backward_gain", STATED_GAINS.get((name, "backward"))))

    d.define(V(q_), G_FORWARD**2 * NormalE(PHI(z) ** 2, z, q_),
             "variance map V(q) = σ_w²·E[φ(√q·z)²] + σ_b² at σ_w = g, σ_b = 0 (Poole et al. 2016, eq. 3)")
    fixed = _map_at_one(d, FORWARD, G_FORWARD**2 * MOMENT["second_moment"], [g_exact, named["second_moment"]],
                        wrong.get("fixed_point", sp.Integer(1)), "V(1) = 1: q* = 1 is the fixed point")
    d.define(B(q_), G_BACKWARD**2 * NormalE(DPHI(z) ** 2, z, q_),
             "the gradient's second moment through one layer at σ_w = g' (fan_out): B(q) = g'²·E[φ'(√q·z)²]")
    backward = _map_at_one(d, BACKWARD, G_BACKWARD**2 * MOMENT["derivative_second_moment"],
                           [gp_exact, named["derivative_second_moment"]],
                           wrong.get("backward_fixed_point", sp.Integer(1)), "B(1) = 1: the gradient keeps its scale")
    d.define(CHI(q_), G_FORWARD**2 * NormalE(DPHI(z) ** 2, z, q_),
             "χ₁ = σ_w²·E[φ'(√q*·z)²] at σ_w = g (Schoenholz et al. 2017, eq. 5)")
    chi = _map_at_one(d, CHI1, G_FORWARD**2 * MOMENT["derivative_second_moment"],
                      [g_exact, named["derivative_second_moment"]], wrong.get("chi1"), "χ₁ at q* = 1")

    values = [_rhs(f) for f in (*moments.values(), g, gp, chi)]
    if None not in values:
        _controls(d, name, act, dict(zip(moments, values)), *values[3:])
    d.conclude(*moments.values(), g, gp, fixed, backward, chi)
    return d


def _controls(d: Derivation, name: str, act: Activation, m: dict, g, gp, chi) -> None:
    """The negative controls verify evaluates, each with a checked step showing how far it is from the truth."""
    kind = FORWARD_CONTROL.get(name)
    if kind is None:
        wrong = g**2 * (m["second_moment"] - m["mean"] ** 2)
        why = "1/√Var(φ(z)) taken for the gain: it claims E[φ²] = Var(φ(z)), so at g it predicts g²·Var(φ(z))"
    else:
        gc = torch_gain(act) if kind == "torch" else STATED_GAINS[("relu", "forward")]
        wrong = g**2 / gc**2
        why = (f"PyTorch's calculate_gain {sp.sstr(gc)} taken for the gain" if kind == "torch" else
               "the ReLU gain √2 taken for the identity's") + ": a gain g_c claims E[φ²] = 1/g_c², so at g it " \
                                                             "predicts g²/g_c²"
    d.control(wrong, FORWARD, why)
    _gap(d, wrong, 1, "forward control against V(1) = 1", g**2 * m["mean"] ** 2 if kind is None else None)
    if name in HOMOGENEOUS:
        return
    wrong = gp**2 * m["second_moment"]
    d.control(wrong, BACKWARD, "the forward gain used for gradients: it claims E[φ'²] = 1/g² = E[φ²], so at g' "
                               "it predicts g'²·E[φ²]")
    _gap(d, wrong, 1, "backward control against B(1) = 1")
    d.control(sp.Integer(1), CHI1, "χ₁ = 1: 'the gain puts the network at the edge of chaos'")
    _gap(d, sp.Integer(1), chi, "χ₁ = 1 against the derived χ₁")


def _register(name: str) -> None:
    derivation(f"gain.{name}")(functools.wraps(_build)(lambda: _build(name)))


for _name in BUILTINS:
    _register(_name)
