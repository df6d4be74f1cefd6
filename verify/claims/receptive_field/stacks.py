"""Stacks for the receptive-field claims: drawn at random or listed exhaustively, turned into numeric
layers, written as numbers (``Measurement.points``), and the depth-L conclusions of ``derive.receptive_field``
evaluated at them.

A stack is a list of layers (kind, kernel, stride, left padding, dilation); the kind tells ``numeric``
whether to pool or convolve and is no argument of any closed form, so it stays out of the points. The
points of a set of stacks are ``(depths, rows)``: each stack's depth, and the rows (k, s, p, d) of every
layer of every stack, one stack after the other (followed by ``units`` where a claim is about unit u).
"""
from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derive import receptive_field as D
from numeric.receptive_field import Layer

RANDOM_STACKS = 300
"""Random stacks per calculator check (scaled by the budget)."""
MAX_DEPTH = 6
"""Deepest random stack (the derivations hold for every depth)."""

PARAMETERS = ("k", "s", "p", "d")
"""The layer functions of the derivations, in the order of a layer's numbers after its kind."""


def random_stack(rng, depth, pool_dilation=False):
    """(kind, kernel, stride, left padding, dilation) per layer; pools are average pools."""
    stack = []
    for _ in range(depth):
        kind = "pool" if rng.random() < 0.3 else "conv"
        k = int(rng.integers(1, 5))
        s = int(rng.integers(1, 4))
        if kind == "pool":
            p = int(rng.integers(0, k // 2 + 1))
            d = int(rng.integers(1, 3)) if pool_dilation else 1
        else:
            p, d = int(rng.integers(0, 3)), int(rng.integers(1, 4))
        stack.append((kind, k, s, p, d))
    return stack


def random_depth(rng):
    """A depth 1..MAX_DEPTH."""
    return int(rng.integers(1, MAX_DEPTH + 1))


def exhaustive_stacks():
    """Every stack of depth <= 2 over k in 1..3, s in 1..3, d in 1..2 (no padding)."""
    layers = [("conv", k, s, 0, d) for k, s, d in itertools.product(range(1, 4), range(1, 4), range(1, 3))]
    yield []
    yield from ([a] for a in layers)
    yield from ([a, b] for a, b in itertools.product(layers, layers))


def layers(stack):
    """The stack as ``numeric.receptive_field`` layers."""
    return [Layer(k, s, p, d, kind) for kind, k, s, p, d in stack]


def as_points(stacks, units=None):
    """``(depths, rows)``, or ``(depths, rows, units)``: the numbers at which the closed forms are evaluated."""
    depths = np.array([len(stack) for stack in stacks], dtype=np.int64)
    rows = np.array([layer[1:] for stack in stacks for layer in stack], dtype=np.int64).reshape(-1, len(PARAMETERS))
    return (depths, rows) if units is None else (depths, rows, np.array(units, dtype=np.int64))


def _cases(points):
    """(rows of one stack, unit) per case; unit 0 where the points hold no units."""
    depths, rows = points[0], points[1]
    units = points[2] if len(points) > 2 else np.zeros(len(depths), dtype=np.int64)
    return zip(np.split(rows, np.cumsum(depths)[:-1]), units.tolist())


@lru_cache(maxsize=None)
def _at_depth(expr, depth):
    """``expr`` (in the depth L, the unit u and the layer functions) at a concrete depth, as a function of
    (u, k_1..k_L, s_1..s_L, p_1..p_L, d_1..d_L)."""
    concrete = expr.xreplace({D.L: sp.Integer(depth)}).doit()
    table = {D.LAYER[name](m): sp.Symbol(f"{name}_{m}") for name in PARAMETERS for m in range(1, depth + 1)}
    concrete = concrete.xreplace(table)
    left = concrete.atoms(AppliedUndef) | (concrete.free_symbols - set(table.values()) - {D.u})
    if left:
        raise ValueError(f"{sp.sstr(expr)[:60]} at depth {depth} still holds {sorted(map(str, left))}")
    return sp.lambdify([D.u, *table.values()], concrete, "math")


def over(form, lhs, points, control=False):
    """The concluded closed form (or recorded control) for ``lhs`` at each case of ``points``."""
    expr = form.expression(lhs, control=control)
    return np.array([_at_depth(expr, len(rows))(unit, *rows.T.reshape(-1).tolist())
                     for rows, unit in _cases(points)], dtype=np.float64)
