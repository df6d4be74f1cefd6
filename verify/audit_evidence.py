"""Evidence for the refresher (001): each function reads what the quote says (its ``given``: the quote's
own numbers, formula or wording) and computes the verdict that reading earns, ``(text, verdict)``.

Fed the note's words it must return the table's verdict; fed a corrected or a wrong version it must
return another (tests/verify/test_audit.py). Monte Carlo comparisons use the per-check false-alarm rate
of verify/mc.py; exact ones compare integers or fractions.
"""
from __future__ import annotations

import math

import numpy as np

from .mc import DEFAULT_ALPHA, stream, z_critical

Z = z_critical(DEFAULT_ALPHA)


def judge(agree_in: bool, agree_out: bool) -> str:
    """holds: right everywhere; conditional: right only where the unstated condition holds; fails."""
    return "holds" if agree_in and agree_out else "conditional" if agree_in else "fails"


def rng(ctx, key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([ctx.seed, 15, key]))


def close(estimate: float, se: float, target: float) -> bool:
    return abs(estimate - target) <= Z * se


# -- shapes and notation ------------------------------------------------------------------------

def shape_of(ctx, w, x, claimed):
    """y = Wx (or Y = XWᵀ): the product's shape from the stated shapes, against the claimed one."""
    a = rng(ctx, 1)
    try:
        out = np.einsum("ij,...j->...i", a.standard_normal(w), a.standard_normal(x)).shape
    except ValueError:
        return f"W {w} cannot multiply x {x}", "fails"
    return f"W {w} times x {x} gives shape {out}; stated {claimed}", "holds" if out == tuple(claimed) else "fails"


def transpose_shape(ctx, w, claimed):
    out = np.zeros(w).T.shape
    return f"the transpose of a {w} matrix has shape {out}; stated {claimed}", "holds" if out == claimed else "fails"


def row_major(ctx, w_core, w_here):
    """The letter W names a (m, n) matrix in §Core Equations and a (n, m) one here."""
    a = rng(ctx, 2)
    x = a.standard_normal((5, 3))
    w = a.standard_normal(w_core)
    y_core = x @ w.T
    try:
        y_here = x @ a.standard_normal(w_here)
        fits = y_here.shape == y_core.shape
    except ValueError:
        fits = False
    text = (f"X (5, 3); Y = XWᵀ + b with W {w_core} gives {y_core.shape}; Y = XW + b needs W {w_here}"
            + (": one letter, two shapes" if w_here != w_core else ""))
    return text, "holds" if w_here == w_core and not fits else "notation" if fits else "fails"


def broadcast_bias(ctx, bias_shape):
    """Y = XWᵀ + b adds b ∈ ℝᵐ to a (B, m) matrix: defined only by broadcasting (b added to each row)."""
    a = rng(ctx, 3)
    x, w = a.standard_normal((4, 3)), a.standard_normal((2, 3))
    b = a.standard_normal(bias_shape)
    y = x @ w.T + b
    rows = np.stack([w @ xi + (b if b.ndim == 1 else b[i]) for i, xi in enumerate(x)])
    same = np.allclose(y, rows)
    matrix_sum = b.shape == y.shape
    return (f"XWᵀ is {y.shape}, b is {b.shape}: "
            + ("a matrix sum" if matrix_sum else "NumPy adds b to each row (rows equal Wxᵢ + b: "
               f"{same}); as matrices the shapes differ"),
            "holds" if matrix_sum and same else "notation" if same else "fails")


def sigma_letter(ctx, generic, sigmoid_letter):
    """σ in h = σ(Wx + b) is a generic activation; §Activation Functions defines σ as the sigmoid."""
    from numeric.activations import relu, sigmoid

    a = rng(ctx, 4)
    w, x = a.standard_normal((3, 4)), a.standard_normal(4)
    gap = float(np.abs(sigmoid(w @ x) - relu(w @ x)).max())
    clash = generic == sigmoid_letter
    return (f"the letter {generic} for 'any activation' and {sigmoid_letter} for the sigmoid: h₁ with the "
            f"sigmoid and with ReLU (§Variance Propagation's) differ by up to {gap:.2f}",
            "notation" if clash and gap > 0 else "holds")


# -- activations ----------------------------------------------------------------------------------

