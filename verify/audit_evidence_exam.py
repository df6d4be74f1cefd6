"""Evidence for the exam answers (000): ``fn(ctx, **given) -> (text, verdict)``, computed from the
quote's own numbers or wording (see verify/audit_evidence.py)."""
from __future__ import annotations

import math

import numpy as np

from .audit_evidence import judge, rng

# -- Q1.1: symmetry ------------------------------------------------------------------------------


def _symmetric_net(ctx, init):
    """A 3-4-4-1 sigmoid MLP with every weight `init` (0 or 0.5), or random when init is None; a few SGD
    steps on a random regression task; returns hidden outputs, first gradients and trained weights."""
    from numeric.linear import MLP

    a = rng(ctx, 50)
    shapes = [(4, 3), (4, 4), (1, 4)]
    weights = [a.standard_normal(s) if init is None else np.full(s, float(init)) for s in shapes]
    net = MLP(weights, [np.zeros(s[0]) for s in shapes], activation="sigmoid")
    x, target = a.standard_normal((16, 3)), a.standard_normal((16, 1))
    trace = net.forward_trace(x)
    hidden = trace.inputs[1]
    grads = net.backward(trace, trace.output - target)
    first = grads.weights[0]
    for _ in range(50):
        t = net.forward_trace(x)
        g = net.backward(t, (t.output - target) / len(x))
        net = MLP([w - 0.5 * gw for w, gw in zip(net.weights, g.weights)],
                  [b - 0.5 * gb for b, gb in zip(net.biases, g.biases)], activation="sigmoid")
    return hidden, first, net.weights[0]


def _rows_equal(m):
    return bool(np.allclose(m, m[:1])) if m.shape[0] > 1 else True


def symmetry(ctx, init, what):
    """Do the hidden units of a layer stay identical (outputs, gradients, after 50 SGD steps)?"""
    hidden, first, trained = _symmetric_net(ctx, init)
    found = {"outputs": _rows_equal(hidden.T), "gradients": _rows_equal(first), "training": _rows_equal(trained)}
    spread = {"outputs": np.ptp(hidden, axis=1).max(), "gradients": np.ptp(first, axis=0).max(),
              "training": np.ptp(trained, axis=0).max()}[what]
    label = "zero" if init == 0 else "random" if init is None else f"constant {init}"
    return (f"{label} init, sigmoid MLP 3-4-4-1: hidden-unit {what} identical: {found[what]} (largest spread "
            f"between units {spread:.2g})", "holds" if found[what] else "fails")


def zero_init_model(ctx, activation, says):
    """All-zero weights: with φ(0) = 0 the output is constant and no hidden weight ever moves; with sigmoid the
    units move together (one effective unit, still nonlinear). 'almost linear' fits neither."""
    from numeric.linear import MLP

    a = rng(ctx, 51)
    shapes = [(4, 3), (4, 4), (1, 4)]
    net = MLP([np.zeros(s) for s in shapes], [np.zeros(s[0]) for s in shapes], activation=activation)
    x, target = a.standard_normal((16, 3)), np.tanh(a.standard_normal((16, 1)))
    for _ in range(200):
        t = net.forward_trace(x)
        g = net.backward(t, (t.output - target) / len(x))
        net = MLP([w - 0.5 * gw for w, gw in zip(net.weights, g.weights)],
                  [b - 0.5 * gb for b, gb in zip(net.biases, g.biases)], activation=activation)
    xs = np.linspace(-3, 3, 61)[:, None] * np.array([[1.0, 0.5, -0.3]])
    y = net.forward(xs)[:, 0]
    fit = np.polyfit(xs[:, 0], y, 1)
    nonlinear = float(np.abs(np.polyval(fit, xs[:, 0]) - y).max())
    linear = nonlinear < 1e-3
    constant = float(np.ptp(y)) < 1e-9
    kind = "constant" if constant else "linear" if linear else "nonlinear"
    return (f"{activation}, zero init, 200 SGD steps: the net is {kind} in x (output range {np.ptp(y):.2g})",
            "holds" if kind == says else "fails")


