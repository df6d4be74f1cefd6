"""Facts and verdicts: the records the kernel's rules create, and the objects they speak about.

A ``Fact`` can be created only with a token private to the kernel (``_TOKEN``); a ``Status`` is computed
from facts, never stored. ``time_cap`` bounds every symbolic computation a rule runs.
"""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

import sympy as sp

DEFAULT_TIME_CAP = 20.0
"""Seconds a single symbolic check may take before it is reported as not established."""

PROVED, NUMERIC, FAILED = "proved", "numeric", "failed"
DEFINITION, ASSUMED, CITED, EVIDENCE = "definition", "assumed", "cited", "evidence"
CHECKING_RULES = frozenset({"identity", "instance", "inequality", "floor", "division", "limit", "extremum", "gaussian",
                            "telescoping", "induction", "expectation", "substitution", "quadrature"})
"""Rules that can fail on a false statement: a derivation needs at least one."""


class SymbolicTimeout(Exception):
    """A symbolic computation exceeded its time cap."""


@contextmanager
def time_cap(seconds: float | None):
    """Interrupt the enclosed block after ``seconds`` of this process's CPU time (ITIMER_PROF, SIGPROF;
    main thread, POSIX only).

    CPU time, not wall time: a proof's verdict must not depend on how loaded the machine is (under a
    load of 8 on 2 cores a 6 s step took over 20 s of wall time and failed). Elsewhere (a worker thread,
    Windows) the block runs uncapped: sympy offers no cooperative cancellation, and a thread cannot be
    interrupted safely.
    """
    usable = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise SymbolicTimeout(f"symbolic step exceeded its time cap of {seconds:g} s of CPU time")

    previous = signal.getsignal(signal.SIGPROF)
    started = time.process_time()
    outer, _ = signal.getitimer(signal.ITIMER_PROF)
    try:  # arming inside the try: an exception landing mid-setup (a wall-clock StageTimeout) still disarms
        # an enclosing cap that ends sooner stays in charge: this one never extends it
        signal.signal(signal.SIGPROF, previous if outer and outer < seconds else _raise)
        signal.setitimer(signal.ITIMER_PROF, min(seconds, outer) if outer else seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if outer:  # the enclosing cap keeps running for what is left of it
            signal.setitimer(signal.ITIMER_PROF, max(outer - (time.process_time() - started), 1e-3))


# ---------------------------------------------------------------------------------------------
# Objects the rules speak about

E = sp.Function("E")
"""E(X): the expectation of a random expression, manipulated only by ``expectation`` and named facts."""


class Independent(sp.Function):
    """Independent(Tuple(a, b), Tuple(c), ...): the groups of random atoms are mutually independent."""

    is_commutative = True


class NormalE(sp.Function):
    """NormalE(f, z, q) = E[f(z)] for z ~ N(0, q); z is bound. Evaluated only by the ``gaussian`` rule."""

    @classmethod
    def eval(cls, f, z, q):
        return None

    @property
    def free_symbols(self):
        f, z, q = self.args
        return (f.free_symbols - {z}) | q.free_symbols


class _Extreme(sp.Function):
    """An extreme value of f over x in D, x bound (evaluated only by the ``extremum`` rule)."""

    @classmethod
    def eval(cls, f, x, domain):
        return None

    @property
    def free_symbols(self):
        return self.args[0].free_symbols - {self.args[1]}


class Maximum(_Extreme):
    """Maximum(f, x, D): the largest value of f over x in D."""


class Minimum(_Extreme):
    """Minimum(f, x, D): the smallest value of f over x in D."""


def _density(z, q):
    return sp.exp(-(z**2) / (2 * q)) / sp.sqrt(2 * sp.pi * q)


# ---------------------------------------------------------------------------------------------
# Facts

_TOKEN = object()


class Fact:
    """One checked (or introduced) statement. Only the rules of ``Proof`` create facts."""

    __slots__ = ("_statement", "_rule", "_status", "_detail", "_deps", "_bound", "_owner", "_extra")

    def __init__(self, token, owner, statement, rule, status, detail, deps=frozenset(), bound=(), extra=None):
        if token is not _TOKEN:
            raise TypeError("facts are created only by the kernel's rules")
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_statement", statement)
        object.__setattr__(self, "_rule", rule)
        object.__setattr__(self, "_status", status)
        object.__setattr__(self, "_detail", detail)
        object.__setattr__(self, "_deps", frozenset(deps))
        object.__setattr__(self, "_bound", tuple(bound))
        object.__setattr__(self, "_extra", extra)

    def __setattr__(self, name, value):
        raise AttributeError("a fact cannot be changed")

    statement = property(lambda self: self._statement)
    rule = property(lambda self: self._rule)
    detail = property(lambda self: self._detail)
    deps = property(lambda self: self._deps)
    """The assumptions and definitions this fact rests on (each pins its free symbols)."""
    bound = property(lambda self: self._bound)
    """Symbols explicitly quantified over (an assumption or recursive definition "for all n")."""

    @property
    def status(self) -> str:
        if self._rule == "citation" and self._status == CITED:
            return FAILED if self._extra.status().base == FAILED else CITED
        return self._status

    @property
    def name(self) -> str:
        """The name of an assumption, or the id of a cited derivation."""
        return self._extra if isinstance(self._extra, str) else getattr(self._extra, "claim_id", "")

    @property
    def ok(self) -> bool:
        return self.status not in (FAILED, EVIDENCE)

    def __repr__(self) -> str:
        return f"Fact({sp.sstr(self._statement)[:80]} | {self._rule}: {self.status})"


class Status:
    """A derivation's verdict, computed from its facts: ``base`` is proved, numeric or failed."""

    def __init__(self, base, assumptions, uses, reasons):
        self.base, self.assumptions, self.uses, self.reasons = base, tuple(assumptions), tuple(uses), tuple(reasons)

    def __str__(self) -> str:
        if self.base == FAILED or not self.assumptions:
            return self.base
        n = len(self.assumptions)
        return f"{self.base} given {n} assumption{'s' if n != 1 else ''}"

    def __repr__(self) -> str:
        return f"Status({self!s}, uses={list(self.uses)})"



class _Cited:
    __slots__ = ("claim_id", "proof")

    def __init__(self, claim_id, proof):
        self.claim_id, self.proof = claim_id, proof

    def status(self):
        return self.proof.status()
