"""A model read from source, summarised without importing or running anything (``summary --static``).

The interpreter builds the model as the source would (``Net(10, depth=3)``, a factory, a chain) and
runs its ``forward`` on the given input (or the one its first layer implies); the steps it records
are the rows of the summary and the counts fold over them, as for any ``shapecheck.nn`` model.
Parameters are counted over the module tree once each, as ``sum(p.numel() for p in m.parameters())``
counts them: a layer or a weight shared by two attributes (tied embeddings) counts once.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

from shapecheck.dims import Condition, Dim, DimLike, as_dim
from shapecheck.shape import Shape
from shapecheck.static.analysis import prepare, run_forward
from shapecheck.static.values import ClassValue, Container, FunctionValue, Instance, LayerValue, Opaque, Tensor, Unknown, Value
from shapecheck.trace import Step

__all__ = ["ModelError", "Node", "StaticModel", "build_model", "model_steps", "parse_call", "static_candidates"]


class ModelError(ValueError):
    """The model cannot be built or counted from source alone (the message says what is missing)."""


@dataclass
class Node:
    """A module of the tree, for summaries by depth: its class name and its children."""

    kind: str
    parts: list[tuple[str, Node]] = field(default_factory=list)

    def children(self) -> list[tuple[str, Node]]:
        return self.parts


@dataclass
class StaticModel:
    """What ``shapecheck.summary`` and the counters read of a model (see ``count.Checked``)."""

    label: str
    steps: list[Step]
    input_shape: Shape
    output_shape: Shape
    conditions: list[str]
    requirements: list[Condition]
    params: int
    buffers: int
    tree: Node

    def parameter_count(self) -> int:
        return self.params

    def buffer_count(self) -> int:
        return self.buffers

    def children(self) -> list[tuple[str, Node]]:
        return self.tree.children()


def parse_call(text: str) -> tuple[str, tuple[object, ...], dict[str, object]]:
    """``"Net(10, depth=3)"`` -> ``("Net", (10,), {"depth": 3})``; a bare name has no arguments.

    Arguments are Python literals (numbers, strings, tuples, lists, dicts, True/False/None)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ModelError(f"{text!r} is neither a name nor a call such as Net(10, depth=3)") from None
    if isinstance(node, ast.Name):
        return node.id, (), {}
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or any(k.arg is None for k in node.keywords):
        raise ModelError(f"{text!r} is neither a name nor a call such as Net(10, depth=3)")
    try:
        args = tuple(ast.literal_eval(a) for a in node.args)
        kwargs = {str(k.arg): ast.literal_eval(k.value) for k in node.keywords}
    except ValueError:
        raise ModelError(f"{text!r}: arguments must be literals (numbers, strings, tuples, lists)") from None
    return node.func.id, args, kwargs


def build_model(source: str, path: str, target: str, inputs: Sequence[Sequence[DimLike]] | None = None) -> StaticModel:
    """The model ``target`` (``Net``, ``Net(10, depth=3)``, ``resnet18()``) of ``source``, run on ``inputs``
    (shapes of forward's tensor arguments; by default the ones its first layer implies)."""
    name, args, kwargs = parse_call(target)
    try:
        interp = prepare(source, path)
    except ValueError as err:
        raise ModelError(str(err)) from None
    found, value = interp.module_scope.lookup(name)
    if not found:
        raise ModelError(f"{path} defines no {name!r}")
    if isinstance(value, (ClassValue, FunctionValue)):
        value = interp.call_value(value, list(args), dict(kwargs), interp.tree)
    elif args or kwargs:
        raise ModelError(f"{name} is not a class or a function: it takes no arguments")
    if isinstance(value, Unknown):
        raise ModelError(f"{target} cannot be built from source alone: {value.reason}")
    if not isinstance(value, (Instance, LayerValue, Container)):
        raise ModelError(f"{target} is not a model (it gives {type(value).__name__})")
    interp.tracer = interp.new_tracer()
    given = None if inputs is None else [Tensor(Shape([as_dim(d) if isinstance(d, str) else d for d in dims])) for dims in inputs]
    result, used = run_forward(interp, value, given)
    if interp.findings:
        first = min(interp.findings.values(), key=lambda f: f.line)
        raise ModelError(f"{path}:{first.line}: {first.message}\n" + "\n".join(f"  {n}" for n in first.notes))
    if not isinstance(result, Tensor) or not used:
        why = interp.gaps[0] if interp.gaps else "its forward does not return a tensor"
        raise ModelError(f"{target}: the forward could not be followed ({why})")
    seen: set[int] = set()
    params = _count(value, seen, buffers=False)
    buffers = _count(value, set(), buffers=True)
    solver = interp.solver
    return StaticModel(
        label=target,
        steps=model_steps(interp.tracer.steps),
        input_shape=used[0].shape,
        output_shape=result.shape,
        conditions=solver.describe(),
        requirements=solver.conditions(),
        params=params,
        buffers=buffers,
        tree=_tree(value),
    )


