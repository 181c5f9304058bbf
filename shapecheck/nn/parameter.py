"""Tensors a model holds and uses directly: ``x + self.pos_embedding`` with a torch ``nn.Parameter`` or a buffer.

In a chain such a tensor is a branch of a combinator: ``Add(Identity(), ParameterTensor(1, 1024, 768))`` is
``x + pos_embedding``, checked by broadcasting as torch adds them, and counted.
"""

from __future__ import annotations

from shapecheck.checker import Checker
from shapecheck.nn._args import check_int
from shapecheck.nn.module import Module
from shapecheck.shape import Shape

__all__ = ["BufferTensor", "ParameterTensor"]


class ParameterTensor(Module):
    """A learned tensor of ``shape`` (torch's ``nn.Parameter``): its output whatever the input, ``prod(shape)`` parameters.

    ``ParameterTensor(1, 1024, 768)`` as torch's ``nn.Parameter(torch.zeros(1, 1024, 768))``.
    """

    takes = "any"

    def __init__(self, *shape: int) -> None:
        super().__init__()
        name = type(self).__name__
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        self.shape = tuple(check_int(name, f"dim {i}", d) for i, d in enumerate(shape))

    def infer(self, x: Shape, check: Checker) -> Shape:
        return Shape(self.shape)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"weight": self.shape}

    def extra_repr(self) -> str:
        return ", ".join(map(str, self.shape))


class BufferTensor(ParameterTensor):
    """A tensor of ``shape`` kept but not learned (``register_buffer``): counted as a buffer."""

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def buffer_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"value": self.shape}
