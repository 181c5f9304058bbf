"""Calls, attributes, subscripts and iteration on the interpreter's values.

What Python does with classes, instances, functions and containers, over abstract values: a class
defined in the file is instantiated by running its ``__init__`` (a dataclass gets its fields); calling
a torch module instance runs its ``forward``; ``torch.nn`` layers become ``shapecheck.nn`` layers;
names from torch go to the op table; the few builtins model code uses (``range``, ``len``, ``zip``,
``isinstance``, ``getattr``...) are followed; everything else is ``Unknown``, with the reason.
"""

from __future__ import annotations

import ast
import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from shapecheck import nn
from shapecheck.dims import Expr
from shapecheck.errors import ShapeError
from shapecheck.shape import Shape
from shapecheck.static.registry import FUNCTIONS, METHODS
from shapecheck.static.values import (
    ClassValue,
    Container,
    DictValue,
    External,
    LocalModule,
    FunctionValue,
    Instance,
    LayerValue,
    ListValue,
    Named,
    Number,
    Opaque,
    Super,
    Tensor,
    Unknown,
    Value,
    is_module,
    resolve,
    tensor_tuple,
)
from shapecheck.twins import layer_class

if TYPE_CHECKING:
    from shapecheck.static.interpreter import Interpreter

__all__ = ["BUILTINS", "Method", "Range", "attribute", "call", "canonical", "instantiate", "sequence", "short", "subscript"]

_IGNORED_ARGUMENTS: Final = frozenset({"device", "dtype"})
_MODULE_SELF_METHODS: Final = frozenset(
    {"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "eval", "train", "requires_grad_", "apply", "type", "share_memory"}
)
_MODULE_NONE_METHODS: Final = frozenset({"zero_grad", "reset_parameters", "_reset_parameters", "init_weights", "_init_weights", "extra_repr"})
_TORCH_MODULE_NAMES: Final = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})


@dataclass(eq=False)
class Method:
    """``obj.name`` for a method the interpreter implements itself (a tensor's, a list's, a module's)."""

    obj: Value
    name: str


@dataclass(eq=False)
class Partial:
    """``functools.partial(fn, *args, **kwargs)``."""

    fn: Value
    args: tuple[Value, ...]
    kwargs: dict[str, Value]


@dataclass(eq=False)
class RecordType:
    """``collections.namedtuple(name, fields)``: calling it makes a :class:`Record`."""

    name: str
    fields: tuple[str, ...]


@dataclass(eq=False)
class Record:
    """An instance of a named tuple: a tuple whose items are also attributes."""

    kind: RecordType
    items: tuple[Value, ...]


@dataclass(eq=False)
class Range:
    """``range(start, stop, step)`` with known ints."""

    start: int
    stop: int
    step: int

    def items(self) -> list[Value]:
        return list(range(self.start, self.stop, self.step))


# -- attributes ---------------------------------------------------------------------------------
def attribute(interp: Interpreter, obj: Value, name: str, node: ast.AST) -> Value:
    obj = resolve(obj)
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, External):
        return _external_attribute(obj, name)
    if isinstance(obj, LocalModule):
        return obj.attribute(name)
    if isinstance(obj, Instance):
        return _instance_attribute(interp, obj, name, node)
    if isinstance(obj, Tensor):
        return _tensor_attribute(interp, obj, name, node)
    if isinstance(obj, LayerValue):
        return _layer_attribute(interp, obj, name, node)
    if isinstance(obj, ClassValue):
        found = obj.lookup(name)
        if found is not None:
            value = found[0]
            if isinstance(value, FunctionValue) and value.is_classmethod:
                return value.bind(obj)
            return value
        return Unknown(f"{obj.name}.{name} not found")
    if isinstance(obj, Super):
        return _super_attribute(obj, name)
    if isinstance(obj, Container) and obj.exact and any(key == name for key, _ in obj.items):
        return _container_item(obj, name)  # ModuleDict(wte=...).wte
    if isinstance(obj, tuple) and name in ("values", "indices") and len(obj) == 2 and all(isinstance(t, Tensor) for t in obj):
        return obj[name == "indices"]  # torch.return_types of topk, max, sort: (values, indices)
    if isinstance(obj, (ListValue, DictValue, Container, str, tuple)):
        return Method(obj, name)
    if isinstance(obj, Opaque):
        return Unknown(obj.reason)
    if isinstance(obj, Record):
        return obj.items[obj.kind.fields.index(name)] if name in obj.kind.fields else Method(tuple(obj.items), name)
    return Unknown(f"attribute {name} of a value not followed")


def _external_attribute(obj: External, name: str) -> Value:
    full = f"{obj.name}.{name}"
    if full in ("math.pi", "torch.pi", "numpy.pi", "np.pi"):
        return math.pi
    if full in ("math.e", "torch.e"):
        return math.e
    if full in ("math.inf", "torch.inf", "float.inf"):
        return math.inf
    return obj.attribute(name)


def _instance_attribute(interp: Interpreter, obj: Instance, name: str, node: ast.AST) -> Value:
    if name in obj.attrs:
        return obj.attrs[name]
    found = obj.cls.lookup(name)
    if found is not None:
        value = found[0]
        if isinstance(value, FunctionValue):
            if value.is_static:
                return value
            bound = value.bind(obj)
            return interp.call_function(bound, [], {}, node) if value.is_property else bound
        return value
    if obj.base is not None:
        return _layer_attribute(interp, obj.base, name, node)
    if obj.cls.container_kind is not None and name in _CONTAINER_METHODS:
        return Method(obj, name)
    if obj.cls.is_module:
        if name == "training":
            return True  # torch builds every module in training mode; .eval() sets it False
        if name in _MODULE_SELF_METHODS or name in _MODULE_NONE_METHODS or name in _MODULE_METHODS:
            return Method(obj, name)
    if name == "__class__":
        return obj.cls
    return Unknown(f"{obj.cls.name}.{name} is not set")


