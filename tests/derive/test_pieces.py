"""derive.pieces: a piecewise φ as smooth expressions on intervals, or a refusal that says why."""
import pytest
import sympy as sp

from derive.parse import X, parse_activation
from derive.pieces import as_piecewise, pieces

x = X


@pytest.mark.parametrize("text, expected", [
    ("tanh(x)", ((sp.tanh(x), -sp.oo, sp.oo),)),
    ("max(x, 0)", ((sp.Integer(0), -sp.oo, 0), (x, 0, sp.oo))),
    ("where(x > 1, x, 0) + abs(x)", ((-x, -sp.oo, 0), (x, 0, 1), (2 * x, 1, sp.oo))),
])
def test_pieces_cover_the_line_in_order(text, expected):
    got = pieces(parse_activation(text))
    assert [(lo, hi) for _, lo, hi in got] == [(lo, hi) for _, lo, hi in expected]
    assert all(sp.expand(g - e) == 0 for (g, _, _), (e, _, _) in zip(got, expected))


def test_as_piecewise_writes_max_abs_and_sign_as_one_piecewise():
    folded = as_piecewise(sp.Max(x, 0) + sp.Abs(x) * sp.sign(x))
    assert isinstance(folded, sp.Piecewise) and not folded.has(sp.Max, sp.Abs, sp.sign)
    for t in (-2, sp.Rational(1, 3), 5):
        assert folded.subs(x, t) == max(t, 0) + t


def test_conditions_that_are_not_intervals_are_refused():
    with pytest.raises(ValueError, match="could not be solved for x|not on finitely many intervals"):
        pieces(parse_activation("where(sin(x) > 0, x, 0)"))
