"""``python -m verify gain EXPR``: gains, moments and criticality of any activation, checked by Monte Carlo.

EXPR is a name (``--list``: the built-ins relu, leaky_relu(a), elu(alpha), selu, gelu, silu, mish,
softplus, tanh, sigmoid, linear, and celu(alpha), hardtanh, swish(beta); ``leaky_relu(0.2)`` sets the
parameter, read by ``derive.catalogue``) or an expression in x such as ``"x*tanh(softplus(x))"`` (parsed
by ``derive.parse``; an expression that starts with '-' goes last, after ``--``). Printed: E[φ(z)], E[φ(z)²], E[φ'(z)²] for
z ~ N(0, q), the forward and backward gains (at q = 1), PyTorch's calculate_gain value where it has
one and why it differs, the variance map's fixed point q* and χ₁ at (σ_w, σ_b), the critical σ_w
for σ_b = 0, and a one-layer Monte Carlo check (exact at any width): z ~ N(0, q) through a layer
with Var(W) = σ_w²/fan_in and bias variance σ_b² has E[y²] = V(q) = σ_w²·E[φ(√q z)²] + σ_b². A
depth-L finite-width run is shown beside the infinite-width recursion, with its deviation, not judged.
q* and the critical σ_w are enclosed in brackets where V(q) - q (or q·E[φ'²] - E[φ²]) changes sign by more
than the quadrature's error, χ₁ is bounded over q*'s bracket (derive.meanfield), and only the digits the
ends share are printed: the one assumption is that the quadrature's error is within its estimate.
``--memory-limit`` caps the memory of the stages before the Monte Carlo (verify/commands/gain_memory.py).
The table (wrapped to the terminal unless ``--wide``) ends with a sentence: the σ_w to use for fan-in
initialization, against PyTorch's ``calculate_gain``.

For a built-in the simulation uses ``numeric.gain``; for a typed expression the only definition is
the parsed one, so the simulation evaluates the lambdified ``derive`` expression (DESIGN.md's one
exception), and the output says so.
"""
from __future__ import annotations

import argparse
import json
import difflib
import math
import re
import textwrap

import mpmath
import numpy as np
import sympy as sp

from derive.render import text as render_text
from derive import catalogue as A
from derive.layout import paragraph
from derive.layout import table as _layout
from derive import gain as D
from derive import gaussian_moments as M
from derive import meanfield as F
from derive.budget import DEFAULT_LIMIT, StageTimeout
from derive.pieces import as_piecewise, pieces
from numeric import gain as N

from ..errors import UsageError
from ..tail import tail
from ..mc import DEFAULT_ALPHA, claim_seed_sequence, stream, z_critical
from ._args import integer_between
from .gain_table import _float
from ._args import layout as _layout_option
from .gain_memory import DEFAULT_MEMORY_MB, MEMORY_RANGE, CappedStages as _CappedStages
from ._stages import json_safe as _json_safe
from ._args import seed as _seed
from ._args import summary_stream
from ._args import table_format as _format

HELP = "gains, moments, fixed point and χ₁ of any activation (a name or an expression in x)"


WIDTH = 16
BATCH = 8
REPLICATES = 2000
"""One-layer check: independent layers of width WIDTH, each fed BATCH inputs."""
DEEP_WIDTH = 64
DEEP_REPLICATES = 32
DEEP_BATCH = 8
"""The depth-L illustration: DEEP_REPLICATES networks of width DEEP_WIDTH."""
MAX_DEPTH = 1000
HEAVY_TAILS = 100.0
"""Above this E[φ⁴]/E[φ²]² (3 for a Gaussian, 6 for ReLU, e⁴ ≈ 55 for exp) the check carries a warning."""


Q_RANGE = (1e-6, 1e4)
"""--q range: derive's quadrature reaches its 12 digits here (outside it gives wrong moments, e.g. V(q) 83% low
for relu at q = 1e-12 and 1e-94 instead of 1e300 at q = 1e300)."""
MAX_SCALE = 1e3
MAX_TIME_LIMIT = 3600.0
"""Largest --time-limit (seconds per stage)."""
STAGES = ("parse", "recognize", "symbolic moments", "quadrature", "fixed point", "monte carlo")
"""The stages of ``analyse``, all within one wall-clock limit (``--time-limit``)."""
"""Largest --sigma-w and --sigma-b: y⁴ ~ (σ_w²·q)² must stay far below the float64 range in the Monte Carlo."""


