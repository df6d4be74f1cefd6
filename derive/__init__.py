"""derive: each formula as a sympy object, and its proof as a table of kernel-checked steps.

Modules: ``kernel`` (the trusted checker: facts, rules, statuses), ``derivation`` (the builder with
justifications), ``tables`` and ``render`` (Markdown, LaTeX, JSON, unicode mathematics), ``registry``
(derivations by claim id), ``parse`` (activations typed by users), and one module per topic.
"""
from .derivation import Derivation, Step
from .kernel import E, Independent, NormalE, SymbolicTimeout, check_identity, time_cap
from .registry import derivation, get, ids

__version__ = "0.1.0"

__all__ = [
    # proofs
    "Derivation", "Step", "check_identity", "time_cap", "SymbolicTimeout",
    # objects the kernel's rules speak about
    "E", "Independent", "NormalE",
    # the registry of derivations by claim id
    "derivation", "get", "ids",
]
