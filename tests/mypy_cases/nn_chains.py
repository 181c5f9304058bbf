"""shapecheck.nn chains: each mistake once, on the offending layer; nothing on correct models."""

from collections import OrderedDict
from typing import Final, Literal

import shapecheck.nn as snn
from shapecheck import nn
from shapecheck.nn import Conv2d, Linear, Sequential

# The 25088 mistake: a VGG head after two stages instead of five.
vgg = nn.Sequential(
    nn.Input("B", 3, 224, 224),
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

# Correct models: silent.
ok2d = nn.Sequential(
    nn.Input("B", 3, 32, 32),
    nn.Conv2d(3, 16, 3, padding=1),
    nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, stride=2, padding=1),
    nn.AvgPool2d(2),
    nn.Flatten(),
    nn.Linear(32 * 4 * 4, 10),
)
ok1d = nn.Sequential(nn.Input("B", 4, 100), nn.Conv1d(4, 8, 5, dilation=2), nn.MaxPool1d(2), nn.AvgPool1d(2), nn.Flatten(), nn.Linear(8 * 23, 2))
ok3d = nn.Sequential(nn.Input(2, 8, 8, 8), nn.Conv3d(2, 4, 3), nn.MaxPool3d(2), nn.AvgPool3d(3), nn.Flatten(0), nn.Linear(4, 1))
okT = nn.Sequential(nn.Input("B", 8, 7, 7), nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1), nn.Flatten(2), nn.ConvTranspose1d(4, 2, 3))
okT3 = nn.Sequential(nn.ConvTranspose3d(8, 4, 2), nn.Conv3d(4, 2, 1), nn.Identity(), nn.ReLU())
empty = nn.Sequential()

# Neighbour checks without an Input: channels and features.
channels = Sequential(Conv2d(3, 64, 3), nn.ReLU(), Conv2d(32, 64, 3))  # E:52: Conv2d expects 32 input channels, got 64
features = Sequential(nn.Flatten(), Linear(100, 50), Linear(60, 10))  # E:54: Linear expects 60 input features, got 50
channels1d = snn.Sequential(snn.Conv1d(3, 8, 3), snn.MaxPool1d(2), snn.Conv1d(4, 8, 3))  # E: Conv1d expects 4 input channels, got 8
channels3d = snn.Sequential(snn.Conv3d(3, 8, 3), snn.ConvTranspose3d(9, 8, 3))  # E: ConvTranspose3d expects 9 input channels, got 8
conv_then_linear = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Linear(8, 2))  # silent: the last dim is a width, unknown

# Sizes and ranks (with an Input).
too_small = nn.Sequential(nn.Input("B", 3, 4, 4), nn.Conv2d(3, 8, 3), nn.Conv2d(8, 8, 3))  # E:71: input H 2 padded by 0 is smaller than the kernel (3)
pool_small = nn.Sequential(nn.Input(1, 5), nn.MaxPool1d(6))  # E: MaxPool1d output W would be 0: input W 5 is too small for kernel 6
rank = nn.Sequential(nn.Input("B", 10), nn.Conv2d(10, 4, 1))  # E: Conv2d expects a 3D (unbatched) or 4D (batched) input, got a 2D input (B, 10)
indices = nn.Sequential(nn.Input("B", 3, 8, 8), nn.MaxPool2d(2, return_indices=True), nn.ReLU())  # E: MaxPool2d(return_indices=True) returns (output, indices): a tuple cannot feed the next layer
flatten = nn.Sequential(nn.Input("B", 3), nn.Flatten(5))  # E: Flatten: dimension out of range (expected to be in range of [-2, 1], but got 5)
declared = nn.Sequential(nn.Input("B", 3, 8, 8), nn.Conv2d(3, 4, 3), nn.Input("B", 4, 8, 8))  # E:70: dim 2: expected 8, got 6

