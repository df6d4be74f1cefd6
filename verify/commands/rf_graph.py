"""The per-node table and JSON of ``python -m verify rf`` for graphs and PyTorch models.

JSON: ``{"nodes": [{"name", "op", "inputs", "output_shape", "field", "field_min", "stride", "start",
"params", "macs", "notes"}, ...], "output": NAME}``; ``field``, ``field_min``, ``stride`` and ``start`` are
per-axis lists (a fractional stride is a string "1/2"), the last node is the output.
"""
from __future__ import annotations

import json
import textwrap
from fractions import Fraction

from tabulate import tabulate

__all__ = ["records", "render"]

HEADERS = ("node", "op", "output", "field", "min", "stride", "start", "params", "MACs")
NAME_WIDTH = 22
WIDTH = 100
"""Notes are wrapped to this many columns."""


def _axes(values):
    """[3, 3] -> '3', [3, 5] -> '3x5'; None -> '—'."""
    if values is None:
        return "—"
    if len(values) == 0:
        return "1"
    shown = [str(v) for v in values]
    return shown[0] if len(set(shown)) == 1 else "x".join(shown)


def _count(n):
    if n is None:
        return "—"
    for unit, size in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _json_number(value):
    if isinstance(value, Fraction):
        return str(value)
    return value


def notes(row):
    """The row's notes, and that its field varies with the unit when it does."""
    out = list(row.notes)
    if row.varies:
        out.append(f"field varies with the unit: largest {_axes(row.field)}, smallest {_axes(row.field_min)}")
    return out


def records(rows):
    """The JSON document (as Python objects); ``rows`` end with the output node."""
    nodes = []
    for r in rows:
        nodes.append({
            "name": r.name, "op": r.op, "inputs": list(r.inputs),
            "output_shape": None if r.output_shape is None else list(r.output_shape),
            "field": r.field, "field_min": r.field_min,
            "stride": None if r.stride is None else [_json_number(s) for s in r.stride],
            "start": r.start, "params": r.params, "macs": r.macs, "notes": notes(r),
        })
    return {"nodes": nodes, "output": rows[-1].name}


def render(rows, fmt):
    """The table (or JSON) text for ``rows``."""
    if fmt == "json":
        return json.dumps(records(rows), indent=2)
    table = []
    for r in rows:
        name = r.name if len(r.name) <= NAME_WIDTH else r.name[:NAME_WIDTH - 1] + "…"
        table.append([name, r.op, _axes(r.output_shape), _axes(r.field), _axes(r.field_min),
                      _axes(r.stride), _axes(r.start), _count(r.params), _count(r.macs)])
    lines = [tabulate(table, headers=HEADERS, tablefmt=fmt, disable_numparse=True)]
    params = [r.params for r in rows if r.params is not None]
    if len(params) == len(rows):
        lines.append(f"parameters {sum(params):,} (each tensor once), MACs {sum(r.macs for r in rows):,}")
    out = rows[-1]
    lines.append(f"output {out.name}: field {_axes(out.field)}, stride {_axes(out.stride)}, "
                 f"start {_axes(out.start)}")
    for r in rows:
        for note in notes(r):
            lines.extend(textwrap.wrap(f"{r.name}: {note}", WIDTH, subsequent_indent="    "))
    return "\n".join(lines)
