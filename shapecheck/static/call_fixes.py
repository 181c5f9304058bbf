"""Fixes at the call the user wrote: a layer a helper built with a wrong size, fixed at the helper's call.

``self.b = conv_bn(32, 64)`` builds ``Conv2d(32, 64, 3)`` inside ``conv_bn``; when that conv gets 16
channels, the edit to make is ``conv_bn(16, 64)``, not the helper's body (its other calls are right). A
candidate is the call's one literal argument equal to the layer's wrong size, replaced by the size it gets;
it is proposed only when checking the file again with the edit clears the finding and builds, in the
failing layer's place, the very layer the finding's own fix names (``Conv2d(16, 64, ...)``): an edit that
changed more than that layer's wrong size is not proposed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, replace

from shapecheck.errors import ShapeError
from shapecheck.static.report import FileReport, Finding

__all__ = ["CallEdit", "call_edit", "verified_call_fixes"]


@dataclass(frozen=True)
class CallEdit:
    """Replace the bytes ``start``..``end`` of 1-based ``line`` with ``text``; the call reads ``call`` after it."""

    line: int
    start: int
    end: int
    text: str
    call: str


def call_edit(tree: ast.Module, source: str, line: int, helper: str, err: ShapeError) -> CallEdit | None:
    """The edit of the one call of ``helper`` at ``line`` whose one int literal argument is the layer's
    wrong size (``err``'s expected), to the size the layer gets (its actual); None when not that simple."""
    wrong, right = err.raw_expected, err.raw_actual
    if type(wrong) is not int or type(right) is not int or right < 0:
        return None
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.lineno == line and n.end_lineno == line and _name(n.func) == helper
    ]
    if len(calls) != 1:
        return None
    call = calls[0]
    values = [*call.args, *(k.value for k in call.keywords)]
    hits = [v for v in values if isinstance(v, ast.Constant) and type(v.value) is int and v.value == wrong]
    hit_end, call_end = (hits[0].end_col_offset, call.end_col_offset) if len(hits) == 1 else (None, None)
    if hit_end is None or call_end is None:
        return None
    start = hits[0].col_offset
    text = source.splitlines()[line - 1].encode()
    fixed = text[:start] + str(right).encode() + text[hit_end:]
    return CallEdit(line, start, hit_end, str(right), fixed[call.col_offset : call_end + len(fixed) - len(text)].decode())


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def verified_call_fixes(source: str, report: FileReport, edits: dict[int, CallEdit], check: Callable[[str], FileReport]) -> None:
    """Make each edit that ``check`` (the detailed analysis of the edited source) shows to clear its finding
    and to build the finding's own fix in the failing layer's place the finding's fix: ``fix: conv_bn(16, 64) (line 18)``."""
    lines = source.splitlines(keepends=True)
    checked: dict[CallEdit, FileReport] = {}  # one block's wrong argument fails each of its layers alike
    for at, finding in enumerate(report.findings):
        edit, error = edits.get(finding.line), finding.error
        if edit is None or error is None or not error.fixes:
            continue
        if edit not in checked:
            raw = lines[edit.line - 1].encode()
            edited = [*lines]
            edited[edit.line - 1] = (raw[: edit.start] + edit.text.encode() + raw[edit.end :]).decode()
            checked[edit] = check("".join(edited))
        after = checked[edit]
        cleared = all((f.line, f.message) != (finding.line, finding.message) for f in after.findings)
        if cleared and any(u.path == error.path and u.layer == error.fixes[0] for u in after.layers):
            report.findings[at] = _with_fix(finding, edit)


def _with_fix(finding: Finding, edit: CallEdit) -> Finding:
    """``finding`` fixed at the call instead of inside the helper, whose body its other calls share."""
    notes = [n for n in finding.notes if not n.startswith("fix: ")]
    notes.append(f"fix: {edit.call} (line {edit.line})")
    error = finding.error and replace(finding.error, fixes=[edit.call])
    return replace(finding, notes=tuple(notes), error=error)