def _number(name: str, low: float, strict: bool, high: float = math.inf):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not math.isfinite(value) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"must be finite and {'>' if strict else '>='} {low:g}, got {text!r}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be <= {high:g}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


_depth = integer_between(1, MAX_DEPTH)   # --depth


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", metavar="EXPR", nargs="?",
                   help="a name (relu, leaky_relu(0.2), elu(1.0), swish, ...: see --list) or an expression in x, "
                        "e.g. 'x*tanh(softplus(x))'; one that starts with '-' goes after --: gain -- '-x'")
    p.add_argument("--list", action="store_true", help="list the activations known by name and exit")
    p.add_argument("--q", type=_number("q", Q_RANGE[0], False, Q_RANGE[1]), default=1.0,
                   help=f"input second moment q of z ~ N(0, q), in [{Q_RANGE[0]:g}, {Q_RANGE[1]:g}] (default 1)")
    p.add_argument("--sigma-w", type=_number("sigma_w", 0.0, False, MAX_SCALE), default=None, metavar="S",
                   help=f"weight scale σ_w <= {MAX_SCALE:g}, Var(W) = σ_w²/fan_in (default: the derived forward gain)")
    p.add_argument("--sigma-b", type=_number("sigma_b", 0.0, False, MAX_SCALE), default=0.0, metavar="B",
                   help=f"bias standard deviation σ_b <= {MAX_SCALE:g} (default 0)")
    p.add_argument("--depth", type=_depth, default=50, metavar="L",
                   help="depth of the finite-width illustration (default 50)")
    p.add_argument("--seed", type=_seed, default=0, help="root seed of the Monte Carlo (default 0)")
    p.add_argument("--time-limit", type=_number("time_limit", 0.0, True, MAX_TIME_LIMIT), default=DEFAULT_LIMIT,
                   metavar="S", help=f"seconds the whole analysis may take (stages: parse, recognize, symbolic "
                                     f"moments, quadrature, fixed point, monte carlo; the one that runs out is "
                                     f"named), <= {MAX_TIME_LIMIT:g} (default {DEFAULT_LIMIT:g})")
    p.add_argument("--memory-limit", type=_number("memory_limit", MEMORY_RANGE[0], False, MEMORY_RANGE[1]),
                   default=DEFAULT_MEMORY_MB, metavar="MB",
                   help=f"megabytes the symbolic and quadrature stages may add to the process, >= "
                        f"{MEMORY_RANGE[0]:g} (default {DEFAULT_MEMORY_MB:g})")
    p.add_argument("--format", type=_format, default="simple", metavar="FMT",
                   help="json, or a tabulate table format: simple (default), github, latex, ...")
    _layout_option(p)


# ---------------------------------------------------------------------------------------------


_NUMERIC_PARAMETERS = {"leaky_relu": {A.a: "slope"}, "elu": {A.alpha: "alpha"}, "selu": {}}
"""For a built-in with parameters: derive's symbol -> numeric.gain's keyword (selu's constants are fixed)."""


def _sample_functions(act: A.Activation, builtin: A.Activation | None):
    """(φ on arrays, where it came from): numeric.gain for a built-in, the lambdified derive expression otherwise."""
    if builtin is not None and builtin.name in N.ACTIVATIONS and (not builtin.parameters
                                                                  or builtin.name in _NUMERIC_PARAMETERS):
        names = _NUMERIC_PARAMETERS.get(builtin.name, {})
        params = {names[symbol]: float(value) for symbol, value in builtin.parameters if symbol in names}
        phi, _ = N.activation(builtin.name, **params)
        shown = ", ".join(f"{k}={v:g}" for k, v in params.items())
        return phi, f"numeric.gain.{builtin.name}" + (f"({shown})" if shown else "")
    expr = as_piecewise(act.expr)
    erf = lambda t: 2 * N.normal_cdf(np.asarray(t) * math.sqrt(2)) - 1  # noqa: E731
    modules = [{"erf": erf, "erfc": lambda t: 1 - erf(t)}, "numpy"]
    f = sp.lambdify(A.x, expr, modules=modules)

    def phi(values):
        with np.errstate(all="ignore"):
            out = np.asarray(f(values), dtype=np.float64)
        return np.broadcast_to(out, np.shape(values)).copy() if out.shape != np.shape(values) else out

    if builtin is not None:
        return phi, f"the lambdified derive expression ({builtin.name} has no numeric.activations entry)"
    return phi, "the lambdified derive expression (a typed activation has no other definition)"


