"""``python -m verify kernel EXPR``: the correlation map of any activation, its depth scales and phase.

EXPR is read as by ``gain`` (a built-in name or an expression in x, parsed by ``derive.parse``; one that
starts with '-' goes after ``--``). Printed, at (σ_w, σ_b) and infinite width (numeric.correlation):
the variance fixed point q*, χ₁ = σ_w²·E[φ'(√q* z)²] and the phase, the correlation fixed point c* and
χ_c, the depth scales ξ_q = -1/ln V'(q*) and ξ_c = -1/ln χ_c, the critical σ_w at the given σ_b (χ₁ = 1
on the fixed point; numpy Gauss-Hermite, checked against derive's 30-digit mpmath quadrature, the
difference given as its error), and the correlation after L layers from c₀ = 0, 0.5 and 0.9.
For a typed expression φ and φ' are the lambdified ``derive`` expressions (DESIGN.md's one exception).
"""
from __future__ import annotations

import argparse
import json
import math

import numpy as np
import sympy as sp

from derive.render import text as render_text
from derive import catalogue as A
from derive import correlation as DC
from derive import gain as DG
from derive.kernel import SymbolicTimeout
from derive import meanfield as F
from derive.pieces import as_piecewise
from numeric import correlation as N

from ..errors import UsageError
from ..mc import claim_seed_sequence
from derive.layout import table as _layout

from ._args import layout as _layout_option
from ._args import integer_between
from ._args import seed as _seed
from ._args import table_format as _format
from .gain import MAX_SCALE, _float, _number, error_text
from .gain_table import _certain, exact_suffix

HELP = "correlation map, fixed points, depth scales, phase and critical σ_w of any activation"
MAX_DEPTH = 10_000
STARTS = (0.0, 0.5, 0.9)
ILLUSTRATION = {"width": 256, "networks": 16, "c0": 0.5, "max_depth": 50}
"""The finite-width illustration: networks of this width from c₀, at most max_depth layers (not judged)."""
"""Correlations of the two inputs at layer 0 whose depth-L image is printed."""


_depth = integer_between(1, MAX_DEPTH)   # --depth


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", metavar="EXPR",
                   help="a built-in name (relu, tanh, gelu, ...) or an expression in x, e.g. 'erf(x)'; "
                        "one that starts with '-' goes after --")
    p.add_argument("--sigma-w", type=_number("sigma_w", 0.0, True, MAX_SCALE), default=None, metavar="S",
                   help="weight scale σ_w, Var(W) = σ_w²/fan_in (default: the derived forward gain)")
    p.add_argument("--sigma-b", type=_number("sigma_b", 0.0, False, MAX_SCALE), default=0.0, metavar="B",
                   help="bias standard deviation σ_b (default 0)")
    p.add_argument("--depth", type=_depth, default=10, metavar="L",
                   help=f"layers for the correlation iterates (default 10, at most {MAX_DEPTH})")
    p.add_argument("--seed", type=_seed, default=0, help="root seed of the finite-width illustration (default 0)")
    p.add_argument("--format", type=_format, default="simple", metavar="FMT",
                   help="json, or a tabulate table format: simple (default), github, latex, ...")
    _layout_option(p)


def _nonlinearity(act: A.Activation, builtin: A.Activation | None) -> tuple[N.Nonlinearity, str]:
    if builtin is not None and builtin.name in N.A.ACTIVATIONS and builtin == A.builtin(builtin.name) \
            and builtin.name != "leaky_relu":
        return N.nonlinearity(builtin.name), f"numeric.activations.{builtin.name}"
    if sp.simplify(act.expr - sp.erf(A.x)) == 0:
        return N.nonlinearity("erf"), "erf (Williams' closed form)"
    erf = N.erf
    modules = [{"erf": erf, "erfc": lambda t: 1 - erf(t)}, "numpy"]
    expr = as_piecewise(act.expr)
    f = sp.lambdify(A.x, expr, modules=modules)
    g = sp.lambdify(A.x, sp.diff(expr, A.x), modules=modules)

    def vectorised(fn):
        def call(values):
            with np.errstate(all="ignore"):
                out = np.asarray(fn(values), dtype=np.float64)
            return np.broadcast_to(out, np.shape(values)).copy() if out.shape != np.shape(values) else out
        return call

    return N.Nonlinearity(act.name or "φ", vectorised(f),
                          vectorised(g)), "the lambdified derive expression (a typed activation has no other definition)"


