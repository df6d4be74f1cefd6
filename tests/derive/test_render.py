"""derive.render: one-line unicode text and pdflatex-safe LaTeX for sympy expressions."""
import shutil
import subprocess

import pytest
import sympy as sp

from derive import registry
from derive.render import latex, text

x, y, a, b, c, n, s, l, L = sp.symbols("x y a b c n s l L")
j, k = sp.symbols("j k", integer=True)
n_in, n_out = sp.symbols("n_in n_out", positive=True)
f, E, Var, P = sp.Function("f"), sp.Function("E"), sp.Function("Var"), sp.Function("P")
kappa, W = sp.IndexedBase("κ"), sp.IndexedBase("W")
M, Wm, X = sp.MatrixSymbol("M", 2, 2), sp.MatrixSymbol("W", 2, 2), sp.MatrixSymbol("X", 2, 2)
SELU_ALPHA = sp.Rational("1.6732632423543772848170429916717")
GREEK_NAMES = "sigma alpha lambda kappa chi xi mu eta beta theta phi"

CASES = [
    # powers, roots, exponentials
    (x**2, "x²"),
    (1 / x, "1/x"),
    (x**-2, "1/x²"),
    (x**(n - 1), "xⁿ⁻¹"),
    (s**(L - 1), "s^(L − 1)"),
    (2**L, "2^L"),
    (x**sp.Rational(3, 2), "x^(3/2)"),
    (sp.sqrt(x), "√x"),
    (sp.sqrt(x + 1), "√(x + 1)"),
    (1 / sp.sqrt(2 * sp.pi), "√2/(2√π)"),
    (sp.exp(x), "eˣ"),
    (sp.exp(-x**2 / 2), "e^(−x²/2)"),
    # products, fractions, signs
    (2 / (n_in + n_out), "2/(n_in + n_out)"),
    (x - y, "x − y"),
    (2 * n, "2n"),
    (2 * x * y, "2x·y"),
    (sp.Mul(2, 3, evaluate=False), "2·3"),
    (3 * x / (2 * y), "3x/(2y)"),
    ((x + 1) * (y - 1), "(x + 1)·(y − 1)"),
    (sp.Tuple(sp.pi, sp.oo, -sp.oo, sp.E), "(π, ∞, −∞, e)"),
    # relations
    (sp.Eq(a, b, evaluate=False), "a = b"),
    (sp.Tuple(sp.Le(a, b), sp.Ge(a, b), sp.Lt(a, b), sp.Gt(a, b), sp.Ne(a, b)),
     "(a ≤ b, a ≥ b, a < b, a > b, a ≠ b)"),
    # names
    (sp.Tuple(*sp.symbols(GREEK_NAMES)), "(σ, α, λ, κ, χ, ξ, μ, η, β, θ, φ)"),
    (sp.Symbol("σ_W²"), "σ_W²"),
    (sp.Symbol("σ_W²")**2, "(σ_W²)²"),
    (2 * n * sp.Symbol("σ_W²"), "2n·σ_W²"),
    (sp.Tuple(sp.Symbol("E[x²]"), sp.Symbol("κ_l"), sp.Symbol("q*")), "(E[x²], κ_l, q*)"),
    (sp.Tuple(*sp.symbols("x_1 x_{l-1} n_in sigma_1^2 sigma2")), "(x₁, x_(l−1), n_in, σ₁², σ₂)"),
    (sp.Symbol("u * u * ... * u (L times)"), "u · u · … · u (L times)"),
    (sp.Tuple(kappa[l], W[j, k], kappa[l - 1], W[0, 1]), "(κ_l, W_jk, κ_(l−1), W₀₁)"),
    (sp.Tuple(E(x**2), Var(sp.Symbol("S")), P(L)), "(E[x²], Var(S), P(L))"),
    (2 * E(x**2), "2E[x²]"),
    # calculus
    (sp.Derivative(f(x), x), "d/dx f(x)"),
    (sp.Derivative(x * y, x), "∂/∂x (x·y)"),
    (sp.Derivative(f(x), (x, 3)), "d³/dx³ f(x)"),
    (2 * sp.Derivative(f(x), x), "2(d/dx f(x))"),
    (sp.Subs(x**2, x, a), "(x²)|_(x=a)"),
    (sp.Subs(a + b, (a, b), (1, 2)), "(a + b)|_(a=1, b=2)"),
    (sp.Subs(f(x), x, 0), "f(x)|_(x=0)"),
    (sp.Integral(f(x), (x, a, b)), "∫_a^b f(x) dx"),
    (sp.Integral(sp.exp(-x**2), (x, -sp.oo, sp.oo)), "∫_−∞^∞ e^(−x²) dx"),
    (sp.Integral(x, x), "∫ x dx"),
    (sp.Integral(x + 1, (x, 0, 2 * sp.pi)), "∫_0^(2π) (x + 1) dx"),
    (sp.Sum(f(l), (l, 1, L)), "Σ_(l=1)^L f(l)"),
    (sp.Product(f(l), (l, 1, L)), "Π_(l=1)^L f(l)"),
    (sp.Sum(l + 1, (l, 1, L - 1)), "Σ_(l=1)^(L−1) (l + 1)"),
    (sp.Sum(kappa[l], (l, 1, L)) / L, "(Σ_(l=1)^L κ_l)/L"),
    (sp.Limit(f(x), x, 0, "+"), "lim_(x→0⁺) f(x)"),
    (sp.Limit(f(x), x, 0, "-"), "lim_(x→0⁻) f(x)"),
    (sp.Limit(1 / x, x, sp.oo), "lim_(x→∞) 1/x"),
    (sp.Limit(x + 1, x, 1, "+-"), "lim_(x→1) (x + 1)"),
    # piecewise and friends
    (sp.Piecewise((x, x > 0), (0, True)), "{x if x > 0; 0 otherwise}"),
    (sp.Abs(x)**2, "|x|²"),
    (sp.Tuple(sp.floor(x / 2), sp.ceiling(x / 2)), "(⌊x/2⌋, ⌈x/2⌉)"),
    (sp.Tuple(sp.Max(a, b), sp.Min(a, b)), "(max(a, b), min(a, b))"),
    (sp.Tuple(sp.erf(x), sp.tanh(x), sp.log(x)), "(erf(x), tanh(x), log(x))"),
    # matrices
    (sp.Determinant(M), "det(M)"),
    (Wm.T * X, "Wᵀ·X"),
    (sp.Inverse(Wm), "W⁻¹"),
    (sp.Matrix([[a, b], [c, x]]), "[[a, b], [c, x]]"),
    (sp.Tuple(sp.Identity(n), sp.ZeroMatrix(2, 2)), "(I, 0)"),
    # sets and logic
    (sp.Tuple(sp.Interval(0, 1), sp.Interval.open(0, 1), sp.Interval(0, sp.oo)), "([0, 1], (0, 1), [0, ∞))"),
    (sp.Contains(c, sp.Interval(0, 1), evaluate=False), "c ∈ [0, 1]"),
    (sp.And(x > 0, y < 1), "x > 0 ∧ y < 1"),
    (sp.Tuple(sp.true, sp.false), "(True, False)"),
    # numbers
    (sp.Tuple(sp.Rational(3, 4), -sp.Rational(1, 2)), "(3/4, −1/2)"),
    (sp.Tuple(sp.Float(0.5), sp.Float(1) / 3, sp.Float(2.0), sp.Float(1e-20)),
     "(0.5, 0.333333333333, 2, 1·10⁻²⁰)"),
    (SELU_ALPHA, "1.67326324235…"),
    (-SELU_ALPHA * x, "−1.67326324235…·x"),
    (sp.Integer(12345678901234567890), "12345678901234567890"),
    # unknown objects fall back to readable forms
    (sp.Poly(x**2 + 1, x), "x² + 1"),
]

