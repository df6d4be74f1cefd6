"""The spec language of ``python -m verify rf``: stacks and graphs of layers on one line.

Statements are separated by ``;``. A statement is ``[NAME =] [@FROM] LAYER [*N]`` or
``[NAME =] add A B ...`` / ``[NAME =] cat A B ...``: a layer reads the previous statement (``@FROM`` reads
node FROM; the input is ``input``), ``*N`` repeats it N times, and a merge sums or concatenates named
nodes. Layers: ``conv``, ``pool`` (= ``maxpool``), ``maxpool``, ``avgpool``, ``convT``, ``upN`` (nearest,
or ``upN bilinear``), ``gap`` (global average pooling). Parameters, in any order:

- ``kN`` kernel, ``sN`` stride, ``dN`` dilation, ``opN`` output padding (convT); ``kHxW`` (``kDxHxW``)
  gives each axis its own, as PyTorch's tuples do;
- ``pN`` padding on both sides of every axis; ``pHxW`` or ``pH,W`` one per axis, as PyTorch's
  ``padding=(H, W)``; ``pL+R`` left and right on every axis, ``pL+RxL+R`` per axis; ``same``, ``valid``;
- ``ceil`` (ceil-mode pooling).

A ResNet basic block: ``x = maxpool k3 s2 p1; conv k3 s2 p1; m = conv k3 p1; s = @x conv k1 s2; add m s``.
An Inception block: ``x = conv k3 s2 p1; a = @x conv k1; @x conv k1; b = conv k3 p1; @x maxpool k3 p1;
c = conv k1; cat a b c``.
"""
from __future__ import annotations

import difflib
import re

from numeric.receptive_field import (
    AdaptivePool,
    Add,
    Concat,
    Conv,
    ConvTranspose,
    Graph,
    Layer,
    Pool,
    Upsample,
)

from ..errors import UsageError

__all__ = ["MAX_DIGITS", "SpecError", "analyse_spec_graph", "as_layers", "build_graph", "parse_statements"]

MAX_DIGITS = 9
"""Numbers in a spec have at most this many digits (a field wider than 10⁹ is a typo)."""

_N = rf"[0-9]{{1,{MAX_DIGITS}}}"
_AXES = rf"{_N}(?:x{_N}){{0,2}}"
_SIDE = rf"{_N}\+{_N}"
_PARAMETERS = {
    "k": re.compile(rf"k(?P<v>{_AXES})", re.ASCII),
    "s": re.compile(rf"s(?P<v>{_AXES})", re.ASCII),
    "d": re.compile(rf"d(?P<v>{_AXES})", re.ASCII),
    "op": re.compile(rf"op(?P<v>{_AXES})", re.ASCII),
    "p": re.compile(rf"p(?P<v>{_AXES}|{_N}(?:,{_N}){{1,2}}|{_SIDE}(?:x{_SIDE}){{0,2}})", re.ASCII),
}
_NAMES = {"k": "kernel", "s": "stride", "d": "dilation", "op": "output_padding", "p": "padding"}
_FLAGS = ("same", "valid", "ceil", "bilinear", "nearest")
_EXPECTED = "expected kN, kHxW, sN, dN, pN, pHxW, pL+R, opN, *N, same, valid or ceil"
KINDS = ("conv", "pool", "maxpool", "avgpool", "convT", "upN", "gap")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}", re.ASCII)


class SpecError(UsageError):
    """A spec that does not parse or describes an invalid layer; names the token and its column."""

    def __init__(self, message, token, column):
        super().__init__(f"{token!r} at column {column}: {message}")
        self.token = token
        self.column = column


def _value(letter, text):
    """A parameter's value: an int, a per-axis tuple, or for padding (left, right) pairs."""
    if letter == "p" and "+" in text:
        pairs = tuple(tuple(int(v) for v in side.split("+")) for side in text.split("x"))
        return pairs if len(pairs) > 1 else ("every", pairs[0])
    values = tuple(int(v) for v in re.split("[x,]", text))
    return values[0] if len(values) == 1 else values


class Statement:
    """One parsed statement: its name, source, kind, options, repeat count, merge inputs, and where."""

    def __init__(self, name, source, kind, options, repeat, inputs, text, column):
        self.name, self.source, self.kind, self.options = name, source, kind, options
        self.repeat, self.inputs, self.text, self.column = repeat, inputs, text, column


