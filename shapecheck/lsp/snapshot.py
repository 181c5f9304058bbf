"""One version of a document, analysed: its text, tree and the interpreter's report."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from shapecheck.lsp.text import lines_of
from shapecheck.static.analysis import Entry, analyze_source
from shapecheck.static.report import FileReport, Finding, ModelReport

__all__ = ["Snapshot", "analyze"]


@dataclass(frozen=True)
class Snapshot:
    """The analysis of ``version`` of a document (what hovers, hints and fixes read until the next one)."""

    version: int | None
    text: str
    lines: list[str]
    tree: ast.Module
    report: FileReport
    runs: tuple[ModelReport, ...] = ()
    """The runs of the files importing this one whose shapes ``report`` also holds (``lsp.importers``)."""

    def findings(self, first: int, last: int) -> list[Finding]:
        """The findings whose lines (0-based, as LSP counts) meet ``first``..``last``."""
        return [f for f in self.report.findings if f.line - 1 <= last and (f.end_line or f.line) - 1 >= first]


def analyze(text: str, path: str, version: int | None, entries: Sequence[Entry] = ()) -> Snapshot | None:
    """``text`` through the forward interpreter; None when it does not parse (a file mid-edit)."""
    try:
        tree = ast.parse(text, path)
    except (SyntaxError, ValueError):
        return None
    return Snapshot(version, text, lines_of(text), tree, analyze_source(text, path, entries, tree, detail=True))
