"""Linear layers and MLPs: batch form, composition of affine maps, rank of a product, the forward pass.

Sources: 001 §Core Equations, §Batch vs Single Sample, §Forward Pass Pseudocode; 000 Q1.2, Q1.3.
Matrix identities are proved with sympy's MatrixSymbol algebra (any conformable sizes) or with explicit
symbolic matrices of stated sizes (every entry a polynomial identity), as each step says. The rank bound
for all sizes is a textbook theorem, assumed by name; only its instances at stated sizes are proved here.

The module constants are the expressions ``verify`` evaluates: it reads them from the conclusions (or the
definitions and controls) of the registered derivations, never from a second copy.
"""
from __future__ import annotations

from typing import NamedTuple

import sympy as sp

from .derivation import Derivation
from .registry import derivation

RELU = lambda v: sp.Max(0, v)  # noqa: E731
ACTIVATIONS = {"relu": RELU, "tanh": sp.tanh, "linear": lambda v: v}
IM = sp.ImmutableMatrix


def symbolic_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    """A rows×cols matrix of real symbols ``{name}_{i}{c}``."""
    return sp.Matrix(rows, cols, lambda i, c: sp.Symbol(f"{name}_{i}{c}", real=True))


def symbolic_vector(name: str, rows: int) -> sp.Matrix:
    """A column of real symbols ``{name}_{i}``."""
    return sp.Matrix(rows, 1, lambda i, c: sp.Symbol(f"{name}_{i}", real=True))


# ---- linear.batch -----------------------------------------------------------------------------

B, n, m = sp.symbols("B n m", integer=True, positive=True)
X, W, b = sp.MatrixSymbol("X", B, n), sp.MatrixSymbol("W", m, n), sp.MatrixSymbol("b", m, 1)
ONES = sp.OneMatrix(B, 1)
BATCH = sp.MatAdd(sp.MatMul(X, sp.Transpose(W)), sp.MatMul(ONES, sp.Transpose(b)))
"""Y = XWᵀ + 1bᵀ: the batch form (rows X of shape (B, n), W of shape (m, n) as in y = Wx + b)."""
STACKED = sp.Transpose(sp.MatAdd(sp.MatMul(W, sp.Transpose(X)), sp.MatMul(b, sp.Transpose(ONES))))
"""(WXᵀ + b1ᵀ)ᵀ: column i of WXᵀ + b1ᵀ is W x_i + b; transposed, those columns are stacked as rows."""
W_SQUARE, b_SQUARE = sp.MatrixSymbol("W", n, n), sp.MatrixSymbol("b", n, 1)
BATCH_CONTROL = sp.MatAdd(sp.MatMul(X, W_SQUARE), sp.MatMul(ONES, sp.Transpose(b_SQUARE)))
"""The notes' Y = XW + b read with the W of y = Wx: it conforms only when m = n (written at m = n)."""
BATCH_SIZES = (3, 4, 2)
"""(B, n, m) of the entrywise check: 3 samples, n = 4 inputs, m = 2 outputs."""


def stacked_rows(Xe: sp.Matrix, We: sp.Matrix, be: sp.Matrix) -> sp.Matrix:
    """The rows (W x_i + b)ᵀ of a batch, one sample x_i (row i of X) at a time."""
    return sp.Matrix.vstack(*[(We * Xe[i, :].T + be).T for i in range(Xe.rows)])


