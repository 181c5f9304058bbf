"""Constructor arguments: whatever spelling torch runs, shapecheck accepts, with the same output shapes.

For every layer family, each int or tuple argument of a working configuration is replaced in turn by
generated spellings: ints (the working value, 1, 0, -1, ``2**31``, values past int64), bools, floats,
strings, None, and sequences of them (1-tuples, n-tuples, (n+1)-tuples, empty tuples, lists). The
layer is built with ``torch.nn`` (on the meta device) and with ``shapecheck.nn``, and applied to
inputs of every rank it takes. Input by input, the two must agree on whether the call works and, when
it does, on the output shape. A layer torch refuses to build, shapecheck refuses to build; a layer torch
builds and then fails on every input, shapecheck may refuse at once.

Which spellings are legal is never written here: torch decides. Torch's meta kernels skip some checks
(see ``tests/test_differential.py``), so a call whose output is small runs on CPU and that verdict counts;
a call torch can only run on meta, for a layer whose meta kernel is known to skip checks, is not compared.

Left out, each for a stated reason: a count of sub-layers (``num_layers``) past a few thousand, which
torch builds one by one; and tensors of more than 2**63 bytes (a weight or an output), which torch
cannot allocate ("Storage size calculation overflowed") and shapecheck does not measure: it accepts
them, a missed error and never a false positive, and the test checks that this is why they disagree.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch

import shapecheck as sc
from shapecheck import nn
from tests._generate import LayerSpec
from tests.test_differential import _where

CPU_NUMEL_LIMIT = 1 << 20  # larger outputs or parameters: the meta device's verdict stands
MODEST = 64  # no argument larger than this: the small inputs here give small outputs, run on CPU directly
FLOAT32 = 4  # bytes per element of every weight and output here
INT64_MAX = 2**63 - 1
OVERFLOW = ("Storage size calculation overflowed", "numel: integer multiplication overflow")
HUGE = (2**63, -(2**63) - 1, 10**30)  # past int64: no torch size can hold them
SHOWN = 12


def spellings(value: int, n: int) -> list[object]:
    """Ways to write an argument whose working value is ``value`` and whose tuple form has ``n`` entries."""
    scalars: list[object] = [value, 1, 0, -1, True, False, 2**31, *HUGE, float(value), str(value), None]
    sequences: list[object] = [
        (value,),
        (value,) * n,
        (value,) * (n + 1),
        (),
        [value],
        [value] * n,
        tuple(range(1, n + 1)),
        (True,) * n,
        (0,) * n,
        (-1,) * n,
        (2**63,) * n,
        (float(value),) * n,
        (str(value),) * n,
        (None,) * n,
        ((value,),) * n,
    ]
    out: dict[tuple[type, str], object] = {}
    for s in scalars + sequences:
        out.setdefault((type(s), repr(s)), s)
    return list(out.values())


def _size(value: object, default: int) -> int:
    """``value`` read as a small size (to build inputs that fit it), else ``default``."""
    return int(value) if type(value) in (int, bool) and 0 < value <= 64 else default  # type: ignore[call-overload]


def _sizes(value: object, default: tuple[int, ...]) -> tuple[int, ...]:
    """``value`` read as a small shape, else ``default``."""
    if isinstance(value, (tuple, list)) and value and all(type(v) is int and 0 < v <= 64 for v in value):
        return tuple(value)
    return (_size(value, default[-1]),) if type(value) in (int, bool) and 0 < value <= 64 else default  # type: ignore[operator]


Inputs = Callable[[dict[str, Any]], list[tuple[int, ...]]]


def _spatial(n: int, channels: str | int, batch: bool = True) -> Inputs:
    """``(N, C, *spatial)`` and ``(C, *spatial)`` on two sizes, each axis different; ``C`` from the argument named ``channels``."""

    def inputs(kw: dict[str, Any]) -> list[tuple[int, ...]]:
        c = channels if isinstance(channels, int) else _size(kw.get(channels), 4)
        out = []
        for sizes in ((9, 11, 13)[:n], (20, 17, 15)[:n] if n < 3 else (12, 10, 9)):  # 3d kept small: CPU time
            out.append((2, c, *sizes))
            out.append((c, *sizes))
        return out

    return inputs


def _fixed(*shapes: tuple[int, ...]) -> Inputs:
    return lambda kw: list(shapes)


def _features(name: str, default: int, *lead: tuple[int, ...]) -> Inputs:
    """Inputs ending in the features the argument ``name`` asks for."""
    return lambda kw: [(*s, _size(kw.get(name), default)) for s in lead]


def _normalized(kw: dict[str, Any]) -> list[tuple[int, ...]]:
    tail = _sizes(kw.get("normalized_shape"), (9,))
    return [(2, 4, 9, 9), (2, *tail), tail]


@dataclass(frozen=True)
class Family:
    """A layer with a working configuration, the arguments to vary, and inputs that fit a configuration."""

    name: str
    kwargs: dict[str, Any]
    vary: dict[str, int]  # argument -> the length of its tuple form (1: an int argument)
    inputs: Inputs
    extra: dict[str, list[object]] = field(default_factory=dict)  # argument -> more spellings
    integer: bool = False
    pick: bool = False  # a tuple-returning layer: compare its first output (shapecheck: Pick(layer, 0))
    self_attention: bool = False  # torch's forward takes query, key and value
    loops: tuple[str, ...] = ()  # arguments torch loops over: huge values are not tried

    def specs(self) -> list[tuple[str, LayerSpec]]:
        out = []
        for arg, n in self.vary.items():
            for value in spellings(self.kwargs[arg], n) + self.extra.get(arg, []):
                if arg in self.loops and isinstance(value, int) and abs(value) > 4096:
                    continue
                out.append((arg, LayerSpec(self.name, (), {**self.kwargs, arg: value})))
        return out


def _families() -> list[Family]:
    f: list[Family] = []
    for n in (1, 2, 3):
        conv = {"in_channels": 4, "out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "groups": 2}
        vary = {"in_channels": 1, "out_channels": 1, "kernel_size": n, "stride": n, "padding": n, "dilation": n, "groups": 1}
        f.append(Family(f"Conv{n}d", conv, vary, _spatial(n, "in_channels"), {"padding": ["same", "valid", "full"]}))
        f.append(Family(f"Conv{n}d", {**conv, "padding_mode": "reflect"}, {"padding": n}, _spatial(n, "in_channels")))
        tconv = {**conv, "dilation": 1, "output_padding": 1}
        f.append(Family(f"ConvTranspose{n}d", tconv, {**vary, "output_padding": n}, _spatial(n, "in_channels")))
        for name, base in ((f"Conv{n}d", conv), (f"ConvTranspose{n}d", tconv)):  # no groups: any channel count divides
            f.append(Family(name, {**base, "groups": 1}, {"in_channels": 1, "out_channels": 1}, _spatial(n, "in_channels")))
        f.append(
            Family(f"MaxPool{n}d", {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}, {"kernel_size": n, "stride": n, "padding": n, "dilation": n}, _spatial(n, 3))
        )
        avg = {"kernel_size": 3, "stride": 2, "padding": 1}
        f.append(Family(f"AvgPool{n}d", avg, {"kernel_size": n, "stride": n, "padding": n}, _spatial(n, 3)))
        if n > 1:
            f.append(Family(f"AvgPool{n}d", {**avg, "divisor_override": 2}, {"divisor_override": 1}, _spatial(n, 3)))
        for kind in ("Avg", "Max"):
            f.append(Family(f"Adaptive{kind}Pool{n}d", {"output_size": 3}, {"output_size": n}, _spatial(n, 3)))
        for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular"):
            extra = {"value": 0.5} if kind == "Constant" else {}
            f.append(Family(f"{kind}Pad{n}d", {"padding": 1, **extra}, {"padding": 2 * n}, _spatial(n, 3)))
        f.append(Family(f"BatchNorm{n}d", {"num_features": 4}, {"num_features": 1}, _spatial(n, "num_features") if n > 1 else _fixed((2, 4), (2, 4, 9))))
        for affine in (False, True):
            f.append(Family(f"InstanceNorm{n}d", {"num_features": 4, "affine": affine}, {"num_features": 1}, _spatial(n, "num_features")))
    f.append(Family("Upsample", {"size": 5}, {"size": 2}, _fixed((2, 3, 9, 11), (2, 3, 9))))
    f.append(Family("Upsample", {"scale_factor": 2}, {"scale_factor": 2}, _fixed((2, 3, 9, 11), (2, 3, 9))))
    for name in ("UpsamplingNearest2d", "UpsamplingBilinear2d"):
        f.append(Family(name, {"size": 5}, {"size": 2}, _fixed((2, 3, 9, 11))))
        f.append(Family(name, {"scale_factor": 2}, {"scale_factor": 2}, _fixed((2, 3, 9, 11))))
    f.append(Family("GroupNorm", {"num_groups": 2, "num_channels": 4}, {"num_groups": 1, "num_channels": 1}, _spatial(2, "num_channels")))
    for name in ("LayerNorm", "RMSNorm"):
        f.append(Family(name, {"normalized_shape": 9}, {"normalized_shape": 2}, _normalized))
    f.append(Family("LocalResponseNorm", {"size": 2}, {"size": 1}, _fixed((2, 4, 9), (2, 4, 9, 9))))
    f.append(Family("Linear", {"in_features": 4, "out_features": 6}, {"in_features": 1, "out_features": 1}, _features("in_features", 4, (2,), ())))
    f.append(
        Family("Embedding", {"num_embeddings": 10, "embedding_dim": 4, "padding_idx": 2}, dict.fromkeys(("num_embeddings", "embedding_dim", "padding_idx"), 1), _fixed((2, 5), (5,)), integer=True)
    )
    for name in ("RNN", "GRU", "LSTM"):
        kw = {"input_size": 4, "hidden_size": 6, "num_layers": 2} | ({"proj_size": 3} if name == "LSTM" else {})
        f.append(Family(name, kw, dict.fromkeys(kw, 1), _features("input_size", 4, (5, 2), (5,)), pick=True, loops=("num_layers",)))
    mha = {"embed_dim": 8, "num_heads": 2}
    f.append(Family("MultiheadAttention", mha, dict.fromkeys(mha, 1), _features("embed_dim", 8, (5, 2), (5,)), pick=True, self_attention=True))
    tel = {"d_model": 8, "nhead": 2, "dim_feedforward": 16}
    f.append(Family("TransformerEncoderLayer", tel, dict.fromkeys(tel, 1), _features("d_model", 8, (5, 2), (5,))))
    f.append(Family("Flatten", {"start_dim": 1, "end_dim": 2}, {"start_dim": 1, "end_dim": 1}, _fixed((2, 3, 4, 5))))
    f.append(Family("PixelShuffle", {"upscale_factor": 2}, {"upscale_factor": 1}, _fixed((2, 8, 3, 5), (8, 3, 5))))
    f.append(Family("PixelUnshuffle", {"downscale_factor": 2}, {"downscale_factor": 1}, _fixed((2, 3, 6, 4), (3, 6, 4))))
    f.append(Family("ChannelShuffle", {"groups": 2}, {"groups": 1}, _fixed((2, 4, 3, 5))))
    for name in ("Softmax", "LogSoftmax", "Softmin", "GLU"):
        f.append(Family(name, {"dim": 1}, {"dim": 1}, _fixed((2, 4, 6), (4, 6))))
    f.append(Family("PReLU", {"num_parameters": 4}, {"num_parameters": 1}, _fixed((2, 4, 6), (4,))))
    return f


FAMILIES = _families()


# -- torch -----------------------------------------------------------------------------------


@dataclass
class Verdict:
    ok: bool
    shape: tuple[int, ...] | None = None
    error: str = ""

    def __str__(self) -> str:
        return f"output {self.shape}" if self.ok else f"refused: {self.error}"


def _ints(value: object) -> list[int]:
    """Every int in ``value``, inside tuples and lists too."""
    if isinstance(value, int):
        return [value]
    return [i for v in value for i in _ints(v)] if isinstance(value, (tuple, list)) else []


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {' '.join(lines[0].split())[:160] if lines else ''}"


def _quiet() -> Any:
    w = warnings.catch_warnings()
    w.__enter__()
    warnings.simplefilter("ignore")
    return w


class TorchLayer:
    """The layer built by torch on the meta device (and, when small, on CPU), applied to inputs."""

    def __init__(self, family: Family, spec: LayerSpec) -> None:
        self.family, self.spec = family, spec
        self.cpu: torch.nn.Module | None = None
        self.error = ""
        with warnings.catch_warnings(), torch.device("meta"):
            warnings.simplefilter("ignore")
            try:
                self.meta: torch.nn.Module | None = spec.build(torch.nn)
            except Exception as err:  # torch raises many kinds
                self.meta, self.error = None, _first_line(err)
        self.small = self.meta is not None and sum(p.numel() for p in self.meta.parameters()) <= CPU_NUMEL_LIMIT
        self.modest = all(abs(v) <= MODEST for v in _ints(list(spec.kwargs.values())))  # outputs stay small: CPU straight away

    def _call(self, module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
        y = module(x, x, x) if self.family.self_attention else module(x)
        if self.family.pick:
            y = y[0]
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"returned a {type(y).__name__}")
        return y

    def run(self, shape: tuple[int, ...]) -> Verdict | None:
        """torch's verdict on an input of ``shape``; None when only meta could run it and meta is not to be trusted."""
        if self.meta is None:
            return Verdict(False, error=f"constructor: {self.error}")
        dtype = torch.long if self.family.integer else torch.float32
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not (self.small and self.modest):  # meta first: the output may be too big for CPU
                try:
                    y = self._call(self.meta, torch.empty(shape, device="meta", dtype=dtype))
                except Exception as err:
                    return Verdict(False, error=f"meta: {_first_line(err)}")
                if not self.small or y.numel() > CPU_NUMEL_LIMIT:
                    return Verdict(True, tuple(y.shape)) if _where(self.spec, shape) == "meta" else None
            try:
                if self.cpu is None:
                    self.cpu = self.spec.build(torch.nn)
                with torch.backends.mkldnn.flags(enabled=False):
                    y = self._call(self.cpu, torch.zeros(shape, dtype=dtype))
            except Exception as err:
                return Verdict(False, error=f"cpu: {_first_line(err)}")
        return Verdict(True, tuple(y.shape))


