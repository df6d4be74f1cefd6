"""``python -m verify kernel EXPR``: the tanh critical line, ReLU's missing one, the JSON contract, the README's
table and block recomputed, refusals with one line and exit 2."""
import json
import math
import re
from pathlib import Path

import pytest

from verify.cli import main
from verify.commands.kernel import analyse

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 100


@pytest.fixture(autouse=True)
def columns(monkeypatch):
    """Tables read here are laid out at the README's 100 columns, whatever terminal (or none) runs the tests."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))


def run(capsys, *argv):
    code = main(["kernel", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_tanh_critical_line_at_zero_bias_is_sigma_w_one(capsys):
    code, out, _ = run(capsys, "tanh", "--sigma-b", "0", "--format", "json")
    record = json.loads(out)
    assert code == 0 and record["critical"]["sigma_w"] == 1.0 and record["critical"]["mpmath"] == 1.0


def test_critical_sigma_w_agrees_with_the_independent_30_digit_root():
    crit = analyse("tanh", 1.0, math.sqrt(0.05), 1)["critical"]
    assert crit["error"] < 1e-12 and abs(crit["sigma_w"] - crit["mpmath"]) == crit["error"]


def test_relu_has_no_critical_curve_with_bias_and_says_why():
    crit = analyse("relu", 1.2, 0.3, 1)["critical"]
    assert crit["sigma_w"] is None and "σ_w²/2" in crit["how"]


def test_relu_without_bias_at_its_gain_drives_every_correlation_towards_one():
    r = analyse("relu", math.sqrt(2), 0.0, 200)
    assert r["phase"] == "critical"
    after = r["correlation_after_depth"]
    assert all(0.999 < after[c0] < 1 for c0 in after)


def test_json_keeps_full_precision(capsys):
    code, out, _ = run(capsys, "tanh", "--sigma-w", "1.5", "--sigma-b", "0.3", "--format", "json")
    record = json.loads(out)
    assert code == 0 and len(repr(record["critical"]["sigma_w"])) > 15
    assert record["map_quadrature_error"] is not None and record["map_quadrature_error"] < 1e-6


@pytest.mark.parametrize("expr", ["tanh", "relu", "x*tanh(softplus(x))"])
def test_table_fits_100_columns(capsys, expr):
    code, out, _ = run(capsys, expr, "--sigma-w", "1.2", "--sigma-b", "0.3")
    assert code == 0 and max(len(line) for line in out.splitlines()) <= WIDTH


def _readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_critical_table_is_recomputed_digit_for_digit():
    rows = re.findall(r"^\| (0\.\d+) \| (\d\.\d{8}) \| (\d\.\d{8}) \|", _readme(), re.MULTILINE)
    assert len(rows) == 4
    for b2, w2, q in rows:
        crit = analyse("tanh", 1.0, math.sqrt(float(b2)), 1)["critical"]
        assert f"{crit['sigma_w2']:.8f}" == w2 and f"{crit['mpmath_sigma_w2']:.8f}" == w2
        assert f"{crit['q_star']:.8f}" == q


def test_readme_block_is_the_real_output(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")   # the README shows a 100-column terminal (tests/test_readme.py)
    block = re.search(r"```\n\$ python -m verify kernel (.+?)\n(.*?)```", _readme(), re.DOTALL)
    args = block.group(1).split()
    code, out, _ = run(capsys, *args)
    assert code == 0 and out == block.group(2)


@pytest.mark.parametrize("argv, word", [
    (["x**"], "syntax"),
    (["tanh", "--depth", "0"], "depth"),
    (["tanh", "--sigma-w", "0"], "sigma-w"),
    (["tanh", "--sigma-b", "nan"], "sigma-b"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, word):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and word in err


def test_finite_width_run_is_shown_not_judged():
    fw = analyse("tanh", 1.5, 0.3, 5)["finite_width"]
    assert fw["judged"] is False and fw["depth"] == 5 and fw["stderr"] > 0
    assert fw["deviation"] == pytest.approx(fw["estimate"] - fw["infinite_width"])


def test_relu_at_its_gain_is_exactly_critical_with_c_star_1(capsys):
    """σ_w = √2, σ_b = 0: χ₁ = σ_w²/2 = 1 at every q, so c = 1 is the fixed point with χ_c = 1 and ξ_c = ∞
    (iterating C from 0 for a fixed number of steps gave 0.9999998892, χ_c = 0.99985, ξ_c = 6672.62)."""
    record = analyse("relu")
    assert record["phase"] == "critical" and record["c_star"] == 1 and record["chi_c"] == 1
    assert record["xi_c"] == "inf"
    crit = record["critical"]
    assert crit["sigma_w"] == pytest.approx(2**0.5, rel=1e-15) and crit["error"] is None
    assert "homogeneous" in crit["how"] and crit["q_star"] is None
    code, out, _ = run(capsys, "relu")
    rows = {line[:24].strip(): line for line in out.splitlines()}
    assert code == 0 and "0e+00" not in out and "φ'(0)" not in out
    assert rows["ξ_c = -1/ln χ_c"].split()[4] == "∞"


def test_odd_phi_without_bias_in_the_chaotic_phase_has_c_star_exactly_0():
    record = analyse("tanh", 2.0, 0.0)
    assert record["phase"] == "chaotic" and record["c_star_exact_zero"]
    low, high = record["c_star_bracket"]
    assert low == 0 and high < 1e-12


@pytest.mark.parametrize("expression, sigma_w, sigma_b", [("gelu", None, 0.0), ("tanh", 1.5, 0.3),
                                                           ("erf(x)", 2.0, 0.1)])
def test_c_star_below_1_is_where_the_iteration_goes(expression, sigma_w, sigma_b):
    """c* is found by bisection on certain signs; iterating C from 0 and from 0.9 (another route) for
    enough layers that χ_c^L < 1e-14 ends inside the bracket."""
    from numeric import correlation as N

    record = analyse(expression, sigma_w, sigma_b)
    assert record["phase"] == "chaotic" and 0 < record["c_star"] < 1
    low, high = record["c_star_bracket"]
    assert low <= record["c_star"] <= high and high - low < 1e-6  # Gauss-Hermite estimates: ~1e-8 wide
    layers = int(math.log(1e-14) / math.log(record["chi_c"])) + 1
    from verify.commands.kernel import _nonlinearity
    from derive import catalogue as A
    act = A.activation(expression)
    nl, _ = _nonlinearity(act, A.recognize(act))
    ends = N.correlation_iterates(nl, [0.0, 0.9], record["q_star"], record["sigma_w"], sigma_b, layers)[-1]
    assert all(low - 1e-12 <= c <= high + 1e-12 for c in ends), (ends, low, high)


def test_iterates_are_printed_to_the_digits_their_error_bound_leaves(capsys):
    """tanh's map is by Gauss-Hermite (error ~1e-9): c after L layers shows fewer than 10 digits, and each
    shown value lies within the bound ε·(1 + χ₁ + ... + χ₁^(L-1)) of the mpmath-free value in the JSON."""
    record = analyse("tanh", 1.5, 0.3, depth=10)
    bound = record["map_quadrature_error"] * sum(record["chi1"] ** k for k in range(10))
    assert bound > 1e-12
    code, out, _ = run(capsys, "tanh", "--sigma-w", "1.5", "--sigma-b", "0.3")
    shown = {line.split("c₀ = ")[1].split()[0]: line.split()[7] for line in out.splitlines()
             if line.startswith("c after")}
    for c0, value in record["correlation_after_depth"].items():
        text = shown[c0]
        digits = len(text.replace("0.", "", 1).lstrip("0").replace(".", ""))
        assert digits < 10 and abs(float(text) - value) <= 0.5 * 10 ** (math.floor(math.log10(abs(value))) - digits + 1)
        assert abs(float(text) - value) <= bound + 0.5 * 10 ** (math.floor(math.log10(abs(value))) - digits + 1)


def test_without_a_fixed_point_the_depth_rows_say_why_they_are_empty(capsys):
    code, out, _ = run(capsys, "relu", "--sigma-b", "0.1")
    row = next(line for line in out.splitlines() if line.startswith("c after"))
    assert code == 0 and "not defined" in row and "—" in row
