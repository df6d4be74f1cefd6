"""Issue 14: the error bounds of q*, χ₁ and the critical σ_w hold a 30-digit reference and are not vacuous.

derive.meanfield encloses q* in [low, high] by sign checks of V(q) - q beyond the quadrature's error, bounds
χ₁ over that bracket by Cauchy-Schwarz on the likelihood ratio (χ² divergence of two centred Gaussians),
and encloses the critical σ_w the same way. Each test compares with references written here: φ as an
mpmath function, integrated against the normal density at 30 digits, roots found at 30 digits. A bound must
hold the reference (it is not too small) and be within 1e3 of the true error or of 1e-13 relative (it is
not vacuous); the printed value must be the reference rounded.
"""
import mpmath
import pytest
import sympy as sp

from derive import meanfield as F
from derive.catalogue import activation, builtin
from verify.commands.gain_table import _certain

SELU = dict((str(k), mpmath.mpf(str(v))) for k, v in builtin("selu").parameters)


def _sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


PHI = {  # name as gain reads it: (φ, φ') as mpmath functions, written from the published formulas
    "relu": (lambda t: max(t, 0), lambda t: 1 if t > 0 else 0),
    "leaky_relu(0.2)": (lambda t: t if t > 0 else t / 5, lambda t: 1 if t > 0 else mpmath.mpf(1) / 5),
    "tanh": (mpmath.tanh, lambda t: 1 / mpmath.cosh(t) ** 2),
    "sigmoid": (_sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t))),
    "softplus": (lambda t: mpmath.log1p(mpmath.exp(t)), _sigmoid),
    "gelu": (lambda t: t * mpmath.ncdf(t), lambda t: mpmath.ncdf(t) + t * mpmath.npdf(t)),
    "silu": (lambda t: t * _sigmoid(t), lambda t: _sigmoid(t) * (1 + t * (1 - _sigmoid(t)))),
    "swish": (lambda t: t * _sigmoid(t), lambda t: _sigmoid(t) * (1 + t * (1 - _sigmoid(t)))),
    "mish": (lambda t: t * mpmath.tanh(mpmath.log1p(mpmath.exp(t))),
             lambda t: mpmath.tanh(mpmath.log1p(mpmath.exp(t)))
             + t * _sigmoid(t) / mpmath.cosh(mpmath.log1p(mpmath.exp(t))) ** 2),
    "elu": (lambda t: t if t > 0 else mpmath.expm1(t), lambda t: 1 if t > 0 else mpmath.exp(t)),
    "celu(0.5)": (lambda t: t if t > 0 else mpmath.expm1(2 * t) / 2, lambda t: 1 if t > 0 else mpmath.exp(2 * t)),
    "selu": (lambda t: SELU["lambda"] * (t if t > 0 else SELU["alpha"] * mpmath.expm1(t)),
             lambda t: SELU["lambda"] * (1 if t > 0 else SELU["alpha"] * mpmath.exp(t))),
    "tanh(x) + 0.3": (lambda t: mpmath.tanh(t) + mpmath.mpf("0.3"), lambda t: 1 / mpmath.cosh(t) ** 2),
}
for _c in ("1e-12", "1e-6", "1e6", "1e12"):
    PHI[f"{_c}*x"] = (lambda t, c=mpmath.mpf(_c): c * t, lambda t, c=mpmath.mpf(_c): c)

CASES = [  # name, σ_w, σ_b, q0
    ("relu", 1.2, 0.3, 1.0), ("leaky_relu(0.2)", 1.3, 0.5, 2.0), ("tanh", 1.5, 0.1, 1.0), ("tanh", 3.0, 0.0, 0.5),
    ("sigmoid", 1.84623, 0.0, 1.0), ("sigmoid", 4.0, 0.5, 10.0), ("softplus", 0.9, 0.1, 1.0),
    ("gelu", 1.2, 0.2, 1.0), ("silu", 1.2, 0.3, 3.0), ("swish", 1.0, 1.0, 1.0), ("mish", 1.2, 0.05, 1.0),
    ("elu", 1.2, 0.2, 1.0), ("selu", 1.0, 0.3, 1.0), ("celu(0.5)", 1.4, 0.4, 0.2), ("tanh(x) + 0.3", 2.0, 0.0, 1.0),
] + [(f"{c}*x", 0.5 / float(c), 0.3, 1.0) for c in ("1e-12", "1e-6", "1e6", "1e12")]


