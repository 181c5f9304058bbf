"""Resampling, as ``torch.nn.Upsample`` (``F.interpolate``), ``PixelShuffle``, ``PixelUnshuffle`` and
``ChannelShuffle`` compute it.

``F.interpolate`` turns a scale factor into an output size in double precision and truncates:
``out = int(double(size) * scale)`` (``compute_output_size`` in ``aten/src/ATen/native/UpSample.cpp``;
with ``recompute_scale_factor`` Python's ``int(size * scale)``, the same number).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from shapecheck.dims import Dim, floor_div, unknown

__all__ = ["INT64_MAX", "exact_ratio", "least_positive_input", "remainder", "scaled_size"]

INT64_MAX: Final = (1 << 63) - 1
_MAX_DEN: Final = 1 << 12
_MAX_NUM: Final = 1 << 31


def remainder(d: Dim, k: int) -> Dim:
    """``d mod k`` for a positive int ``k``, as ``d - k*(d//k)`` (0 for every value when ``k`` divides ``d``)."""
    return d - k * floor_div(d, k)


def exact_ratio(scale: float) -> tuple[int, int] | None:
    """``(p, q)`` with ``int(h * scale) == sign * ((p*h)//q)`` for every int ``h`` with ``h*|scale| < 2**30``;
    None when no small fraction is known to give that.

    ``p/q`` is the closest fraction to ``|scale|`` with ``q <= 4096``, required to round to it. The
    product's two roundings cannot cross an integer other than ``h*p/q`` itself (its distance to the
    others is ``>= 1/q``); at that one the double is not below it when ``|scale| >= p/q``, or when
    ``p/q - |scale| < (p/q) * 2**-54`` (within half a spacing of the doubles below it, for every ``h``).
    """
    magnitude = Fraction(abs(scale))
    ratio = magnitude.limit_denominator(_MAX_DEN)
    if ratio.numerator >= _MAX_NUM or float(ratio) != abs(scale):
        return None
    if magnitude < ratio and (ratio - magnitude) * (1 << 54) >= ratio:
        return None
    return ratio.numerator, ratio.denominator


def scaled_size(size: Dim, scale: float) -> Dim | None:
    """``int(double(size) * scale)``; None when it overflows int64 (torch: "value cannot be converted to
    type int64_t without overflow"). Symbolic: ``±(p*size)//q`` by :func:`exact_ratio`, else unknown.
    """
    if isinstance(size, int):
        value = float(size) * scale
        return int(value) if abs(value) < 2.0**63 else None
    ratio = exact_ratio(scale)
    if ratio is None:
        return unknown()
    p, q = ratio
    out = floor_div(p * size, q)
    return out if scale >= 0 else -out


def least_positive_input(scale: float) -> int | None:
    """The least ``h >= 1`` with ``int(h * scale) >= 1``, all larger ``h`` giving one too; None when there
    is none below ``2**62`` (``scale <= 2**-62``).
    """
    if scale <= 2.0**-62:
        return None
    h = max(1, int(1 / scale) - 1)
    while int(float(h) * scale) < 1:
        h += 1
    return h
