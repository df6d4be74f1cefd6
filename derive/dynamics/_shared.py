"""What the symmetry and residual derivations share: the generic activation φ, its argument z, and two
helpers for reading and concluding facts."""
from __future__ import annotations

import sympy as sp

from ..derivation import Derivation
from ..sums import rhs  # noqa: F401  (re-exported for the dynamics derivations)

__all__ = ["phi", "z", "rhs", "conclude_held"]

phi = sp.Function("phi")
"""Any differentiable activation (the symmetry network's, and the generic residual branch's)."""
z = sp.Symbol("z", real=True)
"""The argument of an activation's defining formula, and the variable of a Gaussian moment."""


def conclude_held(dv: Derivation, *results):
    """Conclude the results that hold. A result whose step failed is left out: its failure already fails the
    derivation, and concluding it would only make the kernel compare it with every fact above."""
    held = [fact for fact in results if fact.ok]
    if held:
        dv.conclude(*held)
