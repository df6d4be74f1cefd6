"""The one registry of claims: built-in topic modules in ``verify.claims`` and users' own modules.

A claims module is any importable module with a ``CLAIMS`` list of ``Claim`` records. The built-in
ones are found in ``verify/claims/`` automatically; ``load_module("mypackage.claims")`` adds a user's.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

from derive.registry import TOPICS  # one display order of the topics, for derive and verify

from . import claims as _claims_package
from .claim import Claim
from .errors import UsageError

_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class RegistryError(UsageError):
    """A claims module that cannot be used: missing, without CLAIMS, or with a clashing id."""


def _claims_of(module, name: str) -> list[Claim]:
    found = getattr(module, "CLAIMS", None)
    if not isinstance(found, (list, tuple)) or not all(isinstance(c, Claim) for c in found):
        raise RegistryError(f"module {name!r} must define CLAIMS, a list of verify.Claim records")
    return list(found)


def builtin_claims() -> list[Claim]:
    """Every built-in claim, in topic order."""
    present = sorted(m.name for m in pkgutil.iter_modules(_claims_package.__path__) if not m.name.startswith("_"))
    order = [t for t in TOPICS if t in present] + [m for m in present if m not in TOPICS]
    out: list[Claim] = []
    for name in order:
        out.extend(_claims_of(importlib.import_module(f"{_claims_package.__name__}.{name}"), name))
    return _unique(out)


def load_module(name: str) -> list[Claim]:
    """The claims of a user's module, imported by its dotted name (``mypackage.claims``)."""
    if not _MODULE_NAME.match(name or ""):
        raise RegistryError(f"--module takes a dotted module name such as mypackage.claims, got {name!r}")
    try:
        module = importlib.import_module(name)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # user code: any failure is one line, exit 2
        detail = str(exc).splitlines()[0][:120] if str(exc) else ""
        raise RegistryError(f"cannot import claims module {name!r}: {type(exc).__name__}"
                            f"{': ' + detail if detail else ''}") from None
    return _claims_of(module, name)


def _unique(claims: list[Claim]) -> list[Claim]:
    seen: dict[str, Claim] = {}
    for c in claims:
        if c.id in seen:
            raise RegistryError(f"claim id {c.id!r} is defined twice")
        seen[c.id] = c
    return claims


def all_claims(modules: tuple[str, ...] | list[str] = ()) -> list[Claim]:
    """Built-in claims followed by those of ``modules``; ids must be unique across all of them."""
    out = builtin_claims()
    for name in modules:
        out.extend(load_module(name))
    return _unique(out)


def select(claims: list[Claim], patterns: list[str] | tuple[str, ...]) -> list[Claim]:
    """Claims whose id contains any of the substrings (all claims when there are none)."""
    if not patterns:
        return list(claims)
    return [c for c in claims if any(p in c.id for p in patterns)]
