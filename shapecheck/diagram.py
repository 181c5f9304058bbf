"""Diagrams of verified models: a self-contained SVG (or HTML page), no graphviz.

A box per layer of the walk (its layer, path and parameters), the edges between them labelled with
the shape flowing there, the branches of ``Add``/``Mul``/``Concat`` side by side above their merge,
named blocks (``features``, ``layer1.0``) framed. A model that fails to build is drawn up to the
failing layer, in red with the error; a combinator the walk entered but never left ends in a dashed
merge, not reached, below the branches walked. The layout is layered, top to bottom: each block is
measured, then placed; text widths are estimated for a monospace font.
"""

from __future__ import annotations

import re
import textwrap
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from shapecheck.dims import DimLike, symbols_of
from shapecheck.errors import ShapeError
from shapecheck.nn.graph import _Branches, _Merge
from shapecheck.nn.module import Module, Sequential
from shapecheck.shape import Shape
from shapecheck.trace import Step, Tracer

__all__ = ["Drawing"]

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
_CHAR = 0.6  # width of a monospace character, in font sizes
_TITLE, _MAIN, _SMALL = 15.0, 12.0, 10.5
_LINE = 15.0
_PAD = 10.0
_GAP = 34.0  # between two layers of a chain: the edge and its shape label
_FORK, _JOIN = 22.0, 40.0  # above and below side-by-side branches
_COLUMN_GAP = 26.0
_FRAME_PAD, _FRAME_TOP = 12.0, 20.0
_FRAME_DEPTH = 2  # frames for blocks up to two levels down the paths (``layer1``, ``layer1.0``)
_RED, _RED_FILL = "#dc2626", "#fee2e2"
_EDGE = "#4b5563"
_COLORS: dict[str, tuple[str, str]] = {  # kind -> (fill, stroke)
    "conv": ("#dbeafe", "#3b82f6"),
    "norm": ("#dcfce7", "#16a34a"),
    "activation": ("#fef9c3", "#ca8a04"),
    "pool": ("#ede9fe", "#7c3aed"),
    "linear": ("#ffedd5", "#ea580c"),
    "merge": ("#e5e7eb", "#374151"),
    "pending": ("#ffffff", "#9ca3af"),  # a merge not reached: the walk failed in one of its branches
    "other": ("#f3f4f6", "#6b7280"),
}
_KINDS = {"conv": "conv", "norm": "norm", "activation": "activation", "pool": "pool", "adaptive": "pool"}
_KINDS |= {"linear": "linear", "attention": "linear", "recurrent": "linear", "graph": "merge"}


_SAME_TUPLE = re.compile(r"\((\d+)(?:, \1)+\)")
_DEFAULTS = re.compile(
    r", (?:eps=1e-05|momentum=0\.1|affine=True|track_running_stats=True|stride=1|padding=0|dilation=1|ceil_mode=False"
    r"|bias=True|inplace=False|count_include_pad=True|start_dim=1|end_dim=-1)(?=[,)])"
)
_FEATURES = re.compile(r"\b(?:in_features|out_features)=")
_LONGEST = 80


def _short(layer: str) -> str:
    """A layer's repr for a box: ``(3, 3)`` as ``3``, torch's defaults and keyword noise dropped."""
    text = _FEATURES.sub("", _DEFAULTS.sub("", _SAME_TUPLE.sub(r"\1", layer.split("\n")[0])))
    return text if len(text) <= _LONGEST else text[: _LONGEST - 3] + "..."


def _width(text: str, size: float) -> float:
    return len(text) * size * _CHAR


# -- what is drawn: the walk's steps, nested into branches and frames ---------------------------------


@dataclass
class _Node:
    path: str
    label: str
    params: int
    kind: str
    output: Shape | None
    tooltip: str
    error: list[str] = field(default_factory=list)


@dataclass
class _Branch:
    path: str
    branches: list[list[_Item]]
    merge: _Node

    @property
    def output(self) -> Shape | None:
        return self.merge.output


@dataclass
class _Frame:
    path: str
    items: list[_Item]
    params: int

    @property
    def output(self) -> Shape | None:
        return self.items[-1].output


_Item = _Node | _Branch | _Frame


def _node(step: Step, bindings: Mapping[str, int]) -> _Node:
    layer = step.layer
    name = layer.__module__.rsplit(".", 1)[-1] if type(layer).__name__ != "Identity" else "identity"
    label = _short(repr(layer))
    io = f"{step.input.bind(bindings)} -> {step.output.bind(bindings)}"
    return _Node(step.path, label, layer.parameter_count(), _KINDS.get(name, "other"), step.output.bind(bindings), f"[{step.position}] {repr(layer)}\n{io}")


