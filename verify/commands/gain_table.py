"""The table ``python -m verify gain`` prints: one row per quantity, each value to the digits that are
certain, with how it was obtained; the closing advice on σ_w; the list of names (``--list``)."""
from __future__ import annotations

import math

import sympy as sp

from derive import catalogue as A
from derive.layout import table as _layout
from derive.render import text as render_text

def _float(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, sp.Basic):
        value = sp.N(value, 17)
        if not (value.is_real and value.is_finite):
            return None
    number = float(value)
    return number if math.isfinite(number) else None


LONGEST_FORM = 160
"""A closed form longer than this (SELU's with its 30-digit constants) is not printed in the table."""


def _short(text: str | None) -> str | None:
    if text is None or len(text) <= LONGEST_FORM:
        return text
    return f"({len(text)} characters: --format json shows it)"


def _torch_call(builtin: A.Activation | None) -> str | None:
    """calculate_gain('leaky_relu', 0.2): the call whose value the PyTorch row shows."""
    if builtin is None or builtin.name not in A.TORCH_GAINS:
        return None
    if builtin.name == "leaky_relu":
        return f"calculate_gain('leaky_relu', {float(dict(builtin.parameters)[A.a]):g})"
    return f"calculate_gain('{builtin.name}')"


def advice(r: dict) -> str:
    """The sentence the table ends with: which σ_w to use for fan-in initialization, against PyTorch's."""
    g, t = r["forward_gain"], r["torch_gain"]
    text = (f"For fan-in initialization draw W with std σ_w/√fan_in, σ_w = {g:.6g}: it keeps E[z²] = 1 "
            "from layer to layer (σ_b = 0)")
    if r["torch_call"] is None:
        named = r["recognized"] or "a typed expression"
        return text + f"; PyTorch's calculate_gain has no value for {named}."
    call = f"PyTorch's {r['torch_call']} (what kaiming_normal_ with mode='fan_in' uses)"
    if abs(t - g) <= 1e-9 * g:
        return text + f"; {call} gives the same {t:.6g}."
    return text + f"; {call} gives {t:.6g}, {abs(t / g - 1):.1%} {'more' if t > g else 'less'}."


def _fmt(value, digits: int = 10, error: float | None = None) -> str:
    """``value`` to ``digits`` significant digits, fewer when its relative ``error`` leaves fewer certain."""
    if value is None:
        return "—"
    if error is not None and value != 0:
        certain = math.floor(-math.log10(max(error / abs(value), 1e-300)))
        if certain < 1:
            return f"{value:.1g} (±{error:.1g})"
        digits = min(digits, certain)
    return f"{value:.{digits}g}"


def _certain(value, low, high, digits: int = 10) -> str:
    """``value`` to the significant digits that ``low`` and ``high`` share when rounded (at most ``digits``):
    rounding is monotone, so every number in [low, high], the true one included, rounds to the string shown.
    ``low`` None: ``value`` is exact (to ``digits``); no shared digit: the bracket itself."""
    if value is None:
        return "—"
    if low is None:
        return f"{value:.{digits}g}"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"≈{value:.2g} (no digit certain)"
    for d in range(digits, 0, -1):
        if f"{low:.{d}g}" == f"{high:.{d}g}":
            return f"{low:.{d}g}"
    return f"in [{low:.3g}, {high:.3g}]"


def _with_stderr(mean: float, se: float) -> str:
    """A Monte Carlo mean ± its standard error, the mean to one digit beyond the error's first."""
    if not se > 0:
        return f"{mean:.6g} ± {se:.2g}"
    digits = max(1, min(6, math.floor(math.log10(abs(mean))) - math.floor(math.log10(se)) + 2)) if mean else 1
    return f"{mean:.{digits}g} ± {se:.2g}"


def _fixed_text(r: dict) -> str:
    kind, slope = r["fixed_point_kind"], r["fixed_point_slope"]
    if kind == "critical":
        return "critical: q* = 0 exactly, φ(0) = 0 and σ_b = 0, with χ₁ = σ_w²·φ'(0)² = 1 (exact)"
    where = f"iterating V from q = {r['q']:g}"
    if kind == "unstable":
        return f"unstable, V'(q*) = {slope:.4g} > 1: q = {r['q']:g} sits on it, any deviation grows"
    if kind in ("attracting", "neutral"):
        return f"{kind}, V'(q*) = {slope:.4g}; {where}"
    return f"{kind}: {where}"


