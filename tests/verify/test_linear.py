"""The linear-layer claims: linked to their derivations, each passes with its control rejected wherever the
control has a value; points hold only the numbers the closed forms are evaluated at; the exact rank helper is
right."""
import dataclasses
import math
import re

import numpy as np
import pytest

from derive import linear as D
from verify.claim import Budget, run_claim
from verify.closed import linked
from verify.claims import linear as V

CLAIMS = {c.id: c for c in V.CLAIMS}
PROOFS = {"linear.batch": "proved", "linear.composition": "proved", "linear.rank": "proved given 1 assumption",
          "mlp.forward": "proved"}
NO_CONTROL = {"linear.batch": [{"weights": V.RECTANGULAR}]}
"""Configurations whose control has no value: XW does not conform when W is m×n with m ≠ n."""
SHOWN = {
    "linear.batch": ("(W·Xᵀ + b·1ᵀ)ᵀ", "X·W + 1·bᵀ"),
    "linear.composition": ("W₂·W₁·x + (W₂·b₁ + b₂)", "W₂·W₁·x + W₂·b₁"),
    "linear.rank": ("min(r_l, ρ_(l−1))", "max(r_l, ρ_(l−1))"),
}
"""The printed formula and control, rendered from each derivation (mlp.forward: checked by its shape below)."""


def _applied(claim_id):
    return [c for c in CLAIMS[claim_id].configs if c not in NO_CONTROL.get(claim_id, [])]


def test_every_claim_of_the_section_is_registered():
    assert set(CLAIMS) == set(PROOFS)


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_closed_form_and_control_are_read_from_the_derivation(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.linked and isinstance(claim.control, linked)
    assert not claim.formula and not claim.control_formula       # rendered from the derivation, not typed


@pytest.mark.parametrize("claim_id", sorted(SHOWN))
def test_the_printed_formula_and_control_are_the_derivations(claim_id):
    assert (CLAIMS[claim_id].formula_text(), CLAIMS[claim_id].control_text()) == SHOWN[claim_id]


def test_the_forward_pass_control_is_the_output_through_relu():
    claim = CLAIMS["mlp.forward"]
    formula = claim.formula_text()
    assert formula.startswith("W2₀₀·max(0, z1₀ʳᵉˡᵘ)") and claim.control_text() == f"max(0, {formula})"


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_claim_passes_and_rejects_its_control_wherever_it_has_a_value(claim_id):
    r = run_claim(CLAIMS[claim_id], seed=0)
    assert r.proof == PROOFS[claim_id], r.proof_detail
    assert r.check == "pass", [(c.config, c.z, c.error) for c in r.checks if not c.passed]
    for c in r.checks:
        if c.config in NO_CONTROL.get(claim_id, []):
            assert c.control is None and c.control_rejected is None, c.config
            continue
        assert np.isfinite(np.asarray(c.control, dtype=np.float64)).all(), c.config
        assert c.control_rejected, c.config
        # bounded: a finite distance past the bound; exact: unequal (distance inf by definition)
        assert (c.control_z > 1 and math.isfinite(c.control_z)) if c.kind == "bounded" else c.control_z == math.inf


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_every_check_fails_with_the_control_as_its_closed_form(claim_id):
    # only where the control has a value: elsewhere a swapped claim would fail on a missing value instead
    claim = CLAIMS[claim_id]
    swapped = dataclasses.replace(claim, expected=claim.control, configs=_applied(claim_id))
    checks = run_claim(swapped, seed=0).checks
    assert checks and all(not c.passed and not c.error for c in checks), [(c.config, c.error) for c in checks]


def _numbers_only(points) -> bool:
    if isinstance(points, tuple):
        return len(points) > 0 and all(_numbers_only(p) for p in points)
    return isinstance(points, (int, float, np.ndarray)) and np.asarray(points).dtype.kind in "iuf"


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_points_hold_only_numbers_and_configs_only_keys_that_are_read(claim_id):
    claim = CLAIMS[claim_id]
    for i, config in enumerate(claim.configs):
        m = claim.measure(config, np.random.default_rng(i), Budget(0.1))
        assert _numbers_only(m.points), (config, type(m.points))
        for key in config:      # every key is read: without it, measuring raises KeyError
            with pytest.raises(KeyError, match=re.escape(key)):
                claim.measure({k: v for k, v in config.items() if k != key}, np.random.default_rng(i), Budget(0.1))


def test_a_claim_whose_derivation_fails_fails():
    # the collapsed layer the check folds is the derivation's conclusion: a refuted one leaves nothing to read
    broken = dataclasses.replace(CLAIMS["linear.composition"],
                                 proof=lambda: D.composition(collapsed=D.COMPOSITION_CONTROL))
    r = run_claim(broken, seed=0)
    assert r.proof == "failed" and r.verdict == "fail"


def test_batch_control_has_no_value_for_rectangular_weights():
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 2)), rng.standard_normal(4)
    claim, config = CLAIMS["linear.batch"], {"weights": V.RECTANGULAR}
    assert claim.wrong(config, ((X, W, b),)) is None
    assert np.allclose(claim.closed(config, ((X, W, b),)), (X @ W.T + b).ravel(), rtol=0, atol=1e-12)


def test_batch_control_for_square_weights_is_off_by_x_times_w_minus_its_transpose():
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    claim, config = CLAIMS["linear.batch"], {"weights": V.SQUARE}
    expected, wrong = claim.closed(config, ((X, W, b),)), claim.wrong(config, ((X, W, b),))
    assert np.allclose(expected, (X @ W.T + b).ravel(), rtol=0, atol=1e-12)
    assert np.allclose(wrong - expected, (X @ (W - W.T)).ravel(), rtol=0, atol=1e-12)
    assert np.abs(wrong - expected).max() > 0.1


def test_rank_folds_the_concluded_bound_over_the_factors():
    claim = CLAIMS["linear.rank"]
    points = (np.array([3, 1, 2]), np.array([2, 2]), np.array([4, 3, 5, 1]))
    assert list(claim.closed({}, points)) == [1, 2, 1]
    assert list(claim.wrong({}, points)) == [3, 2, 5]


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