def _failed(err: ShapeError) -> _Node:
    holds = [f"holds only when {err.holds_when}"] if err.holds_when else []
    lines = [err.problem, *holds, *(f"fix: {fix}" for fix in err.fixes[:1])]
    wrapped = [w for line in lines for w in textwrap.wrap(line, 72, subsequent_indent="  ")]
    label = _short(err.layer) if err.layer else "?"
    return _Node(err.path, label, 0, "failed", None, err.message(), wrapped)


def _pending(path: str, owner: _Branches, names: Sequence[str], stopped: int) -> _Node:
    """The merge of a combinator the walk entered but never left: it stopped in branch ``stopped`` (of ``names``)."""
    label = _short(repr(owner._merge))
    lines = [f"not reached: the walk stopped in branch {_branch(names, stopped)}"]
    if stopped + 1 < len(names):
        rest = [_branch(names, i) for i in range(stopped + 1, len(names))]
        lines.append(f"branch{'es' if len(rest) > 1 else ''} {rest[0]}{'-' + rest[-1] if len(rest) > 1 else ''} not walked")
    return _Node(path, label, 0, "pending", None, f"{label}\n" + "\n".join(lines), lines)


def _branch(names: Sequence[str], i: int) -> str:
    """Branch ``i`` as a message names it: its number, or its name in quotes (``'pool'``)."""
    return str(i) if names[i] == str(i) else repr(names[i])


def _nest(steps: Sequence[Step], bindings: Mapping[str, int]) -> list[_Item]:
    """The steps as a chain of items, each combinator's branches gathered above its merge."""
    items: list[_Item] = []
    for step in steps:
        node = _node(step, bindings)
        if isinstance(step.layer, _Merge):
            items = _gather(items, step.path, [name for name, _ in step.layer.owner.children()], node)
        else:
            items.append(node)
    return items


def _unfinished(items: list[_Item], model: Module, failed: _Node) -> list[_Item]:
    """``items`` ended by ``failed``, the combinators around it closed from the inside out: one that failed
    to merge by ``failed`` itself, the ones enclosing it by a merge not reached."""
    parts = failed.path.split(".") if failed.path else []
    if not isinstance(_find(model, failed.path), _Branches):
        items = [*items, failed]
    for depth in range(len(parts), 0, -1):
        path = ".".join(parts[:depth])
        owner = _find(model, path)
        if not isinstance(owner, _Branches):
            continue
        names = [name for name, _ in owner.children()]
        if path == failed.path:
            items = _gather(items, path, names, failed)
        else:  # only the branches walked: up to the one the walk stopped in
            stopped = names.index(parts[depth])
            items = _gather(items, path, names[: stopped + 1], _pending(path, owner, names, stopped))
    return items


def _gather(items: list[_Item], path: str, names: Sequence[str], merge: _Node) -> list[_Item]:
    """The items under ``path`` gathered into the branches called ``names``, above ``merge``."""
    prefix = f"{path}." if path else ""
    start = len(items)
    while start > 0 and items[start - 1].path.startswith(prefix):
        start -= 1
    column = {name: i for i, name in enumerate(names)}
    branches: list[list[_Item]] = [[] for _ in names]
    for item in items[start:]:
        head = item.path[len(prefix) :].split(".")[0]
        if head in column:
            branches[column[head]].append(item)
    return [*items[:start], _Branch(path, branches, merge)]


def _frames(items: list[_Item], depth: int, params: Callable[[str], int]) -> list[_Item]:
    """Consecutive items sharing the first ``depth`` parts of their paths, framed as one block."""
    if depth > _FRAME_DEPTH:
        return items
    out: list[_Item] = []
    run: list[_Item] = []

    def key(item: _Item) -> str:
        return ".".join(item.path.split(".")[:depth])

    for item in [*items, None]:
        if run and (item is None or key(item) != key(run[0])):
            k = key(run[0])
            if len(run) > 1 or run[0].path != k:
                out.append(_Frame(k, _frames(run, depth + 1, params), params(k)))
            else:
                out.extend(run)
            run = []
        if item is not None:
            run.append(item)
    return out


# -- layout: each block measured (width, height, axis), then drawn at a place -------------------------


@dataclass
class _Block:
    width: float
    height: float
    axis: float  # where data enters at the top and leaves at the bottom
    draw: Callable[[float, float, list[str]], None]
    boxes: int