@derivation("linear.batch")
def batch(sizes=BATCH_SIZES) -> Derivation:
    Bs, ns, ms = sizes
    d = Derivation("linear.batch", "Y = XWᵀ + b stacks the rows (Wx_i + b)ᵀ; row-major W' = Wᵀ gives Y = XW' + b",
                   scope=f"MatrixSymbol algebra for all sizes B, n, m; entrywise for B = {Bs}, n = {ns}, m = {ms}")
    main = d.identity(BATCH, STACKED, "column i of WXᵀ + b1ᵀ is W x_i + b (x_i = row i of X); the transpose "
                                      "stacks those columns as the rows of Y (any B, n, m)")
    Xe, We, be = symbolic_matrix("X", Bs, ns), symbolic_matrix("W", ms, ns), symbolic_matrix("b", ms, 1)
    ones = IM(sp.ones(Bs, 1))
    # the products are kept unevaluated so the table shows XWᵀ + 1bᵀ, not its entries on both sides
    shown = sp.MatAdd(sp.MatMul(IM(Xe), sp.Transpose(IM(We))), sp.MatMul(ones, sp.Transpose(IM(be))),
                      evaluate=False)
    d.identity(shown, stacked_rows(Xe, We, be),
               f"entrywise: row i of XWᵀ + 1bᵀ is (W x_i + b)ᵀ ({Bs} samples, n = {ns}, m = {ms})")
    d.identity(sp.MatAdd(sp.MatMul(IM(Xe), IM(We.T)), sp.MatMul(ones, sp.Transpose(IM(be))), evaluate=False),
               shown, "row-major weights W' = Wᵀ (shape (n, m)): XW' + 1bᵀ is the same Y")
    d.inequality(sp.Integer(Xe.cols), sp.Integer(We.rows), sp.Integer(Xe.cols - We.rows),
                 f"the control XW: X has n = {Xe.cols} columns, W has m = {We.rows} rows; the inner dimensions "
                 "differ, so XW does not conform", strict=True)
    closed_square = sp.MatAdd(sp.MatMul(X, sp.Transpose(W_SQUARE)), sp.MatMul(ONES, sp.Transpose(b_SQUARE)))
    d.identity(sp.MatAdd(BATCH_CONTROL, -closed_square), sp.MatMul(X, W_SQUARE - sp.Transpose(W_SQUARE)),
               "where it conforms (m = n) the control is off by X(W - Wᵀ): zero only for a symmetric W")
    d.control(BATCH_CONTROL, BATCH, "Y = XW + b with the (m, n) weight of y = Wx: undefined for m ≠ n, "
                                    "XW ≠ XWᵀ for a square non-symmetric W")
    d.conclude(main)
    return d


# ---- linear.composition -----------------------------------------------------------------------

n0, n1, n2 = sp.symbols("n_0 n_1 n_2", integer=True, positive=True)
W1, W2 = sp.MatrixSymbol("W_1", n1, n0), sp.MatrixSymbol("W_2", n2, n1)
b1, b2, x = sp.MatrixSymbol("b_1", n1, 1), sp.MatrixSymbol("b_2", n2, 1), sp.MatrixSymbol("x", n0, 1)
COMPOSED = W2 * (W1 * x + b1) + b2
"""Layer 2 applied to layer 1: W₂(W₁x + b₁) + b₂."""
COLLAPSED = sp.MatAdd(sp.MatMul(W2, W1, x), sp.MatAdd(sp.MatMul(W2, b1), b2))
"""One affine layer: (W₂W₁)x + (W₂b₁ + b₂)."""
COMPOSITION_CONTROL = sp.MatAdd(sp.MatMul(W2, W1, x), sp.MatMul(W2, b1))
"""The collapsed bias W₂b₁ alone (b₂ forgotten)."""


@derivation("linear.composition")
def composition(collapsed=COLLAPSED) -> Derivation:
    d = Derivation("linear.composition", "W2(W1x + b1) + b2 = (W2W1)x + (W2b1 + b2): affine ∘ affine is affine",
                   scope="MatrixSymbol algebra for all conformable sizes n_0, n_1, n_2; entrywise for 3 → 3 → 2. "
                         "Any depth by applying it once per layer (the check folds it over depth 2 and 5); "
                         "that fold is not a kernel induction")
    main = d.identity(COMPOSED, collapsed, "distributivity of the matrix product")
    Wc, bc = symbolic_matrix("W", 2, 3), symbolic_matrix("c", 2, 1)
    A, a0, xc = symbolic_matrix("A", 3, 3), symbolic_matrix("a", 3, 1), symbolic_matrix("x", 3, 1)
    d.identity(Wc * (A * xc + a0) + bc, (Wc * A) * xc + (Wc * a0 + bc),
               "the same entrywise for sizes 3 → 3 → 2 (independent of sympy's matrix-expression algebra): "
               "a net collapsed to (A, a), one more layer")
    d.identity(sp.MatAdd(COMPOSED, -COMPOSITION_CONTROL), b2, "the control forgets b₂: it is off by b₂ exactly")
    d.control(COMPOSITION_CONTROL, COMPOSED, "collapsed bias W₂b₁ alone: the last layer's bias forgotten")
    d.conclude(main)
    return d


