"""rf.graph and rf.graph.transposed: random graphs against backprop pass at several seeds with their
controls rejected, measure every node, carry only integers as points, and catch a broken graph engine."""
import numpy as np
import pytest

from numeric.receptive_field import axis as A
from verify.claim import Budget, run_claim
from verify.claims.receptive_field import graph as G

CLAIMS = {c.id: c for c in G.CLAIMS}


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
@pytest.mark.parametrize("seed", [0, 1])
def test_claim_passes_with_its_control_rejected(claim_id, seed):
    result = run_claim(CLAIMS[claim_id], seed=seed)
    assert result.check == "pass", [c.error or c.note for c in result.checks]
    assert all(c.control_rejected for c in result.checks)


def test_graphs_hold_every_kind_of_node_and_points_are_integers():
    m = G._measure({}, np.random.default_rng(0), Budget(1.0))
    table, cases = m.points
    assert table.dtype.kind == "i" and cases.dtype.kind == "i"
    assert set(table[:, 1].tolist()) == {G.CONV, G.POOL, G.CONVT, G.UP, G.ADD, G.CAT}
    assert m.cases == len(cases) == len(m.estimate)
    # every node of every graph is measured
    assert len(cases) == len(table)


def test_a_hull_that_forgets_a_branch_fails_the_claim(monkeypatch):
    def first_branch(maps):
        merged, note = real(maps)
        return (maps[0] if merged is not None else None), note
    real = A.hull
    monkeypatch.setattr("numeric.receptive_field.graph.hull", first_branch)
    assert run_claim(CLAIMS["rf.graph"], seed=0).check == "fail"


def test_a_transposed_rule_without_fractional_stride_fails_the_claim(monkeypatch):
    from numeric.receptive_field import ops
    monkeypatch.setattr(ops.ConvTranspose, "local",
                        lambda self, axis, sizes: A.AxisMap.window(-self.p[axis], self.k[axis], self.s[axis]))
    assert run_claim(CLAIMS["rf.graph.transposed"], seed=0).check == "fail"
