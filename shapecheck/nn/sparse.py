"""``Embedding`` with torch's parameters, defaults and shape rule."""

from __future__ import annotations

from shapecheck.checker import Checker
from shapecheck.nn._args import UNBOUNDED, check_int, check_int_or_bool
from shapecheck.nn.module import Module
from shapecheck.shape import Shape

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table: integer indices of any shape ``(*)`` -> ``(*, embedding_dim)``.

    ``num_embeddings * embedding_dim`` parameters; ``padding_idx`` in ``[-num_embeddings, num_embeddings)``,
    a negative one counted from the end (as torch stores it). The index tensor must be integer
    (torch.long or torch.int): shapes carry no dtype, so that is not checked.
    """

    takes = "Int"

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: object = None,
        _freeze: bool = False,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = check_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = check_int_or_bool("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            check_int("Embedding", "padding_idx", padding_idx, minimum=UNBOUNDED)
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be within num_embeddings: in [{-num_embeddings}, {num_embeddings}), "
                    f"got {padding_idx}"
                )
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        shape = getattr(_weight, "shape", None)
        if _weight is not None and (shape is None or list(shape) != [num_embeddings, embedding_dim]):
            raise ValueError(
                f"Embedding: shape of _weight {shape} does not match num_embeddings and embedding_dim "
                f"({num_embeddings}, {embedding_dim})"
            )

    def infer(self, x: Shape, check: Checker) -> Shape:
        return Shape((*x.dims, self.embedding_dim), x.prefix)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """The ``(num_embeddings, embedding_dim)`` weight, a parameter even when frozen."""
        return {"weight": (self.num_embeddings, self.embedding_dim)}

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s
