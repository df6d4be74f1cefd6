"""derive.gelu_lemma: E[(zΦ(z))²] = 1/3 + √3/(6π), proved by kernel checks only; a wrong step is rejected."""
import mpmath
import sympy as sp

from derive.derivation import Derivation
from derive.gelu_lemma import CDF, DENSITY, GELU_MOMENTS, GELU_SECOND_MOMENT, Phi, gelu_second_moment_lemma, pdf, z
from derive.kernel import CHECKING_RULES, NormalE


REFERENCE_DPS = 40
AGREEMENT = mpmath.mpf("1e-28")


def agrees_with_quadrature(value, f):
    """|value - E[f(z)]| <= 1e-28·E[f(z)], z ~ N(0, 1), E by mpmath at 40 digits (a reference written here)."""
    with mpmath.workdps(REFERENCE_DPS):
        reference = mpmath.quad(lambda t: f(t) * mpmath.npdf(t), [-mpmath.inf, 0, mpmath.inf])
        return abs(mpmath.mpf(sp.N(value, REFERENCE_DPS)) - reference) <= AGREEMENT * reference


def test_lemma_is_proved_by_kernel_checks_only_and_matches_quadrature():
    d = gelu_second_moment_lemma()
    assert d.status == "proved", d.verdict.reasons
    assert d.assumptions == [] and d.uses == []
    assert {s.method for s in d.steps} <= CHECKING_RULES | {"definition", "rewrite", "chain", "conclusion"}
    assert d.result == sp.Eq(NormalE((z * CDF(z)) ** 2, z, 1), sp.Rational(1, 3) + sp.sqrt(3) / (6 * sp.pi))
    assert agrees_with_quadrature(d.closed_form(), lambda t: (t * mpmath.ncdf(t)) ** 2)


def test_gelu_derivative_moment_matches_quadrature():
    assert agrees_with_quadrature(GELU_MOMENTS["derivative_second_moment"],
                                  lambda t: (mpmath.ncdf(t) + t * mpmath.npdf(t)) ** 2)
    assert not agrees_with_quadrature(GELU_SECOND_MOMENT, lambda t: (mpmath.ncdf(t) + t * mpmath.npdf(t)) ** 2)


def test_a_wrong_lemma_value_fails_the_lemma():
    wrong = sp.Rational(1, 3) + sp.sqrt(3) / (3 * sp.pi)  # E[zΦϕ] counted twice
    assert gelu_second_moment_lemma(value=wrong).status == "failed"
    assert gelu_second_moment_lemma(value=GELU_SECOND_MOMENT).status == "proved"


def test_a_wrong_integration_by_parts_is_rejected():
    """Without the boundary term the pointwise identity behind the lemma is false, and the kernel says so."""
    d = Derivation("gain.gelu.wrong", "Stein's identity without its boundary term")
    d.define(DENSITY(z), pdf, "density")
    d.define(CDF(z), Phi, "CDF")
    assert d.identity((z * CDF(z)) ** 2, CDF(z) ** 2 + DENSITY(z) ** 2, "no boundary").status == "failed"
    assert d.gaussian(z * Phi * pdf, z, sp.sqrt(3) / (6 * sp.pi), "E[zΦϕ], a factor 2 too many").status == "failed"
