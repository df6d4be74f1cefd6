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


def float_array(name, value) -> np.ndarray:
    """``value`` as a floating array (integers become float64), else TypeError naming ``name``."""
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must be a real floating or integer array, got dtype {array.dtype}")
    return array
