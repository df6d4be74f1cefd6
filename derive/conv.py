"""Convolution geometry: output sizes (floor and ceil mode, "same" padding) and parameter counts.

Sources: 000 Q2.1 (parameter counts, 1208 and 1,920,800) and Q2.2 (output sizes 256 -> 256 -> 127).
References: Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016),
relationships 6 and 15 (output size, with dilation); PyTorch ``MaxPool2d`` (ceil mode and its
last-window rule).
"""
from __future__ import annotations

import sympy as sp

from .derivation import Derivation
from .registry import derivation

n = sp.Symbol("n", integer=True, positive=True)                  # input size
k = sp.Symbol("k", integer=True, positive=True)                  # kernel
s = sp.Symbol("s", integer=True, positive=True)                  # stride
d = sp.Symbol("d", integer=True, positive=True)                  # dilation
p_left = sp.Symbol("p_l", integer=True, nonnegative=True)
p_right = sp.Symbol("p_r", integer=True, nonnegative=True)
p = sp.Symbol("p", integer=True, nonnegative=True)                # symmetric padding

KAPPA = d * (k - 1) + 1
"""Effective kernel: a kernel of k taps spaced d apart spans d(k-1)+1 input positions."""

SPAN = n + p_left + p_right - KAPPA
"""Room for window starts: window o starts at o·s and fits iff o·s <= n + p_l + p_r - κ."""

OUTPUT_SIZE = sp.floor(SPAN / s) + 1
"""out = ⌊(n + p_l + p_r - d(k-1) - 1)/s⌋ + 1 (symmetric padding: p_l = p_r = p)."""

OUTPUT_SIZE_CEIL = sp.Min(sp.ceiling(SPAN / s) + 1, sp.ceiling((n + p_left) / s))
"""Ceil mode: ⌈·⌉ + 1 windows, but only those starting before n + p_l (inside the input or the
left padding): o·s < n + p_l for o = 0..out-1, i.e. out <= ⌈(n + p_l)/s⌉."""

OUTPUT_SIZE_CONTROL = sp.floor((n - k + p_left + p_right) / s)
"""The negative control: ⌊(n - k + 2p)/s⌋, the +1 forgotten (and dilation ignored)."""

SYMBOLS = (n, k, s, p_left, p_right, d)
"""Argument order for lambdifying the output-size expressions."""

# parameter counts
k_h = sp.Symbol("k_h", integer=True, positive=True)
k_w = sp.Symbol("k_w", integer=True, positive=True)
c_in = sp.Symbol("C_in", integer=True, positive=True)
c_out = sp.Symbol("C_out", integer=True, positive=True)
g = sp.Symbol("g", integer=True, positive=True)                   # groups
bias = sp.Symbol("b", integer=True, nonnegative=True)             # 1 with a bias, 0 without
n_in = sp.Symbol("n_in", integer=True, positive=True)
n_out = sp.Symbol("n_out", integer=True, positive=True)

CONV_PARAMS = k_h * k_w * c_in * c_out / g + bias * c_out
"""k_h·k_w·(C_in/g)·C_out weights + C_out biases."""
CONV_PARAMS_CONTROL = k_h * k_w * c_in * c_out + bias * c_out
"""The negative control: groups forgotten."""
CONV_PARAM_SYMBOLS = (c_in, c_out, k_h, k_w, g, bias)

DENSE_PARAMS = n_in * n_out + bias * n_out
DENSE_PARAMS_CONTROL = n_in * n_out
"""The negative control: bias forgotten (1,920,000 for 000 Q2.1)."""
DENSE_PARAM_SYMBOLS = (n_in, n_out, bias)


def _at(expr, **values):
    """Named symbols replaced by integers, left unevaluated so a derivation table shows the
    arithmetic (the instance check evaluates it)."""
    table = {sym: sp.Integer(values[sym.name]) for sym in expr.free_symbols if sym.name in values}
    with sp.evaluate(False):
        return expr.xreplace(table)


