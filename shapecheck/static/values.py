"""The abstract values of the forward interpreter.

Python's own ``int``, ``float``, ``bool``, ``str``, ``None`` and ``tuple`` stand for themselves; a
dim read off a tensor (``x.size(2)``) is a ``Dim`` (an ``int`` or a symbolic ``Expr``). The classes
here are what the interpreter adds: tensors with a symbolic shape, ``Unknown`` for anything it cannot
know, mutable lists and dicts, names imported from torch and friends (``External``), user functions,
classes and their instances, ``shapecheck.nn`` layers and the torch containers holding modules.

Mutable values (lists, dicts, instances, containers) log their state before a change to the active
:class:`Journal`, so that the two arms of an ``if`` whose condition is unknown can each start from
the same state and be joined afterwards.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard, Union

from shapecheck.shape import Shape

if TYPE_CHECKING:
    from shapecheck.nn.module import Module as Layer

__all__ = [
    "ClassValue",
    "Container",
    "External",
    "FunctionValue",
    "Instance",
    "Journal",
    "LayerValue",
    "ListValue",
    "DictValue",
    "Number",
    "Opaque",
    "Super",
    "Tensor",
    "Unknown",
    "Value",
    "is_module",
    "resolve",
]

Value = object
"""Any abstract value: a Python constant or tuple, a ``Dim``, or one of the classes below."""


class Unknown:
    """A value the interpreter cannot know. ``reason`` says why (shown in the coverage report);
    ``shape_dependent`` marks a truth value that depends on the input's sizes (a branch on it is
    not followed for errors: the branch may never run for the sizes that make it fail)."""

    __slots__ = ("reason", "shape_dependent", "of_shape", "line", "relation", "path")

    def __init__(
        self,
        reason: str = "",
        shape_dependent: bool = False,
        of_shape: Shape | None = None,
        line: int = 0,
        relation: tuple[object, str, object] | None = None,
        path: str = "",
    ) -> None:
        self.reason = reason
        self.shape_dependent = shape_dependent
        self.line = line
        """Where the value became unknown (0: not recorded): a gap is reported there when a model needs it."""
        self.path = path
        """The file of ``line`` (the interpreter can read several)."""
        self.of_shape = of_shape
        self.relation = relation
        """For the truth of a comparison of sizes: ``(left, "==" or "!=", right)``, which an ``assert`` (or a
        branch that raises) tells the interpreter to assume."""
        """The shape of unknown rank whose dims this stands for (``x.shape`` of such a tensor)."""

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class Number(Unknown):
    """A Python number whose value is not known (``x.item()``, ``float()`` of one): with a tensor, a scalar."""

    __slots__ = ()


class Tensor:
    """A tensor: its shape (dims may be symbolic or unknown) and, when known, its dtype kind
    (``"float"``, ``"long"``, ``"bool"``). ``parameter`` marks an ``nn.Parameter``."""

    __slots__ = ("shape", "dtype", "parameter")

    def __init__(self, shape: Shape, dtype: str | None = "float", parameter: bool = False) -> None:
        self.shape = shape
        self.dtype = dtype
        self.parameter = parameter

    def __repr__(self) -> str:
        return f"Tensor{self.shape}"


_births = itertools.count(1)


class Journal:
    """The states of mutable values before their first change while the journal is open (values made
    after it opened are new on that path: they have no state to go back to)."""

    active: Journal | None = None

    def __init__(self) -> None:
        self.before: dict[int, tuple[Mutable, object]] = {}
        self.opened = next(_births)

    @staticmethod
    def note(value: Mutable) -> None:
        journal = Journal.active
        if journal is not None and value.born < journal.opened and id(value) not in journal.before:
            journal.before[id(value)] = (value, value.snapshot())


class Mutable:
    """A value that can change in place; it tells the open :class:`Journal` before each change."""

    born: int

    def __new__(cls, *args: object, **kwargs: object) -> Mutable:
        value = super().__new__(cls)
        value.born = next(_births)
        return value

    def snapshot(self) -> object:
        raise NotImplementedError

    def restore(self, state: object) -> None:
        raise NotImplementedError

    def touch(self) -> None:
        Journal.note(self)


class ListValue(Mutable):
    """A Python list (of abstract values)."""

    def __init__(self, items: list[Value] | None = None) -> None:
        self.items: list[Value] = items if items is not None else []
        self.exact = True
        """False once its length differs between the arms of a branch: its items are not known."""

    def snapshot(self) -> object:
        return list(self.items)

    def restore(self, state: object) -> None:
        assert isinstance(state, list)
        self.items = state

    def __repr__(self) -> str:
        return f"List{self.items}"


class DictValue(Mutable):
    """A Python dict with constant keys."""

    def __init__(self, items: dict[object, Value] | None = None) -> None:
        self.items: dict[object, Value] = items if items is not None else {}

    def snapshot(self) -> object:
        return dict(self.items)

    def restore(self, state: object) -> None:
        assert isinstance(state, dict)
        self.items = state


class Named(Mutable):
    """A module that can sit in a model's tree: it learns its name when assigned to a parent."""

    parent: Named | None = None
    name: str = ""
    line: int = 0

    def adopt(self, child: Value, name: str) -> None:
        if isinstance(child, Named) and child.parent is None and child is not self:
            child.parent = self
            child.name = name

    def path(self) -> str:
        parts: list[str] = []
        node: Named | None = self
        seen: set[int] = set()
        while node is not None and node.parent is not None and id(node) not in seen:
            seen.add(id(node))
            parts.append(node.name)
            node = node.parent
        return ".".join(reversed(parts))

    def modules(self) -> Iterator[tuple[str, Value]]:
        """The child modules, named."""
        return iter(())


