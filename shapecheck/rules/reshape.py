"""Reshaping without copying data: ``flatten``, ``unflatten`` and friends, with torch's dim conventions."""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from shapecheck.dims import Dim, floor_div
from shapecheck.errors import RuleError

__all__ = ["normalize_dim", "unflatten_sizes"]


def normalize_dim(dim: int, rank: int, op: str) -> int:
    """``dim`` as an index into ``rank`` dims (negative counts from the end); a 0-d tensor counts as 1-d."""
    size = max(rank, 1)
    if not -size <= dim < size:
        raise RuleError(
            f"{op}: dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})",
            kind="rank",
        )
    return dim + size if dim < 0 else dim


def unflatten_sizes(size: Dim, sizes: Sequence[int]) -> tuple[tuple[Dim, ...], Dim]:
    """``(out, product)`` for ``unflatten`` of a dim of ``size`` into ``sizes``: ``-1`` (once) stands for
    ``size // prod(others)``; ``product`` is what ``prod(out)`` gives, which must equal ``size``.
    With ``-1`` the others must not be 0 (torch: ambiguous, or their product cannot be ``size``).
    """
    known = prod((s for s in sizes if s != -1), start=1)
    if -1 not in sizes:
        return tuple(sizes), known
    if known == 0:
        raise RuleError(f"unflatten: cannot infer -1 in sizes {list(sizes)}: another size is 0", kind="reshape")
    inferred = floor_div(size, known)
    return tuple(inferred if s == -1 else s for s in sizes), inferred * known
