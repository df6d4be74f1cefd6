"""The variance argument behind LeCun, Xavier and Kaiming initialization, proved on the trusted kernel.

Sources: 001 §Initialization Derivation, §Xavier, §Kaiming, §Summary; 000 Q1.4.
References: LeCun et al., "Efficient BackProp" (1998) §4.6; Glorot & Bengio (AISTATS 2010) eq. 10-12;
He et al., "Delving Deep into Rectifiers" (ICCV 2015) eq. 7-14.

Moments of sums over a symbolic fan-in are proved by the kernel's ``expectation`` rule on partial sums defined
by recursion, with the moments of the atoms as named assumptions for every index, and ``induction`` on the
number of terms (``derive.sums``). The halving E[ReLU(z)²] = E[z²]/2 for any symmetric z is
activation.relu.moments (``derive.activations``), cited here at each layer's pre-activation. Random atoms carry
labels (the sum s, the layer) so that depth arguments (``derive.propagation``) can cite these lemmas at every layer.

Submodules: ``symbols`` (the notation and the initializers' tables), ``variance`` (variance.product,
variance.fan_in), ``conditions`` (init.forward, init.backward, init.xavier, init.uniform), ``layers``
(init.kaiming, init.lecun, init.torch_default), ``conventions`` (init.fans, init.gains). Each derivation's
closed forms live beside it; this module re-exports the notation, the tables and the left sides verify evaluates.
"""
# the notation and the tables
from .symbols import (INIT_VARIANCE, TORCH_GAINS, UNIFORM_BOUND, WEIGHT_MEAN, XAVIER_VARIANCE, C_in, C_out, H, L, S,
                      Var, W, X, a, groups, j, k, k_h, k_w, lam, m2, m_g, mu, n, n_in, n_out, s, sigma2, slope, var_x, x)
# the derivations, in the order they are listed; the left sides of what each concludes
from .variance import FAN_IN, FAN_IN_SECOND, PRODUCT
from .conditions import BACKWARD, FORWARD, UNIFORM, XAVIER
from .layers import KAIMING, LECUN_DEPTH, LECUN_LAYER, TORCH_BIAS, TORCH_LAYER
from .conventions import FANS, GAIN, GAIN_SECOND, GAIN_TORCH

__all__ = [
    # notation
    "n", "n_in", "n_out", "j", "k", "s", "sigma2", "m2", "m_g", "var_x", "mu", "a", "slope", "X", "C_in", "C_out",
    "groups", "k_h", "k_w", "L", "lam", "W", "x", "S", "Var", "H", "WEIGHT_MEAN",
    # tables: conventions and configuration parameters
    "XAVIER_VARIANCE", "UNIFORM_BOUND", "INIT_VARIANCE", "TORCH_GAINS",
    # left sides of the concluded statements
    "PRODUCT", "FAN_IN", "FAN_IN_SECOND", "FORWARD", "BACKWARD", "XAVIER", "UNIFORM", "KAIMING", "LECUN_LAYER",
    "LECUN_DEPTH", "TORCH_LAYER", "TORCH_BIAS", "FANS", "GAIN_SECOND", "GAIN_TORCH", "GAIN",
]
