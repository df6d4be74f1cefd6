"""Tables that fit the terminal: the one wrapping helper of both command lines (derive's and verify's).

``table(rows, headers, fmt)`` renders with tabulate. In a plain-text format (``simple``, ``grid``, ...)
long text columns are wrapped between words so that no line is wider than the terminal
(``shutil.get_terminal_size``: ``$COLUMNS``, then the terminal, then ``DEFAULT_WIDTH``); columns named
in ``keep`` (claim ids, numbers) are never wrapped, so an id can be copied into ``-k``. A markup format
(``github``, ``latex``, ``html``, ``tsv``, ...) or ``wide=True`` gives the unwrapped table: a Markdown or
LaTeX cell cannot hold a line break, and the reader's renderer does the wrapping. ``latex`` cells are
escaped by ``derive.tables.escape`` (specials and unicode as LaTeX), so the table compiles with pdflatex.
"""
from __future__ import annotations

import shutil

from tabulate import MIN_PADDING, multiline_formats, tabulate

__all__ = ["DEFAULT_WIDTH", "LONG_WORD", "MIN_COLUMN", "WRAPPED_FORMATS", "terminal_width", "table", "paragraph",
           "pipe_table"]

DEFAULT_WIDTH = 100
"""Width when neither $COLUMNS nor a terminal says otherwise (output piped to a file or a test)."""
LONG_WORD = 16
"""A wrapped column keeps its longest word whole up to this length (or its header's longest word) if the
table then fits; otherwise it may go down to MIN_COLUMN and longer words are cut."""
MIN_COLUMN = 6
WRAPPED_FORMATS = frozenset(multiline_formats) - {"github", "pipe", "jira", "orgtbl", "rst"}
"""Plain-text formats whose cells may span lines; in a markup format a line break would split the row."""


def terminal_width() -> int:
    """Columns of the terminal: $COLUMNS if set, else the terminal's, else DEFAULT_WIDTH."""
    return max(shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns, 40)


def _width(cell: str) -> int:
    return max((len(line) for line in cell.split("\n")), default=0)


_BREAK_AFTER = frozenset("·,;+*=([{)]}")
"""A word longer than its column is broken after one of these (an operator, a comma, a bracket; not "/",
which would split 1/2),
so that a formula never splits inside a name, a number or a subscript (``u₂`` stays whole). A minus sign
inside a word is unary (the printer spaces a binary one): no break after it."""
_NO_LINE_START = frozenset(",;:.)]}")
"""No piece starts with one of these: a lone ``;`` or ``)`` at the start of a line reads as an orphan."""


def _pieces(word: str, width: int) -> list[str]:
    """``word`` in pieces of at most ``width`` characters, each ending after a character of _BREAK_AFTER
    where one is in reach; a run longer than ``width`` with no such character (a long number) is cut."""
    out = []
    while len(word) > width:
        cut = max((i + 1 for i, c in enumerate(word[:width])
                   if c in _BREAK_AFTER and i + 1 < len(word) and word[i + 1] not in _NO_LINE_START), default=0)
        if cut < width // 3:  # no break point in reach, or only near the start: cut at the width
            cut = width
        out.append(word[:cut])
        word = word[cut:]
    return out + [word] if word else out


def _wrap(cell: str, width: int) -> str:
    """Wrap between words; a word longer than the column is broken after an operator or bracket
    (``_pieces``), and cut only where it has none (a long number)."""
    lines = []
    for para in cell.split("\n"):
        current = ""
        for word in para.split():
            pieces = _pieces(word, width)
            for k, piece in enumerate(pieces):
                glue = "" if k else " "  # the pieces of one word are rejoined without a space
                if current and len(current) + len(glue) + len(piece) <= width:
                    current += glue + piece
                else:
                    if current:
                        lines.append(current)
                    current = piece
        lines.append(current)
    return "\n".join(lines)


