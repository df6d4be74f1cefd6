"""The gains of an activation φ and the derivations gain.<name> of the built-ins.

Forward gain g = 1/√E[φ(z)²] and backward gain g' = 1/√E[φ'(z)²], z ~ N(0, 1): a layer with
Var(W) = g²/fan_in maps a unit second moment of its pre-activations to 1 (Var(W) = g'²/fan_out does
the same for the gradient), generalising He et al. (2015, eqs. 10 and 13) from ReLU to any φ. For a
built-in, the moments, gains and χ₁ are read from the conclusion of its derivation gain.<name>, built
on the trusted kernel below, which verify reads too.

The activations are in ``derive.catalogue``, their Gaussian moments in ``derive.moments``, the variance
map, fixed point and χ₁ away from q = 1 in ``derive.meanfield``, the GELU lemma in ``derive.gelu_lemma``.
"""
from __future__ import annotations

import dataclasses
import functools

import mpmath
import sympy as sp

from .catalogue import BUILTINS, PARAMETER_NOTES, Activation, a, alpha, builtin, lam, torch_gain, x
from .derivation import Derivation
from .gelu_lemma import CDF, DENSITY, GELU_MOMENTS, GELU_SECOND_MOMENT, gelu_lemma, z
from .kernel import NormalE
from .gaussian_moments import MOMENT_NAMES, QUADRATURE_DIGITS, Moment, moment, simplify_capped
from .pieces import pieces
from .registry import derivation, get
from .render import name_text

# Re-exported: verify/report.py (activation, variance_iterates) and tests/numeric/test_gain_torch.py
# (TORCH_GAINS) still import them from here; they live in derive.catalogue and derive.meanfield.
from .catalogue import TORCH_GAINS, activation  # noqa: E402
from .meanfield import variance_iterates  # noqa: E402

__all__ = [
    # the gains of any activation
    "forward_gain", "backward_gain",
    # what the derivations gain.<name> conclude, and the left sides verify evaluates
    "gain_result", "GainResult", "concluded_moment", "control_lhs",
    "MOMENT", "G_FORWARD", "G_BACKWARD", "FORWARD", "BACKWARD", "CHI1", "CHECKS",
    # re-exported from derive.catalogue and derive.meanfield for callers outside this topic
    "TORCH_GAINS", "activation", "variance_iterates",
]


def _gain(m: Moment) -> sp.Expr:
    if m.exact:
        return simplify_capped(1 / sp.sqrt(m.value))
    return sp.Float(1 / mpmath.sqrt(mpmath.mpf(m.value)), 20)


def forward_gain(act: Activation) -> sp.Expr:
    """g = 1/√E[φ(z)²], z ~ N(0, 1): Var(W) = g²/fan_in keeps E[z_l²] = 1 (exact, or a Float from quadrature)."""
    return _gain(moment(act, "second_moment"))


def backward_gain(act: Activation) -> sp.Expr:
    """g' = 1/√E[φ'(z)²], z ~ N(0, 1): Var(W) = g'²/fan_out keeps the gradient's second moment."""
    return _gain(moment(act, "derivative_second_moment"))


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


def concluded_moment(name: str, kind: str) -> Moment:
    """A built-in's moment at q = 1 as the derivation gain.<name> concludes it (built once, then reused)."""
    result = gain_result(name)
    value = result.moments[kind]
    if value.has(sp.Float):
        return Moment(MOMENT_NAMES[kind], value, "quadrature", None, None,
                      f"mpmath quadrature in the derivation gain.{name}")
    method = ("lemma" if name == "gelu" and kind != "mean" else
              "symmetry" if name in ODD_PART and kind == "mean" else "closed form")
    return Moment(MOMENT_NAMES[kind], value, method, result.formulas[kind], None, f"the derivation gain.{name}")


def _define_phi(d: Derivation, act: Activation) -> None:
    """φ(x) and φ'(x): the formula, or for a piecewise φ the same function written with the step θ."""
    if act.name == "gelu":
        d.define(PHI(x), x * CDF(x), f"definition ({act.source})")
        d.identity(PHI(x), act.formula, "the erf form that numeric evaluates")
        d.define(DPHI(x), CDF(x) + x * DENSITY(x), "the stated derivative")
        d.identity(sp.Derivative(PHI(x), x), DPHI(x), "product rule: (xΦ)' = Φ + xϕ")
        return
    parts = pieces(act.formula)
    if len(parts) == 1:
        d.define(PHI(x), act.formula, f"definition ({act.source})" if act.source else "definition")
        d.define(DPHI(x), sp.diff(act.formula, x), "the stated derivative")
        d.identity(sp.Derivative(PHI(x), x), DPHI(x), "φ' is the derivative of φ at every x")
        return
    (g_neg, lo, mid), (g_pos, mid2, hi) = parts
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
    lemma = gelu_lemma(d, wrong.get("second_moment", GELU_SECOND_MOMENT)) if name == "gelu" else None
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
