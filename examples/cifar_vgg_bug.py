"""The classic mistake: an ImageNet VGG classifier on 32x32 CIFAR images, caught when the model is built.

Run from the repository root:  python examples/cifar_vgg_bug.py

Five 2x2 pools turn a 32x32 image into 1x1, so the trunk hands 512 features to a classifier
written for 224x224 images, whose first Linear expects 512*7*7 = 25,088. In PyTorch that is a
RuntimeError ("mat1 and mat2 shapes cannot be multiplied") at the first batch; here the model
refuses to be built, and the error says which line to fix and how.
"""

from __future__ import annotations

import shapecheck
from shapecheck import nn
from vgg16 import CFG_D, make_layers  # the VGG16 trunk of examples/vgg16.py


def cifar_vgg16() -> nn.Sequential:
    """VGG16 for CIFAR-10, as too many tutorials first write it: the trunk, then the ImageNet head.

    Written out layer by layer, so that ``mypy`` with the shapecheck plugin (or ``shapecheck check
    examples/``) flags the same line before anything runs.
    """
    return nn.Sequential(
        nn.Input("B", 3, 32, 32),  # a batch of CIFAR-10 images
        nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(True),
        nn.MaxPool2d(2, 2),  # 16x16
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(True),
        nn.MaxPool2d(2, 2),  # 8x8
        nn.Conv2d(128, 256, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(True),
        nn.MaxPool2d(2, 2),  # 4x4
        nn.Conv2d(256, 512, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(True),
        nn.MaxPool2d(2, 2),  # 2x2
        nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(True),
        nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(True),
        nn.MaxPool2d(2, 2),  # 1x1: 512 features
        nn.Flatten(),
        nn.Linear(512 * 7 * 7, 4096),  # copied from the 224x224 model
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(4096, 4096),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(4096, 10),
    )  # fmt: skip


def fixed_cifar_vgg16(num_classes: int = 10) -> nn.Sequential:
    """The first fix the error proposes: pool to 7x7 whatever the input size, as torchvision's VGG does."""
    return nn.Sequential(
        nn.Input("B", 3, 32, 32),
        make_layers(CFG_D),
        nn.AdaptiveAvgPool2d((7, 7)),  # 1x1 -> 7x7 on CIFAR, 7x7 -> 7x7 on ImageNet
        nn.Flatten(),
        nn.Linear(512 * 7 * 7, 4096),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(4096, 4096),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(4096, num_classes),
    )


def small_head_cifar_vgg16(num_classes: int = 10) -> nn.Sequential:
    """The other fix: a classifier sized for what the trunk gives on 32x32 images (512 features)."""
    return nn.Sequential(
        nn.Input("B", 3, 32, 32),
        make_layers(CFG_D),
        nn.Flatten(),
        nn.Linear(512, num_classes),
    )


def main() -> None:
    print("Building the CIFAR-10 VGG16 with the ImageNet classifier ...\n")
    try:
        cifar_vgg16()
    except shapecheck.ShapeError as error:
        print(f"shapecheck.ShapeError: {error}\n")
    else:
        raise SystemExit("the mistake was not caught")

    fixed = fixed_cifar_vgg16()
    print("Fixed with AdaptiveAvgPool2d((7, 7)) before the Flatten: it builds.")
    print(f"  output {fixed.output_shape}, {shapecheck.count_params(fixed):,} parameters, "
          f"{shapecheck.count_macs(fixed, B=1):,} MACs per image")

    small = small_head_cifar_vgg16()
    print("Or fixed with Linear(512, 10) as the whole classifier: it builds.")
    print(f"  output {small.output_shape}, {shapecheck.count_params(small):,} parameters, "
          f"{shapecheck.count_macs(small, B=1):,} MACs per image")


if __name__ == "__main__":
    main()
