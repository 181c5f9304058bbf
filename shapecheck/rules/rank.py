"""Splitting an input into optional leading dims and the dims a layer works on."""

from __future__ import annotations

from collections.abc import Collection

from shapecheck.dims import Dim, unknown
from shapecheck.errors import RuleError
from shapecheck.shape import Shape

__all__ = ["at_least_rank", "describe_ranks", "split_core"]


def describe_ranks(ranks: Collection[int], core: int) -> str:
    """``{3, 4}`` with a core of 3 -> ``3D (unbatched) or 4D (batched)``."""
    words = []
    for r in sorted(ranks):
        note = " (unbatched)" if r == core and len(ranks) > 1 else " (batched)" if r == core + 1 and len(ranks) > 1 else ""
        words.append(f"{r}D{note}")
    return " or ".join(words)


def at_least_rank(x: Shape, rank: int, op: str) -> None:
    """``x`` has at least ``rank`` dims (unknown leading dims may make up the rest), else a rank error naming ``op``."""
    if not x.prefix and len(x) < rank:
        raise RuleError(
            f"{op} expects at least a {rank}D input, got a {len(x)}D input {x}",
            expected=f">= {rank}D",
            actual=f"{len(x)}D {x}",
            kind="rank",
        )


def split_core(x: Shape, core: int, ranks: Collection[int], op: str) -> tuple[tuple[Dim, ...], tuple[Dim, ...]]:
    """``(leading, last core dims)`` of ``x``, whose rank must be in ``ranks``.

    When the leading dims are unknown (``x.prefix``), missing core dims are unknown too.
    """
    dims = x.dims
    rank = len(dims)
    if x.prefix:
        if rank >= core:
            return dims[: rank - core], dims[rank - core :]
        return (), (*(unknown() for _ in range(core - rank)), *dims)
    if rank not in ranks:
        raise RuleError(
            f"{op} expects a {describe_ranks(ranks, core)} input, got a {len(x)}D input {x}",
            expected=describe_ranks(ranks, core),
            actual=f"{len(x)}D {x}",
            kind="rank",
        )
    return dims[: rank - core], dims[rank - core :]
