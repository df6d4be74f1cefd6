"""Convolution-geometry claims: they pass, read their closed forms and controls from the derivations,
report their case counts, and catch broken numerics."""
import dataclasses
import inspect

import numpy as np
import pytest

from derive import conv as D
from derive import registry
from derive.render import text
from verify.claim import Budget, run_claim
from verify.results import result_to_json
from verify.claims import conv as claims_module

CLAIMS = {c.id: c for c in claims_module.CLAIMS}
IDS = ["conv.output_size", "conv.params", "dense.params"]
PROOF = {"conv.output_size": "proved given 1 assumption", "conv.params": "proved", "dense.params": "proved"}


def test_the_section_is_registered():
    assert sorted(CLAIMS) == sorted(IDS)


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_and_reports_cases(claim_id):
    result = run_claim(CLAIMS[claim_id], seed=0)
    assert result.proof == PROOF[claim_id]
    assert result.check == "pass", [c.error or c.note for c in result.checks]
    doc = result_to_json(result)
    assert all(check["cases"] > 0 for check in doc["checks"])
    assert all(check["kind"] == "exact" for check in doc["checks"])
    assert doc["control"]["rejected"]


@pytest.mark.parametrize("claim_id", IDS)
def test_closed_form_and_control_are_linked_to_the_derivation(claim_id):
    claim = CLAIMS[claim_id]
    assert claim.linked and not claim.formula and not claim.control_formula
    dv = registry.get(claim_id)
    lhs = D.out if claim_id == "conv.output_size" else D.params
    assert claim.formula_text(dv) == text(dv.closed_form(lhs, unfold=False))
    assert claim.control_text(dv) == text(dv.control_form(lhs, unfold=False))


def test_no_closed_form_or_control_is_typed_in_verify():
    source = inspect.getsource(claims_module)
    for name in ("OUTPUT_SIZE", "CONV_PARAMS", "DENSE_PARAMS", "lambdify", "sympy"):
        assert name not in source, name


def test_a_failed_derivation_fails_the_claim(monkeypatch):
    # the closed form is read from the derivation: without a checked conclusion the claim cannot pass
    monkeypatch.setattr(D, "LAST_WINDOW", D.q + 1)     # window q + 1 said to fit
    claim = dataclasses.replace(CLAIMS["conv.output_size"], proof=D.output_size,
                                configs=({"grid": "exhaustive"},))
    result = run_claim(claim)
    assert result.proof == "failed"
    assert result.verdict == "fail"


def test_notes_numbers_are_among_the_checks():
    params = run_claim(CLAIMS["conv.params"])
    notes = [c for c in params.checks if c.config["grid"] == "notes"][0]
    assert float(np.asarray(notes.estimate).ravel()[0]) == 1208
    assert float(np.asarray(notes.expected).ravel()[0]) == 1208
    dense = run_claim(CLAIMS["dense.params"])
    notes = [c for c in dense.checks if c.config["grid"] == "notes"][0]
    assert float(np.asarray(notes.estimate).ravel()[0]) == 1_920_800
    assert notes.control_rejected and float(np.asarray(notes.control).ravel()[0]) == 1_920_000


def test_every_output_size_configuration_rejects_the_control():
    result = run_claim(CLAIMS["conv.output_size"])
    assert [c.control_rejected for c in result.checks] == [True] * len(result.checks)


def test_an_off_by_one_conv_is_caught(monkeypatch):
    real = claims_module.N.conv2d

    def short(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        y = real(x, weight, bias, stride, padding, dilation, groups)
        return y[:, :, :-1] if y.shape[2] > 3 else y

    monkeypatch.setattr(claims_module.N, "conv2d", short)
    claim = dataclasses.replace(CLAIMS["conv.output_size"],
                                configs=({"grid": "exhaustive"},))
    assert run_claim(claim).check == "fail"


def test_ignoring_groups_is_caught(monkeypatch):
    monkeypatch.setattr(claims_module.N, "conv_params",
                        lambda c_in, c_out, kernel, groups=1, bias=True:
                        kernel[0] * kernel[1] * c_in * c_out + (c_out if bias else 0))
    result = run_claim(CLAIMS["conv.params"])
    assert result.check == "fail"


def _run(claim, config):
    """(points, estimate, closed form) of one configuration, drawn at a fixed seed."""
    m = claim.measure(config, np.random.default_rng(0), Budget(0.2))
    return m.points, np.asarray(m.estimate), np.asarray(claim.closed(config, m.points, registry.get(claim.id)))


@pytest.mark.parametrize("claim_id", IDS)
def test_points_are_integer_rows_and_every_configuration_key_matters(claim_id):
    claim = CLAIMS[claim_id]
    for config in claim.configs:
        points, estimate, expected = _run(claim, config)
        assert isinstance(points, np.ndarray) and points.dtype.kind == "i" and points.ndim == 2, config
        for key in config:
            without = {k: v for k, v in config.items() if k != key}
            try:
                other = _run(claim, without)
            except KeyError:
                continue                # the key is required
            changed = [a.shape != b.shape or not np.array_equal(a, b) for a, b in zip((estimate, expected), other[1:])]
            assert any(changed), f"{claim_id} {config}: {key!r} changes nothing"
