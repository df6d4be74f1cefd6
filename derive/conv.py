"""Convolution geometry: output sizes (floor and ceil mode, "same" padding) and parameter counts.

Sources: 000 Q2.1 (parameter counts, 1208 and 1,920,800) and Q2.2 (output sizes 256 -> 256 -> 127).
References: Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016),
relationships 6 and 15 (output size, with dilation); PyTorch ``MaxPool2d`` (ceil mode and its
last-window rule).

The output size is a count of windows. Window o starts at o·s in the padded input and covers
o·s .. o·s + κ - 1 (κ = d(k-1) + 1), so it fits iff o·s <= A = n + p_l + p_r - κ. The kernel's division
rule gives q = ⌊A/s⌋ and r = A - q·s with A = q·s + r and 0 <= r <= s - 1: window q fits (A - q·s = r >= 0),
window q + 1 does not (combining r <= s - 1 with A = q·s + r: (q + 1)·s - A >= 1), so the windows are
o = 0..q and out = q + 1 = ⌊A/s⌋ + 1. The builders read the module constants below, so a test can make a
lemma false (``LAST_WINDOW``, ``WINDOWS``, ``OUTPUT_SIZE``, ...) and watch the derivation fail.
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

# the window count: quotient and remainder of A = q·s + r (new symbols of the division rule); o indexes windows
q = sp.Symbol("q", integer=True)
r = sp.Symbol("r", integer=True, nonnegative=True)
o = sp.Symbol("o", integer=True, nonnegative=True)
kappa = sp.Symbol("κ")
room = sp.Symbol("A")
out = sp.Symbol("out")
"""The number of windows (floor mode): the left side of the concluded output size."""
out_ceil = sp.Symbol("out_ceil")
"""The number of windows in ceil mode (PyTorch pooling)."""

KAPPA = d * (k - 1) + 1
"""Effective kernel: a kernel of k taps spaced d apart spans d(k-1)+1 input positions."""

SPAN = n + p_left + p_right - KAPPA
"""Room for window starts: window o starts at o·s and fits iff o·s <= n + p_l + p_r - κ."""

LAST_WINDOW = q
"""The last window that fits: o = q = ⌊A/s⌋ (window q + 1 starts past the room A)."""

WINDOWS = sp.Sum(1, (o, 0, q))
"""The windows that fit are o = 0..q: their count."""

OUTPUT_SIZE = sp.floor(SPAN / s) + 1
"""out = ⌊(n + p_l + p_r - d(k-1) - 1)/s⌋ + 1 (symmetric padding: p_l = p_r = p)."""

OUTPUT_SIZE_CEIL = sp.Min(sp.ceiling(SPAN / s) + 1, sp.ceiling((n + p_left) / s))
"""Ceil mode: ⌈·⌉ + 1 windows, but only those starting before n + p_l (inside the input or the
left padding): o·s < n + p_l for o = 0..out-1, i.e. out <= ⌈(n + p_l)/s⌉."""

CEIL_RULE = sp.Min(sp.ceiling(room / s) + 1, sp.ceiling((n + p_left) / s))
"""PyTorch's ceil-mode rule as assumed, in terms of the room A."""

OUTPUT_SIZE_CONTROL = sp.floor((n - k + p_left + p_right) / s)
"""The negative control: ⌊(n - k + 2p)/s⌋, the +1 forgotten (and dilation ignored)."""

SAME_PADDING = d * (k - 1)
"""Total padding p_l + p_r that keeps the size at stride 1."""

SAME = sp.Subs(OUTPUT_SIZE, (s, p_right), (1, SAME_PADDING - p_left))
"""The output size at stride 1 with total padding d(k-1): the left side of the 'same' conclusion (= n)."""

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
params = sp.Symbol("params")
"""The number of parameters of a layer: the left side of both parameter-count conclusions."""
weights, biases = sp.Symbol("weights"), sp.Symbol("biases")
a_in, c_group = sp.Symbol("a"), sp.Symbol("c")                    # channels per group, in and out

CONV_WEIGHT_SHAPE = (c_out, c_in / g, k_h, k_w)
"""PyTorch's Conv2d.weight: (C_out, C_in/g, k_h, k_w): each filter sees the C_in/g channels of its group."""
CONV_BIAS_SHAPE = (bias * c_out,)
DENSE_WEIGHT_SHAPE = (n_out, n_in)
"""y = Wx + b: W of shape (n_out, n_in) and b of length n_out (b = 0 without a bias)."""
DENSE_BIAS_SHAPE = (bias * n_out,)

CONV_PARAMS = k_h * k_w * c_in * c_out / g + bias * c_out
"""k_h·k_w·(C_in/g)·C_out weights + C_out biases."""
CONV_PARAMS_CONTROL = k_h * k_w * c_in * c_out + bias * c_out
"""The negative control: groups forgotten."""
CONV_PARAM_SYMBOLS = (c_in, c_out, k_h, k_w, g, bias)

DENSE_PARAMS = n_in * n_out + bias * n_out
DENSE_PARAMS_CONTROL = n_in * n_out
"""The negative control: bias forgotten (1,920,000 for 000 Q2.1)."""
DENSE_PARAM_SYMBOLS = (n_in, n_out, bias)

