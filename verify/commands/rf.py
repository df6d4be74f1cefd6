"""``python -m verify rf SPEC [--input N]`` and ``python -m verify rf --torch PKG.MOD:FACTORY --input CxHxW``:
per-layer (or per-node) receptive field, effective stride and start, and output size.

The spec language is described in ``rf_spec``. A plain stack of conv/pool layers prints the per-layer
table of the single-path recurrence (kernel, stride, padding, dilation, output size, field, effective
stride and padding); a graph (names, ``@``, ``add``/``cat``, ``convT``, ``upN``, ``gap``, ``ceil``,
``same``/``valid``, 3-D) or a PyTorch model prints the per-node table of ``rf_graph``.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re


from derive.layout import table as _layout
from numeric.receptive_field import receptive_field_table
from numeric.receptive_field.stack import show_padding

from ..errors import UsageError
from ._args import layout as _layout_option
from ._args import table_format as _format
from .rf_graph import render
from .rf_spec import MAX_DIGITS, SpecError, analyse_spec_graph, as_layers, build_graph, parse_statements

HELP = "per-layer receptive field, effective stride and start (and output size) of a layer stack or graph"

__all__ = ["SpecError", "add_arguments", "main", "parse_input", "parse_spec", "table"]

_NUMBER = rf"[0-9]{{1,{MAX_DIGITS}}}"


def parse_spec(text):
    """A list of ``Layer`` from a plain stack such as ``"conv k3 s1 p1; pool k3 s2; conv k3 d2"``.

    Raises ``SpecError`` (a ValueError) naming the offending token and its 1-based column, and for a
    graph spec (names, merges, transposed layers, ...), which has no single-path layers.
    """
    statements = parse_statements(text)
    layers = as_layers(statements)
    if layers is None:
        raise SpecError("a graph, not a plain stack of conv/pool layers", text.strip(), 1)
    return layers


def _check_sizes(statements, input_size):
    """Output sizes layer by layer; a size below 1 names the layer's text and column."""
    size = input_size
    for number, st in enumerate(statements, start=1):
        for layer in as_layers([st]):
            try:
                size = layer.output_size(size)
            except ValueError as error:
                raise SpecError(f"layer {number} on input {_show(size)}: {error}", st.text, st.column) from None


def parse_input(text):
    """``N``, ``HxW``, ``DxHxW`` or ``CxDxHxW`` (each >= 1) as an int or a tuple."""
    match = re.fullmatch(rf"{_NUMBER}(?:x{_NUMBER}){{0,3}}", text.strip(), re.ASCII)
    if match is None:
        raise ValueError(f"--input must be N or HxW (CxHxW with --torch) with positive integers, got {text!r}")
    sizes = [int(v) for v in text.strip().split("x")]
    if min(sizes) < 1:
        raise ValueError(f"--input must be >= 1, got {text!r}")
    return sizes[0] if len(sizes) == 1 else tuple(sizes)


def _show(value):
    """3 -> '3', (3, 5) -> '3x5' (per axis); a (left, right) padding pair -> '0,1'."""
    if value is None:
        return "—"
    if isinstance(value, tuple):
        return "x".join(_show(v) for v in value)
    return str(value)


def _show_padding(value):
    """As the spec writes it: 1, 1x0 (per axis), 0+1 (left+right), 0+1x1+0."""
    return show_padding(value)


COLUMNS = ("kind", "kernel", "stride", "padding", "dilation", "output size", "field size",
           "effective stride", "effective padding")


def table(layers, input_size=None):
    """The rows the command prints, as lists of strings (no output column without an input)."""
    rows = []
    for row in receptive_field_table(layers, input_size):
        cells = [row.kind, _show(row.kernel), _show(row.stride), _show_padding(row.padding),
                 _show(row.dilation), _show(row.output), _show(row.size),
                 _show(row.effective_stride), _show(row.effective_padding)]
        if input_size is None:
            del cells[5]
        rows.append(cells)
    headers = [c for c in COLUMNS if input_size is not None or c != "output size"]
    return headers, rows


