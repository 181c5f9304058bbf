"""The mypy hooks: every layer and chain call is checked by building its ``shapecheck.nn`` twin.

A checked chain's type carries its shapes (``types``); calling it checks the argument and the
annotation the result must meet (``annotations``) and gives the result the output shape.

Hooks never raise: an internal failure becomes one ``[shape]`` note naming the plugin bug, the call
keeps its default type and the rest of mypy's run is unaffected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from mypy.checker import TypeChecker
from mypy.errorcodes import ErrorCode
from mypy.nodes import ARG_POS, CallExpr, FuncDef, Import, ImportAll, ImportBase, ImportFrom, MemberExpr, MypyFile, TypeInfo
from mypy.options import Options
from mypy.plugin import ClassDefContext, DynamicClassDefContext, FunctionContext, MethodContext, Plugin, ReportConfigContext
from mypy.subtypes import is_subtype
from mypy.types import AnyType, CallableType, Instance, Type, get_proper_type

if TYPE_CHECKING:
    from shapecheck._mypy.chain import Finding

# The rules (shapecheck.nn and the modules below) are imported by the hooks, when mypy first checks
# a call: a run on a warm cache, which checks nothing, pays for the plugin only its own import.

__all__ = ["SHAPE", "ShapecheckPlugin"]

SHAPE: Final = ErrorCode("shape", "Tensor shapes checked by shapecheck", "shapecheck")

_PREFIXES: Final = ("shapecheck.", "torch.nn.")
_WITH_INPUT: Final = "shapecheck.nn.module.Sequential.with_input"
_MODEL_CALLS: Final = frozenset(
    {
        "shapecheck.nn.module.Sequential.__call__",
        "torch.nn.modules.container.Sequential.__call__",
        "torch.nn.Sequential.__call__",  # stubs/
    }
)
_TENSORS: Final = ("torch._tensor.Tensor", "torch.Tensor")

_Context = FunctionContext | MethodContext


class ShapecheckPlugin(Plugin):
    """Reports shape errors of ``shapecheck.nn`` and ``torch.nn`` layers and chains at the offending call.

    A checked chain's type carries its input and output shapes, a call of it checks its argument and
    the annotation its result must meet, and its result carries the output shape (see ``types``).
    """

    fingerprint: str = ""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.torch_seen = False

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        """None; the first module importing torch says once per run when mypy has no types for torch."""
        if not self.torch_seen:
            try:
                self.torch_seen = _note_missing_torch(file, self.options.mypy_path)
            except Exception:  # never in mypy's way
                self.torch_seen = True
        return []

    def report_config_data(self, ctx: ReportConfigContext) -> object:
        return {"shapecheck": self.fingerprint}

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if not fullname.startswith(_PREFIXES):
            return None
        try:
            from shapecheck._mypy.chain import layer_class

            known = layer_class(fullname) is not None
        except Exception:  # an import-time problem in shapecheck itself: stay out of mypy's way
            return None
        return _guarded(_check_layer(fullname)) if known else None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        if fullname == _WITH_INPUT:
            return _guarded(_check_with_input)
        return _guarded(_check_model_call) if fullname in _MODEL_CALLS else None

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        return _interpret_file

    def get_dynamic_class_hook(self, fullname: str) -> Callable[[DynamicClassDefContext], None] | None:
        return _interpret_file


def _interpret_file(ctx: ClassDefContext | DynamicClassDefContext) -> None:
    """A class in a file: the forward interpreter's findings for the whole file (unannotated code too)."""
    try:
        from shapecheck._mypy.interpreted import report_file
        from shapecheck.static.local_imports import installed

        path = getattr(getattr(ctx.api, "cur_mod_node", None), "path", None)
        if isinstance(path, str) and not installed(path):  # torch's own files: read for types, not checked
            report_file(ctx.api, path, SHAPE)
    except Exception as exc:
        try:
            where = ctx.cls if isinstance(ctx, ClassDefContext) else ctx.call
            ctx.api.fail(f"shapecheck plugin bug, please report it: {type(exc).__name__}: {exc} (this file was not checked)", where, serious=True, code=SHAPE)
        except Exception:
            pass


def _note_missing_torch(file: MypyFile, mypy_path: list[str]) -> bool:
    """Whether ``file`` imports torch; if it does and mypy has no types for torch, say so on stderr."""
    line = next((imp.line for imp in file.imports if _imports_torch(imp)), None)
    if line is None:
        return False
    from shapecheck._stubs import torch_visible

    if not torch_visible(mypy_path):
        print(
            f"shapecheck.mypy: {file.path}:{line} imports torch, which is not installed here and has no stubs on "
            "mypy's path: torch.nn calls mypy cannot type go unchecked; add shapecheck's torch stubs: "
            'MYPYPATH="$(shapecheck stubs)" mypy ...',
            file=sys.stderr,
        )
    return True


