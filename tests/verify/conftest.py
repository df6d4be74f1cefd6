"""Fixtures shared by the claim tests of a topic: its claims run once, and the contract each must meet."""
import pytest

from verify.claim import run_claim
from verify.closed import linked


@pytest.fixture(scope="module")
def claim_results(request):
    """Every claim of the test module's ``CLAIMS`` (a dict by id), run once at seed 0."""
    return {cid: run_claim(claim, seed=0) for cid, claim in request.module.CLAIMS.items()}


@pytest.fixture
def assert_claim_holds(request, claim_results):
    """``assert_claim_holds(claim_id)``: the claim reads its closed form and its control from its derivation
    (no formula typed in verify), its proof holds (proved or numeric, possibly given assumptions) and its check
    passes at seed 0, which needs every control rejected where it applies (else the check is inconclusive)."""
    def check(claim_id):
        claim, result = request.module.CLAIMS[claim_id], claim_results[claim_id]
        assert claim.linked and isinstance(claim.control, linked)
        assert claim.formula == "" and claim.control_formula == ""
        assert result.proof.startswith(("proved", "numeric")), result.proof_detail
        assert result.check == "pass", [(c.config, c.z, c.z_critical, c.control_z, c.error)
                                        for c in result.checks if not (c.passed and c.control_rejected in (True, None))]
    return check