# Constants: Final names, Literal types, arithmetic, keywords, tuples.
C: Final = 512
K: Final = (3, 3)
WIDTH: Literal[7] = 7
finals = nn.Sequential(nn.Conv2d(C, C // 2, K), nn.Conv2d(C, 8, kernel_size=K))  # E: Conv2d expects 512 input channels, got 256


def literal_parameter(c: Literal[16]) -> None:
    nn.Sequential(nn.Linear(c, c * 2), nn.Linear(c, 1))  # E: Linear expects 16 input features, got 32
    nn.Sequential(nn.Input("B", c, WIDTH), nn.Conv1d(c, 4, 3), nn.Flatten(), nn.Linear(4 * (WIDTH - 2), 1))


# Nested chains report inside; one error per mistake.
nested = nn.Sequential(
    nn.Input("B", 3, 32, 32),
    nn.Sequential(
        nn.Conv2d(3, 8, 3),
        nn.Flatten(),
        nn.Linear(10, 2),  # E: Linear expects 10 input features, got 7200
    ),
)
inner_only = nn.Sequential(
    nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(4, 8, 3)),  # E: Conv2d expects 4 input channels, got 8
    nn.Conv2d(5, 8, 3),  # silent: the failing inner chain is opaque
)
between = nn.Sequential(nn.Sequential(nn.Conv2d(3, 8, 3)), nn.Sequential(nn.ReLU(), nn.Conv2d(9, 8, 3)))  # E:85: Conv2d expects 9 input channels, got 8

# Named children: OrderedDict and dict.
named = nn.Sequential(
    OrderedDict(
        [
            ("conv", nn.Conv2d(3, 8, 3)),
            ("act", nn.ReLU()),
            ("head", nn.Conv2d(7, 1, 1)),  # E: Conv2d expects 7 input channels, got 8
        ]
    )
)
named_dict = nn.Sequential({"a": nn.Linear(3, 4), "b": nn.Linear(5, 1)})  # E:56: Linear expects 5 input features, got 4

# with_input checks a chain later.
later = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(100, 2)).with_input("B", 3, 8, 8)  # E:57: Linear expects 100 input features, got 288
later_ok = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(288, 2)).with_input("B", 3, 8, 8)

# Symbolic input sizes: a mismatch is reported only with a counterexample.
sym = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3, stride=2), nn.Flatten(), nn.Linear(8 * 16 * 16, 10))  # E: Linear expects 2048 input features, got 8*((H + 1)//2 - 1)*((W + 1)//2 - 1)
sym_ok = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1), nn.MaxPool2d(2))

# A mismatch suppressed where the user says so.
ignored = nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 1))  # type: ignore[shape]

# Constrained sizes (issue 12): a U-Net on multiples of 16 checks; on any H it does not; declared bounds.
unet16 = nn.Sequential(
    nn.Input("B", 1, "16*h", "16*w"),
    nn.MaxPool2d(2),
    nn.MaxPool2d(2),
    nn.MaxPool2d(2),
    nn.Concat(nn.Identity(), nn.Sequential(nn.MaxPool2d(2), nn.ConvTranspose2d(1, 1, 2, stride=2))),
)
unet_any = nn.Sequential(
    nn.Input("B", 1, "H", "W"),
    nn.MaxPool2d(2),
    nn.MaxPool2d(2),
    nn.MaxPool2d(2),
    nn.Concat(nn.Identity(), nn.Sequential(nn.MaxPool2d(2), nn.ConvTranspose2d(1, 1, 2, stride=2))),  # E: Concat: sizes must match except in dim 1, but at dim 2 branch 0 has H//8, branch 1 has 2*(H//16) (branch 0 (3.0) gives (B, 1, H//8, W//8); branch 1 (3.1) gives (B, 1, 2*(H//16), 2*(W//16)))
)
too_small = nn.Sequential(
    nn.Input("B", 3, "H", "H", where="H <= 8"),
    nn.Conv2d(3, 4, 9),  # E: input H H padded by 0 is smaller than the kernel (9)
)
