"""SIGINT and SIGTERM as one exception, for every command line (``python -m derive``, ``python -m verify``).

``signals_as_exceptions()`` installs handlers that raise ``Interrupted`` (a ``BaseException``, so no
``except Exception`` in a library or in a user's claim swallows it). The command prints one line and
exits 128 + the signal number: 130 for SIGINT, 143 for SIGTERM. A user's own ``raise
KeyboardInterrupt`` is not a signal and is reported as an error of that user's code instead.
"""
from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["Interrupted", "signals_as_exceptions"]


class Interrupted(BaseException):
    """The process received SIGINT or SIGTERM; ``exit_code`` is 128 + the signal number."""

    def __init__(self, signum: int):
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


def _raise(signum, frame):
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_as_exceptions():
    """Within the block, SIGINT and SIGTERM raise ``Interrupted`` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
