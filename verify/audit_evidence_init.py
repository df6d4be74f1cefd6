"""Evidence for the refresher's initialization, propagation and forward-pass statements (001); the same
contract as verify/audit_evidence.py: ``fn(ctx, **given) -> (text, verdict)``."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .audit_evidence import Z, close, judge, rng
from .mc import stream

WIDTHS = ((16, 64), (64, 16))  # n_in, n_out with a ratio of 4 either way


def _var_w(formula, n_in, n_out):
    return {"1/n_in": 1 / n_in, "1/n_out": 1 / n_out, "2/(n_in + n_out)": 2 / (n_in + n_out),
            "(1/n_in + 1/n_out)/2": (1 / n_in + 1 / n_out) / 2, "2/n_in": 2 / n_in, "1/(2 n_in)": 1 / (2 * n_in)}[formula]


def _pass(ctx, key, n_in, n_out, var_w, backward, relu=False, replicates=4000):
    """E[y²]/E[x²] forward (y = Wx) or E[g_x²]/E[g_y²] backward (g_x = Wᵀg_y), one fresh W per replicate."""
    memo = ("pass", key, n_in, n_out, var_w, backward, relu)
    if memo not in ctx.cache:
        ctx.cache[memo] = _simulate(ctx, key, n_in, n_out, var_w, backward, relu, replicates)
    return ctx.cache[memo]


def _simulate(ctx, key, n_in, n_out, var_w, backward, relu, replicates):
    a = rng(ctx, key)

    def draw(r, k):
        w = r.standard_normal((k, n_out, n_in)) * math.sqrt(var_w)
        if backward:
            g = r.standard_normal((k, n_out))
            return (np.einsum("koi,ko->ki", w, g) ** 2).mean(axis=1)
        x = r.standard_normal((k, n_in))
        x = np.maximum(x, 0) * math.sqrt(2) if relu else x   # E[x²] = 1 either way
        return (np.einsum("koi,ki->ko", w, x) ** 2).mean(axis=1)

    acc = stream(draw, replicates, a, chunk=128)
    return float(acc.mean), float(acc.stderr)


def preserves(ctx, formula, direction):
    """Var(W) = formula keeps the forward (or backward) second moment, at n_out/n_in = 4 and 1/4."""
    found = [(n_in, n_out, *_pass(ctx, 10 + i, n_in, n_out, _var_w(formula, n_in, n_out), direction == "backward"))
             for i, (n_in, n_out) in enumerate(WIDTHS)]
    ok = all(close(m, se, 1.0) for *_, m, se in found)
    return (f"{direction} ratio with Var(W) = {formula}: "
            + ", ".join(f"{i}→{o}: {m:.3f} ± {se:.3f}" for i, o, m, se in found)), "holds" if ok else "fails"


def compromise(ctx, formula):
    """2/(n_in + n_out) is the harmonic mean of 1/n_in and 1/n_out: between them, both when n_in = n_out."""
    rows = []
    ok = True
    for n_in, n_out in ((64, 256), (128, 128)):
        v = Fraction(_var_w(formula, n_in, n_out)).limit_denominator(10**6)
        harmonic = 2 / (Fraction(n_in) + n_out)
        lo, hi = sorted((Fraction(1, n_in), Fraction(1, n_out)))
        ok = ok and v == harmonic and lo <= v <= hi
        rows.append(f"{n_in}→{n_out}: {v} (harmonic mean of 1/n_in, 1/n_out: {harmonic})")
    return "; ".join(rows), "holds" if ok else "fails"


def normal_argument(ctx, init, argument):
    """Sample numeric's Xavier/Kaiming normal and read the note's N(0, a): a is the variance (consistent with
    §Initialization Derivation), the standard deviation (the other convention), or neither."""
    from numeric.init import kaiming_normal, xavier_normal

    n_in, n_out = 50, 450
    target = 2 / (n_in + n_out) if init == "xavier" else 2 / n_in
    a = {"variance": target, "sqrt": math.sqrt(target), "half": target / 2}[argument]
    sample = (xavier_normal if init == "xavier" else kaiming_normal)((n_out, n_in), rng=rng(ctx, 20))
    var = float(sample.var())
    se = math.sqrt(2 / sample.size) * var
    verdict = "holds" if close(var, se, a) else "notation" if close(var, se, a * a) else "fails"
    return (f"sampled {init} {n_out}×{n_in}: Var {var:.5f} ± {se:.5f}; the note's second argument {a:.5f} "
            + ("is the variance" if verdict == "holds" else "is the std (the variance elsewhere in the note)"
               if verdict == "notation" else "is neither"), verdict)


def use_cases(ctx, init, activations):
    """Xavier assumes φ(0) = 0 and φ'(0) = 1 (Glorot & Bengio 2010, §4.2.1); He needs Var(W) = 2/((1+a²)n)."""
    from numeric.activations import sigmoid, tanh
    from numeric.init import calculate_gain

    rows, fit = [], []
    for name in activations:
        if init == "xavier":
            f = {"tanh": tanh, "sigmoid": sigmoid}[name]
            value, slope = float(f(0.0)), float((f(1e-6) - f(-1e-6)) / 2e-6)
            ok = abs(value) < 1e-12 and abs(slope - 1) < 1e-6
            rows.append(f"{name}: φ(0) = {value:.3g}, φ'(0) = {slope:.3g}")
        else:
            slope = 0.0 if name == "relu" else 0.2
            gain2 = calculate_gain("leaky_relu", slope) ** 2
            ok = abs(gain2 - 2) < 1e-12
            rows.append(f"{name}{'' if slope == 0 else f' (a = {slope})'}: needs {gain2:.4f}/n_in")
        fit.append(ok)
    return "; ".join(rows), judge(any(fit), all(fit)) if len(fit) > 1 else ("holds" if fit[0] else "fails")


