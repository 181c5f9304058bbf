"""Inception v3, as ``torchvision.models.inception_v3``.

Each ``Mixed_*`` block is a ``Concat`` of its branches along the channels (the ``F.avg_pool2d`` /
``F.max_pool2d`` of ``forward()`` appear as pooling layers); InceptionE's 3x3 branches end in a nested
``Concat`` of a 1x3 and a 3x1 conv.

The auxiliary classifier: torchvision's figure of 27,161,264 parameters counts it (``AuxLogits``,
3,326,696 parameters; 23,834,568 without), while its 5.713 GMACs and ``min_size`` of 75 are those of
the eval forward, which skips it. So ``AuxLogits`` is a :class:`~shapecheck.models._blocks.TrainingOnly`
side branch after ``Mixed_6e``: its parameters count, its MACs and its spatial needs do not (in
training its 5x5 stride-3 pool and 5x5 conv need ``Mixed_6e``'s output to be 17x17 or more, i.e.
inputs of 299x299 or more), and its channels are checked. ``aux_logits=False`` drops it. ``transform_input`` (a per-channel affine map
of the 3 input channels) changes no shape and has no parameters, so it is left out.
"""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._blocks import TrainingOnly
from shapecheck.models._common import IMAGE, Shape, model
from shapecheck.models.googlenet import basic_conv2d as conv

__all__ = ["inception_v3"]


def _pool_branch(in_channels: int, pool_features: int) -> nn.Sequential:
    """``branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))``."""
    return nn.Sequential(nn.AvgPool2d(kernel_size=3, stride=1, padding=1), conv(in_channels, pool_features, kernel_size=1))


def inception_a(in_channels: int, pool_features: int) -> nn.Concat:
    """1x1 | 1x1, 5x5 | 1x1, 3x3, 3x3 | avg pool, 1x1: 224 + ``pool_features`` channels."""
    return nn.Concat(
        conv(in_channels, 64, kernel_size=1),
        nn.Sequential(conv(in_channels, 48, kernel_size=1), conv(48, 64, kernel_size=5, padding=2)),
        nn.Sequential(
            conv(in_channels, 64, kernel_size=1), conv(64, 96, kernel_size=3, padding=1), conv(96, 96, kernel_size=3, padding=1)
        ),
        _pool_branch(in_channels, pool_features),
    )


def inception_b(in_channels: int) -> nn.Concat:
    """Halves the size: 3x3 stride 2 | 1x1, 3x3, 3x3 stride 2 | 3x3 stride-2 max pool."""
    return nn.Concat(
        conv(in_channels, 384, kernel_size=3, stride=2),
        nn.Sequential(
            conv(in_channels, 64, kernel_size=1), conv(64, 96, kernel_size=3, padding=1), conv(96, 96, kernel_size=3, stride=2)
        ),
        nn.MaxPool2d(kernel_size=3, stride=2),
    )


def inception_c(in_channels: int, channels_7x7: int) -> nn.Concat:
    """1x1 | 1x1, 1x7, 7x1 | 1x1, 7x1, 1x7, 7x1, 1x7 | avg pool, 1x1: 768 channels."""
    c7 = channels_7x7
    return nn.Concat(
        conv(in_channels, 192, kernel_size=1),
        nn.Sequential(
            conv(in_channels, c7, kernel_size=1),
            conv(c7, c7, kernel_size=(1, 7), padding=(0, 3)),
            conv(c7, 192, kernel_size=(7, 1), padding=(3, 0)),
        ),
        nn.Sequential(
            conv(in_channels, c7, kernel_size=1),
            conv(c7, c7, kernel_size=(7, 1), padding=(3, 0)),
            conv(c7, c7, kernel_size=(1, 7), padding=(0, 3)),
            conv(c7, c7, kernel_size=(7, 1), padding=(3, 0)),
            conv(c7, 192, kernel_size=(1, 7), padding=(0, 3)),
        ),
        _pool_branch(in_channels, 192),
    )


