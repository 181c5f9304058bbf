"""shapecheck inside plain PyTorch code: :class:`Input`, a torch module declaring the shape a chain expects.

Importing this module imports torch (the rest of shapecheck never does).
"""

from __future__ import annotations

import torch

from shapecheck.dims import DimLike
from shapecheck.errors import ShapeError
from shapecheck.nn.module import Input as _Input

__all__ = ["Input"]


class Input(torch.nn.Module):
    """Declares the input of a ``torch.nn.Sequential``: identity at run time that asserts the shape.

    ``nn.Sequential(Input("B", 3, 32, 32), nn.Conv2d(3, 64, 3), ...)``: ints are exact sizes, names
    (``B``) any size, the same for every use of the name within one call. The mypy plugin reads it to
    check the whole chain statically, as ``shapecheck.nn.Input``.
    """

    def __init__(self, *dims: DimLike) -> None:
        super().__init__()
        self.shape = _Input(*dims).shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        actual = tuple(x.shape)
        bound: dict[str, int] = {}
        fits = len(actual) == len(self.shape)
        for want, got in zip(self.shape, actual):
            if isinstance(want, int):
                fits = fits and want == got
            else:
                fits = fits and bound.setdefault(str(want), got) == got
        if not fits:
            raise ShapeError(
                "the input does not have the declared shape",
                layer=repr(self),
                expected=str(self.shape),
                actual=str(actual),
                kind="rank" if len(actual) != len(self.shape) else "shape",
            )
        return x

    def extra_repr(self) -> str:
        return ", ".join(repr(d) if isinstance(d, int) else repr(str(d)) for d in self.shape)
