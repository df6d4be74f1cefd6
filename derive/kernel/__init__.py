"""The trusted kernel: the only code that decides whether a step of a derivation holds.

Modules: ``facts`` (Fact, Status, the objects statements speak about, time caps), ``algebra`` (the identity
check and structural helpers), ``checks`` (the rules that decide a relation), ``citations`` (cite and
instantiate: a statement reused at other values), ``numeric`` (mpmath guards that sympy's integrals,
limits and extremes must agree with), ``proof`` (the ledger, the rules that introduce, combine and
conclude, and the status).

A derivation is a ``Proof``: a ledger of ``Fact`` records. A fact is created only by the rules
below (its constructor demands a token private to the kernel), so building, rendering or caching
code can read facts but never forge one, and a derivation's status is computed from its facts,
never stored. This is the small-kernel discipline of LCF-style proof assistants (HOL Light's
``fusion.ml``), in Python.

Rules that introduce nothing new:
  ``define``            a NEW symbol (or function of distinct symbols) as an abbreviation;
  ``define_recursive``  a NEW function by primitive recursion on an integer n;
  ``assume``            a named hypothesis or standard theorem not proved here (counted in the status);
  ``cite``              the conclusion of another derivation (its status bounds this one's).
Rules that check (each may fail):
  ``identity``, ``instance``, ``inequality``, ``floor``, ``limit``, ``extremum``, ``gaussian``,
  ``gaussian_on``, ``telescoping``, ``induction``, ``expectation``, ``substitution``, ``quadrature``
  (numeric, never proved).
Rules that combine facts: ``instantiate`` (a universally quantified symbol replaced by a value that
satisfies its assumptions), ``rewrite`` (equals for equals), ``chain`` (transitivity), ``conclude``.
``evidence`` is a numeric spot check: shown, never counted as proof.

Free symbols of a fact are universally quantified, except those pinned by the assumptions and
definitions the fact depends on (the side condition of ∀-introduction); ``instantiate`` refuses to
replace a pinned symbol.
"""
from .algebra import _MEMO, _parts, check_identity  # noqa: F401 (_MEMO, _parts: for tests and the builder)
from .facts import (ASSUMED, CHECKING_RULES, CITED, DEFAULT_TIME_CAP, DEFINITION, EVIDENCE, FAILED, NUMERIC, PROVED,
                    E, Fact, Independent, Maximum, Minimum, NormalE, Status, SymbolicTimeout, time_cap)
from .proof import Proof

__all__ = ["Proof", "Fact", "Status", "SymbolicTimeout", "time_cap", "check_identity", "E", "Independent",
           "NormalE", "Maximum", "Minimum", "DEFAULT_TIME_CAP", "PROVED", "NUMERIC", "FAILED", "DEFINITION",
           "ASSUMED", "CITED", "EVIDENCE", "CHECKING_RULES"]
