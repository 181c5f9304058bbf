"""The forward interpreter: abstract evaluation of a Python module with symbolic tensor shapes.

It runs the source as Python would, over abstract values (see ``values``): a layer built in
``__init__`` is the ``shapecheck.nn`` object the runtime would build, a tensor is a shape, what it
cannot know is ``Unknown`` (and says why). Branches whose condition is unknown are both followed and
joined; loops over known sequences are unrolled; user functions, methods and classes are entered with
the caller's values. Every tensor operation goes through the op table (``registry``), whose handlers
call the same rules as ``shapecheck.nn``; an error becomes a finding at the statement that fails.

Evaluation is bounded: a step budget, a call depth and an unrolling limit make a hostile or huge
file cost a bounded time; beyond them values become unknown (and the coverage says so).
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import operator
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn

from shapecheck import nn
from shapecheck.checker import oriented
from shapecheck.dims import Dim, Expr, as_dim, evaluate, floor_div, is_unknown, symbols_of
from shapecheck.errors import RuleError, ShapeError
from shapecheck.nn.linear import FLATTEN_FIX
from shapecheck.nn.module import Module as Layer
from shapecheck.shape import Shape
from shapecheck.static.annotations import check_annotation
from shapecheck.static.inputs import Evidence, layer_input
from shapecheck.static.registry import Op, Unknowable
from shapecheck.static.report import BEFORE_LINE, Finding, Gap, Seen, finding_of
from shapecheck.static.scope import Arm, Break, Continue, Dead, Return, Scope, join, merge_heap
from shapecheck.static.solver import Pin, Solver, never_equal
from shapecheck.static.values import (
    ClassValue,
    Container,
    DictValue,
    External,
    FunctionValue,
    Instance,
    Journal,
    LayerValue,
    ListValue,
    Named,
    Opaque,
    Super,
    Tensor,
    Unknown,
    Value,
    is_module,
    tensor_tuple,
)
from shapecheck.static.call_fixes import CallEdit, call_edits
from shapecheck.trace import Call, Location, Step, Tracer, building_at

__all__ = ["Interpreter", "OpStep", "SourceFile"]

MAX_STEPS: Final = 400_000
"""Expressions evaluated per analysis before everything becomes unknown."""
MAX_DEPTH: Final = 48
MAX_UNROLL: Final = 2048
MAX_ITEMS: Final = 100_000
MAX_INT: Final = 1 << 63

_BINARY: Final[dict[type[ast.operator], Callable[[Any, Any], Any]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_COMPARE: Final[dict[type[ast.cmpop], Callable[[Any, Any], Any]]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_COMPARE_NAMES: Final = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge"}
_OPERATOR_NAMES: Final = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.FloorDiv: "floor_divide",
    ast.Mod: "remainder",
    ast.Pow: "pow",
    ast.MatMult: "matmul",
    ast.BitAnd: "logical_and",
    ast.BitOr: "logical_or",
    ast.BitXor: "logical_xor",
}


class Failed(Exception):
    """An error was found and recorded: the expression's value is unknown from here on."""


class Exhausted(Exception):
    """The step budget is spent."""


class OpStep(Layer):
    """A tensor operation of the source (``torch.cat(...)``, ``x.view(...)``, ``x + y``) as a step of
    the walk: its derivations read ``by [7] torch.cat(...)``; ``macs`` is what the op computes."""

    def __init__(self, text: str, where: tuple[str, int], macs: Dim = 0) -> None:
        self.where = where
        self.text = text
        self._macs = macs

    def macs(self, x: Shape, y: Shape) -> Dim:
        return self._macs

    def __repr__(self) -> str:
        return self.text


