"""``torch.nn`` constructors and layer calls in the source, as ``shapecheck.nn`` layers.

``nn.Conv2d(3, 6, 5)`` with known arguments is the ``shapecheck.nn.Conv2d(3, 6, 5)`` the runtime would
build (same class table as the mypy plugin, ``shapecheck.twins``); an unknown argument makes the layer
:class:`Opaque` (its output unknown, silence). A constructor that torch would also reject (a
``ValueError``: ``groups`` not dividing the channels) is a finding at the call. ``nn.Sequential`` of
layers is a checked ``shapecheck.nn.Sequential``; with the file's own modules in it, a container the
interpreter applies item by item.
"""

from __future__ import annotations

import ast
import copy
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from shapecheck import nn
from shapecheck.errors import RuleError, ShapeError
from shapecheck.nn.module import Module as Layer
from shapecheck.shape import Shape
from shapecheck.static.report import Finding, finding_of
from shapecheck.static.values import (
    Container,
    DictValue,
    LayerValue,
    ListValue,
    Opaque,
    Tensor,
    Unknown,
    Value,
)
from shapecheck.trace import building_at
from shapecheck.twins import layer_class

if TYPE_CHECKING:
    from shapecheck.static.interpreter import Interpreter

__all__ = ["call_layer", "construct", "parameter_tensor", "report_chain_error"]

_IGNORED: Final = frozenset({"device", "dtype"})
_CONTAINERS: Final = {
    "torch.nn.ModuleList": "ModuleList",
    "torch.nn.ModuleDict": "ModuleDict",
    "torch.nn.ParameterList": "ParameterList",
    "torch.nn.ParameterDict": "ParameterDict",
}
_PARAMETERS: Final = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
_BUFFERS: Final = frozenset({"torch.nn.Buffer", "torch.nn.parameter.Buffer"})