def _tokens(text, start):
    return [(m.group(), start + m.start() + 1) for m in re.finditer(r"\S+", text)]


def _statement(segment, offset, number):
    tokens = _tokens(segment, offset)
    if not tokens:
        raise SpecError(f"layer {number} is empty", segment, offset + 1)
    text, column = segment.strip(), tokens[0][1]
    name = source = None
    if len(tokens) > 1 and tokens[1][0] == "=":
        if not _NAME.fullmatch(tokens[0][0]) or tokens[0][0] in ("input", "add", "cat"):
            raise SpecError("a node name is a letter then letters, digits or _ (not input, add, cat)",
                            *tokens[0])
        name, tokens = tokens[0][0], tokens[2:]
        if not tokens:
            raise SpecError(f"layer {number} is empty after its name", text, column)
    if tokens[0][0].startswith("@"):
        source, tokens = tokens[0], tokens[1:]
        if not _NAME.fullmatch(source[0][1:]):
            raise SpecError("@ must be followed by a node name", *source)
        if not tokens:
            raise SpecError(f"layer {number} has no kind after {source[0]}", *source)
    (kind, kind_column), parameters = tokens[0], tokens[1:]
    repeat = 1
    if parameters and parameters[-1][0].startswith("*"):
        token, where = parameters.pop()
        if not re.fullmatch(r"\*[0-9]{1,3}", token, re.ASCII) or int(token[1:]) < 1:
            raise SpecError("repetition is *N with 1 <= N <= 999", token, where)
        repeat = int(token[1:])
    if kind in ("add", "cat"):
        if source is not None:
            raise SpecError(f"{kind} names its inputs; no @", *source)
        if len(parameters) < 2:
            raise SpecError(f"{kind} needs at least two node names", kind, kind_column)
        for token, where in parameters:
            if token.startswith("@") and _NAME.fullmatch(token[1:]):
                raise SpecError(f"{kind} takes node names without @ ('{kind} {token[1:]} ...')", token, where)
            if not _NAME.fullmatch(token):
                raise SpecError(f"{kind} takes node names", token, where)
        return Statement(name, None, kind, {}, repeat, parameters, text, column)
    up = re.fullmatch(r"up([0-9]{1,3})", kind, re.ASCII)
    if kind not in KINDS and not up:
        guess = difflib.get_close_matches(kind, [k for k in KINDS if k != "upN"] + ["add", "cat"], n=1)
        listed = f"did you mean '{guess[0]}'?" if guess else f"{', '.join(KINDS)}, add or cat"
        raise SpecError(f"layer {number} must start with a kind ({listed})", kind, kind_column)
    options, flags = {}, set()
    for token, where in parameters:
        if token in _FLAGS:
            flags.add(token)
            continue
        letter = "op" if token.startswith("op") else token[0]
        match = _PARAMETERS[letter].fullmatch(token) if letter in _PARAMETERS else None
        if match is None:
            if re.search(rf"[0-9]{{{MAX_DIGITS + 1},}}", token, re.ASCII):
                raise SpecError(f"number longer than {MAX_DIGITS} digits in layer {number}", token, where)
            word = re.fullmatch(r"(kernel|stride|dilation|padding)[=_]?([0-9]+)", token, re.ASCII)
            expected = f"write '{word[1][0]}{word[2]}'" if word else \
                "--input and other options go outside the quoted spec" if token.startswith("--") else _EXPECTED
            raise SpecError(f"bad parameter in layer {number} ({expected})", token, where)
        if _NAMES[letter] in options:
            raise SpecError(f"{_NAMES[letter]} given twice in layer {number}", token, where)
        options[_NAMES[letter]] = (_value(letter, match["v"]), token, where)
    if "same" in flags or "valid" in flags:
        if "padding" in options or {"same", "valid"} <= flags:
            raise SpecError(f"padding given twice in layer {number}", text, column)
        options["padding"] = ("same" if "same" in flags else "valid", text, column)
    options["flags"] = (flags, text, column)
    _only_where_meaningful(kind, options, flags, parameters, number)
    if up:
        options["scale"] = (int(up.group(1)), kind, kind_column)
        kind = "up"
    elif kind != "gap" and "kernel" not in options:
        raise SpecError(f"layer {number} has no kernel (kN or kHxW)", text, kind_column)
    return Statement(name, source, kind, options, repeat, [], text, column)