def _plain(value):
    """Tuples as JSON lists, recursively."""
    return [_plain(v) for v in value] if isinstance(value, tuple) else value


def _input(text):
    try:
        return parse_input(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("--input ")) from None


def add_arguments(p):
    p.add_argument("spec", metavar="SPEC", nargs="?",
                   help="layers separated by ';', e.g. 'conv k3 s1 p1; pool k3 s2; conv k3 d2' "
                        "(kN or kHxW kernel, sN stride, pN, pHxW or pL+R padding, dN dilation); graphs: "
                        "'x = conv k3; a = @x conv k1; b = @x conv k3 p1; add a b' (see the README)")
    p.add_argument("--torch", metavar="PKG.MOD:FACTORY", default=None,
                   help="analyse the nn.Module FACTORY() returns (needs torch; traced with torch.fx)")
    p.add_argument("--input", type=_input, default=None, metavar="N",
                   help="input size N, HxW or DxHxW (adds output sizes); CxHxW with --torch (required)")
    p.add_argument("--format", type=_format, default="simple", metavar="FMT",
                   help="json, or a tabulate table format: simple (default), github, latex, ...")
    _layout_option(p)


def _load(target):
    """The module FACTORY() of ``PKG.MOD:FACTORY`` returns (importing PKG.MOD runs its code)."""
    if not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", target, re.ASCII):
        raise UsageError(f"--torch must be PKG.MOD:FACTORY, got {target!r}")
    path, factory = target.split(":")
    try:
        module = importlib.import_module(path)
    except ImportError as error:
        raise UsageError(f"--torch: cannot import {path!r}: {error}") from None
    if not callable(getattr(module, factory, None)):
        raise UsageError(f"--torch: {path!r} has no callable {factory!r}")
    model = getattr(module, factory)()
    import torch.nn as nn
    if not isinstance(model, nn.Module):
        raise UsageError(f"--torch: {target} returned {type(model).__name__}, not an nn.Module")
    return model


def _torch_rows(args):
    if args.spec is not None:
        raise UsageError("give a SPEC or --torch, not both")
    shape = args.input if isinstance(args.input, tuple) else None
    if shape is None or not 2 <= len(shape) <= 4:
        raise UsageError("--torch needs --input CxHxW (channels, then 1 to 3 spatial sizes)")
    try:
        import torch
    except ImportError:
        raise UsageError("--torch needs PyTorch: pip install 'dlmath[torch]'") from None
    from ..torch_graph import analyse_module
    return analyse_module(_load(args.torch), shape)


def _graph_rows(statements, size):
    if size is None:
        shape = None
    else:
        shape = (1, *(size if isinstance(size, tuple) else (size,)))
        if len(shape) > 4:
            raise UsageError("--input for a spec is N, HxW or DxHxW")
    rows = analyse_spec_graph(build_graph(statements, shape))
    for row in rows:            # a spec has no channels: spatial sizes only, no parameter or MAC counts
        row.params = row.macs = None
        row.output_shape = None if row.output_shape is None else row.output_shape[1:]
    return rows


def main(args):
    if args.torch is not None:
        print(render(_torch_rows(args), args.format))
        return 0
    if args.spec is None:
        raise UsageError("give a SPEC (e.g. 'conv k3 s2; pool k2') or --torch PKG.MOD:FACTORY")
    try:
        statements = parse_statements(args.spec)
        layers = as_layers(statements)
        if layers is not None and (args.input is None or not isinstance(args.input, tuple)
                                   or len(args.input) == 2):
            if args.input is not None:
                _check_sizes(statements, args.input)
            headers, rows = table(layers, args.input)
        else:
            print(render(_graph_rows(statements, args.input), args.format))
            return 0
    except ValueError as error:
        raise UsageError(f"bad spec: {error}") from None
    if args.format == "json":
        records = [{key: _plain(value) for key, value in row._asdict().items()}
                   for row in receptive_field_table(layers, args.input)]
        print(json.dumps({"spec": args.spec, "input": _plain(args.input), "layers": records},
                         indent=2))
    else:
        print(_layout(rows, headers, args.format, wide=args.wide))
    return 0
