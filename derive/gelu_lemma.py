"""The GELU lemma: E[(zΦ(z))²] = 1/3 + √3/(6π) for z ~ N(0, 1), by integration by parts.

sympy does not find E[z²Φ(z)²] (it returns the integral unevaluated after 45 s); the lemma reduces it to
terms sympy integrates, each step checked by the kernel. gain.gelu adds these steps to its own derivation,
and the moments of a typed GELU take their values from here.
"""
from __future__ import annotations

import sympy as sp

from .derivation import Derivation
from .kernel import NormalE

__all__ = ["z", "Phi", "pdf", "CDF", "DENSITY", "GELU_SECOND_MOMENT", "GELU_MOMENTS", "gelu_lemma",
           "gelu_second_moment_lemma"]

z = sp.Symbol("z", real=True)
"""The standard normal variable of every Gaussian moment the derivations state."""
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


def gelu_lemma(d: Derivation, value=GELU_SECOND_MOMENT):
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
    """E[(zΦ(z))²] = 1/3 + √3/(6π), every step checked by the kernel (see ``gelu_lemma``).

    With ``d`` the steps are added to that derivation (gain.gelu reuses them); without, a standalone
    derivation that concludes the lemma. ``value`` is the value stated (a wrong one fails).
    """
    if d is not None:
        gelu_lemma(d, value)
        return d
    d = Derivation("gain.gelu.lemma", "E[(zΦ(z))²] = 1/3 + √3/(6π)", scope="z ~ N(0, 1)")
    d.conclude(gelu_lemma(d, value))
    return d
