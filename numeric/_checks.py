"""Argument checks for every numeric module (private), and the one exception type they raise.

Each check returns the value in the form its caller computes with (an int, a float, a tuple, an array,
a Generator) or raises ``NumericError`` with one line that names the argument, the value received and
the rule it breaks: "kernel must be >= 1, got 0", "fan_out must be an integer >= 1, got 2.5 (float)".
A value of the wrong kind is told the whole rule; a value of the right kind only the bound it misses.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "NumericError",
    "integer", "real", "flag", "one_of", "function",
    "is_pair", "is_pair_of_pairs", "pair", "sides", "int_tuple", "widths",
    "float_array", "matrix", "float_dtype", "generator",
    "MAX_BYTES", "allocation",
]

MAX_BYTES = 2**31
"""Largest array (2 GiB) a numeric function allocates on request; above it the request is refused
before anything is allocated, with the size it would have needed."""


class NumericError(ValueError, TypeError):
    """Bad input to a ``numeric`` function; the message names the argument, the value and the rule.

    A ValueError, so ``except ValueError`` catches every refusal; also a TypeError, so code written
    when a wrong type raised TypeError keeps working.
    """


# ---------------------------------------------------------------- scalars

def integer(name, value, minimum=None) -> int:
    """``value`` as an int, >= ``minimum`` when one is given (a bool is not an integer here)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        bound = "" if minimum is None else f" >= {minimum}"
        raise NumericError(f"{name} must be an integer{bound}, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise NumericError(f"{name} must be >= {minimum}, got {value}")
    return value


def real(name, value, minimum=None, *, strict=False) -> float:
    """``value`` as a finite float, >= ``minimum`` (> with ``strict``) when one is given."""
    bound = "" if minimum is None else f" {'>' if strict else '>='} {minimum}"
    number = None
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        try:
            number = float(value)
        except OverflowError:   # an int beyond float range
            number = None
    if number is None or not math.isfinite(number):
        raise NumericError(f"{name} must be a finite real number{bound}, got {value!r}")
    if minimum is not None and (number < minimum or (strict and number == minimum)):
        raise NumericError(f"{name} must be{bound}, got {value!r}")
    return number


def flag(name, value) -> bool:
    """``value`` if it is a bool (numpy's included); 1, "yes" and None are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise NumericError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def one_of(name, value, choices):
    """``value`` if it is one of ``choices``, compared without coercion (an array or a list is no name)."""
    if not any(value is c or (c is not None and isinstance(value, type(c)) and value == c) for c in choices):
        raise NumericError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def function(name, value):
    """``value`` if it is callable (a function of arrays)."""
    if not callable(value):
        raise NumericError(f"{name} must be a callable on arrays, got {value!r}")
    return value


# ---------------------------------------------------------------- integer pairs and tuples

def is_pair(value) -> bool:
    """A tuple or a list: the spelling of a per-axis or per-side value."""
    return isinstance(value, (tuple, list))


def is_pair_of_pairs(value) -> bool:
    """((a, b), (c, d)): one (left, right) padding per axis."""
    return is_pair(value) and len(value) == 2 and all(is_pair(v) for v in value)


def pair(name, value, minimum, layout="(h, w)") -> tuple[int, int]:
    """An int (the same on both) or a pair of ints, each >= ``minimum``, as a 2-tuple."""
    if is_pair(value):
        if len(value) != 2:
            raise NumericError(f"{name} must be an int or an {layout} pair, got {value!r}")
        return (integer(f"{name}[0]", value[0], minimum), integer(f"{name}[1]", value[1], minimum))
    v = integer(name, value, minimum)
    return (v, v)


def sides(name, value) -> tuple[int, int]:
    """One axis' padding: an int >= 0 (both sides) or a (left, right) pair, as (left, right)."""
    return pair(name, value, 0, "(left, right)")


def int_tuple(name, value, layout, *, minimum=0, length=None, min_length=0, noun="entries") -> tuple[int, ...]:
    """A sequence of integers >= ``minimum`` (``layout`` spells it, e.g. "(N, C, H, W)") as a tuple."""
    wrong = f"{name} must be a sequence of integers {layout}, got {value!r}"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise NumericError(wrong)
    values = tuple(value)
    if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) for v in values):
        raise NumericError(wrong)
    values = tuple(int(v) for v in values)
    if length is not None and len(values) != length:
        raise NumericError(f"{name} must have {length} {noun} {layout}, got {values!r}")
    if len(values) < min_length:
        raise NumericError(f"{name} must have at least {min_length} {noun} {layout}, got {values!r}")
    for i, v in enumerate(values):
        if v < minimum:
            raise NumericError(f"{name}[{i}] must be >= {minimum}, got {v} in {values!r}")
    return values


