"""DenseNet 121/161/169/201, as ``torchvision.models.densenet`` (``memory_efficient`` changes no shape).

A dense layer sees the concatenation of everything before it in its block and adds ``growth_rate``
channels: ``Concat(Identity(), layer)`` applied in turn is the block's ``torch.cat(features, 1)``.
"""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._common import IMAGE, Shape, model

__all__ = ["densenet121", "densenet161", "densenet169", "densenet201"]


def dense_layer(num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float) -> nn.Module:
    """torchvision's ``_DenseLayer``: BN-ReLU-1x1 conv to ``bn_size*growth_rate``, BN-ReLU-3x3 conv to ``growth_rate``."""
    layers: dict[str, nn.Module] = {
        "norm1": nn.BatchNorm2d(num_input_features),
        "relu1": nn.ReLU(inplace=True),
        "conv1": nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False),
        "norm2": nn.BatchNorm2d(bn_size * growth_rate),
        "relu2": nn.ReLU(inplace=True),
        "conv2": nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False),
    }
    if drop_rate > 0:
        layers["dropout"] = nn.Dropout(p=drop_rate)
    return nn.Concat(nn.Identity(), nn.Sequential(layers), dim=1)


def transition(num_input_features: int, num_output_features: int) -> nn.Sequential:
    """torchvision's ``_Transition``: BN-ReLU-1x1 conv, then a 2x2 average pool."""
    return nn.Sequential(
        {
            "norm": nn.BatchNorm2d(num_input_features),
            "relu": nn.ReLU(inplace=True),
            "conv": nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False),
            "pool": nn.AvgPool2d(kernel_size=2, stride=2),
        }
    )


def _densenet(
    growth_rate: int, block_config: tuple[int, ...], num_init_features: int, num_classes: int, shape: Shape,
    bn_size: int = 4, drop_rate: float = 0,
) -> nn.Sequential:
    features: dict[str, nn.Module] = {
        "conv0": nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False),
        "norm0": nn.BatchNorm2d(num_init_features),
        "relu0": nn.ReLU(inplace=True),
        "pool0": nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    }
    channels = num_init_features
    for i, num_layers in enumerate(block_config):
        block = [dense_layer(channels + j * growth_rate, growth_rate, bn_size, drop_rate) for j in range(num_layers)]
        features[f"denseblock{i + 1}"] = nn.Sequential(*block)
        channels += num_layers * growth_rate
        if i != len(block_config) - 1:
            features[f"transition{i + 1}"] = transition(channels, channels // 2)
            channels //= 2
    features["norm5"] = nn.BatchNorm2d(channels)
    return model(
        shape,
        features=nn.Sequential(features),
        relu=nn.ReLU(inplace=True),
        avgpool=nn.AdaptiveAvgPool2d((1, 1)),
        flatten=nn.Flatten(1),
        classifier=nn.Linear(channels, num_classes),
    )


def densenet121(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    """7,978,856 parameters, 2.834 GMACs at 224x224, inputs of 29x29 and up."""
    return _densenet(32, (6, 12, 24, 16), 64, num_classes, shape)


def densenet161(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _densenet(48, (6, 12, 36, 24), 96, num_classes, shape)


def densenet169(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _densenet(32, (6, 12, 32, 32), 64, num_classes, shape)


def densenet201(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _densenet(32, (6, 12, 48, 32), 64, num_classes, shape)
