"""The dlmath pytest plugin, run on throwaway projects with pytest's own ``pytester``.

Every inner run loads the plugin from this checkout (``-p verify.pytest_plugin``) and switches off an
installed copy registered under its entry point (``-p no:dlmath``): pytest refuses one module under
two names.
"""
import difflib
import importlib
import json
import os
import re
import sys
import tomllib
from pathlib import Path

import pytest

import derive.derivation  # noqa: F401 -- imported once here, not again by every in-process inner run
import verify
import verify.commands.run  # noqa: F401
import verify.pytest_plugin  # noqa: F401
import verify.testing  # noqa: F401

ROOT = Path(verify.__file__).resolve().parents[1]
PLUGIN = ("-p", "no:dlmath", "-p", "verify.pytest_plugin", "-p", "no:cacheprovider")

CLAIMS_FILE = '''
import sympy as sp
from derive.derivation import Derivation
from verify import Claim, Measurement, stream


def second_moment(config, rng, budget):
    """E[z^2] for z ~ N(0, 1), 4000 replicates at budget 1."""
    acc = stream(lambda r, k: r.standard_normal(k) ** 2, budget.replicates(4000), rng)
    return Measurement.from_accumulator(acc)


def broken_proof():
    d = Derivation("demo.bad_proof", "a wrong step")
    d.conclude(d.instance(sp.Integer(1), sp.Integer(2), "1 = 2"))
    return d


def claim(id, expected, control, **kw):
    return Claim(id, f"E[z^2] = {expected}", "demo", expected=lambda c, p: expected, formula=str(expected),
                 measure=second_moment, control=lambda c, p: control, control_formula=str(control), **kw)


CLAIMS = [
    claim("demo.right", 1.0, 0.5),                           # true, control far off: passes
    claim("demo.wrong", 1.5, 0.5),                           # false: z about 22
    claim("demo.weak", 1.0, 1.01),                           # control 0.5 se away: inconclusive
    claim("demo.bad_proof", 1.0, 0.5, proof=broken_proof),   # check passes, proof fails
]
'''

FAILING = ("demo.wrong", "demo.weak", "demo.bad_proof")


@pytest.fixture
def project(pytester):
    pytester.makepyfile(claims_demo=CLAIMS_FILE)
    return pytester


def sections(stdout: str) -> dict[str, str]:
    """Failure report of each claim: the text under its ``____ claim ID ____`` header."""
    text = "\n".join(line for line in stdout.splitlines() if not line.startswith("[gw"))
    parts = re.split(r"^_+ claim (\S+) _+$", text, flags=re.M)
    found = dict(zip(parts[1::2], parts[2::2]))
    return {k: v.split("=" * 10)[0].strip() for k, v in found.items()}


def properties(reprec, name: str) -> dict:
    (report,) = [r for r in reprec.getreports("pytest_runtest_logreport")
                 if r.when == "call" and r.nodeid.endswith(f"::{name}")]
    return dict(report.user_properties)


def check_failures(stdout: str) -> dict[str, str]:
    found = sections(stdout)
    assert sorted(found) == sorted(FAILING)
    for name, text in found.items():
        assert "estimate" in text and "±" in text and re.search(r"z = [\d.]+ (<=|>) z_crit = 4\.89", text), text
        assert re.search(r"control +[\d.]+: (rejected|could not be rejected)", text), text
        assert "proof" in text, text
        assert all(len(line) <= 100 for line in text.splitlines()), text
    assert "z_crit = 4.892" in found["demo.wrong"] and " > z_crit" in found["demo.wrong"]
    assert "control      0.5: rejected" in found["demo.wrong"]
    assert "could not be rejected" in found["demo.weak"] and "inconclusive" in found["demo.weak"]
    assert "proof        failed" in found["demo.bad_proof"] and "<= z_crit" in found["demo.bad_proof"]
    assert "proof        none" in found["demo.wrong"]
    return found


def test_a_passing_a_wrong_an_inconclusive_and_a_badly_proved_claim(project):
    result = project.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1, failed=3)
    check_failures(result.stdout.str())