def lecun_linear(ctx, formula):
    """LeCun's 1/n_in keeps the second moment through a linear layer (forward)."""
    return preserves(ctx, formula, "forward")


def kaiming_relu(ctx, formula):
    """Var(W) = formula through a ReLU layer: E[z_{l+1}²]/E[z_l²] = n·Var(W)·E[ReLU(z)²]/E[z²] = 1?"""
    n = 32
    m, se = _pass(ctx, 21, n, n, _var_w(formula, n, n) / 2, False, relu=True)  # ReLU input scaled by √2 above
    return f"ReLU layer, width {n}, Var(W) = {formula}: second-moment ratio {m:.3f} ± {se:.3f}", \
        "holds" if close(m, se, 1.0) else "fails"


def _deep(ctx, var_w_times_n, depth, n=64, replicates=600, mean_x=1.0):
    """L ReLU layers (He-like Var(W) = c/n), x ~ N(mean_x, 1): E[h_L²], Var(h_L), E[z_L²] per coordinate."""
    key = ("deep", var_w_times_n, depth)
    if key not in ctx.cache:
        a = rng(ctx, 30 + depth)

        def draw(r, k):
            h = mean_x + r.standard_normal((k, n))
            for _ in range(depth):
                z = np.einsum("kij,kj->ki", r.standard_normal((k, n, n)) * math.sqrt(var_w_times_n / n), h)
                h = np.maximum(z, 0)
            return np.stack([(h * h).mean(1), h.mean(1), (z * z).mean(1), z.mean(1)], axis=1)

        acc = stream(draw, replicates, a, chunk=50)
        ctx.cache[key] = (acc.mean, acc.stderr)
    return ctx.cache[key]


def propagation(ctx, lhs, rhs):
    """Var(h_L) = (n·Var(W)·0.5)^L·Var(x), read with post-activations h_L = ReLU(z_L) and with
    pre-activations z_L (He init, x ~ N(1, 1) so that E[x²] = 2 ≠ Var(x) = 1)."""
    depth = 3
    mean, se = _deep(ctx, 2.0, depth)
    formula = {"Var(x)": 1.0, "E[x²]": 2.0}[rhs]
    got = {"Var(h_L)": (mean[0] - mean[1] ** 2, se[0] + 2 * abs(mean[1]) * se[1]), "E[h_L²]": (mean[0], se[0]),
           "Var(z_L)": (mean[2] - mean[3] ** 2, se[2] + 2 * abs(mean[3]) * se[3])}
    ok = close(*got[lhs], formula)
    return (f"He init, L = {depth}, n = 64, x ~ N(1, 1): E[h_L²] {mean[0]:.3f}, Var(h_L) {got['Var(h_L)'][0]:.3f}, "
            f"Var(z_L) {got['Var(z_L)'][0]:.3f}; formula gives {formula:g}", "holds" if ok else "fails")


