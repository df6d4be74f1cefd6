"""numeric.gain's activations and derive.gain's PyTorch constants against PyTorch itself."""
import numpy as np
import pytest
import sympy as sp

torch = pytest.importorskip("torch", reason="PyTorch is the optional independent oracle (extra 'torch')")

from derive import gain as G  # noqa: E402
from numeric import gain as N  # noqa: E402

pytestmark = pytest.mark.torch

F = torch.nn.functional
POINTS = np.concatenate([np.linspace(-12, 12, 2401), [0.0, -30.0, 30.0]])

TORCH = {
    "relu": F.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
    "elu": F.elu,
    "selu": F.selu,
    "gelu": F.gelu,  # exact (erf) form
    "silu": F.silu,
    "mish": F.mish,
    "softplus": lambda t: torch.logaddexp(t, torch.zeros_like(t)),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_values_and_derivatives_match_torch(name):
    phi, dphi = N.activation(name)
    t = torch.tensor(POINTS, dtype=torch.float64, requires_grad=True)
    y = TORCH[name](t)
    y.sum().backward()
    np.testing.assert_allclose(phi(POINTS), y.detach().numpy(), rtol=1e-12, atol=1e-14)
    # away from kinks, where both sides agree on a derivative
    smooth = np.abs(POINTS) > 1e-9
    np.testing.assert_allclose(dphi(POINTS)[smooth], t.grad.numpy()[smooth], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["linear", "sigmoid", "tanh", "relu", "selu"])
def test_stated_torch_constants_are_torchs(name):
    value, _ = G.TORCH_GAINS[name]
    assert float(value) == pytest.approx(torch.nn.init.calculate_gain(name), rel=1e-15)


@pytest.mark.parametrize("slope", [0.01, 0.2, 1.0])
def test_leaky_relu_constant_is_torchs(slope):
    value, _ = G.TORCH_GAINS["leaky_relu"]
    a = [s for s in value.free_symbols][0]
    assert float(value.subs(a, slope)) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", slope), rel=1e-15)


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "elu", "softplus"])
def test_torch_has_no_gain_for_these(name):
    assert name not in G.TORCH_GAINS
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain(name)