@dataclass(eq=False)
class External:
    """A name from outside the file: a module (``torch.nn``) or something in one (``torch.nn.Conv2d``).

    ``name`` is the canonical dotted name; attribute access extends it.
    """

    name: str

    def attribute(self, attr: str) -> External:
        return External(f"{self.name}.{attr}")


@dataclass(eq=False)
class LocalModule:
    """A module of the user's project (``import vgg16``): its names are the file's module scope."""

    name: str
    names: dict[str, Value]

    def attribute(self, attr: str) -> Value:
        return self.names.get(attr, Unknown(f"{self.name}.{attr} is not defined"))


class LayerValue(Named):
    """A ``shapecheck.nn`` layer standing for the ``torch.nn`` layer the source builds."""

    def __init__(self, layer: Layer, line: int, torch_name: str) -> None:
        self.layer = layer
        self.line = line
        self.torch_name = torch_name
        self.parent = None
        self.name = ""
        self.overrides: dict[str, Tensor] = {}
        """Parameters replaced by assignment (``self.head.weight = self.embed.weight``: tied weights)."""
        self._parameters: dict[str, Tensor | None] = {}
        self.replaced_by: Container | None = None
        """The container this chain became when changed in place (``features.add_module(...)``)."""

    def parameter(self, name: str) -> Tensor | None:
        """The layer's parameter ``name`` (``weight``, ``bias``) as a tensor, the same object each time."""
        if name in self.overrides:
            return self.overrides[name]
        if name not in self._parameters:
            from shapecheck.static.layers import parameter_tensor

            self._parameters[name] = parameter_tensor(self.layer, name)
        return self._parameters[name]

    def snapshot(self) -> object:
        return None

    def restore(self, state: object) -> None:
        pass

    def __repr__(self) -> str:
        return repr(self.layer)


class Opaque(Named):
    """A module whose configuration is not known (an argument is unknown): calling it gives ``Unknown``."""

    def __init__(self, what: str, reason: str, line: int) -> None:
        self.what = what
        self.reason = reason
        self.line = line

    def snapshot(self) -> object:
        return None

    def restore(self, state: object) -> None:
        pass

    def __repr__(self) -> str:
        return f"{self.what}(?)"


class Container(Named):
    """``nn.Sequential``, ``nn.ModuleList`` or ``nn.ModuleDict`` of modules (layers, instances, containers)."""

    def __init__(self, kind: str, items: list[tuple[str, Value]], line: int) -> None:
        self.kind = kind
        self.items = items
        self.line = line
        self.exact = True
        for name, item in items:
            self.adopt(item, name)

    def snapshot(self) -> object:
        return list(self.items)

    def restore(self, state: object) -> None:
        assert isinstance(state, list)
        self.items = state

    def modules(self) -> Iterator[tuple[str, Value]]:
        return iter(self.items)

    def append(self, item: Value) -> None:
        self.touch()
        name = str(len(self.items))
        self.items = [*self.items, (name, item)]
        self.adopt(item, name)

    def __repr__(self) -> str:
        return f"{self.kind}({len(self.items)} modules)"


