"""rf.graph and rf.graph.transposed pass at several seeds with their controls rejected and read their forms
from their derivations; and numeric.receptive_field.Graph agrees node by node with backprop on random graphs
with every kind of layer, where the main-path and transposed-as-conv mistakes do not."""
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
    assert result.proof.startswith("proved"), result.proof_detail
    assert result.check == "pass", [c.error or c.note for c in result.checks]
    assert all(c.control_rejected for c in result.checks)


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_points_are_integers(claim_id):
    claim = CLAIMS[claim_id]
    m = claim.measure({}, np.random.default_rng(0), Budget(0.1))
    assert all(isinstance(a, np.ndarray) and a.dtype.kind == "i" for a in m.points)
    assert m.cases == len(m.estimate) > 0


def test_transposed_counts_vary_and_some_outputs_read_nothing():
    m = CLAIMS["rf.graph.transposed"].measure({}, np.random.default_rng(0), Budget(1.0))
    k, s, _, _ = m.points
    assert (m.estimate == 0).any() and (m.estimate != k).any()
    assert set(np.unique(s)) == {1, 2, 3, 4}


def test_graph_engine_agrees_with_backprop_node_by_node_where_the_mistakes_do_not():
    measured, engine, main_path, transposed = G.engine_cases(np.random.default_rng(0), 40)
    assert np.array_equal(measured, engine)
    assert not np.array_equal(measured, main_path)
    assert not np.array_equal(measured, transposed)


def test_a_hull_that_forgets_a_branch_disagrees_with_backprop(monkeypatch):
    def first_branch(maps):
        merged, note = real(maps)
        return (maps[0] if merged is not None else None), note
    real = A.hull
    monkeypatch.setattr("numeric.receptive_field.graph.hull", first_branch)
    measured, engine, _, _ = G.engine_cases(np.random.default_rng(0), 40)
    assert not np.array_equal(measured, engine)


def test_a_transposed_rule_without_fractional_stride_disagrees_with_backprop(monkeypatch):
    from numeric.receptive_field import ops
    monkeypatch.setattr(ops.ConvTranspose, "local",
                        lambda self, axis, sizes: A.AxisMap.window(-self.p[axis], self.k[axis], self.s[axis]))
    measured, engine, _, _ = G.engine_cases(np.random.default_rng(0), 40)
    assert not np.array_equal(measured, engine)


def test_a_wrong_hull_in_the_derivation_is_not_proved(monkeypatch):
    import dataclasses

    import sympy as sp

    from derive.receptive_field import graph as D
    monkeypatch.setattr(D, "MERGE_FIELD", sp.Max(D.R_A, D.R_B) + sp.Max(D.P_A, D.P_B))
    result = run_claim(dataclasses.replace(CLAIMS["rf.graph"], proof=D.merge), seed=0)
    assert not result.proof.startswith("proved")
