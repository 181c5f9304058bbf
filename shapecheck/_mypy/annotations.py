"""jaxtyping annotations as mypy sees them, and what the function around a model call says about shapes.

To mypy, jaxtyping's ``Float[Tensor, "B 3 224 224"]`` is ``typing.Annotated[Tensor, "B 3 224 224"]``:
the analysed type is plain ``Tensor`` and the shape string survives only in the *unanalysed*
annotation of the statement (``FuncDef.unanalyzed_type``, ``AssignmentStmt.unanalyzed_type``). Those
exist for every module mypy parses from source in this run, which are exactly the modules it
type-checks (a module read from the cache runs no hook), so reading them needs no opt-in
``Annotated`` hook and nothing from jaxtyping itself (never imported). A name counts as jaxtyping's
only if it is one of jaxtyping's dtype names and resolves to ``Annotated``: plain
``Annotated[T, "doc"]`` is not read.

:class:`Body` is one walk of the enclosing function: which names are rebound (a parameter assigned
again no longer has its annotated shape), the annotated locals, the ``return`` statements.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Final

from mypy import nodes
from mypy.checker import TypeChecker
from mypy.nodes import (
    AssignmentExpr,
    AssignmentStmt,
    CallExpr,
    Context,
    DelStmt,
    Expression,
    ForStmt,
    FuncDef,
    FuncItem,
    LambdaExpr,
    ListExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    Node,
    OperatorAssignmentStmt,
    ReturnStmt,
    SymbolTable,
    TupleExpr,
    Var,
    WithStmt,
)
from mypy.types import CallableType, RawExpressionType, Type, UnboundType

from shapecheck._mypy.types import Pattern
from shapecheck.jaxtyping_spec import DTYPES, parse

__all__ = ["Body", "CallSite", "jaxtyping_pattern", "shape_pattern"]

JAXTYPING_DTYPES: Final = DTYPES
"""jaxtyping's ``X[array, "shape"]`` annotations (its ``__init__`` under ``TYPE_CHECKING``)."""

_ANNOTATED: Final = frozenset({"typing.Annotated", "typing_extensions.Annotated"})


def shape_pattern(text: str) -> Pattern | None:
    """A jaxtyping shape string (``"B 3 224 224"``, ``"*batch 10"``, ``""``) as a pattern (see ``jaxtyping_spec.parse``)."""
    parsed = parse(text)
    if parsed is None:
        return None
    dims, prefix = parsed
    tokens = ["?" if d is None else str(d) for d in dims]
    parts = ["..."] * prefix + tokens
    text = "(" + ", ".join(parts) + ("," if not prefix and len(tokens) == 1 else "") + ")"
    return Pattern(tuple(ast.Constant(None) if d is None else ast.Constant(d) if isinstance(d, int) else ast.Name(d) for d in dims), prefix, text)


def jaxtyping_pattern(typ: Type | None, names: SymbolTable) -> Pattern | None:
    """The shape of an unanalysed annotation ``Float[Tensor, "B 3"]`` (names resolved in ``names``)."""
    if not isinstance(typ, UnboundType) or len(typ.args) != 2 or not _is_jaxtyping(typ.name, names):
        return None
    shape = typ.args[1]
    if isinstance(shape, RawExpressionType) and isinstance(shape.literal_value, str):
        return shape_pattern(shape.literal_value)
    if isinstance(shape, UnboundType) and shape.original_str_expr is not None:  # a one-token string: "B"
        return shape_pattern(shape.original_str_expr)
    return None


def _is_jaxtyping(name: str, names: SymbolTable) -> bool:
    """Whether ``Float``, ``jaxtyping.Float`` or ``jt.Float`` as written is jaxtyping's ``Float``."""
    *modules, last = name.split(".")
    if last not in JAXTYPING_DTYPES:
        return False
    table = names
    for part in modules:
        sym = table.get(part)
        if sym is None or not isinstance(sym.node, MypyFile):
            return False
        table = sym.node.names
    sym = table.get(last)
    return sym is not None and sym.node is not None and sym.node.fullname in _ANNOTATED


