"""VGG 11/13/16/19, plain and with BatchNorm, as ``torchvision.models.vgg``."""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._common import IMAGE, Shape, model

__all__ = ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]

# torchvision's cfgs "A", "B", "D", "E": conv widths, "M" a 2x2 max pool
_CFGS: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def _features(cfg: list[int | str], batch_norm: bool) -> nn.Sequential:
    """torchvision's ``make_layers``."""
    layers: list[nn.Module] = []
    channels = 3
    for v in cfg:
        if isinstance(v, str):
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        channels = v
    return nn.Sequential(*layers)


def _vgg(cfg: str, batch_norm: bool, num_classes: int, dropout: float, shape: Shape) -> nn.Sequential:
    return model(
        shape,
        features=_features(_CFGS[cfg], batch_norm),
        avgpool=nn.AdaptiveAvgPool2d((7, 7)),
        flatten=nn.Flatten(1),
        classifier=nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        ),
    )


def vgg11(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _vgg("A", False, num_classes, dropout, shape)


def vgg11_bn(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _vgg("A", True, num_classes, dropout, shape)


def vgg13(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _vgg("B", False, num_classes, dropout, shape)


def vgg13_bn(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _vgg("B", True, num_classes, dropout, shape)


def vgg16(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _vgg("D", False, num_classes, dropout, shape)


def vgg16_bn(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _vgg("D", True, num_classes, dropout, shape)


def vgg19(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _vgg("E", False, num_classes, dropout, shape)


def vgg19_bn(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    return _vgg("E", True, num_classes, dropout, shape)
