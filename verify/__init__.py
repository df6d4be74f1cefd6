"""verify: claims, Monte Carlo checks and the command line; the one place derive and numeric meet."""
from .claim import Budget, Claim, ClaimResult, Measurement, run_claim
from .closed import Form, linked
from .errors import UsageError
from .mc import DEFAULT_ALPHA, Accumulator, stream, z_critical

__version__ = "0.1.0"

__all__ = [
    # the claim record and its result
    "Claim", "Measurement", "Budget", "ClaimResult", "run_claim", "linked", "Form",
    # Monte Carlo
    "Accumulator", "stream", "z_critical", "DEFAULT_ALPHA",
    # errors
    "UsageError",
]
