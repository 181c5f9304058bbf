"""Run a corpus model, original or with one bug applied, in real torch: the oracle for tests/corpus.

A bugged copy never touches the disk: the file's text is edited in memory (``Bug.old`` -> ``Bug.new``,
keeping the line's indentation, so line numbers do not move) and executed as a module whose
``__file__`` and code filename are the corpus path, so tracebacks point at the corpus file's lines.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from tests.corpus.cases import Bug, Call, Inputs, Model
from tests.corpus.edits import CORPUS, apply, matching_lines, normalised, source



def load(file: str, bug: Bug | None = None) -> types.ModuleType:
    """Execute the (bugged) file as a fresh module named after it; its code filename is the corpus path."""
    path = CORPUS / file
    name = f"shapecheck_corpus_{path.stem}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module  # dataclasses and typing look their class's module up while decorating
    try:
        exec(compile(source(file, bug), str(path), "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


def _value(module: types.ModuleType, arg: object) -> object:
    if isinstance(arg, Call):
        return getattr(module, arg.name)(*[_value(module, a) for a in arg.args],
                                         **{k: _value(module, v) for k, v in arg.kwargs.items()})
    return arg


def build(model: Model, module: types.ModuleType) -> torch.nn.Module:
    """``model.name(*args, **kwargs)`` in module (``Call`` arguments evaluated there), in eval mode."""
    made = _value(module, Call(model.name, model.args, model.kwargs))
    assert isinstance(made, torch.nn.Module), f"{model.name} built a {type(made).__name__}"
    return made.eval()


def tensors(model: Model, inputs: Inputs, seed: int = 0) -> list[Any]:
    """Random forward arguments of the given shapes: floats, or token ids below ``model.vocab``."""
    generator = torch.Generator().manual_seed(seed)

    def make(shape: tuple[int, ...], dtype: str) -> torch.Tensor:
        if dtype == "long":
            return torch.randint(0, model.vocab, shape, generator=generator)
        return torch.randn(shape, generator=generator)

    out: list[Any] = []
    for arg, dtype in zip(inputs, model.dtypes, strict=True):
        shapes = [a for a in arg if isinstance(a, tuple)]
        if shapes:
            out.append(tuple(make(shape, dtype) for shape in shapes))
        else:
            out.append(make(tuple(a for a in arg if isinstance(a, int)), dtype))
    return out


@contextmanager
def _construction_lines(path: str) -> Iterator[dict[int, int]]:
    """While active, each nn.Module built is mapped (by id) to the innermost line of path constructing it.
    Each is kept alive meanwhile: a module torch builds and drops (nn.Transformer's template layers) would
    otherwise leave its id to a later one, which would then read as built on the template's line."""
    lines: dict[int, int] = {}
    alive: list[torch.nn.Module] = []
    original = torch.nn.Module.__init__

    def init(self: torch.nn.Module, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != path:
            frame = frame.f_back
        if frame is not None:
            lines.setdefault(id(self), frame.f_lineno)
            alive.append(self)

    torch.nn.Module.__init__ = init  # type: ignore[method-assign]
    try:
        yield lines
    finally:
        torch.nn.Module.__init__ = original  # type: ignore[method-assign]


def _where(error: BaseException, path: str, built: dict[int, int]) -> frozenset[int]:
    """Lines of path locating error: the innermost line of path in the traceback (the statement that
    failed) and, when a torch.nn layer raised below it, the line of path that constructed that layer."""
    statement, layer = None, None
    traceback = error.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code.co_filename == path:
            statement, layer = traceback.tb_lineno, None
        owner = frame.f_locals.get("self")
        if isinstance(owner, torch.nn.Module) and type(owner).__module__.startswith("torch.") and id(owner) in built:
            layer = built[id(owner)]
        traceback = traceback.tb_next
    return frozenset(line for line in (statement, layer) if line is not None)


@dataclass(frozen=True)
class Outcome:
    """What torch did: ran, or raised ``error`` while loading, building or in forward, located at ``where``."""

    inputs: Inputs | None
    stage: str  # "load", "build" or "forward"
    error: BaseException | None = None
    where: frozenset[int] = frozenset()  # lines of the corpus file locating the error (see _where)

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        if self.ok:
            return f"ok on {self.inputs}"
        return (f"{self.stage} failed on {self.inputs} at lines {sorted(self.where)}: "
                f"{type(self.error).__name__}: {self.error}")


def outcomes(model: Model, bug: Bug | None = None, inputs: tuple[Inputs, ...] = ()) -> Iterator[Outcome]:
    """Build once, then run forward on each input set (``model.inputs`` when none are given).

    A failure while loading or building is the single outcome; forward failures are per input set.
    """
    path = str(CORPUS / model.file)
    with _construction_lines(path) as built:
        try:
            module = load(model.file, bug)
        except Exception as error:  # noqa: BLE001 - the oracle reports whatever torch or Python raised
            yield Outcome(None, "load", error, _where(error, path, built))
            return
        try:
            net = build(model, module)
        except Exception as error:  # noqa: BLE001
            yield Outcome(None, "build", error, _where(error, path, built))
            return
    for shapes in inputs or (model.inputs,):
        try:
            with torch.no_grad():
                net(*tensors(model, shapes))
        except Exception as error:  # noqa: BLE001
            yield Outcome(shapes, "forward", error, _where(error, path, built))
        else:
            yield Outcome(shapes, "forward")


def run(model: Model, bug: Bug | None = None, inputs: Inputs | None = None) -> Outcome:
    """One build and one forward: ok, or the exception torch raised."""
    return next(outcomes(model, bug, () if inputs is None else (inputs,)))
