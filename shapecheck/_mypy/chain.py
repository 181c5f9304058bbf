"""From layer calls in mypy's AST to real ``shapecheck.nn`` objects, and from their errors back to AST nodes.

The plugin never re-implements a shape rule: a call such as ``nn.Conv2d(3, 64, 3)`` whose arguments
are statically known is turned into the same ``shapecheck.nn.Conv2d(3, 64, 3)`` the runtime would
build, a ``Sequential(...)`` into a real ``shapecheck.nn.Sequential``, and the ``ShapeError`` it raises
is placed on the node of the layer it names. A part that cannot be known (computed arguments,
``*layers``, a call mypy itself rejects, a layer shapecheck does not know yet, a part that fails on
its own) becomes an :class:`Opaque` layer: its output is unknown and the chain stays silent after it.

Each call reports only its own failure; a chain containing a failing call treats it as opaque, so one
mistake is reported once, by the innermost call it belongs to.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    ARG_STAR,
    CallExpr,
    Context,
    DictExpr,
    Expression,
    ListExpr,
    MemberExpr,
    NameExpr,
    RefExpr,
    StrExpr,
    TupleExpr,
)

from shapecheck import nn
from shapecheck.checker import Checker
from shapecheck.errors import ShapeError
from shapecheck.shape import Shape
from shapecheck.twins import layer_class
from shapecheck._mypy.constants import UNKNOWN, constant

__all__ = ["Finding", "Opaque", "check_call", "check_with_input", "layer_class"]

_IGNORED: Final = frozenset({"device", "dtype"})  # accepted and ignored by every layer: unknown is fine
_MAPPINGS: Final = frozenset({"collections.OrderedDict", "typing.OrderedDict", "builtins.dict"})
_COMBINATORS: Final = (nn.Add, nn.Mul, nn.Concat)  # take their branches as layers or as one mapping, as Sequential


class Opaque(nn.Module):
    """A part of a chain whose output cannot be known statically: the checker stays silent after it."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def infer(self, x: Shape, check: Checker) -> Shape:
        return Shape.unknown()

    def __repr__(self) -> str:
        return f"{self.name}(?)"


_SIGNATURES: dict[type[nn.Module], inspect.Signature] = {}


def _signature(cls: type[nn.Module]) -> inspect.Signature:
    if cls not in _SIGNATURES:
        _SIGNATURES[cls] = inspect.signature(cls)
    return _SIGNATURES[cls]


@dataclass
class Finding:
    """One error to report: where, the message, and the notes that explain it."""

    node: Context
    message: str
    notes: list[str] = field(default_factory=list)
    wrong_type: bool = False  # a constructor's TypeError: mypy may have reported the argument already


class _Invalid(Exception):
    """A layer's constructor rejected its (statically known) arguments."""

    def __init__(self, err: TypeError | ValueError) -> None:
        super().__init__(str(err))
        self.wrong_type = isinstance(err, TypeError)


class _Builder:
    """Builds modules from call expressions and remembers which node each module came from."""

    def __init__(self) -> None:
        self.nodes: dict[int, Expression] = {}
        self.chains: dict[int, list[object]] = {}  # the parts each Sequential call was built from
        self._keep: list[object] = []  # keeps the ids above valid

    def build(self, call: CallExpr, cls: type[nn.Module]) -> nn.Module:
        """The module ``call`` constructs; raises ShapeError or _Invalid when construction fails."""
        args = self._arguments(call, cls)
        if args is None:
            module: nn.Module = Opaque(cls.__name__)
        else:
            positional, keywords = args
            try:
                _signature(cls).bind(*positional, **keywords)
            except TypeError:  # wrong arity or names: mypy reports the call itself
                module = Opaque(cls.__name__)
            else:
                try:
                    module = cls(*positional, **keywords)
                except ShapeError:
                    raise
                except (TypeError, ValueError) as err:
                    given = [*positional, *keywords.values()]
                    if any(isinstance(v, Opaque) for v in [*given, *(p for m in given if isinstance(m, Mapping) for p in m.values())]):
                        module = Opaque(cls.__name__)  # it may be a part we could not build: stay silent
                    else:
                        raise _Invalid(err) from None
        self.nodes[id(module)] = call
        self._keep.append(module)
        return module

    def part(self, expr: Expression) -> nn.Module:
        """A module for ``expr`` as a part of a chain: opaque when unknown or when it fails on its own."""
        cls = _callee_class(expr)
        if cls is None or not isinstance(expr, CallExpr):
            return Opaque(_describe(expr))
        try:
            return self.build(expr, cls)
        except (ShapeError, _Invalid):
            return Opaque(cls.__name__)

    def _arguments(self, call: CallExpr, cls: type[nn.Module]) -> tuple[list[object], dict[str, object]] | None:
        if cls is nn.Sequential:
            return self._sequential_arguments(call)
        positional: list[object] = []
        keywords: dict[str, object] = {}
        for expr, kind, name in zip(call.args, call.arg_kinds, call.arg_names):
            named = self._named_parts(expr) if issubclass(cls, _COMBINATORS) and kind == ARG_POS else None
            value: object = named if named is not None else self.part(expr) if _callee_class(expr) is not None else constant(expr)
            if value is UNKNOWN and kind == ARG_NAMED and name in _IGNORED:
                continue
            if value is UNKNOWN or kind not in (ARG_POS, ARG_NAMED):
                return None
            if kind == ARG_NAMED and name is not None:
                keywords[name] = value
            else:
                positional.append(value)
        return positional, keywords

    def _sequential_arguments(self, call: CallExpr) -> tuple[list[object], dict[str, object]] | None:
        if any(kind not in (ARG_POS, ARG_STAR) for kind in call.arg_kinds):
            return None  # keywords: not a valid Sequential call, and mypy says so
        items: list[object] = []
        if len(call.args) == 1 and call.arg_kinds[0] == ARG_POS:
            named = self._named_parts(call.args[0])
            if named is not None:
                items.append(named)
        if not items:
            items.extend(
                self.part(expr) if kind == ARG_POS else Opaque("*" + _describe(expr))
                for expr, kind in zip(call.args, call.arg_kinds)
            )
        self.chains[id(call)] = items
        self._keep.append(call)
        return items, {}

    def _named_parts(self, expr: Expression) -> Mapping[str, nn.Module] | None:
        """``OrderedDict([("conv", Conv2d(...)), ...])`` or ``{"conv": Conv2d(...)}``: named parts, else None."""
        pairs: list[tuple[Expression | None, Expression]] = []
        if isinstance(expr, DictExpr):
            pairs = list(expr.items)
        elif isinstance(expr, CallExpr) and isinstance(expr.callee, RefExpr) and expr.callee.fullname in _MAPPINGS:
            if not expr.args:
                return {}
            if len(expr.args) != 1 or expr.arg_kinds[0] != ARG_POS or not isinstance(expr.args[0], (ListExpr, TupleExpr)):
                return None
            for item in expr.args[0].items:
                if not isinstance(item, TupleExpr) or len(item.items) != 2:
                    return None
                pairs.append((item.items[0], item.items[1]))
        else:
            return None
        named: dict[str, nn.Module] = {}
        for key, value in pairs:
            if not isinstance(key, StrExpr) or key.value in named:
                return None
            named[key.value] = self.part(value)
        return named


