"""``from_torch(module, input)``: a torch model imported as a checked shapecheck model, without running it.

``nn.Sequential`` trees of ``torch.nn`` layers convert directly (child names kept): each layer maps by
class name to ``shapecheck.nn`` with the arguments read from the module's attributes. Any other module
is checked by running its class's ``forward`` source through the forward interpreter, with the live
module's layers (``source``): ``if``/``assert``, ``F.*`` calls, several inputs and helpers work.

Where the source is not available (a class defined in a REPL) or cannot be followed, the module is
traced with ``torch.fx`` (``Sequential`` children and ``torch.nn`` layers stay leaves) and its graph
becomes a chain: ``call_module`` nodes are layers; ``+``/``*``/``torch.cat`` merge branches that start
at the nearest node every input of the merge passes through (its immediate dominator) into
``Add``/``Mul``/``Concat``; flatten, reshape, view, permute, transpose, ``x[:, 0]``, mean, chunk, split
and the common activations become layers. What neither can follow is listed in one ``TypeError``,
each with the line of ``forward()`` it stopped at. torch is imported when the function is called.
"""

from __future__ import annotations

import inspect
import operator
import os
import re
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union, cast

from shapecheck import nn as scnn
from shapecheck.dims import Dim, DimLike, as_dim
from shapecheck.nn.module import Input, Module, Sequential
from shapecheck.shape import Shape
from shapecheck.trace import Location, format_location

__all__ = ["from_torch"]

Shapes = Union[str, Sequence[DimLike], Sequence[Union[str, Sequence[DimLike]]]]
"""One input shape (``("B", 3, 224, 224)`` or ``"B 3 224 224"``), or a list of them for a forward of several tensors."""

_EXPECTED = (
    'the shape of forward\'s input, as ("B", 3, 224, 224) or "B 3 224 224" (ints are sizes, names are symbols); '
    'a forward of several tensors takes one shape each: [("B", 4), "B 6"], and an argument that is a tuple '
    'of tensors a tuple of shapes: [("B", 8), ((2, "B", 16), (2, "B", 16))]'
)

Arg = Union[tuple[DimLike, ...], tuple[tuple[DimLike, ...], ...]]
"""The shape of one argument of forward: a tensor's, or a tuple of tensors' (an LSTM's ``(h, c)``)."""


