"""The notation of the init topic: symbols, the random atoms of fan-in sums, and the initializers' tables.

The tables are conventions and configuration parameters (verify reads Var(W) of an initializer from
``INIT_VARIANCE``); the closed forms each derivation concludes live beside their derivation.
"""
from __future__ import annotations

import sympy as sp

# ---- symbols -----------------------------------------------------------------------------------
n = sp.Symbol("n", integer=True, nonnegative=True)        # number of terms of a sum (a fan-in)
n_in, n_out = sp.symbols("n_in n_out", integer=True, positive=True)
j, k = sp.symbols("j k", integer=True, positive=True)      # indices of the terms
s = sp.Symbol("s", integer=True, positive=True)            # label of a sum (a unit of a layer)
sigma2 = sp.Symbol("σ_W²", positive=True)                  # E[W²] = Var(W) (E[W] = 0)
m2 = sp.Symbol("E[x²]")                                    # common second moment of the x_j (any value)
m_g = sp.Symbol("E[g²]")                                   # second moment of an upstream gradient coordinate
var_x = sp.Symbol("σ_x²", positive=True)                   # Var(x)
mu = sp.Symbol("μ_x", real=True)                           # E[x]
a = sp.Symbol("a", positive=True)                          # half-width of a uniform distribution
slope = sp.Symbol("α", real=True)                          # leaky ReLU negative slope (PyTorch's a)
X = sp.Symbol("X", real=True)                              # argument of Var
C_in, C_out, groups, k_h, k_w = sp.symbols("C_in C_out g k_h k_w", integer=True, positive=True)
L = sp.Symbol("L", integer=True, nonnegative=True)         # depth
lam = sp.Symbol("λ", integer=True, positive=True)          # a layer

# random atoms (undefined functions): W(j, s), x(j, s) the j-th weight and input of sum s; S the partial sums
W, x, S = sp.Function("W", real=True), sp.Function("x", real=True), sp.Function("S", real=True)
Var = sp.Function("Var")
H = sp.Function("E[h²]", positive=True)                    # second moment of the units of layer L

WEIGHT_MEAN = sp.Integer(0)
"""E[W]: the zero mean every fan-in argument rests on (the cross terms vanish because of it)."""

# ---- tables (conventions and configuration parameters, read by verify) -------------------------------
XAVIER_VARIANCE = 2 / (n_in + n_out)
UNIFORM_BOUND = {
    "xavier_uniform": sp.sqrt(6 / (n_in + n_out)),
    "kaiming_uniform": sp.sqrt(6 / n_in),
    "lecun_uniform": sp.sqrt(3 / n_in),
}
"""The bound a of U(-a, a) of each uniform initializer (init.uniform proves each has the variance below)."""
INIT_VARIANCE = {
    "lecun": 1 / n_in,
    "xavier": XAVIER_VARIANCE,
    "kaiming": 2 / n_in,
    "kaiming_leaky": 2 / ((1 + slope**2) * n_in),
    "torch_default": 1 / (3 * n_in),
}
"""Var(W) of each initializer, in terms of fan_in = n_in and fan_out = n_out (configuration parameters)."""
TORCH_GAINS = {
    "linear": sp.Integer(1), "conv1d": sp.Integer(1), "conv2d": sp.Integer(1), "conv3d": sp.Integer(1),
    "conv_transpose1d": sp.Integer(1), "conv_transpose2d": sp.Integer(1), "conv_transpose3d": sp.Integer(1),
    "sigmoid": sp.Integer(1), "tanh": sp.Rational(5, 3), "relu": sp.sqrt(2),
    "leaky_relu": sp.sqrt(2 / (1 + slope**2)), "selu": sp.Rational(3, 4),
}
"""torch.nn.init.calculate_gain's table (PyTorch documentation): conventions, defined in init.gains."""
