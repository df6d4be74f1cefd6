"""Evidence for the exam's GAN answers (000 Q1.8): the optimal discriminator D* = p_d/(p_d + p_g)
(Goodfellow et al. 2014, Prop. 1) for p_d = N(0, 1) and p_g = N(μ, 1), computed by quadrature on a grid,
and the generator's two losses (numeric.gan)."""
from __future__ import annotations

import numpy as np

from .audit_evidence import judge

GRID = np.linspace(-14, 18, 64001)


def _mean_d(mu, on="fake"):
    """E[D*(x)] for x ~ p_g (on="fake") or x ~ p_d (on="real"), p_d = N(0, 1), p_g = N(mu, 1)."""
    from numeric.gan import gaussian_logpdf, optimal_discriminator_gaussians

    d = optimal_discriminator_gaussians(GRID, 0.0, mu)
    dens = np.exp(gaussian_logpdf(GRID, mu if on == "fake" else 0.0))
    return float(np.trapezoid(d * dens, GRID))


def bad_generator(ctx, target):
    """A bad generator (μ = 4) against the optimal discriminator: is E[D(G(z))] closer to `target` or to 1 − target?"""
    m = _mean_d(4.0)
    return (f"p_g = N(4, 1), p_d = N(0, 1), optimal D: E[D(G(z))] = {m:.3f}",
            "holds" if abs(m - target) < abs(m - (1 - target)) else "fails")


def balance(ctx, value, condition):
    """D*'s mean output on real and fake data, at p_g = p_d (μ = 0) and away from it (μ = 1, 3)."""
    at = {mu: (_mean_d(mu, "real"), _mean_d(mu, "fake")) for mu in (0.0, 1.0, 3.0)}
    near = {mu: all(abs(v - value) < 0.05 for v in pair) for mu, pair in at.items()}
    text = "; ".join(f"μ_g = {mu:g}: real {r:.3f}, fake {f:.3f}" for mu, (r, f) in at.items())
    agree_out = all(near.values()) or condition == "p_g = p_d"
    return f"optimal D, p_d = N(0, 1), p_g = N(μ_g, 1): {text}", \
        "holds" if near[0.0] and agree_out else "conditional" if near[0.0] else "fails"


def meaning(ctx, d, label):
    """D(x) is the probability of 'real' (the label the discriminator is trained on): label of output d."""
    from numeric.gan import discriminator_loss

    logit = float(np.log(d / (1 - d)))
    as_real = float(discriminator_loss(np.array([logit]), np.array([-50.0])))  # loss if x were real
    as_fake = float(discriminator_loss(np.array([50.0]), np.array([logit])))   # loss if x were fake
    found = "real" if as_real < as_fake else "fake"
    return (f"D = {d}: the discriminator's loss is {as_real:.2f} if the sample is real, {as_fake:.2f} if fake, "
            f"so it labels it {found}", "holds" if found == label else "fails")


def high_fake_score(ctx, cause):
    """E[D*(G(z))] over generators μ ∈ [−4, 4]: never above 1/2, so D(G(z)) near 1 means D is poor, not G."""
    best = max(_mean_d(mu) for mu in np.linspace(-4, 4, 17))
    return (f"largest E[D*(G(z))] over p_g = N(μ, 1), μ ∈ [−4, 4]: {best:.3f} (at p_g = p_d); near 1 an optimal "
            "D never is", "holds" if (cause == "discriminator") == (best <= 0.5 + 1e-6) else "fails")


def low_fake_score(ctx, condition):
    """D(G(z)) near 0 for a bad generator under the optimal D; but a degenerate D ≡ 0.02 gives the same near a
    perfect generator (μ = 0): so 'the generator is poor' needs a near-optimal discriminator."""
    bad, perfect = _mean_d(4.0), _mean_d(0.0)
    agree_in = bad < 0.1 and perfect > 0.4
    return (f"optimal D: E[D(G(z))] {bad:.3f} at μ = 4, {perfect:.3f} at μ = 0; a constant D = 0.02 outputs 0.02 "
            "at μ = 0 too", judge(agree_in, condition == "optimal D"))


def generator_gradients(ctx, d, strong):
    """|∂loss/∂logit| of the saturating log(1 − D) and non-saturating −log D losses at D(G(z)) = d."""
    from numeric.gan import nonsaturating_grad, saturating_grad

    logit = np.array([np.log(d / (1 - d))])
    sat, non = float(abs(saturating_grad(logit)[0])), float(abs(nonsaturating_grad(logit)[0]))
    found = {"non-saturating": non > 10 * sat, "saturating": sat > 10 * non}[strong]
    return (f"at D(G(z)) = {d}: |gradient| {sat:.3f} for log(1 − D), {non:.3f} for −log D",
            "holds" if found else "fails")


def same_goal(ctx, direction):
    """max E log D(G(z)) and min E log(1 − D(G(z))) move D(G(z)) the same way (both improve as D rises)."""
    from numeric.gan import nonsaturating_loss, saturating_loss

    logits = np.linspace(-6, 6, 121)
    sat, non = saturating_loss(logits), nonsaturating_loss(logits)
    same = bool(np.all(np.diff(sat) * np.diff(non) > 0))
    return (f"over D(G(z)) ∈ (0.002, 0.998) both generator losses fall as D rises: {same}",
            "holds" if same == (direction == "same") else "fails")
