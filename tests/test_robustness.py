"""Robustness matrix: bad input is refused clearly, extreme but valid input gives finite, right numbers.

1. Every command line (``python -m verify run|audit|rf|gain|report``, ``python -m derive``) given invalid
   input exits with status 2 and exactly one line on stderr, which is the command's own error message
   (not its "internal error" fallback) and never a traceback.
2. Every public function and class of every ``numeric`` module has at least one invalid-input case in
   ``CASES``; each must raise ValueError or TypeError whose message names the argument, within
   ``CASE_SECONDS``. ``test_cases_cover_every_public_name`` finds the public names by introspection, so a
   new public function without a case fails the suite.
3. Extreme but valid inputs (logits and activations at ±1e4, widths 1 and 4096, depth 200, 200-layer
   receptive fields, sizes of 2**40) give finite results equal to what the mathematics says.
"""
from __future__ import annotations

import inspect
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from derive.cli import main as derive_main
from derive.budget import StageTimeout as Hang  # what the alarm raises (a BaseException: no
from derive.budget import stage                 # pytest.raises(ValueError) can swallow it)
from numeric import activations, conv, dynamics, gain, gan, init, linear, propagation, receptive_field
from verify.cli import main as verify_main

ROOT = Path(__file__).resolve().parents[1]


def _deadline(seconds):
    """A wall-clock limit (derive.budget.stage, SIGALRM): a blocked call (a sleep, a read) fails the case
    instead of hanging; derive's time_cap counts CPU time, which a blocked call does not use."""
    return stage("robustness case", seconds)


MODULES = (activations, init, linear, propagation, conv, receptive_field, dynamics, gan, gain)
ELEMENTWISE = [f for f in activations.__all__ if inspect.isfunction(getattr(activations, f)) and f != "activation"]
"""The elementwise functions of numeric.activations (the table's lookup and record are cased apart)."""
CASE_SECONDS = 1.0
"""A refusal must come at once: a case using more CPU time than this fails (work done before validating).
CPU time of this process, so another process loading the machine cannot make it flaky."""
HANG_SECONDS = 10.0
"""Wall-clock guard against a hang (generous: a loaded machine must not trip it)."""
CLI_SECONDS = 5.0
"""A command line refusing its input in-process (imports are already done) must do so within this."""
Z = 4.89
"""Two-sided normal quantile for a false-alarm rate of 1e-6 per Monte Carlo comparison below."""


# ---------------------------------------------------------------------------------------------------------
# 1. command lines


def _one_line_error(code, err, program):
    lines = err.splitlines()
    assert code == 2, (code, err)
    # one line; an unknown activation name alone adds the built-in names on indented lines within 100 columns
    assert len(lines) == 1 or "unknown activation" in lines[0] and all(
        line.startswith("  ") and len(line) <= 100 for line in lines[1:]), err
    assert lines[0].startswith(f"{program}: error: "), err
    assert "Traceback" not in err


VERIFY_BAD = [
    # run (also the default subcommand)
    ["run", "--seed", "-1"], ["run", "--seed", "abc"], ["run", "--seed", str(2**63)], ["run", "--seed", "nan"],
    ["run", "--seed", ""], ["run", "--alpha", "nan"], ["run", "--alpha", "inf"], ["run", "--alpha", "0"],
    ["run", "--alpha", "1"], ["run", "--alpha", "-0.5"], ["run", "--alpha", ""], ["run", "--budget", "0"],
    ["run", "--budget", "-1"], ["run", "--budget", "nan"], ["run", "--budget", "inf"], ["run", "--budget", "1e400"],
    ["run", "--budget", "1e300"], ["run", "--budget", "1e-300"], ["run", "--budget", "abc"],
    ["run", "-k", "no.such.claim.zzz"], ["run", "--format", "nope"], ["run", "--format", ""],
    ["run", "--module", "no.such.module"], ["run", "--module", ""], ["run", "--bogus"], ["run", "-k"],
    ["run", "--seed"], ["--bogus"], ["no-such-subcommand"], ["-k", "no.such.claim.zzz"],
    # audit
    ["audit", "--seed", "-1"], ["audit", "--seed", "1.5"], ["audit", "-k", "no.such.statement.zzz"],
    ["audit", "--format", "bad"], ["audit", "extra-argument"],
    # report
    ["report"], ["report", ""], ["report", "   "], ["report", "--seed", "x", "out"], ["report", "/etc/passwd"],
    # rf
    ["rf"], ["rf", ""], ["rf", " ; "], ["rf", "conv"], ["rf", "conv k0"], ["rf", "conv k3 s0"], ["rf", "conv k3 d0"],
    ["rf", "fc k3"], ["rf", "conv k3 x"], ["rf", "conv k-3"], ["rf", "conv knan"], ["rf", "conv kinf"],
    ["rf", "conv k99999999999"], ["rf", "conv k3;"], ["rf", "conv k3 k3"], ["rf", "pool k3 p2"],
    ["rf", "conv k3", "--input", "0"], ["rf", "conv k3", "--input", "-3"], ["rf", "conv k3", "--input", "abc"],
    ["rf", "conv k3", "--input", "nan"], ["rf", "conv k3", "--input", "1x0"], ["rf", "conv k3", "--input", ""],
    ["rf", "conv k3", "--input", "99999999999"], ["rf", "conv k3", "--input", "2"],
    ["rf", "conv k3 s2; " * 40 + "conv k3", "--input", "999999999"], ["rf", "conv k3", "--format", "x"],
    # gain
    ["gain"], ["gain", ""], ["gain", "   "], ["gain", "foo(x)"], ["gain", "y"], ["gain", "x**"], ["gain", "nan*x"],
    ["gain", "oo*x"], ["gain", "1e400*x"], ["gain", "x" * 5000], ["gain", "__import__('os')"], ["gain", "0*x"],
    ["gain", "relu", "--q", "nan"], ["gain", "relu", "--q", "inf"], ["gain", "relu", "--q", "0"],
    ["gain", "relu", "--q", "-1"], ["gain", "relu", "--q", "1e300"], ["gain", "relu", "--q", "1e-12"],
    ["gain", "relu", "--sigma-w", "nan"], ["gain", "relu", "--sigma-w", "-1"], ["gain", "relu", "--sigma-w", "1e300"],
    ["gain", "relu", "--sigma-b", "inf"], ["gain", "relu", "--sigma-b", "-0.1"], ["gain", "relu", "--sigma-b", "1e200"],
    ["gain", "relu", "--depth", "0"], ["gain", "relu", "--depth", "-5"], ["gain", "relu", "--depth", "2.5"],
    ["gain", "relu", "--depth", "1001"], ["gain", "relu", "--depth", str(10**30)], ["gain", "relu", "--seed", "-1"],
    ["gain", "relu", "--format", "x"],
]

DERIVE_BAD = [["-k", "no.such.derivation.zzz"], ["--format", "pdf"], ["--format", ""], ["--bogus"], ["-k"],
              ["--list", "extra"]]


@pytest.mark.parametrize("argv", VERIFY_BAD, ids=lambda argv: " ".join(argv)[:60])
def test_verify_refuses_bad_input_on_one_line(argv, capsys):
    with _deadline(CLI_SECONDS):
        code = verify_main(list(argv))
    _, err = capsys.readouterr()
    _one_line_error(code, err, "verify")


