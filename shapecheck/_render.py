"""What ``summary`` and ``diagram`` do with the user's file, in the child process that runs it.

Each imports the target, builds its models and renders them, and returns a :class:`Report` (what to
print, the exit status) instead of raising: 1 when a model does not build (a ``ShapeError``, or
arguments a layer refuses), 2 when the user's code cannot run (an exception, ``sys.exit``) or on a
usage error. ``stage`` tells the parent what is running, for its message if the child never returns.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal

import shapecheck
from shapecheck._isolate import Stage
from shapecheck._load import Candidate, UsageError, build, candidates, format_exception, import_target
from shapecheck.dims import DimLike, symbols_of
from shapecheck.errors import ShapeError
from shapecheck.nn.module import Sequential

__all__ = ["MAIN_GUARD", "Report", "Target", "diagram", "summary", "writable", "write"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(shapecheck.__file__))
_NN_DIR = os.path.join(_PACKAGE_DIR, "nn", "")
_BRIDGE_DIR = os.path.join(_PACKAGE_DIR, "bridge", "")
MAIN_GUARD = 'if __name__ == "__main__":'
"""Where a file's code that must not run on import belongs (training, downloads, ``sys.exit``)."""


@dataclass
class Report:
    """What a command prints, in order and on which stream, its exit status, and a usage error to end with."""

    command: str
    lines: list[tuple[Literal["out", "err"], str]] = field(default_factory=list)
    status: int = 0
    usage: str | None = None

    def out(self, text: str) -> None:
        self.lines.append(("out", text))

    def err(self, text: str) -> None:
        self.lines.append(("err", text))

    def note(self, text: str) -> None:
        self.err(f"shapecheck {self.command}: {text}")

    def failed(self, err: BaseException, doing: str, consequence: str) -> None:
        """The user's code raised ``err`` while ``doing``: a model's mistake (1) or code that cannot run (2)."""
        self.err(format_exception(err))
        if _is_finding(err):
            self.status = max(self.status, 1)
            return
        if isinstance(err, SystemExit):
            self.note(f"sys.exit({err.code!r}) was called while {doing}: {consequence}")
            self.err(f"  the file is imported and run: code that ends the process belongs under {MAIN_GUARD}")
        else:
            self.note(f"{doing} failed (the error above): {consequence}")
        self.status = 2


@dataclass(frozen=True)
class Target:
    """What the command line names: a file or module, a model in it, its ``--input`` and ``--bind``."""

    source: str
    name: str | None
    dims: tuple[DimLike, ...] | None
    bindings: Mapping[str, int]


def summary(target: Target, depth: int | None, stage: Stage) -> Report:
    """The summary tables of the target's models, each on its declared (or implied, or ``--input``) input."""
    return _reporting("summary", lambda report: _summary(report, target, depth, stage))


def diagram(target: Target, output: str, stage: Stage) -> Report:
    """The target's one model drawn to ``output`` (``.svg``, else HTML), up to the failing layer if it does not build."""
    return _reporting("diagram", lambda report: _diagram(report, target, output, stage))


def writable(path: str) -> Path:
    """``-o path``, refused before any work when it cannot be a file: a directory, or in a missing one."""
    file = Path(path)
    if file.is_dir():
        raise UsageError(f"-o {path}: is a directory, not a file")
    if not file.parent.is_dir():
        raise UsageError(f"-o {path}: no such directory {str(file.parent)!r}")
    return file


