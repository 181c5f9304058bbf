"""``AdaptiveAvgPool{1,2,3}d`` and ``AdaptiveMaxPool{1,2,3}d`` with torch's parameters, defaults and shape rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from shapecheck.checker import Checker
from shapecheck.errors import RuleError
from shapecheck.nn._args import check_int
from shapecheck.nn.module import Module
from shapecheck.rules.pool import adaptive_output_size
from shapecheck.rules.rank import split_core
from shapecheck.shape import Shape

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
]

_AXES = ("D", "H", "W")

OutputSize = Union[int, None, Sequence[Union[int, None]]]


class _AdaptivePoolNd(Module):
    """``(*, C, *spatial) -> (*, C, *output_size)``, batched or not.

    Empty dims (measured on torch 2.13, CPU): the max variants reject empty spatial dims, and an empty
    channel dim when batched; the mean variants accept anything when every output size is 1 (they
    take a plain mean), else reject empty spatial dims, and AdaptiveAvgPool3d also an empty channel dim
    when batched.
    """

    _n = 0

    def _nonempty(self) -> tuple[bool, bool]:
        """Whether torch rejects empty (spatial dims, channels of a batched input)."""
        strict = any(t != 1 for t in self._sizes)
        return strict, strict and self._n == 3

    def __init__(self, output_size: OutputSize) -> None:
        super().__init__()
        name, n = type(self).__name__, self._n
        sizes: tuple[int | None, ...]
        if isinstance(output_size, Sequence) and not isinstance(output_size, str):
            if len(output_size) != n:
                raise ValueError(f"{name}: output_size must be an int or a tuple of {n}, got {output_size!r}")
            if n == 1 and output_size[0] is None:
                raise TypeError(f"{name}: output_size must be an int or a tuple of 1 int, got {output_size!r}")
            sizes = tuple(None if v is None else check_int(name, "output_size", v) for v in output_size)
            self.output_size: OutputSize = list(output_size) if isinstance(output_size, list) else tuple(output_size)
        else:
            sizes = (check_int(name, "output_size", output_size),) * n
            self.output_size = output_size
        self._sizes = sizes

    def infer(self, x: Shape, check: Checker) -> Shape:
        n, name = self._n, type(self).__name__
        lead, spatial = split_core(x, n, (n + 1, n + 2), name)
        spatial_nonempty, channels_nonempty = self._nonempty()
        if spatial_nonempty:
            for i, size in enumerate(spatial):
                axis = _AXES[3 - n + i]
                check.at_least(size, 1, f"{name} expects a non-empty input, got {axis} = {size}", index=-(n - i))
        if channels_nonempty and not x.prefix and len(x) == n + 2:
            check.at_least(x[1], 1, f"{name} expects a non-empty input, got {x[1]} channels", index=-(n + 1))
        out = [adaptive_output_size(t, size) for t, size in zip(self._sizes, spatial)]
        return Shape((*lead, *out), x.prefix)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPool(_AdaptivePoolNd):
    def _nonempty(self) -> tuple[bool, bool]:
        return True, True

    def __init__(self, output_size: OutputSize, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = bool(return_indices)

    def infer(self, x: Shape, check: Checker) -> Shape:
        if self.return_indices:
            raise RuleError(
                f"{type(self).__name__}(return_indices=True) returns (output, indices): a tuple cannot feed the next layer",
                kind="rank",
            )
        return super().infer(x, check)


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Mean over ``output_size`` adaptive windows of ``(N, C, L)`` or ``(C, L)``: ``L_out = output_size``."""

    _n = 1


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Mean over adaptive windows of ``(N, C, H, W)`` or ``(C, H, W)``: ``(H_out, W_out) = output_size``, None keeps the input's."""

    _n = 2


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Mean over adaptive windows of ``(N, C, D, H, W)`` or ``(C, D, H, W)``: ``output_size``, None keeps the input's."""

    _n = 3


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """Max over ``output_size`` adaptive windows of ``(N, C, L)`` or ``(C, L)``: ``L_out = output_size``."""

    _n = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """Max over adaptive windows of ``(N, C, H, W)`` or ``(C, H, W)``: ``(H_out, W_out) = output_size``, None keeps the input's."""

    _n = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    """Max over adaptive windows of ``(N, C, D, H, W)`` or ``(C, D, H, W)``: ``output_size``, None keeps the input's."""

    _n = 3