@pytest.mark.parametrize("argv", DERIVE_BAD, ids=lambda argv: " ".join(argv))
def test_derive_refuses_bad_input_on_one_line(argv, capsys):
    with _deadline(CLI_SECONDS):
        code = derive_main(list(argv))
    _, err = capsys.readouterr()
    _one_line_error(code, err, "derive")


@pytest.mark.parametrize("q, sigma_w", [(1e-6, None), (1e4, None), (1.0, 1e3)])
def test_gain_at_the_edges_of_its_range(q, sigma_w, capsys):
    """The refused ranges of `verify gain` are the limits of what it computes right: at their edges relu
    still gives V(q) = σ_w²·q/2 (σ_w = √2 by default) to 1e-9 and a passing, finite Monte Carlo check."""
    argv = ["gain", "relu", "--q", repr(q), "--depth", "2", "--format", "json"]
    if sigma_w is not None:
        argv += ["--sigma-w", repr(sigma_w)]
    code = verify_main(argv)
    out, _ = capsys.readouterr()
    check = json.loads(out)["check"]
    expected = (2.0 if sigma_w is None else sigma_w**2) * q / 2
    assert code == 0 and check["verdict"] == "pass"
    assert check["expected"] == pytest.approx(expected, rel=1e-9)
    assert math.isfinite(check["estimate"]) and math.isfinite(check["stderr"]) and check["stderr"] > 0


SUBPROCESS_BAD = [
    ["verify", "rf", "conv k0"],
    ["verify", "gain", "relu", "--q", "nan"],
    ["verify", "run", "--budget", "inf"],
    ["derive", "--format", "pdf"],
]


@pytest.mark.parametrize("argv", SUBPROCESS_BAD, ids=" ".join)
def test_no_traceback_escapes_the_entry_point(argv):
    env = dict(os.environ)
    env.pop("VERIFY_DEBUG", None)
    done = subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=60)
    _one_line_error(done.returncode, done.stderr, argv[0])
    assert done.stdout == ""


# ---------------------------------------------------------------------------------------------------------
# 2. numeric: every public name refuses invalid input


