"""Reshaping without copying data: ``flatten`` and friends, with torch's dim conventions."""

from __future__ import annotations

from shapecheck.errors import RuleError

__all__ = ["normalize_dim"]


def normalize_dim(dim: int, rank: int, op: str) -> int:
    """``dim`` as an index into ``rank`` dims (negative counts from the end); a 0-d tensor counts as 1-d."""
    size = max(rank, 1)
    if not -size <= dim < size:
        raise RuleError(
            f"{op}: dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})",
            kind="rank",
        )
    return dim + size if dim < 0 else dim