_CEIL = ("PyTorch documentation, torch.nn.MaxPool2d, ceil_mode: 'use ceil instead of floor to compute the "
         "output shape' and 'sliding windows that would start in the right padded region are ignored', so "
         "o·s < n + p_l for every window; ATen pooling_output_shape (aten/src/ATen/native/Pool.h), which "
         "drops the last window when (out-1)·s >= n + p_l (the same where PyTorch allows the padding, "
         "at most half the kernel)")


def _at(expr, **values):
    """Named symbols replaced by integers, left unevaluated so a derivation table shows the
    arithmetic (the instance check evaluates it)."""
    table = {sym: sp.Integer(values[sym.name]) for sym in expr.free_symbols if sym.name in values}
    with sp.evaluate(False):
        return expr.xreplace(table)


def _count(shape) -> sp.Expr:
    """The number of entries of an array of ``shape``: the product of its sizes (shown unevaluated)."""
    return sp.Mul(*shape, evaluate=False)


@derivation("conv.output_size")
def output_size() -> Derivation:
    dv = Derivation(
        "conv.output_size",
        "out = ⌊(n + 2p - d(k-1) - 1)/s⌋ + 1; ceil mode keeps only windows starting before n + p_l; "
        "'same' at s = 1 needs total padding d(k-1)",
        scope="for all integers n, k, s, d >= 1 and p_l, p_r >= 0 with n + p_l + p_r >= d(k-1)+1 (floor mode: "
              "at least one window); ceil mode is PyTorch's rule, assumed, with worked instances")
    dv.define(kappa, KAPPA, "effective kernel: k taps spaced d apart cover d(k-1)+1 positions")
    dv.define(room, n + p_left + p_right - kappa,
              "room for window starts: window o covers padded positions o·s .. o·s + κ - 1, "
              "so it fits iff o·s <= A")
    split, _, below_stride = dv.divide(room, s, q, r, "the division algorithm: q = ⌊A/s⌋, r = A - q·s")
    quotient = dv.identity(sp.floor(room / s), q, "⌊A/s⌋ = q: the quotient of the division")

    # the window-count lemma: window q fits, window q + 1 does not
    dv.inequality(room, LAST_WINDOW * s, r, "window q fits: A - q·s = r >= 0")
    both_sides = dv.identity(q * s + 1, q * s + 1, "added to both sides below")
    beyond = dv.combine([split, below_stride, both_sides], [-1, 1, 1],
                        "r <= s - 1 minus A = q·s + r, plus q·s + 1 on both sides")
    dv.chain(dv.identity((LAST_WINDOW + 1) * s - room, q * s + s - room, "expand"), beyond,
             justification="window q + 1 does not fit: (q + 1)·s - A >= 1")
    dv.define(out, WINDOWS, "the windows that fit are o = 0..q: o·s <= q·s <= A for o <= q, "
                            "o·s >= (q + 1)·s > A for o > q")
    dv.chain(dv.rewrite(sp.floor(room / s) + 1, [quotient], "⌊A/s⌋ = q"),
             dv.identity(q + 1, out, "q + 1 windows"),
             justification="out = ⌊A/s⌋ + 1")

    dv.identity(sp.Subs(OUTPUT_SIZE, (p_left, p_right), (p, p)),
                sp.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1,
                "symmetric padding p_l = p_r = p: the formula of the claim")
    same = dv.identity(SAME, n, "'same' size: at s = 1 total padding p_l + p_r = d(k-1) gives out = n")
    dv.instance(_at(OUTPUT_SIZE, n=256, k=3, s=1, p_l=1, p_r=1, d=1), 256,
                "000 Q2.2 layer 1: 256, 3×3, stride 1, padding 1 keeps 256")
    dv.instance(_at(OUTPUT_SIZE, n=256, k=3, s=2, p_l=0, p_r=0, d=1), 127,
                "000 Q2.2 layer 2: ⌊253/2⌋ + 1 = 127 (the notes write 128)")
    dv.instance(_at(OUTPUT_SIZE, n=10, k=3, s=1, p_l=0, p_r=0, d=2), 6,
                "dilation 2 makes a 3-tap kernel span 5: 10 -> 6")

    ceil = dv.assume("PyTorch ceil mode", sp.Eq(out_ceil, CEIL_RULE, evaluate=False), _CEIL,
                     justification="ceil mode (PyTorch pooling): ⌈A/s⌉ + 1 windows, but those that would start "
                                   "in the right padding are dropped")
    dv.rewrite(out_ceil, [ceil], "ceil mode: ⌈A/s⌉ + 1 windows, each starting at o·s < n + p_l")
    dv.instance(_at(OUTPUT_SIZE_CEIL, n=6, k=3, s=2, p_l=0, p_r=0, d=1), 3,
                "ceil mode keeps a partial last window: 6, k3 s2 -> 3 (floor gives 2)")
    dv.instance(_at(OUTPUT_SIZE_CEIL, n=5, k=2, s=2, p_l=1, p_r=1, d=1), 3,
                "ceil mode drops a window that would start in the right padding: 5, k2 s2 p1 -> 3, not 4")
    dv.instance(_at(OUTPUT_SIZE, n=6, k=3, s=2, p_l=0, p_r=0, d=1), 2,
                "floor mode on the same input drops the partial window")

    dv.control(OUTPUT_SIZE_CONTROL, out, "⌊(n - k + 2p)/s⌋: the +1 forgotten, dilation ignored")
    dv.identity(sp.Subs(OUTPUT_SIZE, d, 1) - OUTPUT_SIZE_CONTROL, 1,
                "the control is one window short at d = 1 (with dilation it is further off)")
    dv.conclude(sp.Eq(out, OUTPUT_SIZE, evaluate=False), sp.Eq(out_ceil, OUTPUT_SIZE_CEIL, evaluate=False),
                same.statement, justification="floor mode, ceil mode, 'same' padding")
    return dv


