"""Quick fixes that insert code: ``Flatten()`` before the failing layer of a ``Sequential(...)``, or the
statement a fix names (``x = torch.flatten(x, 1)``) on a line of its own before the failing statement."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from shapecheck.lsp.shapes import built_at, callee, constructor_calls
from shapecheck.lsp.snapshot import Snapshot
from shapecheck.nn.linear import FLATTEN_FIX
from shapecheck.static.report import BEFORE_LINE, Finding

__all__ = ["Edit", "insertion"]

_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)
"""The statements a line can be inserted before (not a loop's or an ``if``'s header)."""


@dataclass(frozen=True)
class Edit:
    """Replace bytes ``start``..``end`` of 1-based ``line`` with ``text``."""

    line: int
    start: int
    end: int
    text: str


def insertion(snap: Snapshot, finding: Finding, text: str) -> tuple[str, tuple[Edit, ...]] | None:
    """The fix ``text`` of ``finding`` as an insertion (its title and edit), or None when it is none or
    where it goes is not certain."""
    if text.startswith(FLATTEN_FIX):
        return _in_chain(snap, finding)
    if BEFORE_LINE in text:
        return _before_statement(snap, finding, text.split(BEFORE_LINE)[0])
    return None


def _in_chain(snap: Snapshot, finding: Finding) -> tuple[str, tuple[Edit, ...]] | None:
    """``nn.Flatten(),`` before the failing layer written as an argument of ``Sequential(...)``."""
    name = finding.error.layer.split("(")[0] if finding.error is not None else ""
    line = finding.defined_at or finding.line
    calls = constructor_calls(snap.tree, line, name)
    if len(calls) != 1 or len({u.layer for u in built_at(snap, line, name)}) > 1:
        return None
    call = calls[0]
    if not any(isinstance(node, ast.Call) and callee(node) == "Sequential" and any(a is call for a in node.args) for node in ast.walk(snap.tree)):
        return None
    func = call.func
    qualifier = ast.get_source_segment(snap.text, func.value) if isinstance(func, ast.Attribute) else ""
    layer = f"{qualifier}.Flatten()" if qualifier else "Flatten()"
    indent = snap.lines[line - 1].encode()[: call.col_offset].decode()
    if indent.strip():  # after another layer on the same line
        edit = Edit(line, call.col_offset, call.col_offset, f"{layer}, ")
    else:
        edit = Edit(line, 0, 0, f"{indent}{layer},{_line_break(snap.text)}")
    return f"Insert {layer} before the {name}", (edit,)


def _before_statement(snap: Snapshot, finding: Finding, code: str) -> tuple[str, tuple[Edit, ...]] | None:
    """``code`` (one assignment) on a line of its own before the simple statement of ``finding``, indented as it."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return None
    if len(body) != 1 or not isinstance(body[0], ast.Assign):
        return None
    found = [
        s
        for s in ast.walk(snap.tree)
        if isinstance(s, _SIMPLE) and (s.lineno, s.col_offset) <= (finding.line, finding.column) and (finding.line, finding.column) < (s.end_lineno or s.lineno, s.end_col_offset or 0)
    ]
    if len(found) != 1:
        return None
    statement = found[0]
    indent = snap.lines[statement.lineno - 1].encode()[: statement.col_offset].decode()
    if indent.strip():  # not the first statement of its line
        return None
    return f"Insert {code}", (Edit(statement.lineno, 0, 0, f"{indent}{code}{_line_break(snap.text)}"),)


def _line_break(text: str) -> str:
    """The document's line break (its first one; ``\\n`` in a one-line document)."""
    found = re.search(r"\r\n|\r|\n", text)
    return found.group() if found else "\n"
