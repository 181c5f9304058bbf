"""Fixes at the call the user wrote: a layer a helper built with a wrong size, fixed at the helper's call.

``self.b = conv_bn(32, 64)`` builds ``Conv2d(32, 64, 3)`` inside ``conv_bn``; when that conv gets 16
channels, the edit to make is ``conv_bn(16, 64)``, not the helper's body (its other calls are right). A
candidate is a literal argument of the call equal to the layer's wrong size, replaced by the size it gets.
One is proposed when it alone, checked by analysing the file again with the edit, clears the finding and
builds in the failing layer's place the very layer the finding's own fix names (``Conv2d(16, 64, ...)``):
an edit that changes more than that layer's wrong size is not proposed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, replace

from shapecheck.errors import ShapeError
from shapecheck.static.report import FileReport, Finding

__all__ = ["CallEdit", "call_edits", "verified_call_fixes"]


@dataclass(frozen=True)
class CallEdit:
    """Replace the bytes ``start``..``end`` of 1-based ``line`` with ``text``; the call reads ``call`` after it."""

    line: int
    start: int
    end: int
    text: str
    call: str


def call_edits(tree: ast.Module, source: str, line: int, helper: str, err: ShapeError) -> list[CallEdit]:
    """The edits of the calls of ``helper`` on ``line`` that each change one int literal argument equal to the
    layer's wrong size (``err``'s expected) to the size it gets (its actual): ``Block(128, 128, 2)`` gives two,
    of which checking keeps the one that builds the fix; at most :data:`_MOST`."""
    wrong, right = err.raw_expected, err.raw_actual
    if type(wrong) is not int or type(right) is not int or right < 0:
        return []
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.lineno == line and n.end_lineno == line and _name(n.func) == helper
    ]
    text = source.splitlines()[line - 1].encode()
    out = []
    for call in calls:  # several on one line (Sequential(block(3, 32), block(128, 128, 2))): checking tells which
        values = [*call.args, *(k.value for k in call.keywords)]
        for hit in (v for v in values if isinstance(v, ast.Constant) and type(v.value) is int and v.value == wrong):
            if hit.end_col_offset is not None and call.end_col_offset is not None:
                fixed = text[: hit.col_offset] + str(right).encode() + text[hit.end_col_offset :]
                after = fixed[call.col_offset : call.end_col_offset + len(fixed) - len(text)].decode()
                out.append(CallEdit(line, hit.col_offset, hit.end_col_offset, str(right), after))
    return out[:_MOST]


_MOST = 4
"""Literals of a line tried as the wrong one (each costs an analysis of the edited file)."""
_MOST_CHECKED = 8
"""Edits checked in one analysis at most: a file of many such findings stays as quick to check as any."""


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def verified_call_fixes(
    source: str, report: FileReport, edits: dict[int, list[CallEdit]], check: Callable[[str], FileReport]
) -> None:
    """Make the finding's fix the one of its candidate edits that ``check`` (the detailed analysis of the
    edited source) shows to clear it and to build the finding's own fix in the failing layer's place:
    ``fix: conv_bn(16, 64) (line 18)``. Nothing changes when no candidate, or more than one, does."""
    lines = source.splitlines(keepends=True)
    checked: dict[CallEdit, FileReport] = {}  # one block's wrong argument fails each of its layers alike
    for at, finding in enumerate(report.findings):
        error = finding.error
        if error is None or not error.fixes:
            continue
        candidates = edits.get(finding.line, [])
        if len(checked.keys() | set(candidates)) > _MOST_CHECKED:  # not all of them can be checked: none is proposed
            continue
        good = []
        for edit in candidates:
            if edit not in checked:
                raw = lines[edit.line - 1].encode()
                edited = [*lines]
                edited[edit.line - 1] = (raw[: edit.start] + edit.text.encode() + raw[edit.end :]).decode()
                checked[edit] = check("".join(edited))
            after = checked[edit]
            cleared = all((f.line, f.message) != (finding.line, finding.message) for f in after.findings)
            if cleared and any(_at(u.path, error.path) and u.layer == error.fixes[0] for u in after.layers):
                good.append(edit)
        if len(good) == 1:
            report.findings[at] = _with_fix(finding, good[0])


def _at(path: str, failed: str) -> bool:
    """Whether a layer of a run at ``path`` is the failing one: the same path, or the chain that failed to build
    is held under a name (``features.2.0`` for a failure at ``2.0`` of ``self.features = Sequential(...)``)."""
    return path == failed or path.endswith("." + failed)


def _with_fix(finding: Finding, edit: CallEdit) -> Finding:
    """``finding`` fixed at the call instead of inside the helper, whose body its other calls share."""
    notes = [n for n in finding.notes if not n.startswith("fix: ")]
    notes.append(f"fix: {edit.call} (line {edit.line})")
    error = finding.error and replace(finding.error, fixes=[edit.call])
    return replace(finding, notes=tuple(notes), error=error)
