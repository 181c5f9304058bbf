"""What the forward interpreter reports: findings, what it could not follow, and the shapes it saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from shapecheck.dims import Dim
from shapecheck.errors import ShapeError

if TYPE_CHECKING:
    from shapecheck.nn.module import Module
    from shapecheck.shape import Shape

__all__ = ["BEFORE_LINE", "FileReport", "Finding", "Gap", "LayerUse", "ModelReport", "Seen", "finding_of"]

BEFORE_LINE: Final = " before this line"
"""What follows the statement a fix inserts before the finding's (``x = torch.flatten(x, 1) before this line: ...``)."""

_MAX_SEEN = 6
"""Distinct shapes kept per name and place (a name in a loop takes a new one each turn)."""


@dataclass(frozen=True)
class Finding:
    """A shape error at ``line``/``column`` (1-based line, 0-based column as ``ast`` gives them):
    the message, and notes with the layer, expected and actual, how the actual came about, fixes."""

    line: int
    column: int
    message: str
    notes: tuple[str, ...] = ()
    end_line: int | None = None
    end_column: int | None = None
    defined_at: int | None = None
    """The line that constructed the failing layer, when it is not ``line`` (a layer of ``__init__``)."""
    error: ShapeError | None = field(default=None, compare=False, repr=False)
    """The located error the finding reads, when a layer or an op failed (the runtime bridge raises it)."""


@dataclass(frozen=True)
class Gap:
    """Where the interpreter stopped knowing shapes, and why (``unknown call my_op()``)."""

    line: int
    reason: str
    path: str = ""
    """The file of ``line`` (the interpreter can read several)."""

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class LayerUse:
    """A layer applied while a model ran: the line that constructed it, its path in the model, what it got
    and gave, its parameters and MACs (``model`` names the run)."""

    line: int
    path: str
    layer: str
    input: str
    output: str
    params: int
    macs: Dim
    model: str
    file: str = ""
    """The file that constructed the layer when it is another (an imported helper's); ``line`` is in it."""
    module: Module | None = field(default=None, compare=False, repr=False)
    """The layer itself, and the shapes it got and gave (for its formulas, ``Module.explain``)."""
    shapes: tuple[Shape, Shape] | None = field(default=None, compare=False, repr=False)


@dataclass
class Seen:
    """Every shape a name held, by the name's (line, column): ``bound`` where it is assigned (or is a
    parameter), ``read`` where it is used; each shape with the model whose run gave it first."""

    bound: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)
    read: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)

    @staticmethod
    def add(table: dict[tuple[int, int], dict[str, str]], at: tuple[int, int], shape: object, model: str) -> None:
        """Record ``shape`` at ``at`` (stringified only while fewer than a handful are kept there)."""
        shapes = table.setdefault(at, {})
        if len(shapes) < _MAX_SEEN:
            shapes.setdefault(str(shape), model)


@dataclass
class ModelReport:
    """One model (a torch module class, a function) as the interpreter followed it."""

    name: str
    line: int
    inputs: str = ""
    output: str = ""
    steps: int = 0
    """Layer calls and tensor operations checked on shapes at least partly known."""
    gaps: list[Gap] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    followed: bool = True
    """False when the model's forward could not be run at all (``why`` says why)."""
    why: str = ""

    @property
    def complete(self) -> bool:
        return self.followed and not self.gaps


@dataclass
class FileReport:
    """Everything the interpreter found in one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    models: list[ModelReport] = field(default_factory=list)
    shapes: dict[tuple[int, int], str] = field(default_factory=dict)
    """The shape of each tensor assigned to a name, at the name's (line, column)."""
    seen: Seen = field(default_factory=Seen)
    """Every shape each name held, in every model run (what an editor shows on hover; ``detail`` only)."""
    layers: list[LayerUse] = field(default_factory=list)
    """The layers of the file applied in the models' runs (``detail`` only)."""
    imported: dict[str, Seen] = field(default_factory=dict)
    """What the runs recorded in the project's files this one imports, by resolved path (``detail`` only)."""
    error: str | None = None
    """Why the file could not be analysed at all (a syntax error)."""


def finding_of(
    err: ShapeError,
    line: int,
    column: int,
    end: tuple[int | None, int | None] = (None, None),
    header: str | None = None,
    defined_at: int | None = None,
) -> Finding:
    """A located ``ShapeError`` as a finding: its problem as the message; ``header`` (the layer and where
    it was defined) and the rest of the error (expected, actual, derivation, fixes) as notes."""
    lines = err.message(with_location=False).splitlines()
    notes = [header] if header else []
    notes.extend(text[2:] if text.startswith("  ") else text for text in lines[2:])
    return Finding(line, column, err.problem, tuple(notes), end[0], end[1], defined_at, err)
