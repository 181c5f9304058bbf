"""Padding layers (``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad``, ``CircularPad`` 1d/2d/3d)
with torch's parameters, defaults and shape rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from shapecheck.checker import Checker
from shapecheck.nn._args import UNBOUNDED, check_int
from shapecheck.nn.module import Module
from shapecheck.dims import DimLike, as_dim
from shapecheck.rules.pad import crop_bound, needs_nonempty_output, pad_bounds, pad_pairs, pad_ranks, padded_size
from shapecheck.rules.rank import at_least_rank, split_core
from shapecheck.shape import Shape

__all__ = [
    "CenterCrop",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]

Padding = Union[int, Sequence[int]]


class _PadNd(Module):
    """Pads the last dims by torch's flat tuple ``(left, right, top, bottom, front, back)``: each padded dim
    becomes ``size + before + after``. An int pads all ``2*_n`` sides; a tuple is used as given (as torch's
    ``_ntuple``), so its length decides how many dims are padded.
    """

    takes = "same"

    _n = 0
    _mode = ""

    def __init__(self, padding: Padding) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(padding, Sequence) and not isinstance(padding, str):
            pads = tuple(check_int(name, "padding", p, minimum=UNBOUNDED) for p in padding)
        else:
            pads = (check_int(name, "padding", padding, minimum=UNBOUNDED),) * (2 * self._n)
        if len(pads) % 2:
            raise ValueError(f"{name}: padding length must be divisible by 2, got {padding!r}")
        self.padding = pads
        self._pairs = pad_pairs(pads)
        if self._ranks() == ():
            raise ValueError(f"{name}: padding {pads!r} pads {len(pads) // 2} dims, which {self._mode} padding cannot do")

    def _ranks(self) -> tuple[int, ...] | None:
        """The input ranks accepted, None for any rank with at least the padded dims."""
        ranks = pad_ranks(self._mode, len(self._pairs))
        if ranks is not None and self._mode == "circular":  # CircularPadNd also checks the rank itself
            ranks = tuple(r for r in ranks if r in (self._n + 1, self._n + 2))
        return ranks

    def infer(self, x: Shape, check: Checker) -> Shape:
        return pad_shape(x, self._pairs, self._mode, self._ranks(), check, type(self).__name__)

    def explain(self, x: Shape, y: Shape, index: int) -> str | None:
        axis = index % len(y) - (len(y) - len(self._pairs))
        if axis < 0:
            return None
        before, after = self._pairs[axis]
        return f"{x[index]} {'-' if before < 0 else '+'} {abs(before)} {'-' if after < 0 else '+'} {abs(after)}"

    def extra_repr(self) -> str:
        return f"{self.padding}"


def pad_shape(x: Shape, pairs: Sequence[tuple[int, int]], mode: str, ranks: tuple[int, ...] | None, check: Checker, name: str) -> Shape:
    """``F.pad(x, pad, mode)``: the last ``len(pairs)`` dims of ``x`` grow by ``(before, after)``; ``ranks`` are
    the input ranks accepted (None: any rank with at least the padded dims).
    """
    k = len(pairs)
    if ranks is None:
        at_least_rank(x, k, f"{name}, which pads the last {k} dims,")
        ranks = (len(x),)
    lead, core = split_core(x, k, ranks, name)
    out = []
    for i, ((before, after), size) in enumerate(zip(pairs, core)):
        for expr, bound, why in pad_bounds(mode, size, before, after):
            check.at_least(expr, bound, f"{name}: {why}", index=-(k - i))
        out.append(padded_size(size, before, after))
    if needs_nonempty_output(mode):
        if len(x) > k:
            check.at_least(x[-(k + 1)], 1, f"{name} expects a non-empty channel dim, got {x[-(k + 1)]}", index=-(k + 1))
        # one non-empty padded dim suffices: one that is not cropped keeps its size >= 1
        if all(before + after < 0 for before, after in pairs) and not any(isinstance(o, int) and o >= 1 for o in out):
            total = sum(out, start=0)
            check.at_least(total, 1, f"{name}: every padded dim of the output would be empty: {tuple(out)}", index=-1)
    return Shape((*lead, *out), x.prefix)


class _ConstantPadNd(_PadNd):
    _mode = "constant"

    def __init__(self, padding: Padding, value: float) -> None:
        super().__init__(padding)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{type(self).__name__}: value must be a number, got {type(value).__name__} {value!r}")
        self.value = value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with ``value``: ``(*, W) -> (*, W + left + right)``; negative padding crops."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with ``value``: ``(*, H, W) -> (*, H + top + bottom, W + left + right)``."""

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with ``value``: ``(*, D, H, W) -> (*, D + front + back, H + top + bottom, W + left + right)``."""

    _n = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: Padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd, ConstantPad1d):
    """Pads the last dim with zeros: ``(*, W) -> (*, W + left + right)``; negative padding crops."""


class ZeroPad2d(_ZeroPadNd, ConstantPad2d):
    """Pads the last 2 dims with zeros: ``(*, H, W) -> (*, H + top + bottom, W + left + right)``."""


class ZeroPad3d(_ZeroPadNd, ConstantPad3d):
    """Pads the last 3 dims with zeros: ``(*, D, H, W) -> (*, D + front + back, H + top + bottom, W + left + right)``."""


class ReflectionPad1d(_PadNd):
    """Mirrors ``(N, C, W)`` or ``(C, W)`` at its borders: ``W + left + right``, each pad ``< W``."""

    _n = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Mirrors ``(N, C, H, W)`` or ``(C, H, W)`` at its borders: ``H + top + bottom``, ``W + left + right``, each pad ``<`` its dim."""

    _n = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Mirrors ``(N, C, D, H, W)`` or ``(C, D, H, W)`` at its borders; each pad ``<`` its dim."""

    _n = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Repeats the border of ``(N, C, W)`` or ``(C, W)``: ``W + left + right``."""

    _n = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Repeats the border of ``(N, C, H, W)`` or ``(C, H, W)``: ``H + top + bottom``, ``W + left + right``."""

    _n = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Repeats the border of ``(N, C, D, H, W)`` or ``(C, D, H, W)``: each dim ``+ before + after``."""

    _n = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Wraps ``(N, C, W)`` or ``(C, W)`` around: ``W + left + right``, each pad ``<= W``."""

    _n = 1
    _mode = "circular"


class CircularPad2d(_PadNd):
    """Wraps ``(N, C, H, W)`` or ``(C, H, W)`` around: ``H + top + bottom``, ``W + left + right``, each pad ``<=`` its dim."""

    _n = 2
    _mode = "circular"


class CircularPad3d(_PadNd):
    """Wraps ``(N, C, D, H, W)`` or ``(C, D, H, W)`` around; each pad ``<=`` its dim."""

    _n = 3
    _mode = "circular"


class CenterCrop(Module):
    """The center ``size`` of the last ``len(size)`` dims: ``CenterCrop(64, 64)`` on ``(B, C, 68, 70)`` is
    ``x[..., 2:66, 3:67]`` (torchvision's ``CenterCrop``; U-Net crops a skip this way). Each cropped dim
    must be at least its target; sizes may be symbolic (``CenterCrop("H - 4")``)."""

    takes = "same"

    def __init__(self, *size: DimLike) -> None:
        super().__init__()
        if not size:
            raise TypeError("CenterCrop needs the target size of at least one dim, e.g. CenterCrop(64, 64)")
        self.size = tuple(as_dim(d) for d in size)
        for i, d in enumerate(self.size):
            if isinstance(d, int):
                check_int("CenterCrop", f"size {i}", d, minimum=1)

    def infer(self, x: Shape, check: Checker) -> Shape:
        n = len(self.size)
        at_least_rank(x, n, "CenterCrop")
        if len(x) < n:  # the cropped dims are among unknown leading ones
            return Shape.unknown()
        for j, target in enumerate(self.size):
            check.at_least(target, 1, "CenterCrop: the target size {} must be positive", target)
            expr, bound, why = crop_bound(x[j - n], target)
            check.at_least(expr, bound, "CenterCrop: {}", why, index=j - n)
        return x.with_tail(len(x) - n, self.size)

    def extra_repr(self) -> str:
        return ", ".join(repr(d) if isinstance(d, int) else repr(str(d)) for d in self.size)
