"""One file through the forward interpreter: which models it defines, and each one checked.

The module's top level runs first (imports, constants, definitions, models built at module level).
Then the entry points, each with a fresh record of steps and conditions:

* module-level functions without required parameters (``def resnet18(): return ResNet(...)``, a
  ``test()`` that calls a model on ``torch.randn(1, 3, 32, 32)``): run as written, so sizes the file
  states are checked exactly;
* every torch module built along the way with known arguments, or, for a class never built, with its
  constructor's defaults (a parameter annotated with a config class of the file gets that class's
  defaults): its ``forward`` on the inputs of ``inputs`` (annotations, or invented from the first layer);
* functions with required parameters: run with their jaxtyping-annotated tensors, other arguments unknown.

What was followed, and where tracking was lost, is reported per model (``ModelReport``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from shapecheck.shape import Shape
from shapecheck.static.inputs import Evidence, annotated_tensor, from_evidence
from shapecheck.static.interpreter import Exhausted, Interpreter
from shapecheck.static.objects import instantiate
from shapecheck.static.report import FileReport, ModelReport
from shapecheck.static.values import ClassValue, External, FunctionValue, Instance, Journal, Tensor, Unknown, Value

__all__ = ["analyze_file", "analyze_source", "mentions_models"]

_MAX_INSTANCES: Final = 4
"""Instances of one class checked with their own arguments (more add little and cost time)."""
_MARKERS: Final = ("torch", "shapecheck", "jaxtyping")


def mentions_models(source: str) -> bool:
    """Whether a file may define models at all (a cheap test before parsing)."""
    return any(m in source for m in _MARKERS)


def analyze_file(path: str) -> FileReport:
    with open(path, encoding="utf-8", errors="replace") as f:
        source = f.read()
    return analyze_source(source, path)


def analyze_source(source: str, path: str = "<source>") -> FileReport:
    """Every finding, model and shape the interpreter gets from ``source``."""
    report = FileReport(path)
    if not mentions_models(source):
        return report
    try:
        tree = ast.parse(source, path)
    except (SyntaxError, ValueError) as err:
        line = getattr(err, "lineno", None)
        report.error = f"syntax error{f' at line {line}' if line else ''}: {getattr(err, 'msg', err)}"
        return report
    interp = Interpreter(source, path, tree)
    _Analysis(interp, report).run()
    ignored = _ignored_lines(source)
    report.findings = sorted((f for f in interp.findings.values() if f.line not in ignored), key=lambda f: (f.line, f.column, f.message))
    report.shapes = interp.shapes
    return report


class _Analysis:
    def __init__(self, interp: Interpreter, report: FileReport) -> None:
        self.interp = interp
        self.report = report
        self.built: set[tuple[int, int]] = set()
        """The (class, line) of the instances checked: a model built twice at one line is checked once."""

    def run(self) -> None:
        interp = self.interp
        with self._model("module level", 1, record=False) as module:
            interp.run_module()
        if module.steps or module.gaps:
            self.report.models.append(module)
        for fn in list(interp.functions):
            if _required(fn) == 0:
                self._entry_function(fn)
        for obj, line in list(interp.instances):
            self._instance(obj, line)
        for cls in interp.classes:
            if cls.is_module and not any(o.cls is cls for o, _ in interp.instances):
                self._class(cls)
        for fn in interp.functions:
            if _required(fn) > 0 and fn.owner is None:
                self._annotated_function(fn)

    @contextmanager
    def _model(self, name: str, line: int, record: bool = True) -> Iterator[ModelReport]:
        interp = self.interp
        interp.tracer = interp.new_tracer()
        interp.gaps = []
        interp.checked = 0
        interp.steps = 0
        model = ModelReport(name, line)
        try:
            yield model
        except Exhausted:
            interp.gap(ast.Pass(lineno=line, col_offset=0), "too much to follow (step budget spent)")
        except RecursionError:
            model.followed, model.why = False, "nested too deep to follow"
        model.steps = interp.checked
        model.gaps = list(interp.gaps)
        model.conditions = interp.tracer.check.describe()
        if record:
            self.report.models.append(model)

    def _entry_function(self, fn: FunctionValue) -> None:
        node = fn.node
        line = getattr(node, "lineno", 0)
        with self._model(f"{fn.qualname}()", line, record=False) as model:
            result = self.interp.call_value(fn, [], {}, node)
            model.output = _describe(result)
        if model.steps or model.gaps and self.interp.tracer.steps:
            self.report.models.append(model)

    def _instance(self, obj: Instance, line: int) -> None:
        if not obj.cls.is_module or obj.parent is not None or (id(obj.cls), line) in self.built:
            return
        if sum(1 for cls, _ in self.built if cls == id(obj.cls)) >= _MAX_INSTANCES:
            return
        self.built.add((id(obj.cls), line))
        self._forward(obj, f"{obj.cls.name} (built at line {line})", obj.cls.node.lineno)

    def _class(self, cls: ClassValue) -> None:
        interp = self.interp
        with self._model(cls.name, cls.node.lineno, record=False):
            args, missing = self._default_arguments(cls)
            obj = instantiate(interp, cls, [], args, cls.node)
        if not isinstance(obj, Instance):
            self.report.models.append(ModelReport(cls.name, cls.node.lineno, followed=False, why=_why(obj)))
            return
        if missing:
            self._forward(obj, cls.name, cls.node.lineno, note=f"constructor arguments not known: {', '.join(missing)}")
        else:
            self._forward(obj, cls.name, cls.node.lineno)

    def _default_arguments(self, cls: ClassValue) -> tuple[dict[str, Value], list[str]]:
        """Keyword arguments for ``cls()``: a required parameter annotated with a class of the file gets
        that class built from its defaults; other required parameters are unknown (and named)."""
        found = cls.lookup("__init__")
        if found is None or not isinstance(found[0], FunctionValue):
            return {}, []
        fn = found[0]
        spec = fn.node.args
        params = [*spec.posonlyargs, *spec.args][1:]
        required = params[: len(params) - len(spec.defaults)]
        args: dict[str, Value] = {}
        missing: list[str] = []
        for p in required:
            config = self._config(p.annotation)
            if config is not None:
                args[p.arg] = config
            else:
                args[p.arg] = Unknown(f"constructor argument {p.arg} not known")
                missing.append(p.arg)
        for p, default in zip(spec.kwonlyargs, spec.kw_defaults):
            if default is None:
                args[p.arg] = Unknown(f"constructor argument {p.arg} not known")
                missing.append(p.arg)
        return args, missing

    def _config(self, annotation: ast.expr | None) -> Value | None:
        if annotation is None:
            return None
        head = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        cls = self.interp.eval(head, self.interp.module_scope) if isinstance(head, (ast.Name, ast.Attribute)) else None
        if isinstance(cls, ClassValue) and not cls.is_module:
            value = instantiate(self.interp, cls, [], {}, annotation)
            return value if isinstance(value, Instance) else None
        return None

    def _forward(self, obj: Instance, name: str, line: int, note: str = "") -> None:
        interp = self.interp
        found = obj.cls.lookup("forward")
        if found is None or not isinstance(found[0], FunctionValue):
            self.report.models.append(ModelReport(name, line, followed=False, why="no forward()"))
            return
        forward = found[0]
        params = [*forward.node.args.posonlyargs, *forward.node.args.args][1:]
        defaults = len(forward.node.args.defaults)
        required = params[: len(params) - defaults] if defaults else params
        inputs = self._inputs(obj, forward, required)
        with self._model(name, line) as model:
            if note:
                interp.gap(forward.node, note)
            journal = Journal()
            outer, Journal.active = Journal.active, journal
            try:
                result = interp.call_value(forward.bind(obj), list(inputs), {}, forward.node)
            finally:
                Journal.active = outer
                for value, state in journal.before.values():
                    value.restore(state)
            model.inputs = ", ".join(f"{p.arg}: {_describe(v)}" for p, v in zip(required, inputs))
            model.output = _describe(result)

    def _inputs(self, obj: Instance, forward: FunctionValue, params: list[ast.arg]) -> list[Value]:
        interp = self.interp
        inputs: list[Value] = []
        probes: dict[int, Evidence] = {}
        for p in params:
            annotated = annotated_tensor(p.annotation, lambda n: interp.eval(n, interp.module_scope))
            if annotated is not None:
                inputs.append(annotated)
            else:
                shape = Shape.unknown()
                probe = Tensor(shape)
                probes[id(shape)] = Evidence()
                inputs.append(probe)
        if not probes:
            return inputs
        with self._model("<probe>", 0, record=False), interp.silenced():
            interp.probe = probes
            journal = Journal()
            outer, Journal.active = Journal.active, journal
            try:
                interp.call_value(forward.bind(obj), list(inputs), {}, forward.node)
            finally:
                interp.probe = None
                Journal.active = outer
                for mutable, state in journal.before.values():
                    mutable.restore(state)
        out: list[Value] = []
        position = 0
        for value in inputs:
            if isinstance(value, Tensor) and id(value.shape) in probes:
                out.append(from_evidence(probes[id(value.shape)], position))
                position += 1
            else:
                out.append(value)
        return out

    def _annotated_function(self, fn: FunctionValue) -> None:
        interp = self.interp
        spec = fn.node.args
        params = [*spec.posonlyargs, *spec.args]
        args: list[Value] = []
        annotated = False
        for p in params:
            tensor = annotated_tensor(p.annotation, lambda n: interp.eval(n, interp.module_scope))
            literal = self._literal(p.annotation)
            annotated = annotated or tensor is not None or literal is not None
            args.append(tensor if tensor is not None else literal if literal is not None else Unknown(f"argument {p.arg} not known"))
        if not annotated:
            return
        defaults = len(spec.defaults)
        if defaults:
            args = args[: len(args) - defaults]
        with self._model(f"{fn.qualname}()", getattr(fn.node, "lineno", 0)) as model:
            result = interp.call_value(fn, args, {}, fn.node)
            model.output = _describe(result)


    def _literal(self, annotation: ast.expr | None) -> Value | None:
        """The one value a ``Literal[16]`` annotation allows."""
        if not isinstance(annotation, ast.Subscript) or not isinstance(annotation.slice, ast.Constant):
            return None
        head = self.interp.eval(annotation.value, self.interp.module_scope)
        if isinstance(head, External) and head.name in ("typing.Literal", "typing_extensions.Literal"):
            value: Value = annotation.slice.value
            return value
        return None


_IGNORE: Final = re.compile(r"#\s*(?:type:\s*ignore(?!\[(?![^\]]*\bshape\b))|shapecheck:\s*ignore)")


def _ignored_lines(source: str) -> set[int]:
    """Lines a comment tells every checker to leave alone: ``# type: ignore``, ``# type: ignore[shape]``
    (with any other codes), ``# shapecheck: ignore``. ``# type: ignore[other-code]`` does not."""
    return {i for i, text in enumerate(source.splitlines(), 1) if "#" in text and _IGNORE.search(text)}


def _required(fn: FunctionValue) -> int:
    spec = fn.node.args
    positional = len(spec.posonlyargs) + len(spec.args) - len(spec.defaults)
    keyword = sum(1 for d in spec.kw_defaults if d is None)
    return positional + keyword


def _describe(value: Value) -> str:
    if isinstance(value, Tensor):
        return str(value.shape)
    if isinstance(value, tuple):
        return "(" + ", ".join(_describe(v) for v in value) + ")"
    if isinstance(value, Unknown):
        return "?"
    if isinstance(value, Instance):
        return f"{value.cls.name} instance"
    return type(value).__name__ if value is not None else "None"


def _why(value: Value) -> str:
    return value.reason if isinstance(value, Unknown) and value.reason else "its constructor could not be followed"