def from_torch(module: Any, *input: Any) -> Sequential:
    """``module`` as a checked shapecheck model on ``input`` (see :data:`Shapes`); the dims of one shape may also
    be given one by one, as ``with_input`` takes them: ``from_torch(module, "B", 3, 224, 224)``.

    The result is a ``Sequential`` checked on that input, with the summary, input conditions and
    counts of any shapecheck model (a ``source.TorchModel`` when the forward's source was run); a
    shape mismatch raises :class:`shapecheck.ShapeError` naming the layer and the forward statement.
    Nothing is run.
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    shapes = input_shapes(input[0] if len(input) == 1 else input)
    _check_arity(module, len(shapes))
    inputs = [_shape(s) for s in shapes]
    if not _plain(shapes[0]):
        raise TypeError(f"from_torch: the first argument of forward must be a tensor, got a tuple of {len(shapes[0])}")
    first = cast(tuple[DimLike, ...], shapes[0])
    importer = _Importer(Input(*first).shape[0])
    if len(shapes) == 1 and importer.direct(module):
        return _chain(module, first)
    from shapecheck.bridge.source import NotFollowed, from_source

    try:
        return from_source(module, inputs, importer)
    except NotFollowed as err:
        why = f"from_torch: {type(module).__name__}.forward could not be followed from its source:\n" + "\n".join(f"  {r}" for r in err.reasons)
    if len(shapes) > 1:
        raise TypeError(why)
    try:
        return _chain(module, first)
    except TypeError as err:
        fx = str(err).removeprefix("from_torch: ").replace("\n", "\n  ")
        raise TypeError(f"{why}\nnor imported with torch.fx: {fx}") from None


def input_shapes(input: object) -> list[Arg]:
    """The input shapes ``input`` gives: one shape (a tuple of ints and names, or a string of them
    as jaxtyping writes it), or a list of them, one per argument (a tuple of shapes for a tuple of tensors)."""
    if isinstance(input, str):
        return [_parsed(input)]
    if not isinstance(input, (tuple, list)) or not input:
        raise TypeError(f"from_torch needs {_EXPECTED}; got {input!r}")
    if not any(isinstance(s, (tuple, list)) or isinstance(s, str) and len(s.split()) > 1 for s in input):
        return [_checked(tuple(input))]
    if all(isinstance(s, (tuple, list, str)) for s in input):
        return [_checked(_parsed(s) if isinstance(s, str) else tuple(s)) for s in input]
    raise TypeError(f"from_torch needs {_EXPECTED}; got {input!r}")


def _checked(arg: tuple[Any, ...]) -> Arg:
    """One argument's shape, or its tensors' when every item is a shape; each dim an int >= 0 or a name,
    else a clear TypeError or ValueError."""
    if arg and all(isinstance(s, (tuple, list, str)) and not (isinstance(s, str) and len(s.split()) == 1) for s in arg):
        group = tuple(_parsed(s) if isinstance(s, str) else tuple(s) for s in arg)
        for shape in group:
            Input(*shape)
        return group
    Input(*arg)
    return arg


def _plain(arg: Arg) -> bool:
    """Whether the argument is one tensor (not a tuple of them)."""
    return not arg or not isinstance(arg[0], tuple)


def _shape(arg: Arg) -> Shape | tuple[Shape, ...]:
    if _plain(arg):
        return Input(*cast(tuple[DimLike, ...], arg)).shape
    return tuple(Input(*s).shape for s in cast(tuple[tuple[DimLike, ...], ...], arg))


def _parsed(text: str) -> tuple[DimLike, ...]:
    dims: list[DimLike] = []
    for token in text.split():
        if token.isdigit():
            dims.append(int(token))
        else:
            try:
                as_dim(token)
            except ValueError:
                raise ValueError(
                    f"from_torch: {token!r} in {text!r} is neither a size, a name nor an expression of names (16*h); "
                    'give every dim, as "B 3 224 224"'
                ) from None
            dims.append(token)
    if not dims:
        raise TypeError(f"from_torch needs {_EXPECTED}; got {text!r}")
    return tuple(dims)


def _check_arity(module: Any, n: int) -> None:
    try:
        signature = inspect.signature(module.forward)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*range(n))
    except TypeError:
        raise TypeError(
            f"from_torch: {type(module).__name__}.forward({', '.join(signature.parameters)}) does not take {n} tensor{'s' if n != 1 else ''}: "
            f"give one shape per tensor argument, e.g. [(\"B\", 4), (\"B\", 6)] for two"
        ) from None


def _chain(module: Any, input: tuple[DimLike, ...]) -> Sequential:
    """``module`` as a chain: converted directly, or traced with torch.fx."""
    importer = _Importer(Input(*input).shape[0])
    body = importer.module(module)
    importer.raise_unsupported(module)
    children = body.children() if isinstance(body, Sequential) else [(type(module).__name__.lower(), body)]
    layers: OrderedDict[str, Module] = OrderedDict([("input", Input(*input))])
    layers.update(children)
    return Sequential(layers)


# -- one torch module -> one shapecheck module ------------------------------------------------------


def _bool_of(value: Any) -> Any:
    """A parameter slot (``bias``) as torch's constructor flag: present or None."""
    import torch

    return value is not None if value is None or isinstance(value, torch.Tensor) else value


def _arguments(cls: Any, read: Any) -> dict[str, Any]:
    """The arguments of ``cls.__init__`` found by ``read(name)`` (a ``KeyError`` skips one with a default)."""
    kwargs: dict[str, Any] = {}
    for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if p.name in ("device", "dtype") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        try:
            kwargs[p.name] = read(p.name)
        except KeyError:
            if p.default is p.empty:
                raise TypeError(f"from_torch: cannot read {cls.__name__}'s argument {p.name}") from None
    return kwargs


