"""numeric.conv against loop-over-pixels references written from the definitions, adjoint
identities for the backward passes, and the validation rules."""
import itertools

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from numeric.conv import (
    avg_pool2d,
    avg_pool2d_grad_input,
    conv2d,
    conv2d_backward,
    conv2d_grad_input,
    conv2d_grad_weight,
    conv_params,
    dense_params,
    max_pool2d,
    max_pool2d_grad_input,
    output_size,
    transposed_output_size,
)
from verify.strategies import conv_geometries, pool_geometries

RTOL = 1e-10  # float64 sums of at most a few hundred terms of size O(1)
ATOL = 1e-10


# ------------------------------------------------------------------ references

def naive_conv2d(x, weight, bias, stride, padding, dilation, groups):
    """y[n,o,i,j] by explicit loops over every output pixel and tap."""
    (sh, sw), ((top, bottom), (left, right)), (dh, dw) = stride, padding, dilation
    n, c_in, h, w = x.shape
    c_out, c_g, kh, kw = weight.shape
    xp = np.zeros((n, c_in, h + top + bottom, w + left + right))
    xp[:, :, top:top + h, left:left + w] = x
    ho = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    wo = (w + left + right - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, c_out, ho, wo))
    out_g = c_out // groups
    for b, o, i, j in itertools.product(range(n), range(c_out), range(ho), range(wo)):
        g = o // out_g
        total = 0.0 if bias is None else bias[o]
        for c, u, v in itertools.product(range(c_g), range(kh), range(kw)):
            total += weight[o, c, u, v] * xp[b, g * c_g + c, i * sh + u * dh, j * sw + v * dw]
        y[b, o, i, j] = total
    return y