def expect(f, q):
    """E[f(z)], z ~ N(0, q), at 30 digits, split at the kinks and at the scale of q; f is divided by its size
    at ±√q first (mpmath's tolerance is absolute: 1e-24·x² would be integrated to 6 digits only)."""
    with mpmath.workdps(30):
        q = mpmath.mpf(q)
        r = mpmath.sqrt(q)
        scale = max(abs(f(r)), abs(f(-r)), abs(f(r / 8))) or 1
        points = [-mpmath.inf, -8 * r, -r, 0, r, 8 * r, mpmath.inf]
        return scale * mpmath.quad(lambda t: f(t) / scale * mpmath.exp(-t * t / (2 * q)), points) \
            / mpmath.sqrt(2 * mpmath.pi * q)


def _rounds_to(printed: str, reference) -> bool:
    """The printed string is the reference rounded to the printed number of significant digits."""
    return any(f"{float(reference):.{d}g}" == printed for d in range(1, 17))


def _not_vacuous(half_width, error, reference) -> bool:
    return half_width <= 1e3 * max(abs(error), 1e-13 * abs(reference))


def test_the_chi_square_closed_form_derived_with_sympy():
    """χ²(N(0, a) ‖ N(0, b)) = ∫ p_a²/p_b - 1 = b/√(a(2b - a)) - 1 for a < 2b, and the stable form in
    derive.meanfield.chi_square (t = (a - b)/b) is the same function."""
    u, a, b, s = sp.symbols("u a b s", positive=True)
    p = lambda v: sp.exp(-u**2 / (2 * v)) / sp.sqrt(2 * sp.pi * v)  # noqa: E731
    ratio = sp.simplify(p(a) ** 2 / p(b))  # exponent -u²·(1/a - 1/(2b)): integrable iff s = 1/a - 1/(2b) > 0
    ratio = sp.powsimp(sp.simplify(ratio.subs(a, 1 / (s + 1 / (2 * b)))), combine="exp")
    assert not ratio.has(a) and ratio.has(sp.exp(-s * u**2))
    closed = sp.integrate(ratio, (u, -sp.oo, sp.oo)).subs(s, 1 / a - 1 / (2 * b)) - 1
    stated = b / sp.sqrt(a * (2 * b - a)) - 1
    assert sp.simplify(closed - stated) == 0
    t = (a - b) / b
    stable = t**2 / (sp.sqrt(1 - t**2) * (1 + sp.sqrt(1 - t**2)))
    assert sp.simplify((stable - stated).subs({a: sp.Rational(9, 10), b: 1})) == 0
    assert sp.simplify((stable - stated).subs({a: sp.Rational(13, 10), b: 1})) == 0
    for av, bv in [(1.0000000000001, 1.0), (0.7, 0.6), (2.5, 2.0)]:  # binary floats, exactly as given
        with mpmath.workdps(40):
            reference = mpmath.mpf(bv) / mpmath.sqrt(mpmath.mpf(av) * (2 * mpmath.mpf(bv) - mpmath.mpf(av))) - 1
        assert abs(F.chi_square(av, bv) - reference) <= 1e-14 * reference
    assert F.chi_square(2, 1) == mpmath.inf


