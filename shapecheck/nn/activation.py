"""Elementwise activations: the output has the input's shape."""

from __future__ import annotations

from shapecheck.checker import Checker
from shapecheck.nn.module import Module
from shapecheck.shape import Shape

__all__ = ["ReLU"]


class _Elementwise(Module):
    """A layer whose output has its input's shape."""

    def infer(self, x: Shape, check: Checker) -> Shape:
        return x


class ReLU(_Elementwise):
    """``max(0, x)``; shape preserved."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""
