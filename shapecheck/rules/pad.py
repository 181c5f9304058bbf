"""Padding, as ``torch.nn.functional.pad`` computes it in each mode (``ConstantPad``, ``ReflectionPad``, ...).

torch's flat padding tuple names the last dim first: ``(left, right, top, bottom, front, back)``.
A negative pad crops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from shapecheck.dims import Dim

__all__ = ["Bound", "crop_bound", "pad_bounds", "pad_pairs", "pad_ranks", "padded_size", "needs_nonempty_output"]

Bound = tuple[Dim, int, str]
"""``(expr, bound, why)``: torch requires ``expr >= bound``."""


P = TypeVar("P", int, Dim)


def pad_pairs(padding: Sequence[P]) -> list[tuple[P, P]]:
    """``(before, after)`` per padded dim, in input order: ``(l, r, t, b)`` -> ``[(t, b), (l, r)]``."""
    return [(padding[i], padding[i + 1]) for i in range(len(padding) - 2, -1, -2)]


def padded_size(size: Dim, before: Dim, after: Dim) -> Dim:
    """``size + before + after``."""
    return size + before + after


def crop_bound(size: Dim, target: Dim) -> Bound:
    """A center crop of ``size`` to ``target`` (``x[top : top + target]``, ``top = (size - target)//2``)
    needs ``size - target >= 0``."""
    return size - target, 0, f"cannot crop {size} to {target}"


def pad_ranks(mode: str, padded: int) -> tuple[int, ...] | None:
    """Input ranks ``F.pad`` accepts for ``padded`` padded dims: None in constant mode (any rank ``>= padded``);
    otherwise ``padded + 1`` (unbatched) or ``padded + 2``, for 1 to 3 padded dims only.
    """
    if mode == "constant":
        return None
    return (padded + 1, padded + 2) if 1 <= padded <= 3 else ()


def pad_bounds(mode: str, size: Dim, before: int, after: int) -> list[Bound]:
    """What torch requires of one padded dim (``aten/src/ATen/native/PadNd.cpp``, the pad kernels):

    * every mode: the output ``size + before + after >= 0``;
    * constant: the input cropped by the negative pads first, ``size + min(before, 0) + min(after, 0) >= 0``;
    * reflect: each pad ``< size`` (it mirrors inside the input), and ``size >= 1``;
    * replicate: ``size >= 1``;
    * circular: each pad ``<= size`` (it wraps around at most once).
    """
    out = padded_size(size, before, after)
    bounds: list[Bound] = [(out, 0, f"{mode} padding ({before}, {after}) of {size} leaves a negative size {out}")]
    cropped = size + min(before, 0) + min(after, 0)
    if mode == "constant" and min(before, after) < 0 and max(before, after) > 0:
        bounds.append((cropped, 0, f"padding ({before}, {after}) crops {size} to {cropped} before it pads"))
    if mode == "reflect":
        most = max(before, after, 0)
        bounds.append((size, most + 1, f"reflect padding ({before}, {after}) needs an input size > {most}, got {size}"))
    elif mode == "replicate":
        bounds.append((size, 1, f"replicate padding needs a non-empty input, got {size}"))
    elif mode == "circular" and max(before, after) > 0:
        most = max(before, after)
        bounds.append((size, most, f"circular padding ({before}, {after}) wraps around more than once for size {size}"))
    return bounds


def needs_nonempty_output(mode: str) -> bool:
    """Reflect and replicate kernels reject an output whose padded dims are all empty (one non-empty one suffices)."""
    return mode in ("reflect", "replicate")