def write(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError as err:
        raise UsageError(f"-o {path}: cannot write it ({err.strerror})") from None


def _reporting(command: str, body: Callable[[Report], None]) -> Report:
    report = Report(command)
    try:
        body(report)
    except UsageError as err:
        report.usage = str(err)
    return report


def _summary(report: Report, target: Target, depth: int | None, stage: Stage) -> None:
    module = _imported(report, target.source, stage)
    if not isinstance(module, ModuleType):
        return
    found, notes = candidates(module, target.name)
    for note in notes:
        report.note(note)
    if not found:
        raise UsageError(f"{target.source} defines no model: name one with {target.source}:NAME")
    used: set[str] = set()
    for i, candidate in enumerate(found):
        report.out(("\n" if i else "") + f"{candidate.label} from {target.source}")
        built = _built(report, candidate, target.dims, stage)
        if isinstance(built, BaseException):
            continue
        model, assumed = built
        if assumed:
            report.out(assumed)
        symbols = {s.name for d in model.input_shape for s in symbols_of(d)}
        mine = {k: v for k, v in target.bindings.items() if k in symbols}
        used |= set(mine)
        try:
            report.out(str(shapecheck.summary(model, depth, **mine)))
        except ValueError as err:  # a binding the input conditions exclude
            raise UsageError(f"--bind: {err}") from None
    unused = sorted(set(target.bindings) - used)
    if unused and report.status == 0:
        raise UsageError(f"--bind {', '.join(unused)}: no model's input has such a symbol")


def _diagram(report: Report, target: Target, output: str, stage: Stage) -> None:
    module = _imported(report, target.source, stage)
    built: tuple[Sequential, str | None] | BaseException
    if isinstance(module, ModuleType):
        found, _ = candidates(module, target.name)
        if len(found) != 1:
            names = ", ".join(f"{target.source}:{c.label.removesuffix('()')}" for c in found) or "none"
            raise UsageError(f"name the model to draw, as FILE:NAME (models found: {names})")
        label, dims, built = found[0].label, target.dims, _built(report, found[0], target.dims, stage)
    else:  # the file's own code failed as it ran: a model it built is drawn up to where it fails
        label, dims, built = target.source, None, module
    if isinstance(built, ShapeError):
        _draw(report, built, label, target.bindings, dims, output)
    elif isinstance(built, BaseException):
        report.note(f"{output} not written: no model was built to draw")
    else:
        _draw(report, built[0], label, target.bindings, dims, output)


def _draw(
    report: Report, model: Sequential | ShapeError, label: str, bindings: Mapping[str, int], dims: tuple[DimLike, ...] | None, output: str
) -> None:
    """``model`` drawn to ``output``; a ``ShapeError`` drawn up to the layer that raised it (``dims``: its chain's input)."""
    from shapecheck.diagram import Drawing

    try:
        if isinstance(model, ShapeError):
            drawing = Drawing.of_failure(model, label, bindings, dims)
        else:
            drawing = Drawing.of(model, label, bindings)
    except ValueError as err:  # a symbol the input does not have
        raise UsageError(f"--bind: {err}") from None
    file = Path(output)
    write(file, drawing.svg() if file.suffix.lower() == ".svg" else drawing.html())
    failed = ", up to the failing one (in red)" if drawing.failure is not None else ""
    report.err(f"wrote {output}: {drawing.boxes} layers{failed}")


def _imported(report: Report, source: str, stage: Stage) -> ModuleType | BaseException:
    """The imported target, or what its code raised, once reported."""
    stage(f"importing {source}")
    try:
        return import_target(source)
    except UsageError:
        raise
    except (Exception, SystemExit) as err:
        report.failed(err, f"importing {source}", "nothing was checked")
        return err


def _built(
    report: Report, candidate: Candidate, dims: tuple[DimLike, ...] | None, stage: Stage
) -> tuple[Sequential, str | None] | BaseException:
    """The candidate built (see :func:`build`), or what its code raised, once reported."""
    stage(f"building {candidate.label}")
    try:
        return build(candidate, dims)
    except UsageError:
        raise
    except (Exception, SystemExit) as err:
        report.failed(err, f"building {candidate.label}", f"{candidate.label} was not checked")
        return err


def _is_finding(err: BaseException) -> bool:
    """Whether ``err`` is a mistake in a model: a shape error, or arguments a layer of ``shapecheck.nn``
    refuses (``Conv2d(3, 64, 0)``). Not when ``from_torch`` read a torch module: torch accepted it.
    """
    if isinstance(err, ShapeError):
        return True
    files = [frame.filename for frame in traceback.extract_tb(err.__traceback__)]
    return (
        isinstance(err, (TypeError, ValueError))
        and any(f.startswith(_NN_DIR) for f in files)
        and files[-1].startswith(_PACKAGE_DIR)
        and not any(f.startswith(_BRIDGE_DIR) for f in files)
    )
