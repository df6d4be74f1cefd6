"""The one exception type at derive's boundary: bad input from a user (an expression, an activation, an option)."""


class DeriveError(ValueError, TypeError):
    """Bad input to derive, stated in one line: what was received, the rule it breaks, and where.

    A subclass of both ``ValueError`` and ``TypeError``, so code that catches either still catches it.
    """