def analyse(text: str, q: float = 1.0, sigma_w: float | None = None, sigma_b: float = 0.0, depth: int = 50,
            seed: int = 0, time_limit: float | None = DEFAULT_LIMIT,
            memory_limit: float | None = DEFAULT_MEMORY_MB) -> dict:
    """Everything the command prints, as the JSON record (raises ValueError/TypeError on bad input, and
    ``StageTimeout`` when a stage runs past ``time_limit`` seconds; the symbolic and quadrature stages may
    grow the address space by at most ``memory_limit`` MB)."""
    run = _CappedStages(time_limit, memory_limit)
    act = run("parse", A.activation, text)
    builtin = run("recognize", A.recognize, act)
    if builtin is not None and builtin == A.builtin(builtin.name):
        act = builtin  # equal piece by piece: use the built-in's derivation (proved once, cached)
    run("quadrature", M.check_growth, act, q)
    # a built-in's moments at q = 1 are what its derivation concludes: fixed work, proved once per process
    known = builtin is not None and act == builtin
    at_one = run("symbolic moments", M.moments, act, limit=not known)
    moments = at_one if q == 1 else run("quadrature", M.moments, act, q)
    _refuse_beyond_float64(text, moments)
    forward, backward = run("symbolic moments", lambda: (D.forward_gain(act), D.backward_gain(act)), limit=not known)
    exact = at_one.exact and moments.exact
    g = _float(forward)
    if g is None or _float(backward) is None:
        raise ValueError(f"activation {text!r}: E[φ(z)²] or E[φ'(z)²] is 0, so a gain is undefined")
    sigma_w_given = sigma_w is not None
    sigma_w = g if sigma_w is None else sigma_w
    fixed = run("fixed point", F.fixed_point, act, sigma_w, sigma_b, q)
    chi, chi_bound = (None, None) if fixed.q is None else run("fixed point", F.chi1_bound, act, sigma_w, fixed)
    chi_error = None if chi is None else (chi_bound / abs(chi) if chi else chi_bound)
    critical = run("fixed point", F.critical_sigma_w, act)
    critical_note = ("none: χ₁ stays on one side of 1 along the σ_b = 0 fixed points" if critical is None else
                     critical.how if critical.exact else f"χ₁ = 1 at q* = {critical.q:.4g} > 0 (φ(0) ≠ 0): "
                     "quadrature, digits certain if its error is within its estimate")

    torch = A.torch_gain(builtin) if builtin is not None else None
    reason = run("fixed point", _torch_reason, act, builtin, torch, g)

    phi, sampled_with = _sample_functions(act, builtin)
    expected = run("quadrature", lambda: float(F.variance_map(act, q, sigma_w, sigma_b)))
    rng = np.random.default_rng(claim_seed_sequence(seed, f"gain:{text.strip()}"))
    one, deep = rng.spawn(2)
    acc = run("monte carlo", lambda: stream(
        lambda r, k: N.layer_second_moment(r, k, phi, fan_in=WIDTH, fan_out=WIDTH, sigma_w=sigma_w,
                                           sigma_b=sigma_b, q=q, batch=BATCH), REPLICATES, one, 500))
    estimate, stderr = float(acc.mean), float(acc.stderr)
    if not (math.isfinite(estimate) and math.isfinite(stderr)):
        raise ValueError(f"activation {text!r}: the Monte Carlo second moment overflows float64 at q = {q:g}, "
                         f"sigma_w = {sigma_w:g}; use a smaller q or sigma_w")
    z = abs(estimate - expected) / stderr if stderr > 0 else (0.0 if estimate == expected else math.inf)
    limit = z_critical(DEFAULT_ALPHA)
    verdict = "pass" if z <= limit else "fail"
    try:
        kurtosis = run("quadrature", M.kurtosis_ratio, act, q)
    except ValueError:  # E[φ⁴] infinite
        kurtosis = math.inf
    note = "" if kurtosis <= HEAVY_TAILS else (
        f"heavy tails: E[φ⁴]/E[φ²]² = {kurtosis:.3g} > {HEAVY_TAILS:g}, so the normal approximation behind "
        "z·se is poor and the verdict is unreliable")

    runs = run("monte carlo", lambda: N.deep_second_moments(
        deep, DEEP_REPLICATES, phi, width=DEEP_WIDTH, depth=depth, sigma_w=sigma_w, sigma_b=sigma_b, q0=q,
        batch=DEEP_BATCH)[:, -1])
    theory_mp = run("fixed point", lambda: F.variance_iterates(act, sigma_w, sigma_b, q, depth)[-1])
    theory = float(theory_mp) if abs(theory_mp) < 1e308 else math.inf
    deep_mean = float(np.mean(runs)) if np.all(np.isfinite(runs)) else None
    deep_se = float(np.std(runs, ddof=1) / math.sqrt(runs.size)) if deep_mean is not None else None
    deep_tail = None
    if deep_mean is not None:
        try:
            deep_tail = tail(runs)
        except UsageError:  # too few distinct draws in the tail to fit (e.g. every network alike)
            deep_tail = None

    def moment_json(m):
        return _float(m.value)

    return {
        "expression": text.strip(),
        "derivative": sp.sstr(sp.diff(act.expr, A.x)),
        "derivative_text": render_text(sp.diff(act.expr, A.x)),
        "piecewise": _has_pieces(act),
        "recognized": builtin.name if builtin is not None else None,
        "q": q,
        "moments": {"mean": moment_json(moments.mean), "second_moment": moment_json(moments.second_moment),
                    "derivative_second_moment": moment_json(moments.derivative_second_moment)},
        "methods": {k: getattr(moments, k).method for k in ("mean", "second_moment", "derivative_second_moment")},
        "closed_forms": {k: sp.sstr(getattr(moments, k).value) for k in ("mean", "second_moment",
                                                                         "derivative_second_moment")
                         if getattr(moments, k).exact},
        "closed_forms_text": {k: render_text(getattr(moments, k).value) for k in ("mean", "second_moment",
                                                                                 "derivative_second_moment")
                              if getattr(moments, k).exact},
        "forward_gain": _float(forward),
        "backward_gain": _float(backward),
        "forward_gain_exact": sp.sstr(forward) if at_one.second_moment.exact else None,
        "forward_gain_exact_text": render_text(forward) if at_one.second_moment.exact else None,
        "torch_gain": _float(torch),
        "torch_note": reason,
        "torch_call": _torch_call(builtin),
        "sigma_w": sigma_w,
        "sigma_w_given": sigma_w_given,
        "sigma_b": sigma_b,
        "fixed_point": fixed.q,
        "fixed_point_kind": fixed.kind,
        "fixed_point_slope": fixed.slope,
        "fixed_point_error": fixed.error,
        "fixed_point_bracket": None if fixed.low is None else [fixed.low, fixed.high],
        "chi1": chi,
        "chi1_error": chi_error,
        "moment_errors": {k: getattr(moments, k).error for k in ("mean", "second_moment",
                                                                 "derivative_second_moment")},
        "critical_sigma_w": None if critical is None else _float(critical.value),
        "critical_sigma_w_exact": None if critical is None or not critical.exact else render_text(critical.value),
        "critical_sigma_w_bracket": None if critical is None or critical.low is None else [critical.low,
                                                                                         critical.high],
        "critical_note": critical_note,
        "status": "proved" if exact else "numeric",
        "check": {"estimate": estimate, "stderr": stderr, "z": z, "z_critical": limit, "verdict": verdict,
                  "expected": expected, "replicates": REPLICATES, "width": WIDTH, "batch": BATCH,
                  "sampled_with": sampled_with, "kurtosis_ratio": kurtosis if math.isfinite(kurtosis) else None,
                  "note": note},
        "deep": {"depth": depth, "width": DEEP_WIDTH, "networks": DEEP_REPLICATES, "estimate": deep_mean,
                 "stderr": deep_se, "infinite_width": theory if math.isfinite(theory) else None,
                 "infinite_width_log10": float(mpmath.log10(theory_mp)) if theory_mp > 0 else None,
                 "deviation": (deep_mean - theory) / theory if deep_mean is not None and theory > 0
                 and math.isfinite(theory) else None,
                 # φ positively homogeneous: E[q_(l+1) | layer l] is linear in the layer's q̂, so the mean over
                 # networks follows the infinite-width recursion exactly at every width
                 "mean_exact_at_any_width": F._homogeneous(act),
                 "tail_khat": None if deep_tail is None else deep_tail.khat,
                 "tail_threshold": None if deep_tail is None else deep_tail.threshold,
                 "judged": False},
    }


