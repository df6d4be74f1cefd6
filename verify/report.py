"""``python -m verify report DIR``: REPORT.md (claims, audit, derivations) and PNG plots.

Every plot shows closed forms as lines and Monte Carlo estimates as points with ±2 standard-error bars
(new weights for every replicate), except where a mean is too heavy-tailed for its standard error to mean
anything: ``finite_width_spread`` draws those points hollow, without a bar, by a stated rule
(verify.tail's Pareto k̂; report_spread.py). propagation_tanh is drawn in report_tanh.py. Every line is
a derivation's conclusion evaluated here (``_closed``), never a formula typed again. matplotlib is
imported only when a plot is drawn.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np

import sympy as sp

from numeric import activations as A
from numeric import init as I

from .closed import Form
from .mc import stream


def _closed(claim_id: str, lhs=None, **values):
    """The concluded closed form of ``claim_id`` for ``lhs`` at the named values (arrays allowed)."""
    from derive import registry

    return Form(registry.get(claim_id))(lhs, **values)


def _init_variance(name: str, n: int) -> float:
    """Var(W) of an initializer at n_in = n_out = n, from derive's table."""
    from derive import init as D

    family = "torch_default" if name == "torch_default" else name.split("_")[0]
    return float(D.INIT_VARIANCE[family].subs({D.n_in: n, D.n_out: n}))

PLOTS = {}
"""Plot name -> function(rng) -> (figure, caption). Filled by the @plot decorator below."""

WIDTH = 128
DEPTH = 20
REPLICATES = 12
BATCH = 32


def plot(name):
    def register(fn):
        PLOTS[name] = fn
        return fn
    return register


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


INITS = ("lecun_normal", "xavier_normal", "kaiming_normal", "torch_default")
LINESTYLE = {"lecun_normal": "-", "xavier_normal": "--", "kaiming_normal": "-", "torch_default": "-"}
INIT_LABEL = {"lecun_normal": "LeCun 1/n", "xavier_normal": "Xavier 2/(n+n)", "kaiming_normal": "Kaiming 2/n",
              "torch_default": "PyTorch default 1/(3n)"}


def _propagation(rng, weight_init, activation, depth=DEPTH, width=WIDTH, replicates=REPLICATES):
    """Per-replicate second moments of h_l (forward) and of ∂L/∂h_l per coordinate (backward)."""
    phi, dphi = {"relu": (A.relu, A.relu_grad), "tanh": (A.tanh, A.tanh_grad)}[activation]
    init = getattr(I, weight_init)

    def draw(r, k):
        out = np.empty((k, 2, depth + 1))
        for i in range(k):
            h = r.standard_normal((BATCH, width))
            ws, zs = [], []
            out[i, 0, 0] = np.mean(h * h)
            for l in range(1, depth + 1):
                w = init((width, width), rng=r)
                z = h @ w.T
                h = phi(z)
                ws.append(w)
                zs.append(z)
                out[i, 0, l] = np.mean(h * h)
            g = r.standard_normal((BATCH, width))  # upstream gradient independent of the weights
            out[i, 1, depth] = np.mean(g * g)
            for l in range(depth, 0, -1):
                g = (g * dphi(zs[l - 1])) @ ws[l - 1]
                out[i, 1, l - 1] = np.mean(g * g)
        return out

    return stream(draw, replicates, rng, chunk=4)


def _backward_line(width: int, var: float, depth: int) -> float:
    """propagation.backward's conclusion E[g²]·Π_l n(l)·σ²(l)/2 for equal widths and variances, E[g²] = 1."""
    from derive import propagation as P
    from derive import registry

    expr = Form(registry.get("propagation.backward")).expression(P.BACKWARD)
    l = sp.Dummy("l")
    expr = expr.replace(P.widths, sp.Lambda(l, width)).replace(P.V, sp.Lambda(l, sp.Float(var)))
    values = {sym: (1 if sym.name == "E[g²]" else depth) for sym in expr.free_symbols}
    return float(expr.xreplace(values).doit())


