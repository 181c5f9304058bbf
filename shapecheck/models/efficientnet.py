"""EfficientNet B0-B7, as ``torchvision.models.efficientnet_b0`` ... ``efficientnet_b7``.

An ``MBConv`` block multiplies by its squeeze-excitation gate (``Mul(Identity(), gate)``) and, when
its input and output shapes agree, adds its input: ``Add(Sequential(block, stochastic_depth), Identity())``.
``StochasticDepth`` is the identity in eval (and has no parameters), so it appears as ``Identity``.
"""

from __future__ import annotations

import math
from functools import partial

from shapecheck import nn
from shapecheck.models._blocks import Norm, conv_norm_activation, squeeze_excitation
from shapecheck.models._common import IMAGE, Shape, model
from shapecheck.models.mobilenet import make_divisible

__all__ = [
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_b4",
    "efficientnet_b5",
    "efficientnet_b6",
    "efficientnet_b7",
]

# torchvision's MBConvConfig of B0: expand_ratio, kernel, stride, input_channels, out_channels, num_layers
_STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
           (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]  # fmt: skip

_silu = partial(nn.SiLU, inplace=True)
_norm_b5 = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)  # B5-B7's norm_layer


def mbconv(input_channels: int, out_channels: int, expand_ratio: int, kernel: int, stride: int, norm: Norm) -> nn.Module:
    """torchvision's ``MBConv``: expand 1x1 (unless the ratio is 1), depthwise kxk, SE through ``input/4``, project 1x1."""
    expanded = make_divisible(input_channels * expand_ratio, 8)
    layers: list[nn.Module] = []
    if expanded != input_channels:
        layers.append(conv_norm_activation(input_channels, expanded, 1, norm_layer=norm, activation_layer=_silu))
    layers += [
        conv_norm_activation(expanded, expanded, kernel, stride, groups=expanded, norm_layer=norm, activation_layer=_silu),
        squeeze_excitation(expanded, max(1, input_channels // 4), activation=_silu),
        conv_norm_activation(expanded, out_channels, 1, norm_layer=norm, activation_layer=None),
    ]
    block = nn.Sequential(*layers)
    if stride == 1 and input_channels == out_channels:
        return nn.Add(nn.Sequential({"block": block, "stochastic_depth": nn.Identity()}), nn.Identity())
    return block


def _efficientnet(
    width_mult: float, depth_mult: float, dropout: float, num_classes: int, shape: Shape, norm: Norm = nn.BatchNorm2d
) -> nn.Sequential:
    """torchvision's ``EfficientNet``: a 3x3 stride-2 stem, seven stages of MBConv, a 1x1 conv to 4x, the classifier.

    Widths scale by ``width_mult`` (rounded to multiples of 8), stage depths by ``depth_mult`` (rounded up).
    """
    first = make_divisible(_STAGES[0][3] * width_mult, 8)
    features: list[nn.Module] = [conv_norm_activation(3, first, stride=2, norm_layer=norm, activation_layer=_silu)]
    channels = first
    for expand_ratio, kernel, stride, _, out, num_layers in _STAGES:
        out = make_divisible(out * width_mult, 8)
        stage: list[nn.Module] = []
        for i in range(int(math.ceil(num_layers * depth_mult))):
            stage.append(mbconv(channels, out, expand_ratio, kernel, stride if i == 0 else 1, norm))
            channels = out
        features.append(nn.Sequential(*stage))
    last = 4 * channels
    features.append(conv_norm_activation(channels, last, 1, norm_layer=norm, activation_layer=_silu))
    return model(
        shape,
        features=nn.Sequential(*features),
        avgpool=nn.AdaptiveAvgPool2d(1),
        flatten=nn.Flatten(1),
        classifier=nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(last, num_classes)),
    )


def efficientnet_b0(*, num_classes: int = 1000, dropout: float = 0.2, shape: Shape = IMAGE) -> nn.Sequential:
    """5,288,548 parameters, 0.386 GMACs at 224x224, any input size."""
    return _efficientnet(1.0, 1.0, dropout, num_classes, shape)


def efficientnet_b1(*, num_classes: int = 1000, dropout: float = 0.2, shape: Shape = IMAGE) -> nn.Sequential:
    return _efficientnet(1.0, 1.1, dropout, num_classes, shape)


def efficientnet_b2(*, num_classes: int = 1000, dropout: float = 0.3, shape: Shape = IMAGE) -> nn.Sequential:
    return _efficientnet(1.1, 1.2, dropout, num_classes, shape)


def efficientnet_b3(*, num_classes: int = 1000, dropout: float = 0.3, shape: Shape = IMAGE) -> nn.Sequential:
    return _efficientnet(1.2, 1.4, dropout, num_classes, shape)


def efficientnet_b4(*, num_classes: int = 1000, dropout: float = 0.4, shape: Shape = IMAGE) -> nn.Sequential:
    return _efficientnet(1.4, 1.8, dropout, num_classes, shape)


def efficientnet_b5(*, num_classes: int = 1000, dropout: float = 0.4, shape: Shape = IMAGE) -> nn.Sequential:
    return _efficientnet(1.6, 2.2, dropout, num_classes, shape, _norm_b5)


def efficientnet_b6(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _efficientnet(1.8, 2.6, dropout, num_classes, shape, _norm_b5)


def efficientnet_b7(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _efficientnet(2.0, 3.1, dropout, num_classes, shape, _norm_b5)
