"""Hovers: a tensor name's shape in each model run (and the input conditions of the run), or a layer's
input and output shapes, parameters and MACs, with the formulas of its parameter count and output
size filled in with its numbers."""

from __future__ import annotations

from typing import Final

from shapecheck.count import fmt
from shapecheck.dims import Dim, is_unknown
from shapecheck.lsp.shapes import SYMBOL, layers_at, preferred, shapes_at
from shapecheck.lsp.snapshot import Snapshot
from shapecheck.lsp.text import word_at
from shapecheck.static.report import LayerUse

__all__ = ["hover"]

_MAX_ROWS: Final = 8
_AXES: Final = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
"""How torch's docs name the last 1, 2, 3 dims a layer computes (``L_out``, ``H_out``, ``W_out``)."""


def hover(snap: Snapshot, line: int, column: int) -> str | None:
    """Markdown for 1-based ``line`` at byte ``column``, or None where nothing is known."""
    word = word_at(snap.lines[line - 1], column)
    if word is None:
        return None
    start, name = word
    shapes = shapes_at(snap, line, start)
    if shapes:
        return _tensor(snap, name, shapes)
    label, uses = layers_at(snap, line, start, name)
    return _layer(label, uses) if uses else None


def _tensor(snap: Snapshot, name: str, shapes: dict[str, str]) -> str:
    shape, model = preferred(shapes)
    out = [f"```python\n{name}: {shape}\n```", _run(snap, model)]
    others = [f"- `{s}` in {m}" for s, m in shapes.items() if s != shape]
    if others:
        out.append("also:\n" + "\n".join(others))
    return "\n\n".join(out)


def _run(snap: Snapshot, name: str) -> str:
    """The model run ``name``: its inputs and the conditions on them."""
    model = next((m for m in (*snap.report.models, *snap.runs) if m.name == name), None)
    if model is None:
        return f"in {name}"
    text = f"in {name}" + (f", on {model.inputs}" if model.inputs else "")
    if model.conditions:
        text += "  \ninput conditions: " + ", ".join(model.conditions)
    return text


def _layer(label: str, uses: list[LayerUse]) -> str:
    layers = {(u.file, u.line, u.path): u for u in uses}
    params = sum(u.params for u in layers.values())
    if len(layers) == 1:
        head = f"{label} = {uses[0].layer}" if label else uses[0].layer
    else:
        head = f"{label or 'the layers'}: {len(layers)} layers"
    head = f"```python\n{head}\n```"
    rows: list[str] = []
    for model in dict.fromkeys(u.model for u in uses):
        run = [u for u in uses if u.model == model]
        for first, last, macs in _calls(run, len(layers))[:_MAX_ROWS]:
            rows.append(f"- {model}: `{first.input}` -> `{last.output}`, MACs {fmt(macs)}")
    explained = uses[0].module.explain_params() if len(layers) == 1 and uses[0].module is not None else None
    count = f"parameters: {explained} = {fmt(params)}" if explained else f"parameters: {fmt(params)}"
    parts = [head, count, "\n".join(rows)]
    shown = next((u for u in uses if SYMBOL.search(u.input)), uses[0])
    sizes = _sizes(shown) if len(layers) == 1 else []
    if sizes:
        parts.append(f"output size in {shown.model}:\n```python\n" + "\n".join(sizes) + "\n```")
    return "\n\n".join(parts)


def _sizes(use: LayerUse) -> list[str]:
    """How each output dim the layer computes follows from its input (``H_out = (H + 2*3 - ...)//2 + 1 = ...``)."""
    if use.module is None or use.shapes is None or use.shapes[0].prefix or use.shapes[1].prefix:
        return []
    x, y = use.shapes
    if len(x) != len(y):
        return []
    found = [(i, f) for i in range(-len(y), 0) if not is_unknown(y[i]) and (f := use.module.explain(x, y, i))]
    trailing = [i for i, _ in found] == list(range(-len(found), 0)) and len(found) <= len(_AXES)
    out = []
    for i, text in found:
        name = f"{_AXES[len(found)][i]}_out" if trailing else f"dim {i % len(y)}"
        out.append(f"{name} = {text}" + (f" = {y[i]}" if text != str(y[i]) else ""))
    return out


def _calls(run: list[LayerUse], size: int) -> list[tuple[LayerUse, LayerUse, Dim]]:
    """The uses of one run cut into calls of ``size`` layers (a layer applied twice is two calls)."""
    out: list[tuple[LayerUse, LayerUse, Dim]] = []
    for i in range(0, len(run), size):
        part = run[i : i + size]
        out.append((part[0], part[-1], sum((u.macs for u in part), start=0)))
    return out
