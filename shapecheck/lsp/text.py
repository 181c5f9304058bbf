"""Lines and columns: ``ast`` counts columns in UTF-8 bytes, LSP clients in UTF-16 code units (unless they agree on another encoding)."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["byte_column", "client_column", "lines_of", "word_at"]

_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_WORD: Final = re.compile(r"\w+")
_UNITS: Final = {"utf-16": ("utf-16-le", 2), "utf-32": ("utf-32-le", 4)}
"""The encodings of client columns other than UTF-8 bytes (the columns of ``ast``): codec, bytes per unit."""


def lines_of(text: str) -> list[str]:
    """The lines of ``text`` as the parser counts them (split at ``\\n``, ``\\r\\n``, ``\\r`` only)."""
    return _LINE_BREAK.split(text)


def client_column(line: str, byte_col: int, encoding: str = "utf-16") -> int:
    """The column, in the client's ``encoding`` (``utf-8``, ``utf-16``, ``utf-32``), of the UTF-8 byte column ``byte_col`` of ``line``."""
    if line.isascii() or encoding not in _UNITS:
        return byte_col
    codec, size = _UNITS[encoding]
    prefix = line.encode()[:byte_col].decode(errors="ignore")
    return len(prefix.encode(codec)) // size


def byte_column(line: str, column: int, encoding: str = "utf-16") -> int:
    """The UTF-8 byte column of ``line`` at ``column`` in the client's ``encoding``."""
    if line.isascii() or encoding not in _UNITS:
        return column
    codec, size = _UNITS[encoding]
    prefix = line.encode(codec)[: size * column].decode(codec, errors="ignore")
    return len(prefix.encode())


def word_at(line: str, byte_col: int) -> tuple[int, str] | None:
    """The identifier of ``line`` under (or just before) ``byte_col``: its byte column and text."""
    for m in _WORD.finditer(line):
        start = len(line[: m.start()].encode())
        end = start + len(m.group().encode())
        if start <= byte_col <= end:
            return start, m.group()
        if start > byte_col:
            break
    return None
