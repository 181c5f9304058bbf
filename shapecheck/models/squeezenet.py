"""SqueezeNet 1.0 and 1.1, as ``torchvision.models.squeezenet``."""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._common import IMAGE, Shape, model

__all__ = ["squeezenet1_0", "squeezenet1_1"]


def fire(inplanes: int, squeeze_planes: int, expand1x1_planes: int, expand3x3_planes: int) -> nn.Sequential:
    """torchvision's ``Fire``: a 1x1 squeeze, then 1x1 and 3x3 expansions concatenated on the channels."""
    return nn.Sequential(
        {
            "squeeze": nn.Conv2d(inplanes, squeeze_planes, kernel_size=1),
            "squeeze_activation": nn.ReLU(inplace=True),
            "expand": nn.Concat(
                nn.Sequential(nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1), nn.ReLU(inplace=True)),
                nn.Sequential(nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1), nn.ReLU(inplace=True)),
                dim=1,
            ),
        }
    )


def _squeezenet(features: nn.Sequential, num_classes: int, dropout: float, shape: Shape) -> nn.Sequential:
    return model(
        shape,
        features=features,
        classifier=nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Conv2d(512, num_classes, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)),
        ),
        flatten=nn.Flatten(1),
    )


def squeezenet1_0(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    """torchvision's ``SqueezeNet("1_0")``: 1,248,424 parameters, 0.819 GMACs at 224x224, inputs of 21x21 and up."""
    features = nn.Sequential(
        nn.Conv2d(3, 96, kernel_size=7, stride=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        fire(96, 16, 64, 64),
        fire(128, 16, 64, 64),
        fire(128, 32, 128, 128),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        fire(256, 32, 128, 128),
        fire(256, 48, 192, 192),
        fire(384, 48, 192, 192),
        fire(384, 64, 256, 256),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        fire(512, 64, 256, 256),
    )
    return _squeezenet(features, num_classes, dropout, shape)


def squeezenet1_1(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    """torchvision's ``SqueezeNet("1_1")``: 1,235,496 parameters."""
    features = nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=3, stride=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        fire(64, 16, 64, 64),
        fire(128, 16, 64, 64),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        fire(128, 32, 128, 128),
        fire(256, 32, 128, 128),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        fire(256, 48, 192, 192),
        fire(384, 48, 192, 192),
        fire(384, 64, 256, 256),
        fire(512, 64, 256, 256),
    )
    return _squeezenet(features, num_classes, dropout, shape)
