"""Claims on receptive fields (000 Q1.7, Q2.2): the interval maps composed over a stack, constant
stacks, effective stride and padding, the field measured from real input gradients, and the width
of the effective receptive field.

Every closed form and control is read from the ``derive.receptive_field`` derivations (``linked``):
those over a stack of any depth are stated with the layer parameters as functions k(l), s(l), p(l),
d(l) of the layer index, and are instantiated here at each stack's depth and parameters. The
measurements come from ``numeric``: ``numeric.receptive_field`` for the calculator, and
``numeric.conv``'s backward passes for the footprints and gradient maps. All checks are exact
(integers), except the effective field's std, which is judged within a stated rounding bound.
"""
from __future__ import annotations

import itertools
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derive import receptive_field as D
from numeric import conv as C
from numeric.receptive_field import Layer, receptive_field

from ..claim import Claim, Measurement
from ..closed import linked

RANDOM_STACKS = 300
"""Random stacks per calculator check (scaled by the budget)."""
EMPIRICAL_STACKS = 120
"""Random stacks whose field is measured from input gradients."""
MAX_DEPTH = 6
"""Deepest random stack (the derivations hold for every depth)."""
ROUNDING_ULPS = 4
"""rf.effective: the measured std rounds twice (Fraction -> float, sqrt), the closed form at most
three times (/12, sqrt, ×d); correctly rounded operations put both within 4 ulp of each other."""

_SOURCE = "000 Q1.7, Q2.2"

_PARAMETERS = (("k", 1), ("s", 2), ("p", 3), ("d", 4))
"""Each layer function of the derivations and where its value sits in a stack's (kind, k, s, p, d)."""


# ---------------------------------------------------------------- conclusions, at a stack's depth

@lru_cache(maxsize=None)
def _at_depth(expr, depth):
    """``expr`` (in the depth L, the unit u and the layer functions) at a concrete depth, as a function of
    (u, k_1..k_L, s_1..s_L, p_1..p_L, d_1..d_L)."""
    concrete = expr.xreplace({D.L: sp.Integer(depth)}).doit()
    table = {D.LAYER[name](m): sp.Symbol(f"{name}_{m}") for name, _ in _PARAMETERS for m in range(1, depth + 1)}
    concrete = concrete.xreplace(table)
    left = concrete.atoms(AppliedUndef) | (concrete.free_symbols - set(table.values()) - {D.u})
    if left:
        raise ValueError(f"{sp.sstr(expr)[:60]} at depth {depth} still holds {sorted(map(str, left))}")
    return sp.lambdify([D.u, *table.values()], concrete, "math")


def _value(expr, stack, unit=0):
    """``expr`` for one stack (kind, kernel, stride, left padding, dilation per layer) and unit."""
    values = [layer[at] for _, at in _PARAMETERS for layer in stack]
    return _at_depth(expr, len(stack))(unit, *values)


def _over(form, lhs, rows, control=False):
    """The concluded closed form (or recorded control) for ``lhs`` at each (stack, unit) of ``rows``."""
    expr = form.expression(lhs, control=control)
    return np.array([_value(expr, stack, unit) for stack, unit in rows], dtype=np.float64)


# ---------------------------------------------------------------- stacks

def _random_stack(rng, depth, pool_dilation=False):
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


def _exhaustive_stacks():
    """Every stack of depth <= 2 over k in 1..3, s in 1..3, d in 1..2 (no padding)."""
    layers = [("conv", k, s, 0, d) for k, s, d in itertools.product(range(1, 4), range(1, 4), range(1, 3))]
    yield []
    yield from ([a] for a in layers)
    yield from ([a, b] for a, b in itertools.product(layers, layers))


def _layers(stack):
    return [Layer(k, s, p, d, kind) for kind, k, s, p, d in stack]


# ---------------------------------------------------------------- rf.recurrence

def _recurrence_stacks(config, rng, budget):
    if config["grid"] == "exhaustive":
        return list(_exhaustive_stacks())
    return [_random_stack(rng, int(rng.integers(1, MAX_DEPTH + 1)), pool_dilation=True)
            for _ in range(budget.replicates(RANDOM_STACKS))]


def _measure_recurrence(config, rng, budget):
    stacks = _recurrence_stacks(config, rng, budget)
    sizes = [receptive_field(_layers(stack)).size for stack in stacks]
    return Measurement(np.array(sizes, dtype=np.float64), kind="exact", cases=len(stacks), points=stacks,
                       note="numeric.receptive_field (bottom-up recurrence) against the closed form")


FIELD = D.field(D.L, D.u, 0)
"""rf.recurrence: the field of a depth-L stack (the part of its conclusion checked here)."""


def _recurrence_expected(config, at, form):
    return _over(form, FIELD, [(stack, 0) for stack in at])


def _recurrence_control(config, at, form):
    return _over(form, FIELD, [(stack, 0) for stack in at], control=True)


# ---------------------------------------------------------------- rf.constant_stack