def _super_attribute(obj: Super, name: str) -> Value:
    mro = obj.cls.mro()
    owner_seen = False
    full = obj.obj.cls.mro() if isinstance(obj.obj, Instance) else mro
    for cls in full:
        if cls is obj.cls:
            owner_seen = True
            continue
        if owner_seen and name in cls.namespace:
            value = cls.namespace[name]
            return value.bind(obj.obj) if isinstance(value, FunctionValue) and not value.is_static else value
    if name == "__init__":
        return Method(obj.obj, "__base_init__")
    if name == "forward":
        return Unknown("super().forward() of a torch class")
    return Method(obj.obj, name) if isinstance(obj.obj, Instance) else Unknown(f"super().{name}")


def _tensor_attribute(interp: Interpreter, obj: Tensor, name: str, node: ast.AST) -> Value:
    shape = obj.shape
    if name == "shape":
        return _dims_tuple(shape)
    if name == "ndim":
        return Unknown("the rank of a tensor of unknown rank", True) if shape.prefix else len(shape)
    if name in ("T", "H"):  # every dim reversed (t() for a matrix)
        if shape.prefix:
            return interp.unknown(node, f"x.{name} of a tensor of unknown rank")
        return interp.call(Method(obj, "permute"), [*range(len(shape) - 1, -1, -1)], {}, node) if len(shape) > 2 else interp.call(Method(obj, "t"), [], {}, node)
    if name in ("mT", "mH"):
        return interp.call(Method(obj, "transpose"), [-2, -1], {}, node)
    if name in ("data", "detach_"):
        return obj
    if name == "dtype":
        return External(f"torch.{obj.dtype}") if obj.dtype else Unknown("dtype")
    if name in ("device", "is_cuda", "requires_grad", "grad", "layout"):
        return Unknown(f"tensor.{name}")
    return Method(obj, name)


_QUERIES: Final = frozenset({"contract", "parameter_count", "buffer_count", "parameter_shapes", "buffer_shapes"})
"""A shapecheck layer's methods that tell about it (no tensor comes back): their results are simply not known."""


def _dims_tuple(shape: Shape) -> Value:
    if shape.prefix:
        return Unknown("the shape of a tensor of unknown rank", True, of_shape=shape)
    return tuple(shape.dims)


def _layer_attribute(interp: Interpreter, obj: LayerValue, name: str, node: ast.AST) -> Value:
    layer = obj.layer
    tensor = obj.parameter(name)
    if tensor is not None:
        return tensor
    if name == "with_input" and isinstance(layer, nn.Sequential) or name in _QUERIES:
        return Method(obj, name)
    value = getattr(layer, name, None)
    if isinstance(value, Shape):
        return Unknown("a shape of unknown rank") if value.prefix else tuple(value.dims)
    if isinstance(value, list) and all(type(v) in (int, str, float, bool) for v in value):
        return ListValue(list(value))
    if value is None and name not in vars(layer):
        if isinstance(layer, nn.Sequential):
            for child_name, child in layer.children():
                if child_name == name:
                    return LayerValue(child, obj.line, type(child).__name__)
        known = name in _MODULE_SELF_METHODS | _MODULE_NONE_METHODS | _MODULE_METHODS
        return Method(obj, name) if known else Unknown(f"{obj.torch_name}.{name}")
    if isinstance(value, (int, float, str, bool, tuple)) or value is None:
        return value
    return Unknown(f"{obj.torch_name}.{name}")


# -- subscripts ---------------------------------------------------------------------------------
def subscript(interp: Interpreter, obj: Value, key: Value, node: ast.AST) -> Value:
    obj = resolve(obj)
    if isinstance(obj, Instance) and obj.cls.container_kind is not None and not isinstance(key, Unknown):
        return _container_item(_as_container(obj), key)
    if isinstance(obj, Tensor):
        from shapecheck.static import tensor_ops

        tensor = obj
        return interp.run_op("tensor.__getitem__", node, lambda c: tensor_ops.index(c, tensor, key))
    if isinstance(obj, Unknown):  # a part of a shape of unknown rank (x.shape[-2:]) does not tell the rank
        if obj.of_shape is not None and isinstance(key, int):
            interp.hint_rank(obj.of_shape, key)
        return Unknown(obj.reason, obj.shape_dependent) if obj.of_shape is not None else obj
    if isinstance(key, Unknown):
        return Unknown(key.reason or "an index not known", key.shape_dependent)
    if isinstance(obj, Record):
        obj = obj.items
    if isinstance(obj, tuple) or isinstance(obj, ListValue) and obj.exact:
        items = list(obj) if isinstance(obj, tuple) else obj.items
        if isinstance(key, int) and not isinstance(key, (bool, Expr)):
            return items[key] if -len(items) <= key < len(items) else Unknown("an index out of range")
        if isinstance(key, slice) and _known_slice(key):
            part = items[key]
            return tuple(part) if isinstance(obj, tuple) else ListValue(part)
        return Unknown("an index not known")
    if isinstance(obj, DictValue):
        return obj.items.get(key, Unknown("a dict key not known")) if _hashable(key) else Unknown("a dict key")
    if isinstance(obj, Container):
        return _container_item(obj, key)
    if isinstance(obj, LayerValue) and isinstance(obj.layer, nn.Sequential) and isinstance(key, (int, str)):
        children = obj.layer.children()
        if isinstance(key, str):
            found = [child for name, child in children if name == key]
            return LayerValue(found[0], obj.line, type(found[0]).__name__) if found else Unknown(f"no layer {key!r} in the Sequential")
        if -len(children) <= key < len(children):
            name, child = children[key]
            return LayerValue(child, obj.line, type(child).__name__)
    if isinstance(obj, str) and isinstance(key, (int, slice)):
        try:
            return obj[key]
        except (IndexError, TypeError):
            return Unknown("an index out of range")
    return Unknown("an index into a value not followed")


