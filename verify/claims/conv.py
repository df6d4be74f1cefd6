"""Claims on convolution geometry (000 Q2.1, Q2.2): output sizes and parameter counts.

Every check here is exact: the closed forms and controls that the ``derive.conv`` derivations
conclude and record (read through ``linked``, never typed here), against what ``numeric.conv``
really does (the shapes ``conv2d`` and ``max_pool2d`` produce, the arrays a layer allocates), over an
exhaustive small grid plus random larger cases. Each check reports its cases.
"""
from __future__ import annotations

import itertools

import numpy as np

from derive import conv as D
from numeric import conv as N

from ..claim import Claim, Measurement
from ..closed import linked

RANDOM_CASES = 300
"""Random larger geometries per output-size check (scaled by the budget)."""

_SOURCE_SIZES = "000 Q2.2"
_SOURCE_PARAMS = "000 Q2.1"


def _named(names, points):
    """Values by symbol name: the columns of ``points`` (one row per case) as int64 arrays."""
    return dict(zip(names, (np.asarray(c, dtype=np.int64) for c in np.asarray(points).T)))


GEOMETRY = ("n", "k", "s", "p_l", "p_r", "d")
"""The columns of an output-size case, by the names of derive.conv's symbols."""


# ---------------------------------------------------------------- conv.output_size

