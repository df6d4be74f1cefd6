"""Linear layers and MLPs: batch form, composition of affine maps, rank of a product, the forward pass.

Sources: 001 §Core Equations, §Batch vs Single Sample, §Forward Pass Pseudocode; 000 Q1.2, Q1.3.
Matrix identities are proved with explicit symbolic matrices of stated sizes (every entry a polynomial
identity) or with sympy's MatrixSymbol algebra (any sizes), as each step says.
"""
from __future__ import annotations

import sympy as sp

from .derivation import Derivation
from .registry import derivation

RELU = lambda v: sp.Max(0, v)  # noqa: E731
ACTIVATIONS = {"relu": RELU, "tanh": sp.tanh, "linear": lambda v: v}


def symbolic_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, c: sp.Symbol(f"{name}_{i}{c}", real=True))


def mlp_expression(widths, activation: str = "relu", output_activation: bool = False):
    """y = W_L φ(… φ(W_1 x + b_1) …) + b_L for one input column x, as a sympy Matrix in named symbols.

    Returns (y, x, weights, biases), the last three as symbolic matrices. ``output_activation=True``
    builds the negative control (φ on the output too).
    """
    phi = ACTIVATIONS[activation]
    x = symbolic_matrix("x", widths[0], 1)
    weights = [symbolic_matrix(f"W{i + 1}", widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    biases = [symbolic_matrix(f"b{i + 1}", widths[i + 1], 1) for i in range(len(widths) - 1)]
    h = x
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = w * h + b
        if i < len(weights) - 1 or output_activation:
            h = h.applyfunc(phi)
    return h, x, weights, biases


@derivation("linear.batch")
def batch() -> Derivation:
    d = Derivation("linear.batch", "Y = XWᵀ + b stacks the rows (Wx_i + b)ᵀ; row-major W' = Wᵀ gives Y = XW' + b",
                   scope="MatrixSymbol algebra for any sizes; entrywise for B = 3, n = 4, m = 2")
    B, nn, m = sp.symbols("B n m", integer=True, positive=True)
    Xs, Ws = sp.MatrixSymbol("X", B, nn), sp.MatrixSymbol("W", m, nn)
    d.identity(sp.Transpose(Xs * Ws.T), Ws * Xs.T, "(XWᵀ)ᵀ = WXᵀ: column i of WXᵀ is W x_i (any B, n, m)")
    X, W, b = symbolic_matrix("X", 3, 4), symbolic_matrix("W", 2, 4), symbolic_matrix("b", 2, 1)
    Y = X * W.T + sp.ones(3, 1) * b.T
    stacked = sp.Matrix.vstack(*[(W * X[i, :].T + b).T for i in range(3)])
    # the products are kept unevaluated so the table shows XWᵀ + 1bᵀ, not its entries on both sides
    IM, ones = sp.ImmutableMatrix, sp.ImmutableMatrix(sp.ones(3, 1))
    shown_Y = sp.MatAdd(sp.MatMul(IM(X), sp.Transpose(IM(W))), sp.MatMul(ones, sp.Transpose(IM(b))), evaluate=False)
    d.identity(shown_Y, stacked, "each row of XWᵀ + 1bᵀ is (W x_i + b)ᵀ (3 samples, n = 4, m = 2)")
    Wp = W.T
    d.identity(sp.MatAdd(sp.MatMul(IM(X), IM(Wp)), sp.MatMul(ones, sp.Transpose(IM(b))), evaluate=False), Y,
               "row-major weights W' = Wᵀ (shape (n, m)): XW' + b is the same Y")
    d.define(sp.Eq(sp.Symbol("shape(XW)"), sp.Symbol("undefined for W of shape (m, n), m ≠ n"), evaluate=False),
             "the notes' 'Y = XW + b' needs W of shape (n, m): with the (m, n) matrix of y = Wx it does not conform")
    d.conclude(sp.Eq(sp.Symbol("Y"), sp.Symbol("XWᵀ + b"), evaluate=False))
    return d


@derivation("linear.composition")
def composition() -> Derivation:
    d = Derivation("linear.composition", "W2(W1x + b1) + b2 = (W2W1)x + (W2b1 + b2): affine ∘ affine is affine",
                   scope="MatrixSymbol algebra for any conformable sizes; by induction for any depth")
    n0, n1, n2 = sp.symbols("n_0 n_1 n_2", integer=True, positive=True)
    W1, W2 = sp.MatrixSymbol("W_1", n1, n0), sp.MatrixSymbol("W_2", n2, n1)
    b1, b2, x = sp.MatrixSymbol("b_1", n1, 1), sp.MatrixSymbol("b_2", n2, 1), sp.MatrixSymbol("x", n0, 1)
    lhs = W2 * (W1 * x + b1) + b2
    d.identity(lhs, W2 * W1 * x + (W2 * b1 + b2), "distributivity of the matrix product")
    Wc, bc = symbolic_matrix("W", 2, 3), symbolic_matrix("c", 2, 1)
    A, a0 = symbolic_matrix("A", 3, 3), symbolic_matrix("a", 3, 1)
    xc = symbolic_matrix("x", 3, 1)
    d.identity(Wc * (A * xc + a0) + bc, (Wc * A) * xc + (Wc * a0 + bc),
               "entrywise for sizes 3 → 3 → 2: the induction step (a depth-L net collapsed to (A, a), one more layer)")
    d.identity((Wc * (A * xc + a0) + bc) - ((Wc * A) * xc + Wc * a0), bc,
               "the control forgets b2: it is off by b2 exactly")
    d.conclude(sp.Eq(sp.Symbol("W2(W1x+b1)+b2"), sp.Symbol("(W2W1)x + (W2b1+b2)"), evaluate=False))
    return d


@derivation("linear.rank")
def rank() -> Derivation:
    d = Derivation("linear.rank", "rank(W_L⋯W_1) <= min_l rank(W_l)",
                   scope="polynomial identities for the stated sizes (3×2 · 2×3 and 4×3 · 3×1·1×3)")
    W1, W2 = symbolic_matrix("A", 2, 3), symbolic_matrix("B", 3, 2)
    d.identity(sp.Determinant(sp.MatMul(sp.ImmutableMatrix(W2), sp.ImmutableMatrix(W1), evaluate=False)), 0,
               "a 3×3 product through a width-2 bottleneck: every 3×3 minor (the det) vanishes")
    u, v = symbolic_matrix("u", 3, 1), symbolic_matrix("v", 1, 3)
    C = symbolic_matrix("C", 4, 3)
    # the 2×2 minor of P = C·u·v on rows r, columns c is det(C[r, :]·u·v[:, c]), shown unevaluated
    IM = sp.ImmutableMatrix
    minors = [sp.Determinant(sp.MatMul(IM(C.extract(list(r), [0, 1, 2])), IM(u), IM(v.extract([0], list(c))),
                                       evaluate=False))
              for r in ((0, 1), (1, 2), (2, 3), (0, 3)) for c in ((0, 1), (1, 2), (0, 2))]
    d.identity(sp.Matrix(minors), sp.zeros(len(minors), 1),
               "a rank-1 factor u·v (3×3) makes C·u·v rank <= 1: its 2×2 minors vanish (12 of them checked)")
    d.define(sp.Eq(sp.Symbol("rank(AB)"), sp.Symbol("<= min(rank A, rank B)"), evaluate=False),
             "in general: col(AB) ⊆ col(A) and row(AB) ⊆ row(B); by induction over the factors")
    d.identity(sp.MatMul(IM([[1, 0], [0, 1], [0, 0]]), IM([[1, 0, 0], [0, 1, 0]]), evaluate=False),
               sp.diag(1, 1, 0), "the bound is attained: a 3×2·2×3 product of rank 2")
    return d


@derivation("mlp.forward")
def mlp_forward() -> Derivation:
    d = Derivation("mlp.forward", "φ on every hidden layer, none on the output",
                   scope="definition (001 §Forward Pass Pseudocode), with a worked instance")
    y, x, weights, biases = mlp_expression((2, 2, 1), "relu")
    d.define(sp.Eq(sp.Symbol("y"), y[0], evaluate=False),
             "h_l = φ(W_l h_(l-1) + b_l) for l < L; y = W_L h_(L-1) + b_L (no activation on the output)")
    values = {x[0]: 1, x[1]: 2, biases[0][0]: 0, biases[0][1]: 0, biases[1][0]: 0,
              weights[0][0, 0]: 1, weights[0][0, 1]: 0, weights[0][1, 0]: 0, weights[0][1, 1]: 1,
              weights[1][0, 0]: -1, weights[1][0, 1]: -1}
    d.instance(sp.Subs(y[0], tuple(values), tuple(values.values())),
               -3, "W1 = I, W2 = (-1, -1), x = (1, 2): the output -3 is negative")
    wrong, *_ = mlp_expression((2, 2, 1), "relu", output_activation=True)
    d.instance(sp.Subs(wrong[0], tuple(values), tuple(values.values())),
               0, "with ReLU on the output too it would be 0: a regression head could "
                  "never output a negative value")
    d.conclude(sp.Eq(sp.Symbol("y"), sp.Symbol("W_L h_(L-1) + b_L"), evaluate=False))
    return d