@dataclass(eq=False)
class SourceFile:
    """A file the interpreter reads: its text, tree and module scope, and the findings and shapes at its lines."""

    path: str
    source: str
    tree: ast.Module
    scope: Scope
    findings: dict[int, Finding] = field(default_factory=dict)
    shapes: dict[tuple[int, int], str] = field(default_factory=dict)
    seen: Seen = field(default_factory=Seen)
    lines: list[bytes] = field(default_factory=list)
    """The source's lines as the parser counts them (split at ``\\n``, ``\\r\\n``, ``\\r``), ends kept, in UTF-8."""

    def __post_init__(self) -> None:
        self.lines = [line.encode() for line in re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", self.source)]

    def segment(self, node: ast.AST) -> str | None:
        """The source text of ``node``, as ``ast.get_source_segment`` gives it (without splitting the file each time)."""
        start: int | None = getattr(node, "lineno", None)
        end: int | None = getattr(node, "end_lineno", None)
        first: int | None = getattr(node, "col_offset", None)
        last: int | None = getattr(node, "end_col_offset", None)
        if start is None or end is None or first is None or last is None or end > len(self.lines):
            return None
        if start == end:
            return self.lines[start - 1][first:last].decode(errors="replace")
        parts = [self.lines[start - 1][first:], *self.lines[start : end - 1], self.lines[end - 1][:last]]
        return b"".join(parts).decode(errors="replace")


class Interpreter:
    """Evaluates one module's source; see the module docstring.

    ``findings`` collects the errors; ``gaps`` where tracking was lost; ``shapes`` the shape of each
    tensor bound to a name. ``tracer`` records layer applications (the steps of the current model).
    """

    def __init__(self, source: str, path: str, tree: ast.Module | None = None, detail: bool = False, sources: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.detail = detail
        """Record every shape each name holds (``seen``) and the chains built (what an editor shows)."""
        self.path = path
        self.tree = tree if tree is not None else ast.parse(source, path)
        self.lines = source.splitlines()
        self.findings: dict[int, Finding] = {}
        self.gaps: list[Gap] = []
        self.shapes: dict[tuple[int, int], str] = {}
        self.seen = Seen()
        self.running = ""
        """The model being checked (the shapes seen are recorded under its name)."""
        self._loads: dict[int, tuple[ast.expr, ast.expr]] = {}
        """Each augmented-assignment target (by id, kept alive beside it) as an expression that reads it."""
        self.tracer = self.new_tracer()
        self.steps = 0
        self.budget = MAX_STEPS
        self.depth = 0
        self.quiet = 0
        self.checked = 0
        self.module_scope = Scope(parent=_builtins_scope())
        self.statement: ast.stmt | None = None
        self.classes: list[ClassValue] = []
        self.functions: list[FunctionValue] = []
        self.instances: list[tuple[Instance, int]] = []
        self.chains: list[tuple[nn.Sequential, int]] = []
        """The ``shapecheck.nn`` chains built with a declared input, and their lines: their steps are shapes."""
        self._returns: list[list[Value]] = []
        self.loop_imprecise = False
        self.frames: list[tuple[FunctionValue, Scope, Location]] = []
        """The functions running, innermost last: each with its scope and the line (of the caller's file) that called it."""
        self.call_edits: dict[int, list[CallEdit]] = {}
        """By finding line: the edits of the helper call that may fix it (``conv_bn(32, 64)`` -> ``conv_bn(16, 64)``)."""
        self.entry = ""
        """The entry point being run (``resnet50()``): the models it builds are named after it."""
        self.built_by: dict[int, str] = {}
        self.layer_nodes: dict[int, tuple[Layer, ast.AST, FunctionValue | None]] = {}
        """The call that built each layer and the function it ran in (kept with the layer, so the id stays its own)."""
        self.probe: dict[int, Evidence] | None = None
        """While a forward is probed: the evidence on each parameter, by the id of its shape."""
        self.prelude: SourceFile | None = None
        """The ``torch.nn`` modules written as source (``static.prelude``), once read."""
        self.caller: tuple[dict[int, Finding], ast.stmt] | None = None
        """While in the prelude: the findings of the file that called into it, and the statement that did."""
        self.file = SourceFile(path, source, self.tree, self.module_scope, self.findings, self.shapes, self.seen)
        self.files: dict[int, SourceFile] = {id(self.module_scope): self.file}
        """The files read (this one, and those :meth:`load` adds), by the id of their module scope."""
        self.root = self.file
        """The file analysed; the others are read for what it imports."""
        self.local_files: dict[str, SourceFile | None] = {}
        """The user's modules read for imports, by path (``static.local_imports``)."""
        self.sources: Mapping[str, str] = sources or {}
        """The text to read for a module of the user's instead of its file (an editor's unsaved text), by resolved path."""

    # -- entry points -------------------------------------------------------------------------
    @staticmethod
    def new_tracer() -> Tracer:
        tracer = Tracer()
        tracer.check = Solver()
        tracer.namer = step_name
        return tracer

    def run_module(self) -> None:
        """Evaluate the module's top-level statements (imports, constants, definitions, models)."""
        try:
            self.exec_block(self.tree.body, self.module_scope)
        except (Return, Break, Continue, Dead):
            pass
        except Exhausted:
            self.gap(self.tree, "the file is too large to follow in full")

    def load(self, source: str, path: str) -> SourceFile:
        """Run another file's top level in a module scope of its own, as importing it would. What is
        defined there runs in that file: its findings, shapes, gaps and layers are at that file's lines.
        Raises ``SyntaxError`` (or ``ValueError``) for a file that does not parse."""
        file = SourceFile(path, source, ast.parse(source, path), Scope(parent=self.module_scope.parent))
        self.files[id(file.scope)] = file
        with self.entering(file):
            self.run_module()
        return file

    @contextmanager
    def entering(self, file: SourceFile) -> Iterator[None]:
        """Evaluate in ``file``: locations, findings and shapes are that file's until the block ends."""
        outer, caller = self.file, self.caller
        if file is outer:
            yield
            return
        if (file is self.prelude or file.path in self.local_files) and caller is None and self.statement is not None:
            self.caller = (self.findings, self.statement)
        self._switch(file)
        try:
            yield
        finally:
            self._switch(outer)
            self.caller = caller

    def _switch(self, file: SourceFile) -> None:
        self.file = file
        self.path, self.source, self.tree, self.module_scope = file.path, file.source, file.tree, file.scope
        self.findings, self.shapes, self.seen = file.findings, file.shapes, file.seen

    def file_of(self, fn: FunctionValue) -> SourceFile:
        """The file that defines ``fn`` (the current one when it is not known)."""
        scope = fn.scope
        return self.files.get(id(scope.module()), self.file) if isinstance(scope, Scope) else self.file

    def call_value(self, fn: Value, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
        """Call ``fn`` as the source would (an entry point may call a method or a class)."""
        try:
            return self.call(fn, args, kwargs, node)
        except Failed:
            return Unknown("after an error")
        except Exhausted:
            self.gap(node, "too much to follow (step budget spent)")
            return Unknown("step budget spent")

    # -- findings and coverage ----------------------------------------------------------------
    def report(self, finding: Finding) -> None:
        """Record ``finding``; one per line, preferring one that holds for every input size."""
        if self.quiet:
            return
        findings = self.findings
        if self.caller is not None and (self.file is self.prelude or self.file.path in self.local_files):
            findings, stmt = self.caller  # in torch's own modules or the user's other files: at the call here
            if self.file is self.prelude:
                notes = tuple(_DEFINED.sub(" (inside torch.nn)", note) for note in finding.notes)
            else:
                where = _relative(self.file.path, self.root.path)
                notes = (f"at {where}:{finding.line}", *(_DEFINED.sub(lambda m: _defined_in(where, m), n) for n in finding.notes))
            finding = Finding(stmt.lineno, stmt.col_offset, finding.message, notes, error=finding.error)
        old = findings.get(finding.line)
        if old is None or _general(finding) and not _general(old):
            findings[finding.line] = finding

    def gap(self, node: ast.AST | int, reason: str, path: str = "") -> None:
        """Record that tracking was lost at ``node`` (a node or a line of ``path``, by default the current file) for ``reason``."""
        if reason.startswith("after ") or self.quiet:
            return
        line = node if isinstance(node, int) else getattr(node, "lineno", 0)
        where = path or self.path
        if not any(g.line == line and g.reason == reason and g.path == where for g in self.gaps):
            self.gaps.append(Gap(line, reason, where))

    def lost(self, value: Unknown, node: ast.AST) -> Unknown:
        """A model needs ``value`` (calls it, runs an op or a layer on it): where it became unknown is a gap."""
        self.gap(value.line or node, value.reason or "a value not known", value.path if value.line else "")
        return value

    def tuple_for_tensor(self, value: tuple[Value, ...], node: ast.AST, problem: str) -> NoReturn:
        """A tuple of tensors where torch needs one tensor (``self.fc(self.lstm(x))``): torch raises
        whatever the sizes."""
        note = f"the value is a tuple {_tuple_text(value)}: unpack it (out, _ = ...) or index it"
        self.report(Finding(getattr(node, "lineno", 0), getattr(node, "col_offset", 0), problem, (note,)))
        raise Failed()

    def unknown(self, node: ast.AST, reason: str, shape_dependent: bool = False) -> Unknown:
        """An unknown value born at ``node``; it is a gap only if a model needs it (:meth:`lost`)."""
        return Unknown(reason, shape_dependent, line=getattr(node, "lineno", 0), path=self.path)

    @contextmanager
    def silenced(self, on: bool = True) -> Iterator[None]:
        self.quiet += on
        try:
            yield
        finally:
            self.quiet -= on

    def hint_rank(self, shape: Shape, index: int, squeezed: bool = False) -> None:
        """While probing: the forward reads (or squeezes) dim ``index`` of a parameter of unknown rank."""
        evidence = self.probe.get(id(shape)) if self.probe is not None else None
        if evidence is not None and index >= 0:
            evidence.least_rank = max(evidence.least_rank, index + 1)
            if squeezed:
                evidence.squeezed.add(index)

    @property
    def solver(self) -> Solver:
        """The checker of the current model: every tracer the interpreter makes has a :class:`Solver`."""
        check = self.tracer.check
        assert isinstance(check, Solver)
        return check

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.budget:
            raise Exhausted()

    # -- statements ---------------------------------------------------------------------------
    def exec_block(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope)

    def exec_stmt(self, stmt: ast.stmt, scope: Scope) -> None:
        self.tick()
        self.solver.line = stmt.lineno
        outer, self.statement = self.statement, stmt
        try:
            handler = _STATEMENTS.get(type(stmt))
            if handler is not None:
                handler(self, stmt, scope)
        except Failed:
            self._havoc_targets(stmt, scope, "after an error")
        finally:
            self.statement = outer

    def _havoc_targets(self, stmt: ast.stmt, scope: Scope, why: str) -> None:
        for name in _assigned_names([stmt]):
            scope.vars[name] = Unknown(why)

    def _expr_stmt(self, stmt: ast.Expr, scope: Scope) -> None:
        self.eval(stmt.value, scope)

    def _assign(self, stmt: ast.Assign, scope: Scope) -> None:
        value = self.eval(stmt.value, scope)
        for target in stmt.targets:
            self.assign(target, value, scope)

    def _ann_assign(self, stmt: ast.AnnAssign, scope: Scope) -> None:
        if scope.is_class and isinstance(stmt.target, ast.Name):
            order = scope.vars.setdefault("__annotations_order__", ListValue())
            if isinstance(order, ListValue):
                order.items.append(stmt.target.id)
        if stmt.value is not None:
            value = self.eval(stmt.value, scope)
            check_annotation(self, stmt.annotation, value, scope, "Annotation", stmt.value)
            self.assign(stmt.target, value, scope)

    def _aug_assign(self, stmt: ast.AugAssign, scope: Scope) -> None:
        current = self.eval(self._load(stmt.target), scope)
        right = self.eval(stmt.value, scope)
        if isinstance(current, ListValue) and isinstance(stmt.op, ast.Add):
            items = self.iterate(right, stmt.value)
            current.touch()
            current.items.extend(items)
            if isinstance(stmt.target, ast.Name):
                return
            value: Value = current
        elif isinstance(current, Container) and isinstance(stmt.op, ast.Add):
            for item in self.iterate(right, stmt.value):
                current.append(item)
            value = current
        else:
            value = self.binary(stmt.op, current, right, stmt)
        self.assign(stmt.target, value, scope)

    def _if(self, stmt: ast.If, scope: Scope) -> None:
        test = self.eval(stmt.test, scope)
        truth = self.truth(test)
        if truth is True:
            self.exec_block(stmt.body, scope)
        elif truth is False:
            self.exec_block(stmt.orelse, scope)
        else:
            self.branches([stmt.body, stmt.orelse], scope, isinstance(test, Unknown) and test.shape_dependent, stmt, test)

    def branches(self, arms: list[Sequence[ast.stmt]], scope: Scope, shape_dependent: bool, node: ast.AST, condition: Value = None) -> None:
        """Follow each arm from the same state and join the states of those that go on."""
        why = f"differs between the branches at line {getattr(node, 'lineno', 0)}"
        before_vars = dict(scope.vars)
        outer = Journal.active
        journals: list[Journal] = []
        live: list[Arm] = []
        live_arms: dict[int, Arm] = {}
        for arm in arms:
            journal = Journal()
            journals.append(journal)
            Journal.active = journal
            scope.vars = dict(before_vars)
            ended = False
            try:
                with self.silenced(shape_dependent), self.solver.branch():
                    self.exec_block(arm, scope)
            except Return as ret:
                self.frame_returns().append(ret.value)
                ended = True
            except Dead:
                ended = True
            except (Break, Continue):
                ended = True
                self.loop_imprecise = True
            finally:
                Journal.active = outer
            if not ended:
                live.append(Arm(dict(scope.vars), {k: (v, v.snapshot()) for k, (v, _) in journal.before.items()}))
                live_arms[len(journals) - 1] = live[-1]
            for value, state in journal.before.values():
                value.restore(state)
        scope.vars = before_vars
        if not live:
            raise Dead()
        if condition is not None and len(arms) == 2 and len(live) == 1:
            self.assume(condition, live[0] is live_arms.get(0))
        touched: dict[int, tuple[Any, object]] = {}
        for journal in journals:
            for key, (value, state) in journal.before.items():
                touched.setdefault(key, (value, state))
        merge_heap(live, touched, why)
        names: dict[str, None] = {}
        for state in live:
            names.update(dict.fromkeys(state.names))
        for name in names:
            values = [state.names.get(name, Unknown(why)) for state in live]
            v = values[0]
            for other in values[1:]:
                v = join(v, other, why)
            scope.vars[name] = v

    def frame_returns(self) -> list[Value]:
        return self._returns[-1] if self._returns else []


    def _for(self, stmt: ast.For, scope: Scope) -> None:
        iterable = self.eval(stmt.iter, scope)
        items = self.sequence(iterable)
        if items is None or len(items) > MAX_UNROLL:
            reason = iterable.reason if isinstance(iterable, Unknown) and iterable.reason else "a loop over values not known"
            self.gap(stmt, reason if items is None else f"a loop of {len(items)} iterations")
            self._opaque_loop(stmt.target, stmt.body, scope)
            self.exec_block(stmt.orelse, scope)
            return
        saved, self.loop_imprecise = self.loop_imprecise, False
        try:
            for item in items:
                self.assign(stmt.target, item, scope)
                try:
                    self.exec_block(stmt.body, scope)
                except Continue:
                    continue
                except Break:
                    break
                if self.loop_imprecise:
                    break
            else:
                if not self.loop_imprecise:
                    self.exec_block(stmt.orelse, scope)
            if self.loop_imprecise:
                self.gap(stmt, "a loop left early under a condition not known")
                for name in _assigned_names(stmt.body):
                    scope.vars[name] = Unknown("set in a loop left early")
        finally:
            self.loop_imprecise = saved

    def _opaque_loop(self, target: ast.expr | None, body: Sequence[ast.stmt], scope: Scope) -> None:
        """A loop run an unknown number of times: its body once, silently, then what it sets is unknown."""
        if target is not None:
            self.assign(target, Unknown("loop variable"), scope)
        with self.silenced(), self.solver.branch(everything=True):
            try:
                self.exec_block(body, scope)
            except (Break, Continue, Dead, Return):
                pass
        for name in _assigned_names(body):
            scope.vars[name] = Unknown("set in a loop not followed")

    def _while(self, stmt: ast.While, scope: Scope) -> None:
        for _ in range(MAX_UNROLL):
            truth = self.truth(self.eval(stmt.test, scope))
            if truth is False:
                self.exec_block(stmt.orelse, scope)
                return
            if truth is None:
                break
            try:
                self.exec_block(stmt.body, scope)
            except Continue:
                continue
            except Break:
                return
        self.gap(stmt, "a while loop not followed")
        self._opaque_loop(None, stmt.body, scope)

    def _return(self, stmt: ast.Return, scope: Scope) -> None:
        value = self.eval(stmt.value, scope) if stmt.value is not None else None
        fn = self.frames[-1][0] if self.frames else None
        if fn is not None and not isinstance(fn.node, ast.Lambda):
            check_annotation(self, fn.node.returns, value, scope, "Return annotation", stmt.value or stmt)
        raise Return(value)

    def _raise(self, stmt: ast.Raise, scope: Scope) -> None:
        raise Dead()

    def _assert(self, stmt: ast.Assert, scope: Scope) -> None:
        test = self.eval(stmt.test, scope)
        truth = self.truth(test)
        if truth is False:
            text = self.file.segment(stmt.test) or "the assertion"
            why = f"assert {text} fails"
            self.report(Finding(stmt.lineno, stmt.col_offset, why, ("the assertion is false for every input size",)))
            raise Dead()
        if truth is None:
            if not self.assume(test, True):
                self.solver.assumptions.append(self.file.segment(stmt.test) or "")

    def assume(self, condition: Value, holds: bool) -> bool:
        """Take a size comparison the code asserts (or a branch that raises rules out) as given:
        ``h == 224`` fixes ``h`` for the rest of the model's checks. True when it was taken."""
        relation = condition.relation if isinstance(condition, Unknown) else None
        if relation is None:
            return False
        left, op, right = relation
        if (op == "==") != holds:
            return False
        for name, value in ((left, right), (right, left)):
            symbols = symbols_of(name) if isinstance(name, (int, Expr)) else frozenset()
            if len(symbols) == 1 and isinstance(value, int) and name == as_dim(next(iter(symbols)).name):
                self.solver.fix(next(iter(symbols)).name, value)
                return True
        return False

    def _function_def(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        fn = self.make_function(stmt, scope)
        value: Value = fn
        for decorator in reversed(stmt.decorator_list):
            value = self.decorate(decorator, value, scope)
        scope.vars[stmt.name] = value

    def make_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: Scope, owner: ClassValue | None = None) -> FunctionValue:
        qual = getattr(node, "name", "<lambda>")
        fn = FunctionValue(node, scope, qual, owner=owner)
        args = node.args
        fn.defaults = [self.eval(d, scope) for d in args.defaults]
        fn.kw_defaults = [None if d is None else self.eval(d, scope) for d in args.kw_defaults]
        if not isinstance(node, ast.Lambda) and scope.parent is not None and scope.parent.parent is None and not self._imported():
            self.functions.append(fn)
        return fn

    def decorate(self, decorator: ast.expr, value: Value, scope: Scope) -> Value:
        name = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if isinstance(value, FunctionValue):
            if name == "staticmethod":
                value.is_static = True
            elif name == "classmethod":
                value.is_classmethod = True
            elif name in ("property", "functools.cached_property", "cached_property"):
                value.is_property = True
        return value

    def _class_def(self, stmt: ast.ClassDef, scope: Scope) -> None:
        bases = [self.eval(b, scope) for b in stmt.bases]
        cls = ClassValue(stmt.name, stmt, bases)
        body = Scope(parent=scope, is_class=True)
        for item in stmt.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                fn = self.make_function(item, scope, owner=cls)
                value: Value = fn
                for decorator in reversed(item.decorator_list):
                    value = self.decorate(decorator, value, scope)
                body.vars[item.name] = value
            else:
                try:
                    self.exec_stmt(item, body)
                except (Return, Break, Continue, Dead):
                    pass
        order = body.vars.pop("__annotations_order__", None)
        cls.namespace = body.vars
        if any(_dotted(d.func if isinstance(d, ast.Call) else d) in ("dataclass", "dataclasses.dataclass") for d in stmt.decorator_list):
            names = order.items if isinstance(order, ListValue) else []
            cls.dataclass_fields = [(str(n), None) for n in names]
        scope.vars[stmt.name] = cls
        if scope.parent is not None and scope.parent.parent is None and not self._imported():
            self.classes.append(cls)

    def _imported(self) -> bool:
        """Whether the file being read is one the analysed file imports: its classes and functions are
        checked where they are used, and as models when that file itself is analysed."""
        return self.file.path in self.local_files

    def _import(self, stmt: ast.Import, scope: Scope) -> None:
        from shapecheck.static.local_imports import imported

        for alias in stmt.names:
            if alias.asname:  # import a.b as c binds a.b
                scope.vars[alias.asname] = imported(self, alias.name) if "." not in alias.name else External(alias.name)
            else:
                scope.vars[alias.name.split(".")[0]] = imported(self, alias.name)

    def _import_from(self, stmt: ast.ImportFrom, scope: Scope) -> None:
        from shapecheck.static.local_imports import imported_from

        for alias in stmt.names:
            if alias.name == "*":
                continue
            scope.vars[alias.asname or alias.name] = imported_from(self, stmt.module or "", stmt.level, alias.name)

    def _with(self, stmt: ast.With, scope: Scope) -> None:
        for item in stmt.items:
            self.eval(item.context_expr, scope)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, Unknown("a with statement's value"), scope)
        self.exec_block(stmt.body, scope)

    def _try(self, stmt: ast.Try, scope: Scope) -> None:
        try:
            with self.silenced(any(_catches_shape_errors(h) for h in stmt.handlers)):  # a mistake the code expects
                self.exec_block(stmt.body, scope)
        except Dead:
            if not stmt.handlers:
                raise
        else:
            self.exec_block(stmt.orelse, scope)
        finally:
            self.exec_block(stmt.finalbody, scope)

    def _global(self, stmt: ast.Global, scope: Scope) -> None:
        scope.globals.update(stmt.names)

    def _delete(self, stmt: ast.Delete, scope: Scope) -> None:
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                scope.vars.pop(target.id, None)

    def _break(self, stmt: ast.stmt, scope: Scope) -> None:
        raise Break()

    def _continue(self, stmt: ast.stmt, scope: Scope) -> None:
        raise Continue()

    # -- assignment ---------------------------------------------------------------------------
    def assign(self, target: ast.expr, value: Value, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            if target.id in scope.globals:
                scope.module().vars[target.id] = value
            else:
                scope.vars[target.id] = value
            if isinstance(value, Tensor) and not self.quiet:
                at = (target.lineno, target.col_offset)
                if at not in self.shapes:
                    self.shapes[at] = str(value.shape)
                if self.detail:
                    Seen.add(self.seen.bound, at, value.shape, self.running)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value, scope)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value, scope)
            if isinstance(obj, Instance):
                obj.set(target.attr, value)
            elif isinstance(obj, LayerValue) and isinstance(value, Tensor) and value.parameter:
                obj.overrides[target.attr] = value
        elif isinstance(target, ast.Subscript):
            obj = self.eval(target.value, scope)
            key = self.eval(target.slice, scope)
            if isinstance(obj, DictValue) and _hashable(key):
                obj.touch()
                obj.items[key] = value
            elif isinstance(obj, ListValue) and isinstance(key, int) and -len(obj.items) <= key < len(obj.items):
                obj.touch()
                obj.items[key] = value
            elif isinstance(obj, Container) and _hashable(key):
                obj.touch()
                obj.items = [(n, value if n == str(key) else v) for n, v in obj.items]
            elif isinstance(obj, Tensor) and isinstance(value, Tensor):
                from shapecheck.static import tensor_ops

                tensor = obj
                self.run_op("tensor.__setitem__", target, lambda c: tensor_ops.setitem(c, tensor, key, value))
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, scope)

    def _unpack(self, target: ast.Tuple | ast.List, value: Value, scope: Scope) -> None:
        if isinstance(value, Unknown) and value.of_shape is not None and self.probe is not None:
            evidence = self.probe.get(id(value.of_shape))
            if evidence is not None and evidence.rank is None and not any(isinstance(e, ast.Starred) for e in target.elts):
                evidence.rank = len(target.elts)
        items = self.sequence(value)
        starred = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
        if items is None or (not starred and len(items) != len(target.elts)) or (starred and len(items) < len(target.elts) - 1):
            if items is not None and not isinstance(value, Unknown):
                self.gap(target, f"cannot unpack {len(items)} values into {len(target.elts)}")
            for element in target.elts:
                self.assign(element, Unknown("unpacked from a value not known"), scope)
            return
        if starred:
            k = starred[0]
            tail = len(target.elts) - k - 1
            parts = [*items[:k], ListValue(list(items[k : len(items) - tail])), *items[len(items) - tail :]]
        else:
            parts = list(items)
        for element, part in zip(target.elts, parts):
            self.assign(element, part, scope)

    # -- expressions --------------------------------------------------------------------------
    def eval(self, node: ast.expr, scope: Scope) -> Value:
        self.tick()
        handler = _EXPRESSIONS.get(type(node))
        if handler is None:
            return self.unknown(node, f"{type(node).__name__} expressions are not followed")
        return handler(self, node, scope)

    def _constant(self, node: ast.Constant, scope: Scope) -> Value:
        return node.value

    def _name(self, node: ast.Name, scope: Scope) -> Value:
        found, value = scope.lookup(node.id)
        if found:
            if self.detail and isinstance(value, Tensor) and not self.quiet:
                Seen.add(self.seen.read, (node.lineno, node.col_offset), value.shape, self.running)
            return value
        return Unknown(f"name {node.id} not defined in the file")

    def _attribute(self, node: ast.Attribute, scope: Scope) -> Value:
        obj = self.eval(node.value, scope)
        return self.attribute(obj, node.attr, node)

    def attribute(self, obj: Value, name: str, node: ast.AST) -> Value:
        from shapecheck.static.objects import attribute

        return attribute(self, obj, name, node)

    def _tuple(self, node: ast.Tuple, scope: Scope) -> Value:
        return tuple(self._elements(node.elts, scope))

    def _list(self, node: ast.List, scope: Scope) -> Value:
        return ListValue(self._elements(node.elts, scope))

    def _set(self, node: ast.Set, scope: Scope) -> Value:
        return Unknown("a set")

    def _elements(self, elts: Sequence[ast.expr], scope: Scope) -> list[Value]:
        out: list[Value] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                items = self.sequence(self.eval(e.value, scope))
                if items is None:
                    return [Unknown("a starred value not known")]
                out.extend(items)
            else:
                out.append(self.eval(e, scope))
        return out

    def _dict(self, node: ast.Dict, scope: Scope) -> Value:
        items: dict[object, Value] = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                other = self.eval(v, scope)
                if isinstance(other, DictValue):
                    items.update(other.items)
                continue
            key = self.eval(k, scope)
            if not _hashable(key):
                return Unknown("a dict with keys not known")
            items[key] = self.eval(v, scope)
        return DictValue(items)

    def _bin_op(self, node: ast.BinOp, scope: Scope) -> Value:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        return self.binary(node.op, left, right, node)

    def binary(self, op: ast.operator, left: Value, right: Value, node: ast.AST) -> Value:
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            from shapecheck.static import tensor_ops

            return self.run_op(f"operator.{_OPERATOR_NAMES.get(type(op), 'unknown')}", node, lambda c: tensor_ops.binary(c, op, left, right))
        if isinstance(left, Unknown):
            return left
        if isinstance(right, Unknown):
            return right
        return _python_binary(op, left, right)

    def _unary_op(self, node: ast.UnaryOp, scope: Scope) -> Value:
        value = self.eval(node.operand, scope)
        if isinstance(node.op, ast.Not):
            truth = self.truth(value)
            return Unknown("not of a value not known", _shape_dependent(value)) if truth is None else not truth
        if isinstance(value, Tensor):
            return value
        if isinstance(value, (int, float, Expr)) and not isinstance(value, bool) or isinstance(value, bool):
            try:
                if isinstance(node.op, ast.USub):
                    return -value
                if isinstance(node.op, ast.UAdd):
                    return value
                if isinstance(node.op, ast.Invert) and isinstance(value, int):
                    return ~value
            except TypeError:
                pass
        return Unknown("a unary operation on a value not known")

    def _bool_op(self, node: ast.BoolOp, scope: Scope) -> Value:
        is_and = isinstance(node.op, ast.And)
        result: Value = None
        for value_node in node.values:
            result = self.eval(value_node, scope)
            truth = self.truth(result)
            if truth is None:
                rest = [self.eval(v, scope) for v in node.values[node.values.index(value_node) + 1 :]]
                return Unknown("a condition not known", any(_shape_dependent(v) for v in [result, *rest]))
            if truth is not is_and:
                return result
        return result

    def _compare(self, node: ast.Compare, scope: Scope) -> Value:
        left = self.eval(node.left, scope)
        result: Value = True
        for op, right_node in zip(node.ops, node.comparators):
            right = self.eval(right_node, scope)
            one = self.compare(op, left, right, node)
            if one is False:
                return False
            if one is not True:
                result = one
            left = right
        return result

    def compare(self, op: ast.cmpop, left: Value, right: Value, node: ast.AST | None = None) -> Value:
        if isinstance(op, (ast.Is, ast.IsNot)):
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                if left is None or right is None:
                    other = right if left is None else left
                    if isinstance(other, Unknown) and other.shape_dependent:  # sizes (x.shape[2:]) are never None
                        return isinstance(op, ast.IsNot)
                    if isinstance(other, Unknown):
                        return Unknown("is None of a value not known")
                return Unknown("identity of a value not known")
            same = left is right or (left is None) == (right is None) and (left is None)
            if isinstance(left, (bool, int, str)) and isinstance(right, (bool, int, str)) and type(left) is type(right):
                same = left == right
            return same if isinstance(op, ast.Is) else not same
        if isinstance(op, (ast.In, ast.NotIn)):
            items = self.sequence(right) if not isinstance(right, DictValue) else list(right.items)
            if isinstance(right, str) and isinstance(left, str):
                found: Value = left in right
            elif items is None or not _known(left) or not all(_known(i) for i in items):
                return Unknown("membership not known")
            else:
                found = any(_same(left, i) for i in items)
            return found if isinstance(op, ast.In) else not found
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            name = _COMPARE_NAMES.get(type(op))
            if name is None or node is None:
                return Unknown("a comparison of tensors")
            from shapecheck.static import tensor_ops

            return self.run_op(f"operator.{name}", node, lambda c: tensor_ops.compare(c, op, left, right))
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return Unknown("a comparison with a value not known", _shape_dependent(left) or _shape_dependent(right))
        if isinstance(left, Expr) or isinstance(right, Expr):
            return self._compare_dims(op, left, right)
        if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(left, tuple) and isinstance(right, tuple) and len(left) == len(right):
            items = [self.compare(ast.Eq(), a, b) for a, b in zip(left, right)]  # x.shape == (T, C): item by item
            if any(i is False for i in items) or all(i is True for i in items):
                return all(i is True for i in items) == isinstance(op, ast.Eq)
            return Unknown("a comparison of sizes", True)
        fn = _COMPARE.get(type(op))
        try:
            return fn(left, right) if fn is not None else Unknown("a comparison")
        except TypeError:
            return Unknown("a comparison of values of different kinds")

    def _compare_dims(self, op: ast.cmpop, left: Value, right: Value) -> Value:
        """A comparison of sizes: decided when it holds (or fails) for every size, else unknown."""
        if not isinstance(left, (int, Expr)) or not isinstance(right, (int, Expr)) or isinstance(left, bool) or isinstance(right, bool):
            return Unknown("a comparison of values of different kinds")
        if is_unknown(left) or is_unknown(right):
            return Unknown("a comparison of sizes not known", True)
        if isinstance(op, (ast.Eq, ast.NotEq)):
            equal = self.solver.decide_equal(left, right)
            if equal is not None:
                return equal == isinstance(op, ast.Eq)
            return Unknown("a comparison of sizes", True, relation=(left, "==" if isinstance(op, ast.Eq) else "!=", right))
        return Unknown("a comparison of sizes", True)

    def _if_exp(self, node: ast.IfExp, scope: Scope) -> Value:
        test = self.eval(node.test, scope)
        truth = self.truth(test)
        if truth is True:
            return self.eval(node.body, scope)
        if truth is False:
            return self.eval(node.orelse, scope)
        with self.silenced(_shape_dependent(test)):
            with self.solver.branch():
                a = self.eval(node.body, scope)
            with self.solver.branch():
                b = self.eval(node.orelse, scope)
        return join(a, b, f"differs between the arms of the conditional at line {node.lineno}")

    def _subscript(self, node: ast.Subscript, scope: Scope) -> Value:
        obj = self.eval(node.value, scope)
        key = self.eval(node.slice, scope)
        return self.subscript(obj, key, node)

    def subscript(self, obj: Value, key: Value, node: ast.AST) -> Value:
        from shapecheck.static.objects import subscript

        return subscript(self, obj, key, node)

    def _slice(self, node: ast.Slice, scope: Scope) -> Value:
        parts = [None if p is None else self.eval(p, scope) for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def _joined_str(self, node: ast.JoinedStr, scope: Scope) -> Value:
        """An f-string of known values (``f"stage{i}"``) is that string; anything else is unknown."""
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
                continue
            if not isinstance(value, ast.FormattedValue):
                return Unknown("a formatted string")
            item = self.eval(value.value, scope)
            spec = self.eval(value.format_spec, scope) if value.format_spec is not None else ""
            if type(item) not in (int, float, str, bool) or not isinstance(spec, str):
                return Unknown("a formatted string of values not known")
            converted: object = str(item) if value.conversion == 115 else repr(item) if value.conversion == 114 else ascii(item) if value.conversion == 97 else item
            try:
                parts.append(format(converted, spec))
            except (ValueError, TypeError):
                return Unknown("a formatted string Python would reject")
        return "".join(parts)

    def _lambda(self, node: ast.Lambda, scope: Scope) -> Value:
        return self.make_function(node, scope)

    def _starred(self, node: ast.Starred, scope: Scope) -> Value:
        return self.eval(node.value, scope)

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, scope: Scope) -> Value:
        out: list[Value] = []
        inner = Scope(parent=scope)
        if not self._generate(node.generators, 0, inner, lambda: out.append(self.eval(node.elt, inner))):
            return Unknown("a comprehension over values not known")
        return ListValue(out) if not isinstance(node, ast.SetComp) else Unknown("a set")

    def _dict_comp(self, node: ast.DictComp, scope: Scope) -> Value:
        out: dict[object, Value] = {}
        inner = Scope(parent=scope)
        ok = True

        def add() -> None:
            nonlocal ok
            key = self.eval(node.key, inner)
            if _hashable(key):
                out[key] = self.eval(node.value, inner)
            else:
                ok = False

        if not self._generate(node.generators, 0, inner, add) or not ok:
            return Unknown("a dict comprehension over values not known")
        return DictValue(out)

    def _generate(self, generators: list[ast.comprehension], i: int, scope: Scope, emit: Callable[[], None]) -> bool:
        if i == len(generators):
            emit()
            return True
        gen = generators[i]
        items = self.sequence(self.eval(gen.iter, scope))
        if items is None or len(items) > MAX_UNROLL:
            return False
        for item in items:
            self.assign(gen.target, item, scope)
            keep = True
            for cond in gen.ifs:
                truth = self.truth(self.eval(cond, scope))
                if truth is None:
                    return False
                keep = keep and truth
            if keep and not self._generate(generators, i + 1, scope, emit):
                return False
        return True

    def _named_expr(self, node: ast.NamedExpr, scope: Scope) -> Value:
        value = self.eval(node.value, scope)
        self.assign(node.target, value, scope)
        return value

    def _call(self, node: ast.Call, scope: Scope) -> Value:
        fn = self.eval(node.func, scope)
        args: list[Value] = []
        kwargs: dict[str, Value] = {}
        for a in node.args:
            if isinstance(a, ast.Starred):
                items = self.sequence(self.eval(a.value, scope))
                if items is None:
                    return self.unknown(node, f"call of {_describe(node.func)} with *arguments not known")
                args.extend(items)
            else:
                args.append(self.eval(a, scope))
        for kw in node.keywords:
            value = self.eval(kw.value, scope)
            if kw.arg is None:
                if not isinstance(value, DictValue) or not all(isinstance(k, str) for k in value.items):
                    return self.unknown(node, f"call of {_describe(node.func)} with **arguments not known")
                kwargs.update({str(k): v for k, v in value.items.items()})
            else:
                kwargs[kw.arg] = value
        try:
            return self.call(fn, args, kwargs, node)
        except Failed:
            return Unknown(f"after the error at line {node.lineno}")

    # -- calls --------------------------------------------------------------------------------
    def call(self, fn: Value, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
        from shapecheck.static.objects import call

        return call(self, fn, args, kwargs, node)

    def call_function(self, fn: FunctionValue, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
        """Run a user function's body on ``args`` (a bound method gets its instance first)."""
        if self.depth >= MAX_DEPTH:
            return self.unknown(node, f"calls nested too deep at {fn.qualname}()")
        if fn.bound is not None and not fn.is_static:
            args = [fn.bound, *args]
        scope = Scope(parent=fn.scope if isinstance(fn.scope, Scope) else None)
        if not self.bind_arguments(fn, args, kwargs, scope, node):
            return self.unknown(node, f"arguments of {fn.qualname}() not understood")
        self.depth += 1
        self._returns = [*self._returns, []]
        self.frames.append((fn, scope, self.where(node)))
        saved_loop = self.loop_imprecise
        try:
            with self.entering(self.file_of(fn)):
                if self.detail:
                    self._seen_parameters(fn.node.args, scope)
                if isinstance(fn.node, ast.Lambda):
                    return self.eval(fn.node.body, scope)
                final: list[Value]
                try:
                    self.exec_block(fn.node.body, scope)
                    final = [None]
                except Return as ret:
                    final = [ret.value]
                except Dead:
                    final = []
                except (Break, Continue):
                    final = [None]
            values = [*self._returns[-1], *final]
            if not values:
                return Unknown(f"{fn.qualname}() never returns")
            result = values[0]
            for other in values[1:]:
                result = join(result, other, f"{fn.qualname}() returns different values on different paths")
            return result
        finally:
            self.depth -= 1
            self.frames.pop()
            self._returns = self._returns[:-1]
            self.loop_imprecise = saved_loop

    def _seen_parameters(self, spec: ast.arguments, scope: Scope) -> None:
        """Record the shapes of the tensors a function was called with, at its parameters."""
        if self.quiet:
            return
        for param in (*spec.posonlyargs, *spec.args, *spec.kwonlyargs):
            value = scope.vars.get(param.arg)
            if isinstance(value, Tensor):
                Seen.add(self.seen.bound, (param.lineno, param.col_offset), value.shape, self.running)

    def _load(self, target: ast.expr) -> ast.expr:
        """An assignment target as an expression that reads it (for ``x += 1``); made once per target."""
        found = self._loads.get(id(target))
        if found is None:
            load = copy.deepcopy(target)
            for node in ast.walk(load):
                if hasattr(node, "ctx"):
                    node.ctx = ast.Load()
            found = self._loads[id(target)] = (target, load)
        return found[1]

    def bind_arguments(self, fn: FunctionValue, args: list[Value], kwargs: dict[str, Value], scope: Scope, node: ast.AST) -> bool:
        spec = fn.node.args
        positional = [*spec.posonlyargs, *spec.args]
        defaults, kw_defaults = fn.defaults, fn.kw_defaults
        first_default = len(positional) - len(defaults)
        kwargs = dict(kwargs)
        for i, param in enumerate(positional):
            if i < len(args):
                if param.arg in kwargs and i >= len(spec.posonlyargs):
                    return False
                scope.vars[param.arg] = args[i]
            elif param.arg in kwargs and i >= len(spec.posonlyargs):
                scope.vars[param.arg] = kwargs.pop(param.arg)
            elif i >= first_default:
                scope.vars[param.arg] = defaults[i - first_default]
            else:
                return False
        extra = args[len(positional) :]
        if spec.vararg is not None:
            scope.vars[spec.vararg.arg] = tuple(extra)
        elif extra:
            return False
        for index, param in enumerate(spec.kwonlyargs):
            if param.arg in kwargs:
                scope.vars[param.arg] = kwargs.pop(param.arg)
            elif spec.kw_defaults[index] is not None:
                scope.vars[param.arg] = kw_defaults[index]
            else:
                return False
        if spec.kwarg is not None:
            scope.vars[spec.kwarg.arg] = DictValue({k: v for k, v in kwargs.items()})
        elif kwargs:
            return False
        return True

    # -- sequences and truth ------------------------------------------------------------------
    def sequence(self, value: Value) -> list[Value] | None:
        """The items of an iterable value, or None when they are not known."""
        from shapecheck.static.objects import sequence

        return sequence(self, value)

    def iterate(self, value: Value, node: ast.AST) -> list[Value]:
        items = self.sequence(value)
        if items is None:
            return [self.unknown(node, "items not known")]
        return items

    def truth(self, value: Value) -> bool | None:
        """The truth of ``value``: True, False, or None when unknown."""
        if isinstance(value, Unknown):
            return None
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        if isinstance(value, Expr):
            return None if not is_unknown(value) and value.const <= 0 else True if not is_unknown(value) else None
        if isinstance(value, (int, float, str)):
            return bool(value)
        if isinstance(value, tuple):
            return bool(value)
        if isinstance(value, (ListValue,)):
            return bool(value.items) if value.exact else None
        if isinstance(value, DictValue):
            return bool(value.items)
        if isinstance(value, Container):
            return bool(value.items) if value.exact else None
        if isinstance(value, Tensor):
            return None
        return True

    # -- tensors: layers and ops --------------------------------------------------------------
    def run_op(self, name: str, node: ast.AST, body: Callable[[Op], Value]) -> Value:
        """Run a handler for the op ``name`` at ``node``: unknown inputs give an unknown result."""
        c = Op(self, node, name)
        try:
            with building_at(self.where(node), self.called()):
                result = body(c)
        except Unknowable as err:
            self.gap(err.line or node, err.reason, err.path if err.line else "")
            return self.unknown(node, err.reason)
        except RuleError as err:  # a rule a handler calls directly (``normalize_dim``): the op fails here
            self.op_failed(c, err, c.first)
        except (TypeError, ValueError, ArithmeticError, IndexError, KeyError) as err:
            return self.unknown(node, f"{_short(name)}: {err}")
        if isinstance(result, Tensor):
            self.checked += 1
        return result

    def call_handler(self, name: str, table: dict[str, Any], key: str, args: list[Value], kwargs: dict[str, Value], node: ast.AST) -> Value:
        handler, signature = table[key]

        def run(c: Op) -> Value:
            try:
                bound = signature.bind(c, *args, **kwargs)
            except TypeError as err:
                raise Unknowable(f"{_short(name)}(): {err}") from None
            return handler(*bound.args, **bound.kwargs)

        return self.run_op(name, node, run)

    def where(self, node: ast.AST) -> tuple[str, int]:
        return self.path, getattr(node, "lineno", 0)

    def called(self) -> Call | None:
        """The helper running and the line of this file that called it (``conv_bn`` called at line 18), as
        :func:`shapecheck.trace.caller_sites` names a helper: a function with parameters called from its own
        file. A block's ``__init__`` is one when another function of the file builds the block
        (``Inception(480, 192)`` in ``GoogLeNet.__init__``), named by its class; ``forward`` is not."""
        if not self.frames:
            return None
        fn, _, call = self.frames[-1]
        params = [*fn.node.args.posonlyargs, *fn.node.args.args][1 if fn.bound is not None else 0 :]
        name = getattr(fn.node, "name", "<lambda>")
        if name == "__init__" and isinstance(fn.bound, Instance):
            if len(self.frames) < 2 or self.frames[-2][0].bound is fn.bound:  # the model itself, or super().__init__
                return None
            name = fn.bound.cls.name
        if name in ("__init__", "forward") or not params or call[0] != self.path or call[1] == 0:
            return None
        return name, call

    def op_text(self, node: ast.AST, name: str) -> str:
        text = self.file.segment(node)
        if text is None or len(text) > 60 or "\n" in text:
            text = _short(name) + "(...)"
        return text

    def record_op(self, c: Op, x: Tensor | None, shape: Shape, dtype: str | None, macs: Dim) -> Tensor:
        text = self.op_text(c.node, c.name)
        source = x.shape if x is not None else Shape.unknown()
        self.tracer.record(OpStep(text, self.where(c.node), macs), text, source, shape)
        return Tensor(shape, dtype)

    def apply_op_layer(self, layer: Layer, x: Tensor, c: Op) -> Value:
        return self._apply(layer, x, c.node, self.op_text(c.node, c.name))

    def op_failed(self, c: Op, err: RuleError, x: Tensor | None) -> None:
        text = self.op_text(c.node, c.name)
        located = self.tracer.locate(err, OpStep(text, self.where(c.node)), x.shape if x is not None else Shape.unknown(), text)
        self.report_error(located, c.node)
        raise Failed()

    def apply_layer(self, value: LayerValue, x: Value, node: ast.AST, extra: dict[str, Value] | None = None) -> Value:
        """``self.conv1(x)``: the layer's rule on ``x``'s shape, as a step of the current model."""
        if not isinstance(x, Tensor):
            if isinstance(x, Unknown):
                return self.lost(x, node)
            if tensor_tuple(x):
                self.tuple_for_tensor(x, node, f"{value.torch_name} expects a tensor, got a tuple of {len(x)} values")
            return self.unknown(node, f"{value.torch_name} called on a value that is not a tensor")
        return self._apply(value.layer, x, node, value.path(), extra, attribute=value.parent is not None)

    def _apply(self, layer: Layer, x: Tensor, node: ast.AST, path: str, extra: dict[str, Value] | None = None, attribute: bool = False) -> Value:
        from shapecheck.nn.outputs import TupleModule

        tracer = self.tracer
        evidence = self.probe.get(id(x.shape)) if self.probe is not None else None
        if evidence is not None and evidence.layer is None:
            evidence.layer = layer
        try:
            if isinstance(layer, TupleModule):
                options = {**layer.options, **{k: v for k, v in (extra or {}).items() if k in layer.options and isinstance(v, bool)}}
                try:
                    tree = layer.outputs(x.shape, tracer.check, options)
                except RuleError as err:
                    raise tracer.locate(err, layer, x.shape, path) from None
                first = tree[0]
                tracer.record(layer, path, x.shape, first if isinstance(first, Shape) else Shape.unknown())
                self.checked += 1
                return _tensors(tree)
            if isinstance(layer, nn.Sequential) and layer.input is not None:
                self._fit_input(layer, layer.input, x, node)
            if isinstance(layer, nn.Sequential) or type(layer).trace is not Layer.trace:
                y = layer.trace(x.shape, tracer, path)
            else:
                y = tracer.leaf(layer, x.shape, path)
        except ShapeError as err:
            self.report_error(self._flatten_line(err, node) if type(layer).trace is Layer.trace else err, node, attribute)
            raise Failed() from None
        if evidence is not None and self.probe is not None and y.prefix and len(y.dims) == len((x.shape if x.shape.dims else layer_input(layer)).dims):
            self.probe[id(y)] = evidence  # the same leading dims: hints on y are hints on x
        self.checked += 1
        return Tensor(y, x.dtype if not isinstance(layer, (nn.Embedding,)) else "float")

    def _flatten_line(self, err: ShapeError, node: ast.AST) -> ShapeError:
        """A layer of the analysed file called on a name, ``self.fc(x)``: its fix "Flatten() before it" as the line
        to write before the statement, ``x = torch.flatten(x, 1)`` (``x.flatten(1)`` where ``torch`` is not imported)."""
        if self.file is not self.root or not isinstance(node, ast.Call) or len(node.args) != 1 or not isinstance(node.args[0], ast.Name):
            return err
        name = node.args[0].id
        torch = self.file.scope.lookup("torch")[1]
        flatten = f"torch.flatten({name}, 1)" if isinstance(torch, External) and torch.name == "torch" else f"{name}.flatten(1)"
        fixes = [f"{name} = {flatten}{BEFORE_LINE}{f[len(FLATTEN_FIX) :]}" if f.startswith(FLATTEN_FIX) else f for f in err.fixes]
        return err if fixes == err.fixes else dataclasses.replace(err, fixes=fixes)

    def _fit_input(self, chain: nn.Sequential, declared: nn.Input, x: Tensor, node: ast.AST) -> None:
        """A chain that declares its input (``Input("B", 3, 32, 32)``) called on ``x``: ``x`` must fit it
        (its names bind to the argument's sizes) and meet the chain's input conditions. Reported at the
        argument, in the words of the mypy plugin's type-level check."""
        at = node.args[0] if isinstance(node, ast.Call) and node.args else node
        message = f"Argument of shape {x.shape} does not fit the model's input {declared.shape}"
        problem, bound = _fit(declared.shape, x.shape, self.solver.lower)
        for expr, least in chain.requirements if problem is None else []:
            if symbols_of(expr) and all(s.name in bound for s in symbols_of(expr)) and evaluate(expr, bound) < least:
                left, op, right = oriented(expr, least)
                problem = f"the model needs {left} {op} {right}; for the argument {left} is {evaluate(left, bound)}"
                break
        if problem is not None:
            self.report(Finding(getattr(at, "lineno", 0), getattr(at, "col_offset", 0), message, (problem,)))
            raise Failed()

    def report_error(self, err: ShapeError, node: ast.AST, attribute: bool = False) -> None:
        """Report a located error at ``node``, naming the failing layer (``self.fc1`` when the model was
        reached through an attribute) and, when elsewhere, the line that built it."""
        line = getattr(node, "lineno", 0)
        column = getattr(node, "col_offset", 0)
        end = (getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None))
        if _is_op_text(err.path):
            header = f"in {err.path}: {err.layer}" if err.layer != err.path else None
        elif attribute and err.path:
            reached = attribute_path(err.path)
            header = f"in {'' if reached.startswith('[') else 'self.'}{reached} = {err.layer}"  # [0].conv: of a model held by no self
        else:
            header = f"in {err.header()}" if err.header() else None
        at, helper = _lines_of(err.location)
        blamed, self.solver.blame = self.solver.blame, None
        if blamed is not None:
            self.report(_blamed(blamed, finding_of(err, line, column, end, header, at)))
            return
        if line == 0 and at is not None:  # a model called from outside the file (an entry): where the layer is
            line, column, end = at, 0, (None, None)
        if header is not None and at is not None and at != line:
            header += f", defined at line {at}" + (f" (in {helper[0]} at line {helper[1]})" if helper else "")
        elif header is not None and helper is not None:  # the call on this line built it, inside the helper
            header += f", built in {helper[0]} at line {helper[1]}"
        if helper is not None and at is not None and self.file is self.root:
            self.call_edits.setdefault(line, call_edits(self.tree, self.source, at, helper[0], err))
        self.report(finding_of(err, line, column, end, header, at))


_DEFINED: Final = re.compile(r", (?:defined at line (\d+)(?: \(in (\S+) at line (\d+)\))?|built in (\S+) at line (\d+))$")


def _blamed(pin: Pin, failure: Finding) -> Finding:
    """A failure that only the sizes a broadcast lets through reach, reported at that broadcast: torch
    fails there for every other size."""
    notes = (f"it holds only where {pin.why}; for those sizes line {failure.line} fails: {failure.message}", *failure.notes)
    return Finding(pin.line, 0, pin.problem, notes, error=failure.error)


def _fit(declared: Shape, actual: Shape, lower: dict[str, int]) -> tuple[str | None, dict[str, int]]:
    """Whether an argument of shape ``actual`` fits a declared input, and the sizes it gives its names.

    A bare name binds to the argument's size (the same size everywhere it appears); any other dim
    must not differ for every size. Returns the problem (None when it fits) and the integer bindings.
    """
    if actual.prefix:
        return None, {}
    if len(actual) != len(declared):
        return f"the model takes a {len(declared)}D input, the argument is {len(actual)}D", {}
    names: dict[str, Dim] = {}
    for i, (want, got) in enumerate(zip(declared.dims, actual.dims)):
        symbols = symbols_of(want)
        if len(symbols) == 1 and want == as_dim(next(iter(symbols)).name):
            name = next(iter(symbols)).name
            if name not in names:
                names[name] = got
                continue
            want = names[name]
        if not is_unknown(got) and not is_unknown(want) and never_equal(got, want, lower) is not None:
            return f"dim {i} differs: the model's input has {want}, the argument {got}", {}
    return None, {k: v for k, v in names.items() if isinstance(v, int)}


_SHAPE_ERRORS: Final = frozenset({"Exception", "BaseException", "RuntimeError", "ValueError", "TypeError", "AssertionError", "ShapeError", "IndexError"})
"""Exceptions a shape mistake raises in torch or shapecheck, and their bases."""


def _catches_shape_errors(handler: ast.ExceptHandler) -> bool:
    """Whether ``except ...:`` catches what a shape mistake raises (bare, ``Exception``, ``RuntimeError``, ``ShapeError``, ...)."""
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(k is None or (k.attr if isinstance(k, ast.Attribute) else getattr(k, "id", "")) in _SHAPE_ERRORS for k in kinds)


def _relative(path: str, origin: str) -> str:
    """``path`` as seen from the directory of ``origin`` (the file analysed)."""
    try:
        return os.path.relpath(path, os.path.dirname(os.path.abspath(origin)))
    except ValueError:
        return path


def _tuple_text(value: Value) -> str:
    if isinstance(value, Tensor):
        return str(value.shape)
    if isinstance(value, tuple):
        return "(" + ", ".join(_tuple_text(v) for v in value) + ")"
    return "?" if isinstance(value, Unknown) else type(value).__name__


def _defined_in(where: str, found: re.Match[str]) -> str:
    """A ``, defined at line 6 (in conv_bn at line 10)`` (or ``, built in conv_bn at line 10``) note of another
    file, with its name: ``blocks.py:6``."""
    if found[4]:
        return f", built in {found[4]} at {where}:{found[5]}"
    helper = f" (in {found[2]} at {where}:{found[3]})" if found[2] else ""
    return f", defined at {where}:{found[1]}{helper}"


def _lines_of(location: str | None) -> tuple[int | None, tuple[str, int] | None]:
    """The line of a ``file:line`` location, and the helper and its line when a helper built the layer
    (``file:18 (in conv_bn at file:6)``: line 18 called ``conv_bn``, whose line 6 built it)."""
    found = _LOCATION.match(location or "")
    if found is None:
        return None, None
    return int(found[1]), (found[2], int(found[3])) if found[2] else None


_LOCATION: Final = re.compile(r".*:(\d+)(?: \(in (\S+) at .*:(\d+)\))?$")


def _general(finding: Finding) -> bool:
    return any(n.startswith("for no input size") for n in finding.notes)


def _is_op_text(path: str) -> bool:
    """Whether a step's path is the source text of an op (``F.relu(x)``) rather than an attribute path."""
    return "(" in path or " " in path


def attribute_path(path: str) -> str:
    """``layer1.0.conv2`` as the source reads it: ``layer1[0].conv2``."""
    out = ""
    for part in path.split("."):
        out += f"[{part}]" if part.isdigit() else f".{part}" if out else part
    return out


def step_name(step: Step, short: bool) -> str:
    """How a derivation names a step of a forward: the source text of an op, ``self.layer1[0].conv2``
    for a layer (with its repr in full)."""
    if _is_op_text(step.path):
        return step.path
    if not step.path:
        return type(step.layer).__name__ if short else repr(step.layer)
    name = f"self.{attribute_path(step.path)}"
    return name if short else f"{name} = {step.layer!r}"


def _tensors(tree: object) -> Value:
    if isinstance(tree, Shape):
        return Tensor(tree)
    if isinstance(tree, tuple):
        return tuple(_tensors(t) for t in tree)
    return None


def _python_binary(op: ast.operator, left: Value, right: Value) -> Value:
    """Python arithmetic on known values: ints, floats, sizes (``Expr``), strings and tuples."""
    if isinstance(left, ListValue) and isinstance(right, ListValue) and isinstance(op, ast.Add):
        return ListValue([*left.items, *right.items])
    if isinstance(left, ListValue) and isinstance(op, ast.Mult) and isinstance(right, int) and 0 <= right * len(left.items) <= MAX_ITEMS:
        return ListValue(left.items * right)
    if isinstance(left, tuple) and isinstance(op, ast.Mult) and isinstance(right, int) and not isinstance(right, Expr):
        return left * right if 0 <= right * len(left) <= MAX_ITEMS else Unknown("a tuple too long")
    if isinstance(left, Expr) or isinstance(right, Expr):
        return _dim_binary(op, left, right)
    fn = _BINARY.get(type(op))
    if fn is None:
        return Unknown("an operator not followed")
    if isinstance(op, ast.Pow) and isinstance(right, int) and (right > 256 or right < 0) and isinstance(left, int):
        return Unknown("a power too large")
    if isinstance(op, ast.LShift) and isinstance(right, int) and right > 256:
        return Unknown("a shift too large")
    try:
        result = fn(left, right)
    except (TypeError, ValueError, ArithmeticError, OverflowError):
        return Unknown("an operation Python would reject")
    if isinstance(result, int) and not isinstance(result, bool) and abs(result) >= MAX_INT * MAX_INT:
        return Unknown("a number too large")
    if isinstance(result, (str, tuple)) and len(result) > MAX_ITEMS:
        return Unknown("a value too large")
    return result


def _dim_binary(op: ast.operator, left: Value, right: Value) -> Value:
    """Arithmetic on sizes: ``+ - *`` of sizes, ``//`` by a positive int; anything else is unknown."""
    if not all(isinstance(v, (int, Expr)) and not isinstance(v, bool) for v in (left, right)):
        if isinstance(op, ast.Div):
            return Unknown("a size divided")
        return Unknown("arithmetic on a size and a value not known")
    a: Dim = left  # type: ignore[assignment]
    b: Dim = right  # type: ignore[assignment]
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Mult):
        return a * b
    if isinstance(op, ast.FloorDiv) and isinstance(b, int) and b > 0:
        return floor_div(a, b)
    if isinstance(op, ast.Mod) and isinstance(b, int) and b > 0:
        return a - floor_div(a, b) * b
    return Unknown("a size divided", True)


