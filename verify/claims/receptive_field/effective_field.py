"""rf.effective: the std of the input gradient map of L stride-1 layers of k equal weights (dilation d),
computed exactly from ``numeric.conv``'s backward pass (integer path counts, the variance in Fractions),
against the concluded d·√(L(k²-1)/12), within a stated rounding bound."""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from derive import receptive_field as D
from numeric import conv as C

from ...claim import Claim, Measurement
from ...closed import linked

ROUNDING_ULPS = 4
"""The measured std rounds twice (Fraction -> float, sqrt), the closed form at most three times (/12, sqrt,
×d); correctly rounded operations put both within 4 ulp of each other."""

EFFECTIVE_CONFIGS = tuple({"k": k, "L": depth, "d": d}
                          for k, depth, d in itertools.product((2, 3, 5), (2, 4, 8), (1, 2)))
"""Kernel, depth and dilation: what the gradient map is computed for and the closed form is evaluated at."""


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


def _measure(config, rng, budget):
    counts = _gradient_map(config["k"], config["L"], config["d"])
    if np.any(counts != np.round(counts)) or counts.sum() != config["k"] ** config["L"]:
        raise AssertionError("the gradient map is not the exact path count")
    std = _exact_std(counts)
    return Measurement(std, ROUNDING_ULPS * np.spacing(std), kind="bounded", cases=int(counts.size),
                       note="std of the positions weighted by the exact path counts of the gradient map")


CLAIMS = [
    Claim(
        id="rf.effective",
        title="a stride-1 stack of L uniform k-tap kernels has a gradient map of std √(L(k²-1)/12) "
              "(× d with dilation)",
        source="000 Q1.7",
        expected=linked(lambda config, points, form: form(D.ERF_STD, **config), shows=D.ERF_STD),
        measure=_measure,
        control=linked(lambda config, points, form: form.control(D.ERF_STD, **config), shows=D.ERF_STD),
        configs=EFFECTIVE_CONFIGS,
    ),
]