# -- shapecheck ------------------------------------------------------------------------------


class ShapecheckLayer:
    def __init__(self, family: Family, spec: LayerSpec) -> None:
        self.family = family
        self.error: BaseException | None = None
        try:
            self.layer = spec.build(nn)
        except Exception as err:
            self.layer, self.error = None, err

    def run(self, shape: tuple[int, ...]) -> Verdict:
        if self.layer is None:
            return Verdict(False, error=f"constructor: {_first_line(self.error)}")  # type: ignore[arg-type]
        layer = nn.Pick(self.layer, 0) if self.family.pick else self.layer
        try:
            model = nn.Sequential(nn.Input(*shape), layer)
        except sc.ShapeError as err:
            return Verdict(False, error=_first_line(err))
        return Verdict(True, tuple(model.output_shape))  # type: ignore[arg-type]


# -- comparing -------------------------------------------------------------------------------


def _too_big(error: str, numel: int) -> bool:
    """torch refused a tensor of ``numel`` elements as too big to allocate, and it is (over 2**63 bytes)."""
    return any(text in error for text in OVERFLOW) and numel * FLOAT32 > INT64_MAX


def disagreements(family: Family) -> list[str]:
    out = []
    for arg, spec in family.specs():
        theirs, ours = TorchLayer(family, spec), ShapecheckLayer(family, spec)
        if ours.error is not None and not isinstance(ours.error, (TypeError, ValueError)):
            out.append(f"{spec}: shapecheck crashed with {_first_line(ours.error)}")
            continue
        if theirs.meta is None:
            if ours.layer is not None and not _too_big(theirs.error, ours.layer.parameter_count()):
                out.append(f"{spec}: torch refuses to build it ({theirs.error}), shapecheck builds it")
            continue
        for shape in family.inputs(spec.kwargs):
            a, b = theirs.run(shape), ours.run(shape)
            if a is None or not a.ok and b.ok and _too_big(a.error, math.prod(b.shape or ())):
                continue
            if a.ok != b.ok or a.shape != b.shape:
                out.append(f"{spec} on {shape}:\n    torch:      {a}\n    shapecheck: {b}")
    return out


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f"{f.name}-{'-'.join(f.vary)}")
def test_argument_spellings_agree_with_torch(family: Family) -> None:
    found = disagreements(family)
    shown = "\n".join(found[:SHOWN]) + (f"\n... and {len(found) - SHOWN} more" if len(found) > SHOWN else "")
    assert not found, f"{len(found)} spellings of {family.name} disagree with torch:\n{shown}"


