"""Inlay hints: the shape after each assignment (and of each parameter) in the lines asked for."""

from __future__ import annotations

from lsprotocol import types

from shapecheck.lsp.shapes import preferred
from shapecheck.lsp.snapshot import Snapshot
from shapecheck.lsp.text import client_column, word_at

__all__ = ["inlay_hints"]


def inlay_hints(snap: Snapshot, first: int, last: int, fresh: set[int], encoding: str) -> list[types.InlayHint]:
    """Hints for the 0-based lines ``first``..``last`` that are in ``fresh`` (unchanged since ``snap``), columns
    in the client's ``encoding``; none after a name annotated in the source (``x: Tensor = ...``)."""
    out: list[types.InlayHint] = []
    for (line, column), shapes in sorted(snap.report.seen.bound.items()):
        if not (first <= line - 1 <= last and line - 1 in fresh):
            continue
        text = snap.lines[line - 1]
        word = word_at(text, column)
        if word is None or word[0] != column:
            continue
        end = column + len(word[1].encode())
        if text.encode()[end:].lstrip().startswith(b":"):
            continue
        shape, model = preferred(shapes)
        position = types.Position(line - 1, client_column(text, end, encoding))
        out.append(types.InlayHint(position, f": {shape}", kind=types.InlayHintKind.Type, tooltip=f"in {model}"))
    return out
