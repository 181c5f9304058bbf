"""``Flatten`` and ``Unflatten`` with torch's parameters, defaults and shape rules."""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from shapecheck.checker import Checker
from shapecheck.dims import Dim
from shapecheck.errors import RuleError
from shapecheck.nn._args import UNBOUNDED, check_int
from shapecheck.nn.module import Module
from shapecheck.rules.reshape import normalize_dim, unflatten_sizes
from shapecheck.shape import Shape

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merges dims ``start_dim..end_dim`` into one of size their product: ``(B, 512, 7, 7) -> (B, 25088)``."""

    takes = "same"

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


class Unflatten(Module):
    """Splits dim ``dim`` into ``unflattened_size``: ``Unflatten(1, (64, 7, 7))`` takes ``(B, 3136)`` to
    ``(B, 64, 7, 7)``. One entry may be ``-1`` (the rest of the size); the product must be the dim's size.

    Sizes that no input fits (empty, below -1, two -1) raise here; torch raises on the first call.
    """

    takes = "same"

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = check_int("Unflatten", "dim", dim, minimum=UNBOUNDED)
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple of ints, but found type {type(unflattened_size).__name__}"
            )
        for i, s in enumerate(unflattened_size):
            if isinstance(s, bool) or not isinstance(s, int):
                raise TypeError(f"Unflatten: unflattened_size must be tuple of ints, but found element of type {type(s).__name__} at pos {i}")
            if s < -1:
                raise ValueError(f"Unflatten: invalid size {s} at pos {i} of unflattened_size {unflattened_size}")
        if not unflattened_size:
            raise ValueError("Unflatten: unflattened_size must be non-empty")
        if list(unflattened_size).count(-1) > 1:
            raise ValueError(f"Unflatten: only one dimension can be inferred, got unflattened_size {unflattened_size}")
        self.unflattened_size = unflattened_size

    def infer(self, x: Shape, check: Checker) -> Shape:
        if not x.prefix and not x.dims:
            raise RuleError("Unflatten cannot be applied to a 0-dim tensor", kind="rank")
        if x.prefix:
            if not (self.dim < 0 and -self.dim <= len(x)):
                return Shape.unknown()
            at = len(x) + self.dim
        else:
            at = normalize_dim(self.dim, len(x), "Unflatten")
        size = x[at]
        sizes = list(self.unflattened_size)
        out, product = unflatten_sizes(size, sizes)
        fixes = []
        rest = prod((s for s in sizes[1:] if s != -1), start=1)
        if isinstance(size, int) and rest > 0 and size % rest == 0 and len(sizes) > 1:
            fixes.append(f"Unflatten({self.dim}, {(size // rest, *sizes[1:])})")
        check.equal(
            product,
            size,
            f"Unflatten: sizes {sizes} don't multiply up to the size of dim {self.dim} ({size})",
            index=at - len(x),
            fixes=fixes,
            kind="reshape",
        )
        return Shape((*x.dims[:at], *out, *x.dims[at + 1 :]), x.prefix)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
