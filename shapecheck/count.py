"""The counter: parameters, multiply-accumulates and memory, folded over a verified chain."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from shapecheck.checker import Checker
from shapecheck.dims import Condition, Dim, evaluate, is_unknown, substitute, symbols_of
from shapecheck.nn._args import check_int
from shapecheck.nn.module import Module, distinct_layers, not_a_layer
from shapecheck.shape import Shape
from shapecheck.trace import Step

__all__ = ["Row", "Summary", "count_buffers", "count_macs", "count_memory", "count_params", "summary"]

_FLOAT32 = 4


class Checked(Protocol):
    """A model that was walked with an input: a ``Sequential`` (or any container that records steps)."""

    steps: list[Step]
    input_shape: Shape
    output_shape: Shape
    conditions: list[str]
    requirements: list[Condition]

    def parameter_count(self) -> int: ...
    def buffer_count(self) -> int: ...
    def children(self) -> list[tuple[str, Module]]: ...


def count_params(model: Module) -> int:
    """Exactly ``sum(p.numel() for p in m.parameters())`` of the equivalent torch model."""
    _require_layer(model, "count_params")
    return model.parameter_count()


def count_buffers(model: Module) -> int:
    """Elements of the buffers, as ``sum(b.numel() for b in m.buffers())``: BatchNorm's running mean
    and variance and its one-element ``num_batches_tracked``.
    """
    _require_layer(model, "count_buffers")
    return model.buffer_count()


def count_macs(model: Checked, *, bias: bool = False, **bindings: int) -> Dim:
    """Multiply-accumulates of one forward pass, as torchvision publishes them (conv, linear, matmul;
    no bias, norm, activation or pooling). ``bias=True`` adds one per bias addition, as torchinfo.
    Symbols left unbound stay in the result: ``count_macs(vgg16) == 15470264320*B``.
    """
    _require_input(model, "count_macs")
    if not isinstance(bias, bool):
        raise TypeError(f"count_macs: bias must be a bool, got {type(bias).__name__} {bias!r}")
    _check_bindings(model, bindings, "count_macs")
    return _macs(model, bias, bindings)


def _macs(model: Checked, bias: bool, bindings: Mapping[str, int]) -> Dim:
    total: Dim = 0
    for step in model.steps:
        total = total + step.layer.macs(step.input, step.output)
        if bias:
            total = total + step.layer.bias_macs(step.input, step.output)
    return substitute(total, bindings)


def count_memory(model: Checked, *, bytes_per_element: int = _FLOAT32, **bindings: int) -> Dim:
    """Bytes of every layer's output in one forward pass (what autograd keeps for backward, roughly)."""
    _require_input(model, "count_memory")
    size = check_int("count_memory", "bytes_per_element", bytes_per_element, minimum=1)
    _check_bindings(model, bindings, "count_memory")
    return _memory(model, size, bindings)


def _memory(model: Checked, bytes_per_element: int, bindings: Mapping[str, int]) -> Dim:
    total: Dim = 0
    for step in model.steps:
        total = total + step.output.numel()
    return substitute(total * bytes_per_element, bindings)


def _require_layer(model: object, what: str) -> None:
    if not isinstance(model, Module):
        raise TypeError(not_a_layer(f"{what}: model", model))


def _require_input(model: Checked, what: str) -> None:
    _require_layer(model, what)
    if not hasattr(model, "steps") or model.input_shape.prefix:
        raise ValueError(
            f"{what} needs the input shape: start the model with nn.Input(...), e.g. "
            "Sequential(Input('B', 3, 224, 224), ...), or call model.with_input('B', 3, 224, 224)"
        )


