"""Dropout layers: the output has the input's shape; the feature variants need a channel dim."""

from __future__ import annotations

from shapecheck.checker import Checker
from shapecheck.errors import RuleError
from shapecheck.nn._args import check_prob
from shapecheck.nn.module import Module
from shapecheck.shape import Shape

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    """Zeroes elements with probability ``p`` in training; shape preserved.

    ``_ranks``: the input ranks torch accepts, None for any (the feature variants need >= 2D).
    """

    takes = "same"

    _ranks: tuple[int, ...] | None = None
    _min_rank = 0

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = check_prob(type(self).__name__, "p", p)
        self.inplace = bool(inplace)

    def infer(self, x: Shape, check: Checker) -> Shape:
        if x.prefix:
            return x
        name, rank = type(self).__name__, len(x)
        if self._ranks is not None and rank not in self._ranks:
            wanted = " or ".join(f"{r}D" for r in self._ranks)
            raise RuleError(f"{name} expects a {wanted} input, got a {rank}D input {x}", expected=wanted, actual=f"{rank}D {x}", kind="rank")
        if rank < self._min_rank:
            raise RuleError(
                f"{name} drops whole channels: it needs at least a {self._min_rank}D input, got a {rank}D input {x}",
                expected=f">= {self._min_rank}D",
                actual=f"{rank}D {x}",
                kind="rank",
            )
        return x

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability ``p``; any shape, preserved."""


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's self-normalizing mean and variance; any shape, preserved."""


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, L)`` or ``(C, L)``; shape preserved."""

    _ranks = (2, 3)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, H, W)`` (torch accepts any input of at least 2 dims); shape preserved."""

    _min_rank = 2


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, D, H, W)`` (torch accepts any input of at least 1 dim); shape preserved."""

    _min_rank = 1


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels; at least 2 dims; shape preserved."""

    _min_rank = 2