@plot("propagation_relu")
def _relu(rng):
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    from derive import propagation as P

    layers = np.arange(DEPTH + 1)
    for name in INITS:
        acc = _propagation(rng, name, "relu")
        var = _init_variance(name, WIDTH)
        forward = _closed("propagation.forward", P.POST, n=WIDTH, **{"σ_W²": var, "E[x²]": 1.0}, L=layers)
        backward = np.array([_backward_line(WIDTH, var, depth) for depth in range(DEPTH, -1, -1)])
        for ax, row, x in ((axes[0], 0, layers), (axes[1], 1, layers)):
            mean, se = acc.mean[row], acc.stderr[row]
            closed = forward if row == 0 else backward
            factor = WIDTH * var / 2
            # LeCun and Xavier coincide for a square layer (fan_in = fan_out): dashes keep both visible
            (l,) = ax.plot(x, closed, LINESTYLE[name], lw=2.2 if name == "lecun_normal" else 1.2,
                           label=f"{INIT_LABEL[name]}: ({factor:.3g})^l")
            ax.errorbar(x, mean, yerr=2 * se, fmt="o", ms=3, color=l.get_color(), capsize=2,
                        label=f"{INIT_LABEL[name]}: Monte Carlo ±2 se")
        for ax in axes:
            ax.set_xticks(range(0, DEPTH + 1, 5))  # layers 0..DEPTH: integer ticks, none past the data
    axes[0].set(title=f"forward: E[h_l²], ReLU, width {WIDTH}", xlabel="layer l", ylabel="second moment (log)",
                yscale="log")
    axes[1].set(title="backward: E[(∂L/∂h_l)²] per coordinate", xlabel="layer l", yscale="log")
    axes[0].legend(fontsize=7)
    fig.suptitle("ReLU: closed forms (lines) and Monte Carlo (points, ±2 se; new weights per replicate)")
    return fig, ("Second moment against depth through ReLU layers for four initializations: only Kaiming "
                 "keeps it at 1; LeCun and Xavier halve it at each layer, PyTorch's default divides it by 6.")


@plot("propagation_tanh")
def _tanh(rng):
    from . import report_tanh

    return report_tanh.figure(rng, _pyplot())


@plot("finite_width_spread")
def _spread(rng):
    from derive import propagation as P

    from . import report_spread as S

    data = {n: S.ratios(rng, n) for n in S.WIDTHS}
    return S.figure(data, lambda n, layers: _closed("propagation.finite_width", P.SPREAD, n=n, L=layers),
                    _pyplot())


@plot("residual_gradients")
def _residual(rng):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    from derive import dynamics as D

    n, depth, replicates = 64, 30, 200
    sigma2 = 0.5 / n
    layers = np.arange(depth + 1)

    def line(lhs, var):
        return _closed("residual.depth", lhs, n=n, **{"sigma^2": var}, L=layers)

    for label, skip, var, lhs in (("plain: (nσ²)^L", False, sigma2, D.PLAIN),
                                  ("residual: (1 + nσ²)^L", True, sigma2, D.RESIDUAL),
                                  ("residual, σ² = 1/(nL): (1 + 1/L)^L", "scaled", 1 / (n * depth), D.RESIDUAL)):
        closed = line(lhs, var)

        def draw(r, k, var=var, skip=skip):
            out = np.empty((k, depth + 1))
            for i in range(k):
                v = r.standard_normal(n)
                v /= np.linalg.norm(v)
                out[i, 0] = 1.0
                for l in range(1, depth + 1):
                    j = r.standard_normal((n, n)) * math.sqrt(var)
                    v = (v + j @ v) if skip else j @ v
                    out[i, l] = v @ v
            return out

        acc = stream(draw, replicates, rng, chunk=50)
        (l,) = ax.plot(layers, closed, "-", lw=1.2, label=label)
        ax.errorbar(layers, acc.mean, yerr=2 * acc.stderr, fmt="o", ms=3, color=l.get_color(), capsize=2,
                    label=f"{label.split(':')[0]}: Monte Carlo ±2 se ({replicates} draws)")
    ax.set(title=f"E‖Π_l J_l v‖², J_l = W_l (plain) or I + W_l (residual), ‖v‖ = 1, n = {n}\n"
                 "W_l entries N(0, σ²), σ² = 0.5/n unless marked", xlabel="depth L",
           ylabel="gradient norm² (log)", yscale="log")
    ax.legend(fontsize=7)
    return fig, ("Input-gradient norm through plain and residual stacks of random linear maps: plain stacks "
                 "vanish as (nσ²)^L, identity paths grow as (1 + nσ²)^L, and 1/√L branch scaling keeps it "
                 "below e.")