def names_argument(argument: str, message: str) -> bool:
    """Whether ``message`` names ``argument`` as a whole word (``x`` is not named by "expected")."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])", message) is not None


def test_an_argument_is_named_as_a_whole_word_only():
    """The check the cases below rely on: a message that drops the name fails it, even where the name's
    letters occur inside other words."""
    assert names_argument("x", "x must be a finite array, got nan")
    assert names_argument("kernel", "kernel must be an integer >= 1, got 0")
    assert not names_argument("x", "expected a finite array, got nan")
    assert not names_argument("n", "must be an integer >= 1, got 0")
    assert not names_argument("rng", "strong argument")


def _case(module, name, argument, call, label=""):
    """One row: calling ``call()`` must raise ValueError/TypeError whose message contains ``argument``."""
    short = module.__name__.rsplit(".", 1)[1]
    return pytest.param(module.__name__, name, argument, call, id=f"{short}.{name}:{argument}{label}")


def _params():
    return dynamics.constant_params(2, 3, weight=0.5)


def _x():
    return np.zeros((4, 2))


def _mlp():
    return linear.MLP.init((2, 3, 1), 0)


def _layer_kernel(name):
    return getattr(gain, name)


_RNG = np.random.default_rng(0)
_FIELD = receptive_field.Layer(3)
_IMAGE = np.zeros((1, 2, 5, 5))
_WEIGHT = np.zeros((4, 2, 3, 3))
_GRAD = np.zeros((1, 4, 3, 3))


def _graph():
    return receptive_field.Graph((3, 8, 8))


def _graph_add(merge, stride=1):
    """A merge of the input with a conv branch of another shape (channels, or size when strided)."""
    g = _graph()
    g.node("c", receptive_field.Conv(4, 1, stride=stride), "input")
    g.node("m", merge, "input", "c")
    return g.analyse()   # shapes are known, and checked, when the graph is analysed


CASES = [
    # -- activations: elementwise; NaN in x propagates as in numpy (not an error), a non-real x is refused
    *[_case(activations, f, "x", (lambda f=f: getattr(activations, f)(np.array(["a", "b"]))), ":str")
      for f in ELEMENTWISE],
    *[_case(activations, f, "x", (lambda f=f: getattr(activations, f)(np.array([1 + 2j]))), ":complex")
      for f in ELEMENTWISE],
    _case(activations, "activation", "activation", lambda: activations.activation("swish")),
    _case(activations, "activation", "activation", lambda: activations.activation(None), ":None"),
    _case(activations, "activation", "negative_slope",
          lambda: activations.activation("leaky_relu", negative_slope=float("nan"))),
    # -- init
    _case(init, "fans", "shape", lambda: init.fans((3,))),
    _case(init, "fans", "shape", lambda: init.fans(()), ":empty"),
    _case(init, "fans", "shape", lambda: init.fans((4.0, 3)), ":float"),
    _case(init, "fans", "shape", lambda: init.fans((-1, 3)), ":negative"),
    _case(init, "fans", "shape", lambda: init.fans("ab"), ":str"),
    _case(init, "fans", "groups", lambda: init.fans((4, 3), groups=0)),
    _case(init, "fans", "groups", lambda: init.fans((4, 3), groups=3), ":divide"),
    _case(init, "fans", "groups", lambda: init.fans((4, 3), groups=1.5), ":float"),
    _case(init, "fans", "groups", lambda: init.fans((4, 3), groups=float("nan")), ":nan"),
    _case(init, "calculate_gain", "nonlinearity", lambda: init.calculate_gain("swish")),
    _case(init, "calculate_gain", "nonlinearity", lambda: init.calculate_gain(5), ":int"),
    _case(init, "calculate_gain", "nonlinearity", lambda: init.calculate_gain(""), ":empty"),
    _case(init, "calculate_gain", "param", lambda: init.calculate_gain("leaky_relu", float("nan"))),
    _case(init, "calculate_gain", "param", lambda: init.calculate_gain("leaky_relu", "0.1"), ":str"),
    _case(init, "init_std", "gain", lambda: init.init_std((4, 3), float("nan"))),
    _case(init, "init_std", "gain", lambda: init.init_std((4, 3), float("inf")), ":inf"),
    _case(init, "init_std", "gain", lambda: init.init_std((4, 3), -1.0), ":negative"),
    _case(init, "init_std", "gain", lambda: init.init_std((4, 3), "2"), ":str"),
    _case(init, "init_std", "mode", lambda: init.init_std((4, 3), 1.0, "fan_sum")),
    _case(init, "init_std", "fan_in", lambda: init.init_std((4, 0), 1.0), ":zero"),
    _case(init, "variance_scaling", "distribution", lambda: init.variance_scaling((4, 3), distribution="cauchy")),
    _case(init, "variance_scaling", "dtype", lambda: init.variance_scaling((4, 3), dtype=np.int32)),
    _case(init, "variance_scaling", "gain", lambda: init.variance_scaling((4, 3), float("nan"))),
    _case(init, "variance_scaling", "gain", lambda: init.variance_scaling((0, 3), float("nan")), ":empty shape"),
    _case(init, "variance_scaling", "mode", lambda: init.variance_scaling((0, 3), 1.0, "fan_sum"), ":empty shape"),
    _case(init, "variance_scaling", "rng", lambda: init.variance_scaling((4, 3), rng="seed")),
    _case(init, "variance_scaling", "out", lambda: init.variance_scaling((4, 3), out=np.empty((3, 4)))),
    _case(init, "variance_scaling", "shape", lambda: init.variance_scaling((4, -3))),
    _case(init, "lecun_normal", "gain", lambda: init.lecun_normal((4, 3), gain=float("inf"))),
    _case(init, "lecun_normal", "shape", lambda: init.lecun_normal((4,)), ":1-D"),
    _case(init, "lecun_uniform", "mode", lambda: init.lecun_uniform((4, 3), mode="fan")),
    _case(init, "xavier_normal", "gain", lambda: init.xavier_normal((4, 3), gain=float("nan"))),
    _case(init, "xavier_uniform", "shape", lambda: init.xavier_uniform((4, None))),
    _case(init, "kaiming_normal", "nonlinearity", lambda: init.kaiming_normal((4, 3), nonlinearity="swish")),
    _case(init, "kaiming_normal", "param", lambda: init.kaiming_normal((4, 3), a=float("nan"))),
    _case(init, "kaiming_uniform", "mode", lambda: init.kaiming_uniform((4, 3), mode="avg")),
    _case(init, "kaiming_uniform", "param", lambda: init.kaiming_uniform((4, 3), a=float("inf"))),
    _case(init, "torch_default", "shape", lambda: init.torch_default(())),
    _case(init, "torch_default", "rng", lambda: init.torch_default((4, 3), rng=1.5)),
    _case(init, "torch_default_bias", "fan_in", lambda: init.torch_default_bias((4, 0))),
    _case(init, "torch_default_bias", "dtype", lambda: init.torch_default_bias((4, 3), dtype=np.int64)),
    _case(init, "torch_default_bias", "out", lambda: init.torch_default_bias((4, 3), out=np.empty(3))),
    _case(init, "torch_default_bias", "rng", lambda: init.torch_default_bias((4, 3), rng="x")),
    # -- linear
    _case(linear, "activation_pair", "activation", lambda: linear.activation_pair("swish")),
    _case(linear, "activation_pair", "activation", lambda: linear.activation_pair(None), ":None"),
    _case(linear, "activation_pair", "activation", lambda: linear.activation_pair(["relu"]), ":list"),
    _case(linear, "check_widths", "widths", lambda: linear.check_widths("34")),
    _case(linear, "check_widths", "widths", lambda: linear.check_widths((3,)), ":one"),
    _case(linear, "check_widths", "widths", lambda: linear.check_widths(()), ":empty"),
    _case(linear, "check_widths", "widths", lambda: linear.check_widths((3, 0)), ":zero"),
    _case(linear, "check_widths", "widths", lambda: linear.check_widths((3, -2)), ":negative"),
    _case(linear, "check_widths", "widths", lambda: linear.check_widths((3, 2.5)), ":float"),
    _case(linear, "check_widths", "widths", lambda: linear.check_widths(5), ":int"),
    _case(linear, "linear", "weight", lambda: linear.linear(np.ones(3), np.ones(3))),
    _case(linear, "linear", "x", lambda: linear.linear(np.ones(4), np.ones((2, 3))), ":mismatch"),
    _case(linear, "linear", "x", lambda: linear.linear(np.ones((1, 1, 3)), np.ones((2, 3))), ":3-D"),
    _case(linear, "linear", "bias", lambda: linear.linear(np.ones(3), np.ones((2, 3)), np.ones(3))),
    _case(linear, "MLP", "weights", lambda: linear.MLP([])),
    _case(linear, "MLP", "weights", lambda: linear.MLP([np.ones((3, 2)), np.ones((1, 4))]), ":mismatch"),
    _case(linear, "MLP", "biases", lambda: linear.MLP([np.ones((3, 2))], [np.ones(2)])),
    _case(linear, "MLP", "biases", lambda: linear.MLP([np.ones((3, 2))], [None, None]), ":count"),
    _case(linear, "MLP", "activation", lambda: linear.MLP([np.ones((3, 2))], activation="swish")),
    _case(linear, "MLP", "widths", lambda: linear.MLP.init((2, 0, 1)), ":init"),
    _case(linear, "MLP", "bias", lambda: linear.MLP.init((2, 3), bias="ones"), ":init"),
    _case(linear, "MLP", "x", lambda: _mlp().forward(np.ones(3)), ":forward"),
    _case(linear, "MLP", "grad_output", lambda: _mlp().backward(_mlp().forward_trace(np.ones((2, 2))), np.ones((2, 3))),
          ":backward"),
    _case(propagation, "propagate", "widths", lambda: propagation.propagate((3,), 2, 2)),
    _case(propagation, "backpropagate", "widths", lambda: propagation.backpropagate((3,), 2, 2)),
    _case(propagation, "backpropagate", "replicates", lambda: propagation.backpropagate((3, 3), 0, 2), ":zero"),
    _case(propagation, "backpropagate", "activation",
          lambda: propagation.backpropagate((3, 3), 2, 2, activation="swish")),
    _case(propagation, "propagate", "replicates", lambda: propagation.propagate((3, 3), 0, 2), ":zero"),
    _case(propagation, "propagate", "replicates", lambda: propagation.propagate((3, 3), 2.5, 2), ":float"),
    _case(propagation, "propagate", "batch", lambda: propagation.propagate((3, 3), 2, -1), ":negative"),
    _case(propagation, "propagate", "batch", lambda: propagation.propagate((3, 3), 2, None), ":None"),
    _case(propagation, "propagate", "bias", lambda: propagation.propagate((3, 3), 2, 2, bias="zeros")),
    _case(propagation, "propagate", "input_std", lambda: propagation.propagate((3, 3), 2, 2, input_std=float("nan"))),
    _case(propagation, "propagate", "input_mean", lambda: propagation.propagate((3, 3), 2, 2, input_mean=float("nan"))),
    _case(propagation, "propagate", "input_mean", lambda: propagation.propagate((3, 3), 2, 2, input_mean=float("inf")), ":inf"),
    _case(propagation, "propagate", "negative_slope",
          lambda: propagation.propagate((3, 3), 2, 2, activation="leaky_relu", negative_slope=float("nan"))),
    _case(propagation, "propagate", "dtype", lambda: propagation.propagate((3, 3), 2, 2, dtype=np.float16)),
    _case(propagation, "propagate", "weight_init", lambda: propagation.propagate((3, 3), 2, 2, weight_init="orthogonal")),
    _case(propagation, "propagate", "activation", lambda: propagation.propagate((3, 3), 2, 2, activation="swish")),
    _case(propagation, "propagate", "gain", lambda: propagation.propagate((3, 3), 2, 2, weight_init="xavier_normal",
                                                                gain=float("nan")), ":option"),
    # -- conv
    _case(conv, "output_size", "size", lambda: conv.output_size(0, 3)),
    _case(conv, "output_size", "size", lambda: conv.output_size(float("nan"), 3), ":nan"),
    _case(conv, "output_size", "size", lambda: conv.output_size("8", 3), ":str"),
    _case(conv, "output_size", "kernel", lambda: conv.output_size(8, 0)),
    _case(conv, "output_size", "kernel", lambda: conv.output_size(8, float("inf")), ":inf"),
    _case(conv, "output_size", "stride", lambda: conv.output_size(8, 3, -1)),
    _case(conv, "output_size", "padding", lambda: conv.output_size(8, 3, 1, -1)),
    _case(conv, "output_size", "padding", lambda: conv.output_size(8, 3, 1, (1, 2, 3)), ":triple"),
    _case(conv, "output_size", "dilation", lambda: conv.output_size(8, 3, 1, 0, 0)),
    _case(conv, "output_size", "output size", lambda: conv.output_size(2, 5), ":too small"),
    _case(conv, "output_size", "ceil_mode", lambda: conv.output_size(8, 3, ceil_mode="no")),
    _case(conv, "transposed_output_size", "output_padding", lambda: conv.transposed_output_size(4, 3, 2, 0, 1, 2)),
    _case(conv, "transposed_output_size", "padding", lambda: conv.transposed_output_size(4, 3, 1, -1)),
    _case(conv, "transposed_output_size", "output size", lambda: conv.transposed_output_size(1, 1, 1, 1), ":<1"),
    _case(conv, "conv_params", "in_channels", lambda: conv.conv_params(0, 8, 3)),
    _case(conv, "conv_params", "kernel", lambda: conv.conv_params(3, 8, (3, 0))),
    _case(conv, "conv_params", "groups", lambda: conv.conv_params(3, 8, 3, groups=2)),
    _case(conv, "conv_params", "bias", lambda: conv.conv_params(3, 8, 3, bias="yes")),
    _case(conv, "dense_params", "n_in", lambda: conv.dense_params(-1, 8)),
    _case(conv, "dense_params", "n_out", lambda: conv.dense_params(3, 2.0)),
    _case(conv, "conv2d", "x", lambda: conv.conv2d(np.zeros((2, 5, 5)), _WEIGHT), ":3-D"),
    _case(conv, "conv2d", "x", lambda: conv.conv2d(np.full((1, 2, 5, 5), "a"), _WEIGHT), ":str"),
    _case(conv, "conv2d", "weight", lambda: conv.conv2d(_IMAGE, np.zeros((4, 3, 3, 3))), ":channels"),
    _case(conv, "conv2d", "bias", lambda: conv.conv2d(_IMAGE, _WEIGHT, np.zeros(3))),
    _case(conv, "conv2d", "stride", lambda: conv.conv2d(_IMAGE, _WEIGHT, stride=0)),
    _case(conv, "conv2d", "groups", lambda: conv.conv2d(_IMAGE, _WEIGHT, groups=3)),
    _case(conv, "conv2d", "output size", lambda: conv.conv2d(np.zeros((1, 2, 2, 2)), _WEIGHT), ":small"),
    _case(conv, "conv2d_grad_input", "input_shape", lambda: conv.conv2d_grad_input(_GRAD, (1, 2, 5), _WEIGHT)),
    _case(conv, "conv2d_grad_input", "input_shape", lambda: conv.conv2d_grad_input(_GRAD, (1, 2, 5.5, 5), _WEIGHT),
          ":float"),
    _case(conv, "conv2d_grad_input", "input_shape", lambda: conv.conv2d_grad_input(_GRAD, None, _WEIGHT), ":None"),
    _case(conv, "conv2d_grad_input", "grad_output", lambda: conv.conv2d_grad_input(_GRAD[:, :2], (1, 2, 5, 5), _WEIGHT)),
    _case(conv, "conv2d_grad_weight", "weight_shape", lambda: conv.conv2d_grad_weight(_GRAD, _IMAGE, (4, 2, 3))),
    _case(conv, "conv2d_grad_weight", "weight_shape", lambda: conv.conv2d_grad_weight(_GRAD, _IMAGE, "abcd"), ":str"),
    _case(conv, "conv2d_grad_weight", "grad_output", lambda: conv.conv2d_grad_weight(_GRAD[..., :2], _IMAGE,
                                                                                      (4, 2, 3, 3))),
    _case(conv, "conv2d_backward", "grad_output", lambda: conv.conv2d_backward(np.zeros((1, 4, 2, 2)), _IMAGE, _WEIGHT)),
    _case(conv, "conv2d_backward", "weight", lambda: conv.conv2d_backward(_GRAD, _IMAGE, np.zeros((4, 2, 3))), ":3-D"),
    _case(conv, "max_pool2d", "padding", lambda: conv.max_pool2d(_IMAGE, 3, padding=2)),
    _case(conv, "max_pool2d", "kernel", lambda: conv.max_pool2d(_IMAGE, 0)),
    _case(conv, "max_pool2d", "ceil_mode", lambda: conv.max_pool2d(_IMAGE, 2, ceil_mode="yes")),
    _case(conv, "max_pool2d", "x", lambda: conv.max_pool2d(np.zeros((5, 5)), 2), ":2-D"),
    _case(conv, "max_pool2d_grad_input", "grad_output", lambda: conv.max_pool2d_grad_input(np.zeros((1, 2, 3, 3)),
                                                                                           _IMAGE, 2)),
    _case(conv, "max_pool2d_grad_input", "stride", lambda: conv.max_pool2d_grad_input(np.zeros((1, 2, 2, 2)),
                                                                                      _IMAGE, 2, stride=0)),
    _case(conv, "avg_pool2d", "count_include_pad", lambda: conv.avg_pool2d(_IMAGE, 3, padding=1,
                                                                           count_include_pad="no")),
    _case(conv, "avg_pool2d", "kernel", lambda: conv.avg_pool2d(_IMAGE, (2, -1))),
    _case(conv, "avg_pool2d_grad_input", "input_shape", lambda: conv.avg_pool2d_grad_input(np.zeros((1, 2, 2, 2)),
                                                                                           (1, 2, 5), 2)),
    _case(conv, "avg_pool2d_grad_input", "grad_output", lambda: conv.avg_pool2d_grad_input(np.zeros((1, 2, 3, 3)),
                                                                                           (1, 2, 5, 5), 2)),
    # -- receptive_field graphs: each op refuses bad arguments when built or when added to a graph
    _case(receptive_field, "Graph", "input_shape", lambda: receptive_field.Graph((3,))),
    _case(receptive_field, "Graph", "ndim", lambda: receptive_field.Graph(ndim=5)),
    _case(receptive_field, "Graph", "input", lambda: _graph().node("c", receptive_field.Flatten(), "nope")),
    _case(receptive_field, "Conv", "kernel", lambda: _graph().node("c", receptive_field.Conv(4, 0), "input")),
    _case(receptive_field, "Conv", "out_channels", lambda: receptive_field.Conv(0, 3), ":zero"),
    _case(receptive_field, "Pool", "kernel", lambda: _graph().node("c", receptive_field.Pool(0), "input")),
    _case(receptive_field, "Pool", "kind", lambda: receptive_field.Pool(2, kind="min")),
    _case(receptive_field, "ConvTranspose", "output_padding",
          lambda: _graph().node("c", receptive_field.ConvTranspose(4, 3, stride=2, output_padding=5), "input")),
    _case(receptive_field, "Upsample", "scale", lambda: _graph().node("c", receptive_field.Upsample(0), "input")),
    _case(receptive_field, "Upsample", "mode", lambda: receptive_field.Upsample(2, mode="cubic")),
    _case(receptive_field, "AdaptivePool", "output_size",
          lambda: _graph().node("c", receptive_field.AdaptivePool(0), "input")),
    _case(receptive_field, "Pointwise", "kind", lambda: receptive_field.Pointwise(kind=3)),
    _case(receptive_field, "Pointwise", "channel_params", lambda: receptive_field.Pointwise(channel_params=-1)),
    _case(receptive_field, "Linear", "out_features", lambda: receptive_field.Linear(0)),
    _case(receptive_field, "Flatten", "input", lambda: _graph().node("f", receptive_field.Flatten())),
    _case(receptive_field, "Add", "shape", lambda: _graph_add(receptive_field.Add())),
    _case(receptive_field, "Concat", "size", lambda: _graph_add(receptive_field.Concat(), stride=2)),
    # -- receptive_field
    _case(receptive_field, "Layer", "kernel", lambda: receptive_field.Layer(0)),
    _case(receptive_field, "Layer", "kernel", lambda: receptive_field.Layer(3.0), ":float"),
    _case(receptive_field, "Layer", "kernel", lambda: receptive_field.Layer((3, 3, 3)), ":triple"),
    _case(receptive_field, "Layer", "stride", lambda: receptive_field.Layer(3, stride=0)),
    _case(receptive_field, "Layer", "padding", lambda: receptive_field.Layer(3, padding=-1)),
    _case(receptive_field, "Layer", "padding", lambda: receptive_field.Layer(3, padding=2, kind="pool"), ":pool"),
    _case(receptive_field, "Layer", "dilation", lambda: receptive_field.Layer(3, dilation=float("nan"))),
    _case(receptive_field, "Layer", "kind", lambda: receptive_field.Layer(3, kind="dense")),
    _case(receptive_field, "Layer", "axis", lambda: _FIELD.axis(2), ":axis"),
    _case(receptive_field, "Layer", "size", lambda: _FIELD.output_size(0), ":output_size"),
    _case(receptive_field, "receptive_field", "layers", lambda: receptive_field.receptive_field([3])),
    _case(receptive_field, "receptive_field", "layers", lambda: receptive_field.receptive_field(None), ":None"),
    _case(receptive_field, "receptive_field", "layers", lambda: receptive_field.receptive_field(3), ":int"),
    _case(receptive_field, "receptive_field_table", "layers", lambda: receptive_field.receptive_field_table(["conv"])),
    _case(receptive_field, "receptive_field_table", "input_size",
          lambda: receptive_field.receptive_field_table([_FIELD], 2.5), ":float"),
    _case(receptive_field, "receptive_field_table", "input_size",
          lambda: receptive_field.receptive_field_table([_FIELD], 0), ":zero"),
    _case(receptive_field, "receptive_field_table", "input_size",
          lambda: receptive_field.receptive_field_table([], 0), ":no layers"),
    _case(receptive_field, "receptive_field_table", "layer 1",
          lambda: receptive_field.receptive_field_table([_FIELD], 2), ":too small"),
    # -- dynamics
    _case(dynamics, "matmul_columnwise", "a", lambda: dynamics.matmul_columnwise(np.ones(3), np.ones((3, 2)))),
    _case(dynamics, "matmul_columnwise", "inner", lambda: dynamics.matmul_columnwise(np.ones((2, 3)), np.ones((2, 2)))),
    _case(dynamics, "constant_params", "fan_in", lambda: dynamics.constant_params(0, 3)),
    _case(dynamics, "constant_params", "width", lambda: dynamics.constant_params(2, 2.0)),
    _case(dynamics, "constant_params", "weight", lambda: dynamics.constant_params(2, 3, weight=float("nan"))),
    _case(dynamics, "constant_params", "out_bias", lambda: dynamics.constant_params(2, 3, out_bias=float("inf"))),
    _case(dynamics, "random_params", "std", lambda: dynamics.random_params(2, 3, std=float("nan"))),
    _case(dynamics, "random_params", "std", lambda: dynamics.random_params(2, 3, std=0.0), ":zero"),
    _case(dynamics, "random_params", "fan_out", lambda: dynamics.random_params(2, 3, -1)),
    _case(dynamics, "random_params", "rng", lambda: dynamics.random_params(2, 3, rng="seed")),
    _case(dynamics, "regression_task", "samples", lambda: dynamics.regression_task(0)),
    _case(dynamics, "regression_task", "noise", lambda: dynamics.regression_task(4, noise=-0.1)),
    _case(dynamics, "regression_task", "noise", lambda: dynamics.regression_task(4, noise=float("nan")), ":nan"),
    _case(dynamics, "forward", "params", lambda: dynamics.forward((1, 2, 3, 4), _x())),
    _case(dynamics, "forward", "activation", lambda: dynamics.forward(_params(), _x(), "swish")),
    _case(dynamics, "forward", "x", lambda: dynamics.forward(_params(), np.zeros((4, 3))), ":mismatch"),
    _case(dynamics, "forward", "x", lambda: dynamics.forward(_params(), np.array([["a", "b"]])), ":str"),
    _case(dynamics, "loss_and_grads", "y", lambda: dynamics.loss_and_grads(_params(), _x(), np.zeros((3, 1)))),
    _case(dynamics, "gd_step", "lr", lambda: dynamics.gd_step(_params(), _params(), float("nan"))),
    _case(dynamics, "gd_step", "lr", lambda: dynamics.gd_step(_params(), _params(), 0.0), ":zero"),
    _case(dynamics, "gd_step", "grads", lambda: dynamics.gd_step(_params(), (1.0, 2.0), 0.1), ":tuple"),
    _case(dynamics, "gd_step", "grads", lambda: dynamics.gd_step(_params(), dynamics.constant_params(2, 4), 0.1),
          ":mismatch"),
    _case(dynamics, "gd_step", "params", lambda: dynamics.gd_step(None, _params(), 0.1)),
    _case(dynamics, "unit_differences", "params", lambda: dynamics.unit_differences([1, 2])),
    _case(dynamics, "unit_spread", "params", lambda: dynamics.unit_spread(None)),
    _case(dynamics, "unit_spread", "params.b1", lambda: dynamics.unit_spread(_params()._replace(b1=np.zeros(2))),
          ":shape"),
    _case(dynamics, "output_range", "x", lambda: dynamics.output_range(_params(), np.zeros(2))),
    _case(dynamics, "hidden_size", "params", lambda: dynamics.hidden_size("params")),
    _case(dynamics, "train", "lr", lambda: dynamics.train(_params(), _x(), np.zeros((4, 1)), lr=float("inf"))),
    _case(dynamics, "train", "steps", lambda: dynamics.train(_params(), _x(), np.zeros((4, 1)), steps=-1)),
    _case(dynamics, "train", "steps", lambda: dynamics.train(_params(), _x(), np.zeros((4, 1)), steps=2.5), ":float"),
    _case(dynamics, "branch_forward", "weights", lambda: dynamics.branch_forward(np.ones(3), ())),
    _case(dynamics, "branch_forward", "weights", lambda: dynamics.branch_forward(np.ones(3), (np.ones((3, 3), int),)),
          ":int"),
    _case(dynamics, "branch_forward", "x", lambda: dynamics.branch_forward(np.ones(2), (np.ones((3, 3)),))),
    _case(dynamics, "branch_forward", "weights[1]", lambda: dynamics.branch_forward(
        np.ones(3), (np.ones((3, 3)), np.ones((3, 2)))), ":chain"),
    _case(dynamics, "branch_backward", "cache", lambda: dynamics.branch_backward(
        np.ones(3), (np.ones((3, 3)),), "cache")),
    _case(dynamics, "branch_backward", "grad_out", lambda: dynamics.branch_backward(
        np.ones(2), (np.ones((3, 3)),), dynamics.branch_forward(np.ones(3), (np.ones((3, 3)),))[1])),
    _case(dynamics, "stack_forward", "blocks", lambda: dynamics.stack_forward(np.ones(3), None)),
    _case(dynamics, "stack_forward", "blocks[0]", lambda: dynamics.stack_forward(np.ones(3), [(np.ones((2, 3)),)]),
          ":residual"),
    _case(dynamics, "stack_backward", "caches", lambda: dynamics.stack_backward(np.ones(3), [(np.ones((3, 3)),)], [])),
    _case(dynamics, "stack_input_grad", "grad_out", lambda: dynamics.stack_input_grad(
        np.ones(3), [(np.ones((3, 3)),)], np.ones(4))),
    _case(dynamics, "stack_input_grad", "x", lambda: dynamics.stack_input_grad(
        np.ones(4), [(np.ones((3, 3)),)], np.ones(3)), ":x"),
    # -- gan
    *[_case(gan, f, "logits", (lambda f=f: getattr(gan, f)(np.array(["a"]))))
      for f in ("saturating_loss", "saturating_grad", "nonsaturating_loss", "nonsaturating_grad")],
    _case(gan, "generator_loss", "loss", lambda: gan.generator_loss(np.zeros(2), "wasserstein")),
    _case(gan, "generator_loss", "logits", lambda: gan.generator_loss(np.array([None]), "saturating"), ":object"),
    _case(gan, "saturating_grad_wrt_d", "d", lambda: gan.saturating_grad_wrt_d(np.array([0.5, 1.0]))),
    _case(gan, "saturating_grad_wrt_d", "d", lambda: gan.saturating_grad_wrt_d(float("nan")), ":nan"),
    _case(gan, "nonsaturating_grad_wrt_d", "d", lambda: gan.nonsaturating_grad_wrt_d(0.0)),
    _case(gan, "nonsaturating_grad_wrt_d", "d", lambda: gan.nonsaturating_grad_wrt_d("0.5"), ":str"),
    _case(gan, "discriminator_loss", "real_logits", lambda: gan.discriminator_loss([], [0.0])),
    _case(gan, "discriminator_loss", "fake_logits", lambda: gan.discriminator_loss([0.0], np.array(["a"])), ":str"),
    _case(gan, "gan_value", "fake_logits", lambda: gan.gan_value([0.0], np.zeros((0, 3)))),
    _case(gan, "gaussian_logpdf", "std", lambda: gan.gaussian_logpdf(0.0, 0.0, 0.0)),
    _case(gan, "gaussian_logpdf", "std", lambda: gan.gaussian_logpdf(0.0, 0.0, float("nan")), ":nan"),
    _case(gan, "gaussian_logpdf", "mean", lambda: gan.gaussian_logpdf(0.0, float("inf"))),
    _case(gan, "gaussian_logpdf", "x", lambda: gan.gaussian_logpdf("a")),
    _case(gan, "optimal_discriminator", "log_pd", lambda: gan.optimal_discriminator(np.zeros(3), np.zeros(2))),
    _case(gan, "optimal_discriminator_gaussians", "std_d",
          lambda: gan.optimal_discriminator_gaussians(0.0, 0.0, 1.0, std_d=-1.0)),
    _case(gan, "optimal_discriminator_gaussians", "std_g",
          lambda: gan.optimal_discriminator_gaussians(0.0, 0.0, 1.0, std_g=float("nan"))),
    _case(gan, "optimal_discriminator_gaussians", "mean_g",
          lambda: gan.optimal_discriminator_gaussians(0.0, 0.0, float("nan"))),
    _case(gan, "fit_logistic", "real", lambda: gan.fit_logistic([], [1.0])),
    _case(gan, "fit_logistic", "real", lambda: gan.fit_logistic([float("nan")], [1.0]), ":nan"),
    _case(gan, "fit_logistic", "features", lambda: gan.fit_logistic(np.zeros((3, 2)), np.zeros((3, 1)))),
    _case(gan, "fit_logistic", "max_iterations", lambda: gan.fit_logistic([0.0], [1.0], max_iterations=0)),
    _case(gan, "fit_logistic", "tol", lambda: gan.fit_logistic([0.0], [1.0], tol=float("nan"))),
    _case(gan, "fit_logistic", "l2", lambda: gan.fit_logistic([0.0], [1.0], l2=-1.0)),
    _case(gan, "logistic_discriminator", "fit", lambda: gan.logistic_discriminator([0.0], (np.zeros(1), 0.0, 1, True))),
    _case(gan, "logistic_discriminator", "x", lambda: gan.logistic_discriminator(
        np.zeros((2, 3)), gan.LogisticFit(np.zeros(1), 0.0, 1, True))),
    # -- gain
    _case(gain, "activation", "activation", lambda: gain.activation("swish")),
    _case(gain, "activation", "activation", lambda: gain.activation(["relu"]), ":list"),
    _case(gain, "activation", "parameters", lambda: gain.activation("relu", slope=0.1)),
    _case(gain, "activation", "slope", lambda: gain.activation("leaky_relu", slope=float("nan"))),
    _case(gain, "activation", "alpha", lambda: gain.activation("elu", alpha=float("inf"))),
    *[case for f in ("layer_second_moment", "layer_gradient_second_moment", "layer_jacobian_second_moment",
                     "deep_second_moments") for case in (
        _case(gain, f, "replicates", lambda f=f: _layer_call(f, replicates=0)),
        _case(gain, f, "sigma_w", lambda f=f: _layer_call(f, sigma_w=float("nan"))),
        _case(gain, f, "q0" if f == "deep_second_moments" else "q", lambda f=f: _layer_call(f, q=0.0)),
        _case(gain, f, "rng", lambda f=f: _layer_call(f, rng="seed")),
        _case(gain, f, "phi_grad" if "gradient" in f or "jacobian" in f else "phi",
              lambda f=f: _layer_call(f, phi="relu")),
        _case(gain, f, "width" if f in ("layer_jacobian_second_moment", "deep_second_moments") else "fan_in",
              lambda f=f: _layer_call(f, size=-1)),
        _case(gain, f, "batch", lambda f=f: _layer_call(f, batch=2.5)),
    )],
    _case(gain, "layer_second_moment", "sigma_b", lambda: _layer_call("layer_second_moment", sigma_b=-1.0)),
    _case(gain, "deep_second_moments", "depth", lambda: _layer_call("deep_second_moments", depth=0)),
]


def _layer_call(name, *, replicates=2, sigma_w=1.0, q=1.0, rng=None, phi=None, size=2, batch=1, sigma_b=0.0,
                depth=2):
    """Call one of numeric.gain's layer kernels with valid arguments except the one overridden."""
    rng = np.random.default_rng(0) if rng is None else rng
    relu, relu_grad = gain.activation("relu")
    if name == "layer_second_moment":
        return gain.layer_second_moment(rng, replicates, relu if phi is None else phi, fan_in=size, fan_out=2,
                                        sigma_w=sigma_w, sigma_b=sigma_b, q=q, batch=batch)
    if name == "layer_gradient_second_moment":
        return gain.layer_gradient_second_moment(rng, replicates, relu_grad if phi is None else phi, fan_in=size,
                                                 fan_out=2, sigma_w=sigma_w, q=q, batch=batch)
    if name == "layer_jacobian_second_moment":
        return gain.layer_jacobian_second_moment(rng, replicates, relu_grad if phi is None else phi, width=size,
                                                 sigma_w=sigma_w, q=q, batch=batch)
    return gain.deep_second_moments(rng, replicates, relu if phi is None else phi, width=size, depth=depth,
                                    sigma_w=sigma_w, sigma_b=sigma_b, q0=q, batch=batch)


