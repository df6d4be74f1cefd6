"""What a user reads: tables that fit 100 columns, markup formats with only the table on stdout, rows
that cannot be misread, errors that say what to type instead."""
import shutil
import subprocess

import pytest

from derive.cli import main as derive_main
from verify.cli import main

WIDTH = 100
FAST = ["-k", "activation.relu.derivative", "-k", "activation.tanh"]
"""Two deterministic claims that run in about a second."""
FAST_IDS = ("activation.relu.derivative", "activation.tanh.derivative")


@pytest.fixture(autouse=True)
def columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", str(WIDTH))


def run(capsys, *argv, entry=main):
    code = entry(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def widest(text):
    return max((len(line) for line in text.splitlines()), default=0)


@pytest.mark.parametrize("argv", [
    ["--list"],
    ["rf", "conv k3 s1 p1; pool k3 s2; conv k3 d2", "--input", "256"],
    ["audit", "-k", "000 Q2.2"],
])
def test_tables_fit_100_columns(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and widest(out) <= WIDTH


def test_run_fits_100_columns_with_ids_whole_and_a_compared_with_column(capsys):
    code, out, _ = run(capsys, *FAST)
    assert code == 0 and widest(out) <= WIDTH
    assert "compared with" in out.replace("\n", " ") or ("compared" in out and "with" in out)
    for cid in FAST_IDS:
        assert sum(line.startswith(cid + " ") for line in out.splitlines()) == 1


def test_wide_gives_lines_longer_than_the_terminal(capsys):
    _, out, _ = run(capsys, "--list", "--wide")
    assert widest(out) > WIDTH


def test_derive_fits_100_columns_and_lists_like_verify(capsys):
    code, out, _ = run(capsys, "-k", "activation.relu.derivative", entry=derive_main)
    assert code == 0 and widest(out) <= WIDTH and "activation.relu.derivative" in out
    code, out, _ = run(capsys, "--list", "-k", "activation.", entry=derive_main)
    assert code == 0 and widest(out) <= WIDTH
    assert out.splitlines()[0].split() == ["derivation", "title", "status", "steps"]


@pytest.mark.parametrize("fmt, row", [("github", "|"), ("html", "<")])
def test_markup_formats_print_only_the_table_on_stdout(capsys, fmt, row):
    code, out, err = run(capsys, *FAST, "--format", fmt)
    assert code == 0
    assert all(line.startswith(row) for line in out.splitlines() if line.strip()), out
    assert "2 claims: 2 passed" in err


def test_plain_text_keeps_the_summary_under_the_table(capsys):
    _, out, err = run(capsys, "-k", "activation.relu.derivative")
    assert "1 claim: 1 passed" in out and "1 claims" not in out and "0.0 s" not in out


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no LaTeX installation on this machine")
def test_latex_output_compiles(capsys, tmp_path):
    code, out, _ = run(capsys, *FAST, "--format", "latex")
    assert code == 0
    doc = "\\documentclass{article}\\usepackage[margin=1cm,landscape]{geometry}\\begin{document}\\tiny\n"
    (tmp_path / "t.tex").write_text(doc + out + "\n\\end{document}\n", encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:]


def test_estimate_cells_never_show_a_missing_standard_error(capsys):
    _, out, _ = run(capsys, "-k", "gan.optimal_discriminator", "--wide")
    assert "± —" not in out


@pytest.mark.parametrize("argv, fragment", [
    (["runn"], "did you mean 'run'"),
    (["gain", "-x"], "goes last, after --"),
    (["gain", "swsh"], "did you mean 'swish'"),
    (["gain", "Relu"], "did you mean 'relu'"),
    (["gain", "leaky_relu(x)"], "leaky_relu(0.2)"),
    (["gain", "leaky_relu(0)"], "must be in"),
    (["report", "/proc/nope/report"], "cannot write"),
])
def test_errors_say_what_to_type(capsys, argv, fragment):
    code, _, err = run(capsys, *argv)
    lines = err.strip().splitlines()
    # one reason line; only a list (the built-in activations) may follow, indented, within the width
    assert code == 2 and fragment in lines[0], err
    assert all(line.startswith("  ") and len(line) <= WIDTH for line in lines[1:]), err
    assert "internal error" not in err


def test_an_unknown_activation_lists_the_built_ins_within_the_width(capsys):
    code, _, err = run(capsys, "gain", "nope")
    assert code == 2 and "hardtanh" in err and "swish" in err and widest(err) <= WIDTH


def test_gain_list_shows_every_name(capsys):
    code, out, _ = run(capsys, "gain", "--list")
    assert code == 0 and widest(out) <= WIDTH
    for name in ("relu", "leaky_relu(a)", "elu(alpha)", "celu(alpha)", "hardtanh", "swish(beta)", "selu"):
        assert any(line.startswith(name + " ") for line in out.splitlines()), name


def test_gain_with_a_slope_describes_that_slope_and_ends_with_advice(capsys):
    code, out, _ = run(capsys, "gain", "leaky_relu(0.2)", "--depth", "2")
    assert code == 0 and widest(out) <= WIDTH
    torch_row = out[out.index("PyTorch calculate_gain"):out.index("σ_w, σ_b")]
    assert "negative_slope = 0.2" in torch_row and "0.01" not in torch_row
    assert f"{(2 / 1.04) ** 0.5:.6g}" in torch_row
    tail = " ".join(out.split("σ_w, σ_b")[1].splitlines()[-3:])
    assert "For fan-in initialization" in out and "calculate_gain('leaky_relu', 0.2)" in tail


def test_gain_sigma_w_row_says_where_sigma_w_came_from(capsys):
    _, given, _ = run(capsys, "gain", "tanh", "--sigma-w", "1.6667", "--depth", "2")
    _, default, _ = run(capsys, "gain", "tanh", "--depth", "2")
    assert "as given" in given and "forward gain (the default)" not in given
    assert "forward gain (the default)" in default


@pytest.mark.parametrize("name", ["celu", "hardtanh", "swish", "elu(1.0)", "swish(2)"])
def test_named_activations_beyond_the_claims_run(capsys, name):
    code, out, _ = run(capsys, "gain", name, "--depth", "2")
    assert code == 0 and widest(out) <= WIDTH


def test_a_failed_proof_never_reads_pass_in_its_row():
    from verify.commands.run import _table

    row = {"id": "user.claim", "proof": "failed", "formula": "2", "check": "pass", "verdict": "fail",
           "expected": 2.0, "estimate": 2.0, "stderr": 0.1, "z": 0.0, "cases": 0,
           "control": {"formula": "3", "z": 10.0, "rejected": True},
           "checks": [{"config": {}, "kind": "monte-carlo", "expected": 2.0, "estimate": 2.0, "stderr": 0.1,
                       "bound": None, "z": 0.0, "z_critical": 4.89, "control_z": 10.0}]}
    line = next(l for l in _table([row], "simple", wide=True).splitlines() if l.startswith("user.claim"))
    assert line.split()[-2:] == ["fail", "(proof)"] and " pass" not in line


class _Terminal:
    def isatty(self):
        return True


class _Pipe:
    def isatty(self):
        return False


def test_an_error_fits_a_terminal_and_stays_one_line_in_a_pipe(monkeypatch):
    from verify.cli import error_lines

    monkeypatch.setenv("COLUMNS", "60")
    text = "verify: error: " + "a reason long enough to run past the right edge of the terminal " * 2
    assert error_lines(text, _Pipe()) == text  # a log or a pipe keeps the one line grep finds
    wrapped = error_lines(text, _Terminal()).split("\n")
    assert len(wrapped) > 1 and max(len(line) for line in wrapped) <= 60
    assert all(line.startswith("  ") for line in wrapped[1:])
    assert " ".join(line.strip() for line in wrapped) == text.strip()
