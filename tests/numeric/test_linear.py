"""numeric.linear: the batched forward pass, backprop against finite differences, the validation rules."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from numeric import linear as L
from numeric import propagation
from numeric.linear import MLP, activation_pair, check_widths, linear

FD_STEP = 1e-6            # central differences in float64: truncation O(h²) ~ 1e-12, rounding O(eps/h) ~ 1e-10
FD_TOLERANCE = 1e-6       # relative to the gradient's scale; both errors above are far below it

# Reference activations written with plain NumPy, independent of numeric.activations.
REFERENCE = {
    "linear": lambda z: z,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softplus": lambda z: np.log1p(np.exp(z)),
}


def explicit_forward(weights, biases, x, phi):
    """The notes' pseudocode: h = φ(h W_lᵀ + b_l) for l < L, then output = h W_Lᵀ + b_L."""
    h = x
    for w, b in zip(weights[:-1], biases[:-1]):
        h = phi(h @ w.T + b)
    return h @ weights[-1].T + biases[-1]


@st.composite
def networks(draw, max_depth=4, max_width=6):
    depth = draw(st.integers(1, max_depth))
    widths = tuple(draw(st.integers(1, max_width)) for _ in range(depth + 1))
    return widths, draw(st.integers(1, 5)), draw(st.integers(0, 2**32 - 1))


@given(networks(), st.sampled_from(sorted(REFERENCE)))
def test_forward_is_the_explicit_formula(net, activation):
    widths, batch, seed = net
    rng = np.random.default_rng(seed)
    mlp = MLP.init(widths, rng, bias="torch", activation=activation)
    x = rng.standard_normal((batch, widths[0]))
    expected = explicit_forward(mlp.weights, mlp.biases, x, REFERENCE[activation])
    np.testing.assert_allclose(mlp.forward(x), expected, rtol=1e-12, atol=1e-12)
    # one sample at a time gives the rows of the batch
    for i in range(batch):
        np.testing.assert_allclose(mlp(x[i]), expected[i], rtol=1e-12, atol=1e-12)


def test_no_activation_on_the_output():
    """A ReLU MLP whose last layer maps to negative values must output them (no ReLU on the output)."""
    mlp = MLP([np.eye(2), -np.ones((1, 2))], activation="relu")
    assert mlp.forward(np.array([1.0, 2.0])) == pytest.approx([-3.0])


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_linear_batch_equals_stacked_samples(batch, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((batch, n_in)), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
    stacked = np.stack([w @ x[i] + b for i in range(batch)])
    np.testing.assert_allclose(linear(x, w, b), stacked, rtol=1e-12, atol=1e-12)


def numeric_gradient(f, a):
    """Central differences of the scalar f() in every entry of a (modified in place, then restored)."""
    grad = np.empty_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + FD_STEP
        up = f()
        a[i] = old - FD_STEP
        down = f()
        a[i] = old
        grad[i] = (up - down) / (2 * FD_STEP)
    return grad


@given(networks(max_depth=3, max_width=4), st.sampled_from(["linear", "tanh", "sigmoid", "softplus"]))
def test_backward_matches_finite_differences(net, activation):
    widths, batch, seed = net
    rng = np.random.default_rng(seed)
    mlp = MLP.init(widths, rng, bias="torch", activation=activation)
    x = rng.standard_normal((batch, widths[0]))
    g = rng.standard_normal((batch, widths[-1]))

    def loss():
        return float(np.sum(g * mlp.forward(x)))

    grads = mlp.backward(mlp.forward_trace(x), g)
    pairs = [(grads.inputs, x)] + list(zip(grads.weights, mlp.weights)) + list(zip(grads.biases, mlp.biases))
    for analytic, param in pairs:
        fd = numeric_gradient(loss, param)
        scale = max(1.0, np.abs(fd).max())
        np.testing.assert_allclose(analytic, fd, rtol=0, atol=FD_TOLERANCE * scale)


def test_relu_backward_masks_by_the_pre_activation_sign():
    """Away from the kink ReLU backprop equals finite differences; the mask is 1[z > 0]."""
    w1 = np.array([[1.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
    w2 = np.array([[1.0, 2.0, 3.0]])
    mlp = MLP([w1, w2], activation="relu")
    x = np.array([[2.0, 1.0]])                          # z_1 = (2, -1, 3): unit 2 is off
    grads = mlp.backward(mlp.forward_trace(x), np.ones((1, 1)))
    np.testing.assert_array_equal(grads.pre[0], [[1.0, 0.0, 3.0]])
    np.testing.assert_array_equal(grads.weights[0], [[2.0, 1.0], [0.0, 0.0], [6.0, 3.0]])
    np.testing.assert_array_equal(grads.inputs, [[4.0, 3.0]])


def test_activation_names_use_numeric_activations():
    z = np.linspace(-4, 4, 17)
    for name, phi in REFERENCE.items():
        np.testing.assert_allclose(activation_pair(name)[0](z), phi(z), rtol=1e-12, atol=1e-15)


BAD_WIDTHS = [
    ((4, -2, 3), ValueError, "widths[1] must be >= 1"),        # a negative width
    ((4, 0), ValueError, "widths[1] must be >= 1"),
    ((4,), ValueError, "at least 2 entries"),
    ((4, 2.5), TypeError, "integers"),
    ("43", TypeError, "integers"),
]


@pytest.mark.parametrize("widths, error, rule", BAD_WIDTHS)
def test_bad_widths(widths, error, rule):
    for build in (check_widths, MLP.init):
        with pytest.raises(error) as info:
            build(widths)
        assert rule in str(info.value)


def test_bad_inputs():
    mlp = MLP.init((3, 4, 2), 0)
    with pytest.raises(ValueError, match=r"x must have shape \(3,\)"):
        mlp.forward(np.ones((5, 4)))
    with pytest.raises(ValueError, match="grad_output must have"):
        mlp.backward(mlp.forward_trace(np.ones((5, 3))), np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"weights\[1\] \(layer 2\) must have n_\(l-1\) = 4"):
        MLP([np.ones((4, 3)), np.ones((2, 5))])
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP.init((3, 2), activation="swish")


def test_repr():
    assert repr(MLP.init((3, 4, 2), 0, activation="tanh")) == "MLP(widths=(3, 4, 2), activation='tanh', bias)"


def test_propagation_stays_importable_from_linear():
    """propagate moved to numeric.propagation; numeric.linear keeps the names for existing callers."""
    assert L.propagate is propagation.propagate and L.Propagation is propagation.Propagation
    assert L.STACK_ELEMENTS == propagation.STACK_ELEMENTS


def test_every_table_activation_is_accepted():
    mlp = MLP.init((3, 4, 2), 0, activation="gelu")
    assert mlp.forward(np.ones((2, 3))).shape == (2, 2)
