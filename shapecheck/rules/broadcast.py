"""torch's broadcasting and ``matmul``: which shapes combine, and into what."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from shapecheck.dims import Dim, is_unknown, unknown
from shapecheck.errors import RuleError
from shapecheck.shape import Shape

__all__ = ["Agree", "broadcast", "matmul"]

Agree = Callable[[Dim, Dim, int, int, int], None]
"""``agree(d, want, column, i, first)``: require ``d`` (of operand ``i``) to equal ``want`` (of operand
``first``) in ``column`` (1-based from the right); neither is the int 1. Raises ``RuleError`` if not."""


def broadcast(shapes: Sequence[Shape], agree: Agree) -> Shape:
    """The broadcast of ``shapes``: aligned from the right, a missing dim counts as 1, and in each
    column the dims other than ``1`` must agree; the output takes that dim (``1`` when there is none).
    Unknown leading dims (a shape's ``prefix``) make the output's leading dims unknown.
    """
    width = max((len(s) for s in shapes), default=0)
    prefix = any(s.prefix for s in shapes)
    dims: list[Dim] = []
    for j in range(width, 0, -1):
        present = [(i, s[-j] if j <= len(s) else unknown()) for i, s in enumerate(shapes) if j <= len(s) or s.prefix]
        sized = [(i, d) for i, d in present if d != 1]
        known = [(i, d) for i, d in sized if not is_unknown(d)]
        for i, d in known[1:]:
            first, want = known[0]
            agree(d, want, j, i, first)
        dims.append(known[0][1] if known else sized[0][1] if sized else 1)
    return Shape(dims, prefix)


def matmul(a: Shape, b: Shape, agree: Agree, inner: Callable[[Dim, Dim], None]) -> tuple[Shape, Dim]:
    """``torch.matmul(a, b)``'s shape and its multiply-accumulates.

    1-D operands gain a dim (``(n,)`` is ``(1, n)`` on the left, ``(n, 1)`` on the right) that is removed
    from the result; ``(..., n, k) @ (..., k, m)`` is ``(..., n, m)`` with the batch dims broadcast;
    ``inner(k_a, k_b)`` requires the contracted sizes to be equal. MACs: ``numel(result) * k``.
    """
    if not a.prefix and not a.dims or not b.prefix and not b.dims:
        raise RuleError("matmul: both arguments need at least 1 dimension, got a 0-d tensor", kind="rank")
    left = Shape.of((1, *a.dims)) if not a.prefix and len(a) == 1 else a
    right = Shape.of((*b.dims, 1)) if not b.prefix and len(b) == 1 else b
    ka = left[-1] if len(left) >= 1 else unknown()
    kb = right[-2] if len(right) >= 2 else unknown()
    inner(ka, kb)
    n = left[-2] if len(left) >= 2 else unknown()
    m = right[-1] if len(right) >= 1 else unknown()
    batch = broadcast([Shape.of(left.dims[:-2], left.prefix), Shape.of(right.dims[:-2], right.prefix)], agree)
    dims = [*batch.dims]
    if not (not a.prefix and len(a) == 1):
        dims.append(n)
    if not (not b.prefix and len(b) == 1):
        dims.append(m)
    out = Shape(dims, batch.prefix)
    return out, out.numel() * (ka if not is_unknown(ka) else kb)
