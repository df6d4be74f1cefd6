"""Issue 14: every digit ``gain`` prints agrees with a 30-digit mpmath reference written here.

The references integrate φ written as an mpmath function (not the parsed expression) against the
normal density at 30 digits; the fixed point is the 30-digit root of V(q) - q. A printed number with d
significant digits must be within one unit of its last digit of the reference (rounding of a value known
to ~1e-13 may move the last digit by one, never more). The analysis runs without a time limit, so a
loaded machine cannot turn a slow answer into a refusal here; the limit has its own tests.
"""
import json
import math

import mpmath
import pytest

from verify.cli import main
from verify.commands.gain import _rows, analyse

PHI = {  # name: (φ, φ')
    "tanh": (mpmath.tanh, lambda t: 1 - mpmath.tanh(t) ** 2),
    "sigmoid": (lambda t: 1 / (1 + mpmath.exp(-t)), lambda t: mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2),
    "softplus": (lambda t: mpmath.log1p(mpmath.exp(t)), lambda t: 1 / (1 + mpmath.exp(-t))),
    "sin(x)": (mpmath.sin, mpmath.cos),
    "atan(x)": (mpmath.atan, lambda t: 1 / (1 + t * t)),
    "x*sigmoid(x)": (lambda t: t / (1 + mpmath.exp(-t)),
                     lambda t: 1 / (1 + mpmath.exp(-t)) + t * mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2),
    "exp(x**2/8)": (lambda t: mpmath.exp(t * t / 8), lambda t: t / 4 * mpmath.exp(t * t / 8)),  # heavy, finite
    "exp(x)": (mpmath.exp, mpmath.exp),
    "elu": (lambda t: t if t > 0 else mpmath.expm1(t), lambda t: 1 if t > 0 else mpmath.exp(t)),
    "x*tanh(softplus(x))": (lambda t: t * mpmath.tanh(mpmath.log1p(mpmath.exp(t))), None),
}
PHI.update({
    "gelu": (lambda t: t * mpmath.ncdf(t), lambda t: mpmath.ncdf(t) + t * mpmath.npdf(t)),
    "mish": (lambda t: t * mpmath.tanh(mpmath.log1p(mpmath.exp(t))), None),
    "swish": (PHI["x*sigmoid(x)"][0], PHI["x*sigmoid(x)"][1]),
    "celu(0.5)": (lambda t: t if t > 0 else mpmath.expm1(2 * t) / 2, lambda t: 1 if t > 0 else mpmath.exp(2 * t)),
    "relu": (lambda t: max(t, 0), lambda t: 1 if t > 0 else 0),
})
for _c in ("1e-12", "1e-6", "1e6", "1e12"):
    PHI[f"{_c}*x"] = (lambda t, c=mpmath.mpf(_c): c * t, lambda t, c=mpmath.mpf(_c): c)

CASES = [  # expression, options of analyse
    ("tanh", {"q": 2.5}), ("tanh", {"q": 0.7}), ("tanh", {"q": 1000.0}), ("sin(x)", {"q": 100.0}),
    ("sigmoid", {}), ("sigmoid", {"q": 3000.0, "sigma_w": 1.5, "sigma_b": 0.3}),
    ("softplus", {"sigma_w": 0.9, "sigma_b": 0.1}), ("tanh", {"sigma_w": 1.5, "sigma_b": 0.1}),
    ("atan(x)", {"sigma_w": 2.0, "q": 0.3}), ("x*sigmoid(x)", {"sigma_w": 1.7, "sigma_b": 0.05}),
    ("exp(x**2/8)", {"sigma_w": 0.5}), ("exp(x)", {"sigma_w": 0.3}), ("elu", {"q": 3000.0}),
    ("1e-12*x", {}), ("1e-6*x", {"q": 3.0}), ("1e6*x", {}), ("1e12*x", {"q": 0.01}),
    ("gelu", {"sigma_w": 1.2, "sigma_b": 0.2}), ("mish", {"sigma_w": 1.2, "sigma_b": 0.05}), ("swish", {}),
    ("celu(0.5)", {"sigma_w": 1.4, "sigma_b": 0.4, "q": 0.2}), ("relu", {"sigma_w": 1.2, "sigma_b": 0.3}),
    ("1e-12*x", {"sigma_w": 5e11, "sigma_b": 0.3}), ("1e12*x", {"sigma_w": 5e-13, "sigma_b": 0.3}),
]


