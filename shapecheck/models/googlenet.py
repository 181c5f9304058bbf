"""GoogLeNet (Inception v1), as ``torchvision.models.googlenet``.

An ``Inception`` block is ``Concat({"branch1": ..., "branch4": ...})``, its four branches applied to
the same input and concatenated along the channels, under torchvision's names (its parameters are
named as torchvision's: ``inception3a.branch2.0.conv.weight``). torchvision publishes the model without its two
auxiliary classifiers (6,624,904 parameters): that is the default here; ``aux_logits=True`` adds them as
:class:`~shapecheck.models._blocks.TrainingOnly` side branches (parameters counted, no MACs, as they run
only in training). ``transform_input`` (a per-channel affine map of the 3 input channels) changes no
shape and has no parameters, so it is left out.
"""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._blocks import TrainingOnly
from shapecheck.models._common import IMAGE, Shape, model

__all__ = ["googlenet"]


def basic_conv2d(
    in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], stride: int = 1,
    padding: int | tuple[int, int] = 0,
) -> nn.Sequential:  # fmt: skip
    """torchvision's ``BasicConv2d`` (GoogLeNet's and Inception v3's): conv without bias, BatchNorm (eps 0.001), ReLU."""
    return nn.Sequential(
        {
            "conv": nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False),
            "bn": nn.BatchNorm2d(out_channels, eps=0.001),
            "relu": nn.ReLU(inplace=True),
        }
    )


def inception(
    in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int
) -> nn.Concat:
    """torchvision's ``Inception``: 1x1 | 1x1, 3x3 | 1x1, 3x3 (torchvision's "5x5" branch) | 3x3 max pool, 1x1."""
    return nn.Concat(
        {
            "branch1": basic_conv2d(in_channels, ch1x1, kernel_size=1),
            "branch2": nn.Sequential(basic_conv2d(in_channels, ch3x3red, kernel_size=1), basic_conv2d(ch3x3red, ch3x3, 3, padding=1)),
            "branch3": nn.Sequential(basic_conv2d(in_channels, ch5x5red, kernel_size=1), basic_conv2d(ch5x5red, ch5x5, 3, padding=1)),
            "branch4": nn.Sequential(
                nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True), basic_conv2d(in_channels, pool_proj, 1)
            ),
        },
        dim=1,
    )


def inception_aux(in_channels: int, num_classes: int, dropout: float = 0.7) -> TrainingOnly:
    """torchvision's ``InceptionAux``: 4x4 adaptive average pool, 1x1 conv to 128, fc 2048 -> 1024 (ReLU), fc."""
    return TrainingOnly(
        nn.Sequential(
            {
                "avgpool": nn.AdaptiveAvgPool2d((4, 4)),
                "conv": basic_conv2d(in_channels, 128, kernel_size=1),
                "flatten": nn.Flatten(1),
                "fc1": nn.Linear(2048, 1024),
                "relu": nn.ReLU(inplace=True),
                "dropout": nn.Dropout(p=dropout),
                "fc2": nn.Linear(1024, num_classes),
            }
        )
    )


def googlenet(
    *, num_classes: int = 1000, aux_logits: bool = False, dropout: float = 0.2, dropout_aux: float = 0.7,
    shape: Shape = IMAGE,
) -> nn.Sequential:  # fmt: skip
    """torchvision's ``GoogLeNet``: 6,624,904 parameters, 1.498 GMACs at 224x224, inputs of 15x15 and up."""
    aux1 = {"aux1": inception_aux(512, num_classes, dropout_aux)} if aux_logits else {}
    aux2 = {"aux2": inception_aux(528, num_classes, dropout_aux)} if aux_logits else {}
    return model(
        shape,
        conv1=basic_conv2d(3, 64, kernel_size=7, stride=2, padding=3),
        maxpool1=nn.MaxPool2d(3, stride=2, ceil_mode=True),
        conv2=basic_conv2d(64, 64, kernel_size=1),
        conv3=basic_conv2d(64, 192, kernel_size=3, padding=1),
        maxpool2=nn.MaxPool2d(3, stride=2, ceil_mode=True),
        inception3a=inception(192, 64, 96, 128, 16, 32, 32),
        inception3b=inception(256, 128, 128, 192, 32, 96, 64),
        maxpool3=nn.MaxPool2d(3, stride=2, ceil_mode=True),
        inception4a=inception(480, 192, 96, 208, 16, 48, 64),
        **aux1,
        inception4b=inception(512, 160, 112, 224, 24, 64, 64),
        inception4c=inception(512, 128, 128, 256, 24, 64, 64),
        inception4d=inception(512, 112, 144, 288, 32, 64, 64),
        **aux2,
        inception4e=inception(528, 256, 160, 320, 32, 128, 128),
        maxpool4=nn.MaxPool2d(2, stride=2, ceil_mode=True),
        inception5a=inception(832, 256, 160, 320, 32, 128, 128),
        inception5b=inception(832, 384, 192, 384, 48, 128, 128),
        avgpool=nn.AdaptiveAvgPool2d((1, 1)),
        flatten=nn.Flatten(1),
        dropout=nn.Dropout(p=dropout),
        fc=nn.Linear(1024, num_classes),
    )
