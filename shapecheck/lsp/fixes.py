"""Quick fixes: a finding's ``fix:`` that names a new constructor for the failing layer, as edits of the
arguments that differ in the layer's constructor call (at the line that built it)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from shapecheck.lsp.inserts import Edit, insertion
from shapecheck.lsp.shapes import built_at, constructor_calls
from shapecheck.lsp.snapshot import Snapshot
from shapecheck.static.report import Finding

__all__ = ["Edit", "Fix", "apply", "fixes_of"]


@dataclass(frozen=True)
class Fix:
    """A finding's fix (``text``: as ``check`` prints it) as edits, and the action's ``title``."""

    finding: Finding
    text: str
    edits: tuple[Edit, ...]
    title: str


def fixes_of(snap: Snapshot, finding: Finding) -> list[Fix]:
    """The fixes of ``finding`` that can be written as edits found unambiguously: a line to insert
    (:mod:`shapecheck.lsp.inserts`), or a new constructor for the failing layer, edited at the one call of
    that layer's name at its definition line, which built one configuration of it."""
    if finding.error is None:
        return []
    line = finding.defined_at or finding.line
    out: list[Fix] = []
    for text in finding.error.fixes:
        inserted = insertion(snap, finding, text)
        if inserted is not None:
            out.append(Fix(finding, text, inserted[1], inserted[0]))
            continue
        proposed = _call(text)
        if proposed is None or not isinstance(proposed.func, ast.Name):
            continue
        name = proposed.func.id
        calls = constructor_calls(snap.tree, line, name)
        if len(calls) != 1 or len({u.layer for u in built_at(snap, line, name)}) > 1:
            continue
        edits = _edits(snap, calls[0], proposed, text)
        if edits:
            out.append(Fix(finding, text, tuple(edits), f"Change the layer to {text}"))
    return out


def _call(text: str) -> ast.Call | None:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    return node if isinstance(node, ast.Call) else None


def _edits(snap: Snapshot, call: ast.Call, proposed: ast.Call, text: str) -> list[Edit]:
    """The positional arguments of ``call`` that differ from ``proposed``'s (same count, keywords alike)."""
    if len(call.args) != len(proposed.args) or any(isinstance(a, ast.Starred) for a in call.args):
        return []
    if {k.arg: ast.dump(k.value) for k in proposed.keywords} != {k.arg: ast.dump(k.value) for k in call.keywords if k.arg in {p.arg for p in proposed.keywords}}:
        return []
    edits: list[Edit] = []
    for old, new in zip(call.args, proposed.args):
        if old.lineno != old.end_lineno or old.end_col_offset is None:
            return []
        replacement = ast.get_source_segment(text, new)
        if replacement is None or ast.get_source_segment(snap.text, old) == replacement:
            continue
        edits.append(Edit(old.lineno, old.col_offset, old.end_col_offset, replacement))
    return edits


def apply(text: str, edits: tuple[Edit, ...]) -> str:
    """``text`` with ``edits`` applied (line breaks kept as they are)."""
    parts = re.split(r"(\r\n|\r|\n)", text)
    for e in sorted(edits, key=lambda e: (e.line, e.start), reverse=True):
        i = 2 * (e.line - 1)
        data = parts[i].encode()
        parts[i] = (data[: e.start] + e.text.encode() + data[e.end :]).decode()
    return "".join(parts)
