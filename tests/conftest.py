"""Shared test configuration: Hypothesis profiles (derandomized in CI), and no writes to the user's caches.

Nothing in the toolkit keeps a cache on disk, but its dependencies do (matplotlib's font cache, anything
that honours XDG_CACHE_HOME): the tests point them at a temporary directory of their own, so a test run
neither reads nor changes the user's ~/.cache or ~/.config.
"""
import os
import tempfile

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]  # tests/verify/test_pytest_plugin.py runs throwaway projects

_PRIVATE = tempfile.mkdtemp(prefix="dlmath-tests-")
for variable in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR"):
    os.environ[variable] = os.path.join(_PRIVATE, variable.lower())
    os.makedirs(os.environ[variable], exist_ok=True)

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_report_header(config):
    """Say at the top of the run, not only in -rs, that the audit's tests will skip, and why."""
    from verify.audit import notes_dir

    if not notes_dir().exists():
        return (f"the audited notes are not at {notes_dir()}: tests/verify/test_audit.py skips "
                "(set DLMATH_NOTES to the folder of the notes)")
    return None
