"""Derivations of the convolution-geometry claims: proved on the kernel with exactly the intended
assumptions, every lemma made false fails its derivation, and the concluded closed forms against window
counts enumerated by brute force (no numeric code involved)."""
import itertools

import pytest
import sympy as sp

from derive import conv as D
from derive import registry
from derive.derivation import Derivation
from derive.kernel import check_identity

ASSUMPTIONS = {
    "conv.output_size": ["PyTorch ceil mode"],
    "conv.params": [],
    "dense.params": [],
}
"""The named assumptions each derivation may rest on, and no others."""

BUILDERS = {"conv.output_size": D.output_size, "conv.params": D.conv_params, "dense.params": D.dense_params}


@pytest.mark.parametrize("claim_id", sorted(ASSUMPTIONS))
def test_every_conv_derivation_is_proved_with_exactly_the_intended_assumptions(claim_id):
    dv = registry.get(claim_id)
    assert dv.status.startswith("proved"), [s for s in dv.steps if s.status == "failed"]
    assert not dv.failures
    assert sorted(a["name"] for a in dv.assumptions) == sorted(ASSUMPTIONS[claim_id])
    count = len(ASSUMPTIONS[claim_id])
    assert dv.status == ("proved" if not count else f"proved given {count} assumption{'s' if count > 1 else ''}")


@pytest.mark.parametrize("claim_id", sorted(ASSUMPTIONS))
def test_the_conclusions_are_the_closed_forms_verify_reads(claim_id):
    dv = registry.get(claim_id)
    if claim_id == "conv.output_size":
        assert dv.closed_form(D.out) == D.OUTPUT_SIZE
        assert dv.closed_form(D.out_ceil) == D.OUTPUT_SIZE_CEIL
        assert dv.closed_form(D.SAME) == D.n
        assert dv.control_form(D.out) == D.OUTPUT_SIZE_CONTROL
    else:
        closed, control = ((D.CONV_PARAMS, D.CONV_PARAMS_CONTROL) if claim_id == "conv.params"
                           else (D.DENSE_PARAMS, D.DENSE_PARAMS_CONTROL))
        assert dv.closed_form(D.params) == closed
        assert dv.control_form(D.params) == control


def test_the_window_count_rests_on_the_kernels_division_not_on_an_assumption():
    # q = ⌊A/s⌋ and r come from the division rule; window q + 1 is shown outside by combining its facts
    dv = registry.get("conv.output_size")
    division = [s.expr for s in dv.steps if s.method == "division"]
    assert division == [sp.Eq(D.room, D.q * D.s + D.r), sp.GreaterThan(D.r, 0, evaluate=False), D.r <= D.s - 1]
    combined = [s for s in dv.steps if s.method == "combine"]
    assert len(combined) == 1 and combined[0].status == "proved"
    outside = sp.GreaterThan((D.q + 1) * D.s - D.room, 1)
    assert any(s.method == "chain" and s.expr == outside for s in dv.steps), "window q + 1 is not shown outside"


def windows(n, k, s, pl, pr, d, ceil_mode):
    """Count window starts 0, s, 2s, ... by enumeration."""
    extent = d * (k - 1) + 1
    padded = n + pl + pr
    allowed = s - 1 if ceil_mode else 0
    return sum(1 for start in range(0, padded + s, s)
               if start + extent - padded <= allowed and (not ceil_mode or start < n + pl))


def test_concluded_output_sizes_count_the_windows():
    dv = registry.get("conv.output_size")
    floor_size = sp.lambdify(D.SYMBOLS, dv.closed_form(D.out))
    ceil_size = sp.lambdify(D.SYMBOLS, dv.closed_form(D.out_ceil))
    cases = 0
    for n, k, s, pl, pr, d in itertools.product(range(1, 9), range(1, 4), range(1, 4), range(3),
                                                range(3), range(1, 3)):
        if n + pl + pr < d * (k - 1) + 1:
            continue
        assert floor_size(n, k, s, pl, pr, d) == windows(n, k, s, pl, pr, d, False)
        assert ceil_size(n, k, s, pl, pr, d) == windows(n, k, s, pl, pr, d, True)
        cases += 1
    assert cases > 1000


