"""`python -m verify rf SPEC [--input N]`: the spec grammar, its errors, and the table."""
import json

import pytest

from numeric.receptive_field import Layer
from verify.cli import main
from verify.commands.rf import SpecError, parse_input, parse_spec

VGG16 = "; ".join(["conv k3 p1"] * 2 + ["pool k2 s2"] + ["conv k3 p1"] * 2 + ["pool k2 s2"]
                  + (["conv k3 p1"] * 3 + ["pool k2 s2"]) * 3)

SPECS = [
    ("conv k3", [Layer(3)]),
    ("conv k3 s1 p1; pool k3 s2; conv k3 d2",
     [Layer(3, 1, 1), Layer(3, 2, kind="pool"), Layer(3, dilation=2)]),
    ("  pool  d2 k2x4   s3 ;conv p0,1 k3", [Layer((2, 4), 3, 0, 2, "pool"), Layer(3, padding=(0, 1))]),
]


@pytest.mark.parametrize("text, layers", SPECS)
def test_parse_spec(text, layers):
    assert parse_spec(text) == layers


BAD_SPECS = [
    # spec, offending token, 1-based column, words of the rule
    ("conv k0", "k0", 6, "kernel must be >= 1, got 0"),
    ("conv k3 s0", "s0", 9, "stride must be >= 1, got 0"),
    ("conv k3 d0", "d0", 9, "dilation must be >= 1, got 0"),
    ("conv k3; pool k3 p2", "p2", 18, "padding must be <= kernel // 2 = 1"),
    ("conv k3; poool k2", "poool", 10, "must start with a kind"),
    ("conv k3 q1", "q1", 9, "bad parameter"),
    ("conv k3 p-1", "p-1", 9, "bad parameter"),
    ("conv k3 k5", "k5", 9, "kernel given twice"),
    ("conv s2", "conv s2", 1, "no kernel"),
    ("conv k3;; conv k3", "", 9, "layer 2 is empty"),
    ("conv k3x", "k3x", 6, "bad parameter"),
    ("conv k1234567890", "k1234567890", 6, "longer than 9 digits"),
    ("conv k٣", "k٣", 6, "bad parameter"),          # only ASCII digits
    ("   ", "   ", 1, "spec is empty"),
]


@pytest.mark.parametrize("text, token, column, rule", BAD_SPECS)
def test_bad_specs_name_the_token_and_its_column(text, token, column, rule):
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert (info.value.token, info.value.column) == (token, column)
    assert rule in str(info.value)
    assert f"{token!r} at column {column}" in str(info.value)


def test_parse_input():
    assert parse_input("32") == 32
    assert parse_input("9x12") == (9, 12)
    for bad in ("0", "x3", "3x", "-4", "3.5", ""):
        with pytest.raises(ValueError, match="--input"):
            parse_input(bad)


def run(capsys, *argv):
    code = main(["rf", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_vgg16_spec_gives_the_published_field(capsys):
    """Araujo, Norris & Sim (Distill 2019): VGG 16 has r = 212, S = 32, P = 90."""
    code, out, err = run(capsys, VGG16, "--input", "224", "--format", "json")
    assert code == 0 and err == ""
    last = json.loads(out)["layers"][-1]
    assert (last["size"], last["effective_stride"], last["effective_padding"]) == (212, 32, 90)
    assert last["output"] == 7


def test_table_columns_and_rows(capsys):
    code, out, _ = run(capsys, "conv k3 s1 p1; pool k3 s2; conv k3 d2", "--input", "32", "--wide")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split()[:5] == ["kind", "kernel", "stride", "padding", "dilation"]
    for header in ("output size", "field size", "effective stride", "effective padding"):
        assert header in lines[0]
    # field 1 + 2 + 2 + 2·2·2 = 13 after the dilated conv; output 32 -> 15 -> 11
    assert lines[-1].split() == ["conv", "3", "1", "0", "2", "11", "13", "2", "1"]
    code, out, _ = run(capsys, "conv k3 s1 p1; pool k3 s2; conv k3 d2")
    assert "output size" not in out and out.strip().splitlines()[-1].split()[-3:] == ["13", "2", "1"]


def test_non_square_and_asymmetric(capsys):
    code, out, _ = run(capsys, "conv k3x5 s2 p0,1", "--input", "32")
    assert code == 0
    assert out.strip().splitlines()[-1].split() == ["conv", "3x5", "2", "0,1", "1", "16x15", "3x5",
                                                    "2x2", "0x0"]


@pytest.mark.parametrize("argv, words", [
    (["conv k3; pool k3 p2"], "'p2' at column 18"),
    (["conv k3 q1"], "'q1' at column 9"),
    (["conv k3 s4; conv k9 s4", "--input", "32"], "'conv k9 s4' at column 13"),
    (["conv k3", "--input", "0"], "--input"),
    (["conv k3", "--format", "nope"], "unknown format"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err