def _shape_dependent(value: Value) -> bool:
    return isinstance(value, Unknown) and value.shape_dependent


def _known(value: Value) -> bool:
    return value is None or isinstance(value, (int, float, str, bool)) and not (isinstance(value, Expr) and is_unknown(value))


def _same(a: Value, b: Value) -> bool:
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return False
    return bool(a == b)


def _hashable(value: Value) -> bool:
    return isinstance(value, (int, str, float, bool)) or value is None or isinstance(value, tuple) and all(_hashable(v) for v in value)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _describe(node: ast.expr) -> str:
    return _dotted(node) or type(node).__name__


def _short(name: str) -> str:
    for prefix, short in (("torch.nn.functional.", "F."), ("operator.", ""), ("tensor.", "Tensor.")):
        if name.startswith(prefix):
            return short + name[len(prefix) :]
    return name


def _assigned_names(body: Sequence[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _falls_off(node: ast.AST) -> bool:
    """Whether a function's body can end without ``return`` (its last statement is not a return or raise)."""
    body = getattr(node, "body", [])
    return not body or not isinstance(body[-1], (ast.Return, ast.Raise))


_builtins: Scope | None = None


def _builtins_scope() -> Scope:
    from shapecheck.static.objects import BUILTINS

    scope = Scope()
    scope.vars.update({name: External(f"builtins.{name}") for name in BUILTINS})
    scope.vars.update({"True": True, "False": False, "None": None, "__name__": Unknown("__name__")})
    return scope


_STATEMENTS: dict[type[ast.stmt], Callable[[Interpreter, Any, Scope], None]] = {
    ast.Expr: Interpreter._expr_stmt,
    ast.Assign: Interpreter._assign,
    ast.AnnAssign: Interpreter._ann_assign,
    ast.AugAssign: Interpreter._aug_assign,
    ast.If: Interpreter._if,
    ast.For: Interpreter._for,
    ast.While: Interpreter._while,
    ast.Return: Interpreter._return,
    ast.Raise: Interpreter._raise,
    ast.Assert: Interpreter._assert,
    ast.FunctionDef: Interpreter._function_def,
    ast.AsyncFunctionDef: Interpreter._function_def,
    ast.ClassDef: Interpreter._class_def,
    ast.Import: Interpreter._import,
    ast.ImportFrom: Interpreter._import_from,
    ast.With: Interpreter._with,
    ast.Try: Interpreter._try,
    ast.Global: Interpreter._global,
    ast.Nonlocal: Interpreter._global,
    ast.Delete: Interpreter._delete,
    ast.Break: Interpreter._break,
    ast.Continue: Interpreter._continue,
}
_EXPRESSIONS: dict[type[ast.expr], Callable[[Interpreter, Any, Scope], Value]] = {
    ast.Constant: Interpreter._constant,
    ast.Name: Interpreter._name,
    ast.Attribute: Interpreter._attribute,
    ast.Tuple: Interpreter._tuple,
    ast.List: Interpreter._list,
    ast.Set: Interpreter._set,
    ast.Dict: Interpreter._dict,
    ast.BinOp: Interpreter._bin_op,
    ast.UnaryOp: Interpreter._unary_op,
    ast.BoolOp: Interpreter._bool_op,
    ast.Compare: Interpreter._compare,
    ast.IfExp: Interpreter._if_exp,
    ast.Subscript: Interpreter._subscript,
    ast.Slice: Interpreter._slice,
    ast.JoinedStr: Interpreter._joined_str,
    ast.Lambda: Interpreter._lambda,
    ast.Starred: Interpreter._starred,
    ast.ListComp: Interpreter._comprehension,
    ast.GeneratorExp: Interpreter._comprehension,
    ast.SetComp: Interpreter._comprehension,
    ast.DictComp: Interpreter._dict_comp,
    ast.NamedExpr: Interpreter._named_expr,
    ast.Call: Interpreter._call,
}