# -- Q1.2, Q1.3: linear networks ------------------------------------------------------------------


def rank_of_product(ctx, relation):
    """rank(W₃W₂W₁) against min rank over random shapes with a bottleneck."""
    a = rng(ctx, 52)
    seen = []
    for widths in ((6, 2, 6, 6), (5, 5, 3, 5), (4, 6, 6, 4)):
        ws = [a.standard_normal((o, i)) for i, o in zip(widths[:-1], widths[1:])]
        prod = ws[2] @ ws[1] @ ws[0]
        seen.append((int(np.linalg.matrix_rank(prod)), min(int(np.linalg.matrix_rank(w)) for w in ws)))
    ok = all({"<=": r <= m, "<": r < m, ">=": r >= m}[relation] for r, m in seen)
    return ("rank of the product vs the smallest factor rank: " + ", ".join(f"{r} vs {m}" for r, m in seen)
            + " (rank is the expressive bound of a linear map)", "holds" if ok else "fails")


def collapse(ctx, activation):
    """L1(L2(L3(x))) against the single affine map (W1W2W3, W1W2b3 + W1b2 + b1)."""
    a = rng(ctx, 53)
    ws = [a.standard_normal((5, 5)) for _ in range(3)]
    bs = [a.standard_normal(5) for _ in range(3)]
    phi = (lambda z: z) if activation == "none" else (lambda z: np.maximum(z, 0))
    x = a.standard_normal((7, 5))
    h = x
    for w, b in zip(ws, bs):
        h = phi(h @ w.T + b)
    w_all = ws[2] @ ws[1] @ ws[0]
    b_all = ws[2] @ (ws[1] @ bs[0] + bs[1]) + bs[2]
    gap = float(np.abs(h - (x @ w_all.T + b_all)).max())
    return (f"three layers ({activation} between) against their collapsed single layer: max gap {gap:.1e}",
            "holds" if gap < 1e-9 else "fails")


def xor_fit(ctx, model):
    """Best least-squares fit of XOR by an affine map vs a 2-unit ReLU layer (h = ReLU(x₁+x₂), ReLU(x₁+x₂-1))."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.array([0, 1, 1, 0], float)
    if model == "linear":
        design = np.hstack([x, np.ones((4, 1))])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        err = float(((design @ coef - y) ** 2).mean())
    else:
        h = np.maximum(np.stack([x.sum(1), x.sum(1) - 1], 1), 0)
        err = float(((h @ np.array([1.0, -2.0]) - y) ** 2).mean())
    return f"XOR by a {model} model: smallest mean squared error {err:.3g}", "holds" if err > 0.1 else "fails"


# -- Q1.4: Xavier ---------------------------------------------------------------------------------


def xavier_same_variance(ctx, n_in, n_out):
    """Forward factor n_in·Var(W) of Xavier's Var(W) = 2/(n_in + n_out) (linear-like units near 0)."""
    rows = [(i, o, 2 * i / (i + o)) for i, o in ((n_in, n_out), (256, 1024))]
    ok = [abs(f - 1) < 1e-12 for *_, f in rows]
    return ("forward factor n_in·Var(W): " + ", ".join(f"{i}→{o}: {f:.3f}" for i, o, f in rows),
            judge(ok[0], ok[1]))


def _gradient_ratio(ctx, activation, std):
    """Second moment of the input gradient over the output's after 10 layers of width 128, W ~ N(0, std²)
    (Xavier at n_in = n_out: std = 1/√n; per layer n·std²·E[φ'(z)²]: 1 linear, 1/2 ReLU)."""
    from numeric.activations import relu_grad, tanh, tanh_grad

    n, depth, a = 128, 10, rng(ctx, 54)
    std = 1 / math.sqrt(n) if std == "xavier" else std
    h = a.standard_normal((64, n))
    grads = []
    for _ in range(depth):
        w = a.standard_normal((n, n)) * std
        z = h @ w.T
        grads.append((w, z))
        h = {"linear": z, "tanh": tanh(z), "relu": np.maximum(z, 0)}[activation]
    g = a.standard_normal((64, n))
    for w, z in reversed(grads):
        g = g * {"linear": np.ones_like(z), "tanh": tanh_grad(z), "relu": relu_grad(z)}[activation]
        g = g @ w
    return float((g * g).mean())


