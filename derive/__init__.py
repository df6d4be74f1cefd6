"""derive: each formula as a sympy object, and its proof as a table of kernel-checked steps.

Modules: ``kernel`` (the trusted checker: facts, rules, statuses, numeric guards), ``derivation`` (the
builder with justifications), ``registry`` (derivations by claim id), ``tables`` and ``render``
(Markdown, LaTeX, JSON, unicode mathematics), ``parse`` (activations typed by users), ``errors``
(``DeriveError``), ``cli`` (``python -m derive``). Shared mathematics: ``catalogue`` (the activations as
sympy expressions), ``gaussian_moments``, ``gelu_lemma``, ``meanfield`` (q*, χ₁, gains), ``pieces`` (a
piecewise φ by intervals), ``sums`` (moments of sums by induction). One module or package per topic,
named as in ``numeric`` and ``verify.claims``: ``activations``, ``linear``, ``init``, ``propagation``,
``gain``, ``conv``, ``receptive_field``, ``dynamics``, ``gan``.
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
