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
    ("  pool  d2 k2x4   s3 ;conv p0+1 k3", [Layer((2, 4), 3, 0, 2, "pool"), Layer(3, padding=((0, 1),))]),
    # per-axis values read as PyTorch's tuples, in the spec and in Layer: p1,0 and p1x0 are padding=(1, 0)
    ("conv k3x1 p1,0", [Layer((3, 1), padding=(1, 0))]),
    ("conv k3x1 p1x0", [Layer((3, 1), padding=(1, 0))]),
    ("conv k3 p0+1x1+0", [Layer(3, padding=((0, 1), (1, 0)))]),
    ("conv k3 p1 *3; pool k2 s2", [Layer(3, padding=1)] * 3 + [Layer(2, 2, kind="pool")]),
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
    code, out, _ = run(capsys, "conv k3x5 s2 p0+1", "--input", "32")
    assert code == 0
    assert out.strip().splitlines()[-1].split() == ["conv", "3x5", "2", "0+1", "1", "16x15", "3x5",
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


def resnet50_spec(layout):
    """ResNet-50 in the graph syntax. torchvision: stride in the first unit's 3×3, 1×1 stride-2 projection
    shortcuts, max pool padding 1. TF-slim (resnet_v1): stride in the last unit of a block, conv2d_same
    (explicit padding (k-1)/2 for stride 2), SAME elsewhere, subsampling shortcuts (1×1 max pool)."""
    tf = layout == "slim"
    parts = ["c1 = conv k7 s2 p3", "x0 = @c1 maxpool k3 s2 " + ("same" if tf else "p1")]
    units = [3, 4, 6, 3]
    n = 0
    for block, count in enumerate(units):
        for unit in range(count):
            stride = 2 if ((tf and unit == count - 1 and block < 3) or (not tf and unit == 0 and block > 0)) else 1
            pad = "same" if (tf and stride == 1) else "p1"
            parts += [f"@x{n} conv k1", f"conv k3 s{stride} {pad}", f"m{n} = conv k1"]
            if unit == 0:
                parts.append(f"s{n} = @x{n} conv k1 s{stride}")
            elif stride == 2:
                parts.append(f"s{n} = @x{n} maxpool k1 s2")
            parts.append(f"x{n + 1} = add m{n} " + (f"s{n}" if unit == 0 or stride == 2 else f"x{n}"))
            n += 1
    return "; ".join(parts)


@pytest.mark.parametrize("layout, field, start", [("slim", 483, -239), ("torchvision", 427, -213)])
def test_resnet50_graph_field_is_its_main_paths(capsys, layout, field, start):
    """Araujo, Norris & Sim (Distill 2019): ResNet-50 483/32/239 (TF-slim); torchvision's layout 427/32/213."""
    code, out, err = run(capsys, resnet50_spec(layout), "--input", "224x224", "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    last = doc["nodes"][-1]
    assert doc["output"] == last["name"] == "x16"
    assert (last["field"], last["stride"], last["start"]) == ([field] * 2, [32, 32], [start] * 2)
    assert last["output_shape"] == [7, 7]
    adds = [n for n in doc["nodes"] if n["op"] == "add"]
    assert len(adds) == 16
    assert all(any(note.startswith("field is m") for note in n["notes"]) for n in adds)
    assert not any("misaligned" in note for n in doc["nodes"] for note in n["notes"])


def test_graph_table_fits_and_says_varying_fields(capsys):
    code, out, err = run(capsys, "x = conv k3 s2 p1; a = @x conv k1; b = @x conv k3 p1; cat a b; "
                                 "convT k3 s2 p1 op1; up2 bilinear *2; gap", "--input", "64")
    assert code == 0 and err == ""
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "convT5: field varies with the unit: largest 9, smallest 7" in out
    assert "output gap8: field 73, stride 0, start -5" in out


@pytest.mark.parametrize("argv, words", [
    (["conv k3; add conv1 bogus"], "'bogus' at column 20: add input 'bogus' is not an earlier node"),
    (["conv k3 s2 same"], "'same' with stride 2 depends on the input size"),
    (["x = conv k3; y = @z conv k1"], "'@z' at column 18: not an earlier node"),
    (["conv k3 p1 *0"], "'*0' at column 12: repetition is *N"),
    (["1x = conv k3"], "'1x' at column 1: a node name"),
    (["conv k3 p1 same"], "padding given twice"),
    (["up999 *9"], "upsampling factors too large to tabulate"),
    (["cat input"], "cat needs at least two node names"),
    (["a = conv k3; add @a b"], "'@a' at column 18: add takes node names without @ ('add a ...')"),
    # errors in the order of the spec: the bad value of layer 1 before the missing kernel of layer 2
    (["conv k3 s0; pool"], "'s0' at column 9: stride must be >= 1"),
    (["conv k3 s2; conv k0; pool"], "'k0' at column 18: kernel must be >= 1"),
    (["conv k3 s2; pool"], "'pool' at column 13: layer 2 has no kernel"),
    (["maxpool k3 p2"], "'p2' at column 12: padding must be <= kernel // 2 = 1 for a pool"),
    (["conv k3 op1"], "'op1' at column 9: output padding (opN) is for convT only"),
    (["conv k3 ceil"], "'ceil' at column 9: 'ceil' is for pool / maxpool / avgpool only"),
    (["pol k2"], "'pol' at column 1: layer 1 must start with a kind (did you mean 'pool'?)"),
    (["conv stride2 k3"], "'stride2' at column 6: bad parameter in layer 1 (write 's2')"),
    (["a = conv k3; b = @c conv k1"], "'@c' at column 18: not an earlier node (known: input, a)"),
    (["a = conv k3 p1; b = conv k3 s2 p1; add a b", "--input", "32"],
     "'add a b' at column 36: add needs inputs of one shape, got 32, 16 (inputs a, b, in that order)"),
    (["conv k3", "--torch", "nets:Shared", "--input", "3x8x8"], "not both"),
    (["--torch", "nets:Shared", "--input", "8"], "--torch needs --input CxHxW"),
    (["--torch", "nets:Nothing", "--input", "3x8x8"], "has no callable 'Nothing'"),
    (["--torch", "nets.x", "--input", "3x8x8"], "--torch must be PKG.MOD:FACTORY"),
])
def test_bad_graph_specs_exit_2_naming_the_token(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err


def test_torch_model_json_schema(capsys):
    pytest.importorskip("torch")
    code, out, err = run(capsys, "--torch", "nets:Shared", "--input", "3x16x16", "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    keys = {"name", "op", "inputs", "output_shape", "field", "field_min", "stride", "start", "params", "macs",
            "notes"}
    assert all(set(node) == keys for node in doc["nodes"])
    last = doc["nodes"][-1]
    assert doc["output"] == last["name"] and last["output_shape"] == [3, 16, 16] and last["field"] == [5, 5]
    assert sum(n["params"] for n in doc["nodes"]) == 84 and "shares parameters with conv" in last["notes"]


def test_torch_table_and_notes_fit_100_columns(capsys):
    pytest.importorskip("torch")
    code, out, err = run(capsys, "--torch", "nets:UNet", "--input", "1x64x64")
    assert code == 0 and err == ""
    assert max(len(line) for line in out.splitlines()) <= 100
    # the k2 s2 up-convolutions leave the decoder's centres half a position off the skip's, unit by unit
    assert "cat_1: axis 0: misaligned: centres of inputs 0 and 1 are offset by -3/2, -1/2, 1/2, 3/2" in out
