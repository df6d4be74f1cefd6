"""A PyTorch ``nn.Module`` as a ``numeric.receptive_field.Graph``, via ``torch.fx`` symbolic tracing.

``analyse_module(module, input_shape)`` gives one ``NodeField`` per traced node (shapes, fields,
effective strides, starts, MACs from ``numeric``) with each parameter tensor counted once, at the first
node that uses it; a node whose tensors were already counted says so in its notes ("shares ...").
torch is imported when these functions run, never when ``verify`` is imported.

Batch norm is taken in evaluation mode (a per-channel affine map: unit u reads unit u). Modules and
functions outside the table below are refused with one line naming them.
"""
from __future__ import annotations

import operator

from numeric.receptive_field import (
    AdaptivePool,
    Add,
    Concat,
    Conv,
    ConvTranspose,
    Flatten,
    Graph,
    Linear,
    Pointwise,
    Pool,
    Upsample,
)

from .errors import UsageError

__all__ = ["analyse_module", "graph_from_module"]

POINTWISE_MODULES = ("ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "GELU", "SiLU", "Sigmoid", "Tanh",
                     "Softplus", "Hardswish", "Hardsigmoid", "Mish", "Dropout", "Dropout1d", "Dropout2d",
                     "Dropout3d", "Identity", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
POINTWISE_FUNCTIONS = ("relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "sigmoid", "tanh",
                       "softplus", "hardswish", "dropout", "contiguous", "mul", "clone")
FLATTEN_NAMES = ("flatten", "view", "reshape")


def _tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else value


def _from_module(m, nn):
    """The receptive-field op of one module, or None if it is not one we know."""
    kind = type(m).__name__
    if isinstance(m, nn.modules.conv._ConvTransposeNd):
        return ConvTranspose(m.out_channels, _tuple(m.kernel_size), _tuple(m.stride), _tuple(m.padding),
                             _tuple(m.output_padding), _tuple(m.dilation), m.groups, m.bias is not None)
    if isinstance(m, nn.modules.conv._ConvNd):
        return Conv(m.out_channels, _tuple(m.kernel_size), _tuple(m.stride), _tuple(m.padding),
                    _tuple(m.dilation), m.groups, m.bias is not None)
    if kind.startswith(("MaxPool", "AvgPool")):
        dilation = getattr(m, "dilation", 1)
        return Pool(_tuple(m.kernel_size), _tuple(m.stride), _tuple(m.padding), _tuple(dilation), m.ceil_mode,
                    "max" if kind.startswith("Max") else "avg")
    if kind.startswith("Adaptive") and "Pool" in kind:
        size = _tuple(m.output_size)
        if size is None or (isinstance(size, tuple) and None in size):
            return None
        return AdaptivePool(size, "max" if "Max" in kind else "avg")
    if kind == "Upsample":
        return _upsample(m.scale_factor, m.mode, m.align_corners)
    if kind == "Linear":
        return Linear(m.out_features, m.bias is not None)
    if kind == "Flatten":
        return Flatten() if m.start_dim == 1 and m.end_dim == -1 else None
    if kind in POINTWISE_MODULES:
        return Pointwise(kind.lower(), 2 if kind.startswith("BatchNorm") and m.affine else 0)
    return None


def _upsample(scale, mode, align_corners):
    if scale is None:
        return None
    scale = _tuple(scale)
    values = scale if isinstance(scale, tuple) else (scale,)
    if any(float(v) != int(v) for v in values):
        return None
    scale = tuple(int(v) for v in scale) if isinstance(scale, tuple) else int(scale)
    if mode == "nearest":
        return Upsample(scale, "nearest")
    if mode in ("linear", "bilinear", "trilinear") and not align_corners:
        return Upsample(scale, "bilinear")
    return None


def _from_function(node, F, torch):
    """(op, input nodes) of a call_function / call_method node, or (None, None)."""
    target, args = node.target, node.args
    name = target if isinstance(target, str) else getattr(target, "__name__", str(target))
    tensors = [a for a in args if hasattr(a, "op")]
    if target in (operator.add, operator.iadd, torch.add) or name in ("add", "add_", "__add__", "__iadd__"):
        if len(tensors) == 2:
            return Add(), tensors
        return (Pointwise("add"), tensors) if len(tensors) == 1 else (None, None)
    if target in (torch.cat, torch.concat) or name == "cat":
        dim = node.kwargs.get("dim", args[1] if len(args) > 1 else 0)
        if dim == 1:
            return Concat(), list(args[0])
        return None, None
    if target is torch.flatten or name in FLATTEN_NAMES:
        return Flatten(), tensors[:1]
    if target is F.interpolate:
        kw = node.kwargs
        op = _upsample(kw.get("scale_factor"), kw.get("mode", "nearest"), kw.get("align_corners"))
        return op, tensors[:1]
    if name in POINTWISE_FUNCTIONS and len(tensors) == 1:
        return Pointwise(name), tensors
    if target in (operator.mul, torch.mul) and len(tensors) == 1:
        return Pointwise("scale"), tensors
    return None, None


def graph_from_module(module, input_shape):
    """(Graph, {node name: module path}, output name): the traced module as a receptive-field graph.

    ``input_shape`` is (channels, *spatial) without the batch axis. Raises UsageError naming the
    first module or function it cannot translate, or the tracing error.
    """
    import torch
    import torch.fx
    import torch.nn as nn
    import torch.nn.functional as F

    try:
        traced = torch.fx.symbolic_trace(module)
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UsageError(f"torch.fx cannot trace {type(module).__name__}: {first}") from None
    modules = dict(traced.named_modules())
    graph, paths, output, alias = None, {}, None, {}
    for node in traced.graph.nodes:
        if node.op == "placeholder":
            if graph is not None:
                raise UsageError(f"the module takes more than one input ({node.name!r}); one input only")
            graph = Graph(input_shape, input_name=node.name)
            continue
        if node.op == "output":
            result = node.args[0]
            output = alias.get(result.name, result.name) if hasattr(result, "name") else None
            if output is None:
                raise UsageError("the module must return one tensor")
            continue
        if node.op == "call_module":
            sub = modules[node.target]
            op, inputs = _from_module(sub, nn), [a for a in node.args if hasattr(a, "op")][:1]
            what = f"module {node.target!r} ({type(sub).__name__})"
            paths[node.name] = node.target
        elif node.op in ("call_function", "call_method"):
            op, inputs = _from_function(node, F, torch)
            what = f"{node.op.replace('call_', '')} {getattr(node.target, '__name__', node.target)!s}"
        else:
            op, inputs, what = None, None, f"{node.op} {node.target}"
        if op is None:
            raise UsageError(f"cannot analyse node {node.name!r}: {what} is not a layer the receptive-field "
                             f"graph knows")
        names = [alias.get(i.name, i.name) for i in inputs]
        if isinstance(op, Pointwise) and op.name in ("contiguous", "clone"):
            alias[node.name] = names[0]
            continue
        try:
            graph.node(node.name, op, *names)
        except ValueError as error:
            raise UsageError(f"node {node.name!r} ({what}): {error}") from None
    return graph, paths, output, traced


def analyse_module(module, input_shape):
    """One ``NodeField`` per node of the traced module, the output last; parameters counted once each."""
    graph, paths, output, traced = graph_from_module(module, input_shape)
    try:
        rows = graph.analyse()
    except ValueError as error:
        raise UsageError(str(error)) from None
    owner = {}
    for row in rows:
        if row.name not in paths:
            continue
        sub = traced.get_submodule(paths[row.name])
        count, shared = 0, []
        for tensor in sub.parameters():
            key = id(tensor)
            if key in owner:
                shared.append(owner[key])
            else:
                owner[key] = row.name
                count += tensor.numel()
        row.params = count
        if shared:
            row.notes.append("shares parameters with " + ", ".join(sorted(set(shared))))
    rest = [r for r in rows if r.name != output]
    return rest + [r for r in rows if r.name == output]
