"""Basic and advanced indexing, ``x[i, a:b, None, ..., idx]``, as torch computes its shape.

An int removes its dim (``-size <= i < size``); a slice keeps it with Python's length
``max(0, ceil((stop - start) / step))`` after clamping to the size; ``None`` inserts a dim of 1;
``...`` stands for the dims not indexed; an integer tensor replaces its dim by the index's shape (a
boolean mask by an unknown count). Sizes may be symbolic: a slice's length is exact when the bounds
are known to be in range, else unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shapecheck.dims import Dim, ceil_div, is_unknown, unknown
from shapecheck.errors import RuleError
from shapecheck.rules.broadcast import broadcast
from shapecheck.shape import Shape

__all__ = ["Everything", "Index", "IndexTensor", "index_shape", "slice_length"]


@dataclass(frozen=True)
class IndexTensor:
    """An index that is a tensor: its shape, and whether it is a boolean mask."""

    shape: Shape
    mask: bool = False


class Everything:
    """``...`` in an index."""


Index = int | Dim | slice | None | Everything | IndexTensor
AtLeast = Callable[[Dim, int], bool]
"""``at_least(d, k)``: whether ``d >= k`` holds for every size allowed."""
Require = Callable[[Dim, int, str, int], None]
"""``require(d, k, why, dim)``: ``d`` (the size of ``dim``) must be at least ``k``; a condition on the
input when ``d`` is symbolic."""


def slice_length(size: Dim, item: slice, at_least: AtLeast) -> Dim:
    """Elements ``x[start:stop:step]`` keeps of a dim of ``size`` (ints, or sizes known to be in range)."""
    step = 1 if item.step is None else item.step
    if not isinstance(step, int) or step <= 0:
        raise RuleError(f"slice step must be positive, got {step}", kind="index")
    if isinstance(size, int) and all(isinstance(p, int) or p is None for p in (item.start, item.stop)):
        return len(range(*slice(item.start, item.stop, step).indices(size)))
    if is_unknown(size):
        return unknown()
    start = _bound(item.start, size, 0, at_least)
    stop = _bound(item.stop, size, size, at_least)
    if start is None or stop is None:
        return unknown()
    span = stop - start
    if isinstance(span, int):
        return max(0, -(-span // step))
    return ceil_div(span, step) if at_least(span, 0) else unknown()


def _bound(value: object, size: Dim, default: Dim, at_least: AtLeast) -> Dim | None:
    """A slice bound clamped into ``[0, size]``; None when it cannot be decided symbolically."""
    if value is None:
        return default
    if not isinstance(value, int) and not hasattr(value, "terms"):
        return None
    v: Dim = value  # type: ignore[assignment]
    if isinstance(v, int) and v < 0:
        return size + v if at_least(size + v, 0) else None
    return v if at_least(size - v, 0) else size if at_least(v - size, 0) else None


def index_shape(x: Shape, items: Sequence[Index], at_least: AtLeast, require: Require) -> Shape:
    """The shape of ``x[items]``; raises ``RuleError`` for too many indices or an int out of range (a
    symbolic size must be larger than the int: ``require``)."""
    consumed = sum(1 for i in items if not (i is None or isinstance(i, Everything)) and not (isinstance(i, IndexTensor) and i.mask))
    consumed += sum(len(i.shape) for i in items if isinstance(i, IndexTensor) and i.mask and not i.shape.prefix)
    if sum(isinstance(i, Everything) for i in items) > 1:
        raise RuleError("an index can only have a single ellipsis ('...')", kind="index")
    if x.prefix:
        return _with_prefix(x, items, at_least, require)
    if consumed > len(x):
        raise RuleError(f"too many indices for tensor of dimension {len(x)}: {consumed} given", expected=f"at most {len(x)} indices", actual=consumed, kind="index")
    dims = list(x.dims)
    out: list[Dim] = []
    advanced: list[Shape] = []
    placed: list[tuple[int, int]] = []  # where each index tensor's dims went in ``out``: (start, item number)
    position = 0
    for n, item in enumerate(items):
        if isinstance(item, Everything):
            rest = sum(1 for i in items[n + 1 :] if i is not None)
            keep = len(dims) - position - rest
            out.extend(dims[position : position + keep])
            position += keep
        elif item is None:
            out.append(1)
        elif isinstance(item, IndexTensor):
            if item.mask:
                span = 1 if item.shape.prefix else len(item.shape)
                position += span
                advanced.append(Shape((unknown(),)))
                out.append(unknown())
            else:
                position += 1
                advanced.append(item.shape)
                placed.append((len(out), n))
                out.extend(item.shape.dims)
        elif isinstance(item, slice):
            out.append(slice_length(dims[position], item, at_least))
            position += 1
        else:
            _check_int(dims[position], item, position, require)
            position += 1
    out.extend(dims[position:])
    if len(advanced) <= 1:
        return Shape(out)
    if len(placed) < len(advanced) or any(a.prefix for a in advanced):
        return Shape.unknown()  # a boolean mask among them, or an index of unknown rank
    return _advanced(out, advanced, placed)


def _advanced(out: list[Dim], advanced: list[Shape], placed: list[tuple[int, int]]) -> Shape:
    """Several index tensors: broadcast together, their shape replaces them where they stand when they
    are next to each other, else it comes first (``x[i, :, j]``)."""

    def agree(d: Dim, want: Dim, column: int, i: int, first: int) -> None:
        if isinstance(d, int) and isinstance(want, int) and d != want:
            shapes = ", ".join(str(list(a.dims)) for a in advanced)
            raise RuleError(f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}", kind="index")

    joint = list(broadcast(advanced, agree).dims)
    for j in range(1, len(joint) + 1):  # sizes that may differ (symbolic) broadcast to a size not known
        sizes = {a[-j] for a in advanced if j <= len(a) and a[-j] != 1}
        if len(sizes) > 1:
            joint[-j] = unknown()
    spans = sorted((start, start + len(a)) for (start, _), a in zip(placed, advanced))
    rest = [d for i, d in enumerate(out) if not any(a <= i < b for a, b in spans)]
    numbers = [n for _, n in placed]
    if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
        at = spans[0][0]
        return Shape.of((*rest[:at], *joint, *rest[at:]))
    return Shape.of((*joint, *rest))


def _check_int(size: Dim, item: Dim, dim: int, require: Require) -> None:
    """``-size <= item < size``."""
    if not isinstance(item, int) or is_unknown(size):
        return
    if isinstance(size, int) and not -size <= item < size:
        raise RuleError(
            f"index {item} is out of bounds for dimension {dim} with size {size}",
            expected=f"an index in [{-size}, {size - 1}]",
            actual=item,
            kind="index",
        )
    if not isinstance(size, int):
        require(size, item + 1 if item >= 0 else -item, f"index {item} is out of bounds for dimension {dim} with size {size}", dim)


def _with_prefix(x: Shape, items: Sequence[Index], at_least: AtLeast, require: Require) -> Shape:
    """Indexing a tensor whose leading dims are unknown: exact only for ``[..., tail]`` forms."""
    if not items or not isinstance(items[0], Everything):
        return Shape.unknown()
    tail = items[1:]
    if any(isinstance(i, IndexTensor) for i in tail):
        return Shape.unknown()
    consumed = sum(1 for i in tail if i is not None)
    if consumed > len(x):
        return Shape.unknown()
    inner = index_shape(Shape.of(x.dims[len(x) - consumed :]), tail, at_least, lambda d, k, why, dim: require(d, k, why, dim - consumed))
    return Shape.of((*x.dims[: len(x) - consumed], *inner.dims), prefix=True)