def _central(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def derivative(ctx, name, formula):
    """A stated derivative, against central differences of the function (away from kinks)."""
    from numeric.activations import sigmoid, tanh

    f = {"sigmoid": sigmoid, "tanh": tanh}[name]
    forms = {"s(1-s)": lambda x: sigmoid(x) * (1 - sigmoid(x)), "s(1+s)": lambda x: sigmoid(x) * (1 + sigmoid(x)),
             "1-t^2": lambda x: 1 - tanh(x) ** 2, "1-t": lambda x: 1 - tanh(x)}
    x = np.linspace(-6, 6, 241)
    err = float(np.abs(forms[formula](x) - _central(f, x)).max())
    return f"{formula} against differences of {name} on [-6, 6]: max error {err:.1e}", "holds" if err < 1e-8 else "fails"


def tanh_definition(ctx, denominator_sign):
    from numeric.activations import tanh

    x = np.linspace(-5, 5, 101)
    x = x[x != 0]
    form = (np.exp(x) - np.exp(-x)) / (np.exp(x) + denominator_sign * np.exp(-x))
    err = float(np.abs(form - tanh(x)).max())
    return f"the stated ratio against tanh on [-5, 5]: max error {err:.1e}", "holds" if err < 1e-12 else "fails"


def relu_derivative(ctx, above, below, scope):
    from numeric.activations import relu

    h = 1e-6
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    away = np.allclose(_central(relu, x), np.where(x > 0, above, below))
    left, right = (relu(0.0) - relu(-h)) / h, (relu(h) - relu(0.0)) / h
    at0 = scope == "x != 0" or left == right
    return (f"differences away from 0 match: {away}; at 0 left {left:g}, right {right:g}, so the value "
            "at 0 is a convention", judge(away, at0))


# -- moments ----------------------------------------------------------------------------------------

def _relu_laws(ctx):
    """Symmetric zero-mean laws (and two that are not) with Var(z), E[z²], E[ReLU(z)²], Var(ReLU(z))."""
    if "relu_laws" not in ctx.cache:
        a, n = rng(ctx, 5), 400_000
        # each law with its exact Var(z) and E[z²]
        laws = {"N(0,1)": (a.standard_normal(n), 1, 1), "U(-1,1)": (a.uniform(-1, 1, n), 1 / 3, 1 / 3),
                "Laplace": (a.laplace(0, 1, n), 2, 2), "N(1,1)": (1 + a.standard_normal(n), 1, 2),
                "Exp(1)-1": (a.exponential(1, n) - 1, 1, 1)}
        rows = {}
        for name, (z, var, m2) in laws.items():
            r = np.maximum(z, 0)
            rows[name] = dict(symmetric=name in ("N(0,1)", "U(-1,1)", "Laplace"), var=var, m2=m2,
                              relu_m2=(r * r).mean(), relu_m2_se=(r * r).std() / math.sqrt(n), relu_var=r.var(),
                              relu_var_se=((r - r.mean()) ** 2).std() / math.sqrt(n))
        ctx.cache["relu_laws"] = rows
    return ctx.cache["relu_laws"]


def relu_halves(ctx, quantity):
    """'variance is halved' vs 'second moment is halved', over symmetric zero-mean laws."""
    rows = {k: v for k, v in _relu_laws(ctx).items() if v["symmetric"]}
    key = "relu_var" if quantity == "variance" else "relu_m2"
    base = "var" if quantity == "variance" else "m2"
    ratio = {k: v[key] / v[base] for k, v in rows.items()}
    ok = all(close(v[key], v[key + "_se"], v[base] / 2) for v in rows.values())
    return (f"{quantity} of ReLU(z) over that of z: " + ", ".join(f"{k} {r:.3f}" for k, r in ratio.items()),
            "holds" if ok else "fails")


def relu_second_moment(ctx, rhs, condition):
    """E[ReLU(x)²] = rhs/2, rhs Var(x) or E[x²]; symmetric laws vs non-symmetric ones."""
    rows = _relu_laws(ctx)
    agree = {k: close(v["relu_m2"], v["relu_m2_se"], v[rhs] / 2) for k, v in rows.items()}
    sym = all(agree[k] for k, v in rows.items() if v["symmetric"])
    other = all(agree[k] for k, v in rows.items() if not v["symmetric"])
    verdict = judge(sym, other or condition == "symmetric")
    return ("agrees for " + ", ".join(k for k in rows if agree[k]) + "; not for "
            + (", ".join(k for k in rows if not agree[k]) or "none")), verdict


def _layer_samples(ctx, n=64, replicates=20_000):
    """y = Σⱼ Wⱼxⱼ with Var(W) = 1/n, x = ReLU(z) (mean ≠ 0) and x = z (mean 0)."""
    if "layer" not in ctx.cache:
        a = rng(ctx, 6)
        out = {}
        for name, shift in (("x = z", None), ("x = ReLU(z)", 0.0)):
            def draw(r, k, shift=shift):
                w = r.standard_normal((k, n)) / math.sqrt(n)
                z = r.standard_normal((k, n))
                x = z if shift is None else np.maximum(z, 0)
                y = (w * x).sum(axis=1)
                return np.stack([y, y * y], axis=1)
            acc = stream(draw, replicates, a)
            m2x = 1.0 if shift is None else 0.5
            varx = 1.0 if shift is None else 0.5 - 1 / (2 * math.pi)
            out[name] = dict(y2=acc.mean[1], se=acc.stderr[1], m2x=m2x, varx=varx, n=n)
        ctx.cache["layer"] = out
    return ctx.cache["layer"]


def fan_in_formula(ctx, factor):
    """Var(y) (= E[y²], y has mean 0) against n_in·Var(W)·factor, factor Var(x) or E[x²]."""
    rows = _layer_samples(ctx)
    agree = {k: close(v["y2"], v["se"], v[factor]) for k, v in rows.items()}   # n·Var(W) = 1
    text = "; ".join(f"{k}: Var(y) {v['y2']:.4f} ± {v['se']:.4f} vs {v[factor]:.4f}" for k, v in rows.items())
    return f"n = 64, Var(W) = 1/n: {text}", judge(agree["x = z"], agree["x = ReLU(z)"])


def preserve_condition(ctx, quantity):
    """With n_in·Var(W) = 1, is `quantity` of y equal to that of x? (E[x²] always; Var only if E[x] = 0.)"""
    rows = _layer_samples(ctx)
    key = "m2x" if quantity == "E[x²]" else "varx"
    agree = {k: close(v["y2"], v["se"], v[key]) for k, v in rows.items()}
    return (f"n·Var(W) = 1: E[y²] = Var(y) = {rows['x = ReLU(z)']['y2']:.4f} for x = ReLU(z), whose E[x²] = 0.5 "
            f"and Var(x) = {rows['x = ReLU(z)']['varx']:.4f}", judge(agree["x = z"], agree["x = ReLU(z)"]))