if __name__ == "__main__":
    import sys

    total = 0
    for family in FAMILIES:
        if len(sys.argv) > 1 and family.name not in sys.argv[1:]:
            continue
        found = disagreements(family)
        total += len(found)
        for line in found:
            print(line)
    print("total", total)


# -- the spellings issue 10 names --------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        LayerSpec("Conv2d", (4, 4, 3), {"stride": (2,)}),
        LayerSpec("MaxPool2d", ((2,),)),
        LayerSpec("MaxPool2d", (2,), {"stride": ()}),
        LayerSpec("Conv2d", (4, 6, 3), {"padding": [1], "padding_mode": "reflect"}),
    ],
    ids=str,
)
def test_spellings_torch_runs_build_here_with_its_output_shape(spec: LayerSpec) -> None:
    x = torch.zeros(4, 9, 13)  # unbatched: torch's F.pad pads a 1-tuple's one pair on this rank only
    expected = tuple(spec.build(torch.nn)(x).shape)
    assert tuple(nn.Sequential(nn.Input(4, 9, 13), spec.build(nn)).output_shape) == expected


@pytest.mark.parametrize(
    "spec",
    [
        LayerSpec("Linear", (10**30, 4)),
        LayerSpec("GRU", (4, 4), {"num_layers": 10**30}),
        LayerSpec("Conv2d", (4, 4, 3), {"stride": 2**63}),
        LayerSpec("ZeroPad2d", (-(2**63) - 1,)),
        LayerSpec("MaxPool2d", (3,), {"stride": 2**31}),  # its kernel takes int32
    ],
    ids=str,
)
def test_sizes_torch_cannot_hold_are_refused(spec: LayerSpec) -> None:
    if spec.name != "GRU":  # torch would build 10**30 layers one by one
        with pytest.raises(Exception), warnings.catch_warnings():  # noqa: B017 - torch raises TypeError, ValueError or RuntimeError
            warnings.simplefilter("ignore")
            with torch.device("meta"):
                spec.build(torch.nn)(torch.empty(1, 4, 9, 9, device="meta"))
            with torch.backends.mkldnn.flags(enabled=False):
                spec.build(torch.nn)(torch.zeros(1, 4, 9, 9))
    with pytest.raises(ValueError, match=r"must be (at most|>=) -?\d+ \(torch holds it as an int(64|32)\)"):
        spec.build(nn)


def test_transformer_layers_name_their_own_arguments() -> None:
    with pytest.raises(ValueError, match="^TransformerEncoderLayer: d_model must be positive, got -1$"):
        nn.TransformerEncoderLayer(d_model=-1, nhead=2)
    with pytest.raises(ValueError, match="^TransformerDecoderLayer: nhead must be positive, got 0$"):
        nn.TransformerDecoderLayer(d_model=8, nhead=0)
    with pytest.raises(ValueError, match="^TransformerEncoderLayer: d_model must be divisible by nhead, got d_model=6 and nhead=4$"):
        nn.TransformerEncoderLayer(6, 4)
    with pytest.raises(ValueError, match="^TransformerEncoderLayer: dropout has to be between 0 and 1, but got 2"):
        nn.TransformerEncoderLayer(8, 2, dropout=2)
