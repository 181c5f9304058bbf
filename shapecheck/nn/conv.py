"""``Conv{1,2,3}d`` and ``ConvTranspose{1,2,3}d`` with torch's parameters, defaults and shape rules."""

from __future__ import annotations

import copy
from typing import Any

from shapecheck.checker import Checker
from shapecheck.dims import Dim, is_unknown
from shapecheck.nn._args import UNBOUNDED, as_ntuple, check_choice, check_int, check_int_or_bool, ntuple, ntuple_kernel
from shapecheck.nn.module import Module
from shapecheck.nn.padding import pad_shape
from shapecheck.rules.conv import (
    conv_macs,
    conv_output_size,
    conv_parameter_shapes,
    conv_transpose_output_size,
    same_padding,
)
from shapecheck.rules.formula import formula
from shapecheck.rules.pad import pad_ranks
from shapecheck.rules.rank import split_core
from shapecheck.shape import Shape

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_AXES = ("D", "H", "W")


class _ConvNd(Module):
    takes = "Float"

    _n = 0
    _transposed = False

    def _setup(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...],
        padding: str | int | tuple[int, ...],
        output_padding: int | tuple[int, ...],
        dilation: int | tuple[int, ...],
        groups: int,
        bias: bool,
        padding_mode: str,
    ) -> None:
        """Each argument read as torch reads it: the channels and the kernel size become the weight's shape
        (bools count as 1 and 0; the kernel has one size per axis), the rest go to ``F.conv*d`` (an int, or
        one or ``n`` of them). Kept as torch keeps them (``_ntuple``); the per-axis ints are private.
        """
        name, n = type(self).__name__, self._n
        # a bool passes where it lands after the first dim of the weight, (out, in/groups, *kernel) or transposed
        # (in, out/groups, *kernel), and is not the bias's one dim (out)
        t = self._transposed
        self.in_channels = (check_int if t else check_int_or_bool)(name, "in_channels", in_channels, minimum=1)
        self.out_channels = (check_int_or_bool if t and not bias else check_int)(name, "out_channels", out_channels, minimum=1)
        self._kernel = ntuple_kernel(name, kernel_size, n)
        self._stride = ntuple(name, "stride", stride, n, minimum=1)
        self._dilation = ntuple(name, "dilation", dilation, n, minimum=1)
        self._output_padding = ntuple(name, "output_padding", output_padding, n)
        self.groups = check_int(name, "groups", groups, minimum=1)
        self.bias = bool(bias)
        self.padding_mode = str(check_choice(name, "padding_mode", padding_mode, _PADDING_MODES))
        if self.in_channels % self.groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups, got {in_channels} and groups={groups}")
        if self.out_channels % self.groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups, got {out_channels} and groups={groups}")
        # as torch's _ntuple keeps them (what its repr prints): an int repeated per axis, a sequence as its tuple
        self.kernel_size = self._kernel if type(kernel_size) is int else as_ntuple(kernel_size, n)
        self.stride = self._stride if type(stride) is int else as_ntuple(stride, n)
        self.dilation = self._dilation if type(dilation) is int else as_ntuple(dilation, n)
        self.output_padding = self._output_padding if type(output_padding) is int else as_ntuple(output_padding, n)
        self.padding: str | tuple[int, ...]
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
            check_choice(name, "padding", padding, ("same", "valid"))
            if padding == "same" and any(s != 1 for s in self._stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
            pads = [same_padding(k, d) if padding == "same" else (0, 0) for k, d in zip(self._kernel, self._dilation)]
        elif self.padding_mode == "zeros":
            per_axis = ntuple(name, "padding", padding, n)
            pads = [(p, p) for p in per_axis]
            self.padding = per_axis if type(padding) is int else as_ntuple(padding, n)
        else:
            self.padding = as_ntuple(padding, n)
            pads = [(p, p) for p in (check_int(name, "padding", p, minimum=UNBOUNDED) for p in self.padding)]
        self._pads: list[tuple[int, int]] = pads
        self._prepad: list[tuple[int, int]] = []
        if self.padding_mode != "zeros":  # torch's forward: F.pad(x, pads, mode), then a conv that pads nothing
            if self._transposed:
                raise ValueError(f'{name}: only "zeros" padding_mode is supported, got {padding_mode!r}')
            self._prepad, self._pads = pads, [(0, 0)] * n
            ranks = set(pad_ranks(self.padding_mode, len(pads)) or ()) & {n + 1, n + 2}
            if not ranks:
                raise ValueError(
                    f"{name}: padding {padding!r} with padding_mode={padding_mode!r} pads the last {len(pads)} dims, "
                    f"which F.pad cannot do on the {n + 1}D or {n + 2}D input of {name}"
                )
        if self._transposed:
            for op, s, d in zip(self._output_padding, self._stride, self._dilation):
                if op >= s and op >= d:
                    raise ValueError(
                        f"{name}: output_padding must be smaller than either stride or dilation, "
                        f"got output_padding={self.output_padding}, stride={self.stride}, dilation={self.dilation}"
                    )

    # -- shape ---------------------------------------------------------------------------------
    def infer(self, x: Shape, check: Checker) -> Shape:
        n, name = self._n, type(self).__name__
        if self._prepad:
            x = pad_shape(x, self._prepad, self.padding_mode, pad_ranks(self.padding_mode, len(self._prepad)), check, name)
        lead, core = split_core(x, n + 1, (n + 1, n + 2), name)
        channels, spatial = core[0], core[1:]
        check.equal(
            channels,
            self.in_channels,
            "{} expects {} input channels, got {}",
            name,
            self.in_channels,
            channels,
            index=-(n + 1),
            fixes=[self._changed(in_channels=channels)] if isinstance(channels, int) and channels != self.in_channels else [],
            kind="channels",
        )
        if not (lead and lead[0] == 0):  # torch: "Only zero batch or zero channel inputs"
            for i, size in enumerate(spatial):
                axis = _AXES[3 - n + i]
                check.at_least(size, 1, "{} expects a non-empty input, got {} = {}", name, axis, size, index=-(n - i))
        out = [self._axis(check, i, size) for i, size in enumerate(spatial)]
        return Shape.of((*lead, self.out_channels, *out), x.prefix)

    def _axis(self, check: Checker, i: int, size: Dim) -> Dim:
        if is_unknown(size):  # nothing to check, and the output is unknown too
            return size
        k, s, d = self._kernel[i], self._stride[i], self._dilation[i]
        left, right = self._pads[i]
        axis = _AXES[3 - self._n + i]
        index = -(self._n - i)
        if self._transposed:
            out = conv_transpose_output_size(size, k, s, left, self._output_padding[i], d)
            check.at_least(out, 1, "{} output {} {} is not positive", type(self).__name__, axis, out, index=index)
            return out
        effective = d * (k - 1) + 1
        check.at_least(
            size + left + right,
            effective,
            "input {} {} padded by {} is smaller than the kernel ({})",
            axis,
            size,
            left + right,
            f"{k} dilated by {d} spans {effective}" if d > 1 else k,
            index=index,
        )
        if left == right:
            return conv_output_size(size, k, s, left, d)
        return conv_output_size(size + left + right - 2 * left, k, s, left, d)

    def explain(self, x: Shape, y: Shape, index: int) -> str | None:
        axis = index % len(y) - (len(y) - self._n)
        if axis < 0:
            return None
        k, s, d = self._kernel[axis], self._stride[axis], self._dilation[axis]
        left, right = self._spatial_pads()[axis]
        size = x[index] if left == right else f"{x[index]} + {right - left}"  # the right pad's excess, as infer
        if self._transposed:
            return formula(conv_transpose_output_size, size=size, kernel=k, stride=s, padding=left, output_padding=self._output_padding[axis], dilation=d)
        return formula(conv_output_size, size=size, kernel=k, stride=s, padding=left, dilation=d)

    def _spatial_pads(self) -> list[tuple[int, int]]:
        """Each spatial axis's pads, whether F.pad adds them first (it pads the last dims) or the conv does."""
        if not self._prepad:
            return self._pads
        n, k = self._n, len(self._prepad)
        return [self._prepad[k - (n - i)] if n - i <= k else (0, 0) for i in range(n)]

    # -- counts --------------------------------------------------------------------------------
    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return conv_parameter_shapes(self.in_channels, self.out_channels, self._kernel, self.groups, self.bias, self._transposed)

    def macs(self, x: Shape, y: Shape) -> Dim:
        if self._transposed:
            return conv_macs(x.numel(), self.out_channels, self._kernel, self.groups)
        return conv_macs(y.numel(), self.in_channels, self._kernel, self.groups)

    def bias_macs(self, x: Shape, y: Shape) -> Dim:
        return y.numel() if self.bias else 0

    # -- printing ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """torch's: an argument equal to its default in every entry is left out."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if not self.bias:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _changed(self, **changes: Any) -> str:
        other = copy.copy(self)
        other.__dict__.update(changes)
        return repr(other)


class _Conv(_ConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: str | int | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, 0, dilation, groups, bias, padding_mode)


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] = 0,
        output_padding: int | tuple[int, ...] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, ...] = 1,
        padding_mode: str = "zeros",
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, output_padding, dilation, groups, bias, padding_mode)


class Conv1d(_Conv):
    """1-d convolution over ``(N, C, L)`` or ``(C, L)``; ``L_out = (L + 2p - d(k-1) - 1)//s + 1``."""

    _n = 1


class Conv2d(_Conv):
    """2-d convolution over ``(N, C, H, W)`` or ``(C, H, W)``; per axis ``(H + 2p - d(k-1) - 1)//s + 1``."""

    _n = 2


class Conv3d(_Conv):
    """3-d convolution over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; per axis ``(D + 2p - d(k-1) - 1)//s + 1``."""

    _n = 3


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-d convolution; ``L_out = (L - 1)s - 2p + d(k-1) + output_padding + 1``."""

    _n = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-d convolution; per axis ``(H - 1)s - 2p + d(k-1) + output_padding + 1``."""

    _n = 2


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-d convolution; per axis ``(D - 1)s - 2p + d(k-1) + output_padding + 1``."""

    _n = 3
