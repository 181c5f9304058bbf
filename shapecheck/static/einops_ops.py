"""einops in the op table: ``rearrange``, ``reduce``, ``repeat``, the ``Rearrange`` / ``Reduce`` layers,
``pack``, ``unpack``, ``einsum`` and ``parse_shape``.

The shape logic is ``rules.einops`` (einops' own parsing and checks, on symbolic dims); here the calls
are read: the pattern and the reduction must be known strings, an axis length that is not known is
``?`` (the rest is still checked), a list of tensors is stacked first as einops stacks it. The layers
are ``shapecheck.nn`` modules (:class:`EinopsLayer`), so ``nn.Sequential(Rearrange(...), nn.Linear(...))``
is a chain like any other; as in einops, a bad pattern fails where the layer is built.
"""

from __future__ import annotations

from math import prod
from typing import Final

from shapecheck.checker import Checker
from shapecheck.dims import Dim, Expr, floor_div, unknown
from shapecheck.errors import RuleError
from shapecheck.nn.module import Module
from shapecheck.rules.einops import EinopsPattern, einsum_equation, pack_pattern
from shapecheck.shape import Shape
from shapecheck.static import tensor_ops
from shapecheck.static.registry import Op, Unknowable, function
from shapecheck.static.values import DictValue, LayerValue, ListValue, Opaque, Tensor, Value

__all__ = ["EinopsLayer"]

_LAYERS: Final = "einops.layers.torch."


class EinopsLayer(Module):
    """``einops.layers.torch.Rearrange`` / ``Reduce`` (``kind``), or a call of ``einops.rearrange`` /
    ``reduce`` / ``repeat`` (``kind`` None). A layer's pattern is checked when it is built, as einops
    does; the input's shape when it is applied. No parameters."""

    def __init__(self, pattern: str, operation: str, axes_lengths: dict[str, Dim], kind: str | None = None) -> None:
        super().__init__()
        axes = "".join(f", {k}={v}" for k, v in axes_lengths.items())
        reduction = f", {operation!r}" if kind == "Reduce" else ""
        self.text = f"{kind}({pattern!r}{reduction}{axes})" if kind else f"{operation}({pattern!r}{axes})"
        self.rule = EinopsPattern(pattern, operation, axes_lengths, context=self.text if kind else None)
        if kind is not None:
            self.rule.prepare()

    @property
    def input_rank(self) -> int | None:
        """The rank its input must have (None with ``...``): what it says of a forward's input it meets first."""
        try:
            left, _ = self.rule.prepare()
        except RuleError:
            return None
        return None if left.has_ellipsis else len(left.composition)

    def infer(self, x: Shape, check: Checker) -> Shape:
        return self.rule.output(x, check)

    def __repr__(self) -> str:
        return self.text


def _pattern(c: Op, value: Value, what: str = "pattern") -> str:
    if not isinstance(value, str):
        raise Unknowable(f"{c.name}: {what} not known")
    return value


def _lengths(axes_lengths: dict[str, Value]) -> dict[str, Dim]:
    """The axis lengths given by keyword; one that is not a known size is ``?``."""
    return {k: v if isinstance(v, (int, Expr)) and not isinstance(v, bool) else unknown() for k, v in axes_lengths.items()}


def _apply(c: Op, tensor: Value, pattern: Value, operation: str, axes_lengths: dict[str, Value]) -> Value:
    x = tensor_ops.stack(c, tensor) if isinstance(tensor, ListValue) else tensor
    return c.apply(EinopsLayer(_pattern(c, pattern), operation, _lengths(axes_lengths)), c.tensor(x, "tensor"))


@function("einops.rearrange", "einops.einops.rearrange")
def rearrange(c: Op, /, tensor: Value, pattern: Value, **axes_lengths: Value) -> Value:
    return _apply(c, tensor, pattern, "rearrange", axes_lengths)


@function("einops.repeat", "einops.einops.repeat")
def repeat(c: Op, /, tensor: Value, pattern: Value, **axes_lengths: Value) -> Value:
    return _apply(c, tensor, pattern, "repeat", axes_lengths)


@function("einops.reduce", "einops.einops.reduce")
def reduce(c: Op, /, tensor: Value, pattern: Value, reduction: Value, **axes_lengths: Value) -> Value:
    return _apply(c, tensor, pattern, _pattern(c, reduction, "reduction (a callable?)"), axes_lengths)


def _layer(c: Op, kind: str, pattern: Value, operation: str, axes_lengths: dict[str, Value]) -> Value:
    line = getattr(c.node, "lineno", 0)
    if not isinstance(pattern, str):
        return Opaque(kind, f"{kind}() with a pattern not known", line)
    layer = c.rule(None, EinopsLayer, pattern, operation, _lengths(axes_lengths), kind)
    interp = c.interp
    interp.layer_nodes[id(layer)] = (layer, c.node, interp.frames[-1][0] if interp.frames else None)
    return LayerValue(layer, line, kind)


@function(f"{_LAYERS}Rearrange")
def Rearrange(c: Op, /, pattern: Value, **axes_lengths: Value) -> Value:
    return _layer(c, "Rearrange", pattern, "rearrange", axes_lengths)


