"""Training dynamics: hidden-unit symmetry under gradient descent, and gradient flow through residual blocks.

Sources: 000 Q1.1 (zero initialization and symmetry: ``symmetry``), 000 Q1.6 (the residual block x + f(x):
``residual``). Each registered derivation is ``build_<name>()`` at its defaults; the keywords of ``build_*`` make
one lemma or result false, so that the tests can check that the kernel then fails the derivation at that step.
"""
# imported in display order: a topic's derivations are listed in the order they register
from . import symmetry  # noqa: I001
from . import residual

# the left sides that symmetry.identical and symmetry.zero conclude, and their controls' free symbols
from .symmetry import CONSTANT_OUTPUT, IDENTICAL, SIGMOID_AT_ZERO, SIGMOID_IDENTICAL, ZERO, a_1, a_2, beta, eta

# the left sides that residual.depth, residual.scaled and residual.jacobian conclude
from .residual import JACOBIAN, PLAIN, RELU_BLOCK, RESIDUAL, SCALED, SCALED_BOUND

# the symbols their closed forms are evaluated at
from .residual import L, Lp, W1_, W2_, X_, cc, col, extra, h_width, n, row, sigma1_2, sigma2, sigma2_2

__all__ = [
    "symmetry", "residual",
    "IDENTICAL", "ZERO", "CONSTANT_OUTPUT", "SIGMOID_IDENTICAL", "SIGMOID_AT_ZERO", "a_1", "a_2", "beta", "eta",
    "RESIDUAL", "PLAIN", "RELU_BLOCK", "SCALED", "SCALED_BOUND", "JACOBIAN",
    "n", "L", "sigma2", "h_width", "sigma1_2", "sigma2_2", "cc", "Lp", "row", "col", "extra", "W1_", "W2_", "X_",
]
