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
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Final

from shapecheck.dims import DimLike, as_dim
from shapecheck.shape import Shape
from shapecheck.static.call_fixes import verified_call_fixes
from shapecheck.static.inputs import Evidence, annotated_tensor, candidates, from_evidence
from shapecheck.static.interpreter import Exhausted, Interpreter, OpStep
from shapecheck.static.objects import instantiate
from shapecheck.static.report import FileReport, LayerUse, ModelReport
from shapecheck.static.values import ClassValue, Container, External, FunctionValue, Instance, Journal, LayerValue, Named, Tensor, Unknown, Value
from shapecheck.trace import Step

__all__ = ["Entry", "analyze_file", "analyze_source", "infer_inputs", "mentions_models", "prepare", "run_forward"]

_MAX_INSTANCES: Final = 12
"""Instances of one class checked with their own arguments (more add little and cost time)."""
_MARKERS: Final = ("torch", "shapecheck", "jaxtyping")


def mentions_models(source: str) -> bool:
    """Whether a file may define models at all (a cheap test before parsing)."""
    return any(m in source for m in _MARKERS)


def analyze_file(path: str, entries: Sequence[Entry] = ()) -> FileReport:
    with open(path, encoding="utf-8", errors="replace") as f:
        source = f.read()
    return analyze_source(source, path, entries)


Entry = str | tuple[str, Sequence[Sequence[DimLike]]]
"""A model to check besides those the file builds: an expression of the file's names (``"ViT(dim=64)"``,
``"GPT(GPTConfig(n_layer=2))"``), optionally with the input shapes to run it on."""


def analyze_source(
    source: str,
    path: str = "<source>",
    entries: Sequence[Entry] = (),
    tree: ast.Module | None = None,
    detail: bool = False,
    call_fixes: bool = True,
    sources: Mapping[str, str] | None = None,
) -> FileReport:
    """Every finding, model and shape the interpreter gets from ``source`` (and from ``entries``);
    ``tree`` is the source already parsed, when the caller has it. With ``detail``, the report also has
    every shape each name held and the layers applied (``seen``, ``layers``: what an editor shows).
    ``call_fixes`` checks the fixes at a helper's call (``conv_bn(16, 64)``) by analysing the edited source.
    ``sources``: the text to read for a module of the project instead of its file, by resolved path."""
    report = FileReport(path)
    if not mentions_models(source):
        return report
    try:
        tree = tree or ast.parse(source, path)
    except (SyntaxError, ValueError) as err:
        line = getattr(err, "lineno", None)
        report.error = f"syntax error{f' at line {line}' if line else ''}: {getattr(err, 'msg', err)}"
        return report
    interp = Interpreter(source, path, tree, detail, sources)
    _Analysis(interp, report).run(entries)
    ignored = _ignored_lines(source)
    report.findings = sorted((f for f in interp.findings.values() if f.line not in ignored), key=lambda f: (f.line, f.column, f.message))
    report.shapes = interp.shapes
    report.seen = interp.seen
    report.imported = {key: file.seen for key, file in interp.local_files.items() if file is not None}
    if call_fixes and interp.call_edits:
        verified_call_fixes(source, report, interp.call_edits, lambda edited: analyze_source(edited, path, entries, detail=True, call_fixes=False))
    return report


