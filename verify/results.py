"""Claim results as JSON records (the ``--format json`` contract of DESIGN.md)."""
from __future__ import annotations

import math

import numpy as np

from .claim import CheckResult, ClaimResult, _distance

__all__ = ["result_to_json", "check_to_json"]


def _plain(value):
    """A JSON-friendly copy: numpy scalars and arrays to floats and lists."""
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size > 1 else _plain(value.reshape(-1)[0])
    if isinstance(value, np.generic):
        return value.item()
    return value


def _summary(value: np.ndarray, index: int):
    flat = np.asarray(value, dtype=np.float64).reshape(-1)
    return float(flat[index if flat.size > 1 else 0])


def _finite(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _worst_element(c: CheckResult) -> tuple[float | None, float | None, float | None, int]:
    """(expected, estimate, scale) at the element farthest from its closed form, and the element count."""
    if c.error or c.estimate is None:
        return None, None, None, 0
    est = np.asarray(c.estimate, dtype=np.float64)
    tgt, scale = (np.broadcast_to(np.asarray(v, dtype=np.float64), est.shape) for v in (c.expected, c.stderr))
    index = int(np.argmax(_distance(c.kind, est, tgt, scale).reshape(-1))) if est.size > 1 else 0
    return (_finite(_summary(tgt, index)), _finite(_summary(est, index)), _finite(_summary(scale, index)),
            int(est.size))


def _plan(record: dict | None):
    """A power-planned check's sample size, planned miss probability and pilot variance (None if fixed)."""
    if record is None:
        return None
    return {"replicates": int(record["replicates"]), "miss": float(f"{record['miss']:.3g}"),
            "pilot_variance": _finite(record["pilot_variance"]), "pilot_replicates": int(record["pilot_replicates"]),
            "effect": _finite(record["effect"])}


def check_to_json(c: CheckResult) -> dict:
    """One check; an estimate with many elements (pointwise checks) is shown at its worst element."""
    expected, estimate, scale, size = _worst_element(c)
    return {
        "config": {k: _plain(v) for k, v in c.config.items()},
        "kind": c.kind,
        "elements": size,
        "expected": expected,
        "estimate": estimate,
        "stderr": scale if c.kind == "monte-carlo" else None,
        "bound": scale if c.kind == "bounded" else None,
        "z": _finite(c.z),
        "z_critical": c.z_critical,
        "pass": bool(c.passed),
        "cases": int(c.cases),
        "control_z": _finite(c.control_z),
        "control_rejected": c.control_rejected,
        "plan": _plan(c.plan),
        **({"error": c.error} if c.error else {}),
    }


def result_to_json(r: ClaimResult) -> dict:
    """One claim in the ``--format json`` schema of DESIGN.md (plus ``kind``/``bound`` per check)."""
    w = r.worst
    summary = {"expected": None, "estimate": None, "stderr": None, "z": None}
    if w is not None and not w.error:
        expected, estimate, scale, _ = _worst_element(w)
        summary = {"expected": expected, "estimate": estimate,
                   "stderr": scale if w.kind == "monte-carlo" else None, "z": _finite(w.z)}
    controls = [c for c in r.checks if c.control_rejected is not None]
    weakest = min(controls, key=lambda c: (c.control_z if c.control_z is not None else math.inf)) if controls else None
    return {
        "id": r.claim.id,
        "title": r.claim.title,
        "source": r.claim.source,
        "formula": r.formula,
        "proof": r.proof,
        "assumptions": list(r.assumptions),
        "check": r.check,
        "verdict": r.verdict,
        **summary,
        "cases": int(sum(c.cases for c in r.checks)),
        "control": {
            "formula": r.control_formula,
            "z": _finite(weakest.control_z) if weakest else None,
            "rejected": bool(controls) and all(c.control_rejected for c in controls),
        },
        "checks": [check_to_json(c) for c in r.checks],
        "seconds": round(r.seconds, 4),
    }
