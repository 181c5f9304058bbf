"""torchvision's architectures written with ``shapecheck.nn`` (no weights): checked and counted as they are built.

Each function returns a ``Sequential`` over ``Input("B", 3, "H", "W")`` (or ``shape=``) whose
parameters and MACs equal torchvision's published figures; ``forward()``'s tensor calls appear as
layers (``torch.flatten`` is ``Flatten``, a residual sum is ``Add``, a dense block's ``torch.cat``
is ``Concat``).
"""

from shapecheck.models.alexnet import alexnet
from shapecheck.models.convnext import convnext_base, convnext_large, convnext_small, convnext_tiny
from shapecheck.models.densenet import densenet121, densenet161, densenet169, densenet201
from shapecheck.models.efficientnet import (
    efficientnet_b0,
    efficientnet_b1,
    efficientnet_b2,
    efficientnet_b3,
    efficientnet_b4,
    efficientnet_b5,
    efficientnet_b6,
    efficientnet_b7,
)
from shapecheck.models.googlenet import googlenet
from shapecheck.models.inception import inception_v3
from shapecheck.models.mobilenet import mobilenet_v2
from shapecheck.models.mobilenetv3 import mobilenet_v3_large, mobilenet_v3_small
from shapecheck.models.resnet import resnet18, resnet34, resnet50, resnet101, resnet152
from shapecheck.models.squeezenet import squeezenet1_0, squeezenet1_1
from shapecheck.models.vgg import vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from shapecheck.models.vit import vit_b_16, vit_b_32, vit_l_16, vit_l_32

__all__ = [
    "alexnet",
    "convnext_base",
    "convnext_large",
    "convnext_small",
    "convnext_tiny",
    "densenet121",
    "densenet161",
    "densenet169",
    "densenet201",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_b4",
    "efficientnet_b5",
    "efficientnet_b6",
    "efficientnet_b7",
    "googlenet",
    "inception_v3",
    "mobilenet_v2",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "squeezenet1_0",
    "squeezenet1_1",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "vit_b_16",
    "vit_b_32",
    "vit_l_16",
    "vit_l_32",
]
