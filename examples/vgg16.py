"""VGG16 exactly as torchvision defines it, written with shapecheck.nn: where its 138,357,544 parameters live.

Run from the repository root:  python examples/vgg16.py

No torch needed. The layers take torch.nn's arguments, so this file is torchvision's
``vgg.py`` with one import changed; every layer's shape is checked as the model is built.
"""

from __future__ import annotations

from collections import OrderedDict

import shapecheck
from shapecheck import nn

# torchvision/models/vgg.py, cfgs["D"]: a number is a 3x3 conv with that many output channels,
# "M" a 2x2 max pool that halves the image.
CFG_D: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def make_layers(cfg: list[int | str], batch_norm: bool = False) -> nn.Sequential:
    """The convolutional trunk, as torchvision's ``make_layers``."""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            assert isinstance(v, int)
            layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            in_channels = v
    return nn.Sequential(*layers)


def vgg16(num_classes: int = 1000, dropout: float = 0.5) -> nn.Sequential:
    """torchvision's ``vgg16()``: the children are named as there, so paths read ``features.0``, ``classifier.0``."""
    return nn.Sequential(
        OrderedDict(
            features=make_layers(CFG_D),
            avgpool=nn.AdaptiveAvgPool2d((7, 7)),  # any input >= 32x32 ends as 512 x 7 x 7
            flatten=nn.Flatten(1),  # torchvision's forward() calls torch.flatten(x, 1) here
            classifier=nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096),  # "fc1": the bulk of the parameters
                nn.ReLU(True),
                nn.Dropout(p=dropout),
                nn.Linear(4096, 4096),
                nn.ReLU(True),
                nn.Dropout(p=dropout),
                nn.Linear(4096, num_classes),
            ),
        )
    )


def main() -> None:
    # Check the definition on an ImageNet batch of any size B; the summary binds B=1.
    model = vgg16().with_input("B", 3, 224, 224)
    print(shapecheck.summary(model, B=1))

    # MACs as torchvision publishes them (conv and linear, no bias): per image, and for any batch.
    print(f"MACs per 224x224 image: {shapecheck.count_macs(model, B=1):,} (torchvision: 15.47 GMACs)")
    print(f"MACs for a batch of B:  {shapecheck.count_macs(model)}")
    print(f"with bias additions:    {shapecheck.count_macs(model, bias=True, B=1):,} (torchinfo's convention)")

    # The breakdown people derive by hand: k*k*in*out weights + out biases.
    conv1, fc1 = model["features"][0], model["classifier"][0]
    print(f"conv3-64 (features.0): 3*3*3*64 + 64     = {shapecheck.count_params(conv1):>11,}")
    print(f"fc1 (classifier.0):    25088*4096 + 4096 = {shapecheck.count_params(fc1):>11,}")
    print(f"total parameters:                          {shapecheck.count_params(model):>11,}")


if __name__ == "__main__":
    main()
