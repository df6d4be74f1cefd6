"""Tests for numeric.dynamics: bit-exact hidden-unit symmetry under gradient descent, and residual stacks."""
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from numeric import dynamics as dyn

STEPS = 200
LR = 0.5
FAN_IN = 2
WIDTH = 6
FD_STEP = 1e-6
FD_RTOL = 1e-6   # central differences: truncation ~h² ≈ 1e-12, rounding ~ε·|L|/h ≈ 1e-10, far below this
FD_ATOL = 1e-9
ASYMMETRY = 1e-3
ACTIVATIONS = tuple(dyn.ACTIVATIONS)
ZERO_AT_ZERO = ("tanh", "relu")  # φ(0) = 0


@pytest.fixture(scope="module")
def task():
    return dyn.regression_task(samples=48, fan_in=FAN_IN, rng=3)


# ---------------------------------------------------------------- column-uniform products

@st.composite
def repeated_columns(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rows, inner, copies = draw(st.integers(1, 40)), draw(st.integers(1, 80)), draw(st.integers(2, 40))
    rng = np.random.default_rng(seed)
    return rng.standard_normal((rows, inner)), rng.standard_normal((inner, 1)), copies


@given(repeated_columns())
@example((np.arange(12.0).reshape(12, 1) / 7, np.full((1, 1), 0.3), 36))
def test_matmul_columnwise_equal_columns_are_bit_identical(case):
    a, column, copies = case
    out = dyn.matmul_columnwise(a, np.repeat(column, copies, axis=1))
    assert np.all(out == out[:, :1])
    out_rows = dyn.matmul_columnwise(np.repeat(column.T, copies, axis=0), a.T)
    assert np.all(out_rows == out_rows[:1])


@given(repeated_columns())
def test_matmul_columnwise_is_the_matrix_product(case):
    a, column, copies = case
    b = np.repeat(column, copies, axis=1) + np.arange(copies)
    np.testing.assert_allclose(dyn.matmul_columnwise(a, b), a @ b, rtol=1e-12, atol=1e-12)


def test_matmul_columnwise_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="inner dimensions"):
        dyn.matmul_columnwise(np.ones((2, 3)), np.ones((2, 3)))


# ---------------------------------------------------------------- gradients

def _numeric_grad(params, x, y, activation):
    grads = []
    for k, p in enumerate(params):
        g = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            losses = []
            for sign in (1, -1):
                shifted = [q.copy() for q in params]
                shifted[k][index] += sign * FD_STEP
                losses.append(dyn.loss_and_grads(dyn.Params(*shifted), x, y, activation)[0])
            g[index] = (losses[0] - losses[1]) / (2 * FD_STEP)
        grads.append(g)
    return grads


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backprop_matches_finite_differences(task, activation):
    x, y = task
    params = dyn.random_params(FAN_IN, 4, rng=11)
    params = params._replace(b1=np.linspace(-0.3, 0.4, 4), b2=np.array([0.1]))
    _, grads = dyn.loss_and_grads(params, x, y, activation)
    for name, exact, approx in zip(dyn.Params._fields, grads, _numeric_grad(params, x, y, activation)):
        np.testing.assert_allclose(exact, approx, rtol=FD_RTOL, atol=FD_ATOL, err_msg=name)


def test_loss_is_half_mean_squared_error(task):
    x, y = task
    params = dyn.random_params(FAN_IN, 3, rng=5)
    out = params.w2 @ np.tanh(params.w1 @ x.T + params.b1[:, None]) + params.b2[:, None]
    loss, _ = dyn.loss_and_grads(params, x, y, "tanh")
    assert loss == pytest.approx(0.5 * np.mean((out.T - y) ** 2), rel=1e-12)


# ---------------------------------------------------------------- symmetry

@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_identical_units_stay_identical_bit_for_bit(task, activation):
    x, y = task
    run = dyn.train(dyn.constant_params(FAN_IN, WIDTH, weight=0.3, bias=0.2), x, y, activation, LR, STEPS)
    assert np.all(run.spread == 0.0)
    assert np.all(dyn.unit_differences(run.params) == 0.0)
    assert np.all(run.params.w1 == run.params.w1[0]) and np.all(run.params.w2 == run.params.w2[:, :1])
    assert run.loss[-1] < 0.7 * run.loss[0]


@pytest.mark.parametrize("activation", ZERO_AT_ZERO)
def test_all_zero_init_never_moves_hidden_weights(task, activation):
    x, y = task
    run = dyn.train(dyn.constant_params(FAN_IN, WIDTH), x, y, activation, LR, STEPS)
    for name in ("w1", "b1", "w2"):
        assert np.all(getattr(run.params, name) == 0.0), name
    assert np.all(run.output_range == 0.0)
    # only b2 learns: it converges to the mean target, the best constant predictor
    assert run.params.b2[0] == pytest.approx(np.mean(y), rel=1e-6)