EXEMPT = {
    ("numeric.linear", "Trace"): "record returned by MLP.forward_trace (frozen dataclass, no logic)",
    ("numeric.linear", "Gradients"): "record returned by MLP.backward (frozen dataclass, no logic)",
    ("numeric.propagation", "Propagation"): "record returned by propagate (frozen dataclass, no logic)",
    ("numeric.activations", "Activation"): "record of the activation table, built only by activation()",
    ("numeric.receptive_field", "AxisMap"): "record of one axis's unit map, built by the ops (no user input)",
    ("numeric.receptive_field", "NodeField"): "record returned by Graph.analyse",
    ("numeric.receptive_field", "Op"): "abstract base of the layer ops (each concrete op has cases)",
    ("numeric.receptive_field", "Field"): "NamedTuple returned by receptive_field",
    ("numeric.receptive_field", "Row"): "NamedTuple returned by receptive_field_table",
    ("numeric.dynamics", "Params"): "NamedTuple of parameters; every consumer checks it (cases 'params.*' above)",
    ("numeric.dynamics", "Training"): "NamedTuple returned by train",
    ("numeric.gan", "LogisticFit"): "NamedTuple returned by fit_logistic; logistic_discriminator checks it",
}


def _public_names():
    """Functions and classes each module defines (for a package, those of its submodules it exports)."""
    names = set()
    for module in MODULES:
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            home = getattr(obj, "__module__", None) or ""
            if home == module.__name__ or (home.startswith(module.__name__ + ".") and
                                           name in getattr(module, "__all__", ())):
                names.add((module.__name__, name))
    return names


