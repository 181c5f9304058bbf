"""Symbolic shapes: a model checked for every batch size B and image size H x W at once.

Run from the repository root:  python examples/symbolic.py

1. The VGG16 trunk on (B, 3, H, W): output shapes as expressions, the conditions the input must
   meet, MACs as an expression, and binding symbols to numbers.
2. A symbolic mismatch: ``Linear(25088, ...)`` after the trunk holds for some H, W only, so it is
   an error, with the condition under which it would hold and a counterexample.
3. The fully-convolutional VGG16 of the VGG paper (Simonyan & Zisserman, 2015, section 3.2): at
   test time the fully-connected layers become a 7x7 conv and two 1x1 convs, so the net takes
   any image >= 224 and returns a class score map: same 138,357,544 parameters, a 6x6 map at 384.
"""

from __future__ import annotations

import shapecheck
from shapecheck import nn
from vgg16 import CFG_D, make_layers, vgg16  # torchvision's VGG16, from examples/vgg16.py


def fully_convolutional_vgg16(num_classes: int = 1000) -> nn.Sequential:
    """VGG16 whose classifier is convolutional: each fc layer becomes a conv with the same weights."""
    return nn.Sequential(
        nn.Input("B", 3, "H", "W"),
        make_layers(CFG_D),
        nn.Conv2d(512, 4096, kernel_size=7),  # fc1: its 25088 inputs are a 512 x 7 x 7 window
        nn.ReLU(True),
        nn.Dropout(),
        nn.Conv2d(4096, 4096, kernel_size=1),  # fc2
        nn.ReLU(True),
        nn.Dropout(),
        nn.Conv2d(4096, num_classes, kernel_size=1),  # fc3: one score map per class
    )


def main() -> None:
    # -- 1. The trunk on any input -----------------------------------------------------------
    trunk = make_layers(CFG_D).with_input("B", 3, "H", "W")
    print("VGG16 trunk on (B, 3, H, W)")
    print(f"  output shape:     {trunk.output_shape}")  # five 2x2 pools: H//32, nested floors folded
    print(f"  input conditions: {', '.join(trunk.conditions)}")  # each pool needs at least 2 rows
    flat = nn.Sequential(nn.Input("B", 3, "H", "W"), make_layers(CFG_D), nn.Flatten())
    print(f"  after Flatten:    {flat.output_shape}")
    print(f"  MACs:             {shapecheck.count_macs(trunk)}")
    print(f"  MACs at B=1, 224x224: {shapecheck.count_macs(trunk, B=1, H=224, W=224):,}")
    print(f"  output at B=8, 32x48: {trunk.output_shape.bind({'B': 8, 'H': 32, 'W': 48})}")

    # The whole torchvision VGG16: adaptive pooling makes the classifier fit every H, W >= 32.
    model = vgg16().with_input("B", 3, "H", "W")
    print("\ntorchvision's VGG16 on (B, 3, H, W)")
    print(f"  output shape:     {model.output_shape}")
    print(f"  input conditions: {', '.join(model.conditions)}")
    print(f"  MACs at 224x224:  {shapecheck.count_macs(model, H=224, W=224)}")

    # -- 2. A classifier that fits some sizes only -------------------------------------------
    print("\nThe trunk, Flatten and Linear(512 * 7 * 7, 4096) on (B, 3, H, W):")
    try:
        nn.Sequential(nn.Input("B", 3, "H", "W"), make_layers(CFG_D), nn.Flatten(), nn.Linear(512 * 7 * 7, 4096))
    except shapecheck.ShapeError as error:
        print(error)

    # -- 3. The fully-convolutional VGG16 (dense evaluation) ---------------------------------
    fcn = fully_convolutional_vgg16()
    print("\nFully-convolutional VGG16 (VGG paper, section 3.2) on (B, 3, H, W)")
    print(f"  output shape:     {fcn.output_shape}")  # the 7x7 conv eats 6 rows: H//32 - 6
    print(f"  input conditions: {', '.join(fcn.conditions)}")  # the 7x7 window needs H//32 >= 7
    params, original = shapecheck.count_params(fcn), shapecheck.count_params(model)
    print(f"  parameters:       {params:,} (torchvision's VGG16: {original:,})")
    for side in (224, 384):
        shape = fcn.output_shape.bind({"B": 1, "H": side, "W": side})
        macs = shapecheck.count_macs(fcn, B=1, H=side, W=side)
        print(f"  on a {side}x{side} image: class map {shape}, {macs:,} MACs")


if __name__ == "__main__":
    main()