def _check_bindings(model: Checked, bindings: Mapping[str, int], what: str) -> None:
    """Each binding names a symbol of the input (of any input, for a forward of several tensors) and
    is a size torch can hold (a positive int64)."""
    inputs: list[Shape] = getattr(model, "inputs", None) or [model.input_shape]
    names = {s.name for shape in inputs for d in shape for s in symbols_of(d)}
    for name, value in bindings.items():
        if name not in names:
            known = ", ".join(sorted(names)) or "none"
            shown = ", ".join(str(shape) for shape in inputs)
            raise ValueError(f"cannot bind {name}={value}: the model's input {shown} has symbols {known}")
        check_int(what, name, value, minimum=1)
    for expr, bound in model.requirements:
        if _decided(expr, bindings) and evaluate(expr, bindings) < bound:
            given = ", ".join(f"{k}={v}" for k, v in bindings.items())
            raise ValueError(f"cannot bind {given}: the model's input must satisfy {expr} >= {bound}")


def _decided(expr: Dim, bindings: Mapping[str, int]) -> bool:
    return all(s.name in bindings for s in symbols_of(expr))


def _open_conditions(model: Checked, bindings: Mapping[str, int]) -> list[str]:
    """The input conditions with ``bindings`` substituted, less those now decided or implied by every symbol >= 1."""
    if not bindings:
        return list(model.conditions)
    fresh = Checker()  # no lower bounds: what every symbol >= 1 implies
    out = []
    for expr, bound in model.requirements:
        rest = substitute(expr, bindings)
        if not isinstance(rest, int) and not fresh.implied(rest, bound):
            out.append(f"{rest} >= {bound}")
    return out


@dataclass(frozen=True)
class Row:
    """One leaf layer of the summary, or (``last`` > ``position``) a block of them, totalled."""

    position: int
    path: str
    layer: str
    output: Shape
    params: int
    macs: Dim
    last: int | None = None


@dataclass(frozen=True)
class Summary:
    """The per-layer table and totals of a checked model; ``str()`` renders it."""

    rows: Sequence[Row]
    input_shape: Shape
    output_shape: Shape
    params: int
    buffers: int
    macs: Dim
    macs_with_bias: Dim
    activation_bytes: Dim
    conditions: Sequence[str]

    def __str__(self) -> str:
        return _render(self)


def summary(model: Checked, depth: int | None = None, **bindings: int) -> Summary:
    """Per-layer output shapes, parameters and MACs, totals, and the input conditions.

    ``depth=2`` shows one row per block two levels down the paths (``layer3.1``), with subtotals.
    """
    _require_input(model, "summary")
    _check_bindings(model, bindings, "summary")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
        raise ValueError(f"summary: depth must be a positive int, got {depth!r}")
    present = {id(layer) for layer in distinct_layers(model)}  # type: ignore[arg-type]
    counted: set[int] = set()

    def params(layer: Module) -> int:
        """A layer's parameters at its first use only, less a weight tied to a layer of the model (as torch counts)."""
        if id(layer) in counted:
            return 0
        counted.add(id(layer))
        return layer.parameter_count() - (layer.weight.numel() if layer.tied is not None and id(layer.tied) in present else 0)

    rows = [
        Row(
            s.position,
            s.path,
            repr(s.layer),
            s.output.bind(bindings),
            params(s.layer),
            substitute(s.layer.macs(s.input, s.output), bindings),
        )
        for s in model.steps
    ]
    return Summary(
        rows=rows if depth is None else _blocks(model, rows, depth),
        input_shape=model.input_shape.bind(bindings),
        output_shape=model.output_shape.bind(bindings),
        params=model.parameter_count(),
        buffers=model.buffer_count(),
        macs=_macs(model, False, bindings),
        macs_with_bias=_macs(model, True, bindings),
        activation_bytes=_memory(model, _FLOAT32, bindings),
        conditions=_open_conditions(model, bindings),
    )


