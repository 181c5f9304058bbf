"""Plain torch.nn chains under every import spelling: neighbour checks, and full shapes after shapecheck.torch.Input."""

from collections import OrderedDict
from typing import Final

import torch
import torch.nn as nn
from torch import nn as tnn
from torch.nn import Conv2d, Linear

import shapecheck.torch
from shapecheck.torch import Input

# The 25088 mistake in plain torch: the input declared with shapecheck.torch.Input.
vgg = nn.Sequential(
    Input("B", 3, 224, 224),
    nn.Conv2d(3, 64, kernel_size=3, padding=1),
    nn.ReLU(inplace=True),
    nn.MaxPool2d(kernel_size=2, stride=2),
    nn.Conv2d(64, 512, kernel_size=3, padding=1),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(512 * 7 * 7, 4096),  # E: Linear expects 25088 input features, got 1605632
    nn.ReLU(True),
    nn.Linear(4096, 1000),
)
ok = torch.nn.Sequential(
    shapecheck.torch.Input("B", 3, 32, 32),
    torch.nn.Conv2d(3, 16, 3, padding=1),
    torch.nn.MaxPool2d(2),
    torch.nn.Flatten(),
    torch.nn.Linear(16 * 16 * 16, 10),
)

# Neighbour checks without an Input.
channels = tnn.Sequential(tnn.Conv2d(3, 64, 3), tnn.ReLU(), tnn.Conv2d(32, 64, 3))  # E:61: Conv2d expects 32 input channels, got 64
features = nn.Sequential(nn.Flatten(), Linear(100, 50), Linear(60, 10))  # E: Linear expects 60 input features, got 50
imported = nn.Sequential(Conv2d(3, 8, 3), Conv2d(4, 8, 3))  # E: Conv2d expects 4 input channels, got 8
C: Final = 8
named = nn.Sequential(OrderedDict([("a", nn.Conv1d(3, C, 3)), ("b", nn.Conv1d(C + 1, 2, 3))]))  # E: Conv1d expects 9 input channels, got 8
nested = nn.Sequential(Input("B", 3, 8, 8), nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten()), nn.Linear(4 * 6 * 5, 2))  # E: Linear expects 120 input features, got 144

# device and dtype are accepted and ignored: unknown values do not hide the layer.
typed = nn.Sequential(nn.Linear(3, 4, dtype=torch.float16, device="cpu"), nn.Linear(5, 1))  # E:75: Linear expects 5 input features, got 4

# Invalid arguments, at the layer.
kernel = nn.Conv2d(3, 64, 0)  # E: Conv2d: kernel_size must be positive, got 0
declared = Input()  # E: Input needs at least one dim, e.g. Input('B', 3, 224, 224)

# Spellings torch runs are not shape errors (torch's own annotation wants a stride of 2 ints, hence the
# ignore): a sequence of one is repeated for every axis, an empty pool stride is the kernel size.
spellings = nn.Sequential(
    Input("B", 4, 32, 32),
    nn.Conv2d(4, 4, 3, stride=(2,)),  # type: ignore[arg-type]
    nn.MaxPool2d((2,)),
    nn.MaxPool2d(2, stride=()),
    nn.Flatten(),
    nn.Linear(37, 10),  # E: Linear expects 37 input features, got 36
)

# Layers shapecheck does not know, and unknown arguments: silent after them.
unknown_layer = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Unfold(2), nn.Conv2d(5, 8, 3))


def unknown_argument(n: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n, 4), nn.Linear(n, 4))
