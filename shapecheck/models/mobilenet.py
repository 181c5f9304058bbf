"""MobileNetV2, as ``torchvision.models.mobilenet_v2``."""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._common import IMAGE, Shape, model

__all__ = ["mobilenet_v2"]


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision's ``_make_divisible``: ``v`` rounded to a multiple of ``divisor``, never 10% below ``v``."""
    least = divisor if min_value is None else min_value
    new_v = max(least, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def conv_bn_relu6(in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """torchvision's ``Conv2dNormActivation`` with BatchNorm and ReLU6 (no conv bias, "same" padding)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU6(inplace=True),
    )


def inverted_residual(inp: int, oup: int, stride: int, expand_ratio: int) -> nn.Module:
    """torchvision's ``InvertedResidual``: expand 1x1, depthwise 3x3, project 1x1; ``x +`` it when shapes allow."""
    hidden = round(inp * expand_ratio)
    layers: list[nn.Module] = []
    if expand_ratio != 1:
        layers.append(conv_bn_relu6(inp, hidden, kernel_size=1))
    layers += [
        conv_bn_relu6(hidden, hidden, stride=stride, groups=hidden),
        nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
        nn.BatchNorm2d(oup),
    ]
    conv = nn.Sequential(*layers)
    return nn.Add(nn.Identity(), conv) if stride == 1 and inp == oup else conv


def mobilenet_v2(
    *, num_classes: int = 1000, width_mult: float = 1.0, round_nearest: int = 8, dropout: float = 0.2, shape: Shape = IMAGE
) -> nn.Sequential:
    """torchvision's ``MobileNetV2``: 3,504,872 parameters, 0.301 GMACs at 224x224."""
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    channels = make_divisible(32 * width_mult, round_nearest)
    last = make_divisible(1280 * max(1.0, width_mult), round_nearest)
    features: list[nn.Module] = [conv_bn_relu6(3, channels, stride=2)]
    for t, c, n, s in settings:
        out = make_divisible(c * width_mult, round_nearest)
        for i in range(n):
            features.append(inverted_residual(channels, out, s if i == 0 else 1, t))
            channels = out
    features.append(conv_bn_relu6(channels, last, kernel_size=1))
    return model(
        shape,
        features=nn.Sequential(*features),
        avgpool=nn.AdaptiveAvgPool2d((1, 1)),
        flatten=nn.Flatten(1),
        classifier=nn.Sequential(nn.Dropout(p=dropout), nn.Linear(last, num_classes)),
    )
