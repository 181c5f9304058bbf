"""Walking a model with a shape: each leaf layer's step is recorded, each failure located.

The tracer turns a rule's :class:`RuleError` into a :class:`ShapeError` that names the layer
(position, path, the file:line that constructed it), shows how the offending input came about,
and adds the fixes that only the whole chain can suggest (see ``hints``).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from types import FrameType
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from shapecheck.checker import Checker
from shapecheck.errors import RuleError, ShapeError
from shapecheck.shape import Shape

if TYPE_CHECKING:
    from shapecheck.nn.module import Module

__all__ = ["Step", "Tracer", "building_at", "caller_sites", "describe_location", "format_location"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_USER_CODE_DIRS = (os.path.join(_PACKAGE_DIR, "models") + os.sep,)
_MACHINERY = (_PACKAGE_DIR, "<frozen ", sysconfig.get_paths()["stdlib"] + os.sep, sysconfig.get_paths()["scripts"] + os.sep)
"""Where no user writes a model: shapecheck, Python's own modules (``<frozen runpy>``), console-script launchers."""

Location = tuple[str, int]
Call = tuple[str, Location]
"""A helper's name and the line that called it."""


def caller_sites() -> tuple[Location | None, Call | None]:
    """The file and line of the first caller outside shapecheck's own machinery (or, while a front-end
    builds layers from source, the line of the source it reads: :func:`building_at`); and when that line
    is inside a helper of the user's (a function with parameters, such as ``basic_block(cin, cout, stride)``)
    called from the same file, the helper's name and the line that called it: the call the user wrote."""
    if _BUILDING:
        return _BUILDING[-1]
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        outside = _OUTSIDE.get(filename)
        if outside is None:
            outside = _OUTSIDE[filename] = not filename.startswith(_MACHINERY) or filename.startswith(_USER_CODE_DIRS)
        if outside:
            code, caller = frame.f_code, frame.f_back
            helper = code.co_argcount + code.co_kwonlyargcount > 0 and not filename.startswith(_PACKAGE_DIR)
            if not helper or caller is None or caller.f_code.co_filename != filename:
                return (filename, frame.f_lineno), None
            return (filename, frame.f_lineno), (code.co_name, (filename, caller.f_lineno))
        frame = frame.f_back
    return None, None


_OUTSIDE: dict[str, bool] = {}
"""Whether a file lies outside shapecheck's machinery, decided once per file."""

_BUILDING: list[tuple[Location, Call | None]] = []


@contextmanager
def building_at(where: Location, called: Call | None = None) -> Iterator[None]:
    """Layers constructed inside the block were written at ``where`` (a line of source being interpreted),
    inside the helper ``called`` names with the line that called it, if any."""
    _BUILDING.append((where, called))
    try:
        yield
    finally:
        _BUILDING.pop()


def describe_location(layer: Module) -> str | None:
    """Where ``layer`` was written: ``model.py:24 (in basic_block at model.py:11)`` for a layer a helper built,
    the line that called the helper first; else ``model.py:11``."""
    where = format_location(layer.where)
    if layer.called is None or where is None:
        return where
    helper, line = layer.called
    return f"{format_location(line)} (in {helper} at {where})"


def format_location(loc: Location | None) -> str | None:
    if loc is None:
        return None
    filename, line = loc
    try:
        rel = os.path.relpath(filename)
        if not rel.startswith(".."):
            filename = rel
    except ValueError:
        pass
    return f"{filename}:{line}"


class Step(NamedTuple):
    """One leaf layer applied: where it sits, what came in and what went out.

    ``source`` is the position of the step whose output came in (None for the model's input): the
    data path, which differs from the order of steps inside branches. An immutable record (a named
    tuple: one is made per layer per walk, and it is cheaper to build than a frozen dataclass).
    """

    position: int
    path: str
    layer: Module
    input: Shape
    output: Shape
    source: int | None = None


_new_step = tuple.__new__  # Step(...) without the named tuple's Python-level __new__: once per layer per walk


class Tracer:
    """Records the steps of one walk through a model and the input conditions it meets."""

    __slots__ = ("check", "steps", "root", "namer", "_made")

    def __init__(self, root: Module | None = None) -> None:
        self.check = Checker()
        self.namer: Callable[[Step, bool], str] | None = None  # how derivations name a step
        self.steps: list[Step] = []
        self.root = root  # the model walked; set when fixes may re-walk it with another input
        self._made: dict[int, int] = {}  # id of a step's output shape -> that step's position

    def leaf(self, layer: Module, x: Shape, path: str) -> Shape:
        try:
            y = layer.infer(x, self.check)
        except RuleError as err:
            raise self.locate(err, layer, x, path) from None
        self.record(layer, path, x, y)
        return y

    def record(self, layer: Module, path: str, x: Shape, y: Shape) -> None:
        """Append the step ``layer: x -> y`` (containers record their own merging steps here)."""
        position = len(self.steps)
        self.steps.append(_new_step(Step, (position, path, layer, x, y, self._made.get(id(x)))))
        self._made[id(y)] = position  # steps keep their shapes alive, so ids stay unique

    def lineage(self, x: Shape) -> list[Step]:
        """The steps along the data path that produced ``x``, oldest first (skipping sibling branches)."""
        out: list[Step] = []
        position = self._made.get(id(x))
        while position is not None:
            step = self.steps[position]
            out.append(step)
            position = step.source
        out.reverse()
        return out

    def locate(self, err: RuleError, layer: Module, x: Shape, path: str) -> ShapeError:
        from shapecheck.hints import blame_producer, chain_fixes, derivation

        lineage = self.lineage(x)
        blame = blame_producer(err, self, lineage, self.namer)
        return ShapeError(
            problem=err.problem,
            layer=repr(layer),
            position=len(self.steps),
            path=path,
            location=describe_location(layer),
            expected=None if err.expected is None else str(err.expected),
            actual=None if err.actual is None else str(err.actual),
            raw_expected=err.expected,
            raw_actual=err.actual,
            derivation=derivation(lineage, x, err.index, self.namer),
            holds_when=err.holds_when,
            witness=err.witness,
            never=err.never,
            fixes=[*([blame[1]] if blame else []), *err.fixes, *chain_fixes(err, self, lineage, path, x)],
            kind=err.kind,
            cause=blame[0] if blame else None,
        )
