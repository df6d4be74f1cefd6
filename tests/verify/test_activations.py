"""The activation claims: each passes with its control rejected and reads its closed form from its
derivation; the ReLU moments derive concludes match an independent NumPy quadrature."""
import math

import numpy as np
import pytest

from derive import activations as D
from derive import registry
from verify.claim import run_claim
from verify.claims import activations as V

CLAIMS = {c.id: c for c in V.CLAIMS}


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_every_claim_is_linked_and_types_no_formula(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.linked and claim.formula == "" and claim.control_formula == ""


def test_relu_moments_passes_and_rejects_its_control():
    r = run_claim(CLAIMS["activation.relu.moments"], seed=0)
    assert r.proof.startswith("proved"), r.proof_detail
    assert r.check == "pass", [(c.config, c.z, c.z_critical, c.error) for c in r.checks if not c.passed]
    assert any(c.control_rejected for c in r.checks)


def test_relu_moments_against_numpy_quadrature():
    """E[ReLU(z)^p], z ~ N(0, q), by the trapezoidal rule on a fine grid (error far below 1e-9)."""
    d = registry.get("activation.relu.moments")
    q = 2.5
    z = np.linspace(0, 40 * math.sqrt(q), 400_001)
    density = np.exp(-z**2 / (2 * q)) / math.sqrt(2 * math.pi * q)
    for p, lhs in ((1, D.RELU_MEAN), (2, D.RELU_SECOND)):
        closed = d.closed_form(lhs)
        value = float(closed.subs({s: q for s in closed.free_symbols}))
        assert np.trapezoid(z**p * density, z) == pytest.approx(value, rel=1e-9)