@dataclass(eq=False)
class FunctionValue:
    """A function or method defined in the file, with the scope it closes over; ``bound`` is the
    instance of a bound method, ``owner`` the class that defines it (for ``super()``)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: object  # the defining Scope (see interpreter)
    qualname: str
    bound: Value = None
    owner: ClassValue | None = None
    is_static: bool = False
    is_classmethod: bool = False
    is_property: bool = False
    defaults: list[Value] = field(default_factory=list)
    kw_defaults: list[Value] = field(default_factory=list)

    def bind(self, obj: Value) -> FunctionValue:
        bound = copy.copy(self)
        bound.bound = obj
        return bound


@dataclass(eq=False)
class ClassValue:
    """A class defined in the file: its bases, its namespace, and whether it is a torch module."""

    name: str
    node: ast.ClassDef
    bases: list[Value]
    namespace: dict[str, Value] = field(default_factory=dict)
    dataclass_fields: list[tuple[str, ast.expr | None]] | None = None

    def mro(self) -> list[ClassValue]:
        out: list[ClassValue] = [self]
        for base in self.bases:
            if isinstance(base, ClassValue):
                out.extend(c for c in base.mro() if c not in out)
        return out

    def lookup(self, name: str) -> tuple[Value, ClassValue] | None:
        for cls in self.mro():
            if name in cls.namespace:
                return cls.namespace[name], cls
        return None

    def external_bases(self) -> list[str]:
        names: list[str] = []
        for cls in self.mro():
            names.extend(b.name for b in cls.bases if isinstance(b, External))
        return names

    @property
    def is_module(self) -> bool:
        return any(is_module(name) or name.startswith(("torch.nn.", "shapecheck.nn.")) for name in self.external_bases())

    @property
    def torch_base(self) -> str | None:
        """The ``torch.nn`` class this class extends other than ``Module`` (``torch.nn.Sequential``, ``torch.nn.Conv3d``)."""
        for name in self.external_bases():
            if name.startswith("torch.nn.") and not is_module(name):
                return name
        return None

    @property
    def container_kind(self) -> str | None:
        """``Sequential``, ``ModuleList`` or ``ModuleDict`` when the class extends that container."""
        base = self.torch_base
        kind = base.rsplit(".", 1)[1] if base else None
        return kind if kind in ("Sequential", "ModuleList", "ModuleDict") else None


def tensor_tuple(value: Value) -> TypeGuard[tuple[Value, ...]]:
    """Whether ``value`` is a tuple holding tensors (what a layer with several outputs returns)."""
    return isinstance(value, tuple) and any(isinstance(v, Tensor) or tensor_tuple(v) for v in value)


def is_module(name: str) -> bool:
    """Whether an external class name is ``torch.nn.Module`` (under any of its spellings)."""
    return name in ("torch.nn.Module", "torch.nn.modules.module.Module")


class Instance(Named):
    """An instance of a class defined in the file (a torch module, a config object, ...)."""

    def __init__(self, cls: ClassValue, line: int) -> None:
        self.cls = cls
        self.attrs: dict[str, Value] = {}
        self.buffers: set[str] = set()
        self.line = line
        self.parent = None
        self.name = ""
        self.base: LayerValue | None = None
        """The torch layer a class extending one (``class Conv3DSimple(nn.Conv3d)``) was built as."""

    def snapshot(self) -> object:
        return dict(self.attrs)

    def restore(self, state: object) -> None:
        assert isinstance(state, dict)
        self.attrs = state

    def set(self, name: str, value: Value) -> None:
        self.touch()
        self.attrs[name] = value
        self.adopt(value, name)

    def modules(self) -> Iterator[tuple[str, Value]]:
        return ((k, v) for k, v in self.attrs.items() if isinstance(v, Named) or isinstance(v, Tensor) and v.parameter)

    def submodules(self) -> list[tuple[str, Value]]:
        """The child modules in the order they were registered (a container subclass applies them so)."""
        return [(k, v) for k, v in self.attrs.items() if isinstance(v, (Named, Opaque))]

    def __repr__(self) -> str:
        return f"{self.cls.name}()"


def resolve(value: Value) -> Value:
    """``value``, or the container a chain became when it was changed in place."""
    if isinstance(value, LayerValue) and value.replaced_by is not None:
        return value.replaced_by
    return value


@dataclass(eq=False)
class Super:
    """``super()`` inside a method of ``cls`` bound to ``obj``."""

    cls: ClassValue
    obj: Value


Mutables = Union[ListValue, DictValue, Instance, Container]