def widths(value) -> tuple[int, ...]:
    """Layer widths (n_0, n_1, ..., n_L): L >= 1 layers, every n_l >= 1."""
    return int_tuple("widths", value, "(n_0, ..., n_L)", minimum=1, min_length=2)


# ---------------------------------------------------------------- arrays, dtypes, generators

def float_array(name, value, *, ndim=None, layout="") -> np.ndarray:
    """``value`` as a floating array (integers become float64), with ``ndim`` dimensions when given."""
    if isinstance(value, np.ma.MaskedArray):  # np.asarray would drop the mask and use the hidden values
        raise NumericError(f"{name} must be a plain array, got a masked array (its mask would be ignored); "
                           "pass value.filled(...) or value.compressed()")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):   # ragged nested sequences
        raise NumericError(f"{name} must be a real array, got {_short(value)}") from None
    if array.dtype.kind == "b":
        raise NumericError(f"{name} must be a real floating or integer array, got dtype bool "
                           "(True/False are not numbers here)")
    if ndim is not None and array.ndim != ndim:
        raise NumericError(f"{name} must have {ndim} dimensions{' ' + layout if layout else ''}, got shape {array.shape}")
    if array.dtype.kind in "iu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise NumericError(f"{name} must be a real floating or integer array, got dtype {array.dtype}")
    return array


def matrix(name, value, rows=None, cols=None) -> np.ndarray:
    """A 2-D floating array with ``rows`` rows and ``cols`` columns where those are given."""
    array = float_array(name, value, ndim=2, layout="(rows, columns)")
    if (rows is not None and array.shape[0] != rows) or (cols is not None and array.shape[1] != cols):
        expected = (rows if rows is not None else "any", cols if cols is not None else "any")
        raise NumericError(f"{name} must have shape {expected}, got {array.shape}")
    return array


def float_dtype(name, value) -> np.dtype:
    """float32 or float64, as a numpy dtype."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype not in (np.float32, np.float64):
        shown = repr(value) if dtype is None else str(dtype)
        raise NumericError(f"{name} must be float32 or float64, got {shown}")
    return dtype


def generator(rng) -> np.random.Generator:
    """A numpy Generator from None (fresh entropy), a seed >= 0, a SeedSequence, a BitGenerator or a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    seed = isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and rng >= 0
    if rng is None or seed or isinstance(rng, (np.random.SeedSequence, np.random.BitGenerator)):
        return np.random.default_rng(rng)
    raise NumericError("rng must be None, a seed (an integer >= 0), a SeedSequence, a BitGenerator or a "
                       f"numpy Generator, got {rng!r}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def allocation(name, shape, dtype=np.float64, copies=1) -> None:
    """Refuse, before allocating, ``copies`` arrays of ``shape`` and ``dtype`` whose size exceeds MAX_BYTES."""
    elements = math.prod(int(n) for n in shape)
    size = elements * np.dtype(dtype).itemsize * copies
    if size > MAX_BYTES:
        raise NumericError(f"{name} would need {_bytes(size)} ({copies} × shape {tuple(int(n) for n in shape)} of "
                           f"{np.dtype(dtype)}), above numeric's limit of {_bytes(MAX_BYTES)} (numeric._checks.MAX_BYTES)")


def _bytes(size: int) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"
