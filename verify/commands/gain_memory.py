"""The memory cap of ``verify gain``: RLIMIT_AS raised by a stated number of megabytes above what the process
uses, for the stages whose memory can grow without end (sympy's expansions, mpmath's precision)."""
from __future__ import annotations

import contextlib

try:
    import resource
except ImportError:  # not on Windows: then no memory cap
    resource = None

from ._stages import Stages

__all__ = ["DEFAULT_MEMORY_MB", "MEMORY_RANGE", "MEMORY_STAGES", "memory_cap", "CappedStages"]

DEFAULT_MEMORY_MB = 2048.0
MEMORY_RANGE = (64.0, 1 << 20)
MEMORY_STAGES = ("parse", "recognize", "symbolic moments", "quadrature", "fixed point")
"""Stages whose memory is capped: sympy's expansions (a product of 20 piecewise factors) and mpmath's
precision can grow without end; the Monte Carlo's arrays are sized in advance by numeric."""


def _address_space() -> int | None:
    """Bytes of virtual memory this process uses now (Linux /proc), or None where it cannot be read."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


@contextlib.contextmanager
def memory_cap(stage_name: str, megabytes: float | None):
    """RLIMIT_AS set to the current address space plus ``megabytes`` for the block, then restored; a
    MemoryError inside becomes one ValueError naming the stage and the cap. No cap where the platform
    has no RLIMIT_AS or /proc (then nothing changes)."""
    used = _address_space() if megabytes is not None and resource is not None else None
    if used is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + int(megabytes * 2**20)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    except MemoryError:
        raise ValueError(f"stage '{stage_name}' ran out of memory: it may use {megabytes:g} MB beyond the "
                         f"{used / 2**20:.0f} MB in use (raise it with --memory-limit)") from None
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class CappedStages(Stages):
    """_Stages with the memory of MEMORY_STAGES capped by memory_cap."""

    def __init__(self, limit: float | None, memory: float | None):
        super().__init__(limit)
        self.memory = memory

    def __call__(self, name: str, fn, *args, limit: bool = True):
        if name not in MEMORY_STAGES or self.memory is None:
            return super().__call__(name, fn, *args, limit=limit)

        def capped(*inner):
            with memory_cap(name, self.memory):
                return fn(*inner)
        return super().__call__(name, capped, *args, limit=limit)
