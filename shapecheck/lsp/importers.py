"""The files of the project that import a document, analysed with the document's text: the shapes their
runs recorded at its lines (``Block.forward`` as ``Net`` of ``net.py`` ran it), for its hovers and hints.

Only the document's directory is searched (and its parent's, when both are packages), by the rules
``check`` reads imports with (``static.local_imports``); a few importers at most. What each file
imports, and each analysis, is kept while the texts it depends on are unchanged.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from shapecheck.lsp.snapshot import Snapshot
from shapecheck.static.analysis import analyze_source, mentions_models
from shapecheck.static.local_imports import imports_of
from shapecheck.static.report import LayerUse, ModelReport, Seen

__all__ = ["MAX_IMPORTERS", "Borrowed", "Importers", "with_importers"]

MAX_IMPORTERS: Final = 3
"""Importers analysed for one document (the first by name)."""
_KEPT: Final = 16
"""Analyses kept (the oldest go first)."""
_BUILT: Final = re.compile(r" \(built at line \d+\)$")

Stamp = str | tuple[int, int]
"""A file's state: its text in the editor, else its modification time and size on disk."""


@dataclass(frozen=True)
class Borrowed:
    """What one importer's runs recorded at a document's lines, each run named after the importer (``Net (net.py)``)."""

    seen: Seen
    layers: tuple[LayerUse, ...]
    models: tuple[ModelReport, ...]


class Importers:
    """Finds and analyses the importers of documents; ``opened`` maps each open document's resolved path
    to its text in the editor (read instead of the file)."""

    def __init__(self) -> None:
        self._imports: dict[Path, tuple[Stamp, set[Path]]] = {}
        self._analyses: dict[tuple[Path, Path, str, tuple[tuple[Path, Stamp], ...]], Borrowed] = {}

    def find(self, path: str, opened: Mapping[str, str]) -> list[Path]:
        """The files that import ``path``, at most :data:`MAX_IMPORTERS`."""
        target = Path(path).resolve()
        if not target.is_file():  # a document not saved yet: nothing imports it
            return []
        found = [f for f, stamp in _stamps(target, opened) if target in self._targets(f, stamp, opened)]
        return found[:MAX_IMPORTERS]

    def borrow(self, importer: Path, path: str, text: str, opened: Mapping[str, str]) -> Borrowed:
        """What ``importer``'s runs recorded in ``path``, read as ``text``."""
        target = Path(path).resolve()
        key = (importer, target, text, tuple(_stamps(target, opened)))
        if key not in self._analyses:
            if len(self._analyses) >= _KEPT:
                del self._analyses[next(iter(self._analyses))]
            self._analyses[key] = _analysis(importer, target, text, opened)
        return self._analyses[key]

    def _targets(self, file: Path, stamp: Stamp, opened: Mapping[str, str]) -> set[Path]:
        """The files of the project ``file`` imports (resolved), read again when its stamp changes."""
        known = self._imports.get(file)
        if known is None or known[0] != stamp:
            text = _text(file, opened)
            try:
                tree = ast.parse(text, str(file)) if mentions_models(text) else ast.Module([], [])
            except (SyntaxError, ValueError):
                tree = ast.Module([], [])
            known = self._imports[file] = (stamp, {p.resolve() for p in imports_of(file, tree)})
        return known[1]


def with_importers(snap: Snapshot, borrowed: Sequence[Borrowed]) -> Snapshot:
    """``snap`` with what its importers recorded at its lines, after its own shapes and layers; a shape of
    unknown rank (``(...)``, a class checked alone) goes where an importer knows more."""
    seen = Seen(_merged(snap.report.seen.bound, [b.seen.bound for b in borrowed]), _merged(snap.report.seen.read, [b.seen.read for b in borrowed]))
    layers = [*snap.report.layers, *(u for b in borrowed for u in b.layers)]
    return replace(snap, report=replace(snap.report, seen=seen, layers=layers), runs=tuple(m for b in borrowed for m in b.models))


def _merged(own: dict[tuple[int, int], dict[str, str]], others: list[dict[tuple[int, int], dict[str, str]]]) -> dict[tuple[int, int], dict[str, str]]:
    out = {at: dict(shapes) for at, shapes in own.items()}
    for table in others:
        for at, shapes in table.items():
            for shape, model in shapes.items():
                Seen.add(out, at, shape, model)
            if len(out[at]) > 1:
                out[at].pop("(...)", None)
    return out


def _analysis(importer: Path, target: Path, text: str, opened: Mapping[str, str]) -> Borrowed:
    where = os.path.relpath(importer, target.parent)
    report = analyze_source(_text(importer, opened), str(importer), detail=True, call_fixes=False, sources={str(target): text})
    seen = report.imported.get(str(target), Seen())
    return Borrowed(
        Seen(_renamed(seen.bound, where), _renamed(seen.read, where)),
        tuple(replace(u, file="", model=_named(u.model, where)) for u in report.layers if u.file == str(target)),
        tuple(replace(m, name=_named(m.name, where)) for m in report.models),
    )


def _renamed(table: dict[tuple[int, int], dict[str, str]], where: str) -> dict[tuple[int, int], dict[str, str]]:
    return {at: {shape: _named(model, where) for shape, model in shapes.items()} for at, shapes in table.items()}


def _named(model: str, where: str) -> str:
    """A run of the importer ``where``: ``Net (net.py)``, ``Net (built at line 12 of net.py)``."""
    return f"{model[:-1]} of {where})" if _BUILT.search(model) else f"{model} ({where})"


def _stamps(target: Path, opened: Mapping[str, str]) -> list[tuple[Path, Stamp]]:
    """The Python files beside ``target`` (and in the package above, when its directory is a
    subpackage), by name, with their stamps."""
    folders = [target.parent]
    if (target.parent / "__init__.py").is_file() and (target.parent.parent / "__init__.py").is_file():
        folders.append(target.parent.parent)
    out: list[tuple[Path, Stamp]] = []
    for folder in folders:
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                path = Path(entry.path)
                if entry.name.endswith(".py") and path != target and entry.is_file():
                    info = entry.stat()
                    out.append((path, opened.get(str(path), (info.st_mtime_ns, info.st_size))))
    return out


def _text(file: Path, opened: Mapping[str, str]) -> str:
    return opened[str(file)] if str(file) in opened else file.read_text(encoding="utf-8", errors="replace")