def unit_factor(ctx, factor):
    """(n × 2/n × 0.5) = 1 exactly, for every n."""
    values = {Fraction(n) * Fraction(2, n) * Fraction(1, 2) for n in (1, 7, 64, 1000)}
    return f"n × 2/n × 0.5 over n = 1, 7, 64, 1000: {sorted(values)}; stated {factor}", \
        "holds" if values == {Fraction(factor)} else "fails"


def stable(ctx, var_w_times_n, quantity):
    """He init: is `quantity` of h_L equal to that of x at depth 1 and 4? (E[h_L²] stays E[x²] while Var(h_L)
    is a fixed fraction of it; so 'stable' holds for the second moment, '= Var(x)' does not.)"""
    rows, second, variance = [], [], []
    for depth in (1, 4):
        mean, se = _deep(ctx, var_w_times_n, depth, mean_x=0.0)
        second.append(close(mean[0], se[0], 1.0))
        var = mean[0] - mean[1] ** 2
        variance.append(abs(var - 1.0) <= Z * (se[0] + 2 * abs(mean[1]) * se[1]))
        rows.append(f"L = {depth}: E[h_L²] {mean[0]:.3f} ± {se[0]:.3f}, Var(h_L) {var:.3f}")
    if quantity == "E[h_L²]":
        verdict = "holds" if all(second) else "fails"
    else:
        verdict = "holds" if all(variance) else "conditional" if all(second) else "fails"
    return f"n·Var(W) = {var_w_times_n:g}, x ~ N(0, I), E[x²] = Var(x) = 1: " + "; ".join(rows), verdict


def sum_of_variances(ctx, rhs):
    """Var(Σⱼ Wⱼxⱼ), W zero-mean and independent, x correlated (ρ = 0.5) with E[x] = 1, against the stated
    right-hand side: Σⱼ Var(Wⱼxⱼ), Σⱼ E[Wⱼ²]E[xⱼ²], or Σⱼ Var(Wⱼ)Var(xⱼ)."""
    n, a = 8, rng(ctx, 40)

    def draw(r, k):
        x = 1 + (r.standard_normal((k, 1)) + r.standard_normal((k, n))) / math.sqrt(2)
        y = (r.standard_normal((k, n)) * 0.5 * x).sum(1)
        return np.stack([y, y * y], axis=1)

    acc = stream(draw, 40_000, a)
    var_y = acc.mean[1] - acc.mean[0] ** 2
    se = acc.stderr[1] + 2 * abs(acc.mean[0]) * acc.stderr[0]
    ew2, ex2, varx = 0.25, 2.0, 1.0
    target = {"sum Var(Wx)": n * ew2 * ex2, "sum E[W²]E[x²]": n * ew2 * ex2, "sum Var(W)Var(x)": n * ew2 * varx}[rhs]
    return (f"n = {n}, Var(W) = 1/4, x correlated (ρ = 0.5), E[x] = 1: Var(y) {var_y:.3f} ± {se:.3f}; "
            f"{rhs} = {target:.3f}", "holds" if abs(var_y - target) <= Z * se else "fails")


def forward_layers(ctx, output_activation):
    """numeric.MLP's forward against the note's loop with/without an activation on the output layer."""
    from numeric.linear import MLP

    a = rng(ctx, 41)
    net = MLP.init([4, 8, 8, 3], rng=a)
    x = a.standard_normal((5, 4))
    h = x
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = h @ w.T + (0 if b is None else b)
        h = np.maximum(z, 0) if (i < len(net.weights) - 1 or output_activation) else z
    same = np.allclose(net.forward(x), h)
    return (f"3-layer MLP, ReLU: the loop {'with' if output_activation else 'without'} an output activation "
            f"{'matches' if same else 'differs from'} the forward pass (max gap "
            f"{float(np.abs(net.forward(x) - h).max()):.2f})", "holds" if same else "conditional")
