"""The counter against published figures and against torch.

torchvision's VGG11/13/16/19 (plain and with BatchNorm) and AlexNet are written once below, generic
over the layer namespace, and built twice: with ``shapecheck.nn`` and with ``torch.nn`` (on the meta
device). Parameters are compared with torch and with torchvision's published ``num_params``; MACs
with torchvision's published GMACs and with torch's own ``FlopCounterMode`` (FLOPs = 2 x MACs);
the smallest accepted input side with the published ``min_size``, and with torch failing below it.
"""

from __future__ import annotations

from collections import OrderedDict
from types import ModuleType
from typing import Any

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import shapecheck
from shapecheck import nn as snn
from shapecheck.dims import as_dim
from tests import _reference

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")

# torchvision/models/vgg.py: cfgs "A", "B", "D", "E"
CFGS: dict[str, list[int | str]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}
MODELS = ["alexnet", *(f"{name}{bn}" for name in CFGS for bn in ("", "_bn"))]


def vgg(nn: ModuleType, cfg: list[int | str], batch_norm: bool) -> Any:
    """torchvision's ``VGG(make_layers(cfg, batch_norm))`` as a Sequential (``torch.flatten`` -> ``Flatten``)."""
    layers: list[Any] = []
    channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        channels = int(v)
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(*layers),
            avgpool=nn.AdaptiveAvgPool2d((7, 7)),
            flatten=nn.Flatten(1),
            classifier=nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096),
                nn.ReLU(True),
                nn.Dropout(p=0.5),
                nn.Linear(4096, 4096),
                nn.ReLU(True),
                nn.Dropout(p=0.5),
                nn.Linear(4096, 1000),
            ),
        )
    )


def alexnet(nn: ModuleType) -> Any:
    """torchvision's ``AlexNet`` as a Sequential."""
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(64, 192, kernel_size=5, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(192, 384, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
            ),
            avgpool=nn.AdaptiveAvgPool2d((6, 6)),
            flatten=nn.Flatten(1),
            classifier=nn.Sequential(
                nn.Dropout(p=0.5),
                nn.Linear(256 * 6 * 6, 4096),
                nn.ReLU(inplace=True),
                nn.Dropout(p=0.5),
                nn.Linear(4096, 4096),
                nn.ReLU(inplace=True),
                nn.Linear(4096, 1000),
            ),
        )
    )


def build(name: str, nn: ModuleType) -> Any:
    if name == "alexnet":
        return alexnet(nn)
    base = name.removesuffix("_bn")
    return vgg(nn, CFGS[base], batch_norm=name.endswith("_bn"))


def torch_model(name: str) -> torch.nn.Module:
    with torch.device("meta"):
        return build(name, torch.nn)


def torch_macs(model: torch.nn.Module, *shape: int) -> int:
    """MACs as torch counts them: ``FlopCounterMode`` counts conv and matmul FLOPs (2 per MAC), no bias."""
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        model(torch.empty(*shape))
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


@pytest.mark.parametrize("name", MODELS)
def test_params_and_buffers_equal_torch(name: str) -> None:
    model = build(name, snn).with_input("B", 3, 224, 224)
    reference = torch_model(name)
    assert shapecheck.count_params(model) == sum(p.numel() for p in reference.parameters())
    assert shapecheck.count_buffers(model) == sum(b.numel() for b in reference.buffers())


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("shape", [(1, 3, 224, 224), (2, 3, 200, 257), (1, 3, 97, 64)])
def test_macs_and_output_equal_torch(name: str, shape: tuple[int, ...]) -> None:
    model = build(name, snn).with_input(*shape)
    reference = torch_model(name)
    with torch.device("meta"):
        out = reference(torch.empty(*shape))
    assert tuple(model.output_shape) == tuple(out.shape)
    assert shapecheck.count_macs(model) == torch_macs(reference, *shape)


@pytest.mark.parametrize("name", MODELS)
def test_published_figures(name: str) -> None:
    figures = _reference.torchvision()
    # The reference lists vgg13_bn and vgg19_bn only by their params' source; BatchNorm adds no MACs,
    # so their MACs are the plain model's published ones.
    row = figures.get(name)
    side = int(figures[name.removesuffix("_bn")]["resolution"])
    model = build(name, snn).with_input(1, 3, side, side)
    macs = shapecheck.count_macs(model)
    assert isinstance(macs, int)
    assert f"{macs / 1e9:.3f}" == f"{float(figures[name.removesuffix('_bn')]['gmacs']):.3f}"
    if row is not None:
        assert shapecheck.count_params(model) == int(row["num_params"])


@pytest.mark.parametrize("name", ["alexnet", "vgg11", "vgg16", "vgg19_bn"])
def test_min_size_is_the_published_one(name: str) -> None:
    """The symbolic model's input condition is the published ``min_size``; one less fails in both tools."""
    least = int(_reference.torchvision()[name.removesuffix("_bn")]["min_size"])
    model = build(name, snn).with_input("B", 3, "H", "W")
    assert f"H >= {least}" in model.conditions
    assert f"W >= {least}" in model.conditions
    build(name, snn).with_input(1, 3, least, least)
    with pytest.raises(shapecheck.ShapeError):
        build(name, snn).with_input(1, 3, least - 1, least)
    reference = torch_model(name)
    with torch.device("meta"):
        reference(torch.empty(1, 3, least, least))
        with pytest.raises(RuntimeError):
            reference(torch.empty(1, 3, least - 1, least))


def test_vgg16_exact_macs() -> None:
    model = build("vgg16", snn).with_input(1, 3, 224, 224)
    assert shapecheck.count_macs(model) == 15_470_264_320
    assert shapecheck.count_macs(model, bias=True) == 15_483_821_032
    assert shapecheck.count_params(model) == 138_357_544


def test_vgg16_macs_symbolic_in_batch() -> None:
    model = build("vgg16", snn).with_input("B", 3, 224, 224)
    macs = shapecheck.count_macs(model)
    assert macs == 15_470_264_320 * as_dim("B")
    assert str(macs) == "15470264320*B"
    assert shapecheck.count_macs(model, B=8) == 8 * 15_470_264_320
    assert shapecheck.count_macs(model, bias=True, B=2) == 2 * 15_483_821_032


def test_vgg16_macs_symbolic_in_size_agree_with_torch() -> None:
    """With ``H, W`` unbound the MACs are an expression; bound, it equals torch's count at that size."""
    model = build("vgg16", snn).with_input("B", 3, "H", "W")
    macs = shapecheck.count_macs(model)
    assert not isinstance(macs, int)
    assert {s.name for s in macs.symbols()} == {"B", "H", "W"}
    reference = torch_model("vgg16")
    for b, h, w in [(1, 224, 224), (3, 65, 97), (2, 32, 300)]:
        assert shapecheck.count_macs(model, B=b, H=h, W=w) == torch_macs(reference, b, 3, h, w)


def test_vgg16_breakdown() -> None:
    """The per-layer parameters everyone derives by hand: conv3-64 1,792 and 36,928 ... fc3 4,097,000."""
    model = build("vgg16", snn).with_input(1, 3, 224, 224)
    rows = {r.path: r.params for r in shapecheck.summary(model).rows}
    reference = dict(torch_model("vgg16").named_modules())
    for path, params in rows.items():
        assert params == sum(p.numel() for p in reference[path].parameters()), path
    assert (rows["features.0"], rows["features.2"]) == (1_792, 36_928)
    assert (rows["classifier.0"], rows["classifier.3"], rows["classifier.6"]) == (102_764_544, 16_781_312, 4_097_000)
    assert sum(rows.values()) == 138_357_544
