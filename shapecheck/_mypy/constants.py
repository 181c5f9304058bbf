"""Values that are statically known in mypy's AST: literals, tuples, constant arithmetic, Final and Literal names.

Anything else evaluates to :data:`UNKNOWN`. Arithmetic is bounded (no huge powers or repetitions), so a
hostile source cannot make the checker slow.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Final

from mypy.nodes import (
    Expression,
    FloatExpr,
    IntExpr,
    ListExpr,
    OpExpr,
    RefExpr,
    StrExpr,
    TupleExpr,
    UnaryExpr,
    Var,
)
from mypy.types import Instance, LiteralType, NoneType, TupleType, Type, get_proper_type

__all__ = ["UNKNOWN", "Unknown", "constant"]


class Unknown:
    """The value of an expression the plugin cannot know statically."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()

_NAMED: Final = {"builtins.True": True, "builtins.False": False, "builtins.None": None}
_MAX_INT: Final = 1 << 64
_MAX_ITEMS: Final = 64
_BINARY: Final[dict[str, Callable[[object, object], object]]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
}


def constant(expr: Expression) -> object:
    """The value of ``expr`` if it is statically known, else :data:`UNKNOWN`."""
    if isinstance(expr, (IntExpr, StrExpr, FloatExpr)):
        return expr.value
    if isinstance(expr, (TupleExpr, ListExpr)):
        items = [constant(item) for item in expr.items]
        if any(item is UNKNOWN for item in items):
            return UNKNOWN
        return tuple(items) if isinstance(expr, TupleExpr) else items
    if isinstance(expr, UnaryExpr):
        value = constant(expr.expr)
        if _is_number(value) and expr.op in ("-", "+"):
            return -value if expr.op == "-" else +value  # type: ignore[operator]
        return UNKNOWN
    if isinstance(expr, OpExpr):
        return _binary(expr.op, constant(expr.left), constant(expr.right))
    if isinstance(expr, RefExpr):
        if expr.fullname in _NAMED:
            return _NAMED[expr.fullname]
        if isinstance(expr.node, Var):
            return _variable(expr.node)
    return UNKNOWN


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float))


def _binary(op: str, left: object, right: object) -> object:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    if _is_number(left) and _is_number(right):
        if op == "**":
            return _power(left, right)
        fn = _BINARY.get(op)
        if fn is None:
            return UNKNOWN
        try:
            result = fn(left, right)
        except (ArithmeticError, ValueError):
            return UNKNOWN
        return result if not isinstance(result, int) or abs(result) < _MAX_INT else UNKNOWN
    if op == "+" and isinstance(left, tuple) and isinstance(right, tuple) and len(left) + len(right) <= _MAX_ITEMS:
        return left + right
    if op == "+" and isinstance(left, str) and isinstance(right, str) and len(left) + len(right) <= _MAX_ITEMS:
        return left + right
    return UNKNOWN


def _power(base: object, exponent: object) -> object:
    if not isinstance(base, int) or not isinstance(exponent, int) or not 0 <= exponent <= 64:
        return UNKNOWN
    result = base**exponent
    return result if abs(result) < _MAX_INT else UNKNOWN


def _variable(var: Var) -> object:
    """A name's value: a ``Final`` constant, or the single value its ``Literal[...]`` type allows."""
    if var.is_final and var.final_value is not None and not isinstance(var.final_value, complex):
        return var.final_value
    if var.type is None:
        return UNKNOWN
    return _from_type(var.type, var.is_final)


def _from_type(typ: Type, final: bool) -> object:
    t = get_proper_type(typ)
    if isinstance(t, LiteralType):
        return UNKNOWN if t.is_enum_literal() else t.value
    if isinstance(t, NoneType):
        return None
    if isinstance(t, Instance) and final and t.last_known_value is not None:
        return _from_type(t.last_known_value, final)
    if isinstance(t, TupleType):
        items = [_from_type(item, final) for item in t.items]
        return UNKNOWN if any(item is UNKNOWN for item in items) else tuple(items)
    return UNKNOWN
