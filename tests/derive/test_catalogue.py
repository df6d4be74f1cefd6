"""derive.catalogue: the one table of activations, its parameters, PyTorch's constants, and recognition."""
import pytest
import sympy as sp

from derive import catalogue as A

x = A.x


def test_every_builtin_builds_with_its_own_name_and_a_formula_in_x():
    for name in A.BUILTINS:
        act = A.builtin(name)
        assert act.name == name
        assert act.formula.free_symbols - {s for s, _ in act.parameters} == {x}, name
        assert act.expr.free_symbols == {x}, name   # parameters written out


def test_every_parameter_has_its_value_and_its_source():
    for name in A.BUILTINS:
        for symbol, value in A.builtin(name).parameters:
            assert value.is_positive and not value.free_symbols, (name, symbol)
            assert (symbol, name) in A.PARAMETER_NOTES, (name, symbol)


def test_parameters_are_exact_numbers():
    assert dict(A.builtin("leaky_relu", slope=0.2).parameters)[A.a] == sp.Rational(1, 5)
    assert dict(A.builtin("elu", alpha_value=2).parameters)[A.alpha] == 2
    assert dict(A.builtin("selu").parameters) == {A.lam: A.SELU_LAMBDA, A.alpha: A.SELU_ALPHA}


def test_activation_reads_a_name_or_parses_an_expression():
    assert A.activation(" gelu ") == A.builtin("gelu")
    typed = A.activation("x*tanh(softplus(x))")
    assert typed.name == "x*tanh(softplus(x))" and typed.source == "typed by the user"
    assert sp.simplify(typed.expr - A.builtin("mish").expr) == 0


BAD = [
    # call, error, message
    (lambda: A.builtin("swsh"), ValueError, "activation must be one of relu"),
    (lambda: A.activation("swsh"), ValueError, "unknown activation 'swsh': the names are relu"),
    (lambda: A.activation("leaky_relu(x)"), ValueError, "takes a plain decimal number such as leaky_relu"),
    (lambda: A.activation("leaky_relu(1e3)"), ValueError, "takes a plain decimal number"),  # never evaluated
    (lambda: A.activation("elu(1000)"), ValueError, "elu's alpha must be in"),
    (lambda: A.activation("gelu(2)"), ValueError, "activation 'gelu' takes no parameter"),
    (lambda: A.activation(3), TypeError, "activation must be a str, got int"),
    (lambda: A.builtin("leaky_relu", slope="0.2"), TypeError, "slope must be a real number, got '0.2'"),  # never parsed
    (lambda: A.builtin("leaky_relu", slope=-1), ValueError, "slope must be a finite real number > 0, got -1"),
    (lambda: A.builtin("elu", alpha_value=float("inf")), ValueError, "alpha must be a finite real number > 0"),
    (lambda: A.exact_number("q", True), TypeError, "q must be a real number, got True"),
]


@pytest.mark.parametrize("call, error, message", BAD, ids=[m[:30] for _, _, m in BAD])
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_torch_constants_are_stated_with_their_values():
    assert A.torch_gain(A.builtin("tanh")) == sp.Rational(5, 3)
    assert A.torch_gain(A.builtin("selu")) == sp.Rational(3, 4)
    assert A.torch_gain(A.builtin("leaky_relu")) == sp.sqrt(2 / (1 + sp.Rational(1, 100) ** 2))
    assert A.torch_gain(A.builtin("gelu")) is None
    assert set(A.TORCH_GAINS) <= set(A.BUILTINS)


@pytest.mark.parametrize("text, name, slope", [("max(x, 0)", "relu", None), ("where(x > 0, x, 0)", "relu", None),
                                               ("max(x, 0.2*x)", "leaky_relu", sp.Rational(1, 5)),
                                               ("x*(1 + erf(x/sqrt(2)))/2", "gelu", None),
                                               ("x*sigmoid(x)", "silu", None), ("x**3", None, None),
                                               ("max(x, 2*x)", None, None)])
def test_recognize(text, name, slope):
    found = A.recognize(A.activation(text))
    assert (found.name if found else None) == name
    if slope is not None:
        assert dict(found.parameters)[A.a] == slope


@pytest.mark.parametrize("text, name, parameters", [
    ("leaky_relu(0.2)", "leaky_relu", {"a": sp.Rational(1, 5)}),
    ("elu(1.0)", "elu", {"alpha": 1}),
    (" celu( 0.5 ) ", "celu", {"alpha": sp.Rational(1, 2)}),
    ("swish(2)", "swish", {"beta": 2}),
    ("hardtanh", "hardtanh", {}),
])
def test_a_name_with_its_parameter(text, name, parameters):
    act = A.activation(text)
    assert act.name == name and {str(s): v for s, v in act.parameters} == parameters


def test_names_with_a_function_of_the_parser_stay_expressions():
    assert A.activation("tanh(2*x)").expr == sp.tanh(2 * A.x)
    assert A.activation("where(x > 0, x, 0)").name == "where(x > 0, x, 0)"
