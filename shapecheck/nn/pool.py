"""``MaxPool{1,2,3}d`` and ``AvgPool{1,2,3}d`` with torch's parameters, defaults and shape rules."""

from __future__ import annotations

from shapecheck.checker import Checker
from shapecheck.dims import is_unknown
from shapecheck.errors import RuleError
from shapecheck.nn._args import UNBOUNDED, as_ntuple, check_int, is_sequence, ntuple, ntuple32
from shapecheck.nn.module import Module
from shapecheck.rules.formula import formula
from shapecheck.rules.pool import pool_output_size
from shapecheck.rules.rank import split_core
from shapecheck.shape import Shape

__all__ = ["AvgPool1d", "AvgPool2d", "AvgPool3d", "MaxPool1d", "MaxPool2d", "MaxPool3d"]

_AXES = ("D", "H", "W")


class _PoolNd(Module):
    _n = 0
    _covers_kernel = False  # avg_pool3d also wants every input dim >= its kernel, padding aside
    _ntuple = staticmethod(ntuple32)  # its kernel holds the arguments as int32 (max_pool1d's as int64)

    def _setup(
        self,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] | None,
        padding: int | tuple[int, ...],
        dilation: int | tuple[int, ...],
        ceil_mode: bool,
    ) -> None:
        """Each argument as ``F.*_pool*d`` reads it: an int, or one or ``n`` of them; an empty stride is the kernel size."""
        name, n, axes = type(self).__name__, self._n, self._ntuple
        self._kernel = axes(name, "kernel_size", kernel_size, n, minimum=1)
        default = stride is None or is_sequence(stride) and not stride
        self._stride = self._kernel if default else axes(name, "stride", stride, n, minimum=1)
        self._padding = axes(name, "padding", padding, n)
        self._dilation = axes(name, "dilation", dilation, n, minimum=1)
        self.ceil_mode = bool(ceil_mode)
        for p, k in zip(self._padding, self._kernel):
            if p > k // 2:
                raise ValueError(
                    f"{name}: padding should be at most half of kernel_size, got padding={padding} and kernel_size={kernel_size}"
                )
        # as torch keeps them (its repr prints these): as given, a missing stride being the kernel size
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride

    def infer(self, x: Shape, check: Checker) -> Shape:
        n, name = self._n, type(self).__name__
        lead, spatial = split_core(x, n, (n + 1, n + 2), name)
        out = []
        for i, size in enumerate(spatial):
            if is_unknown(size):  # nothing to check, and the output is unknown too
                out.append(size)
                continue
            k, s, p, d = self._kernel[i], self._stride[i], self._padding[i], self._dilation[i]
            o = pool_output_size(size, k, s, p, d, self.ceil_mode)
            axis = _AXES[3 - n + i]
            check.at_least(size, 1, "{} expects a non-empty input, got {} = {}", name, axis, size, index=-(n - i))
            check.at_least(
                o,
                1,
                "{0} output {1} would be {2}: input {1} {3} is too small for kernel {4}",
                name,
                axis,
                o,
                size,
                k,
                index=-(n - i),
            )
            if self._covers_kernel:
                check.at_least(size, k, "{} needs input {} >= kernel {}, padding aside; got {}", name, axis, k, size, index=-(n - i))
            out.append(o)
        if n + 1 <= len(x) and not x.prefix:
            check.at_least(x[-(n + 1)], 1, "{} expects a non-empty input, got {}", name, x, index=-(n + 1))
        return Shape.of((*lead, *out), x.prefix)

    def explain(self, x: Shape, y: Shape, index: int) -> str | None:
        axis = index % len(y) - (len(y) - self._n)
        if axis < 0:
            return None
        k, s, p, d = self._kernel[axis], self._stride[axis], self._padding[axis], self._dilation[axis]
        return formula(pool_output_size, -1 if self.ceil_mode else 0, size=x[index], kernel=k, stride=s, padding=p, dilation=d)


class _MaxPool(_PoolNd):
    takes = "same"

    def __init__(
        self,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] | None = None,
        padding: int | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self._setup(kernel_size, stride, padding, dilation, ceil_mode)
        self.return_indices = bool(return_indices)

    def infer(self, x: Shape, check: Checker) -> Shape:
        if self.return_indices:
            raise RuleError(
                f"{type(self).__name__}(return_indices=True) returns (output, indices): a tuple cannot feed the next layer",
                kind="rank",
            )
        return super().infer(x, check)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class _AvgPool(_PoolNd):
    def __init__(
        self,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] | None = None,
        padding: int | tuple[int, ...] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self._setup(kernel_size, stride, padding, 1, ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        if divisor_override is not None and not check_int(type(self).__name__, "divisor_override", divisor_override, minimum=UNBOUNDED):
            raise ValueError(f"{type(self).__name__}: divisor_override must not be zero")
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_MaxPool):
    """Max over windows of ``(N, C, L)`` or ``(C, L)``; ``L_out = (L + 2p - d(k-1) - 1)//s + 1`` (ceil_mode rounds up)."""

    _n = 1
    _ntuple = staticmethod(ntuple)


class MaxPool2d(_MaxPool):
    """Max over windows of ``(N, C, H, W)`` or ``(C, H, W)``; per axis ``(H + 2p - d(k-1) - 1)//s + 1``."""

    _n = 2


class MaxPool3d(_MaxPool):
    """Max over windows of ``(N, C, D, H, W)`` or ``(C, D, H, W)``; per axis ``(D + 2p - d(k-1) - 1)//s + 1``."""

    _n = 3


class AvgPool1d(_AvgPool):
    """Mean over windows of ``(N, C, L)`` or ``(C, L)``; ``L_out = (L + 2p - k)//s + 1`` (ceil_mode rounds up)."""

    _n = 1

    def __init__(
        self,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] | None = None,
        padding: int | tuple[int, ...] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        # torch's _single of each argument, a missing stride being the kernel size
        self.kernel_size, self.stride, self.padding = (as_ntuple(v, 1) for v in (kernel_size, self.stride, padding))


class AvgPool2d(_AvgPool):
    """Mean over windows of ``(N, C, H, W)`` or ``(C, H, W)``; per axis ``(H + 2p - k)//s + 1``."""

    _n = 2


class AvgPool3d(_AvgPool):
    """Mean over windows of ``(N, C, D, H, W)`` or ``(C, D, H, W)``; per axis ``(D + 2p - k)//s + 1``, ``D >= k``."""

    _n = 3
    _covers_kernel = True
