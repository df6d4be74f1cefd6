"""Derivations by claim id: builders register with ``@derivation(id)``; ``get(id)`` builds once.

Topic modules (``derive/<topic>.py``, or a package ``derive/<topic>/``) are imported on first use, so
``import derive`` stays cheap.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Callable

from .derivation import Derivation

TOPICS = ("activations", "linear", "init", "propagation", "gain", "correlation", "conv", "receptive_field",
          "dynamics", "gan")
"""Display order of the topic modules; any other module defining derivations is appended."""

_BUILDERS: dict[str, Callable[[], Derivation]] = {}
_BUILT: dict[str, Derivation] = {}
_BUILDING: set[str] = set()
_LOADED = False


def derivation(claim_id: str) -> Callable[[Callable[[], Derivation]], Callable[[], Derivation]]:
    """Register ``fn`` (no arguments, returns a Derivation) as the proof of ``claim_id``."""

    def register(fn: Callable[[], Derivation]) -> Callable[[], Derivation]:
        if claim_id in _BUILDERS and _BUILDERS[claim_id].__qualname__ != fn.__qualname__:
            raise ValueError(f"derivation id {claim_id!r} is registered twice "
                             f"({_BUILDERS[claim_id].__module__} and {fn.__module__})")
        _BUILDERS[claim_id] = fn
        return fn

    return register


def _load_topics() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    here = Path(__file__).parent
    present = {m.name for m in pkgutil.iter_modules([str(here)])}
    for name in [t for t in TOPICS if t in present]:
        importlib.import_module(f"{__package__}.{name}")


def _topic_rank(module: str) -> int:
    parts = module.split(".")
    name = parts[1] if parts[0] == __package__ and len(parts) > 1 else parts[-1]   # derive.<topic>[.<part>]
    return TOPICS.index(name) if name in TOPICS else len(TOPICS)


def ids() -> list[str]:
    """Every registered derivation id, in topic order (then in the order each module defines them).

    Registration order alone depends on which module happened to be imported first.
    """
    _load_topics()
    order = {claim_id: i for i, claim_id in enumerate(_BUILDERS)}
    return sorted(_BUILDERS, key=lambda c: (_topic_rank(_BUILDERS[c].__module__), order[c]))


def get(claim_id: str) -> Derivation:
    """The derivation proving ``claim_id`` (built on first request, then reused)."""
    _load_topics()
    if claim_id not in _BUILDERS:
        raise KeyError(f"no derivation is registered for {claim_id!r}")
    if claim_id not in _BUILT:
        if claim_id in _BUILDING:
            raise RecursionError(f"derivation {claim_id!r} cites itself through a chain of use() steps")
        _BUILDING.add(claim_id)
        try:
            built = _BUILDERS[claim_id]()
        finally:
            _BUILDING.discard(claim_id)
        if not isinstance(built, Derivation):
            raise TypeError(f"the builder of {claim_id!r} returned {type(built).__name__}, not a Derivation")
        _BUILT[claim_id] = built
    return _BUILT[claim_id]
