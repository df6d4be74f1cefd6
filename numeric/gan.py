"""GAN losses from the discriminator's logit, the optimal discriminator, and a logistic discriminator.

The discriminator outputs D = σ(a) for a logit a. The generator minimizes either the saturating
loss log(1 - D(G(z))) (the minimax game) or the non-saturating loss -log D(G(z)) (Goodfellow et al.,
"Generative Adversarial Nets", NeurIPS 2014, §3). Both are computed from a, never from D: with
log(1 - σ(a)) = log σ(-a) and -log σ(a) = softplus(-a), only exponentials of non-positive numbers
are formed, so every value and gradient is finite and accurate at any finite logit, in float32 and
float64, where ``log(1 - sigmoid(a))`` gives -inf once σ(a) rounds to 1 (a ≳ 17 in float32).

The discriminator that maximizes V(D, G) = E_{p_d}[log D] + E_{p_g}[log(1 - D)] is
D*(x) = p_d(x)/(p_d(x) + p_g(x)) (Goodfellow et al. 2014, Proposition 1), here σ(log p_d - log p_g).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from numeric._checks import NumericError, integer, one_of
from numeric._checks import float_array as _float_array
from numeric._checks import real as _real   # gan_value has a local named real
from numeric.activations import log_sigmoid, sigmoid, softplus

__all__ = [
    "LOSSES",
    "saturating_loss", "saturating_grad",
    "nonsaturating_loss", "nonsaturating_grad",
    "generator_loss",
    "saturating_grad_wrt_d", "nonsaturating_grad_wrt_d",
    "discriminator_loss", "gan_value",
    "gaussian_logpdf", "optimal_discriminator", "optimal_discriminator_gaussians",
    "LogisticFit", "fit_logistic", "logistic_discriminator",
]

LOSSES = ("saturating", "non_saturating")


# ---------------------------------------------------------------- generator losses in logit space

def saturating_loss(logits):
    """log(1 - σ(a)) = log σ(-a) = -softplus(a): the minimax generator loss (minimized by G)."""
    return log_sigmoid(-_float_array("logits", logits))


def saturating_grad(logits):
    """d/da log(1 - σ(a)) = -σ(a): → 0 as D = σ(a) → 0, so a confident discriminator stalls G."""
    return -sigmoid(_float_array("logits", logits))


def nonsaturating_loss(logits):
    """-log σ(a) = softplus(-a): the non-saturating generator loss (Goodfellow et al. 2014, §3)."""
    return softplus(-_float_array("logits", logits))


def nonsaturating_grad(logits):
    """d/da (-log σ(a)) = -(1 - σ(a)) = -σ(-a): → -1 as D = σ(a) → 0."""
    return -sigmoid(-_float_array("logits", logits))


def generator_loss(logits, loss="non_saturating"):
    """(loss, d loss/da) elementwise for ``loss`` in ("saturating", "non_saturating")."""
    if one_of("loss", loss, LOSSES) == "saturating":
        return saturating_loss(logits), saturating_grad(logits)
    return nonsaturating_loss(logits), nonsaturating_grad(logits)


def _probability(d):
    d = _float_array("d", d)
    if np.any(~((d > 0) & (d < 1))):
        raise NumericError(f"d must lie in the open interval (0, 1) (a discriminator output), got values in [{d.min()}, {d.max()}]")
    return d


def saturating_grad_wrt_d(d):
    """d/dD log(1 - D) = -1/(1 - D): → -1 as D → 0."""
    d = _probability(d)
    return -1 / (1 - d)


def nonsaturating_grad_wrt_d(d):
    """d/dD (-log D) = -1/D: → -∞ as D → 0."""
    d = _probability(d)
    return -1 / d


def discriminator_loss(real_logits, fake_logits):
    """-mean log σ(a_real) - mean log(1 - σ(a_fake)): the discriminator's binary cross-entropy."""
    return -gan_value(real_logits, fake_logits)


def gan_value(real_logits, fake_logits):
    """V = mean log D(x_real) + mean log(1 - D(x_fake)), D = σ(a) (Goodfellow et al. 2014, eq. 1)."""
    real = _float_array("real_logits", real_logits)
    fake = _float_array("fake_logits", fake_logits)
    if real.size == 0 or fake.size == 0:
        raise NumericError(f"real_logits and fake_logits must be non-empty, got sizes {real.size} and {fake.size}")
    return float(np.mean(log_sigmoid(real))) + float(np.mean(log_sigmoid(-fake)))


# ---------------------------------------------------------------- optimal discriminator