def inception_d(in_channels: int) -> nn.Concat:
    """Halves the size: 1x1, 3x3 stride 2 | 1x1, 1x7, 7x1, 3x3 stride 2 | 3x3 stride-2 max pool."""
    return nn.Concat(
        nn.Sequential(conv(in_channels, 192, kernel_size=1), conv(192, 320, kernel_size=3, stride=2)),
        nn.Sequential(
            conv(in_channels, 192, kernel_size=1),
            conv(192, 192, kernel_size=(1, 7), padding=(0, 3)),
            conv(192, 192, kernel_size=(7, 1), padding=(3, 0)),
            conv(192, 192, kernel_size=3, stride=2),
        ),
        nn.MaxPool2d(kernel_size=3, stride=2),
    )


def _split_3x3(channels: int) -> nn.Concat:
    """``torch.cat([branch_2a(x), branch_2b(x)], 1)``: a 1x3 and a 3x1 conv side by side."""
    return nn.Concat(
        conv(channels, 384, kernel_size=(1, 3), padding=(0, 1)), conv(channels, 384, kernel_size=(3, 1), padding=(1, 0))
    )


def inception_e(in_channels: int) -> nn.Concat:
    """1x1 | 1x1, (1x3 | 3x1) | 1x1, 3x3, (1x3 | 3x1) | avg pool, 1x1: 2048 channels."""
    return nn.Concat(
        conv(in_channels, 320, kernel_size=1),
        nn.Sequential(conv(in_channels, 384, kernel_size=1), _split_3x3(384)),
        nn.Sequential(conv(in_channels, 448, kernel_size=1), conv(448, 384, kernel_size=3, padding=1), _split_3x3(384)),
        _pool_branch(in_channels, 192),
    )


def inception_aux(in_channels: int, num_classes: int) -> TrainingOnly:
    """torchvision's ``InceptionAux``: 5x5 stride-3 average pool, 1x1 conv to 128, 5x5 conv to 768, pool, fc."""
    return TrainingOnly(
        nn.Sequential(
            {
                "avgpool": nn.AvgPool2d(kernel_size=5, stride=3),
                "conv0": conv(in_channels, 128, kernel_size=1),
                "conv1": conv(128, 768, kernel_size=5),
                "adaptive_avgpool": nn.AdaptiveAvgPool2d((1, 1)),
                "flatten": nn.Flatten(1),
                "fc": nn.Linear(768, num_classes),
            }
        )
    )


def inception_v3(
    *, num_classes: int = 1000, aux_logits: bool = True, dropout: float = 0.5, shape: Shape = IMAGE
) -> nn.Sequential:
    """torchvision's ``Inception3``: 27,161,264 parameters (with ``AuxLogits``), 5.713 GMACs at 299x299,
    inputs of 75x75 and up.
    """
    aux = {"AuxLogits": inception_aux(768, num_classes)} if aux_logits else {}
    return model(
        shape,
        Conv2d_1a_3x3=conv(3, 32, kernel_size=3, stride=2),
        Conv2d_2a_3x3=conv(32, 32, kernel_size=3),
        Conv2d_2b_3x3=conv(32, 64, kernel_size=3, padding=1),
        maxpool1=nn.MaxPool2d(kernel_size=3, stride=2),
        Conv2d_3b_1x1=conv(64, 80, kernel_size=1),
        Conv2d_4a_3x3=conv(80, 192, kernel_size=3),
        maxpool2=nn.MaxPool2d(kernel_size=3, stride=2),
        Mixed_5b=inception_a(192, pool_features=32),
        Mixed_5c=inception_a(256, pool_features=64),
        Mixed_5d=inception_a(288, pool_features=64),
        Mixed_6a=inception_b(288),
        Mixed_6b=inception_c(768, channels_7x7=128),
        Mixed_6c=inception_c(768, channels_7x7=160),
        Mixed_6d=inception_c(768, channels_7x7=160),
        Mixed_6e=inception_c(768, channels_7x7=192),
        **aux,
        Mixed_7a=inception_d(768),
        Mixed_7b=inception_e(1280),
        Mixed_7c=inception_e(2048),
        avgpool=nn.AdaptiveAvgPool2d((1, 1)),
        dropout=nn.Dropout(p=dropout),
        flatten=nn.Flatten(1),
        fc=nn.Linear(2048, num_classes),
    )