def _budget(natural: list[int], floors: list[int], room: int) -> list[int]:
    """Widths between floor_j and natural_j summing to at most ``room``: each column gets its floor, and
    what is left is shared in proportion to how much a column still wants (natural_j - floor_j)."""
    floors = [min(n, f) for n, f in zip(natural, floors)]
    want = [n - f for n, f in zip(natural, floors)]
    extra = room - sum(floors)
    if extra <= 0 or not sum(want):
        return floors
    if extra >= sum(want):
        return list(natural)
    widths = [f + extra * w // sum(want) for f, w in zip(floors, want)]
    for j in sorted(range(len(widths)), key=lambda j: -want[j]):  # the rounding remainder
        if sum(widths) < room and widths[j] < natural[j]:
            widths[j] += 1
    return widths


def table(rows, headers, fmt: str = "simple", *, keep=(), wide: bool = False, width: int | None = None) -> str:
    """The tabulate table of ``rows`` (strings), wrapped to ``width`` (default: the terminal's) unless
    ``wide`` or ``fmt`` is a markup format. ``keep``: indices of columns that never wrap."""
    rows = [["" if c is None else str(c) for c in r] for r in rows]
    headers = [str(h) for h in headers]
    if fmt == "latex":  # tabulate escapes LaTeX's specials but not unicode (σ, ±, −), which pdflatex refuses
        from .tables import escape

        rows = [[escape(c, True) for c in r] for r in rows]
        headers = [escape(h, True) for h in headers]
        fmt = "latex_raw"
    plain = tabulate(rows, headers, tablefmt=fmt, disable_numparse=True)
    limit = terminal_width() if width is None else width
    if wide or fmt not in WRAPPED_FORMATS or _width(plain) <= limit:
        return plain
    columns = len(headers)
    pad = 0 if fmt == "pretty" else MIN_PADDING  # tabulate pads each header by this much
    natural = [max([_width(r[j]) for r in rows] + [len(headers[j]) + pad]) for j in range(columns)]
    overhead = _width(plain) - sum(natural)  # separators, borders and header padding of the format
    wrapped = [j for j in range(columns) if j not in keep]
    fixed = sum(natural[j] for j in range(columns) if j in keep)
    out, room = plain, limit - overhead - fixed
    head_words = [max(len(w) for w in headers[j].split() or [""]) + pad for j in wrapped]
    cell_words = [max([len(w) for r in rows for w in r[j].split()] + [0]) for j in wrapped]
    for _ in range(4):  # a header's padding can add a column or two: shrink by what is left over
        for cap in range(LONG_WORD, MIN_COLUMN - 1, -1):  # keep words whole where the width allows
            floors = [max(h, min(c, cap)) for h, c in zip(head_words, cell_words)]
            if sum(min(natural[j], f) for j, f in zip(wrapped, floors)) <= room:
                break
        else:  # even whole header words do not fit: cut them too
            floors = [MIN_COLUMN + pad] * len(wrapped)
        widths = dict(zip(wrapped, _budget([natural[j] for j in wrapped], floors, room)))
        cells = [[_wrap(c, widths[j]) if j in widths and _width(c) > widths[j] else c for j, c in enumerate(r)]
                 for r in rows]
        heads = [_wrap(h, widths[j] - pad) if j in widths and len(h) + pad > widths[j] else h
                 for j, h in enumerate(headers)]
        out = tabulate(cells, heads, tablefmt=fmt, disable_numparse=True)
        if _width(out) <= limit:
            break
        room -= _width(out) - limit
    return out


def paragraph(text: str, wide: bool = False, width: int | None = None) -> str:
    """A line of prose wrapped between words to the terminal (unless ``wide``)."""
    if wide:
        return text
    return "\n".join(_wrap(text, terminal_width() if width is None else width).split("\n"))


def pipe_table(rows, headers) -> str:
    """A Markdown (GitHub) pipe table without padding: a renderer aligns the columns, so padding every cell
    to its column's widest (tabulate's ``github``) only multiplies the file's size. Cells must already have
    their ``|`` escaped; a line break in a cell becomes a space (a pipe-table row is one line)."""
    def line(cells):
        return "| " + " | ".join("" if c is None else str(c).replace("\n", " ") for c in cells) + " |"

    return "\n".join([line(headers), "|" + "|".join("---" for _ in headers) + "|"] + [line(r) for r in rows])
