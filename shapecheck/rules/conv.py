"""Convolutions, as ``torch.nn.Conv{1,2,3}d`` and ``ConvTranspose{1,2,3}d`` compute them."""

from __future__ import annotations

from math import prod

from shapecheck.dims import Dim, floor_div

__all__ = [
    "conv_output_size",
    "conv_transpose_output_size",
    "conv_macs",
    "conv_parameter_shapes",
    "same_padding",
]


def conv_output_size(size: Dim, kernel: int, stride: int, padding: int, dilation: int) -> Dim:
    """``(size + 2*padding - dilation*(kernel - 1) - 1)//stride + 1``."""
    return floor_div(size + 2 * padding - dilation * (kernel - 1) - 1, stride) + 1


def conv_transpose_output_size(
    size: Dim, kernel: int, stride: int, padding: int, output_padding: int, dilation: int
) -> Dim:
    """``(size - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def same_padding(kernel: int, dilation: int) -> tuple[int, int]:
    """``padding="same"``: ``dilation*(kernel - 1)`` in all, the smaller half first (as torch)."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def conv_parameter_shapes(
    in_channels: int, out_channels: int, kernel: tuple[int, ...], groups: int, bias: bool, transposed: bool
) -> dict[str, tuple[int, ...]]:
    """``weight (out, in/groups, *kernel)`` (transposed: ``(in, out/groups, *kernel)``) and ``bias (out,)``."""
    first, second = (in_channels, out_channels) if transposed else (out_channels, in_channels)
    weight = (first, second // groups, *kernel)
    return {"weight": weight, "bias": (out_channels,)} if bias else {"weight": weight}


def conv_macs(out_numel: Dim, in_channels: int, kernel: tuple[int, ...], groups: int) -> Dim:
    """``numel(output) * (in/groups) * prod(kernel)``: one MAC per weight per output element."""
    return out_numel * (in_channels // groups * prod(kernel))
