"""einops in the op table: ``rearrange``, ``reduce``, ``repeat`` and the ``Rearrange`` / ``Reduce`` layers.

The shape logic is ``rules.einops`` (einops' own parsing and checks, on symbolic dims); here the calls
are read: the pattern and the reduction must be known strings, an axis length that is not known is
``?`` (the rest is still checked), a list of tensors is stacked first as einops stacks it. The layers
are ``shapecheck.nn`` modules (:class:`EinopsLayer`), so ``nn.Sequential(Rearrange(...), nn.Linear(...))``
is a chain like any other; as in einops, a bad pattern fails where the layer is built.
"""

from __future__ import annotations

from typing import Final

from shapecheck.checker import Checker
from shapecheck.dims import Dim, Expr, unknown
from shapecheck.errors import RuleError
from shapecheck.nn.module import Module
from shapecheck.rules.einops import EinopsPattern
from shapecheck.shape import Shape
from shapecheck.static import tensor_ops
from shapecheck.static.registry import Op, Unknowable, function
from shapecheck.static.values import LayerValue, ListValue, Opaque, Tensor, Value

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
    c.interp.layer_nodes[id(layer)] = (layer, c.node)
    return LayerValue(layer, line, kind)


@function(f"{_LAYERS}Rearrange")
def Rearrange(c: Op, /, pattern: Value, **axes_lengths: Value) -> Value:
    return _layer(c, "Rearrange", pattern, "rearrange", axes_lengths)


@function(f"{_LAYERS}Reduce")
def Reduce(c: Op, /, pattern: Value, reduction: Value, **axes_lengths: Value) -> Value:
    if not isinstance(reduction, str):
        return Opaque("Reduce", "Reduce() with a reduction not known", getattr(c.node, "lineno", 0))
    return _layer(c, "Reduce", pattern, reduction, axes_lengths)
