"""The report's ``finite_width_spread`` plot: one He-initialized ReLU network's scale against depth.

Left: the median and 10–90 % band of M_L/M_0 = ‖h_L‖²/‖h_0‖² over independent networks. Middle: the
exact E[(M_L/M_0)²] = (1 + 5/n)^L (propagation.finite_width) and the sample means of (M_L/M_0)². The
square is heavy-tailed: its mean is carried by rare networks, so at small width or large depth the sample
mean of a few hundred networks typically sits far under the exact value (or, when one rare network was
drawn, above it) and its standard error means nothing. Right: the Pareto k̂ of each sample's tail
(verify.tail), the stated rule that decides how each middle point is drawn:

- k̂ < min(1 − 1/log10 S, 0.7) (Vehtari et al. 2024, eq. 13; S networks): the sample mean is trusted and
  drawn filled, with a ±2 se bar in log space (mean·exp(±2·se/mean), the delta method for log(mean)),
  which stays on the log axis;
- otherwise: drawn hollow, without a bar, and the legend gives the largest share of the sum that a single
  network held among that width's hollow points.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from numeric import activations as A
from numeric import init as I

from .tail import Tail, tail

WIDTHS = (16, 64, 128)
DEPTH = 50
NETWORKS = 200
EVERY = 5          # the middle panel's points: depths EVERY, 2·EVERY, ..., DEPTH


def ratios(rng, n: int, depth: int = DEPTH, networks: int = NETWORKS) -> np.ndarray:
    """M_l/M_0 for l = 0..depth (columns) through ``networks`` independent He-initialized ReLU stacks."""
    out = np.empty((networks, depth + 1))
    for i in range(networks):
        h = rng.standard_normal(n)
        m0 = h @ h
        out[i, 0] = 1.0
        for l in range(1, depth + 1):
            h = A.relu(I.kaiming_normal((n, n), rng=rng) @ h)
            out[i, l] = (h @ h) / m0
    return out


@dataclass(frozen=True)
class Point:
    """One middle-panel point: the sample mean of (M_L/M_0)² at depth L and how it is drawn."""
    depth: int
    mean: float
    stderr: float
    tail: Tail

    @property
    def trusted(self) -> bool:
        return self.tail.reliable

    def bar(self) -> tuple[float, float]:
        """The ±2 se bar in log space: (mean − low, high − mean) with low, high = mean·exp(∓2·se/mean)."""
        spread = math.exp(2 * self.stderr / self.mean)
        return self.mean - self.mean / spread, self.mean * spread - self.mean


def points(ratio: np.ndarray, every: int = EVERY) -> list[Point]:
    """The middle panel's points from one width's ratios (networks × depths)."""
    square = ratio**2
    made = []
    for depth in range(every, square.shape[1], every):
        column = square[:, depth]
        made.append(Point(depth, float(column.mean()), float(column.std(ddof=1) / math.sqrt(column.size)),
                          tail(column)))
    return made


def figure(data: dict, exact, plt):
    """The three panels from {width: ratios}; ``exact(n, layers)`` gives (1 + 5/n)^L from derive."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.8))
    left, middle, right = axes
    threshold = None
    for n, ratio in data.items():
        networks, depth = ratio.shape[0], ratio.shape[1] - 1
        layers = np.arange(depth + 1)
        lo, med, hi = np.percentile(ratio, [10, 50, 90], axis=0)
        (line,) = left.plot(layers, med, "-", lw=1.2, label=f"n = {n}: median, 10–90 % band")
        color = line.get_color()
        left.fill_between(layers, lo, hi, color=color, alpha=0.2)
        middle.plot(layers, exact(n, layers), "-", color=color, lw=1.2, label=f"n = {n}: exact (1 + 5/n)^L")
        drawn = points(ratio)
        threshold = drawn[0].tail.threshold
        good = [p for p in drawn if p.trusted]
        bad = [p for p in drawn if not p.trusted]
        if good:
            bars = np.array([p.bar() for p in good]).T
            container = middle.errorbar([p.depth for p in good], [p.mean for p in good], yerr=bars, fmt="o",
                                        ms=4, color=color, capsize=2,
                                        label=f"n = {n}: sample mean, trusted, ±2 se (log space)")
            container.lines[0].set_gid(f"trusted n={n}")
        if bad:
            share = max(p.tail.largest_share for p in bad)
            (hollow,) = middle.plot([p.depth for p in bad], [p.mean for p in bad], "o", ms=6, mfc="none",
                                    color=color, label=f"n = {n}: sample mean, heavy tail: no bar (the largest "
                                    f"network holds up to {share:.0%} of the sum)")
            hollow.set_gid(f"untrusted n={n}")
        right.plot([p.depth for p in drawn], [p.tail.khat for p in drawn], "o-", ms=3, color=color,
                   label=f"n = {n}")
    left.axhline(1.0, color="k", lw=0.8, label="E[M_L/M_0] = 1 at every depth (exact)")
    left.set(title=f"one network's scale M_L/M_0 = ‖h_L‖²/‖h_0‖², {networks} networks", xlabel="depth L",
             ylabel="M_L / M_0 (log)", yscale="log")
    middle.set(title="E[(M_L/M_0)²]: exact (lines), sample means (points)",
               xlabel="depth L", yscale="log")
    right.axhline(threshold, color="k", lw=0.8, ls="--",
                  label=f"trusted below k̂ = {threshold:.2f} (Vehtari et al. 2024, S = {networks})")
    right.set(title="Pareto k̂ of the squares' tail: a mean is trusted below the dashed line", xlabel="depth L",
              ylabel="k̂ (tail shape)")
    left.legend(fontsize=6.5, loc="lower left")
    # below the axes: seven entries inside would hide the points they describe
    middle.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    right.legend(fontsize=6.5, loc="upper left")
    fig.suptitle("He init, ReLU: E[M_L/M_0] = 1 at every depth, but one network's scale spreads with L/n")
    return fig, caption(data, threshold)


def caption(data: dict, threshold: float) -> str:
    trusted = []
    for n, ratio in data.items():
        depths = [p.depth for p in points(ratio) if p.trusted]
        trusted.append(f"n = {n}: " + (", ".join(map(str, depths)) if depths else "none"))
    networks = next(iter(data.values())).shape[0]
    return CAPTION.format(networks=networks, threshold=threshold) + " Trusted depths: " + "; ".join(trusted) + "."


CAPTION = ("The mean ratio is exactly 1 at every depth, but a single network's scale wanders: each layer "
           "multiplies it by an independent factor with second moment 1 + 5/n, so the median drifts down and "
           "E[(M_L/M_0)²] grows like (1 + 5/n)^L (middle, lines). That expectation is carried by rare "
           "networks: where the Pareto k̂ of the {networks} squares' tail (right) is at least "
           "{threshold:.2f} (Vehtari et al. 2024, eq. 13), the sample mean is drawn hollow and without an "
           "error bar, since it is typically far under the line (above it when a rare network was drawn) "
           "and its standard error means nothing; filled points, k̂ below {threshold:.2f}, carry ±2 se bars "
           "in log space. This is why the claim is checked one layer at a time.")