def construct(interp: Interpreter, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value | None:
    """The value ``name(*args, **kwargs)`` builds, or None when ``name`` is not a ``torch.nn`` module."""
    line = getattr(node, "lineno", 0)
    if name in _CONTAINERS:
        return _container(interp, _CONTAINERS[name], args, line, node)
    if name in _PARAMETERS or name in _BUFFERS:
        data = args[0] if args else kwargs.get("data")
        if isinstance(data, Tensor):
            return Tensor(data.shape, data.dtype, parameter=name in _PARAMETERS)
        return Unknown("a parameter of a shape not known")
    cls = layer_class(name)
    if cls is None:
        return None
    short = name.rsplit(".", 1)[1]
    if cls is nn.Sequential:
        return _sequential(interp, args, kwargs, line, node)
    plain_args: list[object] = []
    plain_kwargs: dict[str, object] = {}
    for key, value in [*((None, a) for a in args), *kwargs.items()]:
        if key in _IGNORED:
            continue
        plain = _plain(value)
        if plain is _NOT_PLAIN:
            return Opaque(short, f"{short}() with an argument not known", line)
        if key is None:
            plain_args.append(plain)
        else:
            plain_kwargs[key] = plain
    try:
        with building_at(interp.where(node), interp.called()):
            layer = cls(*plain_args, **plain_kwargs)
    except ShapeError as err:
        interp.report_error(err, node)
        return Opaque(short, f"{short}() failed", line)
    except (ValueError, TypeError) as err:
        if isinstance(err, TypeError) and (not _binds(cls, plain_args, plain_kwargs) or _typed(plain_args, plain_kwargs)):
            return Opaque(short, f"{short}() with arguments it does not take", line)
        interp.report(Finding(line, getattr(node, "col_offset", 0), str(err)))
        return Opaque(short, f"{short}() rejected its arguments", line)
    except (OverflowError, RecursionError):
        return Opaque(short, f"{short}() with arguments not understood", line)
    interp.layer_nodes[id(layer)] = (layer, node, interp.frames[-1][0] if interp.frames else None)
    return LayerValue(layer, line, short)


def _binds(cls: type[Layer], args: list[object], kwargs: dict[str, object]) -> bool:
    """Whether the arguments fit the constructor's signature (if not, Python itself rejects the call)."""
    try:
        inspect.signature(cls).bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _typed(args: list[object], kwargs: dict[str, object]) -> bool:
    """Whether an argument is a string: a wrong type there is the type checker's to report (a bool
    shapecheck.nn refuses, torch refuses too: ``Linear(3, True)``)."""
    return any(isinstance(v, str) for v in [*args, *kwargs.values()])


class _NotPlain:
    pass


_NOT_PLAIN: Final = _NotPlain()


def _plain(value: Value) -> object:
    """A constructor argument as Python would pass it: constants, tuples, lists, dicts, layers; else not plain."""
    if isinstance(value, LayerValue):
        return value.layer
    if isinstance(value, ListValue):
        items = [_plain(v) for v in value.items]
        return _NOT_PLAIN if not value.exact or any(i is _NOT_PLAIN for i in items) else items
    if isinstance(value, tuple):
        items = [_plain(v) for v in value]
        return _NOT_PLAIN if any(i is _NOT_PLAIN for i in items) else tuple(items)
    if isinstance(value, DictValue):  # a combinator's named branches
        named = {k: _plain(v) for k, v in value.items.items()}
        return _NOT_PLAIN if any(v is _NOT_PLAIN for v in named.values()) else named
    if value is None or type(value) in (int, float, str, bool):
        return value
    return _NOT_PLAIN


def _container(interp: Interpreter, kind: str, args: list[Value], line: int, node: ast.AST) -> Value:
    if not args:
        return Container(kind, [], line)
    source = args[0]
    if isinstance(source, DictValue):
        return Container(kind, [(str(k), v) for k, v in source.items.items()], line)
    items = interp.sequence(source)
    if items is None:
        return interp.unknown(node, f"an {kind} of modules not known")
    return Container(kind, [(str(i), v) for i, v in enumerate(items)], line)


def _sequential(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], line: int, node: ast.AST) -> Value:
    named: list[tuple[str, Value]]
    if len(args) == 1 and isinstance(args[0], DictValue):
        named = [(str(k), v) for k, v in args[0].items.items()]
    else:
        named = [(str(i), v) for i, v in enumerate(args)]
    if kwargs or any(isinstance(v, Unknown) for _, v in named):
        return Container("Sequential", named, line) if not kwargs else Unknown("Sequential() with keywords")
    if not named or not all(isinstance(v, LayerValue) for _, v in named):
        return Container("Sequential", named, line)
    layers = {name: v.layer for name, v in named if isinstance(v, LayerValue)}
    try:
        with building_at(interp.where(node), interp.called()):
            chain = nn.Sequential(layers) if len(args) == 1 and isinstance(args[0], DictValue) else nn.Sequential(*layers.values())
    except ShapeError as err:
        report_chain_error(interp, err, node, layers)
        return Opaque("Sequential", "a Sequential that fails to build", line)
    interp.layer_nodes[id(chain)] = (chain, node, interp.frames[-1][0] if interp.frames else None)
    interp.checked += len(chain.steps)
    if interp.detail and chain.input is not None and not interp.quiet:
        interp.chains.append((chain, line))
    return LayerValue(chain, line, "Sequential")


def report_chain_error(interp: Interpreter, err: ShapeError, node: ast.AST, parts: Mapping[str, Layer]) -> None:
    """A chain's error, at the call that built the failing layer when it is written inside the chain's
    own call (``nn.Sequential(..., nn.Linear(10, 2), ...)``) or earlier in the same function (a
    ``make_layers(cfg)`` loop), else at the chain's call. ``parts`` are the chain's children by name
    (``Sequential`` numbers them after a leading ``Input``)."""
    items = list(parts.items())
    if items and items[0][0] == "0" and isinstance(items[0][1], nn.Input):
        named = {str(i): p for i, (_, p) in enumerate(items[1:])}
    else:
        named = dict(items)
    head, *rest = err.path.split(".") if err.path else [""]
    found, function = _node_of(interp, named.get(head), rest)
    first: int = getattr(node, "lineno", 0)
    last: int = getattr(node, "end_lineno", None) or first
    here = interp.frames[-1][0] if interp.frames else None
    if found is not None and (first <= getattr(found, "lineno", 0) <= last or here is not None and function is here):
        node = found
    interp.report_error(err, node)


