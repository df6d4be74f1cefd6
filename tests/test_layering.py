"""The architecture is enforced: numeric never imports derive, derive never imports numeric, and no
package evaluates a string as code."""
import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IMPORTS = {"numeric": "derive", "derive": "numeric"}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_METHODS = {"sympify", "parse_expr", "eval", "exec"}


def sources(package):
    return sorted((ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package, forbidden", sorted(FORBIDDEN_IMPORTS.items()))
def test_package_does_not_import_the_other(package, forbidden):
    offenders = [p.relative_to(ROOT) for p in sources(package) if forbidden in imported_modules(p)]
    assert not offenders, f"{package} must not import {forbidden}: {offenders}"


def test_the_check_itself_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from derive import core\nimport numpy\n")
    assert "derive" in imported_modules(bad)


def forbidden_calls(path: Path) -> set[str]:
    """Calls of eval-like builtins, and of sympify/parse_expr however they are reached."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in FORBIDDEN_BUILTINS | FORBIDDEN_METHODS:
                names.add(f.id)
            elif isinstance(f, ast.Attribute) and f.attr in FORBIDDEN_METHODS:
                names.add(f.attr)
    return names


@pytest.mark.parametrize("package", ["derive", "numeric", "verify"])
def test_no_string_is_evaluated_as_code(package):
    offenders = {str(p.relative_to(ROOT)): sorted(forbidden_calls(p)) for p in sources(package)}
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}, offenders


def test_the_tests_keep_away_from_the_users_caches():
    """tests/conftest.py points every cache a dependency may write at a private temporary directory."""
    home = os.path.expanduser("~")
    for variable in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR"):
        assert not os.environ[variable].startswith(os.path.join(home, ".")), variable


def test_every_package_directory_is_installed():
    """A package missing from pyproject's list works from the checkout but not from a wheel."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root).parts) for top in ("derive", "numeric", "verify")
             for p in (root / top).rglob("__init__.py")}
    assert found == listed, (sorted(found - listed), sorted(listed - found))
