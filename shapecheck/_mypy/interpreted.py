"""The forward interpreter's findings, reported through mypy.

mypy checks no statement in an unannotated function (unless ``check_untyped_defs``), so the plugin's
call hooks never see most model code: ``__init__`` and ``forward`` are rarely annotated. The
interpreter needs no type checking: it reads the file's source. The plugin runs it from hooks of mypy's
semantic analyser, which analyses every statement, annotated or not: the base-class hook (each class)
and the dynamic-class hook (each assignment of a call, ``model = nn.Sequential(...)``) report all the
file's findings; the call hooks also report those at their line.

A file is analysed once per content (cached by path, size and modification time), and mypy drops a
repeated message on a line, so reporting from every class is cheap and never doubles an error.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from mypy.errorcodes import ErrorCode

if TYPE_CHECKING:
    from shapecheck.static import FileReport
    from shapecheck.static.report import Gap

__all__ = ["emit", "file_report", "findings_at", "report_file"]

_MAX_CACHED: Final = 256
_cache: dict[str, tuple[tuple[int, int], FileReport]] = {}


def file_report(path: str) -> FileReport | None:
    """The interpreter's report on the file at ``path`` (None for a file that is not on disk)."""
    if not path.endswith(".py") or not os.path.isfile(path):
        return None
    stat = os.stat(path)
    key = (stat.st_size, stat.st_mtime_ns)
    cached = _cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    from shapecheck.static import analyze_file

    report = analyze_file(path)
    if len(_cache) >= _MAX_CACHED:
        _cache.pop(next(iter(_cache)))
    _cache[path] = (key, report)
    return report


def report_file(api: object, path: str, code: ErrorCode) -> None:
    """Report every finding of the file at ``path`` through ``api`` (the semantic analyser's interface)."""
    report = file_report(path)
    if report is None:
        return
    for finding in report.findings:
        emit(api, finding, code)
    errors = getattr(api, "errors", None)
    for model in report.models:
        if errors is not None and model.followed and model.gaps and model.line > 1 and not _alone(model.gaps[0]):
            more = f" (and {len(model.gaps) - 1} more; shapecheck check -v lists them)" if len(model.gaps) > 1 else ""
            text = f"shapecheck followed {model.name} only in part: {model.gaps[0]}{more}"
            errors.report(model.line, 0, text, code=code, severity="note")


def _alone(gap: Gap) -> bool:
    """A class checked alone whose constructor needs arguments (a block the file's models build with
    theirs): ``check -v`` lists it; a note on every such class would only be noise in the editor."""
    return gap.reason.startswith("constructor arguments not known")


def findings_at(path: str, line: int) -> list[object]:
    """The interpreter's findings at ``line`` of ``path`` (the call hooks report these, and only these)."""
    report = file_report(path)
    return [f for f in report.findings if f.line == line] if report is not None else []


def emit(api: object, finding: object, code: ErrorCode) -> None:
    """Report one finding through mypy's error list (the semantic analyser's or the type checker's), its
    notes attached to it. Written to the list directly: the analyser's own ``fail``/``note`` drop what is
    said inside a function mypy does not check, which is where most model code is."""
    from shapecheck.static import Finding

    assert isinstance(finding, Finding)
    errors = getattr(api, "errors", None) or getattr(getattr(api, "msg", None), "errors", None)
    if errors is None:
        return
    where = {"end_line": finding.end_line, "end_column": finding.end_column}
    error = errors.report(finding.line, finding.column, finding.message, code=code, **where)
    for text in finding.notes:
        errors.report(finding.line, finding.column, text, code=code, severity="note", parent_error=error, **where)