def _blocks(model: Checked, rows: Sequence[Row], depth: int) -> list[Row]:
    """Consecutive rows whose paths share their first ``depth`` parts, merged into one with subtotals."""
    out: list[Row] = []
    group: list[Row] = []
    for row in [*rows, None]:
        if group and (row is None or _prefix(row.path, depth) != _prefix(group[0].path, depth)):
            first, end = group[0], group[-1]
            if len(group) == 1:
                out.append(first)
            else:
                path = _prefix(first.path, depth)
                node = _child(model, path)
                label = f"{getattr(node, 'kind', None) or type(node).__name__} ({len(group)} layers)"
                macs: Dim = sum((r.macs for r in group), start=0)
                out.append(Row(first.position, path, label, end.output, sum(r.params for r in group), macs, end.position))
            group = []
        if row is not None:
            group.append(row)
    return out


def _prefix(path: str, depth: int) -> str:
    return ".".join(path.split(".")[:depth])


def _child(model: Checked, path: str) -> Checked | Module:
    node: Checked | Module = model
    for name in path.split("."):
        node = dict(node.children()).get(name, node)
    return node


_NUMBER = re.compile(r"\d{4,}")


def fmt(value: Dim | int) -> str:
    """A count with thousands separators, also inside an expression: ``15,470,264,320*B``."""
    if is_unknown(value):
        return "?"
    return _NUMBER.sub(lambda m: f"{int(m.group()):,}", str(value))


def _megabytes(value: Dim) -> str:
    if isinstance(value, int):
        return f"{value / 1e6:,.2f} MB"
    return f"{fmt(value)} bytes"


_LAYER_WIDTH = 56
_SAME_TUPLE = re.compile(r"\((\d+)(?:, \1)+\)")
_DEFAULTS = re.compile(r", (?:padding=0|dilation=1|ceil_mode=False|bias=True|inplace=False|count_include_pad=True)(?=[,)])")
_FEATURES = re.compile(r"\b(?:in_features|out_features)=")


def compact(layer: str) -> str:
    """A layer's repr for the table: ``(3, 3)`` as ``3``, torch's defaults and keyword noise dropped."""
    text = _FEATURES.sub("", _DEFAULTS.sub("", _SAME_TUPLE.sub(r"\1", layer)))
    return text if len(text) <= _LAYER_WIDTH else text[: _LAYER_WIDTH - 3] + "..."


def _render(s: Summary) -> str:
    nested = any(r.path != str(r.position) for r in s.rows)
    header = ("Layer", "Path" if nested else "", "Output shape", "Params", "MACs")
    body = []
    for r in s.rows:
        body.append(
            (
                f"[{r.position}-{r.last}] {r.layer}" if r.last is not None else f"[{r.position}] {compact(r.layer)}",
                r.path if nested else "",
                str(r.output),
                f"{r.params:,}",
                fmt(r.macs) if r.macs != 0 else "--",
            )
        )
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(5)]
    rule = "=" * (sum(widths) + 2 * (4 if nested else 3))
    thin = "-" * len(rule)

    def line(cells: Sequence[str]) -> str:
        left = [c.ljust(w) for c, w in zip(cells[:3], widths[:3]) if w]
        right = [c.rjust(w) for c, w in zip(cells[3:], widths[3:])]
        return "  ".join(left + right).rstrip()

    out = [rule, line(header), rule, *(line(b) for b in body), rule]
    out.append(f"Input shape:           {s.input_shape}")
    out.append(f"Output shape:          {s.output_shape}")
    out.append(f"Total params:          {s.params:,}")
    if s.buffers:
        out.append(f"Buffers (not params):  {s.buffers:,}")
    out.append(f"Total MACs:            {fmt(s.macs)}  (conv/linear/matmul, no bias; torchvision's convention)")
    out.append(f"  with bias additions: {fmt(s.macs_with_bias)}  (torchinfo's convention)")
    out.append(f"Params size (float32): {_megabytes(s.params * _FLOAT32)}")
    out.append(f"Activations (float32): {_megabytes(s.activation_bytes)}")
    out.append("Input conditions:      " + (", ".join(s.conditions) if s.conditions else "none"))
    out.append(thin)
    return "\n".join(out)
