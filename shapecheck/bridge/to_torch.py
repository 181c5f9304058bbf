"""``to_torch(model)``: the ``torch.nn`` module tree of a checked shapecheck model.

Layers map by class name to ``torch.nn`` with the constructor arguments the shapecheck layer stores
(every layer keeps torch's arguments under torch's names); ``Sequential`` and the combinators keep their children's names;
combinators, tensor ops, ``Pick`` and the learned tokens become the small modules of
``shapecheck.bridge._modules``. torch is imported when the function is called.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any

from shapecheck.dims import Expr, Symbol
from shapecheck.nn.graph import Add, Concat, Mul
from shapecheck.nn.module import Input, Module, Sequential, arguments_of, distinct_layers

__all__ = ["to_torch"]


def to_torch(model: Module) -> Any:
    """The equivalent ``torch.nn.Module``: same parameter count, same output shapes on real tensors.

    ``Sequential(Input("B", 3, 32, 32), Conv2d(3, 8, 3), ...)`` becomes ``torch.nn.Sequential``
    with children ``0, 1, ...`` (the ``Input`` is dropped, as the children's numbering already
    assumes); symbols of the ``Input`` used by a ``Reshape`` take their values from each call's input.
    """
    from shapecheck.bridge import _modules

    bindings = None
    if isinstance(model, Sequential) and model.input is not None:
        names = {i: _symbol(d) for i, d in enumerate(model.input.shape)}
        bindings = _modules.Bindings({i: n for i, n in names.items() if n is not None})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's advice on nested tensors and the like
        converter = _Converter(bindings)
        out = converter.convert(model)
    converter.tie(model)
    if bindings is not None and bindings.names:
        out.register_forward_pre_hook(bindings.hook)
    return out


def _symbol(d: object) -> str | None:
    """The name of a dim that is one bare symbol (``B``), else None."""
    if isinstance(d, Expr) and d.const == 0 and len(d.terms) == 1:
        mono, coeff = d.terms[0]
        if coeff == 1 and len(mono) == 1 and isinstance(mono[0], Symbol) and not mono[0].unknown:
            return mono[0].name
    return None


class _Converter:
    def __init__(self, bindings: Any) -> None:
        self.bindings = bindings
        self.done: dict[int, Any] = {}  # id of a layer -> its torch module: a layer used twice is one module

    def convert(self, root: Module) -> Any:
        """The torch module of ``root``; containers are converted after their children, from an explicit
        stack, so any nesting depth works."""
        made: list[Any] = []
        stack: list[tuple[Module, bool]] = [(root, False)]
        while stack:
            layer, ready = stack.pop()
            if not ready and id(layer) in self.done:
                made.append(self.done[id(layer)])
                continue
            children = [c for _, c in layer.children()] if isinstance(layer, (Sequential, Add, Mul, Concat)) else []
            if children and not ready:
                stack.append((layer, True))
                stack.extend((child, False) for child in reversed(children))
                continue
            converted = made[len(made) - len(children) :]
            del made[len(made) - len(children) :]
            made.append(self.done.setdefault(id(layer), self._one(layer, converted)))
        return made[0]

    def tie(self, root: Module) -> None:
        """Each layer whose weight is tied to another layer of ``root`` uses that layer's torch weight."""
        for layer in distinct_layers(root):
            if layer.tied is not None and id(layer.tied) in self.done:
                self.done[id(layer)].weight = self.done[id(layer.tied)].weight

    def _one(self, layer: Module, children: list[Any]) -> Any:
        """The torch module of ``layer``, its children (of a ``Sequential`` or combinator) already ``children``."""
        import torch

        from shapecheck.bridge import _modules as m
        from shapecheck.nn import graph, outputs, padding, parameter, scale, tensor_ops
        from shapecheck.nn.attention import ClassToken, MultiheadAttention, PositionalEmbedding, TransformerEncoder, TransformerEncoderLayer

        name = type(layer).__name__
        named = OrderedDict(zip((n for n, _ in layer.children()), children))
        if isinstance(layer, Sequential):
            return torch.nn.Sequential(named)
        if isinstance(layer, Input):
            return torch.nn.Identity()
        if isinstance(layer, (graph.Add, graph.Mul)):
            merge: Any = m.Add if isinstance(layer, graph.Add) else m.Mul
            return merge(named)
        if isinstance(layer, graph.Concat):
            return m.Concat(named, layer.dim, layer.crop)
        if isinstance(layer, outputs.Pick):
            return m.Pick(self.convert(layer.layer), layer.index, layer._options())
        if isinstance(layer, MultiheadAttention):
            return self._leaf(layer, m.SelfAttention)
        if isinstance(layer, TransformerEncoderLayer):
            return self._encoder_layer(layer)
        if isinstance(layer, TransformerEncoder):  # torch clones the layer num_layers times, as the layer's copies are
            norm = None if layer.norm is None else self.convert(layer.norm)
            return torch.nn.TransformerEncoder(self.convert(layer.layers[0]), layer.num_layers, norm, layer.enable_nested_tensor, layer.mask_check)
        if isinstance(layer, tensor_ops.Reshape):
            return (m.View if isinstance(layer, tensor_ops.View) else m.Reshape)(layer.shape, self.bindings)
        if isinstance(layer, tensor_ops.Permute):
            return m.Permute(layer.dims)
        if isinstance(layer, tensor_ops.Transpose):
            return m.Transpose(layer.dim0, layer.dim1)
        if isinstance(layer, padding.CenterCrop):
            return m.CenterCrop(layer.size, self.bindings)
        if isinstance(layer, tensor_ops.Arange):
            return m.Arange(layer.dim)
        if isinstance(layer, parameter.ParameterTensor):
            return (m.BufferTensor if isinstance(layer, parameter.BufferTensor) else m.ParameterTensor)(layer.shape)
        if isinstance(layer, tensor_ops.Select):
            return m.Select(layer.dim, layer.index)
        if isinstance(layer, tensor_ops.Mean):
            return m.Mean(layer.dim, layer.keepdim)
        if isinstance(layer, tensor_ops.Chunk):
            return m.Chunk(layer.chunks, layer.dim, layer.index)
        if isinstance(layer, tensor_ops.Split):
            return m.Split(layer.split_size_or_sections, layer.dim, layer.index)
        if isinstance(layer, ClassToken):
            return m.ClassToken(layer.dim)
        if isinstance(layer, PositionalEmbedding):
            return m.PositionalEmbedding(layer.seq_len, layer.dim)
        if isinstance(layer, scale.Scale):
            return m.Scale(layer.shape)
        if name == "TrainingOnly":
            return m.TrainingOnly(self.convert(layer.children()[0][1]))
        cls = getattr(torch.nn, name, None)
        if not isinstance(cls, type) or not issubclass(cls, torch.nn.Module):
            raise TypeError(f"to_torch: no torch module for {name} ({layer!r})")
        return self._leaf(layer, cls)

    def _encoder_layer(self, layer: Any) -> Any:
        """torch's ``TransformerEncoderLayer`` with the layer's arguments, read from its blocks; causal as the layer is."""
        from shapecheck.bridge import _modules as m

        attention, linear1 = layer.self_attn, layer.linear1
        activation = self.convert(layer.activation) if isinstance(layer.activation, Module) else layer.activation
        arguments = (linear1.in_features, attention.num_heads, linear1.out_features, layer.dropout.p, activation, layer.norm1.eps)
        return m.TransformerEncoderLayer(
            *arguments, batch_first=attention.batch_first, norm_first=layer.norm_first, bias=linear1.bias, is_causal=layer.is_causal
        )

    def _leaf(self, layer: Module, cls: Any) -> Any:
        """``cls(**arguments)``, the arguments read from the layer's attributes of the same names."""
        try:
            kwargs = arguments_of(layer)
        except TypeError as err:
            raise TypeError(f"to_torch: {err}") from None
        return cls(**{k: self.convert(v) if isinstance(v, Module) else v for k, v in kwargs.items()})