def _transformer_layer(mod: Any) -> dict[str, Any]:
    import torch.nn.functional as F

    activation = mod.activation
    if activation is F.relu or activation is F.gelu:
        activation = activation.__name__
    return {
        "d_model": mod.self_attn.embed_dim,
        "nhead": mod.self_attn.num_heads,
        "dim_feedforward": mod.linear1.out_features,
        "dropout": mod.dropout.p,
        "activation": activation,
        "layer_norm_eps": mod.norm1.eps,
        "batch_first": mod.self_attn.batch_first,
        "norm_first": mod.norm_first,
        "bias": mod.linear1.bias is not None,
    }


_SPECIAL: dict[str, Any] = {
    "MultiheadAttention": lambda mod: {
        "bias": mod.in_proj_bias is not None,
        "add_bias_kv": mod.bias_k is not None,
    },
    "TransformerEncoderLayer": _transformer_layer,
    "TransformerDecoderLayer": _transformer_layer,
    "TransformerEncoder": lambda mod: {"encoder_layer": mod.layers[0], "num_layers": len(mod.layers)},
}
"""Arguments torch does not keep under the constructor's name: read from the module's structure."""


def _einops(mod: Any) -> Module | None:
    """An ``einops.layers.torch`` ``Rearrange`` or ``Reduce`` as the forward interpreter's einops layer."""
    kind = type(mod).__name__
    if not type(mod).__module__.startswith("einops.layers") or kind not in ("Rearrange", "Reduce"):
        return None
    from shapecheck.static.einops_ops import EinopsLayer

    operation = "rearrange" if kind == "Rearrange" else str(mod.reduction)
    return EinopsLayer(str(mod.pattern), operation, dict(mod.axes_lengths), kind)


@dataclass
class _Unsupported:
    what: str
    where: str


@dataclass
class _Op:
    """How a tensor node of a graph is computed: a layer on one input, a merge of several, or a pass-through."""

    kind: str  # "source" | "layer" | "merge" | "alias"
    inputs: list[Any] = field(default_factory=list)
    layer: Module | None = None
    merge: str = ""
    dim: int = 0
    name: str = ""
    where: Location | None = None
    shared: bool = False  # a layer with parameters: it may appear once in the chain


