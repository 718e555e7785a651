"""The demo's live view: the answer text and the structured fields, redrawn in place.

The frame always fits the terminal: every line is cut to the visible width (counting printable
columns only: colour codes take none, East Asian wide characters two, combining marks none), the
frame is at most one row shorter than the terminal's height (the text keeps its last lines, the
fields their most recent ones, with a `… N more` line), and a redraw moves the cursor up by the
rows the previous frame took *at the current width*, so a terminal made narrower between two
frames does not leave stale rows behind. When the output is not a terminal the view prints plain
lines (no escape codes): one per completed field.
"""

from __future__ import annotations

import re
import shutil
import time
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import TextIO

__all__ = ["Screen", "fit", "visible_width"]

_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BOLD, _GREEN, _YELLOW, _DIM, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[33m", "\x1b[2m", "\x1b[0m"
_MIN_ROWS = 4


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _printable(text: str) -> str:
    """Tabs become spaces; other control characters (a raw ESC in the model's text) are dropped."""
    text = text.replace("\t", "    ")
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f")


def visible_width(line: str) -> int:
    """The columns `line` takes on a terminal (escape sequences take none)."""
    return sum(_char_width(ch) for ch in _ESCAPE.sub("", line))


def fit(line: str, width: int) -> str:
    """`line` cut to at most `width` visible columns; its escape sequences are kept (a reset is
    added when the cut dropped one), so colours never count toward the width."""
    out: list[str] = []
    used = 0
    pos = 0
    cut = False
    styled = False
    while pos < len(line):
        match = _ESCAPE.match(line, pos)
        if match is not None:
            out.append(match.group())
            styled = True
            pos = match.end()
            continue
        ch = line[pos]
        w = _char_width(ch)
        if used + w > width:
            cut = True
            break
        out.append(ch)
        used += w
        pos += 1
    if cut and styled:
        out.append(_RESET)
    return "".join(out)


class Screen:
    """Text and fields, redrawn in place on a terminal (`live=True`), or printed as lines."""

    def __init__(self, out: TextIO, live: bool, size: tuple[int, int] | None = None) -> None:
        self.out = out
        self.live = live
        self.text = ""
        self.fields: dict[str, tuple[Any, bool]] = {}
        self._size = size
        self._drawn: list[int] = []  # the visible width of each line of the last frame
        self._last = 0.0

    def size(self) -> tuple[int, int]:
        """(columns, rows) of the terminal, read at every frame (the user may resize it)."""
        if self._size is not None:
            return self._size
        size = shutil.get_terminal_size((80, 24))
        return size.columns, size.lines

    def delta(self, piece: str) -> None:
        self.text += piece
        self.draw()

    def field(self, path: str, value: Any, complete: bool, is_leaf: bool) -> None:
        if is_leaf or complete:
            self.fields[path] = (value, complete)
        if not self.live and complete:
            self.out.write(f"{path} => {value}\n")
        self.draw()

    def frame(self, columns: int, rows: int) -> list[str]:
        """The lines of one frame for a terminal of this size (each fits one row)."""
        width = max(1, columns - 1)  # never the last column: some terminals wrap on it
        budget = max(_MIN_ROWS, rows - 1) - 2  # one row for the cursor, two headers
        text_lines = [_printable(line) for line in self.text.splitlines()] or [""]
        field_lines: list[str] = []
        for path, (value, complete) in self.fields.items():
            if isinstance(value, (dict, list)):
                if complete:
                    field_lines.append(f"  {_GREEN}✓{_RESET} {path} complete")
                continue
            mark = f"{_GREEN}✓{_RESET}" if complete else f"{_YELLOW}…{_RESET}"
            field_lines.append(f"  {mark} {path} = {_printable(str(value))}")
        text_rows = min(len(text_lines), max(budget - len(field_lines), budget // 3, 1))
        field_rows = budget - text_rows
        if len(field_lines) > field_rows:
            hidden = len(field_lines) - (field_rows - 1)
            field_lines = [f"  {_DIM}… {hidden} more{_RESET}", *field_lines[hidden:]] if field_rows > 1 else []
        lines = [f"{_BOLD}TEXT_STREAM{_RESET} (delta)", *text_lines[-text_rows:]]
        lines.append(f"{_BOLD}STRUCTURED_STREAM{_RESET} (instant)")
        lines += field_lines
        return [fit(line, width) for line in lines]

    def draw(self, force: bool = False) -> None:
        if not self.live:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.03:
            return
        self._last = now
        columns, rows = self.size()
        lines = self.frame(columns, rows)
        if self._drawn:
            # the rows the last frame takes now: a line wider than the terminal has wrapped
            up = sum(max(1, -(-w // columns)) for w in self._drawn)
            self.out.write(f"\x1b[{up}F\x1b[J")
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()
        self._drawn = [visible_width(line) for line in lines]
