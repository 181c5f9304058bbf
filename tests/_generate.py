"""Seeded random chains of ``torch.nn``-mirroring layers, the input of the differential test.

A layer is a :class:`LayerSpec` ``(class name, args, kwargs)`` that builds the same object from
``shapecheck.nn`` and from ``torch.nn``. :func:`generate_case` draws an input shape and 1 to 8
layers; each layer is drawn for the shape the previous ones really produce (the chain is stepped
through torch on the meta device while it is drawn), so most chains are valid, and some arguments
are perturbed on purpose (wrong channels, kernel 0, groups not dividing, bad padding, a layer on an
input of the wrong rank, ...) so that a good share is not.

Families the shapecheck package does not have yet are drawn only once ``hasattr(shapecheck.nn, name)``.
Run ``python -m tests._generate SEED`` to print one case.
"""

from __future__ import annotations

import random
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import torch

from shapecheck import nn as scnn

__all__ = ["Case", "LayerSpec", "generate_case", "layer_code", "torch_layers"]

MAX_LAYERS = 8
MAX_RANK = 6
BAD_CASE_RATE = 0.22  # share of chains with one deliberately perturbed layer
WRONG_RANK_RATE = 0.15  # share of perturbations that put a layer on an input of the wrong rank


@dataclass(frozen=True)
class LayerSpec:
    """``getattr(module, name)(*args, **kwargs)`` for ``module`` either ``shapecheck.nn`` or ``torch.nn``."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self, namespace: Any) -> Any:
        return getattr(namespace, self.name)(*self.args, **self.kwargs)

    def __str__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(parts)})"


@dataclass
class Case:
    """One chain: ``nn.Sequential(nn.Input(*shape), *layers)``; ``integer`` inputs feed an ``Embedding``."""

    seed: int
    shape: tuple[int, ...]
    layers: list[LayerSpec]
    integer: bool = False
    perturbed: str | None = None  # which deliberate perturbation was drawn, if any

    def code(self, shape: Sequence[object] | None = None) -> str:
        dims = ", ".join(repr(d) for d in (self.shape if shape is None else shape))
        body = "".join(f"\n    nn.{layer}," for layer in self.layers)
        return f"nn.Sequential(\n    nn.Input({dims}),{body}\n)"


def layer_code(layers: Sequence[LayerSpec]) -> str:
    return ", ".join(str(layer) for layer in layers)


def torch_layers(layers: Sequence[LayerSpec]) -> torch.nn.Sequential:
    """The chain as a ``torch.nn.Sequential`` with parameters on the meta device."""
    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.nn.Sequential(*(layer.build(torch.nn) for layer in layers))


# -- drawing ---------------------------------------------------------------------------------


class Draw:
    """What a layer generator sees: the random source, the current shape, whether to perturb."""

    def __init__(self, rng: random.Random, shape: tuple[int, ...], bad: bool) -> None:
        self.rng = rng
        self.shape = shape
        self.bad = bad
        self.perturbation: str | None = None

    @property
    def rank(self) -> int:
        return len(self.shape)

    def dim(self, index: int, default: int = 4) -> int:
        """``shape[index]``, or ``default`` when the shape is too short (a layer on the wrong rank)."""
        return self.shape[index] if -self.rank <= index < self.rank else default

    def perturb(self, *options: str) -> str | None:
        """One of ``options`` when this layer is to be perturbed, else None."""
        if not self.bad or self.perturbation is not None:
            return None
        self.perturbation = self.rng.choice(options)
        return self.perturbation

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def wrong(self, value: int) -> int:
        """A positive int other than ``value``."""
        return value + self.rng.choice([1, 2, 3]) if value <= 1 or self.chance(0.5) else value - 1

    def per_axis(self, n: int, draw: Callable[[int], int]) -> int | tuple[int, ...]:
        """An int for every axis or a tuple of ``n`` ints (as torch's ``_ntuple``); ``draw(axis)``."""
        if n > 1 and self.chance(0.35):
            return tuple(draw(i) for i in range(n))
        return draw(0)

    def divisors(self, value: int) -> list[int]:
        return [d for d in range(1, value + 1) if value % d == 0] or [1]

    def non_divisor(self, value: int) -> int:
        options = [d for d in range(2, value + 3) if value % d]
        return self.rng.choice(options) if options else value + 1


def _axis(value: int | tuple[int, ...], i: int) -> int:
    return value[i] if isinstance(value, tuple) else value


Generator = Callable[[Draw], LayerSpec]


def _conv(n: int, transposed: bool, d: Draw) -> LayerSpec:
    rng = d.rng
    name = f"ConvTranspose{n}d" if transposed else f"Conv{n}d"
    channels = d.dim(-(n + 1))
    spatial = [d.dim(-(n - i), 6) for i in range(n)]
    groups = rng.choice(d.divisors(channels)) if d.chance(0.3) else 1
    out = groups * rng.randint(1, max(1, 16 // groups))
    stride = d.per_axis(n, lambda i: rng.choice([1, 1, 1, 2, 3]))
    dilation = d.per_axis(n, lambda i: rng.choice([1, 1, 1, 2, 3]))
    kernel = d.per_axis(n, lambda i: rng.randint(1, max(1, min(5, spatial[i] + (1 if transposed else 0)))))
    padding: str | int | tuple[int, ...] = d.per_axis(n, lambda i: rng.choice([0, 0, 1, 2]))
    kwargs: dict[str, Any] = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups, "bias": d.chance(0.7)}
    if transposed:
        kwargs["output_padding"] = d.per_axis(
            n, lambda i: rng.randrange(max(_axis(stride, i), _axis(dilation, i))) if d.chance(0.4) else 0
        )
    else:
        if all(_axis(stride, i) == 1 for i in range(n)) and d.chance(0.25):
            kwargs["padding"] = rng.choice(["same", "valid"])
        elif d.chance(0.15):
            kwargs["padding"] = "valid"
        if d.chance(0.3):
            kwargs["padding_mode"] = rng.choice(["reflect", "replicate", "circular"])
    match d.perturb("channels", "kernel0", "kernel_big", "groups", "padding", "stride0", "dilation0", "mode"):
        case "channels":
            channels = d.wrong(channels)
        case "kernel0":
            kernel = 0
        case "kernel_big":
            kernel = max(spatial) + rng.randint(2, 4)
        case "groups":
            kwargs["groups"] = d.non_divisor(channels)
        case "padding":
            choices: list[object] = [-1, rng.randint(3, 8)]
            choices += ["full"] if not transposed else ["same"]
            if not transposed:
                choices.append("same")
                kwargs["stride"] = 2
            kwargs["padding"] = rng.choice(choices)
            if not transposed and d.chance(0.5):
                kwargs["padding_mode"] = rng.choice(["reflect", "circular"])
        case "stride0":
            kwargs["stride"] = 0
        case "dilation0":
            kwargs["dilation"] = 0
        case "mode":
            if transposed:
                kwargs["output_padding"] = max(_axis(stride, 0), _axis(dilation, 0))
            else:
                kwargs["padding_mode"] = "mirror"
    return LayerSpec(name, (channels, out, kernel), _shuffle_defaults(d, kwargs, {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True, "output_padding": 0}))


def _shuffle_defaults(d: Draw, kwargs: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Drops most keyword arguments equal to their default, so that chains read like real code."""
    return {k: v for k, v in kwargs.items() if not (k in defaults and defaults[k] == v and d.chance(0.8))}


def _linear(d: Draw) -> LayerSpec:
    features = d.dim(-1)
    if d.perturb("features"):
        features = d.wrong(features)
    kwargs = {} if d.chance(0.7) else {"bias": False}
    return LayerSpec("Linear", (features, d.rng.randint(1, 32)), kwargs)


def _identity(d: Draw) -> LayerSpec:
    return LayerSpec("Identity", *(((54,), {"unused": "x"}) if d.chance(0.2) else ((), {})))


def _flatten(d: Draw) -> LayerSpec:
    rng, rank = d.rng, max(d.rank, 1)
    if rank >= 2 and d.chance(0.3):
        return LayerSpec("Flatten")
    start = rng.randrange(rank)
    end = rng.randrange(start, rank)
    match d.perturb("order", "range"):
        case "order":
            start, end = (end, start) if start != end else (start, start - 1)
        case "range":
            start = rng.choice([rank, -rank - 1])
    if d.chance(0.5) and start >= 0:
        start -= rank
    if d.chance(0.5) and end >= 0:
        end -= rank
    return LayerSpec("Flatten", (start, end)) if d.chance(0.5) else LayerSpec("Flatten", (), {"start_dim": start, "end_dim": end})


def _unflatten(d: Draw) -> LayerSpec:
    rng = d.rng
    dim = rng.randrange(max(d.rank, 1))
    size = d.dim(dim)
    factors = [rng.choice(d.divisors(size)) if size else 1]
    factors.append(size // factors[0] if factors[0] else 0)
    if d.chance(0.3) and factors[1] > 1:
        a = rng.choice(d.divisors(factors[1]))
        factors[1:] = [a, factors[1] // a]
    rng.shuffle(factors)
    if d.chance(0.2):
        factors[rng.randrange(len(factors))] = -1
    match d.perturb("product", "range", "two_inferred"):
        case "product":
            factors[0] += 1
        case "range":
            dim = d.rank + rng.randint(0, 1)
        case "two_inferred":
            factors = [-1, -1, *factors[1:]]
    if d.chance(0.5):
        dim -= d.rank
    unflattened: list[int] | tuple[int, ...] = factors if d.chance(0.5) else tuple(factors)
    return LayerSpec("Unflatten", (dim, unflattened))


def _pool(n: int, kind: str, d: Draw) -> LayerSpec:
    rng = d.rng
    name = f"{kind}Pool{n}d"
    spatial = [d.dim(-(n - i), 6) for i in range(n)]
    kernel = d.per_axis(n, lambda i: rng.randint(1, max(1, min(4, spatial[i]))))
    stride: int | tuple[int, ...] | None = None if d.chance(0.4) else d.per_axis(n, lambda i: rng.randint(1, 3))
    padding = d.per_axis(n, lambda i: rng.randint(0, _axis(kernel, i) // 2))
    kwargs: dict[str, Any] = {"stride": stride, "padding": padding, "ceil_mode": d.chance(0.4)}
    if kind == "Max":
        kwargs["dilation"] = d.per_axis(n, lambda i: rng.choice([1, 1, 2]))
    else:
        kwargs["count_include_pad"] = d.chance(0.5)
        if n > 1 and d.chance(0.2):
            kwargs["divisor_override"] = rng.randint(1, 4)
    match d.perturb("padding", "kernel0", "kernel_big", "stride0", "dilation0" if kind == "Max" else "divisor0"):
        case "padding":
            kwargs["padding"] = _axis(kernel, 0) // 2 + 1
        case "kernel0":
            kernel = 0
        case "kernel_big":
            kernel = max(spatial) + rng.randint(2, 4)
            kwargs["padding"] = 0
        case "stride0":
            kwargs["stride"] = 0
        case "dilation0":
            kwargs["dilation"] = 0
        case "divisor0":
            kwargs["divisor_override"] = 0
    kwargs = _shuffle_defaults(d, kwargs, {"stride": None, "padding": 0, "ceil_mode": False, "dilation": 1, "count_include_pad": True})
    return LayerSpec(name, (kernel,), kwargs)


def _adaptive(n: int, kind: str, d: Draw) -> LayerSpec:
    rng = d.rng
    size: int | tuple[int | None, ...] | None
    if d.chance(0.5):
        size = rng.randint(1, 6)
    else:
        size = tuple(None if d.chance(0.3) else rng.randint(1, 6) for _ in range(n))
    match d.perturb("negative", "length"):
        case "negative":
            size = -1
        case "length":
            size = tuple(rng.randint(1, 4) for _ in range(n + 1))
    return LayerSpec(f"Adaptive{kind}Pool{n}d", (size,))


def _batchnorm(n: int, d: Draw) -> LayerSpec:
    rng = d.rng
    features = d.dim(1)
    kwargs: dict[str, Any] = {}
    if d.chance(0.3):
        kwargs["affine"] = False
    if d.chance(0.3):
        kwargs["track_running_stats"] = False
    if d.chance(0.2):
        kwargs["momentum"] = rng.choice([None, 0.01])
    if d.perturb("features"):
        features = d.wrong(features)
    return LayerSpec(f"BatchNorm{n}d", (features,), kwargs)


def _layernorm(name: str, d: Draw) -> LayerSpec:
    rng = d.rng
    k = rng.randint(1, max(1, min(3, d.rank)))
    dims = [d.dim(-(k - i)) for i in range(k)]
    if d.perturb("shape"):
        j = rng.randrange(k)
        dims[j] = d.wrong(dims[j])
    shape: int | list[int] | tuple[int, ...] = dims[0] if k == 1 and d.chance(0.5) else (dims if d.chance(0.5) else tuple(dims))
    kwargs: dict[str, Any] = {}
    if d.chance(0.3):
        kwargs["elementwise_affine"] = False
    elif name == "LayerNorm" and d.chance(0.3):
        kwargs["bias"] = False
    return LayerSpec(name, (shape,), kwargs)


def _groupnorm(d: Draw) -> LayerSpec:
    rng = d.rng
    channels = d.dim(1)
    groups = rng.choice(d.divisors(channels)) if channels else 1
    match d.perturb("groups", "channels"):
        case "groups":
            groups = d.non_divisor(channels)
        case "channels":
            channels = groups * d.wrong(channels // groups)
    kwargs = {"affine": False} if d.chance(0.3) else {}
    return LayerSpec("GroupNorm", (groups, channels), kwargs)


def _instancenorm(n: int, d: Draw) -> LayerSpec:
    features = d.dim(-(n + 1))
    kwargs: dict[str, Any] = {}
    if d.chance(0.4):
        kwargs["affine"] = True
    if d.chance(0.3):
        kwargs["track_running_stats"] = True
    if d.perturb("features"):
        features = d.wrong(features)
    return LayerSpec(f"InstanceNorm{n}d", (features,), kwargs)


def _lrn(d: Draw) -> LayerSpec:
    size = d.rng.randint(1, 5)
    if d.perturb("size0"):
        size = 0
    return LayerSpec("LocalResponseNorm", (size,), {"alpha": 1e-3} if d.chance(0.3) else {})


def _dropout(name: str, d: Draw) -> LayerSpec:
    p = d.rng.choice([0.0, 0.1, 0.5, 1.0])
    if d.perturb("p"):
        p = d.rng.choice([-0.1, 1.5])
    kwargs = {"inplace": True} if d.chance(0.2) else {}
    return LayerSpec(name, (p,), kwargs) if d.chance(0.7) else LayerSpec(name, (), kwargs)


def _pad(n: int, kind: str, d: Draw) -> LayerSpec:
    rng = d.rng
    name = f"{kind}Pad{n}d"
    spatial = [d.dim(-(n - i), 6) for i in range(n)]  # innermost last
    low = -2 if kind in ("Zero", "Constant") else 0

    def amount(axis: int) -> int:
        top = spatial[axis] - 1 if kind == "Reflection" else spatial[axis] if kind == "Circular" else 3
        return rng.randint(low, max(0, min(3, top)))

    padding: int | tuple[int, ...]
    if d.chance(0.4):
        padding = amount(n - 1) if kind not in ("Reflection", "Circular") else rng.randint(0, max(0, min(3, min(spatial) - 1)))
    else:
        padding = tuple(amount(n - 1 - i // 2) for i in range(2 * n))  # (left, right, top, bottom, front, back)
    match d.perturb("length", "too_big", "negative"):
        case "length":
            padding = tuple(rng.randint(0, 2) for _ in range(2 * n + rng.choice([-1, 1])))
        case "too_big":
            padding = max(spatial) + rng.randint(0, 2)
        case "negative":
            padding = -(max(spatial) + 1) if kind in ("Zero", "Constant") else -1
    args: tuple[Any, ...] = (padding, rng.choice([0.0, 1.5])) if kind == "Constant" else (padding,)
    return LayerSpec(name, args)


_UPSAMPLE_MODES = {3: ["nearest", "linear", "nearest-exact"], 4: ["nearest", "bilinear", "bicubic", "nearest-exact"], 5: ["nearest", "trilinear", "nearest-exact"]}


def _upsample(d: Draw) -> LayerSpec:
    rng = d.rng
    rank = d.rank if d.rank in _UPSAMPLE_MODES else 4
    n = rank - 2
    mode = rng.choice(_UPSAMPLE_MODES[rank])
    kwargs: dict[str, Any] = {}
    if d.chance(0.5):
        kwargs["size"] = d.per_axis(n, lambda i: rng.randint(1, 12))
    else:
        kwargs["scale_factor"] = rng.choice([2, 3, 2.0, 0.5, 1.5, 0.3, 1.7, 2.5]) if d.chance(0.7) else tuple(
            rng.choice([1, 2, 0.5, 1.5]) for _ in range(n)
        )
        if d.chance(0.3):
            kwargs["recompute_scale_factor"] = True
    if mode != "nearest" or d.chance(0.5):
        kwargs["mode"] = mode
    if mode in ("linear", "bilinear", "bicubic", "trilinear") and d.chance(0.4):
        kwargs["align_corners"] = d.chance(0.5)
    match d.perturb("both", "neither", "mode", "align", "length"):
        case "both":
            kwargs["size"], kwargs["scale_factor"] = 4, 2
        case "neither":
            kwargs.pop("size", None)
            kwargs.pop("scale_factor", None)
        case "mode":
            kwargs["mode"] = rng.choice(["linear", "bilinear", "trilinear", "area2"])
        case "align":
            kwargs["mode"], kwargs["align_corners"] = "nearest", True
        case "length":
            kwargs.pop("scale_factor", None)
            kwargs["size"] = tuple(rng.randint(1, 8) for _ in range(n + 1))
    return LayerSpec("Upsample", (), kwargs)


def _upsampling2d(name: str, d: Draw) -> LayerSpec:
    rng = d.rng
    if d.chance(0.5):
        return LayerSpec(name, (), {"size": d.per_axis(2, lambda i: rng.randint(1, 12))})
    return LayerSpec(name, (), {"scale_factor": rng.choice([2, 2.0, 0.5, 1.5, 3])})


def _pixel_shuffle(d: Draw) -> LayerSpec:
    channels = d.dim(-3)
    options = [r for r in (1, 2, 3) if channels % (r * r) == 0]
    r = d.rng.choice(options)
    match d.perturb("factor", "zero"):
        case "factor":
            r = next(f for f in (2, 3, 4, 5) if channels % (f * f))
        case "zero":
            r = 0
    return LayerSpec("PixelShuffle", (r,))


def _pixel_unshuffle(d: Draw) -> LayerSpec:
    h, w = d.dim(-2), d.dim(-1)
    options = [r for r in (1, 2, 3) if h % r == 0 and w % r == 0]
    r = d.rng.choice(options)
    match d.perturb("factor", "zero"):
        case "factor":
            r = next(f for f in (2, 3, 4, 5, 7) if h % f or w % f)
        case "zero":
            r = 0
    return LayerSpec("PixelUnshuffle", (r,))


def _channel_shuffle(d: Draw) -> LayerSpec:
    channels = d.dim(1)
    groups = d.rng.choice(d.divisors(channels)) if channels else 1
    if d.perturb("groups"):
        groups = d.non_divisor(channels)
    return LayerSpec("ChannelShuffle", (groups,))


def _embedding(d: Draw) -> LayerSpec:
    rng = d.rng
    num = rng.randint(1, 50)
    kwargs: dict[str, Any] = {}
    if d.chance(0.3):
        kwargs["padding_idx"] = rng.randrange(-num, num)
    if d.chance(0.2):
        kwargs["max_norm"] = 1.0
    dim = rng.randint(1, 16)
    match d.perturb("padding_idx", "dim"):
        case "padding_idx":
            kwargs["padding_idx"] = num + rng.randint(0, 2)
        case "dim":
            dim = -1
    return LayerSpec("Embedding", (num, dim), kwargs)


def _elementwise(name: str, d: Draw) -> LayerSpec:
    return LayerSpec(name, (), {"inplace": True} if d.chance(0.2) else {})


def _plain(name: str, d: Draw) -> LayerSpec:
    return LayerSpec(name)


def _with_args(name: str, draw_args: Callable[[Draw], tuple[tuple[Any, ...], dict[str, Any]]], d: Draw) -> LayerSpec:
    return LayerSpec(name, *draw_args(d))


def _prelu(d: Draw) -> LayerSpec:
    channels = d.dim(1) if d.rank >= 2 else 1
    num = channels if d.chance(0.5) else 1
    if d.perturb("parameters"):
        num = channels + d.rng.randint(1, 3)
    if num == 1 and d.chance(0.5):
        return LayerSpec("PReLU")
    return LayerSpec("PReLU", (num,)) if d.chance(0.5) else LayerSpec("PReLU", (), {"num_parameters": num})


def _softmax(name: str, d: Draw) -> LayerSpec:
    rank = max(d.rank, 1)
    dim: int | None = d.rng.randrange(-rank, rank) if d.chance(0.85) else None
    if d.perturb("dim"):
        dim = d.rng.choice([rank, -rank - 1])
    return LayerSpec(name, (dim,)) if d.chance(0.5) else LayerSpec(name, (), {"dim": dim})


def _glu(d: Draw) -> LayerSpec:
    rank = max(d.rank, 1)
    even = [i for i in range(rank) if d.dim(i) % 2 == 0]
    dim = d.rng.choice(even) if even and d.chance(0.9) else -1
    match d.perturb("odd", "range"):
        case "odd":
            odd = [i for i in range(rank) if d.dim(i) % 2]
            dim = d.rng.choice(odd) if odd else rank
        case "range":
            dim = rank
    if d.chance(0.5):
        dim -= rank
    return LayerSpec("GLU", (dim,)) if d.chance(0.8) else LayerSpec("GLU")


def _args_gelu(d: Draw) -> tuple[tuple[Any, ...], dict[str, Any]]:
    approximate = d.rng.choice(["none", "tanh"])
    if d.perturb("approximate"):
        approximate = "fast"
    return (), {"approximate": approximate}


def _args_hardtanh(d: Draw) -> tuple[tuple[Any, ...], dict[str, Any]]:
    lo, hi = -1.0, d.rng.choice([1.0, 2.0, 6.0])
    if d.perturb("order"):
        lo, hi = hi, lo
    return (lo, hi), {}


def _args_shrink(d: Draw) -> tuple[tuple[Any, ...], dict[str, Any]]:
    lambd = d.rng.choice([0.0, 0.5, 1.0])
    if d.perturb("negative"):
        lambd = -0.5
    return (lambd,), {}


def _args_rrelu(d: Draw) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (0.1, 0.3), {}


def _args_threshold(d: Draw) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (0.1, 20.0), {}


def _args_alpha(d: Draw) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (), {"alpha": d.rng.choice([0.5, 1.0, 2.0])}


def _args_leaky(d: Draw) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (d.rng.choice([0.01, 0.2]),), {}


def _args_softplus(d: Draw) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (), {"beta": d.rng.choice([0.5, 1.0, 2.0]), "threshold": 10.0}


# -- the vocabulary: (class name, generator, accepted input ranks or None for any, weight) ----

_ANY = None
Entry = tuple[str, Generator, "tuple[int, ...] | None", float]


def _vocabulary() -> list[Entry]:
    v: list[Entry] = []
    for n in (1, 2, 3):
        ranks = (n + 1, n + 2)
        v.append((f"Conv{n}d", partial(_conv, n, False), ranks, 6.0))
        v.append((f"ConvTranspose{n}d", partial(_conv, n, True), ranks, 2.0))
        for kind in ("Max", "Avg"):
            v.append((f"{kind}Pool{n}d", partial(_pool, n, kind), ranks, 2.5))
            v.append((f"Adaptive{kind}Pool{n}d", partial(_adaptive, n, kind), ranks, 1.0))
        v.append((f"InstanceNorm{n}d", partial(_instancenorm, n), ranks, 1.0))
        for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular"):
            v.append((f"{kind}Pad{n}d", partial(_pad, n, kind), ranks, 0.5))
    v.append(("BatchNorm1d", partial(_batchnorm, 1), (2, 3), 1.5))
    v.append(("BatchNorm2d", partial(_batchnorm, 2), (4,), 1.5))
    v.append(("BatchNorm3d", partial(_batchnorm, 3), (5,), 1.5))
    v.append(("Linear", _linear, tuple(range(1, MAX_RANK + 1)), 4.0))
    v.append(("Identity", _identity, _ANY, 0.3))
    v.append(("Flatten", _flatten, tuple(range(1, MAX_RANK + 1)), 2.0))
    v.append(("Unflatten", _unflatten, tuple(range(1, MAX_RANK)), 1.0))
    v.append(("LayerNorm", partial(_layernorm, "LayerNorm"), tuple(range(1, MAX_RANK + 1)), 1.5))
    v.append(("RMSNorm", partial(_layernorm, "RMSNorm"), tuple(range(1, MAX_RANK + 1)), 0.5))
    v.append(("GroupNorm", _groupnorm, tuple(range(2, MAX_RANK + 1)), 1.0))
    v.append(("LocalResponseNorm", _lrn, tuple(range(3, MAX_RANK + 1)), 0.5))
    v.append(("Dropout", partial(_dropout, "Dropout"), _ANY, 0.7))
    v.append(("AlphaDropout", partial(_dropout, "AlphaDropout"), _ANY, 0.2))
    v.append(("FeatureAlphaDropout", partial(_dropout, "FeatureAlphaDropout"), tuple(range(2, MAX_RANK + 1)), 0.2))
    v.append(("Dropout1d", partial(_dropout, "Dropout1d"), (2, 3), 0.3))
    v.append(("Dropout2d", partial(_dropout, "Dropout2d"), (3, 4), 0.3))
    v.append(("Dropout3d", partial(_dropout, "Dropout3d"), (4, 5), 0.3))
    v.append(("Upsample", _upsample, (3, 4, 5), 1.5))
    v.append(("UpsamplingNearest2d", partial(_upsampling2d, "UpsamplingNearest2d"), (4,), 0.3))
    v.append(("UpsamplingBilinear2d", partial(_upsampling2d, "UpsamplingBilinear2d"), (4,), 0.3))
    v.append(("PixelShuffle", _pixel_shuffle, tuple(range(3, MAX_RANK + 1)), 0.7))
    v.append(("PixelUnshuffle", _pixel_unshuffle, tuple(range(3, MAX_RANK + 1)), 0.7))
    v.append(("ChannelShuffle", _channel_shuffle, tuple(range(3, MAX_RANK + 1)), 0.5))
    for name in ("ReLU", "ReLU6", "SiLU", "Mish", "Hardswish", "Hardsigmoid", "SELU"):
        v.append((name, partial(_elementwise, name), _ANY, 0.4))
    for name in ("Tanh", "Sigmoid", "LogSigmoid", "Softsign", "Tanhshrink"):
        v.append((name, partial(_plain, name), _ANY, 0.2))
    args: list[tuple[str, Callable[[Draw], tuple[tuple[Any, ...], dict[str, Any]]]]] = [
        ("GELU", _args_gelu),
        ("Hardtanh", _args_hardtanh),
        ("Softshrink", _args_shrink),
        ("Hardshrink", _args_shrink),
        ("RReLU", _args_rrelu),
        ("Threshold", _args_threshold),
        ("ELU", _args_alpha),
        ("CELU", _args_alpha),
        ("LeakyReLU", _args_leaky),
        ("Softplus", _args_softplus),
    ]
    for name, draw_args in args:
        v.append((name, partial(_with_args, name, draw_args), _ANY, 0.25))
    v.append(("PReLU", _prelu, _ANY, 0.7))
    for name in ("Softmax", "LogSoftmax", "Softmin"):
        v.append((name, partial(_softmax, name), tuple(range(1, MAX_RANK + 1)), 0.4))
    v.append(("Softmax2d", partial(_plain, "Softmax2d"), (3, 4), 0.2))
    v.append(("GLU", _glu, tuple(range(1, MAX_RANK + 1)), 0.5))
    return v


VOCABULARY: list[Entry] = _vocabulary()


def available(name: str) -> bool:
    """True when ``shapecheck.nn`` has the class (some families are still being written)."""
    return hasattr(scnn, name)


# -- chains ----------------------------------------------------------------------------------

_DOMAINS = ("features", "1d", "2d", "3d", "tokens")


def _initial_shape(rng: random.Random, domain: str) -> tuple[int, ...]:
    batched = rng.random() < 0.75
    batch = (rng.randint(1, 4),) if batched else ()
    channels = rng.choice([1, 2, 3, 4, 6, 8, 12, 16])
    match domain:
        case "features":
            lead = tuple(rng.randint(1, 5) for _ in range(rng.randint(0, 2)))
            return (*lead, rng.randint(1, 40))
        case "1d":
            return (*batch, channels, rng.randint(1, 40))
        case "2d":
            return (*batch, channels, rng.randint(1, 24), rng.randint(1, 24))
        case "3d":
            return (*batch, channels, rng.randint(1, 10), rng.randint(1, 10), rng.randint(1, 10))
        case _:
            return tuple(rng.randint(1, 8) for _ in range(rng.randint(1, 3)))


def _pick(rng: random.Random, rank: int, wrong_rank: bool) -> Entry:
    entries = [e for e in VOCABULARY if available(e[0]) and e[0] != "Embedding"]
    if wrong_rank:
        fitting = [e for e in entries if e[2] is not None and rank not in e[2]]
    else:
        fitting = [e for e in entries if e[2] is None or rank in e[2]]
    return rng.choices(fitting, weights=[e[3] for e in fitting])[0]


def _torch_step(layer: LayerSpec, x: torch.Tensor) -> torch.Tensor | None:
    """``layer`` applied by torch on the meta device, or None when torch rejects it."""
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = layer.build(torch.nn)(x)
    except Exception:
        return None
    return y if isinstance(y, torch.Tensor) else None


def generate_case(seed: int) -> Case:
    """The chain of ``seed``: the same seed always gives the same chain."""
    rng = random.Random(seed)
    domain = rng.choice(_DOMAINS) if available("Embedding") else rng.choice(_DOMAINS[:-1])
    shape = _initial_shape(rng, domain)
    integer = domain == "tokens"
    count = rng.randint(1, MAX_LAYERS)
    bad_at = rng.randrange(count) if rng.random() < BAD_CASE_RATE else None
    x = torch.empty(shape, device="meta", dtype=torch.long if integer else torch.float32)
    layers: list[LayerSpec] = []
    perturbed = None
    for i in range(count):
        current = tuple(x.shape)
        bad = i == bad_at
        if integer and i == 0:
            entry_name, gen = "Embedding", _embedding
        else:
            wrong_rank = bad and rng.random() < WRONG_RANK_RATE
            entry_name, gen, _, _ = _pick(rng, len(current), wrong_rank)
            if wrong_rank:
                perturbed = f"{entry_name} on a {len(current)}D input"
                bad = False
        draw = Draw(rng, current, bad)
        layer = gen(draw)
        if draw.perturbation:
            perturbed = f"{entry_name}: {draw.perturbation}"
        layers.append(layer)
        y = _torch_step(layer, x)
        if y is None or y.dim() > MAX_RANK or y.numel() > 1 << 22:
            break
        x = y
    return Case(seed, shape, layers, integer, perturbed)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        case = generate_case(int(arg))
        print(f"# seed {case.seed}{' (perturbed: ' + case.perturbed + ')' if case.perturbed else ''}")
        print(case.code())
