"""The field of every unit along one axis, as a periodic interval map (exact, integers only).

Along one axis a node's unit u sees the input positions [lo(u), hi(u)] (inclusive), or nothing (a
transposed convolution whose kernel is shorter than its stride leaves some outputs with only a bias).
For every layer this module knows, lo and hi are *periodic with a shift* (not always monotone: a
dilated transposed convolution's are not):
lo(u + P) = lo(u) + Q and hi(u + P) = hi(u) + Q, so one period of values describes every unit. The
effective stride is the rate Q/P: an integer jump for a conv stack (P = 1), 1/s after a transposed
convolution of stride s (P = s), 0 after global pooling (Q = 0).

Composition follows the bottom-up view of Araujo, Norris & Sim (Distill 2019): if a node's unit u
reads the units [a, b] of its input node, it sees the union of their fields, whose bounding box is
[min of their lo, max of their hi], found among one period of them at each end. A merge (sum or
concatenation) sees the union of its branches: the hull.
"""
from __future__ import annotations

from fractions import Fraction
from math import gcd

from numeric._checks import NumericError

__all__ = ["IDENTITY", "MAX_PERIOD", "AxisMap"]

MAX_PERIOD = 1 << 16
"""Longest period of units a field may repeat with (upsampling factors multiply it)."""


class AxisMap:
    """u -> [lo(u), hi(u)] or None (empty), from one period ``lo``, ``hi`` (None where empty)."""

    __slots__ = ("period", "shift", "lo", "hi", "step")

    def __init__(self, period, shift, lo, hi, step=1):
        self.period, self.shift, self.step = period, shift, step
        self.lo, self.hi = tuple(lo), tuple(hi)

    @classmethod
    def window(cls, start, size, stride, step=1):
        """Unit u sees u·stride + start + t·step for t·step < size (a conv or pool layer of dilation step)."""
        return cls(1, stride, (start,), (start + size - 1,), step)

    @classmethod
    def from_pairs(cls, shift, pairs, step=1):
        """One period of (lo, hi) pairs, None for an empty unit; a local map reads every ``step``-th
        unit from lo to hi (a dilated layer), a field is the whole bounding box."""
        lo = [None if p is None else p[0] for p in pairs]
        hi = [None if p is None else p[1] for p in pairs]
        return cls(len(pairs), shift, lo, hi, step)

    def at(self, u):
        """(lo, hi) of unit ``u``, or None."""
        q, r = divmod(u, self.period)
        if self.lo[r] is None:
            return None
        return self.lo[r] + q * self.shift, self.hi[r] + q * self.shift

    @property
    def stride(self):
        """The effective stride Q/P (a Fraction; an int when P divides Q)."""
        value = Fraction(self.shift, self.period)
        return value.numerator if value.denominator == 1 else value

    def sizes(self):
        """Field sizes of the units of one period (0 for an empty unit)."""
        return [0 if lo is None else hi - lo + 1 for lo, hi in zip(self.lo, self.hi)]

    def over(self, a, b, step=1):
        """The bounding box of the fields of units a, a + step, ..., <= b, or None if all are empty.

        Units one period of candidates apart have the same emptiness and fields ``step·shift`` further
        on (shift >= 0), so the first ``period`` candidates hold the smallest lo, the last the largest hi.
        """
        count = (b - a) // step + 1
        take = min(count, self.period)
        firsts = [self.at(a + j * step) for j in range(take)]
        if all(f is None for f in firsts):
            return None
        end = a + (count - 1) * step
        lasts = [self.at(end - j * step) for j in range(take)]
        return min(f[0] for f in firsts if f), max(f[1] for f in lasts if f)

    def after(self, local):
        """This map seen through ``local``: unit u of the next node reads units local(u) of this one."""
        if local.shift == 0:
            period, shift = local.period, 0
        else:
            k = self.period // gcd(abs(local.shift), self.period)
            period, shift = local.period * k, (k * local.shift // self.period) * self.shift
        if period > MAX_PERIOD:
            raise NumericError(f"the field repeats only every {period} units (more than {MAX_PERIOD}): "
                               f"upsampling factors too large to tabulate")
        pairs = []
        for u in range(period):
            window = local.at(u)
            pairs.append(None if window is None else self.over(*window, local.step))
        return AxisMap.from_pairs(shift, pairs)

    def same_rate(self, other):
        return self.shift * other.period == other.shift * self.period

    def centres(self, period):
        """(lo + hi)/2 of units 0..period-1 (None where empty)."""
        out = []
        for u in range(period):
            span = self.at(u)
            out.append(None if span is None else Fraction(span[0] + span[1], 2))
        return out

    def __eq__(self, other):
        if not isinstance(other, AxisMap):
            return NotImplemented
        period = self.period * other.period // gcd(self.period, other.period)
        return self.same_rate(other) and all(self.at(u) == other.at(u) for u in range(period))

    def __repr__(self):
        return f"AxisMap(period={self.period}, shift={self.shift}, lo={self.lo}, hi={self.hi})"


IDENTITY = AxisMap.window(0, 1, 1)


def hull(maps):
    """(map, note): the union of the branches' fields, and None or a line saying why they are misaligned.

    Branches are aligned when their effective strides agree and the offset between their centres is the
    same for every unit and a whole number of units (of the effective stride); a whole shift (a U-Net
    crop) is said, not refused. Different strides leave no periodic hull (map None); a centre offset
    that is not an integer or varies from unit to unit is reported with the hull computed anyway.
    """
    first = maps[0]
    strides = [m.stride for m in maps]
    if any(not first.same_rate(m) for m in maps[1:]):
        return None, "misaligned: effective strides differ (" + ", ".join(map(str, strides)) + ")"
    period = 1
    for m in maps:
        period = period * m.period // gcd(period, m.period)
    if period > MAX_PERIOD:
        raise NumericError(f"the merged field repeats only every {period} units (more than {MAX_PERIOD})")
    shift = first.shift * period // first.period
    pairs = []
    for u in range(period):
        spans = [s for s in (m.at(u) for m in maps) if s is not None]
        pairs.append((min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None)
    note = None
    base = first.centres(period)
    rate = Fraction(first.shift, first.period)
    for index, m in enumerate(maps[1:], start=1):
        offsets = sorted({c - b for c, b in zip(m.centres(period), base) if c is not None and b is not None})
        units = [o / rate for o in offsets] if rate else [Fraction(0)]
        if len(offsets) > 1 or any(u.denominator != 1 for u in units):
            shown = ", ".join(str(o) for o in offsets)
            note = (f"misaligned: centres of inputs 0 and {index} are offset by {shown} input positions "
                    f"(effective stride {first.stride})" + (", varying with the unit" if len(offsets) > 1 else ""))
            break
        if offsets and offsets[0]:
            note = f"aligned up to a shift: input {index} is offset by {units[0]} units"
    return AxisMap.from_pairs(shift, pairs), note
