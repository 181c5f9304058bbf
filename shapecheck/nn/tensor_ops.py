"""The tensor methods a ``forward()`` calls between layers, as layers: ``x.reshape(B, -1)`` is ``Reshape("B", -1)``.

torch.nn has no such modules; each takes the arguments of the ``Tensor`` method it stands for
(``Chunk`` and ``Split`` also take the ``index`` of the piece that goes on). None has parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from shapecheck.checker import Checker
from shapecheck.dims import Dim, DimLike, Expr, as_dim, is_unknown, unknown
from shapecheck.errors import RuleError
from shapecheck.nn._args import UNBOUNDED, check_int
from shapecheck.nn.module import Module
from shapecheck.rules.reshape import normalize_dim
from shapecheck.rules.tensor_ops import chunk_piece, exact_quotient, split_piece
from shapecheck.shape import Shape

__all__ = ["Arange", "Chunk", "Mean", "Permute", "Reshape", "Select", "Split", "Transpose", "View"]


def _locate(x: Shape, dim: int, op: str) -> int | None:
    """``dim`` as an index into ``x.dims``; None when it falls among unknown leading dims."""
    if x.prefix:
        return len(x) + dim if dim < 0 and -dim <= len(x) else None
    return normalize_dim(dim, len(x), op)


def _ints(op: str, name: str, values: tuple[object, ...]) -> tuple[int, ...]:
    """``f(1, 2)`` or ``f((1, 2))``, as torch's ``*shape`` / ``*dims`` arguments."""
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = tuple(values[0])
    return tuple(check_int(op, name, v, minimum=UNBOUNDED) for v in values)


class Reshape(Module):
    """``x.reshape(*shape)``: the same elements in ``shape``; one entry may be ``-1``.

    ``prod(shape) == numel(x)``; ``-1`` stands for ``numel(x) // prod(other entries)``, which must be
    exact and is ambiguous when another entry is 0. Entries are ints or symbols (``"B"``).
    """

    takes = "same"

    def __init__(self, *shape: DimLike | Sequence[DimLike]) -> None:
        super().__init__()
        name = type(self).__name__
        entries: tuple[object, ...] = shape
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            entries = tuple(shape[0])
        dims: list[Dim] = []
        for i, v in enumerate(entries):
            if isinstance(v, bool) or not isinstance(v, (int, str, Expr)):
                raise TypeError(f"{name}: shape entries must be ints or symbol names, got {type(v).__name__} {v!r}")
            if isinstance(v, int) and v < -1:
                raise ValueError(f"{name}: invalid shape dimension {v} at index {i} of shape {list(entries)}")
            dims.append(as_dim(v))
        if dims.count(-1) > 1:
            raise ValueError(f"{name}: only one dimension can be inferred, got shape {list(entries)}")
        self.shape: tuple[Dim, ...] = tuple(dims)

    def infer(self, x: Shape, check: Checker) -> Shape:
        name = type(self).__name__
        numel = x.numel()
        given = [d for d in self.shape if d != -1]
        if -1 not in self.shape:
            check.equal(
                prod(given, start=1),
                numel,
                f"{name}: shape {self._text()} is invalid for input {x} of {numel} elements",
                kind="reshape",
            )
            return Shape(self.shape)
        if any(d == 0 for d in given):
            raise RuleError(f"{name}: cannot infer -1 in shape {self._text()}: another entry is 0", kind="reshape")
        inferred, numerator, denominator = exact_quotient(x.dims if not x.prefix else (numel,), given)
        if not is_unknown(inferred):
            check.equal(
                inferred * denominator,
                numerator,
                f"{name}: shape {self._text()} is invalid for input {x} of {numel} elements",
                kind="reshape",
            )
        return Shape(inferred if d == -1 else d for d in self.shape)

    def _text(self) -> str:
        return "[" + ", ".join(str(d) for d in self.shape) + "]"

    def extra_repr(self) -> str:
        return ", ".join(repr(d) if isinstance(d, int) else repr(str(d)) for d in self.shape)


class View(Reshape):
    """``x.view(*shape)``: as :class:`Reshape` (strides are not tracked: a view of a permuted tensor passes)."""


