"""derive.gain's PyTorch constants against PyTorch itself (the activations are in test_activations_torch.py)."""
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is the optional independent oracle (extra 'torch')")

from derive import gain as G  # noqa: E402

pytestmark = pytest.mark.torch


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