class _Importer:
    def __init__(self, batch: Dim | None) -> None:
        self.batch = batch
        self.unsupported: list[_Unsupported] = []

    def raise_unsupported(self, module: Any) -> None:
        if self.unsupported:
            lines = "\n".join(f"  {u.what}  at {u.where}" for u in self.unsupported)
            raise TypeError(
                f"from_torch: {len(self.unsupported)} op(s) of {type(module).__name__} have no shapecheck equivalent:\n{lines}"
            )

    def leaf(self, mod: Any) -> Module:
        """``mod`` as one shapecheck layer (the forward interpreter applies it as a whole); ``TypeError``
        when its graph has ops without a shapecheck equivalent."""
        known = len(self.unsupported)
        layer = self.module(mod)
        if len(self.unsupported) > known:
            new, self.unsupported = self.unsupported[known:], self.unsupported[:known]
            raise TypeError("; ".join(f"{u.what} at {u.where}" for u in new))
        return layer

    def direct(self, mod: Any) -> bool:
        """Whether :meth:`module` converts ``mod`` without torch.fx: a ``torch.nn`` layer with a shapecheck
        twin, one of the bridge's own modules, or a plain ``Sequential`` of such."""
        from shapecheck.bridge import _modules as m

        if _plain_sequential(mod) or type(mod).__module__ == m.__name__ and self._twin(mod) is None:
            return all(self.direct(child) for child in mod.children())
        return self._twin(mod) is not None or _einops(mod) is not None

    def module(self, mod: Any) -> Module:

        from shapecheck.bridge import _modules as m

        if isinstance(mod, m._Branches):
            named = {name: self.module(c) for name, c in mod.named_children()}
            branches = [named] if list(named) != [str(i) for i in range(len(named))] else list(named.values())
            if isinstance(mod, m.Concat):
                return scnn.Concat(*branches, dim=mod.dim, crop=mod.crop)
            return (scnn.Add if isinstance(mod, m.Add) else scnn.Mul)(*branches)
        if isinstance(mod, m.Pick):
            return scnn.Pick(self.module(mod.layer), *mod.index, **mod.options)  # type: ignore[arg-type]
        if isinstance(mod, m.Reshape):
            return (scnn.View if isinstance(mod, m.View) else scnn.Reshape)(*mod.shape)
        if isinstance(mod, m.TrainingOnly):
            from shapecheck.models._blocks import TrainingOnly

            return TrainingOnly(self.module(mod.branch))
        simple: dict[Any, Any] = {
            m.Permute: lambda: scnn.Permute(*mod.dims),
            m.Transpose: lambda: scnn.Transpose(mod.dim0, mod.dim1),
            m.Select: lambda: scnn.Select(mod.dim, mod.index),
            m.Mean: lambda: scnn.Mean(mod.dim, mod.keepdim),
            m.Chunk: lambda: scnn.Chunk(mod.chunks, mod.dim, index=mod.index),
            m.Split: lambda: scnn.Split(mod.split_size_or_sections, mod.dim, index=mod.index),
            m.ClassToken: lambda: scnn.ClassToken(mod.class_token.shape[-1]),
            m.PositionalEmbedding: lambda: scnn.PositionalEmbedding(*mod.pos_embedding.shape[-2:]),
            m.Scale: lambda: scnn.Scale(*mod.weight.shape),
        }
        if type(mod) in simple:
            made: Module = simple[type(mod)]()
            return made
        if _plain_sequential(mod):
            return Sequential(OrderedDict((name, self.module(child)) for name, child in mod.named_children()))
        leaf = self._leaf(mod)
        if leaf is not None:
            return leaf
        return self._graph(mod)

    def _twin(self, mod: Any) -> type[Module] | None:
        """The ``shapecheck.nn`` class of a ``torch.nn`` layer (same name), None for other modules."""
        from shapecheck.bridge import _modules as m

        name = "MultiheadAttention" if isinstance(mod, m.SelfAttention) else type(mod).__name__
        cls = getattr(scnn, name, None)
        if not type(mod).__module__.startswith(("torch.nn.", "shapecheck.bridge.")) or not isinstance(cls, type):
            return None
        return cls

    def _leaf(self, mod: Any) -> Module | None:
        """A ``torch.nn`` layer as the ``shapecheck.nn`` layer of the same name; None for other modules."""
        cls = self._twin(mod)
        return _einops(mod) if cls is None else self._read(cls, mod)

    def base_layer(self, mod: Any) -> Module | None:
        """For a module whose class extends a ``torch.nn`` layer (``class Conv3DSimple(nn.Conv3d)``), that
        layer as shapecheck's, read from ``mod``'s attributes; None for other modules."""
        for base in type(mod).__mro__[1:]:
            cls = getattr(scnn, base.__name__, None)
            if base.__module__.startswith("torch.nn.") and isinstance(cls, type) and issubclass(cls, Module) and cls not in (Module, Sequential):
                return self._read(cls, mod)
        return None

    def _read(self, cls: type[Module], mod: Any) -> Module:
        """``cls`` built with the arguments ``mod`` keeps as attributes (see ``_SPECIAL`` for the others)."""
        special = _SPECIAL.get(cls.__name__, lambda mod: {})(mod)

        def read(arg: str) -> Any:
            if arg in special:
                value = special[arg]
            elif hasattr(mod, arg):
                value = _bool_of(getattr(mod, arg)) if arg == "bias" else getattr(mod, arg)
            else:
                raise KeyError(arg)
            return self.module(value) if _is_torch_module(value) else value

        layer: Module = cls(**_arguments(cls, read))
        if hasattr(layer, "training"):
            layer.training = bool(mod.training)  # a norm in eval mode uses its running statistics
        return layer

    # -- torch.fx graphs ------------------------------------------------------------------------

    def _graph(self, mod: Any) -> Module:
        import torch.fx

        importer = self

        class _Tracer(torch.fx.Tracer):
            record_stack_traces = True

            def is_leaf_module(self, m: Any, qualname: str) -> bool:
                return importer._is_leaf(m) or bool(super().is_leaf_module(m, qualname))

        try:
            graph = _Tracer().trace(mod)
        except Exception as err:  # control flow on a tensor, an assert, a Python op on a traced value
            what = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            raise TypeError(f"from_torch: torch.fx cannot trace {type(mod).__name__}.forward at {_failed_at(err, mod)}: {what}") from None
        return _GraphImport(self, mod, graph).chain()

    def _is_leaf(self, mod: Any) -> bool:
        from shapecheck.bridge import _modules as m

        return _plain_sequential(mod) or type(mod).__module__ == m.__name__


