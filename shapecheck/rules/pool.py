"""Pooling, as ``torch.nn.MaxPool{1,2,3}d`` / ``AvgPool{1,2,3}d`` and their adaptive variants compute it."""

from __future__ import annotations

from shapecheck.dims import Dim, floor_div

__all__ = ["adaptive_output_size", "pool_output_size"]


def pool_output_size(size: Dim, kernel: Dim, stride: int, padding: int, dilation: int, ceil_mode: bool) -> Dim:
    """``(size + 2*padding - dilation*(kernel - 1) - 1)//stride + 1``; with ``ceil_mode`` the division
    rounds up, but the last window must start inside the input or its left padding (torch drops it
    otherwise). The kernel may be symbolic (a size read off the input) outside ``ceil_mode``.

    Counting window starts ``j*s`` both ways gives one closed form for ceil mode, without a case split:
    ``(size + padding - 1 + min(0, padding + stride - dilation*(kernel - 1) - 1))//stride + 1``.
    """
    effective = dilation * (kernel - 1) + 1
    if not ceil_mode:
        return floor_div(size + 2 * padding - effective, stride) + 1
    if not isinstance(effective, int):
        raise ValueError("ceil_mode pooling needs a known kernel size")
    return floor_div(size + padding - 1 + min(0, padding + stride - effective), stride) + 1


def adaptive_output_size(target: int | None, size: Dim) -> Dim:
    """Adaptive pooling's output size for one dim: ``target``, or the input ``size`` where it is None
    (``torch.nn.modules.utils._list_with_default``). Output 0 is allowed; the input must be non-empty.
    """
    return size if target is None else target