@derivation("conv.params")
def conv_params() -> Derivation:
    dv = Derivation("conv.params",
                    "a conv layer has k_h·k_w·C_in·C_out/g weights + C_out biases",
                    scope="for all positive integers with g dividing C_in and C_out (b = 1 with a bias, 0 without)")
    dv.define(weights, _count(CONV_WEIGHT_SHAPE),
              "the weight tensor (C_out, C_in/g, k_h, k_w) (PyTorch Conv2d.weight): its entries")
    dv.define(biases, _count(CONV_BIAS_SHAPE), "one bias per output channel (b = 1), none without (b = 0)")
    dv.define(params, weights + biases, "every parameter is a weight or a bias")
    dv.define(a_in, c_in / g, "a = C_in/g input channels per group")
    dv.define(c_group, c_out / g, "c = C_out/g output channels per group")
    dv.identity(weights, g * (c_group * a_in * k_h * k_w),
                "the same count group by group: g independent convs, each c filters of a·k_h·k_w taps")
    main = dv.identity(params, CONV_PARAMS, "k_h·k_w·C_in·C_out/g weights + b·C_out biases")
    dv.identity(sp.Subs(CONV_PARAMS, g, 1), k_h * k_w * c_in * c_out + bias * c_out,
                "ungrouped: k_h·k_w·C_in·C_out + C_out")
    dv.instance(_at(CONV_PARAMS, k_h=5, k_w=5, C_in=6, C_out=8, g=1, b=1), 1208,
                "000 Q2.1: 8 filters of 5×5×6 with a bias each: 8·150 + 8 = 1208")
    dv.instance(_at(CONV_PARAMS, k_h=3, k_w=3, C_in=32, C_out=32, g=32, b=0), 288,
                "depthwise 3×3 on 32 channels: 9 weights per channel")
    dv.control(CONV_PARAMS_CONTROL, params, "k_h·k_w·C_in·C_out + C_out: groups forgotten")
    dv.identity(CONV_PARAMS_CONTROL - params, (g - 1) * k_h * k_w * c_in * c_out / g,
                "the control counts g - 1 extra groups' worth of weights (none at g = 1)")
    dv.conclude(main)
    return dv


@derivation("dense.params")
def dense_params() -> Derivation:
    dv = Derivation("dense.params", "a dense layer has n_in·n_out weights + n_out biases",
                    scope="for all positive integers n_in, n_out (b = 1 with a bias, 0 without)")
    dv.define(weights, _count(DENSE_WEIGHT_SHAPE),
              "y = Wx + b with W of shape (n_out, n_in) (001 §Linear Layer): its entries")
    dv.define(biases, _count(DENSE_BIAS_SHAPE), "b of length n_out (b = 1), none without (b = 0)")
    dv.define(params, weights + biases, "every parameter is a weight or a bias")
    main = dv.identity(params, DENSE_PARAMS, "n_in·n_out weights + b·n_out biases")
    dv.identity(sp.Subs(DENSE_PARAMS, bias, 1), n_out * (n_in + 1), "each output has n_in weights and a bias")
    dv.instance(sp.Mul(20, 20, 6, evaluate=False), 2400, "000 Q2.1: the 20×20×6 input flattened")
    dv.instance(sp.Mul(8, 10, 10, evaluate=False), 800, "000 Q2.1: the 8×10×10 output flattened")
    dv.instance(_at(DENSE_PARAMS, n_in=2400, n_out=800, b=1), 1920800,
                "000 Q2.1: 800·2400 + 800 = 1,920,800")
    conv_at = _at(CONV_PARAMS, k_h=5, k_w=5, C_in=6, C_out=8, g=1, b=1)
    dv.instance(sp.Add(_at(DENSE_PARAMS, n_in=2400, n_out=800, b=1), sp.Mul(-1, conv_at, evaluate=False),
                       evaluate=False), 1919592,
                "the cost of dropping weight sharing: 1,920,800 - 1208 more parameters")
    dv.control(DENSE_PARAMS_CONTROL, params, "n_in·n_out: bias forgotten (1,920,000 for 000 Q2.1)")
    dv.identity(params - DENSE_PARAMS_CONTROL, bias * n_out, "the control misses the n_out biases")
    dv.conclude(main)
    return dv