def _container_item(obj: Container, key: Value) -> Value:
    if not obj.exact:
        return Unknown(f"an item of an {obj.kind} whose length is not known")
    if obj.kind == "ModuleDict" or isinstance(key, str):
        for name, item in obj.items:
            if name == key:
                return item
        return Unknown(f"no module {key!r} in the {obj.kind}")
    if isinstance(key, int) and not isinstance(key, (bool, Expr)):
        if -len(obj.items) <= key < len(obj.items):
            return obj.items[key][1]
        return Unknown("an index out of range")
    if isinstance(key, slice) and _known_slice(key):
        part = Container(obj.kind, [], obj.line)
        part.items = obj.items[key]
        return part
    return Unknown("an index not known")


def _known_slice(key: slice) -> bool:
    return all(p is None or isinstance(p, int) and not isinstance(p, (bool, Expr)) for p in (key.start, key.stop, key.step))


def _hashable(value: Value) -> bool:
    return isinstance(value, (int, str, float, bool)) and not isinstance(value, Expr) or value is None or isinstance(value, tuple)


# -- iteration ----------------------------------------------------------------------------------
def sequence(interp: Interpreter, value: Value) -> list[Value] | None:
    value = resolve(value)
    if isinstance(value, Instance) and value.cls.container_kind is not None:
        value = _as_container(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Record):
        return list(value.items)
    if isinstance(value, ListValue):
        return list(value.items) if value.exact else None
    if isinstance(value, Range):
        return value.items() if abs(value.stop - value.start) // max(abs(value.step), 1) <= 1_000_000 else None
    if isinstance(value, DictValue):
        return list(value.items)
    if isinstance(value, Container):
        if not value.exact:
            return None
        if value.kind == "ModuleDict":
            return [name for name, _ in value.items]
        return [item for _, item in value.items]
    if isinstance(value, LayerValue) and isinstance(value.layer, nn.Sequential):
        return [LayerValue(child, value.line, type(child).__name__) for _, child in value.layer.children()]
    if isinstance(value, str):
        return list(value)
    if isinstance(value, Tensor):
        shape = value.shape
        if not shape.prefix and shape.dims and isinstance(shape.dims[0], int) and shape.dims[0] <= 64:
            return [Tensor(Shape.of(shape.dims[1:]), value.dtype) for _ in range(shape.dims[0])]
    return None


