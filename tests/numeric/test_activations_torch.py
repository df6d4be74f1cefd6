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