def _plain_sequential(mod: Any) -> bool:
    """A ``torch.nn.Sequential`` (or a subclass) whose forward is Sequential's own."""
    import torch

    return isinstance(mod, torch.nn.Sequential) and type(mod).forward is torch.nn.Sequential.forward


def _failed_at(err: BaseException, mod: Any) -> str:
    """The ``file:line: statement`` of ``mod``'s source where ``err`` was raised (the deepest frame in
    its class's file, else outside torch and shapecheck)."""
    import torch

    try:
        own = inspect.getsourcefile(type(mod))
    except (TypeError, OSError):
        own = None
    library = (os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(__file__)))
    frames = traceback.extract_tb(err.__traceback__)
    mine = [f for f in frames if f.filename == own] or [f for f in frames if not f.filename.startswith(library)]
    if not mine:
        return f"{type(mod).__name__}.forward"
    frame = mine[-1]
    where = format_location((frame.filename, frame.lineno or 0))
    return f"{where}: {frame.line}" if frame.line else f"{where}"


def _is_torch_module(value: Any) -> bool:
    import torch

    return isinstance(value, torch.nn.Module)


_ACTIVATIONS = {
    "relu": "ReLU",
    "relu_": "ReLU",
    "relu6": "ReLU6",
    "gelu": "GELU",
    "sigmoid": "Sigmoid",
    "sigmoid_": "Sigmoid",
    "tanh": "Tanh",
    "silu": "SiLU",
    "hardswish": "Hardswish",
    "hardsigmoid": "Hardsigmoid",
    "mish": "Mish",
    "elu": "ELU",
    "selu": "SELU",
}
"""``F.relu(x)``, ``torch.sigmoid(x)``, ``x.relu()``: functions and methods without arguments that shape."""

_PASS = {"contiguous", "clone", "detach", "float", "half", "double", "to", "type_as"}
"""Methods that keep the shape."""

_MERGES = {operator.add: "add", operator.iadd: "add", operator.mul: "mul", operator.imul: "mul"}
_SCALAR_OPS = {operator.sub, operator.isub, operator.truediv, operator.itruediv, operator.neg}
_METHODS = {"add": "add", "add_": "add", "mul": "mul", "mul_": "mul"}

_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


