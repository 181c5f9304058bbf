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
from shapecheck.static.values import ClassValue, Container, FunctionValue, Instance, LayerValue, Opaque, Tensor, Unknown, Value, resolve
from shapecheck.nn.module import Module
from shapecheck.trace import Location, Step

__all__ = ["ModelError", "Node", "StaticModel", "build_model", "model_steps", "static_candidates"]


class ModelError(ValueError):
    """The model cannot be built or counted from source alone (the message says what is missing);
    ``params`` are its parameters when the constructor could be followed and the forward not."""

    def __init__(self, message: str, params: int | None = None) -> None:
        super().__init__(message)
        self.params = params


@dataclass(eq=False)
class Node(Module):
    """A module of the tree, for summaries by depth: its class name and its children."""

    kind: str
    parts: list[tuple[str, Module]] = field(default_factory=list)
    where: Location | None = None

    def children(self) -> list[tuple[str, Module]]:
        return self.parts


@dataclass(eq=False)
class StaticModel(Module):
    """What ``shapecheck.summary`` and the counters read of a model (see ``count.Checked``): a module
    whose steps, counts and tree were read from source."""

    label: str
    steps: list[Step]
    input_shape: Shape
    output_shape: Shape
    conditions: list[str]
    requirements: list[Condition]
    params: int
    buffers: int
    tree: Node
    where: Location | None = None

    def parameter_count(self) -> int:
        return self.params

    def buffer_count(self) -> int:
        return self.buffers

    def children(self) -> list[tuple[str, Module]]:
        return self.tree.children()


def build_model(source: str, path: str, target: str, inputs: Sequence[Sequence[DimLike]] | None = None) -> StaticModel:
    """The model ``target`` (``Net``, ``Net(10, depth=3)``, ``resnet18()``, ``GPT(GPTConfig(n_head=4))``: an
    expression of the file's names) of ``source``, run on ``inputs`` (shapes of forward's tensor arguments;
    by default the ones its first layer implies). A forward that cannot be followed raises ``ModelError``
    with the parameters counted (``params``) when the constructor could be."""
    try:
        node = ast.parse(target.strip(), mode="eval").body
    except SyntaxError:
        node = None
    if not isinstance(node, (ast.Name, ast.Call)):
        raise ModelError(f"{target!r} is neither a name nor a call such as Net(10, depth=3)")
    try:
        interp = prepare(source, path)
    except ValueError as err:
        raise ModelError(str(err)) from None
    head = node.func if isinstance(node, ast.Call) else node
    if isinstance(head, ast.Name) and not interp.module_scope.lookup(head.id)[0]:
        raise ModelError(f"{path} defines no {head.id!r}")
    value = interp.eval(node, interp.module_scope)
    if isinstance(value, (ClassValue, FunctionValue)):
        value = interp.call_value(value, [], {}, interp.tree)
    if isinstance(value, Unknown):
        raise ModelError(f"{target} cannot be built from source alone: {value.reason}")
    if not isinstance(value, (Instance, LayerValue, Container)):
        raise ModelError(f"{target} is not a model (it gives {type(value).__name__})")
    params = _count(value, set(), buffers=False)
    interp.tracer = interp.new_tracer()
    given = None if inputs is None else [Tensor(Shape([as_dim(d) if isinstance(d, str) else d for d in dims])) for dims in inputs]
    result, used = run_forward(interp, value, given)
    if interp.findings:
        first = min(interp.findings.values(), key=lambda f: f.line)
        raise ModelError(f"{path}:{first.line}: {first.message}\n" + "\n".join(f"  {n}" for n in first.notes), params)
    if not isinstance(result, Tensor) or not used:
        why = interp.gaps[0] if interp.gaps else "its forward does not return a tensor"
        raise ModelError(f"{target}: the forward could not be followed ({why})", params)
    solver = interp.solver
    return StaticModel(
        label=target,
        steps=model_steps(interp.tracer.steps),
        input_shape=used[0].shape,
        output_shape=result.shape,
        conditions=solver.describe(),
        requirements=solver.conditions(),
        params=params,
        buffers=_count(value, set(), buffers=True),
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
    value = resolve(value)
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
        total = 0 if value.base is None else _count(value.base, seen, buffers)
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
    value = resolve(value)
    if isinstance(value, Instance):
        return Node(value.cls.name, [(k, _tree(v)) for k, v in value.attrs.items() if isinstance(v, (Instance, LayerValue, Container))])
    if isinstance(value, Container):
        return Node(value.kind, [(k, _tree(v)) for k, v in value.items])
    if isinstance(value, LayerValue):
        return Node(type(value.layer).__name__, [(k, Node(type(v).__name__)) for k, v in value.layer.children()])
    return Node(type(value).__name__)