def _box(node: _Node) -> _Block:
    sub = node.path + (f" · {node.params:,} params" if node.params else "")
    lines = [(node.label, _MAIN, "bold"), (sub, _SMALL, "normal"), *((e, _SMALL, "normal") for e in node.error)]
    width = max(140.0, max(_width(t, s) for t, s, _ in lines) + 2 * _PAD)
    height = _LINE * len(lines) + 12
    fill, stroke = (_RED_FILL, _RED) if node.kind == "failed" else _COLORS[node.kind]
    rx = 18 if node.kind in ("merge", "pending") else 6
    css = {"failed": "layer failed", "pending": "pending"}.get(node.kind, "layer")  # a pending merge is no layer walked
    dash = ' stroke-dasharray="5,4"' if node.kind == "pending" else ""

    def draw(x: float, y: float, out: list[str]) -> None:
        out.append(f"<g class={quoteattr(css)} data-path={quoteattr(node.path)}><title>{escape(node.tooltip)}</title>")
        sw = 2.5 if node.kind == "failed" else 1.2
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}/>')
        for i, (text, size, weight) in enumerate(lines):
            color = _RED if node.kind == "failed" and i > 1 else ("#111827" if i == 0 else "#4b5563")
            ty = y + 6 + _LINE * (i + 1) - 3
            out.append(
                f'<text x="{x + width / 2:.1f}" y="{ty:.1f}" font-size="{size}" font-weight="{weight}" fill="{color}" text-anchor="middle">{escape(text)}</text>'
            )
        out.append("</g>")

    return _Block(width, height, width / 2, draw, int(css != "pending"))


def _edge(out: list[str], points: Sequence[tuple[float, float]], label: str | None, at: tuple[float, float] | None = None, red: bool = False) -> None:
    d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
    color = _RED if red else _EDGE
    out.append(f'<path class="edge" d="{d}" fill="none" stroke="{color}" stroke-width="1.3" marker-end="url(#arrow{"-red" if red else ""})"/>')
    if label is not None and at is not None:
        out.append(f'<text class="shape" x="{at[0]:.1f}" y="{at[1]:.1f}" font-size="{_SMALL}" fill="#1f2937">{escape(label)}</text>')


def _label(shape: Shape | None) -> str | None:
    return None if shape is None else str(shape)


def _chain(items: Sequence[_Item]) -> _Block:
    """Items one under the other, each edge labelled with the shape leaving the item above."""
    blocks = [_layout(item) for item in items]
    if not blocks:
        return _Block(0, 0, 0, lambda x, y, out: None, 0)
    labels = [_label(item.output) for item in items[:-1]]
    left = max(b.axis for b in blocks)
    right = max([b.width - b.axis for b in blocks] + [6 + _width(t, _SMALL) for t in labels if t])
    height = sum(b.height for b in blocks) + _GAP * (len(blocks) - 1)

    def draw(x: float, y: float, out: list[str]) -> None:
        axis = x + left
        for i, block in enumerate(blocks):
            block.draw(axis - block.axis, y, out)
            y += block.height
            if i + 1 < len(blocks):
                red = isinstance(items[i + 1], _Node) and items[i + 1].kind == "failed"  # type: ignore[union-attr]
                _edge(out, [(axis, y), (axis, y + _GAP)], labels[i], (axis + 6, y + _GAP / 2 + 4), red)
                y += _GAP

    return _Block(left + right, height, left, draw, sum(b.boxes for b in blocks))