def _measure_constant(config, rng, budget):
    rows = np.array(list(itertools.product(range(1, 8), range(1, 5), range(0, 9))), dtype=np.int64)
    sizes = [receptive_field([Layer(int(k), int(s))] * int(depth)).size for k, s, depth in rows]
    return Measurement(np.array(sizes, dtype=np.float64), kind="exact", cases=len(rows), points=rows,
                       note="(k, s, L) over k 1..7, s 1..4, L 0..8")


def _constant_expected(config, at, form):
    k, s, depth = (at[:, j].astype(np.float64) for j in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):   # the quotient is 0/0 at s = 1, where the other applies
        return np.where(s == 1, form(D.STACK_FIELD_STRIDE_ONE, k=k, L=depth),
                        form(D.STACK_FIELD, k=k, s=s, L=depth))


def _constant_control(config, at, form):
    k, s, depth = (at[:, j].astype(np.float64) for j in range(3))
    return form.control(D.STACK_FIELD, k=k, s=s, L=depth)


# ---------------------------------------------------------------- rf.padding

def _padding_cases(config, rng, budget):
    if config["grid"] == "exhaustive":
        layers = [("conv", k, s, p, d) for k, s, p, d in
                  itertools.product(range(1, 4), range(1, 3), range(0, 2), range(1, 3))]
        for a, b in itertools.product(layers, layers):
            for u in (-1, 2):
                yield [a, b], u
        return
    for _ in range(budget.replicates(RANDOM_STACKS)):
        yield _random_stack(rng, int(rng.integers(1, MAX_DEPTH + 1))), int(rng.integers(-3, 10))


def _measure_padding(config, rng, budget):
    """Span of units u of padded stacks, and the field of the same stack without padding."""
    stacks, spans = [], []
    for stack, u in _padding_cases(config, rng, budget):
        field = receptive_field(_layers(stack))
        unpadded = receptive_field(_layers([(kind, k, s, 0, d) for kind, k, s, _, d in stack]))
        first, last = field.span(u)
        spans.append((first, last, unpadded.size))
        stacks.append((stack, u))
    return Measurement(np.array(spans, dtype=np.float64), kind="exact", cases=len(stacks), points=stacks,
                       note="[first, last, field without padding] per stack and unit u")


SPAN = (D.first(D.L, D.u, 0), D.last(D.L, D.u, 0))
"""rf.padding: the first and last input positions read by unit u (and the size between them)."""


def _padding_expected(config, at, form):
    return np.stack([_over(form, lhs, at) for lhs in (*SPAN, D.SPAN_SIZE)], axis=1)


def _padding_control(config, at, form):
    """Padding counted into the field: size r + 2P, as if the field grew with the padded border."""
    return np.stack([_over(form, SPAN[0], at), _over(form, SPAN[1], at, control=True),
                     _over(form, D.SPAN_SIZE, at, control=True)], axis=1)


# ---------------------------------------------------------------- rf.empirical

def _footprint(stack, rng):
    """Input positions with a non-zero gradient of an interior output unit of a linear stack
    (positive conv weights, average pools), along one axis; returns (u, positions, input size)."""
    field = receptive_field(_layers(stack))
    margin = field.size + field.padding + 3 * field.stride
    size = 2 * margin + 4 * field.stride
    sizes = [size]
    for kind, k, s, p, d in stack:
        sizes.append(C.output_size(sizes[-1], k, s, p, d))
    # an interior unit whose span lies well inside the input: no clipping by the borders
    u = (sizes[-1] - 1) // 2
    grad = np.zeros((1, 1, sizes[-1], 1))
    grad[0, 0, u, 0] = 1.0
    for (kind, k, s, p, d), n_in in zip(reversed(stack), reversed(sizes[:-1])):
        if kind == "pool":
            grad = C.avg_pool2d_grad_input(grad, (1, 1, n_in, 1), (k, 1), (s, 1), (p, 0))
        else:
            weight = rng.uniform(0.5, 1.5, (1, 1, k, 1))
            grad = C.conv2d_grad_input(grad, (1, 1, n_in, 1), weight, (s, 1), (p, 0), (d, 1))
    return u, np.flatnonzero(grad[0, 0, :, 0]), size


def _measure_empirical(config, rng, budget):
    stacks, boxes, holes = [], [], 0
    for _ in range(budget.replicates(EMPIRICAL_STACKS)):
        stack = _random_stack(rng, int(rng.integers(1, MAX_DEPTH + 1)))
        u, support, size = _footprint(stack, rng)
        if support.size == 0 or support[0] == 0 or support[-1] == size - 1:
            raise AssertionError(f"the footprint of {stack} touches the input border: enlarge the input")
        boxes.append((support[0], support[-1]))
        holes += int(support[-1] - support[0] + 1 != support.size)
        stacks.append((stack, u))
    return Measurement(np.array(boxes, dtype=np.float64), kind="exact", cases=len(stacks), points=stacks,
                       note=f"bounding box of the non-zero input gradient; {holes} of {len(stacks)} "
                            f"supports have holes inside the box (dilation, k < s)")


BOX = (D.lo(D.L, D.u), D.hi(D.L, D.u))
"""rf.empirical: the leftmost and rightmost input positions with a non-zero gradient of unit u."""


