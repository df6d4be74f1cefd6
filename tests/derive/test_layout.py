"""derive.layout: tables wrapped to the terminal, ids whole, markup formats and --wide unwrapped."""
import pytest

from derive import layout as L

ID = "activation.sigmoid.derivative"
PROSE = ("the rewritings used for stable evaluation equal the textbook formulas, and the gap between "
         "them is below four units in the last place for every finite input")
ROWS = [[ID, PROSE, "001 §Activation Functions", "2"], ["gan.optimal_discriminator", "short", "000 Q1.8.3", "1"]]
HEADERS = ["claim", "title", "source", "checks"]
TEXT_FORMATS = ["simple", "plain", "grid", "psql", "pretty", "fancy_grid", "outline"]


def widest(text):
    return max(len(line) for line in text.split("\n"))


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize("width", [100, 80, 72])
def test_a_plain_text_table_fits_the_width(fmt, width):
    unwrapped = L.table(ROWS, HEADERS, fmt, wide=True)
    assert widest(unwrapped) > width  # the case is one that needs wrapping
    assert widest(L.table(ROWS, HEADERS, fmt, keep=(0,), width=width)) <= width


def test_kept_columns_and_words_are_never_cut():
    text = L.table(ROWS, HEADERS, "simple", keep=(0,), width=80)
    assert ID in text and "gan.optimal_discriminator" in text
    words = {w for line in text.split("\n") for w in line.split()}
    assert set(PROSE.replace(",", ", ").split()) - {","} <= words | {w + "," for w in words}, \
        "a word of the prose was cut"


def test_the_columns_environment_variable_sets_the_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")
    assert L.terminal_width() == 70
    assert widest(L.table(ROWS, HEADERS, "simple", keep=(0,))) <= 70


@pytest.mark.parametrize("fmt", ["github", "latex", "html", "tsv", "pipe"])
def test_markup_formats_are_never_wrapped(fmt):
    """A Markdown or LaTeX cell cannot hold a line break: the row would split."""
    text = L.table(ROWS, HEADERS, fmt, keep=(0,), width=60)
    assert PROSE in text


def test_wide_gives_the_unwrapped_table():
    assert PROSE in L.table(ROWS, HEADERS, "simple", wide=True, width=60)
    assert PROSE not in L.table(ROWS, HEADERS, "simple", width=60)


def test_a_table_that_fits_is_unchanged():
    rows = [["a", "b"]]
    assert L.table(rows, ["x", "y"], "simple", width=100) == L.table(rows, ["x", "y"], "simple", wide=True)


def test_paragraph_wraps_between_words():
    text = L.paragraph(PROSE, width=40)
    assert widest(text) <= 40 and text.replace("\n", " ") == PROSE
    assert L.paragraph(PROSE, wide=True, width=40) == PROSE


FORMULA = "E[ReLU(u₁)ReLU(u₂)](q₁, q₂, t) = √q₁·√q₂·(t²·atan(|t|)/|t| + π·t/2 + 1)/(2π·√(t² + 1))"


@pytest.mark.parametrize("width", [12, 17, 23, 30])
def test_a_formula_longer_than_its_column_breaks_after_an_operator_never_inside_a_name(width):
    lines = L._wrap(FORMULA, width).split("\n")
    assert max(len(line) for line in lines) <= width
    assert "".join(lines).replace(" ", "") == FORMULA.replace(" ", "")  # nothing lost or added
    for before, after in zip(lines, lines[1:]):
        # a break after a letter or digit (u / ₂, atan / (, 2 / π) would split a token: every break
        # follows an operator, a comma or a closing bracket, or a space that was in the formula
        assert before[-1] in L._BREAK_AFTER or f"{before} {after.split()[0]}" in FORMULA, (before, after)


def test_a_long_number_without_break_points_is_cut_at_the_width():
    assert L._wrap("1234567890123456 x", 10).split("\n") == ["1234567890", "123456 x"]


@pytest.mark.parametrize("word, width", [("q/2; √2·√q/(2√π); q·(1/2 − 1/(2π))", 11), ("−softplus(−x)", 11)])
def test_no_line_starts_with_an_orphan_and_no_break_follows_a_unary_minus(word, width):
    lines = L._wrap(word, width).split("\n")
    assert len(lines) > 1 and max(len(line) for line in lines) <= width
    assert not any(line[0] in L._NO_LINE_START for line in lines[1:]), lines
    # a binary minus has spaces around it ("1/2 − 1/(2π)"): a break may follow it; a unary one may not
    assert not any(line.endswith("−") and not line.endswith(" −") for line in lines), lines


def test_a_pipe_table_has_no_padding_and_one_line_per_row():
    text = L.pipe_table([["a", "two\nlines"], ["long cell", "b"]], ["h1", "h2"])
    assert text.split("\n") == ["| h1 | h2 |", "|---|---|", "| a | two lines |", "| long cell | b |"]
