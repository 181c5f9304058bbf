"""The model zoo against torchvision's published figures, and ResNet-50 against plain torch.

Each ``shapecheck.models`` function that ``tests/reference/torchvision.tsv`` lists must have exactly its
``num_params`` and, at its ``resolution`` and batch 1, its GMACs to the 3 published decimals; its
symbolic input conditions must give its ``min_size``. ResNet-50 is also written below in plain
``torch.nn`` as torchvision writes it and compared on the meta device.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import shapecheck as sc
from shapecheck import models
from tests import _reference

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")

TABLE = _reference.torchvision()
ZOO = sorted(name for name in models.__all__ if name in TABLE)


def test_zoo_covers_the_required_models() -> None:
    required = {"alexnet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "squeezenet1_0",
                "mobilenet_v2", "densenet121", "vgg11", "vgg16", "vgg19", "mobilenet_v3_large", "efficientnet_b0",
                "convnext_tiny", "googlenet", "inception_v3"}  # fmt: skip
    assert required <= set(ZOO)


@pytest.mark.parametrize("name", ZOO)
def test_published_params_and_macs(name: str) -> None:
    row = TABLE[name]
    side = int(row["resolution"])
    model = getattr(models, name)(shape=(1, 3, side, side))
    assert tuple(model.output_shape) == (1, 1000)
    assert sc.count_params(model) == int(row["num_params"])
    macs = sc.count_macs(model)
    assert isinstance(macs, int)
    assert f"{macs / 1e9:.3f}" == f"{float(row['gmacs']):.3f}"
    if name in FIXED_SIZE:
        symbolic = getattr(models, name)(shape=("B", 3, side, side))
        assert sc.count_macs(symbolic, B=1) == macs
    else:
        symbolic = getattr(models, name)()
        assert sc.count_macs(symbolic, B=1, H=side, W=side) == macs
    assert str(symbolic.output_shape) == "(B, 1000)"
    assert sc.count_params(symbolic) == sc.count_params(model)


_SIDE = re.compile(r"^([HW]) >= (\d+)$")
FIXED_SIZE = {"vit_b_16"}  # torchvision's ViT asserts H == W == image_size: min_size is the only size


@pytest.mark.parametrize("name", sorted(FIXED_SIZE))
def test_fixed_size_models_refuse_other_sizes(name: str) -> None:
    side = int(TABLE[name]["min_size"])
    assert side == int(TABLE[name]["resolution"])
    getattr(models, name)(shape=(2, 3, side, side))
    for other in [(2, 3, side - 1, side), (2, 3, side, side + 16), (2, 3, "H", "W")]:
        with pytest.raises(ValueError, match=f"{side}x{side}"):
            getattr(models, name)(shape=other)


@pytest.mark.parametrize("name", sorted(set(ZOO) - FIXED_SIZE))
def test_input_conditions_give_min_size(name: str) -> None:
    """``H >= min_size`` and ``W >= min_size`` (none when it is 1); one less is rejected.

    A batch of 2: in training mode BatchNorm needs more than one value per channel, which a batch
    of one 1x1 image does not give (torchvision's ``min_size`` is for inference).
    """
    least = int(TABLE[name]["min_size"])
    conditions = getattr(models, name)().conditions
    sides = {m.group(1): int(m.group(2)) for c in conditions if (m := _SIDE.match(c))}
    assert sides == ({"H": least, "W": least} if least > 1 else {})
    getattr(models, name)(shape=(2, 3, least, least))
    if least > 1:
        with pytest.raises(sc.ShapeError):
            getattr(models, name)(shape=(2, 3, least - 1, least))
        with pytest.raises(sc.ShapeError):
            getattr(models, name)(shape=(2, 3, least, least - 1))


def test_batchnorm_training_condition() -> None:
    model = models.resnet18()
    assert "B*((H + 31)//32)*((W + 31)//32) >= 2" in model.conditions
    with pytest.raises(sc.ShapeError, match="more than 1 value per channel"):
        models.resnet18(shape=(1, 3, 32, 32))
    models.resnet18(shape=(1, 3, 33, 32))


@pytest.mark.parametrize("shape", [(1, 3, 32, 32), (1, 3, 33, 32), (1, 3, 32, 33), (2, 3, 1, 1), (1, 3, 64, 1)])
def test_resnet50_lists_only_its_strongest_batchnorm_condition_and_it_is_torchs_verdict(shape: tuple[int, ...]) -> None:
    """Every BatchNorm adds ``B*H'*W' >= 2`` at its own resolution; only the deepest (the strongest) is
    listed, and binding it answers exactly as torch's training-mode forward does."""
    model = models.resnet50()
    condition = "B*((H + 31)//32)*((W + 31)//32) >= 2"
    assert model.conditions == [condition]
    try:
        torch_run(torch_resnet50(), *shape)
        accepted = True
    except ValueError:
        accepted = False
    b, _, h, w = shape
    if accepted:
        assert sc.count_macs(model, B=b, H=h, W=w) > 0
    else:
        with pytest.raises(ValueError, match=re.escape(f"must satisfy {condition}")):
            sc.count_macs(model, B=b, H=h, W=w)


# -- ResNet-50 in plain torch.nn, as torchvision/models/resnet.py writes it --------------------


class Bottleneck(torch.nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: torch.nn.Module | None = None) -> None:
        super().__init__()
        width = planes
        self.conv1 = torch.nn.Conv2d(inplanes, width, kernel_size=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(width)
        self.conv2 = torch.nn.Conv2d(width, width, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(width)
        self.conv3 = torch.nn.Conv2d(width, planes * self.expansion, kernel_size=1, bias=False)
        self.bn3 = torch.nn.BatchNorm2d(planes * self.expansion)
        self.relu = torch.nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)  # type: ignore[no-any-return]


class ResNet(torch.nn.Module):
    def __init__(self, layers: list[int], num_classes: int = 1000) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = torch.nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(64)
        self.relu = torch.nn.ReLU(inplace=True)
        self.maxpool = torch.nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = torch.nn.AdaptiveAvgPool2d((1, 1))
        self.fc = torch.nn.Linear(512 * Bottleneck.expansion, num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> torch.nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = torch.nn.Sequential(
                torch.nn.Conv2d(self.inplanes, planes * Bottleneck.expansion, kernel_size=1, stride=stride, bias=False),
                torch.nn.BatchNorm2d(planes * Bottleneck.expansion),
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return torch.nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))  # type: ignore[no-any-return]


def torch_resnet50() -> ResNet:
    with torch.device("meta"):
        return ResNet([3, 4, 6, 3])


def torch_run(model: torch.nn.Module, *shape: int) -> tuple[tuple[int, ...], int]:
    """Output shape and MACs (``FlopCounterMode`` counts 2 FLOPs per MAC of conv and matmul)."""
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model(torch.empty(*shape))
    return tuple(out.shape), counter.get_total_flops() // 2


def test_resnet50_params_and_buffers_equal_plain_torch() -> None:
    ours, theirs = models.resnet50(), torch_resnet50()
    assert sc.count_params(ours) == sum(p.numel() for p in theirs.parameters()) == 25_557_032
    assert sc.count_buffers(ours) == sum(b.numel() for b in theirs.buffers())
    leaves = [(type(m).__name__, sum(p.numel() for p in m.parameters())) for m in theirs.modules()
              if isinstance(m, (torch.nn.Conv2d, torch.nn.BatchNorm2d, torch.nn.Linear))]  # fmt: skip
    steps = [(type(s.layer).__name__, s.layer.parameter_count()) for s in ours.steps
             if type(s.layer).__name__ in ("Conv2d", "BatchNorm2d", "Linear")]  # fmt: skip
    assert steps == leaves  # the same layers in the same order


@pytest.mark.parametrize("shape", [(2, 3, 224, 224), (1, 3, 97, 131), (3, 3, 33, 64), (2, 3, 1, 1)])
def test_resnet50_shapes_and_macs_equal_plain_torch(shape: tuple[int, ...]) -> None:
    out, macs = torch_run(torch_resnet50(), *shape)
    ours = models.resnet50(shape=shape)
    assert tuple(ours.output_shape) == out
    assert sc.count_macs(ours) == macs
    b, _, h, w = shape
    assert sc.count_macs(models.resnet50(), B=b, H=h, W=w) == macs


def test_resnet50_rejects_what_torch_rejects() -> None:
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch_run(torch_resnet50(), 1, 3, 1, 1)
    with pytest.raises(sc.ShapeError, match="more than 1 value per channel"):
        models.resnet50(shape=(1, 3, 1, 1))
    with pytest.raises(RuntimeError):
        torch_run(torch_resnet50(), 2, 4, 64, 64)
    with pytest.raises(sc.ShapeError, match="expects 3 input channels, got 4") as info:
        models.resnet50(shape=(2, 4, 64, 64))
    err = info.value
    source = inspect.getsource(models.resnet)
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "conv1=nn.Conv2d(3, 64" in text)
    assert err.path == "conv1" and err.location is not None
    assert err.location.endswith(f"shapecheck/models/resnet.py:{line}")


def test_resnet50_summary_paths() -> None:
    rows = sc.summary(models.resnet50(shape=(1, 3, 224, 224))).rows
    paths = [r.path for r in rows]
    assert paths[:4] == ["conv1", "bn1", "relu", "maxpool"]
    assert "layer3.1.residual.0.conv2" in paths and "layer1.0.residual.1.0" in paths  # main path, downsample conv
    assert paths[-3:] == ["avgpool", "flatten", "fc"]
    assert sum(r.params for r in rows) == 25_557_032


def test_readme_parity_table_is_what_shapecheck_computes() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    rows = [line.split("|")[1:-1] for line in readme.splitlines() if line.startswith("| ") and line.split("|")[1].strip() in TABLE]
    assert {r[0].strip() for r in rows} == set(TABLE)
    for cells in rows:
        name, params, published_params, gmacs, published_gmacs = (c.strip() for c in cells[:5])
        side = int(TABLE[name]["resolution"])
        model = getattr(models, name)(shape=(1, 3, side, side))
        assert params == published_params == f"{sc.count_params(model):,}"
        assert gmacs == published_gmacs == f"{sc.count_macs(model) / 1e9:.3f}"  # type: ignore[operator]
