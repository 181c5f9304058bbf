"""Lines and columns: ``ast`` counts columns in UTF-8 bytes, LSP clients in UTF-16 code units."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["byte_column", "lines_of", "utf16_column", "word_at"]

_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_WORD: Final = re.compile(r"\w+")


def lines_of(text: str) -> list[str]:
    """The lines of ``text`` as the parser counts them (split at ``\\n``, ``\\r\\n``, ``\\r`` only)."""
    return _LINE_BREAK.split(text)


def utf16_column(line: str, byte_col: int) -> int:
    """The UTF-16 column of the UTF-8 byte column ``byte_col`` of ``line``."""
    if line.isascii():
        return byte_col
    prefix = line.encode()[:byte_col].decode(errors="ignore")
    return len(prefix.encode("utf-16-le")) // 2


def byte_column(line: str, utf16_col: int) -> int:
    """The UTF-8 byte column of the UTF-16 column ``utf16_col`` of ``line``."""
    if line.isascii():
        return utf16_col
    prefix = line.encode("utf-16-le")[: 2 * utf16_col].decode("utf-16-le", errors="ignore")
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
