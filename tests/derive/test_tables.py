"""derive.tables: a concluded statement and a status as a reader sees them."""
import sympy as sp

from derive import tables


def test_parts_that_print_alike_say_which_case_they_hold_in():
    tp, tn, q = sp.Symbol("t", positive=True), sp.Symbol("t", negative=True), sp.Symbol("q", positive=True)
    f = sp.Function("f")
    both = sp.And(sp.Eq(f(tp), q * sp.atan(tp)), sp.Eq(f(tn), q * sp.atan(tn)), sp.Eq(f(0), 0))
    text = tables.result_text(both)
    parts = text.split("; ")  # in sympy's order of And's arguments
    assert sorted(p.split(" (for ")[-1] for p in parts if "(for" in p) == ["t < 0)", "t > 0)"]
    assert [p for p in parts if "(for" not in p] == ["f(0) = 0"]  # no t in it: nothing to tell apart
    # q is the same symbol in both parts: it gets no condition even though it is positive
    assert "q > 0" not in text


def test_a_single_statement_is_printed_as_it_is():
    x = sp.Symbol("x", positive=True)
    assert tables.result_text(sp.Eq(sp.Function("g")(x), x)) == tables._text(sp.Eq(sp.Function("g")(x), x))


def test_short_status_keeps_the_count_of_assumptions():
    assert tables.short_status("proved given 10 assumptions") == "proved, 10 assumed"
    assert tables.short_status("numeric given 1 assumption") == "numeric, 1 assumed"
    assert tables.short_status("proved") == "proved"


def test_the_list_keeps_each_status_on_one_line(capsys, monkeypatch):
    from derive.cli import main

    monkeypatch.setenv("COLUMNS", "60")  # narrow enough that the title column must wrap
    assert main(["--list", "-k", "activation.relu.moments", "-k", "linear.rank"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 60 and len(lines) > 4  # wrapped: more lines than rows
    statuses = [line.split("  ")[-2].strip() for line in lines if line.startswith(("activation", "linear"))]
    assert statuses == ["proved, 3 assumed", "proved, 1 assumed"], lines
