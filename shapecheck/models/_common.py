"""What every zoo function shares: the default input and building the top-level chain."""

from __future__ import annotations

from shapecheck import nn
from shapecheck.dims import DimLike

__all__ = ["IMAGE", "Shape", "model"]

Shape = tuple[DimLike, ...]

IMAGE: Shape = ("B", 3, "H", "W")
"""The default input: a batch of RGB images of any size."""


def model(shape: Shape, **layers: nn.Module) -> nn.Sequential:
    """``Sequential(OrderedDict(...))`` over ``Input(*shape)``, the children named as torchvision's."""
    return nn.Sequential({"input": nn.Input(*shape), **layers})
