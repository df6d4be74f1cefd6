"""The report's correlation plots: the correlation map C(c) and the (σ_b², σ_w²) phase diagram.

Registered into ``verify.report.PLOTS`` when ``verify.report`` is imported (it imports this module last, so
the other plots keep their seeds). Everything is infinite-width theory from ``numeric.correlation``; the
one-layer Monte Carlo checks of the same maps are the kernel.* claims.
"""
from __future__ import annotations

import math

import numpy as np

from numeric import correlation as N

from .report import _pyplot, plot

ACTIVATIONS = ("tanh", "relu", "gelu", "silu")
SIGMA_B2 = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


@plot("correlation_map")
def _correlation_map(rng):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    c = np.linspace(-1, 1, 201)
    sigma_w, sigma_b = 1.3, 0.3
    for name in ACTIVATIONS:
        q = N.variance_fixed_point(name, sigma_w, sigma_b)
        if q is None:
            continue
        value, _ = N.correlation_map(name, c, q, sigma_w, sigma_b)
        ax.plot(c, value, label=f"{name} (q* = {q:.3g}, χ₁ = {N.chi1(name, q, sigma_w)[0]:.3g})")
    ax.plot(c, c, color="k", lw=0.6, ls=":", label="C(c) = c")
    ax.set(xlabel="input correlation c", ylabel="C(c), one layer at q*",
           title=f"Correlation map at σ_w = {sigma_w}, σ_b = {sigma_b}")
    ax.legend(fontsize=8)
    return fig, ("The correlation map C(c) = (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²)/q* at infinite width; C(1) = 1 and "
                 "its slope there is χ₁ (ReLU: the arc-cosine kernel, proved as kernel.relu).")


@plot("phase_diagram")
def _phase_diagram(rng):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name in ("tanh", "gelu", "silu"):
        points = [(b2, N.critical_sigma_w(name, math.sqrt(b2))) for b2 in SIGMA_B2]
        found = [(b2, c[0] ** 2) for b2, c in points if c is not None]
        # at σ_b = 0 GELU and SiLU are critical on another branch (q* = 0): a point of its own, not joined
        # to the σ_b > 0 curve, whose q* > 0 (for tanh both are q* -> 0 and the curve is continuous)
        split = name != "tanh" and found and found[0][0] == 0
        curve = found[1:] if split else found
        (l,) = ax.plot([b for b, _ in curve], [v for _, v in curve], marker="o", ms=3, label=f"{name}: q* > 0 branch"
                       if split else name)
        if split:
            ax.plot([0], [found[0][1]], marker="s", ms=5, ls="", color=l.get_color(),
                    label=f"{name} at σ_b = 0: q* = 0 branch")
    ax.plot([0], [2], marker="*", ms=10, color="k", ls="", label="ReLU: σ_w² = 2, only at σ_b = 0")
    ax.set(xlabel="σ_b²", ylabel="critical σ_w² (χ₁ = 1)", title="Order (below) and chaos (above)")
    ax.legend(fontsize=8)
    return fig, ("The edge of chaos: σ_w² with χ₁ = 1 on the variance fixed point. ReLU has no curve: "
                 "χ₁ = σ_w²/2 whatever q, and at σ_w² = 2 the variance has no fixed point once σ_b > 0. At "
                 "σ_b = 0, GELU and SiLU are critical on the branch q* = 0 (σ_w = 1/φ'(0) = 2); for σ_b > 0 "
                 "the curve is the smallest q* > 0 with χ₁ = 1, another branch: the jump is not a plotting "
                 "artefact.")
