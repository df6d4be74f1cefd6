"""``python -m verify gain EXPR``: numbers against independent quadrature, the JSON contract, refusals."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import mpmath
import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[2]
JSON_KEYS = {"expression", "moments", "forward_gain", "backward_gain", "torch_gain", "fixed_point", "chi1",
             "status", "check"}
GAIN_TOLERANCE = 1e-9
REFUSAL_SECONDS = 1.0
"""CPU seconds of this process (not wall time, which another process loading the machine would inflate)."""


def run(capsys, *argv):
    code = main(["gain", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def reference_gain(phi):
    """1/√E[φ(z)²] by mpmath at 30 digits, from the definition written here."""
    with mpmath.workdps(30):
        m2 = mpmath.quad(lambda t: phi(t) ** 2 * mpmath.npdf(t), [-mpmath.inf, 0, mpmath.inf])
        return float(1 / mpmath.sqrt(m2))


REFERENCES = {
    "tanh(x)": mpmath.tanh,
    "x*sigmoid(x)": lambda t: t / (1 + mpmath.exp(-t)),
    "x*tanh(softplus(x))": lambda t: t * mpmath.tanh(mpmath.log1p(mpmath.exp(t))),
    "max(x, 0)": lambda t: max(t, 0),
}


@pytest.mark.parametrize("expression", sorted(REFERENCES))
def test_forward_gain_matches_independent_quadrature(capsys, expression):
    record = run_json(capsys, expression)
    assert JSON_KEYS <= set(record)
    assert set(record["moments"]) == {"mean", "second_moment", "derivative_second_moment"}
    assert {"estimate", "stderr", "z", "verdict"} <= set(record["check"])
    assert abs(record["forward_gain"] - reference_gain(REFERENCES[expression])) < GAIN_TOLERANCE
    assert record["check"]["verdict"] == "pass"
    assert record["deep"]["judged"] is False


def test_relu_is_exactly_sqrt2_and_proved(capsys):
    record = run_json(capsys, "max(x, 0)")
    assert record["forward_gain_exact"] == "sqrt(2)" and record["status"] == "proved"
    assert record["torch_gain"] == pytest.approx(2**0.5) and record["chi1"] == pytest.approx(1)


def test_leaky_relu_typed_is_closed_form(capsys):
    record = run_json(capsys, "max(x, 0.1*x)")
    assert record["status"] == "proved" and record["recognized"] == "leaky_relu"
    assert record["forward_gain"] == pytest.approx((2 / 1.01) ** 0.5, rel=1e-15)
    assert record["torch_gain"] == pytest.approx((2 / 1.01) ** 0.5, rel=1e-15)


def test_tanh_against_pytorch(capsys):
    record = run_json(capsys, "tanh")
    assert record["torch_gain"] == pytest.approx(5 / 3)
    assert record["status"] == "numeric"
    assert "5/3" in record["torch_note"] and "χ₁ = 1.210" in record["torch_note"]
    assert round(record["chi1"], 2) == 1.18 and record["critical_sigma_w"] == 1


def test_typed_activation_is_simulated_with_the_lambdified_expression(capsys):
    record = run_json(capsys, "where(x > 0, x, 0.5*tanh(x))", "--q", "2", "--sigma-b", "0.3", "--depth", "5")
    assert record["recognized"] is None and "lambdified derive expression" in record["check"]["sampled_with"]
    assert record["check"]["verdict"] == "pass" and record["q"] == 2


def test_lambdified_erf_matches_math_erf():
    import math

    import numpy as np

    from derive.catalogue import activation
    from verify.commands.gain import _sample_functions

    phi, source = _sample_functions(activation("erf(x) + 0.5*erfc(x)"), None)
    t = np.array([-3.0, -0.5, 0.0, 0.7, 2.5])
    assert "lambdified" in source
    np.testing.assert_allclose(phi(t), [math.erf(v) + 0.5 * math.erfc(v) for v in t], rtol=1e-13, atol=1e-15)


def test_options_change_the_fixed_point(capsys):
    record = run_json(capsys, "relu", "--sigma-w", "1.2", "--sigma-b", "0.1", "--depth", "3")
    assert record["fixed_point"] == pytest.approx(0.01 / (1 - 1.44 / 2), rel=1e-10)
    assert record["chi1"] == pytest.approx(0.72, rel=1e-10)


def test_expression_starting_with_minus_after_double_dash(capsys):
    code, out, err = run(capsys, "--depth", "2", "--", "-tanh(x)")
    assert code == 0 and "-tanh(x)" in out


def test_table_output(capsys):
    code, out, _ = run(capsys, "gelu", "--depth", "2")
    assert code == 0
    assert "forward gain" in out and "lemma" in out and "not judged" in out


CLI_HOSTILE = [
    "__import__('os').system('echo hacked')",
    "x.__class__",
    "10**10**10",
    "(" * 5000 + "x" + ")" * 5000,
    "foo(x)",
    "",
    "lambda: x",
    "exp(x**2)",
    "x ^ 2",
]


@pytest.mark.parametrize("expression", CLI_HOSTILE, ids=[repr(e[:20]) for e in CLI_HOSTILE])
def test_hostile_expressions_exit_2_with_one_line(capsys, expression):
    start = time.process_time()
    code, out, err = run(capsys, expression)
    assert time.process_time() - start < REFUSAL_SECONDS
    assert code == 2 and out == ""
    assert one_reason(err) and err.startswith("verify: error: gain: ") and "Traceback" not in err


def one_reason(err: str) -> bool:
    """One line; or, for an unknown name only, a reason line and the built-in names on indented lines
    (issue 13 keeps the list, issue 14 fits it to 100 columns)."""
    lines = err.splitlines()
    return err.endswith("\n") and (len(lines) == 1 or "unknown activation" in lines[0] and all(
        line.startswith("  ") for line in lines[1:]) and all(len(line) <= 100 for line in lines))


def test_an_unknown_name_lists_the_built_ins_within_100_columns(capsys):
    code, out, err = run(capsys, "nope")
    assert code == 2 and out == "" and one_reason(err) and len(err.splitlines()) > 1
    assert "unknown activation 'nope'" in err.splitlines()[0]
    assert all(name in err for name in ("relu", "leaky_relu(a)", "swish(beta)", "hardtanh", "selu"))


@pytest.mark.parametrize("argv", [["tanh", "--sigma-w", "-1"], ["tanh", "--q", "0"], ["tanh", "--depth", "0"],
                                  ["tanh", "--format", "yaml"]])
def test_bad_options_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1


def test_a_100_kb_expression_on_the_command_line(tmp_path):
    sentinel = tmp_path / "sentinel"
    expression = f"__import__('os').system('touch {sentinel}')" + "+x" * 50_000
    proc = subprocess.run([sys.executable, "-m", "verify", "gain", expression], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "the limit is 1000 characters" in proc.stderr
    assert not sentinel.exists()


MEMORY_DRIVER = """
import resource, sys
from verify.commands.gain import analyse
before = resource.getrlimit(resource.RLIMIT_AS)
try:
    analyse(sys.argv[1], time_limit=120, memory_limit=16)
