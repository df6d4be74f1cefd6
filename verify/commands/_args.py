"""Argument types shared by the subcommands: a root seed and an output format."""
from __future__ import annotations

import argparse

from tabulate import tabulate_formats

FORMATS = ("json", *sorted(tabulate_formats))
"""``--format``: json, or any tabulate table format."""


def seed(text: str) -> int:
    """``--seed``: a non-negative integer below 2**63."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0 or value >= 2**63:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**63), got {text!r}")
    return value


def table_format(text: str) -> str:
    """``--format``: one of FORMATS."""
    if text not in FORMATS:
        raise argparse.ArgumentTypeError(f"unknown format {text!r}; use json or a tabulate format "
                                         f"({', '.join(f for f in FORMATS if f != 'json')})")
    return text


def layout(p: argparse.ArgumentParser) -> None:
    """``--wide``: the unwrapped table (plain-text tables are otherwise wrapped to the terminal's width)."""
    p.add_argument("--wide", action="store_true",
                   help="do not wrap long text columns to the terminal's width ($COLUMNS)")


def summary_stream(fmt: str):
    """Where a line after the table goes: stdout under a plain-text table, stderr under a markup format
    (Markdown, LaTeX, HTML), so that stdout holds only the table and can be pasted or compiled as is."""
    import sys

    from derive.layout import WRAPPED_FORMATS

    return sys.stdout if fmt in WRAPPED_FORMATS else sys.stderr


def integer_between(low: int, high: int):
    """An argparse type: a decimal integer in [low, high], else a one-line error saying the range."""
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {text!r}")
        return value

    return parse