def _branches(item: _Branch) -> _Block:
    columns = [_chain(branch) for branch in item.branches]
    merge = _box(item.merge)
    outs = [_label(branch[-1].output) if branch else None for branch in item.branches]
    stopped = [bool(branch) and branch[-1].output is None for branch in item.branches]  # the walk failed in it
    widths = [max(c.width, c.axis + 6 + _width(t or "", _SMALL)) for c, t in zip(columns, outs)]
    xs, x = [], 0.0
    for w in widths:
        xs.append(x)
        x += w + _COLUMN_GAP
    axes = [x0 + c.axis for x0, c in zip(xs, columns)]
    axis = axes[0] if len(axes) == 2 else (axes[0] + axes[-1]) / 2
    low = min(0.0, axis - merge.width / 2)
    high = max(xs[-1] + widths[-1], axis + merge.width / 2)
    tallest = max(c.height for c in columns)
    height = _FORK + tallest + _JOIN + merge.height
    red = item.merge.kind == "failed"

    def draw(x0: float, y: float, out: list[str]) -> None:
        shift = x0 - low
        top, bottom = y + _FORK, y + _FORK + tallest
        a = axis + shift
        n = len(columns)
        sides = [[i for i in range(n) if axes[i] + shift < a], [i for i in reversed(range(n)) if axes[i] + shift > a]]
        level = {i: k for side in sides for k, i in enumerate(side)}  # outer columns turn lower: no crossings
        for i, column in enumerate(columns):
            ax = axes[i] + shift
            if column.boxes:
                column.draw(ax - column.axis, top, out)
                _edge(out, [(a, y), (a, y + _FORK / 2), (ax, y + _FORK / 2), (ax, top)], None)
                start = top + column.height
            else:
                start = y + _FORK / 2
                out.append(f'<path class="edge" d="M{a:.1f},{y:.1f} L{a:.1f},{start:.1f} L{ax:.1f},{start:.1f}" fill="none" stroke="{_EDGE}" stroke-width="1.3"/>')
            entry = a if ax == a else a - merge.width / 2 + merge.width * (i + 1) / (n + 1)
            if n == 2 and ax != a:
                entry = a + merge.width / 4 if ax > a else a - merge.width / 4
            bend = max(bottom + 20, bottom + _JOIN - 10 - 7 * level.get(i, 0))
            at = (ax + 6, start + 14) if column.boxes else (ax + 6, bend - 4)
            if not stopped[i]:
                _edge(out, [(ax, start), (ax, bend), (entry, bend), (entry, bottom + _JOIN)], outs[i], at, red)
        merge.draw(a - merge.axis, bottom + _JOIN, out)

    return _Block(high - low, height, axis - low, draw, sum(c.boxes for c in columns) + merge.boxes)


def _frame(item: _Frame) -> _Block:
    inner = _chain(item.items)
    title = item.path + (f" · {item.params:,} params" if item.params else "")
    width = max(inner.width, _width(title, _SMALL) + 8) + 2 * _FRAME_PAD
    height = inner.height + _FRAME_TOP + _FRAME_PAD

    def draw(x: float, y: float, out: list[str]) -> None:
        out.append(f"<g class=\"block\" data-path={quoteattr(item.path)}>")
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="10" fill="#f9fafb" fill-opacity="0.6" stroke="#9ca3af" stroke-dasharray="5,4"/>'
        )
        out.append(f'<text x="{x + 8:.1f}" y="{y + 14:.1f}" font-size="{_SMALL}" fill="#6b7280">{escape(title)}</text>')
        inner.draw(x + _FRAME_PAD, y + _FRAME_TOP, out)
        out.append("</g>")

    return _Block(width, height, inner.axis + _FRAME_PAD, draw, inner.boxes)


def _layout(item: _Item) -> _Block:
    if isinstance(item, _Node):
        return _box(item)
    if isinstance(item, _Branch):
        return _branches(item)
    return _frame(item)


def _terminal(text: str) -> _Block:
    width = _width(text, _MAIN) + 2 * _PAD

    def draw(x: float, y: float, out: list[str]) -> None:
        out.append(f'<rect class="terminal" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="26" rx="13" fill="#ffffff" stroke="#111827"/>')
        out.append(f'<text x="{x + width / 2:.1f}" y="{y + 17:.1f}" font-size="{_MAIN}" text-anchor="middle">{escape(text)}</text>')

    return _Block(width, 26, width / 2, draw, 0)


# -- the drawing -----------------------------------------------------------------------------------