_UNKNOWN = re.compile(r"unknown activation ('[^']*'|\"[^\"]*\"): the names are (.+?); or write an expression "
                      r"in x such as (\S+)$")


def error_text(command: str, exc: Exception) -> str:
    """The first line of an error; an unknown name becomes a reason line and the built-in names (issue 13
    requires the list) wrapped on indented lines, so that every line fits 100 columns."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    match = _UNKNOWN.fullmatch(text)
    if match is None:
        return f"{command}: {text}"
    name = match[1] if len(match[1]) <= 32 else match[1][:28] + "...'"
    names = textwrap.fill(match[2], width=96, initial_indent="  ", subsequent_indent="  ")
    bare = [n.split("(")[0].strip() for n in match[2].split(", ")]
    guess = difflib.get_close_matches(match[1].strip("'\"").lower(), bare, n=1)  # 'Relu' -> relu, not elu
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    return (f"{command}: unknown activation {name}{hint}\n"
            f"  write an expression in x such as {match[3][:40]}, or one of the names:\n{names}")


def _has_pieces(act: A.Activation) -> bool:
    """Whether φ is defined piece by piece (max, abs, where, ...): then φ' holds almost everywhere."""
    try:
        return len(pieces(act.expr)) > 1
    except ValueError:
        return True