def _points(q):
    r = mpmath.sqrt(q)
    return sorted({-mpmath.inf, mpmath.inf, 0, -1, 1, -r, r, -8 * r, 8 * r})


def expect(f, q):
    """E[f(z)], z ~ N(0, q), at 30 digits; f is divided by its size near ±√q first (mpmath's tolerance is
    absolute: 1e-24·x² unscaled is integrated to about 6 digits)."""
    with mpmath.workdps(30):
        q = mpmath.mpf(q)
        r = mpmath.sqrt(q)
        scale = max(abs(f(r)), abs(f(-r)), abs(f(r / 8))) or 1
        return scale * mpmath.quad(lambda t: f(t) / scale * mpmath.exp(-t * t / (2 * q)), _points(q)) \
            / mpmath.sqrt(2 * mpmath.pi * q)


def _agrees(printed: str, reference) -> bool:
    """The printed number is within one unit of its last significant digit of the reference."""
    text = printed.split(" ")[0]
    if text == "0":  # an exact zero (a symmetric φ's mean): the reference is 0 to its own 30 digits
        return abs(reference) < 1e-25
    value = float(text)
    mantissa = text.lower().split("e")[0].lstrip("-")
    digits = len(mantissa.replace(".", "").lstrip("0")) or 1
    exponent = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    lead = mantissa.split(".")[0].lstrip("0")
    if lead:
        unit = 10.0 ** (len(lead) - digits + exponent)
    else:  # 0.00ddd
        unit = 10.0 ** (exponent - len(mantissa.split(".")[1]))
    return abs(value - float(reference)) <= unit * 1.000001


@pytest.mark.parametrize("expression, options", CASES, ids=[f"{e} {o}" for e, o in CASES])
def test_every_printed_digit_agrees_with_a_30_digit_reference(expression, options):
    phi, dphi = PHI[expression]
    record = analyse(expression, time_limit=None, depth=2, **options)
    shown = {row[0].split(",")[0]: row[1] for row in _rows(record)}
    q = mpmath.mpf(record["q"])
    sw, sb = mpmath.mpf(record["sigma_w"]), mpmath.mpf(record["sigma_b"])

    references = {"E[φ(z)]": expect(phi, q), "E[φ(z)²]": expect(lambda t: phi(t) ** 2, q)}
    if dphi is not None:
        references["E[φ'(z)²]"] = expect(lambda t: dphi(t) ** 2, q)
    for label, reference in references.items():
        key = next(k for k in shown if k.startswith(label))
        text = shown[key]
        if text.startswith("0 (|E| <= "):  # printed as zero to within a bound: the reference must be inside it
            assert abs(reference) <= float(text.split("<= ")[1].rstrip(")")), (label, reference)
        else:
            assert _agrees(text, reference), (label, text, mpmath.nstr(reference, 20))
    kind = record["fixed_point_kind"]
    if kind in ("attracting", "unstable", "neutral") and record["fixed_point"] > 0:
        with mpmath.workdps(30):
            def V(s):
                return sw**2 * expect(lambda t: phi(t) ** 2, s) + sb**2
            start = mpmath.mpf(record["fixed_point"])
            q_star = start if kind == "neutral" else mpmath.findroot(lambda s: V(s) - s, start, tol=1e-40)
        assert _agrees(shown["fixed point q*"], q_star), (shown["fixed point q*"], mpmath.nstr(q_star, 20))
        if record["fixed_point_bracket"] is not None:  # the enclosure holds the 30-digit root
            low, high = record["fixed_point_bracket"]
            assert low <= q_star <= high, (low, high, q_star)
        if dphi is not None:
            chi = sw**2 * expect(lambda t: dphi(t) ** 2, q_star)
            assert _agrees(shown["χ₁ = σ_w²·E[φ'(√q* z)²]"], chi), (shown["χ₁ = σ_w²·E[φ'(√q* z)²]"], chi)