@pytest.mark.parametrize("activation", ZERO_AT_ZERO)
def test_all_zero_init_gradient_of_hidden_weights_is_exactly_zero(task, activation):
    x, y = task
    _, grads = dyn.loss_and_grads(dyn.constant_params(FAN_IN, WIDTH), x, y, activation)
    assert np.all(grads.w1 == 0.0) and np.all(grads.b1 == 0.0) and np.all(grads.w2 == 0.0)
    assert grads.b2[0] != 0.0


def test_all_zero_sigmoid_learns_but_stays_width_one(task):
    x, y = task
    run = dyn.train(dyn.constant_params(FAN_IN, WIDTH), x, y, "sigmoid", LR, STEPS)
    assert np.all(run.spread == 0.0)
    assert run.output_range[-1] > 0.1
    assert np.any(run.params.w1 != 0.0)


@pytest.mark.parametrize("activation", ZERO_AT_ZERO)
def test_equal_nonzero_biases_learn_with_identical_units(task, activation):
    x, y = task
    run = dyn.train(dyn.constant_params(FAN_IN, WIDTH, bias=0.5), x, y, activation, LR, STEPS)
    assert np.all(run.spread == 0.0)
    assert run.output_range[-1] > 0.1
    assert run.loss[-1] < 0.7 * run.loss[0]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_small_asymmetry_makes_units_differ_and_stay_different(task, activation):
    x, y = task
    params = dyn.constant_params(FAN_IN, WIDTH, weight=0.3, bias=0.2)
    params.w1[2, 0] += ASYMMETRY
    run = dyn.train(params, x, y, activation, LR, STEPS)
    assert np.all(run.spread > 0.0)
    differences = dyn.unit_differences(run.params)
    assert differences[2] > 0.0
    assert np.all(np.delete(differences, 2) == 0.0)


def test_equal_incoming_different_outgoing_weights_give_different_gradients(task):
    x, y = task
    params = dyn.constant_params(FAN_IN, WIDTH, weight=0.3, bias=0.2)
    params = params._replace(w2=np.linspace(-1.0, 1.0, WIDTH)[None, :])
    _, grads = dyn.loss_and_grads(params, x, y, "tanh")
    assert len({tuple(row) for row in grads.w1}) == WIDTH


def test_random_init_breaks_symmetry(task):
    x, y = task
    run = dyn.train(dyn.random_params(FAN_IN, WIDTH, rng=0), x, y, "tanh", LR, STEPS)
    assert run.spread[-1] > 0.1
    assert np.all(dyn.unit_differences(run.params)[1:] > 0.0)


def test_unit_differences_and_spread_on_a_known_case():
    params = dyn.Params(np.array([[1.0, 2.0], [1.0, 2.5], [0.0, 2.0]]), np.zeros(3), np.array([[1.0, 1.0, 3.0]]), np.zeros(1))
    np.testing.assert_array_equal(dyn.unit_differences(params), [0.0, 0.5, 2.0])
    assert dyn.unit_spread(params) == 2.0


def test_regression_task_is_reproducible_and_shaped():
    x, y = dyn.regression_task(samples=10, fan_in=3, rng=1)
    assert x.shape == (10, 3) and y.shape == (10, 1)
    np.testing.assert_array_equal(x, dyn.regression_task(samples=10, fan_in=3, rng=1)[0])


# ---------------------------------------------------------------- argument checks

BAD_NETWORK_CALLS = [
    ("width", lambda: dyn.constant_params(2, 0)),                          # width < 1
    ("fan_in", lambda: dyn.random_params(0, 3)),                           # fan_in < 1
    ("fan_out", lambda: dyn.constant_params(2, 3, fan_out=0)),             # fan_out < 1
    ("lr", lambda: dyn.train(dyn.constant_params(2, 3), *dyn.regression_task(4), lr=0.0)),
    ("lr", lambda: dyn.gd_step(dyn.constant_params(2, 3), dyn.constant_params(2, 3), -0.1)),
    ("x", lambda: dyn.forward(dyn.constant_params(2, 3), np.ones((4, 3)))),    # fan_in mismatch
    ("y", lambda: dyn.loss_and_grads(dyn.constant_params(2, 3), np.ones((4, 2)), np.ones((5, 1)))),
    ("params.b1", lambda: dyn.forward(dyn.constant_params(2, 3)._replace(b1=np.zeros(2)), np.ones((4, 2)))),
    ("params.w2", lambda: dyn.forward(dyn.constant_params(2, 3)._replace(w2=np.zeros((1, 2))), np.ones((4, 2)))),
    ("activation", lambda: dyn.forward(dyn.constant_params(2, 3), np.ones((4, 2)), "gelu")),
    ("samples", lambda: dyn.regression_task(samples=0)),
]


@pytest.mark.parametrize("name, call", BAD_NETWORK_CALLS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD_NETWORK_CALLS)])
def test_bad_network_arguments_raise_value_error_naming_them(name, call):
    with pytest.raises(ValueError, match=name):
        call()


def test_steps_must_be_an_integer():
    with pytest.raises(TypeError, match="steps"):
        dyn.train(dyn.constant_params(2, 3), *dyn.regression_task(4), steps=1.5)


# ---------------------------------------------------------------- residual and plain stacks

