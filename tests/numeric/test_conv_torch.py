"""numeric.conv against PyTorch: output shapes, parameter counts, values and gradients."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is the independent oracle for conv shapes "
                                            "and gradients (install the `torch` extra)")
F = torch.nn.functional

from numeric.conv import (  # noqa: E402
    avg_pool2d,
    avg_pool2d_grad_input,
    conv2d,
    conv2d_backward,
    conv_params,
    dense_params,
    max_pool2d,
    max_pool2d_grad_input,
    output_size,
    transposed_output_size,
)

pytestmark = pytest.mark.torch

SEED = 20260401
N_SHAPE_CASES = 400      # random geometries per layer type
N_VALUE_CASES = 60       # random conv2d / pooling problems compared value by value
RTOL = 1e-9              # float64 on both sides; sums of at most a few hundred terms
ATOL = 1e-10


def _geometries(rng, count, pool=False):
    """Random (size, kernel, stride, padding, dilation); pooling padding at most kernel // 2."""
    for _ in range(count):
        kernel = int(rng.integers(1, 6))
        padding = int(rng.integers(0, kernel // 2 + 1)) if pool else int(rng.integers(0, 4))
        yield (int(rng.integers(1, 24)), kernel, int(rng.integers(1, 5)), padding,
               int(rng.integers(1, 4)))


def _ours(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValueError:
        return None


def test_conv2d_output_shapes():
    rng = np.random.default_rng(SEED)
    checked = 0
    for n, k, s, p, d in _geometries(rng, N_SHAPE_CASES):
        ours = _ours(output_size, n, k, s, p, d)
        x, w = torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k)
        if ours is None:
            with pytest.raises(RuntimeError):
                F.conv2d(x, w, None, s, p, d)
            continue
        assert F.conv2d(x, w, None, s, p, d).shape[-1] == ours, (n, k, s, p, d)
        checked += 1
    assert checked > N_SHAPE_CASES // 2


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool2d_output_shapes(ceil_mode):
    rng = np.random.default_rng(SEED + 1)
    checked = 0
    for n, k, s, p, d in _geometries(rng, N_SHAPE_CASES, pool=True):
        ours = _ours(output_size, n, k, s, p, d, ceil_mode)
        if ours is None:
            continue     # PyTorch may return an empty tensor or abort here; we raise
        shape = F.max_pool2d(torch.zeros(1, 1, n, n), k, s, p, d, ceil_mode).shape
        assert shape[-1] == ours, (n, k, s, p, d, ceil_mode)
        checked += 1
    assert checked > N_SHAPE_CASES // 2


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_avg_pool2d_output_shapes(ceil_mode):
    rng = np.random.default_rng(SEED + 2)
    checked = 0
    for n, k, s, p, _ in _geometries(rng, N_SHAPE_CASES, pool=True):
        ours = _ours(output_size, n, k, s, p, 1, ceil_mode)
        if ours is None:
            continue
        shape = F.avg_pool2d(torch.zeros(1, 1, n, n), k, s, p, ceil_mode).shape
        assert shape[-1] == ours, (n, k, s, p, ceil_mode)
        checked += 1
    assert checked > N_SHAPE_CASES // 2


def test_conv_transpose2d_output_shapes():
    rng = np.random.default_rng(SEED + 3)
    checked = 0
    for n, k, s, p, d in _geometries(rng, N_SHAPE_CASES):
        output_padding = int(rng.integers(0, max(s, d)))
        ours = _ours(transposed_output_size, n, k, s, p, d, output_padding)
        x, w = torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k)
        if ours is None:
            with pytest.raises(RuntimeError):
                F.conv_transpose2d(x, w, None, s, p, output_padding, 1, d)
            continue
        shape = F.conv_transpose2d(x, w, None, s, p, output_padding, 1, d).shape
        assert shape[-1] == ours, (n, k, s, p, d, output_padding)
        checked += 1
    assert checked > N_SHAPE_CASES // 2


@pytest.mark.parametrize("c_in, c_out, kernel, groups", [
    (6, 8, 5, 1), (3, 64, 3, 1), (4, 6, (3, 5), 2), (8, 8, 3, 8), (12, 24, (1, 7), 3),
    (32, 64, 1, 32)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_params_against_torch(c_in, c_out, kernel, groups, bias):
    layer = torch.nn.Conv2d(c_in, c_out, kernel, groups=groups, bias=bias)
    assert conv_params(c_in, c_out, kernel, groups, bias) == sum(p.numel() for p in layer.parameters())


@pytest.mark.parametrize("n_in, n_out, bias", [(2400, 800, True), (2400, 800, False), (7, 1, True)])
def test_dense_params_against_torch(n_in, n_out, bias):
    layer = torch.nn.Linear(n_in, n_out, bias=bias)
    assert dense_params(n_in, n_out, bias) == sum(p.numel() for p in layer.parameters())


def _conv_problems(rng):
    for _ in range(N_VALUE_CASES):
        groups = int(rng.integers(1, 4))
        c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        kernel = tuple(int(v) for v in rng.integers(1, 5, 2))
        stride = tuple(int(v) for v in rng.integers(1, 4, 2))
        padding = tuple(int(v) for v in rng.integers(0, 3, 2))
        dilation = tuple(int(v) for v in rng.integers(1, 3, 2))
        size = tuple(max(1, d * (k - 1) + 1 - 2 * p) + int(rng.integers(0, 9))
                     for k, p, d in zip(kernel, padding, dilation))
        yield int(rng.integers(1, 4)), c_in, c_out, size, kernel, stride, padding, dilation, groups


def test_conv2d_values_and_gradients_against_autograd():
    rng = np.random.default_rng(SEED + 4)
    for batch, c_in, c_out, size, kernel, stride, padding, dilation, groups in _conv_problems(rng):
        x = rng.standard_normal((batch, c_in, *size))
        w = rng.standard_normal((c_out, c_in // groups, *kernel))
        b = rng.standard_normal(c_out)
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        yt = F.conv2d(xt, wt, bt, stride, padding, dilation, groups)
        y = conv2d(x, w, b, stride, padding, dilation, groups)
        np.testing.assert_allclose(y, yt.detach().numpy(), rtol=RTOL, atol=ATOL)
        g = rng.standard_normal(y.shape)
        yt.backward(torch.tensor(g))
        gx, gw, gb = conv2d_backward(g, x, w, stride, padding, dilation, groups)
        np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(gw, wt.grad.numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(gb, bt.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_pooling_values_and_gradients_against_autograd():
    rng = np.random.default_rng(SEED + 5)
    checked = 0
    for _ in range(N_VALUE_CASES):
        kernel = tuple(int(v) for v in rng.integers(1, 5, 2))
        stride = tuple(int(v) for v in rng.integers(1, 4, 2))
        padding = tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel)
        dilation = tuple(int(v) for v in rng.integers(1, 3, 2))
        size = tuple(int(v) for v in rng.integers(4, 14, 2))
        ceil_mode, count_include_pad = bool(rng.integers(2)), bool(rng.integers(2))
        x = rng.standard_normal((2, 3, *size))
        g_seed = int(rng.integers(2**32))
        y = _ours(max_pool2d, x, kernel, stride, padding, dilation, ceil_mode)
        if y is not None:
            xt = torch.tensor(x, requires_grad=True)
            yt = F.max_pool2d(xt, kernel, stride, padding, dilation, ceil_mode)
            np.testing.assert_array_equal(y, yt.detach().numpy())
            g = np.random.default_rng(g_seed).standard_normal(y.shape)
            yt.backward(torch.tensor(g))
            np.testing.assert_allclose(
                max_pool2d_grad_input(g, x, kernel, stride, padding, dilation, ceil_mode),
                xt.grad.numpy(), rtol=RTOL, atol=ATOL)
            checked += 1
        y = _ours(avg_pool2d, x, kernel, stride, padding, ceil_mode, count_include_pad)
        if y is not None:
            xt = torch.tensor(x, requires_grad=True)
            yt = F.avg_pool2d(xt, kernel, stride, padding, ceil_mode, count_include_pad)
            np.testing.assert_allclose(y, yt.detach().numpy(), rtol=RTOL, atol=ATOL)
            g = np.random.default_rng(g_seed).standard_normal(y.shape)
            yt.backward(torch.tensor(g))
            np.testing.assert_allclose(
                avg_pool2d_grad_input(g, x.shape, kernel, stride, padding, ceil_mode,
                                      count_include_pad),
                xt.grad.numpy(), rtol=RTOL, atol=ATOL)
            checked += 1
    assert checked > N_VALUE_CASES


@pytest.mark.parametrize("kernel, padding, dilation", [(3, 2, 1), (2, 2, 1), (4, 3, 2)])
def test_pooling_padding_rule_is_pytorchs(kernel, padding, dilation):
    x = np.zeros((1, 1, 9, 9))
    with pytest.raises(RuntimeError, match="pad should be"):
        F.max_pool2d(torch.tensor(x), kernel, 1, padding, dilation)
    with pytest.raises(ValueError, match=f"padding must be <= kernel // 2 = {kernel // 2}"):
        max_pool2d(x, kernel, 1, padding, dilation)


@pytest.mark.parametrize("size, kernel, stride, padding, dilation, ceil_mode", [
    ((1, 5), (1, 2), 1, (0, 1), (1, 6), False),       # the one window's taps: -1 and 5
    ((1, 5), (1, 2), (1, 3), (0, 1), (1, 6), True),   # ceil mode, same window
    ((5, 5), 2, 1, 1, 6, False),                      # both axes: the corner windows
    ((7, 4), (3, 2), 2, (1, 1), (4, 5), False),       # rows reach the input, columns do not
])
def test_max_pool2d_window_wholly_in_the_padding_matches_torch(size, kernel, stride, padding, dilation,
                                                               ceil_mode):
    x = np.random.default_rng(SEED + 7).standard_normal((2, 3, *size))
    xt = torch.tensor(x, requires_grad=True)
    yt = F.max_pool2d(xt, kernel, stride, padding, dilation, ceil_mode)
    y = max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)
    assert np.isneginf(yt.detach().numpy()).any(), "the case must have a window wholly in the padding"
    np.testing.assert_array_equal(y, yt.detach().numpy())
    # our -inf windows pass no gradient; PyTorch's backward sends theirs to a flat index one past the
    # plane (the next plane's first element, seen in torch 2.13.0): so compare with torch fed zeros there
    g = np.random.default_rng(SEED + 8).standard_normal(y.shape)
    yt.backward(torch.tensor(np.where(np.isneginf(y), 0.0, g)))
    np.testing.assert_array_equal(
        max_pool2d_grad_input(g, x, kernel, stride, padding, dilation, ceil_mode), xt.grad.numpy())