@derivation("conv.output_size")
def output_size() -> Derivation:
    dv = Derivation(
        "conv.output_size",
        "out = ⌊(n + 2p - d(k-1) - 1)/s⌋ + 1; ceil mode keeps only windows starting before n + p_l; "
        "'same' at s = 1 needs total padding d(k-1)",
        scope="for all integers n, k, s, d >= 1 and p_l, p_r >= 0 with n + p_l + p_r >= d(k-1)+1 "
              "(floor); ceil mode as a stated rule with worked instances")
    kappa, out = sp.Symbol("κ"), sp.Symbol("out")
    dv.define(sp.Eq(kappa, KAPPA, evaluate=False),
              "effective kernel: k taps spaced d apart cover d(k-1)+1 positions")
    o = sp.Symbol("o", integer=True, nonnegative=True)
    dv.define(sp.LessThan(o * s + KAPPA, n + p_left + p_right),
              "window o covers padded positions o·s .. o·s + κ - 1, so it fits iff o·s + κ <= n + p_l + p_r")
    # division algorithm: n + p_l + p_r - κ = q·s + r with 0 <= r <= s - 1 (write s = r + 1 + t)
    q = sp.Symbol("q", integer=True, nonnegative=True)
    r = sp.Symbol("r", integer=True, nonnegative=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    span = sp.Symbol("A")
    dv.define(sp.Eq(span, q * (r + 1 + t) + r, evaluate=False),
              "division algorithm: A = n + p_l + p_r - κ = q·s + r, 0 <= r < s (s = r + 1 + t, t >= 0)")
    dv.inequality(q * (r + 1 + t) + r, q * (r + 1 + t), r,
                  "window q fits: A - q·s = r >= 0")
    dv.inequality((q + 1) * (r + 1 + t), q * (r + 1 + t) + r, t + 1,
                  "window q+1 does not: (q+1)·s - A = t + 1 > 0", strict=True)
    dv.define(sp.Eq(out, sp.floor(SPAN / s) + 1, evaluate=False),
              "so windows o = 0..q fit, q <= A/s < q + 1 means q = ⌊A/s⌋: out = ⌊A/s⌋ + 1")
    dv.identity(sp.Subs(OUTPUT_SIZE, (p_left, p_right), (p, p)),
                sp.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1,
                "symmetric padding p_l = p_r = p: the formula of the claim")
    dv.identity(sp.Subs(OUTPUT_SIZE, (s, p_right), (1, d * (k - 1) - p_left)), n,
                "'same' size: at s = 1 total padding p_l + p_r = d(k-1) gives out = n")
    dv.instance(_at(OUTPUT_SIZE, n=256, k=3, s=1, p_l=1, p_r=1, d=1), 256,
                "000 Q2.2 layer 1: 256, 3×3, stride 1, padding 1 keeps 256")
    dv.instance(_at(OUTPUT_SIZE, n=256, k=3, s=2, p_l=0, p_r=0, d=1), 127,
                "000 Q2.2 layer 2: ⌊253/2⌋ + 1 = 127 (the notes write 128)")
    dv.instance(_at(OUTPUT_SIZE, n=10, k=3, s=1, p_l=0, p_r=0, d=2), 6,
                "dilation 2 makes a 3-tap kernel span 5: 10 -> 6")
    dv.define(sp.Eq(sp.Symbol("out_ceil"), OUTPUT_SIZE_CEIL, evaluate=False),
              "ceil mode (PyTorch pooling): ⌈A/s⌉ + 1 windows, the last one must start at "
              "(out-1)·s < n + p_l, inside the input or the left padding")
    dv.instance(_at(OUTPUT_SIZE_CEIL, n=6, k=3, s=2, p_l=0, p_r=0, d=1), 3,
                "ceil mode keeps a partial last window: 6, k3 s2 -> 3 (floor gives 2)")
    dv.instance(_at(OUTPUT_SIZE_CEIL, n=5, k=2, s=2, p_l=1, p_r=1, d=1), 3,
                "ceil mode drops a window that would start in the right padding: 5, k2 s2 p1 -> 3, not 4")
    dv.instance(_at(OUTPUT_SIZE, n=6, k=3, s=2, p_l=0, p_r=0, d=1), 2,
                "floor mode on the same input drops the partial window")
    dv.conclude(sp.Eq(out, OUTPUT_SIZE, evaluate=False))
    return dv


@derivation("conv.params")
def conv_params() -> Derivation:
    dv = Derivation("conv.params",
                    "a conv layer has k_h·k_w·C_in·C_out/g weights + C_out biases",
                    scope="for all positive integers with g dividing C_in and C_out")
    a = sp.Symbol("a", integer=True, positive=True)   # C_in = g·a
    c = sp.Symbol("c", integer=True, positive=True)   # C_out = g·c
    dv.define(sp.Eq(sp.Symbol("shape(W)"), sp.Tuple(c_out, c_in / g, k_h, k_w), evaluate=False),
              "weight tensor (C_out, C_in/g, k_h, k_w): each filter sees the C_in/g channels of its group")
    per_group = sp.Mul(g, c * a * k_h * k_w, evaluate=False)       # g groups × (c·a·k_h·k_w) weights
    dv.identity(sp.Add(per_group, bias * g * c, evaluate=False),
                sp.Subs(CONV_PARAMS, (c_in, c_out), (g * a, g * c)),
                "g groups, each mapping a = C_in/g channels to c = C_out/g, plus one bias per output")
    dv.identity(sp.Subs(CONV_PARAMS, g, 1), k_h * k_w * c_in * c_out + bias * c_out,
                "ungrouped: k_h·k_w·C_in·C_out + C_out")
    dv.instance(_at(CONV_PARAMS, k_h=5, k_w=5, C_in=6, C_out=8, g=1, b=1), 1208,
                "000 Q2.1: 8 filters of 5×5×6 with a bias each: 8·150 + 8 = 1208")
    dv.instance(_at(CONV_PARAMS, k_h=3, k_w=3, C_in=32, C_out=32, g=32, b=0), 288,
                "depthwise 3×3 on 32 channels: 9 weights per channel")
    dv.conclude(sp.Eq(sp.Symbol("params"), CONV_PARAMS, evaluate=False))
    return dv


@derivation("dense.params")
def dense_params() -> Derivation:
    dv = Derivation("dense.params", "a dense layer has n_in·n_out weights + n_out biases",
                    scope="for all positive integers n_in, n_out")
    dv.define(sp.Eq(sp.Symbol("shape(W)"), sp.Tuple(n_out, n_in), evaluate=False),
              "y = Wx + b with W of shape (n_out, n_in) and b of length n_out (001 §Linear Layer)")
    dv.identity(sp.Subs(DENSE_PARAMS, bias, 1), n_out * (n_in + 1), "each output has n_in weights and a bias")
    dv.instance(sp.Mul(20, 20, 6, evaluate=False), 2400, "000 Q2.1: the 20×20×6 input flattened")
    dv.instance(sp.Mul(8, 10, 10, evaluate=False), 800, "000 Q2.1: the 8×10×10 output flattened")
    dv.instance(_at(DENSE_PARAMS, n_in=2400, n_out=800, b=1), 1920800,
                "000 Q2.1: 800·2400 + 800 = 1,920,800")
    conv_at = _at(CONV_PARAMS, k_h=5, k_w=5, C_in=6, C_out=8, g=1, b=1)
    dv.instance(sp.Add(_at(DENSE_PARAMS, n_in=2400, n_out=800, b=1), sp.Mul(-1, conv_at, evaluate=False),
                       evaluate=False), 1919592,
                "the cost of dropping weight sharing: 1,920,800 - 1208 more parameters")
    dv.conclude(sp.Eq(sp.Symbol("params"), DENSE_PARAMS, evaluate=False))
    return dv
