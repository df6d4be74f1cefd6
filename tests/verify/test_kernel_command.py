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
