"""Findings as LSP diagnostics (code ``shape``, the message and notes as ``shapecheck check`` prints them)."""

from __future__ import annotations

from lsprotocol import types

from shapecheck.lsp.snapshot import Snapshot
from shapecheck.lsp.text import client_column
from shapecheck.static.report import Finding

__all__ = ["SOURCE", "diagnostics", "finding_range", "line_range"]

SOURCE = "shapecheck"
CODE = "shape"


def diagnostics(snap: Snapshot, uri: str, encoding: str, gaps: bool = False) -> list[types.Diagnostic]:
    """The findings of ``snap`` (columns in the client's ``encoding``); with ``gaps``, also each line where
    tracking was lost (as hints)."""
    out = [_diagnostic(snap, uri, f, encoding) for f in snap.report.findings]
    if gaps:
        seen: set[tuple[int, str]] = set()
        for model in snap.report.models:
            for gap in model.gaps:
                if gap.path == snap.report.path and 0 < gap.line <= len(snap.lines) and (gap.line, gap.reason) not in seen:
                    seen.add((gap.line, gap.reason))
                    message = f"not followed: {gap.reason} (shapes after this are not checked)"
                    out.append(types.Diagnostic(line_range(snap, gap.line, encoding), message, types.DiagnosticSeverity.Hint, source=SOURCE))
    return out


def _diagnostic(snap: Snapshot, uri: str, finding: Finding, encoding: str) -> types.Diagnostic:
    related = None
    if finding.defined_at is not None and 0 < finding.defined_at <= len(snap.lines):
        what = finding.notes[0] if finding.notes and finding.notes[0].startswith("in ") else "the layer"
        where = types.Location(uri, line_range(snap, finding.defined_at, encoding))
        related = [types.DiagnosticRelatedInformation(where, f"{what.removeprefix('in ').split(', defined at')[0]}: defined here")]
    return types.Diagnostic(
        range=finding_range(snap, finding, encoding),
        message="\n".join([finding.message, *finding.notes]),
        severity=types.DiagnosticSeverity.Error,
        code=CODE,
        source=SOURCE,
        related_information=related,
    )


def finding_range(snap: Snapshot, finding: Finding, encoding: str) -> types.Range:
    """Where ``finding`` is, in the client's columns (to the end of its line when its end is not known)."""
    line = snap.lines[finding.line - 1] if finding.line <= len(snap.lines) else ""
    start = types.Position(finding.line - 1, client_column(line, finding.column, encoding))
    if finding.end_line is None or finding.end_column is None or finding.end_line > len(snap.lines):
        return types.Range(start, types.Position(finding.line - 1, _end(line, encoding)))
    end_line = snap.lines[finding.end_line - 1]
    return types.Range(start, types.Position(finding.end_line - 1, client_column(end_line, finding.end_column, encoding)))


def line_range(snap: Snapshot, line: int, encoding: str) -> types.Range:
    """The text of the 1-based ``line``, without its indentation."""
    text = snap.lines[line - 1]
    indent = len(text) - len(text.lstrip())
    return types.Range(types.Position(line - 1, indent), types.Position(line - 1, _end(text, encoding)))


def _end(line: str, encoding: str) -> int:
    return client_column(line, len(line.encode()), encoding)