_FLAG_KINDS = {"ceil": ("pool", "maxpool", "avgpool"), "bilinear": ("up",), "nearest": ("up",)}


def _only_where_meaningful(kind, options, flags, parameters, number):
    """Refuse an option the layer would ignore (``conv k3 op1``: output padding belongs to convT), and pool
    padding over half the kernel, which PyTorch refuses ("pad should be at most half of kernel size")."""
    family = "up" if kind.startswith("up") and kind != "upN" else kind
    where = {token: column for token, column in parameters}
    if "output_padding" in options and family != "convT":
        _, token, column = options["output_padding"]
        raise SpecError(f"output padding (opN) is for convT only, not {kind} (layer {number})", token, column)
    for flag in sorted(flags):
        if flag in _FLAG_KINDS and family not in _FLAG_KINDS[flag]:
            raise SpecError(f"'{flag}' is for {' / '.join(_FLAG_KINDS[flag])} only, not {kind} (layer {number})",
                            flag, where.get(flag, 0))
    if family in ("pool", "maxpool", "avgpool") and "padding" in options and "kernel" in options:
        padding, token, column = options["padding"]
        kernel = options["kernel"][0]
        if isinstance(padding, tuple) and padding and padding[0] == "every":
            padding = padding[1]
        if isinstance(padding, str):
            return
        pads = [max(p) if isinstance(p, tuple) else p for p in (padding if isinstance(padding, tuple) else (padding,))]
        kernels = kernel if isinstance(kernel, tuple) else (kernel,) * len(pads)
        if len(kernels) == 1:
            kernels = kernels * len(pads)
        if len(pads) == 1:
            pads = pads * len(kernels)
        for p, k in zip(pads, kernels):
            if 2 * p > k:
                raise SpecError(f"padding must be <= kernel // 2 = {k // 2} for a pool, as PyTorch requires "
                                f"(layer {number})", token, column)


def parse_statements(text):
    """The statements of a spec, each knowing its text and 1-based column."""
    if not isinstance(text, str):
        raise TypeError(f"spec must be a str, got {type(text).__name__}")
    if not text.strip():
        raise SpecError("spec is empty (expected layers such as 'conv k3 s1 p1; pool k2 s2')", text, 1)
    out, offset = [], 0
    for number, segment in enumerate(text.split(";"), start=1):
        try:
            out.append(_statement(segment, offset, number))
        except SpecError:
            if out:  # an earlier layer's bad value ('conv k3 s0; pool') is the first thing to fix: say it first
                build_graph(out)
            raise
        offset += len(segment) + 1
    return out


def _padding(value, ndim):
    """Spec padding -> the graph's form (int, per-axis tuple, (left, right) pairs, same/valid)."""
    if isinstance(value, tuple) and value and value[0] == "every":
        return (value[1],) * ndim
    return value


def _op(st, ndim):
    o = {key: value for key, (value, _, _) in st.options.items()}
    flags = o.pop("flags", set())
    if "padding" in o:
        o["padding"] = _padding(o["padding"], ndim)
    if st.kind == "conv":
        return Conv(1, o["kernel"], o.get("stride", 1), o.get("padding", 0), o.get("dilation", 1))
    if st.kind == "convT":
        return ConvTranspose(1, o["kernel"], o.get("stride", 1), o.get("padding", 0),
                             o.get("output_padding", 0), o.get("dilation", 1))
    if st.kind in ("pool", "maxpool", "avgpool"):
        return Pool(o["kernel"], o.get("stride", 1), o.get("padding", 0), o.get("dilation", 1), "ceil" in flags,
                    "avg" if st.kind == "avgpool" else "max")
    if st.kind == "up":
        return Upsample(o["scale"], "bilinear" if "bilinear" in flags else "nearest")
    return AdaptivePool(1, "avg")


def spec_ndim(statements):
    """Spatial axes the spec needs: the longest per-axis value (1 when every value is one int)."""
    ndim = 1
    for st in statements:
        for key, (value, _, _) in st.options.items():
            if key == "flags" or not isinstance(value, tuple):
                continue
            ndim = max(ndim, len(value[1]) if value and value[0] == "every" else len(value))
    return ndim