LATEX_CASES = [
    (sp.Symbol("σ_W²"), r"\sigma_{W}^{2}"),
    (sp.Symbol("E[x²]"), r"E[x^{2}]"),
    (sp.Symbol("κ_l"), r"\kappa_{l}"),
    (sp.Symbol("q*"), r"q^{*}"),
    (sp.Symbol("∂L/∂x_j"), r"\partial L/\partial x_{j}"),
    (sp.Symbol("χ₁"), r"\chi_{1}"),
    (sp.Symbol("x_{l-1}"), r"x_{l-1}"),
    (sp.Symbol("☃"), "?"),
    (SELU_ALPHA, r"1.67326324235\ldots"),
    (SELU_ALPHA * x, r"1.67326324235\ldots x"),
    (E(x**2), r"E\left[x^{2}\right]"),
    (sp.Eq(sp.Symbol("σ_W²"), 2 / n_in, evaluate=False), r"\sigma_{W}^{2} = \frac{2}{n_{in}}"),
]

FORBIDDEN = ("**", "Subs(", "Derivative(", "Integral(", "Sum(", "Product(", "Limit(", "Piecewise(", "sqrt(",
             " pi", "oo")


@pytest.mark.parametrize("expr, expected", CASES, ids=[str(i) for i in range(len(CASES))])
def test_text(expr, expected):
    assert text(expr) == expected


