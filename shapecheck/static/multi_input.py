"""Layers called on several tensors in a ``forward()``: ``MultiheadAttention(query, key, value)``,
``Bilinear(input1, input2)`` and ``TransformerDecoderLayer(tgt, memory)``.

The arguments are bound as the layer's ``forward`` binds them; the shapes go to the layer's own rule
(``MultiheadAttention.attend``, ``Bilinear.pair``). An error is located at the call and names the layer
(as a layer's error on one input is); the result is recorded as an op of the forward, with its MACs.
Self-attention on one tensor (``attn(x, x, x)``) stays the layer's one-input rule.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, TypeVar

from shapecheck import nn
from shapecheck.errors import RuleError, ShapeError
from shapecheck.shape import Shape
from shapecheck.static.registry import Op, Unknowable
from shapecheck.static.values import LayerValue, Tensor, Unknown, Value

if TYPE_CHECKING:
    from shapecheck.static.interpreter import Interpreter

__all__ = ["call_several"]

_ATTENTION: Final = ("query", "key", "value", "key_padding_mask", "need_weights", "attn_mask", "average_attn_weights", "is_causal")
_BILINEAR: Final = ("input1", "input2")
_DECODER: Final = ("tgt", "memory", "tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask", "tgt_is_causal", "memory_is_causal")


def _bind(names: Sequence[str], args: list[Value], kwargs: dict[str, Value]) -> dict[str, Value] | None:
    """The arguments by parameter name, as Python binds them (None if they do not bind)."""
    if len(args) > len(names) or any(k not in names for k in kwargs):
        return None
    bound = dict(zip(names, args))
    if any(k in bound for k in kwargs):
        return None
    bound.update(kwargs)
    return bound


def call_several(interp: Interpreter, fn: LayerValue, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value | None:
    """``fn(*args, **kwargs)`` for a layer of several inputs; None when it is self-attention on one tensor."""
    layer = fn.layer
    if isinstance(layer, nn.MultiheadAttention):
        bound = _bind(_ATTENTION, args, kwargs)
        if bound is None or not all(name in bound for name in _ATTENTION[:3]):
            return interp.unknown(node, "MultiheadAttention() arguments not understood")
        query, key, value = bound["query"], bound["key"], bound["value"]
        if isinstance(query, Unknown):
            return query
        masks = {name: mask.shape for name in ("attn_mask", "key_padding_mask") if isinstance(mask := bound.get(name), Tensor)}
        if query is key and key is value and not masks:
            return None
        options = {name: bound.get(name, default) for name, default in layer.options.items()}
        return interp.run_op(fn.torch_name, node, lambda c: _attention(c, fn, query, key, value, options, masks))
    if isinstance(layer, nn.TransformerDecoderLayer):
        bound = _bind(_DECODER, args, kwargs)
        if bound is None or "memory" not in bound:
            return interp.unknown(node, "TransformerDecoderLayer() arguments not understood")
        tgt, memory = bound["tgt"], bound["memory"]
        if isinstance(tgt, Unknown):
            return tgt
        return interp.run_op(fn.torch_name, node, lambda c: _decoder(c, fn, tgt, memory))
    if isinstance(layer, nn.Bilinear):
        bound = _bind(_BILINEAR, args, kwargs)
        if bound is None or len(bound) != 2:
            return interp.unknown(node, "Bilinear() arguments not understood")
        if isinstance(bound["input1"], Unknown):
            return bound["input1"]
        return interp.run_op(fn.torch_name, node, lambda c: _bilinear(c, fn, bound["input1"], bound["input2"]))
    return None


def _attention(c: Op, fn: LayerValue, query: Value, key: Value, value: Value, options: dict[str, Value], masks: dict[str, Shape]) -> Value:
    layer = fn.layer
    assert isinstance(layer, nn.MultiheadAttention)
    q, k, v = c.tensor(query, "query"), c.tensor(key, "key"), c.tensor(value, "value")
    flags = {name: c.constant(option, name) for name, option in options.items()}
    if not all(isinstance(flag, bool) for flag in flags.values()):
        raise Unknowable(f"MultiheadAttention with {', '.join(flags)} not known")
    out, weights, macs = _located(c, fn, q, lambda: layer.attend(q.shape, k.shape, v.shape, c.solver, flags, **masks))
    return (c.result(q, out, q.dtype, macs), None if weights is None else Tensor(weights, q.dtype))


def _bilinear(c: Op, fn: LayerValue, input1: Value, input2: Value) -> Value:
    layer = fn.layer
    assert isinstance(layer, nn.Bilinear)
    x1, x2 = c.tensor(input1, "input1"), c.tensor(input2, "input2")
    out, macs = _located(c, fn, x1, lambda: layer.pair(x1.shape, x2.shape, c.solver))
    return c.result(x1, out, x1.dtype, macs)


def _decoder(c: Op, fn: LayerValue, tgt: Value, memory: Value) -> Value:
    """``layer(tgt, memory)``: self-attention, attention over ``memory`` (``multihead_attn``, then
    ``dropout2``) and the feed-forward, each in the layer's residual with its norm."""
    layer = fn.layer
    assert isinstance(layer, nn.TransformerDecoderLayer)
    x, m = c.tensor(tgt, "tgt"), c.tensor(memory, "memory")
    tracer = c.interp.tracer
    path = fn.path()

    def at(name: str) -> str:
        return f"{path}.{name}" if path else name

    def cross(h: Shape) -> Shape:
        attention = layer.multihead_attn
        try:
            out, _, _ = attention.attend(h, m.shape, m.shape, tracer.check, {**attention.options, "need_weights": False})
        except RuleError as err:
            raise tracer.locate(err, attention, h, at("multihead_attn")) from None
        return layer.dropout2.trace(out, tracer, at("dropout2"))

    try:
        y = layer._residual(x.shape, tracer, at, "norm1", lambda h: layer._self_attention(h, tracer, at))
        y = layer._residual(y, tracer, at, "norm2", cross)
        y = layer._residual(y, tracer, at, "norm3", lambda h: layer._feed_forward(h, tracer, at, "dropout3"))
    except ShapeError as err:
        from shapecheck.static.interpreter import Failed

        c.interp.report_error(err, c.node, attribute=fn.parent is not None)
        raise Failed() from None
    return Tensor(y, x.dtype)


T = TypeVar("T")


def _located(c: Op, fn: LayerValue, x: Tensor, rule: Callable[[], T]) -> T:
    """``rule()``; its error is reported at the call, naming the layer (``self.attn = MultiheadAttention(...)``)."""
    from shapecheck.static.interpreter import Failed

    interp = c.interp
    try:
        return rule()
    except RuleError as err:
        located = interp.tracer.locate(err, fn.layer, x.shape, fn.path())
        interp.report_error(located, c.node, attribute=fn.parent is not None)
        raise Failed() from None