def _fixed_value(r: dict) -> str:
    bracket = r["fixed_point_bracket"]
    if bracket is not None:
        return _certain(r["fixed_point"], *bracket)
    if r["fixed_point_error"] is not None and math.isinf(r["fixed_point_error"]):
        return _certain(r["fixed_point"], math.inf, math.inf)
    return _fmt(r["fixed_point"])


def _chi_value(r: dict) -> str:
    chi, relative = r["chi1"], r["chi1_error"]
    if chi is None or relative is None:
        return _fmt(chi)
    bound = relative * abs(chi) if chi else relative
    return _certain(chi, chi - bound, chi + bound)


def _deep_text(deep: dict) -> str:
    if deep["infinite_width"] is None and deep["infinite_width_log10"] is not None:
        return f"10^{deep['infinite_width_log10']:.6g}"
    return _fmt(deep["infinite_width"], 6)


def _deep_how(r: dict) -> str:
    deep = r["deep"]
    if r["fixed_point_kind"] == "unstable" and deep["estimate"] is not None:
        return (f"not judged: infinite width q_L = {_deep_text(deep)} stays on q*, which is unstable "
                f"(V'(q*) > 1), so finite width pushes q off it and q moves away")
    dev = deep["deviation"]
    shown = "—" if dev is None else format(dev, "+.1%") if abs(dev) < 10 else f"×{1 + dev:.3g}"
    if deep.get("mean_exact_at_any_width"):
        text = (f"q_L = {_deep_text(deep)}, the mean at every width (φ homogeneous); deviation {shown}: "
                "sampling, not width (not judged)")
    else:
        text = f"infinite width q_L = {_deep_text(deep)}; deviation {shown} (finite width and sampling; not judged)"
    khat, limit = deep.get("tail_khat"), deep.get("tail_threshold")
    if khat is not None and khat >= limit:
        text += (f"; heavy-tailed over networks (Pareto k̂ = {khat:.2f} >= {limit:.2f}): a mean of "
                 f"{deep['networks']} networks typically falls below the expectation")
    return text


def _gain_how(r: dict) -> str:
    """How the forward gain was had, and that it is at q = 1 whatever --q (the moments above are at --q)."""
    exact = _short(r["forward_gain_exact_text"])
    if not exact:
        return "quadrature, at q = 1"
    return "exact, at q = 1" if exact == _fmt(r["forward_gain"]) else f"exact: {exact}, at q = 1"


def exact_suffix(exact: str | None) -> str:
    """': σ_w = √2' after a critical σ_w whose exact form is short and says more than its decimals (not
    for an integer or a decimal, which the value column already shows); gain's and kernel's rows."""
    if exact is None or len(exact) > 12 or exact.lstrip("-").replace(".", "").isdigit():
        return ""
    return f": σ_w = {exact}"


def _critical_text(r: dict) -> str:
    value = r["critical_sigma_w"]
    low, high = r["critical_sigma_w_bracket"] or (None, None)
    return _certain(value, low, high)


def _moment_text(r: dict, kind: str) -> str:
    value, error = r["moments"][kind], r["moment_errors"][kind]
    if value == 0 and error is not None:
        return f"0 (|E| <= {error:.1g})"
    return _fmt(value, 10, error if error is None else max(error, 1e-12 * abs(value or 0)))


