"""Evidence the audit computes directly (not through a claim): one function per statement, taking the
audit's ``Context`` and returning (what was found, whether it agrees with the verdict)."""
from __future__ import annotations

import math

import numpy as np

from .mc import stream

def relu_kink(ctx):
    from numeric.activations import relu

    h = 1e-8
    left, right = (relu(0.0) - relu(-h)) / h, (relu(h) - relu(0.0)) / h
    return (f"one-sided difference quotients at 0: left {left:g}, right {right:g}: not differentiable at 0, "
            f"so 'else 0' at x = 0 is a convention", left != right)


def var_w_times_var_x(ctx):
    # x = ReLU(z), z ~ N(0, 1): E[x]² = 1/(2π) is not 0, so Var(x) < E[x²] and n·Var(W)·Var(x) is too small
    n, replicates = 64, 20_000
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, 1]))

    def draw(r, k):
        w = r.standard_normal((k, n)) / np.sqrt(n)
        x = np.maximum(r.standard_normal((k, n)), 0)
        return (w * x).sum(axis=1) ** 2

    acc = stream(draw, replicates, rng)
    second, variance = 0.5, 0.5 - 1 / (2 * math.pi)
    z_true = abs(acc.mean - second) / acc.stderr
    z_note = abs(acc.mean - variance) / acc.stderr
    return (f"n = {n}, Var(W) = 1/n, x = ReLU(z): Var(y) = {acc.mean:.4f} ± {acc.stderr:.4f}; n·Var(W)·E[x²] = "
            f"{second:.4f} (z = {z_true:.2f}); the note's n·Var(W)·Var(x) = {variance:.4f} (z = {z_note:.1f})",
            z_note > 4.89 and z_true <= 4.89)


def var_h_is_second_moment(ctx):
    # L ReLU layers, He init: E[h_L²] = E[x²], but Var(h_L) = E[h_L²] - E[h_L]² is visibly smaller
    n, depth, replicates = 128, 3, 4000
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, 2]))

    def draw(r, k):
        h = r.standard_normal((k, n))
        for _ in range(depth):
            w = r.standard_normal((k, n, n)) * np.sqrt(2 / n)
            h = np.maximum(np.einsum("kij,kj->ki", w, h), 0)
        return np.stack([(h**2).mean(axis=1), h.mean(axis=1)], axis=1)

    acc = stream(draw, replicates, rng, chunk=64)
    second, mean = acc.mean
    return (f"depth {depth}, width {n}, He init, x ~ N(0, I): E[h_L²] = {second:.4f} ± {acc.stderr[0]:.4f} "
            f"(formula (n·Var(W)/2)^L·E[x²] = 1), while E[h_L] = {mean:.4f}, so Var(h_L) ≈ {second - mean**2:.4f}",
            abs(second - 1) <= 4.89 * acc.stderr[0] and mean**2 > 10 * acc.stderr[0])


def rf_general(ctx):
    from numeric.receptive_field import Layer, receptive_field

    k, L = 3, 4
    rows = []
    ok = True
    for s in (1, 2):
        true = receptive_field([Layer(k, s)] * L).size
        note = (k - 1) * s * L + 1
        rows.append(f"s = {s}: field {true}, ((k-1)S)L+1 = {note}")
        ok = ok and ((true == note) == (s == 1))
    return "k = 3, L = 4: " + "; ".join(rows), ok


def rf_top_down(ctx):
    from numeric.receptive_field import Layer, receptive_field

    r = 1
    chain = [r]
    for _ in range(4):
        r = 3 + 1 * (r - 1)
        chain.append(r)
    field = receptive_field([Layer(3, 1)] * 4).size
    return f"top-down n = k + s(n' - 1): {' <- '.join(map(str, chain))}; bottom-up field {field}", chain[-1] == field


def rf_sandford(ctx):
    from numeric.receptive_field import Layer, receptive_field

    two_threes = receptive_field([Layer(3, 1), Layer(3, 1)]).size
    three_then_five = receptive_field([Layer(5, 1), Layer(3, 1)]).size
    return (f"two 3×3 layers: field {two_threes}; a 5×5 under a 3×3 (the note's k = 5 in n2): field "
            f"{three_then_five}", two_threes == 5 and three_then_five == 7)


def params(ctx):
    from numeric.conv import conv_params, dense_params

    conv = conv_params(6, 8, 5)
    dense = dense_params(20 * 20 * 6, 8 * 10 * 10)
    note_conv, note_dense = 8 * (5 * 5 * 6) + 8 * 1, 8 * 10 * 10 * (20 * 20 * 6) + 8 * 10 * 10 * 1
    return (f"conv 5×5, 6 -> 8 channels: {conv} (note {note_conv}); dense 2400 -> 800: {dense:,} "
            f"(note {note_dense:,})", conv == note_conv and dense == note_dense)