def _callee_class(expr: Expression) -> type[nn.Module] | None:
    if isinstance(expr, CallExpr) and isinstance(expr.callee, RefExpr) and expr.callee.fullname:
        return layer_class(expr.callee.fullname)
    return None


def _describe(expr: Expression) -> str:
    if isinstance(expr, CallExpr):
        expr = expr.callee
    return expr.name if isinstance(expr, (NameExpr, MemberExpr)) else "layer"


def check_call(call: CallExpr, fullname: str) -> tuple[Finding | None, nn.Module | None]:
    """The error of constructing the ``shapecheck.nn`` twin of ``call`` (a layer or a chain), or the twin."""
    cls = layer_class(fullname)
    if cls is None:
        return None, None
    builder = _Builder()
    try:
        module = builder.build(call, cls)
    except _Invalid as err:
        return Finding(call, str(err), wrong_type=err.wrong_type), None
    except ShapeError as err:
        return _finding(err, _first_node(builder, call, err.path)), None
    return None, module


def check_with_input(
    call: CallExpr, model_expr: Expression, dims: list[Expression]
) -> tuple[Finding | None, nn.Module | None]:
    """The error of ``Sequential(...).with_input(*dims)``, when the chain alone is fine, or the chain."""
    builder = _Builder()
    model = builder.part(model_expr)
    values = [constant(d) for d in dims]
    if not isinstance(model, nn.Sequential) or any(v is UNKNOWN for v in values):
        return None, None
    try:
        return None, model.with_input(*values)  # type: ignore[arg-type]
    except ShapeError as err:
        return _finding(err, _node_at(builder, model, err.path.split(".")) or call), None
    except (TypeError, ValueError) as err:
        return Finding(call, str(err), wrong_type=isinstance(err, TypeError)), None


def _first_node(builder: _Builder, call: CallExpr, path: str) -> Expression:
    """The node of the layer at ``path`` in the chain ``call`` failed to build.

    The chain object does not exist (its constructor raised), so the first path segment is resolved
    as ``Sequential`` names its children: mapping keys, or positions counted after a leading ``Input``.
    """
    head, *rest = path.split(".")
    items = builder.chains.get(id(call), [])
    parts: dict[str, nn.Module]
    if len(items) == 1 and isinstance(items[0], Mapping):
        parts = dict(items[0])
    else:
        modules = [m for m in items if isinstance(m, nn.Module)]
        if modules and isinstance(modules[0], nn.Input):
            modules = modules[1:]
        parts = {str(i): m for i, m in enumerate(modules)}
    if head not in parts:
        return call
    return _node_at(builder, parts[head], rest) or call


def _node_at(builder: _Builder, module: nn.Module, path: list[str]) -> Expression | None:
    """The node of the deepest module along ``path`` below ``module`` that came from a call in the source."""
    best = builder.nodes.get(id(module))
    for name in path:
        children = dict(module.children())
        if name not in children:
            break
        module = children[name]
        best = builder.nodes.get(id(module), best)
    return best


def _finding(err: ShapeError, node: Context) -> Finding:
    """The error's problem as the message; the layer, expected/actual, derivation and fixes as notes."""
    lines = err.message(with_location=False).splitlines()
    notes = [f"in {err.header()}"] if err.header() else []
    notes.extend(line[2:] if line.startswith("  ") else line for line in lines[2:])
    return Finding(node, err.problem, notes)
