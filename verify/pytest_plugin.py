"""The ``dlmath`` pytest plugin: every claim in a project's claim files becomes a test item.

Installed with the package (entry point ``pytest11: dlmath``), or loaded from a checkout with
``-p verify.pytest_plugin`` (not both: pytest refuses one module registered under two names; use
``-p no:dlmath`` to switch the installed one off). A project without claim files sees no change.

- Files whose name matches the ini option ``dlmath_claims`` (glob patterns, default ``claims_*.py``)
  are imported as test modules; each ``Claim`` in their ``CLAIMS`` list is one item, named by its id.
- An item runs the claim as ``python -m verify`` does: its proof status (``none`` for an empirical
  claim without a derivation) and its check, with the root seed ``--dlmath-seed`` (default 0) and the
  claim's id as its random stream, so the outcome does not depend on collection order or on
  ``pytest-xdist``. ``--dlmath-budget`` scales every claim's replicates.
- A claim that fails, is inconclusive (its control could not be rejected) or whose proof failed
  fails its item with the report of ``verify.testing.claim_report``. Every item records the claim's
  proof, check, estimate, stderr, z and control outcome as user properties (``dlmath_*``; shown as
  properties in ``--junitxml``).

PYTEST_DONT_REWRITE: this module has no assert statement to rewrite, and pytest would otherwise warn
when it finds it already imported (by a test that imports ``verify`` before an in-process run).
"""
from __future__ import annotations

import fnmatch

import pytest

DEFAULT_PATTERN = "claims_*.py"


def _seed(text: str) -> int:
    from .commands._args import seed

    return seed(text)


def _budget(text: str) -> float:
    from .commands.run import _positive

    return _positive(text)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dlmath", "dlmath claims (verify.pytest_plugin)")
    group.addoption("--dlmath-seed", type=_seed, default=0, metavar="N",
                    help="root seed of every claim's random stream (default 0)")
    group.addoption("--dlmath-budget", type=_budget, default=1.0, metavar="X",
                    help="multiply every claim's default number of replicates (default 1)")
    parser.addini("dlmath_claims", f"glob patterns of claim files (default {DEFAULT_PATTERN})",
                  type="args", default=[DEFAULT_PATTERN])


def pytest_collect_file(file_path, parent):
    if file_path.suffix != ".py":
        return None
    patterns = parent.config.getini("dlmath_claims") or [DEFAULT_PATTERN]
    if not any(fnmatch.fnmatch(file_path.name, p) for p in patterns):
        return None
    return ClaimsFile.from_parent(parent, path=file_path)


class ClaimsFile(pytest.Module):
    """A claim file, imported the way pytest imports test modules; its items are its CLAIMS."""

    def collect(self):
        from .claim import Claim

        module = self.obj
        claims = getattr(module, "CLAIMS", None)
        if not isinstance(claims, (list, tuple)) or not all(isinstance(c, Claim) for c in claims):
            raise self.CollectError(f"{self.path.name} must define CLAIMS, a list of verify.Claim records")
        seen: set[str] = set()
        for claim in claims:
            if claim.id in seen:
                raise self.CollectError(f"{self.path.name}: claim id {claim.id!r} is defined twice")
            seen.add(claim.id)
            yield ClaimItem.from_parent(self, name=claim.id, claim=claim)


class ClaimItem(pytest.Item):
    """One claim: passes when ``verify.testing.assert_claim`` does."""

    def __init__(self, *, claim, **kwargs):
        super().__init__(**kwargs)
        self.claim = claim

    def runtest(self) -> None:
        from .testing import ClaimFailed, assert_claim

        try:
            result = assert_claim(self.claim, seed=self.config.getoption("dlmath_seed"),
                                  budget=self.config.getoption("dlmath_budget"))
        except ClaimFailed as failure:
            self._record(failure.result)
            raise
        self._record(result)

    def _record(self, result) -> None:
        """The claim's numbers as the report's user properties (JUnit XML shows them as properties)."""
        from .results import result_to_json

        row = result_to_json(result)
        for key in ("proof", "check", "estimate", "stderr", "z"):
            self.user_properties.append((f"dlmath_{key}", row[key]))
        self.user_properties.append(("dlmath_control_rejected", row["control"]["rejected"]))

    def repr_failure(self, excinfo, style=None):
        from .testing import ClaimFailed

        if isinstance(excinfo.value, ClaimFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"claim {self.claim.id}"


__all__ = ["DEFAULT_PATTERN", "ClaimItem", "ClaimsFile", "pytest_addoption", "pytest_collect_file"]