# ---- linear.rank ------------------------------------------------------------------------------

rank = sp.Function("rank", integer=True, nonnegative=True)
M, N = sp.symbols("M N", commutative=False)
W_l = sp.Symbol("W_l", commutative=False)
BELOW = sp.Symbol("W_(l−1)⋯W_1", commutative=False)
"""The product of the factors below W_l (the identity when l = 1)."""
r_l = sp.Symbol("r_l", integer=True, nonnegative=True)
"""rank W_l."""
rho = sp.Symbol("rho_{l-1}", integer=True, nonnegative=True)
"""ρ_(l−1) = rank(W_(l−1)⋯W_1), the rank of the product so far."""
Bound = sp.Function("bound")
BOUND = Bound(r_l, rho)
"""bound(r_l, ρ_(l−1)) = min(r_l, ρ_(l−1)): the rank bound of W_l·(W_(l−1)⋯W_1)."""
RANK_BOUND = sp.Min
"""The bound's form (min); ``verify`` folds it over the factors, so rank(W_L⋯W_1) <= min_l rank(W_l)."""
RANK_CONTROL = sp.Max(r_l, rho)
HORN_JOHNSON = "Horn & Johnson, Matrix Analysis, 2nd ed. (2013), §0.4.5(c)"
RANK_SIZES = ((3, 2), (2, 3))
"""The bottleneck product of the polynomial identity: a (3×2)·(2×3) product, 3×3 through width 2."""


@derivation("linear.rank")
def rank_bound(sizes=RANK_SIZES) -> Derivation:
    (p, k), (k2, q) = sizes
    d = Derivation("linear.rank", "rank(W_L⋯W_1) <= min_l rank(W_l)",
                   scope="for all sizes given the rank bound of a product (assumed, Horn & Johnson 0.4.5(c)), "
                         "applied once per factor (the check folds it over the depth); proved without assumptions "
                         f"only as polynomial identities for the stated sizes ({p}×{k}·{k2}×{q}; "
                         "4×3·(3×1·1×3)). "
                         "Equality for generic Gaussian factors is not proved: the exact check measures it")
    theorem = d.assume("rank of a product", rank(M * N) <= sp.Min(rank(M), rank(N)), HORN_JOHNSON, for_all=(M, N),
                       justification=f"rank(MN) <= min(rank M, rank N) for all conformable M, N ({HORN_JOHNSON}: "
                                     "col(MN) ⊆ col(M), row(MN) ⊆ row(N))")
    step = d.instantiate(theorem, {M: W_l, N: BELOW}, "at M = W_l, N = W_(l−1)⋯W_1: one more factor")
    d.define(BOUND, RANK_BOUND(r_l, rho),
             "the bound as a function of r_l = rank W_l and ρ_(l−1) = rank(W_(l−1)⋯W_1)")
    link = d.identity(sp.Min(rank(W_l), rank(BELOW)), Bound(rank(W_l), rank(BELOW)), "the bound at these ranks")
    fold = d.chain(step, link, justification="each factor can only keep or lower the rank of the product so far")
    # the bound for all sizes rests on the theorem; at stated sizes it is a polynomial identity
    lo, hi = symbolic_matrix("A", k2, q), symbolic_matrix("B", p, k)
    d.identity(sp.Determinant(sp.MatMul(IM(hi), IM(lo), evaluate=False)), 0,
               f"a {p}×{q} product through a width-{k} bottleneck: every {p}×{q} minor (the det) vanishes, so its "
               f"rank is at most {k}, as the bound says (rank A, rank B <= {k})")
    u, v, C = symbolic_matrix("u", 3, 1), symbolic_matrix("v", 1, 3), symbolic_matrix("C", 4, 3)
    # the 2×2 minor of P = C·u·v on rows r, columns c is det(C[r, :]·u·v[:, c]), shown unevaluated
    minors = [sp.Determinant(sp.MatMul(IM(C.extract(list(r), [0, 1, 2])), IM(u), IM(v.extract([0], list(c))),
                                       evaluate=False))
              for r in ((0, 1), (1, 2), (2, 3), (0, 3)) for c in ((0, 1), (1, 2), (0, 2))]
    d.identity(sp.Matrix(minors), sp.zeros(len(minors), 1),
               "a rank-1 factor u·v (3×3) makes C·u·v rank <= 1: its 2×2 minors vanish (12 of them checked)")
    attained = sp.MatMul(IM([[1, 0], [0, 1], [0, 0]]), IM([[1, 0, 0], [0, 1, 0]]), evaluate=False)
    d.identity(attained, sp.diag(1, 1, 0), "the bound is attained: a 3×2·2×3 product ...")
    d.instance(sp.Determinant(IM(sp.diag(1, 1, 0)[:2, :2])), 1, "... with a non-zero 2×2 minor: rank 2 = min(2, 2)")
    d.instance(sp.Determinant(sp.MatMul(IM([[1, 0], [0, 0]]), IM(sp.eye(2)), evaluate=False)), 0,
               "the control max(rank A, rank B): A = diag(1, 0) (rank 1) times B = I (rank 2) is singular, rank <= 1")
    d.instance(sp.Max(1, 2, evaluate=False) - Bound(1, 2), 1, "there max = 2 overshoots the bound min = 1 by 1")
    d.control(RANK_CONTROL, BOUND, "rank = max_l rank(W_l): the largest factor rank instead of the smallest")
    d.conclude(fold)
    return d


