"""``python -m verify rf SPEC [--input N]``: per-layer receptive field, stride, padding and size.

SPEC is a stack of layers from the input side, separated by ``;``. Each layer is a kind, ``conv``
or ``pool``, followed by parameters in any order: ``kN`` (kernel; ``kHxW`` for a non-square one,
required), ``sN`` (stride, default 1), ``pN`` (padding, default 0; ``pL,R`` for left,right as in
TensorFlow's SAME), ``dN`` (dilation, default 1). Example: ``conv k3 s1 p1; pool k3 s2; conv k3 d2``.
"""
from __future__ import annotations

import argparse
import json
import re

from derive.layout import table as _layout
from numeric.receptive_field import Layer, receptive_field_table

from ..errors import UsageError
from ._args import layout as _layout_option
from ._args import table_format as _format

HELP = "per-layer receptive field, effective stride and padding (and output size) of a layer stack"


KINDS = ("conv", "pool")
MAX_DIGITS = 9
"""Numbers in a spec have at most this many digits (a field wider than 10⁹ is a typo)."""

_NUMBER = rf"[0-9]{{1,{MAX_DIGITS}}}"
_PARAMETERS = {
    "k": re.compile(rf"k(?P<a>{_NUMBER})(?:x(?P<b>{_NUMBER}))?", re.ASCII),
    "s": re.compile(rf"s(?P<a>{_NUMBER})", re.ASCII),
    "p": re.compile(rf"p(?P<a>{_NUMBER})(?:,(?P<b>{_NUMBER}))?", re.ASCII),
    "d": re.compile(rf"d(?P<a>{_NUMBER})", re.ASCII),
}
_NAMES = {"k": "kernel", "s": "stride", "p": "padding", "d": "dilation"}
_EXPECTED = "expected kN, kHxW, sN, pN, pL,R or dN"


class SpecError(UsageError):
    """A spec that does not parse or describes an invalid layer; names the token and its column."""

    def __init__(self, message, token, column):
        super().__init__(f"{token!r} at column {column}: {message}")
        self.token = token
        self.column = column


def _tokens(text, start):
    """(token, 1-based column) for each whitespace-separated word of ``text``."""
    return [(m.group(), start + m.start() + 1) for m in re.finditer(r"\S+", text)]


def _layer(segment, offset, number):
    tokens = _tokens(segment, offset)
    if not tokens:
        raise SpecError(f"layer {number} is empty", segment, offset + 1)
    (kind, kind_column), parameters = tokens[0], tokens[1:]
    if kind not in KINDS:
        raise SpecError(f"layer {number} must start with a kind, conv or pool", kind, kind_column)
    values, columns = {}, {}
    for token, column in parameters:
        match = None
        letter = token[0]
        if letter in _PARAMETERS:
            match = _PARAMETERS[letter].fullmatch(token)
        if match is None:
            if re.search(rf"[0-9]{{{MAX_DIGITS + 1},}}", token, re.ASCII):
                raise SpecError(f"number longer than {MAX_DIGITS} digits in layer {number}",
                                token, column)
            raise SpecError(f"bad parameter in layer {number} ({_EXPECTED})", token, column)
        if letter in values:
            raise SpecError(f"{_NAMES[letter]} given twice in layer {number}", token, column)
        a, b = int(match["a"]), match.groupdict().get("b")
        values[letter] = a if b is None else (a, int(b))
        columns[letter] = (token, column)
    if "k" not in values:
        raise SpecError(f"layer {number} has no kernel (kN or kHxW)", segment.strip(),
                        kind_column)
    options = {_NAMES[letter]: value for letter, value in values.items()}
    try:
        return Layer(kind=kind, **options)
    except ValueError as error:
        # name the token whose value breaks the rule
        message = str(error)
        for letter in ("k", "s", "d", "p"):
            if letter in columns and message.startswith(_NAMES[letter]):
                token, column = columns[letter]
                raise SpecError(f"layer {number}: {message}", token, column) from None
        raise SpecError(f"layer {number}: {message}", segment.strip(), kind_column) from None


def parse_spec(text):
    """A list of ``Layer`` from a spec such as ``"conv k3 s1 p1; pool k3 s2; conv k3 d2"``.

    Raises ``SpecError`` (a ValueError) naming the offending token and its 1-based column.
    """
    return [layer for layer, _, _ in _parse(text)]


def _parse(text):
    """(layer, its text, its 1-based column) for each layer of the spec."""
    if not isinstance(text, str):
        raise TypeError(f"spec must be a str, got {type(text).__name__}")
    if not text.strip():
        raise SpecError("spec is empty (expected layers such as 'conv k3 s1 p1; pool k2 s2')",
                        text, 1)
    parsed, offset = [], 0
    for number, segment in enumerate(text.split(";"), start=1):
        stripped = segment.strip()
        column = offset + len(segment) - len(segment.lstrip()) + 1
        parsed.append((_layer(segment, offset, number), stripped, column))
        offset += len(segment) + 1
    return parsed


def _check_sizes(parsed, input_size):
    """Output sizes layer by layer; a size below 1 names the layer's text and column."""
    size = input_size
    for number, (layer, segment, column) in enumerate(parsed, start=1):
        try:
            size = layer.output_size(size)
        except ValueError as error:
            raise SpecError(f"layer {number} on input {_show(size)}: {error}", segment,
                            column) from None


def parse_input(text):
    """``N`` or ``HxW`` (both >= 1) as an int or an (h, w) pair."""
    match = re.fullmatch(rf"({_NUMBER})(?:x({_NUMBER}))?", text.strip(), re.ASCII)
    if match is None:
        raise ValueError(f"--input must be N or HxW with positive integers, got {text!r}")
    sizes = [int(v) for v in match.groups() if v is not None]
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
    if isinstance(value, tuple) and all(isinstance(v, tuple) for v in value):
        return "x".join(_show_padding(v) for v in value)
    if isinstance(value, tuple):
        return f"{value[0]}" if value[0] == value[1] else f"{value[0]},{value[1]}"
    return str(value)


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
    p.add_argument("spec", metavar="SPEC",
                   help="layers separated by ';', e.g. 'conv k3 s1 p1; pool k3 s2; conv k3 d2' "
                        "(kN or kHxW kernel, sN stride, pN or pL,R padding, dN dilation)")
    p.add_argument("--input", type=_input, default=None, metavar="N",
                   help="input size N (or HxW): adds each layer's output size")
    p.add_argument("--format", type=_format, default="simple", metavar="FMT",
                   help="json, or a tabulate table format: simple (default), github, latex, ...")
    _layout_option(p)


def main(args):
    try:
        parsed = _parse(args.spec)
        if args.input is not None:
            _check_sizes(parsed, args.input)
        layers = [layer for layer, _, _ in parsed]
        headers, rows = table(layers, args.input)
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