@pytest.mark.parametrize("expr, expected", LATEX_CASES, ids=[str(i) for i in range(len(LATEX_CASES))])
def test_latex(expr, expected):
    assert latex(expr) == expected


def test_max_digits():
    assert text(sp.Float(sp.pi, 30), max_digits=5) == "3.1416"
    assert text(SELU_ALPHA, max_digits=4) == "1.673…"
    assert text(sp.Rational(1, 3), max_digits=4) == "1/3"


def test_never_raises_and_latex_is_ascii():
    for expr in [e for e, _ in CASES] + [object(), None, 3, sp.Symbol(""), sp.Function("‖θ‖²[relu]")(x)]:
        assert isinstance(text(expr), str)
        assert latex(expr).isascii()


def _statement(step):
    """What a step states: ``.expr`` (or ``.statement``, or the first sympy-valued field if the engine changes)."""
    named = [getattr(step, name, None) for name in ("expr", "statement")]
    for value in named + list(getattr(step, "__dict__", {}).values()):
        if isinstance(value, (sp.Basic, sp.MatrixBase)):
            return value
        if isinstance(getattr(value, "statement", None), sp.Basic):
            return value.statement
    raise AttributeError(f"no sympy statement on {type(step).__name__}")


@pytest.fixture(scope="module")
def statements():
    """Every step of every registered derivation; a builder that fails (its own tests report it) is passed over."""
    found = []
    for cid in registry.ids():
        try:
            steps = registry.get(cid).steps
        except Exception:  # noqa: BLE001 -- a broken derivation is not a rendering failure
            continue
        found += [(cid, _statement(step)) for step in steps]
    if len(found) < 100:
        pytest.skip(f"only {len(found)} derivation steps could be built")
    return found


def test_every_derivation_step_reads_as_mathematics(statements):
    bad = [(cid, out) for cid, expr in statements for out in [text(expr)] if any(f in out for f in FORBIDDEN)]
    assert not bad, bad[:5]


def test_every_derivation_step_has_ascii_latex(statements):
    bad = [(cid, tex) for cid, expr in statements for tex in [latex(expr)] if not tex.isascii()]
    assert not bad, bad[:5]


def _varied(statements, count=30):
    """Statements chosen to cover as many kinds of sympy node as possible, then evenly spread."""
    chosen, seen = [], set()
    for _, expr in statements:
        kinds = {type(node).__name__ for node in sp.preorder_traversal(expr)}
        if kinds - seen and len(chosen) < count:
            chosen.append(expr)
            seen |= kinds
    step = max(1, len(statements) // count)
    chosen += [e for _, e in statements[::step] if not any(e is c for c in chosen)]
    return chosen[:count]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_compiles_with_pdflatex(statements, tmp_path):
    body = "\n".join(f"${latex(expr)}$\\par" for expr in _varied(statements))
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
                                      "\\sloppy\n" + body + "\n\\end{document}\n", encoding="ascii")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
