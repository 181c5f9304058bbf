"""U-Net (Ronneberger et al., 2015) checked for every input size at once.

Run from the repository root:  python examples/unet.py

1. The padded U-Net most code uses: four 2x2 pools down, four transposed convs up, each level
   concatenated with its skip. On any H x W it cannot check (the skip has H//8 rows, the upsampled
   path 2*(H//16)); declared as multiples of 16, ``Input("B", 1, "16*h", "16*w")``, it does.
2. The paper's U-Net: unpadded 3x3 convs, so each skip is center-cropped to the upsampled path
   (``Concat(skip, up, crop=True)``): 572x572 in, 388x388 out, for any H, W >= 188.
"""

from __future__ import annotations

import shapecheck
from shapecheck import nn


def double_conv(cin: int, cout: int, padding: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=padding),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=padding),
        nn.ReLU(inplace=True),
    )


def level(c: int, depth: int, padding: int) -> nn.Sequential:
    """A level of ``c`` channels and the ``depth`` levels below it: pool, convs to ``2*c``, the levels below,
    a transposed conv back to ``c``, concatenated with the skip, convs to ``c``."""
    inner = double_conv(c, 2 * c, padding)
    if depth > 1:
        inner = nn.Sequential(inner, level(2 * c, depth - 1, padding))
    down = nn.Sequential(nn.MaxPool2d(2), inner, nn.ConvTranspose2d(2 * c, c, 2, stride=2))
    return nn.Sequential(nn.Concat(nn.Identity(), down, crop=padding == 0), double_conv(2 * c, c, padding))


def unet(*dims: int | str, padding: int = 1, classes: int = 2) -> nn.Sequential:
    return nn.Sequential(nn.Input(*dims), double_conv(1, 64, padding), level(64, 4, padding), nn.Conv2d(64, classes, 1))


def main() -> None:
    print("Padded U-Net on (B, 1, H, W):")
    try:
        unet("B", 1, "H", "W")
    except shapecheck.ShapeError as err:
        print("  " + str(err).splitlines()[2].strip())
        print("  " + next(line for line in str(err).splitlines() if "holds only when" in line).strip())
    model = unet("B", 1, "16*h", "16*w")
    print("Padded U-Net on (B, 1, 16*h, 16*w):")
    print(f"  output shape:     {model.output_shape}")
    print(f"  input conditions: {', '.join(model.conditions) or 'none'}")
    print(f"  parameters:       {shapecheck.count_params(model):,}")
    print(f"  contract:         {model.contract()}")

    paper = unet("B", 1, "H", "W", padding=0)
    print("The paper's U-Net (unpadded convs, cropped skips) on (B, 1, H, W):")
    print(f"  output shape:     {paper.output_shape}")
    print(f"  input conditions: {', '.join(paper.conditions)}")
    at = unet(1, 1, 572, 572, padding=0)
    print(f"  on 572x572:       {at.output_shape}, {shapecheck.count_params(at):,} parameters")


if __name__ == "__main__":
    main()
