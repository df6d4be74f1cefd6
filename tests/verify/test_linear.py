"""The linear-layer claims: linked to their derivations, each passes with its control rejected; the exact rank
helper is right."""
import dataclasses

import numpy as np
import pytest

from derive import linear as D
from verify.claim import run_claim
from verify.closed import linked
from verify.claims import linear as V

CLAIMS = {c.id: c for c in V.CLAIMS}
PROOFS = {"linear.batch": "proved", "linear.composition": "proved", "linear.rank": "proved given 1 assumption",
          "mlp.forward": "proved"}


def test_every_claim_of_the_section_is_registered():
    assert set(CLAIMS) == set(PROOFS)


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_closed_form_and_control_are_read_from_the_derivation(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.linked and isinstance(claim.control, linked)
    assert not claim.formula and not claim.control_formula       # rendered from the derivation, not typed


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_claim_passes_and_rejects_its_control(claim_id):
    r = run_claim(CLAIMS[claim_id], seed=0)
    assert r.proof == PROOFS[claim_id], r.proof_detail
    assert r.check == "pass", [(c.config, c.z, c.error) for c in r.checks if not c.passed]
    assert all(c.control_rejected for c in r.checks)
    assert r.formula and r.control_formula and "cannot render" not in r.formula


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_claim_fails_with_the_control_as_its_closed_form(claim_id):
    swapped = dataclasses.replace(CLAIMS[claim_id], expected=CLAIMS[claim_id].control)
    assert run_claim(swapped, seed=0).check == "fail"


def test_a_claim_whose_derivation_fails_fails():
    # the collapsed layer the check folds is the derivation's conclusion: a refuted one leaves nothing to read
    broken = dataclasses.replace(CLAIMS["linear.composition"],
                                 proof=lambda: D.composition(collapsed=D.COMPOSITION_CONTROL))
    r = run_claim(broken, seed=0)
    assert r.proof == "failed" and r.verdict == "fail"


def test_batch_control_does_not_conform_for_rectangular_weights():
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 2)), rng.standard_normal(4)
    claim = CLAIMS["linear.batch"]
    wrong = claim.wrong({}, [(X, W, b)])
    assert wrong.shape == (12,) and np.isnan(wrong).all()
    expected = claim.closed({}, [(X, W, b)])
    assert np.allclose(expected, (X @ W.T + b).ravel(), rtol=0, atol=1e-12)


def test_rank_folds_the_concluded_bound_over_the_factors():
    claim = CLAIMS["linear.rank"]
    at = [[3, 1, 2], [2, 2], [4, 3, 5, 1]]
    assert list(claim.closed({}, at)) == [1, 2, 1]
    assert list(claim.wrong({}, at)) == [3, 2, 5]


RANK_CASES = [
    ([[0, 0], [0, 0]], 0),
    ([[1, 2], [2, 4]], 1),
    ([[1, 2, 3], [4, 5, 6], [7, 8, 9]], 2),
    ([[2, 0, 0], [0, 3, 0], [0, 0, 5]], 3),
    ([[0, 1], [1, 0], [1, 1]], 2),
    ([[10**30, 1], [10**30, 1]], 1),          # Python ints: no overflow, no rounding
]


@pytest.mark.parametrize("matrix, rank", RANK_CASES)
def test_exact_rank(matrix, rank):
    assert V._exact_rank(matrix) == rank


def test_exact_rank_agrees_with_numpy_on_well_conditioned_integers():
    rng = np.random.default_rng(0)
    for _ in range(50):
        m = rng.integers(-3, 4, size=(rng.integers(1, 6), rng.integers(1, 6)))
        assert V._exact_rank(m) == np.linalg.matrix_rank(m)