def build_graph(statements, input_shape=None):
    """The statements as a ``Graph`` (channels 1 when the input shape has none)."""
    ndim = len(input_shape) - 1 if input_shape else spec_ndim(statements)
    graph = Graph(input_shape, ndim=None if input_shape else ndim)
    graph.spec_where = {}  # node name -> (token, column) of the statement that made it, for later errors
    previous, names, count = graph.input_name, {graph.input_name}, 0
    for st in statements:
        where = (st.text, st.column)
        if st.kind in ("add", "cat"):
            for token, column in st.inputs:
                if token not in names:
                    raise SpecError(f"{st.kind} input {token!r} is not an earlier node ({_known(names)})",
                                    token, column)
            count += 1
            node = st.name or f"{st.kind}{count}"
            _add(graph, node, Add() if st.kind == "add" else Concat(), [t for t, _ in st.inputs], where)
        else:
            if st.source is not None and st.source[0][1:] not in names:
                raise SpecError(f"not an earlier node ({_known(names)})", *st.source)
            node = st.source[0][1:] if st.source is not None else previous
            for r in range(st.repeat):
                count += 1
                last = r == st.repeat - 1
                name = st.name if (st.name and last) else f"{st.kind}{count}"
                _add(graph, name, _op(st, ndim), [node], where, st)
                node = name
        if node in names and st.name and node != st.name:
            raise SpecError(f"name {st.name!r} is already a node", *where)
        names.add(node)
        previous = node
    return graph


def _known(names) -> str:
    """The node names a spec may refer to so far, for an error message (the first few if many)."""
    shown = sorted(n for n in names if n != "input")
    listed = ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else "")
    return f"known: input, {listed}" if shown else "only 'input' so far"


def _add(graph, name, op, inputs, where, st=None):
    if name in graph._names:
        raise SpecError(f"name {name!r} is already a node", *where)
    graph.spec_where[name] = where
    try:
        graph.node(name, op, *inputs)
    except ValueError as error:
        message = str(error).split(": ", 1)[-1]
        if st is not None:
            for key, (_, token, column) in st.options.items():
                if message.startswith(key):
                    raise SpecError(message, token, column) from None
        raise SpecError(message, *where) from None


def as_layers(statements):
    """The spec as ``Layer``s of the single-path API when it is a plain stack of conv/pool layers with
    at most 2 axes, else None."""
    layers = []
    for st in statements:
        if st.name or st.source or st.kind not in ("conv", "pool") or st.options["flags"][0] - {"nearest"}:
            return None
        if set(st.options) - {"kernel", "stride", "padding", "dilation", "flags"}:
            return None
        if spec_ndim([st]) > 2:
            return None
        o = {key: value for key, (value, _, _) in st.options.items() if key != "flags"}
        padding = o.get("padding", 0)
        if isinstance(padding, tuple) and padding[0] == "every":
            padding = (padding[1],)           # one (left, right) pair for every axis
        o["padding"] = padding
        try:
            layers.extend([Layer(kind=st.kind, **o)] * st.repeat)
        except ValueError as error:
            message = str(error)
            for key, (_, token, column) in st.options.items():
                if message.startswith(key):
                    raise SpecError(f"layer {statements.index(st) + 1}: {message}", token, column) from None
            raise SpecError(message, st.text, st.column) from None
    return layers


_NODE_ERROR = re.compile(r"node '([^']+)' \([^)]*\): (.*)", re.S)


def analyse_spec_graph(graph):
    """``graph.analyse()`` for a graph built from a spec: an error about a node (inputs of different shapes
    at an ``add``) names the statement's token and column, with spatial sizes only (a spec has no channels)."""
    try:
        return graph.analyse()
    except ValueError as error:
        found = _NODE_ERROR.search(str(error))
        if found is None or found[1] not in graph.spec_where:
            raise
        sizes = re.sub(r"\(1, ([0-9, ]+)\)", r"(\1)", re.sub(r"\(1, ([0-9]+)\)", r"\1", found[2]))
        inputs = next((i for name, _, i in graph.nodes if name == found[1]), ())
        named = f" (inputs {', '.join(inputs)}, in that order)" if len(inputs) > 1 else ""
        raise SpecError(sizes + named, *graph.spec_where[found[1]]) from None
