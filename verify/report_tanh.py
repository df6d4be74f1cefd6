"""The report's ``propagation_tanh`` plot: E[h_l²] through tanh layers, at infinite and finite width.

tanh has no closed form over depth: the line iterates the infinite-width variance map
q_(l+1) = n·Var(W)·E[tanh(√q_l z)²] by quadrature (derive.gain). At finite width n the simulation falls
below it, by a relative gap that grows with depth and shrinks like 1/n: the right panel shows n times
the relative gap for several widths, with replicates in proportion to n so that every curve has about
the same error bar. Below the line is the direction Jensen's inequality gives: the per-layer estimate q̂_l
of a finite layer fluctuates by O(1/√n) around q_l and the map q ↦ E[tanh(√q z)²] is concave, so each
layer loses O(1/n) on average, and the losses add up over depth (at σ_w = 1 the fixed point q* = 0 is
approached only polynomially, so nothing pulls the second moment back).
"""
from __future__ import annotations

import math

import numpy as np

from derive.gain import activation, variance_iterates

from . import report as R

LEFT_WIDTHS = (32, 128, 512)        # LeCun at three widths, R.REPLICATES·max(1, 128/n) replicates
GAP_WIDTHS = (16, 32, 64)           # the right panel
GAP_REPLICATES_PER_UNIT = 3         # replicates = 3·n: n·se is about the same at every width
MARKERS = {32: "s", 128: "o", 512: "^", 16: "v", 64: "D"}


def infinite_width(name: str, width: int, depth: int = R.DEPTH) -> np.ndarray:
    """E[h_l²], l = 0..depth, from the infinite-width variance map at this initializer's n·Var(W)."""
    scale = width * R._init_variance(name, width)
    qs = variance_iterates(activation("tanh"), math.sqrt(scale), 0, scale, depth)
    return np.array([1.0] + [float(v) / scale for v in qs])


def figure(rng, plt):
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.6))
    layers = np.arange(R.DEPTH + 1)
    lecun = infinite_width("lecun_normal", R.WIDTH)
    kaiming = infinite_width("kaiming_normal", R.WIDTH)
    left.plot(layers, kaiming, "-", color="C1", lw=1.2, label="Kaiming 2/n: variance map (infinite width)")
    acc = R._propagation(rng, "kaiming_normal", "tanh")
    left.errorbar(layers, acc.mean[0], yerr=2 * acc.stderr[0], fmt="o", ms=3, color="C1", capsize=2,
                  label=f"Kaiming 2/n: Monte Carlo, width {R.WIDTH}, ±2 se")
    left.plot(layers, lecun, "-", color="k", lw=1.2, label="LeCun 1/n: variance map (infinite width)")
    at_depth = []
    for shift, color, width in zip((-0.2, 0.0, 0.2), ("C0", "C2", "C3"), LEFT_WIDTHS):
        replicates = R.REPLICATES * max(1, R.WIDTH // width)
        acc = R._propagation(rng, "lecun_normal", "tanh", width=width, replicates=replicates)
        # shifted by ±0.2 of a layer so the three widths' bars do not hide one another
        left.errorbar(layers + shift, acc.mean[0], yerr=2 * acc.stderr[0], fmt=MARKERS[width], ms=3,
                      color=color, capsize=2, label=f"LeCun 1/n: Monte Carlo, width {width}, ±2 se")
        at_depth.append((width, acc.mean[0][-1] / lecun[-1] - 1, 2 * acc.stderr[0][-1] / lecun[-1]))
    left.set(title="tanh: E[h_l²] against depth", xlabel="layer l", ylabel="second moment (log)", yscale="log")
    left.legend(fontsize=7)

    scaled = []
    for color, width in zip(("C4", "C0", "C5"), GAP_WIDTHS):
        acc = R._propagation(rng, "lecun_normal", "tanh", width=width,
                             replicates=GAP_REPLICATES_PER_UNIT * width)
        line = infinite_width("lecun_normal", width)
        gap, bar = width * (acc.mean[0] / line - 1), width * 2 * acc.stderr[0] / line
        scaled.append((width, gap[-1], bar[-1]))
        right.errorbar(layers[1:], gap[1:], yerr=bar[1:], fmt=MARKERS[width] + "-", ms=3, lw=0.8,
                       color=color, capsize=2,
                       label=f"width {width} ({GAP_REPLICATES_PER_UNIT * width} replicates), ±2 se")
    right.axhline(0, color="k", lw=0.8, label="0: on the infinite-width line")
    right.set(title="LeCun 1/n: n × (Monte Carlo / infinite width − 1)", xlabel="layer l",
              ylabel="n × relative gap")
    right.legend(fontsize=7)
    for ax in (left, right):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    gaps = ", ".join(f"{gap:+.1%} ± {bar:.1%} at n = {w}" for w, gap, bar in at_depth)
    collapse = ", ".join(f"{gap:+.1f} ± {bar:.1f} at n = {w}" for w, gap, bar in scaled)
    low, high = GAP_WIDTHS[0], GAP_WIDTHS[-1]
    return fig, ("tanh has no closed form over depth: the lines iterate the infinite-width variance map by "
                 "quadrature. With LeCun's 1/n the second moment decays slowly towards 0 (σ_w = 1 is "
                 "critical); with 2/n it settles at a fixed point. A finite-width network sits below the "
                 f"LeCun line by a gap that grows with depth and shrinks with width (layer {R.DEPTH}: {gaps}; "
                 f"±2 se). The right panel multiplies the gap by n: at layer {R.DEPTH} it reads {collapse}. "
                 "A gap of order 1/n keeps these equal within their bars; one of order 1/√n or 1 would make "
                 f"them grow {math.sqrt(high / low):.0f}× or {high // low}× from n = {low} to {high}. Below, "
                 "not above: the map q ↦ E[tanh(√q z)²] is concave, so a finite layer's fluctuating q̂ loses "
                 "on average (Jensen's inequality).")