def gaussian_logpdf(x, mean=0.0, std=1.0):
    """log N(x; μ, s²) = -(x - μ)²/(2s²) - log s - log(2π)/2."""
    x = _float_array("x", x)
    mean = _real("mean", mean)
    std = _real("std", std, 0, strict=True)
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std) - 0.5 * math.log(2 * math.pi)


def optimal_discriminator(log_pd, log_pg):
    """D*(x) = p_d/(p_d + p_g) = σ(log p_d - log p_g), from log densities (finite where either is)."""
    log_pd = _float_array("log_pd", log_pd)
    log_pg = _float_array("log_pg", log_pg)
    try:
        np.broadcast_shapes(log_pd.shape, log_pg.shape)
    except ValueError:
        raise NumericError(f"log_pd and log_pg must broadcast, got shapes {log_pd.shape} and {log_pg.shape}") from None
    return sigmoid(log_pd - log_pg)


def optimal_discriminator_gaussians(x, mean_d, mean_g, std_d=1.0, std_g=1.0):
    """D*(x) for p_d = N(mean_d, std_d²) and p_g = N(mean_g, std_g²), evaluated from the two densities."""
    for name, value in (("mean_d", mean_d), ("mean_g", mean_g)):
        _real(name, value)
    for name, value in (("std_d", std_d), ("std_g", std_g)):
        _real(name, value, 0, strict=True)
    return optimal_discriminator(gaussian_logpdf(x, mean_d, std_d), gaussian_logpdf(x, mean_g, std_g))


# ---------------------------------------------------------------- logistic discriminator

class LogisticFit(NamedTuple):
    """D(x) = σ(weights·x + bias) fitted by maximum likelihood."""

    weights: np.ndarray
    bias: float
    iterations: int
    converged: bool

    def __repr__(self):
        w = np.array2string(self.weights, precision=4)
        return f"LogisticFit(weights={w}, bias={self.bias:.4g}, iterations={self.iterations}, converged={self.converged})"


def _features(name, value):
    array = _float_array(name, value)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise NumericError(f"{name} must be a non-empty array of shape (samples,) or (samples, features), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise NumericError(f"{name} must have only finite entries, got {array.size - np.isfinite(array).sum()} that are not")
    return array.astype(np.float64)


def fit_logistic(real, fake, *, max_iterations=50, tol=1e-10, l2=0.0):
    """Maximize Σ log σ(θ·u_r) + Σ log(1 - σ(θ·u_f)) - l2/2·‖w‖², u = (x, 1), by Newton's method.

    θ ← θ + H⁻¹∇ with ∇ = Σ (t - σ(θ·u))u and H = Σ σ(1 - σ)uuᵀ + l2·I_w (t = 1 real, 0 fake);
    the log-likelihood is concave, so Newton converges quadratically when the maximum is finite. On
    separable data the maximum is at infinity: then ``converged`` is False (pass ``l2 > 0``).
    Stops when the Newton step's largest entry is below ``tol``.
    """
    real = _features("real", real)
    fake = _features("fake", fake)
    if real.shape[1] != fake.shape[1]:
        raise NumericError(f"real and fake must have the same number of features, got {real.shape[1]} and {fake.shape[1]}")
    max_iterations = integer("max_iterations", max_iterations, 1)
    tol = _real("tol", tol, 0, strict=True)
    l2 = _real("l2", l2, 0)
    u = np.concatenate([real, fake])
    u = np.concatenate([u, np.ones((u.shape[0], 1))], axis=1)
    t = np.concatenate([np.ones(real.shape[0]), np.zeros(fake.shape[0])])
    penalty = np.full(u.shape[1], l2)
    penalty[-1] = 0.0
    theta = np.zeros(u.shape[1])
    converged = False
    iterations = 0
    for iterations in range(1, max_iterations + 1):
        a = u @ theta
        p = sigmoid(a)
        grad = u.T @ (t - p) - penalty * theta
        hess = (u * (sigmoid(a) * sigmoid(-a))[:, None]).T @ u + np.diag(penalty)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        theta = theta + step
        if not np.all(np.isfinite(theta)):
            break
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    return LogisticFit(theta[:-1].copy(), float(theta[-1]), iterations, converged)


def logistic_discriminator(x, fit):
    """D(x) = σ(weights·x + bias) for a :class:`LogisticFit`."""
    if not isinstance(fit, LogisticFit):
        raise NumericError(f"fit must be a LogisticFit, got {type(fit).__name__}")
    x = _features("x", x)
    if x.shape[1] != fit.weights.shape[0]:
        raise NumericError(f"x must have {fit.weights.shape[0]} features to match fit, got {x.shape[1]}")
    return sigmoid(x @ fit.weights + fit.bias)
