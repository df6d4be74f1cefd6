"""numeric.gan against PyTorch in float64: generator losses and their autograd gradients, and BCE."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is the independent oracle for these cross-checks")
functional = torch.nn.functional

from numeric import gan  # noqa: E402

pytestmark = pytest.mark.torch

LOGITS = np.array([-1e4, -700.0, -40.0, -5.0, -0.3, 0.0, 0.3, 5.0, 40.0, 700.0, 1e4])
RTOL = 1e-12
ATOL = 1e-300


def _torch_loss_and_grad(loss):
    a = torch.tensor(LOGITS, dtype=torch.float64, requires_grad=True)
    # logsigmoid is PyTorch's stable log σ(a); log(1 - σ(a)) = logsigmoid(-a)
    value = functional.logsigmoid(-a) if loss == "saturating" else -functional.logsigmoid(a)
    value.sum().backward()
    return value.detach().numpy(), a.grad.numpy()


@pytest.mark.parametrize("loss", ["saturating", "non_saturating"])
def test_generator_losses_and_gradients_match_torch_autograd(loss):
    ours, our_grad = gan.generator_loss(LOGITS, loss)
    theirs, their_grad = _torch_loss_and_grad(loss)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(our_grad, their_grad, rtol=RTOL, atol=ATOL)


def test_discriminator_loss_matches_binary_cross_entropy_with_logits():
    real, fake = LOGITS[::2], LOGITS[1::2]
    bce = (functional.binary_cross_entropy_with_logits(torch.tensor(real), torch.ones(len(real), dtype=torch.float64))
           + functional.binary_cross_entropy_with_logits(torch.tensor(fake), torch.zeros(len(fake), dtype=torch.float64)))
    assert gan.discriminator_loss(real, fake) == pytest.approx(float(bce), rel=RTOL)
