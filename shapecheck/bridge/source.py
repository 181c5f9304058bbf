"""``from_torch`` on the forward's source: the live module's layers, its class's ``forward`` interpreted.

The module tree becomes the interpreter's values (see ``live``); ``forward`` runs on the given input
shapes as the static checker runs it, so ``if``/``assert``, ``F.*`` calls, several inputs and helper
functions are followed with the layers' real configuration. The result is a :class:`TorchModel`:
the steps of that run (summary rows and MACs), the input conditions, and the parameters and buffers
counted on the live module itself. A shape error is a :class:`shapecheck.ShapeError` at the forward
statement that fails. Lines not followed on the way to a known output are listed in ``unchecked``
and in a warning.
"""

from __future__ import annotations

import ast
import dataclasses
import warnings
from collections.abc import Sequence
from typing import cast

import torch

from shapecheck.dims import Condition, DimLike, is_unknown
from shapecheck.errors import ShapeError
from shapecheck.nn.module import Input, Module, Sequential
from shapecheck.shape import Shape
from shapecheck.static.analysis import run_forward
from shapecheck.static.interpreter import SourceFile
from shapecheck.static.model import model_steps
from shapecheck.static.report import Finding
from shapecheck.static.values import Container, Instance, Tensor, Unknown
from shapecheck.trace import Step, Tracer, format_location

from shapecheck.bridge.live import Layers, Program

__all__ = ["NotFollowed", "Part", "TorchModel", "from_source"]


