"""Wall-clock budgets for the user-facing stages of a computation (parse, recognize, moments, ...).

``stage(name, seconds)`` interrupts the enclosed block once ``seconds`` of wall time have passed and
raises ``StageTimeout`` naming the stage and the limit. It uses the real-time timer (SIGALRM); the
kernel's ``time_cap`` uses the CPU-time timer (SIGPROF), so the two run independently: a stage ends at
its wall-clock limit whatever symbolic cap runs inside it, and stages nest with each other.

``StageTimeout`` derives from ``BaseException`` on purpose: sympy and mpmath catch ``Exception`` in
places, and a budget that a library can swallow is no budget. It is also not a ``SymbolicTimeout``,
so code that falls back after a symbolic cap does not mistake the end of the whole stage for it.
Outside the main thread (or without SIGALRM) the block runs uncapped, as with ``time_cap``.
"""
from __future__ import annotations

import contextlib
import math
import signal
import threading
import time

__all__ = ["StageTimeout", "stage", "DEFAULT_LIMIT"]

DEFAULT_LIMIT = 10.0
"""Seconds a user-facing computation (``verify gain``: all its stages together) may take by default."""


class StageTimeout(BaseException):
    """A stage ran past its wall-clock limit; ``str()`` is the one line to show the user."""

    def __init__(self, name: str, seconds: float):
        super().__init__(f"stage '{name}' ran past the time limit of {seconds:g} s")
        self.stage = name
        self.seconds = seconds


@contextlib.contextmanager
def stage(name: str, seconds: float | None = DEFAULT_LIMIT):
    """Run the block under a wall-clock limit of ``seconds`` (None or inf: no limit)."""
    usable = (seconds is not None and math.isfinite(seconds) and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise StageTimeout(name, seconds)

    started = time.monotonic()
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    previous = signal.getsignal(signal.SIGALRM)
    try:  # arming inside the try: an exception landing mid-setup (a symbolic cap's SIGPROF) still disarms
        # an enclosing limit that ends sooner stays in charge
        signal.signal(signal.SIGALRM, previous if outer and outer < seconds else _raise)
        signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer else seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))