def test_cases_cover_every_public_name():
    public = _public_names()
    covered = {(p.values[0], p.values[1]) for p in CASES}
    assert not covered - public, f"cases for names that are not public: {sorted(covered - public)}"
    assert not set(EXEMPT) - public, f"stale exemptions: {sorted(set(EXEMPT) - public)}"
    assert not covered & set(EXEMPT), f"exempt names that have cases: {sorted(covered & set(EXEMPT))}"
    missing = public - covered - set(EXEMPT)
    assert not missing, f"public names without a robustness case: {sorted(missing)}"
    # introspection must see something in every module, or this test would pass vacuously
    assert {module for module, _ in public} == {m.__name__ for m in MODULES}


@pytest.mark.parametrize("module, name, argument, call", CASES)
def test_invalid_input_is_refused_naming_the_argument(module, name, argument, call):
    """Any other exception (IndexError, ZeroDivisionError, FloatingPointError under errstate "raise",
    the alarm of a hang) escapes pytest.raises and fails the case."""
    start = time.process_time()
    with np.errstate(all="raise"), _deadline(HANG_SECONDS):
        with pytest.raises((ValueError, TypeError)) as info:
            call()
    seconds = time.process_time() - start
    assert names_argument(argument, str(info.value)), f"message does not name {argument!r}: {info.value}"
    assert "\n" not in str(info.value).strip()
    assert seconds < CASE_SECONDS, seconds