def _node_of(interp: Interpreter, layer: Layer | None, path: list[str]) -> tuple[ast.AST | None, object]:
    """The call that built the deepest layer along ``path`` below ``layer``, and the function it ran in."""
    best: tuple[ast.AST | None, object] = (None, None)
    if layer is not None and id(layer) in interp.layer_nodes:
        best = interp.layer_nodes[id(layer)][1:]
    for name in path:
        if layer is None:
            break
        layer = dict(layer.children()).get(name)
        if layer is not None and id(layer) in interp.layer_nodes:
            best = interp.layer_nodes[id(layer)][1:]
    return best


def call_layer(interp: Interpreter, fn: LayerValue, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    """``layer(x, ...)``: the layer's rule on its input tensor (the query of an attention)."""
    layer = fn.layer
    if isinstance(layer, (nn.MultiheadAttention, nn.Bilinear, nn.TransformerDecoderLayer)):
        from shapecheck.static.multi_input import call_several

        several = call_several(interp, fn, args, kwargs, node)
        if several is not None:
            return several
    if any(isinstance(a, Unknown) for a in args[:1]):
        return args[0]
    if not args:
        key = next(iter(kwargs), None)
        args = [kwargs[key]] if key is not None else []
        if not args:
            return interp.unknown(node, f"{fn.torch_name} called without an input")
    x = args[0]
    if getattr(layer, "return_indices", False):
        return _with_indices(interp, fn, x, node)
    out = interp.apply_layer(fn, x, node, kwargs)
    if isinstance(layer, (nn.RNN, nn.LSTM, nn.GRU)) and (len(args) > 1 or "hx" in kwargs):
        _check_states(interp, fn, args[1] if len(args) > 1 else kwargs["hx"], out, node)
    return out


def _with_indices(interp: Interpreter, fn: LayerValue, x: Value, node: ast.AST) -> Value:
    """``self.pool(x)`` of a max pool built with ``return_indices=True``: ``(output, indices)``, both
    of the output's shape (in a chain the tuple cannot feed the next layer; called, it is unpacked)."""
    twin = copy.copy(fn.layer)
    twin.return_indices = False  # type: ignore[attr-defined]
    value = LayerValue(twin, fn.line, fn.torch_name)
    value.parent, value.name = fn.parent, fn.name
    y = interp.apply_layer(value, x, node)
    return (y, Tensor(y.shape, "long")) if isinstance(y, Tensor) else y


def _check_states(interp: Interpreter, fn: LayerValue, hx: Value, out: Value, node: ast.AST) -> None:
    """``rnn(x, h_0)``, ``lstm(x, (h_0, c_0))``: each initial state has the shape of the final one the
    layer returns (``h_n``, ``c_n``: ``(D*num_layers, N, H_out)``)."""
    from shapecheck.static.interpreter import Failed

    final = out[1] if isinstance(out, tuple) and len(out) == 2 else None
    states = hx if isinstance(hx, tuple) else (hx,)
    finals = final if isinstance(final, tuple) else (final,)
    if len(states) != len(finals):
        return
    for name, given, want in zip(("h_0", "c_0"), states, finals):
        if not isinstance(given, Tensor) or not isinstance(want, Tensor) or given.shape.prefix or want.shape.prefix:
            continue
        problem = f"{fn.torch_name} expects the initial state {name} of shape {want.shape}, got {given.shape}"
        try:
            if len(given.shape) != len(want.shape):
                raise RuleError(problem, expected=len(want.shape), actual=len(given.shape), kind="rank")
            for i, (d, w) in enumerate(zip(given.shape.dims, want.shape.dims)):
                interp.solver.equal(d, w, problem, index=i)
        except RuleError as err:
            interp.report_error(interp.tracer.locate(err, fn.layer, given.shape, fn.path()), node, fn.parent is not None)
            raise Failed() from None


def parameter_tensor(layer: Layer, name: str) -> Tensor | None:
    """``layer.weight``, ``layer.bias``, ``bn.running_mean``: the layer's own parameter (or buffer) ``name`` as a
    tensor of the shape the layer gives it (:meth:`~shapecheck.nn.Module.parameter_shapes`), else None."""
    shape = layer.parameter_shapes().get(name)
    if shape is not None:
        return Tensor(Shape(shape), "float", parameter=True)
    shape = layer.buffer_shapes().get(name)
    if shape is None:
        return None
    return Tensor(Shape(shape), "long" if name == "num_batches_tracked" else "float")