class NotFollowed(Exception):
    """The forward's source is not available, or the interpreter lost track of its output (``reasons``)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class Part(Module):
    """A module of the live tree, for summaries by depth: its class name, children and counts."""

    def __init__(self, module: torch.nn.Module) -> None:
        self.where = None
        self.kind = type(module).__name__
        self.parts = [(name, Part(child)) for name, child in module.named_children()]
        self.params = sum(p.numel() for p in module.parameters())
        self.buffers = sum(b.numel() for b in module.buffers())

    def children(self) -> list[tuple[str, Module]]:
        return list(self.parts)

    def parameter_count(self) -> int:
        return self.params

    def buffer_count(self) -> int:
        return self.buffers

    def __repr__(self) -> str:
        return f"{self.kind}(...)"


class TorchModel(Sequential):
    """A torch model checked by running its forward's source: a ``Sequential`` that was checked on its input.

    What ``shapecheck.summary`` and the counters read: ``steps`` (layers and counted ops, in call
    order), ``input_shape`` (the first input; ``inputs`` has them all), ``output_shape`` (of the first
    tensor when forward returns a tuple; ``outputs`` has each, None where not a tensor), the
    ``conditions`` on the input sizes; parameters and buffers as ``sum(p.numel() for p in
    m.parameters())`` counts them on the live module (a tied weight once). Its children are the live
    module's (``model["layer1"]``). ``unchecked`` lists where the forward was not followed although
    its output was (``model.py:41: unknown call my_op()``).
    """

    def __init__(self, module: torch.nn.Module, steps: list[Step], inputs: list[Shape | tuple[Shape, ...]], outputs: list[Shape | None],
                 conditions: list[str], requirements: list[Condition], unchecked: list[str]) -> None:  # fmt: skip
        first = outputs[0]
        assert first is not None
        self.where = None
        self.module = module
        self.tree = Part(module)
        first_input = inputs[0]
        assert isinstance(first_input, Shape)  # from_torch takes a tensor first
        self.input = Input(*first_input)
        self._layers = self.tree.children()
        self.steps = steps
        self.inputs = inputs
        self.input_shape = first_input
        self.outputs = outputs
        self.output_shape = first
        self.conditions = conditions
        self.requirements = requirements
        self.unchecked = unchecked

    def trace(self, x: Shape, tracer: Tracer, path: str) -> Shape:
        raise TypeError(f"{self!r} is a whole torch model: convert the model it is part of with from_torch")

    def with_input(self, *dims: DimLike | Sequence[DimLike], where: str | Sequence[str] = ()) -> Sequential:
        """The model checked on another input (its forward run again): ``model.with_input(1, 3, 224, 224)``, or
        the shape as ``from_torch`` takes it; declared bounds (``where``) are for shapecheck.nn chains only."""
        from shapecheck.bridge.from_torch import from_torch, input_shapes

        if where:
            raise TypeError("with_input: where= is taken by shapecheck.nn chains, not by a model read from torch")
        if len(self.inputs) > 1:
            raise TypeError(f"{type(self.module).__name__}.forward takes {len(self.inputs)} tensors: call from_torch with a shape for each")
        shape = input_shapes(dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list, str)) else dims)[0]
        if shape and isinstance(shape[0], tuple):
            raise TypeError(f"with_input: {type(self.module).__name__}.forward takes one tensor, not a tuple of them")
        return self if Shape(cast("tuple[DimLike, ...]", shape)) == self.input_shape else from_torch(self.module, shape)

    def parameter_count(self) -> int:
        return self.tree.params

    def buffer_count(self) -> int:
        return self.tree.buffers

    def __repr__(self) -> str:
        inputs = ", ".join(str(s) for s in self.inputs)
        outputs = ", ".join(str(s) if s is not None else "?" for s in self.outputs)
        return f"{type(self).__name__}({type(self.module).__name__}: {inputs} -> {outputs})"


def from_source(module: torch.nn.Module, inputs: list[Shape | tuple[Shape, ...]], layers: Layers) -> TorchModel:
    """``module`` run on ``inputs`` through its forward's source. Raises ``ShapeError`` at the failing
    statement, :class:`NotFollowed` when the source is missing or the output not known."""
    program = Program(layers)
    label = type(module).__name__
    if program.class_value(type(module)) is None and not isinstance(module, (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)):
        raise NotFollowed(program.stale[-1:] or [f"the source of {label} is not available"])
    root = program.module(module, ("<from_torch>", 0))
    if not isinstance(root, (Instance, Container)):
        raise NotFollowed([f"{label} is not a module the interpreter can enter"])
    interp = program.interp
    for file in interp.files.values():
        file.findings.clear()  # what running the files' top level found is not about this model
    interp.tracer, interp.gaps, interp.steps, interp.checked = interp.new_tracer(), [], 0, 0
    if isinstance(root, Instance) and root.base is not None and root.cls.lookup("forward") is None:
        root = root.base  # a torch layer subclass without a forward of its own: that layer
    try:
        given = [Tensor(s, None) if isinstance(s, Shape) else tuple(Tensor(t, None) for t in s) for s in inputs]
        result, _ = run_forward(interp, root, given)
    except RecursionError:
        raise NotFollowed([f"{label} is nested too deep to follow"]) from None
    for file in interp.files.values():
        for finding in file.findings.values():
            raise _located(file, finding).with_traceback(None) from None
    gaps = [f"{format_location((g.path, g.line)) if g.path else f'line {g.line}'}: {g.reason}" for g in interp.gaps]
    outputs = [_shape(v) for v in (result if isinstance(result, tuple) else (result,))]
    if not outputs or outputs[0] is None:
        raise NotFollowed([f"{label}.forward returns {_kind(result)}", *gaps, *program.stale])
    if gaps:  # the output is known, but not every line that led to it was checked: say so
        warnings.warn(f"from_torch: {label}.forward was not followed everywhere; not checked:\n" + "\n".join(f"  {g}" for g in gaps), stacklevel=3)
    solver = interp.solver
    return TorchModel(module, model_steps(interp.tracer.steps), inputs, outputs, solver.describe(), solver.conditions(), gaps)


def _shape(value: object) -> Shape | None:
    """The shape of a tensor the forward returns, when every dim of it is known."""
    if not isinstance(value, Tensor) or value.shape.prefix or any(is_unknown(d) for d in value.shape.dims):
        return None
    return value.shape


def _located(file: SourceFile, finding: Finding) -> ShapeError:
    """The finding as the error ``from_torch`` raises: located at the forward statement that fails."""
    lines = file.source.splitlines()
    text = lines[finding.line - 1].strip() if 0 < finding.line <= len(lines) else ""
    statement = f"{format_location((file.path, finding.line))}: {text}"
    if finding.error is not None:
        return dataclasses.replace(finding.error, statement=statement)
    problem = f"{finding.message} ({'; '.join(finding.notes)})" if finding.notes else finding.message
    return ShapeError(problem=problem, layer=_function_at(file.tree, finding.line), statement=statement)


def _function_at(tree: ast.Module, line: int) -> str:
    """The qualified name of the innermost function whose body holds ``line`` (``Net.forward``)."""
    name = ""
    scopes: list[tuple[ast.AST, str]] = [(tree, "")]
    while scopes:
        node, prefix = scopes.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child.lineno <= line <= (child.end_lineno or child.lineno):
                qualname = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    name = qualname
                scopes.append((child, qualname + "."))
    return name


def _kind(value: object) -> str:
    if isinstance(value, tuple):
        return f"a tuple whose first value is {_kind(value[0])}" if value else "an empty tuple"
    if isinstance(value, Tensor):
        return f"a tensor of a shape not known, {value.shape}"
    if isinstance(value, Unknown):
        where = f"{format_location((value.path, value.line))}: " if value.line and value.path else ""
        return f"a value not known ({where}{value.reason})" if value.reason else "a value not known"
    return f"a {type(value).__name__}, not a tensor"