@pytest.mark.parametrize("f", ELEMENTWISE)
def test_activations_propagate_nan_like_numpy(f):
    """Documented behaviour, not an error: NaN in, NaN out, elementwise; the other entries stay finite.

    relu_grad is the indicator 1[x > 0], which is 0 at NaN (as PyTorch's threshold_backward)."""
    out = getattr(activations, f)(np.array([np.nan, 0.5]))
    assert np.isfinite(out[1])
    assert out[0] == 0 if f == "relu_grad" else np.isnan(out[0])


# ---------------------------------------------------------------------------------------------------------
# 3. extreme but valid inputs

BIG = 1e4
DTYPES = (np.float32, np.float64)


def _close(actual, expected, dtype):
    eps = np.finfo(dtype).eps
    assert actual.dtype == dtype
    assert np.all(np.isfinite(actual)), actual
    np.testing.assert_allclose(actual, np.asarray(expected, dtype), rtol=4 * eps, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gan_losses_and_gradients_at_huge_logits(dtype):
    """At a = ±1e4: log(1-σ(a)) = -softplus(a) ≈ -a⁺, -log σ(a) = softplus(-a), σ(±1e4) = 1 or e^{-1e4} → 0."""
    a = np.array([BIG, -BIG], dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        _close(gan.saturating_loss(a), [-BIG, 0.0], dtype)           # -softplus(1e4), -softplus(-1e4) = -e^{-1e4}
        _close(gan.nonsaturating_loss(a), [0.0, BIG], dtype)
        _close(gan.saturating_grad(a), [-1.0, 0.0], dtype)           # -σ(a)
        _close(gan.nonsaturating_grad(a), [0.0, -1.0], dtype)        # -σ(-a)
        for loss in gan.LOSSES:
            value, grad = gan.generator_loss(a, loss)
            assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
        # a perfect discriminator: V = log σ(1e4) + log(1 - σ(-1e4)) = 0; a perfectly wrong one: V = -2e4
        assert gan.gan_value(a[:1], a[1:]) == pytest.approx(0.0, abs=1e-300)
        assert gan.gan_value(a[1:], a[:1]) == pytest.approx(-2 * BIG, rel=4 * float(np.finfo(dtype).eps))
        assert gan.discriminator_loss(a[1:], a[:1]) == pytest.approx(2 * BIG, rel=4 * float(np.finfo(dtype).eps))
        d = gan.optimal_discriminator(np.array([BIG, -BIG]), np.array([-BIG, BIG]))
        np.testing.assert_array_equal(d, [1.0, 0.0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_activations_at_huge_inputs(dtype):
    x = np.array([BIG, -BIG], dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        _close(activations.relu(x), [BIG, 0.0], dtype)
        _close(activations.relu_grad(x), [1.0, 0.0], dtype)
        _close(activations.sigmoid(x), [1.0, 0.0], dtype)
        _close(activations.sigmoid_grad(x), [0.0, 0.0], dtype)
        _close(activations.tanh(x), [1.0, -1.0], dtype)
        _close(activations.tanh_grad(x), [0.0, 0.0], dtype)
        _close(activations.softplus(x), [BIG, 0.0], dtype)
        _close(activations.log_sigmoid(x), [0.0, -BIG], dtype)


INITIALIZERS = ("lecun_normal", "lecun_uniform", "xavier_normal", "xavier_uniform", "kaiming_normal",
                "kaiming_uniform", "torch_default")


@pytest.mark.parametrize("shape", [(1, 1), (4096, 1), (1, 4096), (64, 4096)])
@pytest.mark.parametrize("name", INITIALIZERS)
def test_initializers_at_widths_1_and_4096(name, shape):
    """Var(W) = gain²/fan: a uniform stays inside its bound; with >= 4096 draws the sample variance is
    within Z standard errors (se of a sample variance: √(2/n)·Var for a normal, √(0.8/n)·Var for a uniform)."""
    w = getattr(init, name)(shape, np.random.default_rng(7))
    assert w.shape == shape and np.all(np.isfinite(w))
    fan_in, fan_out = init.fans(shape)
    fan = {"xavier_normal": (fan_in + fan_out) / 2, "xavier_uniform": (fan_in + fan_out) / 2}.get(name, fan_in)
    gain_value = {"kaiming_normal": math.sqrt(2.0), "kaiming_uniform": math.sqrt(2.0),
                  "torch_default": 1 / math.sqrt(3.0)}.get(name, 1.0)   # kaiming's default: leaky_relu, a = 0
    variance = gain_value**2 / fan
    if "uniform" in name or name == "torch_default":
        assert np.max(np.abs(w)) <= math.sqrt(3 * variance)
    if w.size >= 4096:
        relative_se = math.sqrt((0.8 if "uniform" in name or name == "torch_default" else 2.0) / w.size)
        assert abs(np.mean(w * w) / variance - 1) <= Z * relative_se


def test_torch_default_bias_at_widths_1_and_4096():
    for shape in [(1, 1), (4096, 1), (1, 4096)]:
        b = init.torch_default_bias(shape, 3)
        assert b.shape == (shape[0],) and np.all(np.isfinite(b))
        assert np.max(np.abs(b)) <= 1 / math.sqrt(shape[1])


def test_propagate_at_width_1():
    """Kaiming + ReLU: E[h_l²] = E[h_0²] = 1 at every width, even 1 (He et al. 2015, eq. 10); checked in
    the mean over replicates of the last layer, within Z standard errors."""
    p = propagation.propagate((1, 1, 1), 4000, 1, 11, dtype=np.float64)
    last = p.post[:, -1]
    assert np.all(np.isfinite(p.pre)) and np.all(np.isfinite(p.post))
    assert abs(last.mean() - 1) <= Z * last.std(ddof=1) / math.sqrt(last.size)


@pytest.mark.parametrize("dtype", DTYPES)
def test_propagate_at_width_4096(dtype):
    """One layer 4096 -> 4096, Kaiming + ReLU: E[z²] = 2·E[x²] = 2. Given x, the 4096 outputs are i.i.d.
    N(0, 2|x|²/4096), so over a batch of 4 the mean of z² has relative sd √(2/16384) around 2|x|²/4096
    (√(5/16384) for relu(z)², whose mean is 1), and |x|²/4096 has relative sd √(2/4096) ≈ 2.2%."""
    p = propagation.propagate((4096, 4096), 1, 4, 5, dtype=dtype)
    assert np.all(np.isfinite(p.pre)) and np.all(np.isfinite(p.post))
    assert abs(p.pre[0, 0] / 2 - 1) <= Z * math.sqrt(2 / 16384 + 2 / 4096)
    assert abs(p.post[0, 1] - 1) <= Z * math.sqrt(5 / 16384 + 2 / 4096)


def test_propagate_at_depth_200():
    """Depth 200, width 64, Kaiming + ReLU, float64. Given h_(l-1), E[|h_l|²] = |h_(l-1)|² exactly, so the
    second moment q_l is a martingale: E[q_200] = q_0 and each ratio q_l/q_(l-1) has conditional mean 1.

    Checked: every q_l finite and positive, the mean of the 200·R ratios within Z standard errors of 1
    (martingale differences are uncorrelated), and q_200 itself within [1e-30, 1e30] (log q_200 is a sum of
    200 terms of sd ≈ √(5/64) ≈ 0.28, so |log q_200| > 69 would be a 17-sd event).
    """
    depth, replicates = 200, 16
    p = propagation.propagate((64,) * (depth + 1), replicates, 8, 13, dtype=np.float64)
    assert np.all(np.isfinite(p.post)) and np.all(p.post > 0)
    ratios = (p.post[:, 1:] / p.post[:, :-1]).ravel()
    assert abs(ratios.mean() - 1) <= Z * ratios.std(ddof=1) / math.sqrt(ratios.size)
    assert np.all((1e-30 < p.post[:, -1]) & (p.post[:, -1] < 1e30))


def test_receptive_field_of_200_layers():
    """r = 1 + Σ(k-1)·Π_{i<l} s_i: 200 layers k3 s1 give 401; k3 s2 give 1 + 2·(2^200 - 1) = 2^201 - 1, S = 2^200,
    exactly (Python integers)."""
    plain = receptive_field.receptive_field([receptive_field.Layer(3)] * 200)
    assert plain == (401, 1, 0)
    strided = receptive_field.receptive_field([receptive_field.Layer(3, 2, 1)] * 200)
    assert strided.size == 2**201 - 1 and strided.stride == 2**200 and strided.padding == 2**200 - 1
    rows = receptive_field.receptive_field_table([receptive_field.Layer(3, padding=1)] * 200, 2**40)
    assert len(rows) == 200 and rows[-1].output == 2**40 and rows[-1].size == 401
    # k3 s2 maps n to (n-3)//2 + 1, so n_l = 2^(40-l) - 1: n_39 = 1 and layer 40 has no room for a window
    with pytest.raises(ValueError, match="layer 40 "):
        receptive_field.receptive_field_table([receptive_field.Layer(3, 2)] * 200, 2**40)


def test_output_size_of_huge_inputs():
    """out = ⌊(n + 2p - d(k-1) - 1)/s⌋ + 1 on exact integers, at n = 2**40 and beyond float precision."""
    n = 2**40
    assert conv.output_size(n, 3) == n - 2
    assert conv.output_size(n, 3, 2, 1) == n // 2
    # ceil mode: ⌈(n - 1)/2⌉ + 1 = n/2 + 1 windows; the last starts at n·1 = n < n + p_l, inside the input
    assert conv.output_size(n, 3, 2, 1, ceil_mode=True) == n // 2 + 1
    assert conv.output_size(n, 2**20, 2**20) == 2**20
    assert conv.output_size(2**62 + 1, 3, 1, 1) == 2**62 + 1          # float64 would round this
    assert conv.output_size(n, 2, dilation=2**39) == 2**39
    assert conv.transposed_output_size(n, 3, 2) == (n - 1) * 2 + 3
    assert conv.conv_params(2**20, 2**20, 3) == 9 * 2**40 + 2**20
    with pytest.raises(ValueError, match="output size"):
        conv.output_size(n, 2, dilation=n)


def test_the_deadline_interrupts_a_hang():
    """The guard the cases rely on: a blocked call is interrupted, not waited for."""
    start = time.perf_counter()
    with pytest.raises(Hang):
        with _deadline(0.2):
            time.sleep(30)
    assert time.perf_counter() - start < 20  # interrupted long before the sleep ends, even on a loaded machine
