"""A learned tensor multiplied into the input: ConvNeXt's and CaiT's layer scale.

torch.nn has no such module: a model holds the tensor as an ``nn.Parameter`` and multiplies in its
``forward()`` (``self.layer_scale * x``); ``Scale`` is that product as a layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from shapecheck.checker import Checker
from shapecheck.dims import Dim, is_unknown
from shapecheck.nn._args import check_int
from shapecheck.nn.graph import _broadcasts, _column, _index
from shapecheck.nn.module import Module
from shapecheck.shape import Shape

__all__ = ["Scale"]


class Scale(Module):
    """``x * weight``, ``weight`` a learned tensor of ``shape``: ``Scale(96, 1, 1)`` on ``(B, 96, H, W)``.

    torch's broadcasting: shapes aligned from the right, a missing dim counts as 1, in each column the
    dims other than 1 must be equal and the output takes that dim. ``prod(shape)`` parameters, no MACs
    (an elementwise product, as torchvision counts it).
    """

    def __init__(self, *shape: int | Sequence[int]) -> None:
        super().__init__()
        entries: tuple[object, ...] = shape
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            entries = tuple(shape[0])
        self.shape = tuple(check_int("Scale", "shape", d) for d in entries)

    def infer(self, x: Shape, check: Checker) -> Shape:
        weight = Shape(self.shape)
        width = max(len(x), len(weight))
        dims: list[Dim] = []
        for j in range(width, 0, -1):
            d, w = _column(x, j), _column(weight, j)
            if d is None or d == 1 or is_unknown(d) and w is not None and w != 1:
                dims.append(1 if w is None else w)
            elif w is None or w == 1:
                dims.append(d)
            else:
                _broadcasts(
                    check,
                    d,
                    w,
                    f"Scale: the weight {weight} does not broadcast with the input {x} "
                    f"at dim {_index(j, len(x), x.prefix)}: {d} against {w}",
                )
                dims.append(w)
        return Shape(dims, x.prefix)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"weight": self.shape}

    def extra_repr(self) -> str:
        return ", ".join(str(d) for d in self.shape)
