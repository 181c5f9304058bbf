"""ResNet 18/34/50/101/152, as ``torchvision.models.resnet``.

A block is ``Sequential(residual=Add(main, shortcut), relu=ReLU)``: torchvision's
``out = relu(main(x) + identity)``, the shortcut ``Identity()`` or its ``downsample``.
"""

from __future__ import annotations

from collections.abc import Callable

from shapecheck import nn
from shapecheck.models._common import IMAGE, Shape, model

__all__ = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]

Block = Callable[[int, int, int], tuple[nn.Module, int]]
"""``(in_channels, planes, stride) -> (block, out_channels)``."""


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(
        in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, bias=False, dilation=dilation
    )


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


def _residual(main: nn.Sequential, in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """``relu(main(x) + shortcut(x))``; the shortcut is a strided 1x1 conv and BatchNorm when the shape changes."""
    if stride != 1 or in_channels != out_channels:
        shortcut: nn.Module = nn.Sequential(conv1x1(in_channels, out_channels, stride), nn.BatchNorm2d(out_channels))
    else:
        shortcut = nn.Identity()
    return nn.Sequential({"residual": nn.Add(main, shortcut), "relu": nn.ReLU(inplace=True)})


def basic_block(in_channels: int, planes: int, stride: int) -> tuple[nn.Module, int]:
    """torchvision's ``BasicBlock`` (expansion 1): two 3x3 convs."""
    main = nn.Sequential(
        {
            "conv1": conv3x3(in_channels, planes, stride),
            "bn1": nn.BatchNorm2d(planes),
            "relu": nn.ReLU(inplace=True),
            "conv2": conv3x3(planes, planes),
            "bn2": nn.BatchNorm2d(planes),
        }
    )
    return _residual(main, in_channels, planes, stride), planes


def bottleneck(in_channels: int, planes: int, stride: int) -> tuple[nn.Module, int]:
    """torchvision's ``Bottleneck`` (expansion 4, stride on the 3x3 conv as in ResNet V1.5)."""
    width, out = planes, planes * 4
    main = nn.Sequential(
        {
            "conv1": conv1x1(in_channels, width),
            "bn1": nn.BatchNorm2d(width),
            "relu1": nn.ReLU(inplace=True),
            "conv2": conv3x3(width, width, stride),
            "bn2": nn.BatchNorm2d(width),
            "relu2": nn.ReLU(inplace=True),
            "conv3": conv1x1(width, out),
            "bn3": nn.BatchNorm2d(out),
        }
    )
    return _residual(main, in_channels, out, stride), out


def _resnet(block: Block, layers: list[int], num_classes: int, shape: Shape) -> nn.Sequential:
    """torchvision's ``ResNet``: a 7x7 stem, four stages of ``layers[i]`` blocks, global pooling, ``fc``."""
    channels = 64
    stages: dict[str, nn.Module] = {}
    for i, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers)):
        stage: list[nn.Module] = []
        for j in range(blocks):
            b, channels = block(channels, planes, 2 if i > 0 and j == 0 else 1)
            stage.append(b)
        stages[f"layer{i + 1}"] = nn.Sequential(*stage)
    return model(
        shape,
        conv1=nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False),
        bn1=nn.BatchNorm2d(64),
        relu=nn.ReLU(inplace=True),
        maxpool=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        **stages,
        avgpool=nn.AdaptiveAvgPool2d((1, 1)),
        flatten=nn.Flatten(1),
        fc=nn.Linear(channels, num_classes),
    )


def resnet18(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _resnet(basic_block, [2, 2, 2, 2], num_classes, shape)


def resnet34(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _resnet(basic_block, [3, 4, 6, 3], num_classes, shape)


def resnet50(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _resnet(bottleneck, [3, 4, 6, 3], num_classes, shape)


def resnet101(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _resnet(bottleneck, [3, 4, 23, 3], num_classes, shape)


def resnet152(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _resnet(bottleneck, [3, 8, 36, 3], num_classes, shape)