def _empirical_expected(config, at, form):
    return np.stack([_over(form, lhs, at) for lhs in BOX], axis=1)


def _empirical_control(config, at, form):
    return np.stack([_over(form, BOX[0], at), _over(form, BOX[1], at, control=True)], axis=1)


# ---------------------------------------------------------------- rf.effective

def _gradient_map(k, depth, d):
    """Input gradient of the centre unit of L stride-1 layers with all k weights 1 (exact integers:
    the number of paths, i.e. the L-fold convolution of the uniform k-tap kernel)."""
    extent = depth * d * (k - 1) + 1
    sizes = [extent + 2]
    for _ in range(depth):
        sizes.append(C.output_size(sizes[-1], k, 1, 0, d))
    grad = np.zeros((1, 1, sizes[-1], 1))
    grad[0, 0, sizes[-1] // 2, 0] = 1.0
    weight = np.ones((1, 1, k, 1))
    for n_in in reversed(sizes[:-1]):
        grad = C.conv2d_grad_input(grad, (1, 1, n_in, 1), weight, 1, 0, (d, 1))
    return grad[0, 0, :, 0]


def _exact_std(counts):
    """Std of the positions weighted by integer counts: the variance exactly (Fractions), then sqrt."""
    weights = [int(c) for c in counts]
    total = sum(weights)
    first = Fraction(sum(w * x for x, w in enumerate(weights)), total)
    second = Fraction(sum(w * x * x for x, w in enumerate(weights)), total)
    return float(np.sqrt(float(second - first**2)))


EFFECTIVE_CONFIGS = tuple({"k": k, "L": depth, "d": d}
                          for k, depth, d in itertools.product((2, 3, 5), (2, 4, 8), (1, 2)))


def _measure_effective(config, rng, budget):
    counts = _gradient_map(config["k"], config["L"], config["d"])
    if np.any(counts != np.round(counts)) or counts.sum() != config["k"] ** config["L"]:
        raise AssertionError("the gradient map is not the exact path count")
    std = _exact_std(counts)
    r = int(np.count_nonzero(counts) and np.flatnonzero(counts)[-1] - np.flatnonzero(counts)[0] + 1)
    return Measurement(std, ROUNDING_ULPS * np.spacing(std), kind="bounded", cases=int(counts.size),
                       points=None, note=f"field r = {r}, std of the gradient map {std:.6g}")


def _effective_expected(config, at, form):
    return form(D.ERF_STD, k=config["k"], L=config["L"], d=config["d"])


def _effective_control(config, at, form):
    return form.control(D.ERF_STD, k=config["k"], L=config["L"], d=config["d"])


CLAIMS = [
    Claim(
        id="rf.recurrence",
        title="the interval maps of the layers compose: r = 1 + Σ_l (κ_l - 1)·Π_{i<l} s_i with "
              "κ_l = d_l(k_l - 1) + 1 (recurrence, closed form, top-down form)",
        source=_SOURCE,
        expected=linked(_recurrence_expected, shows=FIELD),
        measure=_measure_recurrence,
        control=linked(_recurrence_control, shows=FIELD),
        configs=({"grid": "exhaustive"}, {"grid": "random"}),
    ),
    Claim(
        id="rf.constant_stack",
        title="L layers k×k stride s: r = 1 + (k-1)(s^L - 1)/(s - 1); (k-1)L + 1 = 9 for k = 3, L = 4, s = 1",
        source="000 Q1.7",
        expected=linked(_constant_expected, shows=(D.STACK_FIELD, D.STACK_FIELD_STRIDE_ONE)),
        measure=_measure_constant,
        control=linked(_constant_control, shows=D.STACK_FIELD),
        configs=({"grid": "exhaustive"},),
    ),
    Claim(
        id="rf.padding",
        title="padding moves a field, never resizes it: unit u sees [u·S - P, u·S - P + r - 1]",
        source="000 Q2.2",
        expected=linked(_padding_expected, shows=(*SPAN, D.SPAN_SIZE)),
        measure=_measure_padding,
        control=linked(_padding_control, shows=D.SPAN_SIZE),
        configs=({"grid": "exhaustive"}, {"grid": "random"}),
    ),
    Claim(
        id="rf.empirical",
        title="the non-zero input gradient of an interior unit of a positive linear stack has bounding "
              "box [u·S - P, u·S - P + r - 1]",
        source=_SOURCE,
        expected=linked(_empirical_expected, shows=BOX),
        measure=_measure_empirical,
        control=linked(_empirical_control, shows=BOX[1]),
        configs=({"depth": f"1..{MAX_DEPTH}", "kinds": "conv, average pool"},),
    ),
    Claim(
        id="rf.effective",
        title="a stride-1 stack of L uniform k-tap kernels has a gradient map of std √(L(k²-1)/12) "
              "(× d with dilation)",
        source="000 Q1.7",
        expected=linked(_effective_expected, shows=D.ERF_STD),
        measure=_measure_effective,
        control=linked(_effective_control, shows=D.ERF_STD),
        configs=EFFECTIVE_CONFIGS,
    ),
]