def _critical(act, nl, sigma_b) -> dict:
    if sigma_b == 0:   # derive.meanfield: exact, or enclosed by sign checks beyond the quadrature error
        found = F.critical_sigma_w(act)
        if found is None:
            return {"sigma_w": None, "sigma_w2": None, "q_star": None, "mpmath": None, "error": None,
                    "bracket": None, "how": "none: χ₁ stays on one side of 1 along the σ_b = 0 fixed points"}
        value = _float(found.value)
        return {"sigma_w": value, "sigma_w2": value**2, "q_star": found.q, "mpmath": value, "error": None,
                "bracket": None if found.low is None else [found.low, found.high],
                "exact": render_text(found.value) if found.exact else None,
                "how": found.how if found.exact else "derive.meanfield quadrature, enclosed: digits certain if "
                                                     "its error is within its estimate"}
    found = N.critical_sigma_w(nl, sigma_b)
    if found is None:
        why = ("none: χ₁ = σ_w²/2; no q* at σ_w² = 2, σ_b > 0"
               if nl.name == "relu" else "none: χ₁ ≠ 1 on the fixed points with q in [1e-8, 1e2]")
        return {"sigma_w": None, "sigma_w2": None, "q_star": None, "mpmath": None, "error": None, "how": why}
    sigma_w, q = found
    try:
        ref, _ = DC.critical_sigma_w(act, sigma_b, (q * (1 - 1e-6), q * (1 + 1e-6)))
    except (ValueError, ZeroDivisionError) as exc:   # mpmath finds no root next to numeric's: say so
        return {"sigma_w": sigma_w, "sigma_w2": sigma_w**2, "q_star": q, "mpmath": None, "error": None,
                "how": f"Gauss-Hermite; the mpmath check failed ({type(exc).__name__})"}
    return {"sigma_w": sigma_w, "sigma_w2": sigma_w**2, "q_star": q, "mpmath": float(ref),
            "mpmath_sigma_w2": float(ref**2), "error": abs(float(ref) - sigma_w),
            "how": "Gauss-Hermite; 30-digit mpmath differs by"}


def _illustration(nl, text, q, sigma_w, sigma_b, depth, seed) -> dict | None:
    if q is None or q <= 0:
        return None
    layers = min(depth, ILLUSTRATION["max_depth"])
    rng = np.random.default_rng(claim_seed_sequence(seed, f"kernel:{text.strip()}"))
    runs = N.finite_width_correlation(rng, nl, ILLUSTRATION["c0"], q, layers, sigma_w, sigma_b,
                                      ILLUSTRATION["width"], ILLUSTRATION["networks"])
    theory = float(N.correlation_iterates(nl, ILLUSTRATION["c0"], q, sigma_w, sigma_b, layers)[-1])
    mean = float(np.mean(runs))
    return {"depth": layers, "width": ILLUSTRATION["width"], "networks": ILLUSTRATION["networks"],
            "c0": ILLUSTRATION["c0"], "estimate": mean, "stderr": float(np.std(runs, ddof=1) / math.sqrt(runs.size)),
            "infinite_width": theory, "deviation": mean - theory, "judged": False}


