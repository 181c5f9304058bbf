"""``Upsample`` (and ``UpsamplingNearest2d``/``UpsamplingBilinear2d``), ``PixelShuffle``, ``PixelUnshuffle``
and ``ChannelShuffle`` with torch's parameters, defaults and shape rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Union

from shapecheck.checker import Checker
from shapecheck.dims import Dim, floor_div, is_unknown, unknown
from shapecheck.errors import RuleError
from shapecheck.nn._args import UNBOUNDED, check_int
from shapecheck.nn.module import Module
from shapecheck.rules.rank import split_core
from shapecheck.rules.resample import least_positive_input, remainder, scaled_size
from shapecheck.shape import Shape

__all__ = ["ChannelShuffle", "PixelShuffle", "PixelUnshuffle", "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]

Size = Union[int, Sequence[int], None]
Scale = Union[float, Sequence[float], None]

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}  # the others take 3D, 4D or 5D
_AXES = ("D", "H", "W")


class Upsample(Module):
    """``(N, C, *spatial) -> (N, C, *out)`` with ``out = size`` or ``int(double(spatial) * scale_factor)``.

    ``linear`` takes 3D inputs, ``bilinear``/``bicubic`` 4D, ``trilinear`` 5D, ``nearest``,
    ``nearest-exact`` and ``area`` any of them. Every mode but ``area`` needs non-empty channels and
    spatial dims and an output of at least 1; ``area`` (adaptive average pooling) allows an empty output.

    Arguments that no input can make valid (both or neither of ``size`` and ``scale_factor``, an unknown
    mode, ``align_corners`` in a non-interpolating mode, ``recompute_scale_factor`` with ``size``) raise
    here, where torch raises on the first call.
    """

    def __init__(
        self,
        size: Size = None,
        scale_factor: Scale = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.size = size
        self._sizes: tuple[int, ...] | None = None
        if isinstance(size, (tuple, list)):
            self._sizes = tuple(check_int(name, "size", s, minimum=UNBOUNDED) for s in size)
        elif size is not None:
            self._sizes = (check_int(name, "size", size, minimum=UNBOUNDED),)
        # torch: a tuple becomes floats, anything else falsy (0, 0.0) means no scale factor
        self.scale_factor: float | tuple[float, ...] | None
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(_float(name, f) for f in scale_factor)
        else:
            self.scale_factor = _float(name, scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor
        if mode not in _MODES:
            raise ValueError(f"{name}: mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
        if self._sizes is not None and self.scale_factor is not None:
            raise ValueError(f"{name}: only one of size or scale_factor should be defined")
        if self._sizes is None and self.scale_factor is None:
            raise ValueError(f"{name}: either size or scale_factor should be defined")
        if align_corners is not None and mode not in _MODE_RANK:
            raise ValueError(
                f"{name}: align_corners option can only be set with the interpolating modes: "
                f"linear | bilinear | bicubic | trilinear, got mode={mode!r}"
            )
        if recompute_scale_factor and self._sizes is not None:
            raise ValueError(f"{name}: recompute_scale_factor is not meaningful with an explicit size")
        for what, k in self._lengths():
            if mode in _MODE_RANK and k != _MODE_RANK[mode] - 2:
                raise ValueError(f"{name}: mode {mode!r} works on {_MODE_RANK[mode] - 2} spatial dims, got {what}={k} entries")

    def _lengths(self) -> list[tuple[str, int]]:
        """The tuple arguments and their lengths: each must equal the number of spatial dims."""
        out = []
        if isinstance(self.size, (tuple, list)):
            out.append(("size", len(self.size)))
        if isinstance(self.scale_factor, tuple):
            out.append(("scale_factor", len(self.scale_factor)))
        return out

    def infer(self, x: Shape, check: Checker) -> Shape:
        op = f"{type(self).__name__} in mode {self.mode!r}"
        fixed = _MODE_RANK.get(self.mode)
        if x.prefix:
            n = fixed - 2 if fixed else next((k for _, k in self._lengths()), None)
            if n is None:  # which dims are spatial depends on the unknown rank
                return Shape((unknown() for _ in x.dims), prefix=True)
            lead, spatial = split_core(x, n, (), op)
        else:
            ranks = (fixed,) if fixed else (3, 4, 5)
            if len(x) not in ranks:
                expected = " or ".join(f"{r}D" for r in ranks)
                raise RuleError(
                    f"{op} expects a {expected} input (N, C, *spatial), got a {len(x)}D input {x}",
                    expected=expected,
                    actual=f"{len(x)}D {x}",
                    kind="rank",
                )
            lead, spatial = x.dims[:2], x.dims[2:]
            n = len(spatial)
        for what, k in self._lengths():
            if k != n:
                raise RuleError(
                    f"{op}: {what} has {k} entries but the input {x} has {n} spatial dims",
                    expected=f"{k + 2}D",
                    actual=f"{len(x)}D {x}",
                    kind="rank",
                )
        channels = lead[-1] if len(lead) == 2 else None
        area = self.mode == "area"
        if channels is not None and (not area or n == 3):
            check.at_least(channels, 1, f"{op} expects non-empty channels, got {channels}", index=-(n + 1))
        out = []
        for i, size in enumerate(spatial):
            axis, index = _AXES[3 - n + i], -(n - i)
            check.at_least(size, 1, f"{op} expects a non-empty input, got {axis} = {size}", index=index)
            o = self._output(check, i, size, index, op)
            least = 0 if area else 1
            check.at_least(o, least, f"{op}: output {axis} would be {o}, needs >= {least}", index=index)
            out.append(o)
        return Shape((*lead, *out), x.prefix)

    def _output(self, check: Checker, i: int, size: Dim, index: int, op: str) -> Dim:
        if self._sizes is not None:
            return self._sizes[0 if len(self._sizes) == 1 and not isinstance(self.size, (tuple, list)) else i]
        scale = self.scale_factor[i] if isinstance(self.scale_factor, tuple) else self.scale_factor
        assert scale is not None
        out = scaled_size(size, scale)
        if out is None:
            raise RuleError(f"{op}: output size {size} * {scale} overflows int64", index=index, kind="size")
        if is_unknown(out) and not is_unknown(size) and self.mode != "area":
            least = least_positive_input(scale)
            if least is None:
                raise RuleError(f"{op}: scale_factor {scale} gives an empty output for every input", index=index, kind="size")
            check.at_least(size, least, f"{op}: scale_factor {scale} needs an input of at least {least}", index=index)
        return out

    def explain(self, x: Shape, y: Shape, index: int) -> str | None:
        axis = index % len(y) - 2
        if axis < 0 or self.scale_factor is None:
            return None
        scale = self.scale_factor[axis] if isinstance(self.scale_factor, tuple) else self.scale_factor
        return f"floor({x[index]} * {scale})"

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


def _float(layer: str, value: object) -> float:
    """``float(value)``, as torch stores a scale factor (so ``"2"`` is 2.0)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{layer}: scale_factor must be a float or a tuple of floats, got {type(value).__name__} {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{layer}: scale_factor must be finite, got {value!r}")
    return number


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")`` on 4D inputs."""

    def __init__(self, size: Size = None, scale_factor: Scale = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)``."""

    def __init__(self, size: Size = None, scale_factor: Scale = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class _Shuffle(Module):
    """Works on the last three dims ``(C, H, W)``, any leading dims (at least 3D)."""

    def _split(self, x: Shape) -> tuple[tuple[Dim, ...], Dim, Dim, Dim]:
        name = type(self).__name__
        if not x.prefix and len(x) < 3:
            raise RuleError(
                f"{name} expects an input with at least 3 dims (*, C, H, W), got a {len(x)}D input {x}",
                expected=">= 3D",
                actual=f"{len(x)}D {x}",
                kind="rank",
            )
        lead, core = split_core(x, 3, (), name) if x.prefix else (x.dims[:-3], x.dims[-3:])
        return lead, core[0], core[1], core[2]


class PixelShuffle(_Shuffle):
    """``(*, C*r^2, H, W) -> (*, C, H*r, W*r)`` for ``r = upscale_factor``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = check_int("PixelShuffle", "upscale_factor", upscale_factor, minimum=1)

    def infer(self, x: Shape, check: Checker) -> Shape:
        r = self.upscale_factor
        lead, c, h, w = self._split(x)
        fixes = []
        if isinstance(c, int):
            fixes = [f"PixelShuffle({f})" for f in range(2, 9) if f != r and c % (f * f) == 0]
            below, above = c // (r * r) * r * r, c // (r * r) * r * r + r * r
            fixes.append(f"make the channels a multiple of {r * r}: {below or above} or {above} (the layer before)")
        check.equal(
            remainder(c, r * r),
            0,
            f"PixelShuffle({r}) needs channels (dim -3) divisible by upscale_factor**2 = {r * r}, got {c}",
            index=-3,
            fixes=fixes,
            kind="channels",
        )
        return Shape((*lead, floor_div(c, r * r), h * r, w * r), x.prefix)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(_Shuffle):
    """``(*, C, H*r, W*r) -> (*, C*r^2, H, W)`` for ``r = downscale_factor``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = check_int("PixelUnshuffle", "downscale_factor", downscale_factor, minimum=1)

    def infer(self, x: Shape, check: Checker) -> Shape:
        r = self.downscale_factor
        lead, c, h, w = self._split(x)
        for axis, size, index in (("height", h, -2), ("width", w, -1)):
            fixes = []
            if isinstance(size, int):
                fixes = [f"PixelUnshuffle({f})" for f in range(2, 9) if f != r and size % f == 0]
                fixes.append(f"make the {axis} a multiple of {r}, e.g. {size // r * r or r} or {size // r * r + r}")
            check.equal(
                remainder(size, r),
                0,
                f"PixelUnshuffle({r}) needs the {axis} (dim {index}) divisible by downscale_factor {r}, got {size}",
                index=index,
                fixes=fixes,
                kind="size",
            )
        return Shape((*lead, c * (r * r), floor_div(h, r), floor_div(w, r)), x.prefix)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """``(N, C, *) -> (N, C, *)``, channels (dim 1) regrouped: ``C`` divisible by ``groups``; at least 3D."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = check_int("ChannelShuffle", "groups", groups, minimum=1)

    def infer(self, x: Shape, check: Checker) -> Shape:
        g = self.groups
        if x.prefix:
            return x  # dim 1 lies among the unknown leading dims
        if len(x) < 3:
            raise RuleError(
                f"ChannelShuffle expects an input with at least 3 dims (N, C, *), got a {len(x)}D input {x}",
                expected=">= 3D",
                actual=f"{len(x)}D {x}",
                kind="rank",
            )
        c = x[1]
        fixes = []
        if isinstance(c, int):
            nearest = sorted((f for f in range(2, min(c, 64) + 1) if c % f == 0), key=lambda f: abs(f - g))
            fixes = [f"ChannelShuffle({f})" for f in nearest[:2]]
        check.equal(
            remainder(c, g),
            0,
            f"ChannelShuffle({g}) needs channels (dim 1) divisible by groups {g}, got {c}",
            index=1 - len(x),
            fixes=fixes,
            kind="channels",
        )
        return x

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