def static_candidates(source: str, path: str) -> list[str]:
    """The models of a file a summary shows without a name: module-level functions without required
    parameters that build a torch module class of the file, and such classes buildable without arguments."""
    try:
        interp = prepare(source, path)
    except ValueError as err:
        raise ModelError(str(err)) from None
    out: list[str] = []
    built: set[str] = set()
    for fn in interp.functions:
        spec = fn.node.args
        if fn.owner is None and len(spec.args) + len(spec.posonlyargs) == len(spec.defaults) and not spec.kwonlyargs and "test" not in fn.qualname.lower():
            result = interp.call_value(fn, [], {}, fn.node)
            if isinstance(result, Instance) and result.cls.is_module:
                out.append(f"{fn.qualname}()")
                built.add(result.cls.name)
    for cls in interp.classes:
        found = cls.lookup("__init__")
        init = found[0] if found is not None else None
        needs = isinstance(init, FunctionValue) and len(init.node.args.args) - 1 > len(init.node.args.defaults)
        if cls.is_module and not needs and cls.name not in built and not _is_part(interp, cls):
            out.append(cls.name)
    return out


def _is_part(interp: object, cls: ClassValue) -> bool:
    """Whether every instance of ``cls`` built so far sits inside another module (a block, not a model)."""
    instances = [o for o, _ in getattr(interp, "instances", []) if o.cls is cls]
    return bool(instances) and all(o.parent is not None for o in instances)


def model_steps(steps: list[Step]) -> list[Step]:
    """The rows of a summary among the steps a forward recorded: layers, and ops that count MACs
    (``F.relu(x)`` and ``x + y`` are not rows), numbered from 0."""
    from shapecheck.static.interpreter import OpStep

    rows = [s for s in steps if not isinstance(s.layer, OpStep) or s.layer.macs(s.input, s.output) != 0]
    return [Step(i, s.path, s.layer, s.input, s.output, s.source) for i, s in enumerate(rows)]


def _count(value: Value, seen: set[int], buffers: bool) -> int:
    """Elements of the parameters (or buffers) of the module tree under ``value``, each once."""
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, LayerValue):
        if buffers:
            return value.layer.buffer_count()
        own = value.layer.parameter_count()
        for name, tensor in value.overrides.items():
            replaced = value.parameter(name)
            own -= _numel(replaced) if replaced is not None else 0
            own += _count(tensor, seen, buffers)
        return own
    if isinstance(value, Tensor):
        return _numel(value) if value.parameter != buffers else 0
    if isinstance(value, Instance):
        total = 0
        for name, attr in value.attrs.items():
            if isinstance(attr, Tensor):
                is_buffer = name in value.buffers
                if is_buffer == buffers and (attr.parameter or is_buffer) and id(attr) not in seen:
                    seen.add(id(attr))
                    total += _numel(attr)
            elif isinstance(attr, (LayerValue, Instance, Container, Opaque)):
                total += _count(attr, seen, buffers)
        return total
    if isinstance(value, Container):
        return sum(_count(item, seen, buffers) for _, item in value.items)
    if isinstance(value, Opaque):
        raise ModelError(f"parameters not known: {value!r} at line {value.line} ({value.reason})")
    return 0


def _numel(tensor: Tensor) -> int:
    n: Dim = tensor.shape.numel()
    if not isinstance(n, int):
        raise ModelError(f"a parameter of shape {tensor.shape} has a size that is not known")
    return n


def _tree(value: Value) -> Node:
    if isinstance(value, Instance):
        return Node(value.cls.name, [(k, _tree(v)) for k, v in value.attrs.items() if isinstance(v, (Instance, LayerValue, Container))])
    if isinstance(value, Container):
        return Node(value.kind, [(k, _tree(v)) for k, v in value.items])
    if isinstance(value, LayerValue):
        return Node(type(value.layer).__name__, [(k, Node(type(v).__name__)) for k, v in value.layer.children()])
    return Node(type(value).__name__)