@dataclass
class Body:
    """One walk of a function body (or a module): bindings, annotated locals and ``return`` statements."""

    bindings: dict[int, int] = field(default_factory=dict)  # id(Var) -> times bound
    annotated: dict[int, Type] = field(default_factory=dict)  # id(Var) -> unanalysed annotation
    assignments: dict[int, AssignmentStmt] = field(default_factory=dict)  # id(rvalue) -> `v = rvalue`
    returns: list[ReturnStmt] = field(default_factory=list)
    opaque: bool = False  # the walk met a node it does not know: rebinding cannot be ruled out

    @classmethod
    def of(cls, node: FuncItem | MypyFile) -> Body:
        walker = _Walker(cls())
        walker.walk(node.defs if isinstance(node, MypyFile) else node.body)
        return walker.body

    def declared(self, var: Var, func: FuncItem | None) -> Type | None:
        """The unanalysed annotation ``var`` holds everywhere: a parameter never rebound, a local bound once."""
        if self.opaque:
            return None
        times = self.bindings.get(id(var), 0)
        if func is not None and isinstance(func.unanalyzed_type, CallableType):
            for arg, annotation in zip(func.arguments, func.unanalyzed_type.arg_types):
                if arg.variable is var:
                    return annotation if times == 0 else None
        return self.annotated.get(id(var)) if times == 1 else None

    def returned(self, var: Var) -> list[ReturnStmt]:
        """The ``return var`` statements, in order."""
        return [r for r in self.returns if isinstance(r.expr, NameExpr) and r.expr.node is var]


_LEAVES: Final = (nodes.IntExpr, nodes.StrExpr, nodes.BytesExpr, nodes.FloatExpr, nodes.ComplexExpr, nodes.EllipsisExpr, NameExpr)
_CHILDREN: Final[dict[type[Node], tuple[str, ...]]] = {
    nodes.ExpressionStmt: ("expr",),
    nodes.AssertStmt: ("expr", "msg"),
    nodes.RaiseStmt: ("expr", "from_expr"),
    ReturnStmt: ("expr",),
    nodes.Block: ("body",),
    nodes.IfStmt: ("expr", "body", "else_body"),
    nodes.WhileStmt: ("expr", "body", "else_body"),
    ForStmt: ("expr", "body", "else_body"),
    WithStmt: ("expr", "body"),
    nodes.TryStmt: ("body", "types", "handlers", "else_body", "finally_body"),
    nodes.MatchStmt: ("subject", "guards", "bodies"),
    AssignmentStmt: ("rvalue", "lvalues"),
    OperatorAssignmentStmt: ("rvalue", "lvalue"),
    DelStmt: ("expr",),
    nodes.ClassDef: ("decorators", "defs"),
    nodes.Decorator: ("decorators", "func"),
    nodes.OverloadedFuncDef: ("items", "impl"),
    nodes.StarExpr: ("expr",),
    MemberExpr: ("expr",),
    CallExpr: ("callee", "args"),
    nodes.YieldFromExpr: ("expr",),
    nodes.YieldExpr: ("expr",),
    nodes.IndexExpr: ("base", "index"),
    nodes.UnaryExpr: ("expr",),
    AssignmentExpr: ("value",),
    nodes.OpExpr: ("left", "right"),
    nodes.ComparisonExpr: ("operands",),
    nodes.SliceExpr: ("begin_index", "end_index", "stride"),
    nodes.CastExpr: ("expr",),
    nodes.AssertTypeExpr: ("expr",),
    nodes.RevealExpr: ("expr",),
    nodes.SuperExpr: ("call",),
    ListExpr: ("items",),
    nodes.DictExpr: ("items",),
    TupleExpr: ("items",),
    nodes.SetExpr: ("items",),
    nodes.GeneratorExpr: ("left_expr", "sequences", "condlists"),
    nodes.ListComprehension: ("generator",),
    nodes.SetComprehension: ("generator",),
    nodes.DictionaryComprehension: ("key", "value", "sequences", "condlists"),
    nodes.ConditionalExpr: ("cond", "if_expr", "else_expr"),
    nodes.TypeApplication: ("expr",),
    nodes.AwaitExpr: ("expr",),
}
"""What to walk into; the binding targets (assignments, ``for``, ``with``, walrus, ``del``) are handled apart."""
_QUIET: Final = (nodes.ImportBase, nodes.GlobalDecl, nodes.NonlocalDecl, nodes.BreakStmt, nodes.ContinueStmt, nodes.PassStmt)