# -- calls --------------------------------------------------------------------------------------
def call(interp: Interpreter, fn: Value, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    fn = resolve(fn)
    if isinstance(fn, FunctionValue):
        return interp.call_function(fn, args, kwargs, node)
    if isinstance(fn, ClassValue):
        return instantiate(interp, fn, args, kwargs, node)
    if isinstance(fn, Instance):
        return _call_instance(interp, fn, args, kwargs, node)
    if isinstance(fn, LayerValue):
        return _call_layer(interp, fn, args, kwargs, node)
    if isinstance(fn, Container):
        return _call_container(interp, fn, args, kwargs, node)
    if isinstance(fn, Opaque):
        interp.gap(fn.line or node, fn.reason)
        return interp.unknown(node, fn.reason)
    if isinstance(fn, Method):
        return _call_method(interp, fn, args, kwargs, node)
    if isinstance(fn, Partial):
        return interp.call(fn.fn, [*fn.args, *args], {**fn.kwargs, **kwargs}, node)
    if isinstance(fn, RecordType):
        values = [*args, *(kwargs[f] for f in fn.fields[len(args) :] if f in kwargs)]
        if len(values) != len(fn.fields):
            return interp.unknown(node, f"{fn.name}() with arguments not understood")
        return Record(fn, tuple(values))
    if isinstance(fn, External):
        return _call_external(interp, fn.name, args, kwargs, node)
    if isinstance(fn, Unknown):
        return interp.lost(fn, node)
    return interp.unknown(node, "a call of a value that is not callable")


def instantiate(interp: Interpreter, cls: ClassValue, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    """``cls(*args, **kwargs)``: an instance with ``__init__`` (or the dataclass fields) run."""
    obj = Instance(cls, getattr(node, "lineno", 0))
    if cls.dataclass_fields is not None and cls.lookup("__init__") is None:
        _dataclass_init(interp, obj, args, kwargs, node)
    else:
        init = cls.lookup("__init__")
        if init is not None and isinstance(init[0], FunctionValue):
            result = interp.call_function(init[0].bind(obj), args, kwargs, node)
            if isinstance(result, Unknown) and "not understood" in result.reason:
                return result
        elif cls.torch_base is not None:
            _base_init(interp, obj, args, kwargs, node)
        elif not cls.is_module and any(not is_module(b) for b in cls.external_bases()):
            return Unknown(f"{cls.name}() derives from {', '.join(cls.external_bases())}")
    post = cls.lookup("__post_init__")
    if post is not None and isinstance(post[0], FunctionValue):
        interp.call_function(post[0].bind(obj), [], {}, node)
    interp.instances.append((obj, getattr(node, "lineno", 0)))
    if interp.entry:
        interp.built_by.setdefault(id(obj), interp.entry)
    return obj


def _dataclass_init(interp: Interpreter, obj: Instance, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> None:
    fields = obj.cls.dataclass_fields or []
    for cls in obj.cls.mro()[1:]:
        if cls.dataclass_fields:
            fields = [*cls.dataclass_fields, *[f for f in fields if f not in cls.dataclass_fields]]
    for i, (name, _) in enumerate(fields):
        if i < len(args):
            value = args[i]
        elif name in kwargs:
            value = kwargs[name]
        else:
            found = obj.cls.lookup(name)
            value = found[0] if found is not None else Unknown(f"{obj.cls.name}.{name} has no default")
        obj.attrs[name] = value


def _call_instance(interp: Interpreter, obj: Instance, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    name = "forward" if obj.cls.is_module else "__call__"
    found = obj.cls.lookup("__call__") if obj.cls.lookup("__call__") is not None else obj.cls.lookup(name)
    if found is None and obj.base is not None:
        return _call_layer(interp, obj.base, args, kwargs, node)
    if found is None and obj.cls.container_kind == "Sequential":
        return _call_container(interp, _as_container(obj), args, kwargs, node)
    if found is None or not isinstance(found[0], FunctionValue):
        return interp.unknown(node, f"{obj.cls.name} has no {name}()")
    return interp.call_function(found[0].bind(obj), args, kwargs, node)


def _call_layer(interp: Interpreter, fn: LayerValue, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    from shapecheck.static.layers import call_layer

    return call_layer(interp, fn, args, kwargs, node)


def _call_container(interp: Interpreter, fn: Container, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if fn.kind != "Sequential":
        return interp.unknown(node, f"{fn.kind} is not callable")
    if len(args) != 1 or kwargs:
        return interp.unknown(node, "a Sequential called with several arguments")
    if not fn.exact:
        return interp.unknown(node, "a Sequential whose layers are not known")
    x = args[0]
    for _, item in fn.items:
        x = interp.call(item, [x], {}, node)
    return x


def _call_method(interp: Interpreter, fn: Method, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    obj, name = fn.obj, fn.name
    if isinstance(obj, Tensor):
        if name in METHODS:
            return interp.call_handler(f"tensor.{name}", METHODS, name, [obj, *args], kwargs, node)
        return interp.unknown(node, f"tensor method {name}() is not followed")
    if isinstance(obj, ListValue):
        return _list_method(interp, obj, name, args, node)
    if isinstance(obj, DictValue):
        return _dict_method(obj, name, args)
    if isinstance(obj, Container):
        return _container_method(interp, obj, name, args, node)
    if isinstance(obj, Instance):
        return _module_method(interp, obj, name, args, kwargs, node)
    if isinstance(obj, LayerValue):
        if name == "with_input" and isinstance(obj.layer, nn.Sequential):
            return _with_input(interp, obj, args, node)
        if isinstance(obj.layer, nn.Sequential) and name in _CHANGES:
            return _container_method(interp, _unfrozen(obj), name, args, node)
        return obj if name in _MODULE_SELF_METHODS else None if name in _MODULE_NONE_METHODS else Unknown(f"{name}()")
    if isinstance(obj, str):
        return _str_method(obj, name, args)
    if isinstance(obj, tuple):
        if name == "index" and args and args[0] in obj:
            return obj.index(args[0])
        if name == "count" and args:
            return obj.count(args[0])
        if name in METHODS and tensor_tuple(obj):
            interp.tuple_for_tensor(obj, node, f"'tuple' object has no attribute '{name}'")
    return interp.unknown(node, f"method {name}() is not followed")


def _with_input(interp: Interpreter, obj: LayerValue, args: list[Value], node: ast.AST) -> Value:
    """``chain.with_input("B", 3, 8, 8)``: the chain checked on that input."""
    from shapecheck.static.layers import report_chain_error

    assert isinstance(obj.layer, nn.Sequential)
    if not all(type(a) in (int, str) for a in args):
        return interp.unknown(node, "with_input() of sizes not known")
    try:
        chain = obj.layer.with_input(*args)  # type: ignore[arg-type]
    except ShapeError as err:
        report_chain_error(interp, err, node, dict(obj.layer.children()))
        return Opaque("Sequential", "a chain that fails on its input", obj.line)
    except (TypeError, ValueError):
        return interp.unknown(node, "with_input() of sizes not understood")
    return LayerValue(chain, obj.line, "Sequential")


def _list_method(interp: Interpreter, obj: ListValue, name: str, args: list[Value], node: ast.AST) -> Value:
    if name == "append" and len(args) == 1:
        obj.touch()
        obj.items.append(args[0])
        return None
    if name == "extend" and len(args) == 1:
        obj.touch()
        obj.items.extend(interp.iterate(args[0], node))
        return None
    if name == "insert" and len(args) == 2 and isinstance(args[0], int):
        obj.touch()
        obj.items.insert(args[0], args[1])
        return None
    if name == "pop" and obj.items and (not args or isinstance(args[0], int)):
        obj.touch()
        return obj.items.pop(*args)  # type: ignore[arg-type]
    if name == "copy":
        return ListValue(list(obj.items))
    if name == "reverse":
        obj.touch()
        obj.items.reverse()
        return None
    if name == "index" and args:
        for i, item in enumerate(obj.items):
            if item == args[0] and type(item) is type(args[0]):
                return i
    obj.exact = obj.exact and name in ("count", "index")
    return Unknown(f"list.{name}()")


def _dict_method(obj: DictValue, name: str, args: list[Value]) -> Value:
    if name == "items":
        return ListValue([(k, v) for k, v in obj.items.items()])
    if name == "keys":
        return ListValue(list(obj.items))
    if name == "values":
        return ListValue(list(obj.items.values()))
    if name == "get" and args and _hashable(args[0]):
        return obj.items.get(args[0], args[1] if len(args) > 1 else None)
    if name in ("pop", "setdefault") and args and _hashable(args[0]):
        obj.touch()
        if name == "pop":
            return obj.items.pop(args[0], args[1] if len(args) > 1 else Unknown("a missing key"))
        return obj.items.setdefault(args[0], args[1] if len(args) > 1 else None)
    if name == "update" and args and isinstance(args[0], DictValue):
        obj.touch()
        obj.items.update(args[0].items)
        return None
    if name == "copy":
        return DictValue(dict(obj.items))
    return Unknown(f"dict.{name}()")


def _container_method(interp: Interpreter, obj: Container, name: str, args: list[Value], node: ast.AST) -> Value:
    if name == "append" and len(args) == 1:
        obj.append(args[0])
        return obj
    if name == "extend" and len(args) == 1:
        for item in interp.iterate(args[0], node):
            obj.append(item)
        return obj
    if name in ("add_module", "register_module") and len(args) == 2 and isinstance(args[0], str):
        obj.touch()
        obj.items = [*obj.items, (args[0], args[1])]
        obj.adopt(args[1], args[0])
        return None
    if name == "insert" and len(args) == 2 and isinstance(args[0], int):
        obj.touch()
        items = [v for _, v in obj.items]
        items.insert(args[0], args[1])
        obj.items = [(str(i), v) for i, v in enumerate(items)]
        return None
    if name in ("children", "values") and obj.exact:
        return ListValue([v for _, v in obj.items])
    if name == "keys" and obj.exact:
        return ListValue([n for n, _ in obj.items])
    if name == "items" and obj.exact:
        return ListValue([(n, v) for n, v in obj.items])
    if name in _MODULE_SELF_METHODS:
        return obj
    if name in _MODULE_NONE_METHODS:
        return None
    if name in _CHANGES:  # it changed in a way not followed: its modules are no longer known
        obj.touch()
        obj.exact = False
    return interp.unknown(node, f"{obj.kind}.{name}() is not followed")


_CHANGES: Final = frozenset({"append", "extend", "insert", "add_module", "register_module"})
"""Methods that change a container in place."""
_CONTAINER_METHODS: Final = frozenset({*_CHANGES, "children", "values", "keys", "items"})


def _as_container(obj: Instance) -> Container:
    """An instance of a container subclass (``class _DenseBlock(nn.ModuleDict)``) seen as its container."""
    view = Container(obj.cls.container_kind or "Sequential", [], obj.line)
    view.items = obj.submodules()
    return view


def _unfrozen(obj: LayerValue) -> Container:
    """A checked chain about to be changed in place, as a container of its layers (the value forwards to it)."""
    if obj.replaced_by is None:
        assert isinstance(obj.layer, nn.Sequential)
        container = Container("Sequential", [(name, LayerValue(child, obj.line, type(child).__name__)) for name, child in obj.layer.children()], obj.line)
        container.parent, container.name = obj.parent, obj.name
        obj.replaced_by = container
    return obj.replaced_by


def _base_init(interp: Interpreter, obj: Instance, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    """``super().__init__(...)`` reaching a torch class: a container's items, or the layer a subclass extends."""
    from shapecheck.static.layers import construct

    base = obj.cls.torch_base
    kind = obj.cls.container_kind
    if kind is not None:
        if len(args) == 1 and isinstance(args[0], DictValue):
            items = [(str(k), v) for k, v in args[0].items.items()]
        else:
            source = sequence(interp, args[0]) if kind != "Sequential" and args else list(args)
            if source is None:
                return interp.unknown(node, f"{kind} of modules not known")
            items = [(str(i), v) for i, v in enumerate(source)]
        for key, value in items:
            obj.set(key, value)
        return None
    if base is not None:
        made = construct(interp, canonical(base), args, kwargs, node)
        if isinstance(made, LayerValue):
            obj.base = made
        elif made is not None:
            return interp.unknown(node, f"{obj.cls.name} extends {short(base)} with arguments not known")
    return None


_MODULE_METHODS: Final = frozenset(
    {"register_buffer", "register_parameter", "add_module", "register_module", "__base_init__", "parameters", "named_parameters", "modules", "children", "named_modules", "named_children", "buffers", "state_dict", "get_submodule", "__setattr__", "__getattr__"}
)


def _module_method(interp: Interpreter, obj: Instance, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if name == "__base_init__":
        return _base_init(interp, obj, args, kwargs, node)
    if obj.cls.container_kind is not None and name in _CONTAINER_METHODS:
        container = _as_container(obj)
        result = _container_method(interp, container, name, args, node)
        for name_, module in container.items:
            if obj.attrs.get(name_) is not module:
                obj.set(name_, module)
        return obj if result is container else result
    if name == "__getattr__" and len(args) == 1:  # DLA's self.__getattr__('level_%d' % i)
        return _instance_attribute(interp, obj, args[0], node) if isinstance(args[0], str) else Unknown("an attribute of a name not known")
    if name in ("register_buffer", "register_parameter", "add_module", "register_module", "__setattr__"):
        key = args[0] if args else kwargs.get("name")
        value = args[1] if len(args) > 1 else kwargs.get("tensor", kwargs.get("param", kwargs.get("module")))
        if isinstance(key, str):
            if name == "register_buffer" and isinstance(value, Tensor):
                obj.buffers.add(key)
            obj.set(key, value)
        else:
            obj.set(_UNNAMED, Unknown(f"{name}() under a name not known"))
        return None
    if name in ("eval", "train"):
        mode = name == "train" and (not args or interp.truth(args[0]) is not False)
        for module in _instances(obj):
            module.set("training", mode)
        return obj
    if name in ("children", "named_children") and not args and not kwargs:
        children = [(key, child) for key, child in obj.submodules() if not isinstance(child, Instance) or child.cls.is_module]
        return ListValue([child if name == "children" else (key, child) for key, child in children])
    if name in _MODULE_SELF_METHODS:
        return obj
    if name in _MODULE_NONE_METHODS:
        return None
    return Unknown(f"{obj.cls.name}.{name}()")


def _instances(root: Instance) -> list[Instance]:
    """``root`` and the instances of the file's module classes below it (what ``.eval()`` reaches)."""
    out: list[Instance] = []
    stack: list[Value] = [root]
    seen: set[int] = set()
    while stack:
        value = resolve(stack.pop())
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, Instance):
            out.append(value)
            stack.extend(v for _, v in value.submodules())
        elif isinstance(value, Container):
            stack.extend(v for _, v in value.items)
    return out


def _str_method(obj: str, name: str, args: list[Value]) -> Value:
    if name in ("lower", "upper", "strip") and not args:
        return getattr(obj, name)()
    if name in ("startswith", "endswith") and args and isinstance(args[0], (str, tuple)):
        return getattr(obj, name)(args[0])
    return Unknown(f"str.{name}()")


def _call_external(interp: Interpreter, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    name = canonical(name)
    builtin = BUILTINS.get(name[len("builtins.") :]) if name.startswith("builtins.") else None
    if builtin is not None:
        return builtin(interp, args, kwargs, node)
    if name in FUNCTIONS:
        return interp.call_handler(name, FUNCTIONS, name, args, kwargs, node)
    from shapecheck.static.layers import construct

    made = construct(interp, name, args, kwargs, node)
    if made is not None:
        return made
    if name in _TORCH_MODULE_NAMES:
        return Unknown("a bare torch.nn.Module()")
    math_fn = _MATH.get(name)
    if math_fn is not None:
        return _math(math_fn, args)
    if name in _PASS_SECOND:
        return args[1] if len(args) > 1 else interp.unknown(node, f"{short(name)}()")
    if name in _FALSE:
        return False
    if name in ("functools.partial", "partial") and args:
        return Partial(args[0], tuple(args[1:]), dict(kwargs))
    if name in ("collections.namedtuple", "typing.NamedTuple") and len(args) >= 2 and isinstance(args[0], str):
        fields = args[1].split() if isinstance(args[1], str) else sequence(interp, args[1])
        if fields is None or not all(isinstance(f, str) for f in fields):
            return interp.unknown(node, "namedtuple() with fields not known")
        return RecordType(args[0], tuple(str(f) for f in fields))
    if name in ("torch._assert",) and args:
        truth = interp.truth(args[0])
        if truth is False:
            return interp.unknown(node, "torch._assert() fails")
        interp.assume(args[0], True)
        return None
    if name in ("dataclasses.field", "field"):
        if "default" in kwargs:
            return kwargs["default"]
        factory = kwargs.get("default_factory")
        return interp.call(factory, [], {}, node) if factory is not None else Unknown("a field without a default")
    if name in ("collections.OrderedDict", "typing.OrderedDict", "OrderedDict"):
        return _dict_of(interp, args, kwargs, node)
    if name in ("copy.deepcopy", "copy.copy") and len(args) == 1 and isinstance(args[0], LayerValue):
        return _copied(interp, args[0])
    from shapecheck.static.prelude import prelude_class

    written = prelude_class(interp, name)
    if written is not None:
        return interp.call(written, args, kwargs, node)
    cls = name.rsplit(".", 1)[-1]
    if name.startswith("torch.nn.") and cls[:1].isupper():  # a torch module the op table lacks: its parameters are not known either
        interp.gap(node, f"unknown call {short(name)}()")
        return Opaque(cls, f"{cls}() not followed", getattr(node, "lineno", 0))
    return interp.unknown(node, f"unknown call {short(name)}()")


def _copied(interp: Interpreter, value: LayerValue) -> LayerValue:
    """``copy.deepcopy(layer)``: a layer of its own, configured alike (its parameters count again)."""
    layer = copy.deepcopy(value.layer)
    if id(value.layer) in interp.layer_nodes:
        interp.layer_nodes[id(layer)] = (layer, *interp.layer_nodes[id(value.layer)][1:])
    return LayerValue(layer, value.line, value.torch_name)


def canonical(name: str) -> str:
    """A dotted name in the form the tables use: ``torch.functional.F`` spellings unified."""
    if name.startswith("torch.nn.modules.") and name.count(".") == 4:
        return "torch.nn." + name.rsplit(".", 1)[1]
    if name.startswith("torch.Tensor."):
        return "tensor." + name[len("torch.Tensor.") :]
    return name


def short(name: str) -> str:
    return name.replace("torch.nn.functional.", "F.")


def _dict_of(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    items: dict[object, Value] = {}
    if args:
        source = args[0]
        if isinstance(source, DictValue):
            items.update(source.items)
        else:
            pairs = sequence(interp, source)
            if pairs is None:
                return Unknown("a dict of pairs not known")
            for pair in pairs:
                parts = sequence(interp, pair)
                if parts is None or len(parts) != 2 or not _hashable(parts[0]):
                    return Unknown("a dict of pairs not known")
                items[parts[0]] = parts[1]
    items.update(kwargs)
    return DictValue(items)


_PASS_SECOND: Final = frozenset({"typing.cast", "torch.jit.annotate"})
"""Functions that return their second argument unchanged."""
_FALSE: Final = frozenset({"torch.jit.is_scripting", "torch.jit.is_tracing", "torch.onnx.is_in_onnx_export", "torch._C._get_tracing_state"})
"""Functions that are False when a model runs eagerly, as the interpreter models it."""

_MATH: Final[dict[str, Callable[..., Any]]] = {
    "math.sqrt": math.sqrt,
    "math.ceil": math.ceil,
    "math.floor": math.floor,
    "math.log": math.log,
    "math.log2": math.log2,
    "math.log10": math.log10,
    "math.exp": math.exp,
    "math.pow": math.pow,
    "math.gcd": math.gcd,
    "math.prod": math.prod,
    "math.isqrt": math.isqrt,
    "math.fabs": math.fabs,
    "numpy.sqrt": math.sqrt,
    "numpy.prod": math.prod,
}


def _math(fn: Callable[..., Any], args: list[Value]) -> Value:
    plain: list[Any] = []
    for a in args:
        if isinstance(a, ListValue):
            a = tuple(a.items)
        if isinstance(a, tuple) and all(isinstance(v, (int, float)) and not isinstance(v, Expr) for v in a):
            plain.append(a)
        elif isinstance(a, (int, float)) and not isinstance(a, Expr):
            plain.append(a)
        else:
            return Unknown("math on a value not known")
    try:
        return fn(*plain)
    except (ValueError, TypeError, OverflowError):
        return Unknown("math Python would reject")


# -- builtins -----------------------------------------------------------------------------------
Builtin = Callable[["Interpreter", list[Value], dict[str, Value], ast.AST], Value]


def _range(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if not 1 <= len(args) <= 3 or not all(isinstance(a, int) and not isinstance(a, (bool, Expr)) for a in args):
        return Unknown("range() of sizes not known", any(isinstance(a, Expr) for a in args))
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (args[0], args[1], args[2] if len(args) == 3 else 1)
    if step == 0:
        return Unknown("range() with step 0")
    return Range(int(start), int(stop), int(step))  # type: ignore[call-overload]


def _len(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) != 1:
        return Unknown("len()")
    value = args[0]
    if isinstance(value, Tensor):
        if value.shape.prefix or not value.shape.dims:
            return Unknown("len() of a tensor of unknown rank", True)
        return value.shape.dims[0]
    if isinstance(value, Range):
        return len(range(value.start, value.stop, value.step))
    items = sequence(interp, value)
    return len(items) if items is not None else Unknown("len() of a value not known")


def _int(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) == 1:
        v = args[0]
        if isinstance(v, Expr) or isinstance(v, int) and not isinstance(v, bool):
            return v
        if isinstance(v, (float, bool)):
            return int(v)
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v)
    return Unknown("int() of a value not known")


def _float(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) == 1 and isinstance(args[0], (int, float)) and not isinstance(args[0], Expr):
        return float(args[0])
    if len(args) == 1 and isinstance(args[0], Number):
        return args[0]
    if len(args) == 1 and isinstance(args[0], str):
        try:
            return float(args[0])
        except ValueError:
            pass
    return Unknown("float() of a value not known")


def _bool(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if not args:
        return False
    truth = interp.truth(args[0])
    return Unknown("bool() of a value not known") if truth is None else truth


def _str(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) == 1 and isinstance(args[0], (int, float, str, bool)) and not isinstance(args[0], Expr):
        return str(args[0])
    return Unknown("str() of a value not known")


def _list(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if not args:
        return ListValue()
    items = sequence(interp, args[0])
    return ListValue(items) if items is not None else Unknown("list() of a value not known")


def _tuple(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if not args:
        return ()
    items = sequence(interp, args[0])
    return tuple(items) if items is not None else Unknown("tuple() of a value not known")


def _dict(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    return _dict_of(interp, args, kwargs, node)


def _enumerate(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    items = sequence(interp, args[0]) if args else None
    start = args[1] if len(args) > 1 else kwargs.get("start", 0)
    if items is None or not isinstance(start, int) or isinstance(start, Expr):
        return Unknown("enumerate() of a value not known")
    return ListValue([(start + i, v) for i, v in enumerate(items)])


def _zip(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    lists = [sequence(interp, a) for a in args]
    if any(items is None for items in lists):
        return Unknown("zip() of a value not known")
    return ListValue([tuple(t) for t in zip(*lists)])


def _reversed(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    items = sequence(interp, args[0]) if len(args) == 1 else None
    return ListValue(list(reversed(items))) if items is not None else Unknown("reversed() of a value not known")


def _sorted(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    items = sequence(interp, args[0]) if len(args) == 1 else None
    if items is None or kwargs or not all(isinstance(i, (int, float, str)) and not isinstance(i, Expr) for i in items):
        return Unknown("sorted() of values not known")
    try:
        return ListValue(sorted(items))  # type: ignore[type-var]
    except TypeError:
        return Unknown("sorted() of values of different kinds")


def _extreme(pick: Callable[..., Any]) -> Builtin:
    def run(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
        items = sequence(interp, args[0]) if len(args) == 1 else list(args)
        if items is None or kwargs or not items:
            return Unknown("min() or max() of values not known")
        if all(isinstance(i, (int, float)) and not isinstance(i, Expr) for i in items):
            return pick(items)
        if all(isinstance(i, (int, Expr)) for i in items) and all(i == items[0] for i in items):
            return items[0]
        return Unknown("min() or max() of sizes", True)

    return run


def _sum(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    items = sequence(interp, args[0]) if args else None
    total: Value = args[1] if len(args) > 1 else kwargs.get("start", 0)
    if items is None:
        return Unknown("sum() of values not known")
    for item in items:
        if isinstance(item, Tensor) or isinstance(total, Tensor):
            total = interp.binary(ast.Add(), total, item, node)
        elif isinstance(item, (int, float, Expr)) and isinstance(total, (int, float, Expr)):
            total = total + item  # type: ignore[operator]
        else:
            return Unknown("sum() of values not known")
    return total


def _abs(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) == 1 and isinstance(args[0], (int, float)) and not isinstance(args[0], Expr):
        return abs(args[0])
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0]
    return Unknown("abs() of a value not known")


def _round(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if args and isinstance(args[0], (int, float)) and not isinstance(args[0], Expr):
        digits = args[1] if len(args) > 1 else None
        return round(args[0], digits) if isinstance(digits, int) else round(args[0])
    return Unknown("round() of a value not known")


def _isinstance(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) != 2:
        return Unknown("isinstance()")
    value, kinds = args
    options = list(kinds) if isinstance(kinds, tuple) else [kinds]
    answers = [_is_instance(value, k) for k in options]
    if any(a is True for a in answers):
        return True
    if all(a is False for a in answers):
        return False
    return Unknown("isinstance() not known")


def _is_instance(value: Value, kind: Value) -> bool | None:
    if isinstance(value, Unknown):
        return None
    name = kind.name if isinstance(kind, External) else ""
    simple = {"builtins.int": int, "builtins.float": float, "builtins.str": str, "builtins.bool": bool, "builtins.tuple": tuple}
    if name in simple:
        if isinstance(value, Expr):
            return name == "builtins.int"
        if name == "builtins.tuple" and isinstance(value, tuple):
            return True
        return isinstance(value, simple[name]) and not isinstance(value, (Tensor, ListValue))
    if name == "builtins.list":
        return isinstance(value, ListValue)
    if name == "builtins.dict":
        return isinstance(value, DictValue)
    if name in ("torch.Tensor", "torch.nn.Parameter", "torch.nn.parameter.Parameter"):
        return isinstance(value, Tensor) and (name == "torch.Tensor" or value.parameter)
    if isinstance(kind, ClassValue):
        return isinstance(value, Instance) and kind in value.cls.mro()
    if name in _TORCH_MODULE_NAMES:
        return isinstance(value, (Named,)) or (isinstance(value, Instance) and value.cls.is_module)
    if isinstance(kind, External) and layer_class(canonical(name)) is not None:
        if isinstance(value, LayerValue):
            return type(value.layer) is layer_class(canonical(name))
        return False if isinstance(value, (Tensor, Instance, int, float, str, tuple)) else None
    return None


def _getattr(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) not in (2, 3) or not isinstance(args[1], str):
        return Unknown("getattr() of a name not known")
    value = attribute(interp, args[0], args[1], node)
    if isinstance(value, Unknown) and len(args) == 3 and isinstance(args[0], Instance) and "is not set" in value.reason:
        return args[2]
    return value


_UNNAMED: Final = "<set under a name not known>"
"""An instance's attribute standing for those set under names the interpreter does not know
(``setattr(self, name, ...)``, ``self.add_module(f"layer{i}", ...)``): ``hasattr`` is then not known."""


def _hasattr(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    """``hasattr(self, "shortcut")`` of a torch module: whether its ``__init__`` set it (every assignment
    is followed, in both arms of a branch); ``hasattr(F, "scaled_dot_product_attention")``: whether the
    op table has it."""
    if len(args) != 2 or not isinstance(args[1], str):
        return Unknown("hasattr()")
    obj, name = args[0], args[1]
    if isinstance(obj, Instance):
        if name in obj.attrs or obj.cls.lookup(name) is not None:
            return True
        return False if obj.cls.is_module and _UNNAMED not in obj.attrs else Unknown("hasattr()")
    if isinstance(obj, External) and _known_external(canonical(f"{obj.name}.{name}")):
        return True
    return Unknown("hasattr()")


def _known_external(name: str) -> bool:
    return name in FUNCTIONS or layer_class(name) is not None


def _setattr(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) == 3 and isinstance(args[0], Instance) and isinstance(args[1], str):
        args[0].set(args[1], args[2])
    elif len(args) == 3 and isinstance(args[0], Instance):
        args[0].set(_UNNAMED, Unknown("setattr() under a name not known"))
        interp.gap(node, "setattr() with a name not known")
    return None


def _super(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) == 2 and isinstance(args[0], ClassValue):
        return Super(args[0], args[1])
    frame = interp.frames[-1] if interp.frames else None
    if frame is None or frame[0].owner is None:
        return Unknown("super() outside a method")
    fn, scope, _ = frame
    params = [*fn.node.args.posonlyargs, *fn.node.args.args]
    found, self_value = scope.lookup(params[0].arg) if params else (False, None)
    if not found or fn.owner is None:
        return Unknown("super() without self")
    return Super(fn.owner, self_value)


def _any_all(pick: Callable[[list[bool]], bool]) -> Builtin:
    def run(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
        items = sequence(interp, args[0]) if len(args) == 1 else None
        if items is None:
            return Unknown("any() or all() of values not known")
        truths = [interp.truth(i) for i in items]
        if any(t is None for t in truths):
            return Unknown("any() or all() of values not known")
        return pick([bool(t) for t in truths])

    return run


def _map(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) < 2:
        return Unknown("map()")
    lists = [sequence(interp, a) for a in args[1:]]
    if any(items is None for items in lists):
        return Unknown("map() of values not known")
    return ListValue([interp.call(args[0], list(t), {}, node) for t in zip(*lists)])


def _divmod(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    if len(args) == 2 and all(isinstance(a, int) and not isinstance(a, (bool, Expr)) for a in args) and args[1] != 0:
        return divmod(args[0], args[1])  # type: ignore[operator]
    return Unknown("divmod()")


def _none(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    return None


def _opaque(what: str) -> Builtin:
    def run(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
        return Unknown(f"{what}()")

    return run


def _identity(interp: Interpreter, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
    return args[0] if args else Unknown("iter()")


BUILTINS: Final[dict[str, Builtin]] = {
    "range": _range,
    "len": _len,
    "int": _int,
    "float": _float,
    "bool": _bool,
    "str": _str,
    "list": _list,
    "tuple": _tuple,
    "dict": _dict,
    "enumerate": _enumerate,
    "zip": _zip,
    "reversed": _reversed,
    "sorted": _sorted,
    "min": _extreme(min),
    "max": _extreme(max),
    "sum": _sum,
    "abs": _abs,
    "round": _round,
    "isinstance": _isinstance,
    "getattr": _getattr,
    "hasattr": _hasattr,
    "setattr": _setattr,
    "super": _super,
    "any": _any_all(any),
    "all": _any_all(all),
    "map": _map,
    "divmod": _divmod,
    "print": _none,
    "reveal_type": _none,
    "reveal_locals": _none,
    "iter": _identity,
    "type": _opaque("type"),
    "id": _opaque("id"),
    "repr": _opaque("repr"),
    "format": _opaque("format"),
    "callable": _opaque("callable"),
    "hash": _opaque("hash"),
    "object": _opaque("object"),
    "next": _opaque("next"),
    "filter": _opaque("filter"),
    "open": _opaque("open"),
    "set": _opaque("set"),
    "frozenset": _opaque("frozenset"),
    "slice": _opaque("slice"),
    "issubclass": _opaque("issubclass"),
    "vars": _opaque("vars"),
    "ValueError": _none,
    "TypeError": _none,
    "RuntimeError": _none,
    "AssertionError": _none,
    "NotImplementedError": _none,
    "KeyError": _none,
    "IndexError": _none,
    "Exception": _none,
    "staticmethod": _identity,
    "classmethod": _identity,
    "property": _identity,
}