@dataclass
class Drawing:
    """A model's graph, ready to be written as SVG or HTML. ``boxes`` counts the layers drawn."""

    title: str
    input: Shape
    items: list[_Item]
    boxes: int
    failure: ShapeError | None = None
    output: Shape | None = None

    @classmethod
    def of(cls, model: Sequential, label: str, bindings: Mapping[str, int] | None = None) -> Drawing:
        """The diagram of a checked model (with an input); ``bindings`` give symbols values (``B=1``)."""
        values = _bindings(model.input_shape, bindings or {})
        items = _frames(_nest(model.steps, values), 1, _params(model))
        params = model.parameter_count()
        title = f"{label} · {params:,} parameters"
        drawing = cls(title, model.input_shape.bind(values), items, 0, None, model.output_shape.bind(values))
        drawing.boxes = _chain(items).boxes
        return drawing

    @classmethod
    def of_failure(
        cls, err: ShapeError, label: str, bindings: Mapping[str, int] | None = None, dims: tuple[DimLike, ...] | None = None
    ) -> Drawing:
        """The model that raised ``err`` while it was built, drawn up to the failing layer (in red).

        The chain is found in the traceback (the ``Sequential`` whose check raised) and walked again.
        """
        model = _raising_chain(err)
        failed = _failed(err)
        if model is None:
            return cls(f"{label} · does not build", Shape.unknown(), [failed], 1, err)
        start = model.input.shape if model.input is not None else Shape(dims) if dims else Shape.unknown()
        tracer = Tracer(root=model)
        try:
            model.trace(start, tracer, "")
        except ShapeError as again:  # the same error, raised again where the walk stops
            failed = _failed(again)
        values = _bindings(start, bindings or {})
        items = _frames(_unfinished(_nest(tracer.steps, values), model, failed), 1, _params(model))
        drawing = cls(f"{label} · does not build", start.bind(values), items, 0, err)
        drawing.boxes = _chain(items).boxes
        return drawing

    def svg(self) -> str:
        head = _terminal(f"input {self.input}")
        body = _chain(self.items)
        tail = _terminal(f"output {self.output}") if self.output is not None else None
        last = self.items[-1].output if self.items else None
        label_w = 6 + _width(str(last), _SMALL) if last is not None else 0
        left = max(head.axis, body.axis, tail.axis if tail else 0)
        right = max(head.width - head.axis, body.width - body.axis, (tail.width - tail.axis) if tail else 0, label_w)
        margin = 24.0
        width = max(left + right, _width(self.title, _TITLE)) + 2 * margin
        axis = margin + left
        out: list[str] = []
        y = margin
        out.append(f'<text class="title" x="{margin:.1f}" y="{y + _TITLE:.1f}" font-size="{_TITLE}" font-weight="bold">{escape(self.title)}</text>')
        y += _TITLE + 16
        head.draw(axis - head.axis, y, out)
        y += head.height
        if self.items:
            first = str(self.input)
            _edge(out, [(axis, y), (axis, y + _GAP)], first, (axis + 6, y + _GAP / 2 + 4))
            y += _GAP
            body.draw(axis - body.axis, y, out)
            y += body.height
        if tail is not None:
            _edge(out, [(axis, y), (axis, y + _GAP)], str(self.output), (axis + 6, y + _GAP / 2 + 4))
            y += _GAP
            tail.draw(axis - tail.axis, y, out)
            y += tail.height
        height = y + margin
        defs = "".join(
            f'<marker id="arrow{suffix}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
            for suffix, color in (("", _EDGE), ("-red", _RED))
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'font-family="{FONT}">\n<defs>{defs}</defs>\n<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff" stroke="none"/>\n' + "\n".join(out) + "\n</svg>\n"
        )

    def html(self) -> str:
        return (
            f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{escape(self.title)}</title>"
            "<style>body{margin:0;background:#f3f4f6}svg{display:block;margin:16px auto;background:#fff;"
            "box-shadow:0 1px 4px #0002}</style></head>\n<body>\n" + self.svg() + "</body></html>\n"
        )


def _bindings(shape: Shape, bindings: Mapping[str, int]) -> dict[str, int]:
    names = {s.name for d in shape for s in symbols_of(d)}
    for name in bindings:
        if name not in names:
            raise ValueError(f"cannot bind {name}: the model's input {shape} has symbols {', '.join(sorted(names)) or 'none'}")
    return dict(bindings)


def _params(model: Module) -> Callable[[str], int]:
    def count(path: str) -> int:
        found = _find(model, path)
        return found.parameter_count() if found is not None else 0

    return count


def _find(model: Module, path: str) -> Module | None:
    node: Module | None = model
    for name in path.split(".") if path else []:
        node = dict(node.children()).get(name) if node is not None else None
    return node


def _raising_chain(err: ShapeError) -> Sequential | None:
    """The ``Sequential`` whose construction (or ``with_input``) raised ``err``, from the traceback's frames."""
    codes = {Sequential.__init__.__code__: "self", Sequential.with_input.__code__: "model"}
    found: Sequential | None = None
    tb: types.TracebackType | None = err.__traceback__
    while tb is not None:
        name = codes.get(tb.tb_frame.f_code)
        candidate = tb.tb_frame.f_locals.get(name) if name else None
        if isinstance(candidate, Sequential) and hasattr(candidate, "_layers"):
            found = candidate
        tb = tb.tb_next
    return found
