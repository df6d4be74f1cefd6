"""Convolution-geometry claims: they pass, report their case counts, and catch broken numerics."""
import dataclasses

import numpy as np
import pytest

from verify.claim import run_claim, result_to_json
from verify.claims import conv as claims_module

CLAIMS = {c.id: c for c in claims_module.CLAIMS}
IDS = ["conv.output_size", "conv.params", "dense.params"]


def test_the_section_is_registered():
    assert sorted(CLAIMS) == sorted(IDS)


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_and_reports_cases(claim_id):
    result = run_claim(CLAIMS[claim_id], seed=0)
    assert result.proof == "proved"
    assert result.check == "pass", [c.error or c.note for c in result.checks]
    doc = result_to_json(result)
    assert all(check["cases"] > 0 for check in doc["checks"])
    assert all(check["kind"] == "exact" for check in doc["checks"])


def test_notes_numbers_are_among_the_checks():
    params = run_claim(CLAIMS["conv.params"])
    notes = [c for c in params.checks if c.config["grid"] == "notes"][0]
    assert float(np.asarray(notes.estimate).ravel()[0]) == 1208
    dense = run_claim(CLAIMS["dense.params"])
    notes = [c for c in dense.checks if c.config["grid"] == "notes"][0]
    assert float(np.asarray(notes.estimate).ravel()[0]) == 1_920_800
    assert notes.control_rejected and float(np.asarray(notes.control).ravel()[0]) == 1_920_000


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