class _Analysis:
    def __init__(self, interp: Interpreter, report: FileReport) -> None:
        self.interp = interp
        self.report = report
        self.built: set[tuple[int, int]] = set()
        """The (class, configuration) of the instances checked: a model built twice alike is checked once."""
        self.uses: set[LayerUse] = set()

    def run(self, entries: Sequence[Entry] = ()) -> None:
        interp = self.interp
        with self._model("module level", 1, record=False) as module:
            interp.run_module()
        if module.steps or module.gaps:
            self.report.models.append(module)
        for entry in entries:
            self._entry(entry)
        for fn in list(interp.functions):
            if _required(fn) == 0 and fn.node.args.vararg is None:  # net(*dims) is written to be given dims
                self._entry_function(fn)
        for obj, line in list(interp.instances):
            self._instance(obj, line)
        bases = {id(b) for c in interp.classes for b in c.mro()[1:]}
        # classes built without arguments first: a block they build is then checked with their arguments
        for cls in sorted(interp.classes, key=_required_arguments):
            if cls.is_module and id(cls) not in bases and not any(o.cls is cls for o, _ in interp.instances):
                self._class(cls)
        for fn in interp.functions:
            if _required(fn) > 0 and fn.owner is None:
                self._annotated_function(fn)
        for chain, line in interp.chains:
            self._layers(chain.steps, f"the Sequential built at line {line}")

    @contextmanager
    def _model(self, name: str, line: int, record: bool = True) -> Iterator[ModelReport]:
        interp = self.interp
        interp.tracer = interp.new_tracer()
        interp.gaps = []
        interp.checked = 0
        interp.steps = 0
        model = ModelReport(name, line)
        interp.running = name
        try:
            yield model
        except Exhausted:
            interp.gap(ast.Pass(lineno=line, col_offset=0), "too much to follow (step budget spent)")
        except RecursionError:
            model.followed, model.why = False, "nested too deep to follow"
        model.steps = interp.checked
        model.gaps = list(interp.gaps)
        model.conditions = interp.tracer.check.describe()
        if interp.detail:
            self._layers(interp.tracer.steps, name)
        if record:
            self.report.models.append(model)

    def _layers(self, steps: Sequence[Step], model: str) -> None:
        """The ``steps`` of ``model`` whose layers this file or a file of the project it imports constructed,
        as :class:`LayerUse` (once each)."""
        path = self.interp.file.path
        for step in steps:
            where = step.layer.where
            if where is None or where[0] not in self.interp.local_files and where[0] != path or isinstance(step.layer, OpStep):
                continue
            layer = step.layer
            x, y = step.input, step.output
            other = where[0] if where[0] != path else ""
            use = LayerUse(where[1], step.path, repr(layer), str(x), str(y), layer.parameter_count(), layer.macs(x, y), model, other, layer, (x, y))
            if use not in self.uses:
                self.uses.add(use)
                self.report.layers.append(use)

    def _entry(self, entry: Entry) -> None:
        """A model named by an expression of the file's names, run on the given inputs or the implied ones."""
        text, shapes = (entry, None) if isinstance(entry, str) else entry
        interp = self.interp
        try:
            expression = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            self.report.models.append(ModelReport(text, 0, followed=False, why="not a Python expression"))
            return
        with self._model(text, 0, record=False):
            interp.entry = text
            value = interp.eval(expression, interp.module_scope)
            interp.entry = ""
        if not isinstance(value, (Instance, LayerValue, Container)):
            self.report.models.append(ModelReport(text, 0, followed=False, why=_why(value) if isinstance(value, Unknown) else "not a model"))
            return
        given = None if shapes is None else [Tensor(Shape([as_dim(d) for d in dims])) for dims in shapes]
        line = value.cls.node.lineno if isinstance(value, Instance) else value.line
        if isinstance(value, Instance):
            self.built.add((id(value.cls), _fingerprint(value)))
        with self._model(text, line) as model:
            result, used = run_forward(interp, value, given)
            if isinstance(result, Unknown):
                interp.lost(result, interp.tree)
            model.inputs = ", ".join(str(t.shape) for t in used)
            model.output = _describe(result)

    def _entry_function(self, fn: FunctionValue) -> None:
        node = fn.node
        line = getattr(node, "lineno", 0)
        with self._model(f"{fn.qualname}()", line, record=False) as model:
            self.interp.entry = f"{fn.qualname}()"
            result = self.interp.call_value(fn, [], {}, node)
            self.interp.entry = ""
            model.output = _describe(result)
        if self.interp.tracer.steps:  # it ran a model on tensors (a factory that only builds one is not)
            self.report.models.append(model)

    def _instance(self, obj: Instance, line: int) -> None:
        if not obj.cls.is_module or obj.parent is not None:
            return
        key = (id(obj.cls), _fingerprint(obj))
        if key in self.built or sum(1 for cls, _ in self.built if cls == id(obj.cls)) >= _MAX_INSTANCES:
            return
        self.built.add(key)
        entry = self.interp.built_by.get(id(obj))
        self._forward(obj, f"{entry}: {obj.cls.name}" if entry else f"{obj.cls.name} (built at line {line})", obj.cls.node.lineno)

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
        if (found is None or not isinstance(found[0], FunctionValue)) and obj.base is None and obj.cls.container_kind != "Sequential":
            self.report.models.append(ModelReport(name, line, followed=False, why="no forward()"))
            return
        forward = found[0] if found is not None and isinstance(found[0], FunctionValue) else None
        params = _tensor_parameters(forward) if forward is not None else [ast.arg("input")]
        callee: Value = forward.bind(obj) if forward is not None else obj
        inputs = infer_inputs(interp, callee, params)
        with self._model(name, line) as model:
            if note:
                interp.gap(line, note)
            result = _undone(interp, callee, inputs)
            if isinstance(result, Unknown):
                interp.lost(result, obj.cls.node)
            model.inputs = ", ".join(f"{p.arg}: {_describe(v)}" for p, v in zip(params, inputs))
            model.output = _describe(result)

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