def xavier_mitigates(ctx, init):
    """tanh, 10 layers: is the gradient's log-scale change with `init` smaller than with N(0, 1) and N(0, 0.01²)?"""
    ratios = {name: _gradient_ratio(ctx, "tanh", std) for name, std in
              (("xavier", "xavier"), ("N(0, 1)", 1.0), ("N(0, 0.01²)", 0.01))}
    mine = abs(math.log(ratios[init]))
    ok = all(mine < abs(math.log(r)) for name, r in ratios.items() if name != init)
    return ("tanh, 10 layers of 128, gradient second moment ×: "
            + ", ".join(f"{k} {v:.2g}" for k, v in ratios.items())), "holds" if ok else "fails"


def xavier_stable(ctx, activations):
    """Xavier's per-layer gradient factor (geometric mean over 10 layers) for each activation the sentence
    covers; 'neither vanish nor explode' read as a factor within 10% of 1 (exactly 1 linear, 1/2 ReLU)."""
    factors = {f: _gradient_ratio(ctx, f, "xavier") ** 0.1 for f in ("linear", "tanh", "relu")}
    ok = {f: abs(v - 1) < 0.1 for f, v in factors.items()}
    text = "Xavier, per-layer gradient factor: " + ", ".join(f"{f} {v:.3f}" for f, v in factors.items())
    return text, judge(all(ok[f] for f in activations if f == "linear"), all(ok[f] for f in activations))


def xavier_activation(ctx, says):
    """Glorot's linear-regime condition n·Var(W)·φ'(0)² = 1 gives an activation-aware variance
    2/((n_in + n_out)·φ'(0)²); Xavier (numeric.init.xavier_normal, which takes no activation) samples one
    variance whatever the activation. Does the sampled variance follow φ'(0)?"""
    import inspect

    from numeric.activations import sigmoid, tanh
    from numeric.init import xavier_normal

    n_in, n_out = 100, 300
    slopes = {name: float((f(1e-6) - f(-1e-6)) / 2e-6) for name, f in
              (("sigmoid", sigmoid), ("tanh", tanh), ("linear", lambda x: x))}
    aware = {name: 2 / ((n_in + n_out) * d * d) for name, d in slopes.items()}
    sampled = float(xavier_normal((n_out, n_in), rng=rng(ctx, 57)).var())
    takes = [p for p in inspect.signature(xavier_normal).parameters if p in ("activation", "nonlinearity")]
    # the aware variances differ 16-fold (sigmoid vs tanh): 10% separates following them from ignoring them
    follows = bool(takes) or all(abs(sampled - v) < 0.1 * v for v in aware.values())
    return ("φ'(0)-aware variance " + ", ".join(f"{k} {v:.4f}" for k, v in aware.items())
            + f"; Xavier samples {sampled:.4f} (no activation argument)"), "holds" if follows == says else "fails"


# -- Q1.6: residual connections -------------------------------------------------------------------


def residual_jacobian(ctx, skip):
    """The Jacobian of x + skip·f(x) minus f's: the identity when skip = 1."""
    a = rng(ctx, 55)
    w = a.standard_normal((4, 4)) * 0.3
    x = a.standard_normal(4)
    f = lambda v: np.tanh(w @ v)
    block = lambda v: skip * v + f(v)
    eye = np.eye(4)
    jac = lambda g: np.stack([(g(x + 1e-6 * e) - g(x - 1e-6 * e)) / 2e-6 for e in eye], 1)
    gap = float(np.abs(jac(block) - jac(f) - eye).max())
    return f"J(x + f(x)) − J(f) against I: max gap {gap:.1e}", "holds" if gap < 1e-6 else "fails"