def test_the_recorded_controls_are_not_the_closed_forms():
    for claim_id, lhs in (("conv.output_size", D.out), ("conv.params", D.params), ("dense.params", D.params)):
        dv = registry.get(claim_id)
        ok, _ = check_identity(dv.closed_form(lhs), dv.control_form(lhs))
        assert not ok, claim_id
    assert D.DENSE_PARAMS_CONTROL.subs({D.n_in: 2400, D.n_out: 800}) == 1_920_000


def test_a_wrong_instance_is_rejected():
    dv = Derivation("test", "the notes' 128")
    dv.instance(D.OUTPUT_SIZE.subs({D.n: 256, D.k: 3, D.s: 2, D.p_left: 0, D.p_right: 0, D.d: 1}), 128,
                "000 Q2.2 as written in the notes")
    assert dv.status == "failed"


# ---------------------------------------------------------------- each lemma made false fails its derivation

def failed_rules(dv):
    return {s.method for s in dv.failures}


@pytest.mark.parametrize("last", [D.q + 1, D.q - 1])
def test_a_last_window_other_than_the_quotient_breaks_the_window_count_lemma(monkeypatch, last):
    # window q + 1 does not fit (r <= s - 1) and window q does (r >= 0): any other last window fails both
    monkeypatch.setattr(D, "LAST_WINDOW", last)
    dv = D.output_size()
    assert dv.status == "failed"
    assert {"inequality", "chain"} <= failed_rules(dv)


def test_a_window_count_off_by_one_breaks_out_equals_floor_plus_one(monkeypatch):
    # counting windows 1..q instead of 0..q: out = q, and the chain to ⌊A/s⌋ + 1 must fail
    monkeypatch.setattr(D, "WINDOWS", sp.Sum(1, (D.o, 1, D.q)))
    dv = D.output_size()
    assert dv.status == "failed"
    assert "identity" in failed_rules(dv)
    assert dv.result is None


def test_concluding_the_size_without_the_plus_one_fails(monkeypatch):
    monkeypatch.setattr(D, "OUTPUT_SIZE", sp.floor(D.SPAN / D.s))
    dv = D.output_size()
    assert dv.status == "failed"
    assert "conclusion" in failed_rules(dv)


def test_ceil_mode_without_the_last_window_rule_fails_its_worked_instance(monkeypatch):
    # ⌈A/s⌉ + 1 alone keeps the window that would start in the right padding (5, k2 s2 p1 -> 4)
    monkeypatch.setattr(D, "OUTPUT_SIZE_CEIL", sp.ceiling(D.SPAN / D.s) + 1)
    dv = D.output_size()
    assert dv.status == "failed"
    assert {"instance", "conclusion"} <= failed_rules(dv)


def test_same_padding_without_dilation_fails(monkeypatch):
    # total padding k - 1 (dilation ignored) is not 'same' once d > 1
    monkeypatch.setattr(D, "SAME", sp.Subs(D.OUTPUT_SIZE, (D.s, D.p_right), (1, D.k - 1 - D.p_left)))
    dv = D.output_size()
    assert dv.status == "failed"
    assert "identity" in failed_rules(dv)


@pytest.mark.parametrize("name, wrong, builder", [
    ("CONV_PARAMS", D.CONV_PARAMS_CONTROL, "conv.params"),                       # groups forgotten
    ("CONV_WEIGHT_SHAPE", (D.c_out, D.c_in, D.k_h, D.k_w), "conv.params"),        # each filter sees every channel
    ("CONV_BIAS_SHAPE", (D.c_out,), "conv.params"),                               # a bias even when b = 0
    ("DENSE_PARAMS", D.DENSE_PARAMS_CONTROL, "dense.params"),                     # bias forgotten
    ("DENSE_WEIGHT_SHAPE", (D.n_out, D.n_in + 1), "dense.params"),                # a weight too many per output
    ("DENSE_BIAS_SHAPE", (D.n_out,), "dense.params"),                             # a bias even when b = 0
])
def test_a_wrong_shape_or_count_fails_the_parameter_count(monkeypatch, name, wrong, builder):
    monkeypatch.setattr(D, name, wrong)
    dv = BUILDERS[builder]()
    assert dv.status == "failed"
    assert "identity" in failed_rules(dv)


@pytest.mark.parametrize("claim_id", sorted(BUILDERS))
def test_the_unmutated_builders_are_proved(claim_id):
    # the mutation tests above fail for their mutation, not because a fresh build fails anyway
    assert BUILDERS[claim_id]().status.startswith("proved")
