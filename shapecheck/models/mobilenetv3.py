"""MobileNetV3 large and small, as ``torchvision.models.mobilenet_v3_large`` / ``mobilenet_v3_small``.

A block with squeeze-excitation multiplies by its gate: ``Mul(Identity(), gate)``; a block whose input
and output shapes agree adds its input: ``Add(Identity(), block)``.
"""

from __future__ import annotations

from functools import partial

from shapecheck import nn
from shapecheck.models._blocks import conv_norm_activation, squeeze_excitation
from shapecheck.models._common import IMAGE, Shape, model
from shapecheck.models.mobilenet import make_divisible

__all__ = ["mobilenet_v3_large", "mobilenet_v3_small"]

_norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)

Config = tuple[int, int, int, int, bool, str, int, int]
"""torchvision's ``InvertedResidualConfig``: input, kernel, expanded, out channels, use SE, ``"RE"``/``"HS"``,
stride, dilation (channels before ``width_mult``)."""


def inverted_residual(cnf: Config, width_mult: float) -> nn.Module:
    """torchvision's ``InvertedResidual``: expand 1x1 (when widening), depthwise kxk, SE gate, project 1x1."""
    inp, kernel, expanded, out, use_se, act, stride, dilation = cnf
    inp, expanded, out = (make_divisible(c * width_mult, 8) for c in (inp, expanded, out))
    activation = partial(nn.Hardswish if act == "HS" else nn.ReLU, inplace=True)
    layers: list[nn.Module] = []
    if expanded != inp:
        layers.append(conv_norm_activation(inp, expanded, 1, norm_layer=_norm, activation_layer=activation))
    layers.append(
        conv_norm_activation(
            expanded,
            expanded,
            kernel,
            stride=1 if dilation > 1 else stride,
            dilation=dilation,
            groups=expanded,
            norm_layer=_norm,
            activation_layer=activation,
        )
    )
    if use_se:
        squeeze = make_divisible(expanded // 4, 8)
        layers.append(squeeze_excitation(expanded, squeeze, scale_activation=nn.Hardsigmoid))
    layers.append(conv_norm_activation(expanded, out, 1, norm_layer=_norm, activation_layer=None))
    block = nn.Sequential(*layers)
    return nn.Add(nn.Identity(), block) if stride == 1 and inp == out else block


def _mobilenet_v3(
    setting: list[Config], last_channel: int, num_classes: int, width_mult: float, dropout: float, shape: Shape
) -> nn.Sequential:
    """torchvision's ``MobileNetV3``: a 3x3 stride-2 Hardswish stem, the blocks, a 1x1 conv to 6x, a 2-layer head."""
    first = make_divisible(setting[0][0] * width_mult, 8)
    last_in = make_divisible(setting[-1][3] * width_mult, 8)
    last_out = 6 * last_in
    hardswish = partial(nn.Hardswish, inplace=True)
    features: list[nn.Module] = [conv_norm_activation(3, first, stride=2, norm_layer=_norm, activation_layer=hardswish)]
    features += [inverted_residual(cnf, width_mult) for cnf in setting]
    features.append(conv_norm_activation(last_in, last_out, 1, norm_layer=_norm, activation_layer=hardswish))
    return model(
        shape,
        features=nn.Sequential(*features),
        avgpool=nn.AdaptiveAvgPool2d(1),
        flatten=nn.Flatten(1),
        classifier=nn.Sequential(
            nn.Linear(last_out, last_channel),
            nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(last_channel, num_classes),
        ),
    )


def mobilenet_v3_large(
    *, num_classes: int = 1000, width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False,
    dropout: float = 0.2, shape: Shape = IMAGE,
) -> nn.Sequential:  # fmt: skip
    """torchvision's ``mobilenet_v3_large``: 5,483,032 parameters, 0.217 GMACs at 224x224, any input size."""
    r, d = 2 if reduced_tail else 1, 2 if dilated else 1
    setting: list[Config] = [
        (16, 3, 16, 16, False, "RE", 1, 1),
        (16, 3, 64, 24, False, "RE", 2, 1),
        (24, 3, 72, 24, False, "RE", 1, 1),
        (24, 5, 72, 40, True, "RE", 2, 1),
        (40, 5, 120, 40, True, "RE", 1, 1),
        (40, 5, 120, 40, True, "RE", 1, 1),
        (40, 3, 240, 80, False, "HS", 2, 1),
        (80, 3, 200, 80, False, "HS", 1, 1),
        (80, 3, 184, 80, False, "HS", 1, 1),
        (80, 3, 184, 80, False, "HS", 1, 1),
        (80, 3, 480, 112, True, "HS", 1, 1),
        (112, 3, 672, 112, True, "HS", 1, 1),
        (112, 5, 672, 160 // r, True, "HS", 2, d),
        (160 // r, 5, 960 // r, 160 // r, True, "HS", 1, d),
        (160 // r, 5, 960 // r, 160 // r, True, "HS", 1, d),
    ]
    last_channel = make_divisible(1280 // r * width_mult, 8)
    return _mobilenet_v3(setting, last_channel, num_classes, width_mult, dropout, shape)


def mobilenet_v3_small(
    *, num_classes: int = 1000, width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False,
    dropout: float = 0.2, shape: Shape = IMAGE,
) -> nn.Sequential:  # fmt: skip
    """torchvision's ``mobilenet_v3_small``: 2,542,856 parameters, 0.057 GMACs at 224x224, any input size."""
    r, d = 2 if reduced_tail else 1, 2 if dilated else 1
    setting: list[Config] = [
        (16, 3, 16, 16, True, "RE", 2, 1),
        (16, 3, 72, 24, False, "RE", 2, 1),
        (24, 3, 88, 24, False, "RE", 1, 1),
        (24, 5, 96, 40, True, "HS", 2, 1),
        (40, 5, 240, 40, True, "HS", 1, 1),
        (40, 5, 240, 40, True, "HS", 1, 1),
        (40, 5, 120, 48, True, "HS", 1, 1),
        (48, 5, 144, 48, True, "HS", 1, 1),
        (48, 5, 288, 96 // r, True, "HS", 2, d),
        (96 // r, 5, 576 // r, 96 // r, True, "HS", 1, d),
        (96 // r, 5, 576 // r, 96 // r, True, "HS", 1, d),
    ]
    last_channel = make_divisible(1024 // r * width_mult, 8)
    return _mobilenet_v3(setting, last_channel, num_classes, width_mult, dropout, shape)