def residual_depth(ctx, skip, branch_scale):
    """‖∂L/∂x‖² over 30 blocks x ← skip·x + W₂ReLU(W₁x) of width 64, W ~ N(0, scale/n): the plain stack
    (skip 0) vanishes; the residual stack keeps the gradient, growing like (1 + scale²/2·…)^L if unscaled."""
    n, depth, a = 64, 30, rng(ctx, 56)
    g = a.standard_normal(n)
    g0 = float(g @ g)
    x = a.standard_normal(n)
    blocks = []
    for _ in range(depth):
        w1, w2 = (a.standard_normal((n, n)) * math.sqrt(branch_scale / n) for _ in range(2))
        blocks.append((w1, w2, x))
        x = skip * x + w2 @ np.maximum(w1 @ x, 0)
    for w1, w2, xin in reversed(blocks):
        g = skip * g + w1.T @ ((w2.T @ g) * (w1 @ xin > 0))
    ratio = float(g @ g) / g0
    verdict = "holds" if 0.1 < ratio < 10 else "conditional" if ratio >= 10 else "fails"
    return (f"{depth} blocks, width {n}, skip {skip}, Var(W) = {branch_scale:g}/n: ‖∂L/∂x‖² ×{ratio:.3g}",
            verdict)


# -- Q1.7, Q2.2: receptive fields and sizes -------------------------------------------------------


def _field(layers):
    from numeric.receptive_field import Layer, receptive_field

    return receptive_field([Layer(*l) for l in layers]).size


def rf_formula(ctx, k, s, layers, claimed):
    """((k-1)S)L + 1 against numeric.receptive_field, at the quote's numbers and at stride 2."""
    true = _field([(k, s)] * layers)
    general = _field([(k, 2)] * layers), (k - 1) * 2 * layers + 1
    return (f"{layers} layers k{k} s{s}: field {true}, formula {claimed}; at stride 2: field {general[0]}, "
            f"formula {general[1]}", judge(true == claimed, general[0] == general[1]))


def rf_value(ctx, layers, side, area):
    """The field of the stated stack, its side and area against the claimed ones."""
    true = _field(layers)
    return (f"{'; '.join(f'k{l[0]} s{l[1]}' + (f' p{l[2]}' if len(l) > 2 else '') for l in layers)}: field "
            f"{true}×{true} = {true * true}; stated {side}×{side} = {area}",
            "holds" if true == side and side * side == area else "fails")


def rf_chain(ctx, chain):
    """1x1 <- 3x3 <- ...: field after j layers of k3 s1, for each j."""
    true = [_field([(3, 1)] * j) if j else 1 for j in range(len(chain))]
    return f"fields after 0..{len(chain) - 1} layers of 3×3: {true}; stated {list(chain)}", \
        "holds" if list(chain) == true else "fails"


def rf_step(ctx, k, s, prev, claimed, layers_below):
    """Top-down step n = k + s(n' − 1), against the field of the `layers_below` stack it describes."""
    value = k + s * (prev - 1)
    true = _field(layers_below)
    return (f"{k} + {s}({prev} − 1) = {value}; field of {len(layers_below)} layer(s) "
            f"{'/'.join(f'k{l[0]}s{l[1]}' for l in layers_below)}: {true}; stated {claimed}",
            "holds" if value == claimed == true else "conditional" if value == claimed else "fails")


def numbering(ctx, name, k, s, prev, layers):
    """One name, two directions: `name` = k + s(prev − 1) here, against what the first chain of the same
    answer calls `name` (n_L counted first at the top, so n1 is the field of all `layers` on the input)."""
    here = k + s * (prev - 1)
    above = _field([(3, 1)] * layers)
    return (f"{name} = {k} + {s}({prev} − 1) = {here} here; in the chain above {name} is the input side's field "
            f"{above} ({layers} layers of 3×3)", "notation" if here != above else "holds")


