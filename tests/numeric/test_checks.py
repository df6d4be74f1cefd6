"""numeric._checks: the one home of argument validation, and the one exception type at numeric's boundary."""
import ast
from pathlib import Path

import numpy as np
import pytest

import numeric
from numeric import _checks as C

NUMERIC = Path(numeric.__file__).parent


def test_one_exception_type_catchable_as_value_error_and_type_error():
    assert numeric.NumericError is C.NumericError
    assert issubclass(C.NumericError, ValueError) and issubclass(C.NumericError, TypeError)


def raised_names(path):
    """The names of every exception class a module raises by name (``raise X(...)``, ``raise X``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name):
                names.add(target.id)
    return names


@pytest.mark.parametrize("path", sorted(NUMERIC.glob("*.py")), ids=lambda p: p.name)
def test_every_refusal_in_numeric_is_a_numeric_error(path):
    assert raised_names(path) <= {"NumericError"}, path.name


def test_no_module_imports_a_private_name_of_another():
    """Shared helpers live in _checks (private to the package); topic modules import only public names."""
    for path in NUMERIC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("numeric."):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, (path.name, node.module, private)


GOOD = [
    (lambda: C.integer("kernel", np.int64(3), 1), 3),
    (lambda: C.real("q", 2, 0, strict=True), 2.0),
    (lambda: C.flag("ceil_mode", np.bool_(True)), True),
    (lambda: C.one_of("bias", None, (None, "torch")), None),
    (lambda: C.pair("kernel", 3, 1), (3, 3)),
    (lambda: C.pair("padding", [1, 2], 0, "(left, right)"), (1, 2)),
    (lambda: C.int_tuple("shape", np.array([4, 3]), "(out, in)"), (4, 3)),
    (lambda: C.widths([4, 2]), (4, 2)),
    (lambda: C.float_array("x", [1, 2]).dtype, np.float64),
    (lambda: C.float_dtype("dtype", "float32"), np.float32),
    (lambda: C.generator(3).integers(10), np.random.default_rng(3).integers(10)),
]


@pytest.mark.parametrize("call, expected", GOOD)
def test_checks_return_the_value_in_the_form_used(call, expected):
    assert call() == expected


BAD = [
    # call, the exact message: argument, value received, rule
    (lambda: C.integer("kernel", 0, 1), "kernel must be >= 1, got 0"),
    (lambda: C.integer("kernel", 2.5, 1), "kernel must be an integer >= 1, got 2.5 (float)"),
    (lambda: C.integer("batch", True, 1), "batch must be an integer >= 1, got True (bool)"),
    (lambda: C.real("q", 0.0, 0, strict=True), "q must be > 0, got 0.0"),
    (lambda: C.real("sigma_w", -1, 0), "sigma_w must be >= 0, got -1"),
    (lambda: C.real("mean", float("nan")), "mean must be a finite real number, got nan"),
    (lambda: C.real("gain", 10**400, 0), "gain must be a finite real number >= 0, got " + repr(10**400)),
    (lambda: C.real("lr", "0.1", 0, strict=True), "lr must be a finite real number > 0, got '0.1'"),
    (lambda: C.flag("bias", 1), "bias must be a bool, got 1"),
    (lambda: C.one_of("mode", ["fan_in"], ("fan_in", "fan_out")),
     "mode must be one of ('fan_in', 'fan_out'), got ['fan_in']"),
    (lambda: C.function("phi", "relu"), "phi must be a callable on arrays, got 'relu'"),
    (lambda: C.pair("kernel", (3, 0), 1), "kernel[1] must be >= 1, got 0"),
    (lambda: C.pair("kernel", (3, 3, 3), 1), "kernel must be an int or an (h, w) pair, got (3, 3, 3)"),
    (lambda: C.sides("padding", -1), "padding must be >= 0, got -1"),
    (lambda: C.int_tuple("shape", (3, 2.5), "(out, in)"), "shape must be a sequence of integers (out, in), got (3, 2.5)"),
    (lambda: C.int_tuple("shape", "43", "(out, in)"), "shape must be a sequence of integers (out, in), got '43'"),
    (lambda: C.int_tuple("input_shape", (1, 2, 5), "(N, C, H, W)", length=4, noun="dimensions"),
     "input_shape must have 4 dimensions (N, C, H, W), got (1, 2, 5)"),
    (lambda: C.widths((4,)), "widths must have at least 2 entries (n_0, ..., n_L), got (4,)"),
    (lambda: C.widths((4, 0)), "widths[1] must be >= 1, got 0 in (4, 0)"),
    (lambda: C.float_array("x", np.array(["a"])), "x must be a real floating or integer array, got dtype <U1"),
    (lambda: C.float_array("x", [[1.0], [1.0, 2.0]]), "x must be a real array, got [[1.0], [1.0, 2.0]]"),
    (lambda: C.float_array("x", np.ones(3), ndim=4, layout="(N, C, H, W)"),
     "x must have 4 dimensions (N, C, H, W), got shape (3,)"),
    (lambda: C.matrix("y", np.ones((2, 3)), rows=4), "y must have shape (4, 'any'), got (2, 3)"),
    (lambda: C.float_dtype("dtype", np.int32), "dtype must be float32 or float64, got int32"),
    (lambda: C.float_dtype("dtype", "nonsense"), "dtype must be float32 or float64, got 'nonsense'"),
    (lambda: C.generator(-1), "rng must be None, a seed (an integer >= 0), a SeedSequence, a BitGenerator or "
                               "a numpy Generator, got -1"),
]


@pytest.mark.parametrize("call, message", BAD)
def test_refusals_name_the_argument_the_value_and_the_rule(call, message):
    with pytest.raises(C.NumericError) as info:
        call()
    assert str(info.value) == message


# ---------------------------------------------------------------- issue 14: memory limit, bool and masked input

def test_a_request_above_the_memory_limit_is_refused_before_allocating_with_its_size():
    from numeric import gain, init

    with pytest.raises(C.NumericError, match=r"the weight array would need 80 GB .* limit of 2.15 GB"):
        init.kaiming_normal((100_000, 100_000))  # 80 GB: allocating it would fail or swap, not raise this
    with pytest.raises(C.NumericError, match=r"layer_second_moment would need 24 TB"):
        gain.layer_second_moment(np.random.default_rng(0), 10**6, np.tanh, fan_in=1000, fan_out=1000, sigma_w=1)


def test_a_request_just_below_the_limit_is_accepted():
    C.allocation("x", (C.MAX_BYTES // 8,), np.float64)  # exactly the limit: no refusal
    with pytest.raises(C.NumericError):
        C.allocation("x", (C.MAX_BYTES // 8 + 1,), np.float64)


def test_bool_gain_and_bool_arrays_are_refused_by_name():
    from numeric import init

    with pytest.raises(C.NumericError, match="gain must be a finite real number"):
        init.xavier_normal((3, 3), gain=True)
    with pytest.raises(C.NumericError, match="x must be a real floating or integer array, got dtype bool"):
        C.float_array("x", np.array([True, False]))


def test_a_masked_array_is_refused_rather_than_losing_its_mask():
    masked = np.ma.masked_array([1.0, 1e300], mask=[False, True])
    with pytest.raises(C.NumericError, match="x must be a plain array, got a masked array"):
        C.float_array("x", masked)