def _rows(r: dict) -> list[list[str]]:
    methods, closed = r["methods"], r["closed_forms_text"]
    c, deep = r["check"], r["deep"]

    def how(kind):
        if kind in closed:
            return f"{methods[kind]}: {_short(closed[kind])}"
        error = r["moment_errors"][kind]
        if methods[kind] != "quadrature":
            return methods[kind]
        # a built-in's value is its derivation's quadrature step, accepted only below 1e-12 relative
        return ("quadrature, error estimate < 1e-12 relative" if error is None
                else f"quadrature, error estimate {error:.1g}")

    chi = r["chi1"]
    slack = 1e-12 if r["chi1_error"] is None else r["chi1_error"]
    regime = "—" if chi is None else "critical (= 1, exact)" if r["fixed_point_kind"] == "critical" else (
        "ordered (< 1)" if chi < 1 - slack else "chaotic (> 1)" if chi > 1 + slack
        else f"critical (= 1 to within {slack:.1g})")
    rows = [
        ["φ(x)", r["expression"], "typed expression" if not r["recognized"] else f"built-in {r['recognized']}"
         if r["recognized"] in A.BUILTINS else f"{r['recognized']} (known by name, no claim of its own)"],
        ["φ'(x)", _short(r["derivative_text"]), "sympy (piecewise: almost everywhere)" if r["piecewise"] else "sympy"],
        [f"E[φ(z)], z ~ N(0, {r['q']:g})", _moment_text(r, "mean"), how("mean")],
        ["E[φ(z)²]", _moment_text(r, "second_moment"), how("second_moment")],
        ["E[φ'(z)²]", _moment_text(r, "derivative_second_moment"), how("derivative_second_moment")],
        # the gains are at z ~ N(0, 1): with --q the rows above hold other moments, so the label says so
        ["forward gain 1/√E[φ(z)²]" if r["q"] == 1 else "forward gain, z ~ N(0, 1)", _fmt(r["forward_gain"]),
         _gain_how(r)],
        ["backward gain 1/√E[φ'(z)²]" if r["q"] == 1 else "backward gain, z ~ N(0, 1)", _fmt(r["backward_gain"]),
         "at q = 1"],
        ["PyTorch calculate_gain", _fmt(r["torch_gain"]), r["torch_note"]],
        ["σ_w, σ_b", f"{r['sigma_w']:.6g}, {r['sigma_b']:.6g}",
         "as given (--sigma-w, --sigma-b)" if r["sigma_w_given"] else
         "σ_w: the forward gain (the default); σ_b: " + ("the default" if r["sigma_b"] == 0 else "as given")],
        ["fixed point q*", _fixed_value(r), _fixed_text(r)],
        ["χ₁ = σ_w²·E[φ'(√q* z)²]", _chi_value(r), regime],
        ["critical σ_w (σ_b = 0)", _critical_text(r), r["critical_note"] + exact_suffix(r["critical_sigma_w_exact"])],
        ["Monte Carlo, one layer", f"{c['estimate']:.6g} ± {c['stderr']:.2g}",
         f"E[y²] = V(q) = {c['expected']:.6g}: z = {c['z']:.2f} (limit {c['z_critical']:.2f}), {c['verdict']}; "
         f"{c['replicates']} layers of width {c['width']}; φ from {c['sampled_with']}"
         + (f"; {c['note']}" if c["note"] else "")],
        [f"depth {deep['depth']} (width {deep['width']})",
         "—" if deep["estimate"] is None else _with_stderr(deep["estimate"], deep["stderr"]), _deep_how(r)],
    ]
    return rows


def _names_table(fmt: str, wide: bool) -> str:
    """The activations known by name: formula, parameter and default, PyTorch's gain, own claim."""
    rows = []
    for name in [*A.BUILTINS, *A.OTHERS]:
        act = A.builtin(name)
        torch = A.torch_gain(act)
        parameter = f"{A.PARAMETERS[name][1]} = {render_text(dict(act.parameters)[A.PARAMETERS[name][1]])}" \
            if name in A.PARAMETERS else ""
        if not parameter and act.parameters:  # fixed constants (selu's λ and α): shown, to a few digits
            parameter = ", ".join(f"{k} = {float(v):.6g}" for k, v in act.parameters)
        rows.append([name + (f"({A.PARAMETERS[name][1]})" if name in A.PARAMETERS else ""), render_text(act.formula),
                     parameter, "—" if torch is None else f"{_float(torch):.6g}",
                     f"gain.{name}" if name in A.BUILTINS else "—"])
    return _layout(rows, ["name", "φ(x)", "default", "calculate_gain", "claim"], fmt, keep=(0, 4), wide=wide)
