"""What the analysis knows at a place of the source: the shapes a name held, the layers a line built."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Final

from shapecheck.lsp.snapshot import Snapshot
from shapecheck.static.report import LayerUse

__all__ = ["SYMBOL", "built_at", "callee", "constructor_calls", "layers_at", "preferred", "shapes_at"]

SYMBOL: Final = re.compile(r"[A-Za-z_]")


def shapes_at(snap: Snapshot, line: int, column: int) -> dict[str, str]:
    """The shapes of the name at 1-based ``line`` and byte ``column`` (assigned there, else read there),
    each with the model run that gave it."""
    seen = snap.report.seen
    return seen.bound.get((line, column)) or seen.read.get((line, column)) or {}


def preferred(shapes: dict[str, str]) -> tuple[str, str]:
    """The shape to show first: one that holds for every input size (it has symbols), else the first."""
    return next((item for item in shapes.items() if SYMBOL.search(item[0])), next(iter(shapes.items())))


def layers_at(snap: Snapshot, line: int, column: int, name: str) -> tuple[str, list[LayerUse]]:
    """The layer named at 1-based ``line`` and byte ``column``, and its uses in the models' runs:
    ``self.name`` (the layers its assignments in the class built, and those under ``name`` in the runs of
    the class, wherever built: from a list, by a helper, in an imported file; labelled ``self.name``),
    or a constructor call ``nn.Name(...)`` (no label)."""
    text = snap.lines[line - 1].encode()
    if text[:column].endswith(b"self."):
        cls = next((c for c in ast.walk(snap.tree) if isinstance(c, ast.ClassDef) and c.lineno <= line <= (c.end_lineno or c.lineno)), None)
        if cls is None:
            return f"self.{name}", []
        spans = list(_attribute_spans(cls, name))
        return f"self.{name}", [
            u
            for u in snap.report.layers
            if not u.file and any(a <= u.line <= b for a, b in spans)
            or u.model.split(" (")[0] == cls.name and (u.path == name or u.path.startswith(f"{name}."))
        ]
    for call in constructor_calls(snap.tree, line, name):
        func = call.func
        if func.end_lineno == line and func.end_col_offset is not None and func.end_col_offset - len(name.encode()) == column:
            return "", built_at(snap, line, name)
    return "", []


def built_at(snap: Snapshot, line: int, name: str) -> list[LayerUse]:
    """The uses of the ``name`` layers (``Linear``) that 1-based ``line`` constructed."""
    return [u for u in snap.report.layers if not u.file and u.line == line and u.layer.startswith(f"{name}(")]


def constructor_calls(tree: ast.Module, line: int, name: str) -> list[ast.Call]:
    """The calls starting at 1-based ``line`` of a callee named ``name`` (``Linear(...)``, ``nn.Linear(...)``)."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and node.lineno == line and callee(node) == name]


def callee(node: ast.expr) -> str | None:
    """The name a call calls: ``Linear`` for ``Linear(...)`` and ``nn.Linear(...)``; None for another expression."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _attribute_spans(cls: ast.ClassDef, name: str) -> Iterator[tuple[int, int]]:
    """The lines of each ``self.name = ...`` in ``cls``."""
    for node in ast.walk(cls):
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if isinstance(t, ast.Attribute) and t.attr == name and isinstance(t.value, ast.Name) and t.value.id == "self":
                yield node.lineno, node.end_lineno or node.lineno
