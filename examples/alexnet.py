"""AlexNet as torchvision defines it, written with shapecheck.nn: 61,100,840 parameters, 714,188,480 MACs.

Run from the repository root:  python examples/alexnet.py
"""

from __future__ import annotations

from collections import OrderedDict

import shapecheck
from shapecheck import nn


def alexnet(num_classes: int = 1000, dropout: float = 0.5) -> nn.Sequential:
    """torchvision's ``AlexNet`` (the one-GPU variant of "One weird trick"), children named as there."""
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),  # 224 -> 55
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),  # 55 -> 27: overlapping pooling
                nn.Conv2d(64, 192, kernel_size=5, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),  # 27 -> 13
                nn.Conv2d(192, 384, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),  # 13 -> 6
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
    )


def main() -> None:
    model = alexnet().with_input("B", 3, 224, 224)
    print(shapecheck.summary(model, B=1))
    print(f"parameters:               {shapecheck.count_params(model):,} (torchvision: 61,100,840)")
    print(f"MACs per 224x224 image:   {shapecheck.count_macs(model, B=1):,} (torchvision: 0.714 GMACs)")

    # On symbolic H and W the model states which inputs it accepts: the stride-4 conv and three
    # 3x3/2 pools need a 63x63 image at least (torchvision's min_size for AlexNet).
    trunk = alexnet()["features"].with_input("B", 3, "H", "W")
    print(f"the trunk on (B, 3, H, W) gives {trunk.output_shape}")
    print(f"input conditions: {', '.join(trunk.conditions)}")


if __name__ == "__main__":
    main()
