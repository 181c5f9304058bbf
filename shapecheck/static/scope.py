"""Scopes, control-flow signals and joins for the forward interpreter."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapecheck.dims import Dim, Expr, unknown
from shapecheck.shape import Shape
from shapecheck.static.values import (
    Container,
    DictValue,
    Instance,
    Journal,
    ListValue,
    Mutable,
    Tensor,
    Unknown,
    Value,
)

__all__ = ["Break", "Continue", "Dead", "Return", "Scope", "join", "join_shapes", "merge_heap"]


class Scope:
    """Names bound in a module, class body or function call; ``parent`` is the enclosing scope."""

    __slots__ = ("vars", "parent", "globals", "is_class")

    def __init__(self, parent: Scope | None = None, is_class: bool = False) -> None:
        self.vars: dict[str, Value] = {}
        self.parent = parent
        self.globals: set[str] = set()
        self.is_class = is_class

    def lookup(self, name: str) -> tuple[bool, Value]:
        scope: Scope | None = self
        first = True
        while scope is not None:
            if (first or not scope.is_class) and name in scope.vars:
                return True, scope.vars[name]
            first = False
            scope = scope.parent
        return False, None

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None and scope.parent.parent is not None:
            scope = scope.parent
        return scope


class Return(Exception):
    """``return value`` (or the end of a function: ``None``)."""

    def __init__(self, value: Value) -> None:
        self.value = value


class Break(Exception):
    pass


class Continue(Exception):
    pass


class Dead(Exception):
    """The rest of a block cannot run: every path before it returned or raised."""


def join_shapes(a: Shape, b: Shape) -> Shape:
    """The shape known on both paths: equal dims kept, others unknown; different ranks unknown."""
    if a == b:
        return a
    if a.prefix or b.prefix or len(a) != len(b):
        return Shape.unknown()
    dims: list[Dim] = [x if x == y else unknown() for x, y in zip(a.dims, b.dims)]
    return Shape.of(tuple(dims))


def join(a: Value, b: Value, why: str) -> Value:
    """The value known on both paths of a branch: ``a`` when they agree, else what they share."""
    if a is b:
        return a
    if type(a) is type(b) and isinstance(a, (int, float, str, bool, Expr)) and a == b:
        return a
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return Tensor(join_shapes(a.shape, b.shape), a.dtype if a.dtype == b.dtype else None)
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return tuple(join(x, y, why) for x, y in zip(a, b))
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    return Unknown(why)


@dataclass
class Arm:
    """The state at the end of one arm of a branch: the scope's names and the mutated values."""

    names: dict[str, Value]
    heap: dict[int, tuple[Mutable, object]] = field(default_factory=dict)


def merge_heap(arms: list[Arm], before: dict[int, tuple[Mutable, object]], why: str) -> None:
    """Give every value an arm changed the state the live arms agree on (after each arm was undone)."""
    for key, (value, _) in before.items():
        states = [arm.heap[key][1] if key in arm.heap else value.snapshot() for arm in arms]
        Journal.note(value)
        value.restore(_merge_state(value, states, why))


def _merge_state(value: Mutable, states: list[object], why: str) -> object:
    first = states[0]
    if all(s == first for s in states[1:]):
        return first
    if isinstance(value, (Instance, DictValue)):
        keys: dict[object, None] = {}
        for s in states:
            assert isinstance(s, dict)
            keys.update(dict.fromkeys(s))
        out: dict[object, Value] = {}
        for k in keys:
            vals = [s.get(k, Unknown(why)) for s in states if isinstance(s, dict)]
            v = vals[0]
            for other in vals[1:]:
                v = join(v, other, why)
            out[k] = v
        return out
    if isinstance(value, (ListValue, Container)):
        lists = [s for s in states if isinstance(s, list)]
        if all(len(s) == len(lists[0]) for s in lists):
            merged = []
            for items in zip(*lists):
                v = items[0]
                for other in items[1:]:
                    v = join(v, other, why)
                merged.append(v)
            return merged
        value.exact = False
        return lists[0]
    return first