class Permute(Module):
    """``x.permute(*dims)``: output dim ``i`` is input dim ``dims[i]``; ``dims`` orders all the input's dims."""

    takes = "same"

    def __init__(self, *dims: int | Sequence[int]) -> None:
        super().__init__()
        self.dims = _ints("Permute", "dims", dims)

    def infer(self, x: Shape, check: Checker) -> Shape:
        n = len(self.dims)
        if len(x) > n or not x.prefix and len(x) != n:
            raise RuleError(
                f"Permute: the input has {len(x)} dims but the order {self.dims} has {n}" + (" or more" if x.prefix else ""),
                expected=f"{n} dims",
                actual=f"{len(x)}D {x}",
                kind="rank",
            )
        full = Shape((*(unknown() for _ in range(n - len(x))), *x.dims))
        order = [normalize_dim(d, n, "Permute") for d in self.dims]
        if len(set(order)) != n:
            raise RuleError(f"Permute: duplicate dims are not allowed, got {self.dims} for a {n}D input", kind="rank")
        return Shape(full[i] for i in order) if n else Shape(())

    def extra_repr(self) -> str:
        return ", ".join(str(d) for d in self.dims)


class Transpose(Module):
    """``x.transpose(dim0, dim1)``: dims ``dim0`` and ``dim1`` swapped."""

    takes = "same"

    def __init__(self, dim0: int, dim1: int) -> None:
        super().__init__()
        self.dim0 = check_int("Transpose", "dim0", dim0, minimum=UNBOUNDED)
        self.dim1 = check_int("Transpose", "dim1", dim1, minimum=UNBOUNDED)

    def infer(self, x: Shape, check: Checker) -> Shape:
        a, b = _locate(x, self.dim0, "Transpose"), _locate(x, self.dim1, "Transpose")
        if a is None or b is None:
            return Shape.unknown()
        if not x.dims:
            return x
        dims = list(x.dims)
        dims[a], dims[b] = dims[b], dims[a]
        return Shape(dims, x.prefix)

    def extra_repr(self) -> str:
        return f"{self.dim0}, {self.dim1}"


class Select(Module):
    """``x.select(dim, index)`` (``x[:, 0]`` is ``Select(1, 0)``): dim ``dim`` removed; ``-size <= index < size``."""

    takes = "same"

    def __init__(self, dim: int, index: int) -> None:
        super().__init__()
        self.dim = check_int("Select", "dim", dim, minimum=UNBOUNDED)
        self.index = check_int("Select", "index", index, minimum=UNBOUNDED)

    def infer(self, x: Shape, check: Checker) -> Shape:
        if not x.prefix and not x.dims:
            raise RuleError("Select cannot be applied to a 0-dim tensor", kind="rank")
        at = _locate(x, self.dim, "Select")
        if at is None:
            return Shape.unknown()
        size = x[at]
        least = self.index + 1 if self.index >= 0 else -self.index
        check.at_least(
            size,
            least,
            f"Select: index {self.index} out of range for dim {self.dim} of size {size}",
            index=at - len(x),
        )
        return Shape((*x.dims[:at], *x.dims[at + 1 :]), x.prefix)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, index={self.index}"


