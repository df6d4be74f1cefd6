"""Derivations of the convolution-geometry claims: all proved, wrong steps rejected, and the closed
forms against window counts enumerated by brute force (no numeric code involved)."""
import itertools

import pytest
import sympy as sp

from derive import conv as D
from derive import registry
from derive.core import Derivation, check_identity

IDS = ["conv.output_size", "conv.params", "dense.params"]


@pytest.mark.parametrize("claim_id", IDS)
def test_every_conv_derivation_is_proved(claim_id):
    dv = registry.get(claim_id)
    assert dv.status == "proved", [s for s in dv.steps if s.status == "failed"]
    assert dv.result is not None


def windows(n, k, s, pl, pr, d, ceil_mode):
    """Count window starts 0, s, 2s, ... by enumeration."""
    extent = d * (k - 1) + 1
    padded = n + pl + pr
    allowed = s - 1 if ceil_mode else 0
    return sum(1 for start in range(0, padded + s, s)
               if start + extent - padded <= allowed and (not ceil_mode or start < n + pl))


def test_output_size_formulas_count_the_windows():
    floor_size = sp.lambdify(D.SYMBOLS, D.OUTPUT_SIZE)
    ceil_size = sp.lambdify(D.SYMBOLS, D.OUTPUT_SIZE_CEIL)
    cases = 0
    for n, k, s, pl, pr, d in itertools.product(range(1, 9), range(1, 4), range(1, 4), range(3),
                                                range(3), range(1, 3)):
        if n + pl + pr < d * (k - 1) + 1:
            continue
        assert floor_size(n, k, s, pl, pr, d) == windows(n, k, s, pl, pr, d, False)
        assert ceil_size(n, k, s, pl, pr, d) == windows(n, k, s, pl, pr, d, True)
        cases += 1
    assert cases > 1000


def test_the_negative_control_is_not_the_output_size():
    ok, _ = check_identity(D.OUTPUT_SIZE.subs({D.s: 1, D.d: 1}), D.OUTPUT_SIZE_CONTROL.subs({D.s: 1, D.d: 1}))
    assert not ok


def test_a_wrong_instance_is_rejected():
    dv = Derivation("test", "the notes' 128")
    dv.instance(D.OUTPUT_SIZE.subs({D.n: 256, D.k: 3, D.s: 2, D.p_left: 0, D.p_right: 0, D.d: 1}), 128,
                "000 Q2.2 as written in the notes")
    assert dv.status == "failed"


def test_same_padding_needs_the_dilated_total():
    # total padding k - 1 (dilation ignored) is not 'same' once d > 1
    wrong = D.OUTPUT_SIZE.subs({D.s: 1, D.p_right: D.k - 1 - D.p_left})
    ok, _ = check_identity(wrong, D.n)
    assert not ok


def test_parameter_count_controls_differ():
    ok, _ = check_identity(D.CONV_PARAMS, D.CONV_PARAMS_CONTROL)
    assert not ok
    assert D.CONV_PARAMS.subs({D.k_h: 5, D.k_w: 5, D.c_in: 6, D.c_out: 8, D.g: 1, D.bias: 1}) == 1208
    assert D.DENSE_PARAMS_CONTROL.subs({D.n_in: 2400, D.n_out: 800}) == 1_920_000
