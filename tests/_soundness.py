"""What the kernel soundness tests share: the symbols they speak about and three assertions.

Imported by tests/derive/test_kernel_soundness.py, tests/derive/test_kernel_citations.py and
tests/verify/test_linked_forms.py (``tests`` is on pytest's ``pythonpath``).
"""
import sympy as sp

from derive.derivation import Derivation

x = sp.Symbol("x", real=True)
z = sp.Symbol("z", real=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
F, G, g = sp.Function("F"), sp.Function("G"), sp.Function("g")


def fresh(title="test", resolve=None):
    return Derivation("test.soundness." + title, title, resolve=resolve)


def failed_at(d, rule):
    """The derivation failed, and a step of ``rule`` is among its failures (the guard, not an accident, fired)."""
    assert d.status == "failed", (d.status, d.result)
    assert rule in {s.method for s in d.failures}, [(s.method, s.detail) for s in d.failures]


def proved(fact):
    assert fact.status == "proved", (fact.statement, fact.detail)
    return fact