def analyse(text: str, sigma_w: float | None = None, sigma_b: float = 0.0, depth: int = 10, seed: int = 0) -> dict:
    """Everything the command prints, as the JSON record (raises ValueError/TypeError on bad input)."""
    act = A.activation(text)
    builtin = A.recognize(act)
    if sigma_w is None:
        sigma_w = _float(DG.forward_gain(builtin if builtin is not None else act))
        if sigma_w is None:
            raise ValueError(f"activation {text!r}: E[φ(z)²] = 0, so there is no default σ_w; give --sigma-w")
    nl, how = _nonlinearity(act, builtin)
    scales = N.depth_scales(nl, sigma_w, sigma_b)
    q = scales["q_star"]
    iterates = {}
    if q is not None and q > 0:
        path = N.correlation_iterates(nl, np.array(STARTS), q, sigma_w, sigma_b, depth)
        iterates = {f"{c0:g}": float(path[-1][i]) for i, c0 in enumerate(STARTS)}
    map_error = None
    if q is not None and q > 0:
        # the largest error estimate over c in [-1, 1], not only at the starts: the iterates visit other c
        map_error = float(np.max(N.correlation_map(nl, np.linspace(-1, 1, 41), q, sigma_w, sigma_b)[1]))
    return {
        "expression": text.strip(), "recognized": builtin.name if builtin is not None else None,
        "phi_from": how, "sigma_w": sigma_w, "sigma_b": sigma_b, "depth": depth,
        "q_star": q, "chi1": scales["chi1"], "phase": scales["phase"], "c_star": scales["c_star"],
        "c_star_bracket": list(scales["c_star_bracket"]) if scales.get("c_star_bracket") else None,
        "c_star_exact_zero": sigma_b == 0 and _odd(act),
        "chi_c_bracket": list(scales["chi_c_bracket"]) if scales.get("chi_c_bracket") else None,
        "chi_c": scales["chi_c"], "xi_q": _finite(scales["xi_q"]), "xi_c": _finite(scales["xi_c"]),
        "correlation_after_depth": iterates,
        "map_quadrature_error": map_error,
        "critical": _critical(act, nl, sigma_b),
        "finite_width": _illustration(nl, text, q, sigma_w, sigma_b, depth, seed),
    }


def _odd(act: A.Activation) -> bool:
    """φ(-x) = -φ(x) (sympy): then C(0) = 0 at σ_b = 0, so c* = 0 exactly when χ₁ > 1 (C convex)."""
    try:
        return sp.simplify(act.expr + act.expr.subs(A.x, -A.x)) == 0
    except Exception:  # noqa: BLE001 -- sympy may fail on odd inputs; then not known to be odd
        return False


def _finite(v):
    return None if v is None else ("inf" if math.isinf(v) else v)


def _fmt(value, digits: int = 10) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return "∞" if value == "inf" else value
    return f"{value:.{digits}g}"


def _xi_c(r: dict) -> str:
    """ξ_c = -1/ln χ_c to the digits its ends share over χ_c's bracket (ξ_c increases with χ_c < 1)."""
    bracket = r["chi_c_bracket"]
    if not isinstance(r["xi_c"], float) or not bracket or not 0 < bracket[0] <= bracket[1] < 1:
        return _fmt(r["xi_c"], 6)
    return _certain(r["xi_c"], -1 / math.log(bracket[0]), -1 / math.log(bracket[1]), 6)


def _iterate(r: dict, value: float) -> str:
    """c after L layers to its certain digits: each layer adds the map's quadrature error ε (its estimate) and
    passes earlier errors on with a factor at most χ₁ (|C'(c)| <= C'(1) = χ₁ on [-1, 1]: C's expansion in
    powers of c has nonnegative coefficients), so the error is at most ε·(1 + χ₁ + ... + χ₁^(L-1))."""
    error = r["map_quadrature_error"]
    if value == 0 and r["c_star_exact_zero"]:
        return "0"  # φ odd, σ_b = 0: C(0) = 0 exactly, so c₀ = 0 stays 0
    if error is None or r["chi1"] is None:
        return _fmt(value)
    bound = error * sum(r["chi1"] ** k for k in range(r["depth"]))
    return _certain(value, value - bound, value + bound) if bound > 0 else _fmt(value)