@pytest.mark.parametrize("c", ["1e-12", "1e-9", "1e-6", "1e6", "1e12"])
def test_a_scaled_identity_at_its_gain_keeps_every_q_and_chi1_is_1(c):
    record = analyse(f"{c}*x", time_limit=None, depth=3)
    assert record["sigma_w"] == pytest.approx(1 / float(c), rel=1e-15)
    assert record["check"]["expected"] == pytest.approx(1.0, rel=1e-13)  # V(1) = 1 (it was 1.0458 at 1e-9)
    assert record["fixed_point"] == pytest.approx(1.0, rel=1e-13)
    assert record["chi1"] == pytest.approx(1.0, rel=1e-13)
    assert record["deep"]["infinite_width"] == pytest.approx(1.0, rel=1e-12)
    assert record["check"]["verdict"] == "pass"


def test_tanh_at_sigma_w_1_is_exactly_critical_in_json(capsys):
    code = main(["gain", "tanh", "--sigma-w", "1", "--sigma-b", "0", "--depth", "2", "--format", "json",
                 "--time-limit", "600"])
    record = json.loads(capsys.readouterr().out)
    assert code == 0
    assert record["fixed_point"] == 0 and record["fixed_point_kind"] == "critical" and record["chi1"] == 1


def test_relu_iterates_have_no_ceiling():
    record = analyse("relu", sigma_w=2.0, depth=100, time_limit=None)
    assert record["deep"]["infinite_width"] == pytest.approx(2.0**100, rel=1e-13)  # was stuck at 1.1e12
    record = analyse("relu", sigma_w=3.0, depth=1000, time_limit=None)
    assert record["deep"]["infinite_width"] is None  # 4.5^1000 ≈ 10^653 is beyond float64: given by its log
    assert record["deep"]["infinite_width_log10"] == pytest.approx(1000 * math.log10(4.5), rel=1e-12)


def test_a_moment_beyond_float64_is_reported_by_its_logarithm():
    with pytest.raises(ValueError, match=r"E\[φ\(z\)\] = 10\^889\.435") as info:
        analyse("exp(x)**64", time_limit=None)  # E[e^(64 z)] = e^2048 = 10^889.435 (and E[φ²] = e^8192)
    assert "may be infinite" not in str(info.value)


def test_json_is_never_an_internal_error_on_inf(capsys):
    code = main(["gain", "softplus", "--sigma-w", "1000", "--q", "1e4", "--depth", "3", "--format", "json",
                 "--time-limit", "600"])
    out, err = capsys.readouterr()
    assert "internal error" not in err and code in (0, 1), err
    json.loads(out)


def test_an_infinite_moment_is_refused_before_integrating():
    with pytest.raises(ValueError, match="infinite") as info:
        analyse("exp(exp(x))", time_limit=None)
    # one statement, in words: not "is infinite ... may be infinite", not sympy's `oo`
    assert "faster than any multiple of x²" in str(info.value) and "oo" not in str(info.value)
    assert "may be" not in str(info.value)
    with pytest.raises(ValueError, match=r"decays only like \|x\|\^0"):  # the boundary case: φ² e^(-x²/2) → 1
        analyse("exp(x**2/4)", time_limit=None)


def test_the_time_limit_names_the_stage_and_the_limit(capsys):
    code = main(["gain", "--time-limit", "0.05", "--", "x*tanh(softplus(x)) + 0.5*x"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "ran past the time limit of 0.05 s" in err and "stage '" in err
