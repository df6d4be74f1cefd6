"""Helpers of ``verify gain``: its stages under one wall-clock limit, and a JSON record without inf."""
from __future__ import annotations

import math
import time

from derive.budget import StageTimeout, stage
from derive.kernel import SymbolicTimeout

__all__ = ["Stages", "json_safe"]


class Stages:
    """Runs the stages of ``analyse`` within one wall-clock limit for the whole analysis: each stage gets
    what is left, and the one that runs out is named. Numeric blow-ups become one-line ValueErrors.
    A stage run with ``limit=False`` (a built-in's derivation: fixed, proved work) stops the clock."""

    def __init__(self, limit: float | None):
        self.limit = limit
        self.deadline = None if limit is None else time.monotonic() + limit

    def __call__(self, name: str, fn, *args, limit: bool = True):
        if self.deadline is None or not limit:
            started = time.monotonic()
            try:
                return self._guarded(name, fn, args)
            finally:
                if self.deadline is not None:
                    self.deadline += time.monotonic() - started
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise StageTimeout(name, self.limit)
        with stage(name, left):
            try:
                return self._guarded(name, fn, args)
            except StageTimeout:
                raise StageTimeout(name, self.limit) from None

    @staticmethod
    def _guarded(name, fn, args):
        try:
            return fn(*args)
        except SymbolicTimeout as exc:  # a symbolic step's own CPU-time cap: this input is too hard for it
            raise ValueError(f"stage '{name}': {exc}") from None
        except (OverflowError, MemoryError, RecursionError, ZeroDivisionError) as exc:
            detail = str(exc).splitlines()[0][:80] if str(exc) else ""
            raise ValueError(f"stage '{name}': {type(exc).__name__}{': ' + detail if detail else ''} "
                             "(the input is beyond what this stage can compute)") from None


def json_safe(value):
    """The record with every non-finite float (an infinite z, an overflowing deep run) as null: JSON has no inf."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
