"""ResNet-18 (He et al., 2016) written as a user writes it: a ``basic_block`` helper, residual sums, named stages.

Run from the repository root:  python examples/resnet18.py

11,689,512 parameters and 1,814,073,344 MACs at 224x224, as torchvision publishes them; the input
conditions are derived for every image size. A block built with the wrong input channels is reported
at the line that called the helper, then at the line inside it.
"""

from __future__ import annotations

from collections import OrderedDict

import shapecheck
from shapecheck import nn


def basic_block(cin: int, cout: int, stride: int) -> nn.Sequential:
    """Two 3x3 convs with a residual sum; a 1x1 conv on the skip when the shape changes."""
    body = nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
            bn1=nn.BatchNorm2d(cout),
            relu=nn.ReLU(inplace=True),
            conv2=nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            bn2=nn.BatchNorm2d(cout),
        )
    )
    skip: nn.Module = nn.Identity()
    if stride != 1 or cin != cout:
        skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
    return nn.Sequential(nn.Add(body, skip), nn.ReLU(inplace=True))


def resnet18(classes: int = 1000, stage2_in: int = 64) -> nn.Sequential:
    """ResNet-18; ``stage2_in`` is the in_channels of layer2's first block (64 is right)."""
    return nn.Sequential(
        OrderedDict(
            input=nn.Input("B", 3, "H", "W"),
            conv1=nn.Conv2d(3, 64, 7, 2, 3, bias=False),
            bn1=nn.BatchNorm2d(64),
            relu=nn.ReLU(inplace=True),
            maxpool=nn.MaxPool2d(3, 2, 1),
            layer1=nn.Sequential(basic_block(64, 64, 1), basic_block(64, 64, 1)),
            layer2=nn.Sequential(basic_block(stage2_in, 128, 2), basic_block(128, 128, 1)),
            layer3=nn.Sequential(basic_block(128, 256, 2), basic_block(256, 256, 1)),
            layer4=nn.Sequential(basic_block(256, 512, 2), basic_block(512, 512, 1)),
            avgpool=nn.AdaptiveAvgPool2d((1, 1)),
            flatten=nn.Flatten(),
            fc=nn.Linear(512, classes),
        )
    )


def main() -> None:
    model = resnet18()
    print("ResNet-18 on (B, 3, H, W):")
    print(f"  output shape:     {model.output_shape}")
    print(f"  input conditions: {', '.join(model.conditions)}")
    print(f"  parameters:       {shapecheck.count_params(model):,}")
    print(f"  MACs at B=1, 224x224: {shapecheck.count_macs(model, B=1, H=224, W=224):,}")
    print("\nWith layer2's first block built on 128 channels:")
    try:
        resnet18(stage2_in=128)
    except shapecheck.ShapeError as err:
        print(err)


if __name__ == "__main__":
    main()
