"""``Flatten`` with torch's parameters, defaults and shape rule."""

from __future__ import annotations

from math import prod

from shapecheck.checker import Checker
from shapecheck.dims import Dim
from shapecheck.errors import RuleError
from shapecheck.nn._args import check_int
from shapecheck.nn.module import Module
from shapecheck.rules.reshape import normalize_dim
from shapecheck.shape import Shape

__all__ = ["Flatten"]


class Flatten(Module):
    """Merges dims ``start_dim..end_dim`` into one of size their product: ``(B, 512, 7, 7) -> (B, 25088)``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = check_int("Flatten", "start_dim", start_dim, minimum=-(1 << 30))
        self.end_dim = check_int("Flatten", "end_dim", end_dim, minimum=-(1 << 30))

    def _span(self, x: Shape) -> tuple[int, int] | None:
        if x.prefix:
            if self.start_dim < 0 and self.end_dim < 0 and -self.start_dim <= len(x):
                start, end = len(x) + self.start_dim, len(x) + self.end_dim
                return (start, end) if start <= end else None
            return None
        start = normalize_dim(self.start_dim, len(x), "Flatten")
        end = normalize_dim(self.end_dim, len(x), "Flatten")
        if start > end:
            raise RuleError(f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} for input {x}", kind="rank")
        return start, end

    def infer(self, x: Shape, check: Checker) -> Shape:
        span = self._span(x)
        if span is None:
            return Shape.unknown()
        start, end = span
        if not x.dims:
            return Shape((1,))
        merged: Dim = prod(x.dims[start : end + 1], start=1)
        return Shape((*x.dims[:start], merged, *x.dims[end + 1 :]), x.prefix)

    def explain(self, x: Shape, y: Shape, index: int) -> str | None:
        span = self._span(x)
        if span is None or index % len(y) != span[0]:
            return None
        return "*".join(str(d) if isinstance(d, int) or str(d).isidentifier() else f"({d})" for d in x.dims[span[0] : span[1] + 1])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