def test_the_same_outcomes_and_numbers_in_two_xdist_workers(project):
    pytest.importorskip("xdist", reason="pytest-xdist is not installed")
    alone = check_failures(project.runpytest(*PLUGIN).stdout.str())
    result = project.runpytest(*PLUGIN, "-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=1, failed=3)
    assert check_failures(result.stdout.str()) == alone


def test_a_claim_gives_the_same_numbers_alone_among_others_and_in_reverse_order(project):
    together = project.inline_run(*PLUGIN)
    alone = project.inline_run(*PLUGIN, "claims_demo.py::demo.weak")
    alone.assertoutcome(failed=1)
    assert properties(alone, "demo.weak") == properties(together, "demo.weak")
    project.makeconftest("def pytest_collection_modifyitems(items):\n    items.reverse()\n")
    reverse = project.inline_run(*PLUGIN)
    order = [r.nodeid for r in reverse.getreports("pytest_runtest_logreport") if r.when == "call"]
    assert order[0].endswith("demo.bad_proof")
    for name in ("demo.right", *FAILING):
        assert properties(reverse, name) == properties(together, name)


def test_another_seed_gives_another_estimate_that_still_passes(project):
    runs = [project.inline_run(*PLUGIN, f"--dlmath-seed={seed}") for seed in (0, 1)]
    first, second = (properties(r, "demo.right") for r in runs)
    for run, props in zip(runs, (first, second)):
        run.assertoutcome(passed=1, failed=3)
        assert props["dlmath_check"] == "pass" and props["dlmath_control_rejected"] is True
        assert props["dlmath_proof"] == "none"
    assert first["dlmath_estimate"] != second["dlmath_estimate"]


def test_the_budget_scales_the_replicates(project):
    result = project.runpytest(*PLUGIN, "--dlmath-budget=0.5", "claims_demo.py::demo.wrong")
    result.assert_outcomes(failed=1)
    assert "(n = 2000)" in sections(result.stdout.str())["demo.wrong"]


@pytest.mark.parametrize("option", ["--dlmath-budget=0", "--dlmath-budget=nan", "--dlmath-seed=-1"])
def test_a_bad_option_is_a_usage_error_naming_it(project, option):
    result = project.runpytest(*PLUGIN, option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert option.split("=")[0] in result.stderr.str()


def test_the_ini_option_chooses_the_claim_files(pytester):
    pytester.makepyfile(checks_mine=CLAIMS_FILE, claims_other="raise RuntimeError('must not be imported')")
    pytester.makeini("[pytest]\ndlmath_claims = checks_*.py\n")
    result = pytester.runpytest(*PLUGIN, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["checks_mine.py::demo.right", "checks_mine.py::demo.bad_proof"])
    assert "claims_other" not in result.stdout.str()


def test_a_claim_file_without_claims_is_a_collection_error(pytester):
    pytester.makepyfile(claims_broken="CLAIMS = ['not a claim']")
    result = pytester.runpytest(*PLUGIN)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*claims_broken.py must define CLAIMS, a list of verify.Claim records*"])


def test_a_project_without_claim_files_sees_no_change(pytester):
    pytester.makepyfile(test_plain="def test_ok():\n    assert 1 + 1 == 2\n\ndef test_no():\n    assert 0\n",
                        my_claims="X = 1")   # a module whose name does not match claims_*.py
    def run(*args):
        result = pytester.runpytest("-p", "no:dlmath", "-p", "no:cacheprovider", *args)
        result.assert_outcomes(passed=1, failed=1)
        return [re.sub(r"in [\d.]+s", "in Ts", line) for line in result.outlines], result.errlines
    (plugged, plugged_err), (plain, plain_err) = run(*PLUGIN), run()
    assert plugged == plain, "\n".join(difflib.unified_diff(plain, plugged, "without", "with", lineterm=""))
    assert plugged_err == plain_err


def test_the_plugin_is_declared_as_the_pytest11_entry_point_dlmath():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    target = project["entry-points"]["pytest11"]["dlmath"]
    assert target == "verify.pytest_plugin"
    module = importlib.import_module(target)
    assert callable(module.pytest_collect_file) and callable(module.pytest_addoption)


def test_the_entry_point_loads_the_plugin_without_p(pytester):
    """A distribution that declares pyproject's pytest11 entry points (as an install writes them) makes
    pytest load the plugin by itself: the claim file is collected with no -p option."""
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    site = pytester.mkdir("site")
    info = site / "dlmath_probe-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dlmath-probe\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\n" + "".join(
        f"{name} = {target}\n" for name, target in entry_points["pytest11"].items()))
    pytester.makepyfile(claims_demo=CLAIMS_FILE)
    env_path = os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])
    pytester._monkeypatch.setenv("PYTHONPATH", env_path)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only", "-q", "claims_demo.py")
    result.stdout.fnmatch_lines(["claims_demo.py::demo.right", "4 tests collected*"])


def test_an_empirical_user_claim_shows_proof_none_on_the_command_line(pytester):
    pytester.makepyfile(claims_demo=CLAIMS_FILE)
    pytester.syspathinsert()
    result = pytester.run(sys.executable, "-m", "verify", "--module", "claims_demo", "-k", "demo.right",
                          "--format", "json")
    row, = json.loads(result.stdout.str())["claims"]
    assert (row["id"], row["proof"], row["verdict"]) == ("demo.right", "none", "pass")


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## In your own tests")
    return text[start:text.index("\n## ", start + 1)]


def test_the_readme_example_project_gives_the_output_the_readme_shows(pytester, monkeypatch):
    """The files of README's "In your own tests" (each block opens with ``# name.py``), run as shown: the
    passing run, then the run with the bug the README names; the output equals the README's but timings."""
    section = readme_section()
    files = {}
    for block in re.findall(r"```python\n(.*?)```", section, flags=re.S):
        name = re.match(r"# (\w+)\.py\b", block)
        if name:
            files[name.group(1)] = block
    assert sorted(files) == ["claims_myinit", "myinit", "test_myinit"]
    shown = [[line[4:] for line in run.strip("\n").splitlines()]
             for run in re.findall(r"\n    \$ python -m pytest -q -p verify.pytest_plugin\n((?:    .*\n|\n)+)", section)]
    assert len(shown) == 2
    bug = re.search(r"With a bug, `(.*?)`", section).group(1)

    # a user's terminal, not CI: under CI (or BUILD_NUMBER) pytest does not shorten the summary lines
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)

    def run():
        result = pytester.runpytest("-q", *PLUGIN)
        return [re.sub(r"in [\d.]+s", "in Ts", line) for line in result.outlines]
    pytester.makepyfile(**files)
    assert run() == [re.sub(r"in [\d.]+s", "in Ts", line) for line in shown[0]]
    pytester.makepyfile(myinit=files["myinit"].replace("np.sqrt(2.0 / fan_in)", bug))
    assert run() == [re.sub(r"in [\d.]+s", "in Ts", line).rstrip() for line in shown[1]]
