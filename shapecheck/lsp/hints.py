"""Inlay hints: the shape after each assignment (and of each parameter), and after each layer written
in a ``Sequential(...)``, in the lines asked for."""

from __future__ import annotations

import ast

from lsprotocol import types

from shapecheck.lsp.shapes import built_at, callee, constructor_calls, preferred
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
        out.extend(_hint(snap, line, end, ": ", shapes, encoding))
    for call, shapes in _chain_layers(snap):
        line = call.end_lineno or call.lineno
        if first <= line - 1 <= last and line - 1 in fresh and call.end_col_offset is not None:
            out.extend(_hint(snap, line, call.end_col_offset, " -> ", shapes, encoding))
    return sorted(out, key=lambda h: (h.position.line, h.position.character))


def _hint(snap: Snapshot, line: int, column: int, prefix: str, shapes: dict[str, str], encoding: str) -> list[types.InlayHint]:
    """The preferred of ``shapes`` at 1-based ``line`` and byte ``column``; none for a shape of unknown rank."""
    shape, model = preferred(shapes)
    if shape == "(...)":
        return []
    position = types.Position(line - 1, client_column(snap.lines[line - 1], column, encoding))
    return [types.InlayHint(position, prefix + shape, kind=types.InlayHintKind.Type, tooltip=f"in {model}")]


def _chain_layers(snap: Snapshot) -> list[tuple[ast.Call, dict[str, str]]]:
    """Each layer constructor written as an argument of ``Sequential(...)``, with the shapes it gave (by
    model run); a layer whose line holds another call of its name is left out (which gave what is not known)."""
    out: list[tuple[ast.Call, dict[str, str]]] = []
    for node in ast.walk(snap.tree):
        if not isinstance(node, ast.Call) or callee(node) != "Sequential":
            continue
        for arg in node.args:
            name = callee(arg)
            if not isinstance(arg, ast.Call) or name is None or len(constructor_calls(snap.tree, arg.lineno, name)) != 1:
                continue
            shapes: dict[str, str] = {}
            for u in built_at(snap, arg.lineno, name):
                shapes.setdefault(u.output, u.model)
            if shapes:
                out.append((arg, shapes))
    return out