@plot("gan_generator_gradients")
def _gan(rng):
    from numeric.gan import nonsaturating_grad, saturating_grad

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    d = np.logspace(-4, np.log10(0.9999), 400)
    a = np.log(d) - np.log1p(-d)
    ax.plot(d, np.abs(saturating_grad(a)), label="saturating log(1 - D): |d/da| = σ(a) = D")
    ax.plot(d, np.abs(nonsaturating_grad(a)), label="non-saturating -log D: |d/da| = 1 - σ(a) = 1 - D")
    ax.axvline(0.01, color="k", lw=0.6, ls=":", label="D(G(z)) = 0.01: a generator early in training")
    ax.set(xscale="log", yscale="log", xlabel="D(G(z))", ylabel="|∂ loss / ∂ logit a| (log)",
           title="Generator-loss gradients against D(G(z))")
    ax.legend(fontsize=8)
    return fig, ("Early in training D(G(z)) is near 0: the saturating loss's gradient vanishes like D, the "
                 "non-saturating loss's stays near 1 (000 Q1.8.2).")


def _erf_map(depth, kernel=3, size=None):
    from numeric.conv import conv2d_grad_input

    size = size or 2 * depth * (kernel - 1) + 9
    weight = np.full((1, 1, kernel, kernel), 1.0 / kernel**2)
    shapes = [size]
    for _ in range(depth):
        shapes.append(shapes[-1] - kernel + 1)
    g = np.zeros((1, 1, shapes[-1], shapes[-1]))
    g[0, 0, shapes[-1] // 2, shapes[-1] // 2] = 1.0
    for l in range(depth, 0, -1):
        g = conv2d_grad_input(g, (1, 1, shapes[l - 1], shapes[l - 1]), weight)
    return g[0, 0]


@plot("receptive_field_depth")
def _rf(rng):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    k = 3
    depths = np.arange(1, 16)
    measured = []
    for L in depths:
        m = _erf_map(int(L), k).sum(axis=0)
        pos = np.arange(m.size)
        mean = (pos * m).sum() / m.sum()
        measured.append(math.sqrt(((pos - mean) ** 2 * m).sum() / m.sum()))
    from derive import receptive_field as R

    field = _closed("rf.constant_stack", R.STACK_FIELD_STRIDE_ONE, k=k, L=depths)
    std = _closed("rf.effective", R.ERF_STD, k=k, d=1, L=depths)
    # widths on one scale: the field's full width against 4 std, the central ±2 std of the gradient's mass
    ax.plot(depths, field, "-", label="theoretical field width r = 1 + (k-1)L")
    ax.plot(depths, 4 * np.asarray(std, dtype=float), "-", label="effective width 4·std = 4√(L(k²-1)/12)")
    ax.plot(depths, 4 * np.asarray(measured), "o", ms=4,
            label="4 × measured std of the gradient map (numeric.conv backward)")
    ax.set(xlabel="depth L (3×3, stride 1)", ylabel="width (pixels)", title="Theoretical field grows like L, "
           "effective field like √L")
    ax.legend(fontsize=8)
    return fig, ("Field width and effective-field width (4 standard deviations of the gradient map, its central "
                 "±2 std) against depth for 3×3 stride-1 stacks (Luo et al. 2016): the field grows like L, the "
                 "effective width like √L, so the share of the field that matters shrinks like 1/√L.")


@plot("erf_heatmap")
def _heatmap(rng):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    from derive import receptive_field as R

    depth = 10
    g = _erf_map(depth)
    c = g.shape[0] // 2
    r = int(_closed("rf.constant_stack", R.STACK_FIELD_STRIDE_ONE, k=3, L=depth)) // 2
    im = ax.imshow(g, cmap="viridis", extent=(-c - 0.5, c + 0.5, c + 0.5, -c - 0.5))
    ax.add_patch(plt.Rectangle((-r - 0.5, -r - 0.5), 2 * r + 1, 2 * r + 1, fill=False, ec="w", ls="--",
                               label=f"theoretical field ({2 * r + 1}×{2 * r + 1})"))
    fig.colorbar(im, ax=ax, label="∂y_center/∂x (gradient weight)")
    ax.set(title=f"ERF of {depth} layers of 3×3 mean filters", xlabel="x offset (pixels)",
           ylabel="y offset (pixels)")
    ax.legend(loc="upper right", fontsize=7)
    return fig, ("The gradient of the centre output over the input: a Gaussian-like blob much narrower than the "
                 "theoretical field (dashed).")


def draw_plots(out_dir: Path, seed: int = 0) -> list[tuple[str, str]]:
    """Draw every plot into out_dir/plots; returns (relative path, caption) pairs."""
    plt = _pyplot()
    folder = out_dir / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i, (name, fn) in enumerate(PLOTS.items()):
        rng = np.random.default_rng(np.random.SeedSequence([seed, 1000 + i]))
        with np.errstate(all="ignore"):
            fig, caption = fn(rng)
        fig.tight_layout()
        path = folder / f"{name}.png"
        _atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
        plt.close(fig)
        made.append((f"plots/{name}.png", caption))
    return made


def write_report(out_dir: Path, seed: int = 0, claims=None, statements=None) -> Path:
    """Run the claims (default: all), the audit and the derivations; write REPORT.md and plots into ``out_dir``."""
    from derive import registry as derivations
    from derive.layout import pipe_table

    from .audit_units import plain_quote

    from .audit import Context, not_checkable_list, run_audit
    from .claim import run_claim
    from .results import result_to_json
    from .registry import builtin_claims

    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    claims = builtin_claims() if claims is None else claims
    ctx = Context(seed)
    with np.errstate(all="ignore"):
        for c in claims:
            ctx._results[c.id] = run_claim(c, seed=seed)
    rows = [result_to_json(ctx._results[c.id]) for c in claims]
    audit = run_audit(seed, statements=statements, context=ctx)
    plots = draw_plots(out_dir, seed)

    def cell(v):
        return "—" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)

    lines = ["# dlmath report", "",
             f"Seed {seed}. {sum(r['check'] == 'pass' and r['proof'] != 'failed' for r in rows)} of {len(rows)} claims "
             f"hold. Generated by `python -m verify report`.", "", "## Claims", ""]
    lines.append(pipe_table([[r["id"], r["source"], r["proof"], r["formula"].replace("|", "\\|"), cell(r["estimate"]),
                              cell(r["stderr"]), cell(r["z"]), "rejected" if r["control"]["rejected"] else "NOT rejected",
                              r["check"]] for r in rows],
                            ["claim", "source", "proof", "closed form", "estimate", "se", "z", "control", "verdict"]))
    lines += ["", "## Plots", ""]
    for path, caption in plots:
        lines += [f"![{Path(path).stem}]({path})", "", caption, ""]
    lines += ["## The notes, audited", ""]
    lines.append(pipe_table([[a.statement.source, plain_quote(a.statement.quote).replace("|", "\\|"), a.statement.verdict,
                              a.statement.claim or "—", a.finding.text.replace("|", "\\|"),
                              ("; ".join(x for x in (a.statement.correction, a.statement.reading and "reading: "
                                                     + a.statement.reading) if x) or "—").replace("|", "\\|")]
                             for a in audit],
                            ["source", "quote", "verdict", "claim", "evidence", "correction / reading"]))
    lines += ["", "Not checkable:", ""]
    # a quoted image ("![](attachment/...)") is shown as text, not drawn (nor counted as a plot)
    lines.append(pipe_table([[n.source, plain_quote(n.quote).replace("|", "\\|").replace("![", "!\\["), n.reason]
                             for n in not_checkable_list()], ["source", "quote", "reason"]))
    lines += ["", "## Derivations", ""]
    for claim_id in derivations.ids():
        lines += [derivations.get(claim_id).to_markdown(), ""]
    lines += [f"_Written in {time.perf_counter() - start:.1f} s._", ""]
    path = out_dir / "REPORT.md"
    _atomic(path, lambda tmp: tmp.write_text("\n".join(lines), encoding="utf-8"))
    return path


def _atomic(path: Path, write) -> None:
    """Write through a temporary file in the same folder and rename it into place: an interrupted run
    (SIGINT, SIGTERM, a full disk) leaves the previous file or none, never a partial one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


from . import report_correlation  # noqa: E402,F401 -- registers its plots, last, so the others keep their seeds
