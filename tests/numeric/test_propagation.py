"""numeric.propagation: propagate and backpropagate against a plain loop over replicates and layers, exact
per-layer second moments by Monte Carlo, memory that does not grow with the number of replicates."""
import math
import tracemalloc
from statistics import NormalDist

import numpy as np
import pytest

from numeric import NumericError, activations, init, linear
from numeric import propagation as P
from numeric.propagation import STACK_ELEMENTS, backpropagate, propagate

FALSE_ALARM = 1e-6
"""Per Monte Carlo comparison: the chance that a true statement fails."""
Z = NormalDist().inv_cdf(1 - FALSE_ALARM / 2)
REPLICATES = 400
RTOL = {np.float64: 1e-12, np.float32: 1e-5}
"""The kernel and the loop do the same products in other orders: rounding, a few ulp per layer."""


def within(column, expected):
    """|mean - expected| <= Z·se over independent replicates."""
    return abs(column.mean() - expected) <= Z * column.std(ddof=1) / math.sqrt(column.size)


# ---- a plain loop over replicates and layers, drawing in the kernel's order -------------------------------

def plain_loop(widths, replicates, batch, seed, *, activation="relu", bias=None, dtype=np.float64, stack=None,
               backward=True):
    """pre, post and grad by the textbook formulas, one replicate and one layer at a time.

    The random numbers are drawn as the kernel draws them: per stack of ``stack`` replicates, the inputs,
    then each layer's weights (and biases) for the whole stack, then the upstream gradients.
    """
    record = activations.activation(activation)
    rng = np.random.default_rng(seed)
    stack = stack or replicates
    depth = len(widths) - 1
    pre, post, grad = np.empty((replicates, depth)), np.empty((replicates, depth + 1)), np.empty((replicates, depth + 1))
    for first in range(0, replicates, stack):
        k = min(stack, replicates - first)
        x = rng.standard_normal((k, batch, widths[0]), dtype=dtype)
        ws, bs = [], []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            ws.append(init.kaiming_normal((n_out, n_in), rng, dtype=dtype, out=np.empty((k, n_out, n_in), dtype)))
            bs.append(0.0 if bias is None else init.torch_default_bias(
                (n_out, n_in), rng, dtype=dtype, out=np.empty((k, 1, n_out), dtype)))
        g_top = rng.standard_normal((k, batch, widths[-1]), dtype=dtype) if backward else None
        for i in range(k):
            r = first + i
            h, zs = x[i], []
            post[r, 0] = np.mean(h * h)
            for l in range(depth):
                z = h @ ws[l][i].T + (0.0 if bias is None else bs[l][i])
                h = record.phi(z)
                zs.append(z)
                pre[r, l], post[r, l + 1] = np.mean(z * z), np.mean(h * h)
            if backward:
                g = g_top[i]
                grad[r, depth] = np.mean(g * g)
                for l in range(depth, 0, -1):
                    g = (g * record.grad(zs[l - 1])) @ ws[l - 1][i]
                    grad[r, l - 1] = np.mean(g * g)
    return pre, post, grad