def _refuse_beyond_float64(text: str, moments) -> None:
    """A moment outside float64's range (E[exp(x)**64 ... ]) is reported by its logarithm, in one line."""
    for kind in ("mean", "second_moment", "derivative_second_moment"):
        value = mpmath.mpf(sp.N(getattr(moments, kind).value, 20))
        if abs(value) > mpmath.mpf(_FLOAT_MAX):
            raise ValueError(f"activation {text!r}: {M.MOMENT_NAMES[kind]} = {'-' if value < 0 else ''}10^"
                             f"{mpmath.nstr(mpmath.log10(abs(value)), 8)} (finite, by quadrature) is beyond float64's "
                             f"range (1.8e308): gains, the fixed point and the Monte Carlo cannot be computed")


_FLOAT_MAX = 1.7976931348623157e308


def _torch_reason(act: A.Activation, builtin: A.Activation | None, torch, g: float) -> str:
    if builtin is None:
        return "not a PyTorch nonlinearity"
    if torch is None:
        return f"PyTorch's calculate_gain has no value for {builtin.name} (it raises ValueError)"
    t = _float(torch)
    note = A.TORCH_GAINS[builtin.name][1]
    if builtin.name == "leaky_relu":
        slope = float(dict(builtin.parameters)[A.a])
        note += f" at negative_slope = {slope:g}"
    if abs(t - g) <= 1e-12 * g:
        return f"PyTorch's {note} equals the derived gain"
    m2 = 1 / g**2
    text = (f"PyTorch's {note}; the derived {g:.6g} keeps a unit second moment, while σ_w = {t:.6g} maps "
            f"E[z²] = 1 to {t * t * m2:.4g}")
    fixed = F.fixed_point(builtin, t, 0, 1)
    if fixed.q is not None:
        text += f"; at σ_b = 0 its fixed point is q* = {fixed.q:.4g} with χ₁ = {float(F.chi1(builtin, t, fixed.q)):.3f}"
    return text


from .gain_table import _names_table, _rows, _torch_call, advice  # noqa: E402,F401 -- the table


def main(args: argparse.Namespace) -> int:
    if args.list:
        print(_names_table(args.format if args.format != "json" else "simple", args.wide) if args.format != "json"
              else json.dumps({name: sp.sstr(A.builtin(name).formula) for name in [*A.BUILTINS, *A.OTHERS]},
                              indent=2))
        return 0
    if args.expression is None:
        raise UsageError("gain: give an activation (a name such as relu, or an expression in x); "
                         "`python -m verify gain --list` lists the names")
    try:
        record = analyse(args.expression, args.q, args.sigma_w, args.sigma_b, args.depth, args.seed,
                         args.time_limit, args.memory_limit)
    except StageTimeout as exc:
        raise UsageError(f"gain: {exc} (raise it with --time-limit)") from None
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        raise UsageError(error_text("gain", exc)) from None
    if args.format == "json":
        record["advice"] = advice(record)
        print(json.dumps(_json_safe(record), indent=2, allow_nan=False))
    else:
        print(_layout(_rows(record), ["quantity", "value", "how"], args.format, keep=(0,), wide=args.wide))
        print(paragraph(advice(record), args.wide), file=summary_stream(args.format))
    return 0 if record["check"]["verdict"] == "pass" else 1