def _grid_cases(config, rng, budget):
    """(n, k, s, p_l, p_r, d) rows with n + p_l + p_r >= d(k-1) + 1 (at least one window)."""
    if config["grid"] == "same":
        # stride 1, total padding d(k-1) split every possible way between left and right
        rows = [(n, k, 1, left, d * (k - 1) - left, d)
                for n, k, d in itertools.product(range(1, 13), range(1, 8), range(1, 4))
                for left in range(d * (k - 1) + 1)]
        return np.array(rows, dtype=np.int64)
    if config["grid"] == "exhaustive":
        rows = itertools.product(range(1, 13), range(1, 5), range(1, 4), range(3), range(3),
                                 range(1, 4))
        rows = np.array(list(rows), dtype=np.int64)
    else:
        m = budget.replicates(RANDOM_CASES) * 2
        rows = np.column_stack([rng.integers(1, 257, m), rng.integers(1, 12, m),
                                rng.integers(1, 7, m), rng.integers(0, 6, m),
                                rng.integers(0, 6, m), rng.integers(1, 5, m)])
    n, k, s, pl, pr, d = rows.T
    valid = n + pl + pr >= d * (k - 1) + 1
    if config.get("ceil_mode"):
        # pooling: padding at most half the kernel (PyTorch's rule)
        valid &= (pl <= k // 2) & (pr <= k // 2)
    rows = rows[valid]
    return rows if config["grid"] == "exhaustive" else rows[:budget.replicates(RANDOM_CASES)]


def _measure_output_size(config, rng, budget):
    rows = _grid_cases(config, rng, budget)
    sizes, kept, skipped = [], [], 0
    for n, k, s, pl, pr, d in rows.tolist():
        padding = ((pl, pr), (0, 0))
        if config.get("ceil_mode"):
            try:
                y = N.max_pool2d(np.zeros((1, 1, n, 1)), (k, 1), (s, 1), padding, (d, 1),
                                 ceil_mode=True)
            except ValueError:
                skipped += 1        # a dilated window that holds no input element: refused
                continue
        else:
            y = N.conv2d(np.zeros((1, 1, n, 1)), np.zeros((1, 1, k, 1)), None, (s, 1), padding,
                         (d, 1))
        sizes.append(y.shape[2])
        kept.append((n, k, s, pl, pr, d))
    note = f"{len(kept)} geometries (n, k, s, p_l, p_r, d); shapes from numeric." + (
        f" {skipped} refused (a window with no input element)" if skipped else "")
    return Measurement(np.array(sizes, dtype=np.float64), kind="exact", cases=len(kept),
                       points=np.array(kept), note=note)


def _output_size_expected(config, points, form):
    values = _named(GEOMETRY, points)
    if config["grid"] == "same":     # stride 1, total padding d(k-1): the 'same' conclusion
        return form(D.SAME, n=values["n"])
    return form(D.out_ceil if config.get("ceil_mode") else D.out, **values)


def _output_size_control(config, points, form):
    values = _named(GEOMETRY, points)
    del values["d"]                  # the control ignores dilation
    return form.control(D.out, **values)


# ---------------------------------------------------------------- parameter counts

def _conv_grid(config, rng, budget):
    if config["grid"] == "notes":
        return np.array([[6, 8, 5, 5, 1, 1]])
    rows = []
    for g, a, c, kh, kw, b in itertools.product((1, 2, 3, 4, 6), (1, 2, 3), (1, 2, 3), (1, 2, 3),
                                                (1, 2, 3), (0, 1)):
        rows.append((g * a, g * c, kh, kw, g, b))
    return np.array(rows)


def _measure_conv_params(config, rng, budget):
    """The arrays a grouped conv layer allocates, checked by running ``numeric.conv2d`` with them."""
    rows = _conv_grid(config, rng, budget)
    counts = []
    for c_in, c_out, kh, kw, g, b in rows.tolist():
        weight = np.ones((c_out, c_in // g, kh, kw))
        bias = np.ones(c_out) if b else None
        y = N.conv2d(np.ones((1, c_in, kh, kw)), weight, bias, groups=g)
        if y.shape != (1, c_out, 1, 1):
            raise AssertionError(f"conv2d gave {y.shape} for {(c_in, c_out, kh, kw, g)}")
        allocated = weight.size + (bias.size if bias is not None else 0)
        if N.conv_params(c_in, c_out, (kh, kw), g, bool(b)) != allocated:
            raise AssertionError(f"numeric.conv_params disagrees with the arrays for "
                                 f"{(c_in, c_out, kh, kw, g, b)}")
        counts.append(allocated)
    return Measurement(np.array(counts, dtype=np.float64), kind="exact", cases=len(counts),
                       points=rows, note="weight (C_out, C_in/g, k_h, k_w) + bias (C_out), as conv2d takes them")


def _dense_grid(config, rng, budget):
    if config["grid"] == "notes":
        return np.array([[20 * 20 * 6, 8 * 10 * 10, 1]])
    return np.array(list(itertools.product(range(1, 9), range(1, 9), (0, 1))))


def _measure_dense_params(config, rng, budget):
    """W (n_out, n_in) and b (n_out) of y = Wx + b, checked by applying them to an input."""
    rows = _dense_grid(config, rng, budget)
    counts = []
    for n_in, n_out, b in rows.tolist():
        weight = np.ones((n_out, n_in))
        bias = np.ones(n_out) if b else np.zeros(0)
        y = weight @ np.ones(n_in) + (bias if b else 0)
        if y.shape != (n_out,):
            raise AssertionError(f"y has shape {y.shape}")
        if N.dense_params(n_in, n_out, bool(b)) != weight.size + bias.size:
            raise AssertionError(f"numeric.dense_params disagrees for {(n_in, n_out, b)}")
        counts.append(weight.size + bias.size)
    return Measurement(np.array(counts, dtype=np.float64), kind="exact", cases=len(counts),
                       points=rows, note="W (n_out, n_in) + b (n_out)")


def _params_forms(names, forgotten, off):
    """The linked closed form and control of a parameter count over rows of ``names``. The control forgets
    the column ``forgotten``; where every row has it at ``off`` (no groups, no bias) the control coincides
    with the closed form and is not judged."""
    def expected(config, points, form):
        return form(D.params, **_named(names, points))

    def control(config, points, form):
        values = _named(names, points)
        if np.all(values.pop(forgotten) == off):
            return None
        return form.control(D.params, **values)

    return linked(expected, shows=D.params), linked(control, shows=D.params)


_conv_params, _conv_params_control = _params_forms(("C_in", "C_out", "k_h", "k_w", "g", "b"), forgotten="g", off=1)
_dense_params, _dense_params_control = _params_forms(("n_in", "n_out", "b"), forgotten="b", off=0)


CLAIMS = [
    Claim(
        id="conv.output_size",
        title="out = ⌊(n + 2p - d(k-1) - 1)/s⌋ + 1; ceil mode keeps windows starting inside the input "
              "or left padding; 'same' at s = 1 needs total padding d(k-1)",
        source=_SOURCE_SIZES,
        expected=linked(_output_size_expected, shows=D.out),
        measure=_measure_output_size,
        control=linked(_output_size_control, shows=D.out),
        configs=({"grid": "exhaustive"}, {"grid": "random"}, {"grid": "same"},
                 {"grid": "exhaustive", "ceil_mode": True}, {"grid": "random", "ceil_mode": True}),
    ),
    Claim(
        id="conv.params",
        title="a conv layer has k_h·k_w·C_in·C_out/groups weights + C_out biases (8 filters 5×5×6: 1208)",
        source=_SOURCE_PARAMS,
        expected=_conv_params,
        measure=_measure_conv_params,
        control=_conv_params_control,
        configs=({"grid": "notes"}, {"grid": "exhaustive"}),
    ),
    Claim(
        id="dense.params",
        title="a dense layer from 20×20×6 to 8×10×10 has 2400·800 + 800 = 1,920,800 parameters",
        source=_SOURCE_PARAMS,
        expected=_dense_params,
        measure=_measure_dense_params,
        control=_dense_params_control,
        configs=({"grid": "notes"}, {"grid": "exhaustive"}),
    ),
]