def rf_reading(ctx, side, note_stack, question_stack):
    """The stated field side against the question's stack (two 3×3) and the stack the note computed."""
    asked, computed = _field(question_stack), _field(note_stack)
    return (f"the question's two 3×3 layers: field {asked}; the note's k5-under-k3: {computed}; stated {side}",
            "holds" if side == asked else "conditional" if side == computed else "fails")


def rf_definition(ctx, depends_on):
    """Does the field depend on one layer's filter only? conv k3 alone vs conv k3 under pool k3 s2."""
    one, two = _field([(3, 1)]), _field([(3, 1, 1), (3, 2)])
    verdict = judge(one == 3, two == 3) if depends_on == "one layer" else "holds"
    return f"one 3×3 conv: field {one}; conv k3 s1 p1 then pool k3 s2: field {two}, not the pool's 3", verdict


def rf_input_size(ctx, depends):
    from numeric.receptive_field import Layer, receptive_field_table

    layers = [Layer(3, 1, 1), Layer(3, 2)]
    fields = {n: receptive_field_table(layers, n)[-1].size for n in (32, 256)}
    same = len({str(v) for v in fields.values()}) == 1
    return (f"field of conv k3 p1 + pool k3 s2 on a 32 and a 256 input: {fields[32]} and {fields[256]}",
            "holds" if same != depends else "fails")


def padding_effect(ctx, what, changes):
    from numeric.conv import output_size

    sizes = [output_size(256, 3, 1, p) for p in (0, 1)]
    fields = [_field([(3, 1, p), (3, 2)]) for p in (0, 1)]
    found = {"output": sizes[0] != sizes[1], "field": fields[0] != fields[1]}[what]
    return (f"padding 0 vs 1 on 256, k3: output {sizes[0]} vs {sizes[1]}; field {fields[0]} vs {fields[1]}",
            "holds" if found == changes else "fails")


def output_height(ctx, n, k, s, p, claimed):
    """⌊(n + 2p − k)/s⌋ + 1 (PyTorch's floor default), ceil mode, and padding 1, against the claimed size."""
    from numeric.conv import output_size

    floor, ceil, pad1 = output_size(n, k, s, p), output_size(n, k, s, p, ceil_mode=True), output_size(n, k, s, 1)
    text = f"n {n}, k {k}, s {s}, p {p}: floor {floor}, ceil mode {ceil}" + (f", padding 1 {pad1}" if p == 0 else "")
    return text + f"; stated {claimed}", judge(claimed in (floor, ceil, pad1), claimed == floor)


def same_padding(ctx, n, k, p):
    from numeric.conv import output_size

    ok = [q for q in range(k) if output_size(n, k, 1, q) == n]
    return f"paddings that keep {n} at k{k} s1: {ok}; stated p = {p}", "holds" if ok == [p] else "fails"


def pool_field_sum(ctx, terms, claimed):
    """1 + Σ (k_l − 1)·(stride of the layers below): the note's own strides vs the field."""
    true = _field([(3, 1, 1), (3, 2)])
    value = 1 + sum((k - 1) * s for k, s in terms)
    return f"1 + {' + '.join(f'({k}-1)×{s}' for k, s in terms)} = {value}; field {true}; stated {claimed}", \
        "holds" if value == claimed == true else "fails"


def params(ctx, kind, note_value):
    from numeric.conv import conv_params, dense_params

    true = conv_params(6, 8, 5) if kind == "conv" else dense_params(20 * 20 * 6, 8 * 10 * 10)
    what = "conv 5×5, 6→8 channels" if kind == "conv" else "dense 20·20·6 → 8·10·10"
    return f"{what}: {true:,} parameters; the note's expression {note_value:,}", \
        "holds" if true == note_value else "fails"
