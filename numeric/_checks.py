"""Argument checks shared by the numeric modules (private)."""
from __future__ import annotations

import math
import numbers

import numpy as np


def real(name, value, *, positive=False):
    """``value`` as a float: a finite real number (> 0 with ``positive``), else ValueError naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)
