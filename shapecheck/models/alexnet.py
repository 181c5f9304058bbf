"""AlexNet, as ``torchvision.models.alexnet``."""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._common import IMAGE, Shape, model

__all__ = ["alexnet"]


def alexnet(*, num_classes: int = 1000, dropout: float = 0.5, shape: Shape = IMAGE) -> nn.Sequential:
    """torchvision's ``AlexNet``: 61,100,840 parameters, 0.714 GMACs at 224x224, inputs of 63x63 and up."""
    return model(
        shape,
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
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        ),
    )
