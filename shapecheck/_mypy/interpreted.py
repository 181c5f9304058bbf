"""The forward interpreter's findings, reported through mypy.

mypy checks no statement in an unannotated function (unless ``check_untyped_defs``), so the plugin's
call hooks never see most model code: ``__init__`` and ``forward`` are rarely annotated. The
interpreter needs no type checking: it reads the file's source. The plugin runs it on every file that
defines a class (mypy's semantic analyser calls the base-class hook for each class, annotated or not)
and reports all the file's findings there; a file without classes has its findings reported by the
call hooks, at the line of the call (so only in code mypy checks).

A file is analysed once per content (cached by path, size and modification time), and mypy drops a
repeated message on a line, so reporting from every class is cheap and never doubles an error.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from mypy.errorcodes import ErrorCode
from mypy.nodes import Context

if TYPE_CHECKING:
    from shapecheck.static import FileReport

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


def findings_at(path: str, line: int) -> list[object]:
    """The interpreter's findings at ``line`` of ``path`` (the call hooks report these, and only these)."""
    report = file_report(path)
    return [f for f in report.findings if f.line == line] if report is not None else []


def emit(api: object, finding: object, code: ErrorCode) -> None:
    """Report one finding through ``api``: the semantic analyser's plugin interface (``fail``/``note``) or
    the type checker's (``fail``/``msg.note``)."""
    from shapecheck.static import Finding

    assert isinstance(finding, Finding)
    context = Context(line=finding.line, column=finding.column)
    context.end_line = finding.end_line
    context.end_column = finding.end_column
    fail = getattr(api, "fail")
    note = getattr(api, "note", None)
    fail(finding.message, context, code=code)
    for text in finding.notes:
        if note is not None:
            note(text, context, code=code)
        else:
            getattr(api, "msg").note(text, context, code=code)