def same_padding(ctx):
    from numeric.conv import output_size

    out = output_size(256, 3, 1, 1)
    return f"output_size(256, kernel 3, stride 1, padding 1) = {out}", out == 256


def layer2(ctx):
    from numeric.conv import output_size

    p0, p1 = output_size(256, 3, 2, 0), output_size(256, 3, 2, 1)
    return (f"(256 - 3)/2 + 1 = 127.5, floored: output_size(256, 3, stride 2, padding 0) = {p0}; 128 needs "
            f"padding 1: {p1}", p0 == 127 and p1 == 128)


def pool_field(ctx):
    from numeric.receptive_field import Layer, receptive_field

    field = receptive_field([Layer(3, 1, 1), Layer(3, 2)]).size
    own_stride = 1 + (3 - 1) * 2 + (3 - 1) * 1
    return (f"conv k3 s1 p1; pool k3 s2: field {field}; the note's 1 + (3-1)×2 + (3-1)×1 = {own_stride} multiplies "
            f"the pooling layer's kernel by its own stride", field == 5 and own_stride == 7)


def pool_field_top_down(ctx):
    from numeric.receptive_field import Layer, receptive_field

    n2 = 3 + 2 * (1 - 1)
    n1 = 3 + 1 * (n2 - 1)
    field = receptive_field([Layer(3, 1, 1), Layer(3, 2)]).size
    return f"top-down n2 = {n2}, n1 = {n1}; bottom-up field {field}", n1 == field == 5


def xavier_forward_factor(ctx):
    rows = []
    for n_in, n_out in ((256, 256), (256, 1024)):
        rows.append(f"n_in = {n_in}, n_out = {n_out}: forward factor n_in·Var(W) = {2 * n_in / (n_in + n_out):.3f}")
    return "; ".join(rows), 2 * 256 / (256 + 1024) != 1


def xavier_relu(ctx):
    depth = 10
    factor = (1 / 2) ** depth  # n·Var(W)/2 with Var(W) = 2/(2n) = 1/n at n_in = n_out
    return (f"ReLU, n_in = n_out = n, Var(W) = 1/n: second moment × 1/2 per layer, ×{factor:.1e} after "
            f"{depth} layers (propagation.forward)", factor < 0.01)


def xavier_gain(ctx):
    from numeric.init import calculate_gain, init_std

    shape = (300, 100)
    stds = {f: init_std(shape, gain=1.0, mode="fan_avg") for f in ("tanh", "sigmoid", "linear")}
    gains = {f: calculate_gain(f) for f in ("tanh", "sigmoid", "linear")}
    same = len({round(v, 12) for v in stds.values()}) == 1
    return (f"Xavier std for a 300×100 weight: {next(iter(stds.values())):.5f} whatever the activation; the "
            f"activation enters only through a separate gain (PyTorch: tanh {gains['tanh']:.4g}, sigmoid "
            f"{gains['sigmoid']:.4g}, linear {gains['linear']:.4g})", same)


def quick_reference_std(ctx):
    from numeric.init import xavier_normal

    n_in, n_out = 50, 450
    w = xavier_normal((n_out, n_in), rng=np.random.default_rng(np.random.SeedSequence([ctx.seed, 3])))
    var = float(w.var())
    se = float(np.sqrt(2 / w.size)) * var
    target = 2 / (n_in + n_out)
    return (f"Var of a sampled Xavier-normal {n_out}×{n_in} weight: {var:.5f} ± {se:.5f}; 2/(n_in+n_out) = "
            f"{target:.5f}, so N(0, ·)'s second argument is the variance in §Xavier and the std here",
            abs(var - target) <= 4.89 * se)


def row_major(ctx):
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, 4]))
    x = rng.standard_normal((5, 3))
    w = rng.standard_normal((4, 3))  # (m, n), as in §Core Equations
    same = np.allclose(x @ w.T, x @ w.T)  # the row-major W' is Wᵀ, shape (n, m)
    try:
        x @ w
        clash = False
    except ValueError:
        clash = True
    return ("with W of shape (m, n) = (4, 3), X @ W fails (shapes (5,3)·(4,3)); the row-major form needs W' = Wᵀ of "
            "shape (n, m): the letter W names two different matrices", same and clash)


def kaiming_leaky(ctx):
    from numeric.init import calculate_gain

    a = 0.2
    gain2 = calculate_gain("leaky_relu", a) ** 2
    return (f"leaky ReLU, slope {a}: preserving variance needs Var(W) = {gain2:.4f}/n_in = 2/((1+a²)·n_in), "
            f"not 2/n_in", abs(gain2 - 2 / (1 + a * a)) < 1e-12 and abs(gain2 - 2) > 1e-3)


def relu_variance_halved(ctx):
    half_second = 0.5
    variance = 0.5 - 1 / (2 * math.pi)
    return (f"z ~ N(0, 1): E[ReLU(z)²] = {half_second} (halved), Var(ReLU(z)) = 1/2 - 1/(2π) = {variance:.4f}",
            variance < half_second)