def _imports_torch(imp: ImportBase) -> bool:
    if isinstance(imp, Import):
        names = [name for name, _ in imp.ids]
    elif isinstance(imp, (ImportFrom, ImportAll)) and not imp.relative:
        names = [imp.id]
    else:
        names = []
    return any(name == "torch" or name.startswith("torch.") for name in names)


def _check_layer(fullname: str) -> Callable[[_Context], Type | None]:
    def check(ctx: _Context) -> Type | None:
        from shapecheck._mypy.chain import check_call
        from shapecheck._mypy.types import model_type

        if not isinstance(ctx.context, CallExpr):
            return None
        finding, module = check_call(ctx.context, fullname)
        _report(ctx, finding)
        return model_type(ctx.default_return_type, module, _str_type(ctx))

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


def _check_with_input(ctx: _Context) -> Type | None:
    from shapecheck._mypy.chain import check_with_input
    from shapecheck._mypy.types import model_type

    call = ctx.context
    if isinstance(call, CallExpr) and isinstance(call.callee, MemberExpr) and isinstance(call.callee.expr, CallExpr):
        finding, module = check_with_input(call, call.callee.expr, call.args)
        _report(ctx, finding)
        return model_type(ctx.default_return_type, module, _str_type(ctx))
    return None


def _check_model_call(ctx: _Context) -> Type | None:
    """``model(x)``: ``x`` against the model's input, the result against its annotation; the result's shape."""
    from shapecheck._mypy.annotations import CallSite
    from shapecheck._mypy.chain import Finding
    from shapecheck._mypy.types import Mismatch, ModelCall, call_result, tensor_pattern

    call, checker = ctx.context, ctx.api
    if not isinstance(ctx, MethodContext) or not isinstance(call, CallExpr) or not isinstance(checker, TypeChecker):
        return None
    if len(call.args) != 1 or call.arg_kinds[0] != ARG_POS:
        return None
    model = ModelCall.of(ctx.type)
    if model is None:
        return None
    site = CallSite.of(checker)
    actuals = [t for types in ctx.arg_types for t in types]
    arg = (tensor_pattern(actuals[0]) if len(actuals) == 1 else None) or site.argument(call.args[0])
    try:
        if arg is not None:
            model.fit(arg)
    except Mismatch as err:
        _report(ctx, Finding(call.args[0], err.message, err.notes))
        return None
    for declared, what, node in site.results(call):
        try:
            model.check_result(declared, site.known(), what)
        except Mismatch as err:
            _report(ctx, Finding(node, err.message, err.notes))
    return call_result(model.output(), _tensor_type(ctx, checker), _str_type(ctx))


def _report(ctx: _Context, finding: Finding | None) -> None:
    if finding is None:
        return
    if finding.wrong_type and isinstance(ctx.context, CallExpr) and _mypy_rejects_arguments(ctx, ctx.context):
        return
    if _interpreted_at(ctx, finding.node.line):
        return
    error = ctx.api.fail(finding.message, finding.node, code=SHAPE)
    for note in finding.notes:
        ctx.api.msg.note(note, finding.node, code=SHAPE, parent_error=error)


def _interpreted_at(ctx: _Context, line: int) -> bool:
    """Whether the interpreter has a finding at ``line`` of this file (it is reported instead: one per line)."""
    from shapecheck._mypy.interpreted import findings_at

    path = getattr(ctx.api, "path", None)
    return isinstance(path, str) and bool(findings_at(path, line))


def _report_interpreted(ctx: _Context) -> None:
    """The interpreter's findings at this call's line (a file without classes reports them only here)."""
    from shapecheck._mypy.interpreted import emit, findings_at

    path = getattr(ctx.api, "path", None)
    if isinstance(path, str):
        for finding in findings_at(path, ctx.context.line):
            emit(ctx.api, finding, SHAPE)


def _str_type(ctx: _Context) -> Instance:
    return ctx.api.named_generic_type("builtins.str", [])


def _tensor_type(ctx: MethodContext, checker: TypeChecker) -> Instance | None:
    """The tensor type ``model(x)`` returns: mypy's if it is one, else torch's ``Tensor`` when mypy knows it."""
    default = get_proper_type(ctx.default_return_type)
    if isinstance(default, Instance):
        return default if default.type.fullname in _TENSORS else None
    if not isinstance(default, AnyType):
        return None
    torch = checker.modules.get("torch")
    sym = torch.names.get("Tensor") if torch is not None else None
    return Instance(sym.node, []) if sym is not None and isinstance(sym.node, TypeInfo) and sym.node.fullname in _TENSORS else None


def _guarded(check: Callable[[_Context], Type | None]) -> Callable[[_Context], Type]:
    """``check`` as a hook that returns mypy's type unless it has a better one, and turns any exception into one note."""

    def hook(ctx: _Context) -> Type:
        try:
            _report_interpreted(ctx)
            return check(ctx) or ctx.default_return_type
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