def _required_arguments(cls: ClassValue) -> int:
    """How many arguments ``cls(...)`` requires, as its ``__init__`` in the file reads (0 without one)."""
    found = cls.lookup("__init__")
    return _required(found[0]) - 1 if found is not None and isinstance(found[0], FunctionValue) else 0


def _ignored_lines(source: str) -> set[int]:
    """Lines a comment tells every checker to leave alone: ``# type: ignore``, ``# type: ignore[shape]``
    (with any other codes), ``# shapecheck: ignore``. ``# type: ignore[other-code]`` does not."""
    return {i for i, text in enumerate(source.splitlines(), 1) if "#" in text and _IGNORE.search(text)}


def prepare(source: str, path: str) -> Interpreter:
    """An interpreter that has run the module's top level (definitions, constants, module-level models).

    Raises ``ValueError`` for a file that does not parse."""
    try:
        tree = ast.parse(source, path)
    except (SyntaxError, ValueError) as err:
        line = getattr(err, "lineno", None)
        raise ValueError(f"{path}: syntax error{f' at line {line}' if line else ''}: {getattr(err, 'msg', err)}") from None
    interp = Interpreter(source, path, tree)
    interp.run_module()
    return interp


def run_forward(interp: Interpreter, model: Value, given: Sequence[Value] | None = None) -> tuple[Value, list[Tensor]]:
    """Call ``model`` (an instance of a torch module class, a layer or a chain) on ``given`` tensors, or on
    the inputs its first layers imply; what the call changes in the model is undone. Returns the result
    and the inputs used."""
    if isinstance(model, Instance):
        found = model.cls.lookup("forward")
        if found is None or not isinstance(found[0], FunctionValue):
            return Unknown(f"{model.cls.name} has no forward()"), []
        callee: Value = found[0].bind(model)
        params = _tensor_parameters(found[0])
    else:
        callee, params = model, [ast.arg("input")]
    inputs: list[Value] = list(given) if given is not None else infer_inputs(interp, callee, params)
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    return _undone(interp, callee, inputs), tensors


