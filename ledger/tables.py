"""Aligned text tables for the terminal: money and counts right-aligned, wide (CJK) characters counted as two
columns, so that a Chinese SKU's row lines up with the others."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ledger.values import printable


def width(text: str) -> int:
    """How many terminal columns `text` takes."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    fill = " " * max(columns - width(text), 0)
    return fill + text if right else text + fill


def table(headers: Sequence[str] | None, rows: Sequence[Sequence[object]], right: Sequence[int] = ()) -> str:
    """`right`: the indexes of the right-aligned columns; `headers` None: the rows alone (a list of finds)."""
    cells = [[("" if value is None else printable(str(value))) for value in row] for row in rows]
    heads = list(headers) if headers is not None else [""] * len(cells[0] if cells else ())
    widths = [max([width(h), *(width(row[i]) for row in cells)]) for i, h in enumerate(heads)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(pad(v, w, i in right) for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    top = [line(heads), line(["-" * w for w in widths])] if headers is not None else []
    return "\n".join([*top, *(line(row) for row in cells)])


WIDE = 100  # the columns text output keeps within


def wrap(text: str, columns: int = WIDE) -> str:
    """A long line (a tally) broken between words to fit `columns`, wide characters counted as two."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and width(lines[-1]) + 1 + width(word) <= columns:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)
