"""The mypy hooks: every layer and chain call is checked by building its ``shapecheck.nn`` twin.

Hooks never raise: an internal failure becomes one ``[shape]`` note naming the plugin bug, the call
keeps its default type and the rest of mypy's run is unaffected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from mypy.errorcodes import ErrorCode
from mypy.nodes import CallExpr, FuncDef, MemberExpr
from mypy.plugin import FunctionContext, MethodContext, Plugin, ReportConfigContext
from mypy.subtypes import is_subtype
from mypy.types import CallableType, Instance, Type, get_proper_type

from shapecheck._mypy.chain import Finding, check_call, check_with_input, layer_class

__all__ = ["SHAPE", "ShapecheckPlugin"]

SHAPE: Final = ErrorCode("shape", "Tensor shapes checked by shapecheck", "shapecheck")

_PREFIXES: Final = ("shapecheck.", "torch.nn.")
_WITH_INPUT: Final = "shapecheck.nn.module.Sequential.with_input"

_Context = FunctionContext | MethodContext


class ShapecheckPlugin(Plugin):
    """Reports shape errors of ``shapecheck.nn`` and ``torch.nn`` layers and chains at the offending call."""

    fingerprint: str = ""

    def report_config_data(self, ctx: ReportConfigContext) -> object:
        return {"shapecheck": self.fingerprint}

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if not fullname.startswith(_PREFIXES):
            return None
        try:
            known = layer_class(fullname) is not None
        except Exception:  # an import-time problem in shapecheck itself: stay out of mypy's way
            return None
        return _guarded(_check_layer(fullname)) if known else None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return _guarded(_check_with_input) if fullname == _WITH_INPUT else None


def _check_layer(fullname: str) -> Callable[[_Context], None]:
    def check(ctx: _Context) -> None:
        if isinstance(ctx.context, CallExpr):
            _report(ctx, check_call(ctx.context, fullname))

    return check


def _mypy_rejects_arguments(ctx: _Context, call: CallExpr) -> bool:
    """Whether mypy already reported an argument of ``call`` as having the wrong type (say it once)."""
    formals = _formal_types(ctx, call)
    if formals is None:
        return False
    return any(not is_subtype(actual, formal) for formal, actuals in zip(formals, ctx.arg_types) for actual in actuals)


def _formal_types(ctx: _Context, call: CallExpr) -> list[Type] | None:
    """The declared parameter types of the called constructor or method (``self`` left out)."""
    if isinstance(ctx, MethodContext):
        info = ctx.type.type if isinstance(ctx.type, Instance) else None
        method = info.get_method(call.callee.name) if info and isinstance(call.callee, MemberExpr) else None
        signature = get_proper_type(method.type) if isinstance(method, FuncDef) and method.type else None
        return signature.arg_types[1:] if isinstance(signature, CallableType) else None
    callee = get_proper_type(ctx.api.get_expression_type(call.callee))
    return callee.arg_types if isinstance(callee, CallableType) else None


def _check_with_input(ctx: _Context) -> None:
    call = ctx.context
    if isinstance(call, CallExpr) and isinstance(call.callee, MemberExpr) and isinstance(call.callee.expr, CallExpr):
        _report(ctx, check_with_input(call, call.callee.expr, call.args))


def _report(ctx: _Context, finding: Finding | None) -> None:
    if finding is None:
        return
    if finding.wrong_type and isinstance(ctx.context, CallExpr) and _mypy_rejects_arguments(ctx, ctx.context):
        return
    error = ctx.api.fail(finding.message, finding.node, code=SHAPE)
    for note in finding.notes:
        ctx.api.msg.note(note, finding.node, code=SHAPE, parent_error=error)


def _guarded(check: Callable[[_Context], None]) -> Callable[[_Context], Type]:
    """``check`` as a hook that returns mypy's own type and turns any exception into one note."""

    def hook(ctx: _Context) -> Type:
        try:
            check(ctx)
        except Exception as exc:
            _bug_note(ctx, exc)
        return ctx.default_return_type

    return hook


def _bug_note(ctx: _Context, exc: Exception) -> None:
    try:
        ctx.api.msg.note(
            f"shapecheck plugin bug, please report it: {type(exc).__name__}: {exc} (this call was not checked)",
            ctx.context,
            code=SHAPE,
        )
    except Exception:
        pass
