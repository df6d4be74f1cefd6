"""Convolution geometry and 2-D convolution and pooling, forward and backward, in NumPy.

Layout is PyTorch's: inputs ``(N, C, H, W)``, weights ``(C_out, C_in / groups, k_h, k_w)``.
Every loop below runs over kernel taps (at most k_h·k_w iterations), never over pixels:
windows are strided views of the padded input and the contractions are matrix products.

References: Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016),
relationships 6 and 15 (output sizes, with dilation) and 14 (transposed); PyTorch ``torch.nn.Conv2d``,
``MaxPool2d``, ``AvgPool2d`` and ``ConvTranspose2d`` documentation (shape formulas, ceil mode).

Pooling against PyTorch (2.x; tests/numeric/test_conv_torch.py checks each):

- matched: the padding rule (at most kernel // 2), output sizes in floor and ceil mode, values and
  gradients; a dilated max-pooling window that lies wholly in the padding (kernel 2, padding 1,
  dilation 6 on a row of 5) gives -inf, the max over -inf padding, as in PyTorch.
- differs on purpose: that -inf output passes no gradient here. PyTorch 2.13's backward sends it to
  the window's flat index, one past the end of the plane: the next plane's first element.
- average pooling has no dilation, so with padding at most kernel // 2 no window can lie wholly in
  the padding; ``_refuse_empty_windows`` raises if one ever did rather than divide by zero.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from numeric._checks import NumericError, flag, float_array, int_tuple, integer, is_pair_of_pairs, pair, sides

__all__ = [
    "output_size",
    "transposed_output_size",
    "conv_params",
    "dense_params",
    "conv2d",
    "conv2d_grad_input",
    "conv2d_grad_weight",
    "conv2d_backward",
    "max_pool2d",
    "max_pool2d_grad_input",
    "avg_pool2d",
    "avg_pool2d_grad_input",
]


def _padding2d(value):
    """Padding as ((top, bottom), (left, right)) from an int, an (h, w) pair, or a pair of pairs."""
    if is_pair_of_pairs(value):
        return (sides("padding[0]", value[0]), sides("padding[1]", value[1]))
    ph, pw = pair("padding", value, 0)
    return ((ph, ph), (pw, pw))


# ---------------------------------------------------------------- sizes and counts

def output_size(size, kernel, stride=1, padding=0, dilation=1, ceil_mode=False):
    """out = ⌊(n + p_l + p_r - d(k-1) - 1)/s⌋ + 1 (⌈·⌉ in ceil mode, last window starting inside).

    ``padding`` is an int (both sides) or a ``(left, right)`` pair. In ceil mode windows that
    would start in the right padding are dropped: the last window must start inside the input or
    the left padding, (out-1)·s < n + p_l. Where PyTorch allows the padding (at most half the
    kernel) at most one window is dropped, and this is PyTorch's ``MaxPool2d``/``AvgPool2d`` rule.
    Dumoulin & Visin (2016), relationships 6 and 15. Raises NumericError if out < 1.
    """
    size = integer("size", size, 1)
    kernel = integer("kernel", kernel, 1)
    stride = integer("stride", stride, 1)
    dilation = integer("dilation", dilation, 1)
    left, right = sides("padding", padding)
    flag("ceil_mode", ceil_mode)
    span = size + left + right - dilation * (kernel - 1) - 1
    if ceil_mode:
        # windows start at o·s for o < out; the last must start before n + p_l
        out = min(-(-span // stride) + 1, -(-(size + left) // stride))
    else:
        out = span // stride + 1
    if out < 1:
        raise NumericError(
            f"output size must be >= 1, got {out} "
            f"(size={size}, kernel={kernel}, stride={stride}, "
            f"padding={left if left == right else (left, right)}, "
            f"dilation={dilation}: effective kernel {dilation * (kernel - 1) + 1} is larger "
            f"than the padded input {size + left + right})"
        )
    return out


def transposed_output_size(size, kernel, stride=1, padding=0, dilation=1, output_padding=0):
    """out = (n-1)·s - 2p + d(k-1) + output_padding + 1 (transposed convolution).

    ``output_padding`` must be smaller than stride or dilation (it picks one of the input sizes
    that the forward convolution maps to ``size``). Dumoulin & Visin (2016), relationship 14;
    PyTorch ``ConvTranspose2d``.
    """
    size = integer("size", size, 1)
    kernel = integer("kernel", kernel, 1)
    stride = integer("stride", stride, 1)
    dilation = integer("dilation", dilation, 1)
    padding = integer("padding", padding, 0)
    output_padding = integer("output_padding", output_padding, 0)
    if output_padding >= max(stride, dilation):
        raise NumericError(f"output_padding must be < max(stride, dilation) = {max(stride, dilation)}, "
                           f"got {output_padding}")
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise NumericError(f"output size must be >= 1, got {out} (size={size}, kernel={kernel}, stride={stride}, "
                           f"padding={padding}, dilation={dilation}, output_padding={output_padding})")
    return out


def conv_params(in_channels, out_channels, kernel, groups=1, bias=True):
    """k_h·k_w·(C_in/groups)·C_out weights + C_out biases: 8 filters 5×5×6 -> 1208."""
    in_channels = integer("in_channels", in_channels, 1)
    out_channels = integer("out_channels", out_channels, 1)
    k_h, k_w = pair("kernel", kernel, 1)
    groups = integer("groups", groups, 1)
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise NumericError(f"{name} must be divisible by groups={groups}, got {channels}")
    flag("bias", bias)
    return k_h * k_w * (in_channels // groups) * out_channels + (out_channels if bias else 0)


def dense_params(n_in, n_out, bias=True):
    """n_in·n_out weights + n_out biases: 2400 -> 800 gives 1,920,800."""
    n_in = integer("n_in", n_in, 1)
    n_out = integer("n_out", n_out, 1)
    flag("bias", bias)
    return n_in * n_out + (n_out if bias else 0)


# ---------------------------------------------------------------- convolution

def _array4(name, x):
    return float_array(name, x, ndim=4, layout="(N, C, H, W)")


def _geometry(input_hw, kernel, stride, padding, dilation, ceil_mode=False):
    """Per-axis output sizes and the right padding actually needed to hold every window."""
    kernel = pair("kernel", kernel, 1)
    stride = pair("stride", stride, 1)
    dilation = pair("dilation", dilation, 1)
    padding = _padding2d(padding)
    out, extra = [], []
    for n, k, s, (left, right), d in zip(input_hw, kernel, stride, padding, dilation):
        o = output_size(n, k, s, (left, right), d, ceil_mode)
        out.append(o)
        # ceil mode may let the last window run past the right padding
        extra.append(max(0, (o - 1) * s + d * (k - 1) + 1 - (n + left + right)))
    return kernel, stride, padding, dilation, tuple(out), tuple(extra)


def _pad(x, padding, extra=(0, 0), value=0.0):
    (top, bottom), (left, right) = padding
    widths = ((0, 0), (0, 0), (top, bottom + extra[0]), (left, right + extra[1]))
    if not any(np.ravel(widths)):
        return x
    return np.pad(x, widths, constant_values=value)


def _windows(xp, kernel, stride, dilation, out):
    """Strided view (N, C, H_out, W_out, k_h, k_w) of the padded input; no copy."""
    n, c = xp.shape[:2]
    s0, s1, s2, s3 = xp.strides
    shape = (n, c, out[0], out[1], kernel[0], kernel[1])
    strides = (s0, s1, s2 * stride[0], s3 * stride[1], s2 * dilation[0], s3 * dilation[1])
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


def _scatter_taps(cols, padded_shape, kernel, stride, dilation, out, dtype):
    """Adjoint of ``_windows``: sum (N, C, k_h, k_w, H_out, W_out) back onto the padded input."""
    grad = np.zeros(padded_shape, dtype=dtype)
    h_last, w_last = stride[0] * (out[0] - 1) + 1, stride[1] * (out[1] - 1) + 1
    for i in range(kernel[0]):
        hi = i * dilation[0]
        for j in range(kernel[1]):
            wj = j * dilation[1]
            grad[:, :, hi:hi + h_last:stride[0], wj:wj + w_last:stride[1]] += cols[:, :, i, j]
    return grad


def _crop(grad, padding, input_hw):
    (top, _), (left, _) = padding
    return grad[:, :, top:top + input_hw[0], left:left + input_hw[1]]


def _conv_setup(input_shape, weight_shape, stride, padding, dilation, groups):
    n, c_in, h, w = input_shape
    c_out, c_in_g, k_h, k_w = weight_shape
    groups = integer("groups", groups, 1)
    if c_in % groups or c_out % groups:
        raise NumericError(f"groups must divide in_channels={c_in} and out_channels={c_out}, got {groups}")
    if c_in_g != c_in // groups:
        raise NumericError(f"weight.shape[1] must be in_channels/groups = {c_in // groups}, got {c_in_g}")
    kernel, stride, padding, dilation, out, _ = _geometry(
        (h, w), (k_h, k_w), stride, padding, dilation)
    return groups, kernel, stride, padding, dilation, out


def _columns(x, groups, kernel, stride, padding, dilation, out):
    """im2col: (N, groups, C_in/groups·k_h·k_w, H_out·W_out), one copy, rows ordered (c, u, v)."""
    n, c_in = x.shape[:2]
    view = _windows(_pad(x, padding), kernel, stride, dilation, out)
    return view.transpose(0, 1, 4, 5, 2, 3).reshape(
        n, groups, (c_in // groups) * kernel[0] * kernel[1], out[0] * out[1])


def _grad_output_matrix(grad_output, groups):
    """(N, C_out, H_out, W_out) -> (N, groups, C_out/groups, H_out·W_out), a view."""
    n, c_out, h_out, w_out = grad_output.shape
    return grad_output.reshape(n, groups, c_out // groups, h_out * w_out)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """y[n,o,i,j] = b[o] + Σ_{c,u,v} W[o,c,u,v]·x_pad[n, g·C_g + c, i·s_h + u·d_h, j·s_w + v·d_w].

    Cross-correlation as in PyTorch ``torch.nn.functional.conv2d``; ``padding`` is an int, an
    (h, w) pair, or ((top, bottom), (left, right)); stride and dilation an int or an (h, w) pair.
    """
    x = _array4("x", x)
    weight = _array4("weight", weight)
    groups, kernel, stride, padding, dilation, out = _conv_setup(
        x.shape, weight.shape, stride, padding, dilation, groups)
    n, c_out = x.shape[0], weight.shape[0]
    cols = _columns(x, groups, kernel, stride, padding, dilation, out)
    y = np.matmul(weight.reshape(groups, c_out // groups, -1), cols)   # (N, G, C_out/G, HW)
    y = y.reshape(n, c_out, out[0], out[1])
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (c_out,):
            raise NumericError(f"bias must have shape ({c_out},), got {bias.shape}")
        y = y + bias[None, :, None, None]
    return y


def _check_grad_output(grad_output, n, c_out, out):
    grad_output = _array4("grad_output", grad_output)
    if grad_output.shape != (n, c_out, out[0], out[1]):
        raise NumericError(f"grad_output must have shape {(n, c_out, out[0], out[1])}, got {grad_output.shape}")
    return grad_output


def conv2d_grad_input(grad_output, input_shape, weight, stride=1, padding=0, dilation=1,
                      groups=1):
    """∂L/∂x[n,c,h,w] = Σ_{o,i,j,u,v} ∂L/∂y[n,o,i,j]·W[o,c,u,v]·[h + p = i·s + u·d] (adjoint)."""
    weight = _array4("weight", weight)
    input_shape = int_tuple("input_shape", input_shape, "(N, C, H, W)", length=4, noun="dimensions")
    groups, kernel, stride, padding, dilation, out = _conv_setup(
        input_shape, weight.shape, stride, padding, dilation, groups)
    n, c_in, h, w = input_shape
    c_out = weight.shape[0]
    grad_output = _check_grad_output(grad_output, n, c_out, out)
    return _grad_input(grad_output, input_shape, weight, groups, kernel, stride, padding,
                       dilation, out)


def _grad_input(grad_output, input_shape, weight, groups, kernel, stride, padding, dilation,
                out):
    n, c_in, h, w = input_shape
    c_out = weight.shape[0]
    wm = weight.reshape(groups, c_out // groups, -1)        # (G, C_out/G, C_g·k·k)
    cols = np.matmul(wm.transpose(0, 2, 1), _grad_output_matrix(grad_output, groups))
    cols = cols.reshape(n, c_in, kernel[0], kernel[1], out[0], out[1])
    (top, bottom), (left, right) = padding
    padded = (n, c_in, h + top + bottom, w + left + right)
    dtype = np.result_type(grad_output.dtype, weight.dtype)
    grad = _scatter_taps(cols, padded, kernel, stride, dilation, out, dtype)
    return _crop(grad, padding, (h, w))


def conv2d_grad_weight(grad_output, x, weight_shape, stride=1, padding=0, dilation=1, groups=1):
    """∂L/∂W[o,c,u,v] = Σ_{n,i,j} ∂L/∂y[n,o,i,j]·x_pad[n, g·C_g + c, i·s + u·d, j·s + v·d]."""
    x = _array4("x", x)
    weight_shape = int_tuple("weight_shape", weight_shape, "(C_out, C_in/groups, k_h, k_w)", length=4,
                             noun="dimensions")
    groups, kernel, stride, padding, dilation, out = _conv_setup(
        x.shape, weight_shape, stride, padding, dilation, groups)
    grad_output = _check_grad_output(grad_output, x.shape[0], weight_shape[0], out)
    return _grad_weight(grad_output, x, weight_shape, groups, kernel, stride, padding, dilation,
                        out)


def _grad_weight(grad_output, x, weight_shape, groups, kernel, stride, padding, dilation, out):
    cols = _columns(x, groups, kernel, stride, padding, dilation, out)
    g = _grad_output_matrix(grad_output, groups)
    grad = np.matmul(g, cols.transpose(0, 1, 3, 2)).sum(axis=0)      # Σ over the batch
    return grad.reshape(weight_shape)


def conv2d_backward(grad_output, x, weight, stride=1, padding=0, dilation=1, groups=1):
    """(∂L/∂x, ∂L/∂W, ∂L/∂b) of ``conv2d`` in one pass; ∂L/∂b[o] = Σ_{n,i,j} ∂L/∂y[n,o,i,j]."""
    x = _array4("x", x)
    weight = _array4("weight", weight)
    groups, kernel, stride, padding, dilation, out = _conv_setup(
        x.shape, weight.shape, stride, padding, dilation, groups)
    grad_output = _check_grad_output(grad_output, x.shape[0], weight.shape[0], out)
    grad_weight = _grad_weight(grad_output, x, weight.shape, groups, kernel, stride, padding,
                               dilation, out)
    grad_x = _grad_input(grad_output, x.shape, weight, groups, kernel, stride, padding, dilation,
                         out)
    return grad_x, grad_weight, grad_output.sum(axis=(0, 2, 3))


# ---------------------------------------------------------------- pooling

def _pool_setup(input_shape, kernel, stride, padding, dilation, ceil_mode):
    kernel = pair("kernel", kernel, 1)
    stride = kernel if stride is None else stride
    padding = _padding2d(padding)
    for axis, (k, both) in enumerate(zip(kernel, padding)):
        for side, p in zip(("left", "right"), both):
            if p > k // 2:
                raise NumericError(
                    f"padding must be <= kernel // 2 = {k // 2} for pooling (axis {axis}, "
                    f"{side}), got {p}: a window could lie entirely in the padding"
                )
    flag("ceil_mode", ceil_mode)
    return _geometry(input_shape[2:], kernel, stride, padding, dilation, ceil_mode)


def _refuse_empty_windows(input_shape, geometry):
    """Average pooling: a window wholly in the padding would divide by zero cells (or average padding)."""
    kernel, stride, padding, dilation, out, _ = geometry
    for axis in range(2):
        taps = (np.arange(out[axis])[:, None] * stride[axis] - padding[axis][0]
                + np.arange(kernel[axis])[None, :] * dilation[axis])
        inside = ((taps >= 0) & (taps < input_shape[2 + axis])).any(axis=1)
        if not inside.all():
            window = int(np.argmin(inside))
            raise NumericError(
                f"every pooling window must contain an input element, got window {window} of "
                f"axis {axis} at positions {taps[window].tolist()} outside [0, "
                f"{input_shape[2 + axis]}) (kernel={kernel[axis]}, dilation={dilation[axis]}, "
                f"padding={padding[axis]})"
            )


def max_pool2d(x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    """y[n,c,i,j] = max_{u,v} x_pad[n, c, i·s_h + u·d_h, j·s_w + v·d_w], padding with -∞.

    ``stride`` defaults to ``kernel``; padding must be at most half the kernel (PyTorch's rule). A
    dilated window that lies wholly in the padding gives -∞ (and no gradient), as in PyTorch.
    """
    x = _array4("x", x)
    kernel, stride, padding, dilation, out, extra = _pool_setup(
        x.shape, kernel, stride, padding, dilation, ceil_mode)
    view = _windows(_pad(x, padding, extra, -np.inf), kernel, stride, dilation, out)
    return view.max(axis=(4, 5))


def max_pool2d_grad_input(grad_output, x, kernel, stride=None, padding=0, dilation=1,
                          ceil_mode=False):
    """∂L/∂x: each output's gradient goes to the first position of its window's maximum."""
    x = _array4("x", x)
    kernel, stride, padding, dilation, out, extra = _pool_setup(
        x.shape, kernel, stride, padding, dilation, ceil_mode)
    n, c, h, w = x.shape
    grad_output = _check_grad_output(grad_output, n, c, out)
    xp = _pad(x, padding, extra, -np.inf)
    view = _windows(xp, kernel, stride, dilation, out)
    first = view.reshape(n, c, out[0], out[1], -1).argmax(axis=-1)
    # padded coordinates of each window's arg-max
    rows = (np.arange(out[0])[:, None] * stride[0] + (first // kernel[1]) * dilation[0])
    cols = (np.arange(out[1])[None, :] * stride[1] + (first % kernel[1]) * dilation[1])
    plane = np.arange(n * c).reshape(n, c, 1, 1) * (xp.shape[2] * xp.shape[3])
    flat = (plane + rows * xp.shape[3] + cols).ravel()
    grad = np.bincount(flat, weights=grad_output.ravel(), minlength=xp.size)
    grad = grad.reshape(xp.shape).astype(np.result_type(grad_output.dtype, x.dtype), copy=False)
    return _crop(grad, padding, (h, w))


def _avg_divisor(input_hw, kernel, stride, padding, out, count_include_pad):
    """Per-axis window counts (PyTorch's rule: padded cells count, cells past the padding not)."""
    counts = []
    for n, k, s, (left, right), o in zip(input_hw, kernel, stride, padding, out):
        start = np.arange(o) * s - left
        end = np.minimum(start + k, n + right)
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, n) - np.maximum(start, 0))
    return np.outer(counts[0], counts[1])