class _Walker:
    """Walks statements and expressions (mypy's traversers cannot be subclassed from interpreted code).

    A node it does not know makes the walk ``opaque``: then no name counts as never rebound.
    """

    def __init__(self, body: Body) -> None:
        self.body = body
        self.depth = 0

    def walk(self, node: object) -> None:
        if isinstance(node, (list, tuple)):
            for item in node:
                self.walk(item)
            return
        if node is None or isinstance(node, _LEAVES + _QUIET) or not isinstance(node, Node):
            return
        if isinstance(node, (FuncDef, LambdaExpr)):
            self.depth += 1
            self.walk(node.body)
            self.depth -= 1
            return
        self._targets(node)
        children = _CHILDREN.get(type(node))
        if children is None:
            self.body.opaque = True
            return
        for name in children:
            self.walk(getattr(node, name, None))

    def _targets(self, node: Node) -> None:
        """Record what ``node`` binds."""
        if isinstance(node, AssignmentStmt):
            for target in node.lvalues:
                self._bind(target)
            if len(node.lvalues) == 1 and isinstance(node.lvalues[0], NameExpr) and self.depth == 0:
                self.body.assignments[id(node.rvalue)] = node
                var = node.lvalues[0].node
                if isinstance(var, Var) and node.unanalyzed_type is not None:
                    self.body.annotated[id(var)] = node.unanalyzed_type
        elif isinstance(node, OperatorAssignmentStmt):
            self._bind(node.lvalue)
        elif isinstance(node, ForStmt):
            self._bind(node.index)
        elif isinstance(node, WithStmt):
            self._bind(node.target)
        elif isinstance(node, AssignmentExpr):
            self._bind(node.target)
        elif isinstance(node, DelStmt):
            self._bind(node.expr)
        elif isinstance(node, nodes.TryStmt):
            self._bind(node.vars)
        elif isinstance(node, (nodes.GeneratorExpr, nodes.DictionaryComprehension)):
            self._bind(node.indices)
        elif isinstance(node, nodes.MatchStmt):
            self.body.opaque = True  # patterns bind names: not followed
        elif isinstance(node, ReturnStmt) and self.depth == 0:
            self.body.returns.append(node)

    def _bind(self, target: object) -> None:
        if isinstance(target, (list, tuple)):
            for item in target:
                self._bind(item)
        elif isinstance(target, NameExpr) and isinstance(target.node, Var):
            key = id(target.node)
            self.body.bindings[key] = self.body.bindings.get(key, 0) + 1
        elif isinstance(target, (TupleExpr, ListExpr)):
            self._bind(target.items)
        elif isinstance(target, nodes.StarExpr):
            self._bind(target.expr)


@dataclass
class CallSite:
    """Where a model call stands: the enclosing function (None at module level), its body and names."""

    func: FuncItem | None
    body: Body
    names: SymbolTable

    @classmethod
    def of(cls, checker: TypeChecker) -> CallSite:
        func = checker.scope.current_function()
        return cls(func, Body.of(func if func is not None else checker.tree), checker.globals)

    def _pattern(self, annotation: Type | None) -> Pattern | None:
        return jaxtyping_pattern(annotation, self.names)

    def argument(self, expr: Expression) -> Pattern | None:
        """The annotated shape of a call's argument: a parameter or an annotated local, by name."""
        if isinstance(expr, NameExpr) and isinstance(expr.node, Var):
            return self._pattern(self.body.declared(expr.node, self.func))
        return None

    def known(self) -> frozenset[str]:
        """The names the function's parameter annotations bind (``B`` in ``x: Float[T, "B 3"]``)."""
        signature = self.func.unanalyzed_type if self.func is not None else None
        if not isinstance(signature, CallableType):
            return frozenset()
        patterns = (self._pattern(t) for t in signature.arg_types)
        return frozenset(name for p in patterns if p is not None for name in p.names)

    def results(self, call: CallExpr) -> list[tuple[Pattern, str, Context]]:
        """The annotations the call's result must meet, what each is and where to report a mismatch.

        ``return model(x)`` and ``y = model(x); ...; return y`` (``y`` bound once; reported at the
        first such ``return``) meet the function's return annotation; ``y: Float[T, "B 10"] =
        model(x)`` its own annotation.
        """
        signature = self.func.unanalyzed_type if self.func is not None else None
        returned = self._pattern(signature.ret_type) if isinstance(signature, CallableType) else None
        found: list[tuple[Pattern, str, Context]] = []
        if returned is not None:
            found.extend((returned, "Return annotation", r) for r in self.body.returns if r.expr is call)
        stmt = self.body.assignments.get(id(call))
        if stmt is None or not isinstance(stmt.lvalues[0], NameExpr):
            return found
        own = self._pattern(stmt.unanalyzed_type)
        var = stmt.lvalues[0].node
        if own is not None:
            found.append((own, "Annotation", stmt))
        elif returned is not None and isinstance(var, Var) and not self.body.opaque and self.body.bindings.get(id(var)) == 1:
            found.extend((returned, "Return annotation", r) for r in self.body.returned(var)[:1])
        return found