def _c_star_how(r: dict) -> str:
    if r["c_star"] is None:
        return "—"
    if r["c_star"] == 1:
        return "C(1) = 1; attracting as χ₁ <= 1 (C is convex)" if r["chi1"] <= 1 else ""
    if r["c_star_exact_zero"] and r["c_star_bracket"] and r["c_star_bracket"][0] == 0:
        return "exact: φ odd and σ_b = 0 give C(0) = 0, the root below 1"
    return "root of C(c) = c below 1 (χ₁ > 1), certain signs"


def _c_star_value(r: dict) -> str:
    low, high = r["c_star_bracket"] or (None, None)
    if r["c_star"] == 1 or low is None:
        return _fmt(r["c_star"])
    if low == 0 and r["c_star_exact_zero"]:
        return "0"
    return _certain(r["c_star"], low, high)


def _rows(r: dict) -> list[list[str]]:
    crit = r["critical"]
    rows = [
        ["φ(x)", r["expression"], f"built-in {r['recognized']}" if r["recognized"] else "typed expression"],
        ["σ_w, σ_b", f"{r['sigma_w']:.6g}, {r['sigma_b']:.6g}", f"φ from {r['phi_from']}"],
        ["fixed point q*", _fmt(r["q_star"]), "V(q) = σ_w²·E[φ(√q z)²] + σ_b², from q = 1"],
        ["χ₁ = σ_w²·E[φ'(√q* z)²]", _fmt(r["chi1"]), f"phase: {r['phase']}"],
        ["c*", _c_star_value(r), _c_star_how(r)],
        ["χ_c = σ_w²·E[φ'(u₁)φ'(u₂)]", _certain(r["chi_c"], *(r["chi_c_bracket"] or (None, None))),
         "at c* (= χ₁ when c* = 1)"],
        ["ξ_q = -1/ln V'(q*)", _fmt(r["xi_q"], 6), "layers over which q approaches q*"],
        ["ξ_c = -1/ln χ_c", _xi_c(r), "layers over which c approaches c*"],
        [f"critical σ_w (σ_b = {r['sigma_b']:g})",
         _certain(crit["sigma_w"], *(crit.get("bracket") or (None, None))),
         crit["how"] + ("" if crit["error"] is None else f" {crit['error']:.0e}") + exact_suffix(crit.get("exact"))],
        ["critical σ_w²", _certain(crit["sigma_w2"], *[v * v for v in crit.get("bracket") or (None, None)]
                                   if crit.get("bracket") else (None, None)),
         "at every q" if crit["sigma_w"] is not None and crit["q_star"] is None
         else "" if crit["q_star"] is None else f"at q* = {crit['q_star']:.6g}"],
    ]
    for c0, value in r["correlation_after_depth"].items():
        rows.append([f"c after {r['depth']} layers, c₀ = {c0}", _iterate(r, value), "infinite-width recursion at q*"])
    if not r["correlation_after_depth"]:  # say why the depth rows are missing rather than drop them
        rows.append([f"c after {r['depth']} layers", "—", "not defined: the correlation map needs a fixed point q* > 0"
                     + (" (none here: the variance grows without bound)" if r["q_star"] is None else "")])
    fw = r["finite_width"]
    if fw is not None:
        rows.append([f"width {fw['width']}, L = {fw['depth']}, c₀ = {fw['c0']:g}",
                     f"{fw['estimate']:.4f} ± {fw['stderr']:.0e}",
                     f"{fw['networks']} nets; vs width ∞ {fw['deviation']:+.1e}; not judged"])
    return rows


def main(args: argparse.Namespace) -> int:
    try:
        record = analyse(args.expression, args.sigma_w, args.sigma_b, args.depth, args.seed)
    except (ValueError, TypeError, ZeroDivisionError, SymbolicTimeout) as exc:
        raise UsageError(error_text("kernel", exc)) from None
    if args.format == "json":
        print(json.dumps(record, indent=2, allow_nan=False))
    else:
        print(_layout(_rows(record), ["quantity", "value", "how"], args.format, keep=(0, 1), wide=args.wide))
    return 0
