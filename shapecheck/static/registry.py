"""The op table: one handler per ``torch.*`` / ``F.*`` function and per tensor method.

A handler is a Python function whose signature is the op's own (``def max_pool2d(c, input,
kernel_size, stride=None, ...)``): the interpreter binds a call's abstract arguments to it as Python
would, and the handler answers with the result, calling the same rules as ``shapecheck.nn`` (most
build the ``shapecheck.nn`` layer the op stands for and apply it). ``c`` is the :class:`Op` context:
it reads arguments (raising :class:`Unknowable` when a needed one is not known) and applies layers
and rules so that errors are located at the call and derivations follow the data.
"""

from __future__ import annotations

import builtins
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from shapecheck.dims import Dim, Expr, is_unknown
from shapecheck.errors import RuleError
from shapecheck.shape import Shape
from shapecheck.static.values import ListValue, Tensor, Unknown, Value, tensor_tuple

if TYPE_CHECKING:
    import ast

    from shapecheck.nn.module import Module as Layer
    from shapecheck.static.interpreter import Interpreter

__all__ = ["FUNCTIONS", "METHODS", "Op", "Unknowable", "function", "method"]

H = TypeVar("H", bound=Callable[..., Value])
T = TypeVar("T")
L = TypeVar("L", bound="Layer")

FUNCTIONS: dict[str, tuple[Callable[..., Value], inspect.Signature]] = {}
"""Canonical dotted name (``torch.cat``, ``torch.nn.functional.relu``) -> handler."""

METHODS: dict[str, tuple[Callable[..., Value], inspect.Signature]] = {}
"""Tensor method name (``view``) -> handler; its first argument after ``c`` is the tensor."""


def function(*names: str) -> Callable[[H], H]:
    """Register a handler for the functions ``names`` (full dotted names)."""

    def register(handler: H) -> H:
        signature = inspect.signature(handler)
        for name in names:
            FUNCTIONS[name] = (handler, signature)
        return handler

    return register


def method(*names: str) -> Callable[[H], H]:
    """Register a handler for the tensor methods ``names``."""

    def register(handler: H) -> H:
        signature = inspect.signature(handler)
        for name in names:
            METHODS[name] = (handler, signature)
        return handler

    return register


class Unknowable(Exception):
    """A handler cannot know its result (an argument it needs is unknown): the result is ``Unknown``."""

    def __init__(self, reason: str, line: int = 0, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.path = path


class Op:
    """What a handler sees of the call it answers: the interpreter, the call's node and the op's name."""

    __slots__ = ("interp", "node", "name", "first")

    def __init__(self, interp: Interpreter, node: ast.AST, name: str) -> None:
        self.interp = interp
        self.node = node
        self.name = name
        self.first: Tensor | None = None
        """The first tensor the handler read (the op's input, for the derivation of an error)."""

    # -- reading arguments --------------------------------------------------------------------
    def tensor(self, value: Value, what: str = "input") -> Tensor:
        if isinstance(value, Tensor):
            if self.first is None:
                self.first = value
            return value
        if isinstance(value, Unknown):
            raise Unknowable(value.reason or f"{self.name}: {what} unknown", value.line, value.path)
        if tensor_tuple(value):
            self.interp.tuple_for_tensor(value, self.node, f"{self.name.rsplit('.', 1)[-1]}(): the {what} must be a tensor, got a tuple of {len(value)} values")
        raise Unknowable(f"{self.name}: {what} is not a tensor")

    def int(self, value: Value, what: str = "argument") -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Unknowable(f"{self.name}: {what} not known")
        return value

    def dim(self, value: Value, what: str = "size") -> Dim:
        if isinstance(value, Expr) and not is_unknown(value) or isinstance(value, int) and not isinstance(value, bool):
            return value
        raise Unknowable(f"{self.name}: {what} not known")

    def dims(self, values: Sequence[Value] | Value, what: str = "size") -> tuple[Dim, ...]:
        """``f(2, 3)`` or ``f((2, 3))`` / ``f([2, 3])`` / ``f(x.shape)``: the sizes, as torch's ``*size``."""
        items = _sequence(values)
        if len(items) == 1:
            inner = _sequence(items[0]) if isinstance(items[0], (tuple, ListValue)) else None
            if inner is not None:
                items = inner
        return tuple(self.dim(v, what) for v in items)

    def ints(self, values: Sequence[Value] | Value, what: str = "argument") -> tuple[builtins.int, ...]:
        items = _sequence(values)
        if len(items) == 1 and isinstance(items[0], (tuple, ListValue)):
            items = _sequence(items[0])
        return tuple(self.int(v, what) for v in items)

    def constant(self, value: Value, what: str = "argument") -> Any:
        """A known Python constant (int, float, bool, str, None, or a tuple of them)."""
        if isinstance(value, ListValue):
            value = tuple(value.items)
        if value is None or isinstance(value, (int, float, str, bool)) and not isinstance(value, Expr):
            return value
        if isinstance(value, tuple) and all(v is None or isinstance(v, (int, float, str, bool)) and not isinstance(v, Expr) for v in value):
            return value
        raise Unknowable(f"{self.name}: {what} not known")

    # -- results ------------------------------------------------------------------------------
    def build(self, cls: Callable[..., L], *args: Any, **kwargs: Any) -> L:
        """``cls(*args, **kwargs)``: the ``shapecheck.nn`` layer this op stands for. Arguments its
        constructor rejects (a padding over half the kernel) are this call's error: torch's op rejects them."""
        try:
            return cls(*args, **kwargs)
        except ValueError as err:
            self.fail(str(err), self.first)

    def apply(self, layer: Layer, x: Tensor) -> Value:
        """``layer`` (a ``shapecheck.nn`` layer standing for this op) applied to ``x``."""
        return self.interp.apply_op_layer(layer, x, self)

    def result(self, x: Tensor | None, shape: Shape, dtype: str | None = "float", macs: Dim = 0) -> Tensor:
        """A tensor computed by this op from ``x`` (for derivations) with ``shape``."""
        return self.interp.record_op(self, x, shape, dtype, macs)

    def rule(self, x: Tensor | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, a rule or check that may raise ``RuleError``: its error is located
        at this call, with ``x`` (the op's input) for the derivation."""
        try:
            return fn(*args, **kwargs)
        except RuleError as err:
            self.interp.op_failed(self, err, x)
            raise AssertionError("unreachable") from None

    def fail(self, problem: str, x: Tensor | None = None, **details: Any) -> NoReturn:
        """Report ``problem`` (a ``RuleError`` with ``details``) at this call."""
        self.interp.op_failed(self, RuleError(problem, **details), x)
        raise AssertionError("unreachable")

    @property
    def solver(self) -> Any:
        return self.interp.tracer.check


def _sequence(values: Sequence[Value] | Value) -> list[Value]:
    if isinstance(values, ListValue):
        return list(values.items)
    if isinstance(values, (tuple, list)):
        return list(values)
    return [values]