def infer_inputs(interp: Interpreter, callee: Value, params: list[ast.arg]) -> list[Value]:
    """The inputs to check ``callee`` on: annotated parameters as annotated, the others probed (see ``inputs``)."""
    inputs: list[Value] = []
    probes: dict[int, Evidence] = {}
    for p in params:
        annotated = annotated_tensor(p.annotation, lambda n: interp.eval(n, interp.module_scope))
        if annotated is not None:
            inputs.append(annotated)
        else:
            shape = Shape.unknown()
            probes[id(shape)] = Evidence()
            inputs.append(Tensor(shape))
    if not probes:
        return inputs
    saved = (interp.tracer, interp.gaps, interp.checked, interp.steps)
    interp.tracer, interp.gaps = interp.new_tracer(), []
    interp.probe = probes
    try:
        with interp.silenced():
            _undone(interp, callee, inputs)
    except (Exhausted, RecursionError):
        pass
    finally:
        interp.probe = None
        interp.tracer, interp.gaps, interp.checked, interp.steps = saved
    out: list[Value] = []
    tried: list[list[Value]] = []
    for value in inputs:
        evidence = probes.get(id(value.shape)) if isinstance(value, Tensor) else None
        position = sum(1 for v in out if isinstance(v, Tensor))
        out.append(value if evidence is None else from_evidence(evidence, position))
        tried.append([out[-1]] if evidence is None else [*candidates(evidence, position)] or [out[-1]])
    return _likeliest(interp, callee, tried, out) if any(len(c) > 1 for c in tried) else out


_MAX_TRIALS: Final = 27
"""The most combinations of candidate input shapes followed to choose one."""


def _likeliest(interp: Interpreter, callee: Value, tried: list[list[Value]], default: list[Value]) -> list[Value]:
    """Of the candidate inputs, the combination the forward runs on (no finding) and follows furthest;
    when it fails on all of them, one where it fails on sizes rather than on a rank, followed furthest
    before failing; ``default`` (ranks unknown) when it fails on a rank with each (the ranks tried may
    all be wrong)."""
    best: tuple[tuple[bool, bool, int, int], list[Value]] | None = None
    for combination in itertools.islice(itertools.product(*tried), _MAX_TRIALS):
        score = _trial(interp, callee, list(combination))
        if best is None or score > best[0]:
            best = (score, list(combination))
    assert best is not None
    (runs, sizes, _, _), inputs = best
    return inputs if runs or sizes else default


def _trial(interp: Interpreter, callee: Value, inputs: list[Value]) -> tuple[bool, bool, int, int]:
    """How far ``callee`` follows ``inputs``: (no finding, no finding on a rank, steps checked, minus
    gaps); nothing is reported."""
    saved = (interp.tracer, interp.gaps, interp.checked, interp.steps, interp.findings)
    interp.tracer, interp.gaps, interp.checked, interp.steps, interp.findings = interp.new_tracer(), [], 0, 0, {}
    try:
        _undone(interp, callee, inputs)
    except (Exhausted, RecursionError):
        pass
    finally:
        ranks = any(f.error is not None and f.error.kind == "rank" for f in interp.findings.values())
        score = (not interp.findings, not ranks, interp.checked, -len(interp.gaps))
        interp.tracer, interp.gaps, interp.checked, interp.steps, interp.findings = saved
    return score


def _undone(interp: Interpreter, callee: Value, inputs: list[Value]) -> Value:
    """``callee(*inputs)``, with every change it makes to the values it reaches undone afterwards."""
    journal = Journal()
    outer, Journal.active = Journal.active, journal
    try:
        return interp.call_value(callee, list(inputs), {}, getattr(callee, "node", interp.tree))
    finally:
        Journal.active = outer
        for mutable, state in journal.before.values():
            mutable.restore(state)


def _tensor_parameters(forward: FunctionValue) -> list[ast.arg]:
    """The parameters of ``forward`` (after ``self``) without a default: the tensors it is called on."""
    spec = forward.node.args
    params = [*spec.posonlyargs, *spec.args][1:]
    return params[: len(params) - len(spec.defaults)] if spec.defaults else params


def _fingerprint(value: Value, depth: int = 0) -> int:
    """A hash of a module tree's configuration: the classes and layers in it, in order."""
    if depth > 64:
        return 0
    if isinstance(value, Instance):
        return hash((value.cls.name, *(hash((k, _fingerprint(v, depth + 1))) for k, v in value.attrs.items() if isinstance(v, Named))))
    if isinstance(value, Container):
        return hash((value.kind, *(_fingerprint(v, depth + 1) for _, v in value.items)))
    if isinstance(value, LayerValue):
        return hash(repr(value.layer))
    return 0


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
