"""derive: each formula as a sympy object, and its proof as a table of machine-checked steps."""
from .core import Derivation, Step, SymbolicTimeout, check_identity, time_cap
from .registry import derivation, get, ids

__version__ = "0.1.0"

__all__ = [
    # proofs
    "Derivation", "Step", "check_identity", "time_cap", "SymbolicTimeout",
    # the registry of derivations by claim id
    "derivation", "get", "ids",
]