def naive_pool(x, kernel, stride, padding, dilation, reduce):
    """Pooling by loops over output pixels; windows drop taps outside the input."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, c, ho, wo))
    for b, ch, i, j in itertools.product(range(n), range(c), range(ho), range(wo)):
        values = [x[b, ch, r, q]
                  for u, v in itertools.product(range(kh), range(kw))
                  for r, q in [(i * sh + u * dh - ph, j * sw + v * dw - pw)]
                  if 0 <= r < h and 0 <= q < w]
        y[b, ch, i, j] = reduce(values)
    return y


# ------------------------------------------------------------------ output_size

OUTPUT_SIZE_CASES = [
    # size, kernel, stride, padding, dilation, ceil_mode, expected  (worked by hand)
    (256, 3, 1, 1, 1, False, 256),      # 000 Q2.2 layer 1: "same" padding
    (256, 3, 2, 0, 1, False, 127),      # 000 Q2.2 layer 2: ⌊253/2⌋ + 1, not 128
    (32, 5, 1, 0, 1, False, 28),        # LeNet's first layer
    (7, 3, 2, 0, 1, True, 3),           # ceil: (4/2) + 1 = 3 exactly, no overhang
    (6, 3, 2, 0, 1, True, 3),           # ceil: ⌈3/2⌉ + 1 = 3 (last window overhangs by one)
    (5, 2, 2, 1, 1, True, 3),           # ceil: ⌈5/2⌉ + 1 = 4 would start in the right padding
    (10, 3, 1, 0, 2, False, 6),         # dilation 2: effective kernel 5
    (5, 3, 1, (0, 2), 1, False, 5),     # asymmetric ("same" for odd size, TensorFlow style)
]


@pytest.mark.parametrize("size, kernel, stride, padding, dilation, ceil_mode, expected",
                         OUTPUT_SIZE_CASES)
def test_output_size_worked_cases(size, kernel, stride, padding, dilation, ceil_mode, expected):
    assert output_size(size, kernel, stride, padding, dilation, ceil_mode) == expected


def test_output_size_same_padding_needs_total_padding_d_k_minus_1():
    for k, d, n in itertools.product(range(1, 8), range(1, 4), range(1, 20)):
        total = d * (k - 1)
        if n + total < d * (k - 1) + 1:
            continue
        assert output_size(n, k, 1, (total // 2, total - total // 2), d) == n


@given(size=st.integers(1, 40), kernel=st.integers(1, 7), stride=st.integers(1, 5),
       left=st.integers(0, 4), right=st.integers(0, 4), dilation=st.integers(1, 3),
       ceil_mode=st.booleans())
@example(size=5, kernel=2, stride=2, left=1, right=1, dilation=1, ceil_mode=True)
def test_output_size_counts_the_windows(size, kernel, stride, left, right, dilation, ceil_mode):
    """Enumerate window starts 0, s, 2s, ...: in floor mode a window must fit in the padded
    input; in ceil mode it may overhang the end by less than one stride, but must start inside
    the input or the left padding."""
    extent = dilation * (kernel - 1) + 1
    padded = size + left + right
    overhang = stride - 1 if ceil_mode else 0
    starts = [s for s in range(0, padded + stride, stride)
              if s + extent - padded <= overhang and (not ceil_mode or s < size + left)]
    if not starts:
        with pytest.raises(ValueError, match="output size must be >= 1"):
            output_size(size, kernel, stride, (left, right), dilation, ceil_mode)
    else:
        assert output_size(size, kernel, stride, (left, right), dilation, ceil_mode) == len(starts)


@given(size=st.integers(1, 30), kernel=st.integers(1, 6), stride=st.integers(1, 4),
       padding=st.integers(0, 3), dilation=st.integers(1, 3), data=st.data())
def test_transposed_output_size_inverts_the_forward_size(size, kernel, stride, padding, dilation,
                                                         data):
    output_padding = data.draw(st.integers(0, stride - 1))
    try:
        t = transposed_output_size(size, kernel, stride, padding, dilation, output_padding)
    except ValueError as error:
        assert "output size must be >= 1" in str(error)
        assert (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding < 0
        return
    assert output_size(t, kernel, stride, padding, dilation) == size


# ------------------------------------------------------------------ parameter counts

def test_parameter_counts_of_the_notes():
    assert conv_params(6, 8, 5) == 1208                          # 000 Q2.1: 8·5·5·6 + 8
    assert dense_params(20 * 20 * 6, 8 * 10 * 10) == 1_920_800     # 000 Q2.1
    assert dense_params(2400, 800, bias=False) == 1_920_000


@pytest.mark.parametrize("c_in, c_out, kernel, groups", [
    (6, 8, 5, 1), (4, 6, (3, 5), 2), (8, 8, 3, 8), (3, 12, (1, 7), 3), (16, 32, 1, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_params_matches_the_arrays_conv2d_uses(c_in, c_out, kernel, groups, bias):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    weight = np.ones((c_out, c_in // groups, kh, kw))
    b = np.ones(c_out) if bias else None
    conv2d(np.ones((1, c_in, kh, kw)), weight, b, groups=groups)   # accepted by conv2d
    assert conv_params(c_in, c_out, kernel, groups, bias) == weight.size + (b.size if bias else 0)


# ------------------------------------------------------------------ conv2d

@given(conv_geometries())
def test_conv2d_matches_loops_over_pixels(case):
    batch, c_in, c_out, size, kernel, stride, padding, dilation, groups, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, c_in, *size))
    weight = rng.standard_normal((c_out, c_in // groups, *kernel))
    bias = rng.standard_normal(c_out)
    got = conv2d(x, weight, bias, stride, padding, dilation, groups)
    want = naive_conv2d(x, weight, bias, stride, padding, dilation, groups)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


@given(conv_geometries())
def test_conv2d_gradients_are_adjoints(case):
    """conv2d is bilinear in (x, W): ⟨y(x, W), g⟩ = ⟨x, ∂/∂x⟩ = ⟨W, ∂/∂W⟩, and ∂/∂b = Σ g."""
    batch, c_in, c_out, size, kernel, stride, padding, dilation, groups, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, c_in, *size))
    weight = rng.standard_normal((c_out, c_in // groups, *kernel))
    y = conv2d(x, weight, None, stride, padding, dilation, groups)
    g = rng.standard_normal(y.shape)
    grad_x, grad_w, grad_b = conv2d_backward(g, x, weight, stride, padding, dilation, groups)
    inner = np.sum(y * g)
    assert np.sum(x * grad_x) == pytest.approx(inner, rel=RTOL, abs=ATOL)
    assert np.sum(weight * grad_w) == pytest.approx(inner, rel=RTOL, abs=ATOL)
    np.testing.assert_allclose(grad_b, g.sum(axis=(0, 2, 3)), rtol=RTOL)
    np.testing.assert_allclose(
        conv2d_grad_input(g, x.shape, weight, stride, padding, dilation, groups), grad_x)
    np.testing.assert_allclose(
        conv2d_grad_weight(g, x, weight.shape, stride, padding, dilation, groups), grad_w)


def test_conv2d_input_gradient_is_each_weight_once_per_tap():
    """With one output pixel and g = 1, ∂y/∂x is the kernel itself, placed on the dilated taps."""
    weight = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    grad = conv2d_grad_input(np.ones((1, 1, 1, 1)), (1, 1, 3, 5), weight, dilation=(2, 2))
    want = np.zeros((3, 5))
    want[::2, ::2] = weight[0, 0]
    np.testing.assert_array_equal(grad[0, 0], want)


def test_conv2d_keeps_float32():
    x = np.ones((1, 2, 5, 5), dtype=np.float32)
    w = np.ones((3, 2, 3, 3), dtype=np.float32)
    assert conv2d(x, w).dtype == np.float32
    gx, gw, _ = conv2d_backward(np.ones((1, 3, 3, 3), np.float32), x, w)
    assert gx.dtype == np.float32 and gw.dtype == np.float32
    g = np.ones((1, 2, 2, 2), dtype=np.float32)
    assert max_pool2d(x, 2).dtype == avg_pool2d(x, 2).dtype == np.float32
    assert max_pool2d_grad_input(g, x, 2).dtype == avg_pool2d_grad_input(g, x.shape, 2).dtype == np.float32


# ------------------------------------------------------------------ pooling

@given(pool_geometries())
def test_max_pool2d_matches_loops_and_routes_gradient_to_the_max(case):
    size, kernel, stride, padding, dilation, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2, *size))
    y = max_pool2d(x, kernel, stride, padding, dilation)
    # a dilated window wholly in the padding is the max over -inf padding only: -inf, as in PyTorch
    expected = naive_pool(x, kernel, stride, padding, dilation, lambda v: max(v, default=-np.inf))
    np.testing.assert_array_equal(y, expected)
    g = rng.standard_normal(y.shape)
    grad = max_pool2d_grad_input(g, x, kernel, stride, padding, dilation)
    # ⟨y, g⟩ = ⟨x, ∂⟩ over the outputs that are input values (a -inf window passes no gradient);
    # and ∂ lives on window maxima
    real = np.isfinite(y)
    assert np.sum(x * grad) == pytest.approx(np.sum(y[real] * g[real]), rel=RTOL, abs=ATOL)
    assert np.all((grad == 0) | np.isin(x, y))


def test_max_pool2d_window_wholly_in_the_padding_is_minus_infinity_without_gradient():
    # a row of 5, kernel 2, padding 1, dilation 6: the one window's taps are -1 and 5, both padding
    x = np.arange(1.0, 6.0).reshape(1, 1, 1, 5)
    y = max_pool2d(x, (1, 2), 1, (0, 1), (1, 6))
    assert y.shape == (1, 1, 1, 1) and y[0, 0, 0, 0] == -np.inf
    np.testing.assert_array_equal(max_pool2d_grad_input(np.ones_like(y), x, (1, 2), 1, (0, 1), (1, 6)),
                                  np.zeros_like(x))


@given(pool_geometries(dilated=False), st.booleans())
def test_avg_pool2d_matches_loops_and_its_adjoint(case, count_include_pad):
    size, kernel, stride, padding, _, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2, *size))
    y = avg_pool2d(x, kernel, stride, padding, count_include_pad=count_include_pad)
    if count_include_pad:
        mean = naive_pool(x, kernel, stride, padding, (1, 1), lambda v: sum(v) / np.prod(kernel))
    else:
        mean = naive_pool(x, kernel, stride, padding, (1, 1), lambda v: sum(v) / len(v))
    np.testing.assert_allclose(y, mean, rtol=RTOL, atol=ATOL)
    g = rng.standard_normal(y.shape)
    grad = avg_pool2d_grad_input(g, x.shape, kernel, stride, padding,
                                 count_include_pad=count_include_pad)
    assert np.sum(x * grad) == pytest.approx(np.sum(y * g), rel=RTOL, abs=ATOL)


def test_pool_ceil_mode_keeps_a_partial_last_window():
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    y = max_pool2d(x, 3, 2, ceil_mode=True)
    assert y.shape == (1, 1, 3, 3)
    assert y[0, 0, -1, -1] == 35.0                   # the partial window holds x[4:6, 4:6]
    a = avg_pool2d(x, 3, 2, ceil_mode=True)
    assert a[0, 0, -1, -1] == pytest.approx(np.mean(x[0, 0, 4:6, 4:6]))


# ------------------------------------------------------------------ validation

INVALID = [
    # call, argument named in the message, reason
    (lambda: output_size(5, 0), "kernel must be >= 1, got 0"),
    (lambda: output_size(5, 3, stride=0), "stride must be >= 1, got 0"),
    (lambda: output_size(5, 3, dilation=0), "dilation must be >= 1, got 0"),
    (lambda: output_size(5, 3, padding=-1), "padding must be >= 0, got -1"),
    (lambda: output_size(5, 3, padding=(0, -2)), r"padding\[1\] must be >= 0, got -2"),
    (lambda: output_size(0, 3), "size must be >= 1, got 0"),
    (lambda: output_size(2, 5), "output size must be >= 1, got -2"),
    (lambda: output_size(4, 3, dilation=3), "output size must be >= 1, got -2"),
    (lambda: transposed_output_size(4, 3, stride=2, output_padding=2),
     r"output_padding must be < max\(stride, dilation\) = 2, got 2"),
    (lambda: transposed_output_size(1, 1, padding=1), "output size must be >= 1, got -1"),
    (lambda: conv_params(6, 8, 0), "kernel must be >= 1, got 0"),
    (lambda: conv_params(6, 8, (3, 0)), r"kernel\[1\] must be >= 1, got 0"),
    (lambda: conv_params(6, 8, 3, groups=4), "in_channels must be divisible by groups=4, got 6"),
    (lambda: conv_params(4, 6, 3, groups=4), "out_channels must be divisible by groups=4, got 6"),
    (lambda: dense_params(0, 3), "n_in must be >= 1, got 0"),
    (lambda: conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=0),
     "stride must be >= 1, got 0"),
    (lambda: conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding=-1),
     "padding must be >= 0, got -1"),
    (lambda: conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), dilation=(1, 0)),
     r"dilation\[1\] must be >= 1, got 0"),
    (lambda: conv2d(np.ones((1, 2, 5, 5)), np.ones((1, 1, 3, 3))),
     "weight.shape.1. must be in_channels/groups = 2, got 1"),
    (lambda: conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))),
     "output size must be >= 1, got 0"),
    (lambda: conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))), "x must have 4 dimensions"),
    (lambda: max_pool2d(np.ones((1, 1, 5, 5)), 3, padding=2),
     r"padding must be <= kernel // 2 = 1 for pooling .axis 0, left., got 2"),
    (lambda: avg_pool2d(np.ones((1, 1, 5, 5)), (2, 4), padding=(1, 3)),
     r"padding must be <= kernel // 2 = 2 for pooling .axis 1, left., got 3"),
    (lambda: max_pool2d(np.ones((1, 1, 5, 5)), 0), "kernel must be >= 1, got 0"),
]


@pytest.mark.parametrize("call, message", INVALID)
def test_invalid_arguments_raise_value_error_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call", [
    lambda: output_size(5.0, 3),
    lambda: output_size(5, True),
    lambda: conv_params(6, 8, 3, bias="yes"),
])
def test_wrong_types_raise_type_error(call):
    with pytest.raises(TypeError, match="must be"):
        call()
