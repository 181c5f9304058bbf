"""ConvNeXt tiny/small/base/large, as ``torchvision.models.convnext_tiny`` ... ``convnext_large``.

A ``CNBlock`` is ``x + layer_scale * block(x)``: ``Add(Sequential(block, layer_scale, stochastic_depth),
Identity())``, the learned ``(dim, 1, 1)`` layer scale a :class:`~shapecheck.nn.Scale` and
``StochasticDepth`` (the identity in eval, no parameters) an ``Identity``. torchvision's ``LayerNorm2d``
(a LayerNorm over the channels of ``(B, C, H, W)``) is ``Permute(0, 2, 3, 1)``, ``LayerNorm``,
``Permute(0, 3, 1, 2)``.
"""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._blocks import conv_norm_activation
from shapecheck.models._common import IMAGE, Shape, model

__all__ = ["convnext_base", "convnext_large", "convnext_small", "convnext_tiny"]


def layer_norm_2d(channels: int) -> nn.Sequential:
    """torchvision's ``LayerNorm2d(channels, eps=1e-6)``: normalizes dim 1 of ``(B, C, H, W)``."""
    return nn.Sequential(nn.Permute(0, 2, 3, 1), nn.LayerNorm(channels, eps=1e-6), nn.Permute(0, 3, 1, 2))


def cn_block(dim: int) -> nn.Module:
    """torchvision's ``CNBlock``: depthwise 7x7, then channels-last LayerNorm, Linear to 4x, GELU, Linear back."""
    block = nn.Sequential(
        nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
        nn.Permute(0, 2, 3, 1),
        nn.LayerNorm(dim, eps=1e-6),
        nn.Linear(in_features=dim, out_features=4 * dim, bias=True),
        nn.GELU(),
        nn.Linear(in_features=4 * dim, out_features=dim, bias=True),
        nn.Permute(0, 3, 1, 2),
    )
    scaled = nn.Sequential({"block": block, "layer_scale": nn.Scale(dim, 1, 1), "stochastic_depth": nn.Identity()})
    return nn.Add(scaled, nn.Identity())


def _convnext(block_setting: list[tuple[int, int | None, int]], num_classes: int, shape: Shape) -> nn.Sequential:
    """torchvision's ``ConvNeXt``: a 4x4 stride-4 patchify stem, stages of ``CNBlock`` joined by 2x2 stride-2
    downsampling convs, global pooling, a LayerNorm2d and the linear head.
    """
    first = block_setting[0][0]
    features: list[nn.Module] = [
        conv_norm_activation(3, first, kernel_size=4, stride=4, padding=0, norm_layer=layer_norm_2d, activation_layer=None, bias=True)
    ]
    for input_channels, out_channels, num_layers in block_setting:
        features.append(nn.Sequential(*(cn_block(input_channels) for _ in range(num_layers))))
        if out_channels is not None:
            features.append(
                nn.Sequential(layer_norm_2d(input_channels), nn.Conv2d(input_channels, out_channels, kernel_size=2, stride=2))
            )
    last = block_setting[-1][1] or block_setting[-1][0]
    return model(
        shape,
        features=nn.Sequential(*features),
        avgpool=nn.AdaptiveAvgPool2d(1),
        classifier=nn.Sequential(layer_norm_2d(last), nn.Flatten(1), nn.Linear(last, num_classes)),
    )


def convnext_tiny(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    """28,589,128 parameters, 4.456 GMACs at 224x224, inputs of 32x32 and up."""
    return _convnext([(96, 192, 3), (192, 384, 3), (384, 768, 9), (768, None, 3)], num_classes, shape)


def convnext_small(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _convnext([(96, 192, 3), (192, 384, 3), (384, 768, 27), (768, None, 3)], num_classes, shape)


def convnext_base(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _convnext([(128, 256, 3), (256, 512, 3), (512, 1024, 27), (1024, None, 3)], num_classes, shape)


def convnext_large(*, num_classes: int = 1000, shape: Shape = IMAGE) -> nn.Sequential:
    return _convnext([(192, 384, 3), (384, 768, 3), (768, 1536, 27), (1536, None, 3)], num_classes, shape)