# ---- mlp.forward --------------------------------------------------------------------------------

NETWORKS = {"relu": (3, 4, 2), "tanh": (2, 5, 3, 2)}
"""The architectures the check runs, by activation: widths (n_0, ..., n_L)."""


class Network(NamedTuple):
    """The symbols of one defined network: inputs, parameters (symbolic matrices), and the defined names."""

    activation: str
    widths: tuple
    x: sp.Matrix
    weights: list
    biases: list
    pre: list       # z_l (hidden layers), defined
    hidden: list    # h_l = φ(z_l), defined
    outputs: list   # y = W_L h_(L-1) + b_L, defined

    def output_formula(self, k: int):
        """y_k from the last pre-activations: Σ_j W_L[k, j]·φ(z_(L-1), j) + b_L[k] (φ on hidden layers only)."""
        phi = ACTIVATIONS[self.activation]
        return sum((self.weights[-1][k, j] * phi(z) for j, z in enumerate(self.pre[-1])), sp.Integer(0)) + \
            self.biases[-1][k]


def _parameters(widths):
    """x (a column), W_l (n_l × n_(l-1)) and b_l (a column) as named real symbols."""
    weights = [symbolic_matrix(f"W{i + 1}", widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    biases = [symbolic_vector(f"b{i + 1}", widths[i + 1]) for i in range(len(widths) - 1)]
    return symbolic_vector("x", widths[0]), weights, biases


def network(activation: str, widths=None) -> Network:
    """The symbols of the network ``NETWORKS[activation]`` (defined names tagged with the activation)."""
    widths = tuple(widths or NETWORKS[activation])
    x, weights, biases = _parameters(widths)
    layers = range(1, len(widths) - 1)
    pre = [[sp.Symbol(f"z{l}_{j}^{activation}", real=True) for j in range(widths[l])] for l in layers]
    hidden = [[sp.Symbol(f"h{l}_{j}^{activation}", real=True) for j in range(widths[l])] for l in layers]
    outputs = [sp.Symbol(f"y_{k}^{activation}", real=True) for k in range(widths[-1])]
    return Network(activation, widths, x, weights, biases, pre, hidden, outputs)


def mlp_expression(widths, activation: str = "relu", output_activation: bool = False):
    """y = W_L φ(… φ(W_1 x + b_1) …) + b_L for one input column x, as a sympy Matrix in named symbols.

    Returns (y, x, weights, biases), the last three as symbolic matrices. ``output_activation=True``
    builds the negative control (φ on the output too).
    """
    phi = ACTIVATIONS[activation]
    x_, weights, biases = _parameters(widths)
    h = x_
    for i, (w, bb) in enumerate(zip(weights, biases)):
        h = w * h + bb
        if i < len(weights) - 1 or output_activation:
            h = h.applyfunc(phi)
    return h, x_, weights, biases


def define_network(d: Derivation, net: Network, output_activation: bool = False) -> None:
    """The forward pass as 001 §Forward Pass Pseudocode writes it: z_l = W_l h_(l-1) + b_l, h_l = φ(z_l) for
    the hidden layers (h_0 = x), y = W_L h_(L-1) + b_L with no activation. ``output_activation=True`` puts φ on
    y too (what the control does), so that a test can show the derivation then fails."""
    phi = ACTIVATIONS[net.activation]
    h = list(net.x)
    for l, (w, bb) in enumerate(zip(net.weights[:-1], net.biases[:-1])):
        for j in range(w.rows):
            d.define(net.pre[l][j], sum((w[j, c] * h[c] for c in range(w.cols)), sp.Integer(0)) + bb[j],
                     f"pre-activation of hidden unit {j} of layer {l + 1} ({net.activation} net)")
            d.define(net.hidden[l][j], phi(net.pre[l][j]), f"φ = {net.activation} on every hidden unit")
        h = net.hidden[l]
    w, bb = net.weights[-1], net.biases[-1]
    for k in range(w.rows):
        out = sum((w[k, c] * h[c] for c in range(w.cols)), sp.Integer(0)) + bb[k]
        d.define(net.outputs[k], phi(out) if output_activation else out, "the output layer: no activation")


WORKED = {"x": ((1,), (2,), (0,)), "W1": ((1, 0, 0), (0, 1, 0), (0, 0, 0), (0, 0, 0)), "b1": 0,
          "W2": ((-1, -1, 0, 0), (1, 0, 0, 0)), "b2": 0}
"""A worked instance on the ReLU net (3, 4, 2): W₁ picks x₀, x₁; W₂ = ((-1, -1, 0, 0), (1, 0, 0, 0))."""
WORKED_OUTPUT = -3
"""y₀ at the worked instance: -(1 + 2), negative because the output has no activation."""


def _worked_values(net: Network) -> dict:
    values = {}
    for name, matrix in (("x", net.x), ("W1", net.weights[0]), ("b1", net.biases[0]), ("W2", net.weights[1]),
                         ("b2", net.biases[1])):
        given = WORKED[name]
        for (i, c), s in zip(((i, c) for i in range(matrix.rows) for c in range(matrix.cols)), matrix):
            values[s] = given if isinstance(given, int) else given[i][c]
    return values


@derivation("mlp.forward")
def mlp_forward(worked_output=WORKED_OUTPUT, output_activation: bool = False) -> Derivation:
    d = Derivation("mlp.forward", "φ on every hidden layer, none on the output",
                   scope="the definition (001 §Forward Pass Pseudocode) for the architectures the check runs "
                         f"({', '.join(f'{w} {a}' for a, w in NETWORKS.items())}), with a worked instance")
    facts = []
    for activation in NETWORKS:
        net = network(activation)
        define_network(d, net, output_activation)
        nested, *_ = mlp_expression(net.widths, activation)
        phi = ACTIVATIONS[activation]
        for k, y in enumerate(net.outputs):
            facts.append(d.identity(y, net.output_formula(k), f"y_{k}: the last hidden layer through φ, the output "
                                                              "layer affine"))
            d.identity(y, nested[k], "the layer-by-layer definitions equal the nested formula "
                                     "W_L φ(… φ(W_1 x + b_1) …) + b_L")
            d.control(phi(net.output_formula(k)), y, "φ on the output too")
    net = network("relu")
    y0 = net.outputs[0]
    # the values are put into y₀ written out: a Subs binds only the symbols its expression shows, and y₀
    # itself shows none of x, W, b
    y0_written, control_written = d.unfold(y0), d.unfold(RELU(net.output_formula(0)))
    values = {s: v for s, v in _worked_values(net).items() if s in y0_written.free_symbols}
    keys, vals = tuple(values), tuple(values.values())
    worked = d.instance(sp.Subs(y0_written, keys, vals), worked_output,
                        "x = (1, 2, 0), W₁ picks x₀ and x₁, W₂ row 0 = (-1, -1, 0, 0), b = 0: "
                        "the output -3 is negative")
    d.instance(sp.Subs(control_written, keys, vals), 0,
               "with ReLU on the output too (the control) it would be 0: a regression head could never output "
               "a negative value")
    d.conclude(*facts, worked)
    return d
