"""Derivations of the correlation map: the ReLU arc-cosine kernel and the erf kernel, each from one-dimensional
Gaussian integrals the kernel carries out; a wrong integral, a wrong closed form or a wrong antiderivative fails."""
import math

import pytest
import sympy as sp

from derive import correlation as D
from derive import registry
from derive.derivation import Derivation

STATUS = {
    "kernel.relu": ("proved given 2 assumptions", {"bivariate normal", "the mean-field layer map"}),
    "kernel.erf": ("proved given 2 assumptions", {"Price's theorem", "the mean-field layer map"}),
}


@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_derivation_status_and_its_named_assumptions(assert_status, claim_id):
    assert_status(claim_id, *STATUS[claim_id])


@pytest.mark.parametrize("claim_id", sorted(STATUS))
def test_controls_differ_from_the_closed_forms(controls_equal_to_closed_forms, claim_id):
    assert controls_equal_to_closed_forms(claim_id) == set()


@pytest.mark.parametrize("c", [-0.9, -0.3, 0.0, 0.4, 0.95])
def test_relu_conclusion_is_the_arc_cosine_kernel_with_theta_arccos_c(c):
    d = registry.get("kernel.relu")
    sign = "0" if c == 0 else "+" if c > 0 else "-"
    form = d.closed_form(D.RELU_LAYER[sign])
    values = {D.q1: 0.7, D.q2: 1.9, D.sigma_w: 1.3, D.sigma_b: 0.2}
    if c:
        values[D.tp if c > 0 else D.tn] = c / math.sqrt(1 - c * c)
    got = float(form.xreplace(values))
    theta = math.acos(c)
    want = 1.3**2 * math.sqrt(0.7 * 1.9) * (math.sin(theta) + (math.pi - theta) * c) / (2 * math.pi) + 0.2**2
    assert got == pytest.approx(want, rel=1e-14)


@pytest.mark.parametrize("q12", [-0.8, 0.0, 0.5])
def test_erf_conclusion_is_williams_kernel(q12):
    q1, q2 = 1.1, 0.9
    d = registry.get("kernel.erf")
    x = 2 * q12 / math.sqrt((1 + 2 * q1) * (1 + 2 * q2))
    got = float(d.closed_form(D.ERF_LAYER).xreplace({D.t: x / math.sqrt(1 - x * x), D.sigma_w: 1.0, D.sigma_b: 0}))
    assert got == pytest.approx(2 / math.pi * math.asin(x), rel=1e-14, abs=1e-300)


def test_relu_wrong_outer_integral_is_rejected():
    d = Derivation("test.relu", "a wrong arc-cosine kernel")
    right = D.sp.sqrt(D.q1) * D.z1 * D._inner_value(D.t)
    wrong_value = sp.sqrt(D.q1 * D.q2) * (D.t * sp.pi / 2 + D.t * sp.atan(D.t)) / (2 * sp.pi * D.SQRT)  # the sin θ lost
    fact = d.gaussian_on(right, D.z1, 0, sp.oo, wrong_value, "the 1/√(1+t²) term dropped")
    assert fact.status == "failed"


def test_relu_wrong_inner_integral_is_rejected():
    d = Derivation("test.relu", "a wrong inner integral")
    wrong = D._inner_value(D.t) - sp.sqrt(D.q2) / (sp.sqrt(2 * sp.pi) * D.SQRT)     # the density term dropped
    assert d.gaussian_on(D._u2(D.t), D.z2, -D.t * D.z1, sp.oo, wrong, "bΦ... forgotten").status == "failed"


def test_erf_wrong_antiderivative_is_rejected():
    d = Derivation("test.erf", "arcsin without its factor 2")
    big = sp.Symbol("D", positive=True)
    s = D.s
    rho_in = sp.sqrt(big) * D.t / (2 * D.SQRT)
    fact = d.identity(sp.Integral(4 / (sp.pi * sp.sqrt(big - 4 * s**2)), (s, 0, rho_in)),
                      2 / sp.pi * sp.asin(rho_in / sp.sqrt(big)), "wrong")
    assert fact.status == "failed"


def test_relu_slope_at_one_is_chi1():
    d = registry.get("kernel.relu")
    limits = [s for s in d.steps if s.method == "limit"]
    assert limits and all(s.status == "proved" for s in limits)
    assert limits[0].expr.rhs == D.sigma_w**2 / 2
