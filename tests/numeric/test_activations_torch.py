"""numeric.activations against PyTorch (float64) as an independent oracle."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is the optional independent oracle (extra 'torch')")

from numeric import activations as N  # noqa: E402

pytestmark = pytest.mark.torch

POINTS = np.concatenate([np.linspace(-50, 50, 1001), [0.0, -0.0, 1e4, -1e4, 700.0, -700.0]])

PAIRS = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    # torch's softplus returns x itself above its threshold (20): use log(e^x + e^0) as the oracle
    "softplus": lambda t: torch.logaddexp(t, torch.zeros_like(t)),
    "log_sigmoid": torch.nn.functional.logsigmoid,
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_values_match_torch(name):
    ours = getattr(N, name)(POINTS)
    theirs = PAIRS[name](torch.tensor(POINTS, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_gradients_match_torch_autograd(name):
    t = torch.tensor(POINTS, dtype=torch.float64, requires_grad=True)
    PAIRS[name](t).sum().backward()
    ours = getattr(N, name + "_grad")(POINTS)
    # torch's backward forms 1 - tanh² and s(1 - s) directly: absolute error about eps in the tails
    np.testing.assert_allclose(ours, t.grad.numpy(), rtol=1e-13, atol=4 * np.finfo(np.float64).eps)


def test_relu_gradient_at_zero_is_torchs_convention():
    t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.relu(t).sum().backward()
    assert N.relu_grad(np.zeros(1))[0] == t.grad.item() == 0.0


# ---- the activation table: each record's φ and φ' against the PyTorch module it names

TABLE_POINTS = np.concatenate([np.linspace(-12, 12, 2401), [0.0, -30.0, 30.0]])
"""Within ±30, below torch.nn.Softplus's threshold 20 only up to 12: above it torch returns x itself."""


def torch_module(record):
    """The module the record names, built with the record's parameters (SELU's constants are built into torch's)."""
    cls = getattr(torch.nn, record.torch.removeprefix("torch.nn."))
    return cls() if record.name == "selu" else cls(**record.parameters)


TABLE_CASES = [(name, {}) for name in sorted(N.ACTIVATIONS)] + [
    ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.5}),   # parameters other than the defaults
]


@pytest.mark.parametrize("name, parameters", TABLE_CASES)
def test_table_records_match_the_torch_module_they_name(name, parameters):
    record = N.activation(name, **parameters)
    points = TABLE_POINTS if name != "softplus" else TABLE_POINTS[np.abs(TABLE_POINTS) <= 12]
    t = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    y = torch_module(record)(t)
    y.sum().backward()
    np.testing.assert_allclose(record.phi(points), y.detach().numpy(), rtol=1e-12, atol=1e-14)
    # at the kink both sides are subgradients; torch's choice is compared where the record states it (relu)
    smooth = np.abs(points) > 1e-9 if name != "relu" else np.ones(points.size, bool)
    np.testing.assert_allclose(record.grad(points)[smooth], t.grad.numpy()[smooth], rtol=1e-10, atol=1e-13)
