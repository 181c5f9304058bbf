"""The errors shapecheck raises, and how their messages are laid out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shapecheck.dims import Dim, Expr, evaluate

__all__ = ["RuleError", "ShapeError"]


class RuleError(Exception):
    """Raised by a rule: what is wrong with the input of one layer, before it is located in a model.

    ``index`` is the input dim at fault (for tracing back how it came about), ``fixes`` are edits of
    this layer that would make it fit, ``holds_when`` and ``witness`` explain a symbolic mismatch,
    ``never`` why a mismatch holds for no input size.
    """

    def __init__(
        self,
        problem: str,
        *,
        expected: Dim | str | None = None,
        actual: Dim | str | None = None,
        index: int | None = None,
        fixes: Sequence[str] = (),
        holds_when: str | None = None,
        witness: dict[str, int] | None = None,
        never: str | None = None,
        kind: str = "shape",
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.expected = expected
        self.actual = actual
        self.index = index
        self.fixes = list(fixes)
        self.holds_when = holds_when
        self.witness = witness
        self.never = never
        self.kind = kind


@dataclass(eq=False)
class ShapeError(ValueError):
    """A shape mismatch located in a model: which layer, where it was written, what and why, and a fix.

    A subclass of ``ValueError``. The fields are public so tools (the mypy plugin, the CLI) can
    place the error; ``str()`` is the full message.
    """

    problem: str
    layer: str = ""
    position: int | None = None
    path: str = ""
    location: str | None = None
    expected: str | None = None
    actual: str | None = None
    derivation: list[str] = field(default_factory=list)
    holds_when: str | None = None
    witness: dict[str, int] | None = None
    never: str | None = None
    fixes: list[str] = field(default_factory=list)
    kind: str = "shape"
    raw_expected: Dim | str | None = field(default=None, repr=False)
    raw_actual: Dim | str | None = field(default=None, repr=False)
    statement: str | None = None
    """The statement of a forward that fails, when the model was read from its source (``model.py:23: x = self.fc3(x)``)."""
    cause: str | None = None
    """The earlier layer that is likelier wrong (its fix comes first): ``[3] ConvTranspose2d(...) produces 128 channels; ...``."""

    def __post_init__(self) -> None:
        super().__init__(self.message())

    def header(self) -> str:
        where = f"[{self.position}] " if self.position is not None else ""
        path = f" (path {self.path})" if self.path and self.path != str(self.position) else ""
        return f"{where}{self.layer}{path}".strip()

    def message(self, *, with_location: bool = True) -> str:
        lines = [self.header() or self.problem]
        if with_location and self.statement:
            lines.append(f"  at {self.statement}")
        if with_location and self.location:
            lines.append(f"  defined at {self.location}")
        lines.append(f"  {self.problem}")
        if self.cause:
            lines.append(f"  cause: {self.cause}")
        if self.expected is not None and self.actual is not None and not _both_ints(self.raw_expected, self.raw_actual):
            lines.append(f"  expected: {self.expected}")
            lines.append(f"  actual:   {self.actual}")
        if self.holds_when:
            lines.append(f"  holds only when {self.holds_when}")
        if self.witness:
            bound = ", ".join(f"{k}={v}" for k, v in self.witness.items())
            value = f" it is {evaluate(self.raw_actual, self.witness)}" if isinstance(self.raw_actual, (int, Expr)) else ""
            lines.append(f"  e.g. for {bound}{value}")
        if self.never:
            lines.append(f"  for no input size: {self.never}")
        for i, step in enumerate(self.derivation):
            lines.append(("  derived: " if i == 0 else "           ") + step)
        if self.fixes:
            lines.append("  fix: " + self.fixes[0])
            lines.extend(f"   or: {f}" for f in self.fixes[1:])
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message()


def _both_ints(a: object, b: object) -> bool:
    return isinstance(a, int) and isinstance(b, int)


ShapeError.__module__ = "shapecheck"