except ValueError as exc:
    print(exc)
print(resource.getrlimit(resource.RLIMIT_AS) == before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="the cap reads /proc (Linux)")
def test_a_memory_hungry_input_stops_at_the_cap_naming_the_stage():
    """A product of 20 piecewise factors made recognize's expansion grow memory for minutes (issue 14);
    under a 16 MB cap it ends in a ValueError naming the stage and the cap, and the limit is restored."""
    expression = "*".join(f"max(x, {k})" for k in range(20))
    proc = subprocess.run([sys.executable, "-c", MEMORY_DRIVER, expression], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = proc.stdout.splitlines()
    assert len(lines) == 2 and "Traceback" not in proc.stderr, (proc.stdout, proc.stderr[-2000:])
    assert lines[0].startswith("stage '") and "ran out of memory" in lines[0] and "16 MB" in lines[0]
    assert lines[1] == "True"


def test_the_depth_row_does_not_blame_width_where_the_mean_is_exact_at_every_width(capsys, monkeypatch):
    """ReLU: E[q_(l+1) | layer l] is linear in q̂_l, so the mean over networks is q_L at any width; a sample
    of 32 networks misses it by sampling alone (a heavy-tailed product of layers)."""
    monkeypatch.setenv("COLUMNS", "100")
    record = run_json(capsys, "relu")
    assert record["deep"]["mean_exact_at_any_width"] is True
    assert run_json(capsys, "tanh")["deep"]["mean_exact_at_any_width"] is False
    code, out, _ = run(capsys, "relu")
    row = " ".join(out[out.index("depth 50"):].split("For fan-in")[0].split())
    assert code == 0 and "finite width" not in row and "sampling, not width" in row
    khat, limit = record["deep"]["tail_khat"], record["deep"]["tail_threshold"]
    assert ("heavy-tailed" in row) == (khat is not None and khat >= limit)


def test_the_forward_gain_says_it_is_at_q_1_when_the_moments_are_at_another_q(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(capsys, "x*0.5", "--sigma-w", "2", "--q", "3")
    row = next(line for line in out.splitlines() if line.startswith("forward gain"))
    label, value, how = (cell.strip() for cell in row.split("  ") if cell.strip())
    # the moments above are at q = 3: the label must not read as 1/√ of them
    assert code == 0 and value == "2" and "at q = 1" in how and "N(0, 1)" in label


def test_a_symbolic_cap_inside_a_stage_is_one_line_naming_the_stage(capsys, monkeypatch):
    """SymbolicTimeout (a symbolic step's CPU cap) raised in a stage ends as one line, exit 2, never an
    internal error (CI once saw one escape from `gain -- 1e12*x`)."""
    from derive import meanfield
    from derive.kernel import SymbolicTimeout

    def capped(*args, **kwargs):
        raise SymbolicTimeout("symbolic step exceeded its time cap of 4 s of CPU time")

    monkeypatch.setattr(meanfield, "critical_sigma_w", capped)
    code, out, err = run(capsys, "tanh")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "stage 'fixed point'" in err and "internal error" not in err
