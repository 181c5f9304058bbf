"""torchvision's architectures written with ``shapecheck.nn`` (no weights): checked and counted as they are built.

Each function returns a ``Sequential`` over ``Input("B", 3, "H", "W")`` (or ``shape=``) whose
parameters and MACs equal torchvision's published figures; ``forward()``'s tensor calls appear as
layers (``torch.flatten`` is ``Flatten``, a residual sum is ``Add``, a dense block's ``torch.cat``
is ``Concat``).
"""

from shapecheck.models.alexnet import alexnet
from shapecheck.models.densenet import densenet121, densenet161, densenet169, densenet201
from shapecheck.models.mobilenet import mobilenet_v2
from shapecheck.models.resnet import resnet18, resnet34, resnet50, resnet101, resnet152
from shapecheck.models.squeezenet import squeezenet1_0, squeezenet1_1
from shapecheck.models.vgg import vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn

__all__ = [
    "alexnet",
    "densenet121",
    "densenet161",
    "densenet169",
    "densenet201",
    "mobilenet_v2",
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
]