def test_the_shift_bound_is_tight_for_a_square():
    """φ = x²/2 has φ'² = x², E_s[x²] = s: the largest change over [q(1 - δ), q(1 + δ)] is q·δ and the
    Cauchy-Schwarz bound is √3·q·δ/√2 (E[z⁴] = 3q²). It holds the change, and a bound 100x smaller would not."""
    act = activation("x**2/2")
    for q, delta in [(1.0, 1e-3), (2.5, 1e-6), (0.3, 1e-9)]:
        value, bound = F.moment_shift(act, "derivative_second_moment", q, q * (1 - delta), q * (1 + delta))
        assert float(value) == pytest.approx(q, rel=1e-14)
        change = q * delta
        assert change <= bound < 100 * change, (q, delta, bound, change)


@pytest.mark.parametrize("name, sigma_w, sigma_b, q0", CASES, ids=[f"{c[0]} {c[1]:g} {c[2]:g}" for c in CASES])
def test_q_star_and_chi1_bounds_hold_the_30_digit_reference(name, sigma_w, sigma_b, q0):
    phi, dphi = PHI[name]
    act = activation(name)
    fixed = F.fixed_point(act, sigma_w, sigma_b, q0)
    assert fixed.kind in ("attracting", "unstable") and fixed.low is not None, fixed
    with mpmath.workdps(30):
        sw, sb = mpmath.mpf(sigma_w), mpmath.mpf(sigma_b)
        q_ref = mpmath.findroot(lambda s: sw**2 * expect(lambda t: phi(t) ** 2, s) + sb**2 - s,
                                mpmath.mpf(fixed.q), tol=1e-50)
        chi_ref = sw**2 * expect(lambda t: dphi(t) ** 2, q_ref)
    assert fixed.low <= q_ref <= fixed.high, (fixed, q_ref)
    assert _not_vacuous((fixed.high - fixed.low) / 2, fixed.q - q_ref, q_ref), (fixed, q_ref)
    assert _rounds_to(_certain(fixed.q, fixed.low, fixed.high), q_ref)
    chi, bound = F.chi1_bound(act, sigma_w, fixed)
    assert abs(chi - chi_ref) <= bound, (chi, bound, chi_ref)
    assert _not_vacuous(bound, chi - chi_ref, chi_ref), (chi, bound, chi_ref)
    assert _rounds_to(_certain(chi, chi - bound, chi + bound), chi_ref)


@pytest.mark.parametrize("name", ["sigmoid", "tanh(x) + 0.3"])
def test_critical_sigma_w_bracket_holds_the_30_digit_reference(name):
    phi, dphi = PHI[name]
    found = F.critical_sigma_w(activation(name))
    assert not found.exact and found.low < float(found) < found.high
    with mpmath.workdps(30):
        q = mpmath.findroot(lambda s: s * expect(lambda t: dphi(t) ** 2, s) - expect(lambda t: phi(t) ** 2, s),
                            mpmath.mpf(found.q), tol=1e-50)
        reference = mpmath.sqrt(q / expect(lambda t: phi(t) ** 2, q))
    assert found.low <= reference <= found.high, (found, reference)
    assert _not_vacuous((found.high - found.low) / 2, float(found) - reference, reference), (found, reference)
    assert _rounds_to(_certain(float(found), found.low, found.high), reference)


def test_a_bracket_100x_narrower_is_not_supported_by_the_sign_checks():
    """The bracket is the narrowest the evidence supports: at a 100th of its half-width, V(q) - q is within
    its error bound at an end (so no sign there is certain), for an attracting and an unstable q*."""
    for name, sigma_w, sigma_b in [("tanh", 1.5, 0.1), ("gelu", 1.2, 0.2)]:
        act = activation(name)
        fixed = F.fixed_point(act, sigma_w, sigma_b)
        half = (fixed.high - fixed.low) / 2 / 100
        certain = []
        for q in (fixed.q - half, fixed.q + half):
            m, error = F.bounded_moment(act, "second_moment", q)
            gap = sigma_w**2 * m + sigma_b**2 - q
            certain.append(abs(gap) > sigma_w**2 * error)
        assert not all(certain), (name, fixed)
