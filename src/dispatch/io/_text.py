"""Reading whitespace-separated text files line by line, with errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import attrs

from dispatch.errors import FormatError

__all__ = ["Line", "TextFile"]


@attrs.frozen
class Line:
    """One non-blank line of a text file: its 1-based number and its fields."""

    source: str
    number: int
    text: str

    @property
    def fields(self) -> list[str]:
        """The white-space separated fields."""
        return self.text.split()

    def error(self, message: str) -> FormatError:
        """A :class:`FormatError` pointing at this line."""
        return FormatError(self.source, self.number, message)

    def expect_fields(self, count: int, layout: str) -> list[str]:
        """The fields, which must be exactly ``count`` (``layout`` names them in the error)."""
        fields = self.fields
        if len(fields) != count:
            raise self.error(f"expected {count} fields ({layout}), got {len(fields)}")
        return fields

    def int_field(self, token: str, what: str) -> int:
        """``token`` as an int; the error names ``what``."""
        try:
            return int(token)
        except ValueError:
            raise self.error(f"{what} must be an integer, got {token!r}") from None

    def float_field(self, token: str, what: str) -> float:
        """``token`` as a finite float; the error names ``what``."""
        try:
            value = float(token)
        except ValueError:
            raise self.error(f"{what} must be a number, got {token!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise self.error(f"{what} must be finite, got {token!r}")
        return value


class TextFile:
    """The non-blank lines of a file, consumed in order.

    Line numbers count every physical line, blank ones included, so they match
    what an editor shows.
    """

    def __init__(self, path: str | Path) -> None:
        self.source = str(path)
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise FormatError(self.source, None, f"not UTF-8 text ({err.reason})") from None
        self._lines = [
            Line(self.source, number, text.strip())
            for number, text in enumerate(raw.splitlines(), start=1)
            if text.strip()
        ]
        self._next = 0
        self._last_number = len(raw.splitlines())

    def peek(self) -> Line | None:
        """The next line without consuming it, or None at the end."""
        return self._lines[self._next] if self._next < len(self._lines) else None

    def next(self, expected: str) -> Line:
        """The next line; a :class:`FormatError` saying ``expected`` if the file has ended."""
        if self._next >= len(self._lines):
            raise FormatError(
                self.source, self._last_number, f"file ends early, expected {expected}"
            )
        line = self._lines[self._next]
        self._next += 1
        return line

    def error(self, message: str) -> FormatError:
        """A :class:`FormatError` at the next unread line (or the last line at the end)."""
        nxt = self.peek()
        return nxt.error(message) if nxt else FormatError(self.source, self._last_number, message)

    def expect_keyword(self, keyword: str) -> Line:
        """The next line, which must be ``keyword`` (case-insensitive)."""
        line = self.next(repr(keyword))
        if line.text.upper() != keyword.upper():
            raise line.error(f"expected {keyword!r}, got {line.text[:40]!r}")
        return line

    def expect_end(self) -> None:
        """Nothing but blank lines may follow."""
        extra = self.peek()
        if extra is not None:
            raise extra.error(f"unexpected content after the end: {extra.text[:40]!r}")