CASES = [
    # widths, replicates, batch, activation, bias
    ((3, 5, 4, 2), 3, 2, "relu", None),
    ((3, 5, 4, 2), 1, 3, "tanh", None),            # one replicate: the plain 2-D GEMM path
    ((4, 4, 4), 5, 1, "leaky_relu", "torch"),
    ((2, 6, 1), 4, 3, "gelu", None),               # no in-place fast path: φ from the table
    ((6, 3, 3, 5), 2, 2, "linear", "torch"),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("widths, replicates, batch, activation, bias", CASES)
def test_backpropagate_is_the_plain_loop(widths, replicates, batch, activation, bias, dtype):
    p = backpropagate(widths, replicates, batch, 7, activation=activation, bias=bias, dtype=dtype)
    pre, post, grad = plain_loop(widths, replicates, batch, 7, activation=activation, bias=bias, dtype=dtype)
    for got, expected in ((p.pre, pre), (p.post, post), (p.grad, grad)):
        np.testing.assert_allclose(got, expected, rtol=RTOL[dtype], atol=0)


def test_stacks_are_streamed_in_order(monkeypatch):
    """With room for 2 replicates at a time, 5 replicates run as stacks of 2, 2 and 1, each with its own draws."""
    widths, batch = (3, 4, 2), 2
    per_replicate = 2 * batch * 4 + 4 * (3 + batch) + 2 * (4 + batch)
    monkeypatch.setattr(P, "STACK_ELEMENTS", 2 * per_replicate)
    p = backpropagate(widths, 5, batch, 3, dtype=np.float64)
    pre, post, grad = plain_loop(widths, 5, batch, 3, stack=2)
    np.testing.assert_allclose(p.grad, grad, rtol=1e-12)
    np.testing.assert_allclose(p.post, post, rtol=1e-12)
    monkeypatch.setattr(P, "STACK_ELEMENTS", 2 * (batch * 4 + 4 * 4))
    q = propagate(widths, 5, batch, 3, dtype=np.float64)
    pre, post, _ = plain_loop(widths, 5, batch, 3, stack=2, backward=False)
    np.testing.assert_allclose(q.pre, pre, rtol=1e-12)
    np.testing.assert_allclose(q.post, post, rtol=1e-12)


def test_forward_part_is_propagate_when_one_stack_holds_every_replicate():
    """The upstream gradients are drawn after the weights, so one stack gives propagate's forward numbers."""
    a = backpropagate((5, 7, 3), 4, 2, 11, activation="tanh", dtype=np.float64)
    b = propagate((5, 7, 3), 4, 2, 11, activation="tanh", dtype=np.float64)
    np.testing.assert_array_equal(a.pre, b.pre)
    np.testing.assert_array_equal(a.post, b.post)
    assert b.grad is None and a.grad.shape == a.post.shape
    assert repr(a) == "Propagation(replicates=4, depth=2, backward)"


def test_input_gradient_is_the_mlps_backward():
    """grad[:, 0] is mean (∂ℓ/∂x)² with ℓ = ⟨g, φ(z_L)⟩: the MLP's backward of g ⊙ φ'(z_L) (φ on the last layer too)."""
    widths, batch = (4, 6, 3), 5
    p = backpropagate(widths, 1, batch, 2, activation="tanh", dtype=np.float64)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((batch, widths[0]))
    weights = [init.kaiming_normal((n_out, n_in), rng, out=np.empty((1, n_out, n_in)))[0]
               for n_in, n_out in zip(widths[:-1], widths[1:])]
    g = rng.standard_normal((batch, widths[-1]))
    mlp = linear.MLP(weights, activation="tanh")
    trace = mlp.forward_trace(x)
    dx = mlp.backward(trace, g * activations.tanh_grad(trace.output)).inputs
    assert p.grad[0, 0] == pytest.approx(np.mean(dx * dx), rel=1e-12)


# ---- second moments by Monte Carlo: statements exact at any width -----------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_propagate_linear_lecun_preserves_second_moment(dtype):
    """Linear layers with Var(W) = 1/n_in: E[h_l²] = E[x²] = 1 + 0.5² at every layer (LeCun 1998)."""
    widths = (8, 16, 4, 32)
    p = propagate(widths, REPLICATES, 3, 5, weight_init="lecun_normal", activation="linear",
                  dtype=dtype, input_mean=0.5)
    for l in range(len(widths)):
        assert within(p.post[:, l], 1 + 0.5**2), l
    np.testing.assert_array_equal(p.pre, p.post[:, 1:])          # φ = identity


def test_propagate_relu_layer_factor_is_one_under_kaiming():
    """Per layer the ratio m_l/m_(l-1) of mean squares has mean n·Var(W)/2 exactly: 1 for He, 1/2 for LeCun."""
    widths = (16,) * 4
    for weight_init, factor in [("kaiming_normal", 1.0), ("lecun_uniform", 0.5)]:
        p = propagate(widths, REPLICATES, 4, 11, weight_init=weight_init)
        ratios = p.post[:, 1:] / p.post[:, :-1]
        for l in range(ratios.shape[1]):
            assert within(ratios[:, l], factor), (weight_init, l)


def test_backward_linear_fan_out_keeps_every_layers_gradient_at_one():
    """Linear layers, Var(W_l) = 1/n_l (fan_out): E[(∂ℓ/∂h_(l-1))²] = n_l·Var(W_l)·E[(∂ℓ/∂h_l)²] = E[g²] = 1
    at every layer and any widths (W_l is independent of ∂ℓ/∂h_l); with fan_in the first layer's would be 4."""
    widths = (8, 16, 4, 32)
    p = backpropagate(widths, REPLICATES, 3, 4, weight_init="kaiming_normal", activation="linear", mode="fan_out",
                      nonlinearity="linear", dtype=np.float64)
    for l in range(len(widths)):
        assert within(p.grad[:, l], 1.0), l
    q = backpropagate(widths, REPLICATES, 3, 4, weight_init="lecun_normal", activation="linear", dtype=np.float64)
    assert within(q.grad[:, 2], 32 / 4) and not within(q.grad[:, 2], 1.0)


def test_backward_relu_one_layer_is_half_the_fan_ratio():
    """One ReLU layer n_0 -> n_1 under Kaiming fan_in (Var(W) = 2/n_0): E[(∂ℓ/∂x)²] = n_1·(2/n_0)·E[φ'²]·E[g²]
    = n_1/n_0 (He et al. 2015, eq. 13 with P(z > 0) = 1/2)."""
    p = backpropagate((8, 16), REPLICATES, 4, 6, dtype=np.float64)
    assert within(p.grad[:, 0], 2.0) and not within(p.grad[:, 0], 1.0)
    assert within(p.grad[:, 1], 1.0)


def test_propagate_is_reproducible_and_new_weights_per_replicate():
    a = propagate((6, 6, 6), 5, 2, 3)
    b = propagate((6, 6, 6), 5, 2, np.random.default_rng(3))
    np.testing.assert_array_equal(a.post, b.post)
    assert len(set(a.post[:, 2])) == 5
    c = backpropagate((6, 6, 6), 5, 2, 3)
    assert len(set(c.grad[:, 0])) == 5


def test_propagate_with_torch_bias_matches_the_mlp():
    """The kernel and the MLP (hidden layers only) agree draw for draw given the same stream."""
    widths = (5, 7, 3)
    p = propagate(widths, 1, 4, 9, weight_init="torch_default", bias="torch", activation="tanh", dtype=np.float64)
    rng = np.random.default_rng(9)
    h = rng.standard_normal((4, 5))
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        w = init.torch_default((n_out, n_in), rng)
        b = init.torch_default_bias((n_out, n_in), rng)
        h = np.tanh(h @ w.T + b)
    assert p.post[0, -1] == pytest.approx(np.mean(h**2), rel=1e-12)


# ---- memory ------------------------------------------------------------------------------------------------

def peak_bytes(f, *args):
    tracemalloc.start()
    f(*args)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def test_propagate_memory_does_not_grow_with_replicates():
    """Peak traced memory at 40 replicates exceeds that at 4 only by the (replicates × depth) result arrays.

    Width 512 and batch 512 make the stack of simultaneous replicates 2, so both runs hold the same buffers;
    numpy reports its allocations to tracemalloc.
    """
    widths, batch = (512,) * 3, 512
    assert STACK_ELEMENTS // (batch * 512 + 512 * 512) == 2
    small, large = peak_bytes(propagate, widths, 4, batch, 0), peak_bytes(propagate, widths, 40, batch, 0)
    result_bytes = 36 * (2 * len(widths) - 1) * 8
    assert large - small <= result_bytes + 4096


def test_backpropagate_memory_does_not_grow_with_replicates():
    """The same for the backward pass, which keeps every layer's weights and φ'(z_l) for its stack:
    width 256, batch 256 and 2 layers need 2·256² + 2·(256² + 256²) elements per replicate, so 2 fit."""
    widths, batch = (256,) * 3, 256
    assert STACK_ELEMENTS // (2 * batch * 256 + 2 * 256 * (256 + batch)) == 2
    small, large = peak_bytes(backpropagate, widths, 4, batch, 0), peak_bytes(backpropagate, widths, 40, batch, 0)
    result_bytes = 36 * (3 * len(widths) - 1) * 8
    assert large - small <= result_bytes + 4096


# ---- validation ----------------------------------------------------------------------------------------------

BAD = [
    # arguments, words of the message
    (dict(widths=(3,)), "widths must have at least 2 entries"),
    (dict(widths=(3, 0)), "widths[1] must be >= 1, got 0"),
    (dict(replicates=0), "replicates must be >= 1, got 0"),
    (dict(replicates=2.5), "replicates must be an integer >= 1, got 2.5 (float)"),
    (dict(batch=None), "batch must be an integer >= 1, got None"),
    (dict(bias="zeros"), "bias must be one of (None, 'torch'), got 'zeros'"),
    (dict(input_std=-1.0), "input_std must be >= 0, got -1.0"),
    (dict(input_mean=float("inf")), "input_mean must be a finite real number, got inf"),
    (dict(negative_slope=float("nan"), activation="leaky_relu"), "negative_slope must be a finite real number"),
    (dict(dtype=np.float16), "dtype must be float32 or float64, got float16"),
    (dict(weight_init="he"), "weight_init must be one of ("),
    (dict(activation="swish"), "activation must be one of ("),
    (dict(rng="seed"), "rng must be None, a seed"),
    (dict(weight_init="xavier_normal", gain=float("nan")), "gain must be a finite real number >= 0, got nan"),
]


@pytest.mark.parametrize("f", [propagate, backpropagate])
@pytest.mark.parametrize("change, words", BAD)
def test_bad_arguments_raise_one_numeric_error_naming_them(f, change, words):
    arguments = dict(widths=(3, 3), replicates=2, batch=2) | change
    with pytest.raises(NumericError) as info:
        f(arguments.pop("widths"), arguments.pop("replicates"), arguments.pop("batch"), **arguments)
    assert words in str(info.value) and "\n" not in str(info.value)
