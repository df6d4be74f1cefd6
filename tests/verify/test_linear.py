"""The linear-layer claims: each passes with its control rejected; the exact rank helper is right."""
import numpy as np
import pytest

from verify.claim import run_claim
from verify.claims import linear as V

CLAIMS = {c.id: c for c in V.CLAIMS}


def test_every_claim_of_the_section_is_registered():
    assert set(CLAIMS) == {"linear.batch", "linear.composition", "linear.rank", "mlp.forward"}


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_claim_passes_and_rejects_its_control(claim_id):
    r = run_claim(CLAIMS[claim_id], seed=0)
    assert r.proof == "proved", r.proof_detail
    assert r.check == "pass", [(c.config, c.z, c.error) for c in r.checks if not c.passed]
    assert all(c.control_rejected for c in r.checks)


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