class _GraphImport:
    """One fx graph -> a chain: the ops of its tensor nodes, their dominators, then the chain from the output back."""

    def __init__(self, importer: _Importer, mod: Any, graph: Any) -> None:
        self.importer = importer
        self.mod = mod
        self.graph = graph
        self.ops: dict[Any, _Op] = {}
        self.values: dict[Any, Any] = {}  # non-tensor nodes: ints (sizes), tuples of a layer's outputs
        self.emitted: set[Any] = set()
        targets = [n.target for n in graph.nodes if n.op == "call_module"]
        self.repeated = {t for t in targets if targets.count(t) > 1}

    # -- ops --------------------------------------------------------------------------------------

    def where(self, node: Any) -> tuple[str, Location | None]:
        """The line of ``forward()`` that made ``node``: ``resnet.py:42 in forward``."""
        frames = _FRAME.findall(node.meta.get("stack_trace") or "")
        user = [f for f in frames if "/torch/" not in f[0]]
        if not user:  # an input of forward: its def line
            code = getattr(type(self.mod).forward, "__code__", None)
            if code is None:
                return f"{type(self.mod).__name__}.forward", None
            return f"{code.co_filename}:{code.co_firstlineno} in forward", (code.co_filename, code.co_firstlineno)
        file, line, func = user[-1]
        return f"{file}:{line} in {func}", (file, int(line))

    def unsupported(self, node: Any, what: str) -> None:
        self.importer.unsupported.append(_Unsupported(what, self.where(node)[0]))

    def chain(self) -> Sequential:
        import torch

        output = None
        known = len(self.importer.unsupported)
        used = _used(self.graph)
        for node in self.graph.nodes:
            if node not in used:
                continue
            if node.op == "placeholder":
                if str(node.target).startswith("*"):
                    self.unsupported(node, f"forward's {node.target} (a chain has one tensor input)")
                elif self.ops:
                    self.unsupported(node, f"a second input {node.name!r} (a chain has one input)")
                self.ops[node] = _Op("source", name=node.name)
            elif node.op == "output":
                output = node.args[0]
            elif node.op == "get_attr":
                self.values[node] = ("attr", node.target)
            else:
                try:
                    self.op(node, torch)
                except (TypeError, ValueError) as err:
                    self.unsupported(node, f"{_describe(node)}: {err}")
        if len(self.importer.unsupported) > known:
            return Sequential()  # from_torch lists what is unsupported
        if not isinstance(output, torch.fx.Node) or output not in self.ops:
            self.unsupported(self.graph.output_node(), "an output that is not one tensor")
            return Sequential()
        source = next(iter(n for n, op in self.ops.items() if op.kind == "source"))
        self.idom = self.dominators()
        return Sequential(OrderedDict(self.express(output, source)))

    def op(self, node: Any, torch: Any) -> None:
        tensors = [a for a in _flat(node.args) + _flat(list(node.kwargs.values())) if isinstance(a, torch.fx.Node) and a in self.ops]
        name = node.name
        where = self.where(node)[1]
        if node.op == "call_module":
            sub = self.mod.get_submodule(node.target)
            name = node.target if node.target not in self.repeated and "." not in node.target else node.name
            layer = self.importer.module(sub)
            shared = any(True for _ in sub.parameters())
            if shared and node.target in self.repeated:
                raise TypeError("a module with parameters called more than once (shared weights would be counted per call)")
            if isinstance(layer, scnn.TupleModule):
                options = {k: v for k, v in node.kwargs.items() if k in layer.options}
                if isinstance(layer, scnn.MultiheadAttention) and not (len(node.args) >= 3 and node.args[0] is node.args[1] is node.args[2]):
                    raise TypeError("attention on different query, key and value (a chain's attention is self-attention)")
                self.values[node] = ("tuple", layer, (), options, name, where)
                return
            layer.where = where or layer.where
            self.ops[node] = _Op("layer", [node.args[0]], layer, name=name, where=where, shared=shared)
            return
        target = node.target
        fname = target if isinstance(target, str) else getattr(target, "__name__", str(target))
        args = list(node.args)
        kw = dict(node.kwargs)
        if node.op == "call_method" and fname in _PASS or node.op == "call_function" and target is operator.getitem and args[0] in self.values:
            if fname in _PASS:
                self.ops[node] = _Op("alias", [args[0]])
                return
            self.getitem(node, args[0], args[1])
            return
        if fname in ("size",) and node.op == "call_method" or target is getattr:
            self.values[node] = ("size", args[0], args[1] if len(args) > 1 else kw.get("dim"))
            return
        merge = _MERGES.get(target) or (_METHODS.get(fname) if node.op == "call_method" else None)
        if merge is None and target in (torch.add, torch.mul):
            merge = "add" if target is torch.add else "mul"
        if merge is not None:
            if len(tensors) == 1:  # a scalar added or multiplied: the shape is kept
                self.ops[node] = _Op("alias", tensors)
            else:
                self.ops[node] = _Op("merge", tensors, merge=merge, name=name, where=where)
            return
        if target in _SCALAR_OPS and len(tensors) == 1:
            self.ops[node] = _Op("alias", tensors)
            return
        if target in (torch.cat, torch.concat):
            parts = list(args[0])
            dim = args[1] if len(args) > 1 else kw.get("dim", 0)
            if not all(p in self.ops for p in parts):
                raise TypeError("concatenates something other than tensors of the graph")
            self.ops[node] = _Op("merge", parts, merge="cat", dim=dim, name=name, where=where)
            return
        if not tensors:
            raise TypeError("no tensor input")
        x, rest = args[0], args[1:]
        layer = self.layer(node, fname, x, rest, kw, torch)
        if layer is None:
            raise TypeError("not mapped")
        if isinstance(layer, tuple):  # chunk/split: the pieces are layers once indexed
            return
        layer.where = where or layer.where
        self.ops[node] = _Op("layer", [x], layer, name=name, where=where)

    def layer(self, node: Any, fname: str, x: Any, rest: list[Any], kw: dict[str, Any], torch: Any) -> Any:
        """The layer for a function or method call ``fname(x, *rest, **kw)``; None when unknown."""

        def arg(i: int, key: str, default: Any) -> Any:
            return rest[i] if len(rest) > i else kw.get(key, default)

        def sizes() -> list[Any]:
            values = rest[0] if len(rest) == 1 and isinstance(rest[0], (tuple, list)) else rest
            if not values and "shape" in kw:
                values = kw["shape"]
            return [self.size(node, v) for v in values]

        if node.op == "call_function" and node.target is operator.getitem:
            return self.index(x, rest[0])
        if fname in ("flatten",):
            return scnn.Flatten(arg(0, "start_dim", 0), arg(1, "end_dim", -1))
        if fname in ("reshape", "view"):
            return (scnn.View if fname == "view" else scnn.Reshape)(*sizes())
        if fname == "permute":
            return scnn.Permute(*sizes())
        if fname == "transpose":
            return scnn.Transpose(arg(0, "dim0", 0), arg(1, "dim1", 1))
        if fname == "mean":
            return scnn.Mean(arg(0, "dim", None), arg(1, "keepdim", False))
        if fname in ("chunk", "split"):
            self.values[node] = ("pieces", fname, x, arg(0, "chunks" if fname == "chunk" else "split_size_or_sections", None), arg(1, "dim", 0))
            return ()
        if fname in _ACTIVATIONS:
            return getattr(scnn, _ACTIVATIONS[fname])()
        if fname in ("softmax", "log_softmax"):
            return (scnn.Softmax if fname == "softmax" else scnn.LogSoftmax)(arg(0, "dim", None))
        if fname == "dropout":
            return scnn.Dropout(arg(0, "p", 0.5))
        if fname in ("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d"):
            return getattr(scnn, f"AdaptiveAvgPool{fname[-2:]}")(arg(0, "output_size", None))
        return None

    def size(self, node: Any, value: Any) -> Dim:
        """An entry of a reshape: an int, or ``x.size(0)``/``x.shape[0]`` (the input's batch dim)."""
        if isinstance(value, int):
            return value
        info = self.values.get(value)
        if info is not None and info[0] == "size" and info[2] == 0 and self.importer.batch is not None:
            return self.importer.batch
        raise TypeError(f"a size other than an int or x.size(0): {value}")

    def index(self, x: Any, key: Any) -> Module | None:
        """``x[i]``, ``x[:, i]``, ...: one int index among full slices is ``Select``."""
        keys = key if isinstance(key, tuple) else (key,)
        ints = [i for i, k in enumerate(keys) if isinstance(k, int)]
        full = all(isinstance(k, int) or k == slice(None) for k in keys)
        if len(ints) == 1 and full:
            return scnn.Select(ints[0], keys[ints[0]])
        return None

    def getitem(self, node: Any, of: Any, index: Any) -> None:
        info = self.values[of]
        where = self.where(node)[1]
        if info[0] == "tuple":
            _, layer, path, options, name, _ = info
            path = (*path, index)
            names: Any = layer.names({**layer.options, **options})
            for i in path:
                names = names[i]
            if isinstance(names, tuple):
                self.values[node] = ("tuple", layer, path, options, name, where)
                return
            tuple_node = next(n for n in node.all_input_nodes if n in self.values) if path[:-1] == () else None
            source = tuple_node.args[0] if tuple_node is not None else self._tuple_input(of)
            pick = scnn.Pick(layer, *path, **options)
            pick.where = where or pick.where
            self.ops[node] = _Op("layer", [source], pick, name=name, where=where, shared=layer.parameter_count() > 0)
        elif info[0] == "pieces":
            _, fname, x, size, dim = info
            if fname == "chunk":
                piece: Module = scnn.Chunk(size, dim, index=index)
            else:
                piece = scnn.Split(size, dim, index=index)
            self.ops[node] = _Op("layer", [x], piece, name=node.name, where=where)
        elif info[0] == "size":
            self.values[node] = ("size", info[1], index)
        else:
            raise TypeError("indexes something that is not a layer's tuple of outputs")

    def _tuple_input(self, node: Any) -> Any:
        """The tensor input of the layer call whose (nested) tuple ``node`` indexes."""
        while node.op != "call_module":
            node = node.args[0]
        return node.args[0]

    # -- dominators and the chain ------------------------------------------------------------------

    def dominators(self) -> dict[Any, Any]:
        """The immediate dominator of each tensor node: the nearest node every path from the input passes."""
        idom: dict[Any, Any] = {}
        depth: dict[Any, int] = {}
        for node, op in self.ops.items():  # the graph's order is topological
            if op.kind == "source":
                idom[node], depth[node] = None, 0
                continue
            preds = [p for p in op.inputs if p in depth]
            if not preds:
                raise TypeError(f"{node.name} does not depend on the input")
            d = preds[0]
            for p in preds[1:]:
                a, b = d, p
                while a is not b:
                    if depth[a] >= depth[b]:
                        a = idom[a]
                    else:
                        b = idom[b]
                d = a
            idom[node], depth[node] = d, depth[d] + 1
        return idom

    def express(self, node: Any, start: Any) -> list[tuple[str, Module]]:
        """The steps computing ``node`` from ``start`` (which dominates it)."""
        steps: list[tuple[str, Module]] = []
        while node is not start:
            op = self.ops[node]
            if op.kind == "alias":
                node = op.inputs[0]
                continue
            if op.kind == "layer":
                if op.shared and node in self.emitted:
                    self.unsupported(node, f"{op.name} is used by two branches (a chain would count its parameters twice)")
                self.emitted.add(node)
                assert op.layer is not None
                steps.append((op.name, op.layer))
                node = op.inputs[0]
                continue
            base = self.idom[node]
            branches = [_seq(self.express(p, base)) for p in op.inputs]
            merged: Module
            if op.merge == "cat":
                merged = scnn.Concat(*branches, dim=op.dim)
            else:
                merged = (scnn.Add if op.merge == "add" else scnn.Mul)(*branches)
            merged.where = op.where or merged.where
            steps.append((op.name, merged))
            node = base
        steps.reverse()
        return steps


def _used(graph: Any) -> set[Any]:
    """The nodes the output depends on (an unused ``_`` of ``out, _ = ...`` is not converted)."""
    todo = [graph.output_node()]
    seen: set[Any] = set()
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(node.all_input_nodes)
    return seen


def _seq(steps: list[tuple[str, Module]]) -> Module:
    if not steps:
        return scnn.Identity()
    if len(steps) == 1:
        return steps[0][1]
    return Sequential(OrderedDict(steps))


def _flat(values: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(_flat(v))
        else:
            out.append(v)
    return out


def _describe(node: Any) -> str:
    target = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
    kind = {"call_module": "module", "call_function": "function", "call_method": "method"}.get(node.op, node.op)
    return f"{kind} {target}"