def _relu_branch(rng, n, hidden, replicas=()):
    return (rng.standard_normal((*replicas, hidden, n)) / np.sqrt(n),
            rng.standard_normal((*replicas, n, hidden)) / np.sqrt(hidden))


def test_block_forward_is_x_plus_w2_relu_w1_x():
    rng = np.random.default_rng(0)
    w1, w2 = _relu_branch(rng, 5, 7)
    x = rng.standard_normal((3, 5))
    out, _ = dyn.stack_forward(x, [(w1, w2)])
    np.testing.assert_allclose(out, x + np.maximum(x @ w1.T, 0) @ w2.T, rtol=1e-14)
    plain, _ = dyn.stack_forward(x, [(w1, w2)], skip=False)
    np.testing.assert_allclose(plain, np.maximum(x @ w1.T, 0) @ w2.T, rtol=1e-14)


@pytest.mark.parametrize("skip", [True, False])
def test_stack_backward_matches_finite_differences(skip):
    rng = np.random.default_rng(1)
    n = 4
    blocks = [_relu_branch(rng, n, 6) for _ in range(3)] + [(rng.standard_normal((n, n)) / 2,)]
    x = rng.standard_normal((2, n))
    u = rng.standard_normal((2, n))

    def objective(x_, blocks_):
        return float(np.sum(u * dyn.stack_forward(x_, blocks_, skip)[0]))

    out, caches = dyn.stack_forward(x, blocks, skip)
    grad_x, weight_grads = dyn.stack_backward(u, blocks, caches, skip)
    approx = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = FD_STEP
        approx[index] = (objective(x + e, blocks) - objective(x - e, blocks)) / (2 * FD_STEP)
    np.testing.assert_allclose(grad_x, approx, rtol=FD_RTOL, atol=FD_ATOL)
    for l, branch in enumerate(blocks):
        for k, w in enumerate(branch):
            index = (0,) * w.ndim
            shifted = [list(b) for b in blocks]
            shifted[l][k] = w.copy()
            shifted[l][k][index] += FD_STEP
            up = objective(x, shifted)
            shifted[l][k][index] -= 2 * FD_STEP
            down = objective(x, shifted)
            assert weight_grads[l][k][index] == pytest.approx((up - down) / (2 * FD_STEP), rel=FD_RTOL, abs=FD_ATOL)


def test_linear_residual_input_gradient_is_the_product_of_identity_plus_j():
    rng = np.random.default_rng(2)
    n, depth = 5, 4
    js = [rng.standard_normal((n, n)) * 0.3 for _ in range(depth)]
    v = rng.standard_normal(n)
    x = rng.standard_normal((1, n))
    residual = dyn.stack_input_grad(x, [(j,) for j in js], v[None, :])[0]
    plain = dyn.stack_input_grad(x, [(j,) for j in js], v[None, :], skip=False)[0]
    expected_residual, expected_plain = v.copy(), v.copy()
    for j in reversed(js):
        expected_residual = (np.eye(n) + j).T @ expected_residual
        expected_plain = j.T @ expected_plain
    np.testing.assert_allclose(residual, expected_residual, rtol=1e-12)
    np.testing.assert_allclose(plain, expected_plain, rtol=1e-12)


def test_leading_replicate_dimensions_match_one_draw_at_a_time():
    rng = np.random.default_rng(3)
    replicas, n = 5, 4
    blocks = [_relu_branch(rng, n, 3, (replicas,)) for _ in range(2)]
    x = rng.standard_normal((2, n))
    u = rng.standard_normal((2, n))
    batched = dyn.stack_input_grad(x, blocks, u)
    assert batched.shape == (replicas, 2, n)
    for r in range(replicas):
        one = dyn.stack_input_grad(x, [tuple(w[r] for w in b) for b in blocks], u)
        np.testing.assert_allclose(batched[r], one, rtol=1e-12)


BAD_STACK_CALLS = [
    ("blocks\\[0\\]", lambda: dyn.stack_forward(np.ones((1, 3)), [()])),                               # empty branch
    ("blocks\\[0\\]\\[1\\]", lambda: dyn.stack_forward(np.ones((1, 3)), [(np.ones((4, 3)), np.ones((3, 5)))])),
    ("blocks\\[0\\]", lambda: dyn.stack_forward(np.ones((1, 3)), [(np.ones((4, 3)),)])),              # 3 -> 4 with skip
    ("blocks\\[1\\]", lambda: dyn.stack_forward(np.ones((1, 3)), [(np.ones((4, 3)),), (np.ones((2, 2)),)], skip=False)),
    ("x", lambda: dyn.stack_forward(np.ones((1, 2)), [(np.ones((3, 3)),)])),
    ("caches", lambda: dyn.stack_backward(np.ones((1, 3)), [(np.ones((3, 3)),)], [])),
]


@pytest.mark.parametrize("name, call", BAD_STACK_CALLS, ids=[f"{i}" for i in range(len(BAD_STACK_CALLS))])
def test_bad_stack_arguments_raise_value_error_naming_them(name, call):
    with pytest.raises(ValueError, match=name):
        call()