class Arange(Module):
    """``torch.arange(x.size(dim))``: the positions ``0 .. n - 1`` along dim ``dim``, of shape ``(n,)``
    (GPT-2's ``wpe(torch.arange(T))`` is ``Sequential(Arange(1), Embedding(1024, 768))``)."""

    takes = "any"

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int("Arange", "dim", dim, minimum=UNBOUNDED)

    def infer(self, x: Shape, check: Checker) -> Shape:
        if not x.prefix and not x.dims:
            raise RuleError("Arange needs a tensor with a dim to count along, got a 0-dim tensor", kind="rank")
        at = _locate(x, self.dim, "Arange")
        return Shape.of((unknown() if at is None else x[at],))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Mean(Module):
    """``x.mean(dim, keepdim)``: the dims in ``dim`` (all when None or empty) removed, or 1 with ``keepdim``."""

    def __init__(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> None:
        super().__init__()
        self.dim: int | tuple[int, ...] | None
        if dim is None or isinstance(dim, int):
            self.dim = dim if dim is None else check_int("Mean", "dim", dim, minimum=UNBOUNDED)
        else:
            self.dim = _ints("Mean", "dim", (tuple(dim),))
        self.keepdim = bool(keepdim)

    def infer(self, x: Shape, check: Checker) -> Shape:
        dims = () if self.dim is None else (self.dim,) if isinstance(self.dim, int) else self.dim
        if not dims:
            if x.prefix:
                return Shape.unknown()
            return Shape((1,) * len(x) if self.keepdim else ())
        at = [_locate(x, d, "Mean") for d in dims]
        if len({a for a in at if a is not None}) != len([a for a in at if a is not None]):
            raise RuleError(f"Mean: dim {self.dim} lists a dim twice for a {len(x)}D input", kind="rank")
        if any(a is None for a in at):
            return Shape.unknown()
        if not x.dims:
            return x
        if self.keepdim:
            return Shape((1 if i in at else d for i, d in enumerate(x.dims)), x.prefix)
        return Shape((d for i, d in enumerate(x.dims) if i not in at), x.prefix)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, keepdim={self.keepdim}"


class _Piece(Module):
    """One piece of ``x.chunk``/``x.split`` along ``dim``: the piece numbered ``index`` goes on."""

    dim: int
    index: int

    def infer(self, x: Shape, check: Checker) -> Shape:
        name = type(self).__name__
        if not x.prefix and not x.dims:
            raise RuleError(f"{name} cannot be applied to a 0-dim tensor", kind="rank")
        at = _locate(x, self.dim, name)
        if at is None:
            return Shape.unknown()
        size = x[at]
        piece = self.piece(size, check, at - len(x))
        if piece is None:
            raise RuleError(f"{name}: there is no piece {self.index} of dim {self.dim} of size {size}", kind="size")
        return x.replace(at, piece)

    def piece(self, size: Dim, check: Checker, index: int) -> Dim | None:
        raise NotImplementedError


class Chunk(_Piece):
    """Piece ``index`` of ``x.chunk(chunks, dim)``: ``ceil(size/chunks)`` elements (the last what is left)."""

    def __init__(self, chunks: int, dim: int = 0, *, index: int) -> None:
        super().__init__()
        self.chunks = check_int("Chunk", "chunks", chunks, minimum=1)
        self.dim = check_int("Chunk", "dim", dim, minimum=UNBOUNDED)
        self.index = check_int("Chunk", "index", index)
        if self.index >= self.chunks:
            raise ValueError(f"Chunk: index must be below chunks={chunks}, got {index}")

    def piece(self, size: Dim, check: Checker, index: int) -> Dim | None:
        return chunk_piece(size, self.chunks, self.index)

    def extra_repr(self) -> str:
        return f"{self.chunks}, dim={self.dim}, index={self.index}"


class Split(_Piece):
    """Piece ``index`` of ``x.split(split_size_or_sections, dim)``.

    An int gives pieces of that size (the last what is left); a list gives the pieces' sizes, which
    must sum to the dim's size.
    """

    def __init__(self, split_size_or_sections: int | Sequence[int], dim: int = 0, *, index: int) -> None:
        super().__init__()
        self.split_size_or_sections: int | tuple[int, ...]
        if isinstance(split_size_or_sections, int) and not isinstance(split_size_or_sections, bool):
            self.split_size_or_sections = check_int("Split", "split_size", split_size_or_sections)
        elif isinstance(split_size_or_sections, (tuple, list)):
            self.split_size_or_sections = tuple(check_int("Split", "sections", v) for v in split_size_or_sections)
            if not self.split_size_or_sections:
                raise ValueError("Split: sections must not be empty")
        else:
            raise TypeError(f"Split: split_size_or_sections must be an int or a list of ints, got {split_size_or_sections!r}")
        self.dim = check_int("Split", "dim", dim, minimum=UNBOUNDED)
        self.index = check_int("Split", "index", index)
        if isinstance(self.split_size_or_sections, tuple) and self.index >= len(self.split_size_or_sections):
            raise ValueError(f"Split: index must be below {len(self.split_size_or_sections)} sections, got {index}")

    def piece(self, size: Dim, check: Checker, index: int) -> Dim | None:
        split = self.split_size_or_sections
        if isinstance(split, tuple):
            check.equal(size, sum(split), f"Split: sections {list(split)} must sum to the size of dim {self.dim}", index=index)
            return split[self.index]
        if split == 0:
            check.equal(size, 0, "Split: split_size can only be 0 if the dim's size is 0", index=index)
            return 0 if self.index == 0 else None
        if not isinstance(size, int):
            least = self.index * split + 1
            check.at_least(size, least, f"Split: piece {self.index} of size {split} needs a size >= {least}", index=index)
        return split_piece(size, split, self.index)

    def extra_repr(self) -> str:
        return f"{self.split_size_or_sections}, dim={self.dim}, index={self.index}"