@function(f"{_LAYERS}Reduce")
def Reduce(c: Op, /, pattern: Value, reduction: Value, **axes_lengths: Value) -> Value:
    if not isinstance(reduction, str):
        return Opaque("Reduce", "Reduce() with a reduction not known", getattr(c.node, "lineno", 0))
    return _layer(c, "Reduce", pattern, reduction, axes_lengths)


@function("einops.pack", "einops.packing.pack")
def pack(c: Op, /, tensors: Value, pattern: Value) -> Value:
    """``pack([x, y], "b * d")``: each tensor's ``*`` dims flattened, then concatenated there; and the
    packed shapes (the ``*`` dims of each)."""
    items = c.interp.sequence(tensors)
    if items is None:
        raise Unknowable("einops.pack of tensors not known")
    parts = [c.tensor(t, "a tensor") for t in items]
    before, after = c.rule(parts[0] if parts else None, pack_pattern, _pattern(c, pattern), "pack")
    flat: list[Value] = []
    shapes: list[Value] = []
    for i, t in enumerate(parts):
        if t.shape.prefix:
            raise Unknowable("einops.pack of a tensor of unknown rank")
        dims = t.shape.dims
        if len(dims) < before + after:
            c.fail(f"packed tensor #{i} (enumeration starts with 0) has shape {t.shape}, while pattern {pattern} assumes at least {before + after} axes", t, kind="rank")
        packed = dims[before : len(dims) - after]
        shapes.append(tuple(packed))
        flat.append(Tensor(Shape.of((*dims[:before], prod(packed, start=1), *dims[len(dims) - after :])), t.dtype))
    joined = tensor_ops.cat(c, ListValue(flat), before)
    return (joined, ListValue(shapes))


@function("einops.unpack", "einops.packing.unpack")
def unpack(c: Op, /, tensor: Value, packed_shapes: Value, pattern: Value) -> Value:
    """``unpack(x, ps, "b * d")``: the ``*`` dim split into the products of ``ps`` (one may hold ``-1``)."""
    x = c.tensor(tensor)
    before, after = c.rule(x, pack_pattern, _pattern(c, pattern), "unpack")
    items = c.interp.sequence(packed_shapes)
    if items is None:
        raise Unknowable("einops.unpack by packed shapes not known")
    shapes = [c.dims(s, "a packed shape") for s in items]
    if x.shape.prefix:
        raise Unknowable("einops.unpack of a tensor of unknown rank")
    dims = x.shape.dims
    if len(dims) != before + 1 + after:
        c.fail(f"unpack(..., {pattern}) received input of wrong dim with shape {x.shape}", x, kind="rank")
    size = dims[before]
    lengths: list[Dim | None] = [None if -1 in s else prod(s, start=1) for s in shapes]
    if lengths.count(None) > 1:
        c.fail(f"unpack(..., {pattern}) received more than one -1 in {[tuple(s) for s in shapes]} and can't infer dimensions", x, kind="einops")
    known: Dim = sum((n for n in lengths if n is not None), start=0)
    requested = [tuple(s) for s in shapes]
    if None not in lengths:
        c.rule(x, c.solver.equal, known, size, f'Error during unpack(..., "{pattern}"): could not split axis of size {size} into requested {requested}', index=before - len(dims))
    else:
        c.rule(x, c.solver.at_least, size - known, 0, f'Error during unpack(..., "{pattern}"): could not split axis of size {size} into requested {requested}', index=before - len(dims))
    out: list[Value] = []
    for s, n in zip(shapes, lengths):
        inner = list(s)
        if n is None:
            rest = size - known
            others = prod((d for d in s if d != -1), start=1)
            if not isinstance(others, int) or others <= 0:
                raise Unknowable("unpack() with -1 beside sizes not known")
            inner[inner.index(-1)] = floor_div(rest, others)
            c.rule(x, c.solver.equal, floor_div(rest, others) * others, rest, f'Error during unpack(..., "{pattern}"): could not split axis of size {size} into requested {requested}', index=before - len(dims))
        out.append(c.result(x, Shape.of((*dims[:before], *inner, *dims[before + 1 :])), x.dtype))
    return ListValue(out)


@function("einops.einsum", "einops.einops.einsum")
def einsum(c: Op, /, *tensors_and_pattern: Value) -> Value:
    """``einops.einsum(q, k, "b i d, b j d -> b i j")``: torch's ``einsum`` on the pattern with letters."""
    if len(tensors_and_pattern) < 2:
        raise Unknowable("einops.einsum without tensors and a pattern")
    *tensors, pattern = tensors_and_pattern
    equation = einsum_equation(_pattern(c, pattern))
    if equation is None:
        raise Unknowable(f"einops.einsum pattern {pattern!r} not followed")
    return tensor_ops.einsum(c, equation, *tensors)


@function("einops.parse_shape", "einops.einops.parse_shape")
def parse_shape(c: Op, /, x: Value, pattern: Value) -> Value:
    """``parse_shape(x, "b _ h w")``: the named sizes, by name (``_`` skipped)."""
    t = c.tensor(x)
    names = _pattern(c, pattern).split()
    if t.shape.prefix or len(names) != len(t.shape):
        raise Unknowable("einops.parse_shape of a rank not known or not matching")
    return DictValue({n: d for n, d in zip(names, t.shape.dims) if n != "_"})
