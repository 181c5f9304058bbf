"""Shapes: tuples of dims, possibly preceded by an unknown number of unknown dims (``(..., 64, ?, ?)``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import overload

from shapecheck.dims import Dim, DimLike, as_dim, is_unknown, substitute, unknown

__all__ = ["Shape"]


class Shape:
    """An immutable tuple of dims. ``prefix`` marks that unknown leading dims may precede them.

    Tuple-like: ``len``, indexing, iteration; equal to a tuple of the same dims
    (``Shape((8, 1000)) == (8, 1000)``). ``rank`` is None when the leading dims are unknown.
    """

    __slots__ = ("dims", "prefix", "_numel")

    def __init__(self, dims: Iterable[DimLike] = (), prefix: bool = False) -> None:
        self.dims: tuple[Dim, ...] = tuple(map(as_dim, dims))
        self.prefix = prefix
        self._numel: Dim | None = None

    @classmethod
    def of(cls, dims: tuple[Dim, ...], prefix: bool = False) -> Shape:
        """A shape of dims that are already ``Dim``s, as rules compute them: nothing to convert."""
        shape = cls.__new__(cls)
        shape.dims = dims
        shape.prefix = prefix
        shape._numel = None
        return shape

    @classmethod
    def unknown(cls) -> Shape:
        """A shape about which nothing is known: ``(...)``."""
        return cls.of((), prefix=True)

    @property
    def rank(self) -> int | None:
        return None if self.prefix else len(self.dims)

    @property
    def known(self) -> bool:
        """True when the rank is known and no dim depends on an undeclared size."""
        return not self.prefix and not any(is_unknown(d) for d in self.dims)

    def numel(self) -> Dim:
        """The product of the dims (unknown with an unknown prefix); computed once, counters ask often."""
        if self._numel is None:
            total: Dim = 1
            for d in self.dims:
                total = total * d
            self._numel = total if not self.prefix else unknown() * total
        return self._numel

    def replace(self, index: int, dim: Dim) -> Shape:
        dims = list(self.dims)
        dims[index] = dim
        return Shape.of(tuple(dims), self.prefix)

    def with_tail(self, keep: int, tail: Iterable[Dim]) -> Shape:
        """The first ``keep`` dims (and the unknown prefix, if any) followed by ``tail``."""
        return Shape.of((*self.dims[:keep], *tail), self.prefix)

    def bind(self, values: Mapping[str, int]) -> Shape:
        if not values:
            return self
        return Shape.of(tuple(substitute(d, values) for d in self.dims), self.prefix)

    def __len__(self) -> int:
        return len(self.dims)

    def __iter__(self) -> Iterator[Dim]:
        return iter(self.dims)

    @overload
    def __getitem__(self, index: int) -> Dim: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Dim, ...]: ...
    def __getitem__(self, index: int | slice) -> Dim | tuple[Dim, ...]:
        return self.dims[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Shape):
            return self.dims == other.dims and self.prefix == other.prefix
        if isinstance(other, tuple):
            return not self.prefix and self.dims == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.dims, self.prefix))

    def __str__(self) -> str:
        parts = [str(d) for d in self.dims]
        if self.prefix:
            parts.insert(0, "...")
        if len(parts) == 1 and not self.prefix:
            return f"({parts[0]},)"
        return "(" + ", ".join(parts) + ")"

    def __repr__(self) -> str:
        return f"Shape{self}"