def _avg_setup(x_shape, kernel, stride, padding, ceil_mode, count_include_pad):
    geometry = _pool_setup(x_shape, kernel, stride, padding, 1, ceil_mode)
    _refuse_empty_windows(x_shape, geometry)
    kernel, stride, padding, dilation, out, extra = geometry
    flag("count_include_pad", count_include_pad)
    divisor = _avg_divisor(x_shape[2:], kernel, stride, padding, out, count_include_pad)
    return kernel, stride, padding, dilation, out, extra, divisor


def avg_pool2d(x, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """y[n,c,i,j] = (1/|window|) Σ_{u,v} x_pad[n, c, i·s_h + u, j·s_w + v] (PyTorch divisor)."""
    x = _array4("x", x)
    kernel, stride, padding, dilation, out, extra, divisor = _avg_setup(
        x.shape, kernel, stride, padding, ceil_mode, count_include_pad)
    view = _windows(_pad(x, padding, extra), kernel, stride, dilation, out)
    return view.sum(axis=(4, 5)) / divisor.astype(x.dtype)


def avg_pool2d_grad_input(grad_output, input_shape, kernel, stride=None, padding=0,
                          ceil_mode=False, count_include_pad=True):
    """∂L/∂x[n,c,h,w] = Σ over windows containing (h, w) of ∂L/∂y / |window|."""
    input_shape = int_tuple("input_shape", input_shape, "(N, C, H, W)", length=4, noun="dimensions")
    kernel, stride, padding, dilation, out, extra, divisor = _avg_setup(
        input_shape, kernel, stride, padding, ceil_mode, count_include_pad)
    n, c, h, w = input_shape
    grad_output = _check_grad_output(grad_output, n, c, out)
    share = grad_output / divisor.astype(grad_output.dtype)
    (top, bottom), (left, right) = padding
    padded = (n, c, h + top + bottom + extra[0], w + left + right + extra[1])
    cols = np.broadcast_to(share[:, :, None, None], (n, c) + kernel + tuple(out))
    grad = _scatter_taps(cols, padded, kernel, stride, dilation, out, share.dtype)
    return _crop(grad, padding, (h, w))
