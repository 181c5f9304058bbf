"""DCGAN (Radford et al., 2016): the generator and discriminator of the PyTorch DCGAN tutorial, checked.

Run from the repository root:  python examples/dcgan.py

The generator maps a (B, 100, 1, 1) noise vector to a (B, 3, 64, 64) image; the discriminator maps the
image to one probability. A wrong channel count in the generator is blamed on the layer that made it:
every layer after it expects the other size.
"""

from __future__ import annotations

import shapecheck
from shapecheck import nn

NZ, NGF, NDF = 100, 64, 64


def generator(second: int = NGF * 4) -> nn.Sequential:
    """The generator; ``second`` is the out_channels of its second ConvTranspose2d (``NGF * 4`` is right)."""
    return nn.Sequential(
        nn.Input("B", NZ, 1, 1),
        nn.ConvTranspose2d(NZ, NGF * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(NGF * 8), nn.ReLU(True),
        nn.ConvTranspose2d(NGF * 8, second, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF * 4), nn.ReLU(True),
        nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF * 2), nn.ReLU(True),
        nn.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF), nn.ReLU(True),
        nn.ConvTranspose2d(NGF, 3, 4, 2, 1, bias=False), nn.Tanh(),
    )  # fmt: skip


def discriminator() -> nn.Sequential:
    return nn.Sequential(
        nn.Input("B", 3, 64, 64),
        nn.Conv2d(3, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF * 2, NDF * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 4), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF * 4, NDF * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 8), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid(),
    )  # fmt: skip


def main() -> None:
    for name, model in (("generator", generator()), ("discriminator", discriminator())):
        params = shapecheck.count_params(model)
        print(f"{name + ':':15}{model.input_shape} -> {model.output_shape}, {params:,} parameters")
    try:
        generator(second=128)
    except shapecheck.ShapeError as err:
        print(f"\nThe generator with ConvTranspose2d(512, 128) as its second layer:\n{err}")


if __name__ == "__main__":
    main()
